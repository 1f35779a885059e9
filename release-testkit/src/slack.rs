//! A mock of a Slack incoming webhook: plain-text answers, recorded payloads, injected errors.

use std::collections::VecDeque;
use std::fmt;

use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Request, ResponseTemplate};

use crate::fault::Fault;
use crate::mock::{self, StatefulMock, Upstream};

const NAME: &str = "Slack webhook";

/// Block Kit's limit on blocks per message.
const MAX_BLOCKS: usize = 50;
/// Block Kit's limit on a `header` block's text.
const MAX_HEADER: usize = 150;

/// A Slack incoming webhook on loopback. [`url`](Self::url) looks like a real webhook
/// (`http://127.0.0.1:PORT/services/T…/B…/<secret>`); a `POST` there with a JSON body that has
/// `text` or `blocks` gets `200 ok` in plain text, as from Slack. Otherwise, as Slack answers
/// (plain-text codes):
///
/// - a body that is not a JSON object: `400 invalid_payload`;
/// - neither a non-empty `text` nor `blocks`: `400 no_text`;
/// - more than 50 blocks, or a `header` block over 150 characters: `400 invalid_blocks`;
/// - another path or method: `404 no_service` (a revoked webhook).
///
/// [`reply_next`](Self::reply_next) makes the next posts get another answer first (429 with
/// `Retry-After`, `no_service`, `channel_is_archived`, `rollup_error`, a hang). Every request
/// is recorded: [`payloads`](Self::payloads) has the JSON bodies, [`posts`](Self::posts) the
/// raw ones with the answer each got.
///
/// ```
/// use release_testkit::{SlackMock, SlackReply};
/// use serde_json::json;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let slack = SlackMock::start().await;
/// slack.reply_next(1, SlackReply::RateLimited { retry_after_secs: 1 }).await;
///
/// let client = reqwest::Client::new();
/// let post = || client.post(slack.url()).body(json!({ "text": "Release 1.4.0 started" }).to_string()).send();
/// let first = post().await.unwrap();
/// assert_eq!(first.status(), 429);
/// assert_eq!(first.headers()["retry-after"], "1");
/// let second = post().await.unwrap();
/// assert_eq!(second.status(), 200);
/// assert_eq!(second.text().await.unwrap(), "ok");
///
/// let payloads = slack.payloads().await;
/// assert_eq!(payloads.len(), 2);
/// assert_eq!(payloads[1]["text"], "Release 1.4.0 started");
/// assert_eq!(slack.posts().await[0].status, 429);
/// # });
/// ```
pub struct SlackMock {
    mock: StatefulMock<Slack>,
}

/// An answer [`SlackMock::reply_next`] gives instead of the normal one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlackReply {
    /// `200 ok`, whatever the payload.
    Ok,
    /// `429` with `Retry-After: retry_after_secs` and the body `rate_limited`.
    RateLimited {
        /// Seconds.
        retry_after_secs: u64,
    },
    /// `status` with the plain-text `code`: `(404, "no_service")`, `(410,
    /// "channel_is_archived")`, `(400, "invalid_payload")`, `(500, "rollup_error")`,
    /// `(403, "action_prohibited")`, … A status HTTP cannot carry is sent as 500.
    Error {
        /// The HTTP status.
        status: u16,
        /// The body.
        code: String,
    },
    /// No answer for [`Fault::HANG`] (an hour).
    Hang,
}

impl SlackReply {
    /// `404 no_service`: the webhook was revoked.
    ///
    /// ```
    /// use release_testkit::SlackReply;
    /// assert_eq!(
    ///     SlackReply::no_service(),
    ///     SlackReply::Error { status: 404, code: "no_service".into() }
    /// );
    /// ```
    pub fn no_service() -> Self {
        Self::error(404, "no_service")
    }

    /// `410 channel_is_archived`.
    pub fn channel_is_archived() -> Self {
        Self::error(410, "channel_is_archived")
    }

    /// `400 invalid_payload`.
    pub fn invalid_payload() -> Self {
        Self::error(400, "invalid_payload")
    }

    /// `500 rollup_error`: Slack failed.
    pub fn rollup_error() -> Self {
        Self::error(500, "rollup_error")
    }

    fn error(status: u16, code: &str) -> Self {
        Self::Error {
            status,
            code: code.to_owned(),
        }
    }

    /// `(status, body)` as sent, and the template that sends them.
    fn answer(&self) -> ((u16, String), ResponseTemplate) {
        match self {
            Self::Ok => plain(200, "ok"),
            Self::RateLimited { retry_after_secs } => {
                let (sent, template) = plain(429, "rate_limited");
                (
                    sent,
                    template.insert_header("retry-after", retry_after_secs.to_string()),
                )
            }
            Self::Error { status, code } => {
                let status = if crate::recorded::valid_status(*status) {
                    *status
                } else {
                    500
                };
                plain(status, code)
            }
            Self::Hang => {
                let (sent, template) = plain(200, "ok");
                (sent, template.set_delay(Fault::HANG))
            }
        }
    }
}

/// One request the [`SlackMock`] received. Its `Debug` output shows the path's secret part as
/// `[redacted]`, as a webhook URL must never be shown.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct SlackPost {
    /// The method.
    pub method: String,
    /// The path (the webhook's secret is in it).
    pub path: String,
    /// Every header in the order received, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// The body as JSON, when it is JSON.
    pub payload: Option<Value>,
    /// The HTTP status it was answered.
    pub status: u16,
    /// The plain-text body it was answered (`ok`, `no_text`, …).
    pub answer: String,
}

impl SlackPost {
    /// The first value of header `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        mock::header(&self.headers, name)
    }
}

impl fmt::Debug for SlackPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.replace(SlackMock::SECRET, "[redacted]");
        f.debug_struct("SlackPost")
            .field("method", &self.method)
            .field("path", &path)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("status", &self.status)
            .field("answer", &self.answer)
            .finish()
    }
}

#[derive(Debug, Default)]
struct Slack {
    replies: VecDeque<(u64, SlackReply)>,
    /// The status and body of the last answer, for its record.
    last: (u16, String),
}

impl Upstream for Slack {
    type Recorded = SlackPost;

    fn record(request: &Request) -> SlackPost {
        SlackPost {
            method: request.method.as_str().to_owned(),
            path: request.url.path().to_owned(),
            headers: mock::headers(request),
            body: request.body.clone(),
            payload: serde_json::from_slice(&request.body).ok(),
            status: 0,
            answer: String::new(),
        }
    }

    fn answer(&mut self, _recorded: &SlackPost, request: &Request) -> ResponseTemplate {
        let (last, template) = self.answer_post(request);
        self.last = last;
        template
    }

    fn answered(&mut self, recorded: &mut SlackPost) {
        (recorded.status, recorded.answer) = std::mem::take(&mut self.last);
    }
}

impl Slack {
    /// `(status, body)` and the template for `request`.
    fn answer_post(&mut self, request: &Request) -> ((u16, String), ResponseTemplate) {
        if !request.method.as_str().eq_ignore_ascii_case("POST")
            || request.url.path() != SlackMock::PATH
        {
            return plain(404, "no_service");
        }
        if let Some(reply) = self.next_reply() {
            return reply.answer();
        }
        match check_payload(&request.body) {
            Ok(()) => plain(200, "ok"),
            Err(code) => plain(400, code),
        }
    }

    fn next_reply(&mut self) -> Option<SlackReply> {
        while let Some((times, reply)) = self.replies.front_mut() {
            if *times == 0 {
                self.replies.pop_front();
                continue;
            }
            *times -= 1;
            let reply = reply.clone();
            if self.replies.front().is_some_and(|(times, _)| *times == 0) {
                self.replies.pop_front();
            }
            return Some(reply);
        }
        None
    }
}

/// Slack's verdict on a body: `Ok`, or the plain-text code of a 400.
fn check_payload(body: &[u8]) -> Result<(), &'static str> {
    let Ok(Value::Object(payload)) = serde_json::from_slice::<Value>(body) else {
        return Err("invalid_payload");
    };
    let text = payload
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|text| !text.trim().is_empty());
    let blocks = payload.get("blocks");
    let attachments = payload
        .get("attachments")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty());
    match blocks {
        None => {}
        Some(Value::Array(blocks)) => {
            if blocks.len() > MAX_BLOCKS || blocks.iter().any(bad_block) {
                return Err("invalid_blocks");
            }
            if !blocks.is_empty() {
                return Ok(());
            }
        }
        Some(_) => return Err("invalid_blocks"),
    }
    if text || attachments {
        Ok(())
    } else {
        Err("no_text")
    }
}

fn bad_block(block: &Value) -> bool {
    let Some(kind) = block.get("type").and_then(Value::as_str) else {
        return true;
    };
    kind == "header"
        && block["text"]["text"]
            .as_str()
            .is_none_or(|text| text.chars().count() > MAX_HEADER)
}

fn plain(status: u16, body: &str) -> ((u16, String), ResponseTemplate) {
    ((status, body.to_owned()), text(status, body))
}

fn text(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_owned(), "text/plain; charset=utf-8")
}

impl SlackMock {
    /// The webhook's secret part: what must never appear in any output (use it as a canary).
    ///
    /// ```
    /// use release_testkit::SlackMock;
    /// assert!(SlackMock::PATH.ends_with(SlackMock::SECRET));
    /// ```
    pub const SECRET: &str = "rk7Qx2Vn9LwC4sHt8JbY3mPz";

    /// The webhook's path, shaped like Slack's `/services/T…/B…/…`.
    pub const PATH: &str = "/services/T0TESTKIT/B0RELEASE/rk7Qx2Vn9LwC4sHt8JbY3mPz";

    /// Starts the webhook on a random loopback port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (like wiremock's `MockServer::start`).
    pub async fn start() -> SlackMock {
        SlackMock {
            mock: StatefulMock::start(NAME, any(), Slack::default()).await,
        }
    }

    /// The webhook URL, `http://127.0.0.1:PORT/services/T0TESTKIT/B0RELEASE/<secret>` (for
    /// `SLACK_WEBHOOK_URL`).
    ///
    /// ```
    /// use release_testkit::SlackMock;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let slack = SlackMock::start().await;
    /// assert!(slack.url().starts_with("http://127.0.0.1:"));
    /// assert!(slack.url().contains("/services/T"));
    /// assert!(slack.url().ends_with(SlackMock::SECRET));
    /// # });
    /// ```
    pub fn url(&self) -> String {
        format!("{}{}", self.mock.uri(), Self::PATH)
    }

    /// The next `times` posts get `reply` (before any check of the payload); replies queued
    /// before go first.
    ///
    /// ```
    /// use release_testkit::{SlackMock, SlackReply};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let slack = SlackMock::start().await;
    /// slack.reply_next(1, SlackReply::no_service()).await;
    /// slack.reply_next(1, SlackReply::channel_is_archived()).await;
    /// let client = reqwest::Client::new();
    /// let mut answers = Vec::new();
    /// for _ in 0..3 {
    ///     let reply = client.post(slack.url()).body(r#"{"text":"hi"}"#).send().await.unwrap();
    ///     answers.push((reply.status().as_u16(), reply.text().await.unwrap()));
    /// }
    /// assert_eq!(answers, [
    ///     (404, "no_service".to_owned()),
    ///     (410, "channel_is_archived".to_owned()),
    ///     (200, "ok".to_owned()),
    /// ]);
    /// # });
    /// ```
    pub async fn reply_next(&self, times: u64, reply: SlackReply) {
        self.mock
            .with(|slack| slack.replies.push_back((times, reply)));
    }

    /// Every request received, oldest first, with the answer it got.
    pub async fn posts(&self) -> Vec<SlackPost> {
        self.mock.requests()
    }

    /// The JSON bodies of every request received, oldest first (whatever the answer; filter
    /// [`posts`](Self::posts) on `status` for those Slack accepted).
    pub async fn payloads(&self) -> Vec<Value> {
        self.mock
            .requests()
            .into_iter()
            .filter_map(|post| post.payload)
            .collect()
    }
}

impl fmt::Debug for SlackMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackMock").finish_non_exhaustive()
    }
}
