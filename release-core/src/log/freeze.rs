//! Freezes: an environment where no rollout may start until someone lifts it. The newest
//! `freeze` or `unfreeze` line of an environment decides.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::journal::TOOL_VERSION;
use super::record::LOG_SCHEMA_VERSION;
use crate::text::escaped;

/// The `kind` of a freeze line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FreezeLineKind {
    /// The environment is frozen from now on.
    Freeze,
    /// The freeze is lifted.
    Unfreeze,
}

/// One release-log line: an environment frozen, or its freeze lifted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FreezeRecord {
    /// Always [`LOG_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// `freeze` or `unfreeze`.
    pub kind: FreezeLineKind,
    /// The environment.
    pub environment: String,
    /// When the line was written (RFC 3339).
    #[schemars(with = "String")]
    pub recorded_at: Timestamp,
    /// Who did it: `RELEASE_ACTOR`, `GITHUB_ACTOR` or `user@host` (see [`actor`]).
    pub by: String,
    /// Why it was frozen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The rollback run that froze it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The tool version that wrote the line.
    pub tool_version: String,
}

impl FreezeRecord {
    /// A `freeze` line.
    pub fn freeze(
        environment: impl Into<String>,
        by: impl Into<String>,
        reason: impl Into<String>,
        run_id: Option<String>,
        recorded_at: Timestamp,
    ) -> Self {
        Self {
            schema_version: LOG_SCHEMA_VERSION,
            kind: FreezeLineKind::Freeze,
            environment: environment.into(),
            recorded_at,
            by: by.into(),
            reason: Some(reason.into()),
            run_id,
            tool_version: TOOL_VERSION.to_owned(),
        }
    }

    /// An `unfreeze` line.
    pub fn unfreeze(
        environment: impl Into<String>,
        by: impl Into<String>,
        recorded_at: Timestamp,
    ) -> Self {
        Self {
            schema_version: LOG_SCHEMA_VERSION,
            kind: FreezeLineKind::Unfreeze,
            environment: environment.into(),
            recorded_at,
            by: by.into(),
            reason: None,
            run_id: None,
            tool_version: TOOL_VERSION.to_owned(),
        }
    }

    /// Who, when and why, in words safe to print (the log is a file anyone with write
    /// access can edit).
    ///
    /// ```
    /// use release_core::log::FreezeRecord;
    /// let at = "2026-11-27T10:00:00Z".parse().unwrap();
    /// let freeze = FreezeRecord::freeze("production", "alice", "incident 42", None, at);
    /// assert_eq!(freeze.describe(), "frozen by alice at 2026-11-27T10:00:00Z: incident 42");
    /// ```
    pub fn describe(&self) -> String {
        let what = match self.kind {
            FreezeLineKind::Freeze => "frozen",
            FreezeLineKind::Unfreeze => "unfrozen",
        };
        let mut text = format!(
            "{what} by {} at {}",
            escaped(&self.by),
            self.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        if let Some(run_id) = &self.run_id {
            text.push_str(&format!(" (run {})", escaped(run_id)));
        }
        if let Some(reason) = &self.reason {
            text.push_str(&format!(": {}", escaped(reason)));
        }
        text
    }
}

/// Who acts, for freeze lines: `RELEASE_ACTOR`, else `GITHUB_ACTOR` (a CI job names the
/// person who started it), else `$USER@host`. `var` reads a variable (the process
/// environment, in the CLI); empty values count as unset.
///
/// ```
/// use release_core::log::actor;
/// let vars = |name: &str| (name == "GITHUB_ACTOR").then(|| "octocat".to_owned());
/// assert_eq!(actor(vars), "octocat");
/// ```
pub fn actor(var: impl Fn(&str) -> Option<String>) -> String {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    set("RELEASE_ACTOR")
        .or_else(|| set("GITHUB_ACTOR"))
        .unwrap_or_else(|| {
            let user = set("USER")
                .or_else(|| set("LOGNAME"))
                .unwrap_or_else(|| "unknown".to_owned());
            format!("{user}@{}", host_name())
        })
}

/// This machine's host name, or `unknown-host` when the system will not say.
pub fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}
