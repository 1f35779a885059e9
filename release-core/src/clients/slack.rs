//! Slack incoming webhooks: a message as Block Kit with a text fallback, posted once (again
//! only after a 429 whose `Retry-After` fits the budget). Slack answers in plain text: `ok`,
//! or a code such as `invalid_payload`, `no_service` or `channel_is_archived`. The webhook
//! URL is the secret: it is never in an error, a log line or a `Debug` output.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::net::exchange::{self, Budget, Wire};
use crate::net::{HttpClient, HttpError, HttpRequest, RetryPolicy};
use crate::secret::Redactor;

/// Block Kit's limits (Slack's reference).
const MAX_BLOCKS: usize = 50;
const MAX_HEADER_CHARS: usize = 150;
const MAX_SECTION_CHARS: usize = 3000;
const MAX_FIELDS: usize = 10;
const MAX_FIELD_CHARS: usize = 2000;
/// The fallback text Slack shows in notifications; it needs no more.
const MAX_TEXT_CHARS: usize = 3000;
/// Slack's answers are a word; a large body is not Slack's.
const BODY_CAP: usize = 16 * 1024;

/// A message: the fallback text and its blocks.
///
/// ```
/// use release_core::clients::slack::SlackMessage;
/// let message = SlackMessage::new("Release 1.4.0 of api started")
///     .header("Release started: api 1.4.0")
///     .fields([("Environment", "production"), ("Version", "1.4.0 <a1b2c3d>")])
///     .context("run 20261204T120000Z-1a2b3c");
/// let json = message.to_json();
/// assert_eq!(json["text"], "Release 1.4.0 of api started");
/// assert_eq!(json["blocks"][0]["type"], "header");
/// // Text from outside cannot make a link or a mention.
/// assert_eq!(json["blocks"][1]["fields"][1]["text"], "*Version*\n1.4.0 &lt;a1b2c3d&gt;");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SlackMessage {
    text: String,
    blocks: Vec<Value>,
}

impl SlackMessage {
    /// A message whose notification (and fallback) text is `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: clip(&mrkdwn_escaped(&text.into()), MAX_TEXT_CHARS),
            blocks: Vec::new(),
        }
    }

    fn push(mut self, block: Value) -> Self {
        if self.blocks.len() < MAX_BLOCKS {
            self.blocks.push(block);
        }
        self
    }

    /// A header block (plain text, at most 150 characters).
    #[must_use]
    pub fn header(self, text: impl Into<String>) -> Self {
        let text = clip(&text.into(), MAX_HEADER_CHARS);
        self.push(json!({ "type": "header", "text": { "type": "plain_text", "text": text, "emoji": true } }))
    }

    /// A section of label/value fields (at most 10, each at most 2000 characters); values
    /// are escaped, labels bold.
    #[must_use]
    pub fn fields<L: AsRef<str>, V: AsRef<str>>(
        self,
        fields: impl IntoIterator<Item = (L, V)>,
    ) -> Self {
        let fields: Vec<Value> = fields
            .into_iter()
            .take(MAX_FIELDS)
            .map(|(label, value)| {
                let text = format!(
                    "*{}*\n{}",
                    mrkdwn_escaped(label.as_ref()),
                    mrkdwn_escaped(value.as_ref())
                );
                json!({ "type": "mrkdwn", "text": clip(&text, MAX_FIELD_CHARS) })
            })
            .collect();
        if fields.is_empty() {
            return self;
        }
        self.push(json!({ "type": "section", "fields": fields }))
    }

    /// A section of text (mrkdwn written by us: `*bold*` works; values inside it must be
    /// escaped by the caller with [`mrkdwn_escaped`]), at most 3000 characters.
    #[must_use]
    pub fn section(self, text: impl Into<String>) -> Self {
        let text = clip(&text.into(), MAX_SECTION_CHARS);
        self.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }))
    }

    /// A line of small print, escaped.
    #[must_use]
    pub fn context(self, text: impl Into<String>) -> Self {
        let text = clip(&mrkdwn_escaped(&text.into()), MAX_SECTION_CHARS);
        self.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": text }] }))
    }

    /// The payload Slack takes.
    pub fn to_json(&self) -> Value {
        json!({ "text": self.text, "blocks": self.blocks })
    }
}

/// `&`, `<` and `>` as Slack's mrkdwn wants them, so outside text cannot make links or
/// mentions (`<!channel>`).
pub fn mrkdwn_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters, the last one `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A post that did not get Slack's `ok`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Slack webhook: {message}")]
pub struct SlackError {
    /// What went wrong, the webhook URL never in it.
    pub message: String,
    /// Attempts made.
    pub attempts: u32,
}

/// A Slack incoming webhook.
pub struct SlackWebhook<'a> {
    http: Result<&'a HttpClient, HttpError>,
    clock: &'a dyn Clock,
    redactor: &'a Redactor,
    /// The webhook URL and its path, hidden wherever the run's secrets are.
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
    /// The webhook at `url` (a secret), on the run's HTTP client; every post ends within
    /// `timeout`, retries included.
    pub fn new(
        http: Result<&'a HttpClient, HttpError>,
        clock: &'a dyn Clock,
        redactor: &'a Redactor,
        url: SecretString,
        timeout: Duration,
    ) -> Self {
        let mut own = Redactor::new();
        own.add(url.expose_secret());
        // The path alone is the secret too (a proxy or library may print it without host).
        if let Ok(parsed) = url::Url::parse(url.expose_secret()) {
            let path = parsed.path();
            if path.len() > 1 {
                own.add(path);
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

    fn error(&self, message: &str, attempts: u32) -> SlackError {
        SlackError {
            message: crate::text::clip(&self.own.redact(&self.redactor.redact(message))),
            attempts,
        }
    }

    /// Posts the message: `Ok` with the attempts made when Slack said `ok`.
    pub async fn post(&self, message: &SlackMessage) -> Result<u32, SlackError> {
        let mut request = HttpRequest::get(self.url.expose_secret().to_owned());
        request.method = reqwest::Method::POST;
        request.body = Some((
            "application/json".to_owned(),
            message.to_json().to_string().into_bytes(),
        ));
        // A redirect would carry the message elsewhere; Slack's webhooks do not redirect.
        request.follow_redirects = false;
        request.body_cap = BODY_CAP;
        let policy = RetryPolicy {
            retries: 2,
            ..RetryPolicy::default()
        };
        let wire = Wire {
            client: self.http.clone(),
            clock: self.clock,
        };
        let exchange =
            exchange::send_mutation(wire, request, policy, Budget::start(Some(self.timeout))).await;
        let attempts = exchange.attempts;
        let response = exchange
            .result
            .map_err(|e| self.error(&e.message, attempts))?;
        let body = String::from_utf8_lossy(&response.body);
        let word = body.trim();
        if response.status == 200 && word == "ok" {
            return Ok(attempts);
        }
        let said = match word.is_empty() {
            true => "an empty body".to_owned(),
            false
                if word.len() <= 64
                    && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                format!("`{word}`")
            }
            false => format!(
                "a body that is not one of Slack's codes ({} bytes{})",
                response.body.len(),
                if response.truncated { ", cut" } else { "" }
            ),
        };
        let mut message = format!("HTTP {} with {said}", response.status);
        if response.status == 429 {
            message.push_str("; rate limited");
            if let Some(why) = exchange.not_retried {
                message.push_str(&format!(" ({why})"));
            }
        }
        Err(self.error(&message, attempts))
    }
}
