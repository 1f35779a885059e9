//! The rollout's records in the release store: its start and end, every step's start and end
//! (and the deployment a deploy created, as soon as it is known), the freeze and the lock.
//! A resumed run reads them back to skip what was done and reconcile what was interrupted.

use jiff::Timestamp;

use crate::log::{
    EnvironmentLock, Journal as Records, LockError, LockHolder, LogLine, ReleaseStore,
    RolloutAction, RolloutRecord, StepRecord, StepStatus as LoggedStatus, StoreError,
};

use super::error::RolloutError;
use super::execution::Execution;
use super::request::Resume;
use super::summary::{
    RolloutKind, RolloutOutcome, RolloutSummary, StepReport, StepStatus, elapsed_ms,
};

/// A service a rollout deployed (or may have), and where it was before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Deployed {
    pub(crate) service: String,
    /// The deployment the rollout made, when it got that far.
    pub(crate) deployment: Option<String>,
    /// The deployment that was live before: where the rollback returns.
    pub(crate) replaces: Option<String>,
}

/// Writes one run's records.
pub(crate) struct Journal<'s> {
    store: &'s dyn ReleaseStore,
    run_id: String,
    environment: String,
    start: RolloutRecord,
}

impl<'s> Journal<'s> {
    pub(crate) fn new(
        store: &'s dyn ReleaseStore,
        execution: &Execution<'_, '_>,
        run_id: &str,
    ) -> Self {
        let action = match execution.kind {
            RolloutKind::Rollout => RolloutAction::Rollout,
            RolloutKind::Rollback => RolloutAction::Rollback,
        };
        let start = RolloutRecord::start(
            run_id,
            execution.environment(),
            execution.plan_name(),
            action,
            Timestamp::now(),
        )
        .release(execution.release().clone());
        Self {
            store,
            run_id: run_id.to_owned(),
            environment: execution.environment().to_owned(),
            start,
        }
    }

    pub(crate) fn run_id(&self) -> &str {
        &self.run_id
    }

    pub(crate) fn store(&self) -> &'s dyn ReleaseStore {
        self.store
    }

    fn append(&self, line: LogLine) -> Result<(), StoreError> {
        self.store.append_line(&line)
    }

    /// The run's start line, or its resume line when it continues a journalled run.
    pub(crate) fn started(&self, resumed: bool) -> Result<(), StoreError> {
        let line = match resumed {
            true => self.start.resumed(Timestamp::now()),
            false => self.start.clone(),
        };
        self.append(LogLine::Rollout(line))
    }

    fn step(&self, report: &StepReport) -> StepRecord {
        let mut record = StepRecord::start(
            &self.run_id,
            &self.environment,
            &report.id,
            &report.kind,
            Timestamp::now(),
        );
        record.service = report.service.clone();
        record.deployment_id = report.deployment_id.clone();
        record.replaces = report.replaces.clone();
        record
    }

    pub(crate) fn step_started(&self, report: &StepReport) -> Result<(), StoreError> {
        self.append(LogLine::Step(self.step(report)))
    }

    /// What a step has done so far that a resumed run must know: the deployment it made.
    pub(crate) fn step_progress(&self, report: &StepReport) -> Result<(), StoreError> {
        let record = self.step(report).summary("deployment created");
        self.append(LogLine::Step(record))
    }

    pub(crate) fn step_ended(
        &self,
        report: &StepReport,
        migrations: bool,
        approved_by: Option<&str>,
    ) -> Result<(), StoreError> {
        let status = match report.status {
            StepStatus::Done | StepStatus::Planned => LoggedStatus::Done,
            StepStatus::Warned => LoggedStatus::Warned,
            StepStatus::Failed => LoggedStatus::Failed,
            StepStatus::Skipped => LoggedStatus::Skipped,
        };
        let mut record = self.step(report).ended(status, Timestamp::now());
        record.summary = Some(report.summary.clone()).filter(|s| !s.is_empty());
        record.summary_path = report.gate_summaries.first().cloned();
        record.migrations = migrations;
        record.decision = report.decision;
        if let Some(owner) = approved_by {
            record.approved_by = Some(owner.to_owned());
            record.approved_at = Some(Timestamp::now());
        }
        self.append(LogLine::Step(record))
    }

    /// The database owner's approval, recorded before the database step acts.
    pub(crate) fn approval(&self, report: &StepReport, owner: &str) -> Result<(), StoreError> {
        let mut record = self.step(report).summary(format!("approved by {owner}"));
        record.approved_by = Some(owner.to_owned());
        record.approved_at = Some(Timestamp::now());
        self.append(LogLine::Step(record))
    }

    /// Ends the summary with `outcome` and journals the end; an end that could not be
    /// journalled is a note, and exit 2 at least.
    pub(crate) fn finish(
        &self,
        mut summary: RolloutSummary,
        outcome: RolloutOutcome,
        reason: String,
    ) -> RolloutSummary {
        summary.end(outcome, reason);
        if let Err(e) = self.ended(&summary) {
            summary.notes.push(format!(
                "the journal's end record could not be written: {e}"
            ));
            summary.exit_code =
                crate::exit_code::worse(summary.exit_code, crate::exit_code::INVALID_INPUT);
        }
        summary
    }

    fn ended(&self, summary: &RolloutSummary) -> Result<(), StoreError> {
        let line = self.start.ended(
            summary.outcome.as_str(),
            summary.exit_code,
            Timestamp::now(),
        );
        self.append(LogLine::Rollout(line))
    }
}

/// A step that started and never ended: the process died in it.
#[derive(Debug, Clone)]
pub(crate) struct Interrupted {
    pub(crate) started_at: Timestamp,
    pub(crate) replaces: Option<String>,
    pub(crate) deployment: Option<String>,
}

/// An earlier run's records, read back.
#[derive(Debug, Clone)]
pub(crate) struct Previous {
    pub(crate) run_id: String,
    records: Records,
}

impl Previous {
    /// How the step ended, when it ended well enough not to run again (done, warned or
    /// skipped); a failed step runs again.
    pub(crate) fn finished(&self, step_id: &str) -> Option<StepReport> {
        let end = self.records.step_end(step_id)?;
        let status = match end.status? {
            LoggedStatus::Done => StepStatus::Done,
            LoggedStatus::Warned => StepStatus::Warned,
            LoggedStatus::Skipped => StepStatus::Skipped,
            LoggedStatus::Failed => return None,
        };
        // A hold decides again: its gates run again.
        if end.decision == Some(crate::log::DecisionKind::Hold) {
            return None;
        }
        // A database step skipped for want of approval is what a resume comes back to do.
        if end.step_kind == "database" && end.approved_by.is_none() && status == StepStatus::Skipped
        {
            return None;
        }
        let started_at = self
            .records
            .steps
            .iter()
            .find(|s| s.step_id == step_id)
            .map(|s| s.recorded_at);
        let mut report = StepReport::new(step_id, end.step_kind.clone());
        report.status = status;
        report.summary = end.summary.clone().unwrap_or_default();
        report.service = end.service.clone();
        report.deployment_id = end.deployment_id.clone();
        report.replaces = end.replaces.clone();
        report.started_at = started_at;
        report.finished_at = Some(end.recorded_at);
        report.duration_ms = started_at.map_or(0, |s| elapsed_ms(s, end.recorded_at));
        report.gate_summaries.extend(end.summary_path.clone());
        report.decision = end.decision;
        report.resumed = true;
        Some(report)
    }

    /// The step, when it started and never ended.
    pub(crate) fn interrupted(&self, step_id: &str) -> Option<Interrupted> {
        if self.records.step_end(step_id).is_some() {
            return None;
        }
        let starts: Vec<&StepRecord> = self
            .records
            .steps
            .iter()
            .filter(|s| s.step_id == step_id)
            .collect();
        let first = starts.first()?;
        Some(Interrupted {
            started_at: first.recorded_at,
            replaces: starts.iter().rev().find_map(|s| s.replaces.clone()),
            deployment: starts.iter().rev().find_map(|s| s.deployment_id.clone()),
        })
    }

    /// The services the run deployed (or may have), with where each was before.
    pub(crate) fn deployed(&self) -> Vec<Deployed> {
        // A rollback run has no deploy steps: where its rollback steps returned each service
        // is where another rollback returns it.
        let deploys = self.records.steps.iter().any(|s| s.step_kind == "deploy");
        let kind = if deploys { "deploy" } else { "rollback" };
        let mut deployed: Vec<Deployed> = Vec::new();
        for step in self.records.steps.iter().filter(|s| s.step_kind == kind) {
            let Some(service) = &step.service else {
                continue;
            };
            let (deployment, replaces) = match deploys {
                true => (step.deployment_id.clone(), step.replaces.clone()),
                false => (None, step.deployment_id.clone()),
            };
            match deployed.iter_mut().find(|d| d.service == *service) {
                Some(known) => {
                    known.deployment = deployment.or(known.deployment.take());
                    known.replaces = replaces.or(known.replaces.take());
                }
                None => deployed.push(Deployed {
                    service: service.clone(),
                    deployment,
                    replaces,
                }),
            }
        }
        deployed
    }

    /// Why the run must go on with its rollback rather than its steps, when it must: it
    /// started its rollback, decided rollback, or a step failed after a change.
    pub(crate) fn rolling_back(&self) -> Option<String> {
        const ROLLBACK_KINDS: [&str; 3] = ["freeze", "rollback", "database"];
        let steps = &self.records.steps;
        if steps
            .iter()
            .any(|s| ROLLBACK_KINDS.contains(&s.step_kind.as_str()) || s.step_id == "rerun-smoke")
        {
            return Some("its rollback had started".to_owned());
        }
        if let Some(step) = steps
            .iter()
            .find(|s| s.decision == Some(crate::log::DecisionKind::Rollback))
        {
            return Some(format!("step `{}` decided rollback", step.step_id));
        }
        let changed = |before: usize| {
            steps
                .iter()
                .take(before)
                .any(|s| s.step_kind == "deploy" || s.step_kind == "command")
        };
        steps
            .iter()
            .enumerate()
            .find(|(at, s)| s.status == Some(LoggedStatus::Failed) && changed(*at + 1))
            .map(|(_, s)| format!("step `{}` failed after a change", s.step_id))
    }

    /// What the run released, as its start line says.
    pub(crate) fn release(&self) -> crate::summary::ReleaseInfo {
        self.records
            .started()
            .map(|r| r.release.clone())
            .unwrap_or_default()
    }

    /// Whether it is a rollout (not a rollback).
    pub(crate) fn is_rollout(&self) -> bool {
        self.records.action() != Some(RolloutAction::Rollback)
    }

    /// Whether the run's migrations ran.
    pub(crate) fn migrations(&self) -> bool {
        self.records.steps.iter().any(|s| s.migrations)
    }

    /// Whether the run ended, and how.
    pub(crate) fn ended(&self) -> Option<String> {
        self.records
            .ended()
            .map(|end| end.outcome.clone().unwrap_or_else(|| "ended".to_owned()))
    }
}

/// The journal `resume` names in `environment`.
pub(crate) fn previous(
    store: &dyn ReleaseStore,
    environment: &str,
    resume: &Resume,
) -> Result<Previous, RolloutError> {
    let nothing = |what: &str| RolloutError::NothingToResume {
        what: what.to_owned(),
        environment: environment.to_owned(),
    };
    let records = match resume {
        Resume::Last => store
            .last_rollout(environment)
            .map_err(store_error)?
            .ok_or_else(|| nothing("--resume last"))?,
        Resume::Run(id) => {
            let records = store.journal(id).map_err(store_error)?;
            if records.is_empty() || records.environment() != Some(environment) {
                return Err(nothing(&format!("--resume {}", crate::names::escaped(id))));
            }
            records
        }
    };
    Ok(Previous {
        run_id: records.run_id.clone(),
        records,
    })
}

fn store_error(error: StoreError) -> RolloutError {
    RolloutError::Store(error)
}

/// Who froze the environment, when and why; `None` when it is not frozen.
pub(crate) fn frozen(
    store: &dyn ReleaseStore,
    environment: &str,
) -> Result<Option<String>, RolloutError> {
    Ok(store
        .freeze_state(environment)
        .map_err(store_error)?
        .map(|freeze| freeze.describe()))
}

/// Records a freeze of the execution's environment by its actor.
pub(crate) fn freeze(
    store: &dyn ReleaseStore,
    execution: &Execution<'_, '_>,
    reason: &str,
    run_id: &str,
) -> Result<(), StoreError> {
    store
        .freeze(
            execution.environment(),
            &execution.actor(),
            reason,
            Some(run_id),
        )
        .map(|_| ())
}

/// Why a run did not get the environment's lock.
pub(crate) struct LockRefused {
    /// A sentence naming who holds it, or why it could not be taken.
    pub(crate) reason: String,
    /// Whether the store failed (unreachable, refusing the password) rather than another run
    /// holding the lock.
    store_failed: bool,
}

impl LockRefused {
    /// The run's exit code: a blocked run's `blocked` when another run holds the lock; 2
    /// (the store named in the reason could not be used) when nobody could tell.
    pub(crate) fn exit_code(&self, blocked: i32) -> i32 {
        match self.store_failed {
            true => crate::exit_code::INVALID_INPUT,
            false => blocked,
        }
    }
}

/// The environment's lock for this run, or why not: a sentence naming who holds it, or the
/// store that could not be asked.
pub(crate) fn lock(
    store: &dyn ReleaseStore,
    execution: &Execution<'_, '_>,
    run_id: &str,
) -> Result<EnvironmentLock, LockRefused> {
    let holder = LockHolder::current(run_id);
    store
        .lock(&execution.plan_name(), execution.environment(), holder)
        .map_err(|e| match e {
            LockError::Held(_) | LockError::Unnamed(_) => LockRefused {
                reason: format!(
                    "another rollout or rollback of {} is under way: {e}",
                    execution.environment()
                ),
                store_failed: false,
            },
            other => LockRefused {
                reason: format!("the environment's lock could not be taken: {other}"),
                store_failed: true,
            },
        })
}
