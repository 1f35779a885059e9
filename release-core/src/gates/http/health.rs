//! Reading health bodies in the formats services actually send: `application/health+json`
//! (an expired draft, with aliases and any case), Spring Boot Actuator (current, legacy
//! `details`, and 1.x top-level indicators), `{"status":"ok"}`, plain `ok`, and Kubernetes
//! `/readyz?verbose` text. The HTTP status is authoritative: a 5xx is never a healthy reading.
//!
//! A body is read as strictly as every other upstream body (`clients::json`): bytes that are
//! not UTF-8, a key twice in one object (two `status` keys) and nesting past 128 levels make
//! it unreadable, never a guess. A top-level `status` that no convention defines (`banana`,
//! an empty string) is unreadable too; only `unknown` itself (Spring's `UNKNOWN`) reads as
//! "no indicator knows", which the gate reports `inconclusive`.

use serde_json::Value;

use crate::clients::{HttpResponse, json};

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

/// What a health body said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HealthReading {
    /// The overall status, the HTTP code taken into account.
    pub(crate) status: HealthStatus,
    /// The status as the body wrote it (`UP`, `warn`, `readyz check failed`).
    pub(crate) reported: String,
    /// The format recognised, for evidence.
    pub(crate) format: &'static str,
    /// The body's own explanation of its status: health+json's top-level `output`.
    pub(crate) output: Option<String>,
    /// Components that are not passing: (name, status as written, output if any).
    pub(crate) components: Vec<(String, String, Option<String>)>,
    /// Set when the HTTP code contradicted a passing body.
    pub(crate) http_override: Option<u16>,
}

/// Reads a health body, or says why it cannot be read.
pub(crate) fn read(response: &HttpResponse) -> Result<HealthReading, String> {
    if response.truncated {
        return Err(format!(
            "the health body is larger than the {} byte cap",
            response.body.len()
        ));
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err("empty body where a health status was expected".to_owned());
    }
    // Kubernetes check output starts with `[+]`, so only an object, or a declared JSON type,
    // is read as JSON.
    let json_like = response.content_type().is_some_and(|t| t.contains("json"))
        || response.body.trim_ascii_start().starts_with(b"{");
    let mut reading = if json_like {
        let value = json::parse(&response.body).map_err(|e| e.to_string())?;
        read_json(&value)?
    } else {
        let text = std::str::from_utf8(&response.body)
            .map_err(|_| "the health body is not UTF-8 text".to_owned())?;
        read_text(text.trim())?
    };
    if response.status >= 400 && reading.status != HealthStatus::Fail {
        reading.http_override = Some(response.status);
        reading.status = HealthStatus::Fail;
    }
    Ok(reading)
}

fn read_json(value: &Value) -> Result<HealthReading, String> {
    let object = value
        .as_object()
        .ok_or("a JSON health body must be an object")?;
    let reported = object
        .get("status")
        .and_then(Value::as_str)
        .ok_or("the health body has no `status` string")?;
    let status = HealthStatus::parse(reported).ok_or_else(|| {
        format!(
            "the health body's `status` is {}, which no health format defines",
            shown_status(reported)
        )
    })?;
    let (format, components) = if let Some(checks) = object.get("checks").and_then(Value::as_object)
    {
        ("health+json", health_json_checks(checks))
    } else if let Some(components) = object.get("components").and_then(Value::as_object) {
        ("spring", spring_components("", components))
    } else if let Some(details) = object.get("details").and_then(Value::as_object) {
        ("spring (legacy details)", spring_components("", details))
    } else {
        // Spring Boot 1.x put indicators at the top level; plain `{"status": "ok"}` has none.
        let indicators: serde_json::Map<String, Value> = object
            .iter()
            .filter(|(_, v)| v.get("status").is_some_and(Value::is_string))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if indicators.is_empty() {
            ("status", Vec::new())
        } else {
            ("spring (1.x)", spring_components("", &indicators))
        }
    };
    // health+json's raw error output for a `warn` or `fail`; only a string is output.
    let output = object
        .get("output")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned);
    Ok(HealthReading {
        status,
        reported: reported.to_owned(),
        format,
        output,
        components,
        http_override: None,
    })
}

/// A status as written, for a message: quoted, control characters dropped, at most 40
/// characters.
fn shown_status(text: &str) -> String {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).collect();
    match cleaned.char_indices().nth(40) {
        Some((at, _)) => format!("`{}…`", &cleaned[..at]),
        None if cleaned.is_empty() => "empty".to_owned(),
        None => format!("`{cleaned}`"),
    }
}

/// health+json `checks`: each key maps to an array of component details (one per node).
fn health_json_checks(
    checks: &serde_json::Map<String, Value>,
) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for (name, nodes) in checks {
        let nodes: Vec<&Value> = match nodes {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for node in nodes {
            let Some(status) = node.get("status").and_then(Value::as_str) else {
                continue;
            };
            if !HealthStatus::passes(status) {
                let output = node
                    .get("output")
                    .and_then(Value::as_str)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned);
                out.push((name.clone(), status.to_owned(), output));
            }
        }
    }
    out
}

/// Spring components, nested components flattened as `broker/us1`.
fn spring_components(
    prefix: &str,
    components: &serde_json::Map<String, Value>,
) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for (name, component) in components {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if let Some(status) = component.get("status").and_then(Value::as_str)
            && !HealthStatus::passes(status)
        {
            let output = component
                .pointer("/details/error")
                .and_then(Value::as_str)
                .map(str::to_owned);
            out.push((path.clone(), status.to_owned(), output));
        }
        if let Some(nested) = component.get("components").and_then(Value::as_object) {
            out.extend(spring_components(&path, nested));
        }
    }
    out
}

/// Plain `ok`, or Kubernetes verbose output: `[+]name ok`, `[-]name failed: reason`, and a
/// last line `readyz check passed|failed`.
fn read_text(text: &str) -> Result<HealthReading, String> {
    if text.eq_ignore_ascii_case("ok") {
        return Ok(HealthReading {
            status: HealthStatus::Pass,
            reported: "ok".to_owned(),
            format: "plain text",
            output: None,
            components: Vec::new(),
            http_override: None,
        });
    }
    let mut components = Vec::new();
    let mut verdict = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("[-]") {
            let (name, reason) = rest.split_once(' ').unwrap_or((rest, "failed"));
            components.push((
                name.to_owned(),
                "failed".to_owned(),
                Some(reason.trim_start_matches("failed:").trim().to_owned()),
            ));
        } else if line.starts_with("[+]") || line.starts_with("warn:") {
            continue;
        } else if let Some(head) = line.strip_suffix(" check passed") {
            verdict = Some((HealthStatus::Pass, format!("{head} check passed")));
        } else if let Some(head) = line.strip_suffix(" check failed") {
            verdict = Some((HealthStatus::Fail, format!("{head} check failed")));
        } else {
            return Err(
                "the health body is neither JSON, `ok`, nor Kubernetes check output".to_owned(),
            );
        }
    }
    let (mut status, reported) =
        verdict.ok_or("Kubernetes check output without its closing `check passed|failed` line")?;
    // A failed check line is a failure whatever the closing line claims.
    if !components.is_empty() {
        status = HealthStatus::Fail;
    }
    Ok(HealthReading {
        status,
        reported,
        format: "kubernetes",
        output: None,
        components,
        http_override: None,
    })
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
            (r#"{"status":"ok\u0007"}"#, "`ok`"),
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
            reading.components,
            vec![
                ("cpu:utilization".into(), "warn".into(), None),
                (
                    "db:responseTime".into(),
                    "fail".into(),
                    Some("timeout".into())
                ),
            ]
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
        let names: Vec<&str> = reading.components.iter().map(|c| c.0.as_str()).collect();
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
        assert_eq!(reading.components[0].0, "db");
    }

    #[test]
    fn plain_and_kubernetes_text() {
        assert_eq!(status(200, "text/plain", "ok"), HealthStatus::Pass);
        let passed = "[+]ping ok\n[+]etcd ok\nreadyz check passed";
        assert_eq!(status(200, "text/plain", passed), HealthStatus::Pass);
        let failed = "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n";
        let reading = read(&response(500, "text/plain", failed)).unwrap();
        assert_eq!(reading.status, HealthStatus::Fail);
        assert_eq!(
            reading.components,
            vec![(
                "etcd".into(),
                "failed".into(),
                Some("reason withheld".into())
            )]
        );
    }

    #[test]
    fn a_failed_check_line_fails_whatever_the_last_line_says() {
        let body = "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check passed";
        assert_eq!(status(200, "text/plain", body), HealthStatus::Fail);
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
        assert!(err(200, "application/json", "[1]").contains("must be an object"));
        assert!(err(200, "text/html", "<html>").contains("neither JSON"));
        assert!(
            err(200, "text/plain", "[+]ping ok").contains("closing"),
            "check lines without a verdict line"
        );
    }
}
