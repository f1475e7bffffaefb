//! `outsim init`: write a commented starter scenario.

use super::{CliError, InitArgs, print_out};

/// The starter scenario; a test checks that it validates and runs.
pub(super) const STARTER: &str = include_str!("starter.toml");

pub(super) fn init(args: InitArgs) -> Result<(), CliError> {
    if args.file.exists() && !args.force {
        return Err(CliError::Invalid(format!(
            "{}: already exists; choose another name or pass --force to overwrite it",
            args.file.display()
        )));
    }
    crate::output::folder::write_file(&args.file, STARTER.as_bytes())
        .map_err(|e| CliError::artifact(None, e))?;
    print_out(&format!(
        "wrote {}: edit it, then run `outsim validate {0}` and `outsim run {0}`\n",
        args.file.display()
    ));
    Ok(())
}
