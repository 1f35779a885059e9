//! The HTML page and the human report's sparklines, from hand-built summaries: one chart per
//! soak window with one point per sample against its levels, text from gates shown and never
//! obeyed, and nothing the page could fetch.

use proptest::prelude::*;
use release_core::report::{Format, RenderOptions, html, human, render};
use release_core::rollback::Decision;
use release_core::{
    Counts, Evidence, GateRecord, Observation, Outcome, Summary, Threshold, ThresholdLevel,
    ToolInfo, Verdict,
};
use serde_json::json;

fn gate(id: &str, verdict: Verdict, summary: &str) -> GateRecord {
    GateRecord {
        id: id.to_owned(),
        kind: "prometheus".to_owned(),
        title: format!("{id} title"),
        verdict,
        required: true,
        blocking: matches!(verdict, Verdict::Fail | Verdict::Error),
        summary: summary.to_owned(),
        duration_ms: 1_200,
        attempts: 1,
        samples: None,
        observations: Vec::new(),
        evidence: Vec::new(),
        measurements: Vec::new(),
        details: None,
    }
}

/// A sustained gate whose window took these samples (value, verdict), judged against a warn
/// level, a fail level and a baseline.
fn window(id: &str, samples: &[(Option<f64>, &str)]) -> GateRecord {
    let mut gate = gate(id, Verdict::Warn, "3 of 4 samples pass");
    let listed: Vec<serde_json::Value> = samples
        .iter()
        .enumerate()
        .map(|(i, (value, verdict))| {
            json!({
                "at": format!("2026-11-27T10:00:{:02}Z", i * 10),
                "verdict": verdict,
                "value": value,
                "summary": format!("sample {i} {verdict}"),
            })
        })
        .collect();
    gate.samples = Some(u32::try_from(samples.len()).unwrap());
    gate.details = Some(json!({
        "window": { "interval": "10s", "count": samples.len() },
        "planned": samples.len(),
        "ended": "completed",
        "samples": listed,
        "thresholds": [
            Threshold::new(ThresholdLevel::Warn, "warn above", 0.5),
            Threshold::new(ThresholdLevel::Fail, "fail above", 0.8),
            Threshold::new(ThresholdLevel::Baseline, "baseline (release log: run 1)", 0.2),
        ],
    }));
    gate.measurements = vec![release_core::Measurement {
        name: "value".to_owned(),
        value: 0.3,
        unit: Some("s".to_owned()),
    }];
    gate
}

fn summary(gates: Vec<GateRecord>) -> Summary {
    let mut counts = Counts::default();
    gates.iter().for_each(|g| counts.add(g.verdict));
    let at = |t: &str| t.parse().unwrap_or_default();
    Summary {
        schema_version: 1,
        tool: ToolInfo {
            name: "release".to_owned(),
            version: "0.1.0".to_owned(),
        },
        run_id: "20261127T100000Z-3f9a1c".to_owned(),
        phase: "launch-gate".to_owned(),
        environment: "production".to_owned(),
        strict: false,
        started_at: at("2026-11-27T10:00:00Z"),
        finished_at: at("2026-11-27T10:00:42Z"),
        duration_ms: 42_000,
        cancelled: false,
        stopped_early: None,
        outcome: match gates.iter().any(|g| g.blocking) {
            true => Outcome::Blocked,
            false => Outcome::PassedWithWarnings,
        },
        counts,
        release: Default::default(),
        gates,
    }
}

fn soak_run() -> Summary {
    let mut api = gate("api-health", Verdict::Pass, "200 in 12ms");
    api.kind = "http".to_owned();
    api.observations = vec![Observation::new("status", 200, 200, "eq")];
    api.evidence = vec![Evidence::new("request", "GET /health")];
    summary(vec![
        api,
        window(
            "api-p95",
            &[
                (Some(0.21), "pass"),
                (Some(0.62), "warn"),
                (None, "error"),
                (Some(0.3), "pass"),
            ],
        ),
        window(
            "error-rate",
            &[(Some(0.001), "pass"), (Some(0.002), "pass")],
        ),
    ])
}

/// The elements of the page that open with `tag` and carry `class` among their classes.
fn count(page: &str, tag: &str, class: &str) -> usize {
    page.match_indices(&format!("<{tag} "))
        .filter(|(at, _)| {
            let rest = &page[*at..];
            let end = rest.find('>').unwrap_or(rest.len());
            let open = &rest[..end];
            open.split("class=\"")
                .nth(1)
                .and_then(|c| c.split('"').next())
                .is_some_and(|classes| classes.split(' ').any(|c| c == class))
        })
        .count()
}

/// The body of the chart of `gate`.
fn chart<'a>(page: &'a str, gate: &str) -> &'a str {
    let start = page
        .find(&format!("<svg class=\"soak-chart\" data-gate=\"{gate}\""))
        .unwrap_or_else(|| panic!("no chart of {gate}"));
    let end = page[start..].find("</svg>").unwrap() + start;
    &page[start..end]
}

#[test]
fn one_chart_per_soak_window_with_one_point_per_sample_against_its_levels() {
    let page = html::render(&soak_run(), None);
    assert_eq!(count(&page, "svg", "soak-chart"), 2, "{page}");
    let p95 = chart(&page, "api-p95");
    assert_eq!(count(p95, "circle", "sample"), 4);
    // The sample without a value is drawn, hollow, on the floor of the chart.
    assert_eq!(count(p95, "circle", "no-value"), 1);
    assert_eq!(count(p95, "circle", "sample-warn"), 1);
    for class in ["threshold-warn", "threshold-fail", "threshold-baseline"] {
        assert_eq!(count(p95, "line", class), 1, "{class} in {p95}");
    }
    assert!(p95.contains(">warn above 0.5</text>"), "{p95}");
    assert_eq!(count(chart(&page, "error-rate"), "circle", "sample"), 2);
    // A gate that is no window draws nothing.
    assert!(!page.contains("data-gate=\"api-health\""));
    // Every sample is also listed as text, for reading without hovering.
    assert_eq!(page.matches("<table class=\"samples\">").count(), 2);
    assert!(page.contains("<td>sample 2 error</td>"), "{page}");
}

#[test]
fn extreme_values_and_far_levels_keep_every_point_on_the_chart() {
    let mut far = window("far", &[(Some(0.1), "pass"), (Some(0.2), "pass")]);
    if let Some(details) = far.details.as_mut() {
        details["thresholds"] = serde_json::json!([
            { "label": "fail above", "value": 1e12, "level": "fail" },
            { "label": "warn above", "value": 0.5, "level": "warn" },
        ]);
    }
    let huge = window(
        "huge",
        &[
            (Some(1.7e308), "fail"),
            (Some(-1.7e308), "pass"),
            (Some(0.0), "pass"),
        ],
    );
    let page = html::render(&summary(vec![far, huge]), None);
    assert!(!page.contains("NaN") && !page.contains("inf"), "{page}");
    let far = chart(&page, "far");
    // The level a trillion away is listed in the caption, not drawn to squash the points.
    assert_eq!(count(far, "line", "threshold-fail"), 0, "{far}");
    assert_eq!(count(far, "line", "threshold-warn"), 1, "{far}");
    assert!(page.contains("fail above 1000000000000"), "{page}");
    let ys: Vec<&str> = far
        .match_indices("cy=\"")
        .map(|(at, _)| &far[at + 4..at + 9])
        .collect();
    assert_eq!(ys.len(), 2);
    assert_ne!(ys[0], ys[1], "two values, two heights: {far}");
    let huge = chart(&page, "huge");
    assert_eq!(count(huge, "circle", "sample"), 3);
}

#[test]
fn the_page_fetches_nothing_and_runs_nothing() {
    let page = html::render(&soak_run(), None);
    assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    for needle in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", "http://", "https://", "src=",
        "on",
    ] {
        let found = match needle {
            // Event handler attributes: ` onload=` and the like.
            "on" => page.match_indices(" on").any(|(at, _)| {
                page[at + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count()
                    > 0
                    && page[at + 3..]
                        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .starts_with('=')
            }),
            needle => page.contains(needle),
        };
        assert!(!found, "{needle} in the page");
    }
}

#[test]
fn the_html_format_renders_the_page_and_is_a_whole_document_on_stdout() {
    let run = soak_run();
    let page = render(Format::Html, &run, &RenderOptions::default()).unwrap();
    assert_eq!(page, html::render(&run, None));
    assert!(page.starts_with("<!DOCTYPE html>\n") && page.ends_with("</html>\n"));
    assert!(Format::Html.is_machine());
    assert_eq!("html".parse::<Format>().ok(), Some(Format::Html));
}

#[test]
fn a_decision_shows_every_trigger_and_the_ordered_plan() {
    let decision: Decision = serde_json::from_value(json!({
        "schema_version": 1,
        "tool": { "name": "release", "version": "0.1.0" },
        "environment": "production",
        "run_id": "20261127T100000Z-3f9a1c",
        "phase": "launch-gate",
        "as_of": "2026-11-27T10:00:42Z",
        "decision": "rollback",
        "reason": "fired: api-latency",
        "assessments": [
            { "trigger": "smoke-failed", "kind": "verdict", "state": "clear", "reason": "all passed" },
            { "trigger": "api-latency", "kind": "threshold", "state": "fired",
              "reason": "api-p95.value above 0.8 in 2 of 4 samples",
              "observations": [{ "name": "api-p95.value", "observed": 0.91, "expected": "not above 0.8", "rule": "threshold.fire" }] }
        ],
        "plan": { "environment": "production", "steps": [
            { "order": 1, "action": "freeze-deployments", "title": "Freeze deployments", "how": "release freeze" },
            { "order": 2, "action": "roll-back-web", "title": "Roll back web", "service": "web",
              "target": { "status": "known", "deployment_id": "dep-9c41e7a2", "source": "release log" },
              "how": "railway redeploy" },
            { "order": 3, "action": "roll-back-api", "title": "Roll back api", "service": "api",
              "target": { "status": "unknown", "reason": "no earlier deployment recorded" },
              "how": "railway redeploy" }
        ], "notes": ["the database step is left out: no migrations ran"] }
    }))
    .unwrap();
    let page = html::render(&soak_run(), Some(&decision));
    let section = &page[page.find("<section id=\"decision\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<span class=\"badge is-rollback\">rollback</span>"));
    assert_eq!(
        section.matches("<tr><td class=\"mono\">").count(),
        2,
        "{section}"
    );
    assert!(section.contains("<span class=\"badge is-fired\">fired</span>"));
    assert!(section.contains("api-p95.value: observed 0.91, expected not above 0.8"));
    let plan = &section[section.find("<ol class=\"rollback-plan\">").unwrap()..];
    assert_eq!(plan.matches("<li>").count(), 3, "{plan}");
    assert!(
        plan.contains("deployment <code>dep-9c41e7a2</code>"),
        "{plan}"
    );
    assert!(plan.contains("<strong>unknown</strong> — no earlier deployment recorded"));
    assert!(section.contains("note: the database step is left out"));
    // Without a decision, no section.
    assert!(!html::render(&soak_run(), None).contains("id=\"decision\""));
}

#[test]
fn the_page_reads_as_reviewed() {
    let mut run = soak_run();
    run.gates.truncate(2);
    insta::assert_snapshot!(html::render(&run, None));
}

#[test]
fn the_human_report_draws_each_soak_window_as_a_sparkline() {
    let text = human::render(&soak_run(), &RenderOptions::default());
    let block = &text[text.find("soak windows:\n").expect(&text)..];
    let lines: Vec<&str> = block.lines().skip(1).take(2).collect();
    assert_eq!(
        lines,
        [
            "  api-p95     ▁█·▃  4 samples, 0.21–0.62 s",
            "  error-rate  ▁█  2 samples, 0.001–0.002 s",
        ],
        "{text}"
    );
    let quiet = summary(vec![gate("api-health", Verdict::Pass, "ok")]);
    assert!(!human::render(&quiet, &RenderOptions::default()).contains("soak windows"));
}

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<".to_owned()),
            Just(">".to_owned()),
            Just("&".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("</svg>".to_owned()),
            Just("<script>alert(1)</script>".to_owned()),
            Just("\u{1b}[31m".to_owned()),
            Just("\n".to_owned()),
            Just("\u{202e}".to_owned()),
            "[a-z ]{0,6}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a gate, a sample or an observation says, the page keeps its shape: the same
    /// number of rows, charts and points, and no tag of the gate's making.
    #[test]
    fn text_from_gates_never_becomes_markup(id in "[a-z][a-z0-9-]{0,12}", text in hostile()) {
        let mut run = soak_run();
        for gate in &mut run.gates {
            gate.title = text.clone();
            gate.summary = text.clone();
            gate.observations.push(Observation::new(text.clone(), text.clone(), text.clone(), text.clone()));
            gate.evidence.push(Evidence::new(text.clone(), text.clone()));
            if let Some(samples) = gate.details.as_mut().and_then(|d| d["samples"].as_array_mut()) {
                for sample in samples {
                    sample["summary"] = json!(text);
                }
            }
        }
        run.run_id = text.clone();
        run.environment = text.clone();
        run.gates[1].id = id;
        let page = html::render(&run, None);
        prop_assert!(!page.contains("<script"));
        prop_assert_eq!(page.matches("<svg ").count(), 2);
        prop_assert_eq!(page.matches("</svg>").count(), 2);
        prop_assert_eq!(page.matches("<circle ").count(), 6);
        prop_assert_eq!(page.matches("<article ").count(), 3);
        let acts = |c: char| c == '\u{1b}' || c == '\u{202e}';
        prop_assert!(!page.chars().any(acts));
    }
}
