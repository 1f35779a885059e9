//! Under GitHub Actions: annotations, and a step summary appended.

use crate::support::{Release, broken_production};

fn under_github_actions(format: &str) -> Release {
    broken_production()
        .args(["--format", format])
        .env("GITHUB_ACTIONS", "true")
}

#[test]
fn machine_formats_keep_stdout_one_document_and_annotate_on_stderr() {
    let release = under_github_actions("json").file("summary.md", "## earlier step\n");
    let summary_path = release.path("summary.md");
    let (run, _dir) = release
        .env("GITHUB_STEP_SUMMARY", summary_path.display().to_string())
        .run();
    assert_eq!(run.code, 1);
    serde_json::from_str::<serde_json::Value>(&run.stdout)
        .expect("stdout is exactly one JSON document");
    let annotation = run
        .stderr
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an error annotation");
    assert!(
        annotation.contains("title=Release environment variables::release-env%3A")
            || annotation.contains("::release-env"),
        "{annotation}"
    );
    assert!(
        annotation.contains("%0A"),
        "observations follow on escaped new lines: {annotation}"
    );
    let step_summary = std::fs::read_to_string(&summary_path).unwrap();
    assert!(
        step_summary.starts_with("## earlier step\n"),
        "appended, not overwritten"
    );
    assert!(step_summary.contains("release-env"), "{step_summary}");
}

#[test]
fn human_output_carries_the_annotations_on_stdout() {
    let (run, _dir) = under_github_actions("human")
        .arg("--color")
        .arg("never")
        .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.lines().any(|l| l.starts_with("::error ")),
        "{}",
        run.stdout
    );
}

#[test]
fn outside_github_actions_there_are_no_annotations() {
    let (run, _dir) = broken_production().args(["--color", "never"]).run();
    assert!(!run.stdout.contains("::error") && !run.stderr.contains("::error"));
}
