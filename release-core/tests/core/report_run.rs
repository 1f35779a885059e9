//! A run with one gate of every verdict, from gates in code through the runner and the
//! summary to each output format: what a library user gets end to end. Times, durations and
//! run ids are redacted.

use std::time::Duration;

use release_core::report::{Format, RenderOptions, render};
use release_core::{
    Context, DynGate, Evaluation, Evidence, Gate, GateInfo, Observation, Policy, RunMeta, Runner,
    Summary, Verdict,
};

/// A gate that gives a fixed evaluation, or hangs past its timeout.
struct Scripted {
    info: GateInfo,
    result: Option<Evaluation>,
}

impl Gate for Scripted {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        match &self.result {
            Some(evaluation) => evaluation.clone(),
            None => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Evaluation::pass("never reached")
            }
        }
    }
}

fn gate(id: &str, kind: &str, title: &str, result: Option<Evaluation>) -> Box<dyn DynGate> {
    let mut info = GateInfo::new(id, kind).title(title).phase("launch");
    info.timeout = Some(Duration::from_secs(2));
    Box::new(Scripted { info, result })
}

async fn every_verdict(strict: bool) -> Summary {
    let gates = vec![
        gate(
            "release-env",
            "env",
            "Release environment variables",
            Some(
                Evaluation::pass("3 variables set and valid").evidence([Evidence::new(
                    "DATABASE_URL",
                    "set (54 characters), valid, from process environment",
                )]),
            ),
        ),
        gate(
            "p95-latency",
            "prometheus",
            "p95 latency",
            Some(
                Evaluation::warn("p95 latency 340 ms is above the warning level").observation(
                    Observation::new("histogram_quantile(0.95, ...)", 340, "<= 300", "le")
                        .unit("ms")
                        .baseline(290),
                ),
            ),
        ),
        gate(
            "ai-runtime-health",
            "ai-runtime",
            "AI runtime health",
            Some(
                Evaluation::fail("2 roles blocked").observation(Observation::new(
                    "summary.rolesBlocked",
                    2,
                    0,
                    "eq",
                )),
            ),
        ),
        gate(
            "error-rate",
            "prometheus",
            "5xx error rate",
            Some(
                Evaluation::inconclusive("the query returned no series")
                    .observation(Observation::new("series", 0, ">= 1", "no_data")),
            ),
        ),
        gate("railway", "platform", "Railway deployment", None),
        gate(
            "announce",
            "slack",
            "Announce the release",
            Some(Evaluation::skipped("SLACK_WEBHOOK_URL is not set")),
        ),
    ];
    let cx = Context::builder("production").strict(strict).build();
    let report = Runner::new().run(&gates, &cx).await;
    let meta = RunMeta {
        run_id: "run".into(),
        phase: "launch".into(),
        environment: "production".into(),
        policy: Policy::new(strict),
    };
    Summary::new(&meta, &report)
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]");
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[SECONDS]""#);
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[DURATION]");
    settings
}

#[tokio::test(start_paused = true)]
async fn one_gate_of_every_verdict_in_every_format() {
    let summary = every_verdict(false).await;
    let verdicts: Vec<Verdict> = summary.gates.iter().map(|g| g.verdict).collect();
    assert_eq!(
        verdicts,
        Verdict::ALL,
        "one gate of every verdict, in plan order"
    );
    assert_eq!(
        summary.gates[4].summary, "timed out after 2s",
        "a real timeout, not a scripted error"
    );

    insta::assert_json_snapshot!("every_verdict_json", summary, {
        ".started_at" => "[time]",
        ".finished_at" => "[time]",
        ".duration_ms" => "[ms]",
        ".gates[].duration_ms" => "[ms]",
    });
    settings().bind(|| {
        for format in [Format::Human, Format::Junit, Format::Markdown] {
            let text = render(format, &summary, &RenderOptions::default()).unwrap();
            insta::assert_snapshot!(format!("every_verdict_{format}"), text);
        }
    });
}

#[tokio::test(start_paused = true)]
async fn strict_mode_turns_warn_and_inconclusive_into_blockers() {
    let lax = every_verdict(false).await;
    let strict = every_verdict(true).await;
    let blocking = |s: &Summary| {
        s.gates
            .iter()
            .filter(|g| g.blocking)
            .map(|g| g.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(blocking(&lax), ["ai-runtime-health", "railway"]);
    assert_eq!(
        blocking(&strict),
        ["p95-latency", "ai-runtime-health", "error-rate", "railway"]
    );
}
