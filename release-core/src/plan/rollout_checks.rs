//! The `[rollout]` table's checks against the rest of the plan: step ids, the services a
//! deploy names, the phases a gates step runs.

use super::model::{KNOWN_PHASES, Plan};
use super::rollout::{DeployPlatform, RolloutStep};

/// A problem of the `[rollout]` table, at a step (by index) and a key where one causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RolloutProblem {
    pub(crate) step: Option<usize>,
    pub(crate) key: Option<&'static str>,
    pub(crate) message: String,
}

impl Plan {
    /// The services a rollout may deploy: those the rollback plan names and those the
    /// plan's `platform` gates check.
    pub fn known_services(&self) -> std::collections::BTreeSet<String> {
        let rollback = self.rollback.services();
        let mut services: std::collections::BTreeSet<String> =
            [rollback.web, rollback.api].into_iter().collect();
        for gate in &self.gates {
            if let crate::gates::GateKindSpec::Platform(spec) = &gate.spec {
                services.extend(spec.services.iter().cloned());
            }
        }
        services
    }

    pub(crate) fn rollout_problems(&self) -> Vec<RolloutProblem> {
        let mut problems = Vec::new();
        let rollout = &self.rollout;
        let known = self.known_services();
        let mut seen = std::collections::BTreeSet::new();
        for (index, step) in rollout.steps.iter().enumerate() {
            let mut problem = |key: Option<&'static str>, message: String| {
                problems.push(RolloutProblem {
                    step: Some(index),
                    key,
                    message,
                });
            };
            let id = step.id();
            if let Err(why) = crate::names::check_name(id) {
                problem(
                    Some("id"),
                    format!(
                        "rollout step id `{id}` {why}; ids are {}, as they are recorded and shown",
                        crate::names::NAME_RULE
                    ),
                );
            } else if !seen.insert(id) {
                problem(Some("id"), format!("duplicate rollout step id `{id}`"));
            }
            match step {
                RolloutStep::Announce { .. } => {}
                RolloutStep::Deploy {
                    service, command, ..
                } => {
                    if !known.contains(service) {
                        problem(
                            Some("service"),
                            format!(
                                "rollout step `{id}` deploys `{service}`, which the plan does not know; known services: {} (from `[rollback]` web_service/api_service and the platform gates' `services`)",
                                known
                                    .iter()
                                    .map(|s| format!("`{s}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    }
                    if rollout.deploy.platform == DeployPlatform::Command
                        && command.is_empty()
                        && rollout.deploy.command.is_empty()
                    {
                        problem(
                            None,
                            format!(
                                "rollout step `{id}` deploys by command, but neither the step nor `[rollout.deploy]` gives a `command`"
                            ),
                        );
                    }
                    if command.first().is_some_and(|p| p.trim().is_empty()) {
                        problem(
                            Some("command"),
                            format!("rollout step `{id}`: the command's program is empty"),
                        );
                    }
                }
                RolloutStep::Command { command, .. } => {
                    if command.first().is_none_or(|p| p.trim().is_empty()) {
                        problem(
                            Some("command"),
                            format!("rollout step `{id}` gives no program to run"),
                        );
                    }
                }
                RolloutStep::Gates { phases, .. } => {
                    if phases.is_empty() {
                        problem(
                            Some("phases"),
                            format!("rollout step `{id}` names no phase to run"),
                        );
                    }
                    for phase in phases {
                        if !KNOWN_PHASES.contains(&phase.as_str()) {
                            problem(
                                Some("phases"),
                                format!(
                                    "rollout step `{id}` names phase `{phase}`, which is not one of {}",
                                    KNOWN_PHASES.map(|p| format!("`{p}`")).join(", ")
                                ),
                            );
                        }
                    }
                }
            }
        }
        if rollout
            .deploy
            .command
            .first()
            .is_some_and(|p| p.trim().is_empty())
        {
            problems.push(RolloutProblem {
                step: None,
                key: Some("deploy"),
                message: "`rollout.deploy.command`'s program is empty".to_owned(),
            });
        }
        problems
    }
}
