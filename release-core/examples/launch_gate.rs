//! The launch gate of the shipped runbook plan, run from Rust: what `release launch-gate`
//! does, in a few library calls.
//!
//! ```sh
//! cargo run -p release-core --example launch_gate
//! ```
//!
//! It starts the test kit's mock environment (the app, Prometheus, Alertmanager on loopback,
//! the runbook plan with its soak windows shortened), runs the launch gate against it,
//! records the run as the CLI would (summary file, release log) and prints the JSON summary.

use std::error::Error;

use release_core::plan::UrlOverrides;
use release_core::run::RunRequest;
use release_core::runbook::{self, LAUNCH_GATE};
use release_core::{Plan, Summary, Vars};
use release_testkit::{Demo, Scenario};

/// Runs and records the launch gate of `plan` in `environment`: the whole of it, four calls.
pub(crate) fn launch_gate(
    plan: &Plan,
    environment: &str,
    vars: Vars,
    overrides: UrlOverrides,
) -> Result<Summary, Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let request = RunRequest::new(plan)
        .environment(environment)
        .vars(vars)
        .overrides(overrides);
    let summary = runbook::run_phase(&request, LAUNCH_GATE, &runtime, &())?;
    let recorded = runbook::record_phase(&request, LAUNCH_GATE, &summary, &[], None, None);
    if let Some(failure) = recorded.failures.first() {
        return Err(failure.to_string().into());
    }
    Ok(summary)
}

fn main() -> Result<(), Box<dyn Error>> {
    // The mocks are served by a runtime of their own while the gates run.
    let mocks = tokio::runtime::Runtime::new()?;
    let dir = Demo::directory(None)?;
    let demo = mocks.block_on(Demo::start(Scenario::Healthy, "staging", &dir))?;
    let summary = launch_gate(
        &demo.plan,
        "staging",
        demo.vars.clone(),
        demo.overrides.clone(),
    )?;
    println!("{}", release_core::report::json::render(&summary)?);
    eprintln!("artifacts in {}", dir.display());
    std::process::exit(summary.outcome.exit_code());
}
