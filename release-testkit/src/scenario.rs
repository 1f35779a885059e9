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
