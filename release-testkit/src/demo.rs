//! The shipped runbook against a mock environment: what `release demo` runs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use release_core::plan::{RolloutStep, UrlOverrides};
use release_core::{EnvFileError, HumanDuration, Plan, PlanError, Vars};

use crate::environment::{MockEnvironment, StartError};
use crate::platform_progress::Progress;
use crate::railway_platform::RailwayPlatformMock;
use crate::scenario::Scenario;
use crate::slack::SlackMock;

/// The shipped plan and example environment, built in so a demo runs from any directory.
const RUNBOOK_PLAN: &str = include_str!("../fixtures/plans/runbook.toml");
/// Stand-ins for the runbook's QA gates, whose npm scripts only the app's repository has.
const DEMO_QA_PLAN: &str = include_str!("../fixtures/plans/demo-qa.toml");
const STAGING_ENV: &str = include_str!("../fixtures/env/staging.env");

/// The demo's soak windows: three samples a third of a second apart, not ten a minute apart.
const DEMO_WINDOW: Duration = Duration::from_millis(300);
const DEMO_SAMPLES: u32 = 3;
/// How often the demo's rollout reads a deployment's status, and how long a hold soaks more.
const DEMO_POLL: Duration = Duration::from_millis(100);
const DEMO_HOLD: Duration = Duration::from_secs(1);

/// What the demo's mock environment does: one [`Scenario`] throughout, or a release that
/// goes bad only once it is live.
///
/// ```
/// use release_testkit::{DemoScenario, Scenario};
///
/// assert_eq!("bad-release".parse::<DemoScenario>().unwrap(), DemoScenario::BadRelease);
/// assert_eq!("flaky".parse::<DemoScenario>().unwrap(), DemoScenario::Steady(Scenario::Flaky));
/// for scenario in DemoScenario::ALL {
///     assert_eq!(scenario.name().parse::<DemoScenario>().unwrap(), scenario);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DemoScenario {
    /// The mock serves this scenario from the start.
    Steady(Scenario),
    /// Healthy until the release's new `web` deployment is live on the platform mock; from
    /// then on two critical AI roles are blocked (as in [`Scenario::RolesBlocked`]), and
    /// healthy again once a rollback makes the earlier deployment current.
    BadRelease,
}

impl DemoScenario {
    /// Every scenario, in the order `release demo --help` lists them.
    pub const ALL: [DemoScenario; 7] = [
        DemoScenario::Steady(Scenario::Healthy),
        DemoScenario::Steady(Scenario::Degraded),
        DemoScenario::Steady(Scenario::RolesBlocked),
        DemoScenario::Steady(Scenario::ApiDown),
        DemoScenario::Steady(Scenario::StaleSessions),
        DemoScenario::Steady(Scenario::Flaky),
        DemoScenario::BadRelease,
    ];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Steady(scenario) => scenario.name(),
            Self::BadRelease => "bad-release",
        }
    }
}

impl From<Scenario> for DemoScenario {
    fn from(scenario: Scenario) -> Self {
        Self::Steady(scenario)
    }
}

impl fmt::Display for DemoScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DemoScenario {
    type Err = crate::scenario::ParseScenarioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bad-release" => Ok(Self::BadRelease),
            other => other.parse().map(Self::Steady),
        }
    }
}

/// The shipped runbook (`fixtures/plans/runbook.toml`), ready to run against a
/// [`MockEnvironment`] serving a scenario: its QA gates replaced by the stand-ins of
/// `fixtures/plans/demo-qa.toml`, its soak windows shortened to three samples 300 ms apart,
/// its artifacts and release log under `dir`, its variables those of
/// `fixtures/env/staging.env` (written to `dir/staging.env`) with the mock's admin token and
/// Railway URL, and its base URLs the mock's. The Prometheus mock answers the error-rate gate
/// (`api-5xx-rate`) and every other metric gate (latency) with the scenario's values.
///
/// ```
/// use release_testkit::{Demo, Scenario};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("release-testkit-demo-{}", std::process::id()));
/// let demo = Demo::start(Scenario::Degraded, "staging", &dir).await.unwrap();
/// assert_eq!(demo.plan.release.artifacts_dir, dir.join("artifacts"));
/// assert!(demo.plan.gates.iter().any(|gate| gate.in_phase("preflight-qa")));
/// assert_eq!(demo.overrides.api_url, Some(demo.mock.api_url()));
/// assert!(dir.join("staging.env").is_file());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
#[non_exhaustive]
pub struct Demo {
    /// The plan to run.
    pub plan: Plan,
    /// The run's variables.
    pub vars: Vars,
    /// The base URLs, all on the mock.
    pub overrides: UrlOverrides,
    /// The mock environment; it stops when dropped.
    pub mock: MockEnvironment,
    /// The Slack webhook the rollout announces to (`SLACK_WEBHOOK_URL`).
    pub slack: SlackMock,
}

/// Why a [`Demo`] could not start.
///
/// ```
/// use release_testkit::{Demo, DemoError, Scenario};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let file = std::env::temp_dir().join(format!("release-testkit-not-a-dir-{}", std::process::id()));
/// std::fs::write(&file, "").unwrap();
/// let err = Demo::start(Scenario::Healthy, "staging", &file).await.unwrap_err();
/// assert!(matches!(err, DemoError::Write { .. }));
/// # std::fs::remove_file(&file).unwrap();
/// # });
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// A built-in plan did not load (a bug: the test kit's tests load them).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The demo's directory could not be created.
    #[error("failed to create {}", path.as_ref().map_or("a temporary directory".to_owned(), |p| p.display().to_string()))]
    Directory {
        /// The directory asked for; `None` for a temporary one.
        path: Option<PathBuf>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The environment file could not be written to the demo's directory.
    #[error("failed to write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The environment file could not be read back.
    #[error(transparent)]
    EnvFile(#[from] EnvFileError),
    /// The mock environment could not start.
    #[error("failed to start the mock environment")]
    Start(#[from] StartError),
}

impl Demo {
    /// The directory a demo writes into: `dir`, created if missing, else a new temporary
    /// directory that is kept afterwards, so its artifacts can be read.
    ///
    /// ```
    /// let dir = release_testkit::Demo::directory(None).unwrap();
    /// assert!(dir.is_dir());
    /// # std::fs::remove_dir_all(dir).unwrap();
    /// ```
    pub fn directory(dir: Option<PathBuf>) -> Result<PathBuf, DemoError> {
        match dir {
            Some(dir) => match std::fs::create_dir_all(&dir) {
                Ok(()) => Ok(dir),
                Err(source) => Err(DemoError::Directory {
                    path: Some(dir),
                    source,
                }),
            },
            None => tempfile::Builder::new()
                .prefix("release-demo-")
                .tempdir()
                .map(tempfile::TempDir::keep)
                .map_err(|source| DemoError::Directory { path: None, source }),
        }
    }

    /// Prepares the plan for a run against `environment` (`staging` in the CLI's demo) with
    /// its files under `dir`, and starts the mock environment serving `scenario`.
    ///
    /// ```
    /// use release_testkit::{Demo, Scenario};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("release-testkit-demo-start-{}", std::process::id()));
    /// let demo = Demo::start(Scenario::Healthy, "staging", &dir).await.unwrap();
    /// assert_eq!(demo.mock.scenario(), Scenario::Healthy);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn start(
        scenario: impl Into<DemoScenario>,
        environment: &str,
        dir: &Path,
    ) -> Result<Demo, DemoError> {
        let scenario = scenario.into();
        let mut plan = Plan::parse("fixtures/plans/runbook.toml (built in)", RUNBOOK_PLAN)?;
        plan.release.artifacts_dir = dir.join("artifacts");
        plan.release.log = Some(dir.join("artifacts/release-log.jsonl"));
        let stand_ins = Plan::parse("fixtures/plans/demo-qa.toml (built in)", DEMO_QA_PLAN)?;
        plan.gates.retain(|gate| !gate.in_phase("preflight-qa"));
        plan.gates.extend(stand_ins.gates);
        shorten_windows(&mut plan);
        stand_in_for_the_database(&mut plan);

        let env_file = dir.join("staging.env");
        let written =
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&env_file, STAGING_ENV));
        if let Err(source) = written {
            return Err(DemoError::Write {
                path: env_file,
                source,
            });
        }
        let mut vars = Vars::from_env_file(&env_file)?;

        // Each deploy passes through Railway's statuses for the timeline to show.
        let deploys = Progress::new()
            .status("INITIALIZING", Duration::ZERO)
            .status("BUILDING", Duration::from_millis(200))
            .status("DEPLOYING", Duration::from_millis(400))
            .status("SUCCESS", Duration::from_millis(600));
        let platform = RailwayPlatformMock::builder()
            .deploys("api", deploys.clone())
            .deploys("web", deploys);
        let mut builder = MockEnvironment::builder()
            .railway_platform(platform)
            .railway_environment(environment);
        builder = match scenario {
            DemoScenario::Steady(scenario) => builder.scenario(scenario),
            DemoScenario::BadRelease => builder
                .scenario(Scenario::Healthy)
                .after_deploy("web", Scenario::RolesBlocked),
        };
        let mock = builder.metrics_of(&plan).start().await?;
        let slack = SlackMock::start().await;
        vars.overlay(Vars::from_pairs([
            ("RELEASE_ADMIN_TOKEN", mock.admin_token().to_owned()),
            ("RAILWAY_API_URL", mock.railway_url()),
            ("SLACK_WEBHOOK_URL", slack.url()),
        ]));
        let overrides = UrlOverrides {
            api_url: Some(mock.api_url()),
            web_url: Some(mock.web_url()),
            prometheus_url: Some(mock.prometheus().url()),
            alertmanager_url: Some(mock.alertmanager().url()),
        };
        Ok(Demo {
            plan,
            vars,
            overrides,
            mock,
            slack,
        })
    }
}

impl fmt::Debug for Demo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Demo")
            .field("gates", &self.plan.gates.len())
            .field("overrides", &self.overrides)
            .field("mock", &self.mock)
            .finish_non_exhaustive()
    }
}

fn shorten_windows(plan: &mut Plan) {
    for window in plan
        .gates
        .iter_mut()
        .filter_map(|gate| gate.common.sustain.as_mut())
    {
        window.initial_delay = None;
        window.interval = HumanDuration(DEMO_WINDOW);
        window.count = Some(DEMO_SAMPLES);
        window.duration = None;
        window.failure_limit = window.failure_limit.min(DEMO_SAMPLES - 1);
        window.consecutive_successes = window.consecutive_successes.map(|k| k.min(DEMO_SAMPLES));
    }
}

/// The demo's app has no database: its migration step says so instead of running the app's
/// npm script (and records no migrations), and its rollout polls and holds briefly.
fn stand_in_for_the_database(plan: &mut Plan) {
    let say = |text: &str| vec!["sh".to_owned(), "-c".to_owned(), format!("echo '{text}'")];
    for step in &mut plan.rollout.steps {
        if let RolloutStep::Command {
            command,
            migrations,
            ..
        } = step
        {
            *command = say("demo: the stand-in app has no database, so no migrations run");
            *migrations = false;
        }
    }
    plan.rollback.database_command = say("demo: no database to roll back");
    plan.rollout.deploy.poll = HumanDuration(DEMO_POLL);
    plan.rollout.hold.extend = HumanDuration(DEMO_HOLD);
}
