//! Signals: Ctrl-C (SIGINT), SIGTERM and SIGHUP stop every command the same way.
//!
//! The first signal sets the artifact manager's cancellation flag: the engine stops at
//! its next block of trials, and no staging folder is committed once it is set; the
//! command then removes its staging folders and exits with [`INTERRUPTED`]. A second
//! signal removes every staging folder at once and exits. Either way a results folder is
//! either the previous one or the new one, whole. A folder lost to SIGKILL or an
//! out-of-memory kill is removed by a later command (see [`crate::output::folder`]).

use std::sync::atomic::Ordering;

use crate::output::folder;

/// Exit code after any of the handled signals (128 + SIGINT's number, as shells report
/// Ctrl-C); SIGTERM and SIGHUP exit with it too.
pub(super) const INTERRUPTED: u8 = 130;

/// Install the handler of SIGINT, SIGTERM and SIGHUP for this process.
pub(super) fn install() {
    let _ = ctrlc::set_handler(|| {
        if folder::cancellation().swap(true, Ordering::SeqCst) {
            folder::abandon_staging(|committed| {
                if committed == 0 {
                    eprintln!("error: interrupted: no results were written");
                } else {
                    eprintln!(
                        "error: interrupted: {committed} results folder(s) were complete and kept; unfinished ones were removed"
                    );
                }
                std::process::exit(i32::from(INTERRUPTED));
            });
        }
    });
}
