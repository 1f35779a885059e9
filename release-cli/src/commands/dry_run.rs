//! `release dry-run`: the runbook's staging dry-run. QA runs first; smoke runs against the
//! target only when QA did not block; the summary and one evidence file per smoke gate are
//! written under `<artifacts_dir>/dry-run/<run id>/`, to attach to the release ticket.

use std::path::{Path, PathBuf};

use release_core::{
    DynGate, Evaluation, GateResult, Observation, Outcome, Plan, RunReport, Summary,
};

use super::phase::{self, Phase, Session, Target};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// The variable that skips QA, named as in the runbook.
pub(crate) const SKIP_QA: &str = "RELEASE_LOCAL_SKIP_QA_CRITICAL";

const QA_PHASES: &[&str] = &["preflight-qa"];
const SMOKE_PHASES: &[&str] = &["smoke"];

/// The dry-run in the summary and the release log. It writes its own artifacts, so the phase
/// summary file is not written.
pub(crate) const DRY_RUN: Phase = Phase {
    label: "dry-run",
    phases: &["preflight-qa", "smoke"],
    writes_summary: false,
};

pub(crate) fn run(global: &GlobalArgs) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::input)?;
    let target = Target::from_args(global, &plan)?;
    let session = Session::start()?;
    let summary = execute(&session, &target)?;
    let artifacts = write_artifacts(&plan, &summary);
    let code = phase::publish(global, &plan, &summary, DRY_RUN, global.format);
    session.finish();
    match artifacts {
        Ok(dir) => {
            output::print_stderr(&format!("dry-run artifacts: {}\n", dir.display()));
            code
        }
        Err(e) => {
            output::print_error(&e);
            // The artifacts are the point of a dry-run: without them it cannot pass. A blocked
            // dry-run stays blocked.
            code.map(|code| match code {
                release_core::exit_code::BLOCKED => code,
                _ => release_core::exit_code::INVALID_INPUT,
            })
        }
    }
}

/// QA, then smoke when QA did not block, as one summary.
pub(crate) fn execute(session: &Session, target: &Target<'_>) -> Result<Summary, CliError> {
    let plan = target.plan;
    let prepared = phase::prepare(session, target, DRY_RUN.phases)?;
    let environment = prepared.environment.as_str();
    let skip_qa = target
        .vars
        .get(SKIP_QA)
        .is_some_and(|v| v.expose().trim().eq_ignore_ascii_case("true"));
    let qa_gates = if skip_qa {
        let gates = plan.left_out_gates(
            QA_PHASES,
            environment,
            &format!("QA skipped: {SKIP_QA}=true"),
        );
        if gates.is_empty() {
            return Err(no_qa_gates(plan, environment));
        }
        gates
    } else {
        phase::selected_gates(target, &prepared, QA_PHASES)?
    };
    // Built before QA runs: a smoke selection that cannot work must not cost a QA run first.
    let smoke_gates = phase::selected_gates(target, &prepared, SMOKE_PHASES)?;
    session.check_not_interrupted()?;
    let qa = phase::run_gates(session, target, &prepared, "dry-run QA", &qa_gates);
    let smoke = if qa.cancelled {
        not_run(
            &qa,
            &smoke_gates,
            "not run: the dry-run was interrupted during QA",
        )
    } else if qa.outcome(prepared.policy()) == Outcome::Blocked {
        not_run(&qa, &smoke_gates, "not run: QA blocked the dry-run")
    } else {
        phase::run_gates(session, target, &prepared, "dry-run smoke", &smoke_gates)
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
        results,
    }
}

fn no_qa_gates(plan: &Plan, environment: &str) -> CliError {
    CliError::Input(format!(
        "{}: no gates in phase preflight-qa for environment `{environment}`; a dry-run runs QA before smoke",
        plan.path.display()
    ))
}

/// Writes `summary.json` and `<gate id>.json` for each smoke gate (its request, status,
/// latency, assertions and evidence, already redacted) into a directory of its own.
pub(crate) fn write_artifacts(plan: &Plan, summary: &Summary) -> Result<PathBuf, CliError> {
    let dir = plan
        .release
        .artifacts_dir
        .join("dry-run")
        .join(file_name(&summary.run_id));
    let json = release_core::report::json::render(summary).map_err(CliError::output)?;
    write(&dir.join("summary.json"), &json)?;
    let smoke: std::collections::BTreeSet<&str> = plan
        .gates_for(SMOKE_PHASES, &summary.environment)
        .map(|g| g.common.id.as_str())
        .collect();
    // A gate named `summary`, or ids that differ only in characters a file name cannot hold,
    // must not overwrite another file: such names get a numbered suffix.
    let mut taken = std::collections::BTreeSet::from(["summary".to_owned()]);
    for gate in summary
        .gates
        .iter()
        .filter(|g| smoke.contains(g.id.as_str()))
    {
        let text = serde_json::to_string_pretty(gate).map_err(|e| {
            CliError::Output(format!("failed to render evidence of `{}`: {e}", gate.id))
        })?;
        let base = file_name(&gate.id);
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|name| !taken.contains(name))
            .unwrap_or(base);
        write(&dir.join(format!("{name}.json")), &(text + "\n"))?;
        taken.insert(name);
    }
    Ok(dir)
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    release_core::atomic::write(path, text.as_bytes()).map_err(|e| CliError::Output(e.to_string()))
}

/// A name safe as one path component: ids come from the plan and may hold anything.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() || safe.starts_with('.') {
        format!("_{safe}")
    } else {
        safe
    }
}
