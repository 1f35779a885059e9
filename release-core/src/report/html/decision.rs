//! The rollback decision: every trigger's assessment, then the ordered plan when it says
//! rollback.

use std::fmt::Write as _;

use super::document::{badge, text};
use crate::report::text::observation;
use crate::rollback::{Decision, RollbackTarget};

/// The decision's section.
pub(crate) fn decision_section(decision: &Decision) -> String {
    let mut out = format!(
        "<section id=\"decision\">\n<h2>Rollback decision: {}</h2>\n<p>{}</p>\n\
         <p>Over run <code>{}</code> ({}), as of {}.</p>\n\
         <table class=\"triggers\"><thead><tr><th>Trigger</th><th>Kind</th><th>State</th>\
         <th>Why</th></tr></thead><tbody>\n",
        badge(decision.decision.as_str()),
        text(&decision.reason),
        text(&decision.run_id),
        text(&decision.phase),
        decision.as_of,
    );
    for assessment in &decision.assessments {
        let observations: Vec<String> = (assessment.observations.iter())
            .map(|o| format!("<li>{}</li>", text(&observation(o))))
            .collect();
        let observations = match observations.is_empty() {
            true => String::new(),
            false => format!("<ul>{}</ul>", observations.join("")),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}{observations}</td></tr>",
            text(&assessment.trigger),
            text(&assessment.kind),
            badge(assessment.state.as_str()),
            text(&assessment.reason),
        );
    }
    out.push_str("</tbody></table>\n");
    if let Some(plan) = &decision.plan {
        let _ = writeln!(
            out,
            "<h3>Rollback plan for {}</h3>\n<ol class=\"rollback-plan\">",
            text(&plan.environment)
        );
        for step in &plan.steps {
            let target = match &step.target {
                Some(RollbackTarget::Known {
                    deployment_id,
                    replaces,
                    source,
                }) => format!(
                    "<br>target: deployment <code>{}</code>{} (from {})",
                    text(deployment_id),
                    replaces
                        .as_deref()
                        .map(|r| format!(", replacing <code>{}</code>", text(r)))
                        .unwrap_or_default(),
                    text(source)
                ),
                Some(RollbackTarget::Unknown { reason }) => {
                    format!("<br>target: <strong>unknown</strong> — {}", text(reason))
                }
                None => String::new(),
            };
            let approval = step
                .needs_approval
                .as_deref()
                .map(|a| format!("<br>needs {}", text(a)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<li>{}{target}{approval}<br>how: {}</li>",
                text(&step.title),
                text(&step.how)
            );
        }
        out.push_str("</ol>\n");
        for note in &plan.notes {
            let _ = writeln!(out, "<p class=\"note\">note: {}</p>", text(note));
        }
    }
    out.push_str("</section>\n");
    out
}
