//! `release demo`: the runbook's phases, with the shipped plan, against the test kit's mock
//! environment on loopback. What a newcomer runs first.

use std::path::PathBuf;

use release_core::report::Format;
use release_core::rollback::render_decision;
use release_core::{Plan, Summary};
use release_testkit::{Demo, Scenario};

use release_core::runbook::{self, DRY_RUN, LAUNCH_GATE, PREFLIGHT, Phase};

use super::{phase, rollback};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

/// What the demo runs, in runbook order.
#[derive(Debug, Clone, Copy)]
enum Step {
    Phase(Phase),
    DryRun,
}

const STEPS: [Step; 3] = [
    Step::Phase(PREFLIGHT),
    Step::DryRun,
    Step::Phase(LAUNCH_GATE),
];

pub(crate) fn run(
    global: &GlobalArgs,
    scenario: &str,
    dir: Option<PathBuf>,
) -> Result<i32, CliError> {
    let scenario: Scenario = scenario.parse().map_err(CliError::input)?;
    let dir = match dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| {
                CliError::Output(format!("failed to create {}: {e}", dir.display()))
            })?;
            dir
        }
        None => tempfile::Builder::new()
            .prefix("release-demo-")
            .tempdir()
            .map_err(|e| CliError::Output(format!("failed to create a temporary directory: {e}")))?
            .keep(),
    };
    let environment = global
        .environment
        .clone()
        .unwrap_or_else(|| "staging".to_owned());
    let session = Session::start()?;
    let Demo {
        plan,
        vars,
        overrides,
        mock,
        ..
    } = session
        .runtime
        .block_on(Demo::start(scenario, &environment, &dir))
        .map_err(|e| CliError::Output(with_causes(&e)))?;
    output::print_stderr(&format!(
        "demo: scenario {scenario}; API {} and web {} on loopback; QA runs stand-in commands; artifacts in {}\n",
        mock.api_url(),
        mock.web_url(),
        dir.display()
    ));

    let request = phase::request(global, &plan, Some((vars, overrides)))?.environment(environment);
    let (mut worst, mut launch) = (release_core::exit_code::PASSED, None);
    for (index, step) in STEPS.into_iter().enumerate() {
        let shown = Shown::new(global);
        let (summary, phase) = match step {
            Step::Phase(phase) => (
                runbook::run_phase(&request, phase, &session.runtime, &shown)?,
                phase,
            ),
            Step::DryRun => {
                let summary = runbook::dry_run(&request, &session.runtime, &shown)?;
                let dir = runbook::write_dry_run_artifacts(&plan, &summary)?;
                output::print_stderr(&format!("dry-run artifacts: {}\n", dir.display()));
                (summary, DRY_RUN)
            }
        };
        let last = index + 1 == STEPS.len();
        // Machine formats print one document: the launch gate's. The others are still
        // written to the artifacts and the log.
        let code = if global.format.is_machine() && !last {
            phase::record(global, &request, &summary, phase, true, None)?
        } else {
            if global.format == Format::Human && index > 0 {
                output::print_stdout("\n")?;
            }
            phase::publish(global, &request, &summary, phase)?
        };
        worst = worse(worst, code);
        launch = last.then_some(summary);
    }
    drop(mock);
    if let Some(summary) = launch {
        worst = worse(worst, after_launch(global, &plan, &summary)?);
    }
    session.finish();
    Ok(worst)
}

/// The more serious of two exit codes: unusable output, then blocked or rollback, then hold,
/// then passed. Numerically hold (3) is the largest, but it must not hide a block.
fn worse(a: i32, b: i32) -> i32 {
    use release_core::exit_code::{BLOCKED, HOLD, INVALID_INPUT};
    let rank = |code: i32| match code {
        INVALID_INPUT => 3,
        BLOCKED => 2,
        HOLD => 1,
        0 => 0,
        // Anything else is unexpected: keep it visible.
        _ => 4,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The runbook's post-release steps over the launch gate's run: the health report, then the
/// rollback decision with its plan. Machine formats keep stdout for the launch gate's
/// document; the report and the decision still go to the artifacts and the log.
fn after_launch(global: &GlobalArgs, plan: &Plan, summary: &Summary) -> Result<i32, CliError> {
    let (report, path, json) = runbook::health_report(plan, summary)?;
    release_core::atomic::write(&path, json.as_bytes()).map_err(CliError::output)?;
    let log = super::release_log(plan.release.log_path());
    let decision = runbook::decide(plan, summary, &log).map_err(CliError::input)?;
    let summary_path = LAUNCH_GATE.summary_path(plan, &summary.environment);
    let code = rollback::record(&log, &decision, Some(summary_path.display().to_string()));
    if !global.format.is_machine() {
        let (status, decision) = (report.status.as_str(), render_decision(&decision));
        output::print_stdout(&format!(
            "\nhealth report: {status} ({})\n\n{decision}",
            path.display()
        ))?;
    }
    Ok(code)
}

/// `err` and its causes on one line.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        text.push_str(&format!(": {err}"));
        cause = err.source();
    }
    text
}
