//! The `outsim` binary: everything is in the library's command line, which maps the
//! outcome to the exit code (0 success, 1 failure, 2 invalid input, 130 interrupted).

use std::process::ExitCode;

fn main() -> ExitCode {
    outsim::cli::main()
}
