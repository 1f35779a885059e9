//! The rollout summary as one self-contained HTML page: its timeline, the decision over its
//! gates and the rollback, with the same page and wording as a gate run's
//! ([`report::html`](crate::report::html)).

use std::fmt::Write as _;
use std::time::Duration;

use jiff::Timestamp;

use super::summary::{RolloutSummary, StepReport};
use crate::duration::format_duration;
use crate::report::html::{Page, badge, decision_section, text};

/// The rollout or rollback as a page: what was released where, every step on a timeline at
/// its offset from the start, the rollback decision, the rollback's steps, and how it ended.
pub fn render_html(summary: &RolloutSummary) -> String {
    let kind = summary.kind.as_str();
    let mut page = Page::new(&format!(
        "release {kind} · {} · {}",
        summary.environment,
        summary.outcome.as_str()
    ));
    let mut header = format!(
        "<header>\n<h1>release {kind} · {}</h1>\n<p class=\"outcome\">{} exit {}: {}</p>\n\
         <dl class=\"facts\">\n<dt>run</dt><dd><code>{}</code>{}</dd>\n<dt>plan</dt><dd>{}</dd>\n\
         <dt>started</dt><dd>{}</dd>\n<dt>took</dt><dd>{}</dd>\n",
        text(&summary.environment),
        badge(summary.outcome.as_str()),
        summary.exit_code,
        text(&summary.reason),
        text(&summary.run_id),
        if summary.resumed { " (resumed)" } else { "" },
        text(&summary.plan),
        summary.started_at,
        text(&format_duration(Duration::from_millis(summary.duration_ms))),
    );
    if let Some(version) = &summary.release.version {
        let _ = writeln!(header, "<dt>version</dt><dd>{}</dd>", text(version));
    }
    if let Some(commit) = &summary.release.commit {
        let _ = writeln!(
            header,
            "<dt>commit</dt><dd><code>{}</code></dd>",
            text(commit)
        );
    }
    header.push_str("</dl>\n");
    if let Some(command) = &summary.to_finish {
        let _ = writeln!(
            header,
            "<p><strong>To finish:</strong> <code>{}</code></p>",
            text(command)
        );
    }
    for note in &summary.notes {
        let _ = writeln!(header, "<p class=\"note\">note: {}</p>", text(note));
    }
    header.push_str("</header>\n");
    page.push(&header);
    // A resumed run's earlier steps started before it did: offsets count from the first.
    let start = (summary.steps.iter().chain(&summary.rollback))
        .filter_map(|s| s.started_at)
        .chain([summary.started_at])
        .min()
        .unwrap_or(summary.started_at);
    page.push(&timeline("Steps", "steps", start, &summary.steps));
    if let Some(decision) = &summary.decision {
        page.push(&decision_section(decision));
    }
    if !summary.rollback.is_empty() {
        page.push(&timeline("Rollback", "rollback", start, &summary.rollback));
    }
    page.finish()
}

fn timeline(title: &str, id: &str, start: Timestamp, steps: &[StepReport]) -> String {
    let mut out = format!("<section id=\"{id}\">\n<h2>{title}</h2>\n<ul class=\"timeline\">\n");
    for step in steps {
        let at = step.started_at.map_or_else(String::new, |at| {
            let offset = at.duration_since(start).unsigned_abs();
            format!("+{:.1}s ", offset.as_secs_f64())
        });
        let mut facts = Vec::new();
        if let Some(service) = &step.service {
            facts.push(format!("service {}", text(service)));
        }
        if let Some(deployment) = &step.deployment_id {
            facts.push(format!("deployment <code>{}</code>", text(deployment)));
        }
        if let Some(replaces) = &step.replaces {
            facts.push(format!("replacing <code>{}</code>", text(replaces)));
        }
        if !step.statuses.is_empty() {
            facts.push(format!("statuses {}", text(&step.statuses.join(" → "))));
        }
        for run in &step.gate_runs {
            facts.push(format!(
                "{} run <code>{}</code> {}",
                text(&run.phase),
                text(&run.run_id),
                badge(run.outcome.as_str())
            ));
        }
        if let Some(decision) = step.decision {
            facts.push(format!("decision {}", badge(decision.as_str())));
        }
        if let Some(target) = &step.target {
            facts.push(format!("target {}", text(target)));
        }
        if step.duration_ms > 0 {
            facts.push(format!(
                "took {}",
                text(&format_duration(Duration::from_millis(step.duration_ms)))
            ));
        }
        if step.resumed {
            facts.push("done before the resume".to_owned());
        }
        let _ = writeln!(
            out,
            "<li><span class=\"mono\">{at}</span>{} <strong class=\"mono\">{}</strong> ({}): {}\
             <br><small>{}</small></li>",
            badge(step.status.as_str()),
            text(&step.id),
            text(&step.kind),
            text(&step.summary),
            facts.join(" · "),
        );
    }
    out.push_str("</ul>\n</section>\n");
    out
}
