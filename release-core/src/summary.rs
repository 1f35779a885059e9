//! The JSON summary of a run (`schema_version: 1`): the stable, versioned record that CI
//! reads, `--out` writes and the release log points at.

use std::hash::{BuildHasher as _, Hasher as _};

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gate::{Evidence, Measurement, Observation, Verdict};
use crate::gates::platform::DeploymentDetails;
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
    /// How many attempts were made (for a sustained gate: the most any one sample needed).
    pub attempts: u32,
    /// How many samples a sustained gate took; absent for a single check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
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
    /// Why the run stopped before every gate finished once its outcome was decided
    /// (fail-fast, a rollback trigger that fired); absent when it ran to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<StoppedEarlyRecord>,
    /// The decision.
    pub outcome: Outcome,
    /// Gates per verdict.
    pub counts: Counts,
    /// What is being released, when the run was told (`RELEASE_VERSION`, `RELEASE_COMMIT`,
    /// `RELEASE_MIGRATIONS`).
    #[serde(default, skip_serializing_if = "ReleaseInfo::is_empty")]
    pub release: ReleaseInfo,
    /// Every gate, in plan order.
    pub gates: Vec<GateRecord>,
}

/// Why and when a run stopped early: the gates it stopped report `skipped` with `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoppedEarlyRecord {
    /// The gate whose result decided the run.
    pub by: String,
    /// When, in milliseconds from the start of the run.
    pub at_ms: u64,
    /// Why, e.g. "stopped: the run was already blocked by api-health at +0.4 s".
    pub reason: String,
}

/// What a run is releasing: facts the gates cannot see for themselves, given by the pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInfo {
    /// The version being released, e.g. `1.4.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The commit being released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Whether the release ran database migrations; a rollback then includes the database
    /// step. Unknown when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrations: Option<bool>,
}

impl ReleaseInfo {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.version.is_none() && self.commit.is_none() && self.migrations.is_none()
    }
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
                    samples: e.samples,
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
            stopped_early: report
                .stopped_early
                .as_ref()
                .map(|stopped| StoppedEarlyRecord {
                    by: stopped.by.clone(),
                    at_ms: millis(stopped.at),
                    reason: stopped.reason.clone(),
                }),
            outcome: report.outcome(meta.policy),
            counts,
            release: ReleaseInfo::default(),
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
        for text in [&mut self.release.version, &mut self.release.commit]
            .into_iter()
            .flatten()
        {
            redactor.redact_in_place(text);
        }
        if let Some(stopped) = &mut self.stopped_early {
            redactor.redact_in_place(&mut stopped.reason);
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

/// One service's deployments as a `platform` gate found them: what serves now and the most
/// recent earlier deployment that served, the target a rollback returns to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentRecord {
    /// The service's name, e.g. `api`.
    pub service: String,
    /// The platform's id of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The latest deployment's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// The latest deployment's status, e.g. `SUCCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    /// The most recent earlier deployment that served; unknown when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_stable: Option<String>,
}

impl From<DeploymentDetails> for DeploymentRecord {
    fn from(details: DeploymentDetails) -> Self {
        Self {
            service: details.service,
            service_id: details.service_id,
            current: details.current,
            current_status: details.current_status,
            previous_stable: details.previous_stable,
        }
    }
}

impl Summary {
    /// The deployments the run's `platform` gates recorded in their details, by service, in
    /// gate order. Entries that do not have the expected shape are left out.
    pub fn deployments(&self) -> Vec<DeploymentRecord> {
        let mut found: Vec<DeploymentRecord> = Vec::new();
        let listed = self
            .gates
            .iter()
            .filter(|g| g.kind == "platform")
            .filter_map(|g| g.details.as_ref())
            .map(DeploymentDetails::read_all);
        for entries in listed {
            for entry in entries {
                let record = DeploymentRecord::from(entry);
                if !found.iter().any(|d| d.service == record.service) {
                    found.push(record);
                }
            }
        }
        found
    }
}

/// The largest summary file read back: ten thousand gates with their evidence fit well
/// within it, and anything larger is not a summary of ours.
pub const MAX_SUMMARY_BYTES: u64 = 256 * 1024 * 1024;

/// The bytes of a summary file (a gate run's or a rollout's), at most [`MAX_SUMMARY_BYTES`].
pub(crate) fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, SummaryReadError> {
    crate::read::read_limited(path, MAX_SUMMARY_BYTES)
        .map_err(|source| SummaryReadError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .ok_or_else(|| SummaryReadError::TooLarge {
            path: path.to_path_buf(),
        })
}

/// A summary file could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum SummaryReadError {
    /// The file could not be read.
    #[error("failed to read summary {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_SUMMARY_BYTES`].
    #[error("{} is larger than {} MiB; not a release summary", path.display(), MAX_SUMMARY_BYTES / (1024 * 1024))]
    TooLarge {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The summary's environment or a gate id is not a plain name
    /// ([`check_name`](crate::names::check_name)).
    #[error(
        "{}: {what} `{}` {problem}; names are {}",
        path.display(),
        crate::names::escaped(name),
        crate::names::NAME_RULE
    )]
    Name {
        /// The file.
        path: std::path::PathBuf,
        /// `environment` or `gate id`.
        what: &'static str,
        /// The name as read.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The file is not a summary of this schema version.
    #[error("{}:{line}:{column}: not a release summary: {message}", path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, without the offending value.
        message: String,
    },
}

impl Summary {
    /// Reads a summary file written by a run (`--out`, or the launch gate's summary).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("summary.json");
    /// std::fs::write(&path, "{\"schema_version\": 1}").unwrap();
    /// let err = release_core::Summary::read_file(&path).unwrap_err();
    /// assert!(err.to_string().contains("missing field"), "{err}");
    /// ```
    pub fn read_file(path: &std::path::Path) -> Result<Self, SummaryReadError> {
        Self::from_file_bytes(path, &read_bounded(path)?)
    }

    /// The summary in `bytes`, read from `path`, with every check [`Summary::read_file`] makes.
    pub(crate) fn from_file_bytes(
        path: &std::path::Path,
        bytes: &[u8],
    ) -> Result<Self, SummaryReadError> {
        let summary: Summary = read_checked(path, bytes)?;
        if summary.schema_version != SUMMARY_SCHEMA_VERSION {
            return Err(SummaryReadError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!(
                    "schema_version {} is not {SUMMARY_SCHEMA_VERSION}, the version this tool reads",
                    summary.schema_version
                ),
            });
        }
        // Its environment and gate ids name files (`<env>-health-report.json`) and show in
        // reports, as a plan's do: they are held to the same rule, whoever wrote the file.
        let names = std::iter::once(("environment", &summary.environment))
            .chain(summary.gates.iter().map(|g| ("gate id", &g.id)));
        for (what, name) in names {
            check_recorded_name(path, what, name)?;
        }
        Ok(summary)
    }
}

/// A name read back from a recorded file (an environment, a gate id), held to the rule a
/// plan's names keep: it names files and shows in reports.
pub(crate) fn check_recorded_name(
    path: &std::path::Path,
    what: &'static str,
    name: &str,
) -> Result<(), SummaryReadError> {
    crate::names::check_name(name).map_err(|problem| SummaryReadError::Name {
        path: path.to_path_buf(),
        what,
        name: name.to_owned(),
        problem: problem.to_string(),
    })
}

/// A recorded JSON document (a summary of either kind) read strictly: a duplicate key anywhere
/// (which serde would let the last one win) and malformed text are refused with their
/// position, and no value from the file is quoted.
pub(crate) fn read_checked<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<T, SummaryReadError> {
    let text = crate::json::check(bytes).map_err(|e| SummaryReadError::Invalid {
        path: path.to_path_buf(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    crate::json::from_checked(text).map_err(|e| SummaryReadError::Invalid {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: without_value(&e),
    })
}

/// serde_json's message without the ` at line L column C` it appends (the error carries
/// them apart) and without any value from the file: a summary's strings may hold text a gate
/// saw. Every quoted segment (`` ` ``, `"` or `'`) and every number before `, expected` is
/// masked, so `` invalid value: integer `-123`, expected u64 `` keeps only what kind of value
/// it was; what follows `, expected` is the schema's (its types, the variants it allows) and
/// is kept, up to a parser's `but got …`. A missing or duplicate field's name is the schema's
/// too.
pub(crate) fn without_value(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(head, _)| head);
    if let Some(rest) = text
        .strip_prefix("missing field `")
        .or_else(|| text.strip_prefix("duplicate field `"))
        && rest.find('`') == Some(rest.len() - 1)
    {
        return crate::net::shape::serde_words(text, false);
    }
    let (head, expected) = match text.find(", expected") {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let expected = match expected.split_once(" but got ") {
        Some((kept, _)) => format!("{kept} but got something else"),
        None => expected.to_owned(),
    };
    // Then in JSON's words, not Rust's (`expected u64` is `a whole number, not negative`).
    crate::net::shape::serde_words(&format!("{}{expected}", mask_values(head)), false)
}

/// `text` with every quoted segment emptied to `…` between its quotes and every word holding
/// a digit replaced by `…`. An unclosed quote masks the rest.
fn mask_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '"' | '\'' => {
                out.push(c);
                out.push('…');
                let mut escaped = false;
                for inner in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if inner == '\\' && c == '"' {
                        escaped = true;
                    } else if inner == c {
                        out.push(c);
                        break;
                    }
                }
            }
            c if c.is_alphanumeric() || matches!(c, '-' | '+' | '.' | '_') => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_alphanumeric() || matches!(next, '-' | '+' | '.' | '_') {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if word.chars().any(|w| w.is_ascii_digit()) {
                    out.push('…');
                } else {
                    out.push_str(&word);
                }
            }
            c => out.push(c),
        }
    }
    out
}
