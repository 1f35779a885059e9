//! The gate commands (`preflight`, `smoke`, `launch-gate`): arguments to a run request, the
//! library runs it, the report is printed and the run recorded.

use release_core::base_url::BASE_URL_RULE;
use release_core::plan::{GateFilter, UrlOverrides};
use release_core::run::{BaselineSource, RunRequest};
use release_core::runbook::{self, Phase};
use release_core::{Plan, Vars};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::progress::Shown;
use crate::signals::Session;

pub(crate) fn run(global: &GlobalArgs, phase: Phase) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::from)?;
    let request = request(global, &plan, None)?;
    let session = Session::start()?;
    let summary = runbook::run_phase(&request, phase, &session.runtime, &Shown::new(global))?;
    let code = super::publish::publish(global, &request, &summary, phase);
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
                Vars::load(global.env_file.as_deref()).map_err(CliError::from)?,
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
        .fail_fast(!global.no_fail_fast)
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
