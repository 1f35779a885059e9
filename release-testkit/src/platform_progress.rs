//! How a deployment of the [`RailwayPlatformMock`](crate::RailwayPlatformMock) moves through
//! Railway's statuses over time.

use std::time::Duration;

/// The statuses a new deployment passes through, each from an offset after the mutation that
/// created it (or rolled back to it). The status at a moment is the last one whose offset has
/// passed (`INITIALIZING` before the first); the mock computes it when asked, so no task runs
/// in the background. A deployment that reaches `SUCCESS` becomes the service's current one
/// (the one it replaces goes `REMOVED`); a schedule may go on after `SUCCESS` (to `CRASHED`,
/// say) and the deployment stays current.
///
/// ```
/// use std::time::Duration;
/// use release_testkit::Progress;
///
/// let ms = Duration::from_millis;
/// let progress = Progress::new()
///     .status("INITIALIZING", ms(0))
///     .status("BUILDING", ms(200))
///     .status("DEPLOYING", ms(400))
///     .status("SUCCESS", ms(600));
/// assert_eq!(progress.status_at(ms(0)), "INITIALIZING");
/// assert_eq!(progress.status_at(ms(399)), "BUILDING");
/// assert_eq!(progress.status_at(ms(10_000)), "SUCCESS");
/// assert_eq!(progress.success_after(), Some(ms(600)));
///
/// assert_eq!(Progress::crashes_after(ms(90)).status_at(ms(90)), "CRASHED");
/// assert_eq!(Progress::crashes_after(ms(90)).success_after(), None);
/// assert_eq!(Progress::stuck_in("BUILDING").status_at(Duration::from_secs(3600)), "BUILDING");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// (status, offset), kept sorted by offset (stable for equal offsets).
    steps: Vec<(String, Duration)>,
}

impl Default for Progress {
    /// [`Progress::succeeds_after`] [`Progress::DEFAULT_DEPLOY`].
    fn default() -> Self {
        Self::succeeds_after(Self::DEFAULT_DEPLOY)
    }
}

impl Progress {
    /// How long a deploy takes unless the test sets a schedule: short enough for a demo.
    ///
    /// ```
    /// assert_eq!(release_testkit::Progress::DEFAULT_DEPLOY.as_millis(), 300);
    /// ```
    pub const DEFAULT_DEPLOY: Duration = Duration::from_millis(300);

    /// An empty schedule: `INITIALIZING` for ever, until statuses are added.
    ///
    /// ```
    /// let progress = release_testkit::Progress::new();
    /// assert_eq!(progress.status_at(std::time::Duration::from_secs(60)), "INITIALIZING");
    /// ```
    pub fn new() -> Self {
        Self { steps: Vec::new() }
    }

    /// Adds `status` (one of Railway's `DeploymentStatus` values, or any other text to test an
    /// unknown one) from `after` the mutation on.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_testkit::Progress;
    ///
    /// let progress = Progress::new()
    ///     .status("DEPLOYING", Duration::from_millis(50))
    ///     .status("BUILDING", Duration::ZERO);
    /// assert_eq!(progress.status_at(Duration::from_millis(10)), "BUILDING");
    /// ```
    pub fn status(mut self, status: impl Into<String>, after: Duration) -> Self {
        let at = self.steps.partition_point(|(_, offset)| *offset <= after);
        self.steps.insert(at, (status.into(), after));
        self
    }

    /// `INITIALIZING`, `BUILDING` at a quarter of `after`, `DEPLOYING` at half, `SUCCESS` at
    /// `after`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_testkit::Progress;
    ///
    /// let progress = Progress::succeeds_after(Duration::from_millis(400));
    /// assert_eq!(progress.status_at(Duration::from_millis(100)), "BUILDING");
    /// assert_eq!(progress.status_at(Duration::from_millis(200)), "DEPLOYING");
    /// assert_eq!(progress.status_at(Duration::from_millis(400)), "SUCCESS");
    /// ```
    pub fn succeeds_after(after: Duration) -> Self {
        Self::ending(after, "SUCCESS")
    }

    /// Like [`succeeds_after`](Self::succeeds_after), ending `CRASHED` instead: the deployment
    /// never becomes current.
    pub fn crashes_after(after: Duration) -> Self {
        Self::ending(after, "CRASHED")
    }

    /// Like [`succeeds_after`](Self::succeeds_after), ending `FAILED` instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// let progress = release_testkit::Progress::fails_after(Duration::from_millis(10));
    /// assert_eq!(progress.status_at(Duration::from_millis(10)), "FAILED");
    /// ```
    pub fn fails_after(after: Duration) -> Self {
        Self::ending(after, "FAILED")
    }

    /// `status` at once and for ever (a build that never finishes: `"BUILDING"`).
    pub fn stuck_in(status: impl Into<String>) -> Self {
        Self::new().status(status, Duration::ZERO)
    }

    /// `SUCCESS` at once: what a rollback does unless the test sets a schedule.
    ///
    /// ```
    /// let progress = release_testkit::Progress::immediate();
    /// assert_eq!(progress.success_after(), Some(std::time::Duration::ZERO));
    /// ```
    pub fn immediate() -> Self {
        Self::stuck_in("SUCCESS")
    }

    fn ending(after: Duration, status: &str) -> Self {
        Self::new()
            .status("INITIALIZING", Duration::ZERO)
            .status("BUILDING", after / 4)
            .status("DEPLOYING", after / 2)
            .status(status, after)
    }

    /// The status `elapsed` after the mutation.
    pub fn status_at(&self, elapsed: Duration) -> &str {
        self.steps
            .iter()
            .rev()
            .find(|(_, offset)| *offset <= elapsed)
            .map_or("INITIALIZING", |(status, _)| status.as_str())
    }

    /// When the deployment reaches `SUCCESS` (becomes current), if ever.
    pub fn success_after(&self) -> Option<Duration> {
        self.steps
            .iter()
            .find(|(status, _)| status == "SUCCESS")
            .map(|(_, offset)| *offset)
    }
}
