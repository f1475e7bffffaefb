//! Placeholder: filled in by the stress tests.
