//! Choosing the release store (the plan's `release.log`, `RELEASE_LOG_URL` over it), its
//! password kept out of every output, and a gate run against a store it cannot reach: the
//! gates run, the local summary is written, and the record's failure names the store.

use release_core::log::{RELEASE_LOG_URL, StoreLocation};
use release_core::run::{RecordError, RunRequest};
use release_core::runbook::{self, PREFLIGHT_ENV};
use release_core::{Outcome, Plan, Vars};

/// Connection refused at once: nothing listens on port 1 of loopback.
const UNREACHABLE: &str = "postgres://release:CanaryPw-4417@127.0.0.1:1/release";
const CANARY: &str = "CanaryPw-4417";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn plan(dir: &std::path::Path, log: &str) -> Plan {
    Plan::parse(
        dir.join("release.toml"),
        &format!(
            r#"[release]
log = {log:?}
artifacts_dir = {:?}
[environments.staging]
[[gates]]
id = "database"
kind = "env"
phases = ["preflight-env"]
vars = [{{ name = "DATABASE_URL" }}]
"#,
            dir.display().to_string()
        ),
    )
    .unwrap()
}

#[test]
fn release_log_url_overrides_the_plan_unless_empty() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    let plan = plan(dir.path(), &file.display().to_string());
    let request = RunRequest::new(&plan);
    assert_eq!(
        request.store_location().unwrap(),
        StoreLocation::File(file.clone())
    );
    for blank in ["", "  "] {
        let request = RunRequest::new(&plan).vars(Vars::from_pairs([(RELEASE_LOG_URL, blank)]));
        assert_eq!(
            request.store_location().unwrap(),
            StoreLocation::File(file.clone()),
            "{blank:?}"
        );
    }
    let request = RunRequest::new(&plan).vars(Vars::from_pairs([(RELEASE_LOG_URL, UNREACHABLE)]));
    let location = request.store_location().unwrap();
    assert!(location.is_database());
    assert_eq!(
        location.to_string(),
        "postgres://release@127.0.0.1:1/release"
    );
    // A path in the variable is a file store too.
    let other = dir.path().join("other.jsonl");
    let request = RunRequest::new(&plan).vars(Vars::from_pairs([(
        RELEASE_LOG_URL,
        other.display().to_string(),
    )]));
    assert_eq!(
        request.store_location().unwrap(),
        StoreLocation::File(other)
    );
}

#[test]
fn a_malformed_url_is_refused_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "log.jsonl");
    let bad = format!("postgres://release:{CANARY}@127.0.0.1:1/release?sslmode=sometimes");
    let request = RunRequest::new(&plan).vars(Vars::from_pairs([(RELEASE_LOG_URL, bad.as_str())]));
    let err = request.store_location().unwrap_err().to_string();
    assert!(err.contains("sslmode"), "{err}");
    assert!(!err.contains(CANARY), "{err}");
    let err = request
        .prepare(PREFLIGHT_ENV.phases)
        .unwrap_err()
        .to_string();
    assert!(!err.contains(CANARY), "{err}");
    // The plan's redactor hides it anyway, whole and its password.
    let redactor = request.redactor();
    assert!(!redactor.redact(&bad).contains(CANARY));
}

#[test]
fn the_plan_accepts_a_postgres_url_and_names_a_malformed_one_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), UNREACHABLE);
    assert!(plan.release.log_location().unwrap().is_database());
    let request = RunRequest::new(&plan);
    assert!(request.store_location().unwrap().is_database());
    assert_eq!(request.redactor().redact(UNREACHABLE), "[redacted]");
    assert!(!request.redactor().redact(CANARY).contains(CANARY));

    let text = format!(
        "[release]\nlog = \"postgres://release:{CANARY}@db:notaport/release\"\n[environments.staging]\n"
    );
    let err = Plan::parse("release.toml", &text).unwrap_err().to_string();
    assert!(err.contains("release.toml:2:"), "{err}");
    assert!(err.contains("`release.log`"), "{err}");
    assert!(!err.contains(CANARY), "{err}");
}

#[test]
fn a_gate_run_against_an_unreachable_store_runs_writes_its_summary_and_names_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "unused.jsonl");
    let vars = Vars::from_pairs([
        (RELEASE_LOG_URL, UNREACHABLE),
        ("DATABASE_URL", "postgres://app@db/app"),
    ]);
    let request = RunRequest::new(&plan).vars(vars);
    let runtime = runtime();
    let summary = runbook::run_phase(&request, PREFLIGHT_ENV, &runtime, &()).unwrap();
    assert_eq!(
        summary.outcome,
        Outcome::Passed,
        "the gates ran: {summary:#?}"
    );
    let path = dir.path().join("out/summary.json");
    let recorded = runbook::record_phase(
        &request,
        PREFLIGHT_ENV,
        &summary,
        std::slice::from_ref(&path),
        None,
        None,
    );
    assert!(path.is_file(), "the local summary is written");
    assert_eq!(recorded.summary_path, Some(path.display().to_string()));
    let [RecordError::Store(e)] = &recorded.failures[..] else {
        panic!("one failure, the store's: {:?}", recorded.failures);
    };
    let text = e.to_string();
    // `failed to append to release store …` (or `connect to`): the store is named.
    assert!(text.starts_with("failed to "), "{text}");
    assert!(
        text.contains(" release store postgres://release@127.0.0.1:1/release: "),
        "{text}"
    );
    assert!(!text.contains(CANARY), "{text}");
    assert_eq!(
        release_core::run::record_exit_code(&summary, &recorded),
        release_core::exit_code::INVALID_INPUT,
        "never a silent pass"
    );
    assert!(!std::fs::read_to_string(&path).unwrap().contains(CANARY));
    assert!(
        !dir.path().join("unused.jsonl").exists(),
        "RELEASE_LOG_URL wins over the plan's log"
    );
}

#[test]
fn one_request_opens_its_store_once() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "log.jsonl");
    let request = RunRequest::new(&plan);
    let first = request.store().unwrap();
    let again = request.clone().store().unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    // Pointed elsewhere, it opens the other store.
    let moved = request.vars(Vars::from_pairs([(RELEASE_LOG_URL, UNREACHABLE)]));
    assert!(!std::sync::Arc::ptr_eq(&first, &moved.store().unwrap()));
}

#[test]
fn baselines_a_database_cannot_give_are_a_warning_not_a_stop() {
    let plan = Plan::load(&release_testkit::fixtures::plan("runbook")).unwrap();
    let phases = runbook::LAUNCH_GATE.phases;
    let wanted = plan.baseline_keys(phases, "production", &Default::default());
    assert!(!wanted.is_empty(), "the launch gate reads baselines");
    let request = RunRequest::new(&plan)
        .environment("production")
        .vars(Vars::from_pairs([(RELEASE_LOG_URL, UNREACHABLE)]));
    let prepared = request.prepare(phases).unwrap();
    for key in &wanted {
        assert!(prepared.context().baseline(key).is_none(), "{key}");
    }
    // A log file that cannot be read stops the run before any gate, as it always did.
    let dir = tempfile::tempdir().unwrap();
    let request = RunRequest::new(&plan)
        .environment("production")
        .vars(Vars::from_pairs([(
            RELEASE_LOG_URL,
            dir.path().display().to_string(),
        )]));
    let err = request.prepare(phases).unwrap_err().to_string();
    assert!(err.contains("it is a directory"), "{err}");
}
