//! Health reports and checking documents against their schema (the latter with the
//! `health-check` feature, on by default).

#[cfg(feature = "health-check")]
mod check;
#[cfg(feature = "health-check")]
mod document;
mod report;

pub use crate::json::JsonError;
#[cfg(feature = "health-check")]
pub use check::{SchemaCheckError, SchemaChecker, SchemaViolation};
#[cfg(feature = "health-check")]
pub use document::{DocumentReadError, JsonDocument};
pub use report::{
    ComponentCheck, HEALTH_REPORT_SCHEMA_VERSION, HealthReport, HealthStatus, ReleaseMetadata,
    ReportDeployment, Threshold,
};
