//! The `env` gate: every rule, production host rules, per-environment requirements, sources,
//! and values that never appear in what it reports.

use release_core::gates::env::{EnvGate, EnvGateSpec, IntegerRule, SecretRule, UrlRule, VarSpec};
use release_core::{Context, Evaluation, Gate, GateInfo, Vars, Verdict};

fn gate(vars: Vec<VarSpec>) -> EnvGate {
    EnvGate::new(GateInfo::new("env", "env"), EnvGateSpec { vars }).expect("valid spec")
}

fn evaluate(env: &str, gate: &EnvGate, vars: Vars) -> Evaluation {
    let cx = Context::builder(env).vars(vars).build();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(gate.evaluate(&cx))
}

/// (variable, rule) of each observation.
fn rules(e: &Evaluation) -> Vec<(String, String)> {
    e.observations
        .iter()
        .map(|o| (o.name.clone(), o.rule.clone()))
        .collect()
}

fn one(name: &str, value: &str, spec: VarSpec) -> Evaluation {
    evaluate(
        "staging",
        &gate(vec![spec]),
        Vars::from_pairs([(name, value)]),
    )
}

fn rule_of(name: &str, value: &str, spec: VarSpec) -> Vec<String> {
    one(name, value, spec)
        .observations
        .into_iter()
        .map(|o| o.rule)
        .collect()
}

#[test]
fn all_set_and_valid_passes_with_evidence_of_each_source() {
    let g = gate(vec![
        VarSpec::named("A"),
        VarSpec {
            required: false,
            ..VarSpec::named("B")
        },
    ]);
    let e = evaluate("staging", &g, Vars::from_pairs([("A", "hello")]));
    assert_eq!(e.verdict, Verdict::Pass, "{e:?}");
    assert_eq!(e.summary, "2 variables set and valid");
    let evidence: Vec<_> = e
        .evidence
        .iter()
        .map(|x| format!("{}: {}", x.name, x.detail))
        .collect();
    assert_eq!(
        evidence,
        [
            "A: set (5 characters), valid, from given in code",
            "B: unset (optional)"
        ]
    );
}

#[test]
fn required_unset_and_empty_are_distinct_failures() {
    let g = gate(vec![VarSpec::named("UNSET"), VarSpec::named("EMPTY")]);
    let e = evaluate("staging", &g, Vars::from_pairs([("EMPTY", "")]));
    assert_eq!(e.verdict, Verdict::Fail);
    assert_eq!(
        rules(&e),
        [
            ("UNSET".into(), "required".into()),
            ("EMPTY".into(), "non_empty".into())
        ]
    );
    assert_eq!(e.observations[1].observed, "set but empty");
    assert_eq!(e.summary, "2 problems in 2 variables of 2: UNSET, EMPTY");
}

#[test]
fn optional_empty_is_treated_as_unset_and_skips_format_rules() {
    let spec = VarSpec {
        required: false,
        integer: Some(IntegerRule::default()),
        ..VarSpec::named("N")
    };
    assert_eq!(one("N", "", spec).verdict, Verdict::Pass);
}

#[test]
fn optional_but_set_values_must_still_be_valid() {
    let spec = VarSpec {
        required: false,
        integer: Some(IntegerRule::default()),
        ..VarSpec::named("N")
    };
    assert_eq!(rule_of("N", "ten", spec), ["integer"]);
}

#[test]
fn required_only_in_some_environments() {
    let g = gate(vec![VarSpec {
        environments: Some(vec!["production".into()]),
        ..VarSpec::named("SENTRY_DSN")
    }]);
    assert_eq!(
        evaluate("staging", &g, Vars::default()).verdict,
        Verdict::Pass
    );
    let e = evaluate("production", &g, Vars::default());
    assert_eq!(rules(&e), [("SENTRY_DSN".into(), "required".into())]);
}

#[test]
fn url_rules() {
    let url = |schemes: &[&str]| VarSpec {
        url: Some(UrlRule {
            schemes: schemes.iter().map(|s| s.to_string()).collect(),
            allow_private: false,
        }),
        ..VarSpec::named("U")
    };
    assert!(rule_of("U", "https://api.example.com", url(&["https"])).is_empty());
    assert_eq!(rule_of("U", "not a url", url(&["https"])), ["url"]);
    assert_eq!(
        rule_of("U", "http://api.example.com", url(&["https"])),
        ["url.scheme"]
    );
    assert_eq!(
        rule_of("U", "HTTPS://api.example.com", url(&["https"])),
        Vec::<String>::new()
    );
    assert_eq!(
        rule_of("U", "mailto:ops@example.com", url(&["mailto"])),
        ["url.host"]
    );
    // Outside production, localhost is fine.
    assert!(rule_of("U", "http://localhost:3000", url(&["http"])).is_empty());
}

#[test]
fn production_urls_must_not_point_at_local_or_private_hosts() {
    let spec = |allow_private| VarSpec {
        url: Some(UrlRule {
            schemes: vec!["https".into(), "postgres".into()],
            allow_private,
        }),
        ..VarSpec::named("U")
    };
    let prod = |value: &str, allow| {
        let e = evaluate(
            "production",
            &gate(vec![spec(allow)]),
            Vars::from_pairs([("U", value)]),
        );
        e.observations
            .iter()
            .map(|o| {
                (
                    o.rule.clone(),
                    o.observed.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        prod("https://localhost:3000", false),
        [(
            "url.production_host".into(),
            "a URL pointing at localhost".into()
        )]
    );
    assert_eq!(
        prod("https://127.0.0.1", true),
        [(
            "url.production_host".into(),
            "a URL pointing at localhost".into()
        )],
        "localhost never"
    );
    assert_eq!(
        prod("https://10.1.2.3", false),
        [(
            "url.production_host".into(),
            "a URL pointing at a private host".into()
        )]
    );
    assert!(
        prod("postgres://u:p@postgres.railway.internal:5432/db", true).is_empty(),
        "private allowed when the plan says so"
    );
    assert!(prod("https://api.example.com", false).is_empty());
}

#[test]
fn integer_rules() {
    let spec = || VarSpec {
        integer: Some(IntegerRule {
            min: Some(1),
            max: Some(65535),
        }),
        ..VarSpec::named("PORT")
    };
    assert!(rule_of("PORT", "8080", spec()).is_empty());
    assert_eq!(rule_of("PORT", "0", spec()), ["integer.min"]);
    assert_eq!(rule_of("PORT", "80800", spec()), ["integer.max"]);
    assert_eq!(rule_of("PORT", " 80", spec()), ["integer"]);
    assert_eq!(
        rule_of("PORT", "99999999999999999999999", spec()),
        ["integer"]
    );
    let e = one("PORT", "80800", spec());
    assert_eq!(e.observations[0].expected, "an integer from 1 to 65535");
}

#[test]
fn one_of_regex_and_boolean() {
    let one_of = VarSpec {
        one_of: Some(vec!["staging".into(), "production".into()]),
        ..VarSpec::named("E")
    };
    assert!(rule_of("E", "staging", one_of.clone()).is_empty());
    assert_eq!(rule_of("E", "Staging", one_of), ["one_of"]);

    let regex = || VarSpec {
        regex: Some("sk-[a-z0-9]{4,}".into()),
        ..VarSpec::named("K")
    };
    assert!(rule_of("K", "sk-abcd1234", regex()).is_empty());
    assert_eq!(
        rule_of("K", "xx sk-abcd1234", regex()),
        ["regex"],
        "the whole value must match"
    );

    let boolean = || VarSpec {
        boolean: true,
        ..VarSpec::named("B")
    };
    for ok in ["true", "FALSE", "1", "0", "yes", "No", "on", "off"] {
        assert!(rule_of("B", ok, boolean()).is_empty(), "{ok}");
    }
    assert_eq!(rule_of("B", "maybe", boolean()), ["boolean"]);
}

#[test]
fn secret_rules_refuse_short_values_and_placeholders() {
    let secret = || VarSpec {
        secret: Some(SecretRule {
            min_length: 16,
            placeholders: vec!["acme-default".into()],
        }),
        ..VarSpec::named("S")
    };
    assert!(rule_of("S", "f3a9c1e7b2d84f6a9e0c", secret()).is_empty());
    assert!(
        rule_of("S", "Zq8vxxx2Lr7Kp4Wn9Tb3", secret()).is_empty(),
        "a real secret may contain xxx"
    );
    assert!(
        rule_of("S", "sk-xxxxxxxxxxxxxxxxxxxx", secret())
            .contains(&"secret.placeholder".to_owned())
    );
    assert_eq!(
        rule_of("S", "short-but-real", secret()),
        ["secret.min_length"]
    );
    for placeholder in [
        "changeme",
        "CHANGEME",
        "xxx",
        "todo",
        "<your token here>",
        "${SESSION_SECRET}",
        "your-secret-goes-here",
        "xxxxxxxxxxxxxxxxxxxx",
        "aaaaaaaaaaaaaaaaaaaa",
        "ACME-DEFAULT",
    ] {
        let found = rule_of("S", placeholder, secret());
        assert!(
            found.contains(&"secret.placeholder".to_owned()),
            "{placeholder}: {found:?}"
        );
    }
}

#[test]
fn several_rules_give_one_observation_each() {
    let spec = VarSpec {
        url: Some(UrlRule::default()),
        secret: Some(SecretRule::default()),
        ..VarSpec::named("X")
    };
    assert_eq!(
        rule_of("X", "changeme", spec),
        ["url", "secret.min_length", "secret.placeholder"]
    );
}

#[test]
fn no_output_contains_any_value() {
    const CANARY: &str = "canary-7f3a9c1e-secret-value";
    let specs = vec![
        VarSpec {
            url: Some(UrlRule::default()),
            ..VarSpec::named("URL")
        },
        VarSpec {
            integer: Some(IntegerRule::default()),
            ..VarSpec::named("INT")
        },
        VarSpec {
            one_of: Some(vec!["a".into()]),
            ..VarSpec::named("ONE")
        },
        VarSpec {
            regex: Some("[0-9]+".into()),
            ..VarSpec::named("RX")
        },
        VarSpec {
            boolean: true,
            ..VarSpec::named("BOOL")
        },
        VarSpec {
            secret: Some(SecretRule {
                min_length: 100,
                placeholders: vec![],
            }),
            ..VarSpec::named("SECRET")
        },
    ];
    let names = ["URL", "INT", "ONE", "RX", "BOOL", "SECRET"];
    let values = [
        format!("https://{CANARY}.localhost"),
        CANARY.to_owned(),
        CANARY.to_owned(),
        CANARY.to_owned(),
        CANARY.to_owned(),
        CANARY.to_owned(),
    ];
    let vars = Vars::from_pairs(
        names
            .iter()
            .zip(values.iter())
            .map(|(n, v)| (*n, v.clone())),
    );
    let e = evaluate("production", &gate(specs), vars);
    assert_eq!(e.observations.len(), 6, "{:#?}", e.observations);
    let dump = format!("{e:?}");
    assert!(!dump.contains("canary"), "{dump}");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any value, under every rule at once, gives a verdict and never shows the value.
        #[test]
        fn arbitrary_values_never_panic_or_leak(value in "\\PC{0,64}|[\\x00-\\x7f]{0,64}", production in any::<bool>()) {
            let spec = VarSpec {
                url: Some(UrlRule::default()),
                integer: Some(IntegerRule { min: Some(-5), max: Some(5) }),
                one_of: Some(vec!["a".into()]),
                regex: Some("[a-z]+".into()),
                boolean: true,
                secret: Some(SecretRule::default()),
                ..VarSpec::named("V")
            };
            let env = if production { "production" } else { "staging" };
            let marked = format!("MARK{value}MARK");
            let e = evaluate(env, &gate(vec![spec]), Vars::from_pairs([("V", marked.clone())]));
            prop_assert!(matches!(e.verdict, Verdict::Pass | Verdict::Fail));
            let dump = serde_json::to_string(&e.observations).unwrap() + &format!("{:?}", e.evidence) + &e.summary;
            prop_assert!(!dump.contains(&marked));
        }
    }
}
