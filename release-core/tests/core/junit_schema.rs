//! Every JUnit report the tool writes validates against the schema Jenkins' JUnit plugin
//! reads (`fixtures/schemas/junit-jenkins.xsd`, our own text of it), checked by xmllint: every
//! recorded run, a rollout that rolled back, and gates whose text is as hostile as text gets.
//! The schema is shown to refuse what Jenkins refuses, so a passing check means something.

use std::path::PathBuf;
use std::process::Command;

use release_core::report::{Format, junit};
use release_core::rollout::{RolloutSummary, render};
use release_core::{Evidence, Observation, Summary};
use release_testkit::fixtures;

const INSTALL: &str = "the JUnit schema tests need xmllint: install it with \
     `apt-get install -y libxml2-utils` (scripts/test does when it is missing)";

fn schema() -> PathBuf {
    fixtures::root().join("schemas/junit-jenkins.xsd")
}

/// xmllint's verdict on `xml`: `Ok` when it validates, else what xmllint said.
fn validate(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).map_err(|e| e.to_string())?;
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema())
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("xmllint did not run ({e}); {INSTALL}"));
    match output.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

fn recorded_runs() -> Vec<(String, Summary)> {
    let dir = fixtures::root().join("summaries");
    let mut runs: Vec<(String, Summary)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("summary.json").is_file())
        .map(|path: PathBuf| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                Summary::read_file(&path.join("summary.json")).unwrap(),
            )
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(runs.len() >= 7, "the recorded runs are missing: {runs:?}");
    runs
}

#[test]
fn every_recorded_run_validates_as_run_and_under_strict() {
    for (name, mut summary) in recorded_runs() {
        let xml = junit::render(&summary).unwrap();
        validate(&xml).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        // Under --strict, warnings and inconclusive results block: failures, not passes.
        summary.strict = true;
        for gate in &mut summary.gates {
            gate.blocking |= matches!(
                gate.verdict,
                release_core::Verdict::Warn | release_core::Verdict::Inconclusive
            );
        }
        let xml = junit::render(&summary).unwrap();
        validate(&xml).unwrap_or_else(|e| panic!("{name} strict: {e}\n{xml}"));
    }
}

#[test]
fn a_rollout_that_rolled_back_validates() {
    let rollout: RolloutSummary = serde_json::from_value(serde_json::json!({
        "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
        "kind": "rollout", "run_id": "r-1", "plan": "acme", "environment": "production",
        "started_at": "2026-12-04T12:00:00Z", "finished_at": "2026-12-04T12:01:00Z",
        "duration_ms": 60000, "outcome": "rolled-back", "exit_code": 1,
        "reason": "the launch gate decided rollback",
        "steps": [
            { "id": "deploy-api", "kind": "deploy", "status": "done", "summary": "live",
              "started_at": "2026-12-04T12:00:01Z", "duration_ms": 1500, "service": "api" },
            { "id": "verify", "kind": "gates", "status": "failed", "summary": "blocked <&>",
              "started_at": "2026-12-04T12:00:03Z", "duration_ms": 9000 },
            { "id": "announce-end", "kind": "announce", "status": "skipped", "summary": "" }
        ],
        "rollback": [
            { "id": "rollback-api", "kind": "rollback-api", "status": "done", "summary": "back",
              "started_at": "2026-12-04T12:00:20Z", "duration_ms": 800 },
            { "id": "rollback-database", "kind": "rollback-database", "status": "skipped",
              "summary": "no migrations ran" }
        ]
    }))
    .unwrap();
    let xml = render(Format::Junit, &rollout).unwrap();
    validate(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
}

#[test]
fn hostile_gate_text_still_validates() {
    let nasty = "nul\u{0} cdata]]> <tag> & \"q\" 'single' \u{1b}[31mred\u{1b}[0m \u{fffe}\u{ffff}\
                 \u{7f}\u{85}\u{202e}rtl \u{d7ff}\u{e000}\u{10ffff} tab\tcr\r\nend";
    let (_, mut summary) = recorded_runs().remove(0);
    for gate in &mut summary.gates {
        gate.summary = nasty.to_owned();
        gate.title = nasty.to_owned();
        gate.observations
            .push(Observation::new(nasty, nasty, nasty, nasty));
        gate.evidence.push(Evidence::new(nasty, nasty.repeat(50)));
    }
    summary.run_id = nasty.to_owned();
    summary.phase = nasty.to_owned();
    let xml = junit::render(&summary).unwrap();
    validate(&xml).unwrap_or_else(|e| panic!("{e}\n{xml:?}"));
}

#[test]
fn the_schema_refuses_what_jenkins_refuses() {
    let (_, summary) = recorded_runs().remove(0);
    let xml = junit::render(&summary).unwrap();
    validate(&xml).unwrap();
    let broken = [
        (
            "skipped on the root",
            xml.replacen("<testsuites ", "<testsuites skipped=\"0\" ", 1),
        ),
        (
            "a test case without a name",
            xml.replacen("<testcase name=", "<testcase label=", 1),
        ),
        (
            "a negative count",
            xml.replacen(" tests=\"", " tests=\"-", 1),
        ),
        ("a suite without tests", {
            let at = xml.find("<testsuite ").unwrap();
            let head = &xml[at..];
            let tests = head.find(" tests=\"").unwrap() + at;
            let end = xml[tests + 8..].find('"').unwrap() + tests + 9;
            format!("{}{}", &xml[..tests], &xml[end..])
        }),
        ("not XML", xml.replacen("</testsuites>", "", 1)),
    ];
    for (what, document) in broken {
        assert_ne!(document, xml, "{what}: the edit changed nothing");
        assert!(validate(&document).is_err(), "{what} passed:\n{document}");
    }
}
