//! Loading plans: the shipped plan loads, and every kind of mistake is reported with its
//! position, several at once.

use release_core::plan::{Diagnostic, GateKindSpec, KNOWN_PHASES};
use release_core::{Plan, PlanError};

fn diagnostics(source: &str) -> Vec<Diagnostic> {
    match Plan::parse("plan.toml", source) {
        Ok(_) => panic!("expected the plan to be refused"),
        Err(err) => err.diagnostics().to_vec(),
    }
}

fn at(source: &str) -> Vec<(usize, usize, String)> {
    diagnostics(source)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect()
}

const MINIMAL: &str = "[environments.staging]\n";

#[test]
fn the_runbook_plan_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/plans/runbook.toml"
    );
    let plan = Plan::load(std::path::Path::new(path)).expect("runbook plan is valid");
    assert_eq!(plan.environments.len(), 2);
    let env = plan
        .gates
        .iter()
        .find(|g| g.common.id == "release-env")
        .expect("env gate");
    let GateKindSpec::Env(spec) = &env.spec else {
        panic!("release-env is an env gate")
    };
    assert!(spec.vars.iter().any(|v| v.name == "DATABASE_URL"));
    assert!(plan.secret_variables().contains("SESSION_SECRET"));
    assert!(
        plan.secret_variables().contains("RELEASE_ADMIN_TOKEN"),
        "token variables are secret"
    );
    let production = plan.select_environment(Some("production")).unwrap();
    assert!(production.production && production.strict);
    let staging = plan.select_environment(None).unwrap();
    assert_eq!(staging.name, "staging");
    assert!(!staging.strict);
}

#[test]
fn unknown_keys_are_errors_at_every_level_and_all_are_reported() {
    let source = r#"
[release]
name = "x"
colour = "blue"

[environments.staging]
api_url = "https://api.example.com"
strictt = true

[[gates]]
id = "env"
kind = "env"
phases = ["preflight-env"]
retries = 3

[[gates.vars]]
name = "A"
requird = true
"#;
    let found = at(source);
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert_eq!(found.len(), 4, "{found:#?}");
    assert_eq!((found[0].0, found[0].1), (4, 1));
    assert!(
        messages[0].contains("unknown field `colour`"),
        "{}",
        messages[0]
    );
    assert_eq!(found[1].0, 8);
    assert!(messages[1].contains("unknown field `strictt`"));
    assert!(
        messages[1].contains("expected one of"),
        "says what was expected: {}",
        messages[1]
    );
    assert_eq!(found[2].0, 14);
    assert!(messages[2].contains("unknown field `retries`"));
    assert_eq!(found[3].0, 18);
    assert!(messages[3].contains("unknown field `requird`"));
}

#[test]
fn the_error_names_file_line_and_column() {
    let err = Plan::parse("plans/release.toml", "[environments.staging]\n\n[[gates]]\nid = \"a\"\nkind = \"env\"\nphases = [\"preflight-env\"]\ntimeout = \"soon\"\nvars = []\n")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("plans/release.toml:7:11: invalid duration \"soon\""),
        "{text}"
    );
}

#[test]
fn semantic_mistakes_are_collected_together() {
    let source = r#"
[environments.staging]
[environments.production]

[[gates]]
id = "env"
kind = "env"
phases = ["preflight-env", "prefligth-qa"]
environments = ["prod"]
vars = [
  { name = "PORT", integer = { min = 10, max = 1 } },
  { name = "PORT" },
  { name = "RX", regex = "([a-z" },
  { name = "ONLY", environments = ["qa"] },
]

[[gates]]
id = "env"
kind = "env"
phases = []
vars = []

[[gates]]
id = "smoke"
kind = "htttp"
phases = ["smoke"]
"#;
    let messages: Vec<String> = diagnostics(source).into_iter().map(|d| d.message).collect();
    let expect = [
        "unknown phase `prefligth-qa`",
        "names environment `prod`, which is not declared",
        "variable `PORT` is listed twice",
        "names environment `qa`",
        "integer range is empty",
        "duplicate gate id `env`",
        "belongs to no phase",
        "unknown gate kind `htttp`; expected one of `env`, `http`, `ai-runtime`, `sessions`",
    ];
    for needle in expect {
        assert!(
            messages.iter().any(|m| m.contains(needle)),
            "missing {needle:?} in {messages:#?}"
        );
    }
    assert!(messages.iter().all(|m| !m.is_empty()));
}

#[test]
fn an_invalid_regex_is_reported_with_the_reason() {
    let source = "[environments.a]\n[[gates]]\nid='e'\nkind='env'\nphases=['preflight-env']\nvars=[{name='X', regex='(unclosed'}]\n";
    let messages: Vec<String> = diagnostics(source).into_iter().map(|d| d.message).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("variable `X`: invalid regex")),
        "{messages:?}"
    );
}

#[test]
fn syntax_errors_are_positioned() {
    let found = at("[environments.staging]\napi_url = \"https://x\n[[gates]\n");
    assert!(!found.is_empty());
    assert_eq!(found[0].0, 2, "{found:?}");
}

#[test]
fn a_plan_without_environments_or_with_a_bad_default_is_refused() {
    let messages: Vec<String> = diagnostics("[release]\ndefault_environment = 'prod'\n")
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("declares no environment")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("default_environment` names `prod`")),
        "{messages:?}"
    );
}

#[test]
fn gates_must_be_an_array_of_tables() {
    let found = at(&format!("gates = 3\n{MINIMAL}"));
    assert!(found[0].2.contains("array of tables"), "{found:?}");
    let found = at(&format!("gates = [1]\n{MINIMAL}"));
    assert!(found[0].2.contains("must be a table"), "{found:?}");
}

#[test]
fn a_missing_kind_is_named() {
    let found = at(&format!(
        "{MINIMAL}[[gates]]\nid = 'x'\nphases = ['smoke']\n"
    ));
    assert!(found[0].2.contains("missing field `kind`"), "{found:?}");
}

#[test]
fn invalid_utf8_is_positioned() {
    let err = Plan::from_bytes("p.toml", b"[release]\nname = \"\xff\"\n").unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!((d.line, d.column), (2, 9));
    assert!(d.message.contains("UTF-8"));
}

#[test]
fn a_missing_file_is_a_read_error_naming_it() {
    let err = Plan::load(std::path::Path::new("/nonexistent/release.toml")).unwrap_err();
    assert!(matches!(err, PlanError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/release.toml"));
}

#[test]
fn phases_are_the_runbook_phases() {
    assert_eq!(
        KNOWN_PHASES,
        [
            "preflight-env",
            "preflight-platform",
            "preflight-qa",
            "smoke",
            "launch"
        ]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn check(bytes: &[u8]) {
        match Plan::from_bytes("fuzz.toml", bytes) {
            Ok(_) => {}
            Err(PlanError::Invalid { diagnostics, .. }) => {
                assert!(!diagnostics.is_empty());
                let lines = bytes.split(|b| *b == b'\n').count();
                for d in diagnostics {
                    assert!(d.line >= 1 && d.column >= 1, "{d:?}");
                    assert!(d.line <= lines + 1, "{d:?} beyond {lines} lines");
                    assert!(!d.message.is_empty());
                }
            }
            Err(other) => panic!("unexpected error kind: {other}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            check(&bytes);
        }

        #[test]
        fn plan_shaped_text_never_panics(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just("[environments.staging]".to_owned()),
                    Just("[[gates]]".to_owned()),
                    Just("[[gates.vars]]".to_owned()),
                    Just("kind = 'env'".to_owned()),
                    Just("phases = ['preflight-env']".to_owned()),
                    "[a-z_]{1,8} = ('[^'\n]{0,12}'|[0-9]{1,3}|true|\\[\\])",
                    "[^\n]{0,20}",
                ],
                0..24,
            )
        ) {
            check(lines.join("\n").as_bytes());
        }
    }
}

#[test]
fn problems_found_after_reading_point_at_the_key_that_causes_them() {
    let source = "[release]\ndefault_environment = 'prod'\n[environments.staging]\n[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['smoke', 'smok']\ntimeout = '0s'\n[[gates.vars]]\nname = 'A'\n[[gates.vars]]\nname = 'A'\n";
    let found = at(source);
    let positions: Vec<(usize, usize, &str)> =
        found.iter().map(|(l, c, m)| (*l, *c, m.as_str())).collect();
    assert_eq!(positions[0].0, 2, "default_environment: {positions:?}");
    assert_eq!(
        (positions[1].0, positions[1].1),
        (7, 10),
        "phases: {positions:?}"
    );
    assert!(positions[1].2.contains("unknown phase `smok`"));
    assert_eq!(positions[2].0, 8, "timeout: {positions:?}");
    assert!(positions[2].2.contains("longer than zero and at most 24h"));
    assert_eq!(positions[3].0, 11, "the second `A`: {positions:?}");
    assert!(positions[3].2.contains("listed twice"));
}

#[test]
fn a_mistake_in_one_section_does_not_hide_the_others() {
    let source = "[release]\nnmae = 'x'\n[environments.staging]\nstrictt = true\n[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['nope']\nenvironments = ['staging']\nvars = [{ name = 'A' }]\n";
    let messages: Vec<String> = diagnostics(source).into_iter().map(|d| d.message).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[2].contains("unknown phase `nope`"),
        "{messages:#?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("not declared")),
        "a broken environment is still declared: {messages:#?}"
    );
}

#[test]
fn an_env_gate_must_check_something() {
    let messages: Vec<String> = diagnostics(
        "[environments.a]\n[[gates]]\nid='e'\nkind='env'\nphases=['preflight-env']\nvars=[]\n",
    )
    .into_iter()
    .map(|d| d.message)
    .collect();
    assert!(messages[0].contains("checks no variables"), "{messages:?}");
}

#[test]
fn a_bad_soak_window_is_reported_at_load_for_every_kind() {
    let source = r#"
[environments.staging]

[[gates]]
id = "vars"
kind = "env"
phases = ["preflight-env"]
vars = [{ name = "PORT" }]
sustain = { interval = "0s", count = 3 }

[[gates]]
id = "up"
kind = "prometheus"
phases = ["launch"]
query = "up"
fail_below = 1
sustain = { interval = "1m", count = 3, duration = "3m" }
"#;
    let found = at(source);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].0, 9, "the env gate's `sustain` line: {found:#?}");
    assert!(found[0].2.contains("gate `vars`: sustain:"), "{found:#?}");
    assert!(found[1].2.contains("gate `up`: sustain:"), "{found:#?}");
}

/// Two gates and a staging/production pair, for `[rollback]` cases.
const ROLLBACK_BASE: &str = r#"[environments.staging]
[environments.production]

[[gates]]
id = "api-health"
kind = "http"
phases = ["smoke"]
url = "http://127.0.0.1:1/health"

[[gates]]
id = "error-rate"
kind = "prometheus"
phases = ["launch"]
environments = ["production"]
query = "up"
fail_above = 0.05
"#;

/// The line (1-based) of the first line of `source` that contains `needle`.
fn line_of(source: &str, needle: &str) -> usize {
    source
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` is not in the source"))
        + 1
}

#[test]
fn each_rollback_trigger_problem_is_reported_at_its_own_trigger() {
    let source = format!(
        "{ROLLBACK_BASE}
[rollback]
web_service = \"web\"

[[rollback.triggers]]
id = \"first\"
kind = \"verdict\"
gates = [\"api-health\"]

[[rollback.triggers]]
id = \"second\"
kind = \"verdict\"
gates = [\"no-such-gate\"]

[[rollback.triggers]]
id = \"third\"
kind = \"threshold\"
gate = \"error-rate\"
fire_above = 0.05
watch_above = 0.1
"
    );
    let found = at(&source);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        found[0].0,
        line_of(&source, "gates = [\"no-such-gate\"]"),
        "the bad gate name, in the second trigger: {found:#?}"
    );
    assert!(
        found[0].2.contains("rollback trigger `second`"),
        "{found:#?}"
    );
    assert!(found[0].2.contains("`no-such-gate`"), "{found:#?}");
    assert_eq!(
        found[1].0,
        line_of(&source, "watch_above = 0.1"),
        "the watch level, in the third trigger: {found:#?}"
    );
    assert!(
        found[1].2.contains("rollback trigger `third`"),
        "{found:#?}"
    );
}

#[test]
fn a_bad_key_in_the_second_rollback_trigger_is_reported_there() {
    let source = format!(
        "{ROLLBACK_BASE}
[[rollback.triggers]]
id = \"first\"
kind = \"verdict\"
gates = [\"api-health\"]

[[rollback.triggers]]
id = \"second\"
kind = \"verdict\"
gates = [\"api-health\"]
fire_onn = [\"fail\"]

[[rollback.triggers]]
id = \"third\"
kind = \"threshold\"
gate = \"error-rate\"
fire_above = \"high\"
"
    );
    let found = at(&source);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        found[0].0,
        line_of(&source, "fire_onn"),
        "the unknown key: {found:#?}"
    );
    assert!(
        found[0].2.contains("unknown field `fire_onn`"),
        "{found:#?}"
    );
    let third = line_of(&source, "id = \"third\"");
    assert!(
        (third - 1..=line_of(&source, "fire_above = \"high\"")).contains(&found[1].0),
        "the invalid level, in the third trigger (lines from {}): {found:#?}",
        third - 1
    );
}

#[test]
fn a_mistake_outside_the_triggers_is_still_reported() {
    let source = format!(
        "{ROLLBACK_BASE}
[rollback]
web_servise = \"web\"

[[rollback.triggers]]
id = \"first\"
kind = \"verdict\"
gates = [\"api-health\"]
"
    );
    let found = at(&source);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, line_of(&source, "web_servise"), "{found:#?}");
    assert!(
        found[0].2.contains("unknown field `web_servise`"),
        "{found:#?}"
    );
}

/// The messages of a plan whose only trigger is `trigger` (TOML lines after the header).
fn trigger_problems(trigger: &str) -> Vec<(usize, String)> {
    let source = format!("{ROLLBACK_BASE}\n[[rollback.triggers]]\nid = \"t\"\n{trigger}\n");
    at(&source).into_iter().map(|(l, _, m)| (l, m)).collect()
}

#[test]
fn rollback_triggers_that_could_never_act_are_refused() {
    let cases: [(&str, &str); 16] = [
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_above = nan",
            "`fire_above` must be a finite number",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_below = -inf",
            "`fire_below` must be a finite number",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_above = 1.0\nwatch_above = inf",
            "`watch_above` must be a finite number",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_below = 1.0\nwatch_below = nan",
            "`watch_below` must be a finite number",
        ),
        (
            "kind = \"verdict\"\ngates = []",
            "`gates` must name at least one gate",
        ),
        (
            "kind = \"missing-data\"\ngates = []",
            "`gates` must name at least one gate",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_above = 0.05\nwatch_above = 0.05",
            "`watch_above` (0.05) must be below `fire_above` (0.05)",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_above = 0.05\nwatch_above = 0.5",
            "`watch_above` (0.5) must be below `fire_above` (0.05)",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_below = 1\nwatch_below = 0.5",
            "`watch_below` (0.5) must be above `fire_below` (1)",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_above = 1\nduration = \"0s\"",
            "`duration` must be longer than zero",
        ),
        (
            "kind = \"verdict\"\ngates = [\"api-health\"]\nfire_on = []",
            "`fire_on` and `watch_on` are both empty",
        ),
        (
            "kind = \"verdict\"\ngates = [\"api-health\"]\nfire_on = []\nwatch_on = []",
            "`fire_on` and `watch_on` are both empty",
        ),
        (
            "kind = \"growth\"\ngate = \"error-rate\"\nmeasurement = \"m\"\nfire_above = \"+50%\"\nwatch_above = \"+50%\"",
            "`watch_above` (+50%) must be below `fire_above` (+50%)",
        ),
        (
            "kind = \"growth\"\ngate = \"error-rate\"\nmeasurement = \"m\"\nfire_above = \"+5\"\nwatch_above = \"+10\"",
            "`watch_above` (+10) must be below `fire_above` (+5)",
        ),
        (
            "kind = \"threshold\"\ngate = \"error-rate\"\nfire_above = 1\nsamples = 0",
            "`samples` must be at least 1",
        ),
        (
            "kind = \"growth\"\ngate = \"error-rate\"\nmeasurement = \"m\"\nfire_above = \"fast\"",
            "`fast` is not a growth limit",
        ),
    ];
    let header = ROLLBACK_BASE.lines().count() + 2;
    for (trigger, want) in cases {
        let found = trigger_problems(trigger);
        assert_eq!(found.len(), 1, "{trigger}: {found:#?}");
        let (line, message) = &found[0];
        assert!(
            message.starts_with("rollback trigger `t`: "),
            "{trigger}: {message}"
        );
        assert!(message.contains(want), "{trigger}: {message}");
        assert!(
            *line >= header,
            "{trigger}: at line {line}, before the trigger"
        );
    }
}

#[test]
fn growth_limits_of_different_units_are_not_compared() {
    let source = format!(
        "{ROLLBACK_BASE}
[[rollback.triggers]]
id = \"t\"
kind = \"growth\"
gate = \"error-rate\"
measurement = \"m\"
fire_above = \"+5\"
watch_above = \"+50%\"
"
    );
    Plan::parse("plan.toml", &source).expect("percent and absolute limits may differ");
}

mod rollback_environments {
    use std::collections::BTreeMap;

    use release_core::rollback::{TriggerInput, TriggerState};
    use release_core::{Plan, Summary};
    use serde_json::json;

    use super::ROLLBACK_BASE;

    fn summary(environment: &str) -> Summary {
        serde_json::from_value(json!({
            "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
            "run_id": "r1", "phase": "launch-gate", "environment": environment, "strict": false,
            "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
            "duration_ms": 1000, "outcome": "passed",
            "counts": { "pass": 1, "warn": 0, "fail": 0, "inconclusive": 0, "error": 0, "skipped": 0 },
            "gates": [{ "id": "api-health", "kind": "http", "title": "API",
                "verdict": "pass", "required": true, "blocking": false, "summary": "200",
                "duration_ms": 9, "attempts": 1, "observations": [] }]
        }))
        .unwrap()
    }

    fn plan() -> Plan {
        let source = format!(
            "{ROLLBACK_BASE}
[[rollback.triggers]]
id = \"errors\"
kind = \"threshold\"
gate = \"error-rate\"
fire_above = 0.05
samples = 2

[[rollback.triggers]]
id = \"errors-growth\"
kind = \"growth\"
gate = \"error-rate\"
measurement = \"value\"
fire_above = \"+50%\"
"
        );
        Plan::parse("plan.toml", &source).expect("the plan is valid")
    }

    #[test]
    fn a_trigger_on_a_gate_that_does_not_run_in_the_environment_is_clear() {
        let plan = plan();
        let triggers = plan.rollback_triggers("staging").unwrap();
        let summary = summary("staging");
        let baselines = BTreeMap::new();
        let input = TriggerInput::new(&summary, &baselines);
        for trigger in &triggers {
            let assessment = trigger.assess(&input);
            assert_eq!(assessment.state, TriggerState::Clear, "{assessment:#?}");
            assert_eq!(
                assessment.reason, "gate error-rate does not run in staging",
                "{assessment:#?}"
            );
            assert_eq!(assessment.trigger, trigger.id());
        }
        assert_eq!(triggers[0].kind(), "threshold");
        assert_eq!(triggers[1].kind(), "growth");
    }

    #[test]
    fn in_its_own_environment_a_missing_gate_is_still_watched() {
        let plan = plan();
        let triggers = plan.rollback_triggers("production").unwrap();
        let summary = summary("production");
        let baselines = BTreeMap::new();
        let input = TriggerInput::new(&summary, &baselines);
        for trigger in &triggers {
            assert_eq!(trigger.assess(&input).state, TriggerState::Watch);
        }
    }
}
