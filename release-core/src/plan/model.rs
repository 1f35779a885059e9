use std::collections::BTreeMap;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::HumanDuration;
pub use crate::gates::GateKindSpec;
use crate::secret::NamePattern;

/// The phases a gate may belong to, in runbook order.
pub const KNOWN_PHASES: [&str; 5] = [
    "preflight-env",
    "preflight-platform",
    "preflight-qa",
    "smoke",
    "launch",
];

/// A loaded, validated plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The file it was read from, for messages and relative paths.
    pub path: PathBuf,
    /// Names and where artifacts go.
    pub release: ReleaseSection,
    /// Target environments by name.
    pub environments: BTreeMap<String, Environment>,
    /// Token names to the variables that hold them, e.g. `admin = "RELEASE_ADMIN_TOKEN"`.
    pub tokens: BTreeMap<String, String>,
    /// Every gate, in plan order.
    pub gates: Vec<GateSpec>,
    /// Rollback triggers and the facts a rollback plan needs.
    pub rollback: super::rollback::RollbackSection,
    /// The rollout `release rollout` carries out.
    pub rollout: super::rollout::RolloutSection,
}

/// The `[release]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSection {
    /// The product's name, shown in reports.
    #[serde(default)]
    pub name: String,
    /// Where summaries and artifacts go, relative to the working directory.
    #[serde(default = "default_artifacts_dir")]
    pub artifacts_dir: PathBuf,
    /// The release store: a JSON Lines file (`<artifacts_dir>/release-log.jsonl` when absent)
    /// or a PostgreSQL URL (`postgres://user@host/db`; `RELEASE_LOG_URL` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
    /// The environment used when neither `--env` nor `RELEASE_ENV` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_environment: Option<String>,
    /// How many gates run at once (default 128): enough for every HTTP probe of a large
    /// plan to be in flight together; lower it for gates that are heavy on this machine.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// How many `command` gates run at once (default 1): lint, builds and test suites run one
    /// after another, as the runbook's scripts do, instead of fighting over the machine.
    #[serde(default = "default_command_concurrency")]
    pub command_concurrency: usize,
    /// Which variables hold secrets besides the declared ones, by name (`[release.secrets]`).
    #[serde(default, skip_serializing_if = "SecretsSection::is_empty")]
    pub secrets: SecretsSection,
}

/// `[release.secrets]`: name patterns for variables that hold secrets, beyond the built-in
/// ones (`release_core::DEFAULT_SECRET_PATTERNS`) and the variables the plan declares secret
/// (`secret` rules, `[tokens]`, `basic_auth` passwords). Names match whole and ignore case;
/// `*` stands for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsSection {
    /// More names or patterns whose variables hold secrets, e.g. `["*_CREDENTIALS_JSON"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<NamePattern>,
    /// Names or patterns that hold no secret although a pattern matches them, e.g.
    /// `["NEXT_PUBLIC_*"]`. A variable the plan declares secret and a password inside a URL
    /// stay secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_secret: Vec<NamePattern>,
}

impl SecretsSection {
    fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.not_secret.is_empty()
    }
}

fn default_command_concurrency() -> usize {
    1
}

fn default_concurrency() -> usize {
    128
}

impl Default for ReleaseSection {
    fn default() -> Self {
        Self {
            name: String::new(),
            artifacts_dir: default_artifacts_dir(),
            log: None,
            default_environment: None,
            concurrency: default_concurrency(),
            command_concurrency: default_command_concurrency(),
            secrets: SecretsSection::default(),
        }
    }
}

fn default_artifacts_dir() -> PathBuf {
    PathBuf::from("artifacts/release")
}

impl ReleaseSection {
    /// The release log's path, or what `log` says when it is a URL.
    pub fn log_path(&self) -> PathBuf {
        self.log
            .clone()
            .unwrap_or_else(|| self.artifacts_dir.join("release-log.jsonl"))
    }

    /// Where the plan keeps its release store: `log` read as a `postgres://` URL or a path
    /// (a path that is not UTF-8 is a path). A malformed URL is refused without its password.
    pub fn log_location(&self) -> Result<crate::log::StoreLocation, crate::log::StoreError> {
        let path = self.log_path();
        match path.to_str() {
            Some(text) => crate::log::StoreLocation::parse(text),
            None => Ok(crate::log::StoreLocation::File(path)),
        }
    }
}

/// One `[environments.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The API's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The web app's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// Prometheus's base URL, for `prometheus` gates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_url: Option<String>,
    /// Alertmanager's base URL, for `alerts` gates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager_url: Option<String>,
    /// Whether warnings and inconclusive results block; defaults to `production`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Whether this is production (stricter URL rules); defaults to the name being
    /// `production`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production: Option<bool>,
}

/// The fields every gate has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateCommon {
    /// Unique within the plan.
    pub id: String,
    /// A human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The phases the gate belongs to.
    pub phases: Vec<String>,
    /// Whether it blocks on `fail`/`error` (default `true`).
    #[serde(default = "yes")]
    pub required: bool,
    /// How long it may run before it is reported `error: timed out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<HumanDuration>,
    /// The environments it runs in; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// Evaluate the gate repeatedly over a window (a soak), e.g.
    /// `{ interval = "1m", count = 10, failure_limit = 1 }`; `timeout` then bounds each sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sustain: Option<crate::sustain::SustainSpec>,
}

fn yes() -> bool {
    true
}

/// One `[[gates]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct GateSpec {
    /// The common fields.
    pub common: GateCommon,
    /// The kind and its settings.
    pub spec: GateKindSpec,
    /// The line of the gate in the plan, for messages.
    pub line: usize,
}

impl GateSpec {
    /// Whether the gate runs in the named environment.
    pub fn applies_to(&self, environment: &str) -> bool {
        self.common
            .environments
            .as_ref()
            .is_none_or(|envs| envs.iter().any(|e| e == environment))
    }

    /// Whether the gate belongs to the phase.
    pub fn in_phase(&self, phase: &str) -> bool {
        self.common.phases.iter().any(|p| p == phase)
    }
}
