//! A library user's own gate type, run beside a built-in gate without any plan file.
//!
//! `cargo run -p release-core --example custom_gate [CHANGELOG] [VERSION]` checks that the
//! changelog mentions the version being released and that `RELEASE_VERSION` is set, then prints
//! the Markdown report and exits with the run's exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use release_core::gates::env::{EnvGate, EnvGateSpec, VarSpec};
use release_core::report::{self, Format, RenderOptions};
use release_core::{
    Context, DynGate, Evaluation, Gate, GateInfo, Observation, Policy, RunMeta, Runner, Summary,
    Vars, new_run_id,
};

/// Passes when a file mentions a version: a check no built-in kind covers.
struct ChangelogMentions {
    info: GateInfo,
    path: PathBuf,
    version: String,
}

impl Gate for ChangelogMentions {
    fn info(&self) -> &GateInfo {
        &self.info
    }

    async fn evaluate(&self, _cx: &Context) -> Evaluation {
        let shown = self.path.display().to_string();
        match tokio::fs::read_to_string(&self.path).await {
            Err(e) => Evaluation::error(format!("cannot read {shown}: {e}")).observation(
                Observation::new("changelog", "unreadable", "a readable file", "read"),
            ),
            Ok(text) if text.contains(&self.version) => {
                Evaluation::pass(format!("{shown} mentions {}", self.version))
            }
            Ok(_) => Evaluation::fail(format!("{shown} does not mention {}", self.version))
                .observation(Observation::new(
                    "changelog",
                    "no entry",
                    format!("an entry for {}", self.version),
                    "contains",
                )),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "README.md".to_owned()));
    let version = args.next().unwrap_or_else(|| "release".to_owned());

    let env_spec = EnvGateSpec {
        vars: vec![VarSpec {
            required: false,
            ..VarSpec::named("RELEASE_VERSION")
        }],
    };
    let gates: Vec<Box<dyn DynGate>> = vec![
        Box::new(ChangelogMentions {
            info: GateInfo::new("changelog", "changelog").title("Changelog entry"),
            path,
            version,
        }),
        match EnvGate::new(GateInfo::new("version-env", "env"), env_spec) {
            Ok(gate) => Box::new(gate),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    ];

    let cx = Context::builder("staging")
        .vars(Vars::from_process())
        .build();
    let report = Runner::new().run(&gates, &cx).await;
    let meta = RunMeta {
        run_id: new_run_id(report.started_at),
        phase: "preflight".to_owned(),
        environment: cx.environment().to_owned(),
        policy: Policy::new(cx.is_strict()),
    };
    let summary = Summary::new(&meta, &report);
    match report::render(Format::Markdown, &summary, &RenderOptions::default()) {
        Ok(text) => print!("{text}"),
        Err(e) => eprintln!("error: {e}"),
    }
    ExitCode::from(u8::try_from(summary.outcome.exit_code()).unwrap_or(1))
}
