//! JUnit XML for CI test views: one test suite per run, one test case per gate.

use std::time::Duration;

use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite, XmlString,
};

use super::ReportError;
use super::text::{self, single_line};
use crate::{GateRecord, Summary, Verdict};

/// Renders the summary as JUnit XML.
///
/// `fail` becomes `<failure>`, `error` becomes `<error>` and `skipped` becomes `<skipped>`.
/// `warn` and `inconclusive` are failures when they block (strict mode); otherwise they pass,
/// with the concern in `<system-out>`, so that CI test views agree with the exit code.
/// Characters XML 1.0 forbids are removed from every text and attribute.
pub fn render(summary: &Summary) -> Result<String, ReportError> {
    let mut suite = TestSuite::new(attr(&format!(
        "release.{}.{}",
        summary.phase, summary.environment
    )));
    suite.set_time(Duration::from_millis(summary.duration_ms));
    // quick-junit takes timestamps as chrono types; an extra attribute in the same RFC 3339
    // form keeps chrono out of this crate.
    suite.extra.insert(
        XmlString::new("timestamp"),
        XmlString::new(
            summary
                .started_at
                .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
        ),
    );
    let mut properties = vec![
        ("run_id", summary.run_id.clone()),
        ("environment", summary.environment.clone()),
        ("phase", summary.phase.clone()),
        ("strict", summary.strict.to_string()),
        ("outcome", summary.outcome.as_str().to_owned()),
        ("tool_version", summary.tool.version.clone()),
    ];
    if summary.cancelled {
        properties.push(("cancelled", "true".to_owned()));
    }
    if let Some(stopped) = &summary.stopped_early {
        properties.push(("stopped_early", stopped.reason.clone()));
    }
    suite.add_properties(
        properties
            .into_iter()
            .map(|(name, value)| Property::new(name, attr(&value))),
    );
    // add_test_case keeps the suite's counts equal to its children.
    suite.add_test_cases(summary.gates.iter().map(test_case));

    let mut report = Report::new("release");
    report.set_time(Duration::from_millis(summary.duration_ms));
    report.add_test_suite(suite);
    to_xml(&report)
}

/// The report as XML that Jenkins' JUnit schema accepts: quick-junit writes a `skipped` count
/// on `<testsuites>` too, an attribute that schema allows only on `<testsuite>` (where it
/// stays), so it is taken off the root.
pub(crate) fn to_xml(report: &Report) -> Result<String, ReportError> {
    let mut xml = report.to_string().map_err(ReportError::Junit)?;
    if let Some(start) = xml.find("<testsuites")
        && let Some(length) = xml[start..].find('>')
    {
        let root = &xml[start..start + length];
        if let Some(at) = root.find(" skipped=\"") {
            let value_start = start + at + " skipped=\"".len();
            if let Some(value_length) = xml[value_start..].find('"') {
                xml.replace_range(start + at..value_start + value_length + 1, "");
            }
        }
    }
    Ok(xml)
}

fn test_case(gate: &GateRecord) -> TestCase {
    let failure_type = || {
        gate.observations
            .first()
            .map(|o| o.rule.as_str())
            .filter(|rule| !rule.trim().is_empty())
            .unwrap_or(gate.verdict.as_str())
    };
    let non_success = |kind| {
        let mut status = TestCaseStatus::non_success(kind);
        status
            .set_message(attr(&gate.summary))
            .set_type(attr(failure_type()));
        if !gate.observations.is_empty() {
            status.set_description(body(observation_lines(gate)));
        }
        status
    };
    let mut out = Vec::new();
    let status = match gate.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail => non_success(NonSuccessKind::Failure),
        Verdict::Error => non_success(NonSuccessKind::Error),
        Verdict::Warn | Verdict::Inconclusive if gate.blocking => {
            non_success(NonSuccessKind::Failure)
        }
        Verdict::Warn | Verdict::Inconclusive => {
            out.push(format!("{}: {}", gate.verdict, single_line(&gate.summary)));
            out.extend(observation_lines(gate));
            TestCaseStatus::success()
        }
        Verdict::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(attr(&gate.summary));
            status
        }
    };
    out.extend(gate.evidence.iter().map(text::evidence));

    let mut case = TestCase::new(attr(&gate.id), status);
    case.set_classname(attr(&format!("release.{}", gate.kind)))
        .set_time(Duration::from_millis(gate.duration_ms));
    if !out.is_empty() {
        case.set_system_out(body(out));
    }
    case
}

fn observation_lines(gate: &GateRecord) -> Vec<String> {
    gate.observations.iter().map(text::observation).collect()
}

pub(crate) fn body(lines: Vec<String>) -> String {
    xml_safe(&text::lines(&lines.join("\n")))
}

/// An attribute value: one line (parsers would turn line breaks into spaces anyway) and only
/// characters XML 1.0 allows.
pub(crate) fn attr(value: &str) -> String {
    xml_safe(&single_line(value))
}

/// Removes what XML 1.0 forbids: C0 controls other than tab, line feed and carriage return, and
/// the non-characters U+FFFE and U+FFFF. (Surrogates cannot occur in a `str`.) quick-junit
/// strips the controls too, but not the non-characters.
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|c| match c {
            '\t' | '\n' | '\r' => true,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => false,
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_keeps_whitespace_and_drops_the_forbidden() {
        assert_eq!(
            xml_safe("a\u{0}b\tc\nd\re\u{1f}f\u{fffe}g\u{ffff}h\u{fffd}"),
            "ab\tc\nd\refgh\u{fffd}"
        );
    }
}
