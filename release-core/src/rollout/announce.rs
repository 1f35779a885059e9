//! The rollout's Slack announcements: start, outcome and rollback, each a text fallback plus
//! Block Kit blocks with the environment, version, commit, run id and the deciding gates.

use std::time::Duration;

use secrecy::SecretString;

use crate::clients::slack::{SlackMessage, SlackWebhook};
use crate::plan::RolloutStep;

use super::execution::Execution;
use super::summary::{RolloutSummary, StepReport, StepStatus};

/// How long one announcement may take, retries after a 429 included.
const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the rollout announces at all: it declares an `announce` step.
pub(crate) fn configured(execution: &Execution<'_, '_>) -> bool {
    execution
        .plan()
        .rollout
        .steps
        .iter()
        .any(|s| matches!(s, RolloutStep::Announce { .. }))
}

/// The webhook URL, when its variable is set.
fn webhook(execution: &Execution<'_, '_>) -> Option<SecretString> {
    let name = &execution.plan().rollout.announce.webhook;
    execution
        .context()
        .vars()
        .get(name)
        .map(|v| v.expose().trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

/// Whether the webhook's variable is set (for `--dry-run`, which never posts).
pub(crate) fn webhook_set(execution: &Execution<'_, '_>) -> bool {
    webhook(execution).is_some()
}

/// Posts `message`; why not, redacted.
pub(crate) fn post(execution: &Execution<'_, '_>, message: &SlackMessage) -> Result<(), String> {
    let name = &execution.plan().rollout.announce.webhook;
    let Some(url) = webhook(execution) else {
        return Err(format!("{name} is not set, so nothing was announced"));
    };
    let cx = execution.context();
    let client = SlackWebhook::new(cx.http(), cx.clock(), cx.redactor(), url, POST_TIMEOUT);
    execution
        .runtime
        .block_on(client.post(message))
        .map(|_| ())
        .map_err(|e| execution.redact(&e.to_string()))
}

/// Announces how the rollout ended, when it announces at all; a failure is a note.
pub(crate) fn outcome(execution: &Execution<'_, '_>, summary: &mut RolloutSummary, outcome: &str) {
    if !configured(execution) {
        return;
    }
    let message = Announcement::outcome(execution, summary, outcome);
    if let Err(why) = post(execution, &message) {
        summary
            .notes
            .push(format!("the outcome announcement failed: {why}"));
    }
}

/// The messages.
pub(crate) struct Announcement;

impl Announcement {
    fn release(execution: &Execution<'_, '_>) -> (String, String) {
        let release = execution.release();
        let version = release
            .version
            .clone()
            .unwrap_or_else(|| "unversioned".to_owned());
        let commit = release.commit.as_deref().map_or_else(
            || "unknown".to_owned(),
            |c| c.get(..12).unwrap_or(c).to_owned(),
        );
        (version, commit)
    }

    fn fields(execution: &Execution<'_, '_>, run_id: &str) -> Vec<(String, String)> {
        let (version, commit) = Self::release(execution);
        vec![
            ("Environment".to_owned(), execution.environment().to_owned()),
            ("Version".to_owned(), format!("{version} ({commit})")),
            ("Run".to_owned(), run_id.to_owned()),
            ("By".to_owned(), execution.actor()),
        ]
    }

    /// The start of a rollout.
    pub(crate) fn start(execution: &Execution<'_, '_>, run_id: &str) -> SlackMessage {
        let (version, _) = Self::release(execution);
        let name = execution.plan_name();
        let environment = execution.environment();
        let steps: Vec<&str> = execution
            .plan()
            .rollout
            .steps
            .iter()
            .map(RolloutStep::id)
            .collect();
        SlackMessage::new(format!(
            "Rollout of {name} {version} to {environment} started"
        ))
        .header(format!(
            ":rocket: Rollout started: {name} {version} → {environment}"
        ))
        .fields(Self::fields(execution, run_id))
        .context(format!("steps: {}", steps.join(" → ")))
    }

    /// How a rollout ended.
    pub(crate) fn outcome(
        execution: &Execution<'_, '_>,
        summary: &RolloutSummary,
        outcome: &str,
    ) -> SlackMessage {
        let (version, _) = Self::release(execution);
        let name = execution.plan_name();
        let environment = execution.environment();
        let deciding: Vec<String> = summary
            .steps
            .iter()
            .flat_map(|s| s.gate_runs.iter())
            .flat_map(|r| r.deciding.iter().cloned())
            .collect();
        let icon = match summary.steps.iter().any(|s| s.status == StepStatus::Failed) {
            true => ":x:",
            false => ":white_check_mark:",
        };
        let mut message = SlackMessage::new(format!(
            "Rollout of {name} {version} to {environment}: {outcome}"
        ))
        .header(format!(
            "{icon} {name} {version} → {environment}: {outcome}"
        ))
        .fields(Self::fields(execution, &summary.run_id));
        if let Some(decision) = &summary.decision {
            message = message.section(format!(
                "*Decision:* {} — {}",
                decision.decision, decision.reason
            ));
        }
        if !deciding.is_empty() {
            message = message.context(format!("deciding gates: {}", deciding.join(", ")));
        }
        message
    }

    /// A rollback, and how far it got.
    pub(crate) fn rollback(
        execution: &Execution<'_, '_>,
        run_id: &str,
        steps: &[StepReport],
        complete: bool,
        why: &str,
    ) -> SlackMessage {
        let (version, _) = Self::release(execution);
        let name = execution.plan_name();
        let environment = execution.environment();
        let state = match complete {
            true => "rolled back",
            false => "rollback incomplete, a human must finish",
        };
        let steps: Vec<String> = steps
            .iter()
            .map(|s| format!("{} {}", s.id, s.status.as_str()))
            .collect();
        SlackMessage::new(format!("{name} {version} in {environment}: {state}: {why}"))
            .header(format!(
                ":rewind: {name} {version} → {environment}: {state}"
            ))
            .fields(Self::fields(execution, run_id))
            .section(format!("*Why:* {why}"))
            .context(steps.join(" · "))
    }
}
