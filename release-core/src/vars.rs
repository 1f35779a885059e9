//! The variables gates read: the process environment, optionally over a dotenv file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::dotenv::{self, EnvFileError};

/// Where a variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarSource {
    /// The process environment.
    Process,
    /// A dotenv file, at a line.
    File {
        /// The file as given.
        path: PathBuf,
        /// The 1-based line of the assignment.
        line: usize,
    },
    /// Set in code by a library user or a test.
    Given,
}

impl fmt::Display for VarSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarSource::Process => f.write_str("process environment"),
            VarSource::File { path, line } => write!(f, "{}:{line}", path.display()),
            VarSource::Given => f.write_str("given in code"),
        }
    }
}

/// One variable's value and origin. The value is secret by default: nothing formats it.
#[derive(Clone)]
pub struct VarValue {
    value: SecretString,
    source: VarSource,
}

impl fmt::Debug for VarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VarValue")
            .field("value", &"[redacted]")
            .field("source", &self.source)
            .finish()
    }
}

impl VarValue {
    /// The value, for rules to inspect; never print it.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// Where it came from.
    pub fn source(&self) -> &VarSource {
        &self.source
    }

    /// How a report describes the value without showing it: `set (23 characters)` or
    /// `set but empty`.
    pub fn describe(&self) -> String {
        match self.expose().chars().count() {
            0 => "set but empty".to_owned(),
            1 => "set (1 character)".to_owned(),
            n => format!("set ({n} characters)"),
        }
    }
}

/// A set of variables by name.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    vars: BTreeMap<String, VarValue>,
}

impl Vars {
    /// The process environment over the given env file: the process wins where both set a
    /// variable, as dotenv tools do.
    pub fn load(env_file: Option<&Path>) -> Result<Self, EnvFileError> {
        let mut vars = match env_file {
            Some(path) => Self::from_env_file(path)?,
            None => Self::default(),
        };
        let from_file = vars.vars.len();
        vars.overlay(Self::from_process());
        // Counts and sources only: a value, or even which names are set, is nobody's business
        // in a log.
        tracing::debug!(from_file, total = vars.vars.len(), env_file = ?env_file, "variables loaded");
        Ok(vars)
    }

    /// The process environment. Values that are not UTF-8 are kept, lossily converted, so
    /// format rules fail on them rather than the variable looking unset.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(name, value)| {
                let name = name.into_string().ok()?;
                let value = value.to_string_lossy().into_owned();
                Some((
                    name,
                    VarValue {
                        value: value.into(),
                        source: VarSource::Process,
                    },
                ))
            })
            .collect();
        Self { vars }
    }

    /// The assignments of a dotenv file.
    pub fn from_env_file(path: &Path) -> Result<Self, EnvFileError> {
        let entries = dotenv::read(path)?;
        let vars = entries
            .into_iter()
            .map(|entry| {
                let source = VarSource::File {
                    path: path.to_path_buf(),
                    line: entry.line,
                };
                (
                    entry.name,
                    VarValue {
                        value: entry.value,
                        source,
                    },
                )
            })
            .collect();
        Ok(Self { vars })
    }

    /// Variables given in code.
    ///
    /// ```
    /// let vars = release_core::Vars::from_pairs([("PORT", "8080")]);
    /// assert_eq!(vars.get("PORT").map(|v| v.describe()), Some("set (4 characters)".into()));
    /// ```
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| {
                let value: String = v.into();
                (
                    k.into(),
                    VarValue {
                        value: value.into(),
                        source: VarSource::Given,
                    },
                )
            })
            .collect();
        Self { vars }
    }

    /// Sets every variable of `other` over these.
    pub fn overlay(&mut self, other: Vars) {
        self.vars.extend(other.vars);
    }

    /// A variable, if set (possibly to the empty string).
    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.vars.get(name)
    }

    /// Every variable, by name; a command gate hands them to its process.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &VarValue)> {
        self.vars.iter().map(|(name, value)| (name.as_str(), value))
    }
}
