//! Why a run could not be prepared, and why an artifact could not be written.

use crate::atomic::WriteError;
use crate::log::StoreError;
use crate::plan::BuildError;
use crate::summary::SummaryReadError;

/// A run that cannot start: its plan, environment, variables or choices do not hold.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The environment or a gate of the plan cannot be built.
    #[error(transparent)]
    Plan(#[from] BuildError),
    /// The release store cannot be used (a log that is not a regular file, unreadable,
    /// locked; a malformed `postgres://` URL).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A base URL given to override the plan's is not a base URL.
    #[error("{}", .0.join("\n"))]
    BaseUrls(Vec<String>),
    /// `RAILWAY_API_URL` in the run's variables is not a base URL.
    #[error("RAILWAY_API_URL (from {from}) {problem}; a base URL is {rule}", rule = crate::base_url::BASE_URL_RULE)]
    RailwayApiUrl {
        /// Where the variable was set (the process, an env file and line).
        from: String,
        /// What is wrong with it (never the value, which may hold credentials).
        problem: String,
    },
    /// `RELEASE_MIGRATIONS` is neither true nor false.
    #[error("RELEASE_MIGRATIONS must be `true` or `false`")]
    ReleaseMigrations,
    /// The gate selection names what the plan does not have.
    #[error("--only/--skip name no gate id, kind or phase of {plan}: {}", .names.join(", "))]
    UnknownSelection {
        /// The plan's path, shown escaped.
        plan: String,
        /// The names that match nothing, escaped.
        names: Vec<String>,
    },
    /// A phase neither the runbook nor any gate of the plan names: a misspelling must not pass
    /// with nothing checked.
    #[error(
        "{plan}: no gate names phase `{phase}` and it is not one of the runbook's phases ({known}); nothing to check is not a pass"
    )]
    UnknownPhase {
        /// The plan's path, shown escaped.
        plan: String,
        /// The phase asked for, escaped.
        phase: String,
        /// The phases the run could have named.
        known: String,
    },
    /// The selection leaves no gate of the phases to run.
    #[error("--only/--skip leave no gate of phase {phases} to run; nothing checked is not a pass")]
    NothingSelected {
        /// The phases, comma-separated.
        phases: String,
    },
    /// The phases hold no gate for the environment.
    #[error("{plan}: no gates in phase {phases} for environment `{environment}`; {why}")]
    NoGates {
        /// The plan's path.
        plan: String,
        /// The phases, comma-separated.
        phases: String,
        /// The environment.
        environment: String,
        /// Why that stops the run.
        why: &'static str,
    },
    /// The baseline summary file cannot be read.
    #[error("--baseline: {0}")]
    Baseline(SummaryReadError),
    /// A recorded summary (`--from`) could not be read.
    #[error(transparent)]
    Recorded(SummaryReadError),
    /// A recorded summary's environment is not one of the plan's.
    #[error("{path}: environment `{environment}` is not one of {plan}'s environments")]
    NotAnEnvironment {
        /// The summary's path, escaped.
        path: String,
        /// Its environment.
        environment: String,
        /// The plan's path, escaped.
        plan: String,
    },
    /// A recorded summary is of another environment than the one asked for.
    #[error("{path} is a run of `{recorded}`, not of `{requested}` (--env)")]
    OtherEnvironment {
        /// The summary's path, escaped.
        path: String,
        /// Its environment.
        recorded: String,
        /// The one asked for, escaped.
        requested: String,
    },
    /// The run was cancelled (a signal) before its gates started.
    #[error("interrupted by a signal before the gates started; they were neither run nor recorded")]
    Interrupted,
}

/// An artifact of a finished run that could not be written; the run's report stands.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A summary file or the step summary.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The summary could not be rendered as JSON.
    #[error(transparent)]
    Render(#[from] crate::report::ReportError),
    /// The release store (its log file or database).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `GITHUB_STEP_SUMMARY`.
    #[error("GITHUB_STEP_SUMMARY: {0}")]
    StepSummary(WriteError),
    /// A dry-run's evidence of one gate.
    #[error("failed to render evidence of `{gate}`: {source}")]
    Evidence {
        /// The gate's id.
        gate: String,
        /// Why.
        source: serde_json::Error,
    },
}
