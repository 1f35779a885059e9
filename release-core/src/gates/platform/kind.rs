//! The `platform` kind as a unit: it reads Railway's tokens itself, so they are secrets
//! whether the plan declares them or not.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{PlatformGate, PlatformGateSpec};

/// The variables that hold Railway's tokens.
pub(crate) const RAILWAY_TOKENS: [&str; 2] = ["RAILWAY_TOKEN", "RAILWAY_API_TOKEN"];

impl GateKind for PlatformGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        PlatformGate::new(info, self.clone()).map(boxed)
    }

    fn secret_variables(&self) -> Vec<String> {
        RAILWAY_TOKENS.map(str::to_owned).to_vec()
    }

    fn derived_secrets(&self, _vars: &Vars) -> Vec<String> {
        Vec::new()
    }

    fn written_secrets(&self, _names: &SecretNames, _declared: &BTreeSet<String>) -> Vec<String> {
        Vec::new()
    }

    fn url_templates(&self) -> Vec<(&'static str, &str)> {
        let endpoint = self.endpoint.as_deref();
        endpoint.map(|url| ("endpoint", url)).into_iter().collect()
    }

    fn token(&self) -> Option<&str> {
        None
    }

    fn baseline_measurements(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        Vec::new()
    }
}
