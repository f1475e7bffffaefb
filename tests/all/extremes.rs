//! Placeholder: filled in by the extremes tests.
