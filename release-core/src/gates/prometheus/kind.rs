//! The `prometheus` kind as a unit: its secrets are its token (the plan's) and its `basic_auth`
//! password, with the Basic credential made from it.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{PrometheusGate, PrometheusGateSpec};

impl GateKind for PrometheusGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        PrometheusGate::new(info, self.clone()).map(boxed)
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
        match self.relative {
            Some(_) => vec![super::VALUE_MEASUREMENT],
            None => Vec::new(),
        }
    }

    fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        let basic = self.basic_auth.as_ref();
        basic.map(|b| b.named_variables()).unwrap_or_default()
    }
}

impl super::BasicAuth {
    /// The HTTP Basic credential made from the two variables (`Basic <base64>`, and its
    /// base64 alone), which an upstream's error page could echo back.
    pub(crate) fn credentials(&self, vars: &Vars) -> Vec<String> {
        let (Some(user), Some(password)) = (vars.get(&self.user), vars.get(&self.password)) else {
            return Vec::new();
        };
        let credential =
            crate::clients::prometheus::basic_credential(user.expose(), password.expose());
        let encoded = credential.strip_prefix("Basic ").map(str::to_owned);
        encoded.into_iter().chain([credential]).collect()
    }

    /// Its two variable names, each where its value is written.
    pub(crate) fn named_variables(&self) -> Vec<NamedVariable<'_>> {
        [("user", &self.user), ("password", &self.password)]
            .into_iter()
            .map(|(key, name)| NamedVariable {
                what: format!("`basic_auth.{key}`"),
                name,
                at: crate::gates::kind::Written::Value {
                    path: "basic_auth",
                    name: key,
                },
            })
            .collect()
    }
}
