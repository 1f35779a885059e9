//! Which variables hold secrets, by their names.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::vars::Vars;

/// Name patterns whose variables hold secrets unless a plan opts them out, matched against
/// the whole name, ignoring case.
///
/// A name these patterns match is still no secret when its last word says what else its value
/// is ([`DESCRIPTIVE_LAST_WORDS`]: `ACCESS_TOKEN_TTL` is a duration, `PASSWORD_MIN_LENGTH` a
/// length, `TOKENIZER_MODEL` or `AI_MAX_TOKENS` not a token at all). That rule is what lets the
/// patterns be wide (`*TOKEN*`, not only `*TOKEN`): a short number such as a TTL's `30`,
/// redacted as a word, would blot the report wherever it stands.
///
/// | pattern | secrets | not secrets |
/// |---|---|---|
/// | `*TOKEN*` | `GITHUB_TOKEN`, `NPM_TOKEN`, `GITHUBTOKEN`, `DEPLOY_TOKEN_PROD` | `TOKENIZERS_PARALLELISM`, `AI_MAX_TOKENS`, `ACCESS_TOKEN_EXPIRE_MINUTES` |
/// | `*SECRET*` | `AWS_SECRET_ACCESS_KEY`, `CLIENT_SECRET`, `SECRET_KEY_BASE` | `SECRET_NAME` |
/// | `*PASSWORD*`, `*PASSWD*` | `DB_PASSWORD`, `PGPASSWORD`, `MYSQL_ROOT_PASSWORD` | `PASSWORD_MIN_LENGTH` |
/// | `*_PWD` | `MYSQL_PWD` | `PWD`, `OLDPWD` (the shell's directories) |
/// | `*_KEY`, `*APIKEY*` | `OPENAI_API_KEY`, `STRIPE_SECRET_KEY`, `PUBLIC_KEY`, `X_APIKEY` | `KEYBOARD_LAYOUT`, `AWS_ACCESS_KEY_ID` |
/// | `*PRIVATE_KEY*` | `GITHUB_APP_PRIVATE_KEY_PEM` | |
/// | `*DSN` | `SENTRY_DSN`, `DSN` | |
/// | `*CREDENTIALS` | `GOOGLE_APPLICATION_CREDENTIALS` | |
/// | `*WEBHOOK_URL` | `SLACK_WEBHOOK_URL` | |
/// | `*CONNECTION_STRING` | `AZURE_STORAGE_CONNECTION_STRING` | |
/// | `*_PAT` | `GH_PAT` (a personal access token) | |
pub const DEFAULT_SECRET_PATTERNS: [&str; 13] = [
    "*TOKEN*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*_PWD",
    "*_KEY",
    "*APIKEY*",
    "*PRIVATE_KEY*",
    "*DSN",
    "*CREDENTIALS",
    "*WEBHOOK_URL",
    "*CONNECTION_STRING",
    "*_PAT",
];

/// Last words of a variable's name that say its value is something other than a secret: a
/// duration, a size, a count, a name, a place or a switch (`*_TTL`, `*_LENGTH`, `*_NAME`,
/// `*_FILE`, `*_ENABLED`; `*TOKENS` and `*TOKENIZER*` are counts of tokens and the tool that
/// cuts them). They spare names only from the default patterns: a plan's own `patterns`
/// and declared secrets are secrets whatever their last word.
pub const DESCRIPTIVE_LAST_WORDS: [&str; 28] = [
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "TIMEOUT",
    "SECONDS",
    "SECS",
    "MINUTES",
    "MINS",
    "HOURS",
    "DAYS",
    "MS",
    "LENGTH",
    "LEN",
    "SIZE",
    "BYTES",
    "COUNT",
    "LIMIT",
    "MAX",
    "MIN",
    "NAME",
    "HEADER",
    "FILE",
    "PATH",
    "DIR",
    "ENABLED",
    "DISABLED",
    "TOKENS",
];

/// Whether a name's last word (after the last `_`, `-` or `.`) is one of
/// [`DESCRIPTIVE_LAST_WORDS`], or it names the tokenizer of a language model.
fn describes_something_else(upper: &str) -> bool {
    let last = upper.rsplit(['_', '-', '.']).next().unwrap_or(upper);
    DESCRIPTIVE_LAST_WORDS.contains(&last)
        || upper.ends_with("TOKENS")
        || upper.contains("TOKENIZER")
}

/// A pattern over variable names: letters, digits, `_`, `.` and `-`, with `*` standing for any
/// run of characters (none included). It matches a whole name, ignoring case: `*_KEY` matches
/// `stripe_secret_key` but not `KEYBOARD_LAYOUT`.
///
/// ```
/// use release_core::NamePattern;
/// let pattern = NamePattern::new("*_credentials").unwrap();
/// assert!(pattern.matches("AWS_CREDENTIALS"));
/// assert!(!pattern.matches("AWS_CREDENTIALS_FILE"));
/// assert!(NamePattern::new("DB PASSWORD").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct NamePattern {
    written: String,
    upper: String,
}

/// Why a name pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamePatternError {
    /// The pattern is empty.
    #[error("a name pattern must not be empty")]
    Empty,
    /// A character no variable name pattern holds.
    #[error(
        "`{pattern}` is not a name pattern: {found} is not allowed; use letters, digits, `_`, `.`, `-` and `*` for any run of characters"
    )]
    Character {
        /// The pattern, with control characters escaped.
        pattern: String,
        /// The character, described.
        found: String,
    },
}

impl NamePattern {
    /// A pattern, checked.
    pub fn new(pattern: &str) -> Result<Self, NamePatternError> {
        if pattern.is_empty() {
            return Err(NamePatternError::Empty);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*');
        if let Some(bad) = pattern.chars().find(|c| !allowed(*c)) {
            let found = match bad {
                ' ' => "a space".to_owned(),
                c if c.is_control() || c.is_whitespace() => {
                    format!("the character U+{:04X}", u32::from(c))
                }
                c => format!("`{c}`"),
            };
            return Err(NamePatternError::Character {
                pattern: crate::text::escaped(pattern).into_owned(),
                found,
            });
        }
        Ok(Self {
            written: pattern.to_owned(),
            upper: pattern.to_ascii_uppercase(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// Whether it has no `*`: a name, not a pattern.
    pub fn is_exact(&self) -> bool {
        !self.written.contains('*')
    }

    /// Whether the whole name matches, ignoring case.
    pub fn matches(&self, name: &str) -> bool {
        glob(&self.upper, &name.to_ascii_uppercase())
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, middle, last) = match parts.as_slice() {
        [only] => return *only == name,
        [first, middle @ .., last] => (*first, middle, *last),
        [] => return name.is_empty(),
    };
    if name.len() < first.len() + last.len() || !name.starts_with(first) || !name.ends_with(last) {
        return false;
    }
    // The pattern is ASCII, so these cuts fall on character boundaries.
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

// By hand rather than `try_from = "String"`: checking inside the visitor lets a plan's
// error point at the pattern itself, not at the array around it.
impl<'de> Deserialize<'de> for NamePattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = NamePattern;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a variable name or a pattern such as `*_KEY`")
            }

            fn visit_str<E: serde::de::Error>(self, pattern: &str) -> Result<NamePattern, E> {
                NamePattern::new(pattern).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl From<NamePattern> for String {
    fn from(pattern: NamePattern) -> Self {
        pattern.written
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl JsonSchema for NamePattern {
    fn schema_name() -> Cow<'static, str> {
        "NamePattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A variable name, or a pattern with `*` for any run of characters, matched ignoring case.",
            "type": "string",
            "pattern": "^[A-Za-z0-9_.*-]+$"
        })
    }
}

/// Which variables hold secrets by their names: [`DEFAULT_SECRET_PATTERNS`] (sparing names whose
/// last word describes something else, [`DESCRIPTIVE_LAST_WORDS`]) and a plan's own patterns,
/// less the names a plan opts out. Variables a plan declares secret are secrets
/// whatever this says; see [`SecretNames::values`].
#[derive(Debug, Clone)]
pub struct SecretNames {
    /// [`DEFAULT_SECRET_PATTERNS`], which spare names that describe something else.
    defaults: Vec<NamePattern>,
    /// The plan's own patterns.
    patterns: Vec<NamePattern>,
    not_secret: Vec<NamePattern>,
}

impl Default for SecretNames {
    fn default() -> Self {
        Self::new([], [])
    }
}

impl SecretNames {
    /// The default patterns, with `extra` patterns and the `not_secret` opt-outs.
    pub fn new(
        extra: impl IntoIterator<Item = NamePattern>,
        not_secret: impl IntoIterator<Item = NamePattern>,
    ) -> Self {
        let defaults = DEFAULT_SECRET_PATTERNS
            .iter()
            .filter_map(|p| NamePattern::new(p).ok())
            .collect();
        Self {
            defaults,
            patterns: extra.into_iter().collect(),
            not_secret: not_secret.into_iter().collect(),
        }
    }

    /// Whether a variable of this name holds a secret by its name.
    ///
    /// ```
    /// use release_core::SecretNames;
    /// let names = SecretNames::default();
    /// assert!(names.is_secret("github_token"));
    /// assert!(!names.is_secret("TOKENIZERS_PARALLELISM"));
    /// ```
    pub fn is_secret(&self, name: &str) -> bool {
        let by_default = || {
            self.defaults.iter().any(|p| p.matches(name))
                && !describes_something_else(&name.to_ascii_uppercase())
        };
        (self.patterns.iter().any(|p| p.matches(name)) || by_default()) && !self.is_opted_out(name)
    }

    /// Whether the plan's `not_secret` names or matches this name.
    pub(crate) fn is_opted_out(&self, name: &str) -> bool {
        self.not_secret.iter().any(|p| p.matches(name))
    }

    /// The redactor of a run before its plan is read (an error in the command line, the plan
    /// or the env file): the values of `vars` secret by these names (the defaults, without a
    /// plan) and the credentials of every URL in them and in `texts` (the command line's
    /// arguments, which may hold `--api-url https://user:password@…`).
    ///
    /// ```
    /// use release_core::{SecretNames, Vars};
    /// let vars = Vars::from_pairs([("RELEASE_ADMIN_TOKEN", "adm-secret-0123456789")]);
    /// let args = ["--api-url", "https://u:FlagPass1234@api.example"];
    /// let redactor = SecretNames::default().redactor(&vars, args);
    /// assert_eq!(
    ///     redactor.redact("unexpected argument 'adm-secret-0123456789'; FlagPass1234"),
    ///     "unexpected argument '[redacted]'; [redacted]",
    /// );
    /// ```
    pub fn redactor<'a>(
        &self,
        vars: &Vars,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> super::Redactor {
        let mut redactor = super::Redactor::new();
        let values = self.values(vars, &BTreeSet::new());
        let urls = texts
            .into_iter()
            .flat_map(|text| super::url_credentials(text, self));
        for value in values.into_iter().chain(urls) {
            redactor.add(value);
        }
        redactor
    }

    /// The secret values among `vars`: those of the `declared` variables; those of variables
    /// secret by name, unless the value is a flag (`true`, `false`, `yes`, `no`, `on`, `off`,
    /// `0`, `1`: a switch such as `USE_SECRETS_MANAGER=true` holds no secret, and its word would
    /// be redacted all over the report); and the credentials inside every value that is a URL
    /// ([`url_credentials`](super::url_credentials)), whatever its variable's name.
    pub fn values(&self, vars: &Vars, declared: &BTreeSet<String>) -> Vec<String> {
        let mut values = Vec::new();
        for (name, value) in vars.iter() {
            values.extend(self.assignment(name, value.expose(), declared));
        }
        values
    }

    /// The secrets of one assignment `name = value` (a variable, or an entry of a plan's
    /// `env`): the value when the name is declared or secret (and the value no flag), and the
    /// credentials of the URLs in it.
    pub(crate) fn assignment(
        &self,
        name: &str,
        value: &str,
        declared: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut values = Vec::new();
        if declared.contains(name) || (self.is_secret(name) && !is_flag(value)) {
            values.push(value.to_owned());
        }
        values.extend(super::url_credentials(value, self));
        values
    }
}

fn is_flag(value: &str) -> bool {
    const FLAGS: [&str; 8] = ["true", "false", "yes", "no", "on", "off", "0", "1"];
    let value = value.trim();
    FLAGS.iter().any(|f| f.eq_ignore_ascii_case(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(p: &str) -> NamePattern {
        NamePattern::new(p).unwrap()
    }

    #[test]
    fn default_patterns_tell_secret_names_from_others() {
        let names = SecretNames::default();
        let secret = [
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "githubtoken",
            "NPM_TOKEN",
            "RELEASE_ADMIN_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "TOKEN",
            "STRIPE_SECRET_KEY",
            "SESSION_SECRET",
            "CLIENT_SECRET",
            "SECRET_KEY_BASE",
            "JWT_SECRET",
            "secret",
            "DB_PASSWORD",
            "PGPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "password",
            "Redis_Password",
            "DB_PASSWORD_ENCRYPTED",
            "LDAP_BIND_PASSWD",
            "MYSQL_PWD",
            "OPENAI_API_KEY",
            "PUBLIC_KEY",
            "SSH_KEY",
            "GPG_KEY",
            "X_APIKEY",
            "APIKEY",
            "GITHUB_APP_PRIVATE_KEY_PEM",
            "PRIVATE_KEY",
            "SENTRY_DSN",
            "DSN",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "AWS_CREDENTIALS",
            "SLACK_WEBHOOK_URL",
            "AZURE_STORAGE_CONNECTION_STRING",
            "GH_PAT",
            "DEPLOY_TOKEN_PROD",
            "TOKEN_GITHUB",
            "RAILWAY_TOKEN_STAGING",
            "SLACK_BOT_TOKEN_V2",
            "API_TOKEN_VALUE",
            "APIKEY_LIVE",
        ];
        let not_secret = [
            "TOKENIZERS_PARALLELISM",
            "TOKENIZER_MODEL",
            "AI_MAX_TOKENS",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "TOKEN_TTL",
            "JWT_TOKEN_EXPIRY",
            "REFRESH_TOKEN_LIFETIME_DAYS",
            "PASSWORD_MIN_LENGTH",
            "SECRET_NAME",
            "DB_PASSWORD_FILE",
            "GITHUB_TOKEN_PATH",
            "TOKEN_HEADER",
            "OPENAI_MAX_TOKENS",
            "HF_TOKENIZER",
            "KEYBOARD_LAYOUT",
            "MONKEY",
            "AWS_ACCESS_KEY_ID",
            "CACHE_KEY_PREFIX",
            "PWD",
            "OLDPWD",
            "DATABASE_URL",
            "PUBLIC_API_URL",
            "SENTRY_DSN_FILE_PATH",
            "PATH",
            "HOME",
            "PORT",
            "NODE_ENV",
            "PATTERN",
            "CREDENTIALS_FILE",
            "",
        ];
        for name in secret {
            assert!(names.is_secret(name), "{name} should be secret");
        }
        for name in not_secret {
            assert!(!names.is_secret(name), "{name} should not be secret");
        }
    }

    #[test]
    fn a_plan_adds_patterns_and_opts_names_out() {
        let names = SecretNames::new(
            [pattern("*_CREDENTIALS_FILE"), pattern("signing_salt")],
            [pattern("NEXT_PUBLIC_*"), pattern("gpg_key")],
        );
        assert!(!names.is_secret("CREDENTIALS_FILE"));
        assert!(names.is_secret("AWS_CREDENTIALS_FILE"));
        assert!(names.is_secret("SIGNING_SALT"));
        assert!(names.is_secret("signing_salt"));
        assert!(!names.is_secret("NEXT_PUBLIC_STRIPE_KEY"));
        assert!(!names.is_secret("GPG_KEY"));
        assert!(names.is_secret("STRIPE_SECRET_KEY"));
        // A plan's own pattern is a secret whatever its last word says.
        let own = SecretNames::new([pattern("SIGNING_KEY_FILE")], []);
        assert!(own.is_secret("signing_key_file"));
        assert!(!SecretNames::default().is_secret("SIGNING_KEY_FILE"));
        // Opting every name out leaves only declared secrets and URL credentials.
        let none = SecretNames::new([], [pattern("*")]);
        assert!(!none.is_secret("GITHUB_TOKEN"));
    }

    #[test]
    fn globs_match_whole_names() {
        let cases = [
            ("*", "", true),
            ("*", "ANY", true),
            ("A*", "A", true),
            ("*A*B*", "XAYBZ", true),
            ("*A*B*", "XBYAZ", false),
            ("*AB*AB", "AB", false),
            ("*AB*AB", "ABAB", true),
            ("A*A", "A", false),
            ("**KEY", "KEY", true),
            ("KEY", "KEYS", false),
            ("K.E-Y", "k.e-y", true),
            ("*KEY", "ÜKEY", true),
        ];
        for (p, name, expected) in cases {
            assert_eq!(
                glob(&p.to_ascii_uppercase(), &name.to_ascii_uppercase()),
                expected,
                "{p} ~ {name}"
            );
        }
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        assert_eq!(NamePattern::new(""), Err(NamePatternError::Empty));
        let cases = [
            ("DB PASSWORD", "a space"),
            ("A=B", "`=`"),
            ("TOKEN?", "`?`"),
            ("A\u{1b}[31m", "the character U+001B"),
            ("A\tB", "the character U+0009"),
        ];
        for (p, found) in cases {
            let message = NamePattern::new(p).unwrap_err().to_string();
            assert!(message.contains(found), "{message}");
            assert!(
                !message.contains('\u{1b}') && !message.contains('\t'),
                "{message:?}"
            );
        }
    }

    #[test]
    fn values_are_the_declared_the_secret_named_and_url_credentials() {
        let vars = Vars::from_pairs([
            ("DECLARED", "declared-value"),
            ("GITHUB_TOKEN", "ghp_value"),
            ("USE_SECRETS_MANAGER", "true"),
            ("PASSWORD_AUTH", "Off"),
            ("DB_PASSWORD", "pw"),
            ("REPLICA_URL", "postgres://u:hunter2hunter2@db/app"),
            ("APP_NAME", "acme"),
            ("EMPTY_TOKEN", ""),
        ]);
        let declared: BTreeSet<String> = ["DECLARED".to_owned(), "UNSET".to_owned()].into();
        let mut values = SecretNames::default().values(&vars, &declared);
        values.sort();
        assert_eq!(
            values,
            [
                "",
                // base64("u:hunter2hunter2"), the URL's Basic credential.
                "dTpodW50ZXIyaHVudGVyMg==",
                "declared-value",
                "ghp_value",
                "hunter2hunter2",
                "pw"
            ]
        );
        // A declared flag is still a secret: the plan said so.
        let declared: BTreeSet<String> = ["USE_SECRETS_MANAGER".to_owned()].into();
        assert!(
            SecretNames::default()
                .values(&vars, &declared)
                .contains(&"true".to_owned())
        );
    }
}
