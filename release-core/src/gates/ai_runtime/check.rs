use futures_util::future::join_all;
use serde_json::{Value, json};

use super::spec::{AiRuntimeGateSpec, Probe, Require};
use crate::clients::{DEFAULT_BODY_CAP, HttpRequest, HttpResponse, RetryPolicy};
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation};
use crate::gates::http::exchange::{self, Exchange};

const HEALTH_PATH: &str = "{api_url}/api/admin/ai-runtime/health";
const DRY_RUN_PATH: &str = "{api_url}/api/admin/ai-runtime/dry-run";

/// The AI runtime control plane: health (`summary.health == "ok"`, no blocked roles, each
/// blocked role named) or dry-run probes of critical roles.
///
/// ```
/// use release_core::gates::ai_runtime::{AiRuntimeGate, AiRuntimeGateSpec};
/// let spec: AiRuntimeGateSpec = toml::from_str("probe = 'dry-run'\nroles = ['support-agent']").unwrap();
/// let gate = AiRuntimeGate::new(release_core::GateInfo::new("ai-dry-run", "ai-runtime"), spec).unwrap();
/// ```
#[derive(Debug)]
pub struct AiRuntimeGate {
    info: GateInfo,
    spec: AiRuntimeGateSpec,
}

impl AiRuntimeGate {
    /// A gate from its spec; a dry-run needs at least one role.
    pub fn new(info: GateInfo, spec: AiRuntimeGateSpec) -> Result<Self, String> {
        if spec.probe == Probe::DryRun && spec.roles.is_empty() {
            return Err("a dry-run probe needs `roles`, the critical roles to probe".to_owned());
        }
        Ok(Self { info, spec })
    }

    fn request(&self, cx: &Context, body: Option<Value>) -> Result<HttpRequest, Evaluation> {
        let default = match self.spec.probe {
            Probe::Health => HEALTH_PATH,
            Probe::DryRun => DRY_RUN_PATH,
        };
        let url = cx
            .expand_url(self.spec.url.as_deref().unwrap_or(default))
            .map_err(|e| exchange::misconfigured("url", e))?;
        let bearer = cx
            .token(&self.spec.token)
            .map_err(|e| exchange::misconfigured("token", e))?;
        let mut request = HttpRequest::get(url);
        request.bearer = Some(bearer);
        request.body_cap = DEFAULT_BODY_CAP;
        if let Some(body) = body {
            request.method = reqwest::Method::POST;
            request.body = Some(("application/json".to_owned(), body.to_string().into_bytes()));
        }
        Ok(request)
    }

    async fn exchange(&self, cx: &Context, request: HttpRequest) -> Exchange {
        let policy = RetryPolicy {
            retries: self.spec.retries,
            ..RetryPolicy::default()
        };
        exchange::send(cx, request, policy, exchange::budget(self.info.timeout)).await
    }

    async fn health(&self, cx: &Context) -> Evaluation {
        let request = match self.request(cx, None) {
            Ok(request) => request,
            Err(evaluation) => return evaluation,
        };
        let exchange = self.exchange(cx, request).await;
        let attempts = exchange.attempts;
        let mut evaluation = match &exchange.result {
            Err(e) => exchange::no_response(cx, e, attempts, "ai-runtime.health"),
            Ok(response) => judge_health(cx, response),
        };
        evaluation.attempts = attempts;
        evaluation
    }

    async fn dry_run(&self, cx: &Context) -> Evaluation {
        let mut requests = Vec::new();
        for role in &self.spec.roles {
            match self.request(cx, Some(json!({ "role": role }))) {
                Ok(request) => requests.push((role, request)),
                Err(evaluation) => return evaluation,
            }
        }
        let results = join_all(
            requests
                .into_iter()
                .map(|(role, request)| async move { (role, self.exchange(cx, request).await) }),
        )
        .await;
        let mut succeeded = Vec::new();
        let mut failed = Vec::new();
        let mut errors = 0;
        let mut attempts = 0;
        for (role, exchange) in &results {
            attempts += exchange.attempts;
            match &exchange.result {
                Ok(response) => match dry_run_outcome(cx, response) {
                    Ok(latency) => succeeded.push((role.as_str(), latency)),
                    Err(why) => failed.push(Observation::new(
                        format!("dry-run.{role}"),
                        why,
                        "ok",
                        "dry_run",
                    )),
                },
                Err(e) => {
                    errors += 1;
                    let why = cx.redactor().redact(&e.message).into_owned();
                    failed.push(Observation::new(
                        format!("dry-run.{role}"),
                        why,
                        "a response",
                        "reachable",
                    ));
                }
            }
        }
        let total = results.len();
        let enough = match self.spec.require {
            Require::Any => !succeeded.is_empty(),
            Require::All => failed.is_empty(),
        };
        let evidence: Vec<Evidence> = succeeded
            .iter()
            .map(|(role, latency)| {
                Evidence::new(
                    format!("dry-run.{role}"),
                    match latency {
                        Some(ms) => format!("ok in {ms} ms"),
                        None => "ok".to_owned(),
                    },
                )
            })
            .chain(
                failed
                    .iter()
                    .map(|o| Evidence::new(o.name.clone(), crate::gates::http::plain(&o.observed))),
            )
            .collect();
        let mut evaluation = if enough {
            Evaluation::pass(format!(
                "{} of {total} roles answered the dry-run",
                succeeded.len()
            ))
        } else if errors == total {
            // Nothing answered at all: the probe could not run, which is not the same as a
            // runtime that answered "no".
            Evaluation::error(format!(
                "no role could be probed: {}",
                failed
                    .first()
                    .map(|o| crate::gates::http::plain(&o.observed))
                    .unwrap_or_default()
            ))
            .observations(failed)
        } else {
            let rule = match self.spec.require {
                Require::Any => "at least one role",
                Require::All => "every role",
            };
            Evaluation::fail(format!(
                "{} of {total} roles failed the dry-run; {rule} must succeed",
                failed.len()
            ))
            .observations(failed)
        };
        evaluation = evaluation.evidence(evidence);
        evaluation.attempts = attempts.max(1);
        evaluation
    }
}

/// The dry-run answer: `Ok(latency)` when `ok` is true.
fn dry_run_outcome(cx: &Context, response: &HttpResponse) -> Result<Option<u64>, String> {
    if !(200..300).contains(&response.status) {
        return Err(format!("status {}", response.status));
    }
    let body = parse_json(response)?;
    match body.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(body.get("latencyMs").and_then(Value::as_u64)),
        Some(false) => {
            let why = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("ok: false");
            Err(format!("failed: {}", cx.redactor().redact(why)))
        }
        None => Err("the answer has no boolean `ok`".to_owned()),
    }
}

/// The body as JSON, or why it is not.
pub(crate) fn parse_json(response: &HttpResponse) -> Result<Value, String> {
    if response.truncated {
        return Err(format!(
            "the body is larger than the {} byte cap",
            response.body.len()
        ));
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err("empty body".to_owned());
    }
    serde_json::from_slice(&response.body).map_err(|e| format!("malformed JSON: {e}"))
}

fn judge_health(cx: &Context, response: &HttpResponse) -> Evaluation {
    let malformed = |why: String| {
        Evaluation::error(format!("unreadable ai-runtime health: {why}")).observation(
            Observation::new("ai-runtime.health", why, "a health summary", "json"),
        )
    };
    if !(200..300).contains(&response.status) {
        return Evaluation::fail(format!("status {}", response.status))
            .observation(Observation::new("status", response.status, "2xx", "status"));
    }
    let body = match parse_json(response) {
        Ok(body) => body,
        Err(why) => return malformed(why),
    };
    let summary = body.get("summary");
    let field = |name: &str| summary.and_then(|s| s.get(name)).or_else(|| body.get(name));
    let Some(health) = field("health").and_then(Value::as_str) else {
        return malformed("no `summary.health` string".to_owned());
    };
    let Some(blocked) = field("rolesBlocked").and_then(Value::as_u64) else {
        return malformed("no `rolesBlocked` count under `summary` or at the top level".to_owned());
    };
    let blocked_roles: Vec<(String, String)> = body
        .get("roles")
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .filter(|r| {
                    r.get("status")
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case("blocked"))
                        || r.get("blockedReason").is_some_and(|b| !b.is_null())
                })
                .map(|r| {
                    let name = r
                        .get("role")
                        .and_then(Value::as_str)
                        .unwrap_or("unnamed role")
                        .to_owned();
                    let reason = r
                        .get("blockedReason")
                        .and_then(Value::as_str)
                        .unwrap_or("blocked")
                        .to_owned();
                    (name, cx.redactor().redact(&reason).into_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut observations = Vec::new();
    if !health.eq_ignore_ascii_case("ok") {
        observations.push(Observation::new("summary.health", health, "ok", "eq"));
    }
    if blocked > 0 {
        observations.push(Observation::new("summary.rolesBlocked", blocked, 0, "eq"));
    }
    for (role, reason) in &blocked_roles {
        observations.push(Observation::new(
            format!("roles.{role}"),
            format!("blocked: {reason}"),
            "ready",
            "role",
        ));
    }
    let evaluation = if observations.is_empty() {
        let total = field("rolesTotal").and_then(Value::as_u64);
        Evaluation::pass(match total {
            Some(total) => format!("health ok, {total} roles, none blocked"),
            None => "health ok, no roles blocked".to_owned(),
        })
    } else if blocked > 0 {
        let names: Vec<&str> = blocked_roles.iter().map(|(r, _)| r.as_str()).collect();
        let named = if names.is_empty() {
            String::new()
        } else {
            format!(": {}", names.join(", "))
        };
        let plural = if blocked == 1 { "role" } else { "roles" };
        Evaluation::fail(format!("{blocked} {plural} blocked{named}"))
    } else {
        Evaluation::fail(format!("summary.health is {health}, expected ok"))
    };
    evaluation
        .observations(observations)
        .measurement("roles_blocked", blocked as f64, None)
}

impl Gate for AiRuntimeGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        match self.spec.probe {
            Probe::Health => self.health(cx).await,
            Probe::DryRun => self.dry_run(cx).await,
        }
    }
}
