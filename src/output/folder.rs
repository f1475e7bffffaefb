//! The artifact manager: the one place that writes results folders.
//!
//! A command says *what* it produces, as named files in memory ([`OutputFile`]) or as
//! files it streams into the staging folder itself (`trials.parquet`, via
//! [`Staging::path`]); [`Artifacts`] decides *how* they reach the disk:
//!
//! 1. [`Artifacts::open`] checks `--out` (a folder that accepts files) and removes
//!    temporary folders left there by outsim processes that no longer exist (killed, or
//!    out of memory).
//! 2. [`Artifacts::results_folder`] checks the scenario's results folder `<out>/<stem>`:
//!    the stem must be a plain name, the folder must not hold the scenario file, and an
//!    existing folder must be one outsim wrote (it holds [`MARKER`], or an outsim
//!    `run.json`); a link, a file or anyone else's folder is refused and left alone.
//! 3. [`ResultsFolder::stage`] creates a hidden staging folder
//!    `<out>/.<stem>[.<part>].tmp-<pid>-<n>` that receives every file.
//! 4. [`Staging::commit`] syncs the files and, holding the lock file `<out>/.<stem>.lock`
//!    against every other outsim process, carries over the sub-results of the old folder
//!    (`stress/`, `sensitivity/`: plain files and folders only, never through a link)
//!    and renames the staging folder into place. The old folder is renamed aside and
//!    removed only after the swap.
//!
//! Cancellation ([`cancellation`]) is shared by every command: once requested, no
//! staging folder is committed. A staging folder dropped unfinished removes itself, and
//! [`abandon_staging`] removes every live one (for a signal handler that must exit at
//! once) while no commit can start or finish.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::OutputFile;

/// The file that marks a folder as written by outsim, so that a later run may replace it.
pub const MARKER: &str = ".outsim-results";

const MARKER_TEXT: &str =
    "This folder was written by outsim; a later `outsim run` replaces it as a whole.\n";

/// Subfolders that `outsim stress` and `outsim sensitivity` keep inside a scenario's
/// results folder; a new `run` carries them into its folder so that they are not lost.
pub const KEPT_SUBFOLDERS: [&str; 3] = ["stress", "sensitivity", "optimize"];

/// Why a results folder could not be written, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// `--out`, or a folder above it, is a file. Refused before anything runs.
    #[error("--out {out}: {file} is a file: --out must be a folder")]
    OutIsAFile {
        /// The `--out` given.
        out: PathBuf,
        /// The file in the way (`--out` itself or a folder above it).
        file: PathBuf,
    },
    /// `--out` is a folder that does not accept new files. Refused before anything runs.
    #[error(
        "--out {out}: cannot create files in this folder ({source}): choose a folder you can write to"
    )]
    OutNotWritable {
        /// The `--out` given.
        out: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The scenario file's name does not give a plain folder name. Refused before
    /// anything runs.
    #[error(
        "{file}: the results folder would be named {stem:?}, which {reason}: rename the scenario file"
    )]
    NotAPlainName {
        /// The scenario file.
        file: PathBuf,
        /// Its stem.
        stem: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The results folder would replace the folder that holds the scenario file.
    #[error(
        "{folder} holds the scenario file {file}: writing results there would replace it; choose another --out"
    )]
    HoldsTheScenario {
        /// The results folder.
        folder: PathBuf,
        /// The scenario file.
        file: PathBuf,
    },
    /// A folder that outsim did not write stands where the results folder goes; it is
    /// left as it was.
    #[error(
        "{path} exists and was not written by outsim (it has no {MARKER} file): outsim replaces only its own results folders; move it away or choose another --out"
    )]
    NotOurs {
        /// The folder in the way.
        path: PathBuf,
    },
    /// A symbolic link stands where a results folder goes; it is left as it was.
    #[error(
        "{path} is a symbolic link: outsim does not write through links; remove it or choose another --out"
    )]
    Link {
        /// The link.
        path: PathBuf,
    },
    /// Something other than a folder stands where a results folder goes; it is left as
    /// it was.
    #[error("{path} exists and is not a folder: move it away or choose another --out")]
    NotAFolder {
        /// The thing in the way.
        path: PathBuf,
    },
    /// Cancellation was requested before the folder was committed; nothing was replaced.
    #[error("interrupted before {path} was written")]
    Interrupted {
        /// The folder that was not written.
        path: PathBuf,
    },
    /// A file or folder could not be written; earlier results are left as they were.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl ArtifactError {
    /// Whether the user's paths were refused (nothing touched), as opposed to a failure
    /// while writing.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            ArtifactError::Io { .. } | ArtifactError::Interrupted { .. }
        )
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError + '_ {
    move |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);
static CANCEL: AtomicBool = AtomicBool::new(false);
static COMMITTED: AtomicUsize = AtomicUsize::new(0);
/// Staging folders not yet committed, and the lock every commit's rename holds.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The process-wide cancellation flag: set it to stop the engine at its next block and
/// to keep every staging folder from being committed.
pub fn cancellation() -> &'static AtomicBool {
    &CANCEL
}

/// How many folders this process has committed so far.
pub fn committed() -> usize {
    COMMITTED.load(Ordering::SeqCst)
}

/// Remove every staging folder of this process that is not committed yet, then call
/// `then` with the number of folders committed, while no commit can start or finish
/// (so that `then` may end the process).
pub fn abandon_staging(then: impl FnOnce(usize)) {
    let mut staging = live();
    for temp in staging.drain(..) {
        let _ = fs::remove_dir_all(&temp);
    }
    then(committed());
}

/// A hidden name in `parent` of outsim's temporary pattern `.<name>.<tag>-<pid>-<n>`.
fn unique_sibling(parent: &Path, name: &str, tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

/// A hidden temporary name beside `target` (`.<name>.tmp-<pid>-<n>`), in the pattern
/// [`remove_stale_temporaries`] removes once its process has ended: for a folder
/// written elsewhere than through [`ResultsFolder`] (a shard folder) and renamed into
/// place when complete.
pub fn temporary_beside(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    unique_sibling(target.parent().unwrap_or(Path::new(".")), &name, "tmp")
}

/// The process id in a name of outsim's temporary pattern, if it is one.
fn temporary_owner(name: &str) -> Option<u32> {
    let mut parts = name.rsplitn(3, '-');
    let n = parts.next()?;
    let pid = parts.next()?;
    let prefix = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let tagged = [".tmp", ".old", ".probe"].iter().any(|tag| {
        prefix
            .strip_suffix(tag)
            .is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
    });
    (tagged && digits(n) && digits(pid))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Remove entries of `dir` that match outsim's temporary pattern and belong to a process
/// that no longer exists (Linux: no `/proc/<pid>`). Elsewhere, or when `/proc` is not
/// mounted, nothing is removed. Returns the paths removed.
pub fn remove_stale_temporaries(dir: &Path) -> Vec<PathBuf> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return Vec::new();
    }
    let own = std::process::id();
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_owner) else {
            continue;
        };
        if pid == own || proc.join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let gone = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path),
            Ok(_) => fs::remove_file(&path),
            Err(e) => Err(e),
        };
        if gone.is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// The `--out` folder, checked, with stale temporaries removed.
#[derive(Debug, Clone)]
pub struct Artifacts {
    out: PathBuf,
    /// Stale temporary folders removed when opening.
    removed: Vec<PathBuf>,
}

impl Artifacts {
    /// Create `out` if needed and check that it is a folder that accepts files, before
    /// any simulation starts; then remove outsim's stale temporaries in it.
    pub fn open(out: &Path) -> Result<Self, ArtifactError> {
        for ancestor in out.ancestors().filter(|a| !a.as_os_str().is_empty()) {
            if let Ok(meta) = fs::metadata(ancestor) {
                if !meta.is_dir() {
                    return Err(ArtifactError::OutIsAFile {
                        out: out.to_path_buf(),
                        file: ancestor.to_path_buf(),
                    });
                }
                break;
            }
        }
        let not_writable = |source| ArtifactError::OutNotWritable {
            out: out.to_path_buf(),
            source,
        };
        fs::create_dir_all(out).map_err(not_writable)?;
        let probe = unique_sibling(out, "write-check", "probe");
        fs::File::create(&probe).map_err(not_writable)?;
        let _ = fs::remove_file(&probe);
        Ok(Artifacts {
            out: out.to_path_buf(),
            removed: remove_stale_temporaries(out),
        })
    }

    /// The `--out` folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Temporary folders of ended processes that [`Artifacts::open`] removed.
    pub fn stale_removed(&self) -> &[PathBuf] {
        &self.removed
    }

    /// The results folder of `scenario_file`, `<out>/<stem>`, checked: a plain name, not
    /// the scenario's own folder, and absent or written by outsim.
    pub fn results_folder(&self, scenario_file: &Path) -> Result<ResultsFolder, ArtifactError> {
        let stem = plain_stem(scenario_file)?;
        let path = self.out.join(&stem);
        let file = fs::canonicalize(scenario_file);
        let out = fs::canonicalize(&self.out);
        if let (Ok(file), Ok(out)) = (file, out) {
            if file.starts_with(out.join(&stem)) {
                return Err(ArtifactError::HoldsTheScenario {
                    folder: path,
                    file: scenario_file.to_path_buf(),
                });
            }
        }
        inspect(&path)?;
        Ok(ResultsFolder {
            out: self.out.clone(),
            stem,
            path,
        })
    }
}

/// Longest stem, in bytes, of a scenario file: the folders named after it add at most
/// about 50 bytes (`.<stem>.optimize-shard-99999-of-100000.partial-<pid>` while a shard
/// is written), and most filesystems cap a name at 255 bytes.
pub const MAX_STEM_BYTES: usize = 200;

/// The name of a scenario's results folder: its file's stem, refused unless it is a
/// plain name (not empty, `.` or `..`; no leading dot, path separator or control
/// character; valid UTF-8; at most [`MAX_STEM_BYTES`] bytes).
pub fn plain_stem(scenario_file: &Path) -> Result<String, ArtifactError> {
    let refuse = |stem: String, reason| ArtifactError::NotAPlainName {
        file: scenario_file.to_path_buf(),
        stem,
        reason,
    };
    let Some(stem) = scenario_file.file_stem() else {
        return Err(refuse(String::new(), "is empty"));
    };
    let Some(stem) = stem.to_str() else {
        return Err(refuse(
            stem.to_string_lossy().to_string(),
            "is not valid UTF-8",
        ));
    };
    let reason = if stem.is_empty() {
        Some("is empty")
    } else if stem == "." || stem == ".." {
        Some("names a folder itself")
    } else if stem.starts_with('.') {
        Some("starts with a dot (a hidden name)")
    } else if stem.contains(['/', '\\']) {
        Some("contains a path separator")
    } else if stem.chars().any(char::is_control) {
        Some("contains a control character")
    } else if stem.len() > MAX_STEM_BYTES {
        Some("is longer than 200 bytes (the folders named after it would not fit a file name)")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(refuse(stem.to_string(), reason)),
        None => Ok(stem.to_string()),
    }
}

/// What stands at a results folder's place.
#[derive(Debug, PartialEq, Eq)]
enum Existing {
    Nothing,
    Ours,
}

/// Whether `path` is absent or a folder outsim wrote; anything else is refused.
fn inspect(path: &Path) -> Result<Existing, ArtifactError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Existing::Nothing),
        Err(e) => Err(io(path)(e)),
        Ok(meta) if meta.file_type().is_symlink() => Err(ArtifactError::Link {
            path: path.to_path_buf(),
        }),
        Ok(meta) if !meta.is_dir() => Err(ArtifactError::NotAFolder {
            path: path.to_path_buf(),
        }),
        Ok(_) if written_by_outsim(path) => Ok(Existing::Ours),
        Ok(_) => Err(ArtifactError::NotOurs {
            path: path.to_path_buf(),
        }),
    }
}

/// A folder holding [`MARKER`], or (folders of versions before the marker) a `run.json`
/// that records an `outsim_version`; neither may be a link.
fn written_by_outsim(folder: &Path) -> bool {
    let plain_file =
        |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() < 1 << 20);
    if plain_file(&folder.join(MARKER)) {
        return true;
    }
    let run = folder.join("run.json");
    plain_file(&run)
        && fs::read(&run)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|v| v.get("outsim_version").is_some_and(|x| x.is_string()))
}

/// A scenario's results folder `<out>/<stem>`, checked by [`Artifacts::results_folder`].
#[derive(Debug, Clone)]
pub struct ResultsFolder {
    out: PathBuf,
    stem: String,
    path: PathBuf,
}

impl ResultsFolder {
    /// The folder's name (the scenario file's stem).
    pub fn stem(&self) -> &str {
        &self.stem
    }

    /// The folder's path, `<out>/<stem>`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Start writing the whole folder (`part` `None`, as `run` does) or only its
    /// subfolder `part` (as `stress` and `sensitivity` do), leaving the rest alone.
    pub fn stage(&self, part: Option<&str>) -> Result<Staging, ArtifactError> {
        let name = match part {
            Some(part) => format!("{}.{part}", self.stem),
            None => self.stem.clone(),
        };
        let temp = unique_sibling(&self.out, &name, "tmp");
        let mut staging = live();
        fs::create_dir(&temp).map_err(io(&temp))?;
        staging.push(temp.clone());
        Ok(Staging {
            folder: self.clone(),
            part: part.map(str::to_string),
            temp,
        })
    }
}

/// What a commit wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The folder now in place: `<out>/<stem>`, or `<out>/<stem>/<part>`.
    pub folder: PathBuf,
    /// Every file in it, relative to it, in name order.
    pub files: Vec<PathBuf>,
    /// What was left behind while carrying sub-results over (links, special files).
    pub warnings: Vec<String>,
}

/// A folder being written: files go into a hidden staging folder, which
/// [`Staging::commit`] moves into place. Dropped uncommitted, it removes its staging
/// folder, so that a failed or interrupted run leaves nothing behind.
#[derive(Debug)]
pub struct Staging {
    folder: ResultsFolder,
    part: Option<String>,
    temp: PathBuf,
}

impl Staging {
    /// Where a file at `relative` inside the folder is written until the commit (for
    /// files streamed while the run goes on).
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.temp.join(relative)
    }

    /// Write `files` into the folder and move it into place, replacing the previous one
    /// (or the previous subfolder) whole. Refused, leaving everything as it was, if
    /// cancellation was requested or the place was taken meanwhile by something outsim
    /// does not replace.
    pub fn commit(self, files: &[OutputFile]) -> Result<Written, ArtifactError> {
        let target = match &self.part {
            Some(part) => self.folder.path.join(part),
            None => self.folder.path.clone(),
        };
        if CANCEL.load(Ordering::SeqCst) {
            return Err(ArtifactError::Interrupted { path: target });
        }
        fill(&self.temp, files)?;
        let _lock = FolderLock::acquire(&self.folder.out, &self.folder.stem)?;
        let mut warnings = Vec::new();
        match &self.part {
            None => {
                if inspect(&target)? == Existing::Ours {
                    for sub in KEPT_SUBFOLDERS {
                        carry_over(&target.join(sub), &self.temp.join(sub), &mut warnings)?;
                    }
                }
                fill(&self.temp, &[OutputFile::new(MARKER, MARKER_TEXT)])?;
            }
            Some(_) => {
                if inspect(&self.folder.path)? == Existing::Nothing {
                    fs::create_dir(&self.folder.path).map_err(io(&self.folder.path))?;
                    let marker = self.folder.path.join(MARKER);
                    fs::write(&marker, MARKER_TEXT).map_err(io(&marker))?;
                }
                match fs::symlink_metadata(&target) {
                    Ok(meta) if !meta.is_dir() => {
                        return Err(ArtifactError::NotAFolder { path: target });
                    }
                    _ => {}
                }
            }
        }
        self.swap(&target)?;
        Ok(Written {
            files: files_below(&target),
            folder: target,
            warnings,
        })
    }

    /// Rename the staging folder onto `target` (the old one set aside, then removed),
    /// unless cancellation was requested. The caller holds the folder's lock.
    fn swap(&self, target: &Path) -> Result<(), ArtifactError> {
        let mut staging = live();
        if CANCEL.load(Ordering::SeqCst) {
            return Err(ArtifactError::Interrupted {
                path: target.to_path_buf(),
            });
        }
        let name = match &self.part {
            Some(part) => format!("{}.{part}", self.folder.stem),
            None => self.folder.stem.clone(),
        };
        let old = unique_sibling(&self.folder.out, &name, "old");
        let set_aside = match fs::rename(target, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io(target)(e)),
        };
        if let Err(e) = fs::rename(&self.temp, target) {
            if set_aside {
                let _ = fs::rename(&old, target);
            }
            return Err(io(target)(e));
        }
        staging.retain(|t| t != &self.temp);
        COMMITTED.fetch_add(1, Ordering::SeqCst);
        drop(staging);
        if set_aside {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let mut staging = live();
        if let Some(i) = staging.iter().position(|t| t == &self.temp) {
            staging.swap_remove(i);
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// An exclusive lock on `<out>/.<stem>.lock`, held from carry-over to rename so that
/// two outsim processes never interleave those steps on one results folder. The lock
/// file stays (removing it would race with a process about to lock it).
struct FolderLock {
    _file: fs::File,
}

impl FolderLock {
    fn acquire(out: &Path, stem: &str) -> Result<Self, ArtifactError> {
        let path = out.join(format!(".{stem}.lock"));
        let mut options = fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(&path).map_err(io(&path))?;
        lock_exclusive(&file).map_err(io(&path))?;
        Ok(FolderLock { _file: file })
    }
}

/// Wait for an exclusive advisory lock on `file`, released when it is closed.
/// (`File::lock` does the same from Rust 1.89, above this crate's minimum version.)
#[cfg(unix)]
fn lock_exclusive(file: &fs::File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: `flock` only reads the descriptor, which `file` keeps open.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(not(unix))]
fn lock_exclusive(_: &fs::File) -> std::io::Result<()> {
    Ok(())
}

/// Copy the plain files and folders below `from` into `to`, never through a link: links
/// and special files are left behind with a warning.
fn carry_over(from: &Path, to: &Path, warnings: &mut Vec<String>) -> Result<(), ArtifactError> {
    match fs::symlink_metadata(from) {
        Err(_) => return Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => {
            warnings.push(format!(
                "{} is a symbolic link: not carried over",
                from.display()
            ));
            return Ok(());
        }
        Ok(meta) if !meta.is_dir() => return Ok(()),
        Ok(_) => {}
    }
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((source, dest)) = stack.pop() {
        fs::create_dir_all(&dest).map_err(io(&dest))?;
        let entries = fs::read_dir(&source).map_err(io(&source))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let copy = dest.join(entry.file_name());
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => stack.push((path, copy)),
                Ok(meta) if meta.is_file() => copy_plain_file(&path, &copy)?,
                Ok(meta) if meta.file_type().is_symlink() => warnings.push(format!(
                    "{} is a symbolic link: not carried over",
                    path.display()
                )),
                _ => warnings.push(format!(
                    "{} is not a plain file: not carried over",
                    path.display()
                )),
            }
        }
    }
    Ok(())
}

/// Copy a file, refusing to open it through a link (it may have become one since it
/// was inspected).
fn copy_plain_file(from: &Path, to: &Path) -> Result<(), ArtifactError> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut source = options.open(from).map_err(io(from))?;
    let mut dest = fs::File::create(to).map_err(io(to))?;
    std::io::copy(&mut source, &mut dest).map_err(io(to))?;
    dest.sync_all().map_err(io(to))
}

fn fill(temp: &Path, files: &[OutputFile]) -> Result<(), ArtifactError> {
    for file in files {
        let path = temp.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut f = fs::File::create(&path).map_err(io(&path))?;
        f.write_all(&file.bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
    }
    Ok(())
}

/// Every file below `dir` (not through links), relative to it, in name order.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => stack.push(path),
                Ok(_) => {
                    if let Ok(rel) = path.strip_prefix(dir) {
                        files.push(rel.to_path_buf());
                    }
                }
                Err(_) => {}
            }
        }
    }
    files.sort();
    files
}

/// Write one file atomically (temporary sibling, then rename), e.g. `index.html`.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(io(parent))?;
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy().to_string());
    let temp = unique_sibling(parent, &name, "tmp");
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&temp, path)
    };
    write().map_err(|source| {
        let _ = fs::remove_file(&temp);
        ArtifactError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_folder(
        out: &Path,
        file: &str,
        files: &[OutputFile],
    ) -> Result<Written, ArtifactError> {
        Artifacts::open(out)?
            .results_folder(Path::new(file))?
            .stage(None)?
            .commit(files)
    }

    #[test]
    fn replaces_its_own_folder_completely() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            OutputFile::new("a.txt", "one"),
            OutputFile::new("sub/b.txt", "two"),
        ];
        write_folder(dir.path(), "s.toml", &files).unwrap();
        let written =
            write_folder(dir.path(), "s.toml", &[OutputFile::new("a.txt", "three")]).unwrap();
        assert_eq!(
            written.files,
            vec![PathBuf::from(MARKER), PathBuf::from("a.txt")]
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("s/a.txt")).unwrap(),
            "three"
        );
        assert!(!dir.path().join("s/sub/b.txt").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with('.') && !n.ends_with(".lock"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("s"), "notes").unwrap();
        let err = write_folder(dir.path(), "s.toml", &[OutputFile::new("a.txt", "x")]).unwrap_err();
        assert!(matches!(err, ArtifactError::NotAFolder { .. }), "{err}");
        assert_eq!(fs::read_to_string(dir.path().join("s")).unwrap(), "notes");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn unwritable_parent_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, "x").unwrap();
        let err = Artifacts::open(&file.join("out")).unwrap_err();
        assert!(matches!(err, ArtifactError::OutIsAFile { .. }), "{err}");
    }

    #[test]
    fn carry_over_leaves_links_behind() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("old/stress");
        fs::create_dir_all(from.join("sub")).unwrap();
        fs::write(from.join("sub/stress.csv"), "kept").unwrap();
        fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), from.join("secret.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), from.join("up")).unwrap();
        let to = dir.path().join("new/stress");
        let mut warnings = Vec::new();
        carry_over(&from, &to, &mut warnings).unwrap();
        assert_eq!(files_below(&to), vec![PathBuf::from("sub/stress.csv")]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn stems_must_be_plain_names() {
        for bad in ["...toml", "..toml", ".hidden.toml", "a\nb.toml", ".toml"] {
            assert!(plain_stem(Path::new(bad)).is_err(), "{bad:?}");
        }
        assert_eq!(plain_stem(Path::new("dir/plan.toml")).unwrap(), "plan");
    }

    #[test]
    fn only_outsim_temporary_names_are_recognised() {
        assert_eq!(temporary_owner(".plan.tmp-123-4"), Some(123));
        assert_eq!(temporary_owner(".plan.stress.old-9-0"), Some(9));
        assert_eq!(temporary_owner(".write-check.probe-77-1"), Some(77));
        for other in [
            "plan.tmp-1-2",
            ".plan.tmp-x-2",
            ".plan.bak-1-2",
            ".tmp-1-2",
            ".plan.tmp-1-",
            ".plan.lock",
        ] {
            assert_eq!(temporary_owner(other), None, "{other}");
        }
    }
}
