//! `release health report [--from SUMMARY]`: the health report of a launch-gate run, written
//! atomically to `<artifacts_dir>/<env>-health-report.json`.

use std::fmt::Write as _;
use std::path::Path;

use release_core::exit_code;
use release_core::health::{HealthReport, HealthStatus};
use release_core::names::escaped;
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
    let report = HealthReport::from_summary(&input.summary);
    let mut json = serde_json::to_string_pretty(&report).map_err(CliError::output)?;
    json.push('\n');
    let path = plan
        .release
        .artifacts_dir
        .join(format!("{}-health-report.json", input.summary.environment));
    let written = release_core::atomic::write(&path, json.as_bytes());
    let text = match format {
        Format::Json => json,
        _ => human(&report, &path),
    };
    output::print_stdout(&text)?;
    written.map_err(CliError::output)?;
    Ok(match report.status {
        HealthStatus::Fail => exit_code::BLOCKED,
        HealthStatus::Pass | HealthStatus::Warn => exit_code::PASSED,
    })
}

/// The report for a person: every text from the run (its ids, observations, the release's
/// version) is shown escaped; the JSON report keeps it as data.
fn human(report: &HealthReport, path: &Path) -> String {
    let mut out = String::new();
    let release = &report.release;
    let _ = writeln!(
        out,
        "health report · {} · run {} ({})",
        escaped(&release.environment),
        escaped(&release.run_id),
        escaped(&release.phase)
    );
    let _ = writeln!(
        out,
        "status: {} — {}",
        report.status.as_str(),
        escaped(&report.description)
    );
    let unhealthy: Vec<(&String, &release_core::health::ComponentCheck)> = report
        .checks
        .iter()
        .flat_map(|(key, entries)| entries.iter().map(move |e| (key, e)))
        .filter(|(_, e)| e.status != HealthStatus::Pass)
        .collect();
    for (key, entry) in &unhealthy {
        let observed = entry
            .observed_value
            .as_ref()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default();
        let unit = entry
            .observed_unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<4}  {}: {}{}",
            entry.status.as_str(),
            escaped(key),
            escaped(&observed),
            escaped(&unit)
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "  note: {}", escaped(note));
    }
    let _ = writeln!(
        out,
        "{} checks, {} not passing; written to {}",
        report.checks.len(),
        unhealthy.len(),
        escaped(&path.display().to_string())
    );
    out
}
