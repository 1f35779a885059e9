//! How the platform mock answers one GraphQL request: checks, faults, then the state.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use crate::graphql_text::{self, Argument};
use crate::mock::Upstream;
use crate::platform_fault::RailwayFault;
use crate::platform_state::{Origin, State, meta, since};
use crate::railway::{RailwayRequest, graphql_error, not_authorized};
use crate::recorded::RecordedResponse;

/// The operations the platform serves, by the root field a server would execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    ProjectToken,
    Project,
    EnvironmentInstances,
    Deployments,
    Deployment,
    ServiceInstanceDeployV2,
    DeploymentRollback,
    DeploymentRedeploy,
}

impl Operation {
    const ALL: [Operation; 8] = [
        Self::ProjectToken,
        Self::Project,
        Self::EnvironmentInstances,
        Self::Deployments,
        Self::Deployment,
        Self::ServiceInstanceDeployV2,
        Self::DeploymentRollback,
        Self::DeploymentRedeploy,
    ];

    /// The operation's name, as faults and recorded mutations use it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::ProjectToken => "ProjectToken",
            Self::Project => "Project",
            Self::EnvironmentInstances => "EnvironmentInstances",
            Self::Deployments => "Deployments",
            Self::Deployment => "Deployment",
            Self::ServiceInstanceDeployV2 => "ServiceInstanceDeployV2",
            Self::DeploymentRollback => "DeploymentRollback",
            Self::DeploymentRedeploy => "DeploymentRedeploy",
        }
    }

    fn root_field(self) -> &'static str {
        match self {
            Self::ProjectToken => "projectToken",
            Self::Project => "project",
            Self::EnvironmentInstances => "environment",
            Self::Deployments => "deployments",
            Self::Deployment => "deployment",
            Self::ServiceInstanceDeployV2 => "serviceInstanceDeployV2",
            Self::DeploymentRollback => "deploymentRollback",
            Self::DeploymentRedeploy => "deploymentRedeploy",
        }
    }

    /// The GraphQL type of the root field, for validation messages; `None` for an object.
    fn scalar_type(self) -> Option<&'static str> {
        match self {
            Self::ServiceInstanceDeployV2 => Some("String!"),
            Self::DeploymentRollback => Some("Boolean!"),
            _ => None,
        }
    }

    pub(crate) fn is_mutation(self) -> bool {
        matches!(
            self,
            Self::ServiceInstanceDeployV2 | Self::DeploymentRollback | Self::DeploymentRedeploy
        )
    }

    fn from_root_field(field: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.root_field() == field)
    }

    /// Operation names clients send for documents without a readable root field.
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "DeploymentStatus" => Some(Self::Deployment),
            "ServiceInstanceDeploy" => Some(Self::ServiceInstanceDeployV2),
            _ => Self::ALL.into_iter().find(|op| op.name() == name),
        }
    }
}

/// One mutation the platform mock received (see
/// [`RailwayPlatformMock::mutations`](crate::RailwayPlatformMock::mutations)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedMutation {
    /// `ServiceInstanceDeployV2`, `DeploymentRollback` or `DeploymentRedeploy` (the root field
    /// the document executes, whatever its `operationName`).
    pub operation: String,
    /// The request's `variables`.
    pub variables: Value,
    /// When it arrived.
    pub at: Instant,
    /// How long after the mock started it arrived.
    pub since_start: Duration,
    /// Whether it took effect (refused ones, and faults that do not act, did not).
    pub acted: bool,
    /// The HTTP status answered.
    pub status: u16,
    /// The deployment it created (deploy, redeploy) or made current (rollback), when it acted.
    pub deployment: Option<String>,
}

/// The platform's state plus what the mock adds around it: faults and records.
#[derive(Debug)]
pub(crate) struct Platform {
    pub(crate) state: State,
    pub(crate) started: Instant,
    pub(crate) faults: BTreeMap<String, VecDeque<RailwayFault>>,
    pub(crate) mutations: Vec<RecordedMutation>,
}

/// The outcome of running an operation against the state.
struct Outcome {
    response: RecordedResponse,
    acted: bool,
    deployment: Option<String>,
}

impl Outcome {
    fn data(field: &str, value: Value) -> Self {
        Self {
            response: RecordedResponse::json(200, json!({ "data": { field: value } })),
            acted: false,
            deployment: None,
        }
    }

    fn error(field: &str, message: &str) -> Self {
        Self {
            response: RecordedResponse::json(
                200,
                json!({ "data": null, "errors": [{ "message": message, "path": [field] }] }),
            ),
            acted: false,
            deployment: None,
        }
    }

    fn acted(mut self, deployment: &str) -> Self {
        self.acted = true;
        self.deployment = Some(deployment.to_owned());
        self
    }
}

impl Upstream for Platform {
    type Recorded = RailwayRequest;

    fn record(request: &Request) -> RailwayRequest {
        RailwayRequest::from_request(request)
    }

    fn answer(&mut self, recorded: &RailwayRequest, request: &Request) -> ResponseTemplate {
        let now = Instant::now();
        self.state.settle(now);
        if serde_json::from_slice::<Value>(&request.body).is_err() {
            return graphql_error(400, "POST body sent invalid JSON.");
        }
        let project_token = recorded.project_token().is_some();
        let authenticated = project_token || recorded.bearer_token().is_some();
        let root = recorded.query.as_deref().and_then(graphql_text::root_field);
        let operation = match &root {
            Some(root) => Operation::from_root_field(&root.name),
            None => recorded.operation.as_deref().and_then(Operation::from_name),
        };
        let Some(operation) = operation else {
            if !authenticated {
                return not_authorized();
            }
            let field = root.map_or_else(
                || recorded.operation.clone().unwrap_or_default(),
                |root| root.name,
            );
            return graphql_error(
                200,
                &format!(
                    "Cannot query field \"{field}\" on type \"Query\" (release-testkit's \
                     RailwayPlatformMock serves: {})",
                    Operation::ALL.map(Operation::name).join(", ")
                ),
            );
        };
        let (response, delay, acted, deployment) = if authenticated {
            self.respond(operation, recorded, root.as_ref(), project_token, now)
        } else {
            (not_authorized_response(), Duration::ZERO, false, None)
        };
        if operation.is_mutation() {
            self.mutations.push(RecordedMutation {
                operation: operation.name().to_owned(),
                variables: recorded.variables.clone(),
                at: now,
                since_start: since(self.started, now),
                acted,
                status: response.status,
                deployment,
            });
        }
        let template = response.template();
        if delay.is_zero() {
            template
        } else {
            template.set_delay(delay)
        }
    }
}

impl Platform {
    fn respond(
        &mut self,
        operation: Operation,
        recorded: &RailwayRequest,
        root: Option<&graphql_text::RootField>,
        project_token: bool,
        now: Instant,
    ) -> (RecordedResponse, Duration, bool, Option<String>) {
        let zero = Duration::ZERO;
        let variables = arguments(root, &recorded.variables);
        if operation == Operation::ProjectToken && !project_token {
            return (not_authorized_response(), zero, false, None);
        }
        if let Some(root) = root
            && let Some(message) = selection_error(operation, root.has_selection)
        {
            let body = json!({ "data": null, "errors": [{
                "message": message,
                "extensions": { "code": "GRAPHQL_VALIDATION_FAILED" },
            }] });
            return (RecordedResponse::json(200, body), zero, false, None);
        }
        match self.next_fault(operation, recorded.operation.as_deref()) {
            Some(fault) => {
                let outcome = fault
                    .acts
                    .then(|| self.execute(operation, &variables, project_token, now));
                let acted = outcome.as_ref().is_some_and(|o| o.acted);
                let deployment = outcome.as_ref().and_then(|o| o.deployment.clone());
                let response = match (fault.response, outcome) {
                    (Some(response), _) => response,
                    (None, Some(outcome)) => outcome.response,
                    // A fault that gives the normal answer always acts.
                    (None, None) => not_authorized_response(),
                };
                (response, fault.delay, acted, deployment)
            }
            None => {
                let outcome = self.execute(operation, &variables, project_token, now);
                (outcome.response, zero, outcome.acted, outcome.deployment)
            }
        }
    }

    /// The next fault for `operation` (by its name, then by the request's `operationName`),
    /// used up by one.
    fn next_fault(
        &mut self,
        operation: Operation,
        sent_name: Option<&str>,
    ) -> Option<RailwayFault> {
        let names = [Some(operation.name()), sent_name];
        for name in names.into_iter().flatten() {
            let Some(queue) = self.faults.get_mut(name) else {
                continue;
            };
            while let Some(front) = queue.front_mut() {
                if front.times == 0 {
                    queue.pop_front();
                    continue;
                }
                front.times -= 1;
                let fault = front.clone();
                if front.times == 0 {
                    queue.pop_front();
                }
                return Some(fault);
            }
        }
        None
    }

    fn execute(
        &mut self,
        operation: Operation,
        variables: &Value,
        project_token: bool,
        now: Instant,
    ) -> Outcome {
        let field = operation.root_field();
        let string = |name: &str| variables.get(name).and_then(Value::as_str);
        let missing = |name: &str| {
            Outcome::error(
                field,
                &format!("Variable \"${name}\" of required type \"String!\" was not provided."),
            )
        };
        let state = &mut self.state;
        match operation {
            Operation::ProjectToken => Outcome::data(
                field,
                json!({
                    "id": "pt-1",
                    "project": { "id": state.project_id, "name": "acme" },
                    "environment": { "id": state.environment_id, "name": state.environment_name },
                }),
            ),
            Operation::Project => {
                if string("id").is_some_and(|id| id != state.project_id) {
                    return Outcome::error(field, "Project not found");
                }
                let services: Vec<Value> = state
                    .services
                    .iter()
                    .map(|s| json!({ "node": { "id": s.id, "name": s.name } }))
                    .collect();
                Outcome::data(
                    field,
                    json!({
                        "id": state.project_id,
                        "name": "acme",
                        "workspaceId": "ws-acme",
                        "deletedAt": null,
                        "workspace": { "name": "Acme" },
                        "environments": { "edges": [{ "node": {
                            "id": state.environment_id,
                            "name": state.environment_name,
                            "canAccess": true,
                            "deletedAt": null,
                        } }] },
                        "services": { "edges": services },
                    }),
                )
            }
            Operation::EnvironmentInstances => {
                if string("environmentId").is_some_and(|id| id != state.environment_id) {
                    return Outcome::error(field, "Environment not found");
                }
                let edges: Vec<Value> = (0..state.services.len())
                    .map(|s| json!({ "node": state.instance_json(s, now) }))
                    .collect();
                Outcome::data(
                    field,
                    json!({
                        "id": state.environment_id,
                        "name": state.environment_name,
                        "serviceInstances": {
                            "edges": edges,
                            "pageInfo": { "hasNextPage": false, "endCursor": null },
                        },
                    }),
                )
            }
            Operation::Deployments => {
                let input = variables.get("input").cloned().unwrap_or(Value::Null);
                let service = match input.get("serviceId").and_then(Value::as_str) {
                    Some(id) => match state.service_index(id) {
                        Some(index) => Some(index),
                        None => return Outcome::error(field, &format!("Service not found: {id}")),
                    },
                    None => None,
                };
                let wanted = |key: &str| -> Option<Vec<String>> {
                    input.get("status")?.get(key)?.as_array().map(|list| {
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                };
                let (only, except) = (wanted("in"), wanted("notIn"));
                let first = variables
                    .get("first")
                    .and_then(Value::as_u64)
                    .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
                let edges: Vec<Value> = state
                    .listed(service)
                    .into_iter()
                    .map(|index| state.deployment_json(index, now))
                    .filter(|d| {
                        let status = d["status"].as_str().unwrap_or_default().to_owned();
                        only.as_ref().is_none_or(|list| list.contains(&status))
                            && except.as_ref().is_none_or(|list| !list.contains(&status))
                    })
                    .take(first)
                    .map(|node| json!({ "node": node }))
                    .collect();
                Outcome::data(field, json!({ "edges": edges }))
            }
            Operation::Deployment => {
                let Some(id) = string("id") else {
                    return missing("id");
                };
                match state.deployment_index(id) {
                    Some(index) => Outcome::data(field, state.deployment_json(index, now)),
                    None => Outcome::error(field, "Deployment not found"),
                }
            }
            Operation::ServiceInstanceDeployV2 => {
                let (Some(environment), Some(service_id)) =
                    (string("environmentId"), string("serviceId"))
                else {
                    return missing(if string("environmentId").is_none() {
                        "environmentId"
                    } else {
                        "serviceId"
                    });
                };
                if environment != state.environment_id {
                    return if project_token {
                        Outcome::error(field, "Not Authorized")
                    } else {
                        Outcome::error(field, "Environment not found")
                    };
                }
                let Some(service) = state.services.iter().position(|s| s.id == service_id) else {
                    return Outcome::error(field, "Service not found");
                };
                let commit = string("commitSha").map_or_else(
                    || {
                        state
                            .current(service)
                            .and_then(|(index, _)| {
                                state.deployments[index].meta["commitHash"]
                                    .as_str()
                                    .map(str::to_owned)
                            })
                            .unwrap_or_default()
                    },
                    str::to_owned,
                );
                let id = state.deploy(
                    service,
                    meta(&commit, "deployed by release-testkit"),
                    Origin::Deployed,
                    now,
                );
                Outcome::data(field, json!(id)).acted(&id)
            }
            Operation::DeploymentRollback => {
                let Some(id) = string("id") else {
                    return missing("id");
                };
                let Some(index) = state.deployment_index(id) else {
                    return Outcome::error(field, "Deployment not found");
                };
                match state.rollback(index, now) {
                    Ok(()) => Outcome::data(field, json!(true)).acted(id),
                    Err(message) => Outcome::error(field, &message),
                }
            }
            Operation::DeploymentRedeploy => {
                let Some(id) = string("id") else {
                    return missing("id");
                };
                let Some(index) = state.deployment_index(id) else {
                    return Outcome::error(field, "Deployment not found");
                };
                let source = &state.deployments[index];
                let (service, meta, new_release) = (
                    source.service,
                    source.meta.clone(),
                    source.origin.new_release(),
                );
                let new = state.deploy(service, meta, Origin::Redeployed { new_release }, now);
                let index = state.deployment_index(&new).unwrap_or(index);
                Outcome::data(field, state.deployment_json(index, now)).acted(&new)
            }
        }
    }
}

/// The arguments the root field receives, by argument name: the request's variables as
/// bound in the document (`deployment(id: $deploymentId)`), over the variables of the same
/// name.
fn arguments(root: Option<&graphql_text::RootField>, variables: &Value) -> Value {
    let mut arguments = match variables {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    for (name, argument) in root.map_or(&[][..], |root| root.arguments.as_slice()) {
        let value = match argument {
            Argument::Variable(variable) => variables.get(variable).cloned(),
            Argument::Literal(text) => Some(Value::String(text.clone())),
        };
        match value {
            Some(value) => arguments.insert(name.clone(), value),
            None => arguments.remove(name),
        };
    }
    Value::Object(arguments)
}

fn not_authorized_response() -> RecordedResponse {
    RecordedResponse::json(
        200,
        json!({ "data": null, "errors": [{ "message": "Not Authorized" }] }),
    )
}

/// graphql-js's validation message when a field's selection does not fit its type.
fn selection_error(operation: Operation, has_selection: bool) -> Option<String> {
    let field = operation.root_field();
    match (operation.scalar_type(), has_selection) {
        (Some(scalar), true) => Some(format!(
            "Field \"{field}\" must not have a selection since type \"{scalar}\" has no subfields."
        )),
        (None, false) => Some(format!(
            "Field \"{field}\" of type \"{}!\" must have a selection of subfields. Did you mean \
             \"{field} {{ ... }}\"?",
            object_type(operation)
        )),
        _ => None,
    }
}

fn object_type(operation: Operation) -> &'static str {
    match operation {
        Operation::ProjectToken => "ProjectToken",
        Operation::Project => "Project",
        Operation::EnvironmentInstances => "Environment",
        Operation::Deployments => "QueryDeploymentsConnection",
        _ => "Deployment",
    }
}
