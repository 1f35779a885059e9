//! Paths of the files under the workspace's `fixtures/` directory.

use std::path::PathBuf;

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
