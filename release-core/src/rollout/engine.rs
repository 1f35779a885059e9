//! `release rollout`: the plan's steps in order, each journalled, then the decision, and on a
//! failure after a change or a `rollback` decision, the rollback, carried out at once.

use std::time::Duration;

use jiff::Timestamp;
use tokio::runtime::Runtime;

use crate::plan::OnRollback;
use crate::rollback::DecisionKind;
use crate::summary::new_run_id;

use super::announce;
use super::error::RolloutError;
use super::execution::Execution;
use super::journal::{self, Journal};
use super::request::{RolloutRequest, RolloutWatch};
use super::rollback::{RollbackScope, RolledBack, planned, roll_back_from};
use super::steps::{Progress, StepOutcome};
use super::summary::{RolloutKind, RolloutOutcome, RolloutSummary};

/// Carries out the plan's rollout for the request's environment, on `runtime`, telling
/// `watch` as it goes. A rollout that cannot start (frozen, locked, a journal that cannot
/// be written) is a summary with outcome `blocked`, as a run with a blocking gate is; an
/// `Err` is invalid input (a plan without a rollout, an unknown run to resume).
pub fn rollout(
    request: &RolloutRequest<'_>,
    runtime: &Runtime,
    watch: &dyn RolloutWatch,
) -> Result<RolloutSummary, RolloutError> {
    let plan = request.run.plan();
    if !plan.rollout.is_declared() {
        return Err(RolloutError::NoRollout {
            plan: crate::names::escaped(&plan.path.display().to_string()).into_owned(),
        });
    }
    // A resumed rollout releases what it started to: its journal's version and commit.
    let (previous, resumed_request) = match &request.resume {
        None => (None, None),
        Some(resume) => {
            let environment = plan
                .select_environment(request.run.environment.as_deref())
                .map_err(|e| RolloutError::Run(e.into()))?
                .name;
            let store = request.run.store()?;
            let previous = journal::previous(store.as_ref(), &environment, resume)?;
            if !previous.is_rollout() {
                return Err(RolloutError::NotARollout {
                    run_id: previous.run_id.clone(),
                });
            }
            if let Some(outcome) = previous.ended() {
                return Err(RolloutError::AlreadyEnded {
                    run_id: previous.run_id.clone(),
                    outcome,
                });
            }
            let release = previous.release();
            let given = request.run.release_given();
            for (what, was, now) in [
                ("commit", &release.commit, &given.commit),
                ("version", &release.version, &given.version),
            ] {
                if let (Some(was), Some(now)) = (was, now)
                    && was != now
                {
                    return Err(RolloutError::ResumedRelease {
                        run_id: previous.run_id.clone(),
                        what,
                        was: was.clone(),
                        now: now.clone(),
                    });
                }
            }
            let resumed = request.clone().release(release.version, release.commit);
            (Some(previous), Some(resumed))
        }
    };
    let request = resumed_request.as_ref().unwrap_or(request);
    let execution = Execution::prepare(request, runtime, RolloutKind::Rollout)?;
    if request.dry_run {
        return Ok(super::dry_run::describe(&execution, runtime));
    }
    let store = request.run.store()?;
    let store = store.as_ref();
    watch.prepared(&execution.prepared);
    let run_id = previous
        .as_ref()
        .map_or_else(|| new_run_id(Timestamp::now()), |p| p.run_id.clone());
    let mut summary = execution.summary(run_id.clone(), previous.is_some());
    let _lock = match journal::lock(store, &execution, &run_id) {
        Ok(lock) => lock,
        Err(refused) => {
            let mut summary = blocked(summary, refused.reason.clone());
            summary.exit_code = refused.exit_code(summary.exit_code);
            return Ok(summary);
        }
    };
    // A rollout that was rolling back goes on rolling back: the one action a freeze (its
    // own, usually) allows.
    let rolling_back = previous.as_ref().and_then(journal::Previous::rolling_back);
    // Checked under the lock, so a freeze recorded meanwhile is seen.
    if rolling_back.is_none()
        && let Some(freeze) = journal::frozen(store, execution.environment())?
    {
        return Ok(blocked(
            summary,
            format!(
                "{} is frozen: {freeze}; `release unfreeze` lifts it",
                execution.environment()
            ),
        ));
    }
    let journal = Journal::new(store, &execution, &run_id);
    if let Err(e) = journal.started(previous.is_some()) {
        return Ok(blocked(
            summary,
            format!("the rollout's journal cannot be written, so it could not resume: {e}"),
        ));
    }
    // An interrupted rollout that had decided to roll back (or failed after a change) goes
    // on with its rollback, never forward.
    if let Some(previous) = &previous
        && let Some(why) = rolling_back
    {
        summary.steps = plan
            .rollout
            .steps
            .iter()
            .filter_map(|step| previous.finished(step.id()))
            .collect();
        let scope = RollbackScope {
            deployed: previous.deployed(),
            migrations: previous.migrations(),
            reason: format!("resumed the rollback of rollout {}: {why}", previous.run_id),
        };
        let rolled = roll_back_from(&execution, &journal, &scope, runtime, watch, Some(previous));
        return Ok(rolled_back(summary, &journal, rolled, scope.reason));
    }
    let mut cx = Progress::default();
    let steps = &plan.rollout.steps;
    let mut index = 0;
    while index < steps.len() {
        let step = &steps[index];
        let done_before = previous.as_ref().and_then(|p| p.finished(step.id()));
        if let Some(report) = done_before {
            cx.remember(step, &report, true);
            summary.steps.push(report);
            index += 1;
            continue;
        }
        let interrupted = previous.as_ref().and_then(|p| p.interrupted(step.id()));
        let (report, outcome) = execution.run_step(step, &journal, watch, interrupted, &mut cx);
        cx.remember(step, &report, !matches!(outcome, StepOutcome::Refused(_)));
        summary.steps.push(report);
        let cancelled = execution.context().cancellation().is_cancelled();
        if cancelled && !matches!(outcome, StepOutcome::GoOn) {
            // Ctrl-C or SIGTERM is not a reason to roll production back: stop where we
            // are, without an end record, so that `--resume` carries on.
            return Err(RolloutError::Interrupted { run_id });
        }
        match outcome {
            StepOutcome::GoOn => index += 1,
            StepOutcome::Decided(decision) => {
                let kind = decision.decision;
                summary.decision = Some(*decision);
                match kind {
                    DecisionKind::Proceed => index += 1,
                    DecisionKind::Hold if cx.holds < plan.rollout.hold.times => {
                        cx.holds += 1;
                        let wait = plan.rollout.hold.extend.get();
                        summary.notes.push(format!(
                            "hold {} of {}: soaking {} longer, then deciding again",
                            cx.holds,
                            plan.rollout.hold.times,
                            crate::duration::format_duration(wait)
                        ));
                        if !wait_or_cancelled(runtime, &execution, wait) {
                            return Err(RolloutError::Interrupted { run_id });
                        }
                    }
                    DecisionKind::Hold => {
                        let reason = format!(
                            "the decision is still hold after {} extension(s): a human decides (`release rollback evaluate`, `release rollback execute`)",
                            cx.holds
                        );
                        return Ok(journal.finish(summary, RolloutOutcome::Held, reason));
                    }
                    DecisionKind::Rollback => {
                        let why = summary
                            .decision
                            .as_ref()
                            .map_or_else(String::new, |d| d.reason.clone());
                        return Ok(after_failure(
                            summary,
                            &execution,
                            &journal,
                            &cx,
                            runtime,
                            watch,
                            format!("the decision is rollback: {why}"),
                        ));
                    }
                }
            }
            StepOutcome::Stop(reason) | StepOutcome::Refused(reason) => {
                if cx.changed {
                    return Ok(after_failure(
                        summary, &execution, &journal, &cx, runtime, watch, reason,
                    ));
                }
                return Ok(journal.finish(
                    summary,
                    RolloutOutcome::Blocked,
                    format!("{reason}; nothing was changed"),
                ));
            }
        }
    }
    announce::outcome(&execution, &mut summary, "rolled out and proceeding");
    let reason = match &summary.decision {
        Some(decision) => format!(
            "every step done; the decision is proceed: {}",
            decision.reason
        ),
        None => "every step done".to_owned(),
    };
    Ok(journal.finish(summary, RolloutOutcome::Proceeding, reason))
}

fn wait_or_cancelled(runtime: &Runtime, execution: &Execution<'_, '_>, wait: Duration) -> bool {
    let cancel = execution.context().cancellation().clone();
    runtime.block_on(async {
        tokio::select! {
            () = cancel.cancelled() => false,
            () = tokio::time::sleep(wait) => true,
        }
    })
}

/// A step failed after a change, or the decision is rollback: the rollback, or its plan.
fn after_failure(
    mut summary: RolloutSummary,
    execution: &Execution<'_, '_>,
    journal: &Journal<'_>,
    progress: &Progress,
    runtime: &Runtime,
    watch: &dyn RolloutWatch,
    reason: String,
) -> RolloutSummary {
    let plan = execution.plan();
    let scope = RollbackScope {
        deployed: progress.deployed.clone(),
        migrations: progress.migrations,
        reason: reason.clone(),
    };
    if plan.rollout.on_rollback == OnRollback::Plan {
        // The plan, each step with its target, for a person to carry out.
        summary.rollback = planned(execution, &scope);
        summary.to_finish = Some(execution.finish_command("rollback execute", None));
        let reason = format!(
            "{reason}; `on_rollback = \"plan\"`: carry out the rollback plan by hand or with the command below"
        );
        announce::outcome(execution, &mut summary, &reason);
        return journal.finish(summary, RolloutOutcome::Failed, reason);
    }
    let rolled = roll_back_from(execution, journal, &scope, runtime, watch, None);
    rolled_back(summary, journal, rolled, reason)
}

/// The summary of a rollout that rolled back, as far as the rollback got.
fn rolled_back(
    mut summary: RolloutSummary,
    journal: &Journal<'_>,
    rolled: RolledBack,
    reason: String,
) -> RolloutSummary {
    summary.rollback = rolled.steps;
    summary.notes.extend(rolled.notes);
    summary.to_finish = rolled.to_finish;
    let (outcome, reason) = match rolled.complete {
        true => (RolloutOutcome::RolledBack, format!("rolled back: {reason}")),
        false => (
            RolloutOutcome::RollbackIncomplete,
            format!(
                "the rollback could not finish ({}); a human must finish it: {reason}",
                rolled.why_incomplete
            ),
        ),
    };
    journal.finish(summary, outcome, reason)
}

fn blocked(mut summary: RolloutSummary, reason: String) -> RolloutSummary {
    summary.end(RolloutOutcome::Blocked, reason);
    summary
}
