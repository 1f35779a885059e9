//! Every report format rendered from one hand-built summary with one gate of each verdict.
//! The snapshots are the reviewed output; the other tests pin down what must hold for any
//! summary: well-formed XML, one table row per gate, one annotation line per concern.

use proptest::prelude::*;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus};
use release_core::report::{self, Format, RenderOptions, github, human, json, junit, markdown};
use release_core::{
    Counts, Evidence, GateRecord, Observation, Outcome, Summary, ToolInfo, Verdict,
};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap_or_default()
}

#[expect(
    clippy::too_many_arguments,
    reason = "a table of gates reads best as one call per row"
)]
fn gate(
    id: &str,
    kind: &str,
    title: &str,
    verdict: Verdict,
    blocking: bool,
    summary: &str,
    duration_ms: u64,
    observations: Vec<Observation>,
) -> GateRecord {
    GateRecord {
        id: id.to_owned(),
        kind: kind.to_owned(),
        title: title.to_owned(),
        verdict,
        required: true,
        blocking,
        summary: summary.to_owned(),
        duration_ms,
        attempts: 1,
        samples: None,
        observations,
        evidence: Vec::new(),
        measurements: Vec::new(),
        details: None,
    }
}

fn summary_of(gates: Vec<GateRecord>, strict: bool) -> Summary {
    let mut counts = Counts::default();
    for g in &gates {
        counts.add(g.verdict);
    }
    let outcome = if gates.iter().any(|g| g.blocking) {
        Outcome::Blocked
    } else if gates
        .iter()
        .all(|g| matches!(g.verdict, Verdict::Pass | Verdict::Skipped))
    {
        Outcome::Passed
    } else {
        Outcome::PassedWithWarnings
    };
    Summary {
        schema_version: 1,
        tool: ToolInfo {
            name: "release".to_owned(),
            version: "0.1.0".to_owned(),
        },
        run_id: "20261127T100000Z-3f9a1c".to_owned(),
        phase: "launch".to_owned(),
        environment: "production".to_owned(),
        strict,
        started_at: at("2026-11-27T10:00:00Z"),
        finished_at: at("2026-11-27T10:00:12.412Z"),
        duration_ms: 12_412,
        cancelled: false,
        stopped_early: None,
        outcome,
        counts,
        release: Default::default(),
        gates,
    }
}

/// One gate of each verdict; only `fail` and `error` block, as without `--strict`.
fn six_gates(strict: bool) -> Summary {
    let mut pass = gate(
        "release-env",
        "env",
        "Release environment",
        Verdict::Pass,
        false,
        "4 variables set",
        38,
        Vec::new(),
    );
    pass.evidence = vec![
        Evidence::new("API_URL", "from .env.production"),
        Evidence::new("DATABASE_URL", "from the process environment"),
    ];
    let mut fail = gate(
        "ai-runtime-health",
        "ai-runtime",
        "AI runtime health",
        Verdict::Fail,
        true,
        "2 roles blocked",
        412,
        vec![
            Observation::new("summary.rolesBlocked", 2, 0, "eq"),
            Observation::new("summary.status", "degraded", "ok", "eq"),
        ],
    );
    fail.evidence = vec![Evidence::new("endpoint", "GET /healthz → 200")];
    let mut error = gate(
        "railway-deploy",
        "railway",
        "railway-deploy",
        Verdict::Error,
        true,
        "connection refused after 3 attempts",
        10_000,
        vec![Observation::new(
            "transport",
            "connection refused",
            "a response",
            "http.reachable",
        )],
    );
    error.attempts = 3;
    let gates = vec![
        pass,
        gate(
            "p99-latency",
            "prometheus",
            "p99 latency",
            Verdict::Warn,
            strict,
            "p99 latency 612 ms is above 500 ms",
            1_500,
            vec![
                Observation::new("histogram_quantile(0.99)", 612.5, 500, "le")
                    .unit("ms")
                    .baseline(480),
            ],
        ),
        fail,
        gate(
            "alerts",
            "alertmanager",
            "No critical alerts",
            Verdict::Inconclusive,
            strict,
            "no data for the last 5m",
            90,
            vec![Observation::new("alerts.firing", json!(null), 0, "eq")],
        ),
        error,
        gate(
            "announce",
            "slack",
            "Announce the release",
            Verdict::Skipped,
            false,
            "SLACK_WEBHOOK_URL not set",
            0,
            Vec::new(),
        ),
    ];
    summary_of(gates, strict)
}

fn verbose() -> RenderOptions {
    RenderOptions {
        color: false,
        verbose: true,
    }
}

#[test]
fn human() {
    insta::assert_snapshot!(
        "human",
        human::render(&six_gates(false), &RenderOptions::default())
    );
}

#[test]
fn human_verbose() {
    insta::assert_snapshot!(
        "human_verbose",
        human::render(&six_gates(false), &verbose())
    );
}

#[test]
fn markdown() {
    insta::assert_snapshot!("markdown", markdown::render(&six_gates(false)));
}

#[test]
fn junit() -> TestResult {
    insta::assert_snapshot!("junit", junit::render(&six_gates(false))?);
    Ok(())
}

#[test]
fn json() -> TestResult {
    insta::assert_snapshot!("json", json::render(&six_gates(false))?);
    Ok(())
}

#[test]
fn github_annotations() {
    insta::assert_snapshot!("github_annotations", github::annotations(&six_gates(false)));
}

#[test]
fn render_dispatches_to_each_module() -> TestResult {
    let summary = six_gates(false);
    let options = verbose();
    let render = |format| report::render(format, &summary, &options);
    assert_eq!(render(Format::Human)?, human::render(&summary, &options));
    assert_eq!(render(Format::Json)?, json::render(&summary)?);
    assert_eq!(render(Format::Junit)?, junit::render(&summary)?);
    assert_eq!(render(Format::Markdown)?, markdown::render(&summary));
    Ok(())
}

#[test]
fn json_is_one_document_that_reads_back_as_the_summary() -> TestResult {
    let summary = six_gates(false);
    let text = json::render(&summary)?;
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    let mut documents = serde_json::Deserializer::from_str(&text).into_iter::<Summary>();
    assert_eq!(documents.next().transpose()?, Some(summary));
    assert!(documents.next().is_none());
    Ok(())
}

fn parse_junit(summary: &Summary) -> Result<Report, Box<dyn std::error::Error>> {
    let xml = junit::render(summary)?;
    Report::deserialize_from_str(&xml).map_err(|e| format!("{e}\n{xml}").into())
}

fn case<'a>(report: &'a Report, id: &str) -> Result<&'a TestCase, String> {
    report
        .test_suites
        .iter()
        .flat_map(|suite| &suite.test_cases)
        .find(|c| c.name.as_str() == id)
        .ok_or_else(|| format!("no test case {id}"))
}

fn failure_kind(status: &TestCaseStatus) -> Option<NonSuccessKind> {
    match status {
        TestCaseStatus::NonSuccess { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[test]
fn junit_counts_match_the_test_cases() -> TestResult {
    for strict in [false, true] {
        let report = parse_junit(&six_gates(strict))?;
        assert_eq!(report.test_suites.len(), 1);
        let suite = &report.test_suites[0];
        let cases = &suite.test_cases;
        let count = |want: Option<NonSuccessKind>| {
            cases
                .iter()
                .filter(|c| failure_kind(&c.status) == want)
                .count()
        };
        let skipped = cases
            .iter()
            .filter(|c| matches!(c.status, TestCaseStatus::Skipped { .. }))
            .count();
        assert_eq!((suite.tests, report.tests), (cases.len(), 6));
        assert_eq!(suite.failures, count(Some(NonSuccessKind::Failure)));
        assert_eq!(suite.errors, count(Some(NonSuccessKind::Error)));
        assert_eq!(suite.skipped, skipped);
        assert_eq!(
            (report.failures, report.errors),
            (suite.failures, suite.errors)
        );
        // Jenkins' schema has no skipped count on the root; the suite carries it.
        assert_eq!(report.skipped, 0);
        assert_eq!(suite.failures, if strict { 3 } else { 1 });
        assert_eq!((suite.errors, suite.skipped), (1, 1));
    }
    Ok(())
}

#[test]
fn junit_reports_non_blocking_concerns_as_passing_with_the_reason_in_system_out() -> TestResult {
    let report = parse_junit(&six_gates(false))?;
    for (id, says) in [
        ("p99-latency", "warn: p99 latency 612 ms is above 500 ms\n"),
        ("alerts", "inconclusive: no data for the last 5m\n"),
    ] {
        let case = case(&report, id)?;
        assert!(matches!(case.status, TestCaseStatus::Success { .. }));
        let out = case.system_out.as_ref().map_or("", |s| s.as_str());
        assert!(out.starts_with(says), "{out}");
    }
    Ok(())
}

#[test]
fn strict_mode_makes_warnings_and_inconclusive_results_failures_and_errors() -> TestResult {
    let summary = six_gates(true);
    let report = parse_junit(&summary)?;
    for id in ["p99-latency", "alerts"] {
        let status = &case(&report, id)?.status;
        assert_eq!(failure_kind(status), Some(NonSuccessKind::Failure), "{id}");
    }
    let TestCaseStatus::NonSuccess {
        message,
        ty,
        description,
        ..
    } = &case(&report, "p99-latency")?.status
    else {
        return Err("p99-latency is not a failure".into());
    };
    assert_eq!(
        message.as_deref(),
        Some("p99 latency 612 ms is above 500 ms")
    );
    assert_eq!(ty.as_deref(), Some("le"));
    assert_eq!(
        description.as_deref(),
        Some("histogram_quantile(0.99): observed 612.5 ms, expected 500 ms, baseline 480 ms (le)")
    );
    let properties: Vec<(&str, &str)> = report.test_suites[0]
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert!(properties.contains(&("strict", "true")), "{properties:?}");

    let annotations = github::annotations(&summary);
    for id in ["p99-latency", "alerts"] {
        let line = annotations
            .lines()
            .find(|l| l.contains(&format!("::{id}: ")));
        assert!(
            line.is_some_and(|l| l.starts_with("::error title=")),
            "{id}:\n{annotations}"
        );
    }
    assert_eq!(annotations.lines().count(), 4, "{annotations}");
    assert!(annotations.lines().all(|l| l.starts_with("::error ")));
    Ok(())
}

#[test]
fn junit_stays_well_formed_whatever_the_gate_says() -> TestResult {
    let nasty = "nul\u{0} cdata]]> <tag> & \"quoted\" 'single' \u{1b}[31mred\u{1b}[0m \u{ffff}end";
    let mut summary = six_gates(false);
    for g in &mut summary.gates {
        g.summary = nasty.to_owned();
        g.title = nasty.to_owned();
        g.observations
            .push(Observation::new("o]]>", nasty, "<&>", "eq"));
        g.evidence.push(Evidence::new("e\u{0}", nasty));
    }
    summary.environment = "prod\u{0}<&>".to_owned();
    let xml = junit::render(&summary)?;

    assert!(
        !xml.chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{fffe}' || c == '\u{ffff}'),
        "{xml:?}"
    );
    assert!(
        xml.contains("cdata]]&gt; &lt;tag&gt; &amp; &quot;quoted&quot;"),
        "{xml}"
    );
    assert!(!xml.contains("]]>"));

    let report = Report::deserialize_from_str(&xml).map_err(|e| format!("{e}\n{xml}"))?;
    assert_eq!(
        report.test_suites[0].name.as_str(),
        "release.launch.prod\\u{0}<&>"
    );
    // Colour codes go; a NUL is shown escaped, as everywhere; XML's non-characters go.
    let expected = "nul\\u{0} cdata]]> <tag> & \"quoted\" 'single' red end";
    let TestCaseStatus::NonSuccess {
        message,
        description,
        ..
    } = &case(&report, "ai-runtime-health")?.status
    else {
        return Err("ai-runtime-health is not a failure".into());
    };
    assert_eq!(message.as_deref(), Some(expected));
    let body = description.as_deref().unwrap_or_default();
    assert!(
        body.contains(&format!("o]]>: observed {expected}, expected <&> (eq)")),
        "{body}"
    );
    Ok(())
}

#[test]
fn a_summary_with_pipes_and_line_breaks_stays_one_table_row() {
    let mut summary = six_gates(false);
    summary.gates[2].summary = "a | b\nc\r\n| d \\| e ".to_owned();
    let text = markdown::render(&summary);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(rows.len(), 2 + summary.gates.len(), "{text}");
    assert!(
        rows.contains(&r"| ai-runtime-health | ❌ fail | 412ms | a \| b c \| d \\\| e |"),
        "{text}"
    );
}

/// The number of cell separators in a GFM table row: pipes not escaped by a backslash.
fn unescaped_pipes(row: &str) -> usize {
    let mut count = 0;
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => count += 1,
            _ => {}
        }
    }
    count
}

/// Whether a character would act on a terminal or reorder the text around it: what reports
/// show escaped.
fn acts(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{61c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[test]
fn text_that_acts_instead_of_showing_is_shown_escaped_in_every_format() {
    // A `unit` of `\u{202e}clq` reversed the line in the human and Markdown reports.
    let mut summary = six_gates(false);
    for g in &mut summary.gates {
        g.title = "Title \u{1b}]0;PWNED\u{7} \u{202e} evil".to_owned();
        g.summary = "sum\u{2066} \u{7}".to_owned();
        g.observations = vec![Observation::new("PORT\u{200b}", 0.5, 1, "le").unit("\u{202e}clq")];
        g.evidence = vec![Evidence::new("e\u{feff}", "d\u{85}x")];
    }
    let plain = human::render(&summary, &verbose());
    let coloured = human::render(
        &summary,
        &RenderOptions {
            color: true,
            verbose: true,
        },
    );
    let md = markdown::render(&summary);
    let annotations = github::annotations(&summary);
    let xml = junit::render(&summary).unwrap();
    for (format, text) in [
        ("human", &plain),
        ("markdown", &md),
        ("annotations", &annotations),
        ("junit", &xml),
    ] {
        assert!(!text.chars().any(acts), "{format}: {text:?}");
        // Markdown escapes the backslash itself (`\\u{202e}` shows as `\u{202e}`).
        assert!(text.contains("u{202e}clq"), "{format}: {text}");
        assert!(text.contains("u{200b}"), "{format}: {text}");
    }
    // Colour adds its own escape sequences, and nothing else.
    assert!(
        !coloured.chars().any(|c| c != '\u{1b}' && acts(c)),
        "{coloured:?}"
    );
    assert!(plain.contains("Title  \\u{202e} evil"), "{plain}");
}

/// Any text, or text dense with what acts on a terminal: escape sequences, bidirectional
/// overrides, zero-width characters, BEL, line breaks.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "([a-z ]|\u{1b}\\[31m|\u{1b}\\]0;t\u{7}|\u{1b}|\u{9b}|\u{202e}|\u{2066}|\u{200b}|\u{feff}|\u{7}|\u{85}|\r|\n|\t){0,16}",
    ]
}

proptest! {
    #[test]
    fn any_gate_text_keeps_every_format_in_shape(
        id in "\\PC{1,12}",
        title in hostile_text(),
        text in hostile_text(),
        name in hostile_text(),
        strict in any::<bool>(),
    ) {
        let mut summary = six_gates(strict);
        for g in &mut summary.gates {
            g.id = format!("{id}-{}", g.verdict);
            g.title = title.clone();
            g.summary = text.clone();
            g.observations.push(Observation::new(name.clone(), text.clone(), 1, "eq").unit(name.clone()));
            g.evidence.push(Evidence::new(name.clone(), text.clone()));
        }
        summary.environment = name.clone();
        summary.phase = title.clone();

        let xml = junit::render(&summary);
        prop_assert!(xml.is_ok(), "{:?}", xml);
        let xml = xml.unwrap_or_default();
        let report = Report::deserialize_from_str(&xml);
        prop_assert!(report.is_ok(), "{:?}\n{}", report.err(), xml);

        let md = markdown::render(&summary);
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
        prop_assert_eq!(rows.len(), 1 + summary.gates.len(), "{}", md);
        for row in rows {
            prop_assert_eq!(unescaped_pipes(row), 5, "{}", row);
        }

        let annotations = github::annotations(&summary);
        prop_assert_eq!(annotations.lines().count(), 4, "{}", annotations);
        prop_assert!(annotations.lines().all(|l| l.starts_with("::")));

        let plain = human::render(&summary, &verbose());
        prop_assert!(!plain.chars().any(|c| c.is_control() && c != '\n'), "{:?}", plain);
        // Nothing from a gate acts instead of showing in any format for people.
        for (format, text) in [("human", &plain), ("markdown", &md), ("annotations", &annotations), ("junit", &xml)] {
            prop_assert!(!text.chars().any(acts), "{}: {:?}", format, text);
        }
        let table_rows = plain.lines().filter(|l| l.starts_with('│')).count();
        prop_assert_eq!(table_rows, 1 + summary.gates.len(), "{}", plain);
    }
}

#[test]
fn a_run_that_stopped_early_says_so_in_one_line_of_every_format() -> TestResult {
    let reason = "stopped: the run was already blocked by api-health at +0.4 s";
    let mut summary = six_gates(false);
    summary.stopped_early = Some(release_core::StoppedEarlyRecord {
        by: "api-health".to_owned(),
        at_ms: 412,
        reason: reason.to_owned(),
    });
    let human = human::render(&summary, &RenderOptions::default());
    let markdown = markdown::render(&summary);
    let junit = junit::render(&summary)?;
    let annotations = github::annotations(&summary);
    for (format, text) in [
        ("human", &human),
        ("markdown", &markdown),
        ("junit", &junit),
        ("github", &annotations),
    ] {
        assert_eq!(
            text.lines().filter(|l| l.contains(reason)).count(),
            1,
            "{format}:\n{text}"
        );
    }
    assert!(
        annotations.contains("::notice title=release::"),
        "{annotations}"
    );
    let json: serde_json::Value = serde_json::from_str(&json::render(&summary)?)?;
    assert_eq!(json["stopped_early"]["at_ms"], 412);

    summary.stopped_early = None;
    for text in [
        human::render(&summary, &RenderOptions::default()),
        markdown::render(&summary),
        junit::render(&summary)?,
        github::annotations(&summary),
    ] {
        assert!(!text.contains("stopped"), "{text}");
    }
    Ok(())
}

/// The attributes each element of Jenkins' JUnit schema (the xunit plugin's `junit-10.xsd`)
/// allows: a CI that validates reports rejects any other.
#[test]
fn junit_root_and_suites_carry_only_attributes_jenkins_allows() -> TestResult {
    const TESTSUITES: &[&str] = &["name", "time", "tests", "failures", "disabled", "errors"];
    const TESTSUITE: &[&str] = &[
        "name",
        "tests",
        "failures",
        "errors",
        "group",
        "time",
        "skipped",
        "timestamp",
        "hostname",
        "id",
        "package",
        "file",
        "log",
        "url",
        "version",
        "disabled",
    ];
    let xml = junit::render(&six_gates(true))?;
    let attributes = |element: &str| -> Vec<String> {
        let tag = regex::Regex::new(&format!("<{element}\\s([^>]*)>")).unwrap();
        let name = regex::Regex::new(r#"([A-Za-z_][\w.-]*)="#).unwrap();
        tag.captures_iter(&xml)
            .flat_map(|c| {
                name.captures_iter(c.get(1).unwrap().as_str())
                    .map(|n| n[1].to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let root = attributes("testsuites");
    assert!(!root.is_empty(), "{xml}");
    for attribute in &root {
        assert!(
            TESTSUITES.contains(&attribute.as_str()),
            "<testsuites {attribute}=…>: {xml}"
        );
    }
    let suites = attributes("testsuite");
    assert!(
        suites.contains(&"skipped".to_owned()),
        "a suite keeps its skipped count: {xml}"
    );
    for attribute in &suites {
        assert!(
            TESTSUITE.contains(&attribute.as_str()),
            "<testsuite {attribute}=…>: {xml}"
        );
    }
    Ok(())
}
