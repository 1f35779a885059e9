use std::time::Duration;

use serde_json::Value;

use super::assert::CompiledAssertion;
use super::health::{self, HealthStatus};
use super::spec::HttpGateSpec;
use crate::gate::worst;
use crate::gate::{Context, Evaluation, Gate, GateInfo, Observation, Verdict};
use crate::net::check_retries;
use crate::net::json::{self, JsonError};
use crate::net::{DEFAULT_BODY_CAP, HttpRequest, HttpResponse, RetryPolicy};
use crate::probe::{self, Misconfigured, exchange_evidence};
use crate::text::{clip, plain};

/// The largest body cap a plan may ask for: a health check that needs more is not a health
/// check.
const MAX_BODY_CAP: usize = 64 * 1024 * 1024;

/// One HTTP request with expectations: status, headers, latency, health body, JSON.
///
/// ```
/// use release_core::gates::http::{HttpGate, HttpGateSpec};
/// use release_core::GateInfo;
///
/// let spec: HttpGateSpec = toml::from_str(r#"
///     url = "{api_url}/health"
///     expect = { status = 200, health = true, json = [{ path = "$.status", op = "in", value = ["pass", "ok"] }] }
/// "#).unwrap();
/// let gate = HttpGate::new(GateInfo::new("api-health", "http"), spec).unwrap();
/// ```
#[derive(Debug)]
pub struct HttpGate {
    info: GateInfo,
    spec: HttpGateSpec,
    method: reqwest::Method,
    assertions: Vec<CompiledAssertion>,
}

impl HttpGate {
    /// A gate from its spec; fails on a bad method, path or regex.
    pub fn new(info: GateInfo, spec: HttpGateSpec) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(info: GateInfo, spec: HttpGateSpec) -> Result<Self, String> {
        let method = reqwest::Method::from_bytes(spec.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("invalid method `{}`", spec.method))?;
        check_retries(spec.retries)?;
        if spec
            .retry_backoff
            .is_some_and(|b| b.get().is_zero() || b.get() > std::time::Duration::from_secs(60))
        {
            return Err("`retry_backoff` must be longer than zero and at most 1m".to_owned());
        }
        if spec
            .max_body_bytes
            .is_some_and(|b| b == 0 || b > MAX_BODY_CAP)
        {
            return Err(format!("`max_body_bytes` must be from 1 to {MAX_BODY_CAP}"));
        }
        if spec.body.is_some() && spec.json.is_some() {
            return Err("set `body` or `json`, not both".to_owned());
        }
        if let Some(budget) = spec.expect.latency
            && let (Some(warn), Some(fail)) = (budget.warn, budget.fail)
            && warn > fail
        {
            return Err(format!("latency `warn` ({warn}) is above `fail` ({fail})"));
        }
        let assertions = spec
            .expect
            .json
            .iter()
            .cloned()
            .map(CompiledAssertion::new)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            info,
            spec,
            method,
            assertions,
        })
    }

    fn request(&self, cx: &Context) -> Result<HttpRequest, Misconfigured> {
        let url = cx
            .expand_url(&self.spec.url)
            .map_err(|e| ("url", e.to_string()))?;
        let bearer = match &self.spec.token {
            Some(name) => Some(cx.token(name).map_err(|e| ("token", e.to_string()))?),
            None => None,
        };
        let body = match (&self.spec.body, &self.spec.json) {
            (Some(text), _) => Some((
                "text/plain; charset=utf-8".to_owned(),
                text.clone().into_bytes(),
            )),
            (None, Some(json)) => {
                Some(("application/json".to_owned(), json.to_string().into_bytes()))
            }
            (None, None) => None,
        };
        Ok(HttpRequest {
            method: self.method.clone(),
            url,
            headers: self
                .spec
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            bearer,
            body,
            timeout: probe::DEFAULT_BUDGET,
            follow_redirects: true,
            body_cap: self.spec.max_body_bytes.unwrap_or(DEFAULT_BODY_CAP),
        })
    }

    fn policy(&self) -> RetryPolicy {
        let mut policy = RetryPolicy {
            retries: self.spec.retries,
            ..RetryPolicy::default()
        };
        if let Some(backoff) = self.spec.retry_backoff {
            policy.backoff = backoff.get();
        }
        policy
    }

    /// The findings on a response: each a verdict and the observation behind it.
    fn judge(&self, cx: &Context, response: &HttpResponse) -> Vec<(Verdict, Observation)> {
        let expect = &self.spec.expect;
        let mut findings = Vec::new();
        let status_ok = match &expect.status {
            Some(allowed) => allowed.allows(response.status),
            None => (200..300).contains(&response.status),
        };
        if !status_ok {
            let expected = match &expect.status {
                Some(allowed) if allowed.0.len() == 1 => Value::from(allowed.0[0]),
                Some(allowed) => Value::from(allowed.0.clone()),
                None => Value::from("2xx"),
            };
            findings.push((
                Verdict::Fail,
                Observation::new("status", response.status, expected, "status"),
            ));
        }
        for (name, wanted) in &expect.headers {
            let found = response.header(name);
            if !found.is_some_and(|v| {
                v.to_ascii_lowercase()
                    .contains(&wanted.to_ascii_lowercase())
            }) {
                let observed = found.map_or(Value::from("absent"), |v| {
                    Value::from(cx.redactor().redact(v).into_owned())
                });
                findings.push((
                    Verdict::Fail,
                    Observation::new(
                        format!("header {name}"),
                        observed,
                        format!("contains {wanted}"),
                        "header",
                    ),
                ));
            }
        }
        if let Some(budget) = expect.latency {
            let ms = u64::try_from(response.latency.as_millis()).unwrap_or(u64::MAX);
            let over =
                |limit: Option<crate::HumanDuration>| limit.filter(|l| response.latency > l.get());
            if let Some(limit) = over(budget.fail) {
                findings.push((
                    Verdict::Fail,
                    latency_observation(ms, limit.get(), "latency.fail"),
                ));
            } else if let Some(limit) = over(budget.warn) {
                findings.push((
                    Verdict::Warn,
                    latency_observation(ms, limit.get(), "latency.warn"),
                ));
            }
        }
        // A status the plan does not allow is the answer, and leads: the body of an error
        // page is read for what it explains (a health body's status and output), never judged
        // unreadable, and JSON assertions are for the answer the plan expects.
        if expect.health {
            // A body quoted back (a plain-text line, a component's output) may echo a secret.
            findings.extend(
                health_findings(response, cx.redactor())
                    .into_iter()
                    .filter(|(verdict, _)| status_ok || *verdict != Verdict::Error)
                    .map(|(verdict, mut observation)| {
                        observation.redact(cx.redactor());
                        (verdict, observation)
                    }),
            );
        }
        if !self.assertions.is_empty() && status_ok {
            findings.extend(self.json_findings(cx, response));
        }
        findings
    }

    fn json_findings(&self, cx: &Context, response: &HttpResponse) -> Vec<(Verdict, Observation)> {
        let unreadable = |why: String| {
            vec![(
                Verdict::Error,
                Observation::new("body", why, "a JSON body", "json"),
            )]
        };
        let mut body = match json::parse_body(response) {
            Ok(body) => body,
            Err(JsonError::Empty) => return unreadable("empty".to_owned()),
            Err(e) => return unreadable(e.to_string()),
        };
        // Values that came from secrets are hidden before any observation can copy them.
        cx.redactor().redact_json(&mut body);
        self.assertions
            .iter()
            .filter_map(|a| a.check(&body))
            .map(|o| (Verdict::Fail, o))
            .collect()
    }
}

fn latency_observation(ms: u64, limit: Duration, rule: &str) -> Observation {
    let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
    Observation::new("latency", ms, format!("<= {limit_ms}"), rule).unit("ms")
}

fn health_findings(
    response: &HttpResponse,
    redactor: &crate::Redactor,
) -> Vec<(Verdict, Observation)> {
    let reading = match health::read_redacted(response, redactor) {
        Ok(reading) => reading,
        Err(why) => {
            return vec![(
                Verdict::Error,
                Observation::new("health", why, "a health status", "health"),
            )];
        }
    };
    let overall = match reading.status {
        HealthStatus::Pass => Verdict::Pass,
        HealthStatus::Warn => Verdict::Warn,
        HealthStatus::Fail => Verdict::Fail,
        HealthStatus::Unknown => Verdict::Inconclusive,
    };
    let mut findings = Vec::new();
    if overall != Verdict::Pass {
        let mut observed = match reading.http_override {
            Some(code) => format!("{} with HTTP {code}", reading.reported),
            None => reading.reported.clone(),
        };
        if let Some(output) = &reading.output {
            observed.push_str(&format!(" ({})", clip(output)));
        }
        findings.push((
            overall,
            Observation::new("health.status", observed, "pass", "health"),
        ));
    }
    for component in reading.components {
        // The top level is not a strict roll-up (the draft's own example passes with warning
        // checks): a failing component under a passing service is still worth a warning, and
        // fails only when the service says it fails too. A component whose status cannot be
        // read warns, named, never skipped.
        let (verdict, observed) = match &component.status {
            Some(status) => (
                match (HealthStatus::parse(status), overall) {
                    (Some(HealthStatus::Fail), Verdict::Fail) => Verdict::Fail,
                    _ => Verdict::Warn,
                },
                match &component.output {
                    Some(output) => format!("{status}: {}", clip(output)),
                    None => status.clone(),
                },
            ),
            None => (
                Verdict::Warn,
                format!(
                    "unreadable: {}",
                    component.output.as_deref().unwrap_or("no status")
                ),
            ),
        };
        findings.push((
            verdict,
            Observation::new(
                format!("health.{}", component.name),
                observed,
                "pass",
                "health.component",
            ),
        ));
    }
    findings
}

impl Gate for HttpGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let request = match self.request(cx) {
            Ok(request) => request,
            Err((what, problem)) => return probe::misconfigured(what, problem),
        };
        let budget = probe::Budget::start(self.info.timeout);
        let exchange = probe::send(cx, request.clone(), self.policy(), budget).await;
        let evidence = exchange_evidence(self.method.as_str(), &request, &exchange);
        let response = match &exchange.result {
            Ok(response) => response,
            Err(error) => {
                let mut evaluation =
                    probe::no_response(cx, error, exchange.attempts, "response").evidence(evidence);
                evaluation.attempts = exchange.attempts;
                return probe::explain(evaluation, &request, &exchange);
            }
        };
        let findings = self.judge(cx, response);
        let verdict = worst(findings.iter().map(|(v, _)| *v));
        let summary = match findings.iter().find(|(v, _)| *v == verdict) {
            None => format!("{} in {}", response.status, probe::took(response)),
            Some((deciding, o)) => {
                let mut summary = finding_line(*deciding, o);
                // A status that leads is followed by what the body said about it (a health
                // body's status and output).
                if o.name == "status"
                    && let Some((v, next)) = findings
                        .iter()
                        .find(|(v, n)| *v != Verdict::Pass && n.name != "status")
                {
                    summary.push_str("; ");
                    summary.push_str(&finding_line(*v, next));
                }
                summary
            }
        };
        let mut evaluation = Evaluation::new(verdict, summary)
            .observations(findings.into_iter().map(|(_, o)| o))
            .evidence(evidence);
        evaluation.attempts = exchange.attempts;
        probe::explain(evaluation, &request, &exchange)
    }
}

/// One finding as a summary says it: `name: observed, expected X`, or for an unreadable
/// answer (its own explanation) `name: why`.
fn finding_line(verdict: Verdict, o: &Observation) -> String {
    if verdict == Verdict::Error {
        return format!("{}: {}", o.name, plain(&o.observed));
    }
    let unit = o
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    format!(
        "{}: {}{unit}, expected {}{unit}",
        o.name,
        plain(&o.observed),
        plain(&o.expected)
    )
}
