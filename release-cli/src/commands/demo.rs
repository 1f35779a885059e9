//! `release demo`: the runbook with the shipped plan against the test kit's mock environment
//! on loopback: preflight and the dry-run, then the rollout (deploys on the platform mock,
//! the launch gate, the decision, and the rollback when it is needed). What a newcomer runs
//! first.

use std::path::PathBuf;

use release_core::exit_code::{self, worse};
use release_core::report::{self, Format, RenderOptions};
use release_core::rollout::{self, RolloutRequest, RolloutSummary};
use release_core::runbook::{self, RUNBOOK_STEPS, Step};
use release_core::{Plan, Summary};
use release_testkit::{Demo, DemoScenario};

use super::phase;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

/// The version the demo's rollout releases.
const DEMO_VERSION: &str = "1.4.0-demo";

pub(crate) fn run(
    global: &GlobalArgs,
    scenario: &str,
    dir: Option<PathBuf>,
) -> Result<i32, CliError> {
    let scenario: DemoScenario = scenario.parse().map_err(CliError::input)?;
    let dir = Demo::directory(dir).map_err(|e| CliError::Output(output::with_causes(&e)))?;
    let environment = global.environment.as_deref().unwrap_or("staging");
    let session = Session::start()?;
    let Demo {
        plan,
        vars,
        overrides,
        mock,
        slack,
        ..
    } = session
        .runtime
        .block_on(Demo::start(scenario, environment, &dir))
        .map_err(|e| CliError::Output(output::with_causes(&e)))?;
    output::print_stderr(&format!(
        "demo: scenario {scenario}; API {} and web {}, Railway and Slack on loopback; QA runs stand-in commands; artifacts in {}\n",
        mock.api_url(),
        mock.web_url(),
        dir.display()
    ));

    let request = phase::request(global, &plan, Some((vars, overrides)))?.environment(environment);
    let (mut worst, mut last) = (exit_code::PASSED, None);
    for step in RUNBOOK_STEPS
        .into_iter()
        .filter(|s| *s != Step::Phase(runbook::LAUNCH_GATE))
    {
        let (summary, phase) = (
            step.run(&request, &session.runtime, &Shown::new(global))?,
            step.phase(),
        );
        if step == Step::DryRun {
            let dir = runbook::write_dry_run_artifacts(&plan, &summary)?;
            output::print_stderr(&format!("dry-run artifacts: {}\n", dir.display()));
        }
        // Machine formats print one document: the rollout's. The phases are still written
        // to the artifacts and the log.
        let code = if global.format.is_machine() {
            super::publish::record(global, &request, &summary, phase, true, None)?
        } else {
            if global.format == Format::Human && last.is_some() {
                output::print_stdout("\n")?;
            }
            super::publish::publish(global, &request, &summary, phase)?
        };
        worst = worse(worst, code);
        last = Some(summary);
    }
    if worst == exit_code::BLOCKED || worst == exit_code::INVALID_INPUT {
        // A pipeline does not roll out what its dry-run blocked.
        output::print_stderr("demo: the rollout does not start: an earlier phase is blocked\n");
        if global.format.is_machine()
            && let Some(summary) = &last
        {
            let options = RenderOptions::default();
            let rendered =
                report::render(global.format, summary, &options).map_err(CliError::output)?;
            output::print_stdout(&rendered)?;
        }
        drop((mock, slack));
        session.finish();
        return Ok(worst);
    }

    let rollout = RolloutRequest::new(request).release(Some(DEMO_VERSION.to_owned()), None);
    let summary = rollout::rollout(&rollout, &session.runtime, &Shown::new(global))?;
    drop((mock, slack));
    let code = publish(global, &plan, &summary)?;
    session.finish();
    Ok(worse(worst, code))
}

/// The launch gate's report and health report the rollout's verify step wrote, then the
/// rollout as `release rollout` publishes it; machine formats print the rollout's document
/// alone.
fn publish(global: &GlobalArgs, plan: &Plan, summary: &RolloutSummary) -> Result<i32, CliError> {
    if !global.format.is_machine() {
        let launch_gate = runbook::LAUNCH_GATE.summary_path(plan, &summary.environment);
        if let Ok(launch) = Summary::read_file(&launch_gate) {
            let options = RenderOptions {
                color: output::stdout_color(global.color),
                verbose: global.verbose > 0,
            };
            let rendered =
                report::render(Format::Human, &launch, &options).map_err(CliError::output)?;
            output::print_stdout(&format!("\n{rendered}"))?;
            let (health, path, _) = runbook::health_report(plan, &launch)?;
            output::print_stdout(&format!(
                "\nhealth report: {} ({})\n",
                health.status.as_str(),
                path.display()
            ))?;
        }
        output::print_stdout("\n")?;
    }
    super::rollout::publish(global, plan, summary)
}
