//! The runner: bounded concurrency, per-gate timeouts, plan order, cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use release_core::{
    Context, DynGate, Evaluation, Gate, GateInfo, Outcome, Policy, Runner, Verdict,
};
use tokio_util::sync::CancellationToken;

/// Sleeps, then gives a verdict; counts how many run at once.
struct Sleeper {
    info: GateInfo,
    sleep: Duration,
    verdict: Verdict,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Gate for Sleeper {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.sleep).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Evaluation::new(self.verdict, format!("slept {:?}", self.sleep))
    }
}

struct Gates {
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    gates: Vec<Box<dyn DynGate>>,
}

impl Gates {
    fn new() -> Self {
        Self {
            running: Arc::default(),
            peak: Arc::default(),
            gates: Vec::new(),
        }
    }

    fn add(mut self, id: &str, sleep_ms: u64, verdict: Verdict, timeout: Option<u64>) -> Self {
        let mut info = GateInfo::new(id, "test");
        info.timeout = timeout.map(Duration::from_millis);
        self.gates.push(Box::new(Sleeper {
            info,
            sleep: Duration::from_millis(sleep_ms),
            verdict,
            running: self.running.clone(),
            peak: self.peak.clone(),
        }));
        self
    }
}

fn ids_and_verdicts(report: &release_core::RunReport) -> Vec<(String, Verdict)> {
    report
        .results
        .iter()
        .map(|r| (r.info.id.clone(), r.evaluation.verdict))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn results_come_back_in_plan_order_whatever_finishes_first() {
    let set = Gates::new()
        .add("slow", 300, Verdict::Pass, None)
        .add("fast", 10, Verdict::Warn, None)
        .add("middle", 100, Verdict::Fail, None);
    let report = Runner::new()
        .run(&set.gates, &Context::builder("staging").build())
        .await;
    assert_eq!(
        ids_and_verdicts(&report),
        [
            ("slow".into(), Verdict::Pass),
            ("fast".into(), Verdict::Warn),
            ("middle".into(), Verdict::Fail)
        ]
    );
    assert_eq!(report.outcome(Policy::new(false)), Outcome::Blocked);
    assert!(!report.cancelled);
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded() {
    let mut set = Gates::new();
    for i in 0..10 {
        set = set.add(&format!("g{i}"), 50, Verdict::Pass, None);
    }
    let report = Runner::new()
        .concurrency(3)
        .run(&set.gates, &Context::builder("staging").build())
        .await;
    assert_eq!(report.results.len(), 10);
    assert_eq!(set.peak.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn runs_at_the_same_time_join_alongside_in_order_from_first_start_to_last_finish() {
    let cx = Context::builder("staging").build();
    let first = Gates::new()
        .add("a", 300, Verdict::Pass, None)
        .add("b", 10, Verdict::Pass, None);
    let second = Gates::new().add("c", 100, Verdict::Fail, None);
    let runner = Runner::new();
    let second_cx = cx.with_own_connections();
    let (first, second) = tokio::join!(
        runner.run(&first.gates, &cx),
        runner.run(&second.gates, &second_cx)
    );
    let (first_started, second_finished) = (first.started_at, second.finished_at);
    let joined = second.clone().alongside(first.clone());
    assert_eq!(
        ids_and_verdicts(&joined),
        [
            ("c".into(), Verdict::Fail),
            ("a".into(), Verdict::Pass),
            ("b".into(), Verdict::Pass)
        ]
    );
    assert_eq!(joined.started_at, first_started.min(second.started_at));
    assert_eq!(joined.finished_at, first.finished_at.max(second_finished));
    assert_eq!(
        joined.duration, first.duration,
        "the longer run, not the sum"
    );
    assert!(!joined.cancelled);
    assert!(second.alongside(first).duration >= Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn an_overrunning_gate_becomes_an_error_with_its_limit() {
    let set = Gates::new()
        .add("hangs", 60_000, Verdict::Pass, Some(1500))
        .add("default-timeout", 60_000, Verdict::Pass, None)
        .add("ok", 10, Verdict::Pass, Some(1500));
    let report = Runner::new()
        .default_timeout(Duration::from_secs(5))
        .run(&set.gates, &Context::builder("staging").build())
        .await;
    let hangs = &report.results[0].evaluation;
    assert_eq!(hangs.verdict, Verdict::Error);
    assert_eq!(hangs.summary, "timed out after 1.5s");
    assert_eq!(hangs.observations[0].rule, "timeout");
    assert_eq!(report.results[1].evaluation.summary, "timed out after 5s");
    assert_eq!(report.results[2].evaluation.verdict, Verdict::Pass);
}

#[tokio::test(start_paused = true)]
async fn cancelling_keeps_finished_results_and_marks_the_rest_cancelled() {
    let set = Gates::new()
        .add("quick", 10, Verdict::Pass, None)
        .add("long", 10_000, Verdict::Pass, None)
        .add("queued", 10, Verdict::Pass, None);
    let cancel = CancellationToken::new();
    let cx = Context::builder("staging")
        .cancellation(cancel.clone())
        .build();
    let trigger = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    let report = Runner::new().concurrency(2).run(&set.gates, &cx).await;
    trigger.await.unwrap();
    assert!(report.cancelled);
    assert_eq!(report.results[0].evaluation.verdict, Verdict::Pass);
    for r in &report.results[1..] {
        // "queued" started once "quick" finished, so it also ran; only "long" was in flight.
        if r.info.id == "long" {
            assert_eq!(r.evaluation.verdict, Verdict::Error);
            assert_eq!(r.evaluation.summary, "cancelled");
            assert_eq!(r.evaluation.observations[0].rule, "cancelled");
        }
    }
    assert_eq!(
        set.running.load(Ordering::SeqCst),
        1,
        "the in-flight gate was stopped mid-sleep, not awaited"
    );
    assert!(
        report.duration < Duration::from_secs(1),
        "cancellation does not wait for the long gate"
    );
}

#[tokio::test(start_paused = true)]
async fn a_gate_that_forgets_its_why_still_gets_an_observation() {
    let set = Gates::new()
        .add("bare", 1, Verdict::Fail, None)
        .add("fine", 1, Verdict::Pass, None);
    let report = Runner::new()
        .run(&set.gates, &Context::builder("staging").build())
        .await;
    let bare = &report.results[0].evaluation;
    assert_eq!(bare.observations.len(), 1);
    assert_eq!(bare.observations[0].observed, "fail");
    assert!(report.results[1].evaluation.observations.is_empty());
}

#[tokio::test]
async fn an_empty_set_passes_and_a_single_concurrency_runs_in_sequence() {
    let report = Runner::new()
        .run(&[], &Context::builder("staging").build())
        .await;
    assert!(report.results.is_empty());
    assert_eq!(report.outcome(Policy::new(true)), Outcome::Passed);
    assert_eq!(
        Runner::new()
            .concurrency(0)
            .run(&[], &Context::builder("x").build())
            .await
            .results
            .len(),
        0
    );
}

struct Panics(GateInfo);

impl Gate for Panics {
    fn info(&self) -> &GateInfo {
        &self.0
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        panic!("bug in a custom gate, token hunter2-hunter2");
    }
}

#[tokio::test]
async fn a_panicking_gate_becomes_an_error_and_the_run_goes_on() {
    let mut redactor = release_core::Redactor::new();
    redactor.add("hunter2-hunter2");
    let cx = Context::builder("staging").redactor(redactor).build();
    let mut gates: Vec<Box<dyn DynGate>> =
        vec![Box::new(Panics(GateInfo::new("panics", "custom")))];
    gates.extend(Gates::new().add("after", 1, Verdict::Pass, None).gates);
    let report = Runner::new().run(&gates, &cx).await;
    let panicked = &report.results[0].evaluation;
    assert_eq!(panicked.verdict, Verdict::Error);
    assert_eq!(
        panicked.summary,
        "the gate panicked: bug in a custom gate, token [redacted]"
    );
    assert_eq!(report.results[1].evaluation.verdict, Verdict::Pass);
}

#[tokio::test(start_paused = true)]
async fn a_kind_limit_queues_heavy_gates_while_others_run_and_their_timeout_waits() {
    // Three "test" gates of 100 ms each may run one at a time, with a 150 ms timeout each:
    // queued, not timed out, since a gate's timeout starts when it starts.
    let gates = Gates::new()
        .add("a", 100, Verdict::Pass, Some(150))
        .add("b", 100, Verdict::Pass, Some(150))
        .add("c", 100, Verdict::Pass, Some(150));
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = events.clone();
    let runner = Runner::new()
        .kind_concurrency("test", 1)
        .observer(move |event| seen.lock().unwrap().push(format!("{event:?}")));
    let report = runner
        .run(&gates.gates, &Context::builder("staging").build())
        .await;
    assert_eq!(gates.peak.load(Ordering::SeqCst), 1, "one at a time");
    assert!(
        report
            .results
            .iter()
            .all(|r| r.evaluation.verdict == Verdict::Pass),
        "{report:#?}"
    );
    {
        let events = events.lock().unwrap();
        assert_eq!(events.len(), 6);
        assert!(
            events[0].starts_with("Started") && events[1].starts_with("Finished"),
            "{events:?}"
        );
    }

    // Other kinds are not held back.
    let mixed = Gates::new()
        .add("a", 100, Verdict::Pass, None)
        .add("b", 100, Verdict::Pass, None);
    let runner = Runner::new().kind_concurrency("command", 1);
    runner
        .run(&mixed.gates, &Context::builder("staging").build())
        .await;
    assert_eq!(mixed.peak.load(Ordering::SeqCst), 2);
}

/// Claims a long stop grace and ignores cancellation: the runner must not wait it out.
struct Deaf(GateInfo);

impl Gate for Deaf {
    fn info(&self) -> &GateInfo {
        &self.0
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Evaluation::pass("outlived the run")
    }
}

#[tokio::test(start_paused = true)]
async fn after_cancellation_a_gate_gets_at_most_the_cancel_grace_whatever_its_stop_grace() {
    let mut info = GateInfo::new("deaf", "test");
    info.stop_grace = Some(Duration::from_secs(300));
    let gates: Vec<Box<dyn DynGate>> = vec![Box::new(Deaf(info))];
    let cancel = CancellationToken::new();
    let cx = Context::builder("staging")
        .cancellation(cancel.clone())
        .build();
    let trigger = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    let started = tokio::time::Instant::now();
    let report = Runner::new().run(&gates, &cx).await;
    trigger.await.unwrap();
    assert!(report.cancelled);
    assert_eq!(report.results[0].evaluation.summary, "cancelled");
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(100) + release_core::CANCEL_GRACE,
        "dropped at the cancel grace, not after its own five minutes"
    );
}
