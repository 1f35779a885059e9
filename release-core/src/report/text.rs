//! Wording shared by every format, so that an observation reads the same in a terminal, a
//! JUnit failure, a Markdown list and an annotation.

use serde_json::Value;

use crate::{Counts, Evidence, GateRecord, Observation, Summary, Verdict};

/// The text on one line: terminal escape sequences go (a command's colours; see
/// [`without_escapes`]), line breaks and tabs become spaces, the ends are trimmed, and every
/// other character that would act on a terminal or reorder the text instead of showing
/// (control characters, bidirectional overrides, invisible characters) is shown escaped by
/// [`escaped`](crate::names::escaped), the crate's one rule for text from input.
pub(crate) fn single_line(text: &str) -> String {
    let text = without_escapes(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    crate::names::escaped(out.trim()).into_owned()
}

/// Text of several lines: terminal escape sequences go, CRLF becomes LF, and each line is
/// [`escaped`](crate::names::escaped), so only line feeds remain of what acts instead of
/// showing.
pub(crate) fn lines(text: &str) -> String {
    let text = without_escapes(text).replace("\r\n", "\n");
    crate::names::escaped_lines(&text).into_owned()
}

/// The text without terminal escape sequences: CSI (colours, cursor moves), OSC and the other
/// string commands (window titles, links), and two-character `ESC x` sequences. Gate text can
/// hold a command's coloured output; the sequences mean nothing in a report.
pub(crate) fn without_escapes(text: &str) -> String {
    const ESC: char = '\u{1b}';
    const CSI: char = '\u{9b}';
    const ST: char = '\u{9c}';
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let kind = match c {
            ESC => match chars.next() {
                Some(kind) => kind,
                None => break,
            },
            CSI => '[',
            c => {
                out.push(c);
                continue;
            }
        };
        match kind {
            '[' => {
                // Parameter and intermediate bytes, then one final byte; anything else ends a
                // malformed sequence and is kept.
                while let Some(&c) = chars.peek() {
                    if ('\u{20}'..='\u{3f}').contains(&c) {
                        chars.next();
                    } else {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            ']' | 'P' | 'X' | '^' | '_' => {
                // Up to BEL or ST; a line break ends an unterminated one, so that it cannot
                // swallow the rest of the text.
                while let Some(&c) = chars.peek() {
                    match c {
                        '\u{7}' | ST => {
                            chars.next();
                            break;
                        }
                        ESC => {
                            chars.next();
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                        '\n' | '\r' => break,
                        _ => {
                            chars.next();
                        }
                    }
                }
            }
            // `ESC ( B` and the like: intermediate bytes, then one final byte.
            '\u{20}'..='\u{2f}' => {
                while chars
                    .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                    .is_some()
                {}
                chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
            }
            _ => {}
        }
    }
    out
}

/// A value as a person reads it: strings without quotes, everything else as compact JSON.
fn value(value: &Value, unit: Option<&str>) -> String {
    let text = match value {
        // Without quotes an empty string would vanish from the sentence.
        Value::String(s) if s.is_empty() => "\"\"".to_owned(),
        other => crate::number::value_text(other),
    };
    match unit {
        Some(unit) => format!("{text} {unit}"),
        None => text,
    }
}

/// `name: observed X, expected Y (rule)`, with units and the baseline when present, on one line.
pub(crate) fn observation(o: &Observation) -> String {
    let unit = o.unit.as_deref();
    let mut line = format!(
        "{}: observed {}, expected {}",
        o.name,
        value(&o.observed, unit),
        value(&o.expected, unit)
    );
    if let Some(baseline) = &o.baseline {
        line.push_str(&format!(", baseline {}", value(baseline, unit)));
    }
    line.push_str(&format!(" ({})", o.rule));
    single_line(&line)
}

/// `name: detail`, on one line.
pub(crate) fn evidence(e: &Evidence) -> String {
    single_line(&format!("{}: {}", e.name, e.detail))
}

/// `1 pass, 2 fail of 3 gates`: zero counts are left out, the total never is.
pub(crate) fn tally(counts: &Counts) -> String {
    let parts: Vec<String> = Verdict::ALL
        .iter()
        .filter(|v| counts.get(**v) > 0)
        .map(|v| format!("{} {v}", counts.get(*v)))
        .collect();
    let total = counts.total();
    let gates = if total == 1 { "gate" } else { "gates" };
    if parts.is_empty() {
        format!("{total} {gates}")
    } else {
        format!("{} of {total} {gates}", parts.join(", "))
    }
}

/// The ids of the gates that block the release, in plan order.
pub(crate) fn blocking_ids(summary: &Summary) -> Vec<&str> {
    summary
        .gates
        .iter()
        .filter(|g| g.blocking)
        .map(|g| g.id.as_str())
        .collect()
}

/// The gate's title, its id in parentheses when the two differ, the number of samples of a
/// sustained gate, and the number of attempts when a retry ran: what heads a gate's
/// explanation.
pub(crate) fn heading(gate: &GateRecord) -> String {
    let mut heading = if gate.title == gate.id {
        single_line(&gate.title)
    } else {
        single_line(&format!("{} ({})", gate.title, gate.id))
    };
    if let Some(samples) = gate.samples {
        let noun = if samples == 1 { "sample" } else { "samples" };
        heading.push_str(&format!(" · {samples} {noun}"));
    }
    if gate.attempts > 1 {
        let what = if gate.samples.is_some() {
            " in a sample"
        } else {
            ""
        };
        heading.push_str(&format!(" · {} attempts{what}", gate.attempts));
    }
    heading
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_joins_lines_and_escapes_what_acts() {
        assert_eq!(
            single_line("  a\r\nb\nc\rd\te\u{7}f\u{85}g "),
            "a b c d e\\u{7}f\\u{85}g"
        );
        assert_eq!(single_line("0.5 \u{202e}clq"), "0.5 \\u{202e}clq");
        assert_eq!(single_line("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(single_line("a\u{1b}"), "a");
        assert_eq!(single_line("PORT\u{200b}"), "PORT\\u{200b}");
    }

    #[test]
    fn lines_keep_line_feeds_only() {
        assert_eq!(
            lines("a\r\nb\u{1b}[2J\u{7}\n\u{2066}c\r"),
            "a\nb\\u{7}\n\\u{2066}c\\r"
        );
    }

    #[test]
    fn escape_sequences_go_whole() {
        for (text, want) in [
            ("\u{1b}[1;31mred\u{1b}[0m", "red"),
            ("a\u{9b}2Jb", "ab"),
            ("a\u{1b}]0;title\u{7}b", "ab"),
            (
                "a\u{1b}]8;;https://x\u{1b}\\link\u{1b}]8;;\u{1b}\\b",
                "alinkb",
            ),
            ("a\u{1b}]0;unterminated\nb", "a\nb"),
            ("a\u{1b}(Bb\u{1b}", "ab"),
            ("a\u{1b}[12\u{e9}", "a\u{e9}"),
        ] {
            assert_eq!(without_escapes(text), want, "{text:?}");
        }
    }

    #[test]
    fn observations_read_as_sentences() {
        let plain = Observation::new("summary.rolesBlocked", 2, 0, "eq");
        assert_eq!(
            observation(&plain),
            "summary.rolesBlocked: observed 2, expected 0 (eq)"
        );
        let relative = Observation::new("p99", 812.5, 500, "le")
            .unit("ms")
            .baseline(640);
        assert_eq!(
            observation(&relative),
            "p99: observed 812.5 ms, expected 500 ms, baseline 640 ms (le)"
        );
        let strings = Observation::new("API_URL", "http", "https", "url.scheme");
        assert_eq!(
            observation(&strings),
            "API_URL: observed http, expected https (url.scheme)"
        );
        let odd = Observation::new("x", "", serde_json::json!(["a", null]), "in");
        assert_eq!(
            observation(&odd),
            r#"x: observed "", expected ["a",null] (in)"#
        );
    }

    #[test]
    fn headings_call_samples_samples_and_retries_attempts() {
        let record = |attempts, samples| GateRecord {
            id: "error-rate".into(),
            kind: "prometheus".into(),
            title: "Error rate".into(),
            verdict: Verdict::Pass,
            required: true,
            blocking: false,
            summary: String::new(),
            duration_ms: 0,
            attempts,
            samples,
            observations: Vec::new(),
            evidence: Vec::new(),
            measurements: Vec::new(),
            details: None,
        };
        assert_eq!(heading(&record(1, None)), "Error rate (error-rate)");
        assert_eq!(
            heading(&record(3, None)),
            "Error rate (error-rate) · 3 attempts"
        );
        assert_eq!(
            heading(&record(1, Some(20))),
            "Error rate (error-rate) · 20 samples"
        );
        assert_eq!(
            heading(&record(2, Some(1))),
            "Error rate (error-rate) · 1 sample · 2 attempts in a sample"
        );
    }

    #[test]
    fn tallies_leave_out_zeroes_but_not_the_total() {
        let mut counts = Counts::default();
        assert_eq!(tally(&counts), "0 gates");
        counts.add(Verdict::Fail);
        assert_eq!(tally(&counts), "1 fail of 1 gate");
        counts.add(Verdict::Pass);
        counts.add(Verdict::Pass);
        counts.add(Verdict::Skipped);
        assert_eq!(tally(&counts), "2 pass, 1 fail, 1 skipped of 4 gates");
    }
}
