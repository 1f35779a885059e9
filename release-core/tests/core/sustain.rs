//! Sustained evaluation: a scripted inner gate sampled over a window, on tokio's paused clock.
//! Every time asserted here is the paused clock's; none is wall time.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use release_core::sustain::{SustainSpec, Sustained};
use release_core::{
    Clock, Context, DynGate, Evaluation, Evidence, Gate, GateInfo, Observation, Runner, Threshold,
    ThresholdLevel, Verdict,
};
use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// What the scripted gate does on one call.
#[derive(Debug, Clone)]
enum Step {
    /// Answers at once with this verdict and, when given, an `error_rate` measurement.
    Give(Verdict, Option<f64>),
    /// Takes this long, then passes.
    Slow(Duration),
    /// Never answers.
    Hang,
    /// Panics.
    Panic,
    /// Passes after this many attempts (its own retries).
    Retried(u32),
}

use Verdict::{Error as E, Fail as F, Inconclusive as I, Pass as P, Skipped as S, Warn as W};

fn give(verdict: Verdict) -> Step {
    Step::Give(verdict, None)
}

fn valued(verdict: Verdict, value: f64) -> Step {
    Step::Give(verdict, Some(value))
}

fn steps(verdicts: &[Verdict]) -> Vec<Step> {
    verdicts.iter().copied().map(give).collect()
}

/// When each call started, on the paused clock.
#[derive(Debug, Clone, Default)]
struct Calls(Arc<Mutex<Vec<Instant>>>);

impl Calls {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Each call's start, relative to `origin`.
    fn starts(&self, origin: Instant) -> Vec<Duration> {
        self.0.lock().unwrap().iter().map(|t| *t - origin).collect()
    }
}

/// Plays its script one step per call, then repeats the last step.
struct Scripted {
    info: GateInfo,
    script: Mutex<VecDeque<Step>>,
    last: Mutex<Option<Step>>,
    calls: Calls,
}

impl Gate for Scripted {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        self.calls.0.lock().unwrap().push(Instant::now());
        let step = {
            let mut last = self.last.lock().unwrap();
            if let Some(step) = self.script.lock().unwrap().pop_front() {
                *last = Some(step);
            }
            last.clone().expect("a script has at least one step")
        };
        match step {
            Step::Give(verdict, value) => {
                let mut evaluation = Evaluation::new(verdict, format!("scripted {verdict}"));
                if verdict != P {
                    evaluation = evaluation.observation(Observation::new(
                        "error_rate",
                        value.map_or(json!(null), |v| json!(v)),
                        "at most 0.05",
                        "le",
                    ));
                }
                if let Some(value) = value {
                    evaluation = evaluation.measurement("error_rate", value, None);
                    // What a chart draws the samples against: the window keeps the last given.
                    evaluation.thresholds = vec![
                        Threshold::new(ThresholdLevel::Warn, "warn above", 0.02),
                        Threshold::new(ThresholdLevel::Fail, "fail above", 0.05),
                    ];
                }
                evaluation.evidence([Evidence::new("query", "sum(rate(errors[5m]))")])
            }
            Step::Slow(took) => {
                tokio::time::sleep(took).await;
                Evaluation::pass(format!("took {took:?}"))
            }
            Step::Hang => std::future::pending().await,
            Step::Retried(attempts) => {
                let mut evaluation = Evaluation::pass("passed after retries");
                evaluation.attempts = attempts;
                evaluation
            }
            Step::Panic => panic!("scripted panic"),
        }
    }
}

fn scripted(script: Vec<Step>, timeout: Option<Duration>) -> (Scripted, Calls) {
    let calls = Calls::default();
    let mut info = GateInfo::new("error-rate", "prometheus").phase("launch");
    info.timeout = timeout;
    let gate = Scripted {
        info,
        script: Mutex::new(script.into()),
        last: Mutex::new(None),
        calls: calls.clone(),
    };
    (gate, calls)
}

/// A sustained scripted gate with a 5s per-sample timeout.
fn sustained(script: Vec<Step>, spec: SustainSpec) -> (Sustained, Calls) {
    let (inner, calls) = scripted(script, Some(secs(5)));
    (Sustained::new(Box::new(inner), spec).unwrap(), calls)
}

/// A clock that follows tokio's paused clock from a fixed instant, so `at` times are exact.
#[derive(Debug)]
struct PausedClock {
    base: Timestamp,
    origin: Instant,
}

impl Clock for PausedClock {
    fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.origin.elapsed()).unwrap();
        self.base.checked_add(elapsed).unwrap()
    }
}

fn context() -> Context {
    Context::builder("production")
        .clock(Arc::new(PausedClock {
            base: "2026-11-27T10:00:00Z".parse().unwrap(),
            origin: Instant::now(),
        }))
        .build()
}

fn every_30s(count: u32) -> SustainSpec {
    SustainSpec::count(secs(30), count)
}

fn sample_verdicts(evaluation: &Evaluation) -> Vec<String> {
    evaluation.details.as_ref().unwrap()["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["verdict"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn more_failures_than_the_limit_fail_at_once_and_skip_the_rest() {
    let script = vec![
        valued(P, 0.01),
        valued(F, 0.07),
        valued(F, 0.08),
        valued(P, 0.012),
        valued(F, 0.09),
        valued(P, 0.01),
    ];
    let (gate, calls) = sustained(script, every_30s(10).failure_limit(2));
    let origin = Instant::now();
    let evaluation = gate.evaluate(&context()).await;

    assert_eq!(evaluation.verdict, F);
    assert_eq!(
        evaluation.summary,
        "failure limit exceeded at sample 5 of 10: 2 pass, 3 fail (limit 2); sample 5: scripted fail"
    );
    assert_eq!(calls.count(), 5, "the other five samples are not taken");
    assert_eq!(evaluation.samples, Some(5));
    assert_eq!(evaluation.attempts, 1, "samples are not attempts");
    assert_eq!(
        origin.elapsed(),
        secs(4 * 30),
        "it stops right after the fifth"
    );
    assert_eq!(
        evaluation.observations,
        [
            Observation::new("failed samples", 3, "at most 2", "failure_limit"),
            // The deciding sample's own observation, threshold beside value.
            Observation::new("error_rate", 0.09, "at most 0.05", "le"),
        ]
    );
    assert_eq!(
        evaluation.evidence[0],
        Evidence::new("sample 5: query", "sum(rate(errors[5m]))")
    );
    // Baselines come from the last passing sample.
    assert_eq!(evaluation.measurements.len(), 1);
    assert_eq!(evaluation.measurements[0].value, 0.012);
}

#[tokio::test(start_paused = true)]
async fn errors_in_a_row_beyond_the_limit_end_in_error_and_any_other_sample_resets_them() {
    let spec = every_30s(10).consecutive_error_limit(2);
    let (gate, calls) = sustained(steps(&[E, E, P, E, E, E, P]), spec);
    let evaluation = gate.evaluate(&context()).await;

    assert_eq!(evaluation.verdict, E);
    assert_eq!(calls.count(), 6);
    assert_eq!(
        evaluation.summary,
        "3 errors in a row at sample 6 of 10: 1 pass, 5 error (limit 2 in a row); sample 6: scripted error"
    );
    assert_eq!(
        evaluation.observations[0],
        Observation::new(
            "errored samples in a row",
            3,
            "at most 2",
            "consecutive_error_limit"
        )
    );

    // The default tolerates four in a row, as Argo Rollouts does.
    let (gate, calls) = sustained(steps(&[E]), every_30s(10));
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!((evaluation.verdict, calls.count()), (E, 5));
}

#[tokio::test(start_paused = true)]
async fn a_recovery_within_the_window_passes_once_enough_samples_in_a_row_pass() {
    let spec = every_30s(10).failure_limit(2).consecutive_successes(3);
    let (gate, calls) = sustained(steps(&[F, F, P, P, P, F]), spec);
    let evaluation = gate.evaluate(&context()).await;

    assert_eq!(evaluation.verdict, P);
    assert_eq!(
        calls.count(),
        5,
        "it passes early, at the third pass in a row"
    );
    assert_eq!(
        evaluation.summary,
        "3 samples in a row passed at sample 5 of 10: 3 pass, 2 fail (limit 2); sample 5: scripted pass"
    );
    assert!(evaluation.observations.is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_the_run_of_passes_by_the_end_the_window_fails() {
    let spec = SustainSpec::count(secs(30), 5)
        .failure_limit(2)
        .consecutive_successes(3);
    let (gate, calls) = sustained(steps(&[P, P, F, P, P]), spec);
    let evaluation = gate.evaluate(&context()).await;

    assert_eq!(evaluation.verdict, F);
    assert_eq!(calls.count(), 5);
    assert_eq!(
        evaluation.summary,
        "5 samples without 3 passing in a row: 4 pass, 1 fail (limit 2); sample 3: scripted fail"
    );
    assert_eq!(
        evaluation.observations[0],
        Observation::new(
            "passing samples in a row at the end",
            2,
            "at least 3",
            "consecutive_successes"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn tolerated_failures_and_warnings_turn_a_pass_into_a_warning_that_says_which() {
    let (gate, _) = sustained(steps(&[P, F, P, W, P]), every_30s(5).failure_limit(2));
    let evaluation = gate.evaluate(&context()).await;

    assert_eq!(evaluation.verdict, W);
    assert_eq!(
        evaluation.summary,
        "5 of 5 samples: 3 pass, 1 warn, 1 fail (limit 2); sample 4: scripted warn"
    );
    assert_eq!(
        evaluation.observations[..2],
        [
            Observation::new("failed samples", 1, "at most 2", "failure_limit"),
            Observation::new("warning samples", 1, 0, "warn"),
        ]
    );
    // Then the later of the two, the warning sample's own observation.
    assert_eq!(evaluation.observations[2].name, "error_rate");
    assert_eq!(evaluation.evidence[0].name, "sample 4: query");
}

#[tokio::test(start_paused = true)]
async fn no_data_throughout_is_inconclusive_and_never_a_pass() {
    let (gate, calls) = sustained(steps(&[I]), every_30s(5));
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, I);
    assert_eq!(calls.count(), 5, "every sample is taken: data may come");
    assert_eq!(
        evaluation.summary,
        "no data in any of 5 samples: 5 inconclusive; sample 5: scripted inconclusive"
    );
    assert_eq!(
        evaluation.observations[0],
        Observation::new("passing samples", 0, "at least 1", "no_data")
    );
    assert!(evaluation.measurements.is_empty());

    // Nor with a run of passes asked for, nor with tolerated errors mixed in.
    for (script, spec) in [
        (vec![I], every_30s(5).consecutive_successes(2)),
        (vec![I, E, I, E, E], every_30s(5)),
    ] {
        let (gate, _) = sustained(steps(&script), spec);
        let evaluation = gate.evaluate(&context()).await;
        assert_eq!(evaluation.verdict, I, "{script:?}");
    }

    // Errors alone, none beyond the limit, are an error; failures without a pass, a failure.
    let (gate, _) = sustained(steps(&[E]), every_30s(3));
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, E);
    assert_eq!(
        evaluation.summary,
        "every one of 3 samples errored: 3 error (limit 4 in a row); sample 3: scripted error"
    );
    let (gate, _) = sustained(steps(&[I, F, I]), every_30s(3).failure_limit(1));
    assert_eq!(gate.evaluate(&context()).await.verdict, F);
}

/// Whatever the samples, a window passes only with a passing sample, and every verdict but a
/// pass says why.
#[tokio::test(start_paused = true)]
async fn no_sequence_of_samples_passes_without_a_passing_one_or_explains_nothing() {
    let verdicts = [P, W, F, I, E];
    let specs = [
        SustainSpec::count(secs(1), 4).failure_limit(1),
        SustainSpec::count(secs(1), 4)
            .failure_limit(2)
            .consecutive_successes(2),
        SustainSpec::count(secs(1), 4).consecutive_error_limit(1),
    ];
    for spec in specs {
        for code in 0..verdicts.len().pow(4) {
            let script: Vec<Verdict> = (0..4)
                .map(|i| verdicts[code / verdicts.len().pow(i) % verdicts.len()])
                .collect();
            let (gate, _) = sustained(steps(&script), spec.clone());
            let evaluation = gate.evaluate(&context()).await;
            let taken = &script[..evaluation.samples.unwrap() as usize];
            if matches!(evaluation.verdict, P | W) {
                assert!(
                    taken.iter().any(|v| matches!(v, P | W)),
                    "{script:?} {spec:?}: {}",
                    evaluation.summary
                );
            } else {
                assert!(!evaluation.observations.is_empty(), "{script:?} {spec:?}");
            }
            if evaluation.verdict == P {
                assert!(!taken.contains(&F) || spec.consecutive_successes.is_some());
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_inner_gate_costs_each_sample_its_timeout_and_no_more() {
    let (gate, calls) = sustained(vec![Step::Hang], SustainSpec::count(secs(10), 3));
    let origin = Instant::now();
    let evaluation = gate.evaluate(&context()).await;

    assert_eq!(evaluation.verdict, E);
    assert_eq!(
        evaluation.summary,
        "every one of 3 samples errored: 3 error (limit 4 in a row); sample 3: timed out after 5s"
    );
    assert_eq!(calls.starts(origin), [secs(0), secs(10), secs(20)]);
    assert_eq!(
        origin.elapsed(),
        secs(25),
        "the last sample times out after 5s"
    );
    let samples = &evaluation.details.as_ref().unwrap()["samples"];
    assert_eq!(samples[2]["summary"], "timed out after 5s");
    assert_eq!(evaluation.observations[1].rule, "timeout");

    // A sample slower than the interval delays the next; samples never overlap.
    let (gate, calls) = sustained(vec![Step::Hang], SustainSpec::count(secs(2), 3));
    let origin = Instant::now();
    gate.evaluate(&context()).await;
    assert_eq!(calls.starts(origin), [secs(0), secs(5), secs(10)]);
    assert_eq!(origin.elapsed(), secs(15));
    assert!(Gate::info(&gate).timeout.unwrap() >= secs(15));
}

#[tokio::test(start_paused = true)]
async fn an_inner_gate_without_a_timeout_gets_the_runners_default_per_sample() {
    let (inner, calls) = scripted(vec![Step::Hang], None);
    let spec = SustainSpec::count(secs(30), 2).consecutive_error_limit(0);
    let gate = Sustained::new(Box::new(inner), spec).unwrap();
    let origin = Instant::now();
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, E);
    assert_eq!(calls.count(), 1);
    assert_eq!(origin.elapsed(), secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_inner_gate_costs_an_errored_sample_not_the_window() {
    let (gate, calls) = sustained(
        vec![give(P), Step::Panic, give(P)],
        SustainSpec::count(secs(1), 3),
    );
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(calls.count(), 3);
    assert_eq!(sample_verdicts(&evaluation), ["pass", "error", "pass"]);
    let samples = &evaluation.details.as_ref().unwrap()["samples"];
    assert_eq!(samples[1]["summary"], "the gate panicked: scripted panic");
    assert_eq!(evaluation.verdict, P, "one tolerated error");
}

#[tokio::test(start_paused = true)]
async fn cancellation_between_samples_ends_the_window_at_once_with_the_samples_so_far() {
    let cancel = CancellationToken::new();
    let cx = Context::builder("production")
        .cancellation(cancel.clone())
        .build();
    let (gate, calls) = sustained(steps(&[P]), SustainSpec::count(secs(10), 10));
    let origin = Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(secs(25)).await;
        cancel.cancel();
    });
    let evaluation = gate.evaluate(&cx).await;

    assert_eq!(origin.elapsed(), secs(25), "no waiting for the next sample");
    assert_eq!(evaluation.verdict, E);
    assert_eq!(
        evaluation.summary,
        "cancelled after 3 of 10 samples: 3 pass"
    );
    assert_eq!(
        evaluation.observations,
        [Observation::new("samples taken", 3, 10, "cancelled")]
    );
    assert_eq!(calls.count(), 3);
    assert_eq!(sample_verdicts(&evaluation), ["pass", "pass", "pass"]);
    assert_eq!(evaluation.details.as_ref().unwrap()["ended"], "cancelled");
}

#[tokio::test(start_paused = true)]
async fn cancellation_during_a_sample_drops_it_and_keeps_the_ones_before() {
    let cancel = CancellationToken::new();
    let cx = Context::builder("production")
        .cancellation(cancel.clone())
        .build();
    let (gate, _) = sustained(vec![Step::Hang], SustainSpec::count(secs(10), 10));
    let origin = Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(secs(12)).await;
        cancel.cancel();
    });
    let evaluation = gate.evaluate(&cx).await;

    assert_eq!(origin.elapsed(), secs(12));
    assert_eq!(
        evaluation.summary,
        "cancelled after 1 of 10 samples: 1 error (limit 4 in a row)"
    );
    assert_eq!(sample_verdicts(&evaluation), ["error"]);

    // Cancelled before it starts: no sample at all.
    let cancel = CancellationToken::new();
    cancel.cancel();
    let cx = Context::builder("production").cancellation(cancel).build();
    let (gate, calls) = sustained(steps(&[P]), SustainSpec::count(secs(10), 10));
    let evaluation = gate.evaluate(&cx).await;
    assert_eq!(evaluation.summary, "cancelled after 0 of 10 samples");
    assert_eq!(calls.count(), 0);
}

/// Like a command gate: enforces its own 5s timeout and, when cancelled, takes a second to
/// stop what it started; `hang` makes it ignore both.
struct Graceful {
    info: GateInfo,
    hang: bool,
    /// How long it takes to clean up after a cancellation.
    cleanup: Duration,
    cleaned_up: Arc<Mutex<bool>>,
}

impl Gate for Graceful {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        if self.hang {
            std::future::pending::<()>().await;
        }
        tokio::select! {
            () = cx.cancellation().cancelled() => {
                tokio::time::sleep(self.cleanup).await;
                *self.cleaned_up.lock().unwrap() = true;
                Evaluation::error("cancelled; processes stopped")
            }
            () = tokio::time::sleep(secs(5)) => Evaluation::error("timed out after 5s (own)"),
        }
    }
}

fn graceful(hang: bool, cleanup: Duration) -> (Sustained, Arc<Mutex<bool>>) {
    let cleaned_up = Arc::new(Mutex::new(false));
    let mut info = GateInfo::new("qa", "command").timeout(secs(5));
    info.stop_grace = Some(secs(2));
    let inner = Graceful {
        info,
        hang,
        cleanup,
        cleaned_up: cleaned_up.clone(),
    };
    let gate = Sustained::new(Box::new(inner), SustainSpec::count(secs(10), 3)).unwrap();
    (gate, cleaned_up)
}

#[tokio::test(start_paused = true)]
async fn an_inner_gate_with_a_stop_grace_gets_it_on_cancellation_and_past_its_timeout() {
    // After a cancellation the inner gate gets its stop grace, but at most CANCEL_GRACE: a
    // cancelled run must end within a second. A quick cleanup finishes; a slow one is cut.
    let quick = Duration::from_millis(300);
    for (cleanup, ends, cleaned) in [
        (quick, secs(12) + quick, true),
        (secs(1), secs(12) + release_core::CANCEL_GRACE, false),
    ] {
        let cancel = CancellationToken::new();
        let cx = Context::builder("staging")
            .cancellation(cancel.clone())
            .build();
        let (gate, cleaned_up) = graceful(false, cleanup);
        let origin = Instant::now();
        tokio::spawn(async move {
            tokio::time::sleep(secs(12)).await;
            cancel.cancel();
        });
        let evaluation = gate.evaluate(&cx).await;
        assert_eq!(origin.elapsed(), ends, "cleanup {cleanup:?}");
        assert_eq!(*cleaned_up.lock().unwrap(), cleaned, "cleanup {cleanup:?}");
        assert_eq!(
            evaluation.summary,
            "cancelled after 1 of 3 samples: 1 error (limit 4 in a row)"
        );
        let samples = &evaluation.details.as_ref().unwrap()["samples"];
        assert_eq!(samples[0]["summary"], "timed out after 5s (own)");
    }

    // One that overstays its timeout and grace is dropped then, as the runner would.
    let (gate, _) = graceful(true, secs(1));
    let origin = Instant::now();
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(origin.elapsed(), secs(20 + 7));
    assert_eq!(evaluation.verdict, E);
    assert_eq!(sample_verdicts(&evaluation), ["error", "error", "error"]);
}

#[tokio::test(start_paused = true)]
async fn the_runner_reports_the_windows_own_cancellation_not_a_bare_one() {
    let cancel = CancellationToken::new();
    let cx = Context::builder("production")
        .cancellation(cancel.clone())
        .build();
    let (gate, _) = sustained(steps(&[P]), SustainSpec::count(secs(10), 10));
    let gates: Vec<Box<dyn DynGate>> = vec![Box::new(gate)];
    tokio::spawn(async move {
        tokio::time::sleep(secs(25)).await;
        cancel.cancel();
    });
    let report = Runner::new().run(&gates, &cx).await;

    assert!(report.cancelled);
    let evaluation = &report.results[0].evaluation;
    assert_eq!(
        evaluation.summary,
        "cancelled after 3 of 10 samples: 3 pass"
    );
    assert_eq!(evaluation.samples, Some(3));
    assert_eq!(report.duration, secs(25));
}

#[tokio::test(start_paused = true)]
async fn samples_start_an_interval_apart_after_the_initial_delay() {
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let cx = Context::builder("production")
        .clock(Arc::new(PausedClock {
            base: "2026-11-27T10:00:00Z".parse().unwrap(),
            origin: Instant::now(),
        }))
        .progress(move |gate, message| seen.lock().unwrap().push(format!("{gate}: {message}")))
        .build();
    // Each sample takes 4s: the interval is between starts, not from one end to the next start.
    let spec = SustainSpec::count(secs(30), 4).initial_delay(secs(60));
    let (gate, calls) = sustained(vec![Step::Slow(secs(4))], spec);
    let origin = Instant::now();
    let evaluation = gate.evaluate(&cx).await;

    assert_eq!(evaluation.verdict, P);
    assert_eq!(
        calls.starts(origin),
        [secs(60), secs(90), secs(120), secs(150)]
    );
    assert_eq!(origin.elapsed(), secs(154));
    let at: Vec<&str> = evaluation.details.as_ref().unwrap()["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        at,
        [
            "2026-11-27T10:01:00Z",
            "2026-11-27T10:01:30Z",
            "2026-11-27T10:02:00Z",
            "2026-11-27T10:02:30Z"
        ]
    );
    assert_eq!(
        *progress.lock().unwrap(),
        [
            "error-rate: sample 1 of 4 in 1m",
            "error-rate: sample 2 of 4, 1m left (1 pass)",
            "error-rate: sample 3 of 4, 30s left (2 pass)",
            "error-rate: sample 4 of 4, the last (3 pass)",
        ]
    );
    let table = &evaluation.evidence.last().unwrap();
    assert_eq!(table.name, "samples");
    assert_eq!(
        table.detail,
        "#1 +1m pass, #2 +1m30s pass, #3 +2m pass, #4 +2m30s pass"
    );
}

#[tokio::test(start_paused = true)]
async fn the_details_list_the_window_and_every_sample() {
    let script = vec![
        valued(P, 0.01),
        valued(W, 0.03),
        give(I),
        give(E),
        valued(F, 0.07),
        valued(P, 0.012),
    ];
    let spec = SustainSpec::count(secs(30), 6)
        .initial_delay(secs(10))
        .failure_limit(1);
    let (gate, _) = sustained(script, spec);
    let evaluation = gate.evaluate(&context()).await;
    let shown = json!({
        "verdict": evaluation.verdict,
        "summary": evaluation.summary,
        "attempts": evaluation.attempts,
        "samples": evaluation.samples,
        "observations": evaluation.observations,
        "evidence": evaluation.evidence,
        "measurements": evaluation.measurements,
        "details": evaluation.details,
    });
    insta::assert_json_snapshot!("mixed_window", shown, {
        ".details.samples[].at" => "[at]",
    });
}

#[tokio::test(start_paused = true)]
async fn a_first_skipped_sample_skips_the_window_with_the_inner_reason() {
    let (gate, calls) = sustained(vec![give(S)], every_30s(10));
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, S);
    assert_eq!(evaluation.summary, "scripted skipped");
    assert_eq!(calls.count(), 1);
}

#[test]
fn the_wrapper_is_the_inner_gate_with_a_timeout_for_the_whole_window() {
    let (inner, _) = scripted(vec![give(P)], Some(secs(5)));
    let spec = every_30s(10).initial_delay(secs(60));
    let gate = Sustained::new(Box::new(inner), spec).unwrap();
    let info = Gate::info(&gate);
    assert_eq!(
        (info.id.as_str(), info.kind.as_str(), info.required),
        ("error-rate", "prometheus", true)
    );
    assert_eq!(info.phases, ["launch"]);
    // 1m delay + 9 intervals of 30s + 10 samples of at most 5s.
    assert_eq!(info.timeout, Some(secs(60 + 9 * 30 + 10 * 5)));
    assert_eq!(info.stop_grace, Some(secs(1)));

    // Without its own timeout a sample gets the runner's 60s; a stop grace is passed on.
    let (mut inner, _) = scripted(vec![give(P)], None);
    inner.info.stop_grace = Some(secs(2));
    let gate = Sustained::new(Box::new(inner), every_30s(3)).unwrap();
    let info = Gate::info(&gate);
    assert_eq!(info.timeout, Some(secs(2 * 30 + 3 * 62)));
    assert_eq!(info.stop_grace, Some(secs(3)));
}

#[test]
fn duration_is_that_many_intervals_rounded_up() {
    for (interval, duration, samples) in [(30, 600, 20), (45, 600, 14), (30, 10, 1), (1, 1, 1)] {
        let spec = SustainSpec::over(secs(interval), secs(duration));
        assert_eq!(spec.samples(), Ok(samples), "{duration}s every {interval}s");
    }
}

#[test]
fn nonsense_windows_are_refused_with_a_reason() {
    let parse = |text: &str| toml::from_str::<SustainSpec>(text).unwrap();
    let cases = [
        (
            "interval = '0s'\ncount = 3",
            "sustain: `interval` must be longer than zero",
        ),
        (
            "interval = '30s'\ncount = 3\nduration = '10m'",
            "sustain: set `count` (how many samples) or `duration` (how long to sample), not both",
        ),
        (
            "interval = '30s'",
            "sustain: set `count` (how many samples) or `duration` (how long to sample)",
        ),
        (
            "interval = '30s'\ncount = 0",
            "sustain: `count` must be at least 1",
        ),
        (
            "interval = '1s'\ncount = 10001",
            "sustain: `count` is 10001; at most 10000",
        ),
        (
            "interval = '1s'\nduration = '0s'",
            "sustain: `duration` must be longer than zero",
        ),
        (
            "interval = '1s'\nduration = '10h'",
            "sustain: `duration` 10h at an `interval` of 1s is 36000 samples; at most 10000 (sample less often)",
        ),
        (
            "interval = '1h'\ncount = 30",
            "sustain: the window runs 29h before its last sample; at most 24h",
        ),
        (
            "interval = '30s'\ncount = 10\nfailure_limit = 10",
            "sustain: `failure_limit` is 10, so all 10 samples could fail without failing the window; it must be below 10",
        ),
        (
            "interval = '30s'\ncount = 10\nconsecutive_successes = 11",
            "sustain: `consecutive_successes` is 11, more than the 10 samples the window takes",
        ),
        (
            "interval = '30s'\ncount = 10\nconsecutive_successes = 0",
            "sustain: `consecutive_successes` must be at least 1 (leave it out to not require a run of passing samples)",
        ),
    ];
    for (text, message) in cases {
        let (inner, _) = scripted(vec![give(P)], None);
        let error = Sustained::new(Box::new(inner), parse(text))
            .unwrap_err()
            .to_string();
        assert_eq!(error, message, "{text}");
    }

    // Unknown keys and unitless durations are refused when the plan is read.
    let unknown = toml::from_str::<SustainSpec>("interval = '30s'\ncount = 3\nsamples = 3");
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .contains("unknown field `samples`")
    );
    let unitless = toml::from_str::<SustainSpec>("interval = '30'\ncount = 3");
    assert!(
        unitless
            .unwrap_err()
            .to_string()
            .contains("a unit is required")
    );

    // Defaults: no failure tolerated, four errors in a row.
    let spec = parse("interval = '30s'\ncount = 3");
    assert_eq!((spec.failure_limit, spec.consecutive_error_limit), (0, 4));
    assert_eq!(spec, every_30s(3));
}

#[tokio::test(start_paused = true)]
async fn a_window_mostly_without_data_is_inconclusive_despite_a_pass() {
    // One pass among four empty answers: a single empty check would block a strict release.
    let (gate, _) = sustained(steps(&[P, I, I, I, I]), every_30s(5));
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, I, "{}", evaluation.summary);
    assert!(evaluation.summary.starts_with("no data in 4 of 5 samples"));
    assert_eq!(evaluation.observations[0].rule, "no_data");

    // Half or fewer empty samples beside passes still pass.
    let (gate, _) = sustained(steps(&[P, I, P, I, P]), every_30s(5));
    assert_eq!(gate.evaluate(&context()).await.verdict, P);
}

#[tokio::test(start_paused = true)]
async fn runs_broken_only_by_missing_data_are_inconclusive_not_failed() {
    let spec = every_30s(6).consecutive_successes(3);
    let (gate, _) = sustained(steps(&[P, P, I, P, P, I]), spec);
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, I, "{}", evaluation.summary);
}

#[tokio::test(start_paused = true)]
async fn samples_are_counted_as_samples_and_attempts_are_a_samples_retries() {
    let script = vec![give(P), Step::Retried(3), Step::Retried(2), give(P)];
    let (gate, _) = sustained(script, every_30s(4));
    let evaluation = gate.evaluate(&context()).await;
    assert_eq!(evaluation.verdict, P, "{}", evaluation.summary);
    assert_eq!(evaluation.samples, Some(4));
    assert_eq!(evaluation.attempts, 3, "the most any one sample needed");
    assert!(
        !evaluation.summary.contains("attempt"),
        "{}",
        evaluation.summary
    );
}
