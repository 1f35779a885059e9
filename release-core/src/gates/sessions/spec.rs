use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::HumanDuration;

/// The `sessions` gate's part of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsGateSpec {
    /// The token from `[tokens]` for the admin API (default `admin`).
    #[serde(default = "default_token")]
    pub token: String,
    /// The endpoint; default `{api_url}/api/admin/agent-gateway/sessions?source=db&limit=20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// An active session with no activity for this long is stale (default `15m`).
    #[serde(default = "default_stale_after")]
    pub stale_after: HumanDuration,
    /// Limits on the number of stale active sessions in the sample, with or without a
    /// baseline.
    #[serde(default)]
    pub max_stale: StaleLimits,
    /// Limits on growth over the baseline (the last successful run's value).
    #[serde(default)]
    pub growth: GrowthLimits,
    /// Retries after the first attempt, on connection errors, timeouts, 5xx and 429.
    #[serde(default)]
    pub retries: u32,
}

fn default_token() -> String {
    "admin".to_owned()
}

fn default_stale_after() -> HumanDuration {
    HumanDuration(std::time::Duration::from_secs(15 * 60))
}

/// Absolute limits on stale active sessions: more than `warn` warns, more than `fail` fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaleLimits {
    /// More stale sessions than this warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<u64>,
    /// More stale sessions than this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<u64>,
}

/// Limits on growth over the baseline, absolute (sessions) and relative (percent).
///
/// A zero baseline counts as 1 for the relative limits: relative growth from nothing is
/// otherwise undefined, and "from 0 to 3" reads as +200%, which is what an operator means.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowthLimits {
    /// Growing by more than this many sessions warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<u64>,
    /// Growing by more than this many sessions fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<u64>,
    /// Growing by more than this percentage warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_percent: Option<f64>,
    /// Growing by more than this percentage fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_percent: Option<f64>,
}
