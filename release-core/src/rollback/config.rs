//! What a decision is configured with: the rollback triggers built for one environment and the
//! facts a rollback plan needs. A plan's `[rollback]` table gives one
//! ([`Plan::rollback_config`](crate::Plan::rollback_config)); code may build it directly.

use super::steps::RollbackServices;
use super::trigger::RollbackTrigger;

/// The rollback configuration of one environment.
#[derive(Debug)]
pub struct RollbackConfig {
    /// Where the configuration was declared (a plan file), for messages.
    pub declared_in: String,
    /// The triggers, in order.
    pub triggers: Vec<Box<dyn RollbackTrigger>>,
    /// The services the rollback plan names.
    pub services: RollbackServices,
    /// Whether releases run database migrations when a run does not say.
    pub migrations: Option<bool>,
}

impl RollbackConfig {
    /// A configuration with these triggers, the default services and nothing known about
    /// migrations.
    pub fn new(declared_in: impl Into<String>, triggers: Vec<Box<dyn RollbackTrigger>>) -> Self {
        Self {
            declared_in: declared_in.into(),
            triggers,
            services: RollbackServices::default(),
            migrations: None,
        }
    }

    /// The baselines the triggers read, keyed `<gate id>.<measurement>`.
    pub fn baseline_keys(&self) -> Vec<String> {
        self.triggers
            .iter()
            .flat_map(|t| t.baseline_keys())
            .collect()
    }
}
