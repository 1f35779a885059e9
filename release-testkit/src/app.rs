//! The mock app's API and web surfaces: what each endpoint answers in each scenario.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::after_deploy::LiveScenario;
use crate::embedded;
use crate::scenario::Scenario;
use crate::times;

/// An endpoint of the API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Health,
    Ready,
    AuthSession,
    Projects,
    AiRuntimeHealth,
    DryRun,
    Sessions,
}

impl Endpoint {
    pub(crate) const ALL: [Endpoint; 7] = [
        Self::Health,
        Self::Ready,
        Self::AuthSession,
        Self::Projects,
        Self::AiRuntimeHealth,
        Self::DryRun,
        Self::Sessions,
    ];

    pub(crate) fn method(self) -> &'static str {
        match self {
            Self::AuthSession | Self::DryRun => "POST",
            _ => "GET",
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::Health => "/health",
            Self::Ready => "/ready",
            Self::AuthSession => "/api/auth/session",
            Self::Projects => "/api/projects",
            Self::AiRuntimeHealth => "/api/admin/ai-runtime/health",
            Self::DryRun => "/api/admin/ai-runtime/dry-run",
            Self::Sessions => "/api/admin/agent-gateway/sessions",
        }
    }

    fn admin(self) -> bool {
        matches!(self, Self::AiRuntimeHealth | Self::DryRun | Self::Sessions)
    }
}

/// Answers one endpoint of the API server for the environment's scenario, counting its
/// requests (for `flaky`).
#[derive(Debug)]
pub(crate) struct EndpointResponder {
    endpoint: Endpoint,
    scenario: LiveScenario,
    admin_token: Arc<str>,
    requests: AtomicU64,
}

impl EndpointResponder {
    pub(crate) fn new(endpoint: Endpoint, scenario: LiveScenario, admin_token: Arc<str>) -> Self {
        Self {
            endpoint,
            scenario,
            admin_token,
            requests: AtomicU64::new(0),
        }
    }

    pub(crate) fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The scenario's answer, sent after the scenario's own delay plus `extra`.
    pub(crate) fn respond_delayed(&self, request: &Request, extra: Duration) -> ResponseTemplate {
        let seen = self.requests.fetch_add(1, Ordering::Relaxed);
        let scenario = self.scenario.now();
        let template = if scenario == Scenario::Flaky && seen < Scenario::FLAKY_FAILURES {
            ResponseTemplate::new(503).set_body_raw("service unavailable", "text/plain")
        } else if scenario == Scenario::ApiDown {
            // Only reached when the app went down after a deploy: the port stays open, so the
            // platform's edge answers for the app, as Railway's does.
            json_response(
                502,
                &json!({ "status": "error", "code": 502, "message": "Application failed to respond" }),
            )
        } else if self.endpoint.admin() && !self.authorized(request) {
            json_response(401, &json!({ "error": "unauthorized" }))
        } else {
            self.answer(request, scenario)
        };
        let delay = match scenario {
            Scenario::Degraded => Scenario::DEGRADED_DELAY + extra,
            _ => extra,
        };
        if delay.is_zero() {
            template
        } else {
            template.set_delay(delay)
        }
    }

    fn authorized(&self, request: &Request) -> bool {
        let Some(value) = request
            .headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
        else {
            return false;
        };
        let Some((scheme, credentials)) = value.trim().split_once(' ') else {
            return false;
        };
        scheme.eq_ignore_ascii_case("bearer") && credentials.trim() == &*self.admin_token
    }

    fn answer(&self, request: &Request, scenario: Scenario) -> ResponseTemplate {
        match self.endpoint {
            Endpoint::Health => {
                let case = match scenario {
                    Scenario::Degraded => "health-json-warn",
                    _ => "health-json-pass",
                };
                recorded_now("health", case)
            }
            Endpoint::Ready => {
                let verbose = request.url.query_pairs().any(|(key, _)| key == "verbose");
                let case = if verbose {
                    "readyz-verbose-passed"
                } else {
                    "plain-ok"
                };
                embedded::response("health", case).template()
            }
            Endpoint::AuthSession => auth_session(request),
            Endpoint::Projects => json_response(200, &projects()),
            Endpoint::AiRuntimeHealth => recorded_now("ai-runtime", ai_runtime_case(scenario)),
            Endpoint::DryRun => dry_run(request, scenario),
            Endpoint::Sessions => sessions(request, scenario),
        }
    }
}

fn ai_runtime_case(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::RolesBlocked => "health-roles-blocked",
        _ => "health-ok",
    }
}

/// `{"role": "..."}`: `ok: true` for a ready role, `ok: false` with the reason for a blocked
/// one (both HTTP 200), 404 for a role the runtime does not know, 400 for a body without a
/// role.
fn dry_run(request: &Request, scenario: Scenario) -> ResponseTemplate {
    let role = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| body.get("role")?.as_str().map(str::to_owned));
    let Some(role) = role else {
        return json_response(
            400,
            &json!({ "ok": false, "error": "expected a JSON body {\"role\": \"...\"}" }),
        );
    };
    let health = embedded::response("ai-runtime", ai_runtime_case(scenario)).body;
    let entry = health["roles"]
        .as_array()
        .and_then(|roles| roles.iter().find(|entry| entry["role"] == role.as_str()));
    let Some(entry) = entry else {
        return json_response(
            404,
            &json!({ "ok": false, "role": role, "error": format!("unknown role: {role}") }),
        );
    };
    match entry["blockedReason"].as_str() {
        Some(reason) => {
            let mut failed = embedded::response("ai-runtime", "dry-run-failed");
            failed.body["role"] = json!(role);
            failed.body["error"] = json!(format!("role blocked: {reason}"));
            failed.template()
        }
        None => {
            let mut ok = embedded::response("ai-runtime", "dry-run-ok");
            ok.body["output"] = json!(format!("dry run passed: {role} answered the probe prompt"));
            ok.body["role"] = json!(role);
            ok.template()
        }
    }
}

/// The recorded sample moved to the request time, cut to `limit` when one is given.
fn sessions(request: &Request, scenario: Scenario) -> ResponseTemplate {
    let case = match scenario {
        Scenario::StaleSessions => "sessions-stale",
        _ => "sessions-fresh",
    };
    let mut recorded = embedded::response("agent-gateway", case);
    times::shift_to_now(&mut recorded.body);
    let limit = request
        .url
        .query_pairs()
        .find(|(key, _)| key == "limit")
        .and_then(|(_, value)| value.parse::<usize>().ok());
    if let (Some(limit), Some(sessions)) = (limit, recorded.body["sessions"].as_array_mut()) {
        sessions.truncate(limit);
    }
    recorded.template()
}

/// Makes an [`EndpointResponder`] shared with fault injection usable as a wiremock responder.
#[derive(Debug, Clone)]
pub(crate) struct Serve(pub(crate) Arc<EndpointResponder>);

impl Respond for Serve {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond_delayed(request, Duration::ZERO)
    }
}

/// A recorded response with its timestamps moved to now.
fn recorded_now(system: &str, case: &str) -> ResponseTemplate {
    let mut recorded = embedded::response(system, case);
    times::shift_to_now(&mut recorded.body);
    recorded.template()
}

/// `POST /api/auth/session`: any JSON object (or no body) signs in the demo user; a body that is
/// not a JSON object is a 400.
fn auth_session(request: &Request) -> ResponseTemplate {
    let body_ok = request.body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<Value>(&request.body).is_ok_and(|body| body.is_object());
    if !body_ok {
        return json_response(400, &json!({ "error": "expected a JSON object body" }));
    }
    json_response(
        200,
        &json!({
            "token": "demo-session-5e2b7c9d41a8f036",
            "user": {
                "id": "u_1001",
                "email": "demo@acme.example",
                "name": "Demo Operator",
                "role": "admin"
            }
        }),
    )
}

fn projects() -> Value {
    json!([
        { "id": "p_101", "name": "Acme Web", "slug": "acme-web", "status": "active",
          "updatedAt": "2026-11-26T16:42:00Z" },
        { "id": "p_102", "name": "Billing Portal", "slug": "billing-portal", "status": "active",
          "updatedAt": "2026-11-25T09:13:00Z" },
        { "id": "p_103", "name": "Support Console", "slug": "support-console", "status": "archived",
          "updatedAt": "2026-10-30T12:00:00Z" }
    ])
}

pub(crate) fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    // Serializing a `Value` cannot fail: its map keys are strings.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    ResponseTemplate::new(status).set_body_raw(bytes, "application/json")
}

/// `GET /` and `GET /login` of the web server.
pub(crate) fn web_page(title: &str) -> ResponseTemplate {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} · Acme</title></head>\n\
         <body><main><h1>{title}</h1><p>Acme web (release-testkit mock)</p></main></body>\n</html>\n"
    );
    ResponseTemplate::new(200).set_body_raw(html, "text/html; charset=utf-8")
}
