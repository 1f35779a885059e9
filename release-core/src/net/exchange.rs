//! One HTTP exchange with bounded retries inside a time budget, shared by every HTTP-based
//! gate and upstream client so they all retry, time out and describe failures the same way.

use std::time::Duration;

use tokio::time::Instant;

use super::http::{HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, RetryAfter};
use super::retry::{RetryDecision, RetryPolicy};
use crate::clock::Clock;
use crate::duration::format_duration;

/// The timeout of an HTTP-based gate without its own.
pub(crate) const DEFAULT_BUDGET: Duration = Duration::from_secs(10);

/// The time a gate may spend on its exchanges, and the limit its messages name.
///
/// The deadline is the gate's timeout less a small margin (5%, at most 250 ms), so that the
/// gate reports its own timeout, with the attempts it made, before the runner's backstop
/// fires. The margin is internal: every message names the timeout as configured ("no answer
/// within 5s (the gate's timeout)"), never the remainder an attempt had.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// The timeout as the plan states it, or the default.
    limit: Duration,
    /// Whether the plan set it.
    configured: bool,
    /// Whose timeout it is, for messages: `gate` unless [`Budget::owned_by`] says otherwise.
    owner: &'static str,
    /// When the exchanges must have ended.
    deadline: Instant,
}

impl Budget {
    /// A budget for a gate whose timeout is `timeout` (`None`: the default), from now.
    pub(crate) fn start(timeout: Option<Duration>) -> Self {
        let limit = timeout.unwrap_or(DEFAULT_BUDGET);
        let usable = limit.saturating_sub((limit / 20).min(Duration::from_millis(250)));
        let now = Instant::now();
        // A budget too large to add to now (a hostile plan) is as good as no deadline at all.
        let deadline = now
            .checked_add(usable)
            .unwrap_or(now + Duration::from_secs(86_400 * 365));
        Self {
            limit,
            configured: timeout.is_some(),
            owner: "gate",
            deadline,
        }
    }

    /// The same budget, named in messages as `owner`'s (`the Railway call's timeout`) rather
    /// than a gate's, for exchanges that are not a gate's.
    pub(crate) fn owned_by(mut self, owner: &'static str) -> Self {
        self.owner = owner;
        self
    }

    /// The time left.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The limit in words: `the gate's 5s timeout`.
    fn limit_phrase(&self) -> String {
        let limit = format_duration(self.limit);
        if self.configured {
            format!("the {}'s {limit} timeout", self.owner)
        } else {
            format!("the default {limit} timeout of HTTP gates")
        }
    }

    /// Why an exchange ended without an answer in time: the limit that fired, as configured.
    pub(crate) fn timed_out(&self) -> String {
        let which = if self.configured {
            format!("the {}'s timeout", self.owner)
        } else {
            "the default timeout of HTTP gates".to_owned()
        };
        format!("no answer within {} ({which})", format_duration(self.limit))
    }

    /// Why a call could not start: no time was left for it.
    pub(crate) fn spent(&self) -> String {
        format!("no time left of {} for this call", self.limit_phrase())
    }
}

/// What an exchange is sent with: the HTTP client (or why there is none) and the clock that
/// reads a `Retry-After` date.
#[derive(Debug, Clone)]
pub(crate) struct Wire<'a> {
    /// The client, or why it could not be built (the exchange then ends before any attempt).
    pub(crate) client: Result<&'a HttpClient, HttpError>,
    /// The run's clock.
    pub(crate) clock: &'a dyn Clock,
}

/// What an exchange ended with, and how it got there.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// The last attempt's result.
    pub(crate) result: Result<HttpResponse, HttpError>,
    /// How many attempts were made.
    pub(crate) attempts: u32,
    /// One line per attempt that was retried, e.g. `attempt 1: status 503`.
    pub(crate) retried: Vec<String>,
    /// Why a retry the policy allowed was not made (a `Retry-After` beyond the budget).
    pub(crate) not_retried: Option<String>,
    /// What else the retries went by that a person should know: a `Retry-After` that could
    /// not be read, so the backoff was used instead.
    pub(crate) notes: Vec<String>,
}

/// When an attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// A read: whenever another attempt may help.
    Always,
    /// A POST or PATCH of a probe: when no connection was made, or a 429/503 said "not now".
    /// A timeout or a 500 may have come after the work was done.
    UnlessServed,
    /// A mutation whose repetition would act twice (a deploy): only when the server certainly
    /// did not act, i.e. no connection was made, or a 429. A 503 may come from a proxy after
    /// the request reached the upstream.
    OnlyUnsent,
}

/// Whether another attempt may help, for a request repeated as `repeat` allows.
fn retryable(repeat: Repeat, result: &Result<HttpResponse, HttpError>) -> bool {
    match result {
        Ok(response) if response.status == 429 => true,
        Ok(response) if response.status == 503 => repeat != Repeat::OnlyUnsent,
        Ok(response) => repeat == Repeat::Always && response.status >= 500,
        Err(e) => match e.kind {
            HttpErrorKind::Connect => true,
            HttpErrorKind::Timeout | HttpErrorKind::Body => repeat == Repeat::Always,
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
    wire: Wire<'_>,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Budget,
) -> Exchange {
    let repeat = if matches!(
        request.method,
        reqwest::Method::POST | reqwest::Method::PATCH
    ) {
        Repeat::UnlessServed
    } else {
        Repeat::Always
    };
    send_with(wire, request, policy, budget, repeat).await
}

/// [`send`] for a request that is safe to repeat whatever its method, such as a GraphQL
/// query sent by POST.
pub(crate) async fn send_idempotent(
    wire: Wire<'_>,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Budget,
) -> Exchange {
    send_with(wire, request, policy, budget, Repeat::Always).await
}

/// [`send`] for a request that must not act twice (a deploy, a rollback, a message): sent
/// again only when the server certainly did not act on it, i.e. the connection was never made
/// or it answered 429. A 5xx, a timeout or a connection cut after sending ends the exchange.
pub(crate) async fn send_once(
    wire: Wire<'_>,
    request: HttpRequest,
    policy: RetryPolicy,
    budget: Budget,
) -> Exchange {
    send_with(wire, request, policy, budget, Repeat::OnlyUnsent).await
}

async fn send_with(
    wire: Wire<'_>,
    mut request: HttpRequest,
    policy: RetryPolicy,
    budget: Budget,
    repeat: Repeat,
) -> Exchange {
    let client = match wire.client {
        Ok(client) => client,
        Err(e) => {
            return Exchange {
                result: Err(e),
                attempts: 0,
                retried: Vec::new(),
                not_retried: None,
                notes: Vec::new(),
            };
        }
    };
    let mut attempts = 0;
    let mut retried = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    loop {
        attempts += 1;
        let attempt_start = Instant::now();
        request.timeout = budget.remaining().max(Duration::from_millis(1));
        let result = client.send(&request).await.map_err(|mut e| {
            // Each attempt may use what is left of the budget, so a timeout is the budget's.
            if e.kind == HttpErrorKind::Timeout {
                e.message = budget.timed_out();
            }
            e
        });
        if !retryable(repeat, &result) {
            return Exchange {
                result,
                attempts,
                retried,
                not_retried: None,
                notes,
            };
        }
        let retry_after = match &result {
            Ok(response) => response.retry_after(wire.clock.now().into()),
            Err(_) => RetryAfter::Absent,
        };
        // Another attempt is only worth it if, after the wait, it has as long as this one
        // took; otherwise it would end in a timeout that hides this attempt's real answer.
        let took = attempt_start.elapsed();
        let remaining = budget.remaining().saturating_sub(took);
        let decision = policy.decide(attempts, retry_after.wait(), remaining);
        // A value that cannot be read is said wherever it changed what happened: a retry was
        // left, and the backoff stood in for the server's wait.
        if let RetryAfter::Unreadable(value) = &retry_after
            && decision != RetryDecision::Stop
        {
            let note = format!(
                "Retry-After `{value}` is neither seconds nor an HTTP date; used the backoff"
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        match decision {
            RetryDecision::Stop => {
                return Exchange {
                    result,
                    attempts,
                    retried,
                    not_retried: None,
                    notes,
                };
            }
            RetryDecision::WaitTooLong(wait) => {
                // Only the server's own request needs explaining: a backoff that does not
                // fit after an attempt that used up the budget is plain from the timeout.
                let not_retried = retry_after.wait().map(|_| {
                    let why = if wait > policy.max_wait {
                        format!(
                            "more than the {} a retry may wait",
                            format_duration(policy.max_wait)
                        )
                    } else {
                        format!("longer than {} allows", budget.limit_phrase())
                    };
                    format!(
                        "not retried: the server asked to wait {} ({}), {why}",
                        wait_words(wait),
                        retry_after.named()
                    )
                });
                return Exchange {
                    result,
                    attempts,
                    retried,
                    not_retried,
                    notes,
                };
            }
            RetryDecision::RetryAfter(wait) => {
                let mut line = format!("attempt {attempts}: {}", describe_attempt(&result));
                // The server's own wait is said, since it is not the backoff the plan set.
                if retry_after.wait().is_some() {
                    line.push_str(&format!(
                        ", retried after {} ({})",
                        format_duration(wait),
                        retry_after.named()
                    ));
                }
                retried.push(line);
                tracing::debug!(attempt = attempts, wait = %format_duration(wait), "retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// A wait a server asked for, in words: `45s`, `1h`; past a day only "over a day", since
/// `99999999999999999999` seconds as hours says nothing more.
fn wait_words(wait: Duration) -> String {
    const DAY: Duration = Duration::from_secs(86_400);
    if wait > DAY {
        "over a day".to_owned()
    } else {
        format_duration(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutation_is_repeated_only_when_the_server_certainly_did_not_act() {
        let answer = |status| Ok(crate::net::json::test_response(status, "text/plain", b""));
        let failure = |kind| {
            Err(HttpError {
                kind,
                message: String::new(),
            })
        };
        // (result, read, probe's POST, mutation)
        let cases = [
            (answer(429), true, true, true),
            (answer(503), true, true, false),
            (answer(500), true, false, false),
            (answer(502), true, false, false),
            (answer(400), false, false, false),
            (failure(HttpErrorKind::Connect), true, true, true),
            (failure(HttpErrorKind::Timeout), true, false, false),
            (failure(HttpErrorKind::Body), true, false, false),
            (failure(HttpErrorKind::Request), false, false, false),
        ];
        for (result, read, post, mutation) in cases {
            let what = describe_attempt(&result);
            assert_eq!(retryable(Repeat::Always, &result), read, "read, {what}");
            assert_eq!(
                retryable(Repeat::UnlessServed, &result),
                post,
                "POST, {what}"
            );
            assert_eq!(
                retryable(Repeat::OnlyUnsent, &result),
                mutation,
                "mutation, {what}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_names_the_timeout_as_configured_never_its_margin() {
        let five = Budget::start(Some(Duration::from_secs(5)));
        assert_eq!(five.timed_out(), "no answer within 5s (the gate's timeout)");
        assert_eq!(
            five.remaining(),
            Duration::from_millis(4750),
            "the margin is internal"
        );
        let default = Budget::start(None);
        assert_eq!(
            default.timed_out(),
            "no answer within 10s (the default timeout of HTTP gates)"
        );
        assert_eq!(
            Budget::start(Some(Duration::from_millis(1500))).spent(),
            "no time left of the gate's 1.5s timeout for this call"
        );
        // A hostile plan's timeout does not overflow the clock.
        assert!(Budget::start(Some(Duration::MAX)).remaining() > Duration::from_secs(86_400));
    }
}
