//! Placeholder: filled in by the safe_outputs tests.
