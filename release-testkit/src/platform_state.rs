//! The platform mock's state machine: services, their deployments, and how a deploy, a
//! redeploy or a rollback moves them over time.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::platform_progress::Progress;
use crate::platform_seed::{self, SeedDeployment};

/// Replicas of every service, as in the fixtures.
const REPLICAS: usize = 2;

/// Where a deployment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The starting history.
    Seeded,
    /// `serviceInstanceDeployV2`.
    Deployed,
    /// `deploymentRedeploy` of `new_release` or not.
    Redeployed { new_release: bool },
}

impl Origin {
    /// A deployment of the release under test: created by a deploy, or a redeploy of one.
    pub(crate) fn new_release(self) -> bool {
        matches!(
            self,
            Self::Deployed | Self::Redeployed { new_release: true }
        )
    }
}

#[derive(Debug)]
enum Phase {
    /// A status that does not change on its own (the starting history).
    Fixed(String),
    /// Moving along `progress` from `from`; `reached` once its `SUCCESS` made it current.
    Scheduled {
        progress: Progress,
        from: Instant,
        reached: bool,
    },
}

#[derive(Debug)]
pub(crate) struct Deployment {
    pub(crate) id: String,
    pub(crate) service: usize,
    pub(crate) created_at: String,
    pub(crate) meta: Value,
    pub(crate) origin: Origin,
    phase: Phase,
    /// Superseded by a newer current deployment.
    removed: bool,
    /// Has been current (so an image exists to roll back to).
    served: bool,
    /// Set by the test; otherwise whether it served.
    pub(crate) can_rollback_override: Option<bool>,
    /// Order of the last deploy or rollback that made it the newest: Railway lists the
    /// deployment a rollback creates first, so the one rolled back to leads here.
    touched: u64,
}

#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) deploys: Progress,
    pub(crate) rollbacks: Progress,
    current: Option<usize>,
    current_since: Option<Instant>,
}

/// A read-only view of one deployment at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct View {
    pub(crate) id: String,
    pub(crate) service: String,
    pub(crate) status: String,
    pub(crate) can_rollback: bool,
    pub(crate) current: bool,
    pub(crate) new_release: bool,
}

/// Why a mutation was refused, as Railway's error message.
pub(crate) type Refusal = String;

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) project_id: String,
    pub(crate) environment_id: String,
    pub(crate) environment_name: String,
    pub(crate) services: Vec<Service>,
    pub(crate) deployments: Vec<Deployment>,
    touches: u64,
    created: u64,
}

impl State {
    pub(crate) fn new(
        project_id: &str,
        environment: &str,
        services: &[(String, Vec<SeedDeployment>)],
    ) -> Self {
        let mut state = State {
            project_id: project_id.to_owned(),
            environment_id: environment_id(environment),
            environment_name: environment.to_owned(),
            services: Vec::new(),
            deployments: Vec::new(),
            touches: 0,
            created: 0,
        };
        for (name, history) in services {
            let service = state.services.len();
            state.services.push(Service {
                id: format!("svc-{name}"),
                name: name.clone(),
                deploys: Progress::default(),
                rollbacks: Progress::immediate(),
                current: None,
                current_since: None,
            });
            // Oldest first, so `touched` orders them as listed.
            for seed in history.iter().rev() {
                let index = state.deployments.len();
                state.touches += 1;
                let removed = seed.status == "REMOVED";
                state.deployments.push(Deployment {
                    id: seed.id.clone(),
                    service,
                    created_at: seed.created_at.clone(),
                    meta: meta(&seed.commit, &seed.message),
                    origin: Origin::Seeded,
                    phase: Phase::Fixed(seed.status.clone()),
                    removed,
                    served: matches!(
                        seed.status.as_str(),
                        "SUCCESS" | "REMOVED" | "SLEEPING" | "CRASHED"
                    ),
                    can_rollback_override: None,
                    touched: state.touches,
                });
                if !removed && matches!(seed.status.as_str(), "SUCCESS" | "SLEEPING" | "CRASHED") {
                    state.services[service].current = Some(index);
                }
            }
        }
        state
    }

    pub(crate) fn service_index(&self, id_or_name: &str) -> Option<usize> {
        self.services
            .iter()
            .position(|s| s.id == id_or_name || s.name == id_or_name)
    }

    pub(crate) fn deployment_index(&self, id: &str) -> Option<usize> {
        self.deployments.iter().position(|d| d.id == id)
    }

    /// Applies every `SUCCESS` reached by `now`, in the order they were reached: the deployment
    /// becomes current and the one it replaces goes `REMOVED`.
    pub(crate) fn settle(&mut self, now: Instant) {
        loop {
            let next = self
                .deployments
                .iter()
                .enumerate()
                .filter_map(|(index, d)| match &d.phase {
                    Phase::Scheduled {
                        progress,
                        from,
                        reached: false,
                    } => {
                        let at = from.checked_add(progress.success_after()?)?;
                        (at <= now).then_some((at, index))
                    }
                    _ => None,
                })
                .min();
            let Some((at, index)) = next else { return };
            if let Phase::Scheduled { reached, .. } = &mut self.deployments[index].phase {
                *reached = true;
            }
            self.make_current(index, at);
        }
    }

    fn make_current(&mut self, index: usize, at: Instant) {
        let service = self.deployments[index].service;
        if let Some(old) = self.services[service].current
            && old != index
        {
            self.deployments[old].removed = true;
        }
        let deployment = &mut self.deployments[index];
        deployment.removed = false;
        deployment.served = true;
        self.services[service].current = Some(index);
        self.services[service].current_since = Some(at);
    }

    pub(crate) fn status(&self, index: usize, now: Instant) -> String {
        let deployment = &self.deployments[index];
        if deployment.removed {
            return "REMOVED".to_owned();
        }
        match &deployment.phase {
            Phase::Fixed(status) => status.clone(),
            Phase::Scheduled { progress, from, .. } => progress
                .status_at(now.saturating_duration_since(*from))
                .to_owned(),
        }
    }

    pub(crate) fn can_rollback(&self, index: usize) -> bool {
        let deployment = &self.deployments[index];
        deployment
            .can_rollback_override
            .unwrap_or(deployment.served)
    }

    /// A new deployment of `service`, moving along its deploy schedule from `now`.
    pub(crate) fn deploy(
        &mut self,
        service: usize,
        meta: Value,
        origin: Origin,
        now: Instant,
    ) -> String {
        self.created += 1;
        self.touches += 1;
        let id = format!("dep-{}-{}", self.services[service].name, self.created);
        self.deployments.push(Deployment {
            id: id.clone(),
            service,
            created_at: timestamp_now(),
            meta,
            origin,
            phase: Phase::Scheduled {
                progress: self.services[service].deploys.clone(),
                from: now,
                reached: false,
            },
            removed: false,
            served: false,
            can_rollback_override: None,
            touched: self.touches,
        });
        self.settle(now);
        id
    }

    /// Makes deployment `index` current again along its service's rollback schedule.
    pub(crate) fn rollback(&mut self, index: usize, now: Instant) -> Result<(), Refusal> {
        if !self.can_rollback(index) {
            return Err(format!(
                "Deployment {} cannot be rolled back: canRollback is false",
                self.deployments[index].id
            ));
        }
        let service = self.deployments[index].service;
        if self.services[service].current == Some(index) {
            // Already current: nothing to do, as a second rollback after a lost answer finds.
            return Ok(());
        }
        self.touches += 1;
        let progress = self.services[service].rollbacks.clone();
        let deployment = &mut self.deployments[index];
        deployment.touched = self.touches;
        deployment.phase = Phase::Scheduled {
            progress,
            from: now,
            reached: false,
        };
        // Until the rollback's `SUCCESS`, it shows the schedule, not `REMOVED`.
        deployment.removed = false;
        self.settle(now);
        Ok(())
    }

    /// `(index, when it went live)` of `service`'s current deployment.
    pub(crate) fn current(&self, service: usize) -> Option<(usize, Option<Instant>)> {
        let svc = &self.services[service];
        svc.current.map(|index| (index, svc.current_since))
    }

    /// The deployments of `service` (every service for `None`), newest first.
    pub(crate) fn listed(&self, service: Option<usize>) -> Vec<usize> {
        let mut list: Vec<usize> = (0..self.deployments.len())
            .filter(|&i| service.is_none_or(|s| self.deployments[i].service == s))
            .collect();
        list.sort_by_key(|&i| std::cmp::Reverse(self.deployments[i].touched));
        list
    }

    pub(crate) fn view(&self, index: usize, now: Instant) -> View {
        let deployment = &self.deployments[index];
        let service = &self.services[deployment.service];
        View {
            id: deployment.id.clone(),
            service: service.name.clone(),
            status: self.status(index, now),
            can_rollback: self.can_rollback(index),
            current: service.current == Some(index),
            new_release: deployment.origin.new_release(),
        }
    }

    /// The GraphQL `Deployment` object.
    pub(crate) fn deployment_json(&self, index: usize, now: Instant) -> Value {
        let deployment = &self.deployments[index];
        let status = self.status(index, now);
        json!({
            "id": deployment.id,
            "status": status,
            "canRollback": self.can_rollback(index),
            "canRedeploy": true,
            "serviceId": self.services[deployment.service].id,
            "environmentId": self.environment_id,
            "projectId": self.project_id,
            "createdAt": deployment.created_at,
            "deploymentStopped": false,
            "meta": deployment.meta,
            "instances": instances(&deployment.id, &status),
        })
    }

    /// The GraphQL `ServiceInstance` object of `service`.
    pub(crate) fn instance_json(&self, service: usize, now: Instant) -> Value {
        let svc = &self.services[service];
        let latest = self
            .listed(Some(service))
            .first()
            .map(|&index| self.deployment_json(index, now));
        let active: Vec<Value> = svc
            .current
            .map(|index| self.deployment_json(index, now))
            .into_iter()
            .collect();
        let (path, timeout) = platform_seed::healthcheck(&svc.name);
        let short = self.environment_name.chars().take(4).collect::<String>();
        json!({
            "id": format!("si-{}-{short}", svc.name),
            "serviceId": svc.id,
            "serviceName": svc.name,
            "environmentId": self.environment_id,
            "numReplicas": REPLICAS,
            "healthcheckPath": path,
            "healthcheckTimeout": timeout,
            "restartPolicyType": "ON_FAILURE",
            "region": "us-west2",
            "sleepApplication": false,
            "latestDeployment": latest,
            "activeDeployments": active,
        })
    }
}

/// `env-prod` for `production` (as in the fixtures), `env-<name>` otherwise.
pub(crate) fn environment_id(name: &str) -> String {
    if name == "production" {
        "env-prod".to_owned()
    } else {
        format!("env-{name}")
    }
}

pub(crate) fn meta(commit: &str, message: &str) -> Value {
    json!({ "commitHash": commit, "commitMessage": message, "branch": "main", "repo": "acme/app" })
}

/// The replicas a deployment in `status` shows.
fn instances(id: &str, status: &str) -> Value {
    let replica = match status {
        "SUCCESS" => "RUNNING",
        "DEPLOYING" => "INITIALIZING",
        "CRASHED" => "CRASHED",
        _ => return json!([]),
    };
    let stem = id.strip_prefix("dep-").unwrap_or(id);
    (1..=REPLICAS)
        .map(|k| json!({ "id": format!("ins-{stem}-{k}"), "status": replica }))
        .collect()
}

/// Now, as Railway writes `createdAt`: RFC 3339 UTC with milliseconds.
fn timestamp_now() -> String {
    let now = jiff::Timestamp::now();
    let millis = now.as_millisecond();
    jiff::Timestamp::from_millisecond(millis)
        .unwrap_or(now)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// How long ago `at` was, at `now`.
pub(crate) fn since(at: Instant, now: Instant) -> Duration {
    now.saturating_duration_since(at)
}
