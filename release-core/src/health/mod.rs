//! Health reports and checking documents against their schema.

mod check;
mod report;

pub use check::{SchemaCheckError, SchemaChecker, SchemaViolation};
pub use report::{
    ComponentCheck, HEALTH_REPORT_SCHEMA_VERSION, HealthReport, HealthStatus, ReleaseMetadata,
    ReportDeployment, Threshold,
};
