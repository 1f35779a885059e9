//! A Slack message (fallback text plus Block Kit blocks) that stays inside Block Kit's limits
//! whatever it is given: text past a limit is clipped with "…", never refused by Slack.

use serde_json::{Value, json};

/// Characters of a header's plain text.
pub const MAX_HEADER_CHARS: usize = 150;
/// Characters of a section's or a context element's text.
pub const MAX_TEXT_CHARS: usize = 3000;
/// Characters of one section field.
pub const MAX_FIELD_CHARS: usize = 2000;
/// Fields of one section; more are carried on by further sections.
pub const MAX_FIELDS: usize = 10;
/// Blocks of one message.
pub const MAX_BLOCKS: usize = 50;

/// A message for a Slack incoming webhook: `{ "text": fallback, "blocks": [...] }`.
///
/// Every value is escaped for Slack's mrkdwn (`&`, `<`, `>`), so text from elsewhere (a gate's
/// summary, a version) cannot turn into a link or an `@channel` mention; labels of fields are
/// set in bold.
///
/// ```
/// use release_core::clients::slack::SlackMessage;
///
/// let message = SlackMessage::new("Release 1.4.0 of api to production started")
///     .header("Release started: api 1.4.0")
///     .fields([("Environment", "production"), ("Version", "1.4.0 <beta>")])
///     .context("run 42");
/// let json = message.to_json();
/// assert_eq!(json["text"], "Release 1.4.0 of api to production started");
/// assert_eq!(json["blocks"][0]["text"]["type"], "plain_text");
/// assert_eq!(json["blocks"][1]["fields"][1]["text"], "*Version*\n1.4.0 &lt;beta&gt;");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SlackMessage {
    text: String,
    blocks: Vec<Value>,
}

/// `text` with Slack's mrkdwn control characters escaped: `&`, `<` and `>`.
///
/// ```
/// use release_core::clients::slack::escape_mrkdwn;
/// assert_eq!(escape_mrkdwn("<!channel> & <https://x|y>"), "&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
/// ```
pub fn escape_mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `text` cut to `max` characters, the last being "…" when anything was cut.
fn clip_to(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// Escaped, then clipped without cutting an escape (`&amp;`) in two.
fn escaped_within(text: &str, max: usize) -> String {
    let escaped = escape_mrkdwn(text);
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut clipped = clip_to(&escaped, max);
    clipped.pop();
    // A cut inside an entity leaves `&am`; drop the partial entity.
    if let Some(at) = clipped.rfind('&')
        && !clipped[at..].contains(';')
    {
        clipped.truncate(at);
    }
    clipped.push('…');
    clipped
}

/// Slack refuses empty text in a block.
fn non_empty(text: String) -> String {
    if text.trim().is_empty() {
        "—".to_owned()
    } else {
        text
    }
}

impl SlackMessage {
    /// A message whose notification (and fallback) text is `text`.
    pub fn new(text: impl AsRef<str>) -> Self {
        Self {
            text: non_empty(escaped_within(text.as_ref(), MAX_TEXT_CHARS)),
            blocks: Vec::new(),
        }
    }

    /// Adds a header: plain text, at most 150 characters.
    pub fn header(mut self, text: impl AsRef<str>) -> Self {
        let text = non_empty(clip_to(text.as_ref(), MAX_HEADER_CHARS));
        self.blocks.push(json!({
            "type": "header",
            "text": { "type": "plain_text", "text": text, "emoji": true },
        }));
        self
    }

    /// Adds a section of text (escaped, at most 3000 characters).
    pub fn section(mut self, text: impl AsRef<str>) -> Self {
        let text = non_empty(escaped_within(text.as_ref(), MAX_TEXT_CHARS));
        self.blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": text },
        }));
        self
    }

    /// Adds `*label*\nvalue` fields, ten to a section (more start another section); each at
    /// most 2000 characters, the value clipped first.
    pub fn fields<L: AsRef<str>, V: AsRef<str>>(
        mut self,
        fields: impl IntoIterator<Item = (L, V)>,
    ) -> Self {
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|(label, value)| {
                // The label is short and says what the value is: it keeps its room.
                let label = escaped_within(label.as_ref(), MAX_FIELD_CHARS / 4);
                let room = MAX_FIELD_CHARS.saturating_sub(label.chars().count() + 3);
                let value = non_empty(escaped_within(value.as_ref(), room));
                json!({ "type": "mrkdwn", "text": format!("*{label}*\n{value}") })
            })
            .collect();
        for chunk in fields.chunks(MAX_FIELDS) {
            self.blocks
                .push(json!({ "type": "section", "fields": chunk }));
        }
        self
    }

    /// Adds a context line (small grey text; escaped, at most 3000 characters).
    pub fn context(mut self, text: impl AsRef<str>) -> Self {
        let text = non_empty(escaped_within(text.as_ref(), MAX_TEXT_CHARS));
        self.blocks.push(json!({
            "type": "context",
            "elements": [ { "type": "mrkdwn", "text": text } ],
        }));
        self
    }

    /// Adds a divider.
    pub fn divider(mut self) -> Self {
        self.blocks.push(json!({ "type": "divider" }));
        self
    }

    /// The payload. Past 50 blocks, the 50th says how many more were left out.
    pub fn to_json(&self) -> Value {
        let blocks: Vec<Value> = if self.blocks.len() > MAX_BLOCKS {
            let left_out = self.blocks.len() - (MAX_BLOCKS - 1);
            let mut kept = self.blocks[..MAX_BLOCKS - 1].to_vec();
            kept.push(json!({
                "type": "context",
                "elements": [ { "type": "mrkdwn", "text": format!("… {left_out} more blocks left out") } ],
            }));
            kept
        } else {
            self.blocks.clone()
        };
        json!({ "text": self.text, "blocks": blocks })
    }
}
