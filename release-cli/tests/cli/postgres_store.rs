//! The release store in a real, private PostgreSQL (`release_testkit::PrivatePostgres`), used by
//! the real binary through `RELEASE_LOG_URL` from separate working directories, as CI runners
//! on different machines would: concurrent appends, one rollout per environment at a time, a
//! holder killed with `kill -9`, the database stopped mid-run, baselines and rollback targets
//! read across directories, import and export. The URL's password is a canary.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use release_testkit::{PrivatePostgres, Progress, Scenario};

use crate::launch::{against, mock};
use crate::rollout::{Stage, kill_9, wait_until};
use crate::support::Release;

fn database() -> PrivatePostgres {
    PrivatePostgres::start().unwrap_or_else(|e| panic!("{e}"))
}

/// No output of `run` holds the database's password (the URL as written included).
fn assert_no_password(db: &PrivatePostgres, texts: &[&str]) {
    for text in texts {
        assert!(
            !text.contains(db.password()),
            "the password leaked:\n{text}"
        );
        assert!(!text.contains(&db.url()), "the URL leaked:\n{text}");
    }
}

fn files_of(dir: &std::path::Path) -> String {
    let mut all = String::new();
    for entry in walk(dir) {
        if let Ok(text) = std::fs::read_to_string(&entry) {
            all.push_str(&text);
        }
    }
    all
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn twenty_release_processes_appending_at_once_leave_every_record_exactly_once() {
    let db = database();
    let healthy = mock(Scenario::Healthy);
    let children: Vec<_> = (0..20)
        .map(|_| {
            against(&healthy)
                .env("RELEASE_LOG_URL", db.url())
                .args(["launch-gate", "--only", "sessions", "--format", "json"])
                .spawn()
        })
        .collect();
    let mut run_ids = Vec::new();
    for (child, _dir) in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        assert_no_password(&db, &[&stdout, &stderr]);
        let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        run_ids.push(summary["run_id"].as_str().unwrap().to_owned());
    }
    for run_id in &run_ids {
        assert_eq!(
            db.psql(&format!(
                "SELECT count(*) FROM release_records WHERE kind = 'run' AND run_id = '{run_id}'"
            )),
            "1",
            "{run_id}"
        );
    }
    assert_eq!(db.psql("SELECT count(*) FROM release_records"), "20");
    assert_eq!(db.psql("SELECT count(*) FROM release_schema"), "1");
}

#[test]
fn ten_rollouts_of_one_environment_one_holds_the_lock_and_the_others_exit_1_naming_it() {
    let db = database();
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_secs(2)));
    let children: Vec<_> = (0..10)
        .map(|_| {
            stage
                .release()
                .env("RELEASE_LOG_URL", db.url())
                .args(["rollout"])
                .spawn()
        })
        .collect();
    let pids: Vec<u32> = children.iter().map(|(c, _)| c.id()).collect();
    let mut winners = Vec::new();
    let mut refused = Vec::new();
    for (child, _dir) in children {
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_no_password(&db, &[&stdout, &stderr]);
        match out.status.code() {
            Some(0) => winners.push(pid),
            Some(1) => refused.push(stdout),
            other => panic!("{other:?}\n{stdout}\n{stderr}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one rollout ran");
    assert_eq!(refused.len(), 9);
    let holder = format!("pid {}", winners[0]);
    for stdout in &refused {
        assert!(stdout.contains("another rollout or rollback"), "{stdout}");
        assert!(
            stdout.contains(&holder),
            "names the holder {holder}: {stdout}"
        );
    }
    assert!(pids.contains(&winners[0]));
    assert_eq!(
        stage.acted().len(),
        2,
        "one deploy per service, by the holder alone"
    );
    assert_eq!(
        db.psql("SELECT count(*) FROM release_lock_holders"),
        "0",
        "released"
    );
}

#[test]
fn a_holder_killed_with_kill_9_frees_the_lock_and_another_runner_resumes_its_rollout() {
    let db = database();
    let stage = Stage::start(None, Progress::succeeds_after(Duration::from_secs(3)));
    let (mut child, _first_dir) = stage
        .release()
        .env("RELEASE_LOG_URL", db.url())
        .args(["rollout"])
        .spawn();
    wait_until("the first deploy", || !stage.acted().is_empty());
    // Any runner sees who holds the lock.
    let (status, _dir) = stage
        .release()
        .env("RELEASE_LOG_URL", db.url())
        .args(["rollout", "status"])
        .run();
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    assert!(
        status.stdout.contains(&format!("pid {}", child.id())),
        "{}",
        status.stdout
    );
    kill_9(&mut child);
    let killed = Instant::now();
    // Another runner (another directory): the lock is free within seconds, and the journal
    // in the database lets it carry on where the dead one stopped.
    let mut resumed = None;
    while killed.elapsed() < Duration::from_secs(10) {
        let (run, _dir) = stage
            .release()
            .env("RELEASE_LOG_URL", db.url())
            .args(["rollout", "--resume", "last"])
            .run();
        if run.code == 0 {
            resumed = Some(run);
            break;
        }
        assert!(
            run.stdout.contains("another rollout"),
            "{}\n{}",
            run.stdout,
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let resumed = resumed.expect("the lock was freed within 10 s of the kill");
    assert_no_password(&db, &[&resumed.stdout, &resumed.stderr]);
    let deploys = stage
        .acted()
        .into_iter()
        .filter(|m| m.starts_with("ServiceInstanceDeployV2"))
        .count();
    assert_eq!(
        deploys,
        2,
        "the interrupted deploy was not sent again: {:?}",
        stage.acted()
    );
}

#[test]
fn the_database_stopped_mid_run_exits_2_naming_it_keeps_the_local_summary_and_leaves_no_partial_row()
 {
    let mut db = database();
    let healthy = mock(Scenario::Healthy);
    // Soaks of three samples a second apart: the database goes away while they run.
    let soaking = std::fs::read_to_string(crate::support::runbook_plan())
        .unwrap()
        .replace(
            r#"sustain = { interval = "1m", count = 10,"#,
            r#"sustain = { interval = "1s", count = 3,"#,
        );
    let release = against(&healthy)
        .file("runbook.toml", soaking)
        .env("RELEASE_LOG_URL", db.url());
    let dir = release.dir().to_path_buf();
    // A first run while it is up; then one that finds it gone when it records.
    let (first, _keep) = against(&healthy)
        .env("RELEASE_LOG_URL", db.url())
        .args(["launch-gate", "--only", "sessions"])
        .run_in(&dir);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let (child, _keep) = release.args(["launch-gate"]).spawn();
    std::thread::sleep(Duration::from_millis(800));
    db.stop().unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    let port = db.port();
    // The runbook's `postgres` service makes `postgres://postgres@127.0.0.1:` a secret's piece
    // (its DATABASE_URL), so the store is named by its port and database.
    assert!(stderr.contains("release store "), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("{port}/release")),
        "{stdout}\n{stderr}"
    );
    let summary = dir.join("artifacts/release/staging-launch-gate-summary.json");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert!(summary["run_id"].is_string(), "the local summary is whole");
    assert_no_password(&db, &[&stdout, &stderr, &files_of(&dir)]);
    db.start_again().unwrap();
    assert_eq!(
        db.psql("SELECT count(*) FROM release_records"),
        "1",
        "the first run's record and no part of the second"
    );
}

#[test]
fn baselines_and_rollback_targets_are_read_across_two_working_directories() {
    let db = database();
    // Runner A: a healthy launch gate, recorded as the baseline.
    let healthy = mock(Scenario::Healthy);
    let (first, _a) = against(&healthy)
        .env("RELEASE_LOG_URL", db.url())
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run();
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    let run_id = first["run_id"].as_str().unwrap();
    // Runner B, another directory: six stale sessions over runner A's baseline of 0.
    let stale = mock(Scenario::StaleSessions);
    let (second, _b) = against(&stale)
        .env("RELEASE_LOG_URL", db.url())
        .args(["launch-gate", "--only", "sessions", "--format", "json"])
        .run();
    assert_eq!(second.code, 1, "{}", second.stderr);
    let second: serde_json::Value = serde_json::from_str(&second.stdout).unwrap();
    let gate = second["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "agent-sessions")
        .unwrap()
        .clone();
    assert_eq!(gate["verdict"], "fail");
    assert!(
        gate["evidence"]
            .to_string()
            .contains(&format!("run {run_id}")),
        "{gate}"
    );

    // Rollback targets: a recorded run's log imported by one runner, read by another.
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let case = fixtures.join("summaries/roles-blocked");
    let plan = fixtures.join("plans/runbook.toml").display().to_string();
    let (import, _c) = Release::new()
        .env("RELEASE_LOG_URL", db.url())
        .args(["--plan", &plan, "log", "import"])
        .arg(case.join("release-log.jsonl").display().to_string())
        .run();
    assert_eq!(import.code, 0, "{}\n{}", import.stdout, import.stderr);
    let (rollback, _d) = Release::new()
        .env("RELEASE_LOG_URL", db.url())
        .args(["--plan", &plan, "rollback", "plan", "--from"])
        .arg(case.join("summary.json").display().to_string())
        .run();
    assert_eq!(rollback.code, 0, "{}", rollback.stderr);
    assert!(
        rollback.stdout.contains("target: deployment dep-9c41e7a2"),
        "{}",
        rollback.stdout
    );
    assert_no_password(
        &db,
        &[
            &import.stdout,
            &import.stderr,
            &rollback.stdout,
            &rollback.stderr,
        ],
    );
}

#[test]
fn import_then_export_gives_back_the_same_records_and_a_second_import_adds_none() {
    let db = database();
    // A file log written by real runs (gate runs, a decision, a freeze and an unfreeze).
    let healthy = mock(Scenario::Healthy);
    let release = against(&healthy);
    let dir = release.dir().to_path_buf();
    let mut keep = Vec::new();
    for args in [
        vec!["launch-gate", "--only", "sessions"],
        vec!["launch-gate", "--only", "sessions"],
        vec!["--env", "production", "freeze", "--reason", "incident 42"],
        vec!["--env", "production", "unfreeze"],
    ] {
        let (run, d) = against(&healthy).args(args.clone()).run_in(&dir);
        assert!(run.code == 0, "{args:?}: {}\n{}", run.stdout, run.stderr);
        keep.push(d);
    }
    let log = dir.join("artifacts/release/release-log.jsonl");
    let file = std::fs::read_to_string(&log).unwrap();
    assert_eq!(file.lines().count(), 4, "{file}");
    for expected in ["4 added, 0 already present", "0 added, 4 already present"] {
        let (import, _k) = Release::new()
            .env("RELEASE_LOG_URL", db.url())
            .args(["log", "import"])
            .arg(log.display().to_string())
            .run();
        assert_eq!(import.code, 0, "{}\n{}", import.stdout, import.stderr);
        let said = format!("{}{}", import.stdout, import.stderr);
        assert!(said.contains(expected), "{said}");
    }
    let (export, _k) = Release::new()
        .env("RELEASE_LOG_URL", db.url())
        .args(["log", "export"])
        .run();
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert_eq!(
        export.stdout, file,
        "export gives back the file byte for byte"
    );
    assert_no_password(&db, &[&export.stdout, &export.stderr]);
}
