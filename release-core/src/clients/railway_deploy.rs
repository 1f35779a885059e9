//! Railway's deploy and rollback mutations and the deployment status a rollout follows. The
//! mutations are sent once unless Railway certainly did not act (see [`RailwayClient`]'s
//! `mutate`); their errors say whether it may have.

use serde::Deserialize;
use serde_json::json;

use super::railway::{DeploymentInstance, DeploymentStatus, RailwayClient, RailwayError};

const DEPLOY: &str = "mutation ServiceInstanceDeployV2($environmentId: String!, $serviceId: String!, $commitSha: String) { serviceInstanceDeployV2(environmentId: $environmentId, serviceId: $serviceId, commitSha: $commitSha) }";
const DEPLOYMENT: &str = "query Deployment($id: String!) { deployment(id: $id) { id status canRollback canRedeploy serviceId createdAt instances { id status } } }";
// `deploymentRollback` returns a bare `Boolean!`: selecting fields on it is a validation
// error, whatever Railway's docs page shows.
const ROLLBACK: &str = "mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }";
const REDEPLOY: &str =
    "mutation DeploymentRedeploy($id: String!) { deploymentRedeploy(id: $id) { id } }";

/// A deployment as a rollout follows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentState {
    /// Its id.
    pub id: String,
    /// Its status.
    pub status: DeploymentStatus,
    /// Whether Railway can roll back to it (within the image retention).
    #[serde(default)]
    pub can_rollback: bool,
    /// Whether Railway can redeploy it.
    #[serde(default)]
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

fn shape_error(operation: &'static str, message: String, attempts: u32) -> RailwayError {
    RailwayError {
        operation,
        message,
        unreachable: false,
        attempts,
        // Railway answered: what it said is all there is.
        may_have_acted: false,
    }
}

impl RailwayClient<'_> {
    /// Deploys a service in an environment, at `commit_sha` when given (the branch's latest
    /// otherwise): `serviceInstanceDeployV2`. The new deployment's id.
    pub async fn deploy(
        &self,
        environment_id: &str,
        service_id: &str,
        commit_sha: Option<&str>,
    ) -> Result<(String, u32), RailwayError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            service_instance_deploy_v2: String,
        }
        let variables = json!({
            "environmentId": environment_id,
            "serviceId": service_id,
            "commitSha": commit_sha,
        });
        let (data, attempts): (Data, u32) = self
            .mutate("ServiceInstanceDeployV2", DEPLOY, variables)
            .await?;
        let id = data.service_instance_deploy_v2.trim().to_owned();
        if id.is_empty() {
            return Err(shape_error(
                "ServiceInstanceDeployV2",
                "Railway answered the deploy with an empty deployment id; check the service's deployments".to_owned(),
                attempts,
            ));
        }
        Ok((id, attempts))
    }

    /// One deployment's status and what can be done with it.
    pub async fn deployment(&self, id: &str) -> Result<(DeploymentState, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Data {
            deployment: DeploymentState,
        }
        let (data, attempts): (Data, u32) = self
            .call("Deployment", DEPLOYMENT, json!({ "id": id }))
            .await?;
        Ok((data.deployment, attempts))
    }

    /// Makes deployment `id` the service's live one again: `deploymentRollback`. Railway
    /// answering `false` is an error: it did not roll back.
    pub async fn rollback_deployment(&self, id: &str) -> Result<u32, RailwayError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            deployment_rollback: bool,
        }
        let (data, attempts): (Data, u32) = self
            .mutate("DeploymentRollback", ROLLBACK, json!({ "id": id }))
            .await?;
        match data.deployment_rollback {
            true => Ok(attempts),
            false => Err(shape_error(
                "DeploymentRollback",
                format!("Railway answered false: it did not roll back to {id}"),
                attempts,
            )),
        }
    }

    /// Deploys deployment `id`'s build again as a new deployment: `deploymentRedeploy`. The
    /// new deployment's id.
    pub async fn redeploy_deployment(&self, id: &str) -> Result<(String, u32), RailwayError> {
        #[derive(Deserialize)]
        struct Redeployed {
            id: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            deployment_redeploy: Redeployed,
        }
        let (data, attempts): (Data, u32) = self
            .mutate("DeploymentRedeploy", REDEPLOY, json!({ "id": id }))
            .await?;
        let new = data.deployment_redeploy.id.trim().to_owned();
        if new.is_empty() {
            return Err(shape_error(
                "DeploymentRedeploy",
                "Railway answered the redeploy with an empty deployment id".to_owned(),
                attempts,
            ));
        }
        Ok((new, attempts))
    }
}
