//! Plans written to break the loader (issue 12): names that would choose where files go,
//! settings that used to fail only at run time, and messages that leaked raw input or Rust's
//! type names. Every refusal is positioned; every message is one printable line.

use release_core::plan::Diagnostic;
use release_core::{Plan, PlanError};

fn diagnostics(source: &str) -> Vec<Diagnostic> {
    match Plan::parse("plan.toml", source) {
        Ok(_) => panic!("expected the plan to be refused:\n{source}"),
        Err(err) => err.diagnostics().to_vec(),
    }
}

fn messages(source: &str) -> Vec<String> {
    diagnostics(source).into_iter().map(|d| d.message).collect()
}

fn loads(source: &str) {
    if let Err(err) = Plan::parse("plan.toml", source) {
        panic!("expected the plan to load:\n{source}\n{err}");
    }
}

/// The 1-based line and column where `needle` first appears.
fn position_of(source: &str, needle: &str) -> (usize, usize) {
    let offset = source
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in source"));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The one diagnostic of a plan, as line, column and message.
fn only(source: &str) -> (usize, usize, String) {
    let found = diagnostics(source);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    (d.line, d.column, d.message.clone())
}

fn http_gate(id: &str, extra: &str) -> String {
    format!(
        "[environments.staging]\napi_url = 'https://api.example.com'\n\n[[gates]]\nid = {id}\nkind = 'http'\nphases = ['smoke']\nurl = '{{api_url}}/health'\n{extra}\n"
    )
}

/// Names that would escape the artifacts directory, hide a file, pose as a flag, or carry
/// terminal control sequences; written as TOML basic strings.
const UNSAFE_NAMES: [&str; 14] = [
    r#""../../escaped""#,
    r#"".""#,
    r#""..""#,
    r#"".hidden""#,
    r#""a/b""#,
    r#""a\\b""#,
    r#""with space""#,
    r#""-looks-like-a-flag""#,
    r#""\u001b[31mred""#,
    r#""tab\there""#,
    r#""caf\u00e9""#,
    r#""""#,
    r#""a:b""#,
    r#""\u202Eevil""#,
];

#[test]
fn environment_names_that_are_not_plain_are_refused_at_their_key() {
    for name in UNSAFE_NAMES {
        let source = format!("[environments.staging]\n\n[environments.{name}]\n");
        let (line, column, message) = only(&source);
        assert_eq!(
            (line, column),
            position_of(&source, name),
            "{name}: {message}"
        );
        assert!(
            message.starts_with("environment name `"),
            "{name}: {message}"
        );
        assert!(
            message.contains("letters, digits, `-`, `_` or `.`"),
            "says what a name may hold: {message}"
        );
    }
    let long = "a".repeat(65);
    let (_, _, message) = only(&format!("[environments.{long}]\n"));
    assert!(message.contains("65 characters"), "{message}");
    for fine in [
        "production",
        "\"eu-west.1\"",
        "A_b-9",
        "0day",
        &"a".repeat(64),
    ] {
        loads(&format!("[environments.{fine}]\n"));
    }
}

#[test]
fn gate_ids_that_are_not_plain_are_refused_at_the_id() {
    for name in UNSAFE_NAMES {
        let source = http_gate(name, "");
        let found = diagnostics(&source);
        assert_eq!(found.len(), 1, "{name}: {found:#?}");
        assert_eq!(
            (found[0].line, found[0].column),
            position_of(&source, &format!("{name}\nkind")),
            "at the id's value: {name}"
        );
        let message = &found[0].message;
        assert!(message.starts_with("gate id `"), "{name}: {message}");
    }
    loads(&http_gate("'api-health.v2'", ""));
}

#[test]
fn rollback_trigger_ids_are_plain_names() {
    for name in ["\"../x\"", "\"\\u001b]0;title\\u0007\"", "\".t\""] {
        let source = format!(
            "{}\n[[rollback.triggers]]\nid = {name}\nkind = 'verdict'\ngates = ['api']\n",
            http_gate("'api'", "")
        );
        let (line, _, message) = only(&source);
        assert_eq!(line, position_of(&source, &format!("id = {name}")).0);
        assert!(
            message.starts_with("rollback trigger id `"),
            "{name}: {message}"
        );
    }
}

#[test]
fn command_service_names_are_plain_names() {
    // A service's name becomes part of its temporary directory's name.
    let source = "[environments.staging]\n[[gates]]\nid = 'qa'\nkind = 'command'\nphases = ['preflight-qa']\ncommand = ['true']\nservices = [{ name = '../../x', start = ['sleep', '1'], ready = { tcp = true } }]\n";
    let (_, _, message) = only(source);
    assert!(message.contains("service name `../../x`"), "{message}");
}

#[test]
fn names_that_differ_only_in_case_are_refused() {
    // They name files: on a case-insensitive file system one would overwrite the other.
    let source = "[environments.production]\n[environments.Production]\n";
    let (line, _, message) = only(source);
    assert_eq!(line, 2);
    assert!(
        message.contains("differs from `production` only in case"),
        "{message}"
    );

    let source = format!(
        "{}\n[[gates]]\nid = 'API'\nkind = 'http'\nphases = ['smoke']\nurl = 'https://x.example'\n",
        http_gate("'api'", "")
    );
    let (line, _, message) = only(&source);
    assert_eq!(line, position_of(&source, "id = 'API'").0);
    assert!(
        message.contains("differs from `api` only in case"),
        "{message}"
    );
}

#[test]
fn artifact_paths_hold_no_control_characters() {
    for (key, value) in [
        ("artifacts_dir", r#""""#),
        ("artifacts_dir", r#""out\u0000put""#),
        ("log", r#""log\n.jsonl""#),
        ("name", r#""acme\u001b[2J""#),
    ] {
        let source = format!("[release]\n{key} = {value}\n[environments.staging]\n");
        let (line, column, message) = only(&source);
        assert_eq!(
            (line, column),
            (2, key.len() + 4),
            "{key} = {value}: {message}"
        );
        assert!(message.contains(&format!("`release.{key}`")), "{message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
    // A service name shown in the rollback plan cannot pose as another.
    let source = "[environments.staging]\n[rollback]\nweb_service = \"\\u202Ebew\"\n";
    let (line, column, message) = only(source);
    assert_eq!((line, column), (3, 15));
    assert!(
        message.starts_with("`rollback.web_service` holds `\\u{202e}`"),
        "{message}"
    );
}

#[test]
fn unknown_url_placeholders_are_refused_at_load_in_every_url_setting() {
    let gates = [
        ("http", "url", ""),
        ("ai-runtime", "url", ""),
        ("sessions", "url", "max_stale = { warn = 5 }\n"),
        ("platform", "endpoint", "services = ['api']\n"),
        ("prometheus", "url", "query = 'up'\nfail_below = 1\n"),
        ("alerts", "url", ""),
    ];
    for (kind, key, extra) in gates {
        let source = format!(
            "[environments.staging]\n[tokens]\nadmin = 'RELEASE_ADMIN_TOKEN'\n[[gates]]\nid = 'g'\nkind = '{kind}'\nphases = ['launch']\n{extra}{key} = '{{nope_url}}/x'\n"
        );
        let (line, column, message) = only(&source);
        assert_eq!(
            (line, column),
            position_of(&source, "'{nope_url}"),
            "{kind}: {message}"
        );
        assert!(message.contains("`{nope_url}`"), "{kind}: {message}");
        assert!(
            message.contains("`{api_url}`, `{web_url}`, `{prometheus_url}`, `{alertmanager_url}`"),
            "lists the known placeholders: {message}"
        );
        assert!(!message.contains("--nope-url"), "{message}");

        for good in [
            "{api_url}/x",
            "https://status.example.com/x",
            "{prometheus_url}",
        ] {
            let source = source.replace("{nope_url}/x", good);
            loads(&source);
        }
    }
}

#[test]
fn url_settings_must_be_urls_once_filled() {
    for (template, wanted) in [
        ("{api_url", "without its `}`"),
        ("api.example.com/health", "not an absolute URL"),
        ("ftp://files.example.com/x", "`http` or `https`"),
        ("{api_url}/{web_url", "without its `}`"),
        ("https://exa mple.com", "not an absolute URL"),
    ] {
        let source = http_gate("'g'", "").replace("{api_url}/health", template);
        let (_, _, message) = only(&source);
        assert!(message.contains(wanted), "{template}: {message}");
    }
}

#[test]
fn header_names_and_values_are_checked_at_load() {
    for (headers, wanted) in [
        (
            r#"headers = { "bad name" = "x" }"#,
            "not a valid header name",
        ),
        (r#"headers = { "a:b" = "x" }"#, "not a valid header name"),
        (r#"headers = { "" = "x" }"#, "not a valid header name"),
        (
            r#"headers = { "caf\u00e9" = "x" }"#,
            "not a valid header name",
        ),
        (
            r#"headers = { "x-a" = "one\r\nx-injected: two" }"#,
            "header `x-a`: the value",
        ),
        (
            r#"headers = { "x-a" = "nul\u0000" }"#,
            "header `x-a`: the value",
        ),
        (
            r#"headers = { "x-a" = "del\u007f" }"#,
            "header `x-a`: the value",
        ),
        (
            r#"headers = { "Content-Length" = "5" }"#,
            "set by the HTTP client",
        ),
        (
            r#"headers = { "transfer-encoding" = "chunked" }"#,
            "set by the HTTP client",
        ),
        (
            r#"headers = { "Connection" = "close" }"#,
            "set by the HTTP client",
        ),
        (
            r#"expect = { headers = { "bad name" = "x" } }"#,
            "not a valid header name",
        ),
        (
            r#"expect = { headers = { "x-a" = "line\nbreak" } }"#,
            "can never match",
        ),
        (
            r#"headers = { "x-a" = "bidi\u202e" }"#,
            "header `x-a`: the value holds `\\u{202e}`",
        ),
        (
            r#"expect = { headers = { "x-a" = "zero\u200bwidth" } }"#,
            "the expected text holds `\\u{200b}`",
        ),
    ] {
        let source = http_gate("'g'", headers);
        let (line, column, message) = only(&source);
        let (key, value) = headers
            .rsplit("{ ")
            .next()
            .and_then(|rest| rest.split_once(" = "))
            .unwrap_or_default();
        // A bad name is reported at the name, a bad value at the value.
        let value = value.trim_end_matches([' ', '}']);
        let wrong = match message.contains("the value") || message.contains("the expected text") {
            true => value,
            false => key,
        };
        assert_eq!(
            (line, column),
            position_of(&source, wrong),
            "points at the header's {wrong}: {headers}: {message}"
        );
        assert!(message.contains(wanted), "{headers}: {message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
    loads(&http_gate(
        "'g'",
        r#"headers = { "X-Request-Id" = "release\tgate", Accept = "application/json" }
expect = { headers = { "content-type" = "json" } }"#,
    ));
}

#[test]
fn control_characters_never_reach_a_message_raw() {
    let cases = [
        http_gate(r#""a\u001b[31mred""#, ""),
        http_gate("'g'", "\"\\u001b[2Jsurprise\" = 1"),
        "[environments.\"\\u009b31m\"]\n".to_owned(),
        "[environments.\"\\u202Eevil\"]\n".to_owned(),
        "[release]\ndefault_environment = \"\\u001b]0;pwned\\u0007\"\n[environments.staging]\n"
            .to_owned(),
        http_gate("'g'", "phases = [\"smoke\", \"\\u001b[31m\"]")
            .replace("phases = ['smoke']\n", ""),
    ];
    for source in cases {
        let err = Plan::parse("plan.toml", &source).expect_err(&source);
        let text = err.to_string();
        for line in text.lines() {
            assert!(
                !line
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "raw control character in {line:?}"
            );
        }
        assert!(
            text.contains("\\u{1b}") || text.contains("\\u{9b}") || text.contains("\\u{202e}"),
            "the character is shown escaped: {text}"
        );
    }
}

#[test]
fn duplicate_keys_are_named() {
    for (source, key) in [
        (http_gate("'g'", "phases = ['launch']"), "phases"),
        (
            "[environments.staging]\n[environments.staging]\n".to_owned(),
            "staging",
        ),
        (http_gate("'g'", "headers = { a = '1', a = '2' }"), "a"),
        (
            "[release]\nname = 'a'\nname = 'b'\n[environments.s]\n".to_owned(),
            "name",
        ),
    ] {
        let found = messages(&source);
        assert!(
            found.iter().any(|m| m == &format!("duplicate key `{key}`")),
            "{found:?}"
        );
    }
}

#[test]
fn type_mismatches_are_worded_in_toml_terms() {
    let gate = |extra: &str| http_gate("'g'", extra);
    for (source, wanted) in [
        (
            gate("retries = -1"),
            "integer `-1`, expected a whole number between 0 and 4294967295",
        ),
        (
            gate("retries = 1.5"),
            "float `1.5`, expected a whole number between 0 and 4294967295",
        ),
        (
            gate("retries = true"),
            "boolean `true`, expected a whole number between 0 and 4294967295",
        ),
        (
            "[release]\nconcurrency = 99999999999999999999\n[environments.s]\n".to_owned(),
            "invalid value: integer `99999999999999999999`, expected a whole number between 0 and",
        ),
        (
            "[release]\nconcurrency = -3\n[environments.s]\n".to_owned(),
            "integer `-3`, expected a whole number between 0 and",
        ),
        (
            "release = 'x'\n[environments.s]\n".to_owned(),
            "string \"x\", expected a table",
        ),
        (gate("expect = 'x'"), "string \"x\", expected a table"),
        (
            gate("expect = { json = [{ path = '$.a', op = 3 }] }"),
            "expected a string",
        ),
        (
            gate("expect = { status = { a = 1 } }"),
            "invalid type: table",
        ),
        (
            "[environments.s]\n[[gates]]\nid='e'\nkind='env'\nphases=['preflight-env']\nvars=[{ name = 'A', integer = { min = 1.5 } }]\n".to_owned(),
            "float `1.5`, expected a whole number between -9223372036854775808 and 9223372036854775807",
        ),
        (
            "[environments.s]\n[[rollback.triggers]]\nid='t'\nkind='verdict'\ngates='x'\n"
                .to_owned(),
            "string \"x\", expected an array",
        ),
    ] {
        let found = messages(&source);
        assert!(
            found.iter().any(|m| m.contains(wanted)),
            "{wanted}: {found:?}"
        );
        for m in &found {
            assert_no_rust_words(m);
        }
    }
}

/// Rust's words for types and serde's for TOML's values, none of which a plan's author wrote.
fn assert_no_rust_words(message: &str) {
    let words: Vec<&str> = message
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '$' && c != '_')
        .collect();
    for rust in [
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "f32",
        "f64",
        "struct",
        "map",
        "sequence",
        "$__toml_private_datetime",
    ] {
        assert!(!words.contains(&rust), "`{rust}` in {message:?}");
    }
}

#[test]
fn a_datetime_is_refused_once_where_it_is() {
    let gate = |extra: &str| http_gate("'g'", extra);
    for source in [
        "[release]\nname = 1979-05-27T07:32:00Z\n[environments.s]\n".to_owned(),
        gate("retries = 1979-05-27"),
        gate("expect = 1979-05-27"),
        gate("expect = { status = 07:32:00 }"),
        gate("json = { since = 1979-05-27 }"),
        gate("expect = { json = [{ path = '$.a', value = 1979-05-27 }] }"),
        "[environments.s]\n[[rollback.triggers]]\nid='t'\nkind='verdict'\ngates=['x']\nfire_on=1979-05-27\n".to_owned(),
        "[environments.s]\n[tokens]\nadmin = 1979-05-27 07:32:00\n".to_owned(),
        "[environments.s]\napi_url = 1979-05-27\n".to_owned(),
    ] {
        let found = diagnostics(&source);
        assert_eq!(found.len(), 1, "{source}\n{found:#?}");
        let needle = if source.contains("1979") { "1979" } else { "07:32" };
        assert_eq!(
            (found[0].line, found[0].column),
            position_of(&source, needle),
            "{source}"
        );
        assert_eq!(
            found[0].message,
            "a date-time is not allowed here; use a string"
        );
    }
}

#[test]
fn deep_nesting_is_reported_where_it_is() {
    let key = |parts: usize| vec!["x"; parts].join(".");
    let array = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let table = |depth: usize| format!("{}1{}", "{ a = ".repeat(depth), " }".repeat(depth));
    // toml reads 80 levels; one more is refused, where it is.
    for (fine, deep) in [
        (
            format!("    {} = 1", key(80)),
            format!("    {} = 1", key(81)),
        ),
        (format!("  [{}]", key(80)), format!("  [{}]", key(81))),
        (
            format!("json = {}", array(80)),
            format!("json = {}", array(81)),
        ),
        (
            format!("json = {}", table(80)),
            format!("json = {}", table(81)),
        ),
    ] {
        let plan = |body: &str| format!("[environments.staging]\n\n# deep below\n{body}\n");
        let shallow = messages(&plan(&fine));
        assert!(
            shallow.iter().all(|m| !m.contains("nested")),
            "80 levels are read: {shallow:?}"
        );
        let source = plan(&deep);
        let found = diagnostics(&source);
        let deep_one = found
            .iter()
            .find(|d| d.message.contains("nested"))
            .unwrap_or_else(|| panic!("{found:#?}"));
        assert_eq!(deep_one.line, 4, "{found:#?}");
        assert!(deep_one.column > 1 || deep.starts_with(' '), "{found:#?}");
        assert!(deep_one.message.contains("80"), "{}", deep_one.message);
    }
    // Two deep keys: toml stops at the first, which is where it is.
    let source = format!(
        "[environments.staging]\n{} = 1\n\n{} = 2\n",
        key(90),
        key(85)
    );
    let lines: Vec<usize> = diagnostics(&source)
        .iter()
        .filter(|d| d.message.contains("nested"))
        .map(|d| d.line)
        .collect();
    assert_eq!(lines, [2]);
}

#[test]
fn a_gate_that_fails_to_read_does_not_make_triggers_name_no_gate() {
    let source = "[environments.staging]\n[[gates]]\nid = 'api'\nkind = 'http'\nphases = ['launch']\nurl = 'https://x.example'\nretires = 2\n\n[[rollback.triggers]]\nid = 'api-down'\nkind = 'verdict'\ngates = ['api']\n";
    let found = messages(source);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("unknown field `retires`"), "{found:?}");
}

#[test]
fn command_settings_a_process_cannot_take_are_refused_at_load() {
    for (setting, wanted) in [
        (r#"command = ["echo", "a\u0000b"]"#, "NUL"),
        (r#"shell = "echo \u0000""#, "NUL"),
        (
            r#"command = ["true"]
env = { "A=B" = "x" }"#,
            "`env`: `A=B` is not a variable name",
        ),
        (
            r#"command = ["true"]
env = { "" = "x" }"#,
            "`env`: `` is not a variable name",
        ),
        (
            r#"command = ["true"]
env = { A = "x\u0000" }"#,
            "NUL",
        ),
        (
            r#"command = ["true"]
cwd = "a\u0000b""#,
            "NUL",
        ),
    ] {
        let source = format!(
            "[environments.staging]\n[[gates]]\nid = 'qa'\nkind = 'command'\nphases = ['preflight-qa']\n{setting}\n"
        );
        let (_, _, message) = only(&source);
        assert!(message.contains(wanted), "{setting}: {message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    let source = "\u{feff}[environments.staging]\nnope = 1\n";
    let found = diagnostics(source);
    assert_eq!((found[0].line, found[0].column), (2, 1));
    let source = "\u{feff}nope = 1\n[environments.staging]\n";
    let found = diagnostics(source);
    assert_eq!((found[0].line, found[0].column), (1, 1), "{found:?}");
}

/// Base URLs that would send a gate somewhere else than written, or nowhere: the loader
/// refuses each where it is written, naming the setting, never quoting the URL (it may hold
/// credentials).
#[test]
fn base_urls_are_absolute_http_urls_without_query_or_fragment() {
    for key in ["api_url", "web_url", "prometheus_url", "alertmanager_url"] {
        for (url, why) in [
            ("ftp://u:hunter2hunter2@127.0.0.1:18090", "a `ftp` URL"),
            ("file:///etc/passwd", "a `file` URL"),
            ("http://u:hunter2hunter2@127.0.0.1:18090#frag", "fragment"),
            ("http://127.0.0.1:18090#", "fragment"),
            ("http://u:hunter2hunter2@127.0.0.1:18090?x=1", "query"),
            ("http://127.0.0.1:18090/?", "query"),
            ("not a url", "not an absolute URL"),
            ("/api", "not an absolute URL"),
            ("http://", "not an absolute URL"),
            (" https://api.example.com", "spaces at its ends"),
            ("", "is empty"),
        ] {
            let source = format!("[environments.staging]\n{key} = \"{url}\"\n");
            let (line, column, message) = only(&source);
            assert_eq!(
                (line, column),
                position_of(&source, &format!("\"{url}\"")),
                "{message}"
            );
            assert!(message.contains(&format!("`{key}`")), "{message}");
            assert!(message.contains(why), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }
    loads(
        "[environments.staging]\napi_url = 'https://u:p@api.example.com/v1/'\nweb_url = 'http://[::1]:8080'\n",
    );
}

#[test]
fn a_fragment_in_a_gate_url_is_refused() {
    for url in ["{api_url}/health#ready", "https://status.example.com/#"] {
        let source = http_gate("'g'", "").replace("'{api_url}/health'", &format!("'{url}'"));
        let (line, column, message) = only(&source);
        assert_eq!((line, column), position_of(&source, &format!("'{url}'")));
        assert!(message.contains("fragment"), "{message}");
    }
}

/// Names that no shell exports, so a check of them could only report them missing.
const NOT_VARIABLE_NAMES: [&str; 9] = [
    r"PORT\u200b",
    "PORT ",
    "A=B",
    "1PORT",
    "A-B",
    "A.B",
    r"X\u001b[31m",
    "ÄPFEL",
    r"\u202eKOT",
];

#[test]
fn every_variable_a_plan_names_is_a_variable_name() {
    type Source = fn(&str) -> String;
    let places: [(&str, Source); 7] = [
        ("env gate", |name| {
            format!(
                "[environments.staging]\n[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\n[[gates.vars]]\nname = \"{name}\"\n"
            )
        }),
        ("token", |name| {
            format!("[environments.staging]\n[tokens]\nadmin = \"{name}\"\n")
        }),
        ("basic_auth user", |name| {
            format!(
                "[environments.staging]\nprometheus_url = 'http://127.0.0.1:9090'\n[[gates]]\nid = 'p'\nkind = 'prometheus'\nphases = ['launch']\nquery = 'up'\nfail_below = 1\nbasic_auth = {{ user = \"{name}\", password = 'PROM_PASSWORD' }}\n"
            )
        }),
        ("basic_auth password", |name| {
            format!(
                "[environments.staging]\nalertmanager_url = 'http://127.0.0.1:9093'\n[[gates]]\nid = 'a'\nkind = 'alerts'\nphases = ['launch']\nbasic_auth = {{ user = 'AM_USER', password = \"{name}\" }}\n"
            )
        }),
        ("command env", |name| {
            format!(
                "[environments.staging]\n[[gates]]\nid = 'c'\nkind = 'command'\nphases = ['preflight-qa']\ncommand = ['true']\nenv = {{ \"{name}\" = 'x' }}\n"
            )
        }),
        ("service env", |name| {
            format!(
                "[environments.staging]\n[[gates]]\nid = 'c'\nkind = 'command'\nphases = ['preflight-qa']\ncommand = ['true']\n[[gates.services]]\nname = 'db'\nstart = ['sleep', '60']\nready = {{ tcp = true }}\nport = 5432\nenv = {{ \"{name}\" = 'x' }}\n"
            )
        }),
        ("second env gate variable", |name| {
            format!(
                "[environments.staging]\n[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\n[[gates.vars]]\nname = 'PORT'\n[[gates.vars]]\nname = \"{name}\"\ninteger = true\n"
            )
        }),
    ];
    for (place, plan) in places {
        for name in NOT_VARIABLE_NAMES {
            let source = plan(name);
            let (line, column, message) = only(&source);
            assert_eq!(
                (line, column),
                position_of(&source, &format!("\"{name}\"")),
                "{place}: {message}"
            );
            assert!(
                message.contains("is not a variable name"),
                "{place}: {message}"
            );
            assert!(
                !message.chars().any(|c| c.is_control() || c == '\u{200b}'),
                "{message:?}"
            );
        }
        for fine in ["RELEASE_ADMIN_TOKEN", "http_proxy", "_PRIVATE", "A1"] {
            loads(&plan(fine));
        }
    }
}

/// A plan using the settings the fixtures do not: every string in it is checked below.
const KITCHEN_SINK: &str = r#"
[release]
name = "acme"
artifacts_dir = "artifacts/release"

[release.secrets]
patterns = ["*_SALT"]
not_secret = ["NEXT_PUBLIC_*"]

[environments.staging]
api_url = "https://api.example.com"
web_url = "https://example.com"
prometheus_url = "https://prometheus.example.com"
alertmanager_url = "https://alertmanager.example.com"

[tokens]
admin = "RELEASE_ADMIN_TOKEN"

[[gates]]
id = "login"
kind = "http"
title = "Login works"
phases = ["smoke"]
method = "POST"
url = "{web_url}/login"
token = "admin"
json = { user = "smoke", nested = { list = ["a", "b"] } }
headers = { x-request-id = "release-smoke" }
expect = { status = [200], headers = { content-type = "application/json" }, json = [{ path = "$.user.name", op = "eq", value = "smoke" }, { path = "/roles", op = "contains", value = ["admin"] }] }

[[gates]]
id = "body"
kind = "http"
phases = ["smoke"]
url = "{api_url}/echo"
method = "PUT"
body = "plain text"

[[gates]]
id = "latency"
kind = "prometheus"
phases = ["launch"]
query = "histogram_quantile(0.99, sum(rate(x_bucket[5m])) by (le))"
unit = "s"
warn_above = 0.5
relative = { warn = "<=+20%", fail = "<=+50%" }
basic_auth = { user = "PROM_USER", password = "PROM_PASSWORD" }

[[gates]]
id = "alerts"
kind = "alerts"
phases = ["launch"]
filters = ['severity=~"critical|warning"']
receiver = "team-release"
ignore = ["Watchdog"]
severities = ["info", "warning", "critical"]

[[gates]]
id = "ai"
kind = "ai-runtime"
phases = ["launch"]
probe = "dry-run"
roles = ["support-agent"]

[[gates]]
id = "sessions"
kind = "sessions"
phases = ["launch"]
url = "{api_url}/api/admin/agent-gateway/sessions"
max_stale = { warn = 5 }

[[gates]]
id = "railway"
kind = "platform"
phases = ["preflight-platform"]
services = ["api", "web"]
project = "acme"
environment = "staging"

[[gates]]
id = "api-tests"
kind = "command"
phases = ["preflight-qa"]
command = ["npm", "run", "test:api"]
cwd = "app"
env = { NODE_ENV = "test" }

[[gates.services]]
name = "db"
start = ["postgres", "-D", "{dir}"]
stop = ["pg_ctl", "stop"]
ready = { command = ["pg_isready"] }
env = { PGPORT = "{port}" }

[[gates]]
id = "env"
kind = "env"
phases = ["preflight-env"]

[[gates.vars]]
name = "MODE"
description = "What this is"
one_of = ["a", "b"]
regex = "[a-z]+"
url = { schemes = ["https"] }
secret = { placeholders = ["changeme"] }
environments = ["staging"]

[rollback]
web_service = "web"
api_service = "api"

[[rollback.triggers]]
id = "growth"
kind = "growth"
gate = "sessions"
measurement = "stale_active_sessions"
fire_above = "+50%"
watch_above = "+5"

[[rollback.triggers]]
id = "down"
kind = "verdict"
gates = ["login"]
"#;

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path to every string of a TOML value, and to every key (a path ending in the key).
fn strings_and_keys(
    value: &toml::Value,
    path: &mut Vec<Step>,
    strings: &mut Vec<Vec<Step>>,
    keys: &mut Vec<Vec<Step>>,
) {
    match value {
        toml::Value::String(_) => strings.push(path.clone()),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                strings_and_keys(item, path, strings, keys);
                path.pop();
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table {
                path.push(Step::Key(key.clone()));
                keys.push(path.clone());
                strings_and_keys(item, path, strings, keys);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'v>(value: &'v mut toml::Value, path: &[Step]) -> &'v mut toml::Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// `text` with `c` in its middle.
fn with_char_inside(text: &str, c: char) -> String {
    let middle = text
        .char_indices()
        .map(|(i, _)| i)
        .nth(text.chars().count() / 2)
        .unwrap_or(text.len());
    format!("{}{c}{}", &text[..middle], &text[middle..])
}

/// The messages refusing a plan written out from `plan`; none when it loads.
fn refusals(plan: &toml::Value) -> Vec<String> {
    match Plan::parse("plan.toml", &toml::to_string(plan).unwrap()) {
        Ok(_) => Vec::new(),
        Err(err) => err
            .diagnostics()
            .iter()
            .map(|d| d.message.clone())
            .collect(),
    }
}

/// Every string and every key of full plans, in turn given a character that acts instead of
/// showing: each plan is refused, and a message shows the character escaped. Shown text and
/// data alike (a script, a body, a pattern): only line breaks and tabs may be invisible in
/// data, so a bidirectional override can hide in no setting.
#[test]
fn no_string_or_key_of_a_plan_may_act_instead_of_showing() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/plans/");
    let plans = [
        std::fs::read_to_string(format!("{fixtures}runbook.toml")).unwrap(),
        std::fs::read_to_string(format!("{fixtures}demo-qa.toml")).unwrap(),
        KITCHEN_SINK.to_owned(),
    ];
    let mut checked = 0;
    for text in plans {
        let plan: toml::Value = toml::from_str(&text).unwrap();
        loads(&toml::to_string(&plan).unwrap());
        let (mut strings, mut keys) = (Vec::new(), Vec::new());
        strings_and_keys(&plan, &mut Vec::new(), &mut strings, &mut keys);
        // Each setting gets one of the characters in turn: every setting is tried, and every
        // character many times.
        let chars = [
            '\u{1b}', '\u{202e}', '\u{200b}', '\u{7}', '\u{2066}', '\u{85}',
        ];
        for (i, path) in strings.iter().enumerate() {
            let c = chars[i % chars.len()];
            let mut mutated = plan.clone();
            let value = at(&mut mutated, path);
            let text = with_char_inside(value.as_str().unwrap(), c);
            *value = toml::Value::String(text);
            let found = refusals(&mutated);
            let escaped = c.escape_unicode().to_string();
            assert!(
                found.iter().any(|m| m.contains(&escaped)),
                "{path:?} with {escaped}: {found:#?}"
            );
            checked += 1;
        }
        for (i, path) in keys.iter().enumerate() {
            let c = chars[i % chars.len()];
            let mut mutated = plan.clone();
            let (Step::Key(key), parent) = path.split_last().unwrap() else {
                unreachable!()
            };
            let table = at(&mut mutated, parent).as_table_mut().unwrap();
            let value = table.remove(key).unwrap();
            table.insert(with_char_inside(key, c), value);
            let found = refusals(&mutated);
            let escaped = c.escape_unicode().to_string();
            assert!(
                found.iter().any(|m| m.contains(&escaped)),
                "key {path:?} with {escaped}: {found:#?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked}");
}

/// Scripts, bodies, queries and patterns are data: line breaks and tabs are theirs to hold.
#[test]
fn data_may_hold_line_breaks_and_tabs() {
    loads(
        "[environments.staging]\n[[gates]]\nid = 'c'\nkind = 'command'\nphases = ['preflight-qa']\nshell = '''\nset -e\n\techo ok\r\n'''\n",
    );
    loads(
        "[environments.staging]\nprometheus_url = 'http://127.0.0.1:9090'\n[[gates]]\nid = 'p'\nkind = 'prometheus'\nphases = ['launch']\nquery = \"\"\"\nsum(up)\n\t/ count(up)\"\"\"\nfail_below = 1\n",
    );
    loads(&http_gate(
        "'g'",
        "method = 'POST'\njson = { text = \"two\\nlines\\tand a tab\" }",
    ));
    let source = http_gate("'g'", "title = \"two\\nlines\"");
    let (_, _, message) = only(&source);
    assert!(message.contains("`title` holds `\\n`"), "{message}");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The checks every refusal passes: positions inside the input, one printable line per
    /// diagnostic, each starting `file:line:column: `.
    fn check(bytes: &[u8]) {
        let err = match Plan::from_bytes("fuzz.toml", bytes) {
            Ok(_) => return,
            Err(PlanError::Invalid { diagnostics, .. }) => PlanError::Invalid {
                path: "fuzz.toml".into(),
                diagnostics,
            },
            Err(other) => panic!("unexpected error kind: {other}"),
        };
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let widths: Vec<usize> = text.split('\n').map(|l| l.chars().count()).collect();
        let rendered = err.to_string();
        let lines: Vec<&str> = rendered.split('\n').collect();
        assert_eq!(lines.len(), err.diagnostics().len(), "{rendered}");
        for (d, line) in err.diagnostics().iter().zip(lines) {
            assert!(d.line >= 1 && d.column >= 1, "{d:?}");
            assert!(
                d.line <= widths.len(),
                "{d:?} beyond {} lines",
                widths.len()
            );
            assert!(
                d.column <= widths[d.line - 1] + 1,
                "{d:?} beyond its line of {} characters",
                widths[d.line - 1]
            );
            assert!(!d.message.is_empty());
            assert!(
                line.starts_with(&format!("fuzz.toml:{}:{}: ", d.line, d.column)),
                "{line}"
            );
            assert!(
                !line.chars().any(|c| c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)),
                "raw control character in {line:?}"
            );
        }
    }

    /// A piece of a hostile plan.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"[environments.staging]".to_vec()),
            Just(b"[[gates]]".to_vec()),
            Just(b"id = 'g'".to_vec()),
            Just(b"kind = 'http'".to_vec()),
            Just(b"phases = ['smoke']".to_vec()),
            Just(b"url = '{api_url}/x'".to_vec()),
            Just(b"[[rollback.triggers]]".to_vec()),
            Just(b"\xef\xbb\xbf".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\0".to_vec()),
            Just(b"\x1b[31m".to_vec()),
            Just("\u{202e}".as_bytes().to_vec()),
            Just(b"\xff\xfe".to_vec()),
            Just(b"\xc3".to_vec()),
            (0usize..200).prop_map(|n| ["[".repeat(n), "]".repeat(n)].concat().into_bytes()),
            (0usize..200).prop_map(|n| ["{a=".repeat(n), "1".to_owned(), "}".repeat(n)]
                .concat()
                .into_bytes()),
            (1usize..200).prop_map(|n| format!("{} = 1", vec!["k"; n].join(".")).into_bytes()),
            (1usize..200).prop_map(|n| format!("[{}]", vec!["t"; n].join(".")).into_bytes()),
            "[a-z_]{1,8} = (\"(\\\\u00[01][0-9a-f]|[^\"\\\\\n]){0,12}\"|-?[0-9]{1,25}|1979-05-27|true|\\[\\])"
                .prop_map(String::into_bytes),
            "\\[environments\\.\"(\\\\u00[01][0-9a-f]|[./a-z]){0,6}\"\\]".prop_map(String::into_bytes),
            "id = \"(\\\\u00[01][0-9a-f]|\\\\u202[a-e]|[./a-z]){0,6}\"".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..16),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn hostile_plans_get_positioned_printable_messages(
            bom in any::<bool>(),
            pieces in proptest::collection::vec(piece(), 0..16),
            separators in proptest::collection::vec(prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b" "[..])], 16),
        ) {
            let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
            for (piece, sep) in pieces.iter().zip(separators.iter().cycle()) {
                bytes.extend_from_slice(piece);
                bytes.extend_from_slice(sep);
            }
            check(&bytes);
        }

        /// Any character that acts instead of showing, in any setting of a full plan, is
        /// refused, and the message shows it escaped.
        #[test]
        fn any_invisible_character_in_any_setting_is_refused(
            c in prop_oneof![
                0u32..0x20, 0x7fu32..0xa0, Just(0x61c), 0x200bu32..0x2010,
                0x2028u32..0x202f, 0x2060u32..0x206a, Just(0xfeff),
            ]
            .prop_filter_map("a line break or a tab, which data may hold", |c| {
                char::from_u32(c).filter(|c| !matches!(c, '\n' | '\r' | '\t'))
            }),
            which in any::<prop::sample::Index>(),
            key in any::<bool>(),
        ) {
            let plan: toml::Value = toml::from_str(KITCHEN_SINK).unwrap();
            let (mut strings, mut keys) = (Vec::new(), Vec::new());
            strings_and_keys(&plan, &mut Vec::new(), &mut strings, &mut keys);
            let mut mutated = plan.clone();
            let path = if key { which.get(&keys) } else { which.get(&strings) };
            if key {
                let (Step::Key(name), parent) = path.split_last().unwrap() else {
                    unreachable!()
                };
                let table = at(&mut mutated, parent).as_table_mut().unwrap();
                let value = table.remove(name).unwrap();
                table.insert(with_char_inside(name, c), value);
            } else {
                let value = at(&mut mutated, path);
                let text = with_char_inside(value.as_str().unwrap(), c);
                *value = toml::Value::String(text);
            }
            let found = refusals(&mutated);
            let escaped = c.escape_unicode().to_string();
            prop_assert!(
                found.iter().any(|m| m.contains(&escaped)),
                "{:?} with {}: {:#?}", path, escaped, found
            );
        }

        /// Any value in a typed setting is accepted or refused in TOML's words, never Rust's.
        #[test]
        fn values_of_the_wrong_type_are_worded_for_people(
            key in prop_oneof![
                Just("retries"), Just("max_body_bytes"), Just("expect"), Just("headers"),
                Just("method"), Just("timeout"), Just("required"), Just("phases"), Just("json"),
            ],
            value in prop_oneof![
                Just("1979-05-27".to_owned()),
                Just("07:32:00".to_owned()),
                Just("1979-05-27T07:32:00Z".to_owned()),
                Just("inf".to_owned()),
                Just("nan".to_owned()),
                Just("[]".to_owned()),
                Just("{}".to_owned()),
                Just("[[1]]".to_owned()),
                Just("{ a = { b = 1 } }".to_owned()),
                "-?[0-9]{1,30}",
                "-?[0-9]{1,5}\\.[0-9]{1,5}",
                "'[a-z]{0,5}'",
                Just("true".to_owned()),
            ],
        ) {
            let source = http_gate("'g'", &format!("{key} = {value}"));
            if let Err(err) = Plan::parse("plan.toml", &source) {
                for d in err.diagnostics() {
                    assert_no_rust_words(&d.message);
                }
            }
        }
    }
}
