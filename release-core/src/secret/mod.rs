//! Keeping secret values out of everything the tool writes.
//!
//! Gates never format a variable's value in the first place; the [`Redactor`] is the second
//! line of defence, applied to text that came from elsewhere (a command's output, an error
//! message from a library) before it is stored in an evaluation, and to the whole summary
//! before any format is rendered. [`SecretNames`] says which variables hold secrets besides
//! the ones a plan declares, and [`url_credentials`] finds the credentials inside a URL.

mod lines;
mod literal;
mod names;
mod redactor;
mod url;

pub use names::{
    DEFAULT_SECRET_PATTERNS, DESCRIPTIVE_LAST_WORDS, NamePattern, NamePatternError, SecretNames,
};
pub use redactor::{MIN_SUBSTRING_LEN, REDACTED, Redactor};
pub use url::url_credentials;

pub(crate) use lines::LineStream;
pub(crate) use literal::{command_secrets, header_secrets, json_secrets, text_body_secrets};
