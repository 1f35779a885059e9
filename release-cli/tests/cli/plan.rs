//! `release plan check` and `release schema`.

use crate::support::{Release, redact, runbook_plan};

#[test]
fn plan_check_lists_the_gates_of_each_phase_per_environment() {
    let (run, _dir) = Release::new()
        .args(["plan", "check", "--plan", &runbook_plan()])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("plan_check_all", redact(&run.stdout, &run.dir));

    let (one, _dir) = Release::new()
        .args([
            "plan",
            "check",
            "--plan",
            &runbook_plan(),
            "--env",
            "production",
            "--format",
            "json",
        ])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(doc["environments"].as_object().unwrap().len(), 1);
    assert_eq!(doc["environments"]["production"]["strict"], true);
    assert_eq!(
        doc["environments"]["production"]["phases"][0]["phase"],
        "preflight-env"
    );
    assert_eq!(
        doc["environments"]["production"]["phases"][0]["gates"][0]["id"],
        "release-env"
    );
}

#[test]
fn schema_prints_the_committed_schemas() {
    for name in ["plan", "summary", "log-record"] {
        let (run, _dir) = Release::new().args(["schema", name]).run();
        assert_eq!(run.code, 0);
        let committed = std::fs::read_to_string(release_testkit::fixtures::schema(name)).unwrap();
        assert_eq!(run.stdout, committed, "{name}");
    }
    let (run, _dir) = Release::new().args(["schema", "nope"]).run();
    assert_eq!(run.code, 2);
}

#[test]
fn help_and_version_exit_0() {
    let (run, _dir) = Release::new().arg("--help").run();
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("preflight"));
    let (run, _dir) = Release::new().arg("--version").run();
    assert_eq!(
        run.stdout.trim(),
        format!("release {}", env!("CARGO_PKG_VERSION"))
    );
}
