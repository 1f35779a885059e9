//! The health report: a launch-gate run restated in the spirit of `application/health+json`
//! (an expired IETF draft, see `../shared/reference/external-apis.md` section 4.1), with a
//! published schema (`release schema health-report`).
//!
//! Field names follow the draft (`status`, `checks`, `observedValue`, `componentId`, …), so
//! a reader that knows health+json reads most of it without this crate. Keys of `checks` are
//! `"{gate id}"` for each gate's own verdict and `"{gate id}:{measurement}"` for each value
//! behind it. The colon separates the two parts only: one inside a gate id or a measurement
//! name becomes a dot in the key (gate `api:latency`'s own entry is `api.latency`, apart from
//! gate `api`'s `latency` measurement at `api:latency`); `componentId` keeps the id as written.
//!
//! Each entry's `status`:
//!
//! - a gate's own entry has its verdict's status ([`HealthStatus::of_verdict`]);
//! - an observation's entry has its gate's status: a gate's observations are the reasons for
//!   its verdict;
//! - a measurement's entry has its gate's status only when an observation of the same name
//!   explains the verdict; otherwise the value played no part in it and is `pass`, so an HTTP
//!   gate failing on a 503 does not mark its latency as failing.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::gate::Verdict;
use crate::policy::Outcome;
use crate::summary::{GateRecord, Summary, ToolInfo};
use crate::sustain::SampleDetails;

/// The health report format version; bumped on any change that is not an addition.
pub const HEALTH_REPORT_SCHEMA_VERSION: u32 = 1;

/// The three statuses of health+json.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Healthy.
    Pass,
    /// Healthy, with a concern.
    Warn,
    /// Unhealthy.
    Fail,
}

impl HealthStatus {
    /// The status a gate's verdict reports; `None` for a gate that did not run.
    ///
    /// No data is a concern, never a pass; a gate that could not run is a failure, as the
    /// policy fails closed.
    pub fn of_verdict(verdict: Verdict) -> Option<Self> {
        match verdict {
            Verdict::Pass => Some(Self::Pass),
            Verdict::Warn | Verdict::Inconclusive => Some(Self::Warn),
            Verdict::Fail | Verdict::Error => Some(Self::Fail),
            Verdict::Skipped => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// A health report built from a launch-gate run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "release health report")]
pub struct HealthReport {
    /// Always [`HEALTH_REPORT_SCHEMA_VERSION`] for this shape.
    #[schemars(extend("const" = HEALTH_REPORT_SCHEMA_VERSION))]
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: ToolInfo,
    /// Overall: `fail` when the run blocked, `warn` when it passed with warnings.
    pub status: HealthStatus,
    /// One line on what was checked.
    pub description: String,
    /// When the run it restates finished (RFC 3339); the report is a function of the run, so
    /// the same summary always gives the same report.
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub time: Timestamp,
    /// What was released, where, and by which run.
    pub release: ReleaseMetadata,
    /// Per component (gate) and measurement; each value is an array, as in health+json.
    pub checks: BTreeMap<String, Vec<ComponentCheck>>,
    /// Things a reader should know that are not checks: skipped gates, a cancelled run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What was released, where, and by which run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReleaseMetadata {
    /// The target environment.
    pub environment: String,
    /// The version released, when the run was told (`RELEASE_VERSION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The commit released, when the run was told (`RELEASE_COMMIT`, `GITHUB_SHA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The run the report restates.
    pub run_id: String,
    /// The phase run, e.g. `launch-gate`.
    pub phase: String,
    /// The run's outcome.
    pub outcome: Outcome,
    /// Whether warnings blocked.
    pub strict: bool,
    /// When the run started (RFC 3339).
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub started_at: Timestamp,
    /// When it finished (RFC 3339).
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub finished_at: Timestamp,
    /// Deployment ids per service, where a `platform` gate of the run found them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<ReportDeployment>,
}

/// One service's deployment ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReportDeployment {
    /// The service, e.g. `api`.
    pub service: String,
    /// The deployment serving now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// The previous stable deployment; unknown when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_stable_id: Option<String>,
}

/// One component's measurement, as health+json's component details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentCheck {
    /// The gate's id.
    pub component_id: String,
    /// The gate's kind, e.g. `http`, `prometheus`.
    pub component_type: String,
    /// What was observed: any JSON value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_value: Option<Value>,
    /// The unit of the observed value, e.g. `ratio`, `s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_unit: Option<String>,
    /// The limit the value was held to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// The status.
    pub status: HealthStatus,
    /// Whether a failure here blocks the release.
    pub required: bool,
    /// When it was observed (RFC 3339).
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub time: Timestamp,
    /// The gate's one-line summary, or why the value is not healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The rule a value was held to and what it expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The rule, e.g. `eq`, `le`, `threshold`.
    pub rule: String,
    /// What the rule wanted.
    pub expected: Value,
    /// The earlier value a relative rule compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Value>,
}

impl HealthReport {
    /// The report of a run. Pure: times come from the summary, never the clock.
    ///
    /// ```
    /// use release_core::health::{HealthReport, HealthStatus};
    /// let summary: release_core::Summary = serde_json::from_value(serde_json::json!({
    ///     "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
    ///     "run_id": "r1", "phase": "launch-gate", "environment": "production", "strict": true,
    ///     "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
    ///     "duration_ms": 1000, "outcome": "blocked",
    ///     "counts": { "pass": 0, "warn": 0, "fail": 1, "inconclusive": 0, "error": 0, "skipped": 0 },
    ///     "gates": [{ "id": "ai-runtime-health", "kind": "ai-runtime", "title": "AI runtime",
    ///         "verdict": "fail", "required": true, "blocking": true, "summary": "2 roles blocked",
    ///         "duration_ms": 9, "attempts": 1,
    ///         "observations": [{ "name": "summary.rolesBlocked", "observed": 2, "expected": 0, "rule": "eq" }] }]
    /// })).unwrap();
    /// let report = HealthReport::from_summary(&summary);
    /// assert_eq!(report.status, HealthStatus::Fail);
    /// let blocked = &report.checks["ai-runtime-health:summary.rolesBlocked"][0];
    /// assert_eq!(blocked.observed_value, Some(serde_json::json!(2)));
    /// assert_eq!(blocked.threshold.as_ref().unwrap().rule, "eq");
    /// ```
    pub fn from_summary(summary: &Summary) -> Self {
        let mut checks = BTreeMap::new();
        let mut notes = Vec::new();
        if summary.cancelled {
            notes.push("the run was cancelled before every gate finished".to_owned());
        }
        for gate in &summary.gates {
            let Some(status) = HealthStatus::of_verdict(gate.verdict) else {
                notes.push(format!("{} skipped: {}", gate.id, gate.summary));
                continue;
            };
            add_gate(&mut checks, gate, status, summary.finished_at);
        }
        let release = &summary.release;
        let description = format!(
            "{} of {}{} in {}: {} gates",
            summary.phase,
            release.version.as_deref().unwrap_or("the current release"),
            release
                .commit
                .as_deref()
                .map(|c| format!(" ({})", short_commit(c)))
                .unwrap_or_default(),
            summary.environment,
            summary.gates.len()
        );
        Self {
            schema_version: HEALTH_REPORT_SCHEMA_VERSION,
            tool: summary.tool.clone(),
            status: match summary.outcome {
                Outcome::Passed if !summary.cancelled => HealthStatus::Pass,
                Outcome::PassedWithWarnings if !summary.cancelled => HealthStatus::Warn,
                _ => HealthStatus::Fail,
            },
            description,
            time: summary.finished_at,
            release: ReleaseMetadata {
                environment: summary.environment.clone(),
                version: release.version.clone(),
                commit: release.commit.clone(),
                run_id: summary.run_id.clone(),
                phase: summary.phase.clone(),
                outcome: summary.outcome,
                strict: summary.strict,
                started_at: summary.started_at,
                finished_at: summary.finished_at,
                deployments: summary
                    .deployments()
                    .into_iter()
                    .map(|d| ReportDeployment {
                        service: d.service,
                        deployment_id: d.current,
                        previous_stable_id: d.previous_stable,
                    })
                    .collect(),
            },
            checks,
            notes,
        }
    }
}

fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// A gate's own entry, then one per measurement and per observation that is not a
/// measurement's restatement, each with the status the module documentation gives it.
fn add_gate(
    checks: &mut BTreeMap<String, Vec<ComponentCheck>>,
    gate: &GateRecord,
    status: HealthStatus,
    finished_at: Timestamp,
) {
    let entry = |observed_value, observed_unit, threshold, status, time, output| ComponentCheck {
        component_id: gate.id.clone(),
        component_type: gate.kind.clone(),
        observed_value,
        observed_unit,
        threshold,
        status,
        required: gate.required,
        time,
        output,
    };
    checks.entry(gate_key(&gate.id)).or_default().push(entry(
        Some(Value::String(gate.verdict.as_str().to_owned())),
        None,
        None,
        status,
        finished_at,
        Some(gate.summary.clone()),
    ));
    // A soak's values were observed at its last sample, not when the run ended.
    let observed_at = last_sample_time(gate).unwrap_or(finished_at);
    for measurement in &gate.measurements {
        let observation = gate
            .observations
            .iter()
            .find(|o| o.name == measurement.name);
        let value = measurement
            .value
            .is_finite()
            .then(|| crate::number::json(measurement.value));
        checks
            .entry(check_key(&gate.id, &measurement.name))
            .or_default()
            .push(entry(
                value,
                measurement.unit.clone(),
                observation.map(threshold_of),
                // A value no observation names did not decide the verdict.
                if observation.is_some() {
                    status
                } else {
                    HealthStatus::Pass
                },
                observed_at,
                None,
            ));
    }
    for observation in &gate.observations {
        if gate.measurements.iter().any(|m| m.name == observation.name) {
            continue;
        }
        checks
            .entry(check_key(&gate.id, &observation.name))
            .or_default()
            .push(entry(
                Some(observation.observed.clone()),
                observation.unit.clone(),
                Some(threshold_of(observation)),
                status,
                observed_at,
                None,
            ));
    }
}

fn threshold_of(observation: &crate::gate::Observation) -> Threshold {
    Threshold {
        rule: observation.rule.clone(),
        expected: observation.expected.clone(),
        baseline: observation.baseline.clone(),
    }
}

/// `{gate}:{measurement}`; health+json allows no colon inside a part, so one in the gate's
/// id or the measurement's name becomes a dot.
fn check_key(gate: &str, measurement: &str) -> String {
    format!("{}:{}", gate_key(gate), measurement.replace(':', "."))
}

/// The key of a gate's own entry: its id, a colon in it a dot, so that it cannot be read as
/// another gate's measurement.
fn gate_key(gate: &str) -> String {
    gate.replace(':', ".")
}

fn last_sample_time(gate: &GateRecord) -> Option<Timestamp> {
    let samples = SampleDetails::read_all(gate.details.as_ref()?)?;
    samples.last().map(|sample| sample.at)
}
