//! GitHub-flavoured Markdown: a heading, the outcome, a table of gates and a collapsed block
//! explaining each gate that did not pass. Step summaries and pull-request comments use it.

use std::time::Duration;

use super::text::{self, single_line};
use crate::duration::format_duration;
use crate::{GateRecord, Outcome, Summary, Verdict};

/// Renders the summary as GitHub-flavoured Markdown.
///
/// Gate text is escaped so that it can neither end a table cell nor open HTML, and every
/// table row stays on one line.
pub fn render(summary: &Summary) -> String {
    let mut out = format!(
        "## Release gate: {} → {}\n\n",
        inline(&summary.phase),
        inline(&summary.environment)
    );

    out.push_str(&format!(
        "**Outcome: {} {}**",
        outcome_emoji(summary.outcome),
        summary.outcome
    ));
    if summary.strict {
        out.push_str(" (strict)");
    }
    out.push_str(&format!(" · {}", text::tally(&summary.counts)));
    let blocking = text::blocking_ids(summary);
    if summary.outcome == Outcome::Blocked && !blocking.is_empty() {
        let ids: Vec<String> = blocking.iter().map(|id| inline(id)).collect();
        out.push_str(&format!(" · blocked by {}", ids.join(", ")));
    }
    out.push_str("\n\n");
    if summary.cancelled {
        out.push_str("The run was cancelled before every gate finished.\n\n");
    }
    if let Some(stopped) = &summary.stopped_early {
        out.push_str(&format!(
            "The run stopped early, once decided: {}.\n\n",
            inline(&stopped.reason)
        ));
    }

    if !summary.gates.is_empty() {
        out.push_str("| Gate | Result | Time | Detail |\n|---|---|---:|---|\n");
        for gate in &summary.gates {
            out.push_str(&format!(
                "| {} | {} {} | {} | {} |\n",
                inline(&gate.id),
                verdict_emoji(gate.verdict),
                gate.verdict,
                format_duration(Duration::from_millis(gate.duration_ms)),
                inline(&gate.summary)
            ));
        }
        out.push('\n');
    }

    for gate in summary.gates.iter().filter(|g| g.verdict != Verdict::Pass) {
        out.push_str(&details(gate));
    }

    out.push_str(&format!(
        "<sub>run {} · took {} · {} {}</sub>\n",
        html(&summary.run_id),
        format_duration(Duration::from_millis(summary.duration_ms)),
        html(&summary.tool.name),
        html(&summary.tool.version)
    ));
    out
}

fn verdict_emoji(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅",
        Verdict::Warn => "⚠️",
        Verdict::Fail => "❌",
        Verdict::Inconclusive => "❔",
        Verdict::Error => "💥",
        Verdict::Skipped => "⏭️",
    }
}

fn outcome_emoji(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "✅",
        Outcome::PassedWithWarnings => "⚠️",
        Outcome::Blocked => "❌",
    }
}

fn details(gate: &GateRecord) -> String {
    // The `<details>` line is raw HTML to GitHub: Markdown escapes would show, so it gets HTML
    // escapes; the blank lines around the body let Markdown work inside.
    let mut out = format!(
        "<details><summary>{} {}: {}</summary>\n\n",
        verdict_emoji(gate.verdict),
        gate.verdict,
        html(&text::heading(gate))
    );
    let summary = inline(&gate.summary);
    if !summary.is_empty() {
        out.push_str(&summary);
        out.push_str("\n\n");
    }
    if !gate.observations.is_empty() {
        out.push_str("Observations:\n\n");
        for observation in &gate.observations {
            out.push_str(&format!("- {}\n", inline(&text::observation(observation))));
        }
        out.push('\n');
    }
    if !gate.evidence.is_empty() {
        out.push_str("Evidence:\n\n");
        for evidence in &gate.evidence {
            out.push_str(&format!("- {}\n", inline(&text::evidence(evidence))));
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

/// Text for a table cell or a list item: one line, with everything that could end the cell,
/// start a block, open HTML or format text escaped.
pub(crate) fn inline(text: &str) -> String {
    let line = single_line(text);
    let mut out = String::with_capacity(line.len());
    for (i, c) in line.chars().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // `|` ends a cell even inside code spans; the rest are inline Markdown syntax.
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            // At the start of a list item these would open a nested list.
            '-' | '+' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside raw HTML: one line with HTML escapes.
fn html(text: &str) -> String {
    single_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_cannot_end_a_cell_or_open_html() {
        assert_eq!(inline(" a|b\nc\r\n "), r"a\|b c");
        assert_eq!(inline(r"a\|b"), r"a\\\|b");
        assert_eq!(
            inline("<details> & *x* `y` [z](u) ~~s~~ #h"),
            r"&lt;details&gt; &amp; \*x\* \`y\` \[z\](u) \~\~s\~\~ \#h"
        );
        assert_eq!(inline("- a - b"), r"\- a - b");
    }

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            html("<b>\"x\" & y</b>\n"),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
        );
    }
}
