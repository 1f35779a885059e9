//! The `http` kind as a unit: its secrets are its token and what its headers and body write.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{HttpGate, HttpGateSpec};

impl GateKind for HttpGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        HttpGate::new(info, self.clone()).map(boxed)
    }

    fn secret_variables(&self) -> Vec<String> {
        // Its token is a `[tokens]` entry, secret as the plan's.
        Vec::new()
    }

    fn derived_secrets(&self, _vars: &Vars) -> Vec<String> {
        Vec::new()
    }

    fn written_secrets(&self, names: &SecretNames, _declared: &BTreeSet<String>) -> Vec<String> {
        let mut secrets = Vec::new();
        for (name, value) in &self.headers {
            secrets.extend(crate::secret::header_secrets(name, value, names));
        }
        if let Some(json) = &self.json {
            secrets.extend(crate::secret::json_secrets(json, names));
        }
        if let Some(body) = &self.body {
            secrets.extend(crate::secret::text_body_secrets(body, names));
        }
        secrets
    }

    fn url_templates(&self) -> Vec<(&'static str, &str)> {
        vec![("url", self.url.as_str())]
    }

    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn baseline_measurements(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        Vec::new()
    }
}
