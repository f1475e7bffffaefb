//! Before a long run: will it fit in memory and on disk?
//!
//! The engine keeps two figures per trial and strategy (NPV cost and service level, 8
//! bytes each) until the end of the run, and `trials.parquet` takes about
//! [`PARQUET_BYTES_PER_ROW`] bytes per row (one row per trial and strategy). A run whose
//! estimate exceeds the memory available (`MemAvailable` in `/proc/meminfo`) or the
//! free space of `--out`'s filesystem is refused before it starts, with the estimate and
//! the way around it. Where the machine does not tell, nothing is refused.

use std::path::Path;

use super::CliError;

/// Bytes the engine keeps per trial and strategy until the end of a run.
pub(super) const BYTES_PER_TRIAL_AND_STRATEGY: u64 = 16;

/// Bytes of `trials.parquet` per row, measured with `outsim run` on the reference
/// scenarios at 100,000 trials (90 and 96 bytes), rounded up.
pub(super) const PARQUET_BYTES_PER_ROW: u64 = 96;

/// Bytes of `trials.parquet` per row and input drawn once per trial: each input column
/// holds a double per row (the inputs' mantissas are noise and barely compress).
pub(super) const PARQUET_BYTES_PER_INPUT: u64 = 8;

/// Memory a run needs whatever its trials: worker buffers, chunks of trial outputs on
/// their way to the file, charts and tables.
pub(super) const FIXED_BYTES: u64 = 256 << 20;

/// Cells a row of the workbook's largest sheets holds at most (Monthly has 19 columns).
pub(super) const WORKBOOK_COLUMNS: u64 = 24;

/// Bytes of `results.xlsx` per cell: 55 KB for the contact-centre example's 5
/// strategies over 36 months (about 3,500 cells of Monthly and Pairs, every other
/// sheet included), rounded up.
pub(super) const WORKBOOK_DISK_PER_CELL: u64 = 16;

/// Bytes of memory per cell while the workbook is built (the writer holds every cell
/// with its format until it saves), rounded up generously.
pub(super) const WORKBOOK_MEMORY_PER_CELL: u64 = 256;

/// Bytes of `results.xlsx` whatever its size: the package, styles and charts.
pub(super) const WORKBOOK_FIXED_BYTES: u64 = 64 << 10;

/// What a command is about to need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Estimate {
    /// Bytes of memory held at once.
    pub memory: u64,
    /// Bytes written to `--out`.
    pub disk: u64,
    /// Of `memory`, the bytes held while `results.xlsx` is built.
    pub workbook: u64,
}

impl Estimate {
    /// A run of `trials` trials of `strategies` strategies, writing `trials.parquet` or
    /// not; `extra_per_trial` bytes per trial more are kept (e.g. sensitivity's inputs).
    pub(super) fn run(
        trials: u64,
        strategies: usize,
        trials_file: bool,
        extra_per_trial: u64,
    ) -> Self {
        let rows = trials.saturating_mul(strategies as u64);
        Estimate {
            memory: rows
                .saturating_mul(BYTES_PER_TRIAL_AND_STRATEGY)
                .saturating_add(trials.saturating_mul(extra_per_trial)),
            disk: if trials_file {
                rows.saturating_mul(PARQUET_BYTES_PER_ROW)
            } else {
                0
            },
            workbook: 0,
        }
    }

    /// The input columns of `trials.parquet` (one per input drawn once per trial, on
    /// every row), when the file is written: disk only.
    pub(super) fn input_columns(
        trials: u64,
        strategies: usize,
        inputs: usize,
        trials_file: bool,
    ) -> Self {
        let rows = trials.saturating_mul(strategies as u64);
        Estimate {
            memory: 0,
            disk: if trials_file {
                rows.saturating_mul(PARQUET_BYTES_PER_INPUT.saturating_mul(inputs as u64))
            } else {
                0
            },
            workbook: 0,
        }
    }

    /// `results.xlsx` of a scenario of `strategies` strategies over `horizon` months,
    /// when it is written: its Monthly sheet (a row per strategy and month) and Pairs
    /// sheet (a row per ordered pair) dominate, at most [`WORKBOOK_COLUMNS`] cells a
    /// row, each about [`WORKBOOK_DISK_PER_CELL`] bytes in the file and
    /// [`WORKBOOK_MEMORY_PER_CELL`] in memory while the workbook is built.
    pub(super) fn workbook(strategies: usize, horizon: usize, workbook: bool) -> Self {
        if !workbook {
            return Estimate::default();
        }
        let s = strategies as u64;
        let rows = s
            .saturating_mul(horizon as u64)
            .saturating_add(s.saturating_mul(s));
        let cells = rows.saturating_mul(WORKBOOK_COLUMNS);
        let memory = cells.saturating_mul(WORKBOOK_MEMORY_PER_CELL);
        Estimate {
            memory,
            workbook: memory,
            disk: cells
                .saturating_mul(WORKBOOK_DISK_PER_CELL)
                .saturating_add(WORKBOOK_FIXED_BYTES),
        }
    }

    /// Both at once (scenarios of one `run` go in parallel).
    pub(super) fn plus(self, other: Estimate) -> Self {
        Estimate {
            memory: self.memory.saturating_add(other.memory),
            disk: self.disk.saturating_add(other.disk),
            workbook: self.workbook.saturating_add(other.workbook),
        }
    }
}

/// Refuse (exit 2) a command whose `estimate` exceeds what the machine has: memory
/// available, and free space on `out`'s filesystem. `trials_file` says whether
/// `--no-trials-file` would help.
pub(super) fn check(estimate: Estimate, out: &Path, trials_file: bool) -> Result<(), CliError> {
    judge(
        estimate,
        Room {
            memory: memory_available(),
            disk: disk_free(out),
        },
        out,
        trials_file,
    )
}

/// What the machine has, where it says.
#[derive(Debug, Clone, Copy)]
struct Room {
    /// Bytes of memory available.
    memory: Option<u64>,
    /// Bytes free on `--out`'s filesystem.
    disk: Option<u64>,
}

fn judge(estimate: Estimate, room: Room, out: &Path, trials_file: bool) -> Result<(), CliError> {
    let memory = estimate.memory.saturating_add(FIXED_BYTES);
    if let Some(available) = room.memory.filter(|&a| memory > a) {
        let why = if estimate.workbook > memory / 2 {
            format!(
                "{} of it to build results.xlsx, whose sheets have a row per strategy and month and per pair of strategies",
                bytes(estimate.workbook)
            )
        } else {
            format!(
                "{BYTES_PER_TRIAL_AND_STRATEGY} bytes per trial and strategy kept, plus {}",
                bytes(FIXED_BYTES)
            )
        };
        let way = if estimate.workbook > memory / 2 {
            "run with --no-xlsx to skip the workbook"
        } else {
            "use fewer --trials (or a smaller --max-trials)"
        };
        return Err(CliError::Invalid(format!(
            "this run would need about {} of memory ({why}), but {} is available: {way}; nothing was simulated or written",
            bytes(memory),
            bytes(available)
        )));
    }
    if let Some(free) = room.disk.filter(|&free| estimate.disk > free) {
        let way = if trials_file {
            "use fewer --trials, or --no-trials-file to skip trials.parquet"
        } else {
            "use fewer --trials or free some space"
        };
        return Err(CliError::Invalid(format!(
            "this run would write about {} ({PARQUET_BYTES_PER_ROW} bytes per trial and strategy in trials.parquet, and {PARQUET_BYTES_PER_INPUT} more per input drawn once per trial), but {} has {} free: {way}; nothing was simulated or written",
            bytes(estimate.disk),
            out.display(),
            bytes(free)
        )));
    }
    Ok(())
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Bytes an unprivileged process may still write on the filesystem of `dir`.
#[cfg(unix)]
fn disk_free(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a NUL-terminated string and `stat` points to writable memory of
    // the right type; `statvfs` fills it when it returns 0, and only then is it read.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    #[allow(clippy::unnecessary_cast)]
    (stat.f_bavail as u64).checked_mul(stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn disk_free(_: &Path) -> Option<u64> {
    None
}

/// Bytes in decimal units, e.g. `32.0 GB`.
fn bytes(n: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_billion_trials_of_two_strategies() {
        let e = Estimate::run(1_000_000_000, 2, true, 0);
        assert_eq!(e.memory, 32_000_000_000);
        assert_eq!(e.disk, 192_000_000_000);
        assert_eq!(bytes(e.memory), "32.0 GB");
        assert_eq!(Estimate::run(10, 2, false, 0).disk, 0);
        // Growth and three inputs per vendor: 8 bytes each on every row.
        assert_eq!(Estimate::input_columns(10, 2, 7, true).disk, 10 * 2 * 7 * 8);
        assert_eq!(Estimate::input_columns(10, 2, 7, false).disk, 0);
    }

    #[test]
    fn a_workbook_counts_and_says_how_to_skip_it() {
        // 5 strategies over 36 months: 180 Monthly rows and 25 Pairs rows.
        let small = Estimate::workbook(5, 36, true);
        assert_eq!(small.disk, 205 * WORKBOOK_COLUMNS * 16 + (64 << 10));
        assert_eq!(Estimate::workbook(5, 36, false), Estimate::default());
        // 800 strategies over 1,200 months: near Excel's row limit.
        let big = Estimate::workbook(800, 1200, true).plus(Estimate::run(1000, 800, false, 0));
        let room = Room {
            memory: Some(1 << 30),
            disk: None,
        };
        let Err(CliError::Invalid(message)) = judge(big, room, Path::new("out"), false) else {
            panic!("a workbook of a million rows in 1 GiB was not refused");
        };
        assert!(message.contains("--no-xlsx"), "{message}");
    }

    #[test]
    fn refusals_name_the_way_around() {
        let out = Path::new("out");
        let big = Estimate::run(1_000_000_000, 2, true, 0);
        let plenty = Some(u64::MAX);
        let refusal = |room, trials_file| match judge(big, room, out, trials_file) {
            Err(CliError::Invalid(text)) => text,
            other => panic!("not refused: {other:?}"),
        };
        let memory = refusal(
            Room {
                memory: Some(24_000_000_000),
                disk: plenty,
            },
            true,
        );
        assert!(memory.contains("32.3 GB of memory"), "{memory}");
        assert!(memory.contains("24.0 GB is available"), "{memory}");
        let disk = refusal(
            Room {
                memory: plenty,
                disk: Some(50_000_000_000),
            },
            true,
        );
        assert!(disk.contains("192.0 GB"), "{disk}");
        assert!(disk.contains("--no-trials-file"), "{disk}");
        let room = Room {
            memory: plenty,
            disk: plenty,
        };
        assert!(judge(big, room, out, true).is_ok());
        let unknown = Room {
            memory: None,
            disk: None,
        };
        assert!(judge(big, unknown, out, true).is_ok());
    }
}
