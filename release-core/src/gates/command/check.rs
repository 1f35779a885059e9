use std::time::Duration;

use tokio::time::Instant;

use super::process::{self, Ending, Finished, Invocation, Limits, Live};
use super::services::{self, RunningService, StoppedService};
use super::spec::CommandGateSpec;
use crate::duration::format_duration;
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation};

/// A command gate's timeout when the plan sets none: builds and test suites take minutes.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The default time between `SIGTERM` and `SIGKILL`.
const DEFAULT_GRACE: Duration = Duration::from_secs(5);
/// The longest grace a plan may ask for.
const MAX_GRACE: Duration = Duration::from_secs(300);
/// The most output lines a plan may keep per stream.
const MAX_OUTPUT_LINES: usize = 1000;

/// Runs a program (no shell unless the plan asks for one) with a timeout, in a process group
/// of its own that is stopped as a whole on timeout or Ctrl-C, and maps its exit status to a
/// verdict. The last lines of its output, redacted, are the evidence.
///
/// ```
/// use release_core::gates::command::{CommandGate, CommandGateSpec};
/// use release_core::{Context, Gate, GateInfo, Verdict};
///
/// let spec: CommandGateSpec = toml::from_str(r#"
///     command = ["sh", "-c", "echo checked 42 files"]
/// "#).unwrap();
/// let gate = CommandGate::new(GateInfo::new("lint", "command"), spec).unwrap();
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let evaluation = gate.evaluate(&Context::builder("staging").build()).await;
/// assert_eq!(evaluation.verdict, Verdict::Pass);
/// assert!(evaluation.evidence.iter().any(|e| e.detail.contains("checked 42 files")));
/// # });
/// ```
#[derive(Debug)]
pub struct CommandGate {
    info: GateInfo,
    spec: CommandGateSpec,
    argv: Vec<String>,
    grace: Duration,
}

/// What a process cannot be given: a NUL in an argument, a variable or the working
/// directory, or a variable name that is not one ([`crate::names::check_variable_name`]). Refused when the plan loads
/// instead of when the command would start.
fn check_process_text(spec: &CommandGateSpec) -> Result<(), String> {
    let nul = |what: &str| format!("{what} holds a NUL character, which no process can be given");
    if spec.command.iter().any(|a| a.contains('\0')) {
        return Err(nul("`command`"));
    }
    if spec.shell.as_ref().is_some_and(|s| s.contains('\0')) {
        return Err(nul("`shell`"));
    }
    if spec
        .cwd
        .as_ref()
        .is_some_and(|d| d.as_os_str().as_encoded_bytes().contains(&0))
    {
        return Err(nul("`cwd`"));
    }
    let services = spec.services.iter().flat_map(|s| &s.env);
    for (name, value) in spec.env.iter().chain(services) {
        // A name the process could not be given, or that no program could look up.
        if let Err(problem) = crate::names::check_variable_name(name) {
            return Err(format!(
                "`env`: `{}` is not a variable name: it {problem}; variable names are {}",
                crate::names::escaped(name),
                crate::names::VARIABLE_RULE
            ));
        }
        if value.contains('\0') {
            return Err(nul(&format!("`env`: the value of `{name}`")));
        }
    }
    let service_args = spec
        .services
        .iter()
        .flat_map(|s| s.start.iter().chain(&s.stop).chain(&s.ready.command));
    if service_args.clone().any(|a| a.contains('\0')) {
        return Err(nul("a service's command"));
    }
    Ok(())
}

impl CommandGate {
    /// A gate from its spec; fails when the command is missing or ambiguous, or a setting is
    /// out of range.
    pub fn new(info: GateInfo, spec: CommandGateSpec) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(mut info: GateInfo, spec: CommandGateSpec) -> Result<Self, String> {
        let argv = match (&spec.shell, spec.command.is_empty()) {
            (Some(_), false) => return Err("set `command` or `shell`, not both".to_owned()),
            (None, true) => {
                return Err(
                    "no program to run: set `command = [\"program\", \"arg\", …]` or `shell = \"…\"`"
                        .to_owned(),
                );
            }
            (Some(line), true) => vec!["sh".to_owned(), "-c".to_owned(), line.clone()],
            (None, false) => spec.command.clone(),
        };
        if argv.first().is_some_and(|p| p.trim().is_empty()) {
            return Err("the program's name is empty".to_owned());
        }
        check_process_text(&spec)?;
        if spec.output_lines > MAX_OUTPUT_LINES {
            return Err(format!(
                "`output_lines` is {}; at most {MAX_OUTPUT_LINES}",
                spec.output_lines
            ));
        }
        let grace = spec.grace.map_or(DEFAULT_GRACE, |g| g.get());
        if grace.is_zero() || grace > MAX_GRACE {
            return Err(format!(
                "`grace` must be longer than zero and at most {}",
                format_duration(MAX_GRACE)
            ));
        }
        let codes = &spec.exit_codes;
        if let Some(code) = codes.warn.iter().chain(&codes.skip).find(|c| **c == 0) {
            return Err(format!(
                "exit code {code} always passes; it cannot mean warn or skip"
            ));
        }
        if let Some(code) = codes.warn.iter().find(|c| codes.skip.contains(c)) {
            return Err(format!("exit code {code} is listed as both warn and skip"));
        }
        let mut names = std::collections::BTreeSet::new();
        for service in &spec.services {
            let name = &service.name;
            // It names the service's temporary directory, and reports.
            if let Err(problem) = crate::names::check_name(name) {
                return Err(format!(
                    "service name `{name}` {problem}; names are {}",
                    crate::names::NAME_RULE
                ));
            }
            if !names.insert(name.as_str()) {
                return Err(format!("service `{name}` is declared twice"));
            }
            if service.start.first().is_none_or(|p| p.trim().is_empty()) {
                return Err(format!("service `{name}`: `start` needs a program"));
            }
            let probes =
                usize::from(service.ready.tcp) + usize::from(!service.ready.command.is_empty());
            if probes != 1 {
                return Err(format!(
                    "service `{name}`: `ready` takes `tcp = true` or a `command`, one of them"
                ));
            }
            if service.ready_timeout.is_some_and(|t| t.get().is_zero()) {
                return Err(format!(
                    "service `{name}`: `ready_timeout` must be longer than zero"
                ));
            }
            for text in service
                .start
                .iter()
                .chain(&service.stop)
                .chain(&service.ready.command)
                .chain(service.env.values())
            {
                services::check_template(text).map_err(|e| format!("service `{name}`: {e}"))?;
            }
        }
        info.timeout.get_or_insert(DEFAULT_COMMAND_TIMEOUT);
        // After its timeout or a cancellation the gate stops its command's group (the grace,
        // a wait after SIGKILL, the leader's exit, the rest of its output), then each service.
        let command = grace + process::KILL_WAIT + Duration::from_secs(1) + process::DRAIN;
        let services = u32::try_from(spec.services.len()).unwrap_or(u32::MAX);
        let stop_services = services::stop_budget(grace).saturating_mul(services);
        info.stop_grace = Some(command + stop_services + Duration::from_secs(1));
        Ok(Self {
            info,
            spec,
            argv,
            grace,
        })
    }

    fn environment(&self, cx: &Context, services: &[RunningService]) -> Vec<(String, String)> {
        let mut env: std::collections::BTreeMap<String, String> = cx
            .vars()
            .iter()
            .map(|(name, value)| (name.to_owned(), value.expose().to_owned()))
            .collect();
        env.extend(self.spec.env.clone());
        for service in services {
            env.extend(service.env());
        }
        env.into_iter().collect()
    }

    fn shown_command(&self, cx: &Context) -> String {
        let words: Vec<String> = self.argv.iter().map(|a| shell_word(a)).collect();
        process::shown(&words.join(" "), cx.redactor())
    }
}

/// A word as a shell would need it, so the evidence can be pasted into a terminal.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl Gate for CommandGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let started = Instant::now();
        let timeout = self.info.timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT);
        // A library caller may pass any timeout; past the end of time is "no deadline".
        let deadline = started.checked_add(timeout).unwrap_or_else(far_future);
        let cancel = cx.cancellation();
        let mut evidence = vec![Evidence::new("command", self.shown_command(cx))];
        if let Some(cwd) = &self.spec.cwd {
            evidence.push(Evidence::new(
                "working directory",
                cwd.display().to_string(),
            ));
        }

        let base_env = self.environment(cx, &[]);
        let mut running = Vec::new();
        if !self.spec.services.is_empty() && cx.uses_running_services() {
            let names: Vec<&str> = self.spec.services.iter().map(|s| s.name.as_str()).collect();
            evidence.push(Evidence::new(
                "services",
                format!(
                    "not started (--skip-deps): {} must already be running",
                    names.join(", ")
                ),
            ));
        } else {
            for spec in &self.spec.services {
                match services::start(spec, &base_env, deadline, cancel, self.grace, cx.redactor())
                    .await
                {
                    Ok(service) => running.push(service),
                    Err(failure) => {
                        let stopped = stop_all(running, &base_env, self.grace, cx).await;
                        evidence.extend(
                            stopped
                                .iter()
                                .map(|s| Evidence::new("service", s.line.clone())),
                        );
                        evidence.extend(
                            failure
                                .output
                                .into_iter()
                                .map(|(name, detail)| Evidence::new(name, detail)),
                        );
                        let verdict_text = failure.summary.clone();
                        let evaluation = if cancel.is_cancelled() {
                            Evaluation::error(format!("cancelled: {verdict_text}"))
                        } else {
                            Evaluation::error(verdict_text.clone())
                        };
                        return evaluation
                            .observation(Observation::new(
                                "service",
                                verdict_text,
                                format!("`{}` ready", spec.name),
                                "service-ready",
                            ))
                            .evidence(evidence);
                    }
                }
            }
        }

        let env = self.environment(cx, &running);
        let invocation = Invocation {
            argv: &self.argv,
            cwd: self.spec.cwd.as_deref(),
            env: &env,
            capture: true,
        };
        let limits = Limits {
            deadline,
            grace: self.grace,
            keep_lines: self.spec.output_lines,
        };
        let live = Live {
            gate: &self.info.id,
            redactor: cx.redactor(),
        };
        let outcome = process::run(&invocation, limits, cancel, live).await;
        let stopped = stop_all(running, &base_env, self.grace, cx).await;
        evidence.extend(
            stopped
                .iter()
                .map(|s| Evidence::new("service", s.line.clone())),
        );
        let passed =
            matches!(&outcome, Ok(f) if matches!(f.ending, Ending::Exited(s) if s.success()));
        if !passed {
            // A failing suite's "connection refused" is explained by the service's own words.
            for (name, output) in stopped.into_iter().flat_map(|s| s.output) {
                evidence.push(Evidence::new(name, output));
            }
        }

        let finished = match outcome {
            Ok(finished) => finished,
            Err(cannot_start) => {
                let message = process::shown(&cannot_start, cx.redactor());
                return Evaluation::error(message.clone())
                    .observation(Observation::new("process", message, "it starts", "start"))
                    .evidence(evidence);
            }
        };
        self.conclude(cx, finished, timeout, evidence)
    }
}

impl CommandGate {
    fn conclude(
        &self,
        cx: &Context,
        finished: Finished,
        timeout: Duration,
        mut evidence: Vec<Evidence>,
    ) -> Evaluation {
        for (name, tail) in [("stdout", &finished.stdout), ("stderr", &finished.stderr)] {
            if !tail.is_empty() {
                evidence.push(Evidence::new(name, tail.render(cx.redactor())));
            }
        }
        let stopped = if finished.killed {
            format!(
                "stopped its process group (SIGTERM, then SIGKILL after {})",
                format_duration(finished.grace)
            )
        } else {
            "stopped its process group (SIGTERM)".to_owned()
        };
        if finished.leftovers {
            evidence.push(Evidence::new(
                "left behind",
                format!("processes of its group were still running after it exited; {stopped}"),
            ));
        }
        let codes = &self.spec.exit_codes;
        let expected = expected_codes(codes);
        let took = format_duration(finished.elapsed);
        let evaluation = match finished.ending {
            Ending::Exited(status) => match status.code() {
                Some(0) => Evaluation::pass(format!("exited 0 after {took}")),
                Some(code) => {
                    let observation =
                        Observation::new("exit code", code, expected.clone(), "exit-code");
                    if codes.warn.contains(&code) {
                        Evaluation::warn(format!(
                            "exited {code} (a warning, by the plan) after {took}"
                        ))
                    } else if codes.skip.contains(&code) {
                        Evaluation::skipped(format!(
                            "exited {code} (skip, by the plan) after {took}"
                        ))
                    } else {
                        Evaluation::fail(format!("exited {code} after {took}"))
                    }
                    .observation(observation)
                }
                None => {
                    let signal = signal_name(&status);
                    Evaluation::fail(format!("killed by {signal} after {took}")).observation(
                        Observation::new(
                            "exit",
                            format!("killed by {signal}"),
                            expected,
                            "exit-code",
                        ),
                    )
                }
            },
            Ending::TimedOut => {
                let limit = format_duration(timeout);
                Evaluation::error(format!("timed out after {limit}; {stopped}")).observation(
                    Observation::new(
                        "duration",
                        format!("more than {limit}"),
                        format!("at most {limit}"),
                        "timeout",
                    ),
                )
            }
            Ending::Cancelled => Evaluation::error(format!("cancelled after {took}; {stopped}"))
                .observation(Observation::new(
                    "run",
                    "cancelled before the command finished",
                    "the command runs to the end",
                    "cancelled",
                )),
            Ending::Lost(problem) => Evaluation::error(problem.clone()).observation(
                Observation::new("process", problem, "an exit status", "exit-code"),
            ),
        };
        evaluation.evidence(evidence)
    }
}

/// An instant no run reaches: a year from now.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(365 * 24 * 3600)
}

fn expected_codes(codes: &super::spec::ExitCodes) -> String {
    let mut expected = "0".to_owned();
    if !codes.warn.is_empty() {
        let list: Vec<String> = codes.warn.iter().map(i32::to_string).collect();
        expected.push_str(&format!(" (warn: {})", list.join(", ")));
    }
    if !codes.skip.is_empty() {
        let list: Vec<String> = codes.skip.iter().map(i32::to_string).collect();
        expected.push_str(&format!(" (skip: {})", list.join(", ")));
    }
    expected
}

fn signal_name(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match status.signal() {
        Some(number) => nix::sys::signal::Signal::try_from(number)
            .map_or_else(|_| format!("signal {number}"), |s| s.as_str().to_owned()),
        None => "an unknown cause".to_owned(),
    }
}

async fn stop_all(
    running: Vec<RunningService>,
    env: &[(String, String)],
    grace: Duration,
    cx: &Context,
) -> Vec<StoppedService> {
    let mut stopped = Vec::new();
    // Last started, first stopped: a later service may depend on an earlier one.
    for service in running.into_iter().rev() {
        stopped.push(
            service
                .stop(env, grace, cx.cancellation(), cx.redactor())
                .await,
        );
    }
    stopped.reverse();
    stopped
}
