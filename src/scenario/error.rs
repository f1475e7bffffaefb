//! Errors found while reading and validating a scenario file.
//!
//! Every problem carries the file, the 1-based line and column where TOML gives one, and
//! the key path (`vendors[1].attrition_annual.mode`), so a user can go straight to it.
//! Validation collects *all* the problems of a file before reporting, so one run of
//! `outsim validate` lists everything there is to fix.

use std::fmt;
use std::path::PathBuf;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// Key path such as `vendors[1].attrition_annual.mode`; empty for the whole file.
    pub key: String,
    /// What is wrong, and what would be accepted.
    pub message: String,
}

/// Everything that can go wrong turning a file into a validated [`crate::scenario::Scenario`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read at all (missing, unreadable, not UTF-8). Fatal for this file.
    #[error("{path}: cannot read the scenario file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or its values break the model's rules. Every problem
    /// found is listed. Fatal for this file: nothing is simulated.
    #[error("{}", render_invalid(path, issues))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        issues: Vec<Issue>,
    },
}

impl ScenarioError {
    /// The problems listed by an [`ScenarioError::Invalid`]; empty for other errors.
    pub fn issues(&self) -> &[Issue] {
        match self {
            ScenarioError::Invalid { issues, .. } => issues,
            _ => &[],
        }
    }
}

fn render_invalid(path: &std::path::Path, issues: &[Issue]) -> String {
    let mut out = format!(
        "{}: {} problem{} found",
        path.display(),
        issues.len(),
        if issues.len() == 1 { "" } else { "s" }
    );
    for issue in issues {
        out.push_str("\n  ");
        out.push_str(&format_issue(path, issue));
    }
    out
}

/// `file:line:column: key: message`, leaving out what is not known.
pub fn format_issue(path: &std::path::Path, issue: &Issue) -> String {
    let mut out = path.display().to_string();
    if let Some(line) = issue.line {
        out.push_str(&format!(":{line}"));
        if let Some(column) = issue.column {
            out.push_str(&format!(":{column}"));
        }
    }
    out.push_str(": ");
    if !issue.key.is_empty() {
        out.push_str(&format!("`{}`: ", issue.key));
    }
    out.push_str(&issue.message);
    out
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}
