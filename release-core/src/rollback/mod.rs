//! Rollback triggers and the decision tree: synchronous, pure rules over a finished run's
//! observations, so a decision can be replayed offline from a summary file.

mod config;
mod decision;
mod human;
mod replay;
mod steps;
mod trigger;
mod triggers;

pub use crate::log::DecisionKind;
pub use config::RollbackConfig;
pub use decision::{DECISION_SCHEMA_VERSION, Decision};
pub use human::{render_decision, render_plan};
pub use replay::{LogFacts, baselines_before};
pub use steps::{
    DeploymentFacts, DeploymentSearch, MigrationSearch, Migrations, RollbackPlan, RollbackServices,
    RollbackStep, RollbackTarget, StepAction,
};
pub use trigger::{Assessment, RollbackTrigger, TriggerInput, TriggerState};
pub use triggers::{
    Growth, GrowthSpec, GrowthTrigger, Hold, Level, MissingDataSpec, MissingDataTrigger,
    NotAGrowth, SettingProblem, ThresholdSpec, ThresholdTrigger, TriggerKind, TriggerSpec,
    VerdictSpec, VerdictTrigger,
};
