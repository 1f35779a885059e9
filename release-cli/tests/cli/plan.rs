//! `release plan check` and `release schema`.

use crate::support::{Release, assert_nothing_acts, redact, runbook_plan};

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

/// A plan whose only gate would ask `{api_url}/k8s`; nothing listens on port 9, so a gate
/// that ran would say so.
const K8S_PLAN: &str = "[release]\nartifacts_dir = 'art'\n[environments.staging]\napi_url = 'http://127.0.0.1:9'\nweb_url = 'http://127.0.0.1:9'\nprometheus_url = 'http://127.0.0.1:9'\nalertmanager_url = 'http://127.0.0.1:9'\n[[gates]]\nid = 'k8s'\nkind = 'http'\nphases = ['smoke']\nurl = '{api_url}/k8s'\n";

#[test]
fn base_urls_from_flags_and_variables_are_checked_before_any_gate_runs() {
    // Before, `--api-url 'not a url'` gave the gate an `error` (exit 1), and a `#` or `?`
    // made the gate ask another endpoint than `{api_url}/k8s`.
    let bad = [
        ("not a url", "is not an absolute URL"),
        ("ftp://u:hunter2hunter2@127.0.0.1:9", "is a `ftp` URL"),
        ("http://u:hunter2hunter2@127.0.0.1:9#frag", "has a fragment"),
        ("http://127.0.0.1:9?x=1", "has a query"),
        ("http://127.0.0.1:9/?", "has a query"),
        ("127.0.0.1:9", "is not an absolute URL"),
    ];
    for name in ["api_url", "web_url", "prometheus_url", "alertmanager_url"] {
        let flag = format!("--{}", name.replace('_', "-"));
        let variable = format!("RELEASE_{}", name.to_ascii_uppercase());
        for (url, why) in bad {
            for from_variable in [false, true] {
                let release = Release::new().file("release.toml", K8S_PLAN).arg("smoke");
                let release = match from_variable {
                    true => release.env(&variable, url),
                    false => release.arg(format!("{flag}={url}")),
                };
                let (run, dir) = release.run();
                let context = format!("{flag} {url:?} (variable: {from_variable})");
                assert_eq!(run.code, 2, "{context}: {}{}", run.stdout, run.stderr);
                assert!(run.stdout.is_empty(), "{context}: {}", run.stdout);
                let named = match from_variable {
                    true => format!("error: {variable} (for {flag}) {why}"),
                    false => format!("error: {flag} {why}"),
                };
                assert!(run.stderr.contains(&named), "{context}: {}", run.stderr);
                assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
                // No gate ran, so nothing was recorded.
                assert!(!dir.path().join("art").exists(), "{context}");
            }
        }
    }
}

#[test]
fn railway_api_url_is_checked_before_any_gate_runs() {
    for url in [
        "ftp://127.0.0.1:9",
        "http://127.0.0.1:9/graphql#v2",
        "graphql",
    ] {
        let (run, _dir) = Release::new()
            .file("release.toml", K8S_PLAN)
            .file("vars.env", format!("RAILWAY_API_URL={url}\n"))
            .args(["smoke", "--env-file", "vars.env"])
            .run();
        assert_eq!(run.code, 2, "{url}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("error: RAILWAY_API_URL (from vars.env:1) "),
            "{}",
            run.stderr
        );
        let (run, _dir) = Release::new()
            .file("release.toml", K8S_PLAN)
            .env("RAILWAY_API_URL", url)
            .arg("smoke")
            .run();
        assert_eq!(run.code, 2, "{url}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("error: RAILWAY_API_URL (from process environment) "),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn plan_check_refuses_what_would_fail_or_mislead_at_run_time() {
    // Each of these passed `plan check`, then a gate errored, checked another endpoint, or
    // reported a variable that is set as unset.
    for (setting, wanted) in [
        (
            "api_url = \"ftp://127.0.0.1:18090\"",
            "4:11: environment `staging`: `api_url` is a `ftp` URL",
        ),
        (
            "api_url = \"http://127.0.0.1:18090#frag\"",
            "4:11: environment `staging`: `api_url` has a fragment",
        ),
        (
            "api_url = \"http://127.0.0.1:18090?x=1\"",
            "4:11: environment `staging`: `api_url` has a query",
        ),
        (
            "api_url = 'http://127.0.0.1:9'\n[tokens]\nadmin = \"ADMIN_TOKEN\\u200b\"",
            "6:9: token `admin`: `ADMIN_TOKEN\\u{200b}` is not a variable name",
        ),
        (
            "[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\n[[gates.vars]]\nname = \"PORT\\u200b\"",
            "9:8: gate `e`: `PORT\\u{200b}` is not a variable name: it holds `\\u{200b}`",
        ),
        (
            "[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\n[[gates.vars]]\nname = 'PORT '",
            "9:8: gate `e`: `PORT ` is not a variable name: it holds ` `",
        ),
        (
            "[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\n[[gates.vars]]\nname = 'A=B'",
            "9:8: gate `e`: `A=B` is not a variable name: it holds `=`",
        ),
        (
            "[[gates]]\nid = 'e'\nkind = 'env'\ntitle = \"Env \\u001b]0;T\\u0007\"\nphases = ['preflight-env']\n[[gates.vars]]\nname = 'PORT'",
            "7:9: gate `e`: `title` holds `\\u{1b}`",
        ),
        (
            "prometheus_url = 'http://127.0.0.1:9'\n[[gates]]\nid = 'p'\nkind = 'prometheus'\nphases = ['launch']\nquery = 'up'\nfail_below = 1\nunit = \"\\u202eclq\"",
            "11:8: gate `p`: `unit` holds `\\u{202e}`",
        ),
        (
            "[[gates]]\nid = 'r'\nkind = 'platform'\nphases = ['preflight-platform']\nservices = [\"api\\u202e\"]",
            "8:13: gate `r`: `services` holds `\\u{202e}`",
        ),
    ] {
        let plan = format!("[release]\nartifacts_dir = 'art'\n[environments.staging]\n{setting}\n");
        let (run, _dir) = Release::new()
            .file("release.toml", &plan)
            .args(["plan", "check"])
            .run();
        assert_eq!(run.code, 2, "{setting}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert!(
            run.stderr
                .contains(&format!("error: release.toml:{wanted}")),
            "{setting}: {}",
            run.stderr
        );
        assert_nothing_acts(&run.stderr, setting);
    }
}
