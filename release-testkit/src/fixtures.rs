//! The files under the workspace's `fixtures/` directory: paths, the recorded responses, and
//! the Railway cases.

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

/// The `fixtures/` directory of this workspace.
///
/// ```
/// assert!(release_testkit::fixtures::root().join("plans").is_dir());
/// ```
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
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
    for name in [system, case] {
        if !valid_name(name) {
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
/// different format) are not among them: see [`railway_cases`].
///
/// ```
/// let all = release_testkit::fixtures::responses().unwrap();
/// assert!(all.iter().any(|(system, case, _)| system == "health" && case == "plain-ok"));
/// assert!(all.iter().all(|(system, _, _)| system != release_testkit::fixtures::RAILWAY));
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
        if !system_dir.is_dir() || system == RAILWAY {
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
    let mut cases = Vec::new();
    for path in read_dir_sorted(&responses_dir().join(RAILWAY))? {
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
