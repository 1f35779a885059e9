//! The release store a run reads and writes: the plan's `release.log`, or `RELEASE_LOG_URL`
//! from the run's variables over it, opened once per request and shared by its clones.

use std::sync::{Arc, PoisonError};

use super::request::RunRequest;
use crate::log::{RELEASE_LOG_URL, ReleaseStore, StoreError, StoreLocation};

impl RunRequest<'_> {
    /// Where the run's release store is: `RELEASE_LOG_URL` from the run's variables when set
    /// and not empty (a URL or a path), else the plan's `release.log`. A malformed URL is an
    /// error that never shows its password.
    ///
    /// ```
    /// use release_core::run::RunRequest;
    /// use release_core::{Plan, Vars};
    /// let plan = Plan::parse(
    ///     "release.toml",
    ///     "[release]\nlog = \"runs.jsonl\"\n[environments.staging]\n",
    /// )
    /// .unwrap();
    /// let request = RunRequest::new(&plan);
    /// assert_eq!(request.store_location().unwrap().to_string(), "runs.jsonl");
    /// let request = request.vars(Vars::from_pairs([(
    ///     "RELEASE_LOG_URL",
    ///     "postgres://release:Canary123@db.example:5432/release",
    /// )]));
    /// let location = request.store_location().unwrap();
    /// assert!(location.is_database());
    /// assert!(!location.to_string().contains("Canary123"));
    /// ```
    pub fn store_location(&self) -> Result<StoreLocation, StoreError> {
        let from_variable = self
            .vars
            .get(RELEASE_LOG_URL)
            .map(|value| value.expose().trim())
            .filter(|value| !value.is_empty());
        Ok(match from_variable {
            Some(value) => StoreLocation::parse(value)?,
            None => self.plan.release.log_location()?,
        })
    }

    /// The run's release store, opened on first use (a database connects when first asked
    /// something) and stopped by the run's cancellation while it waits for a file lock.
    pub fn store(&self) -> Result<Arc<dyn ReleaseStore>, StoreError> {
        let location = self.store_location()?;
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, store)) = opened.as_ref()
            && *at == location
        {
            return Ok(Arc::clone(store));
        }
        let store: Arc<dyn ReleaseStore> = Arc::from(location.open(Some(self.cancel.clone())));
        *opened = Some((location, Arc::clone(&store)));
        Ok(store)
    }
}
