//! Rollback triggers judged after every soak sample, not only once the run ends: a trigger
//! whose condition already holds over what the windows have sampled so far fires then, and
//! the run stops as it does under fail-fast. The runner knows nothing of triggers: windows
//! tell the context's sample listener, this judge listens and stops the run's [`RunStop`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::rollback::{RollbackConfig, TriggerInput, TriggerState};
use crate::summary::RunMeta;
use crate::{Context, GateResult, RunReport, RunStop, SampleSoFar, Summary};

/// Triggers of this kind wait for the end: before it, every gate not yet finished would read
/// as missing.
const JUDGED_AT_THE_END: &str = "missing-data";

/// Judges a run's rollback triggers after each sample of its windows.
pub(crate) struct LiveTriggers {
    config: RollbackConfig,
    meta: RunMeta,
    cx: Context,
    stop: RunStop,
    /// Each window's evaluation as of its last sample.
    windows: Mutex<BTreeMap<String, GateResult>>,
    /// The window whose sample fired a trigger, as it stood then.
    fired: Mutex<Option<GateResult>>,
}

impl LiveTriggers {
    pub(crate) fn new(
        config: RollbackConfig,
        meta: RunMeta,
        cx: Context,
        stop: RunStop,
    ) -> Arc<Self> {
        Arc::new(Self {
            config,
            meta,
            cx,
            stop,
            windows: Mutex::new(BTreeMap::new()),
            fired: Mutex::new(None),
        })
    }

    /// Judges the triggers over every window's samples so far, this one's included.
    pub(crate) fn sampled(&self, so_far: SampleSoFar<'_>) {
        if self.stop.token().is_cancelled() {
            return;
        }
        let this = GateResult {
            info: so_far.gate.clone(),
            evaluation: so_far.evaluation.clone(),
        };
        let results: Vec<GateResult> = {
            let mut windows = match self.windows.lock() {
                Ok(windows) => windows,
                Err(poisoned) => poisoned.into_inner(),
            };
            windows.insert(this.info.id.clone(), this.clone());
            windows.values().cloned().collect()
        };
        let now = self.cx.now();
        let report = RunReport {
            started_at: now,
            finished_at: now,
            duration: std::time::Duration::ZERO,
            cancelled: false,
            stopped_early: None,
            results,
        };
        let summary = Summary::new(&self.meta, &report);
        let input = TriggerInput::new(&summary, self.cx.baselines());
        let fired = self.config.triggers.iter().find(|trigger| {
            trigger.kind() != JUDGED_AT_THE_END
                && trigger.assess(&input).state == TriggerState::Fired
        });
        let Some(trigger) = fired else {
            return;
        };
        let gate = so_far.gate.id.as_str();
        let (id, sample) = (trigger.id(), so_far.sample);
        let stopped = self.stop.stop_with(gate, |at| {
            format!("stopped: rollback trigger {id} fired at sample {sample} of {gate} at {at}")
        });
        if stopped {
            tracing::warn!(trigger = %id, gate = %gate, sample, "rollback trigger fired during the soak; stopping the run");
            let mut kept = match self.fired.lock() {
                Ok(kept) => kept,
                Err(poisoned) => poisoned.into_inner(),
            };
            *kept = Some(this);
        }
    }

    /// Puts back the window that fired as it stood at its deciding sample: the runner reports
    /// it skipped like every gate it stopped, but the decision that follows (and any replay of
    /// it from the summary) must see the samples that fired the trigger.
    pub(crate) fn keep_deciding_window(&self, report: &mut RunReport) {
        let kept = match self.fired.lock() {
            Ok(mut kept) => kept.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let Some(window) = kept else { return };
        if let Some(slot) = report
            .results
            .iter_mut()
            .find(|r| r.info.id == window.info.id)
        {
            *slot = window;
        }
    }
}
