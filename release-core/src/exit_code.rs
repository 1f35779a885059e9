//! The process exit codes of the `release` CLI, for pipelines to branch on.

/// The run passed; warnings are allowed unless strict.
pub const PASSED: i32 = 0;
/// A blocking gate did not pass, or a rollback is decided.
pub const BLOCKED: i32 = 1;
/// Invalid usage, plan or input: a bad flag, an invalid plan, an unreadable file.
pub const INVALID_INPUT: i32 = 2;
/// Hold: a rollback trigger is in `watch`; evaluate again later.
pub const HOLD: i32 = 3;
/// Ended by Ctrl-C (`SIGINT`) before the run was recorded, or by a second signal: 128 + 2,
/// the shell's convention.
pub const INTERRUPTED: i32 = 130;
/// Ended by `SIGTERM` before the run was recorded, or by a second signal: 128 + 15.
pub const TERMINATED: i32 = 143;
/// Ended by `SIGHUP` before the run was recorded, or by a second signal: 128 + 1.
pub const HANGUP: i32 = 129;
