use futures_util::future::join_all;
use serde_json::{Value, json};

use super::spec::{AiRuntimeGateSpec, Probe, Require};
use crate::gate::worst;
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation, Verdict};
use crate::net::check_retries;
use crate::net::{DEFAULT_BODY_CAP, HttpRequest, HttpResponse, RetryPolicy};
use crate::probe::{self, Exchange, Misconfigured, parse_json};
use crate::text::{clip, plain};

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
    pub fn new(
        info: GateInfo,
        spec: AiRuntimeGateSpec,
    ) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(info: GateInfo, spec: AiRuntimeGateSpec) -> Result<Self, String> {
        check_retries(spec.retries)?;
        if spec.probe == Probe::DryRun && spec.roles.is_empty() {
            return Err("a dry-run probe needs `roles`, the critical roles to probe".to_owned());
        }
        Ok(Self { info, spec })
    }

    fn request(&self, cx: &Context, body: Option<Value>) -> Result<HttpRequest, Misconfigured> {
        let default = match self.spec.probe {
            Probe::Health => HEALTH_PATH,
            Probe::DryRun => DRY_RUN_PATH,
        };
        let url = cx
            .expand_url(self.spec.url.as_deref().unwrap_or(default))
            .map_err(|e| ("url", e.to_string()))?;
        let bearer = cx
            .token(&self.spec.token)
            .map_err(|e| ("token", e.to_string()))?;
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
        let budget = probe::Budget::start(self.info.timeout);
        probe::send(cx, request, policy, budget).await
    }

    async fn health(&self, cx: &Context) -> Evaluation {
        let request = match self.request(cx, None) {
            Ok(request) => request,
            Err((what, problem)) => return probe::misconfigured(what, problem),
        };
        let exchange = self.exchange(cx, request.clone()).await;
        let attempts = exchange.attempts;
        let mut evaluation = match &exchange.result {
            Err(e) => probe::no_response(cx, e, attempts, "ai-runtime.health"),
            Ok(response) => judge_health(cx, response),
        };
        evaluation.attempts = attempts;
        probe::explain(evaluation, &request, &exchange)
    }

    async fn dry_run(&self, cx: &Context) -> Evaluation {
        let mut requests = Vec::new();
        for role in &self.spec.roles {
            match self.request(cx, Some(json!({ "role": role }))) {
                Ok(request) => requests.push((role, request)),
                Err((what, problem)) => return probe::misconfigured(what, problem),
            }
        }
        let results = join_all(requests.into_iter().map(|(role, request)| async move {
            let exchange = self.exchange(cx, request.clone()).await;
            (role, request, exchange)
        }))
        .await;
        let mut succeeded = Vec::new();
        let mut failed = Vec::new();
        let mut errors = 0;
        let mut attempts = 0;
        for (role, request, exchange) in &results {
            attempts = attempts.max(exchange.attempts);
            match &exchange.result {
                Ok(response) => match dry_run_outcome(cx, role, response) {
                    Ok(latency) => succeeded.push((role.as_str(), latency)),
                    Err(mut why) => {
                        // The same notes the other gates add to their summary.
                        if let Some(redirect) = probe::cross_host(request, response) {
                            why.push_str(&format!(" ({redirect})"));
                        }
                        if let Some(note) = &exchange.not_retried {
                            why.push_str(&format!("; {note}"));
                        }
                        failed.push(Observation::new(
                            format!("dry-run.{role}"),
                            why,
                            "ok",
                            "dry_run",
                        ));
                    }
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
        // A `Retry-After` a role's retries could not read, once per role.
        let notes: Vec<Evidence> = results
            .iter()
            .flat_map(|(role, _, exchange)| {
                exchange
                    .notes
                    .iter()
                    .map(move |note| Evidence::new("retry", format!("{role}: {note}")))
            })
            .collect();
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
                    .map(|o| Evidence::new(o.name.clone(), plain(&o.observed))),
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
                    .map(|o| plain(&o.observed))
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
        evaluation = evaluation.evidence(evidence).evidence(notes);
        evaluation.attempts = attempts.max(1);
        evaluation
    }
}

/// The dry-run answer: `Ok(latency)` when `ok` is true.
fn dry_run_outcome(
    cx: &Context,
    role: &str,
    response: &HttpResponse,
) -> Result<Option<u64>, String> {
    if !(200..300).contains(&response.status) {
        // The status leads; the body's own words (`error` or `message`) follow.
        return Err(probe::status_said(cx, response));
    }
    let body = parse_json(response)?;
    if let Some(answered) = body.get("role").and_then(Value::as_str)
        && answered != role
    {
        return Err(format!("answered for another role: {}", clip(answered)));
    }
    match body.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(body.get("latencyMs").and_then(Value::as_u64)),
        Some(false) => {
            let why = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("ok: false");
            Err(format!("failed: {}", clip(&cx.redactor().redact(why))))
        }
        None => Err("the answer has no boolean `ok`".to_owned()),
    }
}

fn judge_health(cx: &Context, response: &HttpResponse) -> Evaluation {
    let malformed = |why: String| {
        Evaluation::error(format!("unreadable ai-runtime health: {why}")).observation(
            Observation::new("ai-runtime.health", why, "a health summary", "json"),
        )
    };
    if !(200..300).contains(&response.status) {
        return Evaluation::fail(probe::status_said(cx, response)).observation(Observation::new(
            "status",
            response.status,
            "2xx",
            "status",
        ));
    }
    let body = match parse_json(response) {
        Ok(body) => body,
        Err(why) => return malformed(why),
    };
    let summary = body.get("summary");
    // `summary.x` or a top-level `x`; a body that gives both is judged on both, never on the
    // first found: two answers that differ are a contradiction, and the worse one counts.
    let both = |name: &str| -> Vec<(String, &Value)> {
        let mut found = Vec::new();
        if let Some(value) = summary.and_then(|s| s.get(name)) {
            found.push((format!("summary.{name}"), value));
        }
        if let Some(value) = body.get(name) {
            found.push((name.to_owned(), value));
        }
        found
    };
    let healths = both("health");
    // A top-level `health` that is not a string (an object of details, say) is not a second
    // answer when `summary.health` gives one; with no string at all there is no answer.
    let answers: Vec<(&String, &str)> = healths
        .iter()
        .filter_map(|(name, value)| value.as_str().map(|health| (name, health)))
        .collect();
    if answers.is_empty() {
        return malformed(match healths.first() {
            Some((name, value)) => format!(
                "`{name}` is {}, not a string",
                crate::net::shape::kind(value)
            ),
            None => "no `summary.health` string".to_owned(),
        });
    }
    let mut observations: Vec<(Verdict, Observation)> = Vec::new();
    for (name, health) in answers {
        if !health.trim().eq_ignore_ascii_case("ok") {
            observations.push((
                Verdict::Fail,
                Observation::new(
                    name.clone(),
                    crate::names::escaped(health).into_owned(),
                    "ok",
                    "eq",
                ),
            ));
        }
    }
    let counts = both("rolesBlocked");
    if counts.is_empty() {
        return malformed("no `rolesBlocked` count under `summary` or at the top level".to_owned());
    }
    let mut blocked_counts = Vec::new();
    for (name, count) in &counts {
        match count.as_u64() {
            Some(count) => blocked_counts.push((name.clone(), count)),
            None => {
                return malformed(format!(
                    "`{name}` is {}, not a count",
                    match count {
                        Value::Number(_) => crate::number::value_text(count),
                        other => crate::net::shape::kind(other).to_owned(),
                    }
                ));
            }
        }
    }
    let blocked = blocked_counts
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or_default();
    if blocked > 0 {
        let observed = if blocked_counts.iter().any(|(_, n)| *n != blocked) {
            // Said with both counts, since one of them claims nothing is blocked.
            Value::from(
                blocked_counts
                    .iter()
                    .map(|(name, n)| format!("{name} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        } else {
            Value::from(blocked)
        };
        let name = blocked_counts
            .iter()
            .find(|(_, n)| *n == blocked)
            .map_or("summary.rolesBlocked".to_owned(), |(name, _)| name.clone());
        observations.push((Verdict::Fail, Observation::new(name, observed, 0, "eq")));
    }
    let field = |name: &str| summary.and_then(|s| s.get(name)).or_else(|| body.get(name));
    let total = field("rolesTotal").and_then(Value::as_u64);
    if total == Some(0) {
        observations.push((
            Verdict::Fail,
            Observation::new("summary.rolesTotal", 0, ">= 1", "ge"),
        ));
    }
    let mut blocked_names = Vec::new();
    for role in body
        .get("roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = role.get("role").and_then(Value::as_str).map_or_else(
            || "unnamed role".to_owned(),
            |n| crate::names::escaped(n).into_owned(),
        );
        // Read as health statuses are: case and surrounding whitespace mean nothing, so
        // `"BLOCKED "` is blocked, not a word the gate does not know.
        let status = match role.get("status") {
            Some(Value::String(status)) => Ok(status.trim()),
            Some(other) => Err(format!(
                "status {}, not a string",
                crate::net::shape::kind(other)
            )),
            None => Err("status missing".to_owned()),
        };
        let reason = role.get("blockedReason").filter(|r| !r.is_null());
        let is_blocked = status
            .as_ref()
            .is_ok_and(|s| s.eq_ignore_ascii_case("blocked"));
        if is_blocked || reason.is_some() {
            let reason = reason.and_then(Value::as_str).unwrap_or("blocked");
            let reason = clip(&cx.redactor().redact(reason));
            blocked_names.push(name.clone());
            observations.push((
                Verdict::Fail,
                Observation::new(
                    format!("roles.{name}"),
                    format!("blocked: {reason}"),
                    "ready",
                    "role",
                ),
            ));
        } else {
            // Not blocked, not ready either (starting, unavailable, a word the gate does not
            // know, no status at all): a warning that names it, not a rollback.
            let observed = match &status {
                Ok(status) if status.eq_ignore_ascii_case("ready") => continue,
                Ok(status) => clip(&crate::names::escaped(status)),
                Err(why) => why.clone(),
            };
            observations.push((
                Verdict::Warn,
                Observation::new(format!("roles.{name}"), observed, "ready", "role"),
            ));
        }
    }
    let verdict = worst(observations.iter().map(|(v, _)| *v));
    let summary = if observations.is_empty() {
        match total {
            Some(total) => format!("health ok, {total} roles, none blocked"),
            None => "health ok, no roles blocked".to_owned(),
        }
    } else if !blocked_names.is_empty() || blocked > 0 {
        let count = blocked.max(blocked_names.len() as u64);
        let plural = if count == 1 { "role" } else { "roles" };
        let named = if blocked_names.is_empty() {
            String::new()
        } else {
            format!(": {}", blocked_names.join(", "))
        };
        format!("{count} {plural} blocked{named}")
    } else {
        observations
            .iter()
            .find(|(v, _)| *v == verdict)
            .map(|(_, o)| {
                format!(
                    "{}: {}, expected {}",
                    o.name,
                    plain(&o.observed),
                    plain(&o.expected)
                )
            })
            .unwrap_or_default()
    };
    Evaluation::new(verdict, summary)
        .observations(observations.into_iter().map(|(_, o)| o))
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
