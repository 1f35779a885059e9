//! The `command` kind as a unit: its secrets are the secret assignments and arguments its
//! command line, its `env` and its services write.

use std::collections::BTreeSet;

use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::gates::kind::{GateKind, NamedVariable, boxed};
use crate::{SecretNames, Vars};

use super::{CommandGate, CommandGateSpec, fill_constant_placeholders, literal_pieces};
use crate::gates::kind::Written;

impl GateKind for CommandGateSpec {
    fn build(&self, info: GateInfo) -> Result<Box<dyn DynGate>, InvalidSpec> {
        CommandGate::new(info, self.clone()).map(boxed)
    }

    fn secret_variables(&self) -> Vec<String> {
        // What it gives its process is written in the plan: see `written_secrets`.
        Vec::new()
    }

    fn derived_secrets(&self, _vars: &Vars) -> Vec<String> {
        Vec::new()
    }

    fn written_secrets(&self, names: &SecretNames, declared: &BTreeSet<String>) -> Vec<String> {
        let mut secrets = Vec::new();
        for (name, value) in &self.env {
            secrets.extend(names.assignment(name, value, declared));
        }
        for text in self.command.iter().chain(&self.shell) {
            secrets.extend(crate::secret::command_secrets(text, names));
        }
        for service in &self.services {
            let assignments = service.env.iter().flat_map(|(name, value)| {
                let value = fill_constant_placeholders(value);
                names.assignment(name, &value, declared)
            });
            let arguments = service
                .start
                .iter()
                .chain(&service.stop)
                .chain(&service.ready.command)
                .flat_map(|argument| {
                    let argument = fill_constant_placeholders(argument);
                    crate::secret::command_secrets(&argument, names)
                });
            for secret in assignments.collect::<Vec<_>>().into_iter().chain(arguments) {
                secrets.extend(literal_pieces(&secret));
            }
        }
        secrets
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
        let own = self.env.keys().map(|name| NamedVariable {
            what: "`env`".to_owned(),
            name,
            at: Written::Entry { path: "env", name },
        });
        let services = self.services.iter().flat_map(|service| {
            service.env.keys().map(|name| NamedVariable {
                what: format!("service `{}`: `env`", service.name),
                name,
                at: Written::Entry {
                    path: "services.env",
                    name,
                },
            })
        });
        own.chain(services).collect()
    }
}
