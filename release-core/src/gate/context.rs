use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use crate::secret::Redactor;
use crate::vars::Vars;

/// Where "now" comes from, so tests can fix it.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Everything a gate runs with: the target environment, its variables, the secrets to keep out
/// of output, the clock and the cancellation token. No globals, so tests substitute each part.
#[derive(Debug, Clone)]
pub struct Context {
    environment: String,
    production: bool,
    strict: bool,
    vars: Arc<Vars>,
    redactor: Arc<Redactor>,
    clock: Arc<dyn Clock>,
    cancel: CancellationToken,
}

impl Context {
    /// Starts a context for the named environment.
    ///
    /// ```
    /// use release_core::{Context, Vars};
    /// let cx = Context::builder("staging").vars(Vars::from_pairs([("PORT", "8080")])).build();
    /// assert_eq!(cx.environment(), "staging");
    /// assert!(!cx.is_production());
    /// ```
    pub fn builder(environment: impl Into<String>) -> ContextBuilder {
        let environment = environment.into();
        ContextBuilder {
            production: environment == "production",
            strict: None,
            environment,
            vars: Vars::default(),
            redactor: Redactor::default(),
            clock: Arc::new(SystemClock),
            cancel: CancellationToken::new(),
        }
    }

    /// The target environment's name.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Whether the target is production (stricter URL rules, strict by default).
    pub fn is_production(&self) -> bool {
        self.production
    }

    /// Whether warnings and inconclusive results block.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The variables gates may read.
    pub fn vars(&self) -> &Vars {
        &self.vars
    }

    /// The secrets to keep out of anything written.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The token that stops the run; cancel it to stop in-flight gates.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }
}

/// Builds a [`Context`].
#[derive(Debug)]
pub struct ContextBuilder {
    environment: String,
    production: bool,
    strict: Option<bool>,
    vars: Vars,
    redactor: Redactor,
    clock: Arc<dyn Clock>,
    cancel: CancellationToken,
}

impl ContextBuilder {
    /// Whether the target is production; defaults to the name being `production`.
    #[must_use]
    pub fn production(mut self, production: bool) -> Self {
        self.production = production;
        self
    }

    /// Whether warnings block; defaults to [`production`](Self::production).
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = Some(strict);
        self
    }

    /// The variables gates read.
    #[must_use]
    pub fn vars(mut self, vars: Vars) -> Self {
        self.vars = vars;
        self
    }

    /// The secrets to keep out of output.
    #[must_use]
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The clock.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The cancellation token, e.g. one a Ctrl-C handler cancels.
    #[must_use]
    pub fn cancellation(mut self, cancel: CancellationToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Finishes the context.
    pub fn build(self) -> Context {
        Context {
            strict: self.strict.unwrap_or(self.production),
            environment: self.environment,
            production: self.production,
            vars: Arc::new(self.vars),
            redactor: Arc::new(self.redactor),
            clock: self.clock,
            cancel: self.cancel,
        }
    }
}
