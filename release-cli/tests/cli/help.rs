//! Help and version: `-h` one line per command and flag, `--help` all the detail and every
//! possible value, `--version` one line and `-vV` the build's facts.

use release_core::report::Format;

use crate::support::{Release, runbook_plan};

/// Every subcommand as the words that run it (`["log", "show"]`), found by walking `-h` from
/// `release` down, so that a new subcommand is in the list without anyone adding it.
pub(crate) fn subcommands() -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![Vec::new()];
    while let Some(path) = pending.pop() {
        let (run, _dir) = Release::new().args(&path).arg("-h").run();
        assert_eq!(run.code, 0, "release {path:?} -h: {}", run.stderr);
        for name in commands_listed(&run.stdout) {
            let mut sub = path.clone();
            sub.push(name);
            found.push(sub.clone());
            pending.push(sub);
        }
    }
    found.sort();
    found
}

/// The names under `Commands:` in a help text, without clap's own `help`.
fn commands_listed(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_walk_finds_nested_subcommands() {
    let all = subcommands();
    for wanted in [
        &["preflight"][..],
        &["preflight", "env"],
        &["log", "show"],
        &["rollout", "status"],
        &["rollback", "execute"],
        &["completions"],
        &["man"],
    ] {
        assert!(
            all.iter().any(|path| path == wanted),
            "{wanted:?} not in {all:?}"
        );
    }
}

/// Help text with clap's blank-but-indented lines made empty, so the snapshot file holds no
/// trailing whitespace.
fn trimmed(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn short_help_is_one_line_per_command_and_flag() {
    let (run, _dir) = Release::new().arg("-h").run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("release_short_help", trimmed(&run.stdout));
}

#[test]
fn long_help_holds_the_detail() {
    let (run, _dir) = Release::new().arg("--help").run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("release_long_help", trimmed(&run.stdout));
    let (run, _dir) = Release::new().args(["rollout", "--help"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("rollout_long_help", trimmed(&run.stdout));
}

#[test]
fn every_short_description_is_the_first_line_of_the_long_one() {
    for path in subcommands() {
        let (short, _dir) = Release::new().args(&path).arg("-h").run();
        let (long, _dir) = Release::new().args(&path).arg("--help").run();
        let summary = short.stdout.lines().next().unwrap_or_default();
        assert!(!summary.is_empty(), "release {path:?} has no description");
        assert!(
            long.stdout.starts_with(summary),
            "release {path:?}: --help does not open with -h's line {summary:?}"
        );
        // Each flag in `-h` is one line of description under its name.
        let options = short
            .stdout
            .lines()
            .skip_while(|line| *line != "Options:")
            .skip(1);
        let mut previous_was_flag = false;
        for line in options {
            let is_flag = line.trim_start().starts_with('-');
            assert!(
                is_flag || previous_was_flag,
                "release {path:?} -h: a description runs over several lines at {line:?}"
            );
            previous_was_flag = is_flag;
        }
    }
}

#[test]
fn help_lists_every_report_format_with_what_it_is_for() {
    for args in [&["--help"][..], &["preflight", "--help"]] {
        let (run, _dir) = Release::new().args(args).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        for format in Format::ALL.map(Format::as_str) {
            assert!(
                run.stdout.contains(&format!("- {format}:")),
                "{args:?} does not describe --format {format}:\n{}",
                run.stdout
            );
        }
    }
    // The short help names them too.
    let listed = format!(
        "[possible values: {}]",
        Format::ALL.map(Format::as_str).join(", ")
    );
    let (run, _dir) = Release::new().arg("-h").run();
    assert!(run.stdout.contains(&listed), "{}", run.stdout);
    // Each name still reads as its format.
    let (run, _dir) = Release::new()
        .args([
            "plan",
            "check",
            "--format",
            "json",
            "--plan",
            &runbook_plan(),
        ])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with('{'), "{}", run.stdout);
    let (run, _dir) = Release::new()
        .args([
            "plan",
            "check",
            "--format",
            "junit",
            "--plan",
            &runbook_plan(),
        ])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("prints human or json, not junit"),
        "{}",
        run.stderr
    );
    let (run, _dir) = Release::new()
        .args(["schema", "plan", "--format", "xml"])
        .run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(&listed), "{}", run.stderr);
}

#[test]
fn demo_help_lists_every_scenario() {
    let (run, _dir) = Release::new().args(["demo", "--help"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    for scenario in [
        "healthy",
        "degraded",
        "roles-blocked",
        "api-down",
        "stale-sessions",
        "flaky",
        "bad-release",
    ] {
        assert!(
            run.stdout.contains(&format!("- {scenario}:")),
            "no {scenario} in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn version_is_one_line() {
    for flag in ["--version", "-V"] {
        let (run, _dir) = Release::new().arg(flag).run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stdout,
            format!("release {}\n", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
    }
}

#[test]
fn verbose_version_adds_the_build_facts() {
    let facts = regex::Regex::new(concat!(
        r"\Arelease \d+\.\d+\.\d+\n",
        r"commit-hash: ([0-9a-f]{40}|unknown)\n",
        r"commit-date: (\d{4}-\d{2}-\d{2}|unknown)\n",
        r"build-date: \d{4}-\d{2}-\d{2}\n",
        r"host: [a-z0-9_]+-[a-z0-9_-]+\n",
        r"features: ([a-z0-9-]+(,[a-z0-9-]+)*|none)\n\z",
    ))
    .unwrap();
    for args in [
        &["-vV"][..],
        &["-Vv"],
        &["-v", "--version"],
        &["--version", "--verbose"],
    ] {
        let (run, _dir) = Release::new().args(args).run();
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(facts.is_match(&run.stdout), "{args:?}:\n{}", run.stdout);
        assert!(
            run.stdout
                .starts_with(&format!("release {}\n", env!("CARGO_PKG_VERSION"))),
            "{}",
            run.stdout
        );
    }
    let (run, _dir) = Release::new().arg("-vV").run();
    let fact = |key: &str| {
        run.stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}: ")))
            .unwrap_or_default()
            .to_owned()
    };
    // The tests run where the binary was built, for this machine, from a git checkout.
    let host = fact("host");
    assert!(
        host.starts_with(std::env::consts::ARCH) && host.contains(std::env::consts::OS),
        "{host}"
    );
    assert_eq!(fact("commit-hash").len(), 40, "{}", run.stdout);
    let enabled: Vec<&str> = [
        ("demo", cfg!(feature = "demo")),
        ("health-check", cfg!(feature = "health-check")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let enabled = if enabled.is_empty() {
        "none".to_owned()
    } else {
        enabled.join(",")
    };
    assert_eq!(fact("features"), enabled);
    // `-v` after `--` is an argument, not a flag.
    let (run, _dir) = Release::new().args(["--version", "--", "-v"]).run();
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
}

#[test]
fn rollout_version_is_still_the_version_released() {
    let (run, _dir) = Release::new()
        .args(["rollout", "--version", "1.4.0", "--help"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Usage: release rollout"),
        "{}",
        run.stdout
    );
    // `-vV` before the subcommand is still the tool's version.
    let (run, _dir) = Release::new().args(["-vV", "rollout"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("commit-hash: "), "{}", run.stdout);
}

#[test]
fn the_readme_shows_what_verbose_version_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let keys = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1)
            .map(|line| {
                line.split_once(": ")
                    .map_or(line, |(key, _)| key)
                    .to_owned()
            })
            .collect()
    };
    let shown = readme
        .split("```text\nrelease ")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README shows `release -vV` in a text block");
    let (run, _dir) = Release::new().arg("-vV").run();
    assert_eq!(keys(shown), keys(&run.stdout), "README:\n{shown}");
    assert!(
        readme.contains("`release completions <bash|zsh|fish|powershell|elvish>`"),
        "README names every shell"
    );
}
