//! Railway's deploy and rollback mutations and the deployment read a deploy waits on.
//!
//! A mutation is sent once. It is sent again only when Railway certainly did not act on it:
//! the connection was never made, or it answered 429 (after its `Retry-After`, within the
//! budget). Anything later (a 5xx, a timeout after sending, a cut connection, a GraphQL error)
//! may have come after the deploy started, so it ends the call with
//! [`RailwayError::may_have_acted`] set and a message saying to look before acting again.

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::railway::{
    Call, Deployment, DeploymentInstance, DeploymentStatus, InstanceStatus, RailwayClient,
    RailwayError, envelope,
};
use crate::net::HttpErrorKind;
use crate::net::exchange::Exchange;

const DEPLOY: &str = "mutation ServiceInstanceDeployV2($environmentId: String!, $serviceId: String!, $commitSha: String) { serviceInstanceDeployV2(environmentId: $environmentId, serviceId: $serviceId, commitSha: $commitSha) }";
const DEPLOYMENT: &str = "query Deployment($id: String!) { deployment(id: $id) { id status canRollback canRedeploy serviceId createdAt instances { id status } } }";
// `deploymentRollback` returns a bare `Boolean!`: a selection set on it is a validation error.
const ROLLBACK: &str = "mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }";
const REDEPLOY: &str =
    "mutation DeploymentRedeploy($id: String!) { deploymentRedeploy(id: $id) { id } }";

/// What a failed mutation's message ends with when Railway may have acted on it.
pub const MAY_HAVE_ACTED: &str =
    "not retried: Railway may have acted on it; check the service's deployments";

/// Longer ids than this are not Railway's (UUIDs); a hostile answer is not carried around.
const MAX_ID_CHARS: usize = 200;

/// One deployment as a deploy or a rollback waits on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentState {
    /// Its id.
    pub id: String,
    /// Its status.
    pub status: DeploymentStatus,
    /// Whether Railway can roll back to it (`deploymentRollback`).
    pub can_rollback: bool,
    /// Whether Railway can redeploy it (`deploymentRedeploy`).
    pub can_redeploy: bool,
    /// The service it belongs to.
    #[serde(default)]
    pub service_id: Option<String>,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Its replicas.
    #[serde(default)]
    pub instances: Vec<DeploymentInstance>,
}

impl DeploymentState {
    /// How many replicas are running.
    pub fn running(&self) -> usize {
        self.instances
            .iter()
            .filter(|i| i.status == InstanceStatus::Running)
            .count()
    }

    /// When it was created, if Railway said so readably.
    pub fn created(&self) -> Option<Timestamp> {
        created(self.created_at.as_deref())
    }
}

impl Deployment {
    /// When it was created, if Railway said so readably: compare these, not the strings,
    /// since Railway writes fractions of a second (`…00.000Z`) or not.
    ///
    /// ```
    /// use release_core::clients::railway::Deployment;
    /// let deployment: Deployment = serde_json::from_str(
    ///     r#"{"id": "dep-42", "status": "SUCCESS", "createdAt": "2026-05-01T10:00:00.000Z"}"#,
    /// ).unwrap();
    /// assert_eq!(deployment.created(), Some("2026-05-01T10:00:00Z".parse().unwrap()));
    /// ```
    pub fn created(&self) -> Option<Timestamp> {
        created(self.created_at.as_deref())
    }

    /// The commit it was built from (`meta.commitHash`), when Railway recorded one.
    ///
    /// ```
    /// use release_core::clients::railway::Deployment;
    /// let deployment: Deployment = serde_json::from_str(
    ///     r#"{"id": "dep-42", "status": "SUCCESS", "meta": {"commitHash": "a1b2c3d"}}"#,
    /// ).unwrap();
    /// assert_eq!(deployment.commit_hash(), Some("a1b2c3d"));
    /// ```
    pub fn commit_hash(&self) -> Option<&str> {
        self.meta.as_ref()?.get("commitHash")?.as_str()
    }
}

fn created(text: Option<&str>) -> Option<Timestamp> {
    text?.trim().parse().ok()
}

impl RailwayClient<'_> {
    /// Deploys a service in an environment (`serviceInstanceDeployV2`), at `commit_sha` or the
    /// service's latest source; returns the new deployment's id and the attempts made.
    pub async fn deploy(
        &self,
        environment_id: &str,
        service_id: &str,
        commit_sha: Option<&str>,
    ) -> Result<(String, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "serviceInstanceDeployV2")]
            id: String,
        }
        let variables = json!({
            "environmentId": environment_id,
            "serviceId": service_id,
            "commitSha": commit_sha,
        });
        let operation = "ServiceInstanceDeployV2";
        let (data, attempts): (Data, u32) = self
            .call_as(Call::Mutation, operation, DEPLOY, variables)
            .await?;
        let id = self.checked_id(operation, data.id, attempts)?;
        Ok((id, attempts))
    }

    /// One deployment's status, rollback and redeploy abilities and replicas.
    pub async fn deployment(&self, id: &str) -> Result<(DeploymentState, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            deployment: DeploymentState,
        }
        let (data, attempts): (Data, u32) = self
            .call_as(Call::Read, "Deployment", DEPLOYMENT, json!({ "id": id }))
            .await?;
        Ok((data.deployment, attempts))
    }

    /// Makes deployment `id` the service's active one again (`deploymentRollback`). Railway
    /// answering `false` is an error: it refused, and did nothing.
    pub async fn rollback_deployment(&self, id: &str) -> Result<u32, RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "deploymentRollback")]
            done: bool,
        }
        let operation = "DeploymentRollback";
        let (data, attempts): (Data, u32) = self
            .call_as(Call::Mutation, operation, ROLLBACK, json!({ "id": id }))
            .await?;
        if !data.done {
            return Err(RailwayError {
                operation,
                message: self.scrub(&format!(
                    "Railway refused to roll back to deployment {id} (it answered false); \
                     it may no longer be rollbackable (canRollback), e.g. past image retention"
                )),
                unreachable: false,
                attempts,
                may_have_acted: false,
            });
        }
        Ok(attempts)
    }

    /// Deploys deployment `id`'s build again (`deploymentRedeploy`); returns the new
    /// deployment's id and the attempts made.
    pub async fn redeploy_deployment(&self, id: &str) -> Result<(String, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "deploymentRedeploy")]
            deployment: NewDeployment,
        }
        #[derive(Deserialize)]
        struct NewDeployment {
            id: String,
        }
        let operation = "DeploymentRedeploy";
        let (data, attempts): (Data, u32) = self
            .call_as(Call::Mutation, operation, REDEPLOY, json!({ "id": id }))
            .await?;
        let id = self.checked_id(operation, data.deployment.id, attempts)?;
        Ok((id, attempts))
    }

    /// A deployment id from a mutation's answer. One that cannot be an id is an error that
    /// says Railway may have acted: the mutation was answered, so it probably did.
    fn checked_id(
        &self,
        operation: &'static str,
        id: String,
        attempts: u32,
    ) -> Result<String, RailwayError> {
        let trimmed = id.trim();
        let problem = if trimmed.is_empty() {
            Some("an empty deployment id".to_owned())
        } else if trimmed.chars().count() > MAX_ID_CHARS {
            Some(format!("a deployment id over {MAX_ID_CHARS} characters"))
        } else if trimmed.chars().any(char::is_control) {
            Some("a deployment id with control characters".to_owned())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(RailwayError {
                operation,
                message: format!("Railway answered with {problem}; {MAY_HAVE_ACTED}"),
                unreachable: false,
                attempts,
                may_have_acted: true,
            }),
            None => Ok(trimmed.to_owned()),
        }
    }

    /// The data of a mutation's exchange, or an error that says whether Railway may have
    /// acted on it.
    pub(super) fn finish_mutation<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        exchange: Exchange,
    ) -> Result<(T, u32), RailwayError> {
        let attempts = exchange.attempts;
        let failed = |message: String, unreachable: bool, may_have_acted: bool| {
            let tail = if may_have_acted {
                MAY_HAVE_ACTED
            } else {
                "Railway did not receive it"
            };
            // Scrubbed before the tail is added, so no clipping can cut the tail off.
            RailwayError {
                operation,
                message: format!("{}; {tail}", self.scrub(&message)),
                unreachable,
                attempts,
                may_have_acted,
            }
        };
        let response = match exchange.result {
            // Only a connection never made is sure to have sent nothing.
            Err(e) => {
                let sent = attempts > 0 && e.kind != HttpErrorKind::Connect;
                return Err(failed(e.message, true, sent));
            }
            Ok(response) => response,
        };
        if response.status == 429 {
            let why = exchange
                .not_retried
                .map(|why| format!(", {why}"))
                .unwrap_or_default();
            let tries = if attempts == 1 { "attempt" } else { "attempts" };
            return Err(failed(
                format!("rate limited (HTTP 429) after {attempts} {tries}{why}"),
                false,
                false,
            ));
        }
        let data = envelope(&response, self.auth.kind()).map_err(|m| failed(m, false, true))?;
        crate::net::shape::from_value(&data)
            .map(|value| (value, attempts))
            .map_err(|e| failed(format!("unexpected response shape: {e}"), false, true))
    }
}
