use std::collections::BTreeSet;

use super::model::{Environment, GateKindSpec, GateSpec, Plan};
use crate::gate::{DynGate, GateInfo};
use crate::gates::env::EnvGate;

/// A plan could not be turned into gates for a run.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The requested environment is not in the plan.
    #[error("environment `{name}` is not declared in {plan}; expected one of {known}")]
    UnknownEnvironment {
        /// The name asked for.
        name: String,
        /// The plan file.
        plan: String,
        /// The declared names.
        known: String,
    },
    /// No environment was named and the plan has several.
    #[error(
        "no environment chosen: pass --env or set RELEASE_ENV to one of {known} (or set `release.default_environment` in {plan})"
    )]
    NoEnvironment {
        /// The plan file.
        plan: String,
        /// The declared names.
        known: String,
    },
    /// A gate's settings cannot be used.
    #[error("{plan}:{line}: gate `{id}`: {message}")]
    Gate {
        /// The plan file.
        plan: String,
        /// The gate's line.
        line: usize,
        /// The gate.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// The environment a run targets, with its effective settings.
#[derive(Debug, Clone)]
pub struct SelectedEnvironment<'p> {
    /// Its name.
    pub name: String,
    /// Its table in the plan.
    pub settings: &'p Environment,
    /// Whether it is production.
    pub production: bool,
    /// Whether warnings block, before any `--strict` flag.
    pub strict: bool,
}

impl GateSpec {
    /// Who the gate is.
    pub fn info(&self) -> GateInfo {
        GateInfo {
            id: self.common.id.clone(),
            kind: self.spec.kind().to_owned(),
            title: self.common.title.clone().unwrap_or_default(),
            required: self.common.required,
            phases: self.common.phases.clone(),
            timeout: self.common.timeout.map(|t| t.get()),
        }
    }

    /// The runnable gate.
    pub fn build(&self, plan: &Plan) -> Result<Box<dyn DynGate>, BuildError> {
        let error = |message: String| BuildError::Gate {
            plan: plan.path.display().to_string(),
            line: self.line,
            id: self.common.id.clone(),
            message,
        };
        match &self.spec {
            GateKindSpec::Env(spec) => EnvGate::new(self.info(), spec.clone())
                .map(|g| Box::new(g) as Box<dyn DynGate>)
                .map_err(|e| error(e.to_string())),
        }
    }
}

impl Plan {
    /// The environment named by `requested`, else `release.default_environment`, else the
    /// only one declared.
    pub fn select_environment(
        &self,
        requested: Option<&str>,
    ) -> Result<SelectedEnvironment<'_>, BuildError> {
        let known = || {
            self.environments
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let plan = self.path.display().to_string();
        let name = match requested.or(self.release.default_environment.as_deref()) {
            Some(name) => name.to_owned(),
            None if self.environments.len() == 1 => {
                self.environments.keys().next().cloned().unwrap_or_default()
            }
            None => {
                return Err(BuildError::NoEnvironment {
                    plan,
                    known: known(),
                });
            }
        };
        let Some(settings) = self.environments.get(&name) else {
            return Err(BuildError::UnknownEnvironment {
                name,
                plan,
                known: known(),
            });
        };
        let production = settings.production.unwrap_or(name == "production");
        Ok(SelectedEnvironment {
            strict: settings.strict.unwrap_or(production),
            production,
            settings,
            name,
        })
    }

    /// The gates of any of these phases that run in the environment, in plan order.
    pub fn gates_for<'a>(
        &'a self,
        phases: &'a [&str],
        environment: &'a str,
    ) -> impl Iterator<Item = &'a GateSpec> + 'a {
        self.gates
            .iter()
            .filter(move |g| g.applies_to(environment) && phases.iter().any(|p| g.in_phase(p)))
    }

    /// The runnable gates of these phases for the environment.
    pub fn build_gates(
        &self,
        phases: &[&str],
        environment: &str,
    ) -> Result<Vec<Box<dyn DynGate>>, BuildError> {
        self.gates_for(phases, environment)
            .map(|g| g.build(self))
            .collect()
    }

    /// The variables whose values are secret: those with a `secret` rule and every token
    /// variable.
    pub fn secret_variables(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.tokens.values().cloned().collect();
        for gate in &self.gates {
            match &gate.spec {
                GateKindSpec::Env(spec) => names.extend(
                    spec.vars
                        .iter()
                        .filter(|v| v.secret.is_some())
                        .map(|v| v.name.clone()),
                ),
            }
        }
        names
    }
}
