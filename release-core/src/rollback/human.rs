//! Decisions and plans as text for a person.

use std::fmt::Write as _;

use super::decision::Decision;
use super::steps::{RollbackPlan, RollbackTarget};
use super::trigger::TriggerState;

/// A decision: the verdict line, each trigger with its reason and deciding observations, then
/// the plan when there is one.
pub fn render_decision(decision: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rollback evaluate · {} · run {} ({})",
        decision.environment, decision.run_id, decision.phase
    );
    for assessment in &decision.assessments {
        let mark = match assessment.state {
            TriggerState::Clear => "clear",
            TriggerState::Watch => "watch",
            TriggerState::Fired => "FIRED",
        };
        let _ = writeln!(
            out,
            "  {mark:<5}  {} ({}): {}",
            assessment.trigger, assessment.kind, assessment.reason
        );
        if assessment.state != TriggerState::Clear {
            for o in assessment.observations.iter().take(5) {
                let _ = writeln!(
                    out,
                    "           - {}: observed {}, expected {} ({})",
                    o.name,
                    plain(&o.observed),
                    plain(&o.expected),
                    o.rule
                );
            }
            if assessment.observations.len() > 5 {
                let _ = writeln!(
                    out,
                    "           - and {} more observations (see --format json)",
                    assessment.observations.len() - 5
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\ndecision: {} — {}",
        decision.decision, decision.reason
    );
    if let Some(plan) = &decision.plan {
        out.push('\n');
        out.push_str(&render_plan(plan));
    }
    out
}

/// The ordered steps with their targets, approvals and notes.
pub fn render_plan(plan: &RollbackPlan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "rollback plan · {}", plan.environment);
    for step in &plan.steps {
        let _ = writeln!(out, "  {}. {}", step.order, step.title);
        match &step.target {
            Some(RollbackTarget::Known {
                deployment_id,
                replaces,
                source,
            }) => {
                let replacing = replaces
                    .as_deref()
                    .map(|r| format!(", replacing {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "     target: deployment {deployment_id}{replacing} (from {source})"
                );
            }
            Some(RollbackTarget::Unknown { reason }) => {
                let _ = writeln!(out, "     target: UNKNOWN — {reason}");
            }
            None => {}
        }
        if let Some(approval) = &step.needs_approval {
            let _ = writeln!(out, "     needs {approval}");
        }
        let _ = writeln!(out, "     how: {}", step.how);
    }
    for note in &plan.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    out
}

fn plain(value: &serde_json::Value) -> String {
    crate::number::value_text(value)
}
