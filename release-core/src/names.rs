//! Names that come from input: the plain names that may become parts of file names, and text
//! from input made safe to print in a message.
//!
//! A plan's environment names, gate ids, rollback trigger ids and command services' names end
//! up in file names (`<env>-launch-gate-summary.json`, `<gate id>.json`, a service's temporary
//! directory) and on terminals, so they are restricted to [`NAME_RULE`] when a plan loads. Any
//! other text from input that a message quotes goes through [`escaped`].

use std::borrow::Cow;

/// The most characters a name may have: a file name built from one stays far below the 255
/// bytes file systems allow.
pub const MAX_NAME_CHARS: usize = 64;

/// What a plain name is, for messages.
pub const NAME_RULE: &str =
    "1 to 64 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit";

/// Checks that `name` is a plain name: 1 to [`MAX_NAME_CHARS`] ASCII letters, digits, `-`,
/// `_` or `.`, starting with a letter or digit. So it is never `.` or `..`, never hidden,
/// never a path, never taken for a command-line flag, and prints as itself. The error says
/// what is wrong, as a fragment to follow the name.
///
/// ```
/// use release_core::names::check_name;
/// assert!(check_name("eu-west.1").is_ok());
/// assert_eq!(check_name("../x").unwrap_err(), "starts with `.`");
/// assert_eq!(check_name("a/b").unwrap_err(), "holds `/`");
/// assert_eq!(check_name("a\u{1b}").unwrap_err(), "holds `\\u{1b}`");
/// ```
pub fn check_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("is empty".to_owned());
    };
    if !first.is_ascii_alphanumeric() {
        return Err(format!(
            "starts with `{}`",
            escaped(first.encode_utf8(&mut [0; 4]))
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!("holds `{}`", escaped(bad.encode_utf8(&mut [0; 4]))));
    }
    let count = name.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(format!(
            "is {count} characters long; at most {MAX_NAME_CHARS}"
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names() {
        for fine in [
            "a",
            "production",
            "A_b-9",
            "0day",
            "v1.2",
            "a..b",
            &"x".repeat(64),
        ] {
            assert_eq!(check_name(fine), Ok(()), "{fine}");
        }
        for (bad, why) in [
            ("", "is empty"),
            (".", "starts with `.`"),
            ("..", "starts with `.`"),
            (".env", "starts with `.`"),
            ("-x", "starts with `-`"),
            ("_x", "starts with `_`"),
            ("a b", "holds ` `"),
            ("a\\b", "holds `\\`"),
            ("café", "holds `é`"),
            ("a\u{0}", "holds `\\u{0}`"),
            ("\u{202e}x", "starts with `\\u{202e}`"),
        ] {
            assert_eq!(check_name(bad), Err(why.to_owned()), "{bad:?}");
        }
        assert_eq!(
            check_name(&"x".repeat(65)),
            Err("is 65 characters long; at most 64".to_owned())
        );
    }

    #[test]
    fn escaping_leaves_printable_text_alone() {
        assert!(matches!(escaped("plain `text` é €"), Cow::Borrowed(_)));
        assert_eq!(escaped("a\u{7f}b\u{9b}c\u{0}"), "a\\u{7f}b\\u{9b}c\\u{0}");
        assert_eq!(
            escaped("\u{2066}x\u{2069}\u{200b}"),
            "\\u{2066}x\\u{2069}\\u{200b}"
        );
        assert_eq!(escaped("\u{feff}"), "\\u{feff}");
    }
}
