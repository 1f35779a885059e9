//! `release rollout`, `release rollout status` and `release rollback execute`: flags to a
//! rollout request, the library carries it out, the summary is printed and written.

use release_core::Plan;
use release_core::report::Format;
use release_core::rollout::{self, Resume, RolloutRequest, RolloutSummary};

use super::phase;
use crate::cli::{GlobalArgs, RollbackArgs, RolloutArgs};
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

pub(crate) fn run(global: &GlobalArgs, args: &RolloutArgs) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::from)?;
    let request = RolloutRequest::new(phase::request(global, &plan, None)?)
        .release(args.release_version.clone(), args.commit.clone())
        .dry_run(args.dry_run)
        .resume(args.resume.as_deref().map(Resume::parse));
    let session = Session::start()?;
    let summary = rollout::rollout(&request, &session.runtime, &Shown::new(global))
        .map_err(CliError::from)?;
    let code = publish(global, &plan, &summary);
    session.finish();
    code
}

pub(crate) fn rollback(global: &GlobalArgs, args: &RollbackArgs) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::from)?;
    let request = RolloutRequest::new(phase::request(global, &plan, None)?)
        .dry_run(args.dry_run)
        .resume(args.resume.as_deref().map(Resume::parse))
        .db_owner_approved(args.db_owner_approved.clone());
    let session = Session::start()?;
    let summary = rollout::rollback_execute(&request, &session.runtime, &Shown::new(global))
        .map_err(CliError::from)?;
    let code = publish(global, &plan, &summary);
    session.finish();
    code
}

pub(crate) fn status(global: &GlobalArgs) -> Result<i32, CliError> {
    let format = super::listing_format(global, "rollout status")?;
    let plan = Plan::load(&global.plan).map_err(CliError::from)?;
    let request = phase::request(global, &plan, None)?;
    let status = rollout::status(&request).map_err(CliError::from)?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&status).map_err(CliError::output)? + "\n",
        _ => rollout::render_status(&status),
    };
    output::print_stdout(&text)?;
    Ok(release_core::exit_code::PASSED)
}

/// Prints the summary, writes it (`<artifacts_dir>/<env>-<kind>-summary.json` and `--out`),
/// and returns its exit code; a summary that could not be written fails the run with 2
/// unless it already needs a human.
pub(crate) fn publish(
    global: &GlobalArgs,
    plan: &Plan,
    summary: &RolloutSummary,
) -> Result<i32, CliError> {
    let rendered = rollout::render(global.format, summary).map_err(CliError::output)?;
    output::print_stdout(&rendered)?;
    let on_github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    if on_github {
        let annotations = rollout::annotations(summary);
        match global.format.is_machine() {
            true => output::print_stderr(&annotations),
            false => output::print_stdout(&annotations)?,
        }
    }
    let step_summary = (std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|p| on_github && !p.is_empty()))
    .map(std::path::PathBuf::from);
    let failures = rollout::record(
        plan,
        summary,
        global.out.as_deref(),
        step_summary.as_deref(),
    );
    for failure in &failures {
        output::print_error(&CliError::output(failure));
    }
    Ok(match failures.is_empty() {
        true => summary.exit_code,
        false => release_core::exit_code::worse(
            summary.exit_code,
            release_core::exit_code::INVALID_INPUT,
        ),
    })
}
