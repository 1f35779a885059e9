//! `release health report [--from SUMMARY]`: the health report of a launch-gate run, written
//! atomically to `<artifacts_dir>/<env>-health-report.json`.

use std::path::Path;

use release_core::exit_code;
use release_core::health::HealthStatus;
use release_core::report::Format;

use super::listing_format;
use super::run_input;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(global: &GlobalArgs, from: Option<&Path>) -> Result<i32, CliError> {
    let format = listing_format(global, "health report")?;
    let (plan, source) = run_input::plan_or_default(global, from.is_none())?;
    let input = run_input::obtain(global, (&plan, source), from)?;
    let (report, path, json) = release_core::runbook::health_report(&plan, &input.summary)?;
    let written = release_core::atomic::write(&path, json.as_bytes());
    let text = match format {
        Format::Json => json,
        _ => release_core::health::render_human(&report, &path),
    };
    output::print_stdout(&text)?;
    written.map_err(CliError::output)?;
    Ok(match report.status {
        HealthStatus::Fail => exit_code::BLOCKED,
        HealthStatus::Pass | HealthStatus::Warn => exit_code::PASSED,
    })
}
