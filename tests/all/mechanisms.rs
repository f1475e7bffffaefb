//! Hand-computed checks of each mechanism on tiny deterministic scenarios.
