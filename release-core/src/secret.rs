//! Keeping secret values out of everything the tool writes.
//!
//! Gates never format a variable's value in the first place; the [`Redactor`] is the second
//! line of defence, applied to text that came from elsewhere (a command's output, an error
//! message from a library) before it is stored in an evaluation.

use std::borrow::Cow;

use secrecy::{ExposeSecret, SecretString};

/// What replaces a secret value in text.
pub const REDACTED: &str = "[redacted]";

/// Values shorter than this are not searched for: a secret such as `true` or `test` would
/// otherwise be "found" in the report's own words and mangle it, while telling a reader what the
/// value is. Such values fail the secret rules' minimum length (16 by default) anyway.
pub const MIN_REDACTABLE_LEN: usize = 8;

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
        // Output read line by line (a command's) would show each line of a multi-line secret
        // (a PEM key) unmatched: each line is a secret of its own too.
        if secret.contains('\n') {
            for line in secret.lines().map(str::trim).filter(|l| !l.is_empty()) {
                self.add(line);
            }
        }
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
    /// where the cut fell inside it (four characters or more of it), which [`Redactor::redact`]
    /// cannot recognise.
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
        let mut out = self.redact(text);
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            let longest = secret.len().min(out.len());
            let cut = (MIN_PREFIX..=longest)
                .rev()
                .filter(|n| secret.is_char_boundary(*n))
                .find(|n| out.ends_with(&secret[..*n]));
            if let Some(n) = cut {
                let keep = out.len() - n;
                out = Cow::Owned(format!("{}{REDACTED}", &out[..keep]));
            }
        }
        out
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
        r.add("abcdefgh");
        r.add("abcdefgh-ijkl");
        assert_eq!(
            r.redact("x abcdefgh-ijkl y abcdefgh"),
            "x [redacted] y [redacted]"
        );
    }

    #[test]
    fn ignores_short_values() {
        let mut r = Redactor::new();
        r.add("a");
        r.add("");
        r.add("true");
        assert!(r.is_empty());
        assert_eq!(r.redact("strict: true"), "strict: true");
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
