//! The Slack message builder keeps Block Kit's limits whatever it is given, and escapes
//! values so text from elsewhere cannot become a link or a mention.

use proptest::prelude::*;
use release_core::clients::slack::{
    MAX_BLOCKS, MAX_FIELD_CHARS, MAX_FIELDS, MAX_HEADER_CHARS, MAX_TEXT_CHARS, SlackMessage,
    escape_mrkdwn,
};
use serde_json::Value;

fn chars(value: &Value) -> usize {
    value.as_str().unwrap().chars().count()
}

#[test]
fn a_long_header_is_clipped_to_150_with_an_ellipsis() {
    let json = SlackMessage::new("x").header("h".repeat(400)).to_json();
    let text = json["blocks"][0]["text"]["text"].as_str().unwrap();
    assert_eq!(text.chars().count(), MAX_HEADER_CHARS);
    assert!(text.ends_with('…'));
    let exact = SlackMessage::new("x").header("h".repeat(150)).to_json();
    assert_eq!(exact["blocks"][0]["text"]["text"], "h".repeat(150));
}

#[test]
fn twelve_fields_make_a_section_of_ten_and_one_of_two() {
    let fields: Vec<(String, String)> = (0..12)
        .map(|i| (format!("label {i}"), format!("value {i}")))
        .collect();
    let json = SlackMessage::new("x").fields(fields).to_json();
    let blocks = json["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0]["fields"].as_array().unwrap().len(), MAX_FIELDS);
    assert_eq!(blocks[1]["fields"].as_array().unwrap().len(), 2);
    assert_eq!(blocks[1]["fields"][1]["text"], "*label 11*\nvalue 11");
}

#[test]
fn long_texts_and_fields_are_clipped_to_their_limits() {
    let json = SlackMessage::new("t".repeat(5000))
        .section("s".repeat(5000))
        .context("c".repeat(5000))
        .fields([("Version", "v".repeat(5000))])
        .to_json();
    assert_eq!(chars(&json["text"]), MAX_TEXT_CHARS);
    assert_eq!(chars(&json["blocks"][0]["text"]["text"]), MAX_TEXT_CHARS);
    assert_eq!(
        chars(&json["blocks"][1]["elements"][0]["text"]),
        MAX_TEXT_CHARS
    );
    let field = json["blocks"][2]["fields"][0]["text"].as_str().unwrap();
    assert_eq!(field.chars().count(), MAX_FIELD_CHARS);
    assert!(
        field.starts_with("*Version*\nvvv") && field.ends_with('…'),
        "{field}"
    );
}

#[test]
fn values_are_escaped_so_they_cannot_link_or_mention() {
    let json = SlackMessage::new("<!channel> 1.4 & co")
        .section("gate <https://evil.example|click> failed")
        .fields([("<b>", "a > b")])
        .context("x & y")
        .to_json();
    assert_eq!(json["text"], "&lt;!channel&gt; 1.4 &amp; co");
    assert_eq!(
        json["blocks"][0]["text"]["text"],
        "gate &lt;https://evil.example|click&gt; failed"
    );
    assert_eq!(
        json["blocks"][1]["fields"][0]["text"],
        "*&lt;b&gt;*\na &gt; b"
    );
    assert_eq!(json["blocks"][2]["elements"][0]["text"], "x &amp; y");
    assert_eq!(escape_mrkdwn("&amp;"), "&amp;amp;");
}

#[test]
fn clipping_never_splits_an_escape() {
    let json = SlackMessage::new("x").section("&".repeat(4000)).to_json();
    let text = json["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(text.chars().count() <= MAX_TEXT_CHARS);
    assert!(
        text.trim_end_matches('…').ends_with("&amp;"),
        "{}",
        &text[text.len() - 20..]
    );
}

#[test]
fn empty_text_never_reaches_slack() {
    let json = SlackMessage::new(" ")
        .header("")
        .section("")
        .fields([("Commit", "")])
        .context("")
        .to_json();
    assert_eq!(json["text"], "—");
    assert_eq!(json["blocks"][0]["text"]["text"], "—");
    assert_eq!(json["blocks"][1]["text"]["text"], "—");
    assert_eq!(json["blocks"][2]["fields"][0]["text"], "*Commit*\n—");
}

#[test]
fn past_fifty_blocks_the_last_says_how_many_were_left_out() {
    let mut message = SlackMessage::new("x");
    for i in 0..60 {
        message = message.section(format!("line {i}"));
    }
    let json = message.to_json();
    let blocks = json["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), MAX_BLOCKS);
    assert_eq!(blocks[48]["text"]["text"], "line 48");
    assert_eq!(
        blocks[49]["elements"][0]["text"],
        "… 11 more blocks left out"
    );
}

proptest! {
    #[test]
    fn any_input_stays_within_block_kit_limits(
        header in ".{0,400}",
        text in ".{0,4000}",
        fields in proptest::collection::vec((".{0,600}", ".{0,3000}"), 0..25),
        sections in 0usize..60,
    ) {
        let mut message = SlackMessage::new(&text).header(&header).fields(fields);
        for _ in 0..sections {
            message = message.section(&text).divider();
        }
        let json = message.to_json();
        prop_assert!(chars(&json["text"]) <= MAX_TEXT_CHARS);
        let blocks = json["blocks"].as_array().unwrap();
        prop_assert!(blocks.len() <= MAX_BLOCKS);
        for block in blocks {
            match block["type"].as_str().unwrap() {
                "header" => prop_assert!(chars(&block["text"]["text"]) <= MAX_HEADER_CHARS),
                "section" if block.get("fields").is_some() => {
                    let fields = block["fields"].as_array().unwrap();
                    prop_assert!(!fields.is_empty() && fields.len() <= MAX_FIELDS);
                    for field in fields {
                        prop_assert!(chars(&field["text"]) <= MAX_FIELD_CHARS);
                        prop_assert!(!field["text"].as_str().unwrap().contains('<'));
                    }
                }
                "section" => {
                    prop_assert!(chars(&block["text"]["text"]) <= MAX_TEXT_CHARS);
                    prop_assert!(!block["text"]["text"].as_str().unwrap().contains('<'));
                }
                "context" => prop_assert!(chars(&block["elements"][0]["text"]) <= MAX_TEXT_CHARS),
                "divider" => {}
                other => prop_assert!(false, "unexpected block {other}"),
            }
        }
    }
}
