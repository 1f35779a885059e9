//! Where services are deployed and rolled back: Railway's API, or the plan's commands for any
//! other platform. A deployment is followed until it is live (`SUCCESS`) or lost.

use std::time::Duration;

use jiff::Timestamp;

use crate::clients::railway::{
    DeploymentStatus, RAILWAY_ENDPOINT, RailwayAuth, RailwayClient, RailwayError, Scope,
};
use crate::gate::Context;

/// How long one Railway call may take, retries included.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Consecutive failed status reads after which a deployment's wait gives up.
const READ_FAILURES: u32 = 3;

/// A deploy or rollback that did not happen, or whose result is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlatformFailure {
    /// What went wrong, redacted; it says whether the platform may have acted.
    pub(crate) message: String,
    /// Whether the platform may have acted although the call failed (a mutation answered
    /// 5xx, or cut off after it was sent): then it is a change, to be rolled back.
    pub(crate) may_have_acted: bool,
}

impl PlatformFailure {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            may_have_acted: false,
        }
    }

    fn from_railway(error: &RailwayError, cx: &Context) -> Self {
        Self {
            message: cx.redactor().redact(&error.to_string()).into_owned(),
            may_have_acted: error.may_have_acted,
        }
    }
}

/// How a wait for a deployment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Followed {
    /// Every status it passed through, in order.
    pub(crate) statuses: Vec<String>,
    /// `Ok` once live, else why not.
    pub(crate) result: Result<(), String>,
}

/// Railway's API for one environment.
pub(crate) struct Railway<'a> {
    cx: &'a Context,
    endpoint: String,
    auth: RailwayAuth,
    project: Option<String>,
    scope: tokio::sync::OnceCell<(Scope, Vec<(String, String)>)>,
}

impl<'a> Railway<'a> {
    /// Railway for the run's environment, with the run's token (`RAILWAY_TOKEN` or
    /// `RAILWAY_API_TOKEN` with `project`) and endpoint (`RAILWAY_API_URL`).
    pub(crate) fn new(cx: &'a Context, project: Option<String>) -> Result<Self, String> {
        let auth = RailwayAuth::from_vars(cx.vars()).map_err(|e| e.to_string())?;
        let endpoint = cx
            .url("railway_api_url")
            .map_or_else(|| RAILWAY_ENDPOINT.to_owned(), str::to_owned);
        Ok(Self {
            cx,
            endpoint,
            auth,
            project,
            scope: tokio::sync::OnceCell::new(),
        })
    }

    /// Where calls go, for `--dry-run`.
    pub(crate) fn describe(&self) -> String {
        format!("Railway ({}, {})", self.endpoint, self.auth.kind())
    }

    fn client(&self) -> RailwayClient<'a> {
        RailwayClient::new(
            self.cx.http(),
            self.cx.clock(),
            self.cx.redactor(),
            self.endpoint.clone(),
            self.auth.clone(),
            2,
            Some(CALL_TIMEOUT),
        )
    }

    fn failure(&self, error: &RailwayError) -> PlatformFailure {
        PlatformFailure::from_railway(error, self.cx)
    }

    /// The environment's scope and the project's services, read once.
    async fn scope(&self) -> Result<&(Scope, Vec<(String, String)>), PlatformFailure> {
        self.scope
            .get_or_try_init(|| async {
                let client = self.client();
                let wanted = self.cx.environment().to_owned();
                let scope = match (&self.auth, &self.project) {
                    (RailwayAuth::Project(_), _) => {
                        let (scope, _) =
                            client.token_scope().await.map_err(|e| self.failure(&e))?;
                        if !scope.environment_name.eq_ignore_ascii_case(&wanted) {
                            return Err(PlatformFailure::new(format!(
                                "the project token is for environment `{}`, not `{wanted}`",
                                scope.environment_name
                            )));
                        }
                        scope
                    }
                    (RailwayAuth::Account(_), None) => {
                        return Err(PlatformFailure::new(
                            "an account token (RAILWAY_API_TOKEN) needs `[rollout.deploy] project`; a project token (RAILWAY_TOKEN) knows its own",
                        ));
                    }
                    (RailwayAuth::Account(_), Some(project)) => {
                        let (view, _) =
                            client.project(project).await.map_err(|e| self.failure(&e))?;
                        let (id, name) = view
                            .environments
                            .iter()
                            .find(|(_, n)| n.eq_ignore_ascii_case(&wanted))
                            .ok_or_else(|| {
                                PlatformFailure::new(format!(
                                    "project `{}` has no environment `{wanted}`",
                                    view.name
                                ))
                            })?;
                        Scope {
                            project_id: project.clone(),
                            environment_id: id.clone(),
                            environment_name: name.clone(),
                        }
                    }
                };
                let (view, _) = client
                    .project(&scope.project_id)
                    .await
                    .map_err(|e| self.failure(&e))?;
                Ok((scope, view.services))
            })
            .await
    }

    async fn service_id(&self, service: &str) -> Result<(Scope, String), PlatformFailure> {
        let (scope, services) = self.scope().await?;
        let matches: Vec<&(String, String)> = services
            .iter()
            .filter(|(_, name)| name == service)
            .collect();
        match matches.as_slice() {
            [(id, _)] => Ok((scope.clone(), id.clone())),
            [] => Err(PlatformFailure::new(format!(
                "the Railway project has no service `{service}`"
            ))),
            _ => Err(PlatformFailure::new(format!(
                "the Railway project has {} services named `{service}`",
                matches.len()
            ))),
        }
    }

    /// The service's deployments, newest first.
    async fn deployments(
        &self,
        service: &str,
    ) -> Result<Vec<crate::clients::railway::Deployment>, PlatformFailure> {
        let (scope, service_id) = self.service_id(service).await?;
        let (deployments, _) = self
            .client()
            .deployments(&scope, &service_id)
            .await
            .map_err(|e| self.failure(&e))?;
        Ok(deployments)
    }

    /// The service's live deployment: the newest `SUCCESS` one.
    pub(crate) async fn live(&self, service: &str) -> Result<Option<String>, PlatformFailure> {
        Ok(self
            .deployments(service)
            .await?
            .into_iter()
            .find(|d| d.status == DeploymentStatus::Success)
            .map(|d| d.id))
    }

    /// The newest deployment of the service created at or after `since` that is not
    /// `except`: the one an interrupted deploy made, found again instead of deploying twice.
    pub(crate) async fn created_since(
        &self,
        service: &str,
        since: Timestamp,
        except: Option<&str>,
    ) -> Result<Option<String>, PlatformFailure> {
        Ok(self
            .deployments(service)
            .await?
            .into_iter()
            .filter(|d| Some(d.id.as_str()) != except)
            .find(|d| {
                d.created_at
                    .as_deref()
                    .and_then(|at| at.parse::<Timestamp>().ok())
                    .is_some_and(|at| at >= since)
            })
            .map(|d| d.id))
    }

    /// Deploys the service at `commit` (the branch's latest when `None`); the new
    /// deployment's id.
    pub(crate) async fn deploy(
        &self,
        service: &str,
        commit: Option<&str>,
    ) -> Result<String, PlatformFailure> {
        let (scope, service_id) = self.service_id(service).await?;
        let (id, _) = self
            .client()
            .deploy(&scope.environment_id, &service_id, commit)
            .await
            .map_err(|e| self.failure(&e))?;
        Ok(id)
    }

    /// Returns the service to deployment `to`: Railway's rollback when the deployment allows
    /// it (`canRollback`), else a redeploy of it. The deployment that is then going live.
    pub(crate) async fn roll_back(&self, to: &str) -> Result<String, PlatformFailure> {
        let client = self.client();
        let (target, _) = client.deployment(to).await.map_err(|e| self.failure(&e))?;
        if target.can_rollback {
            client
                .rollback_deployment(to)
                .await
                .map_err(|e| self.failure(&e))?;
            return Ok(to.to_owned());
        }
        if !target.can_redeploy {
            return Err(PlatformFailure::new(format!(
                "deployment {to} can neither be rolled back to (canRollback: false) nor redeployed (canRedeploy: false); it may be older than the image retention"
            )));
        }
        let (id, _) = client
            .redeploy_deployment(to)
            .await
            .map_err(|e| self.failure(&e))?;
        Ok(id)
    }

    /// Reads the deployment's status every `poll` until it is live, lost or `timeout` has
    /// passed; `seen` hears each new status.
    pub(crate) async fn follow(
        &self,
        deployment: &str,
        timeout: Duration,
        poll: Duration,
        seen: &dyn Fn(&str),
    ) -> Followed {
        let deadline = tokio::time::Instant::now() + timeout;
        let cancel = self.cx.cancellation();
        let mut statuses: Vec<String> = Vec::new();
        let mut failures = 0;
        loop {
            match self.client().deployment(deployment).await {
                Ok((state, _)) => {
                    failures = 0;
                    let status = state.status.to_string();
                    if statuses.last() != Some(&status) {
                        seen(&status);
                        statuses.push(status.clone());
                    }
                    match state.status {
                        DeploymentStatus::Success => {
                            return Followed {
                                statuses,
                                result: Ok(()),
                            };
                        }
                        DeploymentStatus::Failed
                        | DeploymentStatus::Crashed
                        | DeploymentStatus::Removed => {
                            return Followed {
                                statuses,
                                result: Err(format!("deployment {deployment} ended {status}")),
                            };
                        }
                        _ => {}
                    }
                }
                Err(error) => {
                    failures += 1;
                    if failures >= READ_FAILURES {
                        let message = self.failure(&error).message;
                        return Followed {
                            statuses,
                            result: Err(format!(
                                "the status of deployment {deployment} could not be read {failures} times in a row: {message}"
                            )),
                        };
                    }
                }
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                let last = statuses.last().map_or("unknown", String::as_str);
                return Followed {
                    result: Err(format!(
                        "deployment {deployment} was still {last} after {}",
                        crate::duration::format_duration(timeout)
                    )),
                    statuses,
                };
            }
            tokio::select! {
                () = cancel.cancelled() => {
                    return Followed {
                        statuses,
                        result: Err(format!("interrupted while deployment {deployment} was in progress")),
                    };
                }
                () = tokio::time::sleep(poll.min(deadline - now)) => {}
            }
        }
    }
}
