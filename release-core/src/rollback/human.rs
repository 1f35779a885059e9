//! Decisions and plans as text for a person. Every text from a run, a plan or the release
//! log is shown [`escaped`](crate::names::escaped): nothing a terminal would act on, and a
//! line break in a reason cannot start a line that looks like a decision.

use std::fmt::Write as _;

use super::decision::Decision;
use super::steps::{RollbackPlan, RollbackTarget};
use super::trigger::TriggerState;
use crate::names::escaped as e;

/// A decision: the verdict line, each trigger with its reason and deciding observations, then
/// the plan when there is one.
pub fn render_decision(decision: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rollback evaluate · {} · run {} ({})",
        e(&decision.environment),
        e(&decision.run_id),
        e(&decision.phase)
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
            e(&assessment.trigger),
            e(&assessment.kind),
            e(&assessment.reason)
        );
        if assessment.state != TriggerState::Clear {
            for o in assessment.observations.iter().take(5) {
                let _ = writeln!(
                    out,
                    "           - {}: observed {}, expected {} ({})",
                    e(&o.name),
                    e(&plain(&o.observed)),
                    e(&plain(&o.expected)),
                    e(&o.rule)
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
        decision.decision,
        e(&decision.reason)
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
    let _ = writeln!(out, "rollback plan · {}", e(&plan.environment));
    for step in &plan.steps {
        let _ = writeln!(out, "  {}. {}", step.order, e(&step.title));
        match &step.target {
            Some(RollbackTarget::Known {
                deployment_id,
                replaces,
                source,
            }) => {
                let replacing = replaces
                    .as_deref()
                    .map(|r| format!(", replacing {}", e(r)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "     target: deployment {}{replacing} (from {})",
                    e(deployment_id),
                    e(source)
                );
            }
            Some(RollbackTarget::Unknown { reason }) => {
                let _ = writeln!(out, "     target: UNKNOWN — {}", e(reason));
            }
            None => {}
        }
        if let Some(approval) = &step.needs_approval {
            let _ = writeln!(out, "     needs {}", e(approval));
        }
        let _ = writeln!(out, "     how: {}", e(&step.how));
    }
    for note in &plan.notes {
        let _ = writeln!(out, "  note: {}", e(note));
    }
    out
}

fn plain(value: &serde_json::Value) -> String {
    crate::number::value_text(value)
}
