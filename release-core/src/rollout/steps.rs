//! The rollout's steps: announce, deploy (on Railway or by command), command, gates; each
//! journalled as it starts and ends.

use std::time::Duration;

use jiff::Timestamp;

use crate::Outcome;
use crate::gate::{Evaluation, GateInfo, Verdict};
use crate::gates::GateKindSpec;
use crate::plan::{DeployPlatform, Readiness, RolloutStep};
use crate::rollback::Decision;
use crate::runbook;

use super::announce::{self, Announcement};
use super::execution::{DEFAULT_COMMAND_TIMEOUT, Execution, Placeholders, gate_run, phase_of};
use super::journal::{Deployed, Interrupted, Journal};
use super::platform::Railway;
use super::request::RolloutWatch;
use super::summary::{StepReport, StepStatus};

/// Clock difference between this machine and the platform allowed when an interrupted
/// deploy's deployment is looked for.
const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// What a step leaves the rollout to do.
#[derive(Debug)]
pub(crate) enum StepOutcome {
    /// Go on with the next step.
    GoOn,
    /// A gates step decided.
    Decided(Box<Decision>),
    /// The step failed: stop (and roll back what changed).
    Stop(String),
    /// The step failed before it changed anything (a deploy Railway certainly did not act
    /// on): stop; it is not a change to roll back.
    Refused(String),
}

/// What the steps so far left for later ones: what changed and where services were.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Whether anything outside this machine was changed.
    pub(crate) changed: bool,
    /// Whether this release ran database migrations.
    pub(crate) migrations: bool,
    /// The services deployed, in order, with where each was before.
    pub(crate) deployed: Vec<Deployed>,
    /// How many holds were extended.
    pub(crate) holds: u32,
}

impl Progress {
    /// Takes in what a step did; `changed` is false for a step refused before it acted.
    pub(crate) fn remember(&mut self, step: &RolloutStep, report: &StepReport, changed: bool) {
        let ran =
            changed && (report.status != StepStatus::Skipped || report.deployment_id.is_some());
        match step {
            RolloutStep::Deploy { service, .. } if ran => {
                self.changed = true;
                self.deployed.retain(|d| d.service != *service);
                self.deployed.push(Deployed {
                    service: service.clone(),
                    deployment: report.deployment_id.clone(),
                    replaces: report.replaces.clone(),
                });
            }
            RolloutStep::Command { migrations, .. } if ran => {
                self.changed = true;
                self.migrations |= *migrations && report.status != StepStatus::Skipped;
            }
            _ => {}
        }
    }
}

impl Execution<'_, '_> {
    /// Carries out one step, journalled, and tells `watch`.
    pub(crate) fn run_step(
        &self,
        step: &RolloutStep,
        journal: &Journal<'_>,
        watch: &dyn RolloutWatch,
        interrupted: Option<Interrupted>,
        progress: &mut Progress,
    ) -> (StepReport, StepOutcome) {
        let mut report = StepReport::new(step.id(), step.kind());
        report.started_at = Some(Timestamp::now());
        if let RolloutStep::Deploy { service, .. } = step {
            report.service = Some(service.clone());
        }
        watch.step_started(&report);
        let started = std::time::Instant::now();
        let outcome = match step {
            RolloutStep::Announce { required, .. } => {
                self.announce_start(&mut report, journal, *required)
            }
            RolloutStep::Deploy {
                service,
                command,
                timeout,
                ready,
                ..
            } => {
                let timeout = timeout.unwrap_or(self.plan().rollout.deploy.timeout).get();
                let by_command = !command.is_empty()
                    || self.plan().rollout.deploy.platform == DeployPlatform::Command;
                match by_command {
                    true => self.deploy_by_command(
                        &mut report,
                        journal,
                        service,
                        command,
                        timeout,
                        ready.as_ref(),
                    ),
                    false => self.deploy_on_railway(
                        &mut report,
                        journal,
                        watch,
                        service,
                        timeout,
                        interrupted,
                    ),
                }
            }
            RolloutStep::Command {
                command,
                migrations,
                timeout,
                ..
            } => {
                let _ = journal.step_started(&report);
                let timeout = timeout.map_or(DEFAULT_COMMAND_TIMEOUT, |t| t.get());
                match self.run_command(
                    step.id(),
                    command,
                    &Placeholders::of(self.release()),
                    timeout,
                ) {
                    Ok(evaluation) if evaluation.verdict == Verdict::Pass => {
                        report.status = StepStatus::Done;
                        report.summary = self.redact(&evaluation.summary);
                        if *migrations {
                            progress.migrations = true;
                            report
                                .summary
                                .push_str("; this release ran database migrations");
                        }
                        StepOutcome::GoOn
                    }
                    Ok(evaluation) => {
                        report.status = StepStatus::Failed;
                        report.summary = self.redact(&evaluation.summary);
                        StepOutcome::Stop(format!(
                            "step `{}` failed: {}",
                            step.id(),
                            report.summary
                        ))
                    }
                    Err(why) => {
                        report.status = StepStatus::Failed;
                        report.summary = why.clone();
                        StepOutcome::Stop(format!("step `{}` failed: {why}", step.id()))
                    }
                }
            }
            RolloutStep::Gates { phases, .. } => {
                let _ = journal.step_started(&report);
                self.run_gates(&mut report, phases, watch, progress)
            }
        };
        report.finished_at = Some(Timestamp::now());
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // A migration that failed may have applied part of its changes: it counts.
        let migrations = matches!(
            step,
            RolloutStep::Command {
                migrations: true,
                ..
            }
        ) && report.status != StepStatus::Skipped;
        // A step cut short by Ctrl-C or SIGTERM stays unfinished in the journal: `--resume`
        // takes it up (following the deployment it made) instead of rolling back.
        let interrupted =
            report.status == StepStatus::Failed && self.context().cancellation().is_cancelled();
        if !interrupted && let Err(e) = journal.step_ended(&report, migrations, None) {
            tracing::warn!(step = %report.id, error = %e, "the journal's step record could not be written");
        }
        watch.step_finished(&report);
        (report, outcome)
    }

    fn announce_start(
        &self,
        report: &mut StepReport,
        journal: &Journal<'_>,
        required: bool,
    ) -> StepOutcome {
        let _ = journal.step_started(report);
        let message = Announcement::start(self, journal.run_id());
        match announce::post(self, &message) {
            Ok(()) => {
                report.status = StepStatus::Done;
                report.summary = "announced the start".to_owned();
                StepOutcome::GoOn
            }
            Err(why) if required => {
                report.status = StepStatus::Failed;
                report.summary = why.clone();
                StepOutcome::Stop(format!("the required announcement failed: {why}"))
            }
            Err(why) => {
                report.status = StepStatus::Warned;
                report.summary = format!(
                    "{why} (the announcement is optional; `required = true` makes it block)"
                );
                StepOutcome::GoOn
            }
        }
    }

    fn deploy_on_railway(
        &self,
        report: &mut StepReport,
        journal: &Journal<'_>,
        watch: &dyn RolloutWatch,
        service: &str,
        timeout: Duration,
        interrupted: Option<Interrupted>,
    ) -> StepOutcome {
        let railway = match Railway::new(self.context(), self.plan().rollout.deploy.project.clone())
        {
            Ok(railway) => railway,
            Err(why) => {
                report.status = StepStatus::Failed;
                report.summary = why.clone();
                let _ = journal.step_started(report);
                return StepOutcome::Refused(format!("cannot deploy `{service}`: {why}"));
            }
        };
        let runtime = self.runtime;
        // Where the service is now is where a rollback returns it to.
        let replaces = match &interrupted {
            Some(before) => before.replaces.clone(),
            None => runtime.block_on(railway.live(service)).ok().flatten(),
        };
        report.replaces = replaces.clone();
        // The start is in the journal before the mutation, or there is no mutation: a run
        // killed after it must find the step interrupted, to ask Railway before deploying.
        if interrupted.is_none()
            && let Err(e) = journal.step_started(report)
        {
            report.status = StepStatus::Failed;
            report.summary =
                format!("the journal could not be written, so nothing was deployed: {e}");
            return StepOutcome::Refused(report.summary.clone());
        }
        let reconciled = match &interrupted {
            None => None,
            // The interrupted run recorded the deployment it made: follow that one.
            Some(Interrupted {
                deployment: Some(id),
                ..
            }) => Some(id.clone()),
            Some(before) => {
                let since = before
                    .started_at
                    .checked_sub(jiff::SignedDuration::try_from(CLOCK_SKEW).unwrap_or_default())
                    .unwrap_or(before.started_at);
                match runtime.block_on(railway.created_since(service, since, replaces.as_deref())) {
                    Ok(found) => found,
                    Err(failure) => {
                        report.status = StepStatus::Failed;
                        report.summary = format!(
                            "the interrupted deploy of `{service}` could not be checked, so it is not repeated: {}",
                            failure.message
                        );
                        return StepOutcome::Stop(report.summary.clone());
                    }
                }
            }
        };
        let deployment = match reconciled {
            Some(id) => {
                report.summary = format!(
                    "found deployment {id}, made by the interrupted run; not deploying again"
                );
                id
            }
            None => {
                let commit = self.release().commit.clone();
                match runtime.block_on(railway.deploy(service, commit.as_deref())) {
                    Ok(id) => id,
                    Err(failure) => {
                        report.status = StepStatus::Failed;
                        // The message says whether Railway may have acted, and so why it was
                        // not sent again.
                        report.summary = failure.message.clone();
                        let reason =
                            format!("the deploy of `{service}` failed: {}", report.summary);
                        if !failure.may_have_acted {
                            return StepOutcome::Refused(reason);
                        }
                        // Railway may have made a deployment all the same: find it and let it
                        // settle, so that it cannot go live after the rollback.
                        self.settle_unanswered(report, journal, &railway, service, timeout);
                        return StepOutcome::Stop(reason);
                    }
                }
            }
        };
        report.deployment_id = Some(deployment.clone());
        let _ = journal.step_progress(report);
        let poll = self.plan().rollout.deploy.poll.get();
        let step_id = report.id.clone();
        let seen = move |status: &str| watch.deployment_status(&step_id, status);
        let followed = runtime.block_on(railway.follow(&deployment, timeout, poll, &seen));
        report.statuses = followed.statuses;
        let through = report.statuses.join(" → ");
        match followed.result {
            Ok(()) => {
                report.status = StepStatus::Done;
                let found = std::mem::take(&mut report.summary);
                report.summary = format!("`{service}` deployment {deployment} is live ({through})");
                if !found.is_empty() {
                    report.summary = format!("{found}; {}", report.summary);
                }
                StepOutcome::GoOn
            }
            Err(why) => {
                report.status = StepStatus::Failed;
                report.summary = self.redact(&why);
                StepOutcome::Stop(format!(
                    "the deploy of `{service}` failed: {}",
                    report.summary
                ))
            }
        }
    }

    /// After a deploy mutation whose answer was lost: the deployment Railway made anyway,
    /// journalled and followed until it ends, its statuses reported.
    fn settle_unanswered(
        &self,
        report: &mut StepReport,
        journal: &Journal<'_>,
        railway: &Railway<'_>,
        service: &str,
        timeout: Duration,
    ) {
        let since = report
            .started_at
            .unwrap_or_else(Timestamp::now)
            .checked_sub(jiff::SignedDuration::try_from(CLOCK_SKEW).unwrap_or_default())
            .unwrap_or_else(|_| Timestamp::now());
        let found = self.runtime.block_on(railway.created_since(
            service,
            since,
            report.replaces.as_deref(),
        ));
        let Ok(Some(id)) = found else {
            return;
        };
        report.deployment_id = Some(id.clone());
        let _ = journal.step_progress(report);
        let poll = self.plan().rollout.deploy.poll.get();
        let followed = self
            .runtime
            .block_on(railway.follow(&id, timeout, poll, &|_| {}));
        let last = followed.statuses.last().cloned().unwrap_or_default();
        report.statuses = followed.statuses;
        report.summary.push_str(&format!(
            "; Railway made deployment {id} all the same (now {last})"
        ));
    }

    fn deploy_by_command(
        &self,
        report: &mut StepReport,
        journal: &Journal<'_>,
        service: &str,
        command: &[String],
        timeout: Duration,
        ready: Option<&Readiness>,
    ) -> StepOutcome {
        let _ = journal.step_started(report);
        let command = match command.is_empty() {
            true => &self.plan().rollout.deploy.command,
            false => command,
        };
        let started = std::time::Instant::now();
        let placeholders = Placeholders::of(self.release()).service(service);
        match self.run_command(&report.id, command, &placeholders, timeout) {
            Ok(evaluation) if evaluation.verdict == Verdict::Pass => {
                report.summary = format!("deployed `{service}` by command");
            }
            Ok(evaluation) => {
                report.status = StepStatus::Failed;
                report.summary = self.redact(&evaluation.summary);
                return StepOutcome::Stop(format!(
                    "the deploy of `{service}` failed: {}",
                    report.summary
                ));
            }
            Err(why) => {
                report.status = StepStatus::Failed;
                report.summary = why.clone();
                return StepOutcome::Stop(format!("the deploy of `{service}` failed: {why}"));
            }
        }
        if let Some(ready) = ready {
            let left = timeout.saturating_sub(started.elapsed());
            if let Err(why) = self.wait_ready(&report.id, ready, left) {
                report.status = StepStatus::Failed;
                report.summary = why.clone();
                return StepOutcome::Stop(format!("`{service}` did not become ready: {why}"));
            }
            report.summary.push_str("; ready");
        }
        report.status = StepStatus::Done;
        StepOutcome::GoOn
    }

    /// Polls the readiness URL until it passes as an `http` gate would (2xx), or `timeout`.
    fn wait_ready(&self, id: &str, ready: &Readiness, timeout: Duration) -> Result<(), String> {
        let spec = serde_json::from_value(serde_json::json!({ "url": ready.url }))
            .map_err(|e| format!("readiness check: {e}"))?;
        let info = GateInfo {
            timeout: Some(ready.interval.get().max(Duration::from_secs(5))),
            ..GateInfo::new(format!("{id}-ready"), "http")
        };
        let gate = GateKindSpec::Http(spec)
            .unit()
            .build(info)
            .map_err(|e| format!("readiness check: {}", e.message))?;
        let gates = [gate];
        let runner = self.prepared.runner();
        let deadline = std::time::Instant::now() + timeout;
        let cancel = self.context().cancellation().clone();
        loop {
            let report = self.runtime.block_on(runner.run(&gates, self.context()));
            let last = report
                .results
                .first()
                .map(|r| r.evaluation.clone())
                .unwrap_or_else(|| Evaluation::error("no result"));
            if last.verdict == Verdict::Pass {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline || cancel.is_cancelled() {
                return Err(self.redact(&format!(
                    "{} after {}",
                    last.summary,
                    crate::duration::format_duration(timeout)
                )));
            }
            let wait = ready.interval.get();
            let stopped = self.runtime.block_on(async {
                tokio::select! {
                    () = cancel.cancelled() => true,
                    () = tokio::time::sleep(wait) => false,
                }
            });
            if stopped {
                return Err("interrupted".to_owned());
            }
        }
    }

    fn run_gates(
        &self,
        report: &mut StepReport,
        phases: &[String],
        watch: &dyn RolloutWatch,
        progress: &Progress,
    ) -> StepOutcome {
        let Some(phase) = phase_of(phases) else {
            report.status = StepStatus::Failed;
            report.summary = format!("no runbook command runs phases {}", phases.join(", "));
            return StepOutcome::Stop(report.summary.clone());
        };
        let (summary, path) = match self.run_phase(phase, watch, progress.migrations) {
            Ok(ran) => ran,
            Err(why) => {
                report.status = StepStatus::Failed;
                report.summary = why.clone();
                return StepOutcome::Stop(format!(
                    "step `{}` could not run its gates: {why}",
                    report.id
                ));
            }
        };
        report.gate_summaries.extend(path.clone());
        report.gate_runs.push(gate_run(&summary));
        if phase.writes_summary
            && let Ok((_, health_path, json)) = runbook::health_report(self.plan(), &summary)
            && let Err(e) = crate::atomic::write(&health_path, json.as_bytes())
        {
            tracing::warn!(error = %e, "the health report could not be written");
        }
        report.summary = format!("{}: {}", phase.label, summary.outcome);
        report.status = match summary.outcome {
            Outcome::Passed => StepStatus::Done,
            Outcome::PassedWithWarnings => StepStatus::Warned,
            _ => StepStatus::Failed,
        };
        if !phase.writes_summary {
            return match summary.outcome {
                Outcome::Passed | Outcome::PassedWithWarnings => StepOutcome::GoOn,
                _ => StepOutcome::Stop(format!(
                    "{} blocked by {}",
                    phase.label,
                    gate_run(&summary).deciding.join(", ")
                )),
            };
        }
        let decided = self
            .request
            .run
            .store()
            .map_err(Into::into)
            .and_then(|store| {
                runbook::decide(self.plan(), &summary, store.as_ref()).map(|d| (d, store))
            });
        match decided {
            Ok((decision, store)) => {
                let (_, failed) = runbook::record_decision(store.as_ref(), &decision, path);
                if let Some(e) = failed {
                    tracing::warn!(error = %e, "the decision could not be recorded");
                }
                report.summary = format!("{}; decision: {}", report.summary, decision.decision);
                report.decision = Some(decision.decision);
                if summary.outcome == Outcome::Blocked
                    && decision.decision != crate::rollback::DecisionKind::Rollback
                {
                    // A blocked launch gate is never a pass, whatever the triggers say.
                    return StepOutcome::Stop(format!(
                        "{} blocked by {}",
                        phase.label,
                        gate_run(&summary).deciding.join(", ")
                    ));
                }
                StepOutcome::Decided(Box::new(decision))
            }
            Err(e) => {
                report.status = StepStatus::Failed;
                report.summary = self.redact(&e.to_string());
                StepOutcome::Stop(format!("no decision could be made: {}", report.summary))
            }
        }
    }
}
