//! `release demo`: the runbook's phases, with the shipped plan, against the test kit's mock
//! environment on loopback. What a newcomer runs first.

use std::path::PathBuf;

use release_core::exit_code::worse;
use release_core::report::Format;
use release_core::rollback::render_decision;
use release_core::runbook::{self, LAUNCH_GATE, RUNBOOK_STEPS, Step};
use release_core::{Plan, Summary};
use release_testkit::{Demo, Scenario};

use super::{phase, rollback};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

pub(crate) fn run(
    global: &GlobalArgs,
    scenario: &str,
    dir: Option<PathBuf>,
) -> Result<i32, CliError> {
    let scenario: Scenario = scenario.parse().map_err(CliError::input)?;
    let dir = Demo::directory(dir).map_err(|e| CliError::Output(output::with_causes(&e)))?;
    let environment = global.environment.as_deref().unwrap_or("staging");
    let session = Session::start()?;
    let Demo {
        plan,
        vars,
        overrides,
        mock,
        ..
    } = session
        .runtime
        .block_on(Demo::start(scenario, environment, &dir))
        .map_err(|e| CliError::Output(output::with_causes(&e)))?;
    output::print_stderr(&format!(
        "demo: scenario {scenario}; API {} and web {} on loopback; QA runs stand-in commands; artifacts in {}\n",
        mock.api_url(),
        mock.web_url(),
        dir.display()
    ));

    let request = phase::request(global, &plan, Some((vars, overrides)))?.environment(environment);
    let (mut worst, mut launch) = (release_core::exit_code::PASSED, None);
    for (index, step) in RUNBOOK_STEPS.into_iter().enumerate() {
        let (summary, phase) = (
            step.run(&request, &session.runtime, &Shown::new(global))?,
            step.phase(),
        );
        if step == Step::DryRun {
            let dir = runbook::write_dry_run_artifacts(&plan, &summary)?;
            output::print_stderr(&format!("dry-run artifacts: {}\n", dir.display()));
        }
        let last = index + 1 == RUNBOOK_STEPS.len();
        // Machine formats print one document: the launch gate's. The others are still
        // written to the artifacts and the log.
        let code = if global.format.is_machine() && !last {
            super::publish::record(global, &request, &summary, phase, true, None)?
        } else {
            if global.format == Format::Human && index > 0 {
                output::print_stdout("\n")?;
            }
            super::publish::publish(global, &request, &summary, phase)?
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
