//! A spinner on stderr while gates run, with the gates still running and the elapsed time,
//! so a ten-minute test suite does not look like a hang. Only on a terminal, and not with
//! `-q` or `-v` (whose live command output would tear it).

use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use release_core::{RunEvent, Runner};

use crate::cli::GlobalArgs;

/// Whether a run shows the spinner.
pub(crate) fn wanted(global: &GlobalArgs) -> bool {
    !global.quiet && global.verbose == 0 && std::io::stderr().is_terminal()
}

/// The spinner of one run of gates; nothing at all when not wanted.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    label: String,
    running: Vec<String>,
    /// What long gates said last, e.g. "sample 3 of 10, 7m left".
    detail: std::collections::BTreeMap<String, String>,
    done: usize,
    total: usize,
}

/// The spinner showing now, if any, for [`report`].
static ACTIVE: Mutex<Option<(ProgressBar, Arc<Mutex<State>>)>> = Mutex::new(None);

/// Where a gate's progress goes ([`release_core::Context::progress`]): into the spinner on a
/// terminal, else one line on stderr (a sustained window's sample, once per interval); nothing
/// with `-q`.
pub(crate) fn sink(quiet: bool) -> impl Fn(&str, &str) + Send + Sync + 'static {
    move |gate: &str, message: &str| {
        if quiet {
            return;
        }
        // A sample's words may quote an upstream: shown escaped, as any text from input.
        let message = release_core::names::escaped(message);
        let active = ACTIVE.lock().unwrap_or_else(PoisonError::into_inner);
        match active.as_ref() {
            Some((bar, state)) => {
                let mut state = lock(state);
                state.detail.insert(gate.to_owned(), message.to_string());
                bar.set_message(state.message());
            }
            None => crate::output::print_stderr(&format!("{gate}: {message}\n")),
        }
    }
}

impl State {
    fn message(&self) -> String {
        let mut message = format!("{}: {} of {} gates done", self.label, self.done, self.total);
        if !self.running.is_empty() {
            let shown: Vec<String> = self
                .running
                .iter()
                .take(3)
                .map(|id| match self.detail.get(id) {
                    Some(detail) => format!("{id} ({detail})"),
                    None => id.clone(),
                })
                .collect();
            message.push_str(&format!("; running {}", shown.join(", ")));
            if self.running.len() > 3 {
                message.push_str(&format!(" and {} more", self.running.len() - 3));
            }
        }
        message
    }
}

impl Progress {
    pub(crate) fn start(wanted: bool, label: &str, total: usize) -> Self {
        let state = Arc::new(Mutex::new(State {
            label: label.to_owned(),
            total,
            ..State::default()
        }));
        let bar = wanted.then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                bar.set_style(style);
            }
            bar.set_message(lock(&state).message());
            bar.enable_steady_tick(Duration::from_millis(120));
            *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) =
                Some((bar.clone(), state.clone()));
            bar
        });
        Self { bar, state }
    }

    /// The runner, reporting to this spinner.
    pub(crate) fn observe(&self, runner: Runner) -> Runner {
        let Some(bar) = self.bar.clone() else {
            return runner;
        };
        let state = self.state.clone();
        runner.observer(move |event| {
            let mut state = lock(&state);
            match event {
                RunEvent::Started { id } => state.running.push(id.to_owned()),
                RunEvent::Finished { id, .. } => {
                    state.running.retain(|r| r != id);
                    state.done += 1;
                }
            }
            bar.set_message(state.message());
        })
    }

    /// Removes the spinner before the report is printed.
    pub(crate) fn finish(self) {
        if let Some(bar) = self.bar {
            ACTIVE.lock().unwrap_or_else(PoisonError::into_inner).take();
            bar.finish_and_clear();
        }
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The spinner of each group of gates a library run starts, and its notes on stderr.
pub(crate) struct Shown {
    wanted: bool,
    quiet: bool,
    current: Mutex<Option<Progress>>,
}

impl Shown {
    pub(crate) fn new(global: &GlobalArgs) -> Self {
        Self {
            wanted: wanted(global),
            quiet: global.quiet,
            current: Mutex::new(None),
        }
    }
}

impl release_core::run::Watch for Shown {
    fn start(&self, label: &str, gates: usize, runner: Runner) -> Runner {
        let progress = Progress::start(self.wanted, label, gates);
        let runner = progress.observe(runner);
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(progress);
        runner
    }

    fn end(&self) {
        let progress = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(progress) = progress {
            progress.finish();
        }
    }

    fn prepared(&self, run: &release_core::run::PreparedRun<'_>) {
        // Log lines from here on hide the run's secrets too.
        crate::output::redact_logs(run.request().redactor());
        if !self.quiet {
            for note in run.notes() {
                crate::output::print_stderr(&format!("note: {note}\n"));
            }
        }
    }
}

/// A rollout's steps on stderr, one line as each starts and ends, and each deployment
/// status as it is reached (the text is the library's, already redacted).
impl release_core::rollout::RolloutWatch for Shown {
    fn step_started(&self, step: &release_core::rollout::StepReport) {
        if !self.quiet {
            crate::output::print_stderr(&format!("→ {} ({})\n", step.id, step.kind));
        }
    }

    fn step_finished(&self, step: &release_core::rollout::StepReport) {
        if !self.quiet {
            crate::output::print_stderr(&format!(
                "  {} {}: {}\n",
                step.status.as_str(),
                step.id,
                release_core::names::escaped(&step.summary)
            ));
        }
    }

    fn deployment_status(&self, step: &str, status: &str) {
        if !self.quiet {
            crate::output::print_stderr(&format!(
                "  {step}: {}\n",
                release_core::names::escaped(status)
            ));
        }
    }
}
