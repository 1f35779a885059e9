//! What a plan needs to know of a gate kind besides how it checks: how its settings become a
//! runnable gate, which of them are credentials, and which of them a plan checks with
//! positions. Every kind implements [`GateKind`] in its own folder (`gates/<kind>/kind.rs`);
//! none of the methods has a default, so a new kind says what its secrets are.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::{SecretNames, Vars};

/// A gate kind's settings, as one unit: build, secrets, and what plan loading checks.
pub trait GateKind {
    /// The runnable gate, or why the settings cannot be used.
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec>;

    /// The variables whose values are secrets whatever their names (a `basic_auth` password,
    /// an env gate's variables with a `secret` rule, the Railway tokens the platform gate
    /// reads). Tokens from `[tokens]` are the plan's, not the kind's.
    fn secret_variables(&self) -> Vec<String>;

    /// Secrets made from variables rather than held in one, e.g. the HTTP Basic credential
    /// built from a user and a password variable.
    fn derived_secrets(&self, vars: &Vars) -> Vec<String>;

    /// Secrets the settings write themselves: secret headers, secret members of bodies, the
    /// values of secret assignments and command lines. URL credentials are found from
    /// [`GateKind::url_templates`].
    fn written_secrets(&self, names: &SecretNames, declared: &BTreeSet<String>) -> Vec<String>;

    /// The URL settings that are templates filled from the environment's base URLs, with
    /// their keys (`url`, `endpoint`).
    fn url_templates(&self) -> Vec<(&'static str, &str)>;

    /// The `[tokens]` entry the gate sends, if any.
    fn token(&self) -> Option<&str>;

    /// The measurements the gate reads baselines of from the release log.
    fn baseline_measurements(&self) -> Vec<&'static str>;

    /// The variable names the settings hold besides an env gate's own (a command's `env`,
    /// `basic_auth`), each with where it is written, so a plan reports a bad one there.
    fn named_variables(&self) -> Vec<NamedVariable<'_>>;
}

/// A variable name written in a gate's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedVariable<'a> {
    /// What holds it, for messages: "`env`", "`basic_auth.password`".
    pub what: String,
    /// The name as written.
    pub name: &'a str,
    /// Where it is written.
    pub at: Written<'a>,
}

/// Where in a gate's settings something is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written<'a> {
    /// As the name of the entry `name` of the table at the dotted `path` (`env.PGPORT`).
    Entry {
        /// The table, e.g. `services.env`.
        path: &'static str,
        /// The entry.
        name: &'a str,
    },
    /// As the value of the entry `name` of the table at `path` (`basic_auth.user`).
    Value {
        /// The table, e.g. `basic_auth`.
        path: &'static str,
        /// The entry.
        name: &'a str,
    },
}

/// Boxes a gate for a plan's list of gates.
pub(crate) fn boxed<G: crate::gate::Gate + 'static>(gate: G) -> Box<dyn DynGate> {
    Box::new(gate)
}
