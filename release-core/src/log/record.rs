use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::freeze::FreezeRecord;
use super::journal::{RolloutRecord, StepRecord};
use crate::exit_code;
use crate::policy::Outcome;
use crate::summary::{Counts, DeploymentRecord, ReleaseInfo, Summary};

/// The log record format version.
pub const LOG_SCHEMA_VERSION: u32 = 1;

/// One line of the release log: a run's result, enough to find baselines and its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogRecord {
    /// Always [`LOG_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// The run's id, as in its summary.
    pub run_id: String,
    /// When the record was written (RFC 3339).
    #[schemars(with = "String")]
    pub recorded_at: Timestamp,
    /// The phase run.
    pub phase: String,
    /// The target environment.
    pub environment: String,
    /// Whether the run was strict.
    pub strict: bool,
    /// The decision.
    pub outcome: Outcome,
    /// Gates per verdict.
    pub counts: Counts,
    /// The tool version that ran.
    pub tool_version: String,
    /// Where the JSON summary was written, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_path: Option<String>,
    /// The passing gates' measurements, keyed `<gate id>.<measurement>`: the baselines of
    /// later runs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measurements: BTreeMap<String, f64>,
    /// What the run released, as it was told.
    #[serde(default, skip_serializing_if = "ReleaseInfo::is_empty")]
    pub release: ReleaseInfo,
    /// The deployments its `platform` gates found: where a later rollback returns to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentRecord>,
}

impl LogRecord {
    /// The record of a summarised run.
    pub fn from_summary(
        summary: &Summary,
        recorded_at: Timestamp,
        summary_path: Option<String>,
    ) -> Self {
        Self {
            schema_version: LOG_SCHEMA_VERSION,
            run_id: summary.run_id.clone(),
            recorded_at,
            phase: summary.phase.clone(),
            environment: summary.environment.clone(),
            strict: summary.strict,
            outcome: summary.outcome,
            counts: summary.counts,
            tool_version: summary.tool.version.clone(),
            summary_path,
            // Only a passing gate's values may become a baseline: a value that already warned
            // would otherwise ratchet the yardstick up run by run.
            measurements: summary
                .gates
                .iter()
                .filter(|g| g.verdict == crate::gate::Verdict::Pass)
                .flat_map(|g| {
                    g.measurements
                        .iter()
                        .map(move |m| (format!("{}.{}", g.id, m.name), m.value))
                })
                .collect(),
            release: summary.release.clone(),
            deployments: summary.deployments(),
        }
    }
}

/// The `kind` of a decision line; run lines have none, as they predate decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionLineKind {
    /// A `release rollback evaluate` decision.
    RollbackDecision,
}

/// What to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// Every trigger is clear.
    Proceed,
    /// Some trigger is in watch and none fired: evaluate again later.
    Hold,
    /// A trigger fired.
    Rollback,
}

impl DecisionKind {
    /// The exit code of `release rollback evaluate`: 0 proceed, 3 hold, 1 rollback.
    pub fn exit_code(self) -> i32 {
        match self {
            Self::Proceed => exit_code::PASSED,
            Self::Hold => exit_code::HOLD,
            Self::Rollback => exit_code::BLOCKED,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proceed => "proceed",
            Self::Hold => "hold",
            Self::Rollback => "rollback",
        }
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One release-log line recording a rollback decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DecisionRecord {
    /// Always [`LOG_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// Tells it from a run line.
    pub kind: DecisionLineKind,
    /// The run decided over.
    pub run_id: String,
    /// When the decision was recorded (RFC 3339).
    #[schemars(with = "String")]
    pub recorded_at: Timestamp,
    /// The environment.
    pub environment: String,
    /// What was decided.
    pub decision: DecisionKind,
    /// The triggers that fired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fired: Vec<String>,
    /// The triggers in watch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watching: Vec<String>,
    /// The tool version that decided.
    pub tool_version: String,
    /// The summary file decided over, when it was read from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_path: Option<String>,
}

/// Any line of the release log: a run, a decision, a rollout's journal or a freeze.
/// Describes the log's shape for its schema (`release schema log-record`); every line but a
/// run's has a `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum LogLine {
    /// A decision (`rollback-decision`).
    Decision(DecisionRecord),
    /// A rollout or rollback run started, resumed or ended (`rollout`).
    Rollout(RolloutRecord),
    /// A step of one started or ended (`rollout-step`).
    Step(StepRecord),
    /// An environment frozen or unfrozen (`freeze`, `unfreeze`).
    Freeze(FreezeRecord),
    /// A run (no `kind`).
    Run(LogRecord),
}

impl LogLine {
    /// The run the line belongs to, when it belongs to one.
    pub fn run_id(&self) -> Option<&str> {
        match self {
            Self::Decision(d) => Some(&d.run_id),
            Self::Rollout(r) => Some(&r.run_id),
            Self::Step(s) => Some(&s.run_id),
            Self::Freeze(f) => f.run_id.as_deref(),
            Self::Run(r) => Some(&r.run_id),
        }
    }
}

impl From<RolloutRecord> for LogLine {
    fn from(record: RolloutRecord) -> Self {
        Self::Rollout(record)
    }
}

impl From<StepRecord> for LogLine {
    fn from(record: StepRecord) -> Self {
        Self::Step(record)
    }
}

impl From<FreezeRecord> for LogLine {
    fn from(record: FreezeRecord) -> Self {
        Self::Freeze(record)
    }
}
