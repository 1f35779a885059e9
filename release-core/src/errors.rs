//! Errors shared by several modules: a gate's settings that cannot be used, and a name from
//! input that is not one. Each message is a lowercase fragment that reads after what it is
//! about ("gate `api`: …").

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
