//! Running the gates of one or more phases: the heart of `release preflight` and friends.

use std::path::Path;

use release_core::log::{LogRecord, ReleaseLog};
use release_core::report::{self, Format, RenderOptions, github};
use release_core::{Context, Plan, Policy, Redactor, RunMeta, Runner, Summary, Vars, new_run_id};
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
    let report = runtime.block_on(async {
        tokio::spawn(interrupt_on_ctrl_c(cancel));
        Runner::new().run(&gates, &cx).await
    });
    // The signal task may still be waiting; dropping the runtime ends it.
    drop(runtime);

    let meta = RunMeta {
        run_id: new_run_id(report.started_at),
        phase: phase.to_owned(),
        environment: selected.name.clone(),
        policy: Policy::new(strict),
    };
    let summary = Summary::new(&meta, &report);
    let redactor = cx.redactor();
    publish(global, &plan, &summary, redactor)
}

/// Prints the report, writes `--out`, GitHub annotations and step summary, and the release
/// log. The report is printed first, so a failure to write a file never hides it.
fn publish(
    global: &GlobalArgs,
    plan: &Plan,
    summary: &Summary,
    redactor: &Redactor,
) -> Result<i32, CliError> {
    let options = RenderOptions {
        color: global.format == Format::Human && output::stdout_color(global.color),
        verbose: global.verbose > 0,
    };
    let rendered = report::render(global.format, summary, &options).map_err(CliError::output)?;
    output::print_stdout(redactor, &rendered)?;

    let mut failures = Vec::new();
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let annotations = github::annotations(summary);
        // Machine formats keep stdout one document; annotations then go to stderr, which the
        // runner reads as well.
        if global.format.is_machine() {
            output::print_stderr(redactor, &annotations);
        } else {
            output::print_stdout(redactor, &annotations)?;
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
            && let Err(e) = github::append_step_summary(Path::new(&path), summary, redactor)
        {
            failures.push(format!("failed to append to GITHUB_STEP_SUMMARY: {e}"));
        }
    }

    let mut summary_path = None;
    if let Some(out) = &global.out {
        match report::json::render(summary) {
            Ok(json) => match release_core::atomic::write(out, redactor.redact(&json).as_bytes()) {
                Ok(()) => summary_path = Some(out.display().to_string()),
                Err(e) => failures.push(e.to_string()),
            },
            Err(e) => failures.push(e.to_string()),
        }
    }

    let log = ReleaseLog::new(plan.release.log_path());
    let record = LogRecord::from_summary(summary, summary.finished_at, summary_path);
    if let Err(e) = log.append(&record) {
        failures.push(e.to_string());
    }

    if summary.cancelled {
        output::print_stderr(
            redactor,
            "interrupted: unfinished gates are reported as `error: cancelled`\n",
        );
    }
    if failures.is_empty() {
        return Ok(summary.outcome.exit_code());
    }
    for failure in &failures {
        output::print_error(&CliError::Output(failure.clone()));
    }
    // A blocked release stays blocked; otherwise the lost artifact makes the run unusable.
    Ok(match summary.outcome {
        release_core::Outcome::Blocked => release_core::exit_code::BLOCKED,
        _ => release_core::exit_code::INVALID_INPUT,
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

async fn interrupt_on_ctrl_c(cancel: CancellationToken) {
    if tokio::signal::ctrl_c().await.is_ok() {
        tracing::warn!("interrupted: stopping in-flight gates");
        cancel.cancel();
    }
}
