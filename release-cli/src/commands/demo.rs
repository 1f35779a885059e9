//! `release demo`: the runbook's phases, with the shipped plan, against the test kit's mock
//! environment on loopback. What a newcomer runs first.

use std::path::PathBuf;
use std::time::Duration;

use release_core::plan::GateKindSpec;
use release_core::plan::UrlOverrides;
use release_core::report::Format;
use release_core::{HumanDuration, Plan, Vars};
use release_testkit::{
    AlertmanagerMock, MockEnvironment, PrometheusMock, RailwayMock, RecordedResponse, Scenario,
};

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

    let session = Session::start()?;
    let mock = session
        .runtime
        .block_on(MockEnvironment::builder().scenario(scenario).start())
        .map_err(|e| CliError::Output(format!("failed to start the mock environment: {e}")))?;
    let environment = global
        .environment
        .clone()
        .unwrap_or_else(|| "staging".to_owned());
    // The mock's recorded project token is scoped to production; scope it to the demo's
    // environment, as a real token for that environment would be.
    let token_scope = serde_json::json!({ "data": { "projectToken": {
        "id": "pt-demo",
        "project": { "id": RailwayMock::PROJECT_ID, "name": "acme" },
        "environment": { "id": format!("env-{environment}"), "name": environment },
    } } });
    session.runtime.block_on(mock.railway().script(
        "ProjectToken",
        vec![RecordedResponse::json(200, token_scope)],
    ));
    let (prometheus, alertmanager) = session.runtime.block_on(metrics(&mut plan, scenario));
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
            prometheus_url: Some(prometheus.url()),
            alertmanager_url: Some(alertmanager.url()),
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
    drop((mock, prometheus, alertmanager));
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

/// Prometheus and Alertmanager mocks answering the runbook's metric and alert gates as the
/// scenario's service would, and the plan's soak windows shortened for a demo.
async fn metrics(plan: &mut Plan, scenario: Scenario) -> (PrometheusMock, AlertmanagerMock) {
    let prometheus = PrometheusMock::start().await;
    let alertmanager = AlertmanagerMock::start().await;
    for gate in &mut plan.gates {
        if let Some(window) = &mut gate.common.sustain {
            window.initial_delay = None;
            window.interval = HumanDuration(DEMO_WINDOW);
            window.count = Some(DEMO_SAMPLES);
            window.duration = None;
            window.failure_limit = window.failure_limit.min(DEMO_SAMPLES - 1);
            window.consecutive_successes =
                window.consecutive_successes.map(|k| k.min(DEMO_SAMPLES));
        }
        if let GateKindSpec::Prometheus(spec) = &gate.spec {
            // Healthy values sit under the runbook's levels; a degraded release warns; an API
            // that is down fails.
            let value = match (gate.common.id.as_str(), scenario) {
                ("api-5xx-rate", Scenario::Degraded) => 0.008,
                ("api-5xx-rate", Scenario::ApiDown) => 0.35,
                ("api-5xx-rate", _) => 0.0012,
                (_, Scenario::Degraded) => 0.62,
                (_, Scenario::ApiDown) => 2.4,
                _ => 0.21,
            };
            prometheus
                .respond(&spec.query, PrometheusMock::vector(value))
                .await;
        }
    }
    let alerts = match scenario {
        Scenario::Degraded => vec![AlertmanagerMock::alert("HighLatency", "warning", "active")],
        Scenario::ApiDown => vec![AlertmanagerMock::alert("ApiDown", "critical", "active")],
        _ => Vec::new(),
    };
    // Watchdog fires on purpose everywhere; the plan ignores it.
    let mut all = vec![AlertmanagerMock::alert("Watchdog", "none", "active")];
    all.extend(alerts);
    alertmanager.set_alerts(serde_json::Value::Array(all)).await;
    (prometheus, alertmanager)
}
