//! What every HTTP-based gate does with an exchange: send it with the run's client and clock,
//! add credentials, and turn what came back into an evaluation worded the same way for every
//! kind. Below the gate kinds, so no kind reaches into another's internals.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::format_duration;
use crate::gate::{Context, Evaluation, Evidence, Observation};
use crate::net::exchange::{self, Wire};
pub(crate) use crate::net::exchange::{Budget, DEFAULT_BUDGET, Exchange};
use crate::net::json::{self, JsonError};
use crate::net::{HttpError, HttpErrorKind, HttpRequest, HttpResponse, RetryPolicy};

/// Sends the request with the context's client and clock; see [`exchange::send`].
pub(crate) async fn send(
    cx: &Context,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Budget,
) -> Exchange {
    let wire = Wire {
        client: cx.http(),
        clock: cx.clock(),
    };
    exchange::send(wire, request, policy, budget).await
}

/// [`send`] for a request that is safe to repeat whatever its method.
pub(crate) async fn send_idempotent(
    cx: &Context,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Budget,
) -> Exchange {
    let wire = Wire {
        client: cx.http(),
        clock: cx.clock(),
    };
    exchange::send_idempotent(wire, request, policy, budget).await
}

/// HTTP Basic credentials, by the names of the variables that hold them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// The variable holding the user name.
    pub user: String,
    /// The variable holding the password (treated as a secret).
    pub password: String,
}

/// Adds a bearer token (by its plan name) or Basic credentials to a request; the error names
/// what is missing, never a value.
pub(crate) fn request_auth(
    cx: &Context,
    request: &mut HttpRequest,
    token: Option<&str>,
    basic: Option<&BasicAuth>,
) -> Result<(), String> {
    if token.is_some() && basic.is_some() {
        return Err("set `token` or `basic_auth`, not both".to_owned());
    }
    if let Some(name) = token {
        request.bearer = Some(cx.token(name).map_err(|e| e.to_string())?);
    }
    if let Some(basic) = basic {
        let read = |var: &str| match cx.vars().get(var) {
            Some(value) if !value.expose().is_empty() => Ok(value.expose().to_owned()),
            Some(_) => Err(format!("basic_auth: {var} is set but empty")),
            None => Err(format!("basic_auth: {var} is not set")),
        };
        let credential = crate::clients::prometheus::basic_credential(
            &read(&basic.user)?,
            &read(&basic.password)?,
        );
        request
            .headers
            .push(("authorization".to_owned(), credential));
    }
    Ok(())
}

/// The body as JSON, or why it is not (see [`crate::net::json`]).
pub(crate) fn parse_json(response: &HttpResponse) -> Result<serde_json::Value, String> {
    json::parse_body(response).map_err(|e| match e {
        JsonError::Truncated { cap } => format!("the body is larger than the {cap} byte cap"),
        other => other.to_string(),
    })
}

/// Evidence of the exchange: the request, and each retried attempt.
pub(crate) fn exchange_evidence(
    method: &str,
    request: &HttpRequest,
    exchange: &Exchange,
) -> Vec<Evidence> {
    let shown_url = reqwest::Url::parse(&request.url)
        .map(|u| crate::net::redact_url(&u))
        .unwrap_or_else(|_| "an invalid URL".to_owned());
    let mut evidence = vec![Evidence::new("request", format!("{method} {shown_url}"))];
    if let Ok(response) = &exchange.result
        && response.final_url != shown_url
    {
        evidence.push(Evidence::new("redirected to", response.final_url.clone()));
    }
    if let Ok(response) = &exchange.result {
        evidence.push(Evidence::new(
            "response",
            format!(
                "{} in {}, {} bytes{}",
                response.status,
                format_duration(response.latency),
                response.body.len(),
                if response.truncated {
                    " (cut at the cap)"
                } else {
                    ""
                }
            ),
        ));
    }
    evidence.extend(
        exchange
            .retried
            .iter()
            .map(|line| Evidence::new("retried", line.clone())),
    );
    evidence
}

/// The evaluation of an exchange that got no response: `error`, with the reason and the
/// attempts, redacted.
pub(crate) fn no_response(
    cx: &Context,
    error: &HttpError,
    exchange_attempts: u32,
    what: &str,
) -> Evaluation {
    let message = cx.redactor().redact(&error.message).into_owned();
    let attempts = match exchange_attempts {
        0 | 1 => String::new(),
        n => format!(" after {n} attempts"),
    };
    let rule = match error.kind {
        HttpErrorKind::Timeout => "timeout",
        HttpErrorKind::Connect => "reachable",
        HttpErrorKind::Redirect => "redirect",
        HttpErrorKind::Body => "body",
        HttpErrorKind::Request => "request",
    };
    Evaluation::error(format!("{message}{attempts}")).observation(Observation::new(
        what,
        message,
        "a response",
        rule,
    ))
}

/// A config problem found before sending: what is wrong (`url`, `token`) and why.
pub(crate) type Misconfigured = (&'static str, String);

/// A config problem found at run time (a missing base URL or token): `error`, naming it.
pub(crate) fn misconfigured(what: &str, problem: impl std::fmt::Display) -> Evaluation {
    let problem = problem.to_string();
    Evaluation::error(problem.clone()).observation(Observation::new(
        what,
        problem,
        "configured",
        "config",
    ))
}

/// A status that is not 2xx as a summary leads with it: `status 500`, followed by the body's
/// own words when it is JSON with an `error` or `message` string (`status 500: model
/// unavailable`), redacted and clipped.
pub(crate) fn status_said(cx: &Context, response: &HttpResponse) -> String {
    let said = crate::net::json::parse_body(response)
        .ok()
        .and_then(|body| {
            ["error", "message"].iter().find_map(|key| {
                body.get(key)
                    .and_then(serde_json::Value::as_str)
                    .map(|s| s.trim().to_owned())
            })
        })
        .filter(|s| !s.is_empty());
    match said {
        Some(said) => format!(
            "status {}: {}",
            response.status,
            crate::text::clip(&cx.redactor().redact(&said))
        ),
        None => format!("status {}", response.status),
    }
}

/// How long a response took, for summaries.
pub(crate) fn took(response: &HttpResponse) -> String {
    format_duration(response.latency)
}

/// The phrase for a followed redirect that left the request's origin (scheme, host, port),
/// e.g. `redirected to another host, http://other:8080/health, which the token is never sent
/// to`; `None` when the answer came from where the request went.
pub(crate) fn cross_host(request: &HttpRequest, response: &HttpResponse) -> Option<String> {
    let from = reqwest::Url::parse(&request.url).ok()?;
    let to = reqwest::Url::parse(&response.final_url).ok()?;
    if from.origin() == to.origin() {
        return None;
    }
    // reqwest drops `Authorization` (and cookies) on such a redirect; a request that
    // carried credentials reached the other host without them.
    let credentials = request.bearer.is_some()
        || request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
    let note = if credentials {
        ", which the token is never sent to"
    } else {
        ""
    };
    Some(format!(
        "redirected to another host, {}{note}",
        response.final_url
    ))
}

/// What every HTTP-based gate adds to its evaluation of an exchange: a followed cross-host
/// redirect (evidence, and in a non-passing summary, since it often explains a 401 or 404),
/// and why a retry was not made.
pub(crate) fn explain(
    mut evaluation: Evaluation,
    request: &HttpRequest,
    exchange: &Exchange,
) -> Evaluation {
    let passed = evaluation.verdict == crate::gate::Verdict::Pass;
    if let Ok(response) = &exchange.result
        && let Some(redirect) = cross_host(request, response)
    {
        if !evaluation
            .evidence
            .iter()
            .any(|e| e.name == "redirected to")
        {
            evaluation.evidence.push(crate::gate::Evidence::new(
                "redirected to",
                response.final_url.clone(),
            ));
        }
        if !passed {
            evaluation.summary.push_str(&format!(" ({redirect})"));
        }
    }
    if let Some(why) = &exchange.not_retried {
        evaluation
            .evidence
            .push(crate::gate::Evidence::new("retry", why.clone()));
        if !passed {
            evaluation.summary.push_str(&format!("; {why}"));
        }
    }
    evaluation.evidence.extend(
        exchange
            .notes
            .iter()
            .map(|note| crate::gate::Evidence::new("retry", note.clone())),
    );
    evaluation
}
