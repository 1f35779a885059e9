//! The health report for a person (`release health report`).

use std::fmt::Write as _;
use std::path::Path;

use super::{HealthReport, HealthStatus};
use crate::names::escaped;

/// The report for a person: every text from the run (its ids, observations, the release's
/// version) is shown escaped; the JSON report keeps it as data.
pub fn render_human(report: &HealthReport, path: &Path) -> String {
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
    let unhealthy: Vec<(&String, &super::ComponentCheck)> = report
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
