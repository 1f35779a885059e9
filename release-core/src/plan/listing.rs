//! What `release plan check` shows of a plan: each environment, its strictness and the
//! gates of each phase.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::{BuildError, KNOWN_PHASES, Plan};

/// What `release plan check` shows: the plan valid, each environment's phases and gates.
#[derive(Debug, Serialize)]
pub struct PlanListing {
    /// The plan's path.
    pub plan: String,
    /// Always true: an invalid plan is an error, not a listing.
    pub valid: bool,
    /// How many gates the plan declares.
    pub gates: usize,
    /// The environments listed (all, or the one asked for).
    pub environments: BTreeMap<String, EnvironmentListing>,
    /// How many environments the plan declares.
    #[serde(skip)]
    pub declared: usize,
}

/// One environment of a [`PlanListing`].
#[derive(Debug, Serialize)]
pub struct EnvironmentListing {
    /// Whether it is production.
    pub production: bool,
    /// Whether warnings block.
    pub strict: bool,
    /// Every phase in runbook order, with its gates.
    pub phases: Vec<PhaseListing>,
}

/// One phase of an environment, with its gates.
#[derive(Debug, Serialize)]
pub struct PhaseListing {
    /// The phase.
    pub phase: &'static str,
    /// Its gates, in plan order.
    pub gates: Vec<GateListing>,
}

/// A gate of a phase.
#[derive(Debug, Serialize)]
pub struct GateListing {
    /// The gate's id.
    pub id: String,
    /// Its kind.
    pub kind: &'static str,
    /// Whether it blocks on fail or error.
    pub required: bool,
}

impl PlanListing {
    /// The listing of `environment`, or of every environment when `None`; `strict` is the
    /// strictness asked for on top of the environments' own.
    pub fn new(plan: &Plan, environment: Option<&str>, strict: bool) -> Result<Self, BuildError> {
        let names: Vec<String> = match environment {
            Some(requested) => vec![plan.select_environment(Some(requested))?.name],
            None => plan.environments.keys().cloned().collect(),
        };
        let mut environments = BTreeMap::new();
        for name in names {
            let selected = plan.select_environment(Some(&name))?;
            let phases = KNOWN_PHASES
                .iter()
                .map(|phase| PhaseListing {
                    phase,
                    gates: plan
                        .gates_for(&[phase], &name)
                        .map(|g| GateListing {
                            id: g.common.id.clone(),
                            kind: g.spec.kind(),
                            required: g.common.required,
                        })
                        .collect(),
                })
                .collect();
            let listing = EnvironmentListing {
                production: selected.production,
                strict: strict || selected.strict,
                phases,
            };
            environments.insert(name, listing);
        }
        Ok(Self {
            plan: plan.path.display().to_string(),
            valid: true,
            gates: plan.gates.len(),
            environments,
            declared: plan.environments.len(),
        })
    }

    /// The listing for a person.
    pub fn human(&self) -> String {
        let (listing, declared) = (self, self.declared);
        let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut out = String::new();
        let _ = writeln!(
            out,
            "plan {} is valid: {}, {}",
            crate::names::escaped(&listing.plan),
            count(declared, "environment"),
            count(listing.gates, "gate")
        );
        for (name, env) in &listing.environments {
            let mut traits = Vec::new();
            if env.production {
                traits.push("production");
            }
            traits.push(if env.strict { "strict" } else { "not strict" });
            let _ = writeln!(out, "\nenvironment {name} ({})", traits.join(", "));
            for PhaseListing { phase, gates } in &env.phases {
                let listed = if gates.is_empty() {
                    "-".to_owned()
                } else {
                    let named: Vec<String> = gates
                        .iter()
                        .map(|g| {
                            format!(
                                "{} ({}{})",
                                g.id,
                                g.kind,
                                if g.required { "" } else { ", optional" }
                            )
                        })
                        .collect();
                    named.join(", ")
                };
                let _ = writeln!(out, "  {phase:<20} {listed}");
            }
        }
        out
    }
}
