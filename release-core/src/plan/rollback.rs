//! The plan's `[rollback]` table: the triggers a decision weighs and the facts its plan needs.
//! Each trigger kind's settings and their checks are its own (`rollback/triggers/`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rollback::{RollbackServices, TriggerSpec};

/// The `[rollback]` table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackSection {
    /// Whether releases of this plan run database migrations, when a run does not say
    /// (`RELEASE_MIGRATIONS`); a rollback then includes the database step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrations: Option<bool>,
    /// The web app's service on the platform (default `web`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_service: Option<String>,
    /// The API's service on the platform (default `api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_service: Option<String>,
    /// How a service is rolled back when the rollout deploys by command: the program and its
    /// arguments, with `{service}` and `{deployment}` (the deployment returned to) replaced.
    /// Without it, `release rollback execute` uses Railway's API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The down-migration command of the database step, run only with the database owner's
    /// approval (`--db-owner-approved NAME`) and only when the release ran migrations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub database_command: Vec<String>,
    /// The triggers, written `[[rollback.triggers]]`.
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
}

impl RollbackSection {
    /// The services the rollback plan names.
    pub fn services(&self) -> RollbackServices {
        let defaults = RollbackServices::default();
        RollbackServices {
            web: self.web_service.clone().unwrap_or(defaults.web),
            api: self.api_service.clone().unwrap_or(defaults.api),
        }
    }
}
