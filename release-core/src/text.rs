//! Wording shared by every report line: upstream text clipped to a readable length, JSON
//! values as a person reads them.

use std::borrow::Cow;

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

/// Whether a character would act on a terminal or reorder the text around it instead of
/// showing: control characters (C0, DEL, C1), bidirectional embeddings, overrides and
/// isolates, zero-width characters and a byte-order mark. [`escaped`] writes these as escapes.
///
/// ```
/// use release_core::names::acts_instead_of_showing;
/// assert!(acts_instead_of_showing('\u{1b}') && acts_instead_of_showing('\u{202e}'));
/// assert!(!acts_instead_of_showing('é'));
/// ```
pub fn acts_instead_of_showing(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Text from input made safe to print: characters that would act on a terminal or reorder
/// the text instead of showing (ESC, CR, NUL, bidirectional overrides…) are written as
/// escapes (`\u{1b}`, `\n`), so a message is one line of what it says. Everything else,
/// accents included, is kept.
///
/// ```
/// use release_core::names::escaped;
/// assert_eq!(escaped("caf\u{e9}"), "caf\u{e9}");
/// assert_eq!(escaped("\u{1b}[31mred\r\n"), "\\u{1b}[31mred\\r\\n");
/// assert_eq!(escaped("\u{202e}evil"), "\\u{202e}evil");
/// ```
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_instead_of_showing) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if acts_instead_of_showing(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text of several lines made safe to print: each line [`escaped`], the line feeds between
/// them kept. For a message or a listing whose own wording has line breaks; a line break
/// inside a quoted value must be escaped where the value is quoted.
///
/// ```
/// use release_core::names::escaped_lines;
/// assert_eq!(escaped_lines("a\u{1b}[2J\nb\r"), "a\\u{1b}[2J\nb\\r");
/// ```
pub fn escaped_lines(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && acts_instead_of_showing(c))
    {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(escaped).collect();
    Cow::Owned(lines.join("\n"))
}
