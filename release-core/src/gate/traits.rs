use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Context, Evaluation};

/// Who a gate is: what the runner, reports and policy need to know before and after it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateInfo {
    /// Unique within a plan, e.g. `api-health`.
    pub id: String,
    /// The gate kind, e.g. `env`, `http`, or a library user's own kind.
    pub kind: String,
    /// A human title; reports fall back to the id when it is empty.
    pub title: String,
    /// A required gate blocks the release on `fail` or `error`; an optional one never blocks.
    pub required: bool,
    /// The phases the gate belongs to, e.g. `["smoke", "launch"]`.
    pub phases: Vec<String>,
    /// How long the runner lets the gate run before reporting `error: timed out`; `None` takes
    /// the runner's default.
    pub timeout: Option<Duration>,
    /// How long the gate needs, after its timeout or a cancellation, to stop what it started
    /// (a command's process group, its services) and report. A gate that sets it watches the
    /// context's cancellation and enforces its own `timeout`; the runner waits this much
    /// longer before dropping it, but never more than [`CANCEL_GRACE`] after a cancellation.
    /// `None`: the gate is dropped at once.
    pub stop_grace: Option<Duration>,
}

/// After the run's cancellation (Ctrl-C, `SIGTERM`), how long a gate with a
/// [`GateInfo::stop_grace`] may still take to stop what it started and report before it is
/// dropped: a cancelled run ends within a second, its summary written. A dropped gate must
/// still stop what it started (the command gate kills its process groups on drop).
pub const CANCEL_GRACE: Duration = Duration::from_millis(500);

impl GateInfo {
    /// A required gate with no phases and the runner's default timeout.
    ///
    /// ```
    /// let info = release_core::GateInfo::new("disk-space", "custom").title("Disk space");
    /// assert!(info.required);
    /// assert_eq!(info.display_title(), "Disk space");
    /// ```
    pub fn new(id: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            title: String::new(),
            required: true,
            phases: Vec::new(),
            timeout: None,
            stop_grace: None,
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Marks the gate optional: it is reported but never blocks.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Adds a phase.
    #[must_use]
    pub fn phase(mut self, phase: impl Into<String>) -> Self {
        self.phases.push(phase.into());
        self
    }

    /// Sets the gate's own timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The title, or the id when no title was given.
    pub fn display_title(&self) -> &str {
        if self.title.is_empty() {
            &self.id
        } else {
            &self.title
        }
    }
}

/// One check. Implementors may write `async fn evaluate`.
///
/// A gate never panics and never returns a Rust error for a probe that went wrong: a refused
/// connection or a malformed answer is an [`Evaluation`] with verdict
/// [`Error`](super::Verdict::Error) and observations that say why.
///
/// ```
/// use release_core::{Context, Evaluation, Gate, GateInfo, Observation};
///
/// struct FreeDisk { info: GateInfo, free_gib: u64 }
///
/// impl Gate for FreeDisk {
///     fn info(&self) -> &GateInfo { &self.info }
///     async fn evaluate(&self, _cx: &Context) -> Evaluation {
///         if self.free_gib >= 10 {
///             Evaluation::pass(format!("{} GiB free", self.free_gib))
///         } else {
///             Evaluation::fail("too little free disk").observation(
///                 Observation::new("free_gib", self.free_gib, ">= 10", "ge").unit("GiB"),
///             )
///         }
///     }
/// }
/// ```
pub trait Gate: Send + Sync {
    /// Who the gate is.
    fn info(&self) -> &GateInfo;

    /// Runs the check. Cancellation is by dropping the future, so state must stay consistent
    /// at every `.await`.
    fn evaluate(&self, cx: &Context) -> impl Future<Output = Evaluation> + Send;
}

/// The dyn-compatible twin of [`Gate`], so a runner can hold `Vec<Box<dyn DynGate>>` built
/// from a plan. Every [`Gate`] is a `DynGate` through the blanket impl; implement [`Gate`].
pub trait DynGate: Send + Sync {
    /// Who the gate is.
    fn info(&self) -> &GateInfo;

    /// Runs the check, boxed.
    fn evaluate_boxed<'a>(
        &'a self,
        cx: &'a Context,
    ) -> Pin<Box<dyn Future<Output = Evaluation> + Send + 'a>>;
}

impl<G: Gate> DynGate for G {
    fn info(&self) -> &GateInfo {
        Gate::info(self)
    }

    fn evaluate_boxed<'a>(
        &'a self,
        cx: &'a Context,
    ) -> Pin<Box<dyn Future<Output = Evaluation> + Send + 'a>> {
        Box::pin(Gate::evaluate(self, cx))
    }
}
