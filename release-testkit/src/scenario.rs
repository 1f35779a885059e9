//! Named states of the mock deployment.

use std::fmt;
use std::str::FromStr;

/// A named state of the mock deployment, chosen when the [`MockEnvironment`](crate::MockEnvironment)
/// starts. Names are kebab-case (`roles-blocked`), as on the `release-mock` command line.
///
/// ```
/// use release_testkit::Scenario;
///
/// let scenario: Scenario = "roles-blocked".parse().unwrap();
/// assert_eq!(scenario, Scenario::RolesBlocked);
/// assert_eq!(scenario.to_string(), "roles-blocked");
/// assert!("sunny".parse::<Scenario>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Scenario {
    /// Everything answers promptly: health `pass`, every AI role ready, fresh sessions.
    #[default]
    Healthy,
    /// Health `warn` with HTTP 200 (one check in warn), and every API response delayed by
    /// [`Scenario::DEGRADED_DELAY`].
    Degraded,
    /// The AI runtime reports `summary.health: "degraded"` and `rolesBlocked: 2`: the critical
    /// roles `support-agent` and `billing-agent` are blocked (with `blockedReason`), and their dry
    /// runs fail; `research-agent` and `summarizer` still succeed.
    RolesBlocked,
    /// The API URL points at a loopback port where nothing listens (connections are refused);
    /// the web server still answers.
    ApiDown,
    /// Of the 20 sampled sessions, 6 are active with their last activity 40 to 90 minutes ago.
    StaleSessions,
    /// Each API endpoint answers 503 to its first [`Scenario::FLAKY_FAILURES`] requests, then
    /// behaves as in `healthy`.
    Flaky,
}

impl Scenario {
    /// Every scenario, in the order `release-mock scenarios` lists them.
    ///
    /// ```
    /// use release_testkit::Scenario;
    ///
    /// for scenario in Scenario::ALL {
    ///     assert_eq!(scenario.name().parse::<Scenario>().unwrap(), scenario);
    /// }
    /// ```
    pub const ALL: [Scenario; 6] = [
        Scenario::Healthy,
        Scenario::Degraded,
        Scenario::RolesBlocked,
        Scenario::ApiDown,
        Scenario::StaleSessions,
        Scenario::Flaky,
    ];

    /// How long `degraded` delays every API response.
    ///
    /// ```
    /// assert_eq!(release_testkit::Scenario::DEGRADED_DELAY.as_millis(), 400);
    /// ```
    pub const DEGRADED_DELAY: std::time::Duration = std::time::Duration::from_millis(400);

    /// How many requests to each API endpoint fail with 503 in `flaky` before it recovers: a
    /// client needs `FLAKY_FAILURES + 1` attempts.
    ///
    /// ```
    /// assert_eq!(release_testkit::Scenario::FLAKY_FAILURES, 2);
    /// ```
    pub const FLAKY_FAILURES: u64 = 2;

    /// The kebab-case name.
    ///
    /// ```
    /// assert_eq!(release_testkit::Scenario::StaleSessions.name(), "stale-sessions");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::RolesBlocked => "roles-blocked",
            Self::ApiDown => "api-down",
            Self::StaleSessions => "stale-sessions",
            Self::Flaky => "flaky",
        }
    }

    /// A one-line description.
    ///
    /// ```
    /// assert!(release_testkit::Scenario::ApiDown.description().contains("refuses"));
    /// ```
    pub fn description(self) -> &'static str {
        match self {
            Self::Healthy => {
                "everything answers promptly: health pass, all AI roles ready, fresh sessions"
            }
            Self::Degraded => "health warn (HTTP 200) and every API response delayed by 400 ms",
            Self::RolesBlocked => {
                "AI runtime degraded: critical roles support-agent and billing-agent blocked, their dry runs fail"
            }
            Self::ApiDown => "the API URL refuses connections; the web server still answers",
            Self::StaleSessions => {
                "6 of 20 sampled sessions are active with no activity for 40-90 minutes"
            }
            Self::Flaky => "each API endpoint answers 503 twice, then recovers",
        }
    }
}

/// A service metric a Prometheus query can stand for, whose value the [`Scenario`] decides
/// (see [`Scenario::metric`] and [`MockEnvironmentBuilder::metric`](crate::MockEnvironmentBuilder::metric)).
///
/// ```
/// use release_testkit::{Metric, Scenario};
///
/// assert!(Scenario::Healthy.metric(Metric::ErrorRatio) < Scenario::Degraded.metric(Metric::ErrorRatio));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// The share of requests answered 5xx, such as
    /// `sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))`.
    ErrorRatio,
    /// The p95 request latency in seconds, such as
    /// `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`.
    LatencySeconds,
}

impl Scenario {
    /// The value `metric` has in this scenario, measured against the shipped runbook's levels
    /// (error ratio: warn above 0.005, fail above 0.02; p95 latency: warn above 0.5 s, fail
    /// above 1.5 s): under them when the service is healthy, between them in `degraded`, over
    /// them in `api-down`.
    ///
    /// ```
    /// use release_testkit::{Metric, Scenario};
    ///
    /// assert_eq!(Scenario::Healthy.metric(Metric::LatencySeconds), 0.21);
    /// assert_eq!(Scenario::Degraded.metric(Metric::ErrorRatio), 0.008);
    /// assert_eq!(Scenario::ApiDown.metric(Metric::LatencySeconds), 2.4);
    /// ```
    pub fn metric(self, metric: Metric) -> f64 {
        match (metric, self) {
            (Metric::ErrorRatio, Self::Degraded) => 0.008,
            (Metric::ErrorRatio, Self::ApiDown) => 0.35,
            (Metric::ErrorRatio, _) => 0.0012,
            (Metric::LatencySeconds, Self::Degraded) => 0.62,
            (Metric::LatencySeconds, Self::ApiDown) => 2.4,
            (Metric::LatencySeconds, _) => 0.21,
        }
    }

    /// The alerts firing in this scenario, as `GET /api/v2/alerts` returns them (see
    /// [`AlertmanagerMock::alert`](crate::AlertmanagerMock::alert)): `Watchdog` (severity
    /// `none`, firing on purpose everywhere, as in most Prometheus setups), plus a warning
    /// `HighLatency` in `degraded` and a critical `ApiDown` in `api-down`.
    ///
    /// ```
    /// use release_testkit::Scenario;
    ///
    /// let names = |scenario: Scenario| -> Vec<String> {
    ///     scenario.alerts().iter().map(|a| a["labels"]["alertname"].as_str().unwrap().to_owned()).collect()
    /// };
    /// assert_eq!(names(Scenario::Healthy), ["Watchdog"]);
    /// assert_eq!(names(Scenario::ApiDown), ["Watchdog", "ApiDown"]);
    /// ```
    pub fn alerts(self) -> Vec<serde_json::Value> {
        use crate::AlertmanagerMock;

        let mut alerts = vec![AlertmanagerMock::alert("Watchdog", "none", "active")];
        match self {
            Self::Degraded => {
                alerts.push(AlertmanagerMock::alert("HighLatency", "warning", "active"))
            }
            Self::ApiDown => alerts.push(AlertmanagerMock::alert("ApiDown", "critical", "active")),
            _ => {}
        }
        alerts
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = ParseScenarioError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scenario| scenario.name() == name)
            .ok_or_else(|| ParseScenarioError {
                name: name.to_owned(),
            })
    }
}

/// A scenario name that is not one of [`Scenario::ALL`].
///
/// ```
/// let err = "sunny".parse::<release_testkit::Scenario>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown scenario \"sunny\" (expected one of: healthy, degraded, roles-blocked, \
///      api-down, stale-sessions, flaky)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario {name:?} (expected one of: {})", names())]
pub struct ParseScenarioError {
    name: String,
}

fn names() -> String {
    Scenario::ALL.map(Scenario::name).join(", ")
}
