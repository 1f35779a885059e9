//! `release rollout status`: the environment's lock, its freeze and the last rollout's steps.

use std::fmt::Write as _;

use serde::Serialize;

use crate::log::{FreezeRecord, LockHolder, StepEvent, StepRecord};
use crate::run::RunRequest;

use super::error::RolloutError;

/// Where an environment stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutStatus {
    /// The environment.
    pub environment: String,
    /// Who holds its lock; `None` when it is free.
    pub lock: Option<LockHolder>,
    /// Why the lock's holder is unknown although it is held, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_problem: Option<String>,
    /// The freeze in force; `None` when not frozen.
    pub freeze: Option<FreezeRecord>,
    /// The newest rollout or rollback: its run id, what it is, how it ended (`None`: it
    /// did not, or is still running).
    pub last: Option<LastRun>,
}

/// The newest rollout or rollback run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastRun {
    /// Its id (`--resume <id>`).
    pub run_id: String,
    /// `rollout` or `rollback`.
    pub action: String,
    /// How it ended; `None` while it runs or after it died.
    pub outcome: Option<String>,
    /// Each step's newest line, in the order they started.
    pub steps: Vec<StepRecord>,
}

/// Where the request's environment stands, read from its release store.
pub fn status(request: &RunRequest<'_>) -> Result<RolloutStatus, RolloutError> {
    let plan = request.plan();
    let environment = plan
        .select_environment(request.environment.as_deref())
        .map_err(|e| RolloutError::Run(e.into()))?
        .name
        .to_owned();
    let store = request.store()?;
    let name = match plan.release.name.is_empty() {
        true => "release".to_owned(),
        false => plan.release.name.clone(),
    };
    let (lock, lock_problem) = match store.lock_holder(&name, &environment) {
        Ok(holder) => (holder, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let freeze = store.freeze_state(&environment)?;
    let last = store.last_rollout(&environment)?.map(|journal| {
        let mut steps: Vec<StepRecord> = Vec::new();
        for record in &journal.steps {
            match steps.iter_mut().find(|s| s.step_id == record.step_id) {
                Some(known)
                    if known.event == StepEvent::End && record.event == StepEvent::Start =>
                {
                    *known = record.clone();
                }
                Some(known) => *known = record.clone(),
                None => steps.push(record.clone()),
            }
        }
        LastRun {
            run_id: journal.run_id.clone(),
            action: journal
                .action()
                .map_or_else(|| "rollout".to_owned(), |a| a.as_str().to_owned()),
            outcome: journal.ended().and_then(|e| e.outcome.clone()),
            steps,
        }
    });
    Ok(RolloutStatus {
        environment,
        lock,
        lock_problem,
        freeze,
        last,
    })
}

/// The status for a person.
pub fn render_status(status: &RolloutStatus) -> String {
    let mut out = format!("Environment {}\n", status.environment);
    match (&status.lock, &status.lock_problem) {
        (Some(holder), _) => {
            let _ = writeln!(out, "  lock: held by {holder}");
        }
        (None, Some(problem)) => {
            let _ = writeln!(out, "  lock: unknown: {problem}");
        }
        (None, None) => out.push_str("  lock: free\n"),
    }
    match &status.freeze {
        Some(freeze) => {
            let _ = writeln!(out, "  freeze: {}", freeze.describe());
        }
        None => out.push_str("  freeze: none\n"),
    }
    match &status.last {
        None => out.push_str("  last rollout: none recorded\n"),
        Some(last) => {
            let ended = last
                .outcome
                .clone()
                .unwrap_or_else(|| "not ended (running, or interrupted: --resume)".to_owned());
            let _ = writeln!(out, "  last {}: {} ({ended})", last.action, last.run_id);
            for step in &last.steps {
                let state = match (step.event, step.status) {
                    (StepEvent::End, Some(status)) => status.as_str().to_owned(),
                    _ => "started, not ended".to_owned(),
                };
                let summary = step.summary.clone().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {} ({}): {state}{}",
                    step.step_id,
                    step.step_kind,
                    match summary.is_empty() {
                        true => String::new(),
                        false => format!(": {}", crate::names::escaped(&summary)),
                    }
                );
            }
        }
    }
    out
}
