//! The crate's error types, in one place: what went wrong, as lowercase fragments that read
//! well after a name (`base URL `api_url` has no host`). Each is `#[non_exhaustive]`, so a new
//! case is not a breaking change; match with a wildcard arm.
//!
//! No message quotes a secret's value: they name variables, tokens and settings, never what
//! they hold.

use crate::text::escaped;

/// What a base URL is, for messages.
pub const BASE_URL_RULE: &str =
    "an absolute `http` or `https` URL with a host and no query or fragment";

/// Why a base URL is not one ([`check_base_url`](crate::base_url::check_base_url)); the message
/// follows the URL's name and never quotes the URL, which may hold credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// The URL is empty.
    #[error("is empty")]
    Empty,
    /// It holds a character that acts instead of showing (a tab, a bidi override), escaped.
    #[error("holds `{0}`, which does not print as itself")]
    Unprintable(String),
    /// It has spaces at its ends.
    #[error("has spaces at its ends")]
    Spaces,
    /// It does not parse as an absolute URL; the parser's reason.
    #[error("is not an absolute URL ({0})")]
    NotAbsolute(String),
    /// Its scheme is not `http` or `https`; the scheme, escaped.
    #[error("is a `{0}` URL; expected `http` or `https`")]
    Scheme(String),
    /// It has no host.
    #[error("has no host")]
    NoHost,
    /// It has a query, which would swallow a path written after it.
    #[error("has a query (`?…`), which would swallow the path written after it")]
    Query,
    /// It has a fragment, which would swallow a path written after it.
    #[error("has a fragment (`#…`), which would swallow the path written after it")]
    Fragment,
}

/// Why a URL template (`{api_url}/health`) could not be filled in
/// ([`Context::expand_url`](crate::Context::expand_url)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlTemplateError {
    /// A `{` without its `}`.
    #[error("unclosed `{{` in URL template `{}`", escaped(template))]
    Unclosed {
        /// The template.
        template: String,
    },
    /// The environment's base URL is not one.
    #[error(
        "base URL `{}` of environment `{}` {problem}; a base URL is {}",
        escaped(name),
        escaped(environment),
        BASE_URL_RULE
    )]
    BadBase {
        /// The placeholder, e.g. `api_url`.
        name: String,
        /// The environment.
        environment: String,
        /// What is wrong with it.
        problem: BaseUrlError,
    },
    /// One of a plan's base URLs is not set for the environment.
    #[error(
        "environment `{}` has no `{name}`; set it in the plan, with --{} or with RELEASE_{}",
        escaped(environment),
        name.replace('_', "-"),
        name.to_ascii_uppercase()
    )]
    Unset {
        /// The placeholder, one of [`URL_PLACEHOLDERS`](crate::base_url::URL_PLACEHOLDERS).
        name: String,
        /// The environment.
        environment: String,
    },
    /// A placeholder that names no base URL.
    #[error(
        "environment `{}` has no base URL `{}`",
        escaped(environment),
        escaped(name)
    )]
    Unknown {
        /// The placeholder as written.
        name: String,
        /// The environment.
        environment: String,
    },
}

/// Why a token has no value ([`Context::token`](crate::Context::token)); names the token and
/// its variable, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The plan's `[tokens]` does not declare it.
    #[error("token `{name}` is not declared in the plan's [tokens]")]
    Undeclared {
        /// The token's plan name.
        name: String,
    },
    /// Its variable is set but empty.
    #[error("token `{name}`: {variable} is set but empty")]
    Empty {
        /// The token's plan name.
        name: String,
        /// The variable holding it.
        variable: String,
    },
    /// Its variable is not set.
    #[error("token `{name}`: {variable} is not set")]
    Unset {
        /// The token's plan name.
        name: String,
        /// The variable holding it.
        variable: String,
    },
}

/// Neither Railway token variable is set
/// ([`RailwayAuth::from_vars`](crate::clients::railway::RailwayAuth::from_vars)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "neither RAILWAY_TOKEN (a project token) nor RAILWAY_API_TOKEN (an account or workspace token) is set"
)]
pub struct MissingRailwayToken;

/// A Prometheus sample value that is not a number
/// ([`parse_value`](crate::clients::prometheus::parse_value)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("sample value {text:?} is not a number")]
pub struct SampleValueError {
    /// The value's first characters.
    pub text: String,
}

/// What is wrong with a sustained window's settings
/// ([`SustainSpec::validate`](crate::SustainSpec::validate)), and what would be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SustainError {
    /// `interval` is zero.
    #[error("`interval` must be longer than zero")]
    ZeroInterval,
    /// Both `count` and `duration`.
    #[error("set `count` (how many samples) or `duration` (how long to sample), not both")]
    CountAndDuration,
    /// Neither `count` nor `duration`.
    #[error("set `count` (how many samples) or `duration` (how long to sample)")]
    NoLength,
    /// `count` is zero.
    #[error("`count` must be at least 1")]
    ZeroCount,
    /// `count` beyond the limit.
    #[error("`count` is {count}; at most {max}")]
    TooManySamples {
        /// The count.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// `duration` is zero.
    #[error("`duration` must be longer than zero")]
    ZeroDuration,
    /// `duration` at `interval` makes too many samples.
    #[error(
        "`duration` {duration} at an `interval` of {interval} is {samples} samples; at most {max} (sample less often)"
    )]
    TooLong {
        /// The duration, as written.
        duration: String,
        /// The interval, as written.
        interval: String,
        /// The samples it makes.
        samples: u128,
        /// The limit.
        max: u32,
    },
    /// The window's span beyond the limit.
    #[error("the window runs {span} before its last sample; at most {max}")]
    TooWide {
        /// The span, in words.
        span: String,
        /// The limit, in words.
        max: String,
    },
    /// `failure_limit` lets every sample fail.
    #[error(
        "`failure_limit` is {limit}, so all {samples} samples could fail without failing the window; it must be below {samples}"
    )]
    FailureLimit {
        /// The limit.
        limit: u32,
        /// The samples the window takes.
        samples: u32,
    },
    /// `consecutive_successes` is zero.
    #[error(
        "`consecutive_successes` must be at least 1 (leave it out to not require a run of passing samples)"
    )]
    ZeroSuccesses,
    /// `consecutive_successes` beyond the samples.
    #[error(
        "`consecutive_successes` is {successes}, more than the {samples} samples the window takes"
    )]
    TooManySuccesses {
        /// The run of passes asked for.
        successes: u32,
        /// The samples the window takes.
        samples: u32,
    },
}

/// A sustained gate that could not be built ([`Sustained::new`](crate::Sustained::new)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("sustain: {0}")]
pub struct InvalidSustain(#[from] pub SustainError);

/// Why a decision over a run could not be made
/// ([`Decision::replay`](crate::rollback::Decision::replay)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecisionError {
    /// The configuration has no trigger: a decision over nothing is not a proceed.
    #[error(
        "{declared_in} declares no `[[rollback.triggers]]`; a decision over no trigger is not a proceed"
    )]
    NoTriggers {
        /// Where the rollback configuration comes from (the plan file).
        declared_in: String,
    },
    /// A trigger could not be built for the run's environment; the message names it.
    #[error("{0}")]
    Trigger(String),
}

/// A gate's settings cannot be used: the gate cannot be built from them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct InvalidSpec {
    /// What is wrong, as a fragment.
    pub message: String,
}

impl InvalidSpec {
    /// A spec refused for this reason.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl From<String> for InvalidSpec {
    fn from(message: String) -> Self {
        Self { message }
    }
}

/// Why a name from input is not a name ([`check_name`](crate::names::check_name),
/// [`check_variable_name`](crate::names::check_variable_name)); the message follows the name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameProblem {
    /// Nothing at all.
    #[error("is empty")]
    Empty,
    /// A first character a name may not start with, escaped.
    #[error("starts with `{0}`")]
    Starts(String),
    /// A variable name starting with a digit.
    #[error("starts with a digit")]
    StartsWithDigit,
    /// A character a name may not hold, escaped.
    #[error("holds `{0}`")]
    Holds(String),
    /// Longer than a name may be.
    #[error("is {count} characters long; at most {max}")]
    TooLong {
        /// How many characters it has.
        count: usize,
        /// How many it may have.
        max: usize,
    },
}

/// A rollback trigger's settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTrigger {
    /// One of its settings is wrong; the message names the key.
    #[error("{message}")]
    Setting {
        /// The key that causes it.
        key: &'static str,
        /// What is wrong, as a fragment.
        message: String,
    },
    /// A trigger of the plan cannot be used; the message names it.
    #[error("rollback trigger `{id}`: {source}")]
    Trigger {
        /// The trigger's id.
        id: String,
        /// What is wrong.
        #[source]
        source: Box<InvalidTrigger>,
    },
}

/// A schema name that is not one of the documents' (`release schema NAME`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown schema `{0}`; expected one of plan, summary, log-record, health-report")]
#[non_exhaustive]
pub struct UnknownSchema(pub String);
