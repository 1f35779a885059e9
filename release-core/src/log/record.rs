use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::policy::Outcome;
use crate::summary::{Counts, Summary};

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
        }
    }
}
