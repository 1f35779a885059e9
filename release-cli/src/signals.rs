//! `SIGINT`, `SIGTERM` and `SIGHUP`, heard at any point of a run.
//!
//! The listener is installed first thing in `main`, before the plan or the env file is read,
//! and lives until the process exits. The first signal cancels the run (one token, shared by
//! every session); `SIGTERM` and `SIGHUP` (a CI job cancelled, `docker stop`, a closed
//! terminal) also kill running commands at once, since no signal to us reaches their process
//! groups. In-flight gates then stop within [`release_core::CANCEL_GRACE`] and the summary
//! and log are written. Whatever the process is blocked on meanwhile (another process's lock
//! on the release log, an `open()` of a FIFO nobody writes, a slow env file, a full stdout
//! pipe), it exits [`DEADLINE`] after the first signal, with `128 + signal`, killing running
//! commands first. A second signal does the same at once.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use release_core::exit_code;
use tokio_util::sync::CancellationToken;

use crate::output;

/// How long after the first signal the process may still take to write what it can.
pub(crate) const DEADLINE: Duration = Duration::from_millis(900);

struct State {
    cancel: CancellationToken,
    /// `128 + signal` of the first signal heard; 0 before any.
    code: AtomicI32,
}

static STATE: OnceLock<State> = OnceLock::new();

fn state() -> &'static State {
    STATE.get_or_init(|| State {
        cancel: CancellationToken::new(),
        code: AtomicI32::new(0),
    })
}

/// The run's cancellation: cancelled by the first signal.
pub(crate) fn cancellation() -> CancellationToken {
    state().cancel.clone()
}

/// `128 + signal` once a signal was heard: the exit code of a run it cut short.
pub(crate) fn received() -> Option<i32> {
    match state().code.load(Ordering::SeqCst) {
        0 => None,
        code => Some(code),
    }
}

/// Installs the handlers now (so no signal from here on takes the default action) and
/// watches them on a thread of their own.
pub(crate) fn listen() {
    use tokio::signal::unix::{SignalKind, signal};
    let state = state();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output::print_stderr(&format!(
                "warning: cannot listen for signals ({e}); Ctrl-C will not stop gates cleanly\n"
            ));
            return;
        }
    };
    let streams = {
        let _entered = runtime.enter();
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        )
    };
    let (Ok(interrupt), Ok(terminate), Ok(hangup)) = streams else {
        output::print_stderr(
            "warning: cannot listen for signals; Ctrl-C will not stop gates cleanly\n",
        );
        return;
    };
    let watcher = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || runtime.block_on(watch(state, interrupt, terminate, hangup)));
    if let Err(e) = watcher {
        output::print_stderr(&format!(
            "warning: cannot listen for signals ({e}); Ctrl-C will not stop gates cleanly\n"
        ));
    }
}

async fn watch(
    state: &'static State,
    mut interrupt: tokio::signal::unix::Signal,
    mut terminate: tokio::signal::unix::Signal,
    mut hangup: tokio::signal::unix::Signal,
) {
    loop {
        let (name, code, hard) = tokio::select! {
            Some(()) = interrupt.recv() => ("SIGINT", exit_code::INTERRUPTED, false),
            Some(()) = terminate.recv() => ("SIGTERM", exit_code::TERMINATED, true),
            Some(()) = hangup.recv() => ("SIGHUP", exit_code::HANGUP, true),
            else => return,
        };
        if state.cancel.is_cancelled() {
            exit_now(code);
        }
        state.code.store(code, Ordering::SeqCst);
        state.cancel.cancel();
        // Say only what happened: a signal while the plan is read has no gates or commands
        // to stop.
        if hard {
            match release_core::gates::command::kill_running_commands() {
                0 => tracing::warn!("{name}: stopping"),
                1 => tracing::warn!("{name}: killed the running command; stopping"),
                n => tracing::warn!("{name}: killed {n} running commands; stopping"),
            }
        } else {
            tracing::warn!("interrupted: stopping; press Ctrl-C again to exit now");
        }
        tokio::spawn(async move {
            tokio::time::sleep(DEADLINE).await;
            output::print_stderr(&format!(
                "{name}: not done {} after the signal; exiting without writing the rest\n",
                release_core::duration::format_duration(DEADLINE)
            ));
            exit_now(code);
        });
    }
}

/// Exits without unwinding: nothing a command gate started may outlive us, and `exit` runs
/// no destructor that would stop it.
fn exit_now(code: i32) -> ! {
    let _killed = release_core::gates::command::kill_running_commands();
    std::process::exit(code)
}

/// The async runtime of one invocation.
pub(crate) struct Session {
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl Session {
    /// Gates run on a current-thread runtime: probes spend their time waiting, and one thread
    /// polling them all avoids a cross-thread wake-up per I/O event. On the launch-gate
    /// benchmark (1000 probes) that cut CPU per probe by a third against a multi-thread
    /// runtime; a large run is split over two such runtimes by the runner
    /// (`Runner::threads`). Signals are watched on a thread of their own from the start of
    /// `main`, so they are heard also while the plan is read or the log's lock awaited.
    pub(crate) fn start() -> Result<Self, crate::error::CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                crate::error::CliError::Output(format!("failed to start the async runtime: {e}"))
            })?;
        Ok(Self { runtime })
    }

    /// Ends the session without tearing the runtime down. Everything worth keeping is written
    /// and flushed by now; dropping the runtime would close every pooled connection one task
    /// at a time (15-20 ms for a thousand probes), while the process exit that follows
    /// releases them all at once.
    pub(crate) fn finish(self) {
        std::mem::forget(self);
    }
}
