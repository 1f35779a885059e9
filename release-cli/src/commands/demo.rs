//! `release demo`: the runbook's phases, with the shipped plan, against the test kit's mock
//! environment on loopback. What a newcomer runs first.

use std::path::PathBuf;

use release_core::plan::UrlOverrides;
use release_core::report::Format;
use release_core::{Plan, Vars};
use release_testkit::{MockEnvironment, RailwayMock, RecordedResponse, Scenario};

use super::phase::{self, LAUNCH_GATE, PREFLIGHT, Phase, SMOKE, Session, Target};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// The shipped plan and example environment, built in so the demo runs from any directory.
const RUNBOOK_PLAN: &str = include_str!("../../../fixtures/plans/runbook.toml");
const STAGING_ENV: &str = include_str!("../../../fixtures/env/staging.env");

/// The phases the demo runs, in runbook order.
const PHASES: [Phase; 3] = [PREFLIGHT, SMOKE, LAUNCH_GATE];

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
    let mut vars = Vars::from_env_file(&env_file).map_err(CliError::input)?;
    vars.overlay(Vars::from_pairs([
        ("RELEASE_ADMIN_TOKEN", mock.admin_token().to_owned()),
        ("RAILWAY_API_URL", mock.railway_url()),
    ]));
    output::print_stderr(&format!(
        "demo: scenario {scenario}; API {} and web {} on loopback; artifacts in {}\n",
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
        },
        filter: phase::selection(global, &plan)?,
        baseline_file: global.baseline.clone(),
        strict: global.strict,
    };
    let mut worst = release_core::exit_code::PASSED;
    for (index, phase) in PHASES.into_iter().enumerate() {
        let summary = phase::execute(&session, &target, phase)?;
        let last = index + 1 == PHASES.len();
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
        worst = worst.max(code);
    }
    drop(mock);
    session.finish();
    Ok(worst)
}
