//! Deciding over a recorded run with a plan's triggers and the release log: what
//! `release rollback evaluate` does, as one pure function over the run and the facts the log
//! holds ([`LogFacts`]), which are read from the log's end.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use super::config::RollbackConfig;
use super::decision::Decision;
use super::steps::{DeploymentFacts, DeploymentSearch, MigrationSearch, RollbackPlan};
use super::trigger::TriggerInput;
use crate::errors::DecisionError;
use crate::gate::Baseline;
use crate::log::{
    BaselineSearch, LogContents, LogRecord, ReadBack, ReleaseStore, StoreError, TornLine,
};
use crate::summary::Summary;

/// What a decision over a run and its rollback plan take from the release log: the baselines
/// the run saw (runs recorded before it started), where its services return to (the newest
/// preflight run), and whether its release ran migrations (the newest record of its version).
#[derive(Debug, Clone)]
pub struct LogFacts {
    baselines: BTreeMap<String, Baseline>,
    deployments: Option<DeploymentFacts>,
    migrations: MigrationSearch,
    /// What was not found when the look-back limit stopped the reading, in words.
    unfound: Vec<String>,
    /// How the reading ended.
    pub read: ReadBack,
    /// Lines of the log skipped because they are not records.
    pub problems: Vec<TornLine>,
}

/// The three searches, fed the same records newest first.
struct FactSearch {
    baselines: BaselineSearch,
    deployments: DeploymentSearch,
    migrations: MigrationSearch,
}

impl FactSearch {
    fn new(summary: &Summary, baselines: BaselineSearch) -> Self {
        Self {
            baselines: baselines.before(summary.run_id.clone(), summary.started_at),
            deployments: DeploymentSearch::new(summary),
            migrations: MigrationSearch::new(summary),
        }
    }

    fn is_done(&self) -> bool {
        self.baselines.is_done() && self.deployments.is_done() && self.migrations.is_done()
    }

    fn offer(&mut self, record: &LogRecord) -> ControlFlow<()> {
        if !self.baselines.is_done() {
            let _ = self.baselines.offer(record);
        }
        if !self.deployments.is_done() {
            let _ = self.deployments.offer(record);
        }
        if !self.migrations.is_done() {
            let _ = self.migrations.offer(record);
        }
        if self.is_done() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn finish(self, read: ReadBack, problems: Vec<TornLine>) -> LogFacts {
        let mut unfound = Vec::new();
        if matches!(read, ReadBack::LimitReached { .. }) {
            let missing = self.baselines.missing();
            if !missing.is_empty() {
                unfound.push(format!("baselines of {}", missing.join(", ")));
            }
            if !self.deployments.is_done() {
                unfound.push("a preflight run's deployments".to_owned());
            }
            if !self.migrations.is_done() {
                unfound.push("whether this release ran migrations".to_owned());
            }
        }
        LogFacts {
            deployments: self.deployments.finish(),
            baselines: self.baselines.finish(),
            migrations: self.migrations,
            unfound,
            read,
            problems,
        }
    }
}

impl LogFacts {
    /// The facts in records already read, all of them considered.
    pub fn from_contents(summary: &Summary, log: &LogContents) -> Self {
        let mut search = FactSearch::new(summary, BaselineSearch::new(&summary.environment));
        for (_, record) in log.records.iter().rev() {
            if search.offer(record).is_break() {
                break;
            }
        }
        search.finish(ReadBack::WholeLog, log.problems.clone())
    }

    /// The facts, read from the newest runs of the summary's environment in the release store
    /// until every one is known or `look_back` bytes of a log file were read
    /// ([`crate::log::LOOK_BACK_BYTES`] by default). Only the baselines the configuration's
    /// triggers read are looked for.
    pub fn read(
        config: &RollbackConfig,
        summary: &Summary,
        store: &dyn ReleaseStore,
        look_back: u64,
    ) -> Result<Self, StoreError> {
        let wanted = config.baseline_keys();
        let mut search = FactSearch::new(
            summary,
            BaselineSearch::new(&summary.environment).wanted(wanted),
        );
        let done = search.is_done();
        let (read, problems) = store.newest_runs_first(
            Some(&summary.environment),
            look_back,
            done,
            &mut |record| search.offer(record),
        )?;
        Ok(search.finish(read, problems))
    }

    /// The baselines the run saw.
    pub fn baselines(&self) -> &BTreeMap<String, Baseline> {
        &self.baselines
    }

    /// When the look-back limit stopped the reading before everything was found: what was
    /// not, and why, in one line.
    pub fn cut_short(&self) -> Option<String> {
        let ReadBack::LimitReached { bytes } = self.read else {
            return None;
        };
        (!self.unfound.is_empty()).then(|| {
            format!(
                "release log: read back {} from its end (the limit) without finding {}; older records were not read",
                crate::log::format_size(bytes),
                self.unfound.join("; ")
            )
        })
    }
}

impl RollbackPlan {
    /// The rollback plan for a run: the configuration's services, deployment targets from the
    /// run or the release log, migrations from the run, the log or the configuration.
    pub fn for_run(config: &RollbackConfig, summary: &Summary, log: &LogContents) -> Self {
        Self::from_facts(config, summary, &LogFacts::from_contents(summary, log))
    }

    /// [`for_run`](Self::for_run) over facts read from the log's end.
    pub fn from_facts(config: &RollbackConfig, summary: &Summary, facts: &LogFacts) -> Self {
        let mut steps = RollbackPlan::build(
            &summary.environment,
            &config.services,
            facts.deployments.as_ref(),
            &facts.migrations.clone().finish(config.migrations),
        );
        steps.notes.extend(facts.cut_short());
        steps
    }
}

impl Decision {
    /// Decides over a recorded run with the configuration's triggers. Baselines are those the run
    /// itself saw (runs recorded before it started), so replaying a run later, after more
    /// runs were logged, gives the same decision. A configuration without triggers is an
    /// error: a decision over nothing is not a proceed.
    ///
    /// ```
    /// use release_core::log::LogContents;
    /// use release_core::rollback::{Decision, DecisionKind};
    /// let plan = release_core::Plan::parse("release.toml", r#"
    ///     [environments.production]
    ///     [[gates]]
    ///     id = "api-health"
    ///     kind = "http"
    ///     phases = ["smoke"]
    ///     url = "https://api.example.com/health"
    ///     [[rollback.triggers]]
    ///     id = "smoke-failed"
    ///     kind = "verdict"
    ///     gates = ["smoke"]
    /// "#).unwrap();
    /// let summary: release_core::Summary = serde_json::from_value(serde_json::json!({
    ///     "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
    ///     "run_id": "r1", "phase": "launch-gate", "environment": "production", "strict": true,
    ///     "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
    ///     "duration_ms": 1000, "outcome": "blocked",
    ///     "counts": { "pass": 0, "warn": 0, "fail": 1, "inconclusive": 0, "error": 0, "skipped": 0 },
    ///     "gates": [{ "id": "api-health", "kind": "http", "title": "API", "verdict": "fail",
    ///         "required": true, "blocking": true, "summary": "503 in 12ms",
    ///         "duration_ms": 12, "attempts": 1, "observations": [] }]
    /// })).unwrap();
    /// let config = plan.rollback_config("production").unwrap();
    /// let decision = Decision::replay(&config, &summary, &LogContents::default()).unwrap();
    /// assert_eq!(decision.decision, DecisionKind::Rollback);
    /// let steps = &decision.plan.unwrap().steps;
    /// assert_eq!(steps.len(), 4, "freeze, web, API, smoke: no migrations are known");
    /// ```
    pub fn replay(
        config: &RollbackConfig,
        summary: &Summary,
        log: &LogContents,
    ) -> Result<Self, DecisionError> {
        Self::replay_facts(config, summary, &LogFacts::from_contents(summary, log))
    }

    /// [`replay`](Self::replay) over facts read from the release log's end
    /// ([`LogFacts::read`]).
    pub fn replay_facts(
        config: &RollbackConfig,
        summary: &Summary,
        facts: &LogFacts,
    ) -> Result<Self, DecisionError> {
        if config.triggers.is_empty() {
            return Err(DecisionError::NoTriggers {
                declared_in: config.declared_in.clone(),
            });
        }
        Ok(Decision::decide(
            &TriggerInput::new(summary, facts.baselines()),
            &config.triggers,
            RollbackPlan::from_facts(config, summary, facts),
        ))
    }
}

/// The baselines from runs recorded before `summary`'s run started, never from itself.
pub fn baselines_before(log: &LogContents, summary: &Summary) -> BTreeMap<String, Baseline> {
    let mut search = BaselineSearch::new(&summary.environment)
        .before(summary.run_id.clone(), summary.started_at);
    for (_, record) in log.records.iter().rev() {
        if search.offer(record).is_break() {
            break;
        }
    }
    search.finish()
}
