//! The Slack incoming-webhook mock over real HTTP on loopback: Slack's plain-text answers,
//! injected errors, and every payload recorded.

use std::time::Duration;

use release_testkit::{SlackMock, SlackReply};
use serde_json::json;

async fn post(slack: &SlackMock, body: &'static str) -> (u16, String, Option<String>) {
    post_to(&slack.url(), body).await
}

async fn post_to(url: &str, body: &'static str) -> (u16, String, Option<String>) {
    let reply = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let retry_after = reply
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, reply.text().await.unwrap(), retry_after)
}

#[tokio::test]
async fn a_valid_message_gets_plain_text_ok_and_is_recorded() {
    let slack = SlackMock::start().await;
    let payload = json!({
        "text": "Release 1.4.0 of api to production started",
        "blocks": [
            { "type": "header", "text": { "type": "plain_text", "text": "Release started" } },
            { "type": "section", "text": { "type": "mrkdwn", "text": "*api* 1.4.0" } },
        ],
    });
    let reply = reqwest::Client::new()
        .post(slack.url())
        .header("content-type", "application/json")
        .body(payload.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert!(
        reply.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(reply.text().await.unwrap(), "ok");

    assert_eq!(slack.payloads().await, [payload]);
    let posts = slack.posts().await;
    assert_eq!((posts[0].status, posts[0].answer.as_str()), (200, "ok"));
    assert_eq!(posts[0].header("content-type"), Some("application/json"));
    assert!(!format!("{:?}", posts[0]).contains(SlackMock::SECRET));
    assert!(posts[0].path.ends_with(SlackMock::SECRET));
}

#[tokio::test]
async fn bad_payloads_get_slacks_codes() {
    let slack = SlackMock::start().await;
    let too_many = format!(
        r#"{{"text":"x","blocks":[{}]}}"#,
        vec![r#"{"type":"divider"}"#; 51].join(",")
    );
    let long_header = format!(
        r#"{{"text":"x","blocks":[{{"type":"header","text":{{"type":"plain_text","text":"{}"}}}}]}}"#,
        "h".repeat(151)
    );
    let cases: Vec<(String, u16, &str)> = vec![
        ("not json".to_owned(), 400, "invalid_payload"),
        (String::new(), 400, "invalid_payload"),
        ("[]".to_owned(), 400, "invalid_payload"),
        (r#""text""#.to_owned(), 400, "invalid_payload"),
        ("{}".to_owned(), 400, "no_text"),
        (r#"{"text":"   "}"#.to_owned(), 400, "no_text"),
        (r#"{"blocks":[]}"#.to_owned(), 400, "no_text"),
        (r#"{"blocks":"no"}"#.to_owned(), 400, "invalid_blocks"),
        (
            r#"{"blocks":[{"text":"no type"}]}"#.to_owned(),
            400,
            "invalid_blocks",
        ),
        (too_many, 400, "invalid_blocks"),
        (long_header, 400, "invalid_blocks"),
        (r#"{"blocks":[{"type":"divider"}]}"#.to_owned(), 200, "ok"),
        (
            r#"{"attachments":[{"fallback":"x"}]}"#.to_owned(),
            200,
            "ok",
        ),
    ];
    for (body, status, code) in &cases {
        let body: &'static str = Box::leak(body.clone().into_boxed_str());
        let (got, text, _) = post(&slack, body).await;
        assert_eq!((got, text.as_str()), (*status, *code), "{body:.80}");
    }
    // Only the JSON bodies are payloads; every request is a post.
    assert_eq!(slack.posts().await.len(), cases.len());
    assert_eq!(slack.payloads().await.len(), cases.len() - 2);
}

#[tokio::test]
async fn injected_replies_come_first_in_order_then_the_normal_answer() {
    let slack = SlackMock::start().await;
    slack
        .reply_next(
            2,
            SlackReply::RateLimited {
                retry_after_secs: 1,
            },
        )
        .await;
    slack.reply_next(1, SlackReply::no_service()).await;
    slack.reply_next(1, SlackReply::channel_is_archived()).await;
    slack.reply_next(1, SlackReply::invalid_payload()).await;
    slack.reply_next(1, SlackReply::rollup_error()).await;
    slack.reply_next(0, SlackReply::rollup_error()).await;
    slack
        .reply_next(
            1,
            SlackReply::Error {
                status: 42,
                code: "odd".to_owned(),
            },
        )
        .await;

    let mut answers = Vec::new();
    for _ in 0..8 {
        answers.push(post(&slack, r#"{"text":"hi"}"#).await);
    }
    let limited = (429, "rate_limited".to_owned(), Some("1".to_owned()));
    assert_eq!(
        answers,
        [
            limited.clone(),
            limited,
            (404, "no_service".to_owned(), None),
            (410, "channel_is_archived".to_owned(), None),
            (400, "invalid_payload".to_owned(), None),
            (500, "rollup_error".to_owned(), None),
            (500, "odd".to_owned(), None),
            (200, "ok".to_owned(), None),
        ]
    );
    let statuses: Vec<u16> = slack.posts().await.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [429, 429, 404, 410, 400, 500, 500, 200]);
}

#[tokio::test]
async fn a_hanging_webhook_never_answers_and_other_paths_are_no_service() {
    let slack = SlackMock::start().await;
    slack.reply_next(1, SlackReply::Hang).await;
    let hung = reqwest::Client::new()
        .post(slack.url())
        .timeout(Duration::from_millis(200))
        .body(r#"{"text":"hi"}"#)
        .send()
        .await;
    assert!(hung.unwrap_err().is_timeout());
    assert_eq!(slack.payloads().await.len(), 1);

    let base = slack.url().replace(SlackMock::PATH, "");
    let revoked = post_to(&format!("{base}/services/T0/B0/other"), r#"{"text":"hi"}"#).await;
    assert_eq!((revoked.0, revoked.1.as_str()), (404, "no_service"));
    let get = reqwest::get(slack.url()).await.unwrap();
    assert_eq!(get.status(), 404);
    assert_eq!(post(&slack, r#"{"text":"hi"}"#).await.1, "ok");
}
