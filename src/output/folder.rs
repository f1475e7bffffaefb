//! Atomic results folders.
//!
//! A [`Staging`] folder `<parent>/.<name>.tmp-<pid>-<n>` receives every file (large ones,
//! such as `trials.parquet`, are streamed into it while the run goes on); each file is
//! synced, and only then is the folder swapped into `<parent>/<name>`: an existing folder
//! is first renamed aside and removed after the swap. A staging folder that is dropped
//! without being finished is removed. [`write_folder`] does all of it for files already
//! in memory. A run that fails, or is interrupted, before the swap
//! leaves the previous folder as it was; two runs writing the same folder at once each
//! build their own temporary folder, and the last to finish wins with a complete folder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{OutputError, OutputFile};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A sibling path of `parent/name` that no other writer uses.
fn unique_sibling(parent: &Path, name: &str, tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

/// Check that `dir` can be created and written, before any simulation starts.
pub fn ensure_writable(dir: &Path) -> Result<(), OutputError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let probe = unique_sibling(dir, "write-check", "probe");
    fs::write(&probe, b"").map_err(io(dir))?;
    fs::remove_file(&probe).map_err(io(&probe))?;
    Ok(())
}

/// A results folder being written: files go into a hidden temporary sibling of
/// `parent/name`, which [`Staging::finish`] swaps into place. Dropped unfinished, it
/// removes its temporary folder, so a failed or interrupted run leaves nothing behind.
#[derive(Debug)]
pub struct Staging {
    parent: PathBuf,
    name: String,
    temp: PathBuf,
    finished: bool,
}

impl Staging {
    /// Start writing the folder `parent/name`. Anything other than a folder at
    /// `parent/name` (a file, a link) is refused and left alone.
    pub fn create(parent: &Path, name: &str) -> Result<Self, OutputError> {
        fs::create_dir_all(parent).map_err(io(parent))?;
        refuse_non_folder(&parent.join(name))?;
        let temp = unique_sibling(parent, name, "tmp");
        fs::create_dir(&temp).map_err(io(&temp))?;
        Ok(Staging {
            parent: parent.to_path_buf(),
            name: name.to_string(),
            temp,
            finished: false,
        })
    }

    /// Where a file at `relative` inside the folder is written until the swap.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.temp.join(relative)
    }

    /// Write `files` into the folder, then swap it into place atomically, replacing any
    /// existing folder. Returns the folder's final path.
    pub fn finish(mut self, files: &[OutputFile]) -> Result<PathBuf, OutputError> {
        fill(&self.temp, files)?;
        let target = swap_into_place(&self.parent, &self.name, &self.temp)?;
        self.finished = true;
        Ok(target)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// Write `files` as the folder `parent/name`, atomically replacing any existing folder.
/// Anything else at `parent/name` (a file, a link) is refused and left alone.
pub fn write_folder(
    parent: &Path,
    name: &str,
    files: &[OutputFile],
) -> Result<PathBuf, OutputError> {
    Staging::create(parent, name)?.finish(files)
}

/// Remove temporary folders left in `parent` by this process (after an interrupt).
pub fn remove_own_temporaries(parent: &Path) {
    let marker = format!("-{}-", std::process::id());
    if let Ok(entries) = fs::read_dir(parent) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.')
                && (name.contains(".tmp-") || name.contains(".old-"))
                && name.contains(&marker)
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn fill(temp: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
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

/// An error if `target` exists and is not a real folder.
fn refuse_non_folder(target: &Path) -> Result<(), OutputError> {
    match fs::symlink_metadata(target) {
        Ok(meta) if !meta.is_dir() => Err(OutputError::NotAFolder {
            path: target.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

fn swap_into_place(parent: &Path, name: &str, temp: &Path) -> Result<PathBuf, OutputError> {
    let target = parent.join(name);
    // Try a few times: another writer may swap its own folder in between our steps.
    for _ in 0..5 {
        match fs::rename(temp, &target) {
            Ok(()) => return Ok(target),
            Err(_) if target.exists() => {
                refuse_non_folder(&target)?;
                let old = unique_sibling(parent, name, "old");
                if fs::rename(&target, &old).is_ok() {
                    let swapped = fs::rename(temp, &target);
                    let _ = fs::remove_dir_all(&old);
                    if swapped.is_ok() {
                        return Ok(target);
                    }
                }
            }
            Err(e) => {
                return Err(OutputError::Io {
                    path: target,
                    source: e,
                });
            }
        }
    }
    fs::rename(temp, &target).map_err(io(&target))?;
    Ok(target)
}

/// Write one file atomically (temporary sibling, then rename), e.g. `index.html`.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let parent = path.parent().unwrap_or(Path::new("."));
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
        OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_an_existing_folder_completely() {
        let dir = tempfile::tempdir().unwrap();
        write_folder(
            dir.path(),
            "s",
            &[
                OutputFile::new("a.txt", "one"),
                OutputFile::new("sub/b.txt", "two"),
            ],
        )
        .unwrap();
        write_folder(dir.path(), "s", &[OutputFile::new("a.txt", "three")]).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("s/a.txt")).unwrap(),
            "three"
        );
        assert!(!dir.path().join("s/sub/b.txt").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("s"), "notes").unwrap();
        let err = write_folder(dir.path(), "s", &[OutputFile::new("a.txt", "x")]).unwrap_err();
        assert!(matches!(err, OutputError::NotAFolder { .. }), "{err}");
        assert_eq!(fs::read_to_string(dir.path().join("s")).unwrap(), "notes");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn unwritable_parent_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, "x").unwrap();
        assert!(ensure_writable(&file.join("out")).is_err());
        assert!(write_folder(&file, "s", &[OutputFile::new("a.txt", "x")]).is_err());
    }
}
