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
    ] {
        let source = http_gate("'g'", headers);
        let (line, column, message) = only(&source);
        let key = headers
            .rsplit("{ ")
            .next()
            .and_then(|rest| rest.split(" =").next())
            .unwrap_or_default();
        assert_eq!(
            (line, column),
            position_of(&source, key),
            "points at the header: {headers}: {message}"
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
