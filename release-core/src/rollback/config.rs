//! What a decision is configured with: the rollback triggers built for one environment and the
//! facts a rollback plan needs. A plan's `[rollback]` table gives one
//! ([`Plan::rollback_config`](crate::Plan::rollback_config)); code may build it directly.

use super::steps::RollbackServices;
use super::trigger::RollbackTrigger;

/// The rollback configuration of one environment.
#[derive(Debug)]
pub struct RollbackConfig {
    /// Where the configuration was declared (a plan file), for messages.
    pub declared_in: String,
    /// The triggers, in order.
    pub triggers: Vec<Box<dyn RollbackTrigger>>,
    /// The services the rollback plan names.
    pub services: RollbackServices,
    /// Whether releases run database migrations when a run does not say.
    pub migrations: Option<bool>,
}

impl RollbackConfig {
    /// A configuration with these triggers, the default services and nothing known about
    /// migrations.
    ///
    /// ```
    /// use release_core::log::LogContents;
    /// use release_core::rollback::{Decision, DecisionKind, RollbackConfig, VerdictTrigger};
    /// use release_core::errors::DecisionError;
    /// let summary: release_core::Summary = serde_json::from_value(serde_json::json!({
    ///     "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
    ///     "run_id": "r1", "phase": "smoke", "environment": "production", "strict": true,
    ///     "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
    ///     "duration_ms": 1000, "outcome": "passed",
    ///     "counts": { "pass": 1, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0 },
    ///     "gates": [{ "id": "api-health", "kind": "http", "title": "API", "verdict": "pass",
    ///         "required": true, "blocking": false, "summary": "200 in 12ms",
    ///         "duration_ms": 12, "attempts": 1, "observations": [] }]
    /// })).unwrap();
    /// let config = RollbackConfig::new(
    ///     "code",
    ///     vec![Box::new(VerdictTrigger::new("smoke-failed", ["api-health"]))],
    /// );
    /// let decision = Decision::replay(&config, &summary, &LogContents::default()).unwrap();
    /// assert_eq!(decision.decision, DecisionKind::Proceed);
    ///
    /// let none = RollbackConfig::new("code", Vec::new());
    /// let refused = Decision::replay(&none, &summary, &LogContents::default()).unwrap_err();
    /// assert!(matches!(refused, DecisionError::NoTriggers { .. }));
    /// assert_eq!(
    ///     refused.to_string(),
    ///     "code declares no `[[rollback.triggers]]`; a decision over no trigger is not a proceed"
    /// );
    /// ```
    pub fn new(declared_in: impl Into<String>, triggers: Vec<Box<dyn RollbackTrigger>>) -> Self {
        Self {
            declared_in: declared_in.into(),
            triggers,
            services: RollbackServices::default(),
            migrations: None,
        }
    }

    /// The baselines the triggers read, keyed `<gate id>.<measurement>`.
    pub fn baseline_keys(&self) -> Vec<String> {
        self.triggers
            .iter()
            .flat_map(|t| t.baseline_keys())
            .collect()
    }
}
