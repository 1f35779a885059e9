//! Names that come from input: the plain names that may become parts of file names, and text
//! from input made safe to print in a message.
//!
//! A plan's environment names, gate ids, rollback trigger ids and command services' names end
//! up in file names (`<env>-launch-gate-summary.json`, `<gate id>.json`, a service's temporary
//! directory) and on terminals, so they are restricted to [`NAME_RULE`] when a plan loads. The
//! names of environment variables a plan reads follow [`VARIABLE_RULE`]. Any other text from
//! input (a file, an argument, an upstream, a plan) that a message or a report shows goes
//! through [`escaped`], the one function that decides how such text prints.

pub use crate::errors::NameProblem;

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
/// assert_eq!(check_name("../x").unwrap_err().to_string(), "starts with `.`");
/// assert_eq!(check_name("a/b").unwrap_err().to_string(), "holds `/`");
/// assert_eq!(check_name("a\u{1b}").unwrap_err().to_string(), "holds `\\u{1b}`");
/// ```
pub fn check_name(name: &str) -> Result<(), NameProblem> {
    let Some(first) = name.chars().next() else {
        return Err(NameProblem::Empty);
    };
    if !first.is_ascii_alphanumeric() {
        return Err(NameProblem::Starts(escaped_char(first)));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(NameProblem::Holds(escaped_char(bad)));
    }
    let count = name.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong {
            count,
            max: MAX_NAME_CHARS,
        });
    }
    Ok(())
}

fn escaped_char(c: char) -> String {
    escaped(c.encode_utf8(&mut [0; 4])).into_owned()
}

/// What an environment variable's name is, for messages.
pub const VARIABLE_RULE: &str =
    "ASCII letters, digits and `_`, not starting with a digit (`RELEASE_ADMIN_TOKEN`)";

/// Checks that `name` is a portable environment variable name: ASCII letters, digits and
/// `_`, not starting with a digit. Lowercase is allowed (`http_proxy` is a real one); a
/// name with a space, `=`, a zero-width character or anything else a shell cannot export
/// would never be set, so a check of it could only ever report it missing. The error says
/// what is wrong, as a fragment to follow the (escaped) name.
///
/// ```
/// use release_core::names::check_variable_name;
/// assert!(check_variable_name("RELEASE_ADMIN_TOKEN").is_ok());
/// assert!(check_variable_name("http_proxy").is_ok());
/// assert_eq!(check_variable_name("9LIVES").unwrap_err().to_string(), "starts with a digit");
/// assert_eq!(check_variable_name("A=B").unwrap_err().to_string(), "holds `=`");
/// assert_eq!(check_variable_name("PORT\u{200b}").unwrap_err().to_string(), "holds `\\u{200b}`");
/// ```
pub fn check_variable_name(name: &str) -> Result<(), NameProblem> {
    let Some(first) = name.chars().next() else {
        return Err(NameProblem::Empty);
    };
    if first.is_ascii_digit() {
        return Err(NameProblem::StartsWithDigit);
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        Some(bad) => Err(NameProblem::Holds(escaped_char(bad))),
        None => Ok(()),
    }
}

pub use crate::text::{acts_instead_of_showing, escaped, escaped_lines};

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

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
            assert_eq!(
                check_name(bad).map_err(|e| e.to_string()),
                Err(why.to_owned()),
                "{bad:?}"
            );
        }
        assert_eq!(
            check_name(&"x".repeat(65)).map_err(|e| e.to_string()),
            Err("is 65 characters long; at most 64".to_owned())
        );
    }

    #[test]
    fn variable_names() {
        for fine in ["A", "_", "_X1", "RELEASE_ADMIN_TOKEN", "http_proxy", "a9"] {
            assert_eq!(check_variable_name(fine), Ok(()), "{fine}");
        }
        for (bad, why) in [
            ("", "is empty"),
            ("1A", "starts with a digit"),
            ("PORT ", "holds ` `"),
            ("A=B", "holds `=`"),
            ("A-B", "holds `-`"),
            ("A.B", "holds `.`"),
            ("PORT\u{200b}", "holds `\\u{200b}`"),
            ("X\u{1b}[31m", "holds `\\u{1b}`"),
            ("ÄPFEL", "holds `Ä`"),
            ("A\u{0}", "holds `\\u{0}`"),
        ] {
            assert_eq!(
                check_variable_name(bad).map_err(|e| e.to_string()),
                Err(why.to_owned()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_the_rest() {
        assert!(matches!(escaped_lines("a\nb"), Cow::Borrowed(_)));
        assert_eq!(
            escaped_lines("x\u{1b}]0;T\u{7}\n\u{202e}y\r\n"),
            "x\\u{1b}]0;T\\u{7}\n\\u{202e}y\\r\n"
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
