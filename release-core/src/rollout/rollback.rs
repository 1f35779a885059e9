//! The runbook's rollback, carried out: freeze, roll back web, then API, the database only
//! with its owner's approval and only when the release ran migrations, re-run smoke, announce.
//! `release rollout` runs it after a failure or a `rollback` decision; `release rollback
//! execute` runs it alone.

use jiff::Timestamp;
use tokio::runtime::Runtime;

use crate::gate::Verdict;
use crate::plan::{DeployPlatform, RolloutStep};
use crate::rollback::{RollbackTarget, StepAction};
use crate::runbook;
use crate::summary::Summary;
use crate::{Outcome, Plan};

use super::announce::{self, Announcement};
use super::error::RolloutError;
use super::execution::{DEFAULT_COMMAND_TIMEOUT, Execution, Placeholders, gate_run};
use super::journal::{self, Deployed, Interrupted, Journal, Previous};
use super::platform::Railway;
use super::request::{RolloutRequest, RolloutWatch};
use super::summary::{RolloutKind, RolloutOutcome, RolloutSummary, StepReport, StepStatus};

/// What to roll back.
#[derive(Debug, Clone)]
pub(crate) struct RollbackScope {
    /// The services, with their targets.
    pub(crate) deployed: Vec<Deployed>,
    /// Whether the release ran migrations.
    pub(crate) migrations: bool,
    /// Why it rolls back.
    pub(crate) reason: String,
}

/// How a rollback went.
#[derive(Debug, Default)]
pub(crate) struct RolledBack {
    pub(crate) steps: Vec<StepReport>,
    pub(crate) notes: Vec<String>,
    pub(crate) to_finish: Option<String>,
    pub(crate) complete: bool,
    pub(crate) why_incomplete: String,
}

/// `release rollback execute`: the rollback of the environment's last rollout (or, with
/// `--resume`, the rest of an interrupted rollback), under the environment's lock. Allowed
/// while frozen: it is the one action that is.
pub fn rollback_execute(
    request: &RolloutRequest<'_>,
    runtime: &Runtime,
    watch: &dyn RolloutWatch,
) -> Result<RolloutSummary, RolloutError> {
    let execution = Execution::prepare(request, runtime, RolloutKind::Rollback)?;
    let store = request.run.store()?;
    let store = store.as_ref();
    let previous = match &request.resume {
        Some(resume) => Some(journal::previous(store, execution.environment(), resume)?),
        None => journal::previous(store, execution.environment(), &super::Resume::Last).ok(),
    };
    let resuming = request.resume.is_some();
    let run_id = match (&previous, resuming) {
        (Some(previous), true) => previous.run_id.clone(),
        _ => crate::summary::new_run_id(Timestamp::now()),
    };
    let mut summary = execution.summary(run_id.clone(), resuming);
    let scope = scope_of(&execution, previous.as_ref());
    if request.dry_run {
        summary.rollback = planned(&execution, &scope);
        summary.outcome = RolloutOutcome::DryRun;
        summary.exit_code = RolloutOutcome::DryRun.exit_code(RolloutKind::Rollback);
        summary.reason = "dry run: nothing was changed".to_owned();
        return Ok(summary);
    }
    let _lock = match journal::lock(store, &execution, &run_id) {
        Ok(lock) => lock,
        Err(refused) => {
            summary.end(RolloutOutcome::Blocked, refused.reason.clone());
            summary.exit_code = refused.exit_code(summary.exit_code);
            return Ok(summary);
        }
    };
    let journal = Journal::new(store, &execution, &run_id);
    if let Err(e) = journal.started(resuming) {
        summary.reason = format!("the rollback's journal cannot be written: {e}");
        return Ok(summary);
    }
    let done = match resuming {
        true => previous.as_ref(),
        false => None,
    };
    let rolled = roll_back_from(&execution, &journal, &scope, runtime, watch, done);
    summary.rollback = rolled.steps;
    summary.notes.extend(rolled.notes);
    summary.to_finish = rolled.to_finish;
    let (outcome, reason) = match rolled.complete {
        true => (
            RolloutOutcome::RolledBack,
            format!("rolled back: {}", scope.reason),
        ),
        false => (
            RolloutOutcome::RollbackIncomplete,
            format!("the rollback could not finish: {}", rolled.why_incomplete),
        ),
    };
    Ok(journal.finish(summary, outcome, reason))
}

/// What the standalone rollback returns, and where to: the services the last rollout
/// deployed (with where each was before), else the plan's web and API services with the
/// targets the release log knows (as `release rollback plan` shows them).
fn scope_of(execution: &Execution<'_, '_>, previous: Option<&Previous>) -> RollbackScope {
    if let Some(previous) = previous.filter(|p| !p.deployed().is_empty()) {
        return RollbackScope {
            deployed: previous.deployed(),
            migrations: previous.migrations(),
            reason: format!("rolling back rollout {}", previous.run_id),
        };
    }
    let plan = execution.plan();
    let services = plan.rollback.services();
    let summary_path = runbook::LAUNCH_GATE.summary_path(plan, execution.environment());
    let known = Summary::read_file(&summary_path).ok().and_then(|summary| {
        let store = execution.request.run.store().ok()?;
        runbook::rollback_plan(plan, &summary, store.as_ref()).ok()
    });
    let target = |action: StepAction| {
        known.as_ref().and_then(|p| {
            p.steps
                .iter()
                .find(|s| s.action == action)
                .and_then(|s| match &s.target {
                    Some(RollbackTarget::Known { deployment_id, .. }) => {
                        Some(deployment_id.clone())
                    }
                    _ => None,
                })
        })
    };
    let migrations = known.as_ref().is_some_and(|p| {
        p.steps
            .iter()
            .any(|s| s.action == StepAction::RollBackDatabase)
    });
    RollbackScope {
        deployed: vec![
            Deployed {
                service: services.api.clone(),
                deployment: None,
                replaces: target(StepAction::RollBackApi),
            },
            Deployed {
                service: services.web.clone(),
                deployment: None,
                replaces: target(StepAction::RollBackWeb),
            },
        ],
        migrations,
        reason: "rolling back the environment's release".to_owned(),
    }
}

/// The services in the order the runbook rolls them back: web, then API, then any other
/// in the reverse of the order they were deployed.
fn in_rollback_order(plan: &Plan, deployed: &[Deployed]) -> Vec<Deployed> {
    let services = plan.rollback.services();
    let mut ordered: Vec<Deployed> = Vec::new();
    for name in [&services.web, &services.api] {
        ordered.extend(deployed.iter().filter(|d| d.service == *name).cloned());
    }
    ordered.extend(
        deployed
            .iter()
            .rev()
            .filter(|d| d.service != services.web && d.service != services.api)
            .cloned(),
    );
    ordered
}

/// The rollback's steps for `--dry-run`, each with its target.
pub(crate) fn planned(execution: &Execution<'_, '_>, scope: &RollbackScope) -> Vec<StepReport> {
    let plan = execution.plan();
    let mut steps = Vec::new();
    let mut freeze = StepReport::new("freeze", "freeze");
    freeze.status = StepStatus::Planned;
    freeze.target = Some(format!("record a freeze of {}", execution.environment()));
    steps.push(freeze);
    for deployed in in_rollback_order(plan, &scope.deployed) {
        let mut step = StepReport::new(format!("rollback-{}", deployed.service), "rollback");
        step.status = StepStatus::Planned;
        step.service = Some(deployed.service.clone());
        step.deployment_id = deployed.replaces.clone();
        step.target = Some(match (&deployed.replaces, rollback_by_command(plan)) {
            (None, _) => "no previous stable deployment is known".to_owned(),
            (Some(to), true) => Placeholders::default()
                .service(&deployed.service)
                .deployment(Some(to))
                .apply(&plan.rollback.command)
                .map_or_else(|e| e, |argv| argv.join(" ")),
            (Some(to), false) => format!(
                "Railway deploymentRollback({to}) (or deploymentRedeploy when canRollback is false), then wait for SUCCESS"
            ),
        });
        steps.push(step);
    }
    let mut database = StepReport::new("rollback-database", "database");
    database.status = StepStatus::Planned;
    database.target = Some(
        match (scope.migrations, plan.rollback.database_command.is_empty()) {
            (false, _) => "not needed: the release ran no migrations".to_owned(),
            (true, true) => {
                "the release ran migrations, but the plan has no `[rollback] database_command`"
                    .to_owned()
            }
            (true, false) => format!(
                "{} (only with --db-owner-approved NAME)",
                plan.rollback.database_command.join(" ")
            ),
        },
    );
    steps.push(database);
    let mut smoke = StepReport::new("rerun-smoke", "gates");
    smoke.status = StepStatus::Planned;
    smoke.target = Some("release smoke".to_owned());
    steps.push(smoke);
    // Commands written in the plan may hold a value the run knows as a secret.
    for step in &mut steps {
        step.target = step.target.take().map(|target| execution.redact(&target));
    }
    steps
}

fn rollback_by_command(plan: &Plan) -> bool {
    !plan.rollback.command.is_empty()
        || (plan.rollout.deploy.platform == DeployPlatform::Command
            && plan
                .rollout
                .steps
                .iter()
                .all(|s| !matches!(s, RolloutStep::Deploy { command, .. } if command.is_empty())))
}

/// The rollback, skipping what `done` (an interrupted run's journal) already did.
pub(crate) fn roll_back_from(
    execution: &Execution<'_, '_>,
    journal: &Journal<'_>,
    scope: &RollbackScope,
    runtime: &Runtime,
    watch: &dyn RolloutWatch,
    done: Option<&Previous>,
) -> RolledBack {
    let plan = execution.plan();
    let mut rolled = RolledBack {
        complete: true,
        ..RolledBack::default()
    };
    let incomplete = |rolled: &mut RolledBack, why: String| {
        if rolled.complete {
            rolled.why_incomplete = why;
        }
        rolled.complete = false;
    };
    let already = |id: &str| done.and_then(|p| p.finished(id));
    let run = |rolled: &mut RolledBack,
               mut step: StepReport,
               again: bool,
               work: &mut dyn FnMut(&mut StepReport)| {
        if let Some(before) = already(&step.id).filter(|_| !again) {
            rolled.steps.push(before);
            return;
        }
        step.started_at = Some(Timestamp::now());
        let _ = journal.step_started(&step);
        watch.step_started(&step);
        let started = std::time::Instant::now();
        work(&mut step);
        step.finished_at = Some(Timestamp::now());
        step.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let _ = journal.step_ended(&step, false, None);
        watch.step_finished(&step);
        rolled.steps.push(step);
    };

    // 1. Freeze: no rollout starts until someone unfreezes.
    let reason = format!("rollback {}: {}", journal.run_id(), scope.reason);
    run(
        &mut rolled,
        StepReport::new("freeze", "freeze"),
        false,
        &mut |step| match journal::freeze(journal.store(), execution, &reason, journal.run_id()) {
            Ok(()) => {
                step.status = StepStatus::Done;
                step.summary = format!(
                    "{} frozen; `release unfreeze` lifts it",
                    execution.environment()
                );
            }
            Err(e) => {
                step.status = StepStatus::Warned;
                step.summary = format!("the freeze could not be recorded: {e}");
            }
        },
    );

    // 2. Web, then API, then the rest.
    for deployed in in_rollback_order(plan, &scope.deployed) {
        let mut step = StepReport::new(format!("rollback-{}", deployed.service), "rollback");
        step.service = Some(deployed.service.clone());
        run(&mut rolled, step, false, &mut |step| {
            let interrupted = done.and_then(|p| p.interrupted(&step.id));
            roll_back_service(
                execution,
                journal,
                runtime,
                watch,
                &deployed,
                interrupted,
                step,
            );
        });
        if let Some(last) = rolled.steps.last()
            && last.status == StepStatus::Failed
        {
            let why = format!("{}: {}", last.id, last.summary);
            incomplete(&mut rolled, why);
        }
    }

    // 3. The database: only with approval, only when the release ran migrations.
    let approved = execution.request.db_owner_approved.clone();
    let mut awaits_approval = false;
    let mut database_ran = false;
    run(
        &mut rolled,
        StepReport::new("rollback-database", "database"),
        false,
        &mut |step| {
            if !scope.migrations {
                step.status = StepStatus::Skipped;
                step.summary = "not needed: the release ran no migrations".to_owned();
                return;
            }
            let Some(owner) = &approved else {
                step.status = StepStatus::Skipped;
                step.summary = "awaits the database owner's approval".to_owned();
                step.target = Some(execution.redact(&plan.rollback.database_command.join(" ")));
                awaits_approval = true;
                return;
            };
            if plan.rollback.database_command.is_empty() {
                step.status = StepStatus::Failed;
                step.summary =
                    "the release ran migrations, but the plan has no `[rollback] database_command`"
                        .to_owned();
                return;
            }
            // The approval is in the log before the command acts, or the command does not.
            if let Err(e) = journal.approval(step, owner) {
                step.status = StepStatus::Failed;
                step.summary = format!(
                    "the approval could not be recorded, so the database was not touched: {e}"
                );
                return;
            }
            database_ran = true;
            let placeholders = Placeholders::of(execution.release());
            let command = &plan.rollback.database_command;
            run_as_step(execution, step, command, &placeholders, || {
                format!("database rolled back, approved by {owner}")
            });
        },
    );
    if let Some(last) = rolled.steps.last()
        && last.status == StepStatus::Failed
    {
        let why = format!("rollback-database: {}", last.summary);
        incomplete(&mut rolled, why);
    }

    // 4. Smoke again: does the service work where it returned?
    // After a database rollback smoke runs again, even when it ran before the approval.
    run(
        &mut rolled,
        StepReport::new("rerun-smoke", "gates"),
        database_ran,
        &mut |step| match execution.run_phase(runbook::SMOKE, watch, false) {
            Ok((summary, _)) => {
                step.gate_runs.push(gate_run(&summary));
                step.summary = format!("smoke: {}", summary.outcome);
                step.status = match summary.outcome {
                    Outcome::Passed | Outcome::PassedWithWarnings => StepStatus::Done,
                    _ => StepStatus::Failed,
                };
            }
            Err(why) => {
                step.status = StepStatus::Failed;
                step.summary = why;
            }
        },
    );
    if let Some(last) = rolled.steps.last()
        && last.status == StepStatus::Failed
    {
        let why = format!("smoke after the rollback: {}", last.summary);
        incomplete(&mut rolled, why);
    }

    if awaits_approval {
        incomplete(
            &mut rolled,
            "the database step awaits its owner's approval".to_owned(),
        );
        let extra = format!("--resume {} --db-owner-approved NAME", journal.run_id());
        rolled.to_finish = Some(execution.finish_command("rollback execute", Some(&extra)));
    } else if !rolled.complete {
        let extra = format!("--resume {}", journal.run_id());
        rolled.to_finish = Some(execution.finish_command("rollback execute", Some(&extra)));
    }

    // 5. Tell people.
    if announce::configured(execution) {
        let message = Announcement::rollback(
            execution,
            journal.run_id(),
            &rolled.steps,
            rolled.complete,
            &scope.reason,
        );
        if let Err(why) = announce::post(execution, &message) {
            rolled
                .notes
                .push(format!("the rollback announcement failed: {why}"));
        }
    }
    rolled
}

fn roll_back_service(
    execution: &Execution<'_, '_>,
    journal: &Journal<'_>,
    runtime: &Runtime,
    watch: &dyn RolloutWatch,
    deployed: &Deployed,
    interrupted: Option<Interrupted>,
    step: &mut StepReport,
) {
    let plan = execution.plan();
    let service = &deployed.service;
    let Some(to) = &deployed.replaces else {
        step.status = StepStatus::Failed;
        step.summary =
            format!("no previous stable deployment of `{service}` is known; roll it back by hand");
        return;
    };
    step.deployment_id = Some(to.clone());
    if rollback_by_command(plan) {
        if plan.rollback.command.is_empty() {
            step.status = StepStatus::Failed;
            step.summary =
                "the rollout deploys by command, but the plan has no `[rollback] command`"
                    .to_owned();
            return;
        }
        let placeholders = Placeholders::of(execution.release())
            .service(service)
            .deployment(Some(to));
        run_as_step(
            execution,
            step,
            &plan.rollback.command,
            &placeholders,
            || format!("`{service}` returned to {to} by command"),
        );
        return;
    }
    let railway = match Railway::new(execution.context(), plan.rollout.deploy.project.clone()) {
        Ok(railway) => railway,
        Err(why) => {
            step.status = StepStatus::Failed;
            step.summary = why;
            return;
        }
    };
    // An interrupted run that got Railway's answer journalled it: follow that deployment
    // rather than send the rollback (or a redeploy) again.
    let journalled = interrupted.and_then(|i| i.deployment).filter(|id| id != to);
    let live = match journalled {
        Some(live) => live,
        None => match runtime.block_on(railway.roll_back(to)) {
            Ok(live) => live,
            Err(failure) => {
                step.status = StepStatus::Failed;
                step.summary = failure.message;
                return;
            }
        },
    };
    step.deployment_id = Some(live.clone());
    if live != *to {
        let _ = journal.step_progress(step);
    }
    let step_id = step.id.clone();
    let seen = move |status: &str| watch.deployment_status(&step_id, status);
    let deploy = &plan.rollout.deploy;
    let followed =
        runtime.block_on(railway.follow(&live, deploy.timeout.get(), deploy.poll.get(), &seen));
    step.statuses = followed.statuses;
    match followed.result {
        Ok(()) => {
            step.status = StepStatus::Done;
            step.summary = match live == *to {
                true => format!("`{service}` is back on {to}"),
                false => format!("`{service}` redeployed from {to} as {live}"),
            };
        }
        Err(why) => {
            step.status = StepStatus::Failed;
            step.summary = execution.redact(&why);
        }
    }
}

/// Runs a rollback command for `step`: done with `done()`'s words when it passes, else failed
/// with what it said.
fn run_as_step(
    execution: &Execution<'_, '_>,
    step: &mut StepReport,
    command: &[String],
    placeholders: &Placeholders,
    done: impl FnOnce() -> String,
) {
    match execution.run_command(&step.id, command, placeholders, DEFAULT_COMMAND_TIMEOUT) {
        Ok(evaluation) if evaluation.verdict == Verdict::Pass => {
            step.status = StepStatus::Done;
            step.summary = done();
        }
        Ok(evaluation) => {
            step.status = StepStatus::Failed;
            step.summary = execution.redact(&evaluation.summary);
        }
        Err(why) => {
            step.status = StepStatus::Failed;
            step.summary = why;
        }
    }
}
