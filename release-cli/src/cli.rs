use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use release_core::plan::Template;
use release_core::report::Format;

/// Release gates from a plan, and an exit code to branch on
///
/// Preflight checks, the rollout and its rollback, and reports in five formats. The exit code:
/// 0 passed, 1 blocked or rolled back, 2 invalid usage, plan or input, 3 hold, 4 a human must
/// finish.
#[derive(Debug, Parser)]
#[command(
    name = "release",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// Parses the command line as [`Parser::try_parse`] does, and records which base URLs
    /// came from their variables (`RELEASE_API_URL`) rather than their flags, so that a
    /// message about one names where it was set. The caller prints clap's error (help and
    /// version are errors too), so that it can be redacted first.
    pub(crate) fn try_parse_recording_sources() -> Result<Self, clap::Error> {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let mut command = Self::command();
        // clap stops at `--version` before it counts `-v`, so the words themselves say
        // whether `release -vV` asked for the build's facts too.
        if asks_verbose(std::env::args_os().skip(1)) {
            command = command.version(VERBOSE_VERSION);
        }
        let matches = command.try_get_matches()?;
        let mut cli = Self::from_arg_matches(&matches)?;
        cli.global.urls_from_variables = release_core::plan::URL_PLACEHOLDERS
            .into_iter()
            .filter(|id| matches.value_source(id) == Some(clap::parser::ValueSource::EnvVariable))
            .collect();
        Ok(cli)
    }
}

/// What `release -vV` prints after `release`, as `rustc -vV` does: the version, then the facts
/// `build.rs` found, one `key: value` a line.
const VERBOSE_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit-hash: ",
    env!("RELEASE_COMMIT_HASH"),
    "\ncommit-date: ",
    env!("RELEASE_COMMIT_DATE"),
    "\nbuild-date: ",
    env!("RELEASE_BUILD_DATE"),
    "\nhost: ",
    env!("RELEASE_HOST"),
    "\nfeatures: ",
    env!("RELEASE_FEATURES"),
);

/// Whether the words before `--` hold `--verbose` or `-v`, alone or among other short flags
/// (`-vV`, `-Vv`).
fn asks_verbose(words: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    words
        .into_iter()
        .map(|word| word.to_string_lossy().into_owned())
        .take_while(|word| word != "--")
        .any(|word| {
            word == "--verbose"
                || word.strip_prefix('-').is_some_and(|shorts| {
                    shorts.contains('v') && shorts.chars().all(|c| c.is_ascii_alphabetic())
                })
        })
}

/// Flags accepted before or after the subcommand.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The plan file
    #[arg(
        long,
        global = true,
        env = "RELEASE_PLAN",
        default_value = "release.toml",
        hide_env_values = true
    )]
    pub(crate) plan: PathBuf,
    /// The target environment
    ///
    /// Default: the plan's `default_environment`, or its only one.
    #[arg(
        long = "env",
        global = true,
        env = "RELEASE_ENV",
        hide_env_values = true
    )]
    pub(crate) environment: Option<String>,
    /// A dotenv file read beneath the process environment
    ///
    /// A variable set in the process wins over the same one in the file.
    #[arg(long, global = true, env = "RELEASE_ENV_FILE", hide_env_values = true)]
    pub(crate) env_file: Option<PathBuf>,
    /// Output format on stdout
    #[arg(long, global = true, default_value = "human", value_parser = formats())]
    pub(crate) format: Format,
    /// Also write the JSON summary to this file
    ///
    /// The file is replaced atomically: a reader sees the old summary or the new one.
    #[arg(long, global = true)]
    pub(crate) out: Option<PathBuf>,
    /// Warnings and inconclusive results block
    ///
    /// Default: the environment's setting.
    #[arg(long, global = true)]
    pub(crate) strict: bool,
    /// Run every gate to the end even once the outcome is decided
    ///
    /// By default a blocking result stops the gates still running; they are reported skipped.
    #[arg(long, global = true)]
    pub(crate) no_fail_fast: bool,
    /// When to colour human output
    ///
    /// `auto`: colour on a terminal; `NO_COLOR` (not empty) turns it off, else
    /// `CLICOLOR_FORCE` (not empty, not `0`) turns it on anywhere. `always` and `never` win
    /// over both. Logs on stderr follow the same rule.
    #[arg(long, global = true, default_value = "auto")]
    pub(crate) color: ColorWhen,
    /// More detail
    ///
    /// Evidence of passing gates, debug logs on stderr (`-vv`: every library's too). With
    /// `--version` (`-vV`): the commit, build date, target and enabled features.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,
    /// Less on stderr
    ///
    /// Errors only.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// The API's base URL, replacing the environment's `api_url`
    #[arg(long, global = true, env = "RELEASE_API_URL", hide_env_values = true)]
    pub(crate) api_url: Option<String>,
    /// The web app's base URL, replacing the environment's `web_url`
    #[arg(long, global = true, env = "RELEASE_WEB_URL", hide_env_values = true)]
    pub(crate) web_url: Option<String>,
    /// Prometheus's base URL, replacing the environment's `prometheus_url`
    #[arg(
        long,
        global = true,
        env = "RELEASE_PROMETHEUS_URL",
        hide_env_values = true
    )]
    pub(crate) prometheus_url: Option<String>,
    /// Alertmanager's base URL, replacing the environment's `alertmanager_url`
    #[arg(
        long,
        global = true,
        env = "RELEASE_ALERTMANAGER_URL",
        hide_env_values = true
    )]
    pub(crate) alertmanager_url: Option<String>,
    /// Run only gates with these ids, kinds or phases
    ///
    /// Comma-separated or repeated; the rest are reported as skipped.
    #[arg(long, global = true, value_delimiter = ',')]
    pub(crate) only: Vec<String>,
    /// Leave out gates with these ids, kinds or phases
    ///
    /// Comma-separated or repeated; they are reported as skipped.
    #[arg(long, global = true, value_delimiter = ',')]
    pub(crate) skip: Vec<String>,
    /// A summary file whose measurements are the baselines
    ///
    /// Default: the last successful run in the release log.
    #[arg(long, global = true)]
    pub(crate) baseline: Option<PathBuf>,
    /// Command gates use services that are already running
    ///
    /// Postgres and Redis, say, instead of the ones a gate would start, as the runbook's
    /// `test:api:skip-deps`.
    #[arg(long, global = true)]
    pub(crate) skip_deps: bool,
    /// The base URLs (`api_url`…) whose value came from their variable, not their flag.
    #[arg(skip)]
    pub(crate) urls_from_variables: Vec<&'static str>,
}

/// The demo's scenarios, each with what it ends with. `release-cli/tests/cli/launch.rs` runs
/// every scenario and holds its exit code and decision to these words.
fn demo_scenarios() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("healthy")
            .help("every phase passes; the rollout deploys api and web; decision proceed; exit 0"),
        PossibleValue::new("degraded").help(
            "health `warn`, slow answers, a warning alert: the dry-run and the launch gate pass \
             with warnings; decision hold (error rate, latency and alerts in watch), again after \
             a longer soak; exit 3 (--strict: the dry-run is blocked, so no rollout; exit 1)",
        ),
        PossibleValue::new("roles-blocked").help(
            "two critical AI roles blocked: the launch gate is blocked; decision rollback; the \
             rollout rolls back web, then api; exit 1",
        ),
        PossibleValue::new("api-down").help(
            "the API refuses connections: the dry-run's smoke is blocked, so the rollout never \
             starts; decision none; exit 1",
        ),
        PossibleValue::new("stale-sessions").help(
            "6 stale agent sessions: the launch gate passes with a warning; decision proceed; \
             exit 0 (--strict: the rollout rolls back; exit 1)",
        ),
        PossibleValue::new("flaky").help(
            "API endpoints answer 503 twice, then recover on retry: every phase passes; \
             decision proceed; exit 0",
        ),
        PossibleValue::new("bad-release").help(
            "healthy until the new web deployment is live, then two critical AI roles are \
             blocked: the launch gate is blocked; decision rollback; the rollout rolls back web, \
             then api; exit 1",
        ),
    ])
}

/// The report formats, each with what it is for, so that `--help` lists them.
fn formats() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    PossibleValuesParser::new(
        Format::ALL.map(|format| PossibleValue::new(format.as_str()).help(format_help(format))),
    )
    .try_map(|name| name.parse::<Format>())
}

/// `release init`'s templates, each with what it holds.
fn templates() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new(Template::ALL.map(|template| {
        PossibleValue::new(template.name()).help(match template {
            Template::Minimal => "one environment, an env gate and two HTTP gates",
            Template::Runbook => "every phase of the runbook, soak windows, rollback, the rollout",
        })
    }))
}

fn format_help(format: Format) -> &'static str {
    match format {
        Format::Human => "a table and explanations for people, coloured on a terminal",
        Format::Json => "the JSON summary: exactly one document (`release schema summary`)",
        Format::Junit => "JUnit XML, one test case per gate, for CI test reports",
        Format::Markdown => {
            "GitHub-flavoured Markdown, for a pull request comment or a step summary"
        }
        Format::Html => {
            "one self-contained HTML page: every gate, a chart per soak window, the decision"
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run preflight gates
    ///
    /// `release preflight` runs every preflight phase, `release preflight env` one of them.
    Preflight {
        #[command(subcommand)]
        step: Option<PreflightStep>,
    },
    /// Production smoke checks
    ///
    /// `/health`, `/ready` and the critical flows (the `smoke` phase).
    Smoke,
    /// The staging dry-run: QA, then smoke against the target
    ///
    /// QA is the `preflight-qa` phase. Writes the summary and one evidence file per smoke gate
    /// under `<artifacts_dir>/dry-run/<run id>/`. `RELEASE_LOCAL_SKIP_QA_CRITICAL=true` reports QA
    /// as skipped instead of running it.
    DryRun,
    /// The post-release launch gate: smoke plus the control-plane gates
    ///
    /// The `smoke` and `launch` phases. Writes `<artifacts_dir>/<env>-launch-gate-summary.json`.
    LaunchGate,
    /// The whole runbook against a built-in mock environment on loopback
    ///
    /// With the shipped plan: preflight (env, platform, QA stand-ins), the dry-run, the launch gate
    /// with its soak, then the health report and the rollback decision. The exit code is the most
    /// serious of the phases' and the decision's (1 blocked or rollback, 3 hold, 0 otherwise).
    Demo {
        /// The mock environment's behaviour, and how the demo ends with it
        #[arg(long, default_value = "healthy", value_parser = demo_scenarios())]
        scenario: String,
        /// Where artifacts go
        ///
        /// Default: a new temporary directory, kept and named.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Inspect plans
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Read the release store, or move its records in and out
    ///
    /// Records move in and out as JSON Lines, the log file's own format.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Health reports
    ///
    /// Build one from a launch-gate run, or check a document against the published schema.
    Health {
        #[command(subcommand)]
        command: HealthCommand,
    },
    /// Rollback triggers, the rollback plan, and carrying it out
    ///
    /// Decide proceed, hold or rollback over a launch-gate run, show the ordered rollback
    /// plan, or execute the rollback of the last rollout.
    Rollback {
        #[command(subcommand)]
        command: RollbackCommand,
    },
    /// Freeze the environment (`--env`) against rollouts
    ///
    /// `release rollout` refuses to start until `release unfreeze`; `release rollback execute`
    /// still runs. Recorded in the plan's release log with who froze it (`RELEASE_ACTOR`, else
    /// `GITHUB_ACTOR`, else user@host) and why. Freezing a frozen environment replaces the reason.
    Freeze {
        /// Why, for whoever is refused
        ///
        /// Required.
        #[arg(long)]
        reason: String,
    },
    /// Lift the environment's freeze (`--env`)
    ///
    /// A no-op when it is not frozen.
    Unfreeze,
    /// Carry out the plan's rollout (`[[rollout.steps]]`)
    ///
    /// Announce, deploy, migrate, verify with the gates and decide, and roll back on its own when a
    /// step fails or the decision is rollback. Exit 0 rolled out and proceeding, 1 blocked before
    /// any change or rolled back, 2 invalid input, 3 hold (a human decides), 4 a human must finish
    /// the rollback.
    #[command(disable_version_flag = true, args_conflicts_with_subcommands = true)]
    Rollout {
        #[command(subcommand)]
        command: Option<RolloutCommand>,
        #[command(flatten)]
        args: RolloutArgs,
    },
    /// Write a commented plan to start from
    ///
    /// Writes `release.toml` (or the file `--plan` names) from a template, and never over an
    /// existing file. `minimal`: one environment, an env gate and two HTTP gates, every key
    /// explained. `runbook`: the whole production runbook as a plan (the one the demo runs).
    /// Then `release plan check` validates it.
    Init {
        /// The plan to start from
        #[arg(long, default_value = "minimal", value_parser = templates())]
        template: String,
    },
    /// Render a recorded run again, in any format
    ///
    /// Reads a summary file a run wrote (a gate run's, such as
    /// `<artifacts_dir>/<env>-launch-gate-summary.json`, or a rollout's or rollback's) and prints
    /// it in `--format`: `--format html` gives one self-contained page with a chart per soak
    /// window and, for a launch gate, the rollback decision the plan's triggers give over it.
    /// Nothing is written or recorded.
    Report {
        /// The summary file
        #[arg(long)]
        from: PathBuf,
    },
    /// Print the JSON Schema of a document the tool reads or writes
    Schema {
        /// Which schema
        #[arg(value_parser = ["plan", "summary", "log-record", "health-report", "rollout"])]
        name: String,
    },
    /// Print the shell completion script
    ///
    /// Bash: `release completions bash > ~/.local/share/bash-completion/completions/release`.
    /// Zsh: into a file named `_release` in a directory of `$fpath`. Fish: `release completions
    /// fish > ~/.config/fish/completions/release.fish`.
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page
    ///
    /// `release man` prints the page of `release` (roff) on stdout; `release man --dir DIR`
    /// writes one page per command and subcommand (`release.1`, `release-rollout.1`,
    /// `release-log-show.1`…) into DIR, creating it.
    Man {
        /// Write every page into this directory instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum HealthCommand {
    /// Build the health report of a launch-gate run
    ///
    /// Written atomically to `<artifacts_dir>/<env>-health-report.json`. Exit 1 when its
    /// status is `fail`.
    Report {
        /// Read the run from this summary file instead of running the launch gate now
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Validate a JSON document against the health report's schema
    ///
    /// Or against `--schema`. Shows every error with its JSON path and the rule broken, values
    /// masked. Exit 0 valid, 1 invalid, 2 unreadable. Remote `$ref`s are never fetched.
    Check {
        /// The document
        file: PathBuf,
        /// Another JSON Schema to validate against
        #[arg(long)]
        schema: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RollbackCommand {
    /// Weigh the plan's rollback triggers over a launch-gate run
    ///
    /// Exit 0 proceed, 3 hold, 1 rollback (with the ordered plan). The decision is appended to the
    /// release log. Prints human text or JSON; `--format html` prints the run's page with the
    /// decision on it.
    Evaluate {
        /// Read the run from this summary file instead of running the launch gate now
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// The ordered rollback steps for the environment, with each service's target
    Plan {
        /// Read the run from this summary file instead of running the launch gate now
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Carry out the rollback of the environment's last rollout
    ///
    /// Freeze, roll back web, then API, the database only with --db-owner-approved (and only when
    /// the release ran migrations), re-run smoke, announce. Allowed while frozen. Exit 0 rolled
    /// back, 1 another rollout or rollback holds the lock, 4 a human must finish.
    Execute {
        #[command(flatten)]
        args: RollbackArgs,
    },
}

/// `release rollout`'s own flags.
#[derive(Debug, Args)]
pub(crate) struct RolloutArgs {
    /// Print every step with its resolved target and change nothing anywhere
    ///
    /// The target: service, deployment, command, webhook set or not.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Continue an interrupted rollout from its first unfinished step
    ///
    /// Its run id, or `last`.
    #[arg(long, value_name = "RUN_ID|last")]
    pub(crate) resume: Option<String>,
    /// The version released
    ///
    /// Default: `RELEASE_VERSION`.
    #[arg(long = "version", value_name = "VERSION")]
    pub(crate) release_version: Option<String>,
    /// The commit released and deployed
    ///
    /// Default: `RELEASE_COMMIT`, else `GITHUB_SHA`.
    #[arg(long)]
    pub(crate) commit: Option<String>,
}

/// `release rollback execute`'s own flags.
#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    /// Print the steps and their targets only
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Continue an interrupted or unfinished rollback
    ///
    /// Or roll back the rollout with this run id: a run id, or `last`.
    #[arg(long, value_name = "RUN_ID|last")]
    pub(crate) resume: Option<String>,
    /// The database owner approved the database step
    ///
    /// Their name goes into the release log with the time.
    #[arg(long, value_name = "NAME")]
    pub(crate) db_owner_approved: Option<String>,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub(crate) enum RolloutCommand {
    /// The environment's lock, its freeze, and the last rollout's steps
    ///
    /// The lock: who holds it, since when.
    Status,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub(crate) enum PreflightStep {
    /// Required release environment variables
    ///
    /// Each is set, well-formed, and no placeholder.
    Env,
    /// The Railway deployment and runtime baseline of the environment
    ///
    /// `--strict` makes warnings block and requires the `api` service.
    Platform,
    /// Quality, security and smoke commands
    ///
    /// Lint, build, critical E2E, test suites (the `preflight-qa` phase; `--skip-deps` uses
    /// services already running).
    Qa,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PlanCommand {
    /// Validate the plan and list the gates of each phase for the environment
    Check,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Show the release log's records, oldest first
    ///
    /// Runs and rollback decisions; torn lines are reported and skipped.
    Show {
        /// Only the last N records
        ///
        /// Runs and decisions alike.
        #[arg(long)]
        last: Option<usize>,
        /// The log file or `postgres://` URL
        ///
        /// Default: `RELEASE_LOG_URL`, else the plan's `release.log`.
        #[arg(long)]
        log: Option<PathBuf>,
    },
    /// Import a JSON Lines release log into the release store
    ///
    /// Records it holds already are not added again (importing twice adds nothing); lines that are
    /// not records are reported with their line number and skipped.
    Import {
        /// The JSON Lines file to import
        file: PathBuf,
        /// The store to import into, a log file or `postgres://` URL
        ///
        /// Default: `RELEASE_LOG_URL`, else the plan's `release.log`.
        #[arg(long)]
        log: Option<PathBuf>,
    },
    /// Export the release store's records as JSON Lines on stdout
    ///
    /// Oldest first, in the log file's own format; lines that are not records are reported on
    /// stderr and left out.
    Export {
        /// Write to this file instead of stdout
        ///
        /// The file is replaced atomically.
        #[arg(long)]
        output: Option<PathBuf>,
        /// The store to export, a log file or `postgres://` URL
        ///
        /// Default: `RELEASE_LOG_URL`, else the plan's `release.log`.
        #[arg(long)]
        log: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::asks_verbose;

    fn words(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn verbose_is_found_among_short_flags_and_before_the_end_of_options() {
        for asked in [
            &["-vV"][..],
            &["-Vv"],
            &["-vvV"],
            &["-v", "--version"],
            &["--version", "--verbose"],
            &["preflight", "-qv", "-V"],
        ] {
            assert!(asks_verbose(words(asked)), "{asked:?}");
        }
        for not_asked in [
            &[][..],
            &[""],
            &["-"],
            &["--version"],
            &["-V"],
            &["--version", "--", "-v"],
            &["--verbosity"],
            &["-v=1"],
            &["--env", "production-v2"],
        ] {
            assert!(!asks_verbose(words(not_asked)), "{not_asked:?}");
        }
    }

    #[test]
    fn odd_words_are_read_without_failing() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt as _;
            let invalid_utf8 = OsString::from_vec(vec![b'-', 0xff, b'v']);
            assert!(!asks_verbose([invalid_utf8]));
        }
        let many = vec![OsString::from("-V"); 100_000];
        assert!(!asks_verbose(many.clone()));
        assert!(asks_verbose(many.into_iter().chain([OsString::from("-v")])));
    }
}
