//! What a gate command leaves: the report on stdout, then GitHub annotations, the step
//! summary, summary files and the release log (`release_core::runbook::record_phase`).

use std::path::{Path, PathBuf};

use release_core::Summary;
use release_core::report::{self, Format, RenderOptions, github};
use release_core::run::{RunRequest, record_exit_code};
use release_core::runbook::{self, Phase};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// Prints the report, then records the run (annotations, step summary, summary files, log).
/// The report comes first, so a failure to write a file never hides it.
pub(crate) fn publish(
    global: &GlobalArgs,
    request: &RunRequest<'_>,
    summary: &Summary,
    phase: Phase,
) -> Result<i32, CliError> {
    let color = global.format == Format::Human && output::stdout_color(global.color);
    let options = RenderOptions {
        color,
        verbose: global.verbose > 0,
    };
    tracing::debug!(gates = summary.gates.len(), "summary built");
    let rendered = report::render(global.format, summary, &options).map_err(CliError::output)?;
    tracing::debug!(bytes = rendered.len(), "report rendered");
    output::print_stdout(&rendered)?;
    // The JSON on stdout is the summary file's text too: a large run renders it once.
    let json = (global.format == Format::Json).then_some(rendered);
    record(
        global,
        request,
        summary,
        phase,
        global.format.is_machine(),
        json,
    )
}

/// Everything but the report on stdout; the exit code.
pub(crate) fn record(
    global: &GlobalArgs,
    request: &RunRequest<'_>,
    summary: &Summary,
    phase: Phase,
    machine_stdout: bool,
    json: Option<String>,
) -> Result<i32, CliError> {
    let on_github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    if on_github {
        // Machine formats keep stdout one document; the runner reads stderr as well.
        match machine_stdout {
            true => output::print_stderr(&github::annotations(summary)),
            false => output::print_stdout(&github::annotations(summary))?,
        }
    }
    let step_summary = (std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|p| on_github && !p.is_empty()))
    .map(PathBuf::from);
    if request.is_partial() && phase.writes_summary {
        output::print_stderr(
            "note: --only/--skip left gates out, so the phase's summary file is not written (use --out)\n",
        );
    }
    let out: Vec<PathBuf> = global.out.iter().cloned().collect();
    let recorded = runbook::record_phase(
        request,
        phase,
        summary,
        &out,
        json,
        step_summary.as_deref().map(Path::new),
    );
    if summary.cancelled {
        output::print_stderr("interrupted: unfinished gates are reported as `error: cancelled`\n");
    }
    for failure in &recorded.failures {
        output::print_error(&CliError::output(failure));
    }
    // A signal cut the recording short (it stopped a wait for the log's lock, say).
    match crate::signals::received() {
        Some(code) if !recorded.failures.is_empty() => Ok(code),
        _ => Ok(record_exit_code(summary, &recorded)),
    }
}
