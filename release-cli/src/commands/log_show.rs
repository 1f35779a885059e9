//! `release log show`: the release log's records, runs and rollback decisions in the order
//! they were appended, with torn lines reported.

use std::fmt::Write as _;
use std::path::PathBuf;

use release_core::log::{DecisionRecord, LogRecord};
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
    let log = super::release_log(&path);
    let contents = log.read().map_err(CliError::input)?;
    // Runs and decisions merged back into the order they were appended; `--last` counts both.
    let mut entries: Vec<(usize, Entry<'_>)> = contents
        .records
        .iter()
        .map(|(line, r)| (*line, Entry::Run(r)))
        .chain(
            contents
                .decisions
                .iter()
                .map(|(line, d)| (*line, Entry::Decision(d))),
        )
        .collect();
    entries.sort_by_key(|(line, _)| *line);
    let skip = last.map_or(0, |n| entries.len().saturating_sub(n));
    let entries = &entries[skip..];

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
            let records: Vec<serde_json::Value> = entries
                .iter()
                .map(|(_, entry)| match entry {
                    Entry::Run(r) => serde_json::to_value(r),
                    Entry::Decision(d) => serde_json::to_value(d),
                })
                .collect::<Result<_, _>>()
                .map_err(CliError::output)?;
            let doc = json!({
                "log": path.display().to_string(),
                "records": records,
                "problems": contents.problems.iter().map(|p| json!({ "line": p.line, "reason": p.reason })).collect::<Vec<_>>(),
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).map_err(CliError::output)?
            )
        }
        _ => {
            let mut out = String::new();
            if entries.is_empty() {
                let _ = writeln!(out, "no records in {}", path.display());
            }
            for (_, entry) in entries {
                let line = match entry {
                    Entry::Run(r) => run_line(r),
                    Entry::Decision(d) => decision_line(d),
                };
                let _ = writeln!(out, "{line}");
            }
            out
        }
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}

/// One line of the log, as read.
enum Entry<'a> {
    Run(&'a LogRecord),
    Decision(&'a DecisionRecord),
}

fn run_line(r: &LogRecord) -> String {
    let c = &r.counts;
    format!(
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
        summary_path(r.summary_path.as_deref()),
    )
}

/// A decision: when, where, what was decided and by which triggers, over which run.
fn decision_line(d: &DecisionRecord) -> String {
    let mut triggers = Vec::new();
    if !d.fired.is_empty() {
        triggers.push(format!("fired {}", d.fired.join(", ")));
    }
    if !d.watching.is_empty() {
        triggers.push(format!("watching {}", d.watching.join(", ")));
    }
    if triggers.is_empty() {
        triggers.push("no trigger fired or watching".to_owned());
    }
    format!(
        "{}  {:<12} rollback-decision  {:<8}  {}  run {}{}",
        d.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        d.environment,
        d.decision.as_str(),
        triggers.join("; "),
        d.run_id,
        summary_path(d.summary_path.as_deref()),
    )
}

fn summary_path(path: Option<&str>) -> String {
    path.map(|p| format!("  {p}")).unwrap_or_default()
}
