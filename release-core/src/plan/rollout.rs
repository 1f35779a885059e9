//! The plan's `[rollout]` table: the runbook's rollout as ordered steps that `release rollout`
//! carries out, and how it deploys, announces, holds and rolls back.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::HumanDuration;

/// The `[rollout]` table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutSection {
    /// What a `rollback` decision does: `auto` (default) rolls back at once; `plan` prints
    /// the rollback plan and exits 1 for a person to carry it out.
    #[serde(default)]
    pub on_rollback: OnRollback,
    /// How a `hold` decision soaks longer before deciding again.
    #[serde(default)]
    pub hold: HoldPolicy,
    /// How services are deployed.
    #[serde(default)]
    pub deploy: DeploySettings,
    /// Where announcements go.
    #[serde(default)]
    pub announce: AnnounceSettings,
    /// The steps, in order, written `[[rollout.steps]]`.
    #[serde(default)]
    pub steps: Vec<RolloutStep>,
}

impl RolloutSection {
    /// Whether the plan declares a rollout.
    pub fn is_declared(&self) -> bool {
        !self.steps.is_empty()
    }

    /// The variables its steps read secrets from: the Slack webhook of an announcing
    /// rollout (the URL is the secret), the Railway tokens of one deploying to Railway.
    pub fn secret_variables(&self) -> Vec<String> {
        let mut names = Vec::new();
        if self
            .steps
            .iter()
            .any(|s| matches!(s, RolloutStep::Announce { .. }))
        {
            names.push(self.announce.webhook.clone());
        }
        let on_railway = self
            .steps
            .iter()
            .any(|s| matches!(s, RolloutStep::Deploy { command, .. } if command.is_empty()))
            && self.deploy.platform == DeployPlatform::Railway;
        if on_railway {
            names.extend(["RAILWAY_TOKEN".to_owned(), "RAILWAY_API_TOKEN".to_owned()]);
        }
        names
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&RolloutStep> {
        self.steps.iter().find(|s| s.id() == id)
    }
}

/// What a `rollback` decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnRollback {
    /// Roll back at once, as Argo Rollouts and Flagger abort to stable.
    #[default]
    Auto,
    /// Print the rollback plan and exit 1; a person carries it out.
    Plan,
}

/// `hold = { extend = "5m", times = 1 }`: a hold soaks `extend` longer (the gates steps run
/// again after waiting that long), at most `times` times; a hold after that exits 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldPolicy {
    /// How long to wait before the gates run again (default 5m).
    #[serde(default = "default_extend")]
    #[schemars(with = "String")]
    pub extend: HumanDuration,
    /// How many times a hold is extended (default 1; 0 exits 3 at the first hold).
    #[serde(default = "default_times")]
    pub times: u32,
}

impl Default for HoldPolicy {
    fn default() -> Self {
        Self {
            extend: default_extend(),
            times: default_times(),
        }
    }
}

fn default_extend() -> HumanDuration {
    HumanDuration(std::time::Duration::from_secs(300))
}

fn default_times() -> u32 {
    1
}

/// Where services are deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeployPlatform {
    /// Railway's GraphQL API (`serviceInstanceDeployV2`), with `RAILWAY_TOKEN` or
    /// `RAILWAY_API_TOKEN`.
    #[default]
    Railway,
    /// A command per deploy (`command`), for any other platform.
    Command,
}

/// `deploy = { platform = "railway", timeout = "15m", poll = "5s" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploySettings {
    /// The platform (default `railway`).
    #[serde(default)]
    pub platform: DeployPlatform,
    /// How long a deployment may take to become live (default 15m).
    #[serde(default = "default_deploy_timeout")]
    #[schemars(with = "String")]
    pub timeout: HumanDuration,
    /// How often a deployment's status is read (default 5s).
    #[serde(default = "default_poll")]
    #[schemars(with = "String")]
    pub poll: HumanDuration,
    /// The deploy command for `platform = "command"`, with `{service}`, `{commit}` and
    /// `{version}` replaced; a deploy step may give its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The Railway project, for an account token (a project token knows its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl Default for DeploySettings {
    fn default() -> Self {
        Self {
            platform: DeployPlatform::default(),
            timeout: default_deploy_timeout(),
            poll: default_poll(),
            command: Vec::new(),
            project: None,
        }
    }
}

fn default_deploy_timeout() -> HumanDuration {
    HumanDuration(std::time::Duration::from_secs(15 * 60))
}

fn default_poll() -> HumanDuration {
    HumanDuration(std::time::Duration::from_secs(5))
}

/// `announce = { webhook = "SLACK_WEBHOOK_URL" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnounceSettings {
    /// The variable that holds the Slack incoming-webhook URL (a secret; default
    /// `SLACK_WEBHOOK_URL`).
    #[serde(default = "default_webhook")]
    pub webhook: String,
}

impl Default for AnnounceSettings {
    fn default() -> Self {
        Self {
            webhook: default_webhook(),
        }
    }
}

fn default_webhook() -> String {
    "SLACK_WEBHOOK_URL".to_owned()
}

/// A readiness check after a deploy by command: `GET url` until it answers 2xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Readiness {
    /// The URL; `${api_url}` and the other base-URL placeholders work as in gates.
    pub url: String,
    /// How often it is tried (default 5s).
    #[serde(default = "default_poll")]
    #[schemars(with = "String")]
    pub interval: HumanDuration,
}

/// One step of the rollout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum RolloutStep {
    /// Posts the start announcement to the Slack webhook; the outcome and any rollback are
    /// announced at the end.
    Announce {
        /// The step's id.
        id: String,
        /// Whether a failed announcement blocks the rollout (default: it warns).
        #[serde(default)]
        required: bool,
    },
    /// Deploys one service and waits until it is live.
    Deploy {
        /// The step's id.
        id: String,
        /// The service, by the platform's name.
        service: String,
        /// The deploy command for this service (over `[rollout.deploy] command`); set, it
        /// deploys by command whatever the platform.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        command: Vec<String>,
        /// How long the deployment may take (over `[rollout.deploy] timeout`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<String>")]
        timeout: Option<HumanDuration>,
        /// After a deploy by command, what says the service is live.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ready: Option<Readiness>,
    },
    /// Runs a command, e.g. the database migrations.
    Command {
        /// The step's id.
        id: String,
        /// The program and its arguments, run directly (no shell), with `{service}`,
        /// `{commit}` and `{version}` replaced.
        command: Vec<String>,
        /// Whether this command runs the release's database migrations: recorded, so that a
        /// rollback includes the database step.
        #[serde(default)]
        migrations: bool,
        /// How long it may run (default 15m).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<String>")]
        timeout: Option<HumanDuration>,
    },
    /// Runs gate phases (`smoke`, `launch`) as `release smoke` and `release launch-gate` do,
    /// then decides over the run with the rollback triggers.
    Gates {
        /// The step's id.
        id: String,
        /// The phases, in order.
        phases: Vec<String>,
    },
}

impl RolloutStep {
    /// The step's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Announce { id, .. }
            | Self::Deploy { id, .. }
            | Self::Command { id, .. }
            | Self::Gates { id, .. } => id,
        }
    }

    /// The step's kind, as a plan writes it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Announce { .. } => "announce",
            Self::Deploy { .. } => "deploy",
            Self::Command { .. } => "command",
            Self::Gates { .. } => "gates",
        }
    }

    /// Whether the step changes something outside this machine: what `--dry-run` never does
    /// and a resume never repeats once done.
    pub fn changes_things(&self) -> bool {
        matches!(self, Self::Deploy { .. } | Self::Command { .. })
    }
}
