//! Reading health bodies in the formats services actually send: `application/health+json`
//! (an expired draft, with aliases and any case), Spring Boot Actuator (current, legacy
//! `details`, and 1.x top-level indicators), `{"status":"ok"}`, Kubernetes `/readyz?verbose`
//! text, and plain text. The HTTP status is authoritative: a 5xx is never a healthy reading.
//!
//! Plain text is what readiness endpoints of real servers send (Prometheus `Prometheus Server
//! is Ready.`, Alertmanager `OK`, and `healthy`, `UP`, `alive` elsewhere). One short line (at
//! most 100 characters and 8 words, no markup) is read by its words, in any case, the product
//! name and punctuation aside: a ready word (`ok`, `ready`, `healthy`, `up`, `alive`, `live`,
//! `pass`, `running`, `serving`) passes; a not-ready word (`down`, `unhealthy`, `unavailable`,
//! `failed`, `error`, `starting`, `maintenance`, `false`…) or a negated ready word (`not
//! ready`, `ready: false`) fails, whatever else the line
//! says; `degraded` warns. Anything else (a page, a long message, a line that says neither) is
//! `unknown`, which the gate reports `inconclusive` with the line quoted and the way out: judge
//! by the status code alone with `health = false`. Never a pass on words it cannot read.
//!
//! A body is read as strictly as every other upstream body (`net::json`): bytes that are
//! not UTF-8, a key twice in one object (two `status` keys) and nesting past 128 levels make
//! it unreadable, never a guess. A top-level `status` that no convention defines (`banana`,
//! an empty string) is unreadable too; only `unknown` itself (Spring's `UNKNOWN`) reads as
//! "no indicator knows", which the gate reports `inconclusive`.

use serde_json::Value;

use crate::names;
use crate::net::shape::kind;
use crate::net::{HttpResponse, json};

/// A health status, after aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HealthStatus {
    /// `pass`, `ok`, `up`.
    Pass,
    /// `warn`.
    Warn,
    /// `fail`, `error`, `down`, `out_of_service`.
    Fail,
    /// `unknown` (Spring's `UNKNOWN`: no indicator reported a known status).
    Unknown,
}

impl HealthStatus {
    /// The status a word stands for; `None` for one that no convention defines.
    pub(crate) fn parse(text: &str) -> Option<HealthStatus> {
        Some(
            match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "pass" | "ok" | "up" | "healthy" => HealthStatus::Pass,
                "warn" | "warning" | "degraded" => HealthStatus::Warn,
                "fail" | "error" | "down" | "out_of_service" | "unhealthy" | "fatal" => {
                    HealthStatus::Fail
                }
                "unknown" => HealthStatus::Unknown,
                _ => return None,
            },
        )
    }

    /// Whether a component's status (as written) is a passing one.
    fn passes(text: &str) -> bool {
        Self::parse(text) == Some(HealthStatus::Pass)
    }
}

/// A component whose status is not a passing one, or could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Component {
    /// Its name, as a path for nested ones (`broker/us1`), escaped for a message.
    pub(crate) name: String,
    /// Its status as written (escaped); `None` when the body gives it in a form no format
    /// defines (a number, an object), which `output` then describes.
    pub(crate) status: Option<String>,
    /// Its own explanation (health+json `output`, Spring `details.error`), or why its status
    /// could not be read.
    pub(crate) output: Option<String>,
}

/// What a health body said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HealthReading {
    /// The overall status, the HTTP code taken into account.
    pub(crate) status: HealthStatus,
    /// The status as the body wrote it (`UP`, `warn`, `readyz check failed`), escaped.
    pub(crate) reported: String,
    /// The format recognised, for evidence.
    pub(crate) format: &'static str,
    /// The body's own explanation of its status: health+json's top-level `output`, or what
    /// else a contradicting body said.
    pub(crate) output: Option<String>,
    /// Components that are not passing, and those whose status could not be read.
    pub(crate) components: Vec<Component>,
    /// Set when the HTTP code contradicted a passing body.
    pub(crate) http_override: Option<u16>,
}

/// A UTF-8 byte-order mark: RFC 8259 lets a reader ignore one at the start of a JSON text,
/// and a text body gets the same treatment.
const BOM: &[u8] = b"\xef\xbb\xbf";

#[cfg(test)]
fn read(response: &HttpResponse) -> Result<HealthReading, String> {
    read_redacted(response, &crate::Redactor::new())
}

/// Reads a health body, or says why it cannot be read. Text quoted from the body has the
/// redactor's secrets replaced before it is clipped, so a secret cut at the clip cannot show.
pub(crate) fn read_redacted(
    response: &HttpResponse,
    redactor: &crate::Redactor,
) -> Result<HealthReading, String> {
    if response.truncated {
        return Err(format!(
            "the health body is larger than the {} byte cap",
            response.body.len()
        ));
    }
    let body = response.body.strip_prefix(BOM).unwrap_or(&response.body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("empty body where a health status was expected".to_owned());
    }
    // Kubernetes check output starts with `[+]`, so only an object, or a declared JSON type,
    // is read as JSON.
    let json_like = response.content_type().is_some_and(|t| t.contains("json"))
        || body.trim_ascii_start().starts_with(b"{");
    let mut reading = if json_like {
        let value = json::parse(&response.body).map_err(|e| e.to_string())?;
        read_json(&value)?
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|_| "the health body is not UTF-8 text".to_owned())?;
        read_text(text.trim(), redactor)?
    };
    // An error page whose words say nothing of health (`<html>Not Found`) explains nothing:
    // the status code is the whole answer.
    if response.status >= 400 && reading.status == HealthStatus::Unknown && !json_like {
        return Err(format!(
            "HTTP {} with {}",
            response.status, reading.reported
        ));
    }
    if response.status >= 400 && reading.status != HealthStatus::Fail {
        reading.http_override = Some(response.status);
        reading.status = HealthStatus::Fail;
    }
    Ok(reading)
}

/// The sections of a JSON health body that hold components, each read whatever else the body
/// holds: a body with both `checks` and `components` is judged on both, never on whichever
/// was looked for first.
const SECTIONS: [&str; 3] = ["checks", "components", "details"];

fn read_json(value: &Value) -> Result<HealthReading, String> {
    let object = value
        .as_object()
        .ok_or("a JSON health body must be an object")?;
    let reported = match object.get("status") {
        Some(Value::String(reported)) => reported,
        Some(other) => {
            return Err(format!(
                "the health body's `status` is {}, not a string",
                kind(other)
            ));
        }
        None => return Err("the health body has no `status`".to_owned()),
    };
    let status = HealthStatus::parse(reported).ok_or_else(|| {
        format!(
            "the health body's `status` is {}, which no health format defines",
            shown_status(reported)
        )
    })?;
    let mut formats = Vec::new();
    let mut components = Vec::new();
    if let Some(checks) = object.get("checks") {
        formats.push("health+json");
        health_json_checks(checks, &mut components);
    }
    if let Some(section) = object.get("components") {
        formats.push("spring");
        spring_components("", section, true, &mut components);
    }
    if let Some(section) = object.get("details") {
        formats.push("spring (legacy details)");
        spring_components("", section, false, &mut components);
    }
    // Spring Boot 1.x put indicators at the top level; plain `{"status": "ok"}` has none.
    let indicators: serde_json::Map<String, Value> = object
        .iter()
        .filter(|(k, v)| {
            !SECTIONS.contains(&k.as_str()) && v.get("status").is_some_and(Value::is_string)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !indicators.is_empty() {
        formats.push("spring (1.x)");
        spring_components("", &Value::Object(indicators), false, &mut components);
    }
    // health+json's raw error output for a `warn` or `fail`; only a string is output.
    let output = object
        .get("output")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned);
    Ok(HealthReading {
        status,
        reported: names::escaped(reported).into_owned(),
        format: formats.first().copied().unwrap_or("status"),
        output,
        components,
        http_override: None,
    })
}

/// A status as written, for a message: quoted, at most 40 characters, and characters that
/// would act on a terminal instead of showing written as escapes (`pass\u{0}`), never dropped,
/// so the message says what was received.
fn shown_status(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("`{}…`", names::escaped(&text[..at])),
        None if text.is_empty() => "empty".to_owned(),
        None => format!("`{}`", names::escaped(text)),
    }
}

/// One component's status: `Some(component)` unless it passes. A status that is not a
/// string is reported unreadable, never skipped: a component the gate cannot read might be
/// the one that is down.
fn component(name: &str, status: &Value, output: Option<&Value>) -> Option<Component> {
    let name = names::escaped(name).into_owned();
    match status {
        Value::String(status) if HealthStatus::passes(status) => None,
        Value::String(status) => Some(Component {
            name,
            status: Some(names::escaped(status).into_owned()),
            output: output
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned),
        }),
        other => Some(Component {
            name,
            status: None,
            output: Some(format!("its `status` is {}, not a string", kind(other))),
        }),
    }
}

/// health+json `checks`: each key maps to an array of component details (one per node), or
/// a single object. A `checks` given as an array of details is read too (named by position),
/// and anything else in it is reported unreadable.
fn health_json_checks(checks: &Value, out: &mut Vec<Component>) {
    let unreadable = |name: String, why: String| Component {
        name: names::escaped(&name).into_owned(),
        status: None,
        output: Some(why),
    };
    let entries: Vec<(String, &Value)> = match checks {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("checks[{i}]"), v))
            .collect(),
        other => {
            out.push(unreadable(
                "checks".to_owned(),
                format!("`checks` is {}, not an object", kind(other)),
            ));
            return;
        }
    };
    for (name, nodes) in entries {
        let nodes: Vec<&Value> = match nodes {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for node in nodes {
            let Value::Object(node) = node else {
                out.push(unreadable(
                    name.clone(),
                    format!("a check is {}, not an object", kind(node)),
                ));
                continue;
            };
            // A check's `status` is optional in the draft: one without it says nothing.
            if let Some(status) = node.get("status")
                && let Some(found) = component(&name, status, node.get("output"))
            {
                out.push(found);
            }
        }
    }
}

/// Spring components, nested ones flattened as `broker/us1`, under `components` (Spring Boot
/// 2.2 and later) and `details` (2.0 and 2.1). Under `components` every entry is a component,
/// so one that cannot be read is reported; `details` also holds an indicator's free-form
/// details, so there only objects with a status string are components.
fn spring_components(prefix: &str, section: &Value, strict: bool, out: &mut Vec<Component>) {
    let Some(entries) = section.as_object() else {
        if strict {
            out.push(Component {
                name: if prefix.is_empty() {
                    "components".to_owned()
                } else {
                    format!("{}/components", names::escaped(prefix))
                },
                status: None,
                output: Some(format!("`components` is {}, not an object", kind(section))),
            });
        }
        return;
    };
    for (name, entry) in entries {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let status = entry.get("status");
        let is_component = match status {
            Some(Value::String(_)) => true,
            Some(_) | None => strict,
        };
        if !is_component {
            continue;
        }
        match status {
            Some(status) => {
                if let Some(found) = component(&path, status, entry.pointer("/details/error")) {
                    out.push(found);
                }
            }
            None => out.push(Component {
                name: names::escaped(&path).into_owned(),
                status: None,
                output: Some(if entry.is_object() {
                    "no `status`".to_owned()
                } else {
                    format!("a component is {}, not an object", kind(entry))
                }),
            }),
        }
        if let Some(nested) = entry.get("components") {
            spring_components(&path, nested, true, out);
        }
        if let Some(nested) = entry.get("details") {
            spring_components(&path, nested, false, out);
        }
    }
}

/// Kubernetes verbose output (`[+]name ok`, `[-]name failed: reason`, and a closing line
/// `readyz check passed|failed`), or else a plain-text status ([`read_plain`]).
///
/// Any failed line fails the body, named: a `[-]` check, or a closing line that says
/// `failed`, whatever another line says. A body that says both `check failed` and `check
/// passed` contradicts itself, and a contradiction is never read as a pass.
fn read_text(text: &str, redactor: &crate::Redactor) -> Result<HealthReading, String> {
    let kubernetes = text.lines().map(str::trim).any(|line| {
        line.starts_with("[+]")
            || line.starts_with("[-]")
            || line.ends_with(" check passed")
            || line.ends_with(" check failed")
    });
    if !kubernetes {
        return Ok(read_plain(text, redactor));
    }
    let mut components = Vec::new();
    let mut closing: Vec<(HealthStatus, &str)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("[-]") {
            let (name, reason) = rest.split_once(' ').unwrap_or((rest, "failed"));
            components.push(Component {
                name: names::escaped(name).into_owned(),
                status: Some("failed".to_owned()),
                output: Some(reason.trim_start_matches("failed:").trim().to_owned()),
            });
        } else if line.starts_with("[+]") || line.starts_with("warn:") {
            continue;
        } else if line.ends_with(" check passed") {
            closing.push((HealthStatus::Pass, line));
        } else if line.ends_with(" check failed") {
            closing.push((HealthStatus::Fail, line));
        } else {
            return Err(format!(
                "a line of Kubernetes check output is neither a check nor a verdict: `{}`",
                names::escaped(
                    &redactor
                        .redact(line)
                        .chars()
                        .take(PLAIN_MAX_CHARS)
                        .collect::<String>()
                )
            ));
        }
    }
    if closing.is_empty() {
        return Err(
            "Kubernetes check output without its closing `check passed|failed` line".to_owned(),
        );
    }
    // The first failed closing line is the answer; the other closing lines are said beside
    // it, so a contradiction is visible.
    let (mut status, reported) = closing
        .iter()
        .find(|(status, _)| *status == HealthStatus::Fail)
        .or(closing.first())
        .copied()
        .unwrap_or((HealthStatus::Fail, ""));
    let others: Vec<String> = closing
        .iter()
        .filter(|(_, line)| *line != reported)
        .map(|(_, line)| format!("`{}`", names::escaped(line)))
        .collect();
    let mut output = (!others.is_empty() && status == HealthStatus::Fail)
        .then(|| format!("the body also says {}", others.join(", ")));
    // A failed check line is a failure whatever the closing line claims, and the closing
    // line's claim is shown with what contradicts it.
    if !components.is_empty() && status != HealthStatus::Fail {
        status = HealthStatus::Fail;
        let failed: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
        output = Some(format!("yet {} failed", failed.join(", ")));
    }
    Ok(HealthReading {
        status,
        reported: names::escaped(reported).into_owned(),
        format: "kubernetes",
        output,
        components,
        http_override: None,
    })
}

/// The longest body read as a plain-text status: one line such as `Prometheus Server is Ready.`.
/// A longer text is a page or a message, not a status word, and is not guessed at.
const PLAIN_MAX_CHARS: usize = 100;
/// At most this many words on that line.
const PLAIN_MAX_WORDS: usize = 8;

/// Words that say a service is fine.
const READY_WORDS: [&str; 11] = [
    "ok", "okay", "ready", "healthy", "up", "alive", "live", "pass", "passing", "running",
    "serving",
];
/// Words that say it is not; they win over any word of the list above.
const NOT_READY_WORDS: [&str; 15] = [
    "down",
    "unhealthy",
    "unready",
    "unavailable",
    "fail",
    "failed",
    "failing",
    "failure",
    "error",
    "errors",
    "dead",
    "unreachable",
    "starting",
    "maintenance",
    // `ready: false`, `healthy=false`.
    "false",
];
/// Words that say it is degraded but serving.
const WARN_WORDS: [&str; 3] = ["degraded", "warn", "warning"];
/// Words that turn the next status word around: `not ready`, `never healthy` (and any word in
/// `n't`, and `cannot`).
const NEGATIONS: [&str; 5] = ["not", "no", "isnt", "never", "without"];
/// Words that leave a ready line unread rather than passed: `ready: unknown`, `ready: pending`.
const DOUBTFUL_WORDS: [&str; 5] = ["unknown", "pending", "maybe", "0", "off"];
/// Words before `up` that make it a way to go rather than a state: `warming up`.
const WARMING_WORDS: [&str; 6] = [
    "warming", "catching", "coming", "spinning", "booting", "starting",
];

/// A short plain-text body, read for the words a service uses to say how it is: `OK`, `ready`,
/// `Prometheus Server is Ready.` pass; `not ready`, `unhealthy`, `Service Unavailable` fail;
/// `degraded` warns. Anything else (a page, a long message, words that say neither) is
/// unknown, quoted, with the way out: judge by the status code alone.
fn read_plain(text: &str, redactor: &crate::Redactor) -> HealthReading {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let quoted = redactor.redact(first);
    let one_line = lines.next().is_none();
    let words: Vec<String> = first
        .replace('\u{2019}', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let short = one_line
        && first.chars().count() <= PLAIN_MAX_CHARS
        && words.len() <= PLAIN_MAX_WORDS
        && !first.contains('<');
    let status = short.then(|| plain_status(&words)).flatten();
    let shown: String = names::escaped(&quoted)
        .chars()
        .take(PLAIN_MAX_CHARS)
        .collect();
    let reported = match first.chars().count() > PLAIN_MAX_CHARS || !one_line {
        true => format!("{shown}…"),
        false => shown,
    };
    match status {
        Some(status) => HealthReading {
            status,
            reported,
            format: "plain text",
            output: None,
            components: Vec::new(),
            http_override: None,
        },
        None => HealthReading {
            status: HealthStatus::Unknown,
            reported: format!("plain text `{reported}`"),
            format: "plain text",
            output: Some(
                "it says neither ready nor down; `health = false` judges by the status code alone"
                    .to_owned(),
            ),
            components: Vec::new(),
            http_override: None,
        },
    }
}

/// What the words of a short body say: the worst they say; `None` when they say nothing of
/// the kind. A negation turns the next status word around (`not ready` fails; `no errors` says
/// nothing), and one that turns no word around (`ready: no`, `Ready? Not yet.`) negates the
/// line: it is never a pass. A word such as `unknown` or `pending` beside a ready word leaves
/// the line unread rather than passed, and `up` after `warming` is on its way, not there.
fn plain_status(words: &[String]) -> Option<HealthStatus> {
    let (mut ready, mut warn, mut not_ready, mut doubtful) = (false, false, false, false);
    let mut negated = false;
    let mut previous = "";
    for word in words {
        let word = word.as_str();
        if NEGATIONS.contains(&word) || word.ends_with("n't") || word == "cannot" {
            negated = true;
        } else if NOT_READY_WORDS.contains(&word) {
            // `no error` says nothing bad; nor does it say anything good.
            not_ready |= !negated;
            negated = false;
        } else if DOUBTFUL_WORDS.contains(&word) {
            doubtful = true;
            negated = false;
        } else if word == "up" && WARMING_WORDS.contains(&previous) {
            not_ready = true;
            negated = false;
        } else if READY_WORDS.contains(&word) || WARN_WORDS.contains(&word) {
            match negated {
                true => not_ready = true,
                false if WARN_WORDS.contains(&word) => warn = true,
                false => ready = true,
            }
            negated = false;
        }
        previous = word;
    }
    // A negation left over negates what came before it.
    not_ready |= negated && ready;
    match (not_ready, warn, ready && !doubtful) {
        (true, _, _) => Some(HealthStatus::Fail),
        (false, true, _) => Some(HealthStatus::Warn),
        (false, false, true) => Some(HealthStatus::Pass),
        (false, false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", content_type.parse().unwrap());
        HttpResponse {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            truncated: false,
            latency: std::time::Duration::ZERO,
            final_url: "http://x/health".into(),
        }
    }

    fn status(status: u16, content_type: &str, body: &str) -> HealthStatus {
        read(&response(status, content_type, body)).unwrap().status
    }

    #[test]
    fn health_json_with_aliases_and_any_case() {
        use HealthStatus::*;
        for (body, expected) in [
            (r#"{"status":"pass"}"#, Pass),
            (r#"{"status":"OK"}"#, Pass),
            (r#"{"status":"Up"}"#, Pass),
            (r#"{"status":"warn"}"#, Warn),
            (r#"{"status":"fail"}"#, Fail),
            (r#"{"status":"ERROR"}"#, Fail),
            (r#"{"status":"down"}"#, Fail),
            (r#"{"status":"UNKNOWN"}"#, Unknown),
        ] {
            assert_eq!(
                status(200, "application/health+json", body),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn a_status_no_format_defines_is_unreadable_not_unknown() {
        for (body, shown) in [
            (r#"{"status":"banana"}"#, "`banana`"),
            (r#"{"status":"sideways","checks":{}}"#, "`sideways`"),
            (r#"{"status":""}"#, "empty"),
            (r#"{"status":"passed"}"#, "`passed`"),
            // Characters that would act on a terminal are escaped, never dropped: the message
            // says what was received.
            (r#"{"status":"ok\u0007"}"#, "`ok\\u{7}`"),
            (r#"{"status":"pass\u0000"}"#, "`pass\\u{0}`"),
            (r#"{"status":"\u001b[32mpass"}"#, "`\\u{1b}[32mpass`"),
            (r#"{"status":"pass\u202e"}"#, "`pass\\u{202e}`"),
        ] {
            let err = read(&response(200, "application/health+json", body)).unwrap_err();
            assert_eq!(
                err,
                format!("the health body's `status` is {shown}, which no health format defines"),
                "{body}"
            );
        }
    }

    #[test]
    fn bodies_are_read_as_strictly_as_any_upstream_json() {
        let raw = |content_type: &str, body: &[u8]| {
            let mut r = response(200, content_type, "");
            r.body = body.to_vec();
            read(&r)
        };
        for content_type in ["application/health+json", "application/json", "text/plain"] {
            let err = raw(content_type, b"{\"status\":\"\xff\xfeok\"}").unwrap_err();
            assert_eq!(
                err, "malformed JSON: not UTF-8 (byte 0xff) at line 1 column 12",
                "{content_type}"
            );
            let twice = raw(content_type, br#"{"status":"fail","status":"pass"}"#).unwrap_err();
            assert!(twice.contains(r#"duplicate key "status""#), "{twice}");
        }
        let deep = format!(
            r#"{{"status":"pass","x":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let err = raw("application/json", deep.as_bytes()).unwrap_err();
        assert!(
            err.starts_with("JSON nested deeper than 128 levels"),
            "{err}"
        );
        let fits = format!(
            r#"{{"status":"pass","x":{}1{}}}"#,
            "[".repeat(127),
            "]".repeat(127)
        );
        assert_eq!(
            raw("application/json", fits.as_bytes()).unwrap().status,
            HealthStatus::Pass
        );
        assert_eq!(
            raw("text/plain", b"ok\xff").unwrap_err(),
            "the health body is not UTF-8 text"
        );
    }

    #[test]
    fn the_top_level_output_is_kept() {
        let body = r#"{"status":"fail","output":"  database unreachable  "}"#;
        let reading = read(&response(503, "application/health+json", body)).unwrap();
        assert_eq!(reading.output.as_deref(), Some("database unreachable"));
        let no_text = r#"{"status":"fail","output":{"x":1}}"#;
        assert_eq!(
            read(&response(503, "application/json", no_text))
                .unwrap()
                .output,
            None
        );
    }

    #[test]
    fn failing_components_are_named() {
        let body = r#"{"status":"pass","checks":{"cpu:utilization":[{"status":"warn","observedValue":85},{"status":"pass"}],"db:responseTime":[{"status":"fail","output":"timeout"}]}}"#;
        let reading = read(&response(200, "application/health+json", body)).unwrap();
        assert_eq!(reading.format, "health+json");
        assert_eq!(
            summary(&reading),
            ["cpu:utilization warn", "db:responseTime fail (timeout)"]
        );
    }

    /// Each component as `name status (output)`, `name unreadable (why)`.
    fn summary(reading: &HealthReading) -> Vec<String> {
        reading
            .components
            .iter()
            .map(|c| {
                let status = c.status.as_deref().unwrap_or("unreadable");
                match &c.output {
                    Some(output) => format!("{} {status} ({output})", c.name),
                    None => format!("{} {status}", c.name),
                }
            })
            .collect()
    }

    fn components(body: &str) -> Vec<String> {
        summary(&read(&response(200, "application/json", body)).unwrap())
    }

    #[test]
    fn every_section_of_a_body_is_read_never_only_the_first_found() {
        for (body, expected) in [
            // `checks` first used to hide `components` and `details`, and either hid 1.x
            // indicators at the top level.
            (
                r#"{"status":"pass","checks":{},"components":{"db":{"status":"DOWN"}}}"#,
                &["db DOWN"][..],
            ),
            (
                r#"{"status":"UP","components":{"a":{"status":"UP"}},"details":{"b":{"status":"DOWN"}}}"#,
                &["b DOWN"],
            ),
            (
                r#"{"status":"pass","checks":{"x":[{"status":"pass"}]},"db":{"status":"DOWN"}}"#,
                &["db DOWN"],
            ),
            // `checks` as an array of details, not an object of arrays.
            (
                r#"{"status":"pass","checks":[{"status":"pass"},{"status":"fail","output":"down"}]}"#,
                &["checks[1] fail (down)"],
            ),
            // Spring 2.0's nested components live under `details`.
            (
                r#"{"status":"UP","details":{"broker":{"status":"UP","details":{"us1":{"status":"DOWN"}}}}}"#,
                &["broker/us1 DOWN"],
            ),
            (
                r#"{"status":"UP","components":{"broker":{"status":"UP","details":{"us1":{"status":"OUT_OF_SERVICE"}}}}}"#,
                &["broker/us1 OUT_OF_SERVICE"],
            ),
            // A node of a check that is down among nodes that pass is named.
            (
                r#"{"status":"pass","checks":{"db":[{"status":"pass"},{"status":"fail"},{"status":"pass"}]}}"#,
                &["db fail"],
            ),
        ] {
            assert_eq!(components(body), expected, "{body}");
        }
    }

    #[test]
    fn a_component_whose_status_cannot_be_read_is_named_never_skipped() {
        for (body, expected) in [
            (
                r#"{"status":"pass","checks":{"db":[{"status":500}]}}"#,
                &["db unreadable (its `status` is a number, not a string)"][..],
            ),
            (
                r#"{"status":"pass","checks":{"db":["down"]}}"#,
                &["db unreadable (a check is a string, not an object)"],
            ),
            (
                r#"{"status":"pass","checks":"all good"}"#,
                &["checks unreadable (`checks` is a string, not an object)"],
            ),
            (
                r#"{"status":"UP","components":{"db":{"status":{"code":"DOWN"}}}}"#,
                &["db unreadable (its `status` is an object, not a string)"],
            ),
            (
                r#"{"status":"UP","components":{"db":{"details":{}}}}"#,
                &["db unreadable (no `status`)"],
            ),
            (
                r#"{"status":"UP","components":{"db":"DOWN"}}"#,
                &["db unreadable (a component is a string, not an object)"],
            ),
            (
                r#"{"status":"UP","components":["db"]}"#,
                &["components unreadable (`components` is an array, not an object)"],
            ),
        ] {
            assert_eq!(components(body), expected, "{body}");
        }
        // An indicator's free-form details are not components: `status` there may be
        // anything.
        assert!(
            components(r#"{"status":"UP","details":{"response":{"status":200},"total":5}}"#)
                .is_empty()
        );
        // A check without a status says nothing (the draft makes it optional).
        assert!(
            components(r#"{"status":"pass","checks":{"uptime":[{"observedValue":5}]}}"#).is_empty()
        );
    }

    #[test]
    fn spring_current_legacy_and_1x() {
        let current = r#"{"status":"DOWN","components":{"db":{"status":"DOWN","details":{"error":"refused"}},"broker":{"status":"UP","components":{"us1":{"status":"OUT_OF_SERVICE"}}}}}"#;
        let reading = read(&response(
            503,
            "application/vnd.spring-boot.actuator.v3+json",
            current,
        ))
        .unwrap();
        assert_eq!(reading.status, HealthStatus::Fail);
        let names: Vec<&str> = reading.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["broker/us1", "db"]);
        let legacy = r#"{"status":"UP","details":{"db":{"status":"DOWN"}}}"#;
        assert_eq!(
            read(&response(200, "application/json", legacy))
                .unwrap()
                .components
                .len(),
            1
        );
        let v1 = r#"{"status":"UP","diskSpace":{"status":"UP"},"db":{"status":"DOWN"}}"#;
        let reading = read(&response(200, "application/json", v1)).unwrap();
        assert_eq!(reading.format, "spring (1.x)");
        assert_eq!(reading.components[0].name, "db");
    }

    #[test]
    fn plain_and_kubernetes_text() {
        assert_eq!(status(200, "text/plain", "ok"), HealthStatus::Pass);
        let passed = "[+]ping ok\n[+]etcd ok\nreadyz check passed";
        assert_eq!(status(200, "text/plain", passed), HealthStatus::Pass);
        let failed = "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n";
        let reading = read(&response(500, "text/plain", failed)).unwrap();
        assert_eq!(reading.status, HealthStatus::Fail);
        assert_eq!(summary(&reading), ["etcd failed (reason withheld)"]);
    }

    #[test]
    fn a_failed_check_line_fails_whatever_the_last_line_says() {
        let body = "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check passed";
        let reading = read(&response(200, "text/plain", body)).unwrap();
        assert_eq!(reading.status, HealthStatus::Fail);
        assert_eq!(reading.output.as_deref(), Some("yet etcd failed"));
    }

    #[test]
    fn a_body_that_says_both_failed_and_passed_fails_in_any_order() {
        for (body, reported, also) in [
            (
                "[+]ping ok\nreadyz check failed\nreadyz check passed\n",
                "readyz check failed",
                "`readyz check passed`",
            ),
            (
                "readyz check failed\n[+]ping ok\nlivez check passed",
                "readyz check failed",
                "`livez check passed`",
            ),
            (
                "readyz check passed\nreadyz check failed",
                "readyz check failed",
                "`readyz check passed`",
            ),
            (
                "[+]ping ok\nlivez check passed\nhealthz check passed\nreadyz check failed",
                "readyz check failed",
                "`livez check passed`, `healthz check passed`",
            ),
        ] {
            let reading = read(&response(200, "text/plain", body)).unwrap();
            assert_eq!(reading.status, HealthStatus::Fail, "{body}");
            assert_eq!(reading.reported, reported, "{body}");
            assert_eq!(
                reading.output,
                Some(format!("the body also says {also}")),
                "{body}"
            );
        }
        // Two closing lines that agree are not a contradiction.
        let agree = read(&response(
            200,
            "text/plain",
            "livez check passed\nreadyz check passed",
        ))
        .unwrap();
        assert_eq!((agree.status, agree.output), (HealthStatus::Pass, None));
    }

    #[test]
    fn a_byte_order_mark_before_a_body_is_ignored_in_every_form() {
        let raw = |content_type: &str, body: &[u8]| {
            let mut r = response(200, content_type, "");
            r.body = body.to_vec();
            read(&r).map(|reading| reading.status)
        };
        for content_type in ["application/health+json", "text/plain", "application/json"] {
            assert_eq!(
                raw(content_type, b"\xef\xbb\xbf{\"status\":\"pass\"}"),
                Ok(HealthStatus::Pass),
                "{content_type}"
            );
        }
        assert_eq!(raw("text/plain", b"\xef\xbb\xbfok"), Ok(HealthStatus::Pass));
        assert_eq!(
            raw("text/plain", b"\xef\xbb\xbfreadyz check passed"),
            Ok(HealthStatus::Pass)
        );
        assert_eq!(
            raw("application/json", b"\xef\xbb\xbf\xef\xbb\xbf{\"status\":\"pass\"}"),
            Err("malformed JSON: a byte-order mark (U+FEFF), which JSON allows only at the start at line 1 column 1".to_owned())
        );
    }

    /// Every plain-text body of the table, on HTTP 200 unless said, with its status and what
    /// the reading reports.
    #[test]
    fn plain_text_bodies_are_read_by_their_words() {
        use HealthStatus::*;
        let long = "all good ".repeat(20);
        for (code, body, expected, reported) in [
            (200, "ready", Pass, "ready"),
            (200, "healthy", Pass, "healthy"),
            (200, "OK", Pass, "OK"),
            (200, "ok\n", Pass, "ok"),
            (200, "UP", Pass, "UP"),
            (200, "alive", Pass, "alive"),
            (
                200,
                "Prometheus Server is Ready.",
                Pass,
                "Prometheus Server is Ready.",
            ),
            (
                200,
                "Prometheus Server is Healthy.",
                Pass,
                "Prometheus Server is Healthy.",
            ),
            (200, "  Ready!  ", Pass, "Ready!"),
            (200, "OK, no errors", Pass, "OK, no errors"),
            (200, "Service Unavailable", Fail, "Service Unavailable"),
            (200, "not ready", Fail, "not ready"),
            (200, "NOT READY", Fail, "NOT READY"),
            (200, "Server isn't healthy", Fail, "Server isn't healthy"),
            (200, "unhealthy", Fail, "unhealthy"),
            (
                200,
                "ready: false, database down",
                Fail,
                "ready: false, database down",
            ),
            (200, "DOWN", Fail, "DOWN"),
            (200, "ready: false", Fail, "ready: false"),
            (200, "Down for maintenance", Fail, "Down for maintenance"),
            (200, "SERVING", Pass, "SERVING"),
            // Negations after the word, quoted words, curly apostrophes, particles.
            (200, "ready: no", Fail, "ready: no"),
            (200, "Ready? Not yet.", Fail, "Ready? Not yet."),
            (200, "ready='false'", Fail, "ready='false'"),
            (
                200,
                "Server isn\u{2019}t ready",
                Fail,
                "Server isn\u{2019}t ready",
            ),
            (200, "Server aren't ready", Fail, "Server aren't ready"),
            (200, "Warming up", Fail, "Warming up"),
            (200, "catching up", Fail, "catching up"),
            (
                200,
                "ready: pending",
                Unknown,
                "plain text `ready: pending`",
            ),
            (
                200,
                "ready: unknown",
                Unknown,
                "plain text `ready: unknown`",
            ),
            (200, "ready: 0", Unknown, "plain text `ready: 0`"),
            (200, "degraded", Warn, "degraded"),
            (503, "OK", Fail, "OK"),
            (
                500,
                "Prometheus Server is Ready.",
                Fail,
                "Prometheus Server is Ready.",
            ),
            (
                200,
                "<html><body>It works!</body></html>",
                Unknown,
                "plain text `<html><body>It works!</body></html>`",
            ),
            (200, "hello world", Unknown, "plain text `hello world`"),
            (200, "no", Unknown, "plain text `no`"),
            (200, "ready\nsteady\ngo", Unknown, "plain text `ready…`"),
            (200, long.as_str(), Unknown, ""),
            // Terminal escapes are not words: quoted, escaped, and not guessed through.
            (
                200,
                "\u{1b}[32mready\u{1b}[0m",
                Unknown,
                "plain text `\\u{1b}[32mready\\u{1b}[0m`",
            ),
            (200, "up\u{202e}", Pass, "up\\u{202e}"),
        ] {
            let reading = read(&response(code, "text/plain; charset=utf-8", body))
                .unwrap_or_else(|e| panic!("{body:?}: {e}"));
            assert_eq!(reading.status, expected, "{body:?}");
            assert_eq!(reading.format, "plain text", "{body:?}");
            if !reported.is_empty() {
                assert_eq!(reading.reported, reported, "{body:?}");
            }
            // Unknown words are never a pass, and say how to judge by the status alone.
            let hint = reading.output.as_deref().unwrap_or_default();
            assert_eq!(
                expected == Unknown,
                hint.contains("`health = false`"),
                "{body:?}"
            );
        }
        // The long one is quoted clipped, not whole.
        let reading = read(&response(200, "text/plain", &long)).unwrap();
        assert!(
            reading.reported.ends_with("…`") && reading.reported.len() < 130,
            "{}",
            reading.reported
        );
        // An empty body and bytes that are not text stay unreadable.
        assert!(
            read(&response(200, "text/plain", " \n "))
                .unwrap_err()
                .contains("empty body")
        );
        let mut bytes = response(200, "text/plain", "");
        bytes.body = b"OK\xff".to_vec();
        assert_eq!(
            read(&bytes).unwrap_err(),
            "the health body is not UTF-8 text"
        );
    }

    #[test]
    fn the_http_code_is_authoritative() {
        let reading = read(&response(503, "application/json", r#"{"status":"ok"}"#)).unwrap();
        assert_eq!(reading.status, HealthStatus::Fail);
        assert_eq!(reading.http_override, Some(503));
    }

    #[test]
    fn unreadable_bodies_say_why() {
        let err = |status, ct, body| read(&response(status, ct, body)).unwrap_err();
        assert!(err(200, "application/json", "").contains("empty body"));
        assert!(err(200, "application/json", r#"{"status": "pa"#).starts_with("malformed JSON"));
        assert!(err(200, "application/json", r#"{"healthy": true}"#).contains("no `status`"));
        assert_eq!(
            err(200, "application/json", r#"{"status": 200}"#),
            "the health body's `status` is a number, not a string"
        );
        assert!(err(200, "application/json", "[1]").contains("must be an object"));
        assert!(
            err(200, "text/plain", "[+]ping ok").contains("closing"),
            "check lines without a verdict line"
        );
    }
}
