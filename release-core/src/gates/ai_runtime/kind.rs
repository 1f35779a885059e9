//! The `ai-runtime` kind as a unit: its one secret is its `[tokens]` entry, the plan's.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{AiRuntimeGate, AiRuntimeGateSpec};

impl GateKind for AiRuntimeGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        AiRuntimeGate::new(info, self.clone()).map(boxed)
    }

    fn secret_variables(&self) -> Vec<String> {
        // Its token is a `[tokens]` entry, secret as the plan's.
        Vec::new()
    }

    fn derived_secrets(&self, _vars: &Vars) -> Vec<String> {
        Vec::new()
    }

    fn written_secrets(&self, _names: &SecretNames, _declared: &BTreeSet<String>) -> Vec<String> {
        Vec::new()
    }

    fn url_templates(&self) -> Vec<(&'static str, &str)> {
        self.url
            .as_deref()
            .map(|url| ("url", url))
            .into_iter()
            .collect()
    }

    fn token(&self) -> Option<&str> {
        Some(&self.token)
    }

    fn baseline_measurements(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        Vec::new()
    }
}
