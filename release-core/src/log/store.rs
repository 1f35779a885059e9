//! The release store: what rollouts and rollbacks keep between runs (their journal, the
//! environment's lock and its freeze) behind one interface, so the JSON Lines file and a
//! shared database can hold it alike.

use std::ops::ControlFlow;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;

use super::env_lock::{self, EnvironmentLock, LockError, LockHolder};
use super::file::{LogEntry, LogError, ReleaseLog, TornLine};
use super::freeze::{FreezeLineKind, FreezeRecord};
use super::journal::{RolloutAction, RolloutEvent, RolloutRecord, StepEvent, StepRecord};
use super::record::LogLine;

/// The store could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The release log could not be read or appended to.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// The journal of one rollout or rollback run: its own lines and its steps', oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Journal {
    /// The run.
    pub run_id: String,
    /// Its start, resume and end lines.
    pub runs: Vec<RolloutRecord>,
    /// Its steps' start and end lines.
    pub steps: Vec<StepRecord>,
    /// Lines met while reading it that could be journal lines (they hold the word `rollout`)
    /// but are not records (torn, or of an unknown kind); they were skipped.
    #[serde(skip)]
    pub problems: Vec<TornLine>,
}

impl Journal {
    /// Whether nothing of the run was found.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.steps.is_empty()
    }

    /// The run's first line (normally its `start`).
    pub fn started(&self) -> Option<&RolloutRecord> {
        self.runs.first()
    }

    /// Its `end` line, when it ended.
    pub fn ended(&self) -> Option<&RolloutRecord> {
        self.runs
            .iter()
            .rev()
            .find(|r| r.event == RolloutEvent::End)
    }

    /// A rollout or a rollback.
    pub fn action(&self) -> Option<RolloutAction> {
        self.runs.first().map(|r| r.action)
    }

    /// The environment, as its first line says.
    pub fn environment(&self) -> Option<&str> {
        self.runs
            .first()
            .map(|r| r.environment.as_str())
            .or_else(|| self.steps.first().map(|s| s.environment.as_str()))
    }

    /// The newest `start` line of a step.
    pub fn step_start(&self, step_id: &str) -> Option<&StepRecord> {
        self.newest_step(step_id, StepEvent::Start)
    }

    /// The newest `end` line of a step: `None` means it never finished (a resumed run
    /// reconciles or runs it again).
    pub fn step_end(&self, step_id: &str) -> Option<&StepRecord> {
        self.newest_step(step_id, StepEvent::End)
    }

    fn newest_step(&self, step_id: &str, event: StepEvent) -> Option<&StepRecord> {
        self.steps
            .iter()
            .rev()
            .find(|s| s.step_id == step_id && s.event == event)
    }
}

/// What a freeze or an unfreeze changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreezeChange {
    /// The line written; `None` when an unfreeze found nothing frozen.
    pub written: Option<FreezeRecord>,
    /// The freeze in force before: a freeze over it replaced its reason.
    pub before: Option<FreezeRecord>,
}

/// Where rollouts and rollbacks keep their journal, lock and freeze. The release log
/// ([`ReleaseLog`]) is one; a database shared by CI runners is another.
///
/// Reads return what the store holds, never a part of it: a journal cut short could make a
/// resumed run repeat a deploy, a freeze missed would let a rollout start. The log's reads
/// start at its end and stop at what they need.
pub trait ReleaseStore: Send + Sync + std::fmt::Debug {
    /// Where the store is, for messages: `release log artifacts/release/release-log.jsonl`.
    fn location(&self) -> String;

    /// Appends a line (durably: it is on disk, or committed, when this returns).
    fn append_line(&self, line: &LogLine) -> Result<(), StoreError>;

    /// The journal of a run; empty when the store holds nothing of it.
    fn journal(&self, run_id: &str) -> Result<Journal, StoreError>;

    /// The journal of the newest rollout or rollback run of an environment
    /// (`--resume last`, `release rollout status`).
    fn last_rollout(&self, environment: &str) -> Result<Option<Journal>, StoreError>;

    /// The freeze in force in an environment: the newest `freeze` or `unfreeze` line
    /// decides.
    fn freeze_state(&self, environment: &str) -> Result<Option<FreezeRecord>, StoreError>;

    /// Takes the lock of `plan`'s `environment` for `holder`, or says who holds it. It is
    /// held until the returned value is dropped or the process ends.
    fn lock(
        &self,
        plan: &str,
        environment: &str,
        holder: LockHolder,
    ) -> Result<EnvironmentLock, LockError>;

    /// Who holds the lock of `plan`'s `environment`; `None` when it is free.
    fn lock_holder(&self, plan: &str, environment: &str) -> Result<Option<LockHolder>, LockError>;

    /// Freezes an environment (`run_id`: the rollback run that froze it). Over a freeze in
    /// force, the new line replaces its reason.
    fn freeze(
        &self,
        environment: &str,
        by: &str,
        reason: &str,
        run_id: Option<&str>,
    ) -> Result<FreezeChange, StoreError> {
        let before = self.freeze_state(environment)?;
        let record = FreezeRecord::freeze(
            environment,
            by,
            reason,
            run_id.map(str::to_owned),
            Timestamp::now(),
        );
        self.append_line(&LogLine::Freeze(record.clone()))?;
        Ok(FreezeChange {
            written: Some(record),
            before,
        })
    }

    /// Lifts an environment's freeze; writes nothing when it is not frozen.
    fn unfreeze(&self, environment: &str, by: &str) -> Result<FreezeChange, StoreError> {
        let before = self.freeze_state(environment)?;
        if before.is_none() {
            return Ok(FreezeChange {
                written: None,
                before,
            });
        }
        let record = FreezeRecord::unfreeze(environment, by, Timestamp::now());
        self.append_line(&LogLine::Freeze(record.clone()))?;
        Ok(FreezeChange {
            written: Some(record),
            before,
        })
    }
}

impl ReleaseLog {
    /// The lock file of `plan`'s `environment` beside this log (see [`env_lock::lock_path`]).
    pub fn lock_path(&self, plan: &str, environment: &str) -> PathBuf {
        env_lock::lock_path(self.path(), plan, environment)
    }

    /// Reads from the end for the journal of the newest run that is `wanted` (by run id and
    /// environment), stopping at its `start`; lines that are not records are kept as
    /// problems.
    fn read_journal(
        &self,
        mut wanted: impl FnMut(&str, &str) -> bool,
    ) -> Result<(Option<Journal>, Vec<TornLine>), LogError> {
        let mut journal: Option<Journal> = None;
        let mut problems = Vec::new();
        // Every journal line holds the word in its kind (`rollout`, `rollout-step`).
        self.newest_first_holding(u64::MAX, Some("rollout"), |entry| {
            let (run_id, environment) = match &entry {
                LogEntry::Rollout(r) => (r.run_id.as_str(), r.environment.as_str()),
                LogEntry::Step(s) => (s.run_id.as_str(), s.environment.as_str()),
                LogEntry::Problem(problem) => {
                    problems.push(problem.clone());
                    return ControlFlow::Continue(());
                }
                _ => return ControlFlow::Continue(()),
            };
            if journal.is_none() {
                if !wanted(run_id, environment) {
                    return ControlFlow::Continue(());
                }
                journal = Some(Journal {
                    run_id: run_id.to_owned(),
                    ..Journal::default()
                });
            }
            let Some(found) = journal.as_mut().filter(|found| found.run_id == run_id) else {
                return ControlFlow::Continue(());
            };
            match entry {
                LogEntry::Rollout(r) => {
                    let start = r.event == RolloutEvent::Start;
                    found.runs.push(r);
                    if start {
                        return ControlFlow::Break(());
                    }
                }
                LogEntry::Step(s) => found.steps.push(s),
                _ => {}
            }
            ControlFlow::Continue(())
        })?;
        problems.reverse();
        Ok((
            journal.map(|mut journal| {
                journal.runs.reverse();
                journal.steps.reverse();
                journal.problems = std::mem::take(&mut problems);
                journal
            }),
            problems,
        ))
    }
}

/// The release log as the store: lines appended under its file lock, reads from its end
/// (whole, never cut at [`LOOK_BACK_BYTES`](super::LOOK_BACK_BYTES)), locks in files beside
/// it.
impl ReleaseStore for ReleaseLog {
    fn location(&self) -> String {
        format!("release log {}", self.path().display())
    }

    fn append_line(&self, line: &LogLine) -> Result<(), StoreError> {
        Ok(self.write_line(line, line.run_id().unwrap_or("-"))?)
    }

    fn journal(&self, run_id: &str) -> Result<Journal, StoreError> {
        let (found, problems) = self.read_journal(|id, _| id == run_id)?;
        Ok(found.unwrap_or_else(|| Journal {
            run_id: run_id.to_owned(),
            problems,
            ..Journal::default()
        }))
    }

    fn last_rollout(&self, environment: &str) -> Result<Option<Journal>, StoreError> {
        Ok(self.read_journal(|_, env| env == environment)?.0)
    }

    fn freeze_state(&self, environment: &str) -> Result<Option<FreezeRecord>, StoreError> {
        let mut newest = None;
        // Both kinds (`freeze`, `unfreeze`) hold the word.
        self.newest_first_holding(u64::MAX, Some("freeze"), |entry| match entry {
            LogEntry::Freeze(record) if record.environment == environment => {
                newest = Some(record);
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        })?;
        Ok(newest.filter(|record| record.kind == FreezeLineKind::Freeze))
    }

    fn lock(
        &self,
        plan: &str,
        environment: &str,
        holder: LockHolder,
    ) -> Result<EnvironmentLock, LockError> {
        env_lock::take(
            &self.lock_path(plan, environment),
            plan,
            environment,
            holder,
        )
    }

    fn lock_holder(&self, plan: &str, environment: &str) -> Result<Option<LockHolder>, LockError> {
        env_lock::holder(&self.lock_path(plan, environment))
    }
}
