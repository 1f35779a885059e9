//! GitHub Actions: workflow-command annotations on stdout and the step summary file.

use std::path::Path;

use super::markdown;
use super::text::{self, single_line};
use crate::{GateRecord, Summary, Verdict};

/// GitHub shows at most this many annotations of each level per step and drops the rest.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// GitHub refuses a step summary of more than this many bytes (1 MiB).
pub const STEP_SUMMARY_MAX_BYTES: usize = 1_048_576;

/// One workflow command per gate that neither passed nor was skipped: `::error` when the gate
/// blocks the release, `::warning` otherwise; each on its own line.
///
/// The message is `<gate id>: <summary>` with one observation per following line. Past
/// [`MAX_ANNOTATIONS_PER_LEVEL`] of a level the rest are left out, and a last warning says how
/// many; a warning slot is kept free for it, because GitHub would drop it too.
pub fn annotations(summary: &Summary) -> String {
    let concerns: Vec<&GateRecord> = summary
        .gates
        .iter()
        .filter(|g| !matches!(g.verdict, Verdict::Pass | Verdict::Skipped))
        .collect();
    let errors = concerns.iter().filter(|g| g.blocking).count();
    let warnings = concerns.len() - errors;
    let overflow = errors > MAX_ANNOTATIONS_PER_LEVEL || warnings > MAX_ANNOTATIONS_PER_LEVEL;
    let error_room = MAX_ANNOTATIONS_PER_LEVEL;
    let warning_room = if overflow {
        MAX_ANNOTATIONS_PER_LEVEL - 1
    } else {
        MAX_ANNOTATIONS_PER_LEVEL
    };

    let (mut shown_errors, mut shown_warnings, mut suppressed) = (0, 0, 0_usize);
    let mut out = String::new();
    for gate in concerns {
        let (command, shown, room) = if gate.blocking {
            ("error", &mut shown_errors, error_room)
        } else {
            ("warning", &mut shown_warnings, warning_room)
        };
        if *shown >= room {
            suppressed += 1;
            continue;
        }
        *shown += 1;
        out.push_str(&workflow_command(command, &gate.title, &message(gate)));
    }
    if suppressed > 0 {
        out.push_str(&workflow_command(
            "warning",
            "release",
            &format!("{suppressed} more annotations not shown; see the step summary"),
        ));
    }
    if let Some(stopped) = &summary.stopped_early {
        out.push_str(&workflow_command("notice", "release", &stopped.reason));
    }
    out
}

fn message(gate: &GateRecord) -> String {
    let mut lines = vec![text::lines(&format!("{}: {}", gate.id, gate.summary))];
    lines.extend(gate.observations.iter().map(text::observation));
    lines.join("\n")
}

pub(crate) fn workflow_command(command: &str, title: &str, message: &str) -> String {
    format!(
        "::{command} title={}::{}\n",
        escape_property(&single_line(title)),
        escape_data(message)
    )
}

/// An error annotation on a line of a file (a plan, an env file), which GitHub shows on that
/// line of the pull request's diff: `::error file=release.toml,line=2,col=1,title=…::…`.
///
/// ```
/// use release_core::report::github::file_annotation;
/// assert_eq!(
///     file_annotation("plans/a,b.toml", 2, 1, "release plan", "unknown field `nmae`"),
///     "::error file=plans/a%2Cb.toml,line=2,col=1,title=release plan::unknown field `nmae`\n",
/// );
/// ```
pub fn file_annotation(
    file: &str,
    line: usize,
    column: usize,
    title: &str,
    message: &str,
) -> String {
    format!(
        "::error file={},line={line},col={column},title={}::{}\n",
        escape_property(&single_line(file)),
        escape_property(&single_line(title)),
        escape_data(message)
    )
}

/// A command's message, escaped as actions/toolkit `escapeData` does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value, escaped as actions/toolkit `escapeProperty` does.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown report for `GITHUB_STEP_SUMMARY`, cut at a line boundary and marked as cut
/// when it would not fit GitHub's limit (together with the blank line
/// [`append_step_summary`] adds).
pub fn step_summary(summary: &Summary) -> String {
    fit(markdown::render(summary), STEP_SUMMARY_MAX_BYTES - 2)
}

const TRUNCATED_NOTE: &str = "\n**Truncated:** this summary was cut to stay under GitHub's \
    1 MiB step summary limit; the job log and the JSON summary have every gate.\n";
const CLOSE_DETAILS: &str = "\n</details>\n";

/// The Markdown in at most `max` bytes: whole lines only, any open `<details>` closed, and a
/// note that it was cut.
fn fit(markdown: String, max: usize) -> String {
    if markdown.len() <= max {
        return markdown;
    }
    let budget = max.saturating_sub(TRUNCATED_NOTE.len() + CLOSE_DETAILS.len());
    let keep = markdown
        .as_bytes()
        .get(..budget)
        .and_then(|head| head.iter().rposition(|b| *b == b'\n'))
        .map_or(0, |newline| newline + 1);
    // A cut right after a line feed is a char boundary: the byte is ASCII.
    let mut out = markdown.get(..keep).unwrap_or_default().to_owned();
    // Gate text is escaped, so every `<details>` here is one the report opened.
    if out.matches("<details>").count() > out.matches("</details>").count() {
        out.push_str(CLOSE_DETAILS);
    }
    out.push_str(TRUNCATED_NOTE);
    out
}

/// Appends the step summary and a blank line to the file at `path` (`GITHUB_STEP_SUMMARY`),
/// creating it when missing. What is there is treated as [`crate::atomic::append`] says: a
/// link is followed, a device or FIFO written to, a directory refused by name.
pub fn append_step_summary(
    path: &Path,
    summary: &Summary,
) -> Result<(), crate::atomic::WriteError> {
    let mut text = step_summary(summary);
    text.push('\n');
    crate::atomic::append(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counts, Observation, Outcome, ToolInfo};

    fn gate(id: &str, verdict: Verdict, blocking: bool) -> GateRecord {
        GateRecord {
            id: id.to_owned(),
            kind: "env".to_owned(),
            title: format!("Title of {id}"),
            verdict,
            required: true,
            blocking,
            summary: format!("summary of {id}"),
            duration_ms: 5,
            attempts: 1,
            samples: None,
            observations: Vec::new(),
            evidence: Vec::new(),
            measurements: Vec::new(),
            details: None,
        }
    }

    fn summary(gates: Vec<GateRecord>) -> Summary {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let mut counts = Counts::default();
        for g in &gates {
            counts.add(g.verdict);
        }
        Summary {
            schema_version: 1,
            tool: ToolInfo {
                name: "release".to_owned(),
                version: "0.1.0".to_owned(),
            },
            run_id: "run-1".to_owned(),
            phase: "launch".to_owned(),
            environment: "production".to_owned(),
            strict: false,
            started_at: at,
            finished_at: at,
            duration_ms: 10,
            cancelled: false,
            stopped_early: None,
            outcome: Outcome::Blocked,
            counts,
            release: Default::default(),
            gates,
        }
    }

    #[test]
    fn data_escapes_percent_first_then_line_breaks() {
        assert_eq!(escape_data("100%\r\nnext%0A"), "100%25%0D%0Anext%250A");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(
            escape_property("p99: 812ms, 5%\nx\ry"),
            "p99%3A 812ms%2C 5%25%0Ax%0Dy"
        );
    }

    #[test]
    fn annotations_escape_titles_and_messages() {
        let mut g = gate("db", Verdict::Fail, true);
        g.title = "DB: schema, v2 (100%)".to_owned();
        g.summary = "2 of 3 failed: 66%\r\nsee log\u{1b}[31m\u{202e}".to_owned();
        g.observations = vec![
            Observation::new("a", 2, 0, "eq"),
            Observation::new("b", "x,y", "z", "in").unit("%"),
        ];
        assert_eq!(
            annotations(&summary(vec![g])),
            "::error title=DB%3A schema%2C v2 (100%25)::db: 2 of 3 failed: 66%25%0Asee \
             log\\u{202e}%0Aa: observed 2, expected 0 (eq)%0Ab: observed x,y %25, expected z %25 (in)\n"
        );
    }

    #[test]
    fn non_blocking_concerns_warn_and_passes_and_skips_are_silent() {
        let text = annotations(&summary(vec![
            gate("p", Verdict::Pass, false),
            gate("w", Verdict::Warn, false),
            gate("i", Verdict::Inconclusive, false),
            gate("o", Verdict::Fail, false),
            gate("e", Verdict::Error, true),
            gate("s", Verdict::Skipped, false),
        ]));
        let commands: Vec<&str> = text
            .lines()
            .map(|l| l.split_once("::").map_or("", |(_, rest)| rest))
            .map(|rest| rest.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(
            commands,
            ["warning", "warning", "warning", "error"],
            "{text}"
        );
        assert!(
            text.lines()
                .all(|l| !l.starts_with("::warning title=release"))
        );
    }

    fn levels(text: &str) -> (usize, usize) {
        (
            text.lines().filter(|l| l.starts_with("::error ")).count(),
            text.lines().filter(|l| l.starts_with("::warning ")).count(),
        )
    }

    #[test]
    fn at_most_ten_of_each_level_with_a_note_counting_the_rest() {
        let mut gates = Vec::new();
        for i in 0..15 {
            gates.push(gate(&format!("fail-{i}"), Verdict::Fail, true));
            gates.push(gate(&format!("warn-{i}"), Verdict::Warn, false));
        }
        let text = annotations(&summary(gates));
        assert_eq!(levels(&text), (10, 10), "{text}");
        // 5 errors and 6 warnings left out: one warning slot went to the note.
        assert_eq!(
            text.lines().last(),
            Some("::warning title=release::11 more annotations not shown; see the step summary")
        );
        assert!(text.contains("::fail-9: ") && !text.contains("::fail-10: "));
        assert!(text.contains("::warn-8: ") && !text.contains("::warn-9: "));
    }

    #[test]
    fn exactly_ten_of_each_fit_without_a_note() {
        let mut gates = Vec::new();
        for i in 0..10 {
            gates.push(gate(&format!("fail-{i}"), Verdict::Error, true));
            gates.push(gate(&format!("warn-{i}"), Verdict::Inconclusive, false));
        }
        let text = annotations(&summary(gates));
        assert_eq!(levels(&text), (10, 10));
        assert!(!text.contains("not shown"));
    }

    #[test]
    fn only_errors_overflowing_still_counts_them() {
        let gates = (0..12)
            .map(|i| gate(&format!("fail-{i}"), Verdict::Fail, true))
            .collect();
        let text = annotations(&summary(gates));
        assert_eq!(levels(&text), (10, 1));
        assert!(text.ends_with("::2 more annotations not shown; see the step summary\n"));
    }

    #[test]
    fn a_huge_summary_is_cut_under_one_mebibyte_at_a_line() {
        // Multi-byte text everywhere, so a cut by bytes alone would split characters.
        let gates: Vec<GateRecord> = (0..3000)
            .map(|i| {
                let mut g = gate(&format!("gäte-{i}"), Verdict::Fail, true);
                g.summary = "é🚀|".repeat(60);
                g.observations = vec![Observation::new("ü", "ö".repeat(100), 0, "eq")];
                g
            })
            .collect();
        let summary = summary(gates);
        let full = markdown::render(&summary);
        assert!(full.len() > 2 * STEP_SUMMARY_MAX_BYTES);

        let cut = step_summary(&summary);
        assert!(cut.len() + 1 < STEP_SUMMARY_MAX_BYTES, "{}", cut.len());
        assert!(cut.ends_with(TRUNCATED_NOTE));
        let kept = cut.strip_suffix(TRUNCATED_NOTE).unwrap_or_default();
        let kept = kept.strip_suffix(CLOSE_DETAILS).unwrap_or(kept);
        assert!(kept.ends_with('\n'));
        assert!(
            full.starts_with(kept),
            "only whole lines of the report are kept"
        );
        assert!(kept.len() > STEP_SUMMARY_MAX_BYTES - 4096, "{}", kept.len());
        assert_eq!(
            cut.matches("<details>").count(),
            cut.matches("</details>").count()
        );
    }

    #[test]
    fn a_cut_inside_details_closes_them_and_a_fit_is_untouched() {
        let text = format!(
            "## h\n\n<details><summary>x</summary>\n\n{}</details>\n",
            "- item\n".repeat(100)
        );
        assert_eq!(fit(text.clone(), text.len()), text);
        let budget = TRUNCATED_NOTE.len() + CLOSE_DETAILS.len() + 40;
        let cut = fit(text.clone(), budget);
        assert!(cut.len() <= budget);
        assert_eq!(
            cut,
            format!("## h\n\n<details><summary>x</summary>\n\n{CLOSE_DETAILS}{TRUNCATED_NOTE}")
        );
    }

    #[test]
    fn appends_with_a_blank_line_and_creates_the_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("step-summary.md");
        let summary = summary(vec![gate("db", Verdict::Fail, true)]);
        append_step_summary(&path, &summary)?;
        append_step_summary(&path, &summary)?;
        let written = std::fs::read_to_string(&path)?;
        let one = format!("{}\n", step_summary(&summary));
        assert!(one.ends_with("\n\n"));
        assert_eq!(written, format!("{one}{one}"));
        Ok(())
    }
}
