//! The rollback trigger trait: a synchronous, pure rule over a finished run's observations.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gate::{Baseline, Observation};
use crate::summary::{GateRecord, Summary};

/// Where a trigger stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TriggerState {
    /// Nothing wrong.
    Clear,
    /// Something to watch: evaluate again later.
    Watch,
    /// Roll back.
    Fired,
}

impl TriggerState {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Watch => "watch",
            Self::Fired => "fired",
        }
    }
}

impl fmt::Display for TriggerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One trigger's assessment of a run, with the observations that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    /// The trigger's id.
    pub trigger: String,
    /// The trigger's kind, e.g. `verdict`, `threshold`.
    pub kind: String,
    /// Where it stands.
    pub state: TriggerState,
    /// Why, in one line.
    pub reason: String,
    /// The observations that decided it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
}

impl Assessment {
    /// An assessment by `trigger`.
    pub fn new(
        trigger: &dyn RollbackTrigger,
        state: TriggerState,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            trigger: trigger.id().to_owned(),
            kind: trigger.kind().to_owned(),
            state,
            reason: reason.into(),
            observations: Vec::new(),
        }
    }

    /// Adds observations.
    #[must_use]
    pub fn observations(mut self, observations: impl IntoIterator<Item = Observation>) -> Self {
        self.observations.extend(observations);
        self
    }
}

/// What a trigger reads: a finished run and the baselines of earlier ones. Nothing here
/// reads a clock, the network or a file, so the same input always gives the same answer.
#[derive(Debug, Clone)]
pub struct TriggerInput<'a> {
    /// The run.
    pub summary: &'a Summary,
    /// Earlier values, keyed `<gate id>.<measurement>`, as gates read them.
    pub baselines: &'a BTreeMap<String, Baseline>,
    /// The run's gates by id, so a trigger over every gate of a large plan is not quadratic.
    by_id: HashMap<&'a str, &'a GateRecord>,
}

impl<'a> TriggerInput<'a> {
    /// A run and the baselines its relative rules compare with.
    pub fn new(summary: &'a Summary, baselines: &'a BTreeMap<String, Baseline>) -> Self {
        let mut by_id = HashMap::with_capacity(summary.gates.len());
        for gate in &summary.gates {
            // A summary with a duplicated id (hand-edited) keeps the first, as a search would.
            by_id.entry(gate.id.as_str()).or_insert(gate);
        }
        Self {
            summary,
            baselines,
            by_id,
        }
    }

    /// The run's record of a gate.
    pub fn gate(&self, id: &str) -> Option<&'a GateRecord> {
        self.by_id.get(id).copied()
    }
}

/// A rule that reads a finished run and says whether to roll back.
///
/// Triggers are synchronous and pure: they see only [`TriggerInput`], so a decision can be
/// replayed offline from a summary file and gives the same answer. Library users add their own
/// kinds by implementing this trait:
///
/// ```
/// use release_core::rollback::{Assessment, RollbackTrigger, TriggerInput, TriggerState};
///
/// /// Fires when more than a tenth of the gates did not pass.
/// #[derive(Debug)]
/// struct TooManyFailures;
///
/// impl RollbackTrigger for TooManyFailures {
///     fn id(&self) -> &str { "too-many-failures" }
///     fn kind(&self) -> &str { "failure-share" }
///     fn assess(&self, input: &TriggerInput<'_>) -> Assessment {
///         let counts = input.summary.counts;
///         let bad = counts.fail + counts.error;
///         let state = if bad * 10 > counts.total() { TriggerState::Fired } else { TriggerState::Clear };
///         Assessment::new(self, state, format!("{bad} of {} gates failed", counts.total()))
///     }
/// }
/// # let _ = TooManyFailures;
/// ```
pub trait RollbackTrigger: Send + Sync + fmt::Debug {
    /// Unique among the triggers of a decision.
    fn id(&self) -> &str;
    /// The kind's name, e.g. `verdict`.
    fn kind(&self) -> &str;
    /// Assesses a run. Never panics; a run without the data a trigger needs is an assessment
    /// that says so.
    fn assess(&self, input: &TriggerInput<'_>) -> Assessment;
    /// The baselines (`<gate id>.<measurement>`) `assess` reads from
    /// [`TriggerInput::baselines`]. A decision read from the release log's end
    /// ([`LogFacts::read`](super::LogFacts::read)) looks up only these; a trigger that reads
    /// baselines names them here.
    fn baseline_keys(&self) -> Vec<String> {
        Vec::new()
    }
}
