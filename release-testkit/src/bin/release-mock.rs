//! `release-mock`: serves a mock deployment on loopback so a release pipeline can be rehearsed.
//!
//! ```text
//! release-mock scenarios
//! release-mock serve --scenario roles-blocked > mock.env &
//! until [ "$(wc -l < mock.env)" -ge 5 ]; do sleep 0.1; done
//! eval "$(cat mock.env)"    # RELEASE_API_URL, RELEASE_WEB_URL, RELEASE_ADMIN_TOKEN,
//!                           # RAILWAY_API_URL, RAILWAY_TOKEN
//! ```
//!
//! `--platform` serves the stateful Railway platform mock (deploys and rollbacks change what it
//! answers) at `RAILWAY_API_URL`; `--after-deploy api=roles-blocked` also switches the app to
//! that scenario once a deploy of `api` is live; `--slack` adds a sixth line,
//! `SLACK_WEBHOOK_URL`, for a Slack webhook mock.

use std::io::Write;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};
use release_testkit::{MockEnvironment, RailwayMock, RailwayPlatformMock, Scenario, SlackMock};

/// Serve a mock deployment (API, web and admin endpoints) on loopback.
#[derive(Debug, Parser)]
#[command(name = "release-mock", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a scenario until Ctrl-C; prints RELEASE_API_URL, RELEASE_WEB_URL,
    /// RELEASE_ADMIN_TOKEN, RAILWAY_API_URL and RAILWAY_TOKEN (and SLACK_WEBHOOK_URL with
    /// --slack) as KEY=value lines on stdout
    Serve {
        /// The scenario (see `release-mock scenarios`)
        #[arg(long, value_name = "NAME", default_value = "healthy")]
        scenario: Scenario,
        /// The API's port on 127.0.0.1 (default: a random free port)
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// What the Railway GraphQL mock answers (a case under fixtures/responses/railway/)
        #[arg(
            long,
            value_name = "CASE",
            default_value = "healthy",
            value_parser = PossibleValuesParser::new(RailwayMock::CASES)
        )]
        railway_case: String,
        /// Serve the stateful Railway platform mock at RAILWAY_API_URL instead of the case
        #[arg(long)]
        platform: bool,
        /// Switch the app to SCENARIO once a deploy of SERVICE is live (implies --platform)
        #[arg(long, value_name = "SERVICE=SCENARIO", value_parser = parse_after_deploy)]
        after_deploy: Option<(String, Scenario)>,
        /// Also serve a Slack incoming webhook; prints SLACK_WEBHOOK_URL
        #[arg(long)]
        slack: bool,
    },
    /// List the scenarios with a one-line description each
    Scenarios,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scenarios => print_scenarios(),
        Command::Serve {
            scenario,
            port,
            railway_case,
            platform,
            after_deploy,
            slack,
        } => {
            let extras = Extras {
                platform,
                after_deploy,
                slack,
            };
            serve(scenario, port, &railway_case, extras).await
        }
    }
}

/// The mocks `serve` adds to the environment on request.
struct Extras {
    platform: bool,
    after_deploy: Option<(String, Scenario)>,
    slack: bool,
}

fn parse_after_deploy(text: &str) -> Result<(String, Scenario), String> {
    let (service, scenario) = text
        .split_once('=')
        .ok_or_else(|| format!("expected SERVICE=SCENARIO, got {text:?}"))?;
    if service.is_empty() {
        return Err("the service name is empty".to_owned());
    }
    let scenario = scenario
        .parse::<Scenario>()
        .map_err(|err| err.to_string())?;
    Ok((service.to_owned(), scenario))
}

fn print_scenarios() -> ExitCode {
    let width = Scenario::ALL
        .iter()
        .map(|scenario| scenario.name().len())
        .max()
        .unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for scenario in Scenario::ALL {
        let line = format!("{:width$}  {}", scenario.name(), scenario.description());
        if writeln!(out, "{}", line.trim_end()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

async fn serve(
    scenario: Scenario,
    port: Option<u16>,
    railway_case: &str,
    extras: Extras,
) -> ExitCode {
    let mut builder = MockEnvironment::builder()
        .scenario(scenario)
        .railway_case(railway_case);
    if let Some(port) = port {
        builder = builder.api_port(port);
    }
    if extras.platform {
        builder = builder.railway_platform(RailwayPlatformMock::builder());
    }
    if let Some((service, after)) = extras.after_deploy {
        builder = builder.after_deploy(service, after);
    }
    let slack = if extras.slack {
        Some(SlackMock::start().await)
    } else {
        None
    };
    let env = match builder.start().await {
        Ok(env) => env,
        Err(err) => {
            eprintln!("release-mock: {}", error_chain(&err));
            return ExitCode::from(2);
        }
    };
    let mut lines = format!(
        "RELEASE_API_URL={}\nRELEASE_WEB_URL={}\nRELEASE_ADMIN_TOKEN={}\n\
         RAILWAY_API_URL={}\nRAILWAY_TOKEN={}\n",
        env.api_url(),
        env.web_url(),
        env.admin_token(),
        env.railway_url(),
        RailwayMock::PROJECT_TOKEN,
    );
    if let Some(slack) = &slack {
        lines.push_str(&format!("SLACK_WEBHOOK_URL={}\n", slack.url()));
    }
    let mut out = std::io::stdout().lock();
    if out
        .write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        eprintln!("release-mock: failed to write to stdout");
        return ExitCode::FAILURE;
    }
    drop(out);
    eprintln!(
        "release-mock: serving scenario {scenario} (Railway case {railway_case}); press Ctrl-C \
         to stop"
    );
    match tokio::signal::ctrl_c().await {
        Ok(()) => {
            eprintln!("release-mock: stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("release-mock: failed to wait for Ctrl-C: {err}");
            ExitCode::FAILURE
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
