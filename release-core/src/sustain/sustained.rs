use crate::errors::InvalidSustain;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::time::Instant;

use super::spec::SustainSpec;
use super::window::{Ending, Window};
use crate::duration::{HumanDuration, format_duration};
use crate::gate::{CANCEL_GRACE, Context, DynGate, Evaluation, Gate, GateInfo, SampleSoFar};
use crate::runner::{panicked, timed_out};

/// How long one sample may take when the inner gate sets no timeout: the runner's default.
pub const DEFAULT_SAMPLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The stop grace a window asks of the runner beyond the inner gate's own: it answers
/// cancellation itself and only needs to put its evaluation together.
const OWN_STOP_GRACE: Duration = Duration::from_secs(1);

/// Any gate, evaluated over a window of samples instead of once (see [`SustainSpec`] and the
/// [module docs](super) for the rules).
///
/// The window reports one [`Evaluation`]: a summary with the counts per verdict, observations
/// naming the rule that decided it (with the deciding sample's own observations after them),
/// every sample in `details`, and the last passing sample's measurements.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// use release_core::sustain::{SustainSpec, Sustained};
/// use release_core::{Context, Evaluation, Gate, GateInfo, Observation, Verdict};
///
/// /// An error rate that is high while a deployment warms up, then settles.
/// struct ErrorRate { info: GateInfo, calls: AtomicU32 }
///
/// impl Gate for ErrorRate {
///     fn info(&self) -> &GateInfo { &self.info }
///     async fn evaluate(&self, _cx: &Context) -> Evaluation {
///         let rate = if self.calls.fetch_add(1, Ordering::SeqCst) == 0 { 0.08 } else { 0.002 };
///         let evaluation = if rate > 0.05 {
///             Evaluation::fail(format!("error rate {rate}"))
///                 .observation(Observation::new("error_rate", rate, "at most 0.05", "le"))
///         } else {
///             Evaluation::pass(format!("error rate {rate}"))
///         };
///         evaluation.measurement("error_rate", rate, None)
///     }
/// }
///
/// let inner = ErrorRate {
///     info: GateInfo::new("error-rate", "prometheus").timeout(Duration::from_secs(5)),
///     calls: AtomicU32::new(0),
/// };
/// // Up to 10 samples 30s apart; one failure is tolerated, three passes in a row settle it.
/// let spec = SustainSpec::count(Duration::from_secs(30), 10)
///     .failure_limit(1)
///     .consecutive_successes(3);
/// let gate = Sustained::new(Box::new(inner), spec).unwrap();
/// // The runner gives the whole window time: 9 intervals and 10 samples of at most 5s each.
/// assert_eq!(gate.info().timeout, Some(Duration::from_secs(9 * 30 + 10 * 5)));
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true)
/// #     .build().unwrap().block_on(async {
/// let evaluation = gate.evaluate(&Context::builder("production").build()).await;
/// assert_eq!(evaluation.verdict, Verdict::Pass);
/// assert_eq!(
///     evaluation.summary,
///     "3 samples in a row passed at sample 4 of 10: 3 pass, 1 fail (limit 1); sample 4: error rate 0.002"
/// );
/// assert_eq!(evaluation.samples, Some(4));
/// assert_eq!(evaluation.attempts, 1);
/// assert_eq!(evaluation.measurements[0].value, 0.002);
/// # });
/// ```
pub struct Sustained {
    info: GateInfo,
    inner: Box<dyn DynGate>,
    spec: SustainSpec,
    samples: u32,
    sample_timeout: Duration,
}

impl fmt::Debug for Sustained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sustained")
            .field("info", &self.info)
            .field("inner", &self.inner.info().id)
            .field("spec", &self.spec)
            .field("samples", &self.samples)
            .finish()
    }
}

impl Sustained {
    /// Wraps `inner`; fails when the spec does not make sense, saying why.
    ///
    /// The wrapper's [`GateInfo`] is the inner gate's, with a timeout that covers the whole
    /// window (initial delay, the intervals between samples and every sample's own timeout,
    /// [`DEFAULT_SAMPLE_TIMEOUT`] when the inner gate sets none) and a short stop grace: the
    /// window answers cancellation itself, with the samples taken so far.
    pub fn new(inner: Box<dyn DynGate>, spec: SustainSpec) -> Result<Self, InvalidSustain> {
        let samples = spec.samples()?;
        let inner_info = inner.info();
        let sample_timeout = inner_info.timeout.unwrap_or(DEFAULT_SAMPLE_TIMEOUT);
        let inner_grace = inner_info.stop_grace.unwrap_or_default();
        // A sample of an inner gate with a stop grace may overstay its timeout by that grace.
        let per_sample = sample_timeout.saturating_add(inner_grace);
        let timeout = spec
            .initial_delay
            .map_or(Duration::ZERO, HumanDuration::get)
            .saturating_add(
                spec.interval
                    .get()
                    .saturating_mul(samples.saturating_sub(1)),
            )
            .saturating_add(per_sample.saturating_mul(samples));
        let info = GateInfo {
            timeout: Some(timeout),
            stop_grace: Some(inner_grace.saturating_add(OWN_STOP_GRACE)),
            ..inner_info.clone()
        };
        Ok(Self {
            info,
            inner,
            spec,
            samples,
            sample_timeout,
        })
    }

    /// The window's spec.
    pub fn spec(&self) -> &SustainSpec {
        &self.spec
    }

    /// How many samples the window takes at most.
    pub fn samples(&self) -> u32 {
        self.samples
    }

    /// The gate sampled.
    pub fn inner(&self) -> &dyn DynGate {
        self.inner.as_ref()
    }

    /// Takes samples until the window ends, by a rule, by running out or by cancellation.
    async fn run(&self, cx: &Context, window: &mut Window, start: Instant) -> Ending {
        let cancel = cx.cancellation();
        let id = &self.info.id;
        let n = self.samples;
        let delay = self
            .spec
            .initial_delay
            .map_or(Duration::ZERO, HumanDuration::get);
        if !delay.is_zero() {
            cx.progress(
                id,
                &format!("sample 1 of {n} in {}", format_duration(delay)),
            );
        }
        // When the next sample may start; a start that overflows the clock cannot happen
        // within the window's validated 24 hours, and would only mean "at once".
        let mut next = start.checked_add(delay).unwrap_or(start);
        for index in 1..=n {
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Ending::Cancelled,
                () = tokio::time::sleep_until(next) => {}
            }
            if index > 1 {
                cx.progress(id, &self.progress_line(index, window));
            }
            let started = Instant::now();
            next = started
                .checked_add(self.spec.interval.get())
                .unwrap_or(started);
            let at = cx.now();
            let Some(mut evaluation) = self.sample(cx).await else {
                return Ending::Cancelled;
            };
            evaluation.duration = started.elapsed();
            tracing::debug!(
                gate = %id,
                sample = index,
                of = n,
                verdict = %evaluation.verdict,
                "sample taken"
            );
            let offset = started.saturating_duration_since(start);
            let ending = window.record(at, offset, evaluation);
            if cx.wants_samples() {
                let so_far = window.clone().conclude(ending.unwrap_or(Ending::Completed));
                cx.sampled(SampleSoFar {
                    gate: &self.info,
                    sample: index,
                    of: n,
                    evaluation: &so_far,
                });
            }
            if let Some(ending) = ending {
                return ending;
            }
        }
        Ending::Completed
    }

    /// `sample 3 of 10, 3m30s left (1 pass, 1 fail)`: the time left is until the last
    /// sample starts.
    fn progress_line(&self, index: u32, window: &Window) -> String {
        let n = self.samples;
        let left = self
            .spec
            .interval
            .get()
            .saturating_mul(n.saturating_sub(index));
        let when = if left.is_zero() {
            "the last".to_owned()
        } else {
            format!("{} left", format_duration(left))
        };
        let tally = window.tally();
        if tally.is_empty() {
            format!("sample {index} of {n}, {when}")
        } else {
            format!("sample {index} of {n}, {when} ({tally})")
        }
    }

    /// One run of the inner gate, bounded by its timeout; `None` when the run was cancelled.
    async fn sample(&self, cx: &Context) -> Option<Evaluation> {
        let cancel = cx.cancellation();
        let timeout = self.sample_timeout;
        // A panicking inner gate costs one errored sample, not the window and its samples.
        let guarded = AssertUnwindSafe(self.inner.evaluate_boxed(cx)).catch_unwind();
        let finished = match self.inner.info().stop_grace {
            None => tokio::select! {
                biased;
                () = cancel.cancelled() => return None,
                result = tokio::time::timeout(timeout, guarded) => result.ok(),
            },
            // The inner gate enforces its timeout and answers cancellation itself, so that it
            // can stop what it started; it is dropped only when it overstays its grace.
            Some(grace) => tokio::select! {
                result = guarded => {
                    if cancel.is_cancelled() {
                        return None;
                    }
                    Some(result)
                }
                () = tokio::time::sleep(timeout.saturating_add(grace)) => None,
                () = async {
                    cancel.cancelled().await;
                    tokio::time::sleep(grace.min(CANCEL_GRACE)).await;
                } => return None,
            },
        };
        Some(match finished {
            Some(Ok(evaluation)) => evaluation,
            Some(Err(panic)) => panicked(panic.as_ref(), cx),
            None => timed_out(timeout),
        })
    }
}

impl Gate for Sustained {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let start = Instant::now();
        let mut window = Window::new(self.spec.clone(), self.samples);
        let ending = self.run(cx, &mut window, start).await;
        if ending == Ending::Cancelled {
            tracing::warn!(
                gate = %self.info.id,
                taken = window.taken(),
                of = self.samples,
                "sustained window cancelled"
            );
        }
        let mut evaluation = window.conclude(ending);
        evaluation.duration = start.elapsed();
        evaluation.redact(cx.redactor());
        evaluation
    }
}
