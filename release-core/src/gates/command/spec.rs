use std::collections::BTreeMap;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::HumanDuration;

/// The `command` gate's part of a plan: a program to run, and the services it needs.
///
/// ```toml
/// [[gates]]
/// id = "qa-lint"
/// kind = "command"
/// phases = ["preflight-qa"]
/// timeout = "10m"
/// command = ["npm", "run", "lint"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandGateSpec {
    /// The program and its arguments, run directly (no shell): `["npm", "run", "lint"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// A shell command line, run with `sh -c`, for when pipes or `&&` are wanted. Set this
    /// or `command`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// The working directory (default: the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// Extra environment variables for the process, over the run's variables (which it
    /// inherits, secrets included; output that shows a secret is redacted).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Exit codes that mean something other than failure.
    #[serde(default)]
    pub exit_codes: ExitCodes,
    /// How many of the last lines of stdout and of stderr are kept as evidence (default 40).
    #[serde(default = "default_output_lines")]
    pub output_lines: usize,
    /// After a timeout or Ctrl-C the process group gets `SIGTERM`, then `SIGKILL` after this
    /// long (default 5s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<HumanDuration>,
    /// Services started before the command and stopped after it, also when it fails, times
    /// out or is cancelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSpec>,
}

/// Exit codes the plan gives a meaning; `0` passes and any other code fails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitCodes {
    /// Codes that mean "passed with a warning".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warn: Vec<i32>,
    /// Codes that mean "nothing to check here" (`skipped`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<i32>,
}

pub(crate) fn default_output_lines() -> usize {
    40
}

/// A service a command needs, such as a private Postgres or Redis on a free loopback port.
///
/// In `start`, `stop`, `ready.command` and `env`, `{port}` is the service's port, `{host}`
/// is `127.0.0.1` and `{dir}` a fresh temporary directory, removed after the service stops.
///
/// ```toml
/// [[gates.services]]
/// name = "redis"
/// start = ["redis-server", "--port", "{port}", "--bind", "{host}", "--save", ""]
/// ready = { tcp = true }
/// env = { REDIS_URL = "redis://{host}:{port}/0" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// A name for reports, unique within the gate.
    pub name: String,
    /// The port, or a free loopback port chosen at start when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The program that starts it, with arguments (no shell; use `["sh", "-c", "…"]` for one).
    /// It may stay in the foreground (it is then stopped with its process group) or start a
    /// daemon and exit `0`.
    pub start: Vec<String>,
    /// How to tell it is ready.
    #[serde(default)]
    pub ready: ReadyProbe,
    /// How long it may take to become ready (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_timeout: Option<HumanDuration>,
    /// A program that stops it, run before its process group is stopped (default: none; the
    /// group gets `SIGTERM`, then `SIGKILL` after the gate's grace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Variables the gate's command gets, such as `DATABASE_URL`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// A readiness probe: a TCP connect to the service's port, or a command that exits `0`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadyProbe {
    /// Ready when `{host}:{port}` accepts a TCP connection (the default).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tcp: bool,
    /// Ready when this program exits `0`, e.g. `["pg_isready", "-h", "{host}", "-p", "{port}"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
}

impl Default for ReadyProbe {
    fn default() -> Self {
        Self {
            tcp: true,
            command: Vec::new(),
        }
    }
}
