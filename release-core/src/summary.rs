//! The JSON summary of a run (`schema_version: 1`): the stable, versioned record that CI
//! reads, `--out` writes and the release log points at.

use std::hash::{BuildHasher as _, Hasher as _};

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gate::{Evidence, Measurement, Observation, Verdict};
use crate::policy::{Outcome, Policy};
use crate::runner::RunReport;
use crate::secret::Redactor;

/// The summary format version; bumped on any change that is not an addition.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The tool that wrote a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    /// Always `release`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

impl ToolInfo {
    /// This build of the tool.
    pub fn current() -> Self {
        Self {
            name: "release".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// How many gates ended with each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counts {
    /// Passed.
    pub pass: u32,
    /// Warned.
    pub warn: u32,
    /// Failed.
    pub fail: u32,
    /// No data.
    pub inconclusive: u32,
    /// Could not run.
    pub error: u32,
    /// Not run.
    pub skipped: u32,
}

impl Counts {
    /// Counts one more verdict.
    pub fn add(&mut self, verdict: Verdict) {
        let slot = match verdict {
            Verdict::Pass => &mut self.pass,
            Verdict::Warn => &mut self.warn,
            Verdict::Fail => &mut self.fail,
            Verdict::Inconclusive => &mut self.inconclusive,
            Verdict::Error => &mut self.error,
            Verdict::Skipped => &mut self.skipped,
        };
        *slot = slot.saturating_add(1);
    }

    /// The count for one verdict.
    pub fn get(&self, verdict: Verdict) -> u32 {
        match verdict {
            Verdict::Pass => self.pass,
            Verdict::Warn => self.warn,
            Verdict::Fail => self.fail,
            Verdict::Inconclusive => self.inconclusive,
            Verdict::Error => self.error,
            Verdict::Skipped => self.skipped,
        }
    }

    /// All gates counted.
    pub fn total(&self) -> u32 {
        Verdict::ALL.iter().map(|v| self.get(*v)).sum()
    }
}

/// One gate in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateRecord {
    /// The gate's id.
    pub id: String,
    /// The gate's kind.
    pub kind: String,
    /// The gate's title (its id when it has none).
    pub title: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Whether the gate is required.
    pub required: bool,
    /// Whether this result blocks the release under the run's policy.
    pub blocking: bool,
    /// One line a person reads first.
    pub summary: String,
    /// Wall time of the gate.
    pub duration_ms: u64,
    /// How many attempts were made.
    pub attempts: u32,
    /// Why: observed beside expected.
    pub observations: Vec<Observation>,
    /// Context beside the observations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Numbers later runs compare with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// Facts in the gate kind's own structure, e.g. the platform gate's deployment ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The JSON summary of one run of one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Always [`SUMMARY_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: ToolInfo,
    /// Unique per run; also in the release log.
    pub run_id: String,
    /// The phase run, e.g. `preflight-env`.
    pub phase: String,
    /// The target environment.
    pub environment: String,
    /// Whether warnings and inconclusive results blocked.
    pub strict: bool,
    /// When the run started (RFC 3339).
    #[schemars(with = "String")]
    pub started_at: Timestamp,
    /// When the run finished (RFC 3339).
    #[schemars(with = "String")]
    pub finished_at: Timestamp,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// Whether the run was cancelled (Ctrl-C) before every gate finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    /// The decision.
    pub outcome: Outcome,
    /// Gates per verdict.
    pub counts: Counts,
    /// Every gate, in plan order.
    pub gates: Vec<GateRecord>,
}

/// What a summary needs beside the run itself.
#[derive(Debug, Clone)]
pub struct RunMeta {
    /// The run's id; see [`new_run_id`].
    pub run_id: String,
    /// The phase run.
    pub phase: String,
    /// The target environment.
    pub environment: String,
    /// The policy applied.
    pub policy: Policy,
}

impl Summary {
    /// The summary of a finished run.
    pub fn new(meta: &RunMeta, report: &RunReport) -> Self {
        let mut counts = Counts::default();
        let gates = report
            .results
            .iter()
            .map(|r| {
                let e = &r.evaluation;
                counts.add(e.verdict);
                GateRecord {
                    id: r.info.id.clone(),
                    kind: r.info.kind.clone(),
                    title: r.info.display_title().to_owned(),
                    verdict: e.verdict,
                    required: r.info.required,
                    blocking: meta.policy.blocks(e.verdict, r.info.required),
                    summary: e.summary.clone(),
                    duration_ms: millis(e.duration),
                    attempts: e.attempts,
                    observations: e.observations.clone(),
                    evidence: e.evidence.clone(),
                    measurements: e.measurements.clone(),
                    details: e.details.clone(),
                }
            })
            .collect();
        Self {
            schema_version: SUMMARY_SCHEMA_VERSION,
            tool: ToolInfo::current(),
            run_id: meta.run_id.clone(),
            phase: meta.phase.clone(),
            environment: meta.environment.clone(),
            strict: meta.policy.strict,
            started_at: report.started_at,
            finished_at: report.finished_at,
            duration_ms: millis(report.duration),
            cancelled: report.cancelled,
            outcome: report.outcome(meta.policy),
            counts,
            gates,
        }
    }
}

impl Summary {
    /// Replaces every known secret in the summary's text. Applied to the summary before any
    /// format is rendered, so a coincidental match can never break a document's syntax.
    pub fn redact(&mut self, redactor: &Redactor) {
        if redactor.is_empty() {
            return;
        }
        for gate in &mut self.gates {
            redactor.redact_in_place(&mut gate.title);
            redactor.redact_in_place(&mut gate.summary);
            gate.observations
                .iter_mut()
                .for_each(|o| o.redact(redactor));
            gate.evidence.iter_mut().for_each(|e| e.redact(redactor));
            if let Some(details) = &mut gate.details {
                redactor.redact_json(details);
            }
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A run id: the start time and a random suffix, e.g. `20261127T103000Z-3f9a1c`, sortable by
/// time and unique across concurrent runs.
pub fn new_run_id(at: Timestamp) -> String {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!(
        "{}-{:06x}",
        at.strftime("%Y%m%dT%H%M%SZ"),
        random & 0xff_ffff
    )
}
