use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::probe::BasicAuth;

/// The `alerts` gate's part of a plan.
///
/// ```toml
/// [[gates]]
/// id = "firing-alerts"
/// kind = "alerts"
/// phases = ["launch"]
/// filters = ['env="production"', 'service=~"api|web"']
/// min_severity = "warning"      # below it, alerts are listed but do not count
/// fail_severity = "critical"    # at or above it, an active alert fails; below, it warns
/// ignore = ["Watchdog"]         # alertnames that always fire on purpose
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsGateSpec {
    /// Alertmanager's base URL; default `{alertmanager_url}` (the environment's, or
    /// `--alertmanager-url` / `RELEASE_ALERTMANAGER_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Label matchers, each sent as a `filter` parameter: `label="v"`, `label!="v"`,
    /// `label=~"re"`, `label!~"re"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
    /// Only alerts routed to receivers matching this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    /// The severities, lowest first (default `["none", "info", "warning", "critical"]`, the
    /// words kube-prometheus's rules use: its `Watchdog` and `InfoInhibitor` carry `none`),
    /// read from the `severity` label.
    #[serde(default = "default_severities")]
    pub severities: Vec<String>,
    /// Alerts below this severity are listed but do not count (default `warning`).
    #[serde(default = "default_min_severity")]
    pub min_severity: String,
    /// Active alerts at or above this severity fail, those below it warn (default
    /// `critical`). An alert without a known severity counts as this one: unknown is not
    /// harmless.
    #[serde(default = "default_fail_severity")]
    pub fail_severity: String,
    /// Alert names that never count (`Watchdog`, which fires on purpose).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// A token from `[tokens]`, sent as a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// HTTP Basic credentials from variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// Retries after the first attempt, on connection errors, timeouts, 5xx and 429.
    #[serde(default)]
    pub retries: u32,
}

/// The severity order unless a plan sets one, lowest first.
pub(crate) fn default_severities() -> Vec<String> {
    ["none", "info", "warning", "critical"]
        .map(str::to_owned)
        .to_vec()
}

fn default_min_severity() -> String {
    "warning".to_owned()
}

fn default_fail_severity() -> String {
    "critical".to_owned()
}
