//! The rollout summary in every output format, and what it leaves behind: the summary file,
//! GitHub annotations and the step summary.

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::Plan;
use crate::report::github::workflow_command;
use crate::report::junit::attr;
use crate::report::markdown::inline;
use crate::report::{Format, ReportError};

use super::human::render_rollout;
use super::summary::{RolloutSummary, StepReport, StepStatus};

/// The summary in `format`: a timeline (human), the JSON document, JUnit XML (one test case
/// per step), Markdown or an HTML page.
pub fn render(format: Format, summary: &RolloutSummary) -> Result<String, ReportError> {
    Ok(match format {
        Format::Human => render_rollout(summary),
        Format::Json => serde_json::to_string_pretty(summary).map_err(ReportError::Json)? + "\n",
        Format::Junit => junit(summary)?,
        Format::Markdown => markdown(summary),
        Format::Html => super::html::render_html(summary),
    })
}

/// Where the summary is written: `<artifacts_dir>/<env>-rollout-summary.json` (or
/// `-rollback-summary.json`).
pub fn summary_path(plan: &Plan, summary: &RolloutSummary) -> std::path::PathBuf {
    plan.release.artifacts_dir.join(format!(
        "{}-{}-summary.json",
        summary.environment,
        summary.kind.as_str()
    ))
}

/// Writes the summary file (and `out`) atomically and appends the Markdown to the GitHub
/// step summary; what could not be written, one message each.
pub fn record(
    plan: &Plan,
    summary: &RolloutSummary,
    out: Option<&Path>,
    step_summary: Option<&Path>,
) -> Vec<String> {
    let mut failures = Vec::new();
    if summary.outcome == super::RolloutOutcome::DryRun {
        return failures;
    }
    let json = match serde_json::to_string_pretty(summary) {
        Ok(json) => json + "\n",
        Err(e) => return vec![format!("the rollout summary could not be rendered: {e}")],
    };
    let path = summary_path(plan, summary);
    for file in std::iter::once(path.as_path()).chain(out) {
        if let Err(e) = crate::atomic::write(file, json.as_bytes()) {
            failures.push(e.to_string());
        }
    }
    if let Some(path) = step_summary {
        let text = markdown(summary) + "\n";
        if let Err(e) = crate::atomic::append(path, text.as_bytes()) {
            failures.push(e.to_string());
        }
    }
    failures
}

/// `::error` for each failed step, `::warning` for each warned one.
pub fn annotations(summary: &RolloutSummary) -> String {
    let mut out = String::new();
    for step in summary.steps.iter().chain(&summary.rollback) {
        let command = match step.status {
            StepStatus::Failed => "error",
            StepStatus::Warned => "warning",
            _ => continue,
        };
        out.push_str(&workflow_command(
            command,
            &format!("{} {}", summary.kind.as_str(), step.id),
            &format!("{}: {}", step.id, step.summary),
        ));
    }
    if summary.exit_code != 0 {
        out.push_str(&workflow_command(
            "error",
            &format!("{} {}", summary.kind.as_str(), summary.outcome.as_str()),
            &summary.reason,
        ));
    }
    out
}

fn junit(summary: &RolloutSummary) -> Result<String, ReportError> {
    let mut report = Report::new("release");
    report.set_time(Duration::from_millis(summary.duration_ms));
    let mut suite = TestSuite::new(attr(&format!(
        "release.{}.{}",
        summary.kind.as_str(),
        summary.environment
    )));
    suite.set_time(Duration::from_millis(summary.duration_ms));
    suite.add_properties(
        [
            ("run_id", summary.run_id.as_str()),
            ("environment", summary.environment.as_str()),
            ("outcome", summary.outcome.as_str()),
        ]
        .into_iter()
        .map(|(name, value)| Property::new(name, attr(value))),
    );
    suite.add_test_cases(summary.steps.iter().map(test_case));
    // The outcome as a case of its own, so a run refused before any step (frozen, locked)
    // or ended by its decision still fails in a CI test view, with why.
    let status = match summary.exit_code {
        0 => TestCaseStatus::success(),
        _ => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(attr(&summary.reason))
                .set_type(attr(summary.outcome.as_str()));
            status
        }
    };
    let mut outcome = TestCase::new("outcome", status);
    outcome.set_classname(attr(summary.kind.as_str()));
    suite.add_test_case(outcome);
    report.add_test_suite(suite);
    if !summary.rollback.is_empty() {
        let mut rollback =
            TestSuite::new(attr(&format!("release.rollback.{}", summary.environment)));
        rollback.add_test_cases(summary.rollback.iter().map(test_case));
        report.add_test_suite(rollback);
    }
    crate::report::junit::to_xml(&report)
}

fn test_case(step: &StepReport) -> TestCase {
    let status = match step.status {
        StepStatus::Done | StepStatus::Warned | StepStatus::Planned => TestCaseStatus::success(),
        StepStatus::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(attr(&step.summary));
            status
        }
        StepStatus::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(attr(&step.summary))
                .set_type(attr(&step.kind));
            status
        }
    };
    let mut case = TestCase::new(attr(&step.id), status);
    case.set_classname(attr(&step.kind));
    case.set_time(Duration::from_millis(step.duration_ms));
    if step.status == StepStatus::Warned {
        case.set_system_out(attr(&step.summary));
    }
    case
}

fn markdown(summary: &RolloutSummary) -> String {
    let mut out = format!(
        "## Release {}: {} → {}\n\n**Outcome: {} (exit {})**: {}\n\n",
        summary.kind.as_str(),
        inline(&summary.plan),
        inline(&summary.environment),
        summary.outcome.as_str(),
        summary.exit_code,
        inline(&summary.reason)
    );
    table(&mut out, &summary.steps);
    if let Some(decision) = &summary.decision {
        out.push_str(&format!(
            "\n**Decision:** {}: {}\n",
            decision.decision,
            inline(&decision.reason)
        ));
    }
    if !summary.rollback.is_empty() {
        out.push_str("\n### Rollback\n\n");
        table(&mut out, &summary.rollback);
    }
    if let Some(command) = &summary.to_finish {
        out.push_str(&format!(
            "\n**To finish:** `{}`\n",
            command.replace('`', "'")
        ));
    }
    out
}

fn table(out: &mut String, steps: &[StepReport]) {
    out.push_str("| step | kind | status | what happened |\n|---|---|---|---|\n");
    for step in steps {
        let what = match &step.target {
            Some(target) if step.summary.is_empty() => target.clone(),
            _ => step.summary.clone(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            inline(&step.id),
            inline(&step.kind),
            step.status.as_str(),
            inline(&what)
        ));
    }
}
