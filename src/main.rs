//! The `outsim` binary: parse arguments, run the command, map errors to exit codes
//! (0 success, 2 invalid input, 1 any other failure).

use std::process::ExitCode;

use clap::Parser;
use outsim::cli::{Cli, execute};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
