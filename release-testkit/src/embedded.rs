//! The recorded responses of the app's systems (`health`, `ai-runtime`, `agent-gateway`), the
//! Railway cases and the Prometheus and Alertmanager cases, compiled into the crate so a mock environment works wherever the binary
//! runs. Unit tests check they equal the files and that none of those files is left out.

use std::path::PathBuf;

use crate::railway_case::RailwayCase;
use crate::recorded::{FixtureError, RecordedResponse};

macro_rules! recorded {
    ($($system:literal / $case:literal),* $(,)?) => {
        /// `(system, case, file text)` for every embedded recorded response.
        pub(crate) const EMBEDDED: &[(&str, &str, &str)] = &[
            $((
                $system,
                $case,
                include_str!(concat!("../fixtures/responses/", $system, "/", $case, ".json")),
            )),*
        ];
    };
}

recorded! {
    "health" / "health-json-pass",
    "health" / "health-json-warn",
    "health" / "health-json-fail",
    "health" / "health-json-alias-mixed-case",
    "health" / "spring-up",
    "health" / "spring-down",
    "health" / "spring-out-of-service",
    "health" / "spring-unknown",
    "health" / "spring-legacy-details",
    "health" / "simple-ok",
    "health" / "plain-ok",
    "health" / "readyz-verbose-passed",
    "health" / "readyz-failed",
    "health" / "prometheus-ready",
    "health" / "prometheus-healthy",
    "health" / "alertmanager-ready",
    "health" / "plain-not-ready",
    "health" / "plain-service-unavailable-200",
    "health" / "plain-unrecognised-200",
    "health" / "empty-body",
    "health" / "malformed-json",
    "ai-runtime" / "health-ok",
    "ai-runtime" / "health-roles-blocked",
    "ai-runtime" / "health-rolesblocked-top-level",
    "ai-runtime" / "health-missing-summary",
    "ai-runtime" / "dry-run-ok",
    "ai-runtime" / "dry-run-failed",
    "agent-gateway" / "sessions-fresh",
    "agent-gateway" / "sessions-stale",
    "agent-gateway" / "sessions-empty",
    "agent-gateway" / "sessions-missing-lastactivity",
}

macro_rules! railway {
    ($($case:literal),* $(,)?) => {
        /// `(case, file text)` for every embedded Railway case, sorted by name.
        pub(crate) const RAILWAY_CASES: &[(&str, &str)] = &[
            $((
                $case,
                include_str!(concat!("../fixtures/responses/railway/", $case, ".json")),
            )),*
        ];

        /// The names in [`RAILWAY_CASES`].
        pub(crate) const RAILWAY_CASE_NAMES: &[&str] = &[$($case),*];
    };
}

railway! {
    "crashed-deployment",
    "crashed-running-instances",
    "deploying",
    "healthy",
    "missing-api-service",
    "missing-data",
    "needs-approval",
    "never-deployed",
    "no-healthcheck",
    "not-json",
    "rate-limited",
    "restart-never",
    "single-replica",
    "sleeping-service",
    "unauthorized",
    "unknown-status",
}

macro_rules! mock_cases {
    ($cases:ident, $names:ident, $system:literal: $($case:literal),* $(,)?) => {
        /// `(case, file text)` for every embedded case of the system, sorted by name.
        pub(crate) const $cases: &[(&str, &str)] = &[
            $((
                $case,
                include_str!(concat!("../fixtures/responses/", $system, "/", $case, ".json")),
            )),*
        ];

        /// The names in the list above.
        pub(crate) const $names: &[&str] = &[$($case),*];
    };
}

mock_cases! {
    PROMETHEUS_CASES, PROMETHEUS_CASE_NAMES, "prometheus":
    "bad-data-400",
    "canceled-499",
    "empty",
    "error-with-200",
    "execution-422",
    "huge-exponent",
    "integer-timestamp",
    "internal-500",
    "matrix",
    "minus-inf",
    "nan",
    "native-histogram",
    "not-acceptable-406",
    "not-found-404",
    "plus-inf",
    "proxy-401-text",
    "proxy-html-502",
    "scalar",
    "string",
    "success-with-400",
    "timeout-503",
    "tiny-exponent",
    "unavailable-500",
    "vector-one",
    "vector-two-series",
    "warnings-infos",
    "warnings-partial",
}

mock_cases! {
    ALERTMANAGER_CASES, ALERTMANAGER_CASE_NAMES, "alertmanager":
    "critical-active",
    "error-400-string",
    "error-500-string",
    "html-502",
    "mixed",
    "muted-by-time-interval",
    "none",
    "not-an-array",
    "null-body",
    "pre-0.28-no-muted-by",
    "suppressed-silenced",
    "unprocessed",
    "v1-410-deprecated",
    "warning-active",
}

/// An embedded Prometheus or Alertmanager case (`system` is [`crate::fixtures::PROMETHEUS`] or
/// [`crate::fixtures::ALERTMANAGER`]), or `None` when there is no such case.
pub(crate) fn mock_case(
    system: &str,
    name: &str,
) -> Option<Result<RecordedResponse, FixtureError>> {
    let cases = match system {
        crate::fixtures::PROMETHEUS => PROMETHEUS_CASES,
        crate::fixtures::ALERTMANAGER => ALERTMANAGER_CASES,
        _ => return None,
    };
    let (_, text) = cases.iter().find(|(case, _)| *case == name)?;
    let path = PathBuf::from(format!(
        "fixtures/responses/{system}/{name}.json (embedded)"
    ));
    Some(RecordedResponse::from_json_at(text, path))
}

/// An embedded Railway case, or `None` when there is no such case.
pub(crate) fn railway_case(name: &str) -> Option<Result<RailwayCase, FixtureError>> {
    let (_, text) = RAILWAY_CASES.iter().find(|(case, _)| *case == name)?;
    let path = PathBuf::from(format!("fixtures/responses/railway/{name}.json (embedded)"));
    Some(RailwayCase::from_json_at(text, path))
}

/// An embedded recorded response. A missing or broken one (which the unit test below rules
/// out) is served as a 500 that says so, rather than panicking.
pub(crate) fn response(system: &str, case: &str) -> RecordedResponse {
    let found = EMBEDDED.iter().find(|(s, c, _)| *s == system && *c == case);
    let result = match found {
        Some((_, _, text)) => RecordedResponse::from_json(text).map_err(|err| err.to_string()),
        None => Err(format!("no embedded recorded response {system}/{case}")),
    };
    result.unwrap_or_else(|reason| RecordedResponse {
        description: None,
        status: 500,
        headers: [("content-type".to_owned(), "text/plain".to_owned())].into(),
        body: serde_json::Value::String(format!("release-testkit: {reason}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_response_parses_and_matches_its_file() {
        for (system, case, text) in EMBEDDED {
            let embedded = RecordedResponse::from_json(text)
                .unwrap_or_else(|err| panic!("{system}/{case}: {err}"));
            let on_disk = crate::fixtures::response(system, case)
                .unwrap_or_else(|err| panic!("{system}/{case}: {err}"));
            assert_eq!(embedded, on_disk, "{system}/{case}");
            assert_eq!(response(system, case), on_disk, "{system}/{case}");
        }
    }

    #[test]
    fn every_file_of_the_embedded_systems_is_embedded() {
        for (system, case, _) in crate::fixtures::responses().unwrap() {
            if ["health", "ai-runtime", "agent-gateway"].contains(&system.as_str()) {
                assert!(
                    EMBEDDED.iter().any(|(s, c, _)| *s == system && *c == case),
                    "{system}/{case} is not in embedded.rs"
                );
            }
        }
    }

    #[test]
    fn every_embedded_railway_case_parses_and_matches_its_file() {
        assert!(!RAILWAY_CASES.is_empty());
        for (name, _) in RAILWAY_CASES {
            let embedded = railway_case(name)
                .unwrap_or_else(|| panic!("{name} is listed"))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            let on_disk =
                crate::fixtures::railway_case(name).unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_eq!(embedded, on_disk, "{name}");
        }
        let names: Vec<&str> = RAILWAY_CASES.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, RAILWAY_CASE_NAMES);
        assert!(names.is_sorted(), "keep the railway! list sorted");
        assert!(railway_case("no-such-case").is_none());
    }

    #[test]
    fn every_railway_case_file_is_embedded() {
        let on_disk: Vec<String> = crate::fixtures::railway_cases()
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(on_disk, RAILWAY_CASE_NAMES, "embedded.rs lists every case");
    }

    #[test]
    fn every_embedded_mock_case_parses_and_matches_its_file() {
        for (system, cases, names) in [
            (
                crate::fixtures::PROMETHEUS,
                PROMETHEUS_CASES,
                PROMETHEUS_CASE_NAMES,
            ),
            (
                crate::fixtures::ALERTMANAGER,
                ALERTMANAGER_CASES,
                ALERTMANAGER_CASE_NAMES,
            ),
        ] {
            assert!(!cases.is_empty(), "{system}");
            for (name, _) in cases {
                let embedded = mock_case(system, name)
                    .unwrap_or_else(|| panic!("{system}/{name} is listed"))
                    .unwrap_or_else(|err| panic!("{system}/{name}: {err}"));
                let on_disk = crate::fixtures::response(system, name)
                    .unwrap_or_else(|err| panic!("{system}/{name}: {err}"));
                assert_eq!(embedded, on_disk, "{system}/{name}");
            }
            let listed: Vec<&str> = cases.iter().map(|(name, _)| *name).collect();
            assert_eq!(listed, names, "{system}");
            assert!(
                listed.is_sorted(),
                "keep the {system} list in embedded.rs sorted"
            );
            assert!(mock_case(system, "no-such-case").is_none());
        }
        assert!(mock_case("health", "plain-ok").is_none());
    }

    #[test]
    fn every_mock_case_file_is_embedded() {
        let prometheus: Vec<String> = crate::fixtures::prometheus_cases()
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            prometheus, PROMETHEUS_CASE_NAMES,
            "embedded.rs lists every Prometheus case"
        );
        let alertmanager: Vec<String> = crate::fixtures::alertmanager_cases()
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            alertmanager, ALERTMANAGER_CASE_NAMES,
            "embedded.rs lists every Alertmanager case"
        );
    }

    #[test]
    fn a_missing_embedded_response_is_a_500_not_a_panic() {
        let missing = response("health", "no-such-case");
        assert_eq!(missing.status, 500);
        assert!(
            missing
                .body
                .as_str()
                .is_some_and(|text| text.contains("no-such-case"))
        );
    }
}
