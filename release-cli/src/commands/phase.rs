//! The gate commands (`preflight`, `smoke`, `launch-gate`): arguments to a run request, the
//! library runs it, the report is printed and the run recorded.

use std::path::{Path, PathBuf};

use release_core::base_url::BASE_URL_RULE;
use release_core::plan::{GateFilter, UrlOverrides};
use release_core::report::{self, Format, RenderOptions, github};
use release_core::run::{BaselineSource, RunRequest, record_exit_code};
use release_core::runbook::{self, Phase};
use release_core::{Plan, Summary, Vars};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

pub(crate) fn run(global: &GlobalArgs, phase: Phase) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::input)?;
    let request = request(global, &plan, None)?;
    let session = Session::start()?;
    let summary = runbook::run_phase(&request, phase, &session.runtime, &Shown::new(global))?;
    let code = publish(global, &request, &summary, phase);
    session.finish();
    code
}

/// The run the flags ask for. `--out` and the base-URL flags are checked here, where their
/// names are known; the library checks the rest.
pub(crate) fn request<'p>(
    global: &GlobalArgs,
    plan: &'p Plan,
    given: Option<(Vars, UrlOverrides)>,
) -> Result<RunRequest<'p>, CliError> {
    if let Some(out) = &global.out {
        release_core::atomic::check(out)
            .map_err(|e| CliError::Input(format!("--out {}: {}", out.display(), e.source)))?;
    }
    let (vars, overrides) = match given {
        Some(given) => given,
        None => {
            let overrides = UrlOverrides {
                api_url: global.api_url.clone(),
                web_url: global.web_url.clone(),
                prometheus_url: global.prometheus_url.clone(),
                alertmanager_url: global.alertmanager_url.clone(),
            };
            check_overrides(global, &overrides)?;
            (
                Vars::load(global.env_file.as_deref()).map_err(CliError::input)?,
                overrides,
            )
        }
    };
    let baseline = match &global.baseline {
        Some(path) => BaselineSource::Summary(path.clone()),
        None => BaselineSource::Log,
    };
    Ok(RunRequest::new(plan)
        .vars(vars)
        .environment_opt(global.environment.clone())
        .overrides(overrides)
        .filter(GateFilter {
            only: global.only.clone(),
            skip: global.skip.clone(),
        })
        .baseline(baseline)
        .strict(global.strict)
        .skip_deps(global.skip_deps)
        .cancellation(crate::signals::cancellation())
        .progress(crate::progress::sink(global.quiet)))
}

/// A base-URL flag (or its `RELEASE_*_URL` variable) that is not a base URL is named; the
/// value is never shown: it may hold credentials.
fn check_overrides(global: &GlobalArgs, overrides: &UrlOverrides) -> Result<(), CliError> {
    let problems: Vec<String> = (overrides.problems().into_iter())
        .map(|(name, problem)| {
            let flag = format!("--{}", name.replace('_', "-"));
            let given = match global.urls_from_variables.contains(&name) {
                true => format!("RELEASE_{} (for {flag})", name.to_ascii_uppercase()),
                false => flag,
            };
            format!("{given} {problem}; a base URL is {BASE_URL_RULE}")
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(CliError::Input(problems.join("\n"))),
    }
}

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
    let rendered = report::render(global.format, summary, &options).map_err(CliError::output)?;
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
