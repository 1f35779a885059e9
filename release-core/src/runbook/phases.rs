//! The runbook's gate commands: which plan phases each runs, and what each writes.

use std::path::{Path, PathBuf};

use tokio::runtime::Runtime;

use crate::run::{Recorded, RunError, RunRequest, Watch, record};
use crate::{Plan, Summary};

/// A runbook command that runs gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// The name in the summary and the log, e.g. `launch-gate`.
    pub label: &'static str,
    /// The plan phases it runs.
    pub phases: &'static [&'static str],
    /// Whether it always writes `<artifacts_dir>/<env>-<label>-summary.json`, the file later
    /// steps (health report, rollback) read.
    pub writes_summary: bool,
}

/// `release preflight`: every preflight phase.
pub const PREFLIGHT: Phase = Phase {
    label: "preflight",
    phases: &["preflight-env", "preflight-platform", "preflight-qa"],
    writes_summary: false,
};
/// `release preflight env`.
pub const PREFLIGHT_ENV: Phase = Phase {
    label: "preflight-env",
    phases: &["preflight-env"],
    writes_summary: false,
};
/// `release preflight platform`.
pub const PREFLIGHT_PLATFORM: Phase = Phase {
    label: "preflight-platform",
    phases: &["preflight-platform"],
    writes_summary: false,
};
/// `release preflight qa`.
pub const PREFLIGHT_QA: Phase = Phase {
    label: "preflight-qa",
    phases: &["preflight-qa"],
    writes_summary: false,
};
/// `release smoke`.
pub const SMOKE: Phase = Phase {
    label: "smoke",
    phases: &["smoke"],
    writes_summary: false,
};
/// `release launch-gate`: smoke and launch, recorded for the health report and rollback.
pub const LAUNCH_GATE: Phase = Phase {
    label: "launch-gate",
    phases: &["smoke", "launch"],
    writes_summary: true,
};

impl Phase {
    /// Where the phase's summary file goes for `environment`.
    pub fn summary_path(&self, plan: &Plan, environment: &str) -> PathBuf {
        plan.release
            .artifacts_dir
            .join(format!("{environment}-{}-summary.json", self.label))
    }
}

/// Prepares `request` for the phase, runs its gates on `runtime` and returns the redacted
/// summary. `watch` hears when the run is prepared and when gates start and end.
///
/// ```
/// use release_core::runbook::{PREFLIGHT_ENV, run_phase};
/// use release_core::run::RunRequest;
/// use release_core::{Outcome, Plan, Vars};
/// let plan = Plan::parse("release.toml", r#"
/// [environments.staging]
/// [[gates]]
/// id = "database"
/// kind = "env"
/// phases = ["preflight-env"]
/// vars = [{ name = "DATABASE_URL" }]
/// "#).unwrap();
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let request = RunRequest::new(&plan).vars(Vars::from_pairs([("DATABASE_URL", "postgres://db/app")]));
/// let summary = run_phase(&request, PREFLIGHT_ENV, &runtime, &()).unwrap();
/// assert_eq!(summary.outcome, Outcome::Passed);
/// ```
pub fn run_phase(
    request: &RunRequest<'_>,
    phase: Phase,
    runtime: &Runtime,
    watch: &dyn Watch,
) -> Result<Summary, RunError> {
    let prepared = request.prepare(phase.phases)?;
    watch.prepared(&prepared);
    let gates = prepared.gates(phase.phases)?;
    prepared.check_not_cancelled()?;
    let report = prepared.run(runtime, phase.label, &gates, watch);
    Ok(prepared.summarize(phase.label, &report))
}

/// Records a run of the phase: the phase's summary file (unless the request left gates out:
/// a partial run is not the phase's result), `extra` summary files (`--out`), the step summary
/// and the release log.
pub fn record_phase(
    request: &RunRequest<'_>,
    phase: Phase,
    summary: &Summary,
    extra: &[PathBuf],
    json: Option<String>,
    step_summary: Option<&Path>,
) -> Recorded {
    let mut files = Vec::new();
    if phase.writes_summary && !request.is_partial() {
        files.push(phase.summary_path(request.plan(), &summary.environment));
    }
    files.extend(extra.iter().cloned());
    match request.store() {
        Ok(store) => record(summary, &files, json, step_summary, Ok(store.as_ref())),
        Err(e) => record(summary, &files, json, step_summary, Err(e)),
    }
}
