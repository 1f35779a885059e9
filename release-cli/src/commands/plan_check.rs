//! `release plan check`: validate a plan and show what each phase would run.

use release_core::plan::PlanListing;
use release_core::report::Format;
use release_core::{Plan, exit_code};

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(global: &GlobalArgs) -> Result<i32, CliError> {
    let format = listing_format(global, "plan check")?;
    let plan = Plan::load(&global.plan).map_err(CliError::from)?;
    // Without --env every environment is listed: checking a plan should show all of it.
    let listing = PlanListing::new(&plan, global.environment.as_deref(), global.strict)
        .map_err(CliError::input)?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&listing).map_err(CliError::output)? + "\n",
        _ => listing.human(),
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}
