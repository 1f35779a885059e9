//! The committed schemas match the types, and the documents the tool reads and writes
//! validate against them.

use std::path::PathBuf;

use release_core::schema::SchemaName;

fn committed(name: SchemaName) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/schemas")
        .join(format!("{}.schema.json", name.as_str()))
}

/// Run with `UPDATE_SCHEMAS=1` to rewrite the committed files after an intended change.
#[test]
fn committed_schemas_match_the_types() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut drifted = Vec::new();
    for name in SchemaName::ALL {
        let path = committed(name);
        let generated = name.render();
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != generated {
            drifted.push(path.display().to_string());
        }
    }
    assert!(
        drifted.is_empty(),
        "schemas drifted from the types; run UPDATE_SCHEMAS=1 cargo test -p release-core --test core schemas and review: {drifted:?}"
    );
}

fn validator(name: SchemaName) -> jsonschema::Validator {
    jsonschema::validator_for(&name.schema()).expect("schema compiles")
}

#[test]
fn the_runbook_plan_validates_against_the_plan_schema() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/plans/runbook.toml"
    );
    let plan: serde_json::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let errors: Vec<String> = validator(SchemaName::Plan)
        .iter_errors(&plan)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_plan_template_validates_against_the_plan_schema() {
    for template in release_core::plan::Template::ALL {
        let plan: serde_json::Value = toml::from_str(template.text()).unwrap();
        let errors: Vec<String> = validator(SchemaName::Plan)
            .iter_errors(&plan)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{template}: {errors:#?}");
    }
}

#[test]
fn the_plan_schema_refuses_unknown_keys_and_kinds() {
    let v = validator(SchemaName::Plan);
    let bad_key = serde_json::json!({ "environments": { "a": {} }, "gates": [ { "id": "e", "kind": "env", "phases": ["preflight-env"], "vars": [], "colour": 1 } ] });
    assert!(!v.is_valid(&bad_key));
    let bad_kind = serde_json::json!({ "environments": { "a": {} }, "gates": [ { "id": "e", "kind": "nope", "phases": ["smoke"] } ] });
    assert!(!v.is_valid(&bad_kind));
    let good = serde_json::json!({ "environments": { "a": {} }, "gates": [ { "id": "e", "kind": "env", "phases": ["preflight-env"], "vars": [ { "name": "A", "secret": true, "url": { "schemes": ["https"] } } ] } ] });
    assert!(
        v.is_valid(&good),
        "{:?}",
        v.iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_summary_and_a_log_record_validate() {
    use release_core::log::LogRecord;
    use release_core::{
        Context, DynGate, Evaluation, Gate, GateInfo, Observation, Policy, RunMeta, Runner, Summary,
    };

    struct Fails(GateInfo);
    impl Gate for Fails {
        fn info(&self) -> &GateInfo {
            &self.0
        }
        async fn evaluate(&self, _: &Context) -> Evaluation {
            Evaluation::fail("no")
                .observation(Observation::new("x", 2, 1, "le").unit("ms").baseline(1))
        }
    }
    let gates: Vec<Box<dyn DynGate>> = vec![Box::new(Fails(GateInfo::new("g", "custom")))];
    let report = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(Runner::new().run(&gates, &Context::builder("staging").build()));
    let meta = RunMeta {
        run_id: "r".into(),
        phase: "launch".into(),
        environment: "staging".into(),
        policy: Policy::new(false),
    };
    let summary = Summary::new(&meta, &report);
    let json = serde_json::to_value(&summary).unwrap();
    assert!(validator(SchemaName::Summary).is_valid(&json));
    let back: Summary = serde_json::from_value(json).unwrap();
    assert_eq!(back, summary, "the summary reads back as written");

    let record = serde_json::to_value(LogRecord::from_summary(
        &summary,
        summary.finished_at,
        Some("out.json".into()),
    ))
    .unwrap();
    assert!(validator(SchemaName::LogRecord).is_valid(&record));
    let mut broken = record.clone();
    broken["outcome"] = "maybe".into();
    assert!(!validator(SchemaName::LogRecord).is_valid(&broken));
}
