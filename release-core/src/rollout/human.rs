//! The rollout summary for a person: a timeline of steps, the decision, the rollback and
//! what is left to do.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::summary::{RolloutSummary, StepReport, StepStatus};
use crate::duration::format_duration;

/// The summary as a timeline, each step at its offset from the start.
///
/// ```
/// use release_core::rollout::{RolloutKind, RolloutOutcome, RolloutSummary, render_rollout};
/// let json = r#"{"schema_version":1,"tool":{"name":"release","version":"0.1.0"},"kind":"rollout",
///   "run_id":"r-1","plan":"acme","environment":"production","started_at":"2026-12-04T12:00:00Z",
///   "finished_at":"2026-12-04T12:00:05Z","duration_ms":5000,"outcome":"proceeding","exit_code":0,
///   "reason":"every step done","steps":[{"id":"deploy-api","kind":"deploy","status":"done",
///   "summary":"live","started_at":"2026-12-04T12:00:01Z","duration_ms":1500,"service":"api"}]}"#;
/// let summary: RolloutSummary = serde_json::from_str(json).unwrap();
/// let text = render_rollout(&summary);
/// assert!(text.contains("+1.0s  ✓ deploy-api"));
/// assert!(text.contains("proceeding (exit 0)"));
/// ```
pub fn render_rollout(summary: &RolloutSummary) -> String {
    let mut out = String::new();
    let release = match (&summary.release.version, &summary.release.commit) {
        (Some(v), Some(c)) => format!(" {} ({})", e(v), e(short(c))),
        (Some(v), None) => format!(" {}", e(v)),
        (None, Some(c)) => format!(" {}", e(short(c))),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        out,
        "{} of {}{release} to {}  (run {}{})",
        capitalized(summary.kind.as_str()),
        e(&summary.plan),
        e(&summary.environment),
        e(&summary.run_id),
        if summary.resumed { ", resumed" } else { "" }
    );
    // A resumed run's earlier steps started before it did: offsets count from the first.
    let start = summary
        .steps
        .iter()
        .chain(&summary.rollback)
        .filter_map(|s| s.started_at)
        .chain([summary.started_at])
        .min()
        .unwrap_or(summary.started_at);
    timeline(&mut out, start, &summary.steps);
    if let Some(decision) = &summary.decision {
        let _ = writeln!(
            out,
            "\nDecision: {}: {}",
            decision.decision,
            e(&decision.reason)
        );
        for assessment in decision
            .assessments
            .iter()
            .filter(|a| a.state != crate::rollback::TriggerState::Clear)
        {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                assessment.state,
                e(&assessment.trigger),
                e(&assessment.reason)
            );
        }
    }
    if !summary.rollback.is_empty() {
        let _ = writeln!(out, "\nRollback:");
        timeline(&mut out, start, &summary.rollback);
    }
    let _ = writeln!(
        out,
        "\nOutcome: {} (exit {}): {}",
        summary.outcome.as_str(),
        summary.exit_code,
        e(&summary.reason)
    );
    if let Some(command) = &summary.to_finish {
        let _ = writeln!(out, "To finish: {}", e(command));
    }
    for note in &summary.notes {
        let _ = writeln!(out, "note: {}", e(note));
    }
    out
}

fn timeline(out: &mut String, start: Timestamp, steps: &[StepReport]) {
    let width = steps
        .iter()
        .map(|s| e(&s.id).chars().count())
        .max()
        .unwrap_or(0);
    for step in steps {
        let at = match step.started_at {
            Some(at) => {
                let offset = at.duration_since(start).unsigned_abs();
                format!("+{:.1}s", offset.as_secs_f64())
            }
            None => "     ".to_owned(),
        };
        let took = match step.status {
            StepStatus::Planned | StepStatus::Skipped if step.duration_ms == 0 => String::new(),
            _ => format!(
                "  [{}]",
                format_duration(std::time::Duration::from_millis(step.duration_ms))
            ),
        };
        let what = match (&step.target, step.summary.is_empty()) {
            // Text from a summary file read back may hold what acts on a terminal.
            (Some(target), true) => target.clone(),
            (Some(target), false) => format!("{}; {target}", step.summary),
            (None, _) => step.summary.clone(),
        };
        let what = e(&what);
        let resumed = if step.resumed {
            " (done before the resume)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {at:>7}  {} {:<width$}  {what}{resumed}{took}",
            mark(step.status),
            e(&step.id),
        );
    }
}

fn mark(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Done => "✓",
        StepStatus::Warned => "!",
        StepStatus::Failed => "✗",
        StepStatus::Skipped => "-",
        StepStatus::Planned => "·",
    }
}

/// Text from the summary as it prints: what would act on a terminal is shown escaped.
fn e(text: &str) -> std::borrow::Cow<'_, str> {
    crate::names::escaped(text)
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
