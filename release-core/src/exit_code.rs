//! The process exit codes of the `release` CLI, for pipelines to branch on.

/// The run passed; warnings are allowed unless strict.
pub const PASSED: i32 = 0;
/// A blocking gate did not pass, or a rollback is decided.
pub const BLOCKED: i32 = 1;
/// Invalid usage, plan or input: a bad flag, an invalid plan, an unreadable file.
pub const INVALID_INPUT: i32 = 2;
/// Hold: a rollback trigger is in `watch`; evaluate again later.
pub const HOLD: i32 = 3;
