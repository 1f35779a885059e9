//! A run checked and ready: environment chosen, context built, baselines read.

use std::collections::BTreeMap;

use tokio::runtime::Runtime;

use std::sync::Arc;

use super::error::RunError;
use super::live_triggers::LiveTriggers;
use super::release_info::release_info;
use super::request::{BaselineSource, RunRequest};
use crate::base_url::{BASE_URL_RULE, check_base_url};
use crate::log::{BaselineSearch, LOOK_BACK_BYTES, ReadBack, baselines_from_summary};
use crate::names::escaped;
use crate::plan::KNOWN_PHASES;
use crate::summary::{ReleaseInfo, RunMeta, new_run_id};
use crate::vars::Vars;
use crate::{Baseline, Context, DynGate, Plan, Policy, RunReport, RunStop, Runner, Summary};

/// Told when a group of gates starts and ends, to show progress; `()` watches nothing.
pub trait Watch {
    /// A group of `gates` gates called `label` is about to run with `runner`; returns the
    /// runner to use (e.g. with an observer added).
    fn start(&self, label: &str, gates: usize, runner: Runner) -> Runner {
        let _ = (label, gates);
        runner
    }

    /// The group ended.
    fn end(&self) {}

    /// The run was prepared: its redactor and notes are known, no gate has started.
    fn prepared(&self, run: &PreparedRun<'_>) {
        let _ = run;
    }
}

impl Watch for () {}

/// A run whose plan, environment and variables were checked, ready to build and run gates.
#[derive(Debug)]
pub struct PreparedRun<'p> {
    request: RunRequest<'p>,
    environment: String,
    strict: bool,
    release: ReleaseInfo,
    notes: Vec<String>,
    cx: Context,
}

impl<'p> RunRequest<'p> {
    /// Checks the request for these phases and builds the context their gates share: the
    /// phases are ones the runbook or the plan names, the environment is the plan's, base URLs
    /// (also `RAILWAY_API_URL` from the variables) are base URLs, release metadata
    /// (`RELEASE_VERSION`, `RELEASE_COMMIT` or `GITHUB_SHA`, `RELEASE_MIGRATIONS`) reads, the
    /// release log is usable, and baselines are read: from `--baseline`'s summary, else from
    /// the end of the log, only the keys these gates read.
    pub fn prepare(&self, phases: &[&str]) -> Result<PreparedRun<'p>, RunError> {
        let plan = self.plan;
        check_phases(plan, phases)?;
        self.check_selection()?;
        let selected = plan.select_environment(self.environment.as_deref())?;
        // A log file that cannot be used is refused before any gate runs. A database is not
        // asked here: one that cannot be reached must not stop the gates (the run reads no
        // baselines from it and fails when its record cannot be written).
        if !self.store_location()?.is_database() {
            self.store()?.check()?;
        }
        check_overrides(self)?;
        let strict = self.strict || selected.strict;
        let redactor = self.redactor();
        let mut builder = selected
            .context(plan, &self.overrides)
            .strict(strict)
            .vars(self.vars.clone())
            .redactor(redactor)
            .use_running_services(self.skip_deps)
            .cancellation(self.cancel.clone());
        if let Some(sink) = self.progress.clone() {
            builder = builder.progress(move |gate: &str, message: &str| sink(gate, message));
        }
        if let Some(url) = railway_api_url(&self.vars)? {
            builder = builder.url("railway_api_url", url);
        }
        let mut notes = Vec::new();
        for (key, baseline) in self.baselines(&selected.name, phases, &mut notes)? {
            builder = builder.baseline(key, baseline);
        }
        Ok(PreparedRun {
            request: self.clone(),
            release: release_info(&self.vars)?,
            environment: selected.name.clone(),
            strict,
            notes,
            cx: builder.build(),
        })
    }

    /// `only`/`skip` names that match no gate id, kind or phase: a typo must not pass with
    /// nothing checked.
    fn check_selection(&self) -> Result<(), RunError> {
        let unknown = self.filter.unknown_names(self.plan);
        if unknown.is_empty() {
            return Ok(());
        }
        // Shown escaped, as any text from input: `--only $'\e[31m'` must not colour the
        // terminal.
        Err(RunError::UnknownSelection {
            plan: escaped(&self.plan.path.display().to_string()).to_string(),
            names: unknown
                .into_iter()
                .map(|n| escaped(n).to_string())
                .collect(),
        })
    }

    fn baselines(
        &self,
        environment: &str,
        phases: &[&str],
        notes: &mut Vec<String>,
    ) -> Result<BTreeMap<String, Baseline>, RunError> {
        if let BaselineSource::Summary(path) = &self.baseline {
            let summary = Summary::read_file(path).map_err(RunError::Baseline)?;
            return Ok(baselines_from_summary(&summary, path));
        }
        let location = self.store_location()?;
        let store = self.store()?;
        let search = BaselineSearch::new(environment).wanted(self.plan.baseline_keys(
            phases,
            environment,
            &self.filter,
        ));
        let found = match search.read(store.as_ref(), LOOK_BACK_BYTES) {
            Ok(found) => found,
            // The gates still run against a database that cannot be reached, without
            // baselines (rules over one judge what they can); the record fails at the end.
            Err(e) if location.is_database() => {
                tracing::warn!(error = %e, "baselines not read; the run goes on without them");
                return Ok(BTreeMap::new());
            }
            Err(e) => return Err(e.into()),
        };
        for problem in &found.problems {
            tracing::warn!(line = %problem.position(), reason = %escaped(&problem.reason), "release log line skipped while reading baselines");
        }
        if let ReadBack::LimitReached { bytes } = found.read
            && !found.missing.is_empty()
        {
            notes.push(format!(
                "release log {}: read back {} from its end (the limit) without finding a baseline for {}; older records were not read",
                escaped(&location.to_string()),
                crate::log::format_size(bytes),
                found.missing.join(", ")
            ));
        }
        Ok(found.values)
    }
}

/// Every phase is one the plan grammar knows: a misspelt phase must not pass with nothing
/// checked.
fn check_phases(plan: &Plan, phases: &[&str]) -> Result<(), RunError> {
    match phases.iter().find(|phase| !KNOWN_PHASES.contains(phase)) {
        None => Ok(()),
        Some(phase) => Err(RunError::UnknownPhase {
            plan: escaped(&plan.path.display().to_string()).to_string(),
            phase: escaped(phase).to_string(),
            known: KNOWN_PHASES.join(", "),
        }),
    }
}

/// Base URLs given to replace the plan's must be base URLs. The value is never shown: it
/// may hold credentials.
fn check_overrides(request: &RunRequest<'_>) -> Result<(), RunError> {
    let problems: Vec<String> = request
        .overrides
        .problems()
        .into_iter()
        .map(|(name, problem)| format!("{name} {problem}; a base URL is {BASE_URL_RULE}"))
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(RunError::BaseUrls(problems)),
    }
}

/// `RAILWAY_API_URL` (from the process or the env file) points the platform gate elsewhere;
/// it is held to the base URL rule.
fn railway_api_url(vars: &Vars) -> Result<Option<String>, RunError> {
    let Some(value) = vars.get("RAILWAY_API_URL") else {
        return Ok(None);
    };
    let url = value.expose().trim();
    if url.is_empty() {
        return Ok(None);
    }
    match check_base_url(url) {
        Ok(()) => Ok(Some(url.to_owned())),
        Err(problem) => Err(RunError::RailwayApiUrl {
            from: escaped(&value.source().to_string()).to_string(),
            problem: problem.to_string(),
        }),
    }
}

impl<'p> PreparedRun<'p> {
    /// The environment the run targets.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Whether warnings and inconclusive results block.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// How verdicts become the outcome.
    pub fn policy(&self) -> Policy {
        Policy::new(self.strict)
    }

    /// The context every gate of the run shares.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// What the pipeline says is being released.
    pub fn release(&self) -> &ReleaseInfo {
        &self.release
    }

    /// The request this run was prepared from.
    pub fn request(&self) -> &RunRequest<'p> {
        &self.request
    }

    /// Things worth telling the operator that do not stop the run (a baseline search that
    /// reached its limit).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The runner with the plan's limits: overall concurrency, command gates at a time, two
    /// threads for a run whose gates all start at once, fail-fast under the run's policy
    /// unless the request turned it off, and the request's shared stop if it has one.
    pub fn runner(&self) -> Runner {
        let mut runner = Runner::new()
            .concurrency(self.request.plan.release.concurrency)
            .kind_concurrency("command", self.request.plan.release.command_concurrency)
            .threads(2);
        if self.request.fail_fast {
            runner = runner.fail_fast(self.policy());
        }
        if let Some(stop) = &self.request.stop {
            runner = runner.stop(stop.clone());
        }
        runner
    }

    /// The gates of these phases that the request's filter selects (the rest reported
    /// skipped); a run that would check nothing is an error, not a pass.
    pub fn gates(&self, phases: &[&str]) -> Result<Vec<Box<dyn DynGate>>, RunError> {
        let plan = self.request.plan;
        let environment = self.environment.as_str();
        let filter = &self.request.filter;
        let gates = plan.build_selected_gates(phases, environment, filter)?;
        let selected = plan
            .gates_for(phases, environment)
            .filter(|g| filter.excludes(g).is_none())
            .count();
        if selected == 0 && !gates.is_empty() {
            return Err(RunError::NothingSelected {
                phases: phases.join(", "),
            });
        }
        if gates.is_empty() {
            return Err(self.no_gates(phases, "nothing to check is not a pass"));
        }
        Ok(gates)
    }

    /// The gates of these phases, each reported skipped for `reason` without running.
    pub fn left_out(&self, phases: &[&str], reason: &str) -> Vec<Box<dyn DynGate>> {
        self.request
            .plan
            .left_out_gates(phases, &self.environment, reason)
    }

    pub(crate) fn no_gates(&self, phases: &[&str], why: &'static str) -> RunError {
        RunError::NoGates {
            plan: self.request.plan.path.display().to_string(),
            phases: phases.join(", "),
            environment: self.environment.clone(),
            why,
        }
    }

    /// An error when the run was cancelled before its gates started: a run that checked
    /// nothing has nothing to record.
    pub fn check_not_cancelled(&self) -> Result<(), RunError> {
        match self.cx.cancellation().is_cancelled() {
            true => Err(RunError::Interrupted),
            false => Ok(()),
        }
    }

    /// Runs gates on `runtime` (and a second thread when the runner splits them), telling
    /// `watch` as they go. Under fail-fast, when the plan declares rollback triggers for the
    /// environment, they are judged after every sample of the run's windows too: one that
    /// fires stops the run ("stopped: rollback trigger … fired at sample 3 of …"), and the
    /// window keeps the samples that fired it, so the decision over the summary is rollback.
    pub fn run(
        &self,
        runtime: &Runtime,
        label: &str,
        gates: &[Box<dyn DynGate>],
        watch: &dyn Watch,
    ) -> RunReport {
        let stop = self
            .request
            .stop
            .clone()
            .unwrap_or_else(|| RunStop::new(self.cx.cancellation()));
        let live = self.live_triggers(label, &stop);
        let cx = match &live {
            Some(live) => {
                let live = live.clone();
                self.cx.with_on_sample(move |so_far| live.sampled(so_far))
            }
            None => self.cx.clone(),
        };
        let runner = watch.start(label, gates.len(), self.runner().stop(stop));
        let mut report = runner.run_blocking(runtime, gates, &cx);
        if let Some(live) = live {
            live.keep_deciding_window(&mut report);
        }
        watch.end();
        report
    }

    /// The judge of the plan's rollback triggers per sample, when fail-fast is on and the
    /// plan declares triggers for the environment.
    fn live_triggers(&self, label: &str, stop: &RunStop) -> Option<Arc<LiveTriggers>> {
        if !self.request.fail_fast {
            return None;
        }
        let config = self
            .request
            .plan
            .rollback_config(&self.environment)
            .ok()
            .filter(|config| !config.triggers.is_empty())?;
        let meta = RunMeta {
            run_id: String::new(),
            phase: label.to_owned(),
            environment: self.environment.clone(),
            policy: self.policy(),
        };
        Some(LiveTriggers::new(
            config,
            meta,
            self.cx.clone(),
            stop.clone(),
        ))
    }

    /// The redacted summary of a run of this request, labelled (`launch-gate`, `smoke`).
    pub fn summarize(&self, label: &str, report: &RunReport) -> Summary {
        let meta = RunMeta {
            run_id: new_run_id(report.started_at),
            phase: label.to_owned(),
            environment: self.environment.clone(),
            policy: self.policy(),
        };
        let mut summary = Summary::new(&meta, report);
        summary.release = self.release.clone();
        if let Some(tool) = &self.request.tool {
            summary.tool = tool.clone();
        }
        summary.redact(self.cx.redactor());
        summary
    }
}
