//! Running the gates of one or more phases: the heart of `release preflight`, `smoke`,
//! `launch-gate` and `demo`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use release_core::base_url::{BASE_URL_RULE, check_base_url};
use release_core::log::{
    BaselineSearch, LOOK_BACK_BYTES, LogRecord, ReadBack, ReleaseLog, baselines_from_summary,
};
use release_core::names::escaped;
use release_core::plan::{GateFilter, UrlOverrides};
use release_core::report::{self, Format, RenderOptions, github};
use release_core::{
    Baseline, Context, DynGate, Evaluation, GateResult, Observation, Outcome, Plan, Policy,
    ReleaseInfo, RunMeta, RunReport, Runner, Summary, Vars, exit_code, new_run_id,
};
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;
use crate::progress::Progress;

/// A command that runs gates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Phase {
    /// The name in the summary and the log, e.g. `launch-gate`.
    pub(crate) label: &'static str,
    /// The plan phases it runs.
    pub(crate) phases: &'static [&'static str],
    /// Whether it always writes `<artifacts_dir>/<env>-<label>-summary.json`.
    pub(crate) writes_summary: bool,
}

pub(crate) const PREFLIGHT: Phase = Phase {
    label: "preflight",
    phases: &["preflight-env", "preflight-platform", "preflight-qa"],
    writes_summary: false,
};
pub(crate) const PREFLIGHT_ENV: Phase = Phase {
    label: "preflight-env",
    phases: &["preflight-env"],
    writes_summary: false,
};
pub(crate) const PREFLIGHT_PLATFORM: Phase = Phase {
    label: "preflight-platform",
    phases: &["preflight-platform"],
    writes_summary: false,
};
pub(crate) const PREFLIGHT_QA: Phase = Phase {
    label: "preflight-qa",
    phases: &["preflight-qa"],
    writes_summary: false,
};
pub(crate) const SMOKE: Phase = Phase {
    label: "smoke",
    phases: &["smoke"],
    writes_summary: false,
};
pub(crate) const LAUNCH_GATE: Phase = Phase {
    label: "launch-gate",
    phases: &["smoke", "launch"],
    writes_summary: true,
};

/// The async runtime of one invocation, and the run's cancellation (the first signal).
pub(crate) struct Session {
    pub(crate) runtime: Runtime,
    cancel: CancellationToken,
}

impl Session {
    /// Ends the session without tearing the runtime down. Everything worth keeping is written
    /// and flushed by now; dropping the runtime would close every pooled connection one task
    /// at a time (15-20 ms for a thousand probes), while the process exit that follows
    /// releases them all at once.
    pub(crate) fn finish(self) {
        std::mem::forget(self);
    }

    /// Gates run on a current-thread runtime: probes spend their time waiting, and one thread
    /// polling them all avoids a cross-thread wake-up per I/O event. On the launch-gate
    /// benchmark (1000 probes) that cut CPU per probe by a third against a multi-thread
    /// runtime. Signals are watched on a thread of their own from the start of `main`
    /// (`crate::signals`), so they are heard also while the plan is read, the summary is
    /// written or the release log's lock is awaited.
    pub(crate) fn start() -> Result<Self, CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Output(format!("failed to start the async runtime: {e}")))?;
        Ok(Self {
            runtime,
            cancel: crate::signals::cancellation(),
        })
    }

    /// An error when a signal came before the gates started: a run that checked nothing has
    /// nothing to record, and the process exits with `128 + signal`.
    pub(crate) fn check_not_interrupted(&self) -> Result<(), CliError> {
        if self.cancel.is_cancelled() {
            return Err(CliError::Interrupted(
                "interrupted by a signal before the gates started; they were neither run nor recorded".to_owned(),
            ));
        }
        Ok(())
    }
}

/// What a run targets: the plan, its variables, and the command line's choices.
pub(crate) struct Target<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) vars: Vars,
    pub(crate) environment: Option<String>,
    pub(crate) overrides: UrlOverrides,
    pub(crate) filter: GateFilter,
    pub(crate) baseline_file: Option<PathBuf>,
    pub(crate) strict: bool,
    pub(crate) skip_deps: bool,
    /// Whether a spinner shows while gates run.
    pub(crate) progress: bool,
    /// `-q`: nothing but errors on stderr.
    pub(crate) quiet: bool,
}

impl<'p> Target<'p> {
    pub(crate) fn from_args(global: &GlobalArgs, plan: &'p Plan) -> Result<Self, CliError> {
        let filter = selection(global, plan)?;
        check_outputs(global, plan)?;
        let overrides = UrlOverrides {
            api_url: global.api_url.clone(),
            web_url: global.web_url.clone(),
            prometheus_url: global.prometheus_url.clone(),
            alertmanager_url: global.alertmanager_url.clone(),
        };
        check_overrides(global, &overrides)?;
        let vars = Vars::load(global.env_file.as_deref()).map_err(CliError::input)?;
        railway_api_url(&vars)?;
        Ok(Self {
            plan,
            vars,
            environment: global.environment.clone(),
            overrides,
            filter,
            baseline_file: global.baseline.clone(),
            strict: global.strict,
            skip_deps: global.skip_deps,
            progress: crate::progress::wanted(global),
            quiet: global.quiet,
        })
    }
}

/// `--out` and the release log, checked before any gate runs: a path that can never be
/// written (a directory, a device where the log must be a file, a path below a file) is
/// refused now, saying what is there, rather than after a long run.
pub(crate) fn check_outputs(global: &GlobalArgs, plan: &Plan) -> Result<(), CliError> {
    if let Some(out) = &global.out {
        release_core::atomic::check(out)
            .map_err(|e| CliError::Input(format!("--out {}: {}", out.display(), e.source)))?;
    }
    ReleaseLog::new(plan.release.log_path())
        .check()
        .map_err(CliError::input)
}

/// `--api-url` and the other base URLs, checked before any gate runs: one that is not a base
/// URL is a usage error naming the flag, or the variable when it was set there. The value is
/// never shown: it may hold credentials.
fn check_overrides(global: &GlobalArgs, overrides: &UrlOverrides) -> Result<(), CliError> {
    let problems: Vec<String> = overrides
        .problems()
        .into_iter()
        .map(|(name, problem)| {
            let flag = format!("--{}", name.replace('_', "-"));
            let given = match global.urls_from_variables.contains(&name) {
                true => format!("RELEASE_{} (for {flag})", name.to_ascii_uppercase()),
                false => flag,
            };
            format!("{given} {problem}; a base URL is {BASE_URL_RULE}")
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(CliError::Input(problems.join("\n"))),
    }
}

/// `RAILWAY_API_URL` (from the process or the env file) points the platform gate elsewhere: it
/// is held to the base URL rule before any gate runs.
fn railway_api_url(vars: &Vars) -> Result<Option<String>, CliError> {
    let Some(value) = vars.get("RAILWAY_API_URL") else {
        return Ok(None);
    };
    let url = value.expose().trim();
    if url.is_empty() {
        return Ok(None);
    }
    match check_base_url(url) {
        Ok(()) => Ok(Some(url.to_owned())),
        Err(problem) => Err(CliError::Input(format!(
            "RAILWAY_API_URL (from {}) {problem}; a base URL is {BASE_URL_RULE}",
            escaped(&value.source().to_string())
        ))),
    }
}

/// The gates `--only`/`--skip` select; a name that matches no gate is a usage error, since a
/// typo must not pass with nothing checked.
pub(crate) fn selection(global: &GlobalArgs, plan: &Plan) -> Result<GateFilter, CliError> {
    let filter = GateFilter {
        only: global.only.clone(),
        skip: global.skip.clone(),
    };
    let unknown = filter.unknown_names(plan);
    if !unknown.is_empty() {
        // Arguments are shown escaped, as any text from input: `--only $'\e[31m'` must not
        // colour the terminal.
        let unknown: Vec<_> = unknown.into_iter().map(escaped).collect();
        return Err(CliError::Input(format!(
            "--only/--skip name no gate id, kind or phase of {}: {}",
            escaped(&plan.path.display().to_string()),
            unknown.join(", ")
        )));
    }
    Ok(filter)
}

pub(crate) fn run(global: &GlobalArgs, phase: Phase) -> Result<i32, CliError> {
    let plan = Plan::load(&global.plan).map_err(CliError::input)?;
    let target = Target::from_args(global, &plan)?;
    let session = Session::start()?;
    let summary = execute(&session, &target, phase)?;
    let code = publish(global, &plan, &summary, phase, global.format);
    session.finish();
    code
}

/// Runs the phase's gates and returns the redacted summary.
pub(crate) fn execute(
    session: &Session,
    target: &Target<'_>,
    phase: Phase,
) -> Result<Summary, CliError> {
    let prepared = prepare(session, target, phase.phases)?;
    let gates = selected_gates(target, &prepared, phase.phases)?;
    session.check_not_interrupted()?;
    let report = run_gates(session, target, &prepared, phase.label, &gates);
    Ok(prepared.summarize(phase.label, &report))
}

/// Runs gates with the context, a spinner showing on a terminal meanwhile.
pub(crate) fn run_gates(
    session: &Session,
    target: &Target<'_>,
    prepared: &Prepared,
    label: &str,
    gates: &[Box<dyn DynGate>],
) -> RunReport {
    let progress = Progress::start(target.progress, label, gates.len());
    let runner = progress.observe(prepared.runner());
    // Only a run whose gates all start at once is split: with fewer slots than gates, one
    // window sliding over the whole plan keeps every slot busy, where two halves would leave
    // one half's slots idle while the other queues.
    let report = if gates.len() >= 2 * GATES_PER_THREAD && prepared.concurrency >= gates.len() {
        run_in_halves(session, &runner, prepared, gates)
    } else {
        session.runtime.block_on(runner.run(gates, &prepared.cx))
    };
    progress.finish();
    report
}

/// Fewer gates than this on a thread gain less from a second core than the thread costs.
const GATES_PER_THREAD: usize = 16;

/// Runs the first half of the gates on the session's runtime and the second half on a
/// current-thread runtime of a second thread, each half with its own connection pool and half
/// the concurrency, enough for all of its gates (kind limits stay shared). One runtime per
/// thread keeps a probe's wake-ups on its thread, and two threads put both cores to work: on
/// the launch-gate benchmark's 1000 probes the gates took 1.73-2.18 x d against 2.30-2.71 x d
/// on one thread, at the same CPU per probe (docs/benchmarks.md). The session's runtime is driven until both halves end, since
/// the second half may call servers it hosts (the demo's mock environment).
fn run_in_halves(
    session: &Session,
    runner: &Runner,
    prepared: &Prepared,
    gates: &[Box<dyn DynGate>],
) -> RunReport {
    let single = || session.runtime.block_on(runner.run(gates, &prepared.cx));
    let Ok(second_runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return single();
    };
    // The second half is the larger one when the count is odd, and gets the larger share.
    let (first, second) = gates.split_at(gates.len() / 2);
    let first_runner = runner.clone().concurrency(prepared.concurrency / 2);
    let second_runner = runner.clone().concurrency(prepared.concurrency.div_ceil(2));
    let second_cx = prepared.cx.with_own_connections();
    std::thread::scope(|scope| {
        let (done, second_report) = tokio::sync::oneshot::channel();
        let Ok(thread) = std::thread::Builder::new()
            .name("gates".into())
            .spawn_scoped(scope, move || {
                let report = second_runtime.block_on(second_runner.run(second, &second_cx));
                // The receiver only goes away if the first half panicked.
                let _unheard = done.send(report);
                // Closing this half's connections need not hold up the summary; without a
                // thread for it, they close here.
                let _inline = std::thread::Builder::new()
                    .name("close".into())
                    .spawn(move || drop(second_runtime));
            })
        else {
            return single();
        };
        // Should the first half panic, the scope waits for the second: stop its gates rather
        // than let them wait out their timeouts.
        let _stop_second_on_panic = CancelOnUnwind(&session.cancel);
        let (first_report, second_report) = session.runtime.block_on(async {
            let first_report = first_runner.run(first, &prepared.cx).await;
            (first_report, second_report.await)
        });
        // Joined here, so a panic of the second half becomes its gates' errors below instead
        // of the scope's panic.
        let _joined = thread.join();
        match second_report {
            Ok(second_report) => first_report.alongside(second_report),
            Err(_) => {
                let at = first_report.finished_at;
                first_report.alongside(unfinished(second, at))
            }
        }
    })
}

/// Cancels the run if dropped while the thread unwinds from a panic.
struct CancelOnUnwind<'a>(&'a CancellationToken);

impl Drop for CancelOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.cancel();
        }
    }
}

/// The report of gates whose thread stopped (panicked) before they finished.
fn unfinished(gates: &[Box<dyn DynGate>], at: jiff::Timestamp) -> RunReport {
    RunReport {
        started_at: at,
        finished_at: at,
        duration: std::time::Duration::ZERO,
        cancelled: false,
        results: gates
            .iter()
            .map(|gate| GateResult {
                info: gate.info().clone(),
                evaluation: Evaluation::error(
                    "the thread running this gate stopped before it finished",
                )
                .observation(Observation::new(
                    "run",
                    "the gate's thread panicked before the gate finished",
                    "the gate runs to the end",
                    "thread",
                )),
            })
            .collect(),
    }
}

/// A run's environment and context, ready for gates.
pub(crate) struct Prepared {
    pub(crate) environment: String,
    pub(crate) strict: bool,
    pub(crate) concurrency: usize,
    pub(crate) command_concurrency: usize,
    pub(crate) release: ReleaseInfo,
    pub(crate) cx: Context,
}

impl Prepared {
    pub(crate) fn runner(&self) -> Runner {
        Runner::new()
            .concurrency(self.concurrency)
            .kind_concurrency("command", self.command_concurrency)
    }

    pub(crate) fn policy(&self) -> Policy {
        Policy::new(self.strict)
    }

    /// The redacted summary of a run.
    pub(crate) fn summarize(&self, label: &str, report: &RunReport) -> Summary {
        let meta = RunMeta {
            run_id: new_run_id(report.started_at),
            phase: label.to_owned(),
            environment: self.environment.clone(),
            policy: self.policy(),
        };
        let mut summary = Summary::new(&meta, report);
        summary.release = self.release.clone();
        summary.redact(self.cx.redactor());
        tracing::debug!(gates = summary.gates.len(), "summary built");
        summary
    }
}

/// Chooses the environment and builds the context every gate of the run's phases shares.
pub(crate) fn prepare(
    session: &Session,
    target: &Target<'_>,
    phases: &[&str],
) -> Result<Prepared, CliError> {
    let plan = target.plan;
    let selected = plan
        .select_environment(target.environment.as_deref())
        .map_err(CliError::input)?;
    let strict = target.strict || selected.strict;
    crate::output::redact_logs(plan.redactor(&target.vars, &target.overrides));
    let mut builder = selected
        .context(plan, &target.overrides)
        .strict(strict)
        .vars(target.vars.clone())
        .redactor(plan.redactor(&target.vars, &target.overrides))
        .use_running_services(target.skip_deps)
        .progress(crate::progress::sink(target.quiet))
        .cancellation(session.cancel.clone());
    // RAILWAY_API_URL, from the process or the env file, points the platform gate elsewhere.
    if let Some(url) = railway_api_url(&target.vars)? {
        builder = builder.url("railway_api_url", url);
    }
    for (key, baseline) in baselines(target, &selected.name, phases)? {
        builder = builder.baseline(key, baseline);
    }
    Ok(Prepared {
        release: release_info(&target.vars)?,
        environment: selected.name.clone(),
        strict,
        concurrency: plan.release.concurrency,
        command_concurrency: plan.release.command_concurrency,
        cx: builder.build(),
    })
}

/// What the pipeline says is being released: `RELEASE_VERSION`, `RELEASE_COMMIT` (else
/// GitHub's `GITHUB_SHA`) and `RELEASE_MIGRATIONS` (`true` or `false`), from the process or
/// the env file.
fn release_info(vars: &Vars) -> Result<ReleaseInfo, CliError> {
    let value = |name: &str| {
        vars.get(name)
            .map(|v| v.expose().trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let migrations = match value("RELEASE_MIGRATIONS").as_deref() {
        None => None,
        Some("true" | "1" | "yes") => Some(true),
        Some("false" | "0" | "no") => Some(false),
        Some(_) => {
            return Err(CliError::Input(
                "RELEASE_MIGRATIONS must be `true` or `false`".to_owned(),
            ));
        }
    };
    Ok(ReleaseInfo {
        version: value("RELEASE_VERSION"),
        commit: value("RELEASE_COMMIT").or_else(|| value("GITHUB_SHA")),
        migrations,
    })
}

/// The gates of these phases that `--only`/`--skip` select (the rest reported as skipped);
/// a run that would check nothing is a usage error, not a pass.
pub(crate) fn selected_gates(
    target: &Target<'_>,
    prepared: &Prepared,
    phases: &[&str],
) -> Result<Vec<Box<dyn DynGate>>, CliError> {
    let plan = target.plan;
    let environment = prepared.environment.as_str();
    let gates = plan
        .build_selected_gates(phases, environment, &target.filter)
        .map_err(CliError::input)?;
    let selected_count = plan
        .gates_for(phases, environment)
        .filter(|g| target.filter.excludes(g).is_none())
        .count();
    if selected_count == 0 && !gates.is_empty() {
        return Err(CliError::Input(format!(
            "--only/--skip leave no gate of phase {} to run; nothing checked is not a pass",
            phases.join(", ")
        )));
    }
    if gates.is_empty() {
        return Err(CliError::Input(format!(
            "{}: no gates in phase {} for environment `{environment}`; nothing to check is not a pass",
            plan.path.display(),
            phases.join(", "),
        )));
    }
    Ok(gates)
}

/// Baselines from `--baseline FILE` (read as `--from` reads a summary: bounded, duplicate
/// keys refused), else from the end of the release log: only the keys the phases' gates read,
/// and the reading stops once each has a value or [`LOOK_BACK_BYTES`] were read.
fn baselines(
    target: &Target<'_>,
    environment: &str,
    phases: &[&str],
) -> Result<BTreeMap<String, Baseline>, CliError> {
    if let Some(path) = target.baseline_file.as_deref() {
        let summary =
            Summary::read_file(path).map_err(|e| CliError::Input(format!("--baseline: {e}")))?;
        return Ok(baselines_from_summary(&summary, path));
    }
    let plan = target.plan;
    let log = super::release_log(plan.release.log_path());
    let found = BaselineSearch::new(environment)
        .wanted(plan.baseline_keys(phases, environment, &target.filter))
        .read(&log, LOOK_BACK_BYTES)
        .map_err(CliError::input)?;
    for problem in &found.problems {
        tracing::warn!(line = %problem.position(), reason = %escaped(&problem.reason), "release log line skipped while reading baselines");
    }
    if let ReadBack::LimitReached { bytes } = found.read
        && !found.missing.is_empty()
        && !target.quiet
    {
        output::print_stderr(&format!(
            "note: release log {}: read back {} from its end (the limit) without finding a baseline for {}; older records were not read\n",
            escaped(&log.path().display().to_string()),
            release_core::log::format_size(bytes),
            found.missing.join(", ")
        ));
    }
    Ok(found.values)
}

/// Prints the report, writes the summaries, GitHub annotations and step summary, and the
/// release log. The report is printed first, so a failure to write a file never hides it.
pub(crate) fn publish(
    global: &GlobalArgs,
    plan: &Plan,
    summary: &Summary,
    phase: Phase,
    format: Format,
) -> Result<i32, CliError> {
    let options = RenderOptions {
        color: format == Format::Human && output::stdout_color(global.color),
        verbose: global.verbose > 0,
    };
    let rendered = report::render(format, summary, &options).map_err(CliError::output)?;
    tracing::debug!(bytes = rendered.len(), "report rendered");
    output::print_stdout(&rendered)?;
    // The JSON on stdout is the summary file's text too: a large run renders it once.
    let json = (format == Format::Json).then_some(rendered);
    record(global, plan, summary, phase, format.is_machine(), json)
}

/// Everything but the report on stdout: annotations, step summary, summary files, log.
pub(crate) fn record(
    global: &GlobalArgs,
    plan: &Plan,
    summary: &Summary,
    phase: Phase,
    machine_stdout: bool,
    json: Option<String>,
) -> Result<i32, CliError> {
    let mut failures = Vec::new();
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let annotations = github::annotations(summary);
        // Machine formats keep stdout one document; annotations then go to stderr, which the
        // runner reads as well.
        if machine_stdout {
            output::print_stderr(&annotations);
        } else {
            output::print_stdout(&annotations)?;
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
            && let Err(e) = github::append_step_summary(Path::new(&path), summary)
        {
            failures.push(format!("GITHUB_STEP_SUMMARY: {e}"));
        }
    }

    let mut targets: Vec<PathBuf> = global.out.iter().cloned().collect();
    // A run with gates left out is not the launch gate's result; the file later steps read
    // (health report, rollback) is only written for the whole phase.
    let partial = global_selection_active(global);
    if partial && phase.writes_summary {
        output::print_stderr(
            "note: --only/--skip left gates out, so the phase's summary file is not written (use --out)\n",
        );
    }
    if phase.writes_summary && !partial {
        let default = plan.release.artifacts_dir.join(format!(
            "{}-{}-summary.json",
            summary.environment, phase.label
        ));
        targets.insert(0, default);
    }
    let mut summary_path = None;
    if !targets.is_empty() {
        match json.map_or_else(|| report::json::render(summary), Ok) {
            Ok(json) => {
                for target in &targets {
                    match release_core::atomic::write(target, json.as_bytes()) {
                        Ok(()) => {
                            tracing::debug!(path = %target.display(), "summary written");
                            summary_path.get_or_insert_with(|| target.display().to_string());
                        }
                        Err(e) => failures.push(e.to_string()),
                    }
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }

    let log = super::release_log(plan.release.log_path());
    let record = LogRecord::from_summary(summary, summary.finished_at, summary_path);
    if let Err(e) = log.append(&record) {
        failures.push(e.to_string());
    }

    if summary.cancelled {
        output::print_stderr("interrupted: unfinished gates are reported as `error: cancelled`\n");
    }
    if failures.is_empty() {
        return Ok(summary.outcome.exit_code());
    }
    for failure in failures {
        output::print_error(&CliError::Output(failure));
    }
    // A signal cut the recording short (it stopped a wait for the log's lock, say).
    if let Some(code) = crate::signals::received() {
        return Ok(code);
    }
    // A blocked release stays blocked; otherwise the lost artifact makes the run unusable.
    Ok(match summary.outcome {
        Outcome::Blocked => exit_code::BLOCKED,
        Outcome::Passed | Outcome::PassedWithWarnings => exit_code::INVALID_INPUT,
    })
}

fn global_selection_active(global: &GlobalArgs) -> bool {
    !global.only.is_empty() || !global.skip.is_empty()
}
