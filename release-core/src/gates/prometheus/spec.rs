use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `prometheus` gate's part of a plan.
///
/// ```toml
/// [[gates]]
/// id = "api-5xx-rate"
/// kind = "prometheus"
/// phases = ["launch"]
/// query = 'sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m]))'
/// warn_above = 0.01
/// fail_above = 0.05
/// relative = { warn = "<=+50%", fail = "<=+2pp" }
/// no_data = "inconclusive"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusGateSpec {
    /// The PromQL instant query.
    pub query: String,
    /// Prometheus's base URL; default `{prometheus_url}` (the environment's, or
    /// `--prometheus-url` / `RELEASE_PROMETHEUS_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How several series become one number. Without it, more than one series is an error:
    /// the others would be silently ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<Reduce>,
    /// Above this warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_above: Option<f64>,
    /// Above this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_above: Option<f64>,
    /// Below this warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_below: Option<f64>,
    /// Below this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_below: Option<f64>,
    /// Limits relative to the baseline: the value of the last successful run in the release
    /// log (or `--baseline FILE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<RelativeLimits>,
    /// What an empty result (or `NaN`, a 0/0 ratio) means (default `inconclusive`, which
    /// blocks in strict mode).
    #[serde(default)]
    pub no_data: NoData,
    /// The value's unit for reports, e.g. `ratio`, `s`, `%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
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

/// How several series become one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Reduce {
    /// The largest value.
    Max,
    /// The smallest value.
    Min,
    /// The sum.
    Sum,
    /// The mean.
    Avg,
}

impl Reduce {
    pub(crate) fn apply(self, values: &[f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        Some(match self {
            Reduce::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Reduce::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            Reduce::Sum => values.iter().sum(),
            Reduce::Avg => values.iter().sum::<f64>() / values.len() as f64,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Reduce::Max => "max",
            Reduce::Min => "min",
            Reduce::Sum => "sum",
            Reduce::Avg => "avg",
        }
    }
}

/// What no data means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoData {
    /// No data fails.
    Fail,
    /// No data is inconclusive: it blocks in strict mode (the default).
    #[default]
    Inconclusive,
    /// No data warns.
    Warn,
    /// No data passes (say so only for metrics that are legitimately absent).
    Pass,
}

/// Limits relative to the baseline, such as `"<=+10%"` (at most 10 % above it), `"<=+2pp"`
/// (at most 2 percentage points above it, for ratios) or `">=-5%"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelativeLimits {
    /// Breaking this warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<String>,
    /// Breaking this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<String>,
}

pub use crate::probe::BasicAuth;
