//! Placeholder: filled in by the invariants tests.
