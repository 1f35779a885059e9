//! The [`Redactor`]: replaces secret values in text.

use std::borrow::Cow;

use secrecy::{ExposeSecret, SecretString};

/// What replaces a secret value in text.
pub const REDACTED: &str = "[redacted]";

/// Secrets of this many characters or more are replaced wherever they appear. Shorter ones are
/// replaced only where they stand as a word of their own, with no letter or digit right before
/// or after: `test` inside `latest` is a piece of another word, not the secret, and replacing
/// it there would mangle the text while telling a reader which letters the secret holds.
pub const MIN_SUBSTRING_LEN: usize = 8;

/// A set of secret values to replace with [`REDACTED`] wherever they appear.
#[derive(Default)]
pub struct Redactor {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret value. Every value is searched for, however short (see
    /// [`MIN_SUBSTRING_LEN`] for how short ones are matched), except one that is empty or all
    /// whitespace, and one under [`MIN_SUBSTRING_LEN`] characters without a letter or digit
    /// (`-`, `***`): such a value is punctuation of every report, not something a reader could
    /// learn a secret from.
    ///
    /// ```
    /// use release_core::Redactor;
    /// let mut r = Redactor::new();
    /// r.add("hunter2-very-secret");
    /// r.add("k9Zq");
    /// assert_eq!(r.redact("token=hunter2-very-secret;"), "token=[redacted];");
    /// assert_eq!(r.redact("pin k9Zq, not k9Zqx"), "pin [redacted], not k9Zqx");
    /// ```
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret: String = secret.into();
        // Output read line by line (a command's) would show each line of a multi-line secret
        // (a PEM key) unmatched: each line is a secret of its own too.
        if secret.contains('\n') {
            for line in secret.lines().map(str::trim).filter(|l| !l.is_empty()) {
                self.add(line);
            }
        }
        // A value with spaces around it is usually shown without them.
        let trimmed = secret.trim();
        if trimmed.len() != secret.len() {
            self.add(trimmed.to_owned());
        }
        if searchable(&secret) && !self.secrets.iter().any(|s| s.expose_secret() == secret) {
            self.secrets.push(SecretString::from(secret));
            // Longest first, so a secret that contains another is replaced whole.
            self.secrets
                .sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
        }
    }

    /// Whether any secret is known.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Replaces every known secret inside a JSON value's strings, keys included.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        if self.secrets.is_empty() {
            return;
        }
        match value {
            serde_json::Value::String(s) => self.redact_in_place(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(map) => {
                let entries = std::mem::take(map);
                for (mut key, mut v) in entries {
                    self.redact_in_place(&mut key);
                    self.redact_json(&mut v);
                    map.insert(key, v);
                }
            }
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
            }
        }
    }

    /// Replaces every known secret in a string.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(redacted) = self.redact(text) {
            *text = redacted;
        }
    }

    /// Text that was cut short: every known secret replaced, and also a secret's beginning
    /// where the cut fell inside it (four characters or more of it, at the start of a word for
    /// a short secret), which [`Redactor::redact`] cannot recognise.
    ///
    /// ```
    /// use release_core::Redactor;
    /// let mut r = Redactor::new();
    /// r.add("hunter2-very-secret");
    /// assert_eq!(r.redact_cut("token=hunter2-ve"), "token=[redacted]");
    /// assert_eq!(r.redact_cut("ends in hun"), "ends in hun");
    /// ```
    pub fn redact_cut<'a>(&self, text: &'a str) -> Cow<'a, str> {
        const MIN_PREFIX: usize = 4;
        let mut out = self.redact_line(text);
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            let longest = secret.len().min(out.len());
            let cut = (MIN_PREFIX..=longest)
                .rev()
                .filter(|n| secret.is_char_boundary(*n))
                .find(|n| {
                    out.ends_with(&secret[..*n])
                        && (is_long(secret) || !glued(out[..out.len() - n].chars().next_back()))
                });
            if let Some(n) = cut {
                let keep = out.len() - n;
                out = Cow::Owned(format!("{}{REDACTED}", &out[..keep]));
            }
        }
        out
    }

    /// The text with every known secret replaced, also a secret of [`MIN_SUBSTRING_LEN`]
    /// characters or more split between its lines (or by a `\r`): each piece is replaced.
    ///
    /// ```
    /// use release_core::Redactor;
    /// let mut r = Redactor::new();
    /// r.add("ghp_R3alTokenValue0123456789");
    /// assert_eq!(
    ///     r.redact("token:\nghp_R3alToke\nnValue012345\n6789 ok"),
    ///     "token:\n[redacted]\n[redacted]\n[redacted] ok",
    /// );
    /// ```
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let out = self.redact_line(text);
        // A single line with its line end (a log event) has nothing to join. Single-character
        // searches: they are `memchr`, and this runs for every log line.
        let body = out.trim_end_matches(['\n', '\r']);
        if (body.contains('\n') || body.contains('\r'))
            && self.has_long_secrets()
            && let Some(split) = self.redact_split(&out)
        {
            return Cow::Owned(split);
        }
        out
    }

    /// The secret values, longest first.
    pub(super) fn values(&self) -> impl Iterator<Item = &str> {
        self.secrets.iter().map(|s| s.expose_secret())
    }

    /// The text with every known secret replaced where it stands whole: a secret split
    /// between lines is not seen.
    pub(crate) fn redact_line<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            if !out.contains(secret) {
                continue;
            }
            if is_long(secret) {
                out = Cow::Owned(out.replace(secret, REDACTED));
            } else if let Some(replaced) = replace_words(&out, secret) {
                out = Cow::Owned(replaced);
            }
        }
        out
    }
}

fn is_long(secret: &str) -> bool {
    secret.chars().count() >= MIN_SUBSTRING_LEN
}

/// Whether [`Redactor::add`] keeps a value: see there.
fn searchable(secret: &str) -> bool {
    !secret.trim().is_empty() && (is_long(secret) || secret.chars().any(char::is_alphanumeric))
}

/// Whether a character next to a match makes it part of a longer word.
fn glued(neighbour: Option<char>) -> bool {
    neighbour.is_some_and(char::is_alphanumeric)
}

/// `text` with every occurrence of `word` that stands on its own replaced (overlapping
/// occurrences considered), or `None` when there is none.
fn replace_words(text: &str, word: &str) -> Option<String> {
    if word.is_empty() {
        return None;
    }
    let step = word.chars().next().map_or(1, char::len_utf8);
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let end = at + word.len();
        if glued(text[..at].chars().next_back()) || glued(text[end..].chars().next()) {
            from = at + step;
        } else {
            out.push_str(&text[copied..at]);
            out.push_str(REDACTED);
            copied = end;
            from = end;
        }
    }
    if out.is_empty() {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_longest_secret_first() {
        let mut r = Redactor::new();
        r.add("abcdefgh");
        r.add("abcdefgh-ijkl");
        assert_eq!(
            r.redact("x abcdefgh-ijkl y abcdefgh"),
            "x [redacted] y [redacted]"
        );
    }

    #[test]
    fn ignores_empty_blank_and_short_punctuation_values() {
        let mut r = Redactor::new();
        for value in ["", "   ", "\n", "-", "***", "......."] {
            r.add(value);
        }
        assert!(r.is_empty());
        assert_eq!(r.redact("a - b *** c ......."), "a - b *** c .......");
        // Eight characters or more are searched for whatever they hold.
        r.add("--------");
        assert_eq!(r.redact("x--------y"), "x[redacted]y");
    }

    #[test]
    fn short_values_are_replaced_where_they_stand_as_a_word() {
        let mut r = Redactor::new();
        r.add("hunt3r");
        r.add("k9Zq");
        r.add("x");
        let cases = [
            ("hunt3r", "[redacted]"),
            ("DB_PASSWORD=hunt3r", "DB_PASSWORD=[redacted]"),
            ("postgres://u:hunt3r@h/db", "postgres://u:[redacted]@h/db"),
            ("\"hunt3r\",'k9Zq'", "\"[redacted]\",'[redacted]'"),
            ("pin k9Zq.", "pin [redacted]."),
            ("_k9Zq_", "_[redacted]_"),
            // Inside longer words: a piece of another word, left alone.
            (
                "hunt3rs ahunt3r k9Zqk9Zq 2x 3 x 4",
                "hunt3rs ahunt3r k9Zqk9Zq 2x 3 [redacted] 4",
            ),
            ("ünt3r hunt3ré", "ünt3r hunt3ré"),
            // An occurrence glued on one side does not hide the next one.
            ("hunt3rhunt3r hunt3r", "hunt3rhunt3r [redacted]"),
            ("", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(r.redact(text), expected, "{text:?}");
        }
    }

    #[test]
    fn overlapping_occurrences_of_a_short_value_are_all_considered() {
        let mut r = Redactor::new();
        r.add("a-a");
        // The first `a-a` is glued to `b`; the one that overlaps it stands alone.
        assert_eq!(r.redact("ba-a-a"), "ba-[redacted]");
    }

    #[test]
    fn a_short_value_cut_at_the_end_of_a_line_is_redacted_at_a_word_start_only() {
        let mut r = Redactor::new();
        r.add("k9Zq7b2");
        assert_eq!(r.redact_cut("pin=k9Zq7"), "pin=[redacted]");
        assert_eq!(r.redact_cut("pink9Zq7"), "pink9Zq7");
        assert_eq!(r.redact_cut("pin=k9Z"), "pin=k9Z");
    }

    #[test]
    fn values_with_spaces_around_are_found_without_them() {
        let mut r = Redactor::new();
        r.add("  s3cr3t-value-with-spaces \t");
        assert_eq!(r.redact("v=s3cr3t-value-with-spaces;"), "v=[redacted];");
    }

    #[test]
    fn redacts_inside_json_values_and_keys() {
        let mut r = Redactor::new();
        r.add("s3cr3t-value");
        let mut v = serde_json::json!({ "a": ["x s3cr3t-value y", 1, null], "s3cr3t-value": true });
        r.redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({ "a": ["x [redacted] y", 1, null], "[redacted]": true })
        );
    }

    #[test]
    fn debug_does_not_show_values() {
        let mut r = Redactor::new();
        r.add("canary-value-123");
        assert!(!format!("{r:?}").contains("canary"));
    }
}
