//! The report for people: a header, a table of gates, what went wrong and why, and the outcome.

use std::time::Duration;

use anstyle::{AnsiColor, Style};
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use super::RenderOptions;
use super::soak;
use super::text::{self, single_line};
use crate::duration::format_duration;
use crate::number::shortest;
use crate::{GateRecord, Outcome, Summary, Verdict};

/// Renders the summary as a table with explanations below it.
///
/// Without [`RenderOptions::color`] the text holds no escape sequences; with
/// [`RenderOptions::verbose`] passing gates are explained too.
pub fn render(summary: &Summary, options: &RenderOptions) -> String {
    let paint = Paint {
        color: options.color,
    };
    let mut out = header(summary);
    if options.verbose {
        out.push_str(&format!(
            "run {} · started {} · took {}\n",
            single_line(&summary.run_id),
            summary.started_at,
            format_duration(Duration::from_millis(summary.duration_ms))
        ));
    }
    out.push_str(&table(summary, paint));
    out.push('\n');
    out.push_str(&soak_lines(summary));

    for gate in &summary.gates {
        if gate.verdict == Verdict::Pass && !options.verbose {
            continue;
        }
        out.push('\n');
        out.push_str(&explanation(gate, paint));
    }

    out.push('\n');
    if let Some(stopped) = &summary.stopped_early {
        out.push_str(&format!("{}\n", single_line(&stopped.reason)));
    }
    out.push_str(&outcome_line(summary, paint));
    out
}

fn header(summary: &Summary) -> String {
    let mut line = format!(
        "release {} · {}",
        single_line(&summary.phase),
        single_line(&summary.environment)
    );
    if summary.strict {
        line.push_str(" · strict");
    }
    if summary.cancelled {
        line.push_str(" · cancelled");
    }
    line.push('\n');
    line
}

fn table(summary: &Summary, paint: Paint) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        // Disabled arrangement never looks at a terminal, so the table is the same everywhere.
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["Gate", "Verdict", "Time", "Summary"]);
    for gate in &summary.gates {
        let verdict = if paint.color {
            placeholder(gate.verdict)
        } else {
            gate.verdict.as_str().to_owned()
        };
        table.add_row([
            cell(&gate.id),
            verdict,
            format_duration(Duration::from_millis(gate.duration_ms)),
            cell(&gate.summary),
        ]);
    }
    if let Some(time) = table.column_mut(2) {
        time.set_cell_alignment(CellAlignment::Right);
    }

    // comfy-table counts escape sequences as visible width, so the table is laid out with
    // placeholders as wide as each verdict word and the coloured words are put in afterwards.
    let mut rendered = table.to_string();
    if paint.color {
        for verdict in Verdict::ALL {
            rendered = rendered.replace(&placeholder(verdict), &paint.verdict(verdict));
        }
    }
    rendered
}

/// Each soak window's samples as a sparkline, under the table:
/// `  api-p95  ▁▂▂▇▃  5 samples, 0.12–0.91 s`.
fn soak_lines(summary: &Summary) -> String {
    let windows = soak::windows(summary);
    if windows.is_empty() {
        return String::new();
    }
    let ids: Vec<String> = windows.iter().map(|w| cell(&w.gate.id)).collect();
    let id_width = ids.iter().map(|id| id.chars().count()).max().unwrap_or(0);
    let mut out = String::from("soak windows:\n");
    for (window, id) in windows.iter().zip(&ids) {
        let values: Vec<Option<f64>> = window.samples.iter().map(|s| s.value).collect();
        let line = soak::sparkline(&values, soak::SPARKLINE_WIDTH);
        let count = window.samples.len();
        let noun = if count == 1 { "sample" } else { "samples" };
        let range = match window.values().fold(None, |range: Option<(f64, f64)>, v| {
            Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        }) {
            None => "no values".to_owned(),
            Some((lo, hi)) => {
                let unit = window.unit.as_deref().map(|u| format!(" {}", cell(u)));
                let unit = unit.unwrap_or_default();
                match lo == hi {
                    true => format!("{}{unit}", shortest(lo)),
                    false => format!("{}–{}{unit}", shortest(lo), shortest(hi)),
                }
            }
        };
        out.push_str(&format!(
            "  {id:<id_width$}  {line}  {count} {noun}, {range}\n"
        ));
    }
    out
}

/// One line of text for a cell, without the characters placeholders are made of.
fn cell(text: &str) -> String {
    single_line(text)
        .chars()
        .filter(|c| !is_placeholder(*c))
        .collect()
}

/// A private-use character per verdict, which no gate text can contain (see [`cell`]) and
/// which is one column wide, like the letters it stands in for.
fn placeholder_char(verdict: Verdict) -> char {
    match verdict {
        Verdict::Pass => '\u{E000}',
        Verdict::Warn => '\u{E001}',
        Verdict::Fail => '\u{E002}',
        Verdict::Inconclusive => '\u{E003}',
        Verdict::Error => '\u{E004}',
        Verdict::Skipped => '\u{E005}',
    }
}

fn is_placeholder(c: char) -> bool {
    Verdict::ALL.iter().any(|v| placeholder_char(*v) == c)
}

fn placeholder(verdict: Verdict) -> String {
    std::iter::repeat_n(placeholder_char(verdict), verdict.as_str().len()).collect()
}

fn explanation(gate: &GateRecord, paint: Paint) -> String {
    let mut out = format!("{}: {}\n", paint.verdict(gate.verdict), text::heading(gate));
    for observation in &gate.observations {
        out.push_str(&format!("  - {}\n", text::observation(observation)));
    }
    for evidence in &gate.evidence {
        out.push_str(&format!("  · {}\n", text::evidence(evidence)));
    }
    out
}

fn outcome_line(summary: &Summary, paint: Paint) -> String {
    let mut line = format!(
        "outcome: {} — {}",
        paint.outcome(summary.outcome),
        text::tally(&summary.counts)
    );
    let blocking = text::blocking_ids(summary);
    if summary.outcome == Outcome::Blocked && !blocking.is_empty() {
        let ids: Vec<String> = blocking.iter().map(|id| single_line(id)).collect();
        line.push_str(&format!("; blocked by {}", ids.join(", ")));
    }
    line.push('\n');
    line
}

#[derive(Debug, Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn verdict(self, verdict: Verdict) -> String {
        let style = match verdict {
            Verdict::Pass => AnsiColor::Green.on_default(),
            Verdict::Warn => AnsiColor::Yellow.on_default(),
            Verdict::Fail | Verdict::Error => AnsiColor::Red.on_default(),
            Verdict::Inconclusive => AnsiColor::Magenta.on_default(),
            Verdict::Skipped => Style::new().dimmed(),
        };
        self.paint(style, verdict.as_str())
    }

    fn outcome(self, outcome: Outcome) -> String {
        let style = match outcome {
            Outcome::Passed => AnsiColor::Green.on_default(),
            Outcome::PassedWithWarnings => AnsiColor::Yellow.on_default(),
            Outcome::Blocked => AnsiColor::Red.on_default(),
        };
        self.paint(style.bold(), outcome.as_str())
    }

    fn paint(self, style: Style, word: &str) -> String {
        if self.color {
            format!("{style}{word}{style:#}")
        } else {
            word.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counts, GateRecord, Observation, ToolInfo};

    fn summary() -> Summary {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let mut counts = Counts::default();
        let gates: Vec<GateRecord> = Verdict::ALL
            .iter()
            .map(|verdict| {
                counts.add(*verdict);
                GateRecord {
                    id: format!("{verdict}-gate"),
                    kind: "env".to_owned(),
                    title: format!("{verdict}-gate"),
                    verdict: *verdict,
                    required: true,
                    blocking: matches!(verdict, Verdict::Fail | Verdict::Error),
                    summary: format!("the {verdict} case"),
                    duration_ms: 12,
                    attempts: 1,
                    samples: None,
                    observations: vec![Observation::new("x", 1, 0, "eq")],
                    evidence: Vec::new(),
                    measurements: Vec::new(),
                    details: None,
                }
            })
            .collect();
        Summary {
            schema_version: 1,
            tool: ToolInfo {
                name: "release".to_owned(),
                version: "0.1.0".to_owned(),
            },
            run_id: "run".to_owned(),
            phase: "launch".to_owned(),
            environment: "production".to_owned(),
            strict: false,
            started_at: at,
            finished_at: at,
            duration_ms: 72,
            cancelled: false,
            stopped_early: None,
            outcome: Outcome::Blocked,
            counts,
            release: Default::default(),
            gates,
        }
    }

    /// Drops `ESC [ ... m` sequences, the only ones this module writes.
    fn strip_sgr(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn colour_off_has_no_escapes() {
        let text = render(&summary(), &RenderOptions::default());
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(!text.chars().any(is_placeholder), "{text}");
    }

    #[test]
    fn colour_on_paints_every_verdict_and_keeps_the_layout() {
        let plain = render(&summary(), &RenderOptions::default());
        let options = RenderOptions {
            color: true,
            verbose: false,
        };
        let coloured = render(&summary(), &options);
        for (code, word) in [
            ("\u{1b}[32m", "pass"),
            ("\u{1b}[33m", "warn"),
            ("\u{1b}[31m", "fail"),
            ("\u{1b}[35m", "inconclusive"),
            ("\u{1b}[31m", "error"),
            ("\u{1b}[2m", "skipped"),
        ] {
            assert!(
                coloured.contains(&format!("{code}{word}\u{1b}[0m")),
                "{word} is not coloured in:\n{coloured}"
            );
        }
        assert!(
            coloured.contains("\u{1b}[1m\u{1b}[31mblocked\u{1b}[0m"),
            "{coloured}"
        );
        assert!(!coloured.chars().any(is_placeholder));
        // Colour changes nothing but the escapes: columns stay aligned.
        assert_eq!(strip_sgr(&coloured), plain);
    }

    #[test]
    fn placeholder_characters_in_gate_text_cannot_pose_as_verdicts() {
        let mut summary = summary();
        if let Some(gate) = summary.gates.first_mut() {
            gate.summary = placeholder(Verdict::Fail);
        }
        let options = RenderOptions {
            color: true,
            verbose: false,
        };
        let coloured = render(&summary, &options);
        assert_eq!(coloured.matches("\u{1b}[31mfail").count(), 2, "{coloured}");
    }

    #[test]
    fn control_characters_in_gate_text_do_not_reach_the_terminal() {
        let mut summary = summary();
        if let Some(gate) = summary.gates.get_mut(2) {
            gate.summary = "a\u{1b}]0;pwned\u{7}b\nc".to_owned();
            gate.observations = vec![Observation::new("x\u{1b}[2J", "y\r\nz", 0, "eq")];
        }
        let text = render(&summary, &RenderOptions::default());
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("┆ ab c "), "{text}");
        assert!(
            text.contains("  - x: observed y z, expected 0 (eq)"),
            "{text}"
        );
    }
}
