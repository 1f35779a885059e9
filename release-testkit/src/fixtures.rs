//! The files under the workspace's `fixtures/` directory: paths, the recorded responses, the
//! Railway cases, and the Prometheus and Alertmanager answers.
//!
//! ```
//! use release_testkit::fixtures;
//!
//! assert!(fixtures::plan("runbook").ends_with("fixtures/plans/runbook.toml"));
//! let spring = fixtures::response("health", "spring-down").unwrap();
//! assert_eq!(spring.status, 503);
//! let healthy = fixtures::railway_case("healthy").unwrap();
//! assert!(healthy.operations.contains_key("ProjectToken"));
//! ```

use std::path::{Path, PathBuf};

pub use crate::railway_case::RailwayCase;
pub use crate::recorded::{FixtureError, RecordedResponse};

/// The system under `fixtures/responses/` whose files are Railway cases ([`RailwayCase`]), not
/// single recorded responses: [`responses`] leaves it out, [`railway_cases`] lists it.
///
/// ```
/// assert!(release_testkit::fixtures::responses_dir().join(release_testkit::fixtures::RAILWAY).is_dir());
/// ```
pub const RAILWAY: &str = "railway";

/// The system under `fixtures/responses/` holding Prometheus HTTP API answers, served by
/// [`PrometheusMock`](crate::PrometheusMock): [`responses`] leaves it out (no gate reads it in
/// the contract tests), [`prometheus_cases`] lists it.
///
/// ```
/// use release_testkit::fixtures;
///
/// assert!(fixtures::responses_dir().join(fixtures::PROMETHEUS).join("README.md").is_file());
/// ```
pub const PROMETHEUS: &str = "prometheus";

/// The system under `fixtures/responses/` holding Alertmanager API v2 answers, served by
/// [`AlertmanagerMock`](crate::AlertmanagerMock): [`responses`] leaves it out, [`alertmanager_cases`]
/// lists it.
///
/// ```
/// use release_testkit::fixtures;
///
/// assert!(fixtures::responses_dir().join(fixtures::ALERTMANAGER).join("README.md").is_file());
/// ```
pub const ALERTMANAGER: &str = "alertmanager";

/// The systems [`responses`] leaves out: their cases are read by the mocks, not by the contract
/// tests' gates.
const MOCKED_SYSTEMS: [&str; 3] = [RAILWAY, PROMETHEUS, ALERTMANAGER];

/// The `fixtures/` directory: the workspace's, which this crate carries as its own
/// `fixtures/` (a link in the repository, the files themselves in the published crate).
///
/// ```
/// assert!(release_testkit::fixtures::root().join("plans").is_dir());
/// ```
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `fixtures/plans/<name>.toml`.
///
/// ```
/// assert!(release_testkit::fixtures::plan("runbook").is_file());
/// ```
pub fn plan(name: &str) -> PathBuf {
    root().join("plans").join(format!("{name}.toml"))
}

/// `fixtures/env/<name>.env`, example environments for the `env` gate.
///
/// ```
/// assert!(release_testkit::fixtures::env_file("staging").is_file());
/// ```
pub fn env_file(name: &str) -> PathBuf {
    root().join("env").join(format!("{name}.env"))
}

/// `fixtures/schemas/<name>.schema.json`, the committed JSON Schemas.
///
/// ```
/// let path = release_testkit::fixtures::schema("summary");
/// assert!(path.ends_with("fixtures/schemas/summary.schema.json"));
/// ```
pub fn schema(name: &str) -> PathBuf {
    root().join("schemas").join(format!("{name}.schema.json"))
}

/// `fixtures/responses/`, the recorded upstream responses, one directory per system.
///
/// ```
/// assert!(release_testkit::fixtures::responses_dir().join("health").is_dir());
/// ```
pub fn responses_dir() -> PathBuf {
    root().join("responses")
}

/// Loads `fixtures/responses/<system>/<case>.json`.
///
/// ```
/// let recorded = release_testkit::fixtures::response("health", "spring-down").unwrap();
/// assert_eq!(recorded.status, 503);
/// assert_eq!(recorded.body["status"], "DOWN");
///
/// assert!(release_testkit::fixtures::response("health", "../plans/runbook").is_err());
/// ```
pub fn response(system: &str, case: &str) -> Result<RecordedResponse, FixtureError> {
    for (name, valid) in [(system, valid_name(system)), (case, valid_case_name(case))] {
        if !valid {
            return Err(FixtureError::Name {
                name: name.to_owned(),
            });
        }
    }
    let path = responses_dir().join(system).join(format!("{case}.json"));
    let text = std::fs::read_to_string(&path).map_err(|source| FixtureError::Read {
        path: path.clone(),
        source,
    })?;
    RecordedResponse::from_json_at(&text, path)
}

/// Every recorded response as `(system, case, path)`, sorted by system, then case, so contract
/// tests can iterate over all of them. The Railway cases (`fixtures/responses/railway/`, a
/// different format) are not among them: see [`railway_cases`]. Nor are the Prometheus and
/// Alertmanager answers, which the mocks serve and no contract-tested gate reads: see
/// [`prometheus_cases`] and [`alertmanager_cases`].
///
/// ```
/// use release_testkit::fixtures::{self, ALERTMANAGER, PROMETHEUS, RAILWAY};
///
/// let all = fixtures::responses().unwrap();
/// assert!(all.iter().any(|(system, case, _)| system == "health" && case == "plain-ok"));
/// assert!(all.iter().all(|(system, _, _)| ![RAILWAY, PROMETHEUS, ALERTMANAGER].contains(&system.as_str())));
/// for (system, case, path) in &all {
///     assert!(path.is_file());
///     release_testkit::fixtures::response(system, case).unwrap();
/// }
/// ```
pub fn responses() -> Result<Vec<(String, String, PathBuf)>, FixtureError> {
    let mut all = Vec::new();
    for system_dir in read_dir_sorted(&responses_dir())? {
        let Some(system) = file_name(&system_dir) else {
            continue;
        };
        if !system_dir.is_dir() || MOCKED_SYSTEMS.contains(&system.as_str()) {
            continue;
        }
        for path in read_dir_sorted(&system_dir)? {
            if path.extension().is_none_or(|ext| ext != "json") || !path.is_file() {
                continue;
            }
            if let Some(case) = path.file_stem().and_then(|stem| stem.to_str()) {
                all.push((system.clone(), case.to_owned(), path.clone()));
            }
        }
    }
    Ok(all)
}

/// Loads the Railway case `fixtures/responses/railway/<name>.json` (format: [`RailwayCase`]).
///
/// ```
/// let case = release_testkit::fixtures::railway_case("rate-limited").unwrap();
/// let first = &case.operations["ProjectToken"][0];
/// assert_eq!(first.status, 429);
/// assert_eq!(first.headers["retry-after"], "1");
/// assert_eq!(case.deployments["svc-api"][0].status, 200);
///
/// assert!(release_testkit::fixtures::railway_case("../health/plain-ok").is_err());
/// ```
pub fn railway_case(name: &str) -> Result<RailwayCase, FixtureError> {
    if !valid_name(name) {
        return Err(FixtureError::Name {
            name: name.to_owned(),
        });
    }
    let path = responses_dir().join(RAILWAY).join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|source| FixtureError::Read {
        path: path.clone(),
        source,
    })?;
    RailwayCase::from_json_at(&text, path)
}

/// Every Railway case as `(name, path)`, sorted by name.
///
/// ```
/// let cases = release_testkit::fixtures::railway_cases().unwrap();
/// assert!(cases.iter().any(|(name, _)| name == "healthy"));
/// for (name, path) in &cases {
///     assert!(path.is_file());
///     release_testkit::fixtures::railway_case(name).unwrap();
/// }
/// ```
pub fn railway_cases() -> Result<Vec<(String, PathBuf)>, FixtureError> {
    cases_in(RAILWAY)
}

/// Loads the Prometheus answer `fixtures/responses/prometheus/<name>.json` (a
/// [`RecordedResponse`]; the cases are listed in that directory's `README.md`).
///
/// ```
/// let recorded = release_testkit::fixtures::prometheus_case("vector-one").unwrap();
/// assert_eq!(recorded.status, 200);
/// assert_eq!(recorded.body["data"]["result"][0]["value"][1], "0.012");
///
/// assert!(release_testkit::fixtures::prometheus_case("no-such-case").is_err());
/// ```
pub fn prometheus_case(name: &str) -> Result<RecordedResponse, FixtureError> {
    response(PROMETHEUS, name)
}

/// Every Prometheus answer as `(name, path)`, sorted by name.
///
/// ```
/// let cases = release_testkit::fixtures::prometheus_cases().unwrap();
/// assert!(cases.iter().any(|(name, _)| name == "error-with-200"));
/// for (name, _) in &cases {
///     release_testkit::fixtures::prometheus_case(name).unwrap();
/// }
/// ```
pub fn prometheus_cases() -> Result<Vec<(String, PathBuf)>, FixtureError> {
    cases_in(PROMETHEUS)
}

/// Loads the Alertmanager answer `fixtures/responses/alertmanager/<name>.json` (a
/// [`RecordedResponse`]; the cases are listed in that directory's `README.md`).
///
/// ```
/// let recorded = release_testkit::fixtures::alertmanager_case("critical-active").unwrap();
/// assert_eq!(recorded.body[0]["labels"]["severity"], "critical");
/// assert_eq!(recorded.body[0]["status"]["state"], "active");
/// ```
pub fn alertmanager_case(name: &str) -> Result<RecordedResponse, FixtureError> {
    response(ALERTMANAGER, name)
}

/// Every Alertmanager answer as `(name, path)`, sorted by name.
///
/// ```
/// let cases = release_testkit::fixtures::alertmanager_cases().unwrap();
/// assert!(cases.iter().any(|(name, _)| name == "v1-410-deprecated"));
/// for (name, _) in &cases {
///     release_testkit::fixtures::alertmanager_case(name).unwrap();
/// }
/// ```
pub fn alertmanager_cases() -> Result<Vec<(String, PathBuf)>, FixtureError> {
    cases_in(ALERTMANAGER)
}

/// The `<name>.json` files of `fixtures/responses/<system>/` as `(name, path)`, sorted by name.
fn cases_in(system: &str) -> Result<Vec<(String, PathBuf)>, FixtureError> {
    let mut cases = Vec::new();
    for path in read_dir_sorted(&responses_dir().join(system))? {
        if path.extension().is_none_or(|ext| ext != "json") || !path.is_file() {
            continue;
        }
        if let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) {
            cases.push((name.to_owned(), path.clone()));
        }
    }
    // By name, not by file name (`a.json` sorts after `a-b.json`).
    cases.sort();
    Ok(cases)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let read_error = |source| FixtureError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        paths.push(entry.map_err(read_error)?.path());
    }
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A case name may also hold dots after its first character (`pre-0.28-no-muted-by`): the file
/// is `<case>.json`, one path component that cannot be `.` or `..`.
fn valid_case_name(name: &str) -> bool {
    !name.starts_with('.') && valid_name(&name.replace('.', "-"))
}
