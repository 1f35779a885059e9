//! The HTML report (`--format html`, `release report --from`), opened in a real headless
//! Chromium: it loads without a console error, shows one chart per soak window with one point
//! per sample, and reads the same with JavaScript off. And `release report` on bad input.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::browser::Browser;
use crate::support::{Release, runbook_plan};

/// The demo's artifacts for `scenario`, in a directory kept by the returned guard.
fn demo(scenario: &str) -> (PathBuf, tempfile::TempDir) {
    let (run, dir) = Release::new()
        .args([
            "demo",
            "--scenario",
            scenario,
            "--dir",
            "out",
            "--color",
            "never",
        ])
        .run();
    assert!(
        matches!(run.code, 0 | 1 | 3),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    (dir.path().join("out/artifacts"), dir)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `release report --from summary --format html` with the runbook plan and the demo's log, the
/// page written to `page.html` beside it.
fn page_of(summary: &Path) -> PathBuf {
    let log = summary.with_file_name("release-log.jsonl");
    let (run, _dir) = Release::new()
        .env("RELEASE_LOG_URL", log.display().to_string())
        .args(["report", "--plan", &runbook_plan()])
        .args(["--from", &summary.display().to_string(), "--format", "html"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = summary.with_extension("html");
    std::fs::write(&page, &run.stdout).unwrap();
    page
}

/// Each soak window of a summary: its gate id and how many samples it took.
fn windows(summary: &Value) -> Vec<(String, usize)> {
    summary["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|gate| {
            let samples = gate["details"]["samples"].as_array()?;
            Some((gate["id"].as_str()?.to_owned(), samples.len()))
        })
        .collect()
}

#[test]
fn the_page_loads_in_a_browser_without_error_and_charts_every_sample_with_or_without_scripts() {
    let (artifacts, _dir) = demo("healthy");
    let summary_path = artifacts.join("staging-launch-gate-summary.json");
    let summary = read_json(&summary_path);
    let windows = windows(&summary);
    assert_eq!(windows.len(), 3, "the demo soaks three gates: {windows:?}");
    let page = page_of(&summary_path);

    let mut browser = Browser::start();
    for scripts in [true, false] {
        let loaded = browser.open(&page, scripts);
        assert!(
            loaded.errors.is_empty(),
            "scripts {scripts}: {:?}",
            loaded.errors
        );
        assert_eq!(browser.count("svg.soak-chart"), windows.len());
        for (gate, samples) in &windows {
            let chart = format!("svg.soak-chart[data-gate=\"{gate}\"]");
            assert_eq!(
                browser.count(&format!("{chart} circle.sample")),
                *samples,
                "{gate}, scripts {scripts}"
            );
            let (width, height) = browser.size(&chart);
            assert!(
                width > 200.0 && height > 50.0,
                "{gate} is shown: {width}x{height}"
            );
        }
        // The Prometheus windows are drawn against their warn and fail levels.
        for gate in ["api-5xx-rate", "api-p95-latency"] {
            let lines = format!("svg.soak-chart[data-gate=\"{gate}\"] line.threshold");
            assert_eq!(browser.count(&lines), 2, "{gate}");
        }
        assert_eq!(browser.count("table.gates tbody tr"), 12);
        assert_eq!(browser.count("#decision"), 1, "the decision replayed");
        let outcome = browser.outer_html("p.outcome").concat();
        assert!(outcome.contains(">passed<"), "{outcome}");
        // Nothing of ours runs in the page at all.
        assert_eq!(browser.count("script"), 0);
    }
}

#[test]
fn a_rollout_that_rolled_back_shows_its_timeline_decision_and_rollback_in_a_browser() {
    let (artifacts, _dir) = demo("bad-release");
    let summary_path = artifacts.join("staging-rollout-summary.json");
    let rollout = read_json(&summary_path);
    let steps = rollout["steps"].as_array().unwrap().len();
    let rollback = rollout["rollback"].as_array().unwrap().len();
    assert!(steps > 3 && rollback > 3, "{rollout}");
    let page = page_of(&summary_path);
    let mut browser = Browser::start();
    let loaded = browser.open(&page, false);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(browser.count("#steps ul.timeline > li"), steps);
    assert_eq!(browser.count("#rollback ul.timeline > li"), rollback);
    assert_eq!(browser.count("#decision .badge.is-rollback"), 1);
    let outcome = browser.outer_html("p.outcome").concat();
    assert!(outcome.contains("rolled-back"), "{outcome}");
}

#[test]
fn report_renders_a_recorded_run_in_every_format() {
    let (artifacts, _dir) = demo("degraded");
    let summary = artifacts.join("staging-launch-gate-summary.json");
    let from = summary.display().to_string();
    let recorded = read_json(&summary);
    let (json, _d) = Release::new()
        .args(["report", "--from", &from, "--format", "json"])
        .run();
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&json.stdout).unwrap(),
        recorded
    );
    let (human, _d) = Release::new().args(["report", "--from", &from]).run();
    assert!(
        human.stdout.starts_with("release launch-gate · staging\n"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("soak windows:\n  api-5xx-rate "),
        "{}",
        human.stdout
    );
    let (junit, _d) = Release::new()
        .args(["report", "--from", &from, "--format", "junit"])
        .run();
    assert!(junit.stdout.contains("<testsuites"), "{}", junit.stdout);
    // Without a plan there is no decision to replay; the page is written all the same.
    let (html, _d) = Release::new()
        .args(["report", "--from", &from, "--format", "html"])
        .run();
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(html.stdout.starts_with("<!DOCTYPE html>") && !html.stdout.contains("id=\"decision\""));
    // A rollout's summary is read as one.
    let rollout = artifacts.join("staging-rollout-summary.json");
    let (timeline, _d) = Release::new()
        .args(["report", "--from", &rollout.display().to_string()])
        .run();
    assert_eq!(timeline.code, 0, "{}", timeline.stderr);
    assert!(
        timeline.stdout.starts_with("Rollout of acme"),
        "{}",
        timeline.stdout
    );
    // A rollout summary of another schema version is refused, not read as this one.
    let mut newer = read_json(&rollout);
    newer["schema_version"] = serde_json::json!(99);
    let (run, _d) = Release::new()
        .file("newer.json", newer.to_string())
        .args(["report", "--from", "newer.json"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("schema_version 99, not 1"),
        "{}",
        run.stderr
    );
    // What a hostile file says is shown, not obeyed by the terminal.
    let mut hostile = read_json(&rollout);
    hostile["reason"] = serde_json::json!("a\u{1b}]0;TITLE\u{7}b \u{1b}[2J");
    hostile["steps"][0]["summary"] = serde_json::json!("\u{202e}evil");
    let (run, _d) = Release::new()
        .file("hostile.json", hostile.to_string())
        .args(["report", "--from", "hostile.json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{202e}'),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("a\\u{1b}]0;TITLE\\u{7}b"),
        "{}",
        run.stdout
    );
    // A plan that does not load stands in the way of nothing but the page's decision.
    for format in ["json", "html"] {
        let (run, _d) = Release::new()
            .file("release.toml", "not = [a plan")
            .args(["report", "--from", &from, "--format", format])
            .run();
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(!run.stdout.is_empty(), "{format}");
        if format == "html" {
            assert!(
                run.stderr
                    .starts_with("note: the page shows no rollback decision: "),
                "{}",
                run.stderr
            );
        } else {
            assert!(run.stderr.is_empty(), "{}", run.stderr);
        }
    }
}

#[test]
fn report_refuses_what_is_not_a_recorded_run_with_a_clear_error() {
    let cases: [(&str, &[u8], &str); 6] = [
        ("missing.json", b"", "failed to read summary"),
        ("empty.json", b"", "not a release summary"),
        (
            "truncated.json",
            b"{\"schema_version\": 1, \"gates\": [",
            "not a release summary",
        ),
        ("not-json.json", b"<html>", "1:1"),
        (
            "rollout.json",
            b"{\"steps\": [], \"kind\": \"sideways\"}",
            "a rollout summary",
        ),
        (
            "twice.json",
            b"{\"steps\": [], \"steps\": []}",
            "duplicate key",
        ),
    ];
    for (name, content, expected) in cases {
        let mut release = Release::new();
        if name != "missing.json" {
            release = release.file(name, content);
        }
        let (run, _dir) = release
            .args(["report", "--from", name, "--format", "html"])
            .run();
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{name}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{name}: nothing on stdout: {}",
            run.stdout
        );
    }
}
