//! The process exit codes of the `release` CLI, for pipelines to branch on.

/// The run passed; warnings are allowed unless strict.
pub const PASSED: i32 = 0;
/// A blocking gate did not pass, or a rollback is decided.
pub const BLOCKED: i32 = 1;
/// Invalid usage, plan or input: a bad flag, an invalid plan, an unreadable file.
pub const INVALID_INPUT: i32 = 2;
/// Hold: a rollback trigger is in `watch`; evaluate again later.
pub const HOLD: i32 = 3;
/// A human must finish: a rollback could not complete (a step failed), or its database step
/// awaits the database owner's approval.
pub const HUMAN_MUST_FINISH: i32 = 4;
/// Ended by Ctrl-C (`SIGINT`) before the run was recorded, or by a second signal: 128 + 2,
/// the shell's convention.
pub const INTERRUPTED: i32 = 130;
/// Ended by `SIGTERM` before the run was recorded, or by a second signal: 128 + 15.
pub const TERMINATED: i32 = 143;
/// Ended by `SIGHUP` before the run was recorded, or by a second signal: 128 + 1.
pub const HANGUP: i32 = 129;

/// The more serious of two exit codes, for a command that runs several steps: a rollback a
/// human must finish, then unusable output, then blocked or rollback, then hold, then passed. Numerically hold (3) is the
/// largest, but it must not hide a block; an unexpected code stays visible.
///
/// ```
/// use release_core::exit_code::{BLOCKED, HOLD, PASSED, worse};
/// assert_eq!(worse(HOLD, BLOCKED), BLOCKED);
/// assert_eq!(worse(PASSED, HOLD), HOLD);
/// ```
pub fn worse(a: i32, b: i32) -> i32 {
    let rank = |code: i32| match code {
        HUMAN_MUST_FINISH => 4,
        INVALID_INPUT => 3,
        BLOCKED => 2,
        HOLD => 1,
        PASSED => 0,
        _ => 5,
    };
    if rank(b) > rank(a) { b } else { a }
}
