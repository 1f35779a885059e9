//! JSON Schemas of the documents the tool reads and writes, generated from the types. The
//! same schemas are committed under `fixtures/schemas/`; a test fails when they drift.

use crate::rollout::RolloutSummary;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::health::HealthReport;
use crate::log::LogLine;
use crate::plan::PlanDocument;
use crate::summary::Summary;

/// The documents with a published schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaName {
    /// A plan file (`release.toml`), as its TOML maps to JSON.
    Plan,
    /// The JSON summary of a run.
    Summary,
    /// One release-log line: a run or a rollback decision.
    LogRecord,
    /// The health report (`release health report`).
    HealthReport,
    /// The summary of a rollout or rollback (`release rollout`, `release rollback execute`).
    Rollout,
}

impl SchemaName {
    /// Every schema.
    pub const ALL: [SchemaName; 5] = [
        SchemaName::Plan,
        SchemaName::Summary,
        SchemaName::LogRecord,
        SchemaName::HealthReport,
        SchemaName::Rollout,
    ];

    /// The name used on the command line and in `fixtures/schemas/<name>.schema.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaName::Plan => "plan",
            SchemaName::Summary => "summary",
            SchemaName::LogRecord => "log-record",
            SchemaName::HealthReport => "health-report",
            SchemaName::Rollout => "rollout",
        }
    }

    /// The schema as a JSON value.
    pub fn schema(self) -> Value {
        let generator = SchemaSettings::draft2020_12().into_generator();
        let schema = match self {
            SchemaName::Plan => generator.into_root_schema_for::<PlanDocument>(),
            SchemaName::Summary => generator.into_root_schema_for::<Summary>(),
            SchemaName::LogRecord => generator.into_root_schema_for::<LogLine>(),
            SchemaName::HealthReport => generator.into_root_schema_for::<HealthReport>(),
            SchemaName::Rollout => generator.into_root_schema_for::<RolloutSummary>(),
        };
        schema.to_value()
    }

    /// The schema as pretty JSON with a trailing newline, as committed.
    pub fn render(self) -> String {
        let mut text = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        text.push('\n');
        text
    }
}

impl std::str::FromStr for SchemaName {
    type Err = crate::errors::UnknownSchema;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| crate::errors::UnknownSchema(crate::text::escaped(s).into_owned()))
    }
}
