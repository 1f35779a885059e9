//! What a rollout or rollback is asked to do, beside the gate run's settings.

use crate::run::{RunRequest, Watch};

use super::summary::StepReport;

/// Which interrupted run `--resume` continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// The environment's newest rollout (`--resume last`).
    Last,
    /// The run with this id.
    Run(String),
}

impl Resume {
    /// `last`, or a run id.
    pub fn parse(text: &str) -> Self {
        match text {
            "last" => Self::Last,
            id => Self::Run(id.to_owned()),
        }
    }
}

/// A `release rollout` or `release rollback execute`: the gate run's settings (plan,
/// environment, variables, cancellation) and the rollout's own.
#[derive(Debug, Clone)]
pub struct RolloutRequest<'p> {
    pub(crate) run: RunRequest<'p>,
    pub(crate) dry_run: bool,
    pub(crate) resume: Option<Resume>,
    pub(crate) db_owner_approved: Option<String>,
    pub(crate) actor: Option<String>,
}

impl<'p> RolloutRequest<'p> {
    /// A rollout with the run's settings. The release's version and commit are the run's
    /// `RELEASE_VERSION` and `RELEASE_COMMIT` (or `GITHUB_SHA`).
    pub fn new(run: RunRequest<'p>) -> Self {
        Self {
            run,
            dry_run: false,
            resume: None,
            db_owner_approved: None,
            actor: None,
        }
    }

    /// What is released, over `RELEASE_VERSION` and `RELEASE_COMMIT`/`GITHUB_SHA`.
    #[must_use]
    pub fn release(mut self, version: Option<String>, commit: Option<String>) -> Self {
        let given = [("RELEASE_VERSION", version), ("RELEASE_COMMIT", commit)]
            .into_iter()
            .filter_map(|(name, value)| Some((name, value.filter(|v| !v.trim().is_empty())?)));
        self.run.vars.overlay(crate::Vars::from_pairs(given));
        self
    }

    /// Print every step with its resolved target and change nothing anywhere.
    #[must_use]
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// Continue an interrupted run from its first unfinished step.
    #[must_use]
    pub fn resume(mut self, resume: Option<Resume>) -> Self {
        self.resume = resume;
        self
    }

    /// The database owner who approved the rollback's database step.
    #[must_use]
    pub fn db_owner_approved(mut self, owner: Option<String>) -> Self {
        self.db_owner_approved = owner.filter(|o| !o.trim().is_empty());
        self
    }

    /// Who runs it, for the freeze and the journal (default: `RELEASE_ACTOR`, `GITHUB_ACTOR`,
    /// else `$USER@host`).
    #[must_use]
    pub fn actor(mut self, actor: Option<String>) -> Self {
        self.actor = actor;
        self
    }

    /// The gate run's settings.
    pub fn run(&self) -> &RunRequest<'p> {
        &self.run
    }
}

/// Told of a rollout's steps as they happen, and of its gate runs (as [`Watch`]).
pub trait RolloutWatch: Watch {
    /// A step started.
    fn step_started(&self, step: &StepReport) {
        let _ = step;
    }

    /// A step ended.
    fn step_finished(&self, step: &StepReport) {
        let _ = step;
    }

    /// A deployment reached a new status.
    fn deployment_status(&self, step: &str, status: &str) {
        let _ = (step, status);
    }
}

impl RolloutWatch for () {}
