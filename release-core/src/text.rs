//! Wording shared by every report line: upstream text clipped to a readable length, JSON
//! values as a person reads them.

/// Text from an upstream (a reason, an error, a component's output) as a report shows it: at
/// most 200 characters, so one verbose upstream cannot bloat every summary and log.
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 200;
    let count = text.chars().count();
    if count <= MAX {
        text.to_owned()
    } else {
        format!(
            "{}… ({count} characters)",
            text.chars().take(MAX).collect::<String>()
        )
    }
}

/// A JSON value as a person reads it: strings without quotes.
pub(crate) fn plain(value: &serde_json::Value) -> String {
    crate::number::value_text(value)
}

/// Upstream text kept whole in an observation, up to a bound no message reaches.
pub(crate) fn whole(text: &str) -> String {
    const MAX: usize = 4000;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}… ({} characters)", &text[..at], text.chars().count()),
        None => text.to_owned(),
    }
}
