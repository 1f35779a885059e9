//! Running the gates of one or more phases: the heart of `release preflight` and friends.

use std::path::Path;

use release_core::log::{LogRecord, ReleaseLog};
use release_core::report::{self, Format, RenderOptions, github};
use release_core::{
    Context, Outcome, Plan, Policy, Redactor, RunMeta, Runner, Summary, Vars, exit_code, new_run_id,
};
use tokio_util::sync::CancellationToken;

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(global: &GlobalArgs, phase: &str, phases: &[&str]) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::input)?;
    let selected = plan
        .select_environment(global.environment.as_deref())
        .map_err(CliError::input)?;
    let vars = Vars::load(global.env_file.as_deref()).map_err(CliError::input)?;
    let redactor = redactor_for(&plan, &vars);
    let gates = plan
        .build_gates(phases, &selected.name)
        .map_err(CliError::input)?;
    if gates.is_empty() {
        return Err(CliError::Input(format!(
            "{}: no gates in phase {} for environment `{}`; nothing to check is not a pass",
            plan.path.display(),
            phases.join(", "),
            selected.name
        )));
    }
    let strict = global.strict || selected.strict;
    let cancel = CancellationToken::new();
    let cx = Context::builder(selected.name.clone())
        .production(selected.production)
        .strict(strict)
        .vars(vars)
        .redactor(redactor)
        .cancellation(cancel.clone())
        .build();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Output(format!("failed to start the async runtime: {e}")))?;
    // The runtime, and with it the Ctrl-C listener, lives until the summary and log are
    // written, so a second Ctrl-C still ends the process at any point.
    runtime.spawn(interrupt_on_ctrl_c(cancel));
    let report = runtime.block_on(Runner::new().run(&gates, &cx));

    let meta = RunMeta {
        run_id: new_run_id(report.started_at),
        phase: phase.to_owned(),
        environment: selected.name.clone(),
        policy: Policy::new(strict),
    };
    let mut summary = Summary::new(&meta, &report);
    summary.redact(cx.redactor());
    let code = publish(global, &plan, &summary);
    drop(runtime);
    code
}

/// Prints the report, writes `--out`, GitHub annotations and step summary, and the release
/// log. The report is printed first, so a failure to write a file never hides it.
fn publish(global: &GlobalArgs, plan: &Plan, summary: &Summary) -> Result<i32, CliError> {
    let options = RenderOptions {
        color: global.format == Format::Human && output::stdout_color(global.color),
        verbose: global.verbose > 0,
    };
    let rendered = report::render(global.format, summary, &options).map_err(CliError::output)?;
    output::print_stdout(&rendered)?;

    let mut failures = Vec::new();
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let annotations = github::annotations(summary);
        // Machine formats keep stdout one document; annotations then go to stderr, which the
        // runner reads as well.
        if global.format.is_machine() {
            output::print_stderr(&annotations);
        } else {
            output::print_stdout(&annotations)?;
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
            && let Err(e) = github::append_step_summary(Path::new(&path), summary)
        {
            failures.push(format!("failed to append to GITHUB_STEP_SUMMARY: {e}"));
        }
    }

    let mut summary_path = None;
    if let Some(out) = &global.out {
        let written = report::json::render(summary)
            .map_err(|e| e.to_string())
            .and_then(|json| {
                release_core::atomic::write(out, json.as_bytes()).map_err(|e| e.to_string())
            });
        match written {
            Ok(()) => summary_path = Some(out.display().to_string()),
            Err(e) => failures.push(e),
        }
    }

    let log = ReleaseLog::new(plan.release.log_path());
    let record = LogRecord::from_summary(summary, summary.finished_at, summary_path);
    if let Err(e) = log.append(&record) {
        failures.push(e.to_string());
    }

    if summary.cancelled {
        output::print_stderr("interrupted: unfinished gates are reported as `error: cancelled`\n");
    }
    if failures.is_empty() {
        return Ok(summary.outcome.exit_code());
    }
    for failure in failures {
        output::print_error(&CliError::Output(failure));
    }
    // A blocked release stays blocked; otherwise the lost artifact makes the run unusable.
    Ok(match summary.outcome {
        Outcome::Blocked => exit_code::BLOCKED,
        Outcome::Passed | Outcome::PassedWithWarnings => exit_code::INVALID_INPUT,
    })
}

/// Secret variables' and tokens' values, so that text from elsewhere cannot carry them out.
fn redactor_for(plan: &Plan, vars: &Vars) -> Redactor {
    let mut redactor = Redactor::new();
    for name in plan.secret_variables() {
        if let Some(value) = vars.get(&name) {
            redactor.add(value.expose());
        }
    }
    redactor
}

/// The first Ctrl-C stops in-flight gates and lets the summary be written; a second one
/// ends the process at once, with the shell's conventional code for SIGINT.
async fn interrupt_on_ctrl_c(cancel: CancellationToken) {
    while tokio::signal::ctrl_c().await.is_ok() {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        tracing::warn!("interrupted: stopping in-flight gates; press Ctrl-C again to exit now");
        cancel.cancel();
    }
}
