//! Decisions over the recorded runs under `fixtures/summaries/`, with the runbook plan's
//! triggers: each gives the expected decision and plan (snapshotted), the database step only
//! with migrations, and unknown targets reported as unknown.

use std::path::{Path, PathBuf};

use release_core::log::{LOOK_BACK_BYTES, ReleaseLog};
use release_core::rollback::{
    Decision, DecisionKind, LogFacts, RollbackConfig, RollbackPlan, RollbackTarget, StepAction,
    TriggerState,
};
use release_core::{Plan, Summary};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn runbook() -> Plan {
    Plan::load(&fixtures().join("plans/runbook.toml")).expect("the runbook plan loads")
}

/// The runbook's rollback configuration for the run's environment.
fn rollback(summary: &Summary) -> RollbackConfig {
    runbook()
        .rollback_config(&summary.environment)
        .expect("the runbook's triggers build")
}

fn decide(case: &str) -> Decision {
    let dir = fixtures().join("summaries").join(case);
    let summary = Summary::read_file(&dir.join("summary.json")).expect("a recorded summary");
    let log = ReleaseLog::new(dir.join("release-log.jsonl"))
        .read()
        .expect("its log");
    assert!(log.problems.is_empty(), "{case}: {:?}", log.problems);
    Decision::replay(&rollback(&summary), &summary, &log).expect("the runbook declares triggers")
}

fn states(decision: &Decision) -> Vec<(String, TriggerState)> {
    decision
        .assessments
        .iter()
        .map(|a| (a.trigger.clone(), a.state))
        .collect()
}

fn actions(decision: &Decision) -> Vec<StepAction> {
    decision
        .plan
        .as_ref()
        .map(|p| p.steps.iter().map(|s| s.action).collect())
        .unwrap_or_default()
}

const EXPECTED: [(&str, DecisionKind); 7] = [
    ("healthy", DecisionKind::Proceed),
    ("roles-blocked", DecisionKind::Rollback),
    ("degraded", DecisionKind::Hold),
    ("api-down", DecisionKind::Rollback),
    ("migrations-ran", DecisionKind::Rollback),
    ("error-rate-held", DecisionKind::Rollback),
    ("sessions-growth", DecisionKind::Rollback),
];

#[test]
fn every_recorded_run_is_covered_and_gets_its_decision() {
    let mut cases: Vec<String> = std::fs::read_dir(fixtures().join("summaries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    let mut expected: Vec<&str> = EXPECTED.iter().map(|(c, _)| *c).collect();
    expected.sort();
    assert_eq!(
        cases, expected,
        "a new recorded run needs an expected decision"
    );
    for (case, kind) in EXPECTED {
        let decision = decide(case);
        assert_eq!(decision.decision, kind, "{case}: {}", decision.reason);
        assert_eq!(
            decision.plan.is_some(),
            kind == DecisionKind::Rollback,
            "{case}"
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(case);
        settings.bind(|| insta::assert_json_snapshot!("decision", decision));
    }
}

#[test]
fn healthy_is_clear_everywhere_with_growth_unjudged_for_want_of_a_baseline() {
    let decision = decide("healthy");
    assert!(
        states(&decision)
            .iter()
            .all(|(_, s)| *s == TriggerState::Clear)
    );
    let growth = &decision.assessments[5];
    assert_eq!(growth.trigger, "stale-sessions-growth");
    assert!(
        growth.reason.contains("no baseline yet"),
        "{}",
        growth.reason
    );
}

#[test]
fn roles_blocked_fires_the_control_plane_and_names_the_roles() {
    let decision = decide("roles-blocked");
    assert_eq!(
        decision.triggers_in(TriggerState::Fired),
        ["control-plane-blocked"]
    );
    let fired = &decision.assessments[1];
    let names: Vec<&str> = fired.observations.iter().map(|o| o.name.as_str()).collect();
    assert!(
        names.contains(&"ai-runtime-health: roles.support-agent"),
        "{names:?}"
    );
    assert!(
        names.contains(&"ai-runtime-health: summary.rolesBlocked"),
        "{names:?}"
    );
    // No migrations known: no database step, and a note says why.
    assert_eq!(
        actions(&decision),
        [
            StepAction::FreezeDeployments,
            StepAction::RollBackWeb,
            StepAction::RollBackApi,
            StepAction::RerunSmoke
        ]
    );
    let plan = decision.plan.as_ref().unwrap();
    assert!(plan.notes[0].contains("unknown"), "{:?}", plan.notes);
    // The targets are what served at preflight, before the release.
    match &plan.steps[1].target {
        Some(RollbackTarget::Known {
            deployment_id,
            source,
            ..
        }) => {
            assert_eq!(deployment_id, "dep-9c41e7a2");
            assert!(source.contains("preflight run"), "{source}");
        }
        other => panic!("web's target: {other:?}"),
    }
}

#[test]
fn migrations_bring_the_database_step_with_the_owner_s_approval() {
    let decision = decide("migrations-ran");
    assert_eq!(
        actions(&decision),
        [
            StepAction::FreezeDeployments,
            StepAction::RollBackWeb,
            StepAction::RollBackApi,
            StepAction::RollBackDatabase,
            StepAction::RerunSmoke
        ]
    );
    let plan = decision.plan.unwrap();
    let database = &plan.steps[3];
    assert!(
        database
            .needs_approval
            .as_deref()
            .is_some_and(|a| a.contains("database owner")),
        "{database:?}"
    );
    assert_eq!(
        plan.steps[2].target,
        Some(RollbackTarget::Known {
            deployment_id: "dep-api-139".into(),
            replaces: Some("dep-api-140".into()),
            source: format!("the platform gate of run {}", decision.run_id),
        })
    );
}

#[test]
fn unknown_previous_deployments_are_reported_unknown() {
    let decision = decide("error-rate-held");
    assert_eq!(
        decision.triggers_in(TriggerState::Fired),
        ["api-error-rate"]
    );
    let plan = decision.plan.unwrap();
    for step in &plan.steps[1..3] {
        assert!(
            matches!(step.target, Some(RollbackTarget::Unknown { .. })),
            "{step:?}"
        );
    }
    assert!(
        plan.notes.iter().any(|n| n.contains("ran no migrations")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn growth_over_the_logged_baseline_fires_and_missing_data_watches() {
    let decision = decide("sessions-growth");
    let by_id: std::collections::BTreeMap<_, _> = states(&decision).into_iter().collect();
    assert_eq!(by_id["stale-sessions-growth"], TriggerState::Fired);
    assert_eq!(by_id["metrics-missing"], TriggerState::Watch);
    assert_eq!(by_id["api-latency"], TriggerState::Watch);
    let growth = &decision.assessments[5];
    assert_eq!(
        growth.observations[0].baseline,
        Some(serde_json::json!(3)),
        "`3`, not `3.0`"
    );
    assert!(growth.reason.contains("+200%"), "{}", growth.reason);
}

#[test]
fn replaying_a_run_ignores_runs_logged_after_it() {
    let dir = fixtures().join("summaries/sessions-growth");
    let summary = Summary::read_file(&dir.join("summary.json")).unwrap();
    let mut log = ReleaseLog::new(dir.join("release-log.jsonl"))
        .read()
        .unwrap();
    let before = Decision::replay(&rollback(&summary), &summary, &log).unwrap();
    // A later successful run with a higher value must not move this run's baseline.
    let mut later = log.records[0].1.clone();
    later.run_id = "later".into();
    later.recorded_at = summary.finished_at + jiff::SignedDuration::from_secs(60);
    later
        .measurements
        .insert("agent-sessions.stale_active_sessions".into(), 50.0);
    log.records.push((99, later));
    let after = Decision::replay(&rollback(&summary), &summary, &log).unwrap();
    assert_eq!(
        serde_json::to_string(&before).unwrap(),
        serde_json::to_string(&after).unwrap()
    );
}

#[test]
fn records_of_another_release_answer_for_nothing() {
    let dir = fixtures().join("summaries/roles-blocked");
    let mut summary = Summary::read_file(&dir.join("summary.json")).unwrap();
    let log = ReleaseLog::new(dir.join("release-log.jsonl"))
        .read()
        .unwrap();
    let preflight = log
        .records
        .iter()
        .find(|(_, r)| r.phase == "preflight")
        .unwrap()
        .1
        .clone();
    let at = |minutes: i64| summary.started_at - jiff::SignedDuration::from_mins(minutes);

    // An old release's preflight (with deployments) and its record of migrations.
    let mut old = preflight.clone();
    old.run_id = "old-preflight".into();
    old.recorded_at = at(60 * 24 * 14);
    old.release.version = Some("1.3.0".into());
    old.release.migrations = Some(true);
    let mut old_launch = old.clone();
    old_launch.run_id = "old-launch".into();
    old_launch.phase = "launch-gate".into();
    old_launch.deployments.clear();
    old_launch.recorded_at = at(60 * 24 * 13);
    let history = release_core::log::LogContents {
        records: vec![(1, old.clone()), (2, old_launch.clone())],
        ..Default::default()
    };

    // This release says its version: the 1.3.0 records are another release's.
    summary.release.version = Some("1.4.0".into());
    let plan = Decision::replay(&rollback(&summary), &summary, &history)
        .unwrap()
        .plan
        .unwrap();
    assert!(
        matches!(plan.steps[1].target, Some(RollbackTarget::Unknown { .. })),
        "{:?}",
        plan.steps[1]
    );
    assert!(!actions_of(&plan).contains(&StepAction::RollBackDatabase));

    // Without versions, a preflight followed by a launch gate may be another release's.
    summary.release.version = None;
    let mut unversioned = history.clone();
    for (_, r) in &mut unversioned.records {
        r.release.version = None;
    }
    let plan = Decision::replay(&rollback(&summary), &summary, &unversioned)
        .unwrap()
        .plan
        .unwrap();
    assert!(matches!(
        plan.steps[2].target,
        Some(RollbackTarget::Unknown { .. })
    ));
    assert!(
        !actions_of(&plan).contains(&StepAction::RollBackDatabase),
        "no version, no guess"
    );

    // The same release's preflight, after that old launch gate, is used.
    let mut ours = preflight;
    ours.release.version = Some("1.4.0".into());
    ours.release.migrations = Some(true);
    ours.recorded_at = at(5);
    let mut current = history;
    current.records.push((3, ours));
    summary.release.version = Some("1.4.0".into());
    let plan = Decision::replay(&rollback(&summary), &summary, &current)
        .unwrap()
        .plan
        .unwrap();
    assert!(matches!(
        plan.steps[1].target,
        Some(RollbackTarget::Known { .. })
    ));
    assert!(actions_of(&plan).contains(&StepAction::RollBackDatabase));
}

fn actions_of(plan: &release_core::rollback::RollbackPlan) -> Vec<StepAction> {
    plan.steps.iter().map(|s| s.action).collect()
}

/// A decision over facts read from the log's end equals one over the whole log read first.
fn decide_from_the_end(dir: &Path, summary: &Summary, look_back: u64) -> Decision {
    let facts = LogFacts::read(
        &rollback(summary),
        summary,
        &ReleaseLog::new(dir.join("release-log.jsonl")),
        look_back,
    )
    .unwrap();
    Decision::replay_facts(&rollback(summary), summary, &facts).unwrap()
}

#[test]
fn decisions_read_from_the_end_of_the_log_match_the_whole_log() {
    for (case, _) in EXPECTED {
        let dir = fixtures().join("summaries").join(case);
        let summary = Summary::read_file(&dir.join("summary.json")).unwrap();
        let log = ReleaseLog::new(dir.join("release-log.jsonl"))
            .read()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&decide_from_the_end(&dir, &summary, LOOK_BACK_BYTES)).unwrap(),
            serde_json::to_string(&Decision::replay(&rollback(&summary), &summary, &log).unwrap())
                .unwrap(),
            "{case}"
        );
        let facts = LogFacts::read(
            &rollback(&summary),
            &summary,
            &ReleaseLog::new(dir.join("release-log.jsonl")),
            LOOK_BACK_BYTES,
        )
        .unwrap();
        assert_eq!(
            RollbackPlan::from_facts(&rollback(&summary), &summary, &facts),
            RollbackPlan::for_run(&rollback(&summary), &summary, &log),
            "{case}"
        );
    }
}

#[test]
fn a_search_cut_short_by_the_look_back_limit_says_so_in_the_plan() {
    let source = fixtures().join("summaries/roles-blocked");
    let summary = Summary::read_file(&source.join("summary.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The preflight run the targets come from, then more than the limit of other lines.
    let mut text = std::fs::read_to_string(source.join("release-log.jsonl")).unwrap();
    let filler = format!("{}\n", "x".repeat(1000));
    text.push_str(&filler.repeat(200));
    std::fs::write(dir.path().join("release-log.jsonl"), &text).unwrap();

    let whole = decide_from_the_end(dir.path(), &summary, u64::MAX);
    let plan = whole.plan.unwrap();
    assert!(
        matches!(plan.steps[1].target, Some(RollbackTarget::Known { .. })),
        "{:?}",
        plan.steps[1]
    );
    assert!(
        plan.notes.iter().all(|n| !n.contains("newest")),
        "{:?}",
        plan.notes
    );

    let cut = decide_from_the_end(dir.path(), &summary, 64 * 1024);
    let plan = cut.plan.unwrap();
    assert!(
        matches!(plan.steps[1].target, Some(RollbackTarget::Unknown { .. })),
        "{:?}",
        plan.steps[1]
    );
    assert!(
        plan.notes.iter().any(|n| n
            == "release log: read back 64 KiB from its end (the limit) without finding baselines of agent-sessions.stale_active_sessions; a preflight run's deployments; older records were not read"),
        "{:?}",
        plan.notes
    );
}
