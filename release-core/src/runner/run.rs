use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use std::any::Any;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::duration::format_duration;
use crate::gate::{CANCEL_GRACE, Context, DynGate, Evaluation, GateInfo, Observation, Verdict};
use crate::policy::{Outcome, Policy};

use super::fail_fast::{RunStop, StoppedEarly};

/// One gate's result, with who the gate is.
#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    /// The gate.
    pub info: GateInfo,
    /// What it concluded.
    pub evaluation: Evaluation,
}

/// What a run produced: results in the order the gates were given.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// When the run started.
    pub started_at: Timestamp,
    /// When the run finished.
    pub finished_at: Timestamp,
    /// Wall time of the run.
    pub duration: Duration,
    /// Whether the run was cancelled before every gate finished.
    pub cancelled: bool,
    /// Why the run stopped before every gate finished, when its outcome was decided (a
    /// blocking result under fail-fast, a rollback trigger that fired); not a cancellation.
    pub stopped_early: Option<StoppedEarly>,
    /// One result per gate, in the order given.
    pub results: Vec<GateResult>,
}

impl RunReport {
    /// This run followed by another, as one report: results in order, from this run's start
    /// to the other's finish.
    #[must_use]
    pub fn then(mut self, next: RunReport) -> RunReport {
        self.finished_at = next.finished_at;
        self.duration += next.duration;
        self.cancelled |= next.cancelled;
        self.stopped_early = self.stopped_early.or(next.stopped_early);
        self.results.extend(next.results);
        self
    }

    /// This run and another that ran at the same time, as one report: this run's results
    /// first, from the earlier start to the later finish. The duration is the longer of the
    /// two, as for runs started together.
    #[must_use]
    pub fn alongside(mut self, other: RunReport) -> RunReport {
        self.started_at = self.started_at.min(other.started_at);
        self.finished_at = self.finished_at.max(other.finished_at);
        self.duration = self.duration.max(other.duration);
        self.cancelled |= other.cancelled;
        self.stopped_early = match (self.stopped_early, other.stopped_early) {
            (Some(a), Some(b)) => Some(if b.at < a.at { b } else { a }),
            (a, b) => a.or(b),
        };
        self.results.extend(other.results);
        self
    }

    /// The outcome under a policy.
    pub fn outcome(&self, policy: Policy) -> Outcome {
        policy.outcome(
            self.results
                .iter()
                .map(|r| (r.evaluation.verdict, r.info.required)),
        )
    }
}

/// Evaluates gates concurrently with a bound, a per-gate timeout, and cancellation through the
/// context's token.
///
/// ```
/// use release_core::{Context, DynGate, Evaluation, Gate, GateInfo, Runner, Verdict};
///
/// struct Always(GateInfo, Verdict);
/// impl Gate for Always {
///     fn info(&self) -> &GateInfo { &self.0 }
///     async fn evaluate(&self, _: &Context) -> Evaluation {
///         Evaluation::new(self.1, "as configured")
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let gates: Vec<Box<dyn DynGate>> = vec![
///     Box::new(Always(GateInfo::new("a", "demo"), Verdict::Pass)),
///     Box::new(Always(GateInfo::new("b", "demo"), Verdict::Warn)),
/// ];
/// let report = Runner::new().run(&gates, &Context::builder("staging").build()).await;
/// assert_eq!(report.results[1].evaluation.verdict, Verdict::Warn);
/// # });
/// ```
#[derive(Clone)]
pub struct Runner {
    pub(super) concurrency: usize,
    default_timeout: Duration,
    observer: Option<Arc<Observer>>,
    kind_limits: BTreeMap<String, Arc<Semaphore>>,
    pub(super) threads: usize,
    fail_fast: Option<Policy>,
    pub(super) stop: Option<RunStop>,
}

/// Told of each [`RunEvent`].
type Observer = dyn Fn(RunEvent<'_>) + Send + Sync;

/// What a run tells its observer, as it happens: for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEvent<'a> {
    /// A gate started.
    Started {
        /// The gate's id.
        id: &'a str,
    },
    /// A gate finished.
    Finished {
        /// The gate's id.
        id: &'a str,
        /// Its verdict.
        verdict: Verdict,
    },
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("concurrency", &self.concurrency)
            .field("default_timeout", &self.default_timeout)
            .field("observer", &self.observer.is_some())
            .field("threads", &self.threads)
            .field("fail_fast", &self.fail_fast)
            .field("stop", &self.stop.is_some())
            .field(
                "kind_limits",
                &self
                    .kind_limits
                    .iter()
                    .map(|(kind, s)| (kind, s.available_permits()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    /// 128 gates at a time, 60 seconds each unless a gate sets its own timeout.
    pub fn new() -> Self {
        Self {
            concurrency: 128,
            default_timeout: Duration::from_secs(60),
            observer: None,
            kind_limits: BTreeMap::new(),
            threads: 1,
            fail_fast: None,
            stop: None,
        }
    }

    /// Fail-fast: once a gate's result blocks under `policy` (a required gate's `fail` or
    /// `error`; in strict mode also `warn` or `inconclusive`), the run is decided, so the
    /// gates still running are stopped as on cancellation (command gates stop their process
    /// groups within their stop grace) and, like those not yet started, reported `skipped`
    /// with the reason; [`RunReport::stopped_early`] says by which gate and when. Off unless
    /// set (a run request sets it unless told not to).
    ///
    /// ```
    /// use release_core::{Context, DynGate, Evaluation, Gate, GateInfo, Policy, Runner, Verdict};
    /// struct Always(GateInfo, Verdict);
    /// impl Gate for Always {
    ///     fn info(&self) -> &GateInfo { &self.0 }
    ///     async fn evaluate(&self, _: &Context) -> Evaluation {
    ///         Evaluation::new(self.1, "as configured")
    ///     }
    /// }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let gates: Vec<Box<dyn DynGate>> = vec![
    ///     Box::new(Always(GateInfo::new("api-health", "demo"), Verdict::Fail)),
    ///     Box::new(Always(GateInfo::new("web-health", "demo"), Verdict::Pass)),
    /// ];
    /// let runner = Runner::new().concurrency(1).fail_fast(Policy::new(false));
    /// let report = runner.run(&gates, &Context::builder("staging").build()).await;
    /// assert_eq!(report.results[1].evaluation.verdict, Verdict::Skipped);
    /// assert_eq!(report.stopped_early.unwrap().by, "api-health");
    /// # });
    /// ```
    #[must_use]
    pub fn fail_fast(mut self, policy: Policy) -> Self {
        self.fail_fast = Some(policy);
        self
    }

    /// Shares `stop` with other runs (and with judges outside the runner): whichever decides
    /// first stops them all, and each reports why.
    #[must_use]
    pub fn stop(mut self, stop: RunStop) -> Self {
        self.stop = Some(stop);
        self
    }

    /// How many gates run at once; at least one.
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Calls `observer` as each gate starts and finishes (on the run's task: keep it quick).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use release_core::{Runner, RunEvent};
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let runner = Runner::new().observer(move |event| {
    ///     if let RunEvent::Started { id } = event {
    ///         log.lock().unwrap().push(id.to_owned());
    ///     }
    /// });
    /// ```
    #[must_use]
    pub fn observer(mut self, observer: impl Fn(RunEvent<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// At most `limit` gates of this kind at once, within the overall concurrency: heavy
    /// gates (builds, test suites) queue while light ones run. A queued gate's timeout starts
    /// when it starts.
    #[must_use]
    pub fn kind_concurrency(mut self, kind: impl Into<String>, limit: usize) -> Self {
        self.kind_limits
            .insert(kind.into(), Arc::new(Semaphore::new(limit.max(1))));
        self
    }

    fn notify(&self, event: RunEvent<'_>) {
        if let Some(observer) = &self.observer {
            observer(event);
        }
    }

    /// The timeout for gates that do not set their own.
    #[must_use]
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// Runs the gates. Cancelling the context's token starts no further gate and stops the
    /// in-flight ones: a gate without a [`GateInfo::stop_grace`] is dropped at once, one with
    /// it gets that long (at most [`CANCEL_GRACE`]) to stop what it started and report. Every
    /// gate that did not finish is reported as `error: cancelled`. A run stopped because its
    /// outcome was decided ([`Runner::fail_fast`], [`Runner::stop`]) stops its gates the same
    /// way but reports the unfinished ones `skipped` with the reason.
    pub async fn run(&self, gates: &[Box<dyn DynGate>], cx: &Context) -> RunReport {
        let started_at = cx.now();
        let start = Instant::now();
        let stop = self
            .stop
            .clone()
            .unwrap_or_else(|| RunStop::new(cx.cancellation()));
        let gate_cx = cx.with_cancellation(stop.token().clone());
        let gate_cx = &gate_cx;
        let mut slots: Vec<Option<Evaluation>> = vec![None; gates.len()];
        let mut pending = gates.iter().enumerate();
        let mut in_flight = FuturesUnordered::new();
        let mut cancelled = false;
        let mut stopped = false;

        tracing::debug!(
            gates = gates.len(),
            concurrency = self.concurrency,
            "run started"
        );
        for (index, gate) in pending.by_ref().take(self.concurrency) {
            in_flight.push(self.evaluate_one(index, gate.as_ref(), gate_cx));
        }
        while !in_flight.is_empty() {
            if cancelled || stopped {
                // Each in-flight gate ends by itself now: at once, or within its stop grace.
                // After a stop, what a gate says as it is stopped is not its verdict.
                if let Some((index, evaluation, interrupted)) = in_flight.next().await
                    && (!stopped || !interrupted)
                {
                    slots[index] = Some(evaluation);
                }
                continue;
            }
            tokio::select! {
                biased;
                () = cx.cancellation().cancelled() => {
                    tracing::warn!(in_flight = in_flight.len(), "run cancelled; unfinished gates are reported as cancelled");
                    cancelled = true;
                }
                () = stop.token().cancelled() => {
                    tracing::info!(in_flight = in_flight.len(), "run decided elsewhere; unfinished gates are reported as skipped");
                    stopped = true;
                }
                Some((index, evaluation, interrupted)) = in_flight.next() => {
                    if interrupted && !cx.cancellation().is_cancelled() {
                        // The run's stop ended this gate before the runner saw the stop.
                        stopped = true;
                        continue;
                    }
                    let info = gates.get(index).map(|gate| gate.info());
                    let decisive = match (self.fail_fast, info) {
                        (Some(policy), Some(info)) => policy.blocks(evaluation.verdict, info.required).then_some(info),
                        _ => None,
                    };
                    slots[index] = Some(evaluation);
                    if let Some(info) = decisive {
                        // Gates that can end without waiting (an env check, a gate left out)
                        // keep their own verdicts: only what would still take time is stopped.
                        let mut ended_by_a_stop = false;
                        while let Some(Some((index, evaluation, interrupted))) = in_flight.next().now_or_never() {
                            if interrupted && !cx.cancellation().is_cancelled() {
                                ended_by_a_stop = true;
                            } else {
                                slots[index] = Some(evaluation);
                            }
                        }
                        // Runs alongside this one are stopped even when this one has
                        // nothing left; it says it stopped early only if it stopped a gate.
                        let unfinished = ended_by_a_stop || !in_flight.is_empty() || pending.len() != 0;
                        let first = stop.stop_blocked_by(&info.id);
                        let decided = stop.token().is_cancelled() && !cx.cancellation().is_cancelled();
                        if unfinished && decided {
                            if first {
                                tracing::info!(gate = %info.id, in_flight = in_flight.len(), "run blocked; stopping the gates still running");
                            }
                            stopped = true;
                            continue;
                        }
                    }
                    if !stopped && let Some((index, gate)) = pending.next() {
                        in_flight.push(self.evaluate_one(index, gate.as_ref(), gate_cx));
                    }
                }
            }
        }
        drop(in_flight);

        let stopped_early = stopped.then(|| stop.stopped()).flatten();
        let results = gates
            .iter()
            .zip(slots)
            .map(|(gate, slot)| GateResult {
                info: gate.info().clone(),
                evaluation: slot.unwrap_or_else(|| match &stopped_early {
                    Some(stopped) => stopped_evaluation(&stopped.reason),
                    None => cancelled_evaluation(),
                }),
            })
            .collect();
        RunReport {
            started_at,
            finished_at: cx.now(),
            duration: start.elapsed(),
            cancelled,
            stopped_early,
            results,
        }
    }

    async fn evaluate_one(
        &self,
        index: usize,
        gate: &dyn DynGate,
        cx: &Context,
    ) -> (usize, Evaluation, bool) {
        let cancel = cx.cancellation();
        let _permit = match self.kind_limits.get(&gate.info().kind) {
            None => None,
            Some(limit) => tokio::select! {
                biased;
                () = cancel.cancelled() => return (index, cancelled_evaluation(), true),
                permit = limit.acquire() => permit.ok(),
            },
        };
        let timeout = gate.info().timeout.unwrap_or(self.default_timeout);
        self.notify(RunEvent::Started {
            id: &gate.info().id,
        });
        let start = Instant::now();
        // A panicking gate (a library user's, say) must not take the run and its summary down
        // with it; it becomes an error like any other probe that went wrong.
        let guarded = AssertUnwindSafe(gate.evaluate_boxed(cx)).catch_unwind();
        let finished = match gate.info().stop_grace {
            None => tokio::select! {
                biased;
                () = cancel.cancelled() => Err(cancelled_evaluation()),
                result = tokio::time::timeout(timeout, guarded) => result.map_err(|_| timed_out(timeout)),
            },
            // The gate enforces its timeout and answers cancellation itself, so that it can
            // stop its processes; the runner only steps in when it overstays its grace.
            Some(grace) => {
                let overstayed = async {
                    tokio::select! {
                        () = tokio::time::sleep(timeout.saturating_add(grace)) => timed_out(timeout),
                        () = async {
                            cancel.cancelled().await;
                            tokio::time::sleep(grace.min(CANCEL_GRACE)).await;
                        } => cancelled_evaluation(),
                    }
                };
                tokio::select! {
                    result = guarded => Ok(result),
                    evaluation = overstayed => Err(evaluation),
                }
            }
        };
        // Whether the run was stopped or cancelled while the gate ran: then its result is
        // what it said as it was stopped, not a verdict of its own.
        let interrupted = cancel.is_cancelled();
        let mut evaluation = match finished {
            Ok(Ok(evaluation)) => evaluation,
            Ok(Err(panic)) => panicked(panic.as_ref(), cx),
            Err(evaluation) => evaluation,
        };
        evaluation.duration = start.elapsed();
        evaluation.attempts = evaluation.attempts.max(1);
        tracing::debug!(
            gate = %gate.info().id,
            verdict = %evaluation.verdict,
            duration = %format_duration(evaluation.duration),
            observations = evaluation.observations.len(),
            "gate finished"
        );
        if evaluation.verdict != Verdict::Pass && evaluation.observations.is_empty() {
            // Every non-pass verdict carries its why; a gate that forgot one still says which
            // verdict it gave (or, when skipped, the reason), so a reader never sees a bare
            // failure.
            let fallback = match evaluation.verdict {
                Verdict::Skipped => Observation::new(
                    "reason",
                    evaluation.summary.clone(),
                    "the gate runs",
                    "skipped",
                ),
                verdict => Observation::new("verdict", verdict.as_str(), "pass", "gate"),
            };
            evaluation.observations.push(fallback);
        }
        self.notify(RunEvent::Finished {
            id: &gate.info().id,
            verdict: evaluation.verdict,
        });
        (index, evaluation, interrupted)
    }
}

pub(crate) fn timed_out(timeout: Duration) -> Evaluation {
    let limit = format_duration(timeout);
    Evaluation::error(format!("timed out after {limit}")).observation(Observation::new(
        "duration",
        format!("more than {limit}"),
        format!("at most {limit}"),
        "timeout",
    ))
}

pub(crate) fn panicked(panic: &(dyn Any + Send), cx: &Context) -> Evaluation {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    let message = cx.redactor().redact(&message).into_owned();
    Evaluation::error(format!("the gate panicked: {message}")).observation(Observation::new(
        "panic",
        message,
        "an evaluation",
        "panic",
    ))
}

/// A gate the run stopped (or never started) once its outcome was decided.
fn stopped_evaluation(reason: &str) -> Evaluation {
    Evaluation::skipped(reason).observation(Observation::new(
        "run",
        reason,
        "the gate runs to the end",
        "stopped",
    ))
}

fn cancelled_evaluation() -> Evaluation {
    Evaluation::error("cancelled").observation(Observation::new(
        "run",
        "cancelled before the gate finished",
        "the gate runs to the end",
        "cancelled",
    ))
}
