//! Health reports and checking documents against their schema.

mod check;
mod document;
mod report;

pub use crate::json::JsonError;
pub use check::{SchemaCheckError, SchemaChecker, SchemaViolation};
pub use document::{DocumentReadError, JsonDocument};
pub use report::{
    ComponentCheck, HEALTH_REPORT_SCHEMA_VERSION, HealthReport, HealthStatus, ReleaseMetadata,
    ReportDeployment, Threshold,
};
