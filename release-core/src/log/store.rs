//! The release store: what rollouts and rollbacks keep between runs (their journal, the
//! environment's lock and its freeze) behind one interface, so the JSON Lines file and a
//! shared database can hold it alike.

use std::ops::ControlFlow;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;

use super::env_lock::{self, EnvironmentLock, LockError, LockHolder};
use super::file::{LogEntry, LogError, ReadBack, ReleaseLog, TornLine};
use super::freeze::{FreezeLineKind, FreezeRecord};
use super::journal::{RolloutAction, RolloutEvent, RolloutRecord, StepEvent, StepRecord};
use super::record::{LogLine, LogRecord};

/// The store could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The release log could not be read or appended to.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The database could not be reached, or refused what was asked.
    #[error("failed to {action} {location}: {reason}")]
    Database {
        /// Where: `release store postgres://release@db:5432/release` (never a password).
        location: String,
        /// What was being done: `connect to`, `append to`, `read`, `migrate`.
        action: &'static str,
        /// Why, in the driver's or the server's words (never a password).
        reason: String,
    },
    /// The database's schema was made by a newer release of this tool: writing to it could
    /// lose what the newer release keeps.
    #[error(
        "{location} holds release store schema version {found}, newer than the {supported} this \
         release knows: upgrade release (or point it at another database) rather than write to it"
    )]
    SchemaTooNew {
        /// Where.
        location: String,
        /// The version found.
        found: i32,
        /// The newest this release knows.
        supported: i32,
    },
}

/// The kinds of line a read can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// A run's record (no `kind` key).
    Run,
    /// A rollback decision (`rollback-decision`).
    Decision,
    /// A rollout or rollback run started, resumed or ended (`rollout`).
    Rollout,
    /// A step of one (`rollout-step`).
    Step,
    /// A freeze or an unfreeze (`freeze`, `unfreeze`).
    Freeze,
}

impl LineKind {
    /// The kind of an entry; `None` for a problem.
    pub fn of(entry: &LogEntry) -> Option<Self> {
        match entry {
            LogEntry::Run(_) => Some(Self::Run),
            LogEntry::Decision(_) => Some(Self::Decision),
            LogEntry::Rollout(_) => Some(Self::Rollout),
            LogEntry::Step(_) => Some(Self::Step),
            LogEntry::Freeze(_) => Some(Self::Freeze),
            LogEntry::Problem(_) => None,
        }
    }

    /// The kind of a line.
    pub fn of_line(line: &LogLine) -> Self {
        match line {
            LogLine::Run(_) => Self::Run,
            LogLine::Decision(_) => Self::Decision,
            LogLine::Rollout(_) => Self::Rollout,
            LogLine::Step(_) => Self::Step,
            LogLine::Freeze(_) => Self::Freeze,
        }
    }

    /// The values a line of this kind has in its `kind` key (`run` for a run's, which has
    /// none): what a database indexes.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Self::Run => &["run"],
            Self::Decision => &["rollback-decision"],
            Self::Rollout => &["rollout"],
            Self::Step => &["rollout-step"],
            Self::Freeze => &["freeze", "unfreeze"],
        }
    }
}

/// Which lines a read wants. A store offers only the lines it matches, and every problem it
/// meets (a line or row that is not a record), so a torn record is never passed over
/// silently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineFilter {
    /// The kinds wanted; all when empty.
    pub kinds: Vec<LineKind>,
    /// Only lines of this environment.
    pub environment: Option<String>,
    /// Only lines of this run.
    pub run_id: Option<String>,
}

impl LineFilter {
    /// Every line.
    pub fn all() -> Self {
        Self::default()
    }

    /// Lines of these kinds.
    pub fn kinds(kinds: &[LineKind]) -> Self {
        Self {
            kinds: kinds.to_vec(),
            ..Self::default()
        }
    }

    /// Only lines of `environment`.
    #[must_use]
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// Only lines of the run `run_id`.
    #[must_use]
    pub fn run(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    /// Whether `entry` is wanted; a problem always is.
    pub fn wants(&self, entry: &LogEntry) -> bool {
        let Some(kind) = LineKind::of(entry) else {
            return true;
        };
        if !self.kinds.is_empty() && !self.kinds.contains(&kind) {
            return false;
        }
        let (environment, run_id) = match entry {
            LogEntry::Run(r) => (Some(r.environment.as_str()), Some(r.run_id.as_str())),
            LogEntry::Decision(d) => (Some(d.environment.as_str()), Some(d.run_id.as_str())),
            LogEntry::Rollout(r) => (Some(r.environment.as_str()), Some(r.run_id.as_str())),
            LogEntry::Step(s) => (Some(s.environment.as_str()), Some(s.run_id.as_str())),
            LogEntry::Freeze(f) => (Some(f.environment.as_str()), f.run_id.as_deref()),
            LogEntry::Problem(_) => (None, None),
        };
        self.environment
            .as_deref()
            .is_none_or(|wanted| environment == Some(wanted))
            && self
                .run_id
                .as_deref()
                .is_none_or(|wanted| run_id == Some(wanted))
    }

    /// The database `kind` values wanted; empty for all.
    pub fn kind_names(&self) -> Vec<&'static str> {
        self.kinds
            .iter()
            .flat_map(|kind| kind.names().iter().copied())
            .collect()
    }

    /// A word every wanted line holds, so a file reader may pass over the others unparsed.
    fn word(&self) -> Option<&'static str> {
        let only = |allowed: &[LineKind]| {
            !self.kinds.is_empty() && self.kinds.iter().all(|kind| allowed.contains(kind))
        };
        if only(&[LineKind::Rollout, LineKind::Step]) {
            Some("rollout")
        } else if only(&[LineKind::Freeze]) {
            Some("freeze")
        } else if only(&[LineKind::Decision]) {
            Some("rollback-decision")
        } else {
            None
        }
    }
}

/// What an import added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// Lines the store did not hold, now added.
    pub added: usize,
    /// Lines it already held (an import run twice adds nothing the second time).
    pub already_present: usize,
}

impl LogEntry {
    /// The line this entry was read from; `None` for a problem.
    pub fn into_line(self) -> Option<LogLine> {
        match self {
            LogEntry::Run(r) => Some(LogLine::Run(r)),
            LogEntry::Decision(d) => Some(LogLine::Decision(d)),
            LogEntry::Rollout(r) => Some(LogLine::Rollout(r)),
            LogEntry::Step(s) => Some(LogLine::Step(s)),
            LogEntry::Freeze(f) => Some(LogLine::Freeze(f)),
            LogEntry::Problem(_) => None,
        }
    }
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

/// Where every run, decision, rollout journal, lock and freeze is kept between runs: the
/// release log ([`ReleaseLog`], a JSON Lines file, the default) or a database shared by CI
/// runners (`postgres://…`). Everything that reads or writes the log goes through this.
///
/// Reads return what the store holds, never a part of it: a journal cut short could make a
/// resumed run repeat a deploy, a freeze missed would let a rollout start. Reads that look
/// for the newest lines start at the end and stop at what they need.
pub trait ReleaseStore: Send + Sync + std::fmt::Debug {
    /// Where the store is, for messages: `release log artifacts/release/release-log.jsonl`,
    /// `release store postgres://release@db:5432/release` (never a password).
    fn location(&self) -> String;

    /// Whether the store can be used (the file can be made, the database reached and its
    /// schema migrated), before a command relies on it.
    fn check(&self) -> Result<(), StoreError>;

    /// Appends a line (durably: it is on disk, or committed, when this returns; a line cut
    /// short is never left behind in a database).
    fn append_line(&self, line: &LogLine) -> Result<(), StoreError>;

    /// Offers the lines `filter` wants, newest first, until `visit` breaks, the oldest is
    /// reached or about `look_back` bytes of lines were read ([`LOOK_BACK_BYTES`](super::LOOK_BACK_BYTES) is what
    /// commands use; `u64::MAX` for no limit). Problems are offered as met.
    fn newest_first(
        &self,
        filter: &LineFilter,
        look_back: u64,
        visit: &mut dyn FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<ReadBack, StoreError>;

    /// Offers the lines `filter` wants, oldest first with their position (a file's line
    /// number, a database's row number), until `visit` breaks; one line is held at a time.
    fn oldest_first(
        &self,
        filter: &LineFilter,
        visit: &mut dyn FnMut(usize, LogEntry) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Adds the lines the store does not hold yet (equal lines are the same record), in
    /// order: importing a release log twice adds nothing the second time.
    fn import(&self, lines: &[LogLine]) -> Result<Imported, StoreError> {
        let mut present = std::collections::HashSet::new();
        self.oldest_first(&LineFilter::all(), &mut |_, entry| {
            if let Some(line) = entry.into_line()
                && let Ok(text) = serde_json::to_string(&line)
            {
                present.insert(text);
            }
            ControlFlow::Continue(())
        })?;
        let mut imported = Imported::default();
        for line in lines {
            let text = serde_json::to_string(line).unwrap_or_default();
            if present.insert(text) {
                self.append_line(line)?;
                imported.added += 1;
            } else {
                imported.already_present += 1;
            }
        }
        Ok(imported)
    }

    /// Offers run records newest first to `offer` until it breaks, as
    /// [`newest_first`](Self::newest_first) does lines, returning the problems met beside how
    /// the read ended. What searches for facts of earlier runs (baselines, rollback targets)
    /// reads this way. A search that is already `done` reads nothing.
    fn newest_runs_first(
        &self,
        environment: Option<&str>,
        look_back: u64,
        done: bool,
        offer: &mut dyn FnMut(&LogRecord) -> ControlFlow<()>,
    ) -> Result<(ReadBack, Vec<TornLine>), StoreError> {
        let mut problems = Vec::new();
        if done {
            return Ok((ReadBack::Found, problems));
        }
        let mut filter = LineFilter::kinds(&[LineKind::Run]);
        filter.environment = environment.map(str::to_owned);
        let read = self.newest_first(&filter, look_back, &mut |entry| match entry {
            LogEntry::Run(record) => offer(&record),
            LogEntry::Problem(problem) => {
                problems.push(problem);
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        })?;
        Ok((read, problems))
    }

    /// The journal of a run; empty when the store holds nothing of it.
    fn journal(&self, run_id: &str) -> Result<Journal, StoreError> {
        let filter = LineFilter::kinds(&[LineKind::Rollout, LineKind::Step]).run(run_id);
        let (found, problems) = read_journal(self, &filter)?;
        Ok(found.unwrap_or_else(|| Journal {
            run_id: run_id.to_owned(),
            problems,
            ..Journal::default()
        }))
    }

    /// The journal of the newest rollout or rollback run of an environment
    /// (`--resume last`, `release rollout status`).
    fn last_rollout(&self, environment: &str) -> Result<Option<Journal>, StoreError> {
        let filter =
            LineFilter::kinds(&[LineKind::Rollout, LineKind::Step]).environment(environment);
        Ok(read_journal(self, &filter)?.0)
    }

    /// The freeze in force in an environment: the newest `freeze` or `unfreeze` line
    /// decides.
    fn freeze_state(&self, environment: &str) -> Result<Option<FreezeRecord>, StoreError> {
        let mut newest = None;
        let filter = LineFilter::kinds(&[LineKind::Freeze]).environment(environment);
        self.newest_first(&filter, u64::MAX, &mut |entry| match entry {
            LogEntry::Freeze(record) => {
                newest = Some(record);
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        })?;
        Ok(newest.filter(|record| record.kind == FreezeLineKind::Freeze))
    }

    /// Takes the lock of `plan`'s `environment` for `holder`, or says who holds it. It is
    /// held until the returned value is dropped or the process ends (however it ends).
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

/// Reads from the end for the journal of the newest run `filter` wants, stopping at its
/// `start`; lines that are not records are kept as problems.
fn read_journal<S: ReleaseStore + ?Sized>(
    store: &S,
    filter: &LineFilter,
) -> Result<(Option<Journal>, Vec<TornLine>), StoreError> {
    let mut journal: Option<Journal> = None;
    let mut problems = Vec::new();
    store.newest_first(filter, u64::MAX, &mut |entry| {
        let run_id = match &entry {
            LogEntry::Rollout(r) => r.run_id.as_str(),
            LogEntry::Step(s) => s.run_id.as_str(),
            LogEntry::Problem(problem) => {
                problems.push(problem.clone());
                return ControlFlow::Continue(());
            }
            _ => return ControlFlow::Continue(()),
        };
        let found = journal.get_or_insert_with(|| Journal {
            run_id: run_id.to_owned(),
            ..Journal::default()
        });
        if found.run_id != run_id {
            return ControlFlow::Continue(());
        }
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

impl ReleaseLog {
    /// The lock file of `plan`'s `environment` beside this log (see [`env_lock::lock_path`]).
    pub fn lock_path(&self, plan: &str, environment: &str) -> PathBuf {
        env_lock::lock_path(self.path(), plan, environment)
    }
}

/// The release log as the store: lines appended under its file lock, reads from its end
/// (whole unless a read sets a look-back limit), locks in files beside it.
impl ReleaseStore for ReleaseLog {
    fn location(&self) -> String {
        format!("release log {}", self.path().display())
    }

    fn check(&self) -> Result<(), StoreError> {
        Ok(ReleaseLog::check(self)?)
    }

    fn append_line(&self, line: &LogLine) -> Result<(), StoreError> {
        Ok(self.write_line(line, line.run_id().unwrap_or("-"))?)
    }

    fn newest_first(
        &self,
        filter: &LineFilter,
        look_back: u64,
        visit: &mut dyn FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<ReadBack, StoreError> {
        Ok(
            self.newest_first_holding(look_back, filter.word(), |entry| {
                if filter.wants(&entry) {
                    visit(entry)
                } else {
                    ControlFlow::Continue(())
                }
            })?,
        )
    }

    fn oldest_first(
        &self,
        filter: &LineFilter,
        visit: &mut dyn FnMut(usize, LogEntry) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        Ok(self.for_each(|line, entry| {
            if filter.wants(&entry) {
                visit(line, entry)
            } else {
                ControlFlow::Continue(())
            }
        })?)
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
