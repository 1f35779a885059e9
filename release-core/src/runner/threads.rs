//! Running one set of gates on several threads, each with a current-thread runtime of its
//! own: probes spend their time waiting, and one thread polling many of them avoids a
//! cross-thread wake-up per I/O event, while a second thread puts the second core to work.
//! On the launch-gate benchmark's 1000 probes the gates took 1.73-2.18 x d on two threads
//! against 2.30-2.71 x d on one, at the same CPU per probe (docs/benchmarks.md).

use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;

use super::fail_fast::RunStop;
use super::run::{GateResult, RunReport, Runner};
use crate::{Context, DynGate, Evaluation, Observation};

/// Fewer gates than this on a thread gain less from a core than the thread costs.
const GATES_PER_THREAD: usize = 16;

impl Runner {
    /// Up to this many threads for [`Runner::run_blocking`] (default one). Only a run whose
    /// gates all start at once is split, and only with at least 16 gates a thread: with fewer
    /// slots than gates, one window sliding over the whole plan keeps every slot busy, where
    /// parts would leave one part's slots idle while another's queue.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Runs the gates to the end on `runtime`, blocking the calling thread; split across
    /// [`Runner::threads`] when worth it. Each extra thread gets its own current-thread
    /// runtime, its own connection pool ([`Context::with_own_connections`]) and its share of
    /// the concurrency (kind limits stay shared); results come back in the gates' order.
    /// `runtime` is driven until every part ends, since a part may call servers it hosts.
    ///
    /// ```
    /// use release_core::{Context, DynGate, Gate, GateInfo, Evaluation, Runner, Verdict};
    /// struct Pass(GateInfo);
    /// impl Gate for Pass {
    ///     fn info(&self) -> &GateInfo { &self.0 }
    ///     async fn evaluate(&self, _: &Context) -> Evaluation { Evaluation::pass("fine") }
    /// }
    /// let gates: Vec<Box<dyn DynGate>> = (0..40)
    ///     .map(|i| Box::new(Pass(GateInfo::new(format!("g{i}"), "demo"))) as Box<dyn DynGate>)
    ///     .collect();
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// let report = Runner::new().threads(2).run_blocking(&runtime, &gates, &Context::builder("staging").build());
    /// assert_eq!(report.results.len(), 40);
    /// assert!(report.results.iter().all(|r| r.evaluation.verdict == Verdict::Pass));
    /// ```
    pub fn run_blocking(
        &self,
        runtime: &Runtime,
        gates: &[Box<dyn DynGate>],
        cx: &Context,
    ) -> RunReport {
        let parts = self.parts(gates.len());
        if parts < 2 {
            return runtime.block_on(self.run(gates, cx));
        }
        let runtimes: Result<Vec<Runtime>, _> = (1..parts)
            .map(|_| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            })
            .collect();
        let Ok(runtimes) = runtimes else {
            return runtime.block_on(self.run(gates, cx));
        };
        // One stop for every part: a gate that decides the run in one stops them all.
        let stop = self
            .stop
            .clone()
            .unwrap_or_else(|| RunStop::new(cx.cancellation()));
        let share = |total: usize, i: usize| (total * (i + 1)) / parts - (total * i) / parts;
        let mut rest = gates;
        let mut slices = Vec::with_capacity(parts);
        for i in 0..parts {
            let (part, after) = rest.split_at(share(gates.len(), i));
            slices.push((
                part,
                self.clone()
                    .concurrency(share(self.concurrency, i))
                    .stop(stop.clone()),
            ));
            rest = after;
        }
        let mut slices = slices.into_iter();
        let Some((first, first_runner)) = slices.next() else {
            return runtime.block_on(self.run(gates, cx));
        };
        std::thread::scope(|scope| {
            let mut others = Vec::new();
            for ((part, runner), part_runtime) in slices.zip(runtimes) {
                let (done, report) = tokio::sync::oneshot::channel();
                let part_cx = cx.with_own_connections();
                let thread = std::thread::Builder::new()
                    .name("gates".into())
                    .spawn_scoped(scope, move || {
                        let report = part_runtime.block_on(runner.run(part, &part_cx));
                        // The receiver only goes away if the calling thread panicked.
                        let _unheard = done.send(report);
                        // Closing this part's connections need not hold up the summary;
                        // without a thread for it, they close here.
                        let _inline = std::thread::Builder::new()
                            .name("close".into())
                            .spawn(move || drop(part_runtime));
                    });
                others.push((part, report, thread));
            }
            // Should the first part panic, the scope waits for the others: stop their gates
            // rather than let them wait out their timeouts.
            let _stop_others_on_panic = CancelOnUnwind(cx.cancellation());
            let (first_report, other_reports) = runtime.block_on(async {
                let first_report = first_runner.run(first, cx).await;
                let mut reports = Vec::new();
                for (part, report, thread) in others {
                    reports.push((part, report.await, thread));
                }
                (first_report, reports)
            });
            let at = first_report.finished_at;
            other_reports
                .into_iter()
                .fold(first_report, |all, (part, report, thread)| {
                    // Joined here, so a panic of a part becomes its gates' errors below
                    // instead of the scope's panic.
                    let started = match thread {
                        Ok(handle) => {
                            let _joined = handle.join();
                            true
                        }
                        Err(_) => false,
                    };
                    match report {
                        Ok(report) => all.alongside(report),
                        Err(_) => all.alongside(unfinished(part, at, started)),
                    }
                })
        })
    }

    fn parts(&self, gates: usize) -> usize {
        if self.concurrency < gates {
            return 1;
        }
        self.threads.min(gates / GATES_PER_THREAD).max(1)
    }
}

/// Cancels the run if dropped while the thread unwinds from a panic.
struct CancelOnUnwind<'a>(&'a CancellationToken);

impl Drop for CancelOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.cancel();
        }
    }
}

/// The report of gates whose thread stopped (panicked) before they finished, or never
/// started.
fn unfinished(gates: &[Box<dyn DynGate>], at: jiff::Timestamp, started: bool) -> RunReport {
    let (summary, observed) = match started {
        true => (
            "the thread running this gate stopped before it finished",
            "the gate's thread panicked before the gate finished",
        ),
        false => (
            "no thread could be started to run this gate",
            "the system refused a thread for the gate",
        ),
    };
    RunReport {
        started_at: at,
        finished_at: at,
        duration: std::time::Duration::ZERO,
        cancelled: false,
        stopped_early: None,
        results: gates
            .iter()
            .map(|gate| GateResult {
                info: gate.info().clone(),
                evaluation: Evaluation::error(summary).observation(Observation::new(
                    "run",
                    observed,
                    "the gate runs to the end",
                    "thread",
                )),
            })
            .collect(),
    }
}
