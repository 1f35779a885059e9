//! One rollout's running state and its steps: announce, deploy, command, gates.

use std::time::Duration;

use tokio::runtime::Runtime;

use crate::Vars;
use crate::gate::{Context, Evaluation, GateInfo};
use crate::gates::GateKindSpec;
use crate::plan::{Plan, RolloutStep};
use crate::run::{PreparedRun, RunRequest, Watch};
use crate::runbook::{self, Phase};
use crate::summary::ReleaseInfo;

use super::error::RolloutError;
use super::request::RolloutRequest;
use super::summary::{GateRun, RolloutKind, RolloutSummary};

/// How long a deploy or rollback command may run when the plan does not say.
pub(crate) const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// A rollout or rollback being carried out: the prepared run (environment, variables,
/// context, redactor), the request and the runtime.
pub(crate) struct Execution<'r, 'p> {
    pub(crate) request: &'r RolloutRequest<'p>,
    pub(crate) prepared: PreparedRun<'p>,
    pub(crate) runtime: &'r Runtime,
    pub(crate) kind: RolloutKind,
}

impl<'r, 'p> Execution<'r, 'p> {
    /// Checks the request's plan, environment and variables (no phase is run yet).
    pub(crate) fn prepare(
        request: &'r RolloutRequest<'p>,
        runtime: &'r Runtime,
        kind: RolloutKind,
    ) -> Result<Self, RolloutError> {
        for step in &request.run.plan().rollout.steps {
            if let RolloutStep::Gates { id, phases } = step {
                phase_of(phases).ok_or_else(|| RolloutError::GatesStep {
                    step: id.clone(),
                    phases: phases.join(", "),
                })?;
            }
        }
        let prepared = request.run.prepare(&[])?;
        Ok(Self {
            request,
            prepared,
            runtime,
            kind,
        })
    }

    pub(crate) fn plan(&self) -> &'p Plan {
        self.request.run.plan()
    }

    pub(crate) fn context(&self) -> &Context {
        self.prepared.context()
    }

    pub(crate) fn environment(&self) -> &str {
        self.prepared.environment()
    }

    pub(crate) fn release(&self) -> &ReleaseInfo {
        self.prepared.release()
    }

    pub(crate) fn plan_name(&self) -> String {
        let name = &self.plan().release.name;
        match name.is_empty() {
            true => "release".to_owned(),
            false => name.clone(),
        }
    }

    pub(crate) fn redact(&self, text: &str) -> String {
        self.context().redactor().redact(text).into_owned()
    }

    pub(crate) fn actor(&self) -> String {
        if let Some(actor) = &self.request.actor {
            return actor.clone();
        }
        // The run's variables (an env file) first, then the process's, as `release freeze`.
        let vars = self.context().vars();
        crate::log::actor(|name| {
            vars.get(name)
                .map(|v| v.expose().to_owned())
                .or_else(|| std::env::var(name).ok())
        })
    }

    /// A new summary of this execution.
    pub(crate) fn summary(&self, run_id: String, resumed: bool) -> RolloutSummary {
        RolloutSummary::new(
            self.kind,
            &self.plan_name(),
            self.environment(),
            self.release().clone(),
            self.request.run.tool.clone(),
            run_id,
            resumed,
        )
    }

    /// The `release` command line that finishes what a human must: `what` (e.g. `rollback
    /// execute`) with the plan, environment and extra flags.
    pub(crate) fn finish_command(&self, what: &str, extra: Option<&str>) -> String {
        let plan = self.plan().path.display().to_string();
        let mut line = format!(
            "release --plan {} --env {} {what}",
            shell_word(&plan),
            shell_word(self.environment())
        );
        if let Some(extra) = extra {
            line.push(' ');
            line.push_str(extra);
        }
        line
    }

    /// Runs a command as a `command` gate runs it (own process group, timeout, stopped as a
    /// whole on Ctrl-C, output redacted); its evaluation, or why it could not start.
    pub(crate) fn run_command(
        &self,
        id: &str,
        command: &[String],
        placeholders: &Placeholders,
        timeout: Duration,
    ) -> Result<Evaluation, String> {
        let argv = placeholders.apply(command)?;
        let spec = serde_json::from_value(serde_json::json!({ "command": argv }))
            .map_err(|e| format!("the command cannot be run: {e}"))?;
        let info = GateInfo {
            timeout: Some(timeout),
            ..GateInfo::new(id, "command")
        };
        let gate = GateKindSpec::Command(spec)
            .unit()
            .build(info)
            .map_err(|e| format!("the command cannot be run: {}", e.message))?;
        let runner = self.prepared.runner();
        let report = self.runtime.block_on(runner.run(&[gate], self.context()));
        Ok(report.results.into_iter().next().map_or_else(
            || Evaluation::error("the command did not run"),
            |r| r.evaluation,
        ))
    }

    /// The gate run's request for a step: the rollout's, with what the release is and
    /// whether it ran migrations.
    pub(crate) fn gate_request(&self, migrations: bool) -> RunRequest<'p> {
        let mut request = self.request.run.clone();
        let release = self.release();
        let mut extra: Vec<(&str, String)> = Vec::new();
        if let Some(version) = &release.version {
            extra.push(("RELEASE_VERSION", version.clone()));
        }
        if let Some(commit) = &release.commit {
            extra.push(("RELEASE_COMMIT", commit.clone()));
        }
        if migrations {
            extra.push(("RELEASE_MIGRATIONS", "true".to_owned()));
        }
        request.vars.overlay(Vars::from_pairs(extra));
        request
    }

    /// Runs a phase as its `release` command does, recorded the same way; the summary and
    /// the file it went to.
    pub(crate) fn run_phase(
        &self,
        phase: Phase,
        watch: &dyn Watch,
        migrations: bool,
    ) -> Result<(crate::Summary, Option<String>), String> {
        let request = self.gate_request(migrations);
        let summary = runbook::run_phase(&request, phase, self.runtime, watch)
            .map_err(|e| self.redact(&e.to_string()))?;
        let recorded = runbook::record_phase(&request, phase, &summary, &[], None, None);
        for failure in &recorded.failures {
            tracing::warn!(error = %failure, "a gate run's record could not be written");
        }
        let path = phase.writes_summary.then(|| {
            phase
                .summary_path(self.plan(), &summary.environment)
                .display()
                .to_string()
        });
        Ok((summary, path))
    }
}

/// The runbook command that runs exactly these phases.
pub(crate) fn phase_of(phases: &[String]) -> Option<Phase> {
    [
        runbook::PREFLIGHT,
        runbook::PREFLIGHT_ENV,
        runbook::PREFLIGHT_PLATFORM,
        runbook::PREFLIGHT_QA,
        runbook::SMOKE,
        runbook::LAUNCH_GATE,
    ]
    .into_iter()
    .find(|p| {
        p.phases
            .iter()
            .copied()
            .eq(phases.iter().map(String::as_str))
    })
}

pub(crate) fn gate_run(summary: &crate::Summary) -> GateRun {
    GateRun {
        run_id: summary.run_id.clone(),
        phase: summary.phase.clone(),
        outcome: summary.outcome,
        deciding: summary
            .gates
            .iter()
            .filter(|g| g.blocking)
            .map(|g| g.id.clone())
            .collect(),
    }
}

/// `{service}`, `{commit}`, `{version}` and `{deployment}` in a command's arguments.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placeholders {
    values: Vec<(&'static str, Option<String>)>,
}

impl Placeholders {
    pub(crate) fn of(release: &ReleaseInfo) -> Self {
        Self {
            values: vec![
                ("version", release.version.clone()),
                ("commit", release.commit.clone()),
            ],
        }
    }

    pub(crate) fn service(mut self, service: &str) -> Self {
        self.values.push(("service", Some(service.to_owned())));
        self
    }

    pub(crate) fn deployment(mut self, deployment: Option<&str>) -> Self {
        self.values
            .push(("deployment", deployment.map(str::to_owned)));
        self
    }

    /// The arguments with every known placeholder replaced; one whose value is not known
    /// is an error naming where it would come from.
    pub(crate) fn apply(&self, command: &[String]) -> Result<Vec<String>, String> {
        command
            .iter()
            .map(|argument| {
                let mut out = argument.clone();
                for (name, value) in &self.values {
                    let written = format!("{{{name}}}");
                    if !out.contains(&written) {
                        continue;
                    }
                    let Some(value) = value else {
                        let from = match *name {
                            "commit" => "--commit, RELEASE_COMMIT or GITHUB_SHA",
                            "version" => "--version or RELEASE_VERSION",
                            _ => "the rollout",
                        };
                        return Err(format!("the command uses {written}, but no {name} is known (give it with {from})"));
                    };
                    out = out.replace(&written, value);
                }
                Ok(out)
            })
            .collect()
    }
}

/// A word as a POSIX shell reads it back.
pub(crate) fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+".contains(c));
    match plain {
        true => word.to_owned(),
        false => format!("'{}'", word.replace('\'', r"'\''")),
    }
}
