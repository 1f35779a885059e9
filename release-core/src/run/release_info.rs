//! What the pipeline says is being released.

use super::error::RunError;
use crate::summary::ReleaseInfo;
use crate::vars::Vars;

/// `RELEASE_VERSION`, `RELEASE_COMMIT` (else GitHub's `GITHUB_SHA`) and `RELEASE_MIGRATIONS`
/// (`true`/`1`/`yes` or `false`/`0`/`no`), from the process or the env file.
pub fn release_info(vars: &Vars) -> Result<ReleaseInfo, RunError> {
    let value = |name: &str| {
        vars.get(name)
            .map(|v| v.expose().trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let migrations = match value("RELEASE_MIGRATIONS").as_deref() {
        None => None,
        Some("true" | "1" | "yes") => Some(true),
        Some("false" | "0" | "no") => Some(false),
        Some(_) => return Err(RunError::ReleaseMigrations),
    };
    Ok(ReleaseInfo {
        version: value("RELEASE_VERSION"),
        commit: value("RELEASE_COMMIT").or_else(|| value("GITHUB_SHA")),
        migrations,
    })
}
