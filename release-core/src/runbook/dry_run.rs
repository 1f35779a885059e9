//! The runbook's staging dry-run: QA first; smoke against the target only when QA did not
//! block; the summary and one evidence file per smoke gate under
//! `<artifacts_dir>/dry-run/<run id>/`, to attach to the release ticket.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tokio::runtime::Runtime;

use super::phases::Phase;
use crate::run::{RecordError, RunError, RunRequest, Watch};
use crate::{DynGate, Evaluation, GateResult, Observation, Outcome, Plan, RunReport, Summary};

/// The variable that skips QA, named as in the runbook.
pub const SKIP_QA: &str = "RELEASE_LOCAL_SKIP_QA_CRITICAL";

const QA_PHASES: &[&str] = &["preflight-qa"];
const SMOKE_PHASES: &[&str] = &["smoke"];

/// The dry-run in the summary and the release log. It writes its own artifacts
/// ([`write_dry_run_artifacts`]), so no phase summary file.
pub const DRY_RUN: Phase = Phase {
    label: "dry-run",
    phases: &["preflight-qa", "smoke"],
    writes_summary: false,
};

/// QA, then smoke when QA did not block, as one summary. `RELEASE_LOCAL_SKIP_QA_CRITICAL=true`
/// in the request's variables reports QA skipped instead of running it.
pub fn dry_run(
    request: &RunRequest<'_>,
    runtime: &Runtime,
    watch: &dyn Watch,
) -> Result<Summary, RunError> {
    let prepared = request.prepare(DRY_RUN.phases)?;
    watch.prepared(&prepared);
    let skip_qa = request
        .variables()
        .get(SKIP_QA)
        .is_some_and(|v| v.expose().trim().eq_ignore_ascii_case("true"));
    let qa_gates = if skip_qa {
        let gates = prepared.left_out(QA_PHASES, &format!("QA skipped: {SKIP_QA}=true"));
        if gates.is_empty() {
            return Err(prepared.no_gates(QA_PHASES, "a dry-run runs QA before smoke"));
        }
        gates
    } else {
        prepared.gates(QA_PHASES)?
    };
    // Built before QA runs: a smoke selection that cannot work must not cost a QA run first.
    let smoke_gates = prepared.gates(SMOKE_PHASES)?;
    prepared.check_not_cancelled()?;
    let qa = prepared.run(runtime, "dry-run QA", &qa_gates, watch);
    let smoke = if qa.cancelled {
        not_run(
            &qa,
            &smoke_gates,
            "not run: the dry-run was interrupted during QA",
        )
    } else if qa.outcome(prepared.policy()) == Outcome::Blocked {
        not_run(&qa, &smoke_gates, "not run: QA blocked the dry-run")
    } else {
        prepared.run(runtime, "dry-run smoke", &smoke_gates, watch)
    };
    Ok(prepared.summarize(DRY_RUN.label, &qa.then(smoke)))
}

/// The smoke gates reported `skipped` with the reason, without running them (the run may be
/// cancelled, and a runner would report them cancelled instead).
fn not_run(qa: &RunReport, gates: &[Box<dyn DynGate>], reason: &str) -> RunReport {
    let results = gates
        .iter()
        .map(|gate| GateResult {
            info: gate.info().clone(),
            evaluation: Evaluation::skipped(reason).observation(Observation::new(
                "dry-run",
                reason,
                "QA passed, then smoke runs",
                "skipped",
            )),
        })
        .collect();
    RunReport {
        started_at: qa.finished_at,
        finished_at: qa.finished_at,
        duration: std::time::Duration::ZERO,
        cancelled: false,
        stopped_early: None,
        results,
    }
}

/// Writes `summary.json` and `<gate id>.json` for each smoke gate (its request, status,
/// latency, assertions and evidence, already redacted) into a directory of its own, and
/// returns the directory.
pub fn write_dry_run_artifacts(plan: &Plan, summary: &Summary) -> Result<PathBuf, RecordError> {
    let dir = plan
        .release
        .artifacts_dir
        .join("dry-run")
        .join(file_name(&summary.run_id));
    let json = crate::report::json::render(summary)?;
    write(&dir.join("summary.json"), &json)?;
    let smoke: BTreeSet<&str> = plan
        .gates_for(SMOKE_PHASES, &summary.environment)
        .map(|g| g.common.id.as_str())
        .collect();
    // A gate named `summary`, or ids that differ only in characters a file name cannot hold,
    // must not overwrite another file: such names get a numbered suffix.
    let mut taken = BTreeSet::from(["summary".to_owned()]);
    for gate in summary
        .gates
        .iter()
        .filter(|g| smoke.contains(g.id.as_str()))
    {
        let text = serde_json::to_string_pretty(gate).map_err(|source| RecordError::Evidence {
            gate: gate.id.clone(),
            source,
        })?;
        let base = file_name(&gate.id);
        let name = (1..)
            .map(|n| match n {
                1 => base.clone(),
                n => format!("{base}-{n}"),
            })
            .find(|name| !taken.contains(name))
            .unwrap_or(base);
        write(&dir.join(format!("{name}.json")), &(text + "\n"))?;
        taken.insert(name);
    }
    Ok(dir)
}

fn write(path: &Path, text: &str) -> Result<(), RecordError> {
    Ok(crate::atomic::write(path, text.as_bytes())?)
}

/// A name safe as one path component: ids come from the plan and may hold anything.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() || "-_.".contains(c) {
            true => c,
            false => '_',
        })
        .collect();
    match safe.is_empty() || safe.starts_with('.') {
        true => format!("_{safe}"),
        false => safe,
    }
}
