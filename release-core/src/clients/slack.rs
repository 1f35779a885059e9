//! A Slack incoming webhook: one message posted, `ok` or the reason Slack gave.
//!
//! Slack answers plain text: `ok` on success, a code such as `no_service` otherwise, and 429
//! with `Retry-After` past about one message a second. The webhook's URL is its credential, so
//! it never appears in an error, a log line or `Debug` output.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::clock::Clock;
use crate::duration::format_duration;
use crate::net::exchange::{self, Budget, Wire};
use crate::net::{HttpClient, HttpError, HttpRequest, RetryPolicy};
use crate::secret::Redactor;

pub use super::slack_message::{
    MAX_BLOCKS, MAX_FIELD_CHARS, MAX_FIELDS, MAX_HEADER_CHARS, MAX_TEXT_CHARS, SlackMessage,
    escape_mrkdwn,
};

/// Retries of a rate-limited post (Slack allows short bursts, then about one a second).
const RATE_LIMIT_RETRIES: u32 = 3;

/// Slack answers a few bytes; anything much longer is not Slack.
const BODY_CAP: usize = 16 * 1024;

/// Characters of an error code quoted from Slack's answer.
const MAX_CODE_CHARS: usize = 60;

/// A posted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlackDelivery {
    /// Attempts made (more than one after a 429).
    pub attempts: u32,
}

/// A message Slack did not take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Slack webhook: {message}")]
pub struct SlackError {
    /// What went wrong, with what to do about it when that is known.
    pub message: String,
    /// Slack's plain-text error code (`no_service`, `invalid_payload`, …), when it gave one.
    pub code: Option<String>,
    /// Whether Slack rate-limited the post past what the timeout allowed to wait.
    pub rate_limited: bool,
    /// Attempts made.
    pub attempts: u32,
}

/// A Slack incoming webhook on a run's HTTP client.
pub struct SlackWebhook<'a> {
    http: Result<&'a HttpClient, HttpError>,
    clock: &'a dyn Clock,
    /// The run's secrets, hidden from every message.
    redactor: &'a Redactor,
    /// The webhook's URL and its parts, hidden from every message.
    own: Redactor,
    url: SecretString,
    timeout: Duration,
}

impl fmt::Debug for SlackWebhook<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackWebhook")
            .field("url", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<'a> SlackWebhook<'a> {
    /// A webhook at `url` (its whole URL is a secret). One post, its retries after a 429
    /// included, takes at most `timeout`.
    ///
    /// `http` is the run's client, or why it could not be built (a post then fails with that
    /// reason); `clock` reads a `Retry-After` date; `redactor` holds the run's other secrets.
    pub fn new(
        http: Result<&'a HttpClient, HttpError>,
        clock: &'a dyn Clock,
        redactor: &'a Redactor,
        url: SecretString,
        timeout: Duration,
    ) -> Self {
        let mut own = Redactor::new();
        let exposed = url.expose_secret().trim();
        own.add(exposed);
        // Messages about a URL show its path (`/services/T…/B…/…`), which is the credential.
        if let Ok(parsed) = reqwest::Url::parse(exposed) {
            own.add(parsed.path());
            if let Some(last) = parsed.path_segments().and_then(|mut s| s.next_back()) {
                own.add(last);
            }
        }
        Self {
            http,
            clock,
            redactor,
            own,
            url,
            timeout,
        }
    }

    fn scrub(&self, text: &str) -> String {
        let text = self.redactor.redact(text);
        crate::text::clip(&self.own.redact(&text))
    }

    /// Posts `message`. Success is HTTP 200 with the body `ok`; anything else is an error
    /// quoting what Slack said.
    pub async fn post(&self, message: &SlackMessage) -> Result<SlackDelivery, SlackError> {
        let failed = |message: String, code: Option<String>, attempts: u32| SlackError {
            message,
            code,
            rate_limited: false,
            attempts,
        };
        let mut request = HttpRequest::get(self.url.expose_secret().trim().to_owned());
        request.method = reqwest::Method::POST;
        request.body = Some((
            "application/json".to_owned(),
            message.to_json().to_string().into_bytes(),
        ));
        // A redirect would carry the message (and the question of where the secret URL
        // leads) elsewhere; Slack does not redirect webhooks.
        request.follow_redirects = false;
        request.body_cap = BODY_CAP;
        let policy = RetryPolicy {
            retries: RATE_LIMIT_RETRIES,
            ..RetryPolicy::default()
        };
        let wire = Wire {
            client: self.http.clone(),
            clock: self.clock,
        };
        // A message posted twice is announced twice: sent again only after a 429 or a
        // connection never made.
        let exchange = exchange::send_once(
            wire,
            request,
            policy,
            Budget::start(Some(self.timeout)).owned_by("announcement"),
        )
        .await;
        let attempts = exchange.attempts;
        let response = match exchange.result {
            Ok(response) => response,
            Err(e) => return Err(failed(self.scrub(&e.message), None, attempts)),
        };
        let body = String::from_utf8_lossy(&response.body);
        let text = body.trim();
        if response.status == 200 && text == "ok" {
            return Ok(SlackDelivery { attempts });
        }
        if response.status == 429 {
            let asked = response
                .retry_after(self.clock.now().into())
                .wait()
                .map(|wait| format!(", Retry-After {}", format_duration(wait)))
                .unwrap_or_default();
            let tries = if attempts == 1 { "attempt" } else { "attempts" };
            return Err(SlackError {
                message: format!(
                    "rate limited by Slack (HTTP 429{asked}) after {attempts} {tries} within the \
                     announcement's {} timeout",
                    format_duration(self.timeout)
                ),
                code: None,
                rate_limited: true,
                attempts,
            });
        }
        let is_code = !text.is_empty()
            && text.len() <= 200
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if is_code {
            // Hidden before it is cut, so no cut leaves part of a secret.
            let code = clip_code(&self.scrub(text));
            let hint = hint(&code).map(|h| format!(" ({h})")).unwrap_or_default();
            return Err(failed(
                format!("HTTP {}: {code}{hint}", response.status),
                Some(code),
                attempts,
            ));
        }
        let kind = response
            .content_type()
            .unwrap_or_else(|| "no content type".to_owned());
        let size = if response.truncated {
            format!("over {BODY_CAP} bytes")
        } else {
            format!("{} bytes", response.body.len())
        };
        // The content type is the server's text too.
        let kind = self.scrub(&kind);
        Err(failed(
            format!(
                "HTTP {} with a body that is not Slack's (`ok` or an error code): {kind}, {size}; \
                 a proxy or a wrong URL?",
                response.status
            ),
            None,
            attempts,
        ))
    }
}

fn clip_code(code: &str) -> String {
    if code.chars().count() <= MAX_CODE_CHARS {
        code.to_owned()
    } else {
        format!("{}…", code.chars().take(MAX_CODE_CHARS).collect::<String>())
    }
}

/// What a Slack error code means for the person who set up the webhook.
fn hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "no_service" => "the webhook was revoked or deleted; create a new one",
        "channel_is_archived" => "the webhook's channel is archived",
        "channel_not_found" => "the webhook's channel no longer exists",
        "action_prohibited" => "an admin restricted posting to the channel",
        "invalid_token" | "no_team" => "the webhook's URL is not valid",
        "invalid_payload" | "invalid_blocks" | "invalid_blocks_format" | "no_text" => {
            "Slack refused the message's shape"
        }
        "rollup_error" => "Slack failed on its side; try again later",
        _ => return None,
    })
}
