//! What makes the mocks switch scenario once the release under test is live on the platform.

use crate::railway_platform::PlatformWatch;
use crate::scenario::Scenario;

/// A scenario that holds until the release under test goes live on one service of the
/// platform mock, then another (and the first again after a rollback).
#[derive(Debug, Clone)]
pub(crate) struct LiveScenario {
    before: Scenario,
    after: Option<AfterDeploy>,
}

/// The scenario served while the release under test is live on `service`.
#[derive(Debug, Clone)]
pub(crate) struct AfterDeploy {
    pub(crate) watch: PlatformWatch,
    pub(crate) service: String,
    pub(crate) scenario: Scenario,
}

impl AfterDeploy {
    /// Whether the release under test is live now.
    pub(crate) fn live(&self) -> bool {
        self.watch.live_since(&self.service).is_some()
    }
}

impl LiveScenario {
    pub(crate) fn switching(before: Scenario, after: Option<AfterDeploy>) -> Self {
        Self { before, after }
    }

    /// The scenario to serve now.
    pub(crate) fn now(&self) -> Scenario {
        match &self.after {
            Some(after) if after.live() => after.scenario,
            _ => self.before,
        }
    }
}
