//! Baselines: the values earlier runs measured, which relative rules compare with.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::Path;

use jiff::Timestamp;

use super::file::{LogContents, ReadBack, TornLine};
use super::record::LogRecord;
use super::store::{ReleaseStore, StoreError};
use crate::gate::Baseline;
use crate::policy::Outcome;
use crate::summary::Summary;

/// A search of the release log, newest record first, for each measurement's value in the most
/// recent successful run (passed, with or without warnings) of an environment. A blocked run's
/// values are never a baseline: a bad release must not become the yardstick for the next one.
///
/// With [`wanted`](Self::wanted) keys the search stops as soon as each has a value, so a run
/// reads only the end of a long log; without, it offers every record it is given.
///
/// ```
/// use release_core::log::BaselineSearch;
/// let search = BaselineSearch::new("production").wanted(["sessions.stale_active_sessions"]);
/// assert_eq!(search.missing(), ["sessions.stale_active_sessions"]);
/// assert!(BaselineSearch::new("production").wanted(Vec::<String>::new()).is_done());
/// ```
#[derive(Debug, Clone)]
pub struct BaselineSearch {
    environment: String,
    wanted: Option<BTreeSet<String>>,
    before: Option<(String, Timestamp)>,
    found: BTreeMap<String, Baseline>,
}

impl BaselineSearch {
    /// Every measurement of the environment's successful runs.
    pub fn new(environment: impl Into<String>) -> Self {
        Self {
            environment: environment.into(),
            wanted: None,
            before: None,
            found: BTreeMap::new(),
        }
    }

    /// Only these keys (`<gate id>.<measurement>`); the search is done once each has a value.
    #[must_use]
    pub fn wanted<I: IntoIterator<Item = S>, S: Into<String>>(mut self, keys: I) -> Self {
        self.wanted = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Only runs recorded before `at`, other than `run_id` itself: the baselines a run saw,
    /// so replaying it later gives the same answer.
    #[must_use]
    pub fn before(mut self, run_id: impl Into<String>, at: Timestamp) -> Self {
        self.before = Some((run_id.into(), at));
        self
    }

    /// Whether every wanted key has a value (never, when no keys were named).
    pub fn is_done(&self) -> bool {
        self.wanted
            .as_ref()
            .is_some_and(|wanted| wanted.len() == self.found.len())
    }

    /// Wanted keys without a value yet.
    pub fn missing(&self) -> Vec<String> {
        self.wanted
            .iter()
            .flatten()
            .filter(|key| !self.found.contains_key(*key))
            .cloned()
            .collect()
    }

    /// Takes a record, newest first; breaks once the search is done.
    pub fn offer(&mut self, record: &LogRecord) -> ControlFlow<()> {
        if self.is_done() {
            return ControlFlow::Break(());
        }
        let earlier = self
            .before
            .as_ref()
            .is_none_or(|(run_id, at)| record.run_id != *run_id && record.recorded_at < *at);
        if record.environment != self.environment || record.outcome == Outcome::Blocked || !earlier
        {
            return ControlFlow::Continue(());
        }
        for (key, value) in &record.measurements {
            let wanted = self.wanted.as_ref().is_none_or(|w| w.contains(key));
            if wanted && !self.found.contains_key(key) {
                let source = format!(
                    "release log: run {} ({})",
                    record.run_id,
                    record.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                );
                self.found.insert(
                    key.clone(),
                    Baseline {
                        value: *value,
                        source,
                    },
                );
            }
        }
        if self.is_done() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// The baselines found.
    pub fn finish(self) -> BTreeMap<String, Baseline> {
        self.found
    }

    /// Runs the search over the newest runs of its environment in a release store, reading
    /// back at most `look_back` bytes of a log file (nothing at all when no key is wanted).
    pub fn read(
        mut self,
        store: &dyn ReleaseStore,
        look_back: u64,
    ) -> Result<Baselines, StoreError> {
        let done = self.is_done();
        let environment = self.environment.clone();
        let (read, problems) =
            store.newest_runs_first(Some(&environment), look_back, done, &mut |record| {
                self.offer(record)
            })?;
        Ok(Baselines {
            missing: self.missing(),
            values: self.finish(),
            read,
            problems,
        })
    }
}

/// Baselines read from the end of a release log.
#[derive(Debug, Clone, PartialEq)]
pub struct Baselines {
    /// Values by `<gate id>.<measurement>`.
    pub values: BTreeMap<String, Baseline>,
    /// Wanted keys the log did not hold (within what was read).
    pub missing: Vec<String>,
    /// How the read ended: when the limit cut it short, older runs may hold the missing keys.
    pub read: ReadBack,
    /// Lines skipped because they are not records.
    pub problems: Vec<TornLine>,
}

/// For each measurement, its value in the most recent successful run of the environment
/// ([`BaselineSearch`] over records already read).
///
/// ```
/// use release_core::log::{baselines_from_log, LogContents};
/// assert!(baselines_from_log(&LogContents::default(), "production").is_empty());
/// ```
pub fn baselines_from_log(contents: &LogContents, environment: &str) -> BTreeMap<String, Baseline> {
    let mut search = BaselineSearch::new(environment);
    for (_, record) in contents.records.iter().rev() {
        if search.offer(record).is_break() {
            break;
        }
    }
    search.finish()
}

/// Every measurement of a summary file (`--baseline FILE`), whatever its outcome: the
/// operator chose this file on purpose.
pub fn baselines_from_summary(summary: &Summary, path: &Path) -> BTreeMap<String, Baseline> {
    summary
        .gates
        .iter()
        .flat_map(|gate| {
            gate.measurements.iter().map(move |m| {
                let source = format!("{}: run {}", path.display(), summary.run_id);
                (
                    format!("{}.{}", gate.id, m.name),
                    Baseline {
                        value: m.value,
                        source,
                    },
                )
            })
        })
        .collect()
}
