//! Deciding over a recorded run with a plan's triggers and the release log: what
//! `release rollback evaluate` does, as one pure function over the run and the facts the log
//! holds ([`LogFacts`]), which are read from the log's end.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use super::decision::Decision;
use super::steps::{DeploymentFacts, DeploymentSearch, MigrationSearch, RollbackPlan};
use super::trigger::TriggerInput;
use crate::gate::Baseline;
use crate::log::{
    BaselineSearch, LogContents, LogError, LogRecord, ReadBack, ReleaseLog, TornLine,
};
use crate::plan::Plan;
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

    /// The facts, read from the end of the release log until every one is known or
    /// `look_back` bytes were read ([`crate::log::LOOK_BACK_BYTES`] by default). Only the
    /// baselines the plan's triggers read are looked for.
    pub fn read(
        plan: &Plan,
        summary: &Summary,
        log: &ReleaseLog,
        look_back: u64,
    ) -> Result<Self, LogError> {
        // Triggers that do not build fail the decision later, with their own message.
        let wanted: Vec<String> = plan
            .rollback_triggers(&summary.environment)
            .unwrap_or_default()
            .iter()
            .flat_map(|t| t.baseline_keys())
            .collect();
        let mut search = FactSearch::new(
            summary,
            BaselineSearch::new(&summary.environment).wanted(wanted),
        );
        let done = search.is_done();
        let (read, problems) =
            log.newest_runs_first(look_back, done, |record| search.offer(record))?;
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
    /// The rollback plan for a run: the plan's services, deployment targets from the run or
    /// the release log, migrations from the run, the log or the plan.
    pub fn for_run(plan: &Plan, summary: &Summary, log: &LogContents) -> Self {
        Self::from_facts(plan, summary, &LogFacts::from_contents(summary, log))
    }

    /// [`for_run`](Self::for_run) over facts read from the log's end.
    pub fn from_facts(plan: &Plan, summary: &Summary, facts: &LogFacts) -> Self {
        let mut steps = RollbackPlan::build(
            &summary.environment,
            &plan.rollback.services(),
            facts.deployments.as_ref(),
            &facts.migrations.clone().finish(plan.rollback.migrations),
        );
        steps.notes.extend(facts.cut_short());
        steps
    }
}

impl Decision {
    /// Decides over a recorded run with the plan's triggers. Baselines are those the run
    /// itself saw (runs recorded before it started), so replaying a run later, after more
    /// runs were logged, gives the same decision. A plan without triggers is an error: a
    /// decision over nothing is not a proceed.
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
    /// let decision = Decision::replay(&plan, &summary, &LogContents::default()).unwrap();
    /// assert_eq!(decision.decision, DecisionKind::Rollback);
    /// let steps = &decision.plan.unwrap().steps;
    /// assert_eq!(steps.len(), 4, "freeze, web, API, smoke: no migrations are known");
    /// ```
    pub fn replay(plan: &Plan, summary: &Summary, log: &LogContents) -> Result<Self, String> {
        Self::replay_facts(plan, summary, &LogFacts::from_contents(summary, log))
    }

    /// [`replay`](Self::replay) over facts read from the release log's end
    /// ([`LogFacts::read`]).
    pub fn replay_facts(plan: &Plan, summary: &Summary, facts: &LogFacts) -> Result<Self, String> {
        let triggers = plan
            .rollback_triggers(&summary.environment)
            .map_err(|e| e.to_string())?;
        if triggers.is_empty() {
            return Err(format!(
                "{} declares no `[[rollback.triggers]]`; a decision over no trigger is not a proceed",
                plan.path.display()
            ));
        }
        Ok(Decision::decide(
            &TriggerInput::new(summary, facts.baselines()),
            &triggers,
            RollbackPlan::from_facts(plan, summary, facts),
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
