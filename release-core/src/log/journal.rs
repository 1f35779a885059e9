//! The journal of a rollout or rollback run: a line when the run starts and ends, and when
//! each of its steps starts and ends, so a run killed at any point can be resumed from the
//! first step whose end was never recorded.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::record::LOG_SCHEMA_VERSION;
use crate::summary::ReleaseInfo;

/// The tool version written into the records this crate makes.
pub(crate) const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `kind` of a run's start, resume and end lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RolloutLineKind {
    /// `rollout`.
    Rollout,
}

/// The `kind` of a step's start and end lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepLineKind {
    /// `rollout-step`.
    RolloutStep,
}

/// What a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RolloutAction {
    /// `release rollout`.
    Rollout,
    /// `release rollback execute` (or the rollback a rollout started on its own).
    Rollback,
}

impl RolloutAction {
    /// `rollout` or `rollback`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollout => "rollout",
            Self::Rollback => "rollback",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RolloutEvent {
    /// The run began: the oldest line of its journal, where a reader of the journal stops.
    Start,
    /// An interrupted run was taken up again (`--resume`): the journal goes on before it.
    Resume,
    /// The run ended, with its outcome.
    End,
}

/// Where a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepEvent {
    /// The step began; without an end after it, it may have acted or not.
    Start,
    /// The step ended, with its status.
    End,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// It did what it was for.
    Done,
    /// It ended with a warning the run went on past (a failed announcement, say).
    Warned,
    /// It failed.
    Failed,
    /// It did not run.
    Skipped,
}

impl StepStatus {
    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Warned => "warned",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One release-log line: a rollout or rollback run started, was resumed, or ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RolloutRecord {
    /// Always [`LOG_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// Tells it from the other lines: `rollout`.
    pub kind: RolloutLineKind,
    /// The run's id; its steps' lines carry the same.
    pub run_id: String,
    /// When the line was written (RFC 3339).
    #[schemars(with = "String")]
    pub recorded_at: Timestamp,
    /// The target environment.
    pub environment: String,
    /// The plan's name (`release.name`), which with the environment keys the lock.
    pub plan: String,
    /// Start, resume or end.
    pub event: RolloutEvent,
    /// A rollout or a rollback.
    pub action: RolloutAction,
    /// What is released (or rolled back from).
    #[serde(default, skip_serializing_if = "ReleaseInfo::is_empty")]
    pub release: ReleaseInfo,
    /// At the end: how the run ended, in a word (e.g. `proceeding`, `rolled-back`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// At the end: the run's exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The tool version that wrote the line.
    pub tool_version: String,
}

impl RolloutRecord {
    /// A run's `start` line; [`resumed`](Self::resumed) and [`ended`](Self::ended) make its
    /// other lines from it.
    ///
    /// ```
    /// use release_core::log::{RolloutAction, RolloutEvent, RolloutRecord};
    /// let at = "2026-11-27T10:00:00Z".parse().unwrap();
    /// let start = RolloutRecord::start("r-1", "production", "acme", RolloutAction::Rollout, at);
    /// let end = start.ended("proceeding", 0, at);
    /// assert_eq!((end.event, end.exit_code), (RolloutEvent::End, Some(0)));
    /// ```
    pub fn start(
        run_id: impl Into<String>,
        environment: impl Into<String>,
        plan: impl Into<String>,
        action: RolloutAction,
        recorded_at: Timestamp,
    ) -> Self {
        Self {
            schema_version: LOG_SCHEMA_VERSION,
            kind: RolloutLineKind::Rollout,
            run_id: run_id.into(),
            recorded_at,
            environment: environment.into(),
            plan: plan.into(),
            event: RolloutEvent::Start,
            action,
            release: ReleaseInfo::default(),
            outcome: None,
            exit_code: None,
            tool_version: TOOL_VERSION.to_owned(),
        }
    }

    /// With what is released.
    #[must_use]
    pub fn release(mut self, release: ReleaseInfo) -> Self {
        self.release = release;
        self
    }

    /// The same run's `resume` line.
    #[must_use]
    pub fn resumed(&self, recorded_at: Timestamp) -> Self {
        Self {
            recorded_at,
            event: RolloutEvent::Resume,
            outcome: None,
            exit_code: None,
            tool_version: TOOL_VERSION.to_owned(),
            ..self.clone()
        }
    }

    /// The same run's `end` line.
    #[must_use]
    pub fn ended(
        &self,
        outcome: impl Into<String>,
        exit_code: i32,
        recorded_at: Timestamp,
    ) -> Self {
        Self {
            recorded_at,
            event: RolloutEvent::End,
            outcome: Some(outcome.into()),
            exit_code: Some(exit_code),
            tool_version: TOOL_VERSION.to_owned(),
            ..self.clone()
        }
    }
}

/// One release-log line: a step of a rollout or rollback run started or ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepRecord {
    /// Always [`LOG_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// Tells it from the other lines: `rollout-step`.
    pub kind: StepLineKind,
    /// The run the step belongs to.
    pub run_id: String,
    /// When the line was written (RFC 3339).
    #[schemars(with = "String")]
    pub recorded_at: Timestamp,
    /// The target environment.
    pub environment: String,
    /// The step's id in the plan.
    pub step_id: String,
    /// The step's kind: `announce`, `deploy`, `command`, `gates`, ...
    pub step_kind: String,
    /// Start or end.
    pub event: StepEvent,
    /// At the end: how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StepStatus>,
    /// The deployment the step created or returned to: what a resumed run asks the platform
    /// about instead of deploying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// The service the step acts on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The deployment that was live before a deploy step: where a rollback returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// At the end of a gates step: the rollback decision over its run. A resumed rollout
    /// goes on after `proceed`, runs the step again after `hold`, rolls back after `rollback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<super::record::DecisionKind>,
    /// What happened, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The summary file a gates step wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_path: Option<String>,
    /// The step ran database migrations: a rollback of this release includes the database.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub migrations: bool,
    /// Who approved the database step (`--db-owner-approved NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// When it was approved (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub approved_at: Option<Timestamp>,
}

impl StepRecord {
    /// A step's `start` line; [`ended`](Self::ended) makes its end from it.
    ///
    /// ```
    /// use release_core::log::{StepEvent, StepRecord, StepStatus};
    /// let at = "2026-11-27T10:00:00Z".parse().unwrap();
    /// let start = StepRecord::start("r-1", "production", "deploy-api", "deploy", at)
    ///     .service("api");
    /// let end = start.ended(StepStatus::Done, at).deployment("dep-2");
    /// assert_eq!(end.event, StepEvent::End);
    /// assert_eq!(end.service.as_deref(), Some("api"));
    /// assert_eq!(end.deployment_id.as_deref(), Some("dep-2"));
    /// ```
    pub fn start(
        run_id: impl Into<String>,
        environment: impl Into<String>,
        step_id: impl Into<String>,
        step_kind: impl Into<String>,
        recorded_at: Timestamp,
    ) -> Self {
        Self {
            schema_version: LOG_SCHEMA_VERSION,
            kind: StepLineKind::RolloutStep,
            run_id: run_id.into(),
            recorded_at,
            environment: environment.into(),
            step_id: step_id.into(),
            step_kind: step_kind.into(),
            event: StepEvent::Start,
            status: None,
            deployment_id: None,
            service: None,
            replaces: None,
            decision: None,
            summary: None,
            summary_path: None,
            migrations: false,
            approved_by: None,
            approved_at: None,
        }
    }

    /// The same step's `end` line, keeping its service and deployment.
    #[must_use]
    pub fn ended(&self, status: StepStatus, recorded_at: Timestamp) -> Self {
        Self {
            recorded_at,
            event: StepEvent::End,
            status: Some(status),
            ..self.clone()
        }
    }

    /// With the service it acts on.
    #[must_use]
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// With the deployment it created or returned to.
    #[must_use]
    pub fn deployment(mut self, deployment_id: impl Into<String>) -> Self {
        self.deployment_id = Some(deployment_id.into());
        self
    }

    /// With what happened, in one line.
    #[must_use]
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }
}
