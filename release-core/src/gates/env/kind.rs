//! The `env` kind as a unit: its secrets are the variables with a `secret` rule.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{EnvGate, EnvGateSpec};

impl GateKind for EnvGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        EnvGate::new(info, self.clone())
            .map(boxed)
            .map_err(|e| InvalidSpec::new(e.to_string()))
    }

    fn secret_variables(&self) -> Vec<String> {
        let secret = self.vars.iter().filter(|v| v.secret.is_some());
        secret.map(|v| v.name.clone()).collect()
    }

    fn derived_secrets(&self, _vars: &Vars) -> Vec<String> {
        Vec::new()
    }

    fn written_secrets(&self, _names: &SecretNames, _declared: &BTreeSet<String>) -> Vec<String> {
        Vec::new()
    }

    fn url_templates(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }

    fn token(&self) -> Option<&str> {
        None
    }

    fn baseline_measurements(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        // The plan checks each of `vars` where it is written, with the rest of its rule.
        Vec::new()
    }
}
