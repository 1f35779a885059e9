//! What a run asks for, before anything is checked.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::Plan;
use crate::plan::{GateFilter, UrlOverrides};
use crate::vars::Vars;

/// Where a run's baselines come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaselineSource {
    /// The end of the plan's release log (the default).
    #[default]
    Log,
    /// A recorded summary, read as `--from` reads one: bounded, repeated keys refused.
    Summary(PathBuf),
}

/// A run of a plan's gates: the plan, the environment and the run's choices.
///
/// ```
/// use release_core::run::RunRequest;
/// use release_core::{Plan, Vars};
/// let plan = Plan::parse("release.toml", r#"
/// [environments.staging]
/// api_url = "http://127.0.0.1:9"
/// [[gates]]
/// id = "api-url"
/// kind = "env"
/// phases = ["preflight-env"]
/// vars = [{ name = "API_URL" }]
/// "#).unwrap();
/// let request = RunRequest::new(&plan)
///     .environment("staging")
///     .vars(Vars::from_pairs([("API_URL", "http://api.example")]));
/// let prepared = request.prepare(&["preflight-env"]).unwrap();
/// assert_eq!(prepared.environment(), "staging");
/// // A phase neither the runbook nor the plan names is an error, not an empty pass.
/// assert!(request.prepare(&["smok"]).is_err());
/// ```
#[derive(Clone)]
pub struct RunRequest<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) vars: Vars,
    pub(crate) environment: Option<String>,
    pub(crate) overrides: UrlOverrides,
    pub(crate) filter: GateFilter,
    pub(crate) baseline: BaselineSource,
    pub(crate) strict: bool,
    pub(crate) skip_deps: bool,
    pub(crate) cancel: CancellationToken,
    pub(crate) progress: Option<ProgressSink>,
    pub(crate) tool: Option<crate::ToolInfo>,
    pub(crate) fail_fast: bool,
    pub(crate) stop: Option<crate::RunStop>,
    pub(crate) opened: OpenedStore,
}

impl std::fmt::Debug for RunRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunRequest")
            .field("plan", &self.plan.path)
            .field("environment", &self.environment)
            .field("filter", &self.filter)
            .field("baseline", &self.baseline)
            .field("strict", &self.strict)
            .field("skip_deps", &self.skip_deps)
            .field("fail_fast", &self.fail_fast)
            .finish_non_exhaustive()
    }
}

/// The release store a request opened (`RunRequest::store`), shared by its clones so every
/// read and write of one process goes through one store (one database connection), with the
/// location it was opened for.
pub(crate) type OpenedStore = std::sync::Arc<
    std::sync::Mutex<
        Option<(
            crate::log::StoreLocation,
            std::sync::Arc<dyn crate::log::ReleaseStore>,
        )>,
    >,
>;

/// Where gates' progress messages go.
pub(crate) type ProgressSink = std::sync::Arc<dyn Fn(&str, &str) + Send + Sync>;

impl<'p> RunRequest<'p> {
    /// A run of `plan` in its default environment, with no variables.
    pub fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            vars: Vars::default(),
            environment: None,
            overrides: UrlOverrides::default(),
            filter: GateFilter::default(),
            baseline: BaselineSource::Log,
            strict: false,
            skip_deps: false,
            cancel: CancellationToken::new(),
            progress: None,
            tool: None,
            fail_fast: true,
            stop: None,
            opened: OpenedStore::default(),
        }
    }

    /// What the run's outputs hide: the plan's secrets, secret-named variables, credentials in
    /// its URLs and overrides.
    pub fn redactor(&self) -> crate::Redactor {
        self.plan.redactor(&self.vars, &self.overrides)
    }

    /// What the request's variables say is released (nothing when they cannot be read:
    /// preparing the run reports that).
    pub(crate) fn release_given(&self) -> crate::summary::ReleaseInfo {
        super::release_info::release_info(&self.vars).unwrap_or_default()
    }

    /// The plan.
    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    /// The environment to run in (else the plan's default, else its only one).
    #[must_use]
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = Some(name.into());
        self
    }

    /// Sets the environment, or leaves the choice to the plan.
    #[must_use]
    pub fn environment_opt(mut self, name: Option<String>) -> Self {
        self.environment = name;
        self
    }

    /// The run's variables (tokens, `RAILWAY_API_URL`, release metadata).
    #[must_use]
    pub fn vars(mut self, vars: Vars) -> Self {
        self.vars = vars;
        self
    }

    /// The run's variables.
    pub fn variables(&self) -> &Vars {
        &self.vars
    }

    /// Base URLs that replace the plan's.
    #[must_use]
    pub fn overrides(mut self, overrides: UrlOverrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// Which gates run; the others are reported skipped.
    #[must_use]
    pub fn filter(mut self, filter: GateFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Whether gates were left out by the filter.
    pub fn is_partial(&self) -> bool {
        !self.filter.only.is_empty() || !self.filter.skip.is_empty()
    }

    /// Where baselines come from.
    #[must_use]
    pub fn baseline(mut self, source: BaselineSource) -> Self {
        self.baseline = source;
        self
    }

    /// Strict mode: warnings and inconclusive results block (an environment may be strict
    /// already).
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Use services already running instead of starting command gates' services.
    #[must_use]
    pub fn skip_deps(mut self, skip: bool) -> Self {
        self.skip_deps = skip;
        self
    }

    /// Cancelling this token stops the run (a signal, a deadline of the caller's).
    #[must_use]
    pub fn cancellation(mut self, cancel: CancellationToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Fail-fast (the default): once a result blocks the run under its policy, the gates
    /// still running are stopped and reported `skipped` with the reason, and the summary says
    /// the run stopped early. `false` runs every gate to the end (`--no-fail-fast`).
    #[must_use]
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Whether the run stops once it is decided.
    pub fn is_fail_fast(&self) -> bool {
        self.fail_fast
    }

    /// The request's runs share `stop` with each other and with whoever else holds it: a
    /// judge outside the runner (a rollback trigger over the samples so far, say) stops them
    /// with [`RunStop::stop_with`](crate::RunStop::stop_with), and each run reports why. Make
    /// it from the token given to [`RunRequest::cancellation`], so a Ctrl-C still stops it.
    #[must_use]
    pub fn stop(mut self, stop: crate::RunStop) -> Self {
        self.stop = Some(stop);
        self
    }

    /// The tool named in the run's summary and log record (default `release` and this
    /// crate's version): an embedder's own name and version.
    #[must_use]
    pub fn tool(mut self, tool: crate::ToolInfo) -> Self {
        self.tool = Some(tool);
        self
    }

    /// Where gates' progress messages go (a sustained window's samples, say).
    #[must_use]
    pub fn progress(mut self, sink: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(sink));
        self
    }
}
