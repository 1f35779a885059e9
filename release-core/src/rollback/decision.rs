//! The decision: proceed, hold or roll back, with every trigger's assessment and, for a
//! rollback, the ordered plan.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::steps::RollbackPlan;
use super::trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};
use crate::log::{DecisionKind, DecisionLineKind, DecisionRecord, LOG_SCHEMA_VERSION};
use crate::summary::ToolInfo;

/// The decision format version; bumped on any change that is not an addition.
pub const DECISION_SCHEMA_VERSION: u32 = 1;

impl DecisionKind {
    /// The decision for a set of trigger states: the worst one decides.
    pub fn from_states(states: impl IntoIterator<Item = TriggerState>) -> Self {
        match states.into_iter().max() {
            Some(TriggerState::Fired) => Self::Rollback,
            Some(TriggerState::Watch) => Self::Hold,
            Some(TriggerState::Clear) | None => Self::Proceed,
        }
    }
}

/// A decision over one run, replayable: the same run and baselines always give the same
/// decision, byte for byte once serialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    /// Always [`DECISION_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// The tool that decided.
    pub tool: ToolInfo,
    /// The environment.
    pub environment: String,
    /// The run decided over.
    pub run_id: String,
    /// Its phase, e.g. `launch-gate`.
    pub phase: String,
    /// When that run finished (RFC 3339): the decision is as of then, not of the clock.
    #[schemars(with = "String")]
    pub as_of: Timestamp,
    /// What to do.
    pub decision: DecisionKind,
    /// Why, in one line.
    pub reason: String,
    /// Every trigger's assessment, in plan order.
    pub assessments: Vec<Assessment>,
    /// For a rollback: the ordered steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<RollbackPlan>,
}

impl Decision {
    /// Assesses every trigger and decides. `plan` is kept only when the decision is
    /// `rollback`.
    pub fn decide(
        input: &TriggerInput<'_>,
        triggers: &[Box<dyn RollbackTrigger>],
        plan: RollbackPlan,
    ) -> Self {
        let assessments: Vec<Assessment> = triggers.iter().map(|t| t.assess(input)).collect();
        let decision = DecisionKind::from_states(assessments.iter().map(|a| a.state));
        let deciding: Vec<&str> = assessments
            .iter()
            .filter(|a| {
                a.state
                    == match decision {
                        DecisionKind::Rollback => TriggerState::Fired,
                        DecisionKind::Hold => TriggerState::Watch,
                        DecisionKind::Proceed => TriggerState::Clear,
                    }
            })
            .map(|a| a.trigger.as_str())
            .collect();
        let reason = match decision {
            DecisionKind::Rollback => format!("fired: {}", deciding.join(", ")),
            DecisionKind::Hold => {
                format!("watching: {}; evaluate again later", deciding.join(", "))
            }
            DecisionKind::Proceed => format!("all {} triggers clear", assessments.len()),
        };
        let summary = input.summary;
        Self {
            schema_version: DECISION_SCHEMA_VERSION,
            tool: summary.tool.clone(),
            environment: summary.environment.clone(),
            run_id: summary.run_id.clone(),
            phase: summary.phase.clone(),
            as_of: summary.finished_at,
            decision,
            reason,
            assessments,
            plan: (decision == DecisionKind::Rollback).then_some(plan),
        }
    }

    /// The triggers in a state, by id.
    pub fn triggers_in(&self, state: TriggerState) -> Vec<String> {
        self.assessments
            .iter()
            .filter(|a| a.state == state)
            .map(|a| a.trigger.clone())
            .collect()
    }
}

impl DecisionRecord {
    /// The record of a decision.
    pub fn from_decision(
        decision: &Decision,
        recorded_at: Timestamp,
        summary_path: Option<String>,
    ) -> Self {
        Self {
            schema_version: LOG_SCHEMA_VERSION,
            kind: DecisionLineKind::RollbackDecision,
            run_id: decision.run_id.clone(),
            recorded_at,
            environment: decision.environment.clone(),
            decision: decision.decision,
            fired: decision.triggers_in(TriggerState::Fired),
            watching: decision.triggers_in(TriggerState::Watch),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            summary_path,
        }
    }
}
