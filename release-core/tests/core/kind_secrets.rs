//! Every credential field of every gate kind is redacted in every output.
//!
//! For each kind in the list of kinds (`GateKindSpec::KINDS`), a plan plants a canary in each
//! field that holds a credential (a variable the kind reads, a value the plan writes). An
//! upstream that echoes them all is simulated: the canaries stand in a gate's summary,
//! observation, evidence and details. The summary is then redacted with the plan's redactor,
//! as a run does, and rendered in every format (human, JSON — also what `--out` writes —,
//! JUnit, Markdown, GitHub annotations and step summary), and a log line is redacted as the
//! CLI's log writer does: no canary may remain. A kind whose secrets leave out a field fails
//! here, and so does a new kind without planted cases.

use release_core::plan::{GateKindSpec, UrlOverrides};
use release_core::report::{Format, RenderOptions, github, render};
use release_core::{Plan, Summary, Vars};

/// A plan for one kind, the variables of its run, and the canaries that must not show.
struct Case {
    plan: String,
    vars: Vec<(&'static str, String)>,
    canaries: Vec<String>,
}

const ENVIRONMENTS: &str = "[environments.staging]\napi_url = \"https://api.example\"\n";

/// Names every variable out of the name patterns, so that only what the kind itself declares
/// secret is: a field the kind's secrets leave out then shows.
const ONLY_DECLARED: &str = "[release.secrets]\nnot_secret = [\"*\"]\n";

fn gate(kind: &str, phase: &str, settings: &str) -> String {
    format!("[[gates]]\nid = \"g\"\nkind = \"{kind}\"\nphases = [\"{phase}\"]\n{settings}\n")
}

fn token_case(kind: &str, settings: &str) -> Case {
    Case {
        plan: format!(
            "{ONLY_DECLARED}{ENVIRONMENTS}[tokens]\nadmin = \"ADMIN_CRED\"\n{}",
            gate(
                kind,
                "launch",
                &format!(
                    "token = \"admin\"\nurl = \"https://bot:canaryUrlPass{kind}Z9@api.example/x\"\n{settings}"
                )
            )
        ),
        vars: vec![("ADMIN_CRED", format!("canaryToken{kind}Q7x2"))],
        canaries: vec![
            format!("canaryToken{kind}Q7x2"),
            format!("canaryUrlPass{kind}Z9"),
        ],
    }
}

fn basic_auth_case(kind: &str, settings: &str) -> Case {
    let password = format!("canaryBasicPw{kind}K3");
    let credential = base64(format!("PlainUser:{password}").as_bytes());
    Case {
        plan: format!(
            "{ONLY_DECLARED}{ENVIRONMENTS}{}",
            gate(
                kind,
                "launch",
                &format!(
                    "url = \"https://api.example\"\nbasic_auth = {{ user = \"SVC_FIRST\", password = \"SVC_SECOND\" }}\n{settings}"
                )
            )
        ),
        vars: vec![
            ("SVC_FIRST", "PlainUser".to_owned()),
            ("SVC_SECOND", password.clone()),
        ],
        canaries: vec![password, credential.clone(), format!("Basic {credential}")],
    }
}

/// The planted cases of a kind. Every kind of the list needs at least one.
fn cases(kind: &str) -> Vec<Case> {
    match kind {
        "env" => vec![Case {
            plan: format!(
                "{ONLY_DECLARED}{ENVIRONMENTS}{}",
                gate(
                    "env",
                    "preflight-env",
                    "vars = [{ name = \"BRAND_PIN\", secret = { min_length = 4 } }]"
                )
            ),
            vars: vec![("BRAND_PIN", "canaryEnvSecretRule5t".to_owned())],
            canaries: vec!["canaryEnvSecretRule5t".to_owned()],
        }],
        "http" => vec![
            Case {
                plan: format!(
                    "{ENVIRONMENTS}[tokens]\nadmin = \"ADMIN_CRED\"\n{}",
                    gate(
                        "http",
                        "smoke",
                        r#"url = "https://bot:canaryHttpUrlPw1@api.example/h?access_token=canaryHttpQuery2"
token = "admin"
headers = { X-Api-Key = "canaryHttpHeader3", Authorization = "Bearer canaryHttpBearer4" }
json = { user = "bot", password = "canaryHttpJson5" }"#
                    )
                ),
                vars: vec![("ADMIN_CRED", "canaryHttpToken6".to_owned())],
                canaries: [
                    "canaryHttpUrlPw1",
                    "canaryHttpQuery2",
                    "canaryHttpHeader3",
                    "canaryHttpBearer4",
                    "canaryHttpJson5",
                    "canaryHttpToken6",
                ]
                .map(str::to_owned)
                .to_vec(),
            },
            Case {
                plan: format!(
                    "{ENVIRONMENTS}{}",
                    gate(
                        "http",
                        "smoke",
                        "method = \"POST\"\nurl = \"{api_url}/login\"\nbody = \"user=bot&password=canaryHttpForm7\""
                    )
                ),
                vars: Vec::new(),
                canaries: vec!["canaryHttpForm7".to_owned()],
            },
        ],
        "ai-runtime" => vec![token_case("ai-runtime", "")],
        "sessions" => vec![token_case("sessions", "max_stale = { fail = 5 }")],
        "platform" => vec![Case {
            plan: format!(
                "{ONLY_DECLARED}{ENVIRONMENTS}{}",
                gate(
                    "platform",
                    "preflight-platform",
                    "services = [\"api\"]\nendpoint = \"https://bot:canaryRailwayUrl1@railway.example/graphql\""
                )
            ),
            vars: vec![
                ("RAILWAY_TOKEN", "canaryRailwayToken2".to_owned()),
                ("RAILWAY_API_TOKEN", "canaryRailwayApi3".to_owned()),
            ],
            canaries: [
                "canaryRailwayUrl1",
                "canaryRailwayToken2",
                "canaryRailwayApi3",
            ]
            .map(str::to_owned)
            .to_vec(),
        }],
        "command" => vec![
            Case {
                plan: format!(
                    "{ENVIRONMENTS}{}",
                    gate(
                        "command",
                        "preflight-qa",
                        r#"command = ["psql", "--db-password=canaryCmdFlag1", "postgres://app:canaryCmdUrl2@db/app"]
env = { DB_PASSWORD = "canaryCmdEnv3" }
[[gates.services]]
name = "pg"
start = ["postgres", "--admin-password=canaryCmdStart4"]
ready = { tcp = true }
port = 5432
env = { PGPASSWORD = "canaryCmdSvcEnv5" }"#
                    )
                ),
                vars: Vec::new(),
                canaries: [
                    "canaryCmdFlag1",
                    "canaryCmdUrl2",
                    "canaryCmdEnv3",
                    "canaryCmdStart4",
                    "canaryCmdSvcEnv5",
                ]
                .map(str::to_owned)
                .to_vec(),
            },
            Case {
                plan: format!(
                    "{ENVIRONMENTS}{}",
                    gate(
                        "command",
                        "preflight-qa",
                        "shell = \"PGPASSWORD=canaryCmdShell6 psql -c 'select 1'\""
                    )
                ),
                vars: Vec::new(),
                canaries: vec!["canaryCmdShell6".to_owned()],
            },
        ],
        "prometheus" => vec![
            token_case("prometheus", "query = \"up\"\nfail_below = 1"),
            basic_auth_case("prometheus", "query = \"up\"\nfail_below = 1"),
        ],
        "alerts" => vec![token_case("alerts", ""), basic_auth_case("alerts", "")],
        other => panic!(
            "gate kind `{other}` has no planted cases here: add its credential fields to `cases`"
        ),
    }
}

/// A failed run's summary whose only gate echoes `echo` everywhere a gate's text goes.
fn echoing_summary(echo: &str) -> Summary {
    serde_json::from_value(serde_json::json!({
        "schema_version": 1, "tool": { "name": "release", "version": "0.1.0" },
        "run_id": "r1", "phase": "launch", "environment": "staging", "strict": false,
        "started_at": "2026-11-27T10:00:00Z", "finished_at": "2026-11-27T10:00:01Z",
        "duration_ms": 1000, "outcome": "blocked",
        "counts": { "pass": 0, "warn": 0, "fail": 1, "inconclusive": 0, "error": 0, "skipped": 0 },
        "gates": [{
            "id": "g", "kind": "http", "title": format!("title {echo}"), "verdict": "fail",
            "required": true, "blocking": true, "summary": format!("upstream said {echo}"),
            "duration_ms": 3, "attempts": 1,
            "observations": [{ "name": "body", "observed": echo, "expected": "ok", "rule": "eq" }],
            "evidence": [{ "name": "response", "detail": format!("echo: {echo}") }],
            "details": { "echo": echo }
        }]
    }))
    .expect("a summary")
}

/// Every output a run writes from a summary and its log lines, named.
fn outputs(summary: &Summary, log_line: String) -> Vec<(String, String)> {
    let mut outputs: Vec<(String, String)> = Format::ALL
        .into_iter()
        .map(|format| {
            let options = RenderOptions {
                color: true,
                verbose: true,
            };
            let text = render(format, summary, &options).expect("rendered");
            (format.to_string(), text)
        })
        .collect();
    outputs.push(("github annotations".into(), github::annotations(summary)));
    outputs.push(("step summary".into(), github::step_summary(summary)));
    outputs.push(("log line".into(), log_line));
    outputs
}

#[test]
fn every_credential_field_of_every_kind_is_redacted_in_every_output() {
    for kind in GateKindSpec::KINDS {
        let cases = cases(kind);
        assert!(!cases.is_empty(), "gate kind `{kind}` has no planted cases");
        for (index, case) in cases.into_iter().enumerate() {
            let what = format!("kind `{kind}`, case {index}");
            let plan = Plan::parse("plan.toml", &case.plan)
                .unwrap_or_else(|e| panic!("{what}: plan refused: {e}\n{}", case.plan));
            assert_eq!(plan.gates[0].spec.kind(), *kind, "{what}");
            let vars = Vars::from_pairs(case.vars.iter().map(|(n, v)| (*n, v.as_str())));
            let redactor = plan.redactor(&vars, &UrlOverrides::default());
            let echo = case.canaries.join(" | ");

            let unredacted = outputs(&echoing_summary(&echo), echo.clone());
            for (output, text) in &unredacted {
                for canary in &case.canaries {
                    // Without redaction each output shows the echo: the check below means
                    // something.
                    assert!(
                        text.contains(canary.as_str()),
                        "{what}: {output} lacks {canary}"
                    );
                }
            }

            let mut summary = echoing_summary(&echo);
            summary.redact(&redactor);
            let log_line = redactor
                .redact(&format!("gate g: upstream said {echo}"))
                .into_owned();
            for (output, text) in outputs(&summary, log_line) {
                for canary in &case.canaries {
                    assert!(
                        !text.contains(canary.as_str()),
                        "{what}: {output} shows the credential {canary:?}:\n{text}"
                    );
                }
            }
        }
    }
}

/// Standard base64 with padding, as an HTTP Basic credential is written.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
