//! `release freeze` and `release unfreeze`: the environment from the flags, the library
//! records the change (`release_core::rollout::freeze`), the outcome is printed.

use release_core::exit_code;
use release_core::log::actor;
use release_core::report::Format;
use release_core::rollout::{self, FreezeOutcome};

use super::{listing_format, run_input};
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn freeze(global: &GlobalArgs, reason: &str) -> Result<i32, CliError> {
    let format = listing_format(global, "freeze")?;
    let (store, environment) = store(global)?;
    let outcome = rollout::freeze(store.as_ref(), &environment, &by(), reason, &output::redact)?;
    print(format, &outcome)
}

pub(crate) fn unfreeze(global: &GlobalArgs) -> Result<i32, CliError> {
    let format = listing_format(global, "unfreeze")?;
    let (store, environment) = store(global)?;
    let outcome = rollout::unfreeze(store.as_ref(), &environment, &by(), &output::redact)?;
    print(format, &outcome)
}

/// The plan's release store and the environment chosen (`--env`, or the plan's default).
fn store(
    global: &GlobalArgs,
) -> Result<(std::sync::Arc<dyn release_core::log::ReleaseStore>, String), CliError> {
    let (plan, _) = run_input::plan_or_default(global, true)?;
    let environment = plan
        .select_environment(global.environment.as_deref())
        .map_err(CliError::input)?
        .name;
    let store = super::open_store(&super::store_location(global, &plan)?);
    Ok((store, environment))
}

fn by() -> String {
    actor(|name| std::env::var(name).ok())
}

fn print(format: Format, outcome: &FreezeOutcome) -> Result<i32, CliError> {
    let text = match format {
        Format::Json => serde_json::to_string_pretty(outcome).map_err(CliError::output)? + "\n",
        _ => rollout::render_freeze(outcome),
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}
