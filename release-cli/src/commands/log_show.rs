//! `release log show`: the release log's records, with torn lines reported.

use std::fmt::Write as _;
use std::path::PathBuf;

use release_core::log::ReleaseLog;
use release_core::report::Format;
use release_core::{Plan, PlanError, exit_code};
use serde_json::json;

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(
    global: &GlobalArgs,
    last: Option<usize>,
    log: Option<PathBuf>,
) -> Result<i32, CliError> {
    let format = listing_format(global, "log show")?;
    let path = match log {
        Some(path) => path,
        None => match Plan::load(&global.plan) {
            Ok(plan) => plan.release.log_path(),
            // Without a plan the default location is the only sensible guess.
            Err(PlanError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                release_core::plan::ReleaseSection::default().log_path()
            }
            Err(e) => return Err(CliError::input(e)),
        },
    };
    let log = ReleaseLog::new(&path);
    let contents = log.read().map_err(CliError::input)?;
    let skip = last.map_or(0, |n| contents.records.len().saturating_sub(n));
    let records = &contents.records[skip..];

    for problem in &contents.problems {
        output::print_stderr(&format!(
            "warning: {}:{}: {}\n",
            path.display(),
            problem.line,
            problem.reason
        ));
    }
    let text = match format {
        Format::Json => {
            let doc = json!({
                "log": path.display().to_string(),
                "records": records.iter().map(|(_, r)| r).collect::<Vec<_>>(),
                "problems": contents.problems.iter().map(|p| json!({ "line": p.line, "reason": p.reason })).collect::<Vec<_>>(),
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).map_err(CliError::output)?
            )
        }
        _ => {
            let mut out = String::new();
            if records.is_empty() {
                let _ = writeln!(out, "no records in {}", path.display());
            }
            for (_, r) in records {
                let c = &r.counts;
                let _ = writeln!(
                    out,
                    "{}  {}  {:<14} {:<12} {:<21} pass {} warn {} fail {} inconclusive {} error {} skipped {}{}",
                    r.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    r.run_id,
                    r.phase,
                    r.environment,
                    r.outcome.as_str(),
                    c.pass,
                    c.warn,
                    c.fail,
                    c.inconclusive,
                    c.error,
                    c.skipped,
                    r.summary_path
                        .as_deref()
                        .map(|p| format!("  {p}"))
                        .unwrap_or_default(),
                );
            }
            out
        }
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}
