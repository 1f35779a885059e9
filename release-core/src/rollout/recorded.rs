//! `release report --from FILE`: any document a run recorded (a gate run's summary, or a
//! rollout's or rollback's) rendered again in any format, with the rollback decision over a
//! launch-gate run replayed from the plan and the release store. Nothing is written.
//!
//! It lives here, at the top of the crate, because it reads both kinds of summary.

use std::path::Path;

use super::report::render as render_rollout;
use super::summary::{ROLLOUT_SCHEMA_VERSION, RolloutSummary};
use crate::log::ReleaseStore;
use crate::report::{self, Format, RenderOptions, ReportError};
use crate::rollback::Decision;
use crate::runbook::{self, AfterLaunchError, LAUNCH_GATE};
use crate::summary::{SummaryReadError, check_recorded_name, read_bounded, read_checked};
use crate::{Plan, Summary};

/// A document read back from a file.
#[derive(Debug, Clone)]
pub enum RecordedDocument {
    /// A gate run's summary (`preflight`, `smoke`, `launch-gate`, the dry-run…).
    Run(Box<Summary>),
    /// A rollout's or a rollback's summary.
    Rollout(Box<RolloutSummary>),
}

impl RecordedDocument {
    /// Reads `path`, bounded and strictly: a rollout summary when it lists `steps`, else a gate
    /// run's summary with every check [`Summary::read_file`] makes.
    pub fn read(path: &Path) -> Result<Self, SummaryReadError> {
        let bytes = read_bounded(path)?;
        // Which kind it is, without building the document twice: only `steps` is looked at.
        #[derive(serde::Deserialize)]
        struct Kind {
            steps: Option<Vec<serde::de::IgnoredAny>>,
        }
        let is_rollout = read_checked::<Kind>(path, &bytes).is_ok_and(|kind| kind.steps.is_some());
        if !is_rollout {
            return Summary::from_file_bytes(path, &bytes).map(|s| Self::Run(Box::new(s)));
        }
        let summary: RolloutSummary = read_checked(path, &bytes).map_err(|e| match e {
            SummaryReadError::Invalid {
                path,
                line,
                column,
                message,
            } => SummaryReadError::Invalid {
                path,
                line,
                column,
                message: format!("a rollout summary: {message}"),
            },
            other => other,
        })?;
        if summary.schema_version != ROLLOUT_SCHEMA_VERSION {
            return Err(SummaryReadError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!(
                    "a rollout summary of schema_version {}, not {ROLLOUT_SCHEMA_VERSION}, the version this tool reads",
                    summary.schema_version
                ),
            });
        }
        check_recorded_name(path, "environment", &summary.environment)?;
        Ok(Self::Rollout(Box::new(summary)))
    }

    /// Whether its page can show a rollback decision replayed from a plan: a launch gate's run
    /// (a rollout carries its own).
    pub fn replays_decision(&self) -> bool {
        matches!(self, Self::Run(summary) if summary.phase == LAUNCH_GATE.label)
    }

    /// The rollback decision over it: a rollout's own, or for a launch-gate run the one the
    /// plan's triggers give now over the run and the store's baselines (replayable: the same
    /// run and log give the same decision). `None` for other runs.
    pub fn decision(
        &self,
        plan: &Plan,
        store: &dyn ReleaseStore,
    ) -> Result<Option<Decision>, AfterLaunchError> {
        match self {
            Self::Rollout(summary) => Ok(summary.decision.clone()),
            Self::Run(summary) if summary.phase == LAUNCH_GATE.label => {
                runbook::decide(plan, summary, store).map(Some)
            }
            Self::Run(_) => Ok(None),
        }
    }

    /// The document in `format`; a gate run's HTML page shows `decision` when given (a
    /// rollout's page always shows its own).
    pub fn render(
        &self,
        format: Format,
        options: &RenderOptions,
        decision: Option<&Decision>,
    ) -> Result<String, ReportError> {
        match (self, format) {
            (Self::Run(summary), Format::Html) => Ok(report::html::render(summary, decision)),
            (Self::Run(summary), format) => report::render(format, summary, options),
            (Self::Rollout(summary), format) => render_rollout(format, summary),
        }
    }
}
