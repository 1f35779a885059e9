//! `release rollout --dry-run`: every step with its resolved target, and the rollback that
//! would follow a failure. Nothing is changed anywhere: no mutation, no command, no message.
//! Railway is asked read-only questions (which deployment is live) to show real targets.

use tokio::runtime::Runtime;

use crate::plan::{DeployPlatform, RolloutStep};

use super::announce;
use super::execution::{Execution, Placeholders, phase_of};
use super::journal::Deployed;
use super::platform::Railway;
use super::rollback::{RollbackScope, planned};
use super::summary::{RolloutOutcome, RolloutSummary, StepReport, StepStatus};

pub(crate) fn describe(execution: &Execution<'_, '_>, runtime: &Runtime) -> RolloutSummary {
    let plan = execution.plan();
    let mut summary = execution.summary("dry-run".to_owned(), false);
    let railway = Railway::new(execution.context(), plan.rollout.deploy.project.clone());
    let mut deployed = Vec::new();
    let mut migrations = false;
    for step in &plan.rollout.steps {
        let mut report = StepReport::new(step.id(), step.kind());
        report.status = StepStatus::Planned;
        report.target = Some(match step {
            RolloutStep::Announce { required, .. } => {
                let webhook = &plan.rollout.announce.webhook;
                let present = announce::webhook_set(execution);
                format!(
                    "Slack webhook from {webhook} ({}){}",
                    if present { "set" } else { "not set" },
                    if *required { ", required" } else { "" }
                )
            }
            RolloutStep::Deploy {
                service, command, ..
            } => {
                report.service = Some(service.clone());
                let by_command =
                    !command.is_empty() || plan.rollout.deploy.platform == DeployPlatform::Command;
                if by_command {
                    let command = match command.is_empty() {
                        true => &plan.rollout.deploy.command,
                        false => command,
                    };
                    deployed.push(Deployed {
                        service: service.clone(),
                        deployment: None,
                        replaces: None,
                    });
                    Placeholders::of(execution.release())
                        .service(service)
                        .apply(command)
                        .map_or_else(|e| e, |argv| format!("run {}", argv.join(" ")))
                } else {
                    match &railway {
                        Err(why) => format!("Railway: {why}"),
                        Ok(railway) => {
                            let live = runtime.block_on(railway.live(service));
                            let commit = execution
                                .release()
                                .commit
                                .clone()
                                .unwrap_or_else(|| "the branch's latest commit".to_owned());
                            let (now, replaces) = match live {
                                Ok(Some(id)) => (format!("live now: {id}"), Some(id)),
                                Ok(None) => ("no live deployment".to_owned(), None),
                                Err(failure) => (
                                    format!("live deployment unknown: {}", failure.message),
                                    None,
                                ),
                            };
                            report.replaces = replaces.clone();
                            deployed.push(Deployed {
                                service: service.clone(),
                                deployment: None,
                                replaces,
                            });
                            format!(
                                "{}: serviceInstanceDeployV2 of `{service}` at {commit}, then wait for SUCCESS ({now})",
                                railway.describe()
                            )
                        }
                    }
                }
            }
            RolloutStep::Command {
                command,
                migrations: runs_migrations,
                ..
            } => {
                migrations |= *runs_migrations;
                let argv = Placeholders::of(execution.release())
                    .apply(command)
                    .map_or_else(|e| e, |argv| argv.join(" "));
                match runs_migrations {
                    true => format!("run {argv} (database migrations)"),
                    false => format!("run {argv}"),
                }
            }
            RolloutStep::Gates { phases, .. } => match phase_of(phases) {
                Some(phase) => format!("release {}, then the rollback decision", phase.label),
                None => format!("phases {}", phases.join(", ")),
            },
        });
        // A command written in the plan may hold a value the run knows as a secret.
        report.target = report.target.map(|target| execution.redact(&target));
        summary.steps.push(report);
    }
    summary.rollback = planned(
        execution,
        &RollbackScope {
            deployed,
            migrations,
            reason: "if a step fails or the decision is rollback".to_owned(),
        },
    );
    summary.outcome = RolloutOutcome::DryRun;
    summary.exit_code = RolloutOutcome::DryRun.exit_code(summary.kind);
    summary.reason = "dry run: nothing was changed".to_owned();
    summary
}
