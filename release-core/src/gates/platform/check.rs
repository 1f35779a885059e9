use futures_util::future::join_all;
use serde_json::Value;

use super::details::{DeploymentDetails, PlatformDetails};
use super::spec::PlatformGateSpec;
use crate::clients::railway::{
    Deployment, DeploymentStatus, RAILWAY_ENDPOINT, RailwayAuth, RailwayClient, RailwayError,
    Scope, ServiceInstance,
};
use crate::gate::worst;
use crate::gate::{Context, Evaluation, Evidence, Gate, GateInfo, Observation, Verdict};
use crate::net::check_retries;
use crate::probe;

/// The service strict mode always checks: a production release without its API is no release.
const STRICT_SERVICE: &str = "api";

/// Railway's view of the environment: every listed service exists, its latest deployment is
/// serving with running instances, and its runtime settings (healthcheck, replicas, restart
/// policy, sleeping) are fit for the environment. Each finding is an observation; the
/// deployment ids found (current and previous stable) are in the evaluation's details.
///
/// ```
/// use release_core::gates::platform::{PlatformGate, PlatformGateSpec};
/// let spec: PlatformGateSpec = toml::from_str("services = ['web', 'api']").unwrap();
/// let gate = PlatformGate::new(release_core::GateInfo::new("railway", "platform"), spec).unwrap();
/// ```
#[derive(Debug)]
pub struct PlatformGate {
    info: GateInfo,
    spec: PlatformGateSpec,
}

impl PlatformGate {
    /// A gate from its spec; the service list must not be empty.
    pub fn new(info: GateInfo, spec: PlatformGateSpec) -> Result<Self, crate::errors::InvalidSpec> {
        Self::checked(info, spec).map_err(crate::errors::InvalidSpec::from)
    }

    fn checked(info: GateInfo, spec: PlatformGateSpec) -> Result<Self, String> {
        check_retries(spec.retries)?;
        if spec.services.is_empty() {
            return Err("`services` lists no service to check".to_owned());
        }
        if spec.min_replicas < 1 {
            return Err("`min_replicas` must be at least 1".to_owned());
        }
        Ok(Self { info, spec })
    }

    fn services(&self, cx: &Context) -> Vec<String> {
        let mut services = self.spec.services.clone();
        if cx.is_strict() && !services.iter().any(|s| s == STRICT_SERVICE) {
            services.push(STRICT_SERVICE.to_owned());
        }
        services
    }

    async fn scope(
        &self,
        cx: &Context,
        client: &RailwayClient<'_>,
        auth: &RailwayAuth,
        attempts: &mut u32,
    ) -> Result<Scope, Evaluation> {
        let wanted = self
            .spec
            .environment
            .clone()
            .unwrap_or_else(|| cx.environment().to_owned());
        match auth {
            RailwayAuth::Project(_) => {
                let (scope, tries) = client
                    .token_scope()
                    .await
                    .map_err(|e| unavailable(cx, &e))?;
                *attempts = (*attempts).max(tries);
                if let Some(project) = self
                    .spec
                    .project
                    .as_ref()
                    .filter(|p| **p != scope.project_id)
                {
                    let observation = Observation::new(
                        "railway.project",
                        scope.project_id.clone(),
                        project.clone(),
                        "scope",
                    );
                    return Err(Evaluation::fail(format!(
                        "the project token is for project `{}`, not `{project}`",
                        scope.project_id
                    ))
                    .observation(observation));
                }
                if !scope.environment_name.eq_ignore_ascii_case(&wanted) {
                    let observation = Observation::new(
                        "railway.environment",
                        scope.environment_name.clone(),
                        wanted.clone(),
                        "scope",
                    );
                    return Err(Evaluation::fail(format!(
                        "the project token is for environment `{}`, not `{wanted}`",
                        scope.environment_name
                    ))
                    .observation(observation));
                }
                Ok(scope)
            }
            RailwayAuth::Account(_) => {
                let Some(project_id) = &self.spec.project else {
                    return Err(probe::misconfigured(
                        "project",
                        "an account token (RAILWAY_API_TOKEN) needs the gate's `project` id; a project token (RAILWAY_TOKEN) knows its own".to_owned(),
                    ));
                };
                let (project, tries) = client
                    .project(project_id)
                    .await
                    .map_err(|e| unavailable(cx, &e))?;
                *attempts = (*attempts).max(tries);
                let Some((id, name)) = project
                    .environments
                    .iter()
                    .find(|(_, n)| n.eq_ignore_ascii_case(&wanted))
                else {
                    let names: Vec<&str> = project
                        .environments
                        .iter()
                        .map(|(_, n)| n.as_str())
                        .collect();
                    return Err(Evaluation::fail(format!(
                        "project `{}` has no environment `{wanted}`",
                        project.name
                    ))
                    .observation(Observation::new(
                        "railway.environment",
                        "missing",
                        format!("one of: {}", names.join(", ")),
                        "exists",
                    )));
                };
                Ok(Scope {
                    project_id: project_id.clone(),
                    environment_id: id.clone(),
                    environment_name: name.clone(),
                })
            }
        }
    }
}

/// An evaluation for a Railway answer that gave nothing to judge: `error`, with the reason.
fn unavailable(cx: &Context, error: &RailwayError) -> Evaluation {
    let message = cx.redactor().redact(&error.message).into_owned();
    let rule = if error.unreachable {
        "reachable"
    } else {
        "railway.api"
    };
    let mut evaluation = Evaluation::error(format!("Railway {}: {message}", error.operation))
        .observation(Observation::new(
            format!("railway.{}", error.operation),
            message,
            "an answer with data",
            rule,
        ));
    evaluation.attempts = error.attempts.max(1);
    evaluation
}

/// The findings on one service, and a line of evidence.
fn judge_service(
    cx: &Context,
    spec: &PlatformGateSpec,
    name: &str,
    instance: Option<&ServiceInstance>,
) -> (Vec<(Verdict, Observation)>, String) {
    let mut findings = Vec::new();
    let mut finding =
        |verdict: Verdict, what: &str, observed: Value, expected: &str, rule: &str| {
            findings.push((
                verdict,
                Observation::new(format!("{name}.{what}"), observed, expected, rule),
            ));
        };
    let Some(instance) = instance else {
        finding(
            Verdict::Fail,
            "service",
            "missing".into(),
            "a service in this environment",
            "exists",
        );
        return (findings, format!("{name}: not in this environment"));
    };
    let production = cx.is_production();
    let Some(deployment) = &instance.latest_deployment else {
        finding(
            Verdict::Fail,
            "deployment",
            "never deployed".into(),
            "a SUCCESS deployment",
            "deployment.status",
        );
        return (findings, format!("{name}: never deployed"));
    };
    let running = deployment.running();
    let replicas = instance.instances_expected();
    let status = deployment.status.to_string();
    match &deployment.status {
        DeploymentStatus::Success if deployment.deployment_stopped || running == 0 => {
            finding(
                Verdict::Fail,
                "instances",
                format!("{running} running").into(),
                "at least 1 running",
                "deployment.instances",
            );
        }
        DeploymentStatus::Success if running < deployment.instances.len() => {
            finding(
                Verdict::Warn,
                "instances",
                format!(
                    "{running} of {} instances running",
                    deployment.instances.len()
                )
                .into(),
                "every instance running",
                "deployment.instances",
            );
        }
        DeploymentStatus::Success => {}
        DeploymentStatus::Crashed if running > 0 => {
            // Railway's CLI calls this "Online (n/m replicas crashed)": serving, but not well.
            finding(
                Verdict::Warn,
                "deployment",
                format!(
                    "CRASHED with {running} of {} instances running",
                    deployment.instances.len()
                )
                .into(),
                "SUCCESS",
                "deployment.status",
            );
        }
        DeploymentStatus::Building
        | DeploymentStatus::Deploying
        | DeploymentStatus::Queued
        | DeploymentStatus::Waiting
        | DeploymentStatus::Initializing => {
            finding(
                Verdict::Inconclusive,
                "deployment",
                format!("{status} (still rolling out)").into(),
                "SUCCESS",
                "deployment.status",
            );
        }
        DeploymentStatus::NeedsApproval => {
            finding(
                Verdict::Fail,
                "deployment",
                "NEEDS_APPROVAL: the deployment waits for someone to approve it in Railway".into(),
                "SUCCESS",
                "deployment.status",
            );
        }
        DeploymentStatus::Sleeping => {
            let verdict = if production {
                Verdict::Fail
            } else {
                Verdict::Warn
            };
            finding(
                verdict,
                "deployment",
                "SLEEPING".into(),
                "SUCCESS",
                "deployment.status",
            );
        }
        DeploymentStatus::Unknown(name) => {
            finding(
                Verdict::Inconclusive,
                "deployment",
                format!("{name} (a status this version does not know)").into(),
                "SUCCESS",
                "deployment.status",
            );
        }
        DeploymentStatus::Crashed
        | DeploymentStatus::Failed
        | DeploymentStatus::Removed
        | DeploymentStatus::Removing
        | DeploymentStatus::Skipped => {
            finding(
                Verdict::Fail,
                "deployment",
                status.clone().into(),
                "SUCCESS",
                "deployment.status",
            );
        }
    }
    if instance
        .healthcheck_path
        .as_deref()
        .is_none_or(|p| p.trim().is_empty())
    {
        finding(
            Verdict::Warn,
            "healthcheckPath",
            "not set".into(),
            "a path Railway probes before switching traffic",
            "healthcheck",
        );
    }
    if replicas < spec.min_replicas {
        finding(
            Verdict::Fail,
            "numReplicas",
            replicas.into(),
            &format!(">= {}", spec.min_replicas),
            "replicas.min",
        );
    } else if production && replicas == 1 {
        finding(
            Verdict::Warn,
            "numReplicas",
            1.into(),
            ">= 2 in production",
            "replicas.production",
        );
    }
    if instance
        .restart_policy_type
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("NEVER"))
    {
        let verdict = if production {
            Verdict::Fail
        } else {
            Verdict::Warn
        };
        finding(
            verdict,
            "restartPolicyType",
            "NEVER".into(),
            "ALWAYS or ON_FAILURE",
            "restart_policy",
        );
    }
    if instance.restart_policy_type.is_none() {
        // The schema says the field is always there; its absence means the answer is not what
        // this gate was written for, which is never a silent pass.
        finding(
            Verdict::Warn,
            "restartPolicyType",
            "missing".into(),
            "ALWAYS or ON_FAILURE",
            "restart_policy",
        );
    }
    if production && instance.sleep_application.is_none() {
        finding(
            Verdict::Warn,
            "sleepApplication",
            "missing".into(),
            "false in production",
            "sleep",
        );
    }
    if production && instance.sleep_application == Some(true) {
        finding(
            Verdict::Fail,
            "sleepApplication",
            true.into(),
            "false in production",
            "sleep",
        );
    }
    let evidence = format!(
        "{name}: {status} {}, {running}/{} instances running, healthcheck {}, {replicas} replica{}, restart {}{}",
        deployment.id,
        deployment.instances.len(),
        instance.healthcheck_path.as_deref().unwrap_or("not set"),
        if replicas == 1 { "" } else { "s" },
        instance.restart_policy_type.as_deref().unwrap_or("default"),
        instance
            .region
            .as_deref()
            .map(|r| format!(", region {r}"))
            .unwrap_or_default(),
    );
    (findings, evidence)
}

impl ServiceInstance {
    /// Replicas, with Railway's default of 1 when unset.
    fn instances_expected(&self) -> i64 {
        self.num_replicas.unwrap_or(1)
    }
}

/// The most recent deployment before `current` that served: a superseded one reads `REMOVED`,
/// a failed one never served and is no rollback target.
fn previous_stable<'a>(deployments: &'a [Deployment], current: &str) -> Option<&'a Deployment> {
    deployments.iter().filter(|d| d.id != current).find(|d| {
        matches!(
            d.status,
            DeploymentStatus::Success | DeploymentStatus::Removed | DeploymentStatus::Sleeping
        )
    })
}

impl Gate for PlatformGate {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &Context) -> Evaluation {
        let auth = match RailwayAuth::from_vars(cx.vars()) {
            Ok(auth) => auth,
            Err(problem) => return probe::misconfigured("token", problem),
        };
        // RAILWAY_API_URL (given to the context) wins over the plan, as base-URL overrides do.
        let endpoint = match (cx.url("railway_api_url"), &self.spec.endpoint) {
            (Some(url), _) => match crate::base_url::check_base_url(url) {
                Ok(()) => url.to_owned(),
                Err(problem) => {
                    return probe::misconfigured(
                        "endpoint",
                        format!(
                            "RAILWAY_API_URL {problem}; it must be {}",
                            crate::base_url::BASE_URL_RULE
                        ),
                    );
                }
            },
            (None, Some(endpoint)) => match cx.expand_url(endpoint) {
                Ok(endpoint) => endpoint,
                Err(problem) => return probe::misconfigured("endpoint", problem),
            },
            (None, None) => RAILWAY_ENDPOINT.to_owned(),
        };
        let client = RailwayClient::new(
            cx.http(),
            cx.clock(),
            cx.redactor(),
            endpoint,
            auth.clone(),
            self.spec.retries,
            self.info.timeout,
        );
        let mut attempts = 0;
        let scope = match self.scope(cx, &client, &auth, &mut attempts).await {
            Ok(scope) => scope,
            Err(evaluation) => return evaluation,
        };
        let instances = match client.service_instances(&scope).await {
            Ok((instances, tries)) => {
                attempts = attempts.max(tries);
                instances
            }
            Err(e) => return unavailable(cx, &e),
        };
        let services = self.services(cx);
        let mut findings = Vec::new();
        let mut evidence = vec![Evidence::new(
            "railway",
            format!(
                "environment {} ({}), {}",
                scope.environment_name,
                scope.environment_id,
                auth.kind()
            ),
        )];
        for name in &services {
            let matches = instances.iter().filter(|i| i.service_name == *name).count();
            if matches > 1 {
                // Which one serves traffic cannot be told from here; judging only the first
                // could pass a failing twin.
                findings.push((
                    Verdict::Inconclusive,
                    Observation::new(
                        format!("{name}.service"),
                        format!("{matches} services with this name"),
                        "one service",
                        "exists",
                    ),
                ));
            }
            let instance = instances.iter().find(|i| i.service_name == *name);
            let (found, line) = judge_service(cx, &self.spec, name, instance);
            findings.extend(found);
            evidence.push(Evidence::new(name.clone(), line));
        }
        // Rollback targets: the current and the previous stable deployment of each service.
        let deployed: Vec<&ServiceInstance> = services
            .iter()
            .filter_map(|name| instances.iter().find(|i| i.service_name == *name))
            .filter(|i| i.latest_deployment.is_some())
            .collect();
        let histories = join_all(
            deployed
                .iter()
                .map(|i| client.deployments(&scope, &i.service_id)),
        )
        .await;
        let mut deployments = Vec::new();
        for (instance, history) in deployed.iter().zip(histories) {
            let current = instance
                .latest_deployment
                .as_ref()
                .map(|d| (d.id.clone(), d.status.to_string()));
            let (previous, note) = match &history {
                Ok((list, tries)) => {
                    attempts = attempts.max(*tries);
                    let id = current
                        .as_ref()
                        .and_then(|(id, _)| previous_stable(list, id))
                        .map(|d| d.id.clone());
                    (id, None)
                }
                Err(e) => (None, Some(cx.redactor().redact(&e.message).into_owned())),
            };
            if let Some(note) = &note
                && (cx.is_production() || cx.is_strict())
            {
                // Without the previous stable deployment a rollback would have no target.
                findings.push((
                    Verdict::Warn,
                    Observation::new(
                        format!("{}.history", instance.service_name),
                        note.clone(),
                        "the previous stable deployment",
                        "rollback_target",
                    ),
                ));
            }
            if let Some(note) = &note {
                evidence.push(Evidence::new(
                    format!("{}.history", instance.service_name),
                    format!("previous stable deployment unknown: {note}"),
                ));
            }
            deployments.push(DeploymentDetails {
                service: instance.service_name.clone(),
                service_id: Some(instance.service_id.clone()),
                current_status: current.as_ref().map(|(_, status)| status.clone()),
                current: current.map(|(id, _)| id),
                previous_stable: previous,
            });
        }
        let verdict = worst(findings.iter().map(|(v, _)| *v));
        let summary = match findings.iter().find(|(v, _)| *v == verdict) {
            None => format!(
                "{} services deployed and fit for {}",
                services.len(),
                scope.environment_name
            ),
            Some((_, o)) => {
                let others = findings.len() - 1;
                let more = if others > 0 {
                    format!(" (and {others} more)")
                } else {
                    String::new()
                };
                format!("{}: {}{more}", o.name, crate::text::plain(&o.observed))
            }
        };
        evidence.extend(
            client
                .notes()
                .into_iter()
                .map(|note| Evidence::new("retry", note)),
        );
        let mut evaluation = Evaluation::new(verdict, summary)
            .observations(findings.into_iter().map(|(_, o)| o))
            .evidence(evidence)
            .details(
                PlatformDetails {
                    project_id: scope.project_id.clone(),
                    environment: scope.environment_name.clone(),
                    environment_id: scope.environment_id.clone(),
                    deployments,
                }
                .to_json(),
            );
        evaluation.attempts = attempts.max(1);
        // Anything Railway sent back is shown as it came, so the gate's own token is hidden
        // here whether or not the plan declared its variable a secret.
        let mut own = crate::Redactor::new();
        match &auth {
            RailwayAuth::Project(token) | RailwayAuth::Account(token) => {
                own.add(secrecy::ExposeSecret::expose_secret(token))
            }
        }
        evaluation.redact(&own);
        evaluation.redact(cx.redactor());
        evaluation
    }
}
