//! `release-mock`: serves a mock deployment on loopback so a release pipeline can be rehearsed.
//!
//! ```text
//! release-mock scenarios
//! release-mock serve --scenario roles-blocked > mock.env &
//! until [ "$(wc -l < mock.env)" -ge 5 ]; do sleep 0.1; done
//! eval "$(cat mock.env)"    # RELEASE_API_URL, RELEASE_WEB_URL, RELEASE_ADMIN_TOKEN,
//!                           # RAILWAY_API_URL, RAILWAY_TOKEN
//! ```

use std::io::Write;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};
use release_testkit::{MockEnvironment, RailwayMock, Scenario};

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
    /// RELEASE_ADMIN_TOKEN, RAILWAY_API_URL and RAILWAY_TOKEN as KEY=value lines on stdout
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
        } => serve(scenario, port, &railway_case).await,
    }
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

async fn serve(scenario: Scenario, port: Option<u16>, railway_case: &str) -> ExitCode {
    let mut builder = MockEnvironment::builder()
        .scenario(scenario)
        .railway_case(railway_case);
    if let Some(port) = port {
        builder = builder.api_port(port);
    }
    let env = match builder.start().await {
        Ok(env) => env,
        Err(err) => {
            eprintln!("release-mock: {}", error_chain(&err));
            return ExitCode::from(2);
        }
    };
    let lines = format!(
        "RELEASE_API_URL={}\nRELEASE_WEB_URL={}\nRELEASE_ADMIN_TOKEN={}\n\
         RAILWAY_API_URL={}\nRAILWAY_TOKEN={}\n",
        env.api_url(),
        env.web_url(),
        env.admin_token(),
        env.railway_url(),
        RailwayMock::PROJECT_TOKEN,
    );
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
