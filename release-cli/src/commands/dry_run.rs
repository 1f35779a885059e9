//! `release dry-run`: the runbook's staging dry-run (`release_core::runbook::dry_run`); its
//! summary and one evidence file per smoke gate go under `<artifacts_dir>/dry-run/<run id>/`.

use release_core::Plan;
use release_core::runbook::{self, DRY_RUN};

use super::phase;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Shown;
use crate::signals::Session;

pub(crate) fn run(global: &GlobalArgs) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::from)?;
    let request = phase::request(global, &plan, None)?;
    let session = Session::start()?;
    let summary = runbook::dry_run(&request, &session.runtime, &Shown::new(global))?;
    let artifacts = runbook::write_dry_run_artifacts(&plan, &summary);
    let code = super::publish::publish(global, &request, &summary, DRY_RUN);
    session.finish();
    match artifacts {
        Ok(dir) => {
            output::print_stderr(&format!("dry-run artifacts: {}\n", dir.display()));
            code
        }
        Err(e) => {
            output::print_error(&CliError::from(e));
            // The artifacts are the point of a dry-run: without them it cannot pass. A
            // blocked dry-run stays blocked.
            code.map(|code| match code {
                release_core::exit_code::BLOCKED => code,
                _ => release_core::exit_code::INVALID_INPUT,
            })
        }
    }
}
