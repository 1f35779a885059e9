//! A gate run's page: the outcome, the gates, each soak window's chart, the rollback decision
//! when there is one, and every gate's observations and evidence.

use std::fmt::Write as _;
use std::time::Duration;

use super::chart::soak_chart;
use super::decision::decision_section;
use super::document::{Page, badge, text};
use crate::Summary;
use crate::duration::format_duration;
use crate::report::soak;
use crate::report::text::{blocking_ids, evidence, heading, observation, tally};
use crate::rollback::Decision;

/// The run as one self-contained HTML page, with the rollback decision over it when one is
/// given (`release report --from` finds it in the release store).
///
/// ```
/// # let summary: release_core::Summary = serde_json::from_value(serde_json::json!({
/// #     "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
/// #     "run_id": "r1", "phase": "launch", "environment": "production", "strict": false,
/// #     "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
/// #     "duration_ms": 1000, "outcome": "passed",
/// #     "counts": { "pass": 0, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0 },
/// #     "gates": []
/// # })).unwrap();
/// let page = release_core::report::html::render(&summary, None);
/// assert!(page.starts_with("<!DOCTYPE html>") && !page.contains("<script"));
/// ```
pub fn render(summary: &Summary, decision: Option<&Decision>) -> String {
    let mut page = Page::new(&format!(
        "release {} · {} · {}",
        summary.phase,
        summary.environment,
        summary.outcome.as_str()
    ));
    page.push(&header(summary));
    page.push(&gates_table(summary));
    let windows = soak::windows(summary);
    if !windows.is_empty() {
        page.push("<section id=\"soak\">\n<h2>Soak windows</h2>\n");
        for window in &windows {
            page.push(&soak_chart(window));
        }
        page.push("</section>\n");
    }
    if let Some(decision) = decision {
        page.push(&decision_section(decision));
    }
    page.push(&gate_details(summary));
    page.finish()
}

fn header(summary: &Summary) -> String {
    let mut out = format!(
        "<header>\n<h1>release {} · {}</h1>\n<p class=\"outcome\">{} {}",
        text(&summary.phase),
        text(&summary.environment),
        badge(summary.outcome.as_str()),
        text(&tally(&summary.counts)),
    );
    let blocking = blocking_ids(summary);
    if !blocking.is_empty() {
        let ids: Vec<String> = blocking
            .iter()
            .map(|id| format!("<code>{}</code>", text(id)))
            .collect();
        let _ = write!(out, "; blocked by {}", ids.join(", "));
    }
    out.push_str("</p>\n");
    if let Some(stopped) = &summary.stopped_early {
        let _ = writeln!(out, "<p>{}</p>", text(&stopped.reason));
    }
    let mut facts = vec![
        ("run", format!("<code>{}</code>", text(&summary.run_id))),
        ("started", text(&summary.started_at.to_string())),
        (
            "took",
            text(&format_duration(Duration::from_millis(summary.duration_ms))),
        ),
        (
            "policy",
            match summary.strict {
                true => "strict: warnings and inconclusive results block".to_owned(),
                false => "warnings do not block".to_owned(),
            },
        ),
    ];
    if let Some(version) = &summary.release.version {
        facts.push(("version", text(version)));
    }
    if let Some(commit) = &summary.release.commit {
        facts.push(("commit", format!("<code>{}</code>", text(commit))));
    }
    if let Some(migrations) = summary.release.migrations {
        facts.push((
            "migrations",
            if migrations { "ran" } else { "none" }.to_owned(),
        ));
    }
    if summary.cancelled {
        facts.push((
            "cancelled",
            "yes: unfinished gates report an error".to_owned(),
        ));
    }
    out.push_str("<dl class=\"facts\">\n");
    for (name, value) in facts {
        let _ = writeln!(out, "<dt>{name}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n</header>\n");
    out
}

fn gates_table(summary: &Summary) -> String {
    let mut out = String::from(
        "<section id=\"gates\">\n<h2>Gates</h2>\n<table class=\"gates\"><thead><tr><th>Gate</th>\
         <th>Verdict</th><th>Time</th><th>Summary</th></tr></thead><tbody>\n",
    );
    for gate in &summary.gates {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#gate-{id}\" class=\"mono\">{id}</a></td><td>{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            badge(gate.verdict.as_str()),
            text(&format_duration(Duration::from_millis(gate.duration_ms))),
            text(&gate.summary),
            id = text(&gate.id),
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
    out
}

fn gate_details(summary: &Summary) -> String {
    let mut out = String::from("<section id=\"details\">\n<h2>Every gate</h2>\n");
    for gate in &summary.gates {
        let _ = writeln!(
            out,
            "<article id=\"gate-{}\">\n<h3>{} {}</h3>\n<p>{}{}</p>",
            text(&gate.id),
            badge(gate.verdict.as_str()),
            text(&heading(gate)),
            text(&gate.summary),
            match (gate.required, gate.blocking) {
                (_, true) => " <strong>(blocks the release)</strong>",
                (false, false) => " (optional)",
                (true, false) => "",
            },
        );
        if !gate.observations.is_empty() {
            out.push_str("<ul class=\"observations\">\n");
            for o in &gate.observations {
                let _ = writeln!(out, "<li>{}</li>", text(&observation(o)));
            }
            out.push_str("</ul>\n");
        }
        if !gate.evidence.is_empty() {
            out.push_str("<details><summary>Evidence</summary>\n<ul class=\"evidence\">\n");
            for e in &gate.evidence {
                let _ = writeln!(out, "<li class=\"mono\">{}</li>", text(&evidence(e)));
            }
            out.push_str("</ul></details>\n");
        }
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
    out
}
