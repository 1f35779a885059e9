//! `release log show`: the release log's records, runs and rollback decisions in the order
//! they were appended, with torn lines reported.

use std::io::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use release_core::log::{DecisionRecord, LogEntry, LogRecord, TornLine};
use release_core::names::escaped;
use release_core::report::Format;
use release_core::{Plan, PlanError, exit_code};
use serde_json::json;

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// Problems listed in the JSON document; more are counted (`problems_omitted`), so a log of
/// garbage cannot grow the document's memory without bound. Each is still warned about on
/// stderr.
const MAX_LISTED_PROBLEMS: usize = 1000;

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
    log.check().map_err(CliError::input)?;
    let mut out = Listing::new(&path, format);
    match last {
        // The newest N, read from the end: only they are held.
        Some(n) => {
            let mut newest = Vec::new();
            let mut problems = Vec::new();
            if n > 0 {
                log.newest_first(u64::MAX, |entry| {
                    match entry {
                        LogEntry::Problem(problem) => problems.push(problem),
                        entry => newest.push(entry),
                    }
                    if newest.len() >= n {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .map_err(CliError::input)?;
            }
            for problem in problems.into_iter().rev() {
                out.problem(problem);
            }
            for entry in newest.into_iter().rev() {
                out.entry(&entry)?;
            }
        }
        // Everything, one line at a time: memory holds a line, whatever the log's size.
        None => {
            let mut failed = None;
            log.for_each(|_, entry| match out.entry(&entry) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            })
            .map_err(CliError::input)?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }
    out.finish()?;
    Ok(exit_code::PASSED)
}

/// The listing, written to stdout as it is read. JSON is still one document: `log`, then
/// `records` one by one, then `problems`, pretty-printed as before.
struct Listing<'p> {
    path: &'p Path,
    format: Format,
    stdout: std::io::BufWriter<std::io::StdoutLock<'static>>,
    /// Lines written so far.
    records: usize,
    problems: Vec<serde_json::Value>,
    problems_omitted: usize,
    /// The reader went away (`release log show | head`): nothing more is written.
    closed: bool,
}

impl<'p> Listing<'p> {
    fn new(path: &'p Path, format: Format) -> Self {
        Self {
            path,
            format,
            stdout: std::io::BufWriter::new(std::io::stdout().lock()),
            records: 0,
            problems: Vec::new(),
            problems_omitted: 0,
            closed: false,
        }
    }

    fn write(&mut self, text: &str) -> Result<(), CliError> {
        if self.closed {
            return Ok(());
        }
        match self.stdout.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            // A closed pipe is the reader's choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(CliError::output(format!("failed to write output: {e}"))),
        }
    }

    /// A problem: warned about on stderr now, listed in the JSON document at its end.
    fn problem(&mut self, problem: TornLine) {
        let TornLine {
            line,
            from_end,
            reason,
        } = &problem;
        let shown = escaped(&self.path.display().to_string()).into_owned();
        let reason = escaped(reason);
        output::print_stderr(&if *from_end {
            format!("warning: {shown}: line {line} from the end: {reason}\n")
        } else {
            format!("warning: {shown}:{line}: {reason}\n")
        });
        if self.format != Format::Json {
            return;
        }
        if self.problems.len() >= MAX_LISTED_PROBLEMS {
            self.problems_omitted += 1;
        } else if *from_end {
            self.problems
                .push(json!({ "line_from_end": line, "reason": reason }));
        } else {
            self.problems
                .push(json!({ "line": line, "reason": reason }));
        }
    }

    fn entry(&mut self, entry: &LogEntry) -> Result<(), CliError> {
        let text = match (entry, self.format) {
            (LogEntry::Problem(problem), _) => {
                self.problem(problem.clone());
                return Ok(());
            }
            (LogEntry::Run(r), Format::Json) => json_item(r, self.records)?,
            (LogEntry::Decision(d), Format::Json) => json_item(d, self.records)?,
            (LogEntry::Run(r), _) => run_line(r) + "\n",
            (LogEntry::Decision(d), _) => decision_line(d) + "\n",
        };
        if self.records == 0 && self.format == Format::Json {
            let head = format!(
                "{{\n  \"log\": {},\n  \"records\": [",
                serde_json::to_string(&self.path.display().to_string())
                    .map_err(CliError::output)?
            );
            self.write(&head)?;
        }
        self.records += 1;
        self.write(&text)
    }

    fn finish(mut self) -> Result<(), CliError> {
        if self.format == Format::Json {
            if self.records == 0 {
                let head = format!(
                    "{{\n  \"log\": {},\n  \"records\": [",
                    serde_json::to_string(&self.path.display().to_string())
                        .map_err(CliError::output)?
                );
                self.write(&head)?;
                self.write("],\n")?;
            } else {
                self.write("\n  ],\n")?;
            }
            let problems =
                serde_json::to_string_pretty(&self.problems).map_err(CliError::output)?;
            let mut tail = format!("  \"problems\": {}", indent(&problems));
            if self.problems_omitted > 0 {
                tail.push_str(&format!(
                    ",\n  \"problems_omitted\": {}",
                    self.problems_omitted
                ));
            }
            tail.push_str("\n}\n");
            self.write(&tail)?;
        } else if self.records == 0 {
            let text = format!(
                "no records in {}\n",
                escaped(&self.path.display().to_string())
            );
            self.write(&text)?;
        }
        if !self.closed
            && let Err(e) = self.stdout.flush()
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(CliError::output(format!("failed to write output: {e}")));
        }
        Ok(())
    }
}

/// One record as an item of the pretty-printed `records` array: keys in alphabetical order,
/// as a JSON value prints them, indented two levels.
fn json_item(record: &impl serde::Serialize, index: usize) -> Result<String, CliError> {
    let value = serde_json::to_value(record).map_err(CliError::output)?;
    let text = serde_json::to_string_pretty(&value).map_err(CliError::output)?;
    let separator = if index == 0 { "\n    " } else { ",\n    " };
    Ok(format!("{separator}{}", indent2(&text)))
}

/// Continuation lines indented one level (a value under a top-level key).
fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// Continuation lines indented two levels (an item of a top-level array).
fn indent2(text: &str) -> String {
    text.replace('\n', "\n    ")
}

/// A run: when, which, where, and its counts. Text read back from the log (ids, names, paths)
/// is shown escaped: the log is a file anyone with write access can edit.
fn run_line(r: &LogRecord) -> String {
    let c = &r.counts;
    format!(
        "{}  {}  {:<14} {:<12} {:<21} pass {} warn {} fail {} inconclusive {} error {} skipped {}{}",
        r.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        escaped(&r.run_id),
        escaped(&r.phase),
        escaped(&r.environment),
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
        triggers.push(format!("fired {}", escaped(&d.fired.join(", "))));
    }
    if !d.watching.is_empty() {
        triggers.push(format!("watching {}", escaped(&d.watching.join(", "))));
    }
    if triggers.is_empty() {
        triggers.push("no trigger fired or watching".to_owned());
    }
    format!(
        "{}  {:<12} rollback-decision  {:<8}  {}  run {}{}",
        d.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        escaped(&d.environment),
        d.decision.as_str(),
        triggers.join("; "),
        escaped(&d.run_id),
        summary_path(d.summary_path.as_deref()),
    )
}

fn summary_path(path: Option<&str>) -> String {
    path.map(|p| format!("  {}", escaped(p)))
        .unwrap_or_default()
}
