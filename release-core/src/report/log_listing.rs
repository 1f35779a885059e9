//! The release log as a listing (`release log show`): runs, rollback decisions, rollouts'
//! journals and freezes in the order they were appended, human lines or one JSON document, written as they are read, so
//! memory holds a line whatever the log's size; torn lines reported.

use std::io::Write;
use std::ops::ControlFlow;

use serde_json::json;

use super::Format;
use crate::log::{
    DecisionRecord, FreezeRecord, LineFilter, LogEntry, LogRecord, ReleaseStore, RolloutRecord,
    StepRecord, StoreError, TornLine,
};
use crate::names::escaped;

/// Why a listing stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListingError {
    /// The release store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output could not be written (a closed pipe is not an error: the listing stops).
    #[error("failed to write output: {0}")]
    Write(std::io::Error),
    /// A record could not be rendered as JSON.
    #[error("failed to render a record as JSON: {0}")]
    Json(serde_json::Error),
}

/// Problems listed in the JSON document; more are counted (`problems_omitted`), so a log of
/// garbage cannot grow the document's memory without bound. Each is still warned about on
/// stderr.
const MAX_LISTED_PROBLEMS: usize = 1000;

/// Lists `store` (the newest `last` records when given, read from its end) in `format` to
/// `out`, named `shown_as` (its path, or its URL without the password), telling `warn` each
/// problem line.
pub fn show<W: Write>(
    store: &dyn ReleaseStore,
    shown_as: &str,
    format: Format,
    last: Option<usize>,
    out: W,
    warn: impl FnMut(&str),
) -> Result<(), ListingError> {
    store.check()?;
    let mut listing = Listing::new(shown_as, format, out, warn);
    match last {
        // The newest N, read from the end: only they are held.
        Some(n) => {
            let (mut newest, mut problems) = (Vec::new(), Vec::new());
            if n > 0 {
                store.newest_first(&LineFilter::all(), u64::MAX, &mut |entry| {
                    match entry {
                        LogEntry::Problem(problem) => problems.push(problem),
                        entry => newest.push(entry),
                    }
                    match newest.len() >= n {
                        true => ControlFlow::Break(()),
                        false => ControlFlow::Continue(()),
                    }
                })?;
            }
            for problem in problems.into_iter().rev() {
                listing.problem(problem);
            }
            for entry in newest.into_iter().rev() {
                listing.entry(&entry)?;
            }
        }
        // Everything, one line at a time.
        None => {
            let mut failed = None;
            store.oldest_first(
                &LineFilter::all(),
                &mut |_, entry| match listing.entry(&entry) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(e) => {
                        failed = Some(e);
                        ControlFlow::Break(())
                    }
                },
            )?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }
    listing.finish()
}

/// The listing, written to stdout as it is read. JSON is still one document: `log`, then
/// `records` one by one, then `problems`, pretty-printed as before.
pub struct Listing<'p, W: Write> {
    shown_as: &'p str,
    format: Format,
    out: std::io::BufWriter<W>,
    warn: Box<dyn FnMut(&str) + 'p>,
    /// Lines written so far.
    records: usize,
    problems: Vec<serde_json::Value>,
    problems_omitted: usize,
    /// The reader went away (`release log show | head`): nothing more is written.
    closed: bool,
}

impl<'p, W: Write> Listing<'p, W> {
    /// A listing of the store named `shown_as` (a log's path, a database's URL without its
    /// password) in `format` (human or JSON) written to `out`; each problem is also told to
    /// `warn` as it is met.
    pub fn new(shown_as: &'p str, format: Format, out: W, warn: impl FnMut(&str) + 'p) -> Self {
        Self {
            shown_as,
            format,
            out: std::io::BufWriter::new(out),
            warn: Box::new(warn),
            records: 0,
            problems: Vec::new(),
            problems_omitted: 0,
            closed: false,
        }
    }

    fn write(&mut self, text: &str) -> Result<(), ListingError> {
        if self.closed {
            return Ok(());
        }
        match self.out.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            // A closed pipe is the reader's choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(ListingError::Write(e)),
        }
    }

    /// A problem: warned about on stderr now, listed in the JSON document at its end.
    pub fn problem(&mut self, problem: TornLine) {
        let TornLine {
            line,
            from_end,
            row,
            reason,
        } = &problem;
        let shown = escaped(self.shown_as).into_owned();
        let reason = escaped(reason);
        (self.warn)(&if *row || *from_end {
            format!("{shown}: {}: {reason}", problem.position())
        } else {
            format!("{shown}:{line}: {reason}")
        });
        if self.format != Format::Json {
            return;
        }
        if self.problems.len() >= MAX_LISTED_PROBLEMS {
            self.problems_omitted += 1;
        } else if *row {
            self.problems.push(json!({ "row": line, "reason": reason }));
        } else if *from_end {
            self.problems
                .push(json!({ "line_from_end": line, "reason": reason }));
        } else {
            self.problems
                .push(json!({ "line": line, "reason": reason }));
        }
    }

    /// Lists an entry (a problem is warned about and kept for the JSON document's end).
    pub fn entry(&mut self, entry: &LogEntry) -> Result<(), ListingError> {
        let text = match (entry, self.format) {
            (LogEntry::Problem(problem), _) => {
                self.problem(problem.clone());
                return Ok(());
            }
            (LogEntry::Run(r), Format::Json) => json_item(r, self.records)?,
            (LogEntry::Decision(d), Format::Json) => json_item(d, self.records)?,
            (LogEntry::Rollout(r), Format::Json) => json_item(r, self.records)?,
            (LogEntry::Step(s), Format::Json) => json_item(s, self.records)?,
            (LogEntry::Freeze(f), Format::Json) => json_item(f, self.records)?,
            (LogEntry::Run(r), _) => run_line(r) + "\n",
            (LogEntry::Decision(d), _) => decision_line(d) + "\n",
            (LogEntry::Rollout(r), _) => rollout_line(r) + "\n",
            (LogEntry::Step(s), _) => step_line(s) + "\n",
            (LogEntry::Freeze(f), _) => freeze_line(f) + "\n",
        };
        if self.records == 0 && self.format == Format::Json {
            let head = format!(
                "{{\n  \"log\": {},\n  \"records\": [",
                serde_json::to_string(self.shown_as).map_err(ListingError::Json)?
            );
            self.write(&head)?;
        }
        self.records += 1;
        self.write(&text)
    }

    /// Ends the document and flushes.
    pub fn finish(mut self) -> Result<(), ListingError> {
        if self.format == Format::Json {
            if self.records == 0 {
                let head = format!(
                    "{{\n  \"log\": {},\n  \"records\": [",
                    serde_json::to_string(self.shown_as).map_err(ListingError::Json)?
                );
                self.write(&head)?;
                self.write("],\n")?;
            } else {
                self.write("\n  ],\n")?;
            }
            let problems =
                serde_json::to_string_pretty(&self.problems).map_err(ListingError::Json)?;
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
            let text = format!("no records in {}\n", escaped(self.shown_as));
            self.write(&text)?;
        }
        if !self.closed
            && let Err(e) = self.out.flush()
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(ListingError::Write(e));
        }
        Ok(())
    }
}

/// One record as an item of the pretty-printed `records` array: keys in alphabetical order,
/// as a JSON value prints them, indented two levels.
fn json_item(record: &impl serde::Serialize, index: usize) -> Result<String, ListingError> {
    let value = serde_json::to_value(record).map_err(ListingError::Json)?;
    let text = serde_json::to_string_pretty(&value).map_err(ListingError::Json)?;
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

/// A rollout's or rollback's start, resume or end: where, which run, what was released and,
/// at its end, how it ended.
fn rollout_line(r: &RolloutRecord) -> String {
    let mut text = format!(
        "{}  {:<12} {:<8} {:<6}  run {}  plan {}",
        r.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        escaped(&r.environment),
        r.action.as_str(),
        event_word(r.event),
        escaped(&r.run_id),
        escaped(&r.plan),
    );
    if let Some(version) = &r.release.version {
        text.push_str(&format!("  version {}", escaped(version)));
    }
    if let Some(commit) = &r.release.commit {
        text.push_str(&format!("  commit {}", escaped(commit)));
    }
    if let Some(outcome) = &r.outcome {
        text.push_str(&format!("  {}", escaped(outcome)));
    }
    if let Some(code) = r.exit_code {
        text.push_str(&format!(" (exit {code})"));
    }
    text
}

fn event_word(event: crate::log::RolloutEvent) -> &'static str {
    match event {
        crate::log::RolloutEvent::Start => "start",
        crate::log::RolloutEvent::Resume => "resume",
        crate::log::RolloutEvent::End => "end",
    }
}

/// A step's start or end: which step of which run, and what it did.
fn step_line(s: &StepRecord) -> String {
    let event = match s.event {
        crate::log::StepEvent::Start => "start",
        crate::log::StepEvent::End => "end",
    };
    let mut text = format!(
        "{}  {:<12} step     {:<6}  {} ({})",
        s.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        escaped(&s.environment),
        event,
        escaped(&s.step_id),
        escaped(&s.step_kind),
    );
    if let Some(status) = s.status {
        text.push_str(&format!(" {}", status.as_str()));
    }
    if let Some(service) = &s.service {
        text.push_str(&format!("  service {}", escaped(service)));
    }
    if let Some(deployment) = &s.deployment_id {
        text.push_str(&format!("  deployment {}", escaped(deployment)));
    }
    if s.migrations {
        text.push_str("  migrations");
    }
    if let Some(by) = &s.approved_by {
        text.push_str(&format!("  approved by {}", escaped(by)));
    }
    text.push_str(&format!("  run {}", escaped(&s.run_id)));
    if let Some(summary) = &s.summary {
        text.push_str(&format!("  {}", escaped(summary)));
    }
    text + &summary_path(s.summary_path.as_deref())
}

/// A freeze or an unfreeze: who, and why.
fn freeze_line(f: &FreezeRecord) -> String {
    let kind = match f.kind {
        crate::log::FreezeLineKind::Freeze => "freeze",
        crate::log::FreezeLineKind::Unfreeze => "unfreeze",
    };
    let mut text = format!(
        "{}  {:<12} {kind:<8} by {}",
        f.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        escaped(&f.environment),
        escaped(&f.by),
    );
    if let Some(run_id) = &f.run_id {
        text.push_str(&format!("  run {}", escaped(run_id)));
    }
    if let Some(reason) = &f.reason {
        text.push_str(&format!(": {}", escaped(reason)));
    }
    text
}

fn summary_path(path: Option<&str>) -> String {
    path.map(|p| format!("  {}", escaped(p)))
        .unwrap_or_default()
}
