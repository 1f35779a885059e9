//! Keeping secret values out of everything the tool writes.
//!
//! Gates never format a variable's value in the first place; the [`Redactor`] is the second
//! line of defence, applied to text that came from elsewhere (a command's output, an error
//! message from a library) before it is stored in an evaluation.

use std::borrow::Cow;

use secrecy::{ExposeSecret, SecretString};

/// What replaces a secret value in text.
pub const REDACTED: &str = "[redacted]";

/// Values shorter than this are not searched for: replacing every `a` in a report would hide
/// everything and protect nothing. Such values fail any secret rule's minimum length anyway.
const MIN_REDACTABLE_LEN: usize = 4;

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

    /// Adds a secret value; empty and very short values are ignored.
    ///
    /// ```
    /// use release_core::Redactor;
    /// let mut r = Redactor::new();
    /// r.add("hunter2-very-secret");
    /// assert_eq!(r.redact("token=hunter2-very-secret;"), "token=[redacted];");
    /// ```
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret: String = secret.into();
        if secret.chars().count() >= MIN_REDACTABLE_LEN
            && !self.secrets.iter().any(|s| s.expose_secret() == secret)
        {
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

    /// The text with every known secret replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            if out.contains(secret) {
                out = Cow::Owned(out.replace(secret, REDACTED));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_longest_secret_first() {
        let mut r = Redactor::new();
        r.add("abcd");
        r.add("abcdefgh");
        assert_eq!(r.redact("x abcdefgh y abcd"), "x [redacted] y [redacted]");
    }

    #[test]
    fn ignores_short_values() {
        let mut r = Redactor::new();
        r.add("a");
        r.add("");
        assert!(r.is_empty());
        assert_eq!(r.redact("banana"), "banana");
    }

    #[test]
    fn debug_does_not_show_values() {
        let mut r = Redactor::new();
        r.add("canary-value-123");
        assert!(!format!("{r:?}").contains("canary"));
    }
}
