//! The Slack incoming-webhook client over real HTTP on loopback (wiremock): `ok` is the only
//! success, Slack's codes are quoted, 429 waits within the timeout, a hung webhook costs its
//! timeout, and the webhook's URL (its credential) appears in no error or `Debug` output.

use std::time::Duration;

use release_core::clients::slack::{SlackError, SlackMessage, SlackWebhook};
use release_core::net::HttpClient;
use release_core::{Redactor, SecretString, SystemClock};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The secret part of the canary webhook's URL.
const CANARY_PATH: &str = "/services/T0CANARY/B0CANARY/canaryWebhookSecret9f8e7d";

struct Parts {
    http: HttpClient,
    clock: SystemClock,
    redactor: Redactor,
}

impl Parts {
    fn new() -> Self {
        Self {
            http: HttpClient::new().unwrap(),
            clock: SystemClock,
            redactor: Redactor::new(),
        }
    }

    fn webhook(&self, base: &str, timeout: Duration) -> SlackWebhook<'_> {
        let url = SecretString::from(format!("{base}{CANARY_PATH}"));
        SlackWebhook::new(Ok(&self.http), &self.clock, &self.redactor, url, timeout)
    }
}

fn message() -> SlackMessage {
    SlackMessage::new("Release 1.4.0 started")
        .header("Release started")
        .fields([("Environment", "production")])
}

fn shown(error: &SlackError) -> String {
    let text = format!("{error} {error:?}");
    for part in [CANARY_PATH, "canaryWebhookSecret9f8e7d"] {
        assert!(!text.contains(part), "the webhook URL leaked: {text}");
    }
    text
}

async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CANARY_PATH))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn ok_is_delivered_with_the_message_as_sent() {
    let server = answering(ResponseTemplate::new(200).set_body_string("ok")).await;
    let parts = Parts::new();
    let webhook = parts.webhook(&server.uri(), Duration::from_secs(5));
    let delivery = webhook.post(&message()).await.unwrap();
    assert_eq!(delivery.attempts, 1);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body, message().to_json());
    assert_eq!(
        requests[0].headers["content-type"].to_str().unwrap(),
        "application/json"
    );
    let debug = format!("{webhook:?}");
    assert!(!debug.contains("canary"), "{debug}");
}

#[tokio::test]
async fn each_slack_error_code_is_quoted_with_what_it_means() {
    let cases = [
        (400, "invalid_payload", "refused the message's shape"),
        (400, "invalid_blocks", "refused the message's shape"),
        (403, "action_prohibited", "restricted"),
        (404, "no_service", "revoked or deleted"),
        (404, "channel_not_found", "no longer exists"),
        (410, "channel_is_archived", "archived"),
        (500, "rollup_error", "on its side"),
        (200, "something_new", ""),
    ];
    for (status, code, meaning) in cases {
        let server = answering(ResponseTemplate::new(status).set_body_string(code)).await;
        let parts = Parts::new();
        let webhook = parts.webhook(&server.uri(), Duration::from_secs(5));
        let error = webhook.post(&message()).await.unwrap_err();
        let text = shown(&error);
        assert_eq!(error.code.as_deref(), Some(code));
        assert!(text.contains(&format!("HTTP {status}: {code}")), "{text}");
        assert!(text.contains(meaning), "{text}");
        // A refused message is not sent again: a 5xx may come after it was posted.
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{code}");
    }
}

#[tokio::test]
async fn a_long_code_is_clipped() {
    let server = answering(ResponseTemplate::new(400).set_body_string("x_".repeat(90))).await;
    let parts = Parts::new();
    let error = parts
        .webhook(&server.uri(), Duration::from_secs(5))
        .post(&message())
        .await
        .unwrap_err();
    let code = error.code.clone().unwrap();
    assert!(code.ends_with('…') && code.chars().count() == 61, "{code}");
    shown(&error);
}

#[tokio::test]
async fn a_429_waits_its_retry_after_then_delivers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let parts = Parts::new();
    let delivery = parts
        .webhook(&server.uri(), Duration::from_secs(10))
        .post(&message())
        .await
        .unwrap();
    assert_eq!(delivery.attempts, 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_429_past_the_timeout_names_the_rate_limit() {
    let server = answering(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "30")
            .set_body_string("rate_limited"),
    )
    .await;
    let parts = Parts::new();
    let error = parts
        .webhook(&server.uri(), Duration::from_secs(5))
        .post(&message())
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(error.rate_limited);
    assert!(
        text.contains("rate limited by Slack (HTTP 429, Retry-After 30s)"),
        "{text}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_429_without_end_is_retried_a_few_times_only() {
    let server = answering(ResponseTemplate::new(429).insert_header("Retry-After", "0")).await;
    let parts = Parts::new();
    let error = parts
        .webhook(&server.uri(), Duration::from_secs(10))
        .post(&message())
        .await
        .unwrap_err();
    shown(&error);
    assert!(error.rate_limited);
    assert_eq!(error.attempts, 4);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_hanging_webhook_costs_its_timeout() {
    let server = answering(
        ResponseTemplate::new(200)
            .set_body_string("ok")
            .set_delay(Duration::from_secs(60)),
    )
    .await;
    let parts = Parts::new();
    let error = parts
        .webhook(&server.uri(), Duration::from_secs(1))
        .post(&message())
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(
        text.contains("no answer within 1s (the announcement's timeout)"),
        "{text}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn bodies_that_are_not_slacks_are_described_never_quoted() {
    let cases = [
        (
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Sign in</body></html>", "text/html"),
            "text/html, 33 bytes",
        ),
        (
            ResponseTemplate::new(200).set_body_raw(vec![b'a'; 2 * 1024 * 1024], "text/plain"),
            "over 16384 bytes",
        ),
        (ResponseTemplate::new(200), "0 bytes"),
        (
            ResponseTemplate::new(302).insert_header("Location", "http://127.0.0.1:1/x"),
            "HTTP 302",
        ),
    ];
    for (template, expected) in cases {
        let server = answering(template).await;
        let parts = Parts::new();
        let error = parts
            .webhook(&server.uri(), Duration::from_secs(5))
            .post(&message())
            .await
            .unwrap_err();
        let text = shown(&error);
        assert!(text.contains(expected), "{expected}: {text}");
        assert!(!text.contains("Sign in"), "{text}");
        assert_eq!(error.code, None);
    }
}

#[tokio::test]
async fn a_refused_connection_names_no_url() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let parts = Parts::new();
    let error = parts
        .webhook(&base, Duration::from_secs(5))
        .post(&message())
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(text.contains("cannot connect"), "{text}");
}

#[tokio::test]
async fn an_http_client_that_could_not_be_built_is_an_error_not_a_panic() {
    let parts = Parts::new();
    let url = SecretString::from(format!("http://127.0.0.1:9{CANARY_PATH}"));
    let broken = Err(release_core::net::HttpError {
        kind: release_core::net::HttpErrorKind::Request,
        message: format!("TLS set-up failed for http://127.0.0.1:9{CANARY_PATH}"),
    });
    let webhook = SlackWebhook::new(
        broken,
        &parts.clock,
        &parts.redactor,
        url,
        Duration::from_secs(1),
    );
    let error = webhook.post(&message()).await.unwrap_err();
    let text = shown(&error);
    assert!(text.contains("TLS set-up failed"), "{text}");
}

#[tokio::test]
async fn a_url_that_is_not_one_is_an_error_that_does_not_quote_it() {
    let parts = Parts::new();
    let url = SecretString::from(format!("hooks.slack.com{CANARY_PATH}"));
    let webhook = SlackWebhook::new(
        Ok(&parts.http),
        &parts.clock,
        &parts.redactor,
        url,
        Duration::from_secs(1),
    );
    let error = webhook.post(&message()).await.unwrap_err();
    shown(&error);
    assert_eq!(error.attempts, 1);
}

#[tokio::test]
async fn a_code_that_echoes_the_webhook_secret_is_hidden() {
    let server = answering(
        ResponseTemplate::new(404).set_body_string("no_service_canaryWebhookSecret9f8e7d"),
    )
    .await;
    let parts = Parts::new();
    let error = parts
        .webhook(&server.uri(), Duration::from_secs(5))
        .post(&message())
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(text.contains("[redacted]"), "{text}");
}
