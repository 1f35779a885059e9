//! Plans: the TOML file that declares environments and gates, loaded with positioned errors.

mod build;
mod checks;
mod error;
mod listing;
mod load;
mod model;
mod rollback;
mod rollout;
mod rollout_checks;
mod schema;
mod template;
mod triggers;
mod wording;

pub use crate::rollback::TriggerSpec;
pub use build::{BuildError, GateFilter, SelectedEnvironment, URL_PLACEHOLDERS, UrlOverrides};
pub use error::{Diagnostic, PlanError};
pub use listing::{EnvironmentListing, GateListing, PhaseListing, PlanListing};
pub use load::MAX_PLAN_BYTES;
pub use model::{
    Environment, GateCommon, GateKindSpec, GateSpec, KNOWN_PHASES, Plan, ReleaseSection,
    SecretsSection,
};
pub use rollback::RollbackSection;
pub use rollout::{
    AnnounceSettings, DeployPlatform, DeploySettings, HoldPolicy, OnRollback, Readiness,
    RolloutSection, RolloutStep,
};
pub use schema::PlanDocument;
pub use template::{Template, TemplateError};
