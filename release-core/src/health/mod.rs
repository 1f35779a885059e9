//! Health reports and checking documents against their schema (the latter with the
//! `health-check` feature, on by default).

#[cfg(feature = "health-check")]
mod check;
#[cfg(feature = "health-check")]
mod document;
#[cfg(feature = "health-check")]
mod file_check;
mod human;
mod report;

pub use crate::json::JsonError;
#[cfg(feature = "health-check")]
pub use check::{SchemaCheckError, SchemaChecker, SchemaViolation};
#[cfg(feature = "health-check")]
pub use document::{DocumentReadError, JsonDocument};
#[cfg(feature = "health-check")]
pub use file_check::{FileCheck, FileCheckError, MAX_INPUT_BYTES};
pub use human::render_human;
pub use report::{
    ComponentCheck, HEALTH_REPORT_SCHEMA_VERSION, HealthReport, HealthStatus, ReleaseMetadata,
    ReportDeployment, Threshold,
};
