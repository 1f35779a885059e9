//! The ordered rollback plan of the runbook's quick path: freeze deployments, roll back web,
//! roll back the API, roll back the database only with its owner's approval, re-run smoke.

use std::ops::ControlFlow;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::log::{LogContents, LogRecord};
use crate::summary::{DeploymentRecord, Summary};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepAction {
    /// Stop further deployments to the environment.
    FreezeDeployments,
    /// Return the web service to its previous stable deployment.
    RollBackWeb,
    /// Return the API service to its previous stable deployment.
    RollBackApi,
    /// Reverse this release's database migrations.
    RollBackDatabase,
    /// Run the smoke checks again and confirm recovery.
    RerunSmoke,
}

/// Where a service returns to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum RollbackTarget {
    /// The deployment to return to is known.
    Known {
        /// The deployment to return to.
        deployment_id: String,
        /// The deployment it replaces, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<String>,
        /// Where the id was read.
        source: String,
    },
    /// It is not known; the step says so rather than guess.
    Unknown {
        /// Why not.
        reason: String,
    },
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RollbackStep {
    /// 1-based position.
    pub order: u32,
    /// What it does.
    pub action: StepAction,
    /// One line for a person.
    pub title: String,
    /// The service it acts on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Where the service returns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<RollbackTarget>,
    /// Whose approval the step needs before it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_approval: Option<String>,
    /// How to carry it out.
    pub how: String,
}

/// The ordered steps, and what a reader should know about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RollbackPlan {
    /// The environment rolled back.
    pub environment: String,
    /// The steps, in order.
    pub steps: Vec<RollbackStep>,
    /// Facts behind the plan: where targets came from, why a step is left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The services a plan rolls back, by the names the platform knows them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackServices {
    /// The web app's service, e.g. `web`.
    pub web: String,
    /// The API's service, e.g. `api`.
    pub api: String,
}

impl Default for RollbackServices {
    fn default() -> Self {
        Self {
            web: "web".to_owned(),
            api: "api".to_owned(),
        }
    }
}

/// Whether the release ran migrations, and how that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    /// `None` when nothing says.
    pub ran: Option<bool>,
    /// Where the answer came from.
    pub source: String,
}

impl Migrations {
    /// Whether the release ran migrations: the run's own record (`RELEASE_MIGRATIONS`), else
    /// the newest release-log record of the same release (same `RELEASE_VERSION`) that states
    /// it, else the plan's `[rollback] migrations`, else unknown.
    pub fn find(summary: &Summary, log: &LogContents, plan_default: Option<bool>) -> Self {
        let mut search = MigrationSearch::new(summary);
        for (_, record) in log.records.iter().rev() {
            if search.offer(record).is_break() {
                break;
            }
        }
        search.finish(plan_default)
    }
}

/// [`Migrations::find`] as a search over release-log records offered newest first, so the
/// log can be read from its end and the reading stop at the answer.
#[derive(Debug, Clone)]
pub struct MigrationSearch {
    run_id: String,
    environment: String,
    finished_at: Timestamp,
    own: Option<bool>,
    version: Option<String>,
    logged: Option<(bool, String)>,
}

impl MigrationSearch {
    /// A search for what `summary`'s release did.
    pub fn new(summary: &Summary) -> Self {
        Self {
            run_id: summary.run_id.clone(),
            environment: summary.environment.clone(),
            finished_at: summary.finished_at,
            own: summary.release.migrations,
            version: summary.release.version.clone(),
            logged: None,
        }
    }

    /// Whether the answer is known, or the log cannot give one: the run says itself, or it
    /// names no version to match records by.
    pub fn is_done(&self) -> bool {
        self.own.is_some() || self.version.is_none() || self.logged.is_some()
    }

    /// Takes a record, newest first; breaks once the search is done.
    pub fn offer(&mut self, record: &LogRecord) -> ControlFlow<()> {
        if self.is_done() {
            return ControlFlow::Break(());
        }
        // Only a record of this very release says whether it ran migrations: without a
        // version on both sides, an old release's record could answer for this one.
        if record.environment == self.environment
            && record.recorded_at <= self.finished_at
            && record.release.version == self.version
            && let Some(ran) = record.release.migrations
        {
            self.logged = Some((
                ran,
                format!("release log: run {} ({})", record.run_id, record.phase),
            ));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// The answer: the run's, the log's, the plan's, or unknown.
    pub fn finish(self, plan_default: Option<bool>) -> Migrations {
        if let Some(ran) = self.own {
            return Migrations {
                ran: Some(ran),
                source: format!("run {} (RELEASE_MIGRATIONS)", self.run_id),
            };
        }
        if let Some((ran, source)) = self.logged {
            return Migrations {
                ran: Some(ran),
                source,
            };
        }
        match plan_default {
            Some(ran) => Migrations {
                ran: Some(ran),
                source: "the plan's `[rollback] migrations`".to_owned(),
            },
            None => Migrations {
                ran: None,
                source: "nothing: neither RELEASE_MIGRATIONS, the release log nor the plan says"
                    .to_owned(),
            },
        }
    }
}

/// The deployments a rollback returns to, and where they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentFacts {
    deployments: Vec<DeploymentRecord>,
    source: String,
    /// Recorded before the rollout (a preflight run): what served then is the target.
    before_release: bool,
}

impl DeploymentFacts {
    /// The run's own `platform` gate when it has one; else the newest preflight run of the
    /// environment in the release log that recorded deployments before this run started.
    ///
    /// A platform gate after the rollout sees the new release serving, so its previous stable
    /// deployment is the target. A preflight run sees the release before this one serving,
    /// so what served then is the target. Other runs in the log are not used: a launch gate
    /// of an earlier release cannot be told apart from one of this release. A preflight run of
    /// another version is never used; without versions, neither is one followed by a launch
    /// gate or smoke run, which may have been another release's.
    pub fn find(summary: &Summary, log: &LogContents) -> Option<Self> {
        let mut search = DeploymentSearch::new(summary);
        for (_, record) in log.records.iter().rev() {
            if search.offer(record).is_break() {
                break;
            }
        }
        search.finish()
    }
    fn target(&self, service: &str) -> RollbackTarget {
        let Some(record) = self.deployments.iter().find(|d| d.service == service) else {
            return RollbackTarget::Unknown {
                reason: format!("{} recorded no deployment of `{service}`", self.source),
            };
        };
        let served = record
            .current_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("SUCCESS"));
        let (target, replaces) = if self.before_release && served {
            (record.current.clone(), None)
        } else if self.before_release {
            (record.previous_stable.clone(), None)
        } else {
            (record.previous_stable.clone(), record.current.clone())
        };
        match target {
            Some(deployment_id) => RollbackTarget::Known {
                deployment_id,
                replaces,
                source: self.source.clone(),
            },
            None => RollbackTarget::Unknown {
                reason: format!(
                    "{} found no earlier deployment of `{service}` that served",
                    self.source
                ),
            },
        }
    }
}

/// [`DeploymentFacts::find`] as a search over release-log records offered newest first, so
/// the log can be read from its end and the reading stop at the answer.
#[derive(Debug, Clone)]
pub struct DeploymentSearch {
    run_id: String,
    environment: String,
    started_at: Timestamp,
    version: Option<String>,
    /// The run's own platform gate's deployments: then the log is not needed.
    own: Option<DeploymentFacts>,
    /// A launch gate or smoke run of the environment seen before (newer than) the preflight.
    later_rollout: bool,
    /// The answer from the log, once there is one (`Some(None)`: the log cannot tell).
    found: Option<Option<DeploymentFacts>>,
}

impl DeploymentSearch {
    /// A search for where `summary`'s environment returns to.
    pub fn new(summary: &Summary) -> Self {
        let own = summary.deployments();
        Self {
            run_id: summary.run_id.clone(),
            environment: summary.environment.clone(),
            started_at: summary.started_at,
            version: summary.release.version.clone(),
            own: (!own.is_empty()).then(|| DeploymentFacts {
                deployments: own,
                source: format!("the platform gate of run {}", summary.run_id),
                before_release: false,
            }),
            later_rollout: false,
            found: None,
        }
    }

    /// Whether the answer is known.
    pub fn is_done(&self) -> bool {
        self.own.is_some() || self.found.is_some()
    }

    /// Takes a record, newest first; breaks once the search is done.
    pub fn offer(&mut self, record: &LogRecord) -> ControlFlow<()> {
        if self.is_done() {
            return ControlFlow::Break(());
        }
        if record.environment != self.environment
            || record.run_id == self.run_id
            || record.recorded_at > self.started_at
        {
            return ControlFlow::Continue(());
        }
        if record.phase.starts_with("preflight") && !record.deployments.is_empty() {
            self.found = Some(self.answer_from(record));
            return ControlFlow::Break(());
        }
        if record.phase == "launch-gate" || record.phase == "smoke" {
            self.later_rollout = true;
        }
        ControlFlow::Continue(())
    }

    /// What the newest preflight run tells, if it is this release's.
    fn answer_from(&self, record: &LogRecord) -> Option<DeploymentFacts> {
        match (&self.version, &record.release.version) {
            (Some(ours), Some(theirs)) if ours != theirs => return None,
            (Some(_), Some(_)) => {}
            // Without versions, a launch gate between that preflight and this run may have
            // been another release's: what served at the preflight is then two releases back.
            _ if self.later_rollout => return None,
            _ => {}
        }
        Some(DeploymentFacts {
            deployments: record.deployments.clone(),
            source: format!(
                "release log: preflight run {} ({}), the deployment serving before this release",
                record.run_id,
                format_time(record.recorded_at)
            ),
            before_release: true,
        })
    }

    /// The answer: the run's own deployments, else the log's, else none.
    pub fn finish(self) -> Option<DeploymentFacts> {
        self.own.or(self.found.flatten())
    }
}

fn format_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl RollbackPlan {
    /// The runbook's quick path for an environment. Pure: built from the inputs only.
    pub fn build(
        environment: &str,
        services: &RollbackServices,
        deployments: Option<&DeploymentFacts>,
        migrations: &Migrations,
    ) -> Self {
        let mut notes = Vec::new();
        let target = |service: &str| {
            match deployments {
            Some(facts) => facts.target(service),
            None => RollbackTarget::Unknown {
                reason: "no platform gate recorded deployments: neither this run nor a preflight run in the release log".to_owned(),
            },
        }
        };
        let how_service = |service: &str, target: &RollbackTarget| match target {
            RollbackTarget::Known { deployment_id, .. } => format!(
                "redeploy `{service}` at deployment {deployment_id} (Railway: `deploymentRollback(id: \"{deployment_id}\")` or the dashboard's Rollback)"
            ),
            RollbackTarget::Unknown { .. } => format!(
                "find `{service}`'s previous stable deployment in the platform's history and redeploy it"
            ),
        };
        let mut steps = vec![RollbackStep {
            order: 0,
            action: StepAction::FreezeDeployments,
            title: format!("Freeze deployments to {environment}"),
            service: None,
            target: None,
            needs_approval: None,
            how: "pause automatic deploys and merges to the release branch until recovery is confirmed".to_owned(),
        }];
        for (action, label, service) in [
            (StepAction::RollBackWeb, "web", &services.web),
            (StepAction::RollBackApi, "API", &services.api),
        ] {
            let target = target(service);
            steps.push(RollbackStep {
                order: 0,
                action,
                title: format!("Roll back {label} (`{service}`) to its previous stable deployment"),
                service: Some(service.clone()),
                how: how_service(service, &target),
                target: Some(target),
                needs_approval: None,
            });
        }
        match migrations.ran {
            Some(true) => steps.push(RollbackStep {
                order: 0,
                action: StepAction::RollBackDatabase,
                title: "Roll back the database migrations of this release".to_owned(),
                service: None,
                target: None,
                needs_approval: Some(
                    "the database owner's approval that the migrations are reversible"
                        .to_owned(),
                ),
                how: format!(
                    "only once the database owner approves: run this release's down migrations (migrations known from {})",
                    migrations.source
                ),
            }),
            Some(false) => notes.push(format!(
                "database: no step; the release ran no migrations (from {})",
                migrations.source
            )),
            None => notes.push(format!(
                "database: no step; whether the release ran migrations is unknown (from {}). If it did, the database owner decides whether they are reversed; set RELEASE_MIGRATIONS or `[rollback] migrations`",
                migrations.source
            )),
        }
        steps.push(RollbackStep {
            order: 0,
            action: StepAction::RerunSmoke,
            title: "Re-run the smoke checks and confirm recovery".to_owned(),
            service: None,
            target: None,
            needs_approval: None,
            how: format!("release smoke --env {environment}"),
        });
        for (index, step) in steps.iter_mut().enumerate() {
            step.order = u32::try_from(index + 1).unwrap_or(u32::MAX);
        }
        Self {
            environment: environment.to_owned(),
            steps,
            notes,
        }
    }
}
