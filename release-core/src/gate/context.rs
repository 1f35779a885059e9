use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use super::evaluation::Evaluation;
use super::traits::GateInfo;
pub use crate::clock::{Clock, SystemClock};
use crate::errors::{TokenError, UrlTemplateError};
use crate::net::{HttpClient, HttpError};
use crate::secret::Redactor;
use crate::vars::Vars;

/// A value from an earlier run that a relative rule compares with.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The earlier value.
    pub value: f64,
    /// Where it came from, e.g. `release log: run 20261127T100000Z-3f9a1c`.
    pub source: String,
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
    urls: Arc<BTreeMap<String, String>>,
    tokens: Arc<BTreeMap<String, String>>,
    baselines: Arc<BTreeMap<String, Baseline>>,
    http: Arc<OnceLock<Result<HttpClient, HttpError>>>,
    running_services: bool,
    progress: Option<Progress>,
    on_sample: Option<OnSample>,
}

/// What a sustained window knows after one of its samples: the evaluation it would report if
/// it ended now (every sample so far in its details). For judges that act before the window
/// ends, such as rollback triggers judged per sample.
#[derive(Debug, Clone, Copy)]
pub struct SampleSoFar<'a> {
    /// The window's gate.
    pub gate: &'a GateInfo,
    /// The sample just taken, from 1.
    pub sample: u32,
    /// How many samples the window takes at most.
    pub of: u32,
    /// The window's evaluation as of this sample.
    pub evaluation: &'a Evaluation,
}

type SampleHook = dyn Fn(SampleSoFar<'_>) + Send + Sync;

#[derive(Clone)]
struct OnSample(Arc<SampleHook>);

impl std::fmt::Debug for OnSample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnSample")
    }
}

/// Told of a long gate's progress: the gate's id and a line such as "sample 3 of 60, 2m left".
type ProgressSink = dyn Fn(&str, &str) + Send + Sync;

#[derive(Clone)]
struct Progress(Arc<ProgressSink>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
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
            urls: BTreeMap::new(),
            tokens: BTreeMap::new(),
            baselines: BTreeMap::new(),
            http: None,
            running_services: false,
            progress: None,
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

    /// The clock itself, for what reads the time more than once (an exchange's retries).
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The token that stops the run; cancel it to stop in-flight gates.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// The shared HTTP client, built on first use.
    pub fn http(&self) -> Result<&HttpClient, HttpError> {
        self.http
            .get_or_init(HttpClient::new)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A copy of this context with an HTTP connection pool of its own, for gates run on
    /// another tokio runtime: a pooled connection is driven by the runtime that opened it, so
    /// a request from another runtime would stall on it once that runtime stops running. A
    /// client given to [`ContextBuilder::http`] is not shared with the copy, which builds its
    /// own with [`HttpClient::new`] on first use.
    ///
    /// ```
    /// use release_core::Context;
    /// let cx = Context::builder("staging").build();
    /// let other = cx.with_own_connections();
    /// assert_eq!(other.environment(), "staging");
    /// assert!(!std::ptr::eq(cx.http().unwrap(), other.http().unwrap()));
    /// ```
    #[must_use]
    pub fn with_own_connections(&self) -> Context {
        Context {
            http: Arc::new(OnceLock::new()),
            ..self.clone()
        }
    }

    /// The same context under another cancellation token (a child of this one's, say, that
    /// a decided run cancels without cancelling the caller's).
    pub(crate) fn with_cancellation(&self, cancel: CancellationToken) -> Context {
        Context {
            cancel,
            ..self.clone()
        }
    }

    /// The same context, whose sustained windows tell `hook` after every sample what they
    /// know so far (on the gate's task: keep it quick).
    #[must_use]
    pub fn with_on_sample(
        &self,
        hook: impl Fn(SampleSoFar<'_>) + Send + Sync + 'static,
    ) -> Context {
        Context {
            on_sample: Some(OnSample(Arc::new(hook))),
            ..self.clone()
        }
    }

    /// Whether anyone listens to samples: a window computes what it knows so far only then.
    pub fn wants_samples(&self) -> bool {
        self.on_sample.is_some()
    }

    /// Tells the sample listener, if any, what a window knows so far.
    pub fn sampled(&self, so_far: SampleSoFar<'_>) {
        if let Some(OnSample(hook)) = &self.on_sample {
            hook(so_far);
        }
    }

    /// Every baseline the run read, by key.
    pub(crate) fn baselines(&self) -> &BTreeMap<String, Baseline> {
        &self.baselines
    }

    /// A base URL by name (`api_url`, `web_url`).
    pub fn url(&self, name: &str) -> Option<&str> {
        self.urls.get(name).map(String::as_str)
    }

    /// A URL template with `{api_url}` and `{web_url}` replaced by the environment's base
    /// URLs (without a trailing slash). A base URL that is not one
    /// ([`check_base_url`](crate::base_url::check_base_url): a query or a fragment would
    /// swallow the rest of the template) is an error, never pasted in.
    ///
    /// ```
    /// let cx = release_core::Context::builder("staging")
    ///     .url("api_url", "http://127.0.0.1:8080/")
    ///     .url("web_url", "http://127.0.0.1:8081#top")
    ///     .build();
    /// assert_eq!(cx.expand_url("{api_url}/health").unwrap(), "http://127.0.0.1:8080/health");
    /// assert!(cx.expand_url("{web_url}/login").unwrap_err().to_string().contains("has a fragment"));
    /// assert!(cx.expand_url("{prometheus_url}/").unwrap_err().to_string().contains("prometheus_url"));
    /// ```
    pub fn expand_url(&self, template: &str) -> Result<String, UrlTemplateError> {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(UrlTemplateError::Unclosed {
                    template: template.to_owned(),
                });
            };
            let name = &after[..close];
            match self.url(name) {
                Some(base) => {
                    if let Err(problem) = crate::base_url::check_base_url(base) {
                        return Err(UrlTemplateError::BadBase {
                            name: name.to_owned(),
                            environment: self.environment.clone(),
                            problem,
                        });
                    }
                    out.push_str(base.trim_end_matches('/'));
                }
                // Only a plan's base URLs have a flag and a variable.
                None if crate::base_url::URL_PLACEHOLDERS.contains(&name) => {
                    return Err(UrlTemplateError::Unset {
                        name: name.to_owned(),
                        environment: self.environment.clone(),
                    });
                }
                None => {
                    return Err(UrlTemplateError::Unknown {
                        name: name.to_owned(),
                        environment: self.environment.clone(),
                    });
                }
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A token's value by its plan name (`admin`), read from the variable `[tokens]` names.
    /// The error names the token and the variable, never a value.
    pub fn token(&self, name: &str) -> Result<secrecy::SecretString, TokenError> {
        let var = self
            .tokens
            .get(name)
            .ok_or_else(|| TokenError::Undeclared {
                name: name.to_owned(),
            })?;
        match self.vars.get(var) {
            Some(value) if !value.expose().is_empty() => Ok(value.expose().to_owned().into()),
            Some(_) => Err(TokenError::Empty {
                name: name.to_owned(),
                variable: var.clone(),
            }),
            None => Err(TokenError::Unset {
                name: name.to_owned(),
                variable: var.clone(),
            }),
        }
    }

    /// The baseline recorded for a measurement, keyed `<gate id>.<measurement>`.
    pub fn baseline(&self, key: &str) -> Option<&Baseline> {
        self.baselines.get(key)
    }

    /// Reports a long gate's progress (a sustained window's samples) to whoever shows it: a
    /// spinner on a terminal, a log line elsewhere. Without a sink, nothing happens.
    pub fn progress(&self, gate: &str, message: &str) {
        if let Some(Progress(sink)) = &self.progress {
            sink(gate, &self.redactor.redact(message));
        }
    }

    /// Whether command gates use services that are already running instead of starting
    /// their own (`--skip-deps`).
    pub fn uses_running_services(&self) -> bool {
        self.running_services
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
    urls: BTreeMap<String, String>,
    tokens: BTreeMap<String, String>,
    baselines: BTreeMap<String, Baseline>,
    http: Option<HttpClient>,
    running_services: bool,
    progress: Option<Progress>,
}

impl ContextBuilder {
    /// A base URL by name, e.g. `url("api_url", "https://api.example.com")`.
    #[must_use]
    pub fn url(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.urls.insert(name.into(), url.into());
        self
    }

    /// A token name and the variable that holds its value, as in the plan's `[tokens]`.
    #[must_use]
    pub fn token(mut self, name: impl Into<String>, variable: impl Into<String>) -> Self {
        self.tokens.insert(name.into(), variable.into());
        self
    }

    /// A baseline for a measurement, keyed `<gate id>.<measurement>`.
    #[must_use]
    pub fn baseline(mut self, key: impl Into<String>, baseline: Baseline) -> Self {
        self.baselines.insert(key.into(), baseline);
        self
    }

    /// The HTTP client to share (default: one built on first use).
    #[must_use]
    pub fn http(mut self, client: HttpClient) -> Self {
        self.http = Some(client);
        self
    }

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

    /// Where long gates report progress (see [`Context::progress`]).
    #[must_use]
    pub fn progress(mut self, sink: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        self.progress = Some(Progress(Arc::new(sink)));
        self
    }

    /// Command gates use services already running instead of starting their own, as the
    /// runbook's `test:api:skip-deps` does.
    #[must_use]
    pub fn use_running_services(mut self, yes: bool) -> Self {
        self.running_services = yes;
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
            urls: Arc::new(self.urls),
            tokens: Arc::new(self.tokens),
            baselines: Arc::new(self.baselines),
            http: Arc::new(match self.http {
                Some(client) => OnceLock::from(Ok(client)),
                None => OnceLock::new(),
            }),
            running_services: self.running_services,
            progress: self.progress,
            on_sample: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn progress_messages_are_redacted_before_they_reach_the_sink() {
        let mut redactor = Redactor::new();
        redactor.add("s3cr3t-progress-value");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let cx = Context::builder("staging")
            .redactor(redactor)
            .progress(move |gate: &str, message: &str| {
                sink.lock().unwrap().push(format!("{gate}: {message}"));
            })
            .build();
        cx.progress("soak", "sample 1 of 2: s3cr3t-progress-value");
        assert_eq!(*seen.lock().unwrap(), ["soak: sample 1 of 2: [redacted]"]);
    }
}
