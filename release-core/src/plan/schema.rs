use std::collections::BTreeMap;

use schemars::JsonSchema;

use super::model::{Environment, GateCommon, ReleaseSection};
use crate::gates::ai_runtime::AiRuntimeGateSpec;
use crate::gates::alerts::AlertsGateSpec;
use crate::gates::command::CommandGateSpec;
use crate::gates::env::EnvGateSpec;
use crate::gates::http::HttpGateSpec;
use crate::gates::platform::PlatformGateSpec;
use crate::gates::prometheus::PrometheusGateSpec;
use crate::gates::sessions::SessionsGateSpec;

/// The shape of a plan file, for its JSON Schema (`release schema plan`). Loading reads each
/// part separately to report every error with its position; this type describes the whole.
#[derive(JsonSchema)]
#[schemars(title = "release plan", deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the plan's shape for the JSON Schema only"
)]
pub struct PlanDocument {
    /// Names and where artifacts go.
    #[schemars(default)]
    release: Option<ReleaseSection>,
    /// Target environments by name.
    environments: BTreeMap<String, Environment>,
    /// Token names to the variables that hold them.
    #[schemars(default)]
    tokens: Option<BTreeMap<String, String>>,
    /// The gates, written `[[gates]]`.
    #[schemars(default)]
    gates: Option<Vec<GateDocument>>,
    /// Rollback triggers and the facts a rollback plan needs.
    #[schemars(default)]
    rollback: Option<super::rollback::RollbackSection>,
}

/// One gate: the common fields and its kind's own.
#[derive(JsonSchema)]
#[schemars(tag = "kind", deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the plan's shape for the JSON Schema only"
)]
enum GateDocument {
    /// Checks environment variables.
    #[schemars(rename = "env")]
    Env {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: EnvGateSpec,
    },
    /// One HTTP request with expectations.
    #[schemars(rename = "http")]
    Http {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: HttpGateSpec,
    },
    /// The AI runtime control plane.
    #[schemars(rename = "ai-runtime")]
    AiRuntime {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: AiRuntimeGateSpec,
    },
    /// A program run with a timeout, its process group stopped as a whole.
    #[schemars(rename = "command")]
    Command {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: CommandGateSpec,
    },
    /// One PromQL query judged against levels and a baseline.
    #[schemars(rename = "prometheus")]
    Prometheus {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: PrometheusGateSpec,
    },
    /// Active alerts in Alertmanager.
    #[schemars(rename = "alerts")]
    Alerts {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: AlertsGateSpec,
    },
    /// Railway's deployment and runtime baseline.
    #[schemars(rename = "platform")]
    Platform {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: PlatformGateSpec,
    },
    /// Stale agent-gateway sessions.
    #[schemars(rename = "sessions")]
    Sessions {
        #[schemars(flatten)]
        common: GateCommon,
        #[schemars(flatten)]
        spec: SessionsGateSpec,
    },
}
