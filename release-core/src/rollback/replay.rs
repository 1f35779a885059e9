//! Deciding over a recorded run with a plan's triggers and the release log: what
//! `release rollback evaluate` does, as one pure function.

use std::collections::BTreeMap;

use super::decision::Decision;
use super::steps::{DeploymentFacts, Migrations, RollbackPlan};
use super::trigger::TriggerInput;
use crate::gate::Baseline;
use crate::log::{LogContents, baselines_from_log};
use crate::plan::Plan;
use crate::summary::Summary;

impl RollbackPlan {
    /// The rollback plan for a run: the plan's services, deployment targets from the run or
    /// the release log, migrations from the run, the log or the plan.
    pub fn for_run(plan: &Plan, summary: &Summary, log: &LogContents) -> Self {
        RollbackPlan::build(
            &summary.environment,
            &plan.rollback.services(),
            DeploymentFacts::find(summary, log).as_ref(),
            &Migrations::find(summary, log, plan.rollback.migrations),
        )
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
        let triggers = plan.rollback_triggers(&summary.environment)?;
        if triggers.is_empty() {
            return Err(format!(
                "{} declares no `[[rollback.triggers]]`; a decision over no trigger is not a proceed",
                plan.path.display()
            ));
        }
        let baselines = baselines_before(log, summary);
        Ok(Decision::decide(
            &TriggerInput::new(summary, &baselines),
            &triggers,
            RollbackPlan::for_run(plan, summary, log),
        ))
    }
}

/// The baselines from runs recorded before `summary`'s run started, never from itself.
pub fn baselines_before(log: &LogContents, summary: &Summary) -> BTreeMap<String, Baseline> {
    let earlier = LogContents {
        records: log
            .records
            .iter()
            .filter(|(_, r)| r.run_id != summary.run_id && r.recorded_at < summary.started_at)
            .cloned()
            .collect(),
        ..LogContents::default()
    };
    baselines_from_log(&earlier, &summary.environment)
}
