//! The rollout summary: one versioned JSON document per `release rollout` or
//! `release rollback execute`, with every step, the decision and the rollback.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::exit_code;
use crate::rollback::Decision;
use crate::summary::{ReleaseInfo, ToolInfo};

/// The rollout summary format version.
pub const ROLLOUT_SCHEMA_VERSION: u32 = 1;

/// What was carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RolloutKind {
    /// `release rollout`.
    Rollout,
    /// `release rollback execute`.
    Rollback,
}

impl RolloutKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollout => "rollout",
            Self::Rollback => "rollback",
        }
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RolloutOutcome {
    /// Rolled out and proceeding (exit 0).
    Proceeding,
    /// Stopped before any change: frozen, locked, a required announcement or a step before
    /// the first deploy failed (exit 1).
    Blocked,
    /// A step failed after a change, and the plan says to print the rollback plan rather
    /// than carry it out (exit 1).
    Failed,
    /// Rolled back: the rollback ran to the end (exit 1 for a rollout, 0 for
    /// `rollback execute`).
    RolledBack,
    /// Still hold after every extension: a human decides (exit 3).
    Held,
    /// The rollback could not finish, or its database step awaits approval: a human must
    /// finish (exit 4).
    RollbackIncomplete,
    /// `--dry-run`: nothing was changed (exit 0).
    DryRun,
}

impl RolloutOutcome {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proceeding => "proceeding",
            Self::Blocked => "blocked",
            Self::Failed => "failed",
            Self::RolledBack => "rolled-back",
            Self::Held => "held",
            Self::RollbackIncomplete => "rollback-incomplete",
            Self::DryRun => "dry-run",
        }
    }

    /// The exit code for `kind`: see the README's exit-code table.
    pub fn exit_code(self, kind: RolloutKind) -> i32 {
        match (self, kind) {
            (Self::Proceeding | Self::DryRun, _) => exit_code::PASSED,
            (Self::RolledBack, RolloutKind::Rollback) => exit_code::PASSED,
            (Self::Blocked | Self::Failed | Self::RolledBack, _) => exit_code::BLOCKED,
            (Self::Held, _) => exit_code::HOLD,
            (Self::RollbackIncomplete, _) => exit_code::HUMAN_MUST_FINISH,
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// It did what it should.
    Done,
    /// It ended with a warning that does not stop the rollout (a failed optional
    /// announcement, gates that passed with warnings).
    Warned,
    /// It failed.
    Failed,
    /// It did not run: not needed, awaiting approval, or left after a stop.
    Skipped,
    /// `--dry-run`: what it would do.
    Planned,
}

impl StepStatus {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Warned => "warned",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Planned => "planned",
        }
    }

    /// Whether the rollout goes on after it.
    pub fn goes_on(self) -> bool {
        matches!(
            self,
            Self::Done | Self::Warned | Self::Skipped | Self::Planned
        )
    }
}

/// One step as carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepReport {
    /// The step's id (a rollback's steps: `freeze`, `rollback-web`, …).
    pub id: String,
    /// `announce`, `deploy`, `command`, `gates`, or a rollback action.
    pub kind: String,
    /// How it ended.
    pub status: StepStatus,
    /// One line: what happened.
    pub summary: String,
    /// When it started (absent when it never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub started_at: Option<Timestamp>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub finished_at: Option<Timestamp>,
    /// How long it took.
    #[serde(default)]
    pub duration_ms: u64,
    /// The service it acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The deployment it created or returned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// The deployment that was live before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Every status the deployment passed through, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<String>,
    /// The gate summaries it wrote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate_summaries: Vec<String>,
    /// The gate runs' outcomes, by run id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate_runs: Vec<GateRun>,
    /// A gates step's rollback decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<crate::rollback::DecisionKind>,
    /// What it would run or call (`--dry-run`, or a step a human must run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether it was done by an earlier, interrupted run of the same rollout (`--resume`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
}

impl StepReport {
    /// A step that has not run yet.
    pub fn new(id: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            status: StepStatus::Skipped,
            summary: String::new(),
            started_at: None,
            finished_at: None,
            duration_ms: 0,
            service: None,
            deployment_id: None,
            replaces: None,
            statuses: Vec::new(),
            gate_summaries: Vec::new(),
            gate_runs: Vec::new(),
            decision: None,
            target: None,
            resumed: false,
        }
    }
}

/// A gate run a step made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateRun {
    /// The run's id, as in its summary and the release log.
    pub run_id: String,
    /// Its phase label, e.g. `launch-gate`.
    pub phase: String,
    /// Its outcome.
    pub outcome: crate::Outcome,
    /// The gates that decided it (blocking ones), by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deciding: Vec<String>,
}

/// A rollout or rollback, carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RolloutSummary {
    /// Always [`ROLLOUT_SCHEMA_VERSION`] for this shape.
    pub schema_version: u32,
    /// The tool that ran it.
    pub tool: ToolInfo,
    /// Rollout or rollback.
    pub kind: RolloutKind,
    /// The run's id; the release log's journal records carry it (`--resume <id>`).
    pub run_id: String,
    /// The plan's name.
    pub plan: String,
    /// The environment.
    pub environment: String,
    /// What was released.
    #[serde(default, skip_serializing_if = "ReleaseInfo::is_empty")]
    pub release: ReleaseInfo,
    /// When it started (RFC 3339).
    #[schemars(with = "String")]
    pub started_at: Timestamp,
    /// When it finished.
    #[schemars(with = "String")]
    pub finished_at: Timestamp,
    /// Wall time.
    pub duration_ms: u64,
    /// How it ended.
    pub outcome: RolloutOutcome,
    /// The process exit code it maps to.
    pub exit_code: i32,
    /// Why, in one line.
    pub reason: String,
    /// Whether it continued an interrupted run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
    /// The steps, in order, each as far as it went.
    pub steps: Vec<StepReport>,
    /// The rollback decision over the gates, when one was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The rollback's steps, when it rolled back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollback: Vec<StepReport>,
    /// The command a human runs to finish, when one must.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_finish: Option<String>,
    /// What a reader should know: a failed announcement, a reconciled deploy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl RolloutSummary {
    /// A summary of a run starting now, not yet ended.
    pub(crate) fn new(
        kind: RolloutKind,
        plan: &str,
        environment: &str,
        release: ReleaseInfo,
        tool: Option<ToolInfo>,
        run_id: String,
        resumed: bool,
    ) -> Self {
        let now = Timestamp::now();
        Self {
            schema_version: ROLLOUT_SCHEMA_VERSION,
            tool: tool.unwrap_or_else(ToolInfo::current),
            kind,
            run_id,
            plan: plan.to_owned(),
            environment: environment.to_owned(),
            release,
            started_at: now,
            finished_at: now,
            duration_ms: 0,
            outcome: RolloutOutcome::Blocked,
            exit_code: exit_code::BLOCKED,
            reason: String::new(),
            resumed,
            steps: Vec::new(),
            decision: None,
            rollback: Vec::new(),
            to_finish: None,
            notes: Vec::new(),
        }
    }

    /// Ends it now with `outcome`, its exit code and why.
    pub(crate) fn end(&mut self, outcome: RolloutOutcome, reason: String) {
        self.outcome = outcome;
        self.exit_code = outcome.exit_code(self.kind);
        self.reason = reason;
        self.finished_at = Timestamp::now();
        self.duration_ms = elapsed_ms(self.started_at, self.finished_at);
    }
}

/// Milliseconds from `from` to `to`; none when `to` is earlier.
pub(crate) fn elapsed_ms(from: Timestamp, to: Timestamp) -> u64 {
    u64::try_from(to.duration_since(from).as_millis()).unwrap_or(0)
}
