use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `ai-runtime` gate's part of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AiRuntimeGateSpec {
    /// What to check (default `health`).
    #[serde(default)]
    pub probe: Probe,
    /// The token from `[tokens]` for the admin API (default `admin`).
    #[serde(default = "default_token")]
    pub token: String,
    /// The endpoint; default `{api_url}/api/admin/ai-runtime/health` or `/dry-run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For `dry-run`: the critical roles to probe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// For `dry-run`: whether `any` role succeeding is enough (default) or `all` must.
    #[serde(default)]
    pub require: Require,
    /// Retries after the first attempt, on connection errors, timeouts, 5xx and 429.
    #[serde(default)]
    pub retries: u32,
}

fn default_token() -> String {
    "admin".to_owned()
}

/// Which control-plane check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Probe {
    /// `GET …/ai-runtime/health`: `summary.health == "ok"` and `rolesBlocked == 0`.
    #[default]
    Health,
    /// `POST …/ai-runtime/dry-run` for each role in `roles`.
    DryRun,
}

/// How many dry-run roles must succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    /// At least one (the runbook's rule).
    #[default]
    Any,
    /// Every role.
    All,
}
