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

#[test]
fn plan_and_env_file_problems_are_annotated_on_their_lines() {
    let plan = "[release]\nnmae = \"acme\"\n[environments.staging]\ntimeout = \"soon\"\n";
    for (github, expected) in [(true, 1), (false, 0)] {
        let mut release = Release::new().file("bad,plan.toml", plan).args([
            "--plan",
            "bad,plan.toml",
            "preflight",
        ]);
        if github {
            release = release.env("GITHUB_ACTIONS", "true");
        }
        let (run, _dir) = release.run();
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("error: bad,plan.toml:2:1: unknown field `nmae`"),
            "{}",
            run.stderr
        );
        let annotations: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("::error "))
            .collect();
        assert_eq!(!annotations.is_empty(), expected == 1, "{}", run.stderr);
        if github {
            assert!(
                annotations[0].starts_with(
                    "::error file=bad%2Cplan.toml,line=2,col=1,title=release::unknown field `nmae`"
                ),
                "{annotations:?}"
            );
        }
    }
    let (run, _dir) = Release::new()
        .file("release.toml", "[environments.staging]\n")
        .file("ci.env", "GOOD=1\nnot a line\n")
        .args([
            "--plan",
            "release.toml",
            "--env-file",
            "ci.env",
            "preflight",
        ])
        .env("GITHUB_ACTIONS", "true")
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("::error file=ci.env,line=2,col=5,title=release::expected `=`")),
        "{}",
        run.stderr
    );
}
