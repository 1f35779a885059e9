//! Why a rollout or rollback could not be carried out at all (a blocked or failed one is a
//! summary, not an error).

use crate::log::{LogError, StoreError};
use crate::run::RunError;

/// Why a rollout or rollback could not start: invalid input, exit 2 (or the signal's code
/// for [`RunError::Interrupted`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RolloutError {
    /// The plan has no `[[rollout.steps]]`.
    #[error(
        "{plan} declares no rollout: add `[rollout]` and `[[rollout.steps]]` (see the README's plan section)"
    )]
    NoRollout {
        /// The plan's path, escaped.
        plan: String,
    },
    /// A gates step runs phases no runbook command runs together.
    #[error(
        "rollout step `{step}` runs phases {phases}, which no runbook command runs together; use [\"smoke\"], [\"smoke\", \"launch\"] or a preflight command's phases"
    )]
    GatesStep {
        /// The step's id.
        step: String,
        /// The phases it names.
        phases: String,
    },
    /// `--resume` names a run the log has no journal of.
    #[error("{what}: the release log has no rollout journal of it in {environment}")]
    NothingToResume {
        /// `last`, or the run id asked for.
        what: String,
        /// The environment.
        environment: String,
    },
    /// `--resume` names a rollout that already ended.
    #[error(
        "rollout {run_id} already ended ({outcome}); there is nothing to resume (`release rollback execute --resume {run_id}` finishes its rollback)"
    )]
    AlreadyEnded {
        /// The run.
        run_id: String,
        /// How it ended.
        outcome: String,
    },
    /// `--resume` names a rollback run, not a rollout.
    #[error(
        "{run_id} is a rollback, not a rollout: `release rollback execute --resume {run_id}` continues it; name a rollout's run id to resume one"
    )]
    NotARollout {
        /// The run.
        run_id: String,
    },
    /// A resume was given another release than the one the rollout started with.
    #[error(
        "rollout {run_id} released {what} `{was}`; it cannot be resumed with `{now}` (leave --{what} out, or start a new rollout)"
    )]
    ResumedRelease {
        /// The run.
        run_id: String,
        /// `commit` or `version`.
        what: &'static str,
        /// What the journal says.
        was: String,
        /// What this resume was given.
        now: String,
    },
    /// Ctrl-C or a signal stopped it; nothing was rolled back and its journal has no end,
    /// so `--resume` continues it.
    #[error(
        "interrupted; `release rollout --resume {run_id}` (or `release rollback execute --resume {run_id}`) continues where it stopped"
    )]
    Interrupted {
        /// The run.
        run_id: String,
    },
    /// A freeze's reason is empty or too long.
    #[error("{0}")]
    FreezeReason(String),
    /// The run's settings do not hold.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The release store (its log file or database) cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LogError> for RolloutError {
    fn from(error: LogError) -> Self {
        Self::Store(StoreError::Log(error))
    }
}
