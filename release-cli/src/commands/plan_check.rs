//! `release plan check`: validate a plan and show what each phase would run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use release_core::plan::KNOWN_PHASES;
use release_core::report::Format;
use release_core::{Plan, exit_code};
use serde::Serialize;

use super::listing_format;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

#[derive(Serialize)]
struct Listing {
    plan: String,
    valid: bool,
    gates: usize,
    environments: BTreeMap<String, EnvironmentListing>,
}

#[derive(Serialize)]
struct EnvironmentListing {
    production: bool,
    strict: bool,
    /// Every phase in runbook order, with its gates.
    phases: Vec<PhaseListing>,
}

#[derive(Serialize)]
struct PhaseListing {
    phase: &'static str,
    gates: Vec<GateListing>,
}

#[derive(Serialize)]
struct GateListing {
    id: String,
    kind: &'static str,
    required: bool,
}

pub(crate) fn run(global: &GlobalArgs) -> Result<i32, CliError> {
    let format = listing_format(global, "plan check")?;
    let plan = Plan::load(&global.plan).map_err(CliError::input)?;
    // Without --env every environment is listed: checking a plan should show all of it.
    let names: Vec<String> = match global.environment.as_deref() {
        Some(requested) => vec![
            plan.select_environment(Some(requested))
                .map_err(CliError::input)?
                .name,
        ],
        None => plan.environments.keys().cloned().collect(),
    };
    let mut environments = BTreeMap::new();
    for name in names {
        let selected = plan
            .select_environment(Some(&name))
            .map_err(CliError::input)?;
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
            strict: global.strict || selected.strict,
            phases,
        };
        environments.insert(name, listing);
    }
    let listing = Listing {
        plan: plan.path.display().to_string(),
        valid: true,
        gates: plan.gates.len(),
        environments,
    };
    let text = match format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&listing).map_err(CliError::output)?
        ),
        _ => human(&listing, plan.environments.len()),
    };
    output::print_stdout(&text)?;
    Ok(exit_code::PASSED)
}

fn human(listing: &Listing, declared: usize) -> String {
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan {} is valid: {}, {}",
        release_core::names::escaped(&listing.plan),
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
