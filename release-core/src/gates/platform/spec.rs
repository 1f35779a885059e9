use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `platform` gate's part of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformGateSpec {
    /// The services that must be deployed and healthy, e.g. `["web", "api", "worker"]`. In
    /// strict mode `api` is checked even when the list forgets it.
    pub services: Vec<String>,
    /// The fewest replicas a service may run (default 1; in production 1 is a warning).
    #[serde(default = "default_min_replicas")]
    pub min_replicas: i64,
    /// The Railway project id; needed with an account token (a project token knows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The Railway environment's name (default: the run's environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The GraphQL endpoint (default Railway's public one); `RAILWAY_API_URL` wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Retries after the first attempt, on connection errors, timeouts, 5xx and 429.
    #[serde(default)]
    pub retries: u32,
}

fn default_min_replicas() -> i64 {
    1
}
