//! One HTTP exchange with bounded retries inside a time budget, shared by every HTTP-based
//! gate so they all retry, time out and describe failures the same way.

use std::time::Duration;

use tokio::time::Instant;

use crate::clients::{
    HttpError, HttpErrorKind, HttpRequest, HttpResponse, RetryDecision, RetryPolicy,
};
use crate::duration::format_duration;
use crate::gate::{Context, Evaluation, Observation};

/// The budget of a gate without its own timeout.
pub(crate) const DEFAULT_BUDGET: Duration = Duration::from_secs(10);

/// What an exchange ended with, and how it got there.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// The last attempt's result.
    pub(crate) result: Result<HttpResponse, HttpError>,
    /// How many attempts were made.
    pub(crate) attempts: u32,
    /// One line per attempt that was retried, e.g. `attempt 1: status 503`.
    pub(crate) retried: Vec<String>,
}

/// The time a gate may spend: its timeout, less a small margin so the gate reports its own
/// timeout (with the attempts it made) before the runner's backstop fires.
pub(crate) fn budget(timeout: Option<Duration>) -> Duration {
    let timeout = timeout.unwrap_or(DEFAULT_BUDGET);
    timeout.saturating_sub((timeout / 20).min(Duration::from_millis(250)))
}

/// Whether another attempt may help. A method that changes state (POST, PATCH) is retried only
/// when the server surely did not act: no connection, or a 429/503 that says "not now". A
/// timeout or a 500 may have come after the work was done.
fn retryable(idempotent: bool, result: &Result<HttpResponse, HttpError>) -> bool {
    match result {
        Ok(response) if response.status == 429 || response.status == 503 => true,
        Ok(response) => idempotent && response.status >= 500,
        Err(e) => match e.kind {
            HttpErrorKind::Connect => true,
            HttpErrorKind::Timeout | HttpErrorKind::Body => idempotent,
            HttpErrorKind::Request | HttpErrorKind::Redirect => false,
        },
    }
}

fn describe_attempt(result: &Result<HttpResponse, HttpError>) -> String {
    match result {
        Ok(response) => format!("status {}", response.status),
        Err(e) => e.message.clone(),
    }
}

/// Sends the request, retrying as the policy allows while time is left in `budget`; a POST
/// or PATCH is retried only when the server surely did not act on it.
pub(crate) async fn send(
    cx: &Context,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Duration,
) -> Exchange {
    let idempotent = !matches!(
        request.method,
        reqwest::Method::POST | reqwest::Method::PATCH
    );
    send_with(cx, request, policy, budget, idempotent).await
}

/// [`send`] for a request that is safe to repeat whatever its method, such as a GraphQL
/// query sent by POST.
pub(crate) async fn send_idempotent(
    cx: &Context,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Duration,
) -> Exchange {
    send_with(cx, request, policy, budget, true).await
}

async fn send_with(
    cx: &Context,
    mut request: HttpRequest,
    policy: RetryPolicy,
    budget: Duration,
    idempotent: bool,
) -> Exchange {
    // A budget too large to add to now (a hostile plan) is as good as no deadline at all.
    let start = Instant::now();
    let deadline = start
        .checked_add(budget)
        .unwrap_or(start + Duration::from_secs(86_400 * 365));
    let client = match cx.http() {
        Ok(client) => client,
        Err(e) => {
            return Exchange {
                result: Err(e),
                attempts: 0,
                retried: Vec::new(),
            };
        }
    };
    let mut attempts = 0;
    let mut retried = Vec::new();
    loop {
        attempts += 1;
        let attempt_start = Instant::now();
        let remaining = deadline.saturating_duration_since(attempt_start);
        request.timeout = remaining.max(Duration::from_millis(1));
        let result = client.send(&request).await;
        if !retryable(idempotent, &result) {
            return Exchange {
                result,
                attempts,
                retried,
            };
        }
        let retry_after = result.as_ref().ok().and_then(HttpResponse::retry_after);
        // Another attempt is only worth it if, after the wait, it has as long as this one
        // took; otherwise it would end in a timeout that hides this attempt's real answer.
        let took = attempt_start.elapsed();
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(took);
        match policy.decide(attempts, retry_after, remaining) {
            RetryDecision::Stop => {
                return Exchange {
                    result,
                    attempts,
                    retried,
                };
            }
            RetryDecision::RetryAfter(wait) => {
                retried.push(format!("attempt {attempts}: {}", describe_attempt(&result)));
                tracing::debug!(attempt = attempts, wait = %format_duration(wait), "retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
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
pub(crate) fn misconfigured(what: &str, problem: String) -> Evaluation {
    Evaluation::error(problem.clone()).observation(Observation::new(
        what,
        problem,
        "configured",
        "config",
    ))
}

/// How long a response took, for summaries.
pub(crate) fn took(response: &HttpResponse) -> String {
    format_duration(response.latency)
}
