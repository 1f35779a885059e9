//! The scripted gate under a real runner: concurrency, timeouts and paused time.

use std::time::Duration;

use release_core::{Context, DynGate, Evaluation, GateInfo, Runner, Verdict};
use release_testkit::MockGate;

#[tokio::test(start_paused = true)]
async fn a_delayed_gate_costs_no_real_time_and_its_timeout_still_applies() {
    let started = std::time::Instant::now();
    let slow = MockGate::new("slow")
        .returning(Evaluation::pass("done"))
        .delay(Duration::from_secs(30));
    let hung = MockGate::with_info(GateInfo::new("hung", "mock").timeout(Duration::from_secs(5)))
        .delay(Duration::from_secs(3600));
    let (slow_calls, hung_calls) = (slow.calls(), hung.calls());
    let gates: Vec<Box<dyn DynGate>> = vec![Box::new(slow), Box::new(hung)];

    let report = Runner::new()
        .run(&gates, &Context::builder("staging").build())
        .await;

    assert_eq!(report.results[0].evaluation.verdict, Verdict::Pass);
    assert_eq!(report.results[1].evaluation.verdict, Verdict::Error);
    assert_eq!((slow_calls.count(), hung_calls.count()), (1, 1));
    assert!(started.elapsed() < Duration::from_secs(5), "paused time");
}

#[tokio::test]
async fn each_scripted_evaluation_is_served_once_then_the_last_repeats() {
    let gate = MockGate::new("error-rate")
        .returning(Evaluation::error("timed out"))
        .returning(Evaluation::warn("0.8%"))
        .returning(Evaluation::pass("0.1%"));
    let calls = gate.calls();
    let gates: Vec<Box<dyn DynGate>> = vec![Box::new(gate)];
    let cx = Context::builder("production").build();
    let mut verdicts = Vec::new();
    for _ in 0..5 {
        verdicts.push(
            Runner::new().run(&gates, &cx).await.results[0]
                .evaluation
                .verdict,
        );
    }
    assert_eq!(
        verdicts,
        [
            Verdict::Error,
            Verdict::Warn,
            Verdict::Pass,
            Verdict::Pass,
            Verdict::Pass
        ]
    );
    assert_eq!(calls.count(), 5);
}
