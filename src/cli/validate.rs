//! `outsim validate`: check files, report every problem, simulate nothing.

use super::{CliError, ValidateArgs, print_out, scenario_files};
use crate::scenario::Scenario;

pub(super) fn validate(args: ValidateArgs) -> Result<(), CliError> {
    let files = scenario_files(&args.paths)?;
    let mut invalid = 0;
    for file in &files {
        match Scenario::load(file) {
            Ok(s) => {
                for w in &s.warnings {
                    eprintln!("warning: {}: {w}", file.display());
                }
                print_out(&format!(
                    "{}: valid: \"{}\", {} vendor(s), {} strateg{}, {} months\n",
                    file.display(),
                    s.meta.name,
                    s.vendors.len(),
                    s.strategies.len(),
                    if s.strategies.len() == 1 { "y" } else { "ies" },
                    s.meta.horizon_months
                ));
            }
            Err(e) => {
                invalid += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if invalid > 0 {
        return Err(CliError::Invalid(format!(
            "{invalid} of {} scenario file(s) invalid",
            files.len()
        )));
    }
    Ok(())
}
