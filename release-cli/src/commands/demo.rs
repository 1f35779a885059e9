//! `release demo`: the runbook's phases, with the shipped plan, against the test kit's mock
//! environment on loopback. What a newcomer runs first.

use std::path::PathBuf;
use std::time::Duration;

use release_core::plan::GateKindSpec;
use release_core::plan::UrlOverrides;
use release_core::report::Format;
use release_core::{HumanDuration, Plan, Vars};
use release_testkit::{Metric, MockEnvironment, Scenario};

use super::dry_run;
use super::phase::{self, LAUNCH_GATE, PREFLIGHT, Phase, Session, Target};
use super::rollback;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// The shipped plan and example environment, built in so the demo runs from any directory.
const RUNBOOK_PLAN: &str = include_str!("../../../fixtures/plans/runbook.toml");
/// Stand-ins for the runbook's QA gates, whose npm scripts only the app's repository has.
const DEMO_QA_PLAN: &str = include_str!("../../../fixtures/plans/demo-qa.toml");
const STAGING_ENV: &str = include_str!("../../../fixtures/env/staging.env");

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
    let env_file = dir.join("staging.env");
    std::fs::write(&env_file, STAGING_ENV)
        .map_err(|e| CliError::Output(format!("failed to write {}: {e}", env_file.display())))?;

    let mut plan = Plan::parse("fixtures/plans/runbook.toml (built in)", RUNBOOK_PLAN)
        .map_err(CliError::input)?;
    plan.release.artifacts_dir = dir.join("artifacts");
    plan.release.log = Some(dir.join("artifacts/release-log.jsonl"));
    let stand_ins = Plan::parse("fixtures/plans/demo-qa.toml (built in)", DEMO_QA_PLAN)
        .map_err(CliError::input)?;
    plan.gates.retain(|g| !g.in_phase("preflight-qa"));
    plan.gates.extend(stand_ins.gates);

    shorten_windows(&mut plan);
    let environment = global
        .environment
        .clone()
        .unwrap_or_else(|| "staging".to_owned());
    let mut builder = MockEnvironment::builder()
        .scenario(scenario)
        .railway_environment(&environment);
    for gate in &plan.gates {
        if let GateKindSpec::Prometheus(spec) = &gate.spec {
            let metric = match gate.common.id.as_str() {
                "api-5xx-rate" => Metric::ErrorRatio,
                _ => Metric::LatencySeconds,
            };
            builder = builder.metric(&spec.query, metric);
        }
    }
    let session = Session::start()?;
    let mock = session
        .runtime
        .block_on(builder.start())
        .map_err(|e| CliError::Output(format!("failed to start the mock environment: {e}")))?;
    let mut vars = Vars::from_env_file(&env_file).map_err(CliError::input)?;
    vars.overlay(Vars::from_pairs([
        ("RELEASE_ADMIN_TOKEN", mock.admin_token().to_owned()),
        ("RAILWAY_API_URL", mock.railway_url()),
    ]));
    output::print_stderr(&format!(
        "demo: scenario {scenario}; API {} and web {} on loopback; QA runs stand-in commands; artifacts in {}\n",
        mock.api_url(),
        mock.web_url(),
        dir.display()
    ));

    let target = Target {
        plan: &plan,
        vars,
        environment: Some(environment),
        overrides: UrlOverrides {
            api_url: Some(mock.api_url()),
            web_url: Some(mock.web_url()),
            prometheus_url: Some(mock.prometheus().url()),
            alertmanager_url: Some(mock.alertmanager().url()),
        },
        filter: phase::selection(global, &plan)?,
        baseline_file: global.baseline.clone(),
        strict: global.strict,
        skip_deps: global.skip_deps,
        progress: crate::progress::wanted(global),
        quiet: global.quiet,
    };
    let mut worst = release_core::exit_code::PASSED;
    let mut launch = None;
    for (index, step) in STEPS.into_iter().enumerate() {
        let (summary, phase) = match step {
            Step::Phase(phase) => (phase::execute(&session, &target, phase)?, phase),
            Step::DryRun => {
                let summary = dry_run::execute(&session, &target)?;
                let dir = dry_run::write_artifacts(&plan, &summary)?;
                output::print_stderr(&format!("dry-run artifacts: {}\n", dir.display()));
                (summary, dry_run::DRY_RUN)
            }
        };
        let last = index + 1 == STEPS.len();
        // Machine formats print one document: the launch gate's. The others are still
        // written to the artifacts and the log.
        let code = if global.format.is_machine() && !last {
            phase::record(global, &plan, &summary, phase, true, None)?
        } else {
            if global.format == Format::Human && index > 0 {
                output::print_stdout("\n")?;
            }
            phase::publish(global, &plan, &summary, phase, global.format)?
        };
        worst = worse(worst, code);
        if last {
            launch = Some(summary);
        }
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
fn after_launch(
    global: &GlobalArgs,
    plan: &Plan,
    summary: &release_core::Summary,
) -> Result<i32, CliError> {
    let report = release_core::health::HealthReport::from_summary(summary);
    let path = plan
        .release
        .artifacts_dir
        .join(format!("{}-health-report.json", summary.environment));
    let mut json = serde_json::to_string_pretty(&report).map_err(CliError::output)?;
    json.push('\n');
    release_core::atomic::write(&path, json.as_bytes()).map_err(CliError::output)?;
    let decision = rollback::decide(plan, summary)?;
    let summary_path = plan.release.artifacts_dir.join(format!(
        "{}-{}-summary.json",
        summary.environment, LAUNCH_GATE.label
    ));
    let code = rollback::record(plan, &decision, Some(summary_path.display().to_string()));
    if !global.format.is_machine() {
        output::print_stdout(&format!(
            "\nhealth report: {} ({})\n\n{}",
            report.status.as_str(),
            path.display(),
            release_core::rollback::render_decision(&decision)
        ))?;
    }
    Ok(code)
}

/// The demo's soak windows: three samples a third of a second apart, not ten a minute apart.
const DEMO_WINDOW: Duration = Duration::from_millis(300);
const DEMO_SAMPLES: u32 = 3;

fn shorten_windows(plan: &mut Plan) {
    for window in plan
        .gates
        .iter_mut()
        .filter_map(|g| g.common.sustain.as_mut())
    {
        window.initial_delay = None;
        window.interval = HumanDuration(DEMO_WINDOW);
        window.count = Some(DEMO_SAMPLES);
        window.duration = None;
        window.failure_limit = window.failure_limit.min(DEMO_SAMPLES - 1);
        window.consecutive_successes = window.consecutive_successes.map(|k| k.min(DEMO_SAMPLES));
    }
}
