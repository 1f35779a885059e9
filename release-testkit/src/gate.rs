//! A gate for tests, answering from a script.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use release_core::{Context, Evaluation, Gate, GateInfo};

use crate::script::Script;

/// A [`Gate`] that returns scripted [`Evaluation`]s, in order, **the last one repeating**,
/// optionally after a delay, and counts its calls: for testing runners, policies and reports
/// without a server, in the style of wiremock's mocks.
///
/// With nothing scripted it passes (summary `nothing scripted`). The delay is a
/// `tokio::time::sleep`, so a test with paused time runs it instantly; the call is counted
/// before it, so a test sees a call that is still running.
///
/// ```
/// use std::time::Duration;
///
/// use release_core::{Context, DynGate, Evaluation, Outcome, Policy, Runner, Verdict};
/// use release_testkit::MockGate;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let flaky = MockGate::new("api-health")
///     .returning(Evaluation::error("connection refused"))
///     .returning(Evaluation::pass("200 OK"));
/// let slow = MockGate::new("migrations").delay(Duration::from_millis(50));
/// let calls = flaky.calls();
/// let gates: Vec<Box<dyn DynGate>> = vec![Box::new(flaky), Box::new(slow)];
///
/// let cx = Context::builder("staging").build();
/// let first = Runner::new().run(&gates, &cx).await;
/// assert_eq!(first.results[0].evaluation.verdict, Verdict::Error);
/// assert_eq!(first.outcome(Policy::new(false)), Outcome::Blocked);
///
/// let second = Runner::new().run(&gates, &cx).await;
/// assert_eq!(second.results[0].evaluation.summary, "200 OK");
/// assert_eq!(second.results[1].evaluation.summary, "nothing scripted");
/// assert_eq!(second.outcome(Policy::new(false)), Outcome::Passed);
/// assert_eq!(calls.count(), 2);
/// # });
/// ```
pub struct MockGate {
    info: GateInfo,
    script: Mutex<Script<Evaluation>>,
    delay: Option<Duration>,
    calls: MockGateCalls,
}

/// A handle on a [`MockGate`]'s call count, kept after the gate is boxed and handed to a
/// runner.
///
/// ```
/// use release_core::{Context, Gate};
/// use release_testkit::MockGate;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let gate = MockGate::new("env");
/// let calls = gate.calls();
/// assert_eq!(calls.count(), 0);
/// gate.evaluate(&Context::builder("staging").build()).await;
/// assert_eq!(calls.count(), 1);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct MockGateCalls(Arc<AtomicUsize>);

impl MockGateCalls {
    /// How many times the gate was evaluated so far (counting one still running).
    ///
    /// ```
    /// let calls = release_testkit::MockGate::new("env").calls();
    /// assert_eq!(calls.count(), 0);
    /// ```
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl MockGate {
    /// A required gate `id` of kind `mock`, with no phases and nothing scripted.
    ///
    /// ```
    /// let gate = release_testkit::MockGate::new("api-health");
    /// assert_eq!(release_core::Gate::info(&gate).kind, "mock");
    /// ```
    pub fn new(id: &str) -> Self {
        Self::with_info(GateInfo::new(id, "mock"))
    }

    /// A gate that is `info` (its id, kind, phases, timeout…), with nothing scripted.
    ///
    /// ```
    /// use release_core::{Gate, GateInfo};
    /// use release_testkit::MockGate;
    ///
    /// let gate = MockGate::with_info(GateInfo::new("smoke-web", "http").phase("smoke").optional());
    /// assert!(!gate.info().required);
    /// assert_eq!(gate.info().phases, ["smoke"]);
    /// ```
    pub fn with_info(info: GateInfo) -> Self {
        Self {
            info,
            script: Mutex::new(Script::default()),
            delay: None,
            calls: MockGateCalls::default(),
        }
    }

    /// Adds `evaluation` at the end of the script: the gate returns each scripted evaluation
    /// once, in order, then repeats the last.
    ///
    /// ```
    /// use release_core::{Context, Evaluation, Gate, Verdict};
    /// use release_testkit::MockGate;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let gate = MockGate::new("error-rate")
    ///     .returning(Evaluation::warn("0.8% errors"))
    ///     .returning(Evaluation::fail("3% errors"));
    /// let cx = Context::builder("production").build();
    /// let verdicts = [
    ///     gate.evaluate(&cx).await.verdict,
    ///     gate.evaluate(&cx).await.verdict,
    ///     gate.evaluate(&cx).await.verdict,
    /// ];
    /// assert_eq!(verdicts, [Verdict::Warn, Verdict::Fail, Verdict::Fail]);
    /// # });
    /// ```
    #[must_use]
    pub fn returning(self, evaluation: Evaluation) -> Self {
        lock(&self.script).push(evaluation);
        self
    }

    /// Waits `delay` before each answer (a `tokio::time::sleep`: instant under paused time).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use release_core::{Context, DynGate, GateInfo, Runner, Verdict};
    /// use release_testkit::MockGate;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let info = GateInfo::new("hangs", "mock").timeout(Duration::from_millis(20));
    /// let gates: Vec<Box<dyn DynGate>> =
    ///     vec![Box::new(MockGate::with_info(info).delay(Duration::from_secs(60)))];
    /// let report = Runner::new().run(&gates, &Context::builder("staging").build()).await;
    /// assert_eq!(report.results[0].evaluation.verdict, Verdict::Error);
    /// # });
    /// ```
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// A handle on the call count, to keep before the gate is boxed.
    ///
    /// ```
    /// let gate = release_testkit::MockGate::new("env");
    /// let calls = gate.calls();
    /// let boxed: Box<dyn release_core::DynGate> = Box::new(gate);
    /// # drop(boxed);
    /// assert_eq!(calls.count(), 0);
    /// ```
    pub fn calls(&self) -> MockGateCalls {
        self.calls.clone()
    }
}

impl Gate for MockGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        self.calls.0.fetch_add(1, Ordering::SeqCst);
        let evaluation = lock(&self.script)
            .next()
            .cloned()
            .unwrap_or_else(|| Evaluation::pass("nothing scripted"));
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        evaluation
    }
}

impl fmt::Debug for MockGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockGate")
            .field("info", &self.info)
            .field("delay", &self.delay)
            .field("calls", &self.calls.count())
            .finish_non_exhaustive()
    }
}

/// The script, even if a thread panicked while holding it (a script is valid at every step).
fn lock(script: &Mutex<Script<Evaluation>>) -> std::sync::MutexGuard<'_, Script<Evaluation>> {
    script.lock().unwrap_or_else(PoisonError::into_inner)
}
