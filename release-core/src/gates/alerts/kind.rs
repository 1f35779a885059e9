//! The `alerts` kind as a unit: its secrets are its token (the plan's) and its `basic_auth`
//! password, with the Basic credential made from it.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{AlertsGate, AlertsGateSpec};

impl GateKind for AlertsGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        AlertsGate::new(info, self.clone()).map(boxed)
    }

    fn secret_variables(&self) -> Vec<String> {
        let password = self.basic_auth.as_ref().map(|b| b.password.clone());
        password.into_iter().collect()
    }

    fn derived_secrets(&self, vars: &Vars) -> Vec<String> {
        let basic = self.basic_auth.as_ref();
        basic.map(|b| b.credentials(vars)).unwrap_or_default()
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
        self.token.as_deref()
    }

    fn baseline_measurements(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        let basic = self.basic_auth.as_ref();
        basic.map(|b| b.named_variables()).unwrap_or_default()
    }
}
