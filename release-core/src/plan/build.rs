use std::collections::BTreeSet;

use super::model::{Environment, GateSpec, Plan};
use crate::errors::InvalidSpec;
use crate::gate::{DynGate, GateInfo};
use crate::sustain::Sustained;

/// A plan could not be turned into gates for a run.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The requested environment is not in the plan.
    #[error(
        "environment `{}` is not declared in {plan}; expected one of {known}",
        crate::names::escaped(name)
    )]
    UnknownEnvironment {
        /// The name asked for.
        name: String,
        /// The plan file.
        plan: String,
        /// The declared names.
        known: String,
    },
    /// No environment was named and the plan has several.
    #[error(
        "no environment chosen: pass --env or set RELEASE_ENV to one of {known} (or set `release.default_environment` in {plan})"
    )]
    NoEnvironment {
        /// The plan file.
        plan: String,
        /// The declared names.
        known: String,
    },
    /// A gate's settings cannot be used.
    #[error(
        "{plan}:{line}: gate `{}`: {}",
        crate::names::escaped(id),
        crate::names::escaped(message)
    )]
    Gate {
        /// The plan file.
        plan: String,
        /// The gate's line.
        line: usize,
        /// The gate.
        id: String,
        /// What is wrong.
        message: String,
    },
}

pub use crate::base_url::URL_PLACEHOLDERS;

/// Base URLs given on the command line or in `RELEASE_API_URL`/`RELEASE_WEB_URL`; they win
/// over the plan's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlOverrides {
    /// Replaces the environment's `api_url`.
    pub api_url: Option<String>,
    /// Replaces the environment's `web_url`.
    pub web_url: Option<String>,
    /// Replaces the environment's `prometheus_url`.
    pub prometheus_url: Option<String>,
    /// Replaces the environment's `alertmanager_url`.
    pub alertmanager_url: Option<String>,
}

impl UrlOverrides {
    /// Each override that is not a base URL
    /// ([`check_base_url`](crate::base_url::check_base_url)), as the placeholder it replaces
    /// (`api_url`) and what is wrong. Check before running gates: a gate would otherwise find
    /// out only when it runs, or check another endpoint than written.
    ///
    /// ```
    /// use release_core::plan::UrlOverrides;
    /// let overrides = UrlOverrides {
    ///     api_url: Some("not a url".into()),
    ///     web_url: Some("https://example.com".into()),
    ///     ..UrlOverrides::default()
    /// };
    /// let problems = overrides.problems();
    /// assert_eq!(problems.len(), 1);
    /// assert_eq!(problems[0].0, "api_url");
    /// ```
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        URL_PLACEHOLDERS
            .into_iter()
            .zip([
                &self.api_url,
                &self.web_url,
                &self.prometheus_url,
                &self.alertmanager_url,
            ])
            .filter_map(|(name, url)| {
                let problem = crate::base_url::check_base_url(url.as_deref()?).err()?;
                Some((name, problem.to_string()))
            })
            .collect()
    }
}

/// Which gates of a phase run: `--only` and `--skip` name gate ids, kinds or phases. A gate
/// left out is reported as `skipped` with the reason, never silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateFilter {
    /// When not empty, only gates matching one of these run.
    pub only: Vec<String>,
    /// Gates matching one of these do not run.
    pub skip: Vec<String>,
}

impl GateFilter {
    fn matches(names: &[String], gate: &GateSpec) -> Option<String> {
        names
            .iter()
            .find(|n| {
                **n == gate.common.id || *n == gate.spec.kind() || gate.common.phases.contains(n)
            })
            .cloned()
    }

    /// Why the gate is left out, or `None` when it runs.
    pub fn excludes(&self, gate: &GateSpec) -> Option<String> {
        if let Some(name) = Self::matches(&self.skip, gate) {
            return Some(format!(
                "left out by --skip {}",
                crate::names::escaped(&name)
            ));
        }
        if !self.only.is_empty() && Self::matches(&self.only, gate).is_none() {
            let only = self.only.join(",");
            return Some(format!(
                "not selected by --only {}",
                crate::names::escaped(&only)
            ));
        }
        None
    }

    /// Names that match no gate of the plan: a typo in `--only api-helth` must not pass
    /// quietly with nothing checked.
    pub fn unknown_names<'a>(&'a self, plan: &Plan) -> Vec<&'a str> {
        self.only
            .iter()
            .chain(&self.skip)
            .filter(|name| {
                !plan
                    .gates
                    .iter()
                    .any(|g| Self::matches(std::slice::from_ref(*name), g).is_some())
            })
            .map(String::as_str)
            .collect()
    }
}

/// A gate that only reports why it did not run.
struct LeftOut {
    info: GateInfo,
    reason: String,
    /// Whether a strict run counts it as missing (`--only`/`--skip`), or the run decided to
    /// leave it out and says so (`skipped` whatever the mode).
    strict_blocks: bool,
}

impl crate::gate::Gate for LeftOut {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, cx: &crate::Context) -> crate::Evaluation {
        // A strict run stands for the whole release: leaving out a required gate cannot give
        // it a pass, so the gate is inconclusive (which blocks) instead of skipped.
        if self.strict_blocks && cx.is_strict() && self.info.required {
            return crate::Evaluation::inconclusive(format!(
                "{}; a strict run needs every required gate",
                self.reason
            ))
            .observation(crate::Observation::new(
                "selection",
                self.reason.clone(),
                "selected (strict run)",
                "selection",
            ));
        }
        crate::Evaluation::skipped(self.reason.clone()).observation(crate::Observation::new(
            "selection",
            self.reason.clone(),
            "selected",
            "skipped",
        ))
    }
}

/// The environment a run targets, with its effective settings.
#[derive(Debug, Clone)]
pub struct SelectedEnvironment<'p> {
    /// Its name.
    pub name: String,
    /// Its table in the plan.
    pub settings: &'p Environment,
    /// Whether it is production.
    pub production: bool,
    /// Whether warnings block, before any `--strict` flag.
    pub strict: bool,
}

impl SelectedEnvironment<'_> {
    /// A context for this environment's gates: its base URLs (overrides win), the plan's
    /// tokens, production and strictness. Add variables, baselines and a cancellation token
    /// before building it.
    pub fn context(&self, plan: &Plan, overrides: &UrlOverrides) -> crate::ContextBuilder {
        let mut builder = crate::Context::builder(self.name.clone())
            .production(self.production)
            .strict(self.strict);
        let api = overrides
            .api_url
            .clone()
            .or_else(|| self.settings.api_url.clone());
        let web = overrides
            .web_url
            .clone()
            .or_else(|| self.settings.web_url.clone());
        let prometheus = overrides
            .prometheus_url
            .clone()
            .or_else(|| self.settings.prometheus_url.clone());
        let alertmanager = overrides
            .alertmanager_url
            .clone()
            .or_else(|| self.settings.alertmanager_url.clone());
        for (name, url) in URL_PLACEHOLDERS
            .into_iter()
            .zip([api, web, prometheus, alertmanager])
        {
            if let Some(url) = url {
                builder = builder.url(name, url);
            }
        }
        for (name, variable) in &plan.tokens {
            builder = builder.token(name.clone(), variable.clone());
        }
        builder
    }
}

impl GateSpec {
    /// Who the gate is.
    pub fn info(&self) -> GateInfo {
        GateInfo {
            id: self.common.id.clone(),
            kind: self.spec.kind().to_owned(),
            title: self.common.title.clone().unwrap_or_default(),
            required: self.common.required,
            phases: self.common.phases.clone(),
            timeout: self.common.timeout.map(|t| t.get()),
            stop_grace: None,
        }
    }

    /// The baselines (`<gate id>.<measurement>`) the gate reads when it runs: a `sessions`
    /// gate's stale sessions, a `prometheus` gate's value when it has relative limits. A run
    /// looks up only these in the release log, and reads none of it when there are none.
    pub fn baseline_keys(&self) -> Vec<String> {
        let id = &self.common.id;
        let measurements = self.spec.unit().baseline_measurements();
        measurements.iter().map(|m| format!("{id}.{m}")).collect()
    }

    /// The runnable gate.
    pub fn build(&self, plan: &Plan) -> Result<Box<dyn DynGate>, BuildError> {
        let error = |message: String| BuildError::Gate {
            plan: plan.path.display().to_string(),
            line: self.line,
            id: self.common.id.clone(),
            message,
        };
        self.build_gate().map_err(|e| error(e.message))
    }

    /// The runnable gate, or why the settings cannot be used.
    pub(crate) fn build_gate(&self) -> Result<Box<dyn DynGate>, InvalidSpec> {
        let gate = self.spec.unit().build(self.info())?;
        match &self.common.sustain {
            Some(window) => Sustained::new(gate, window.clone())
                .map(|g| Box::new(g) as Box<dyn DynGate>)
                .map_err(|e| InvalidSpec::from(e.to_string())),
            None => Ok(gate),
        }
    }
}

impl Plan {
    /// The environment named by `requested`, else `release.default_environment`, else the
    /// only one declared.
    pub fn select_environment(
        &self,
        requested: Option<&str>,
    ) -> Result<SelectedEnvironment<'_>, BuildError> {
        let known = || {
            self.environments
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let plan = self.path.display().to_string();
        let name = match requested.or(self.release.default_environment.as_deref()) {
            Some(name) => name.to_owned(),
            None if self.environments.len() == 1 => {
                self.environments.keys().next().cloned().unwrap_or_default()
            }
            None => {
                return Err(BuildError::NoEnvironment {
                    plan,
                    known: known(),
                });
            }
        };
        let Some(settings) = self.environments.get(&name) else {
            return Err(BuildError::UnknownEnvironment {
                name,
                plan,
                known: known(),
            });
        };
        let production = settings.production.unwrap_or(name == "production");
        Ok(SelectedEnvironment {
            strict: settings.strict.unwrap_or(production),
            production,
            settings,
            name,
        })
    }

    /// The gates of any of these phases that run in the environment, in plan order.
    pub fn gates_for<'a>(
        &'a self,
        phases: &'a [&str],
        environment: &'a str,
    ) -> impl Iterator<Item = &'a GateSpec> + 'a {
        self.gates
            .iter()
            .filter(move |g| g.applies_to(environment) && phases.iter().any(|p| g.in_phase(p)))
    }

    /// The baselines the gates of these phases that the filter keeps read, in the
    /// environment ([`GateSpec::baseline_keys`]).
    pub fn baseline_keys(
        &self,
        phases: &[&str],
        environment: &str,
        filter: &GateFilter,
    ) -> BTreeSet<String> {
        self.gates_for(phases, environment)
            .filter(|g| filter.excludes(g).is_none())
            .flat_map(GateSpec::baseline_keys)
            .collect()
    }

    /// The runnable gates of these phases for the environment.
    pub fn build_gates(
        &self,
        phases: &[&str],
        environment: &str,
    ) -> Result<Vec<Box<dyn DynGate>>, BuildError> {
        self.build_selected_gates(phases, environment, &GateFilter::default())
    }

    /// The runnable gates of these phases for the environment; gates the filter leaves out
    /// are reported `skipped`.
    pub fn build_selected_gates(
        &self,
        phases: &[&str],
        environment: &str,
        filter: &GateFilter,
    ) -> Result<Vec<Box<dyn DynGate>>, BuildError> {
        self.gates_for(phases, environment)
            .map(|g| match filter.excludes(g) {
                Some(reason) => Ok(Box::new(LeftOut {
                    info: g.info(),
                    reason,
                    strict_blocks: true,
                }) as Box<dyn DynGate>),
                None => g.build(self),
            })
            .collect()
    }

    /// The gates of these phases for the environment, none of them run: each reports
    /// `skipped` with the reason, also in a strict run. For a step a run leaves out on
    /// purpose and says so, such as the dry-run's QA with `RELEASE_LOCAL_SKIP_QA_CRITICAL=true`.
    pub fn left_out_gates(
        &self,
        phases: &[&str],
        environment: &str,
        reason: &str,
    ) -> Vec<Box<dyn DynGate>> {
        self.gates_for(phases, environment)
            .map(|g| {
                Box::new(LeftOut {
                    info: g.info(),
                    reason: reason.to_owned(),
                    strict_blocks: false,
                }) as Box<dyn DynGate>
            })
            .collect()
    }

    /// Secrets made from variables rather than held in one: the HTTP Basic credential of each
    /// `basic_auth` (`Basic <base64>` and its base64 alone), which an upstream's error page
    /// could echo back. [`Plan::redactor`] hides these along with the variables' values.
    ///
    /// ```
    /// use release_core::{Plan, Vars};
    /// let plan = Plan::parse("release.toml", r#"
    ///     [environments.staging]
    ///     [[gates]]
    ///     id = "up"
    ///     kind = "prometheus"
    ///     phases = ["launch"]
    ///     query = "up"
    ///     fail_below = 1
    ///     basic_auth = { user = "PROM_USER", password = "PROM_PASSWORD" }
    /// "#).unwrap();
    /// let vars = Vars::from_pairs([("PROM_USER", "Aladdin"), ("PROM_PASSWORD", "open sesame")]);
    /// assert!(plan.derived_secrets(&vars).contains(&"QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned()));
    /// ```
    pub fn derived_secrets(&self, vars: &crate::Vars) -> Vec<String> {
        let gates = self.gates.iter();
        gates
            .flat_map(|g| g.spec.unit().derived_secrets(vars))
            .collect()
    }

    /// The redactor of a run over these variables and base URL flags: it hides the values of
    /// the variables the plan declares secret ([`Plan::secret_variables`]), of those secret by
    /// name ([`Plan::secret_names`]), the credentials inside every URL
    /// ([`url_credentials`](crate::url_credentials)), [`Plan::derived_secrets`] and
    /// [`Plan::written_secrets`]. Every value is hidden, however short (see
    /// [`Redactor`](crate::Redactor) for how short ones are matched).
    ///
    /// ```
    /// use release_core::{Plan, Vars, plan::UrlOverrides};
    /// let plan = Plan::parse("release.toml", r#"
    ///     [release.secrets]
    ///     patterns = ["*_SALT"]
    ///     not_secret = ["NEXT_PUBLIC_*"]
    ///     [environments.staging]
    /// "#).unwrap();
    /// let vars = Vars::from_pairs([
    ///     ("GITHUB_TOKEN", "ghp_0123456789"),
    ///     ("SIGNING_SALT", "pepper"),
    ///     ("NEXT_PUBLIC_STRIPE_KEY", "pk_live_0123456789"),
    ///     ("DATABASE_URL", "postgres://app:hunter2hunter2@db/app"),
    /// ]);
    /// let flags = UrlOverrides {
    ///     api_url: Some("https://bot:FlagPass1234@api.example".to_owned()),
    ///     ..UrlOverrides::default()
    /// };
    /// let redactor = plan.redactor(&vars, &flags);
    /// assert_eq!(
    ///     redactor.redact("ghp_0123456789 pepper pk_live_0123456789 postgres://app:hunter2hunter2@db FlagPass1234"),
    ///     "[redacted] [redacted] pk_live_0123456789 postgres://app:[redacted]@db [redacted]",
    /// );
    /// ```
    pub fn redactor(&self, vars: &crate::Vars, overrides: &UrlOverrides) -> crate::Redactor {
        let mut redactor = crate::Redactor::new();
        let values = self.secret_names().values(vars, &self.secret_variables());
        let all = values
            .into_iter()
            .chain(self.derived_secrets(vars))
            .chain(self.written_secrets(overrides))
            .chain(self.store_secrets(vars));
        for value in all {
            redactor.add(value);
        }
        redactor
    }

    /// The release store's secrets: the password and the whole URL of `RELEASE_LOG_URL` (from
    /// `vars`) and of the plan's `release.log`; a value that is not a valid URL is hidden
    /// whole, as it may still hold a password.
    ///
    /// ```
    /// use release_core::{Plan, Vars};
    /// let plan = Plan::parse("release.toml", "[environments.staging]\n").unwrap();
    /// let vars = Vars::from_pairs([("RELEASE_LOG_URL", "postgres://ci:Canary99@db/release")]);
    /// let secrets = plan.store_secrets(&vars);
    /// assert!(secrets.contains(&"Canary99".to_owned()));
    /// assert!(secrets.contains(&"postgres://ci:Canary99@db/release".to_owned()));
    /// ```
    pub fn store_secrets(&self, vars: &crate::Vars) -> Vec<String> {
        let from_variable = vars
            .get(crate::log::RELEASE_LOG_URL)
            .map(|value| value.expose().trim().to_owned());
        let from_plan = self
            .release
            .log
            .as_ref()
            .and_then(|path| path.to_str())
            .map(str::to_owned);
        from_variable
            .into_iter()
            .chain(from_plan)
            .filter(|text| crate::log::postgres::PostgresUrl::is_url(text))
            .flat_map(|text| match crate::log::StoreLocation::parse(&text) {
                Ok(location) => location.secrets(),
                Err(_) => vec![text],
            })
            .collect()
    }

    /// Secrets the plan and the command line write themselves rather than read from a
    /// variable: the credentials of every base URL of every environment and of the base URL
    /// flags (`--api-url`, or `RELEASE_API_URL` read as one), of every gate URL with its
    /// placeholders filled, the values of request headers with secret names (`Authorization`,
    /// `X-Api-Key`) and the secret members of request bodies, the `env` a command gate or a
    /// service gives its process, read as variables are (secret names, URL credentials), and
    /// the URL credentials and secret assignments (`PGPASSWORD=… psql`, `--db-password=…`) of
    /// the command lines of command gates and services.
    ///
    /// ```
    /// use release_core::{Plan, plan::UrlOverrides};
    /// let plan = Plan::parse("release.toml", r#"
    ///     [environments.staging]
    ///     api_url = "https://bot:PlanUrlPass99@api.example"
    ///     [[gates]]
    ///     id = "h"
    ///     kind = "http"
    ///     phases = ["smoke"]
    ///     url = "{api_url}/health?access_token=QueryTok12345"
    ///     headers = { X-Api-Key = "HeaderLiteral777", Accept = "application/json" }
    /// "#).unwrap();
    /// let secrets = plan.written_secrets(&UrlOverrides::default());
    /// for secret in ["PlanUrlPass99", "QueryTok12345", "HeaderLiteral777"] {
    ///     assert!(secrets.contains(&secret.to_owned()), "{secret}");
    /// }
    /// assert!(!secrets.contains(&"application/json".to_owned()));
    /// ```
    pub fn written_secrets(&self, overrides: &UrlOverrides) -> Vec<String> {
        let names = self.secret_names();
        let declared = self.secret_variables();
        let flags = [
            &overrides.api_url,
            &overrides.web_url,
            &overrides.prometheus_url,
            &overrides.alertmanager_url,
        ];
        let mut urls: Vec<String> = flags.iter().filter_map(|u| (*u).clone()).collect();
        for environment in self.environments.values() {
            let base = [
                &environment.api_url,
                &environment.web_url,
                &environment.prometheus_url,
                &environment.alertmanager_url,
            ];
            urls.extend(base.iter().filter_map(|u| (*u).clone()));
            // Each gate URL as it is requested in this environment: the flag, else the
            // environment's URL, else a stand-in that still reads as a URL.
            let filled: Vec<(&str, String)> = URL_PLACEHOLDERS
                .into_iter()
                .zip(flags.iter().zip(base))
                .map(|(name, (flag, url))| {
                    let url = flag.as_ref().or(url.as_ref());
                    (
                        name,
                        url.map_or_else(|| "http://placeholder".to_owned(), Clone::clone),
                    )
                })
                .collect();
            for gate in &self.gates {
                for (_, template) in gate.spec.unit().url_templates() {
                    let mut url = template.to_owned();
                    for (name, base) in &filled {
                        url = url.replace(&format!("{{{name}}}"), base.trim_end_matches('/'));
                    }
                    urls.push(url);
                }
            }
        }
        let mut secrets: Vec<String> = urls
            .iter()
            .flat_map(|url| crate::url_credentials(url, &names))
            .collect();
        for gate in &self.gates {
            secrets.extend(gate.spec.unit().written_secrets(&names, &declared));
        }
        secrets
    }

    /// Each `release.secrets.not_secret` entry that names a variable the plan declares
    /// secret: a contradiction, since a declared secret stays secret. Patterns are not
    /// checked (`not_secret = ["*"]` opts every name out of the patterns, not the declared).
    pub(crate) fn not_secret_problems(&self) -> Vec<String> {
        let declared = self.secret_variables();
        self.release
            .secrets
            .not_secret
            .iter()
            .filter(|p| p.is_exact() && declared.iter().any(|name| p.matches(name)))
            .map(|p| {
                format!(
                    "`release.secrets.not_secret` names `{p}`, which the plan declares secret (a `[tokens]` variable, a `secret` rule, a `basic_auth` password or a Railway token); a declared secret stays secret"
                )
            })
            .collect()
    }

    /// Which variables hold secrets by their names: the default patterns with
    /// `[release.secrets]`'s own.
    pub fn secret_names(&self) -> crate::SecretNames {
        let secrets = &self.release.secrets;
        crate::SecretNames::new(secrets.patterns.clone(), secrets.not_secret.clone())
    }

    /// The variables the plan declares secret: those with a `secret` rule, every token
    /// variable, `basic_auth` passwords, the Railway tokens of a plan with a platform gate or a
    /// rollout deploying to Railway, and the rollout's Slack webhook.
    /// They are secrets whatever their names, `not_secret` included.
    pub fn secret_variables(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.tokens.values().cloned().collect();
        for gate in &self.gates {
            names.extend(gate.spec.unit().secret_variables());
        }
        names.extend(self.rollout.secret_variables());
        names
    }
}
