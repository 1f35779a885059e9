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

#[test]
fn an_environment_name_never_chooses_where_files_go() {
    // Before, this plan passed `plan check` and `launch-gate` wrote its summary two
    // folders above `artifacts_dir`.
    let plan = "[release]\nartifacts_dir = 'a/b'\n\n[environments.\"../../escaped\"]\napi_url = 'http://127.0.0.1:9'\n\n[[gates]]\nid = 'up'\nkind = 'http'\nphases = ['launch']\nurl = '{api_url}/health'\n";
    for args in [
        vec!["plan", "check"],
        vec!["launch-gate", "--env", "../../escaped"],
    ] {
        let (run, dir) = Release::new().file("release.toml", plan).args(&args).run();
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("release.toml:4:15: environment name `../../escaped` starts with `.`"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        let written: Vec<_> = walk(dir.path());
        assert_eq!(written, ["release.toml"], "{args:?}: nothing is written");
    }
}

/// Every file under `root`, relative to it.
fn walk(root: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                files.push(relative.display().to_string());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn plan_check_never_prints_control_characters_from_a_plan() {
    // An id carrying an escape sequence reached the terminal raw in `plan check`'s listing.
    let plan = "[environments.staging]\n[[gates]]\nid = \"api\\u001b[2J\\u001b]0;pwned\\u0007\"\nkind = 'http'\nphases = ['smoke']\nurl = 'https://api.example.com/health'\n";
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["plan", "check"])
        .run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        !run.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "release.toml:3:6: gate id `api\\u{1b}[2J\\u{1b}]0;pwned\\u{7}` holds `\\u{1b}`"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_url_placeholder_is_refused_by_plan_check() {
    // Before, `{nope_url}` passed and the run failed with a hint to a `--nope-url` flag.
    let plan = "[environments.staging]\napi_url = 'https://api.example.com'\n[[gates]]\nid = 'api'\nkind = 'http'\nphases = ['smoke']\nurl = '{nope_url}/health'\n";
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["plan", "check"])
        .run();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("release.toml:7:7: gate `api`: `url` uses `{nope_url}`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("--nope-url"), "{}", run.stderr);
}
