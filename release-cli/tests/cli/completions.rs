//! `release completions SHELL`: every shell's script knows every subcommand, parses in the
//! shells installed here, and bash's actually completes.

use std::path::Path;
use std::process::Command;

use crate::help::subcommands;
use crate::support::{Release, installed};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

fn script(shell: &str) -> String {
    let (run, _dir) = Release::new().args(["completions", shell]).run();
    assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
    run.stdout
}

/// How each shell's script, as clap_complete writes it, names the subcommand at `path`.
fn names(shell: &str, script: &str, path: &[String]) -> bool {
    let (name, parents) = path.split_last().expect("a subcommand has a name");
    match shell {
        // bash's case labels join the parent's words with `__subcmd__`, dashes included.
        "bash" => {
            let parent = std::iter::once("release")
                .chain(parents.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("__subcmd__")
                .replace('-', "__subcmd__");
            script.contains(&format!("{parent},{name})"))
        }
        "zsh" => script.contains(&format!(
            "_release__subcmd__{}_commands()",
            path.join("__subcmd__")
        )),
        "fish" => {
            let condition = match parents.last() {
                None => "\"__fish_release_needs_command\"".to_owned(),
                Some(parent) => format!("\"__fish_release_using_subcommand {parent}; and not "),
            };
            script
                .lines()
                .any(|line| line.contains(&condition) && line.contains(&format!(" -a \"{name}\" ")))
        }
        "powershell" => script.contains(&format!("'release;{}' {{", path.join(";"))),
        "elvish" => script.contains(&format!("&'release;{}'= {{", path.join(";"))),
        other => panic!("no rule for {other}"),
    }
}

#[test]
fn every_script_names_every_subcommand() {
    let all = subcommands();
    assert!(all.len() > 20, "the walk found too little: {all:?}");
    for shell in SHELLS {
        let script = script(shell);
        for path in &all {
            assert!(
                names(shell, &script, path),
                "`release completions {shell}` does not complete `release {}`",
                path.join(" ")
            );
        }
        // Flag values are completed too (clap_complete's PowerShell and Elvish scripts
        // complete names only).
        let values: &[&str] = match shell {
            "powershell" | "elvish" => &[],
            _ => &["markdown", "roles-blocked"],
        };
        for value in values {
            assert!(script.contains(value), "{shell}: no {value}");
        }
    }
}

#[test]
fn scripts_parse_in_the_shells_installed_here() {
    let dir = tempfile::tempdir().unwrap();
    let checks: [(&str, &[&str]); 3] = [
        ("bash", &["-n"]),
        ("zsh", &["-n"]),
        ("fish", &["--no-execute"]),
    ];
    let mut checked = Vec::new();
    for (shell, flags) in checks {
        if !installed(shell) {
            eprintln!("{shell} is not installed: its script's syntax is not checked");
            continue;
        }
        let file = dir.path().join(format!("release.{shell}"));
        std::fs::write(&file, script(shell)).unwrap();
        let output = Command::new(shell).args(flags).arg(&file).output().unwrap();
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "{shell} refuses the script: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        checked.push(shell);
    }
    assert!(checked.contains(&"bash"), "bash is needed for this test");
}

/// What bash offers after `release WORDS… ` with the script loaded.
fn bash_offers(script: &Path, words: &[String]) -> Vec<String> {
    let mut line: Vec<&str> = vec!["release"];
    line.extend(words.iter().map(String::as_str));
    let quoted: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source '{script}'
COMP_WORDS=({words} '')
COMP_CWORD={current}
_release release '' '{previous}'
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        script = script.display(),
        words = quoted.join(" "),
        current = line.len(),
        previous = line.last().unwrap_or(&"release"),
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_each_subcommand_under_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("release.bash");
    std::fs::write(&file, script("bash")).unwrap();
    for path in subcommands() {
        let (name, parents) = path.split_last().unwrap();
        let offered = bash_offers(&file, parents);
        assert!(
            offered.contains(name),
            "`release {} <TAB>` does not offer {name}: {offered:?}",
            parents.join(" ")
        );
    }
    let offered = bash_offers(&file, &["--format".to_owned()]);
    let formats = release_core::report::Format::ALL.map(|f| f.as_str());
    assert_eq!(offered, formats);
}

#[test]
fn an_unknown_shell_lists_the_known_ones() {
    let (run, _dir) = Release::new().args(["completions", "tcsh"]).run();
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("invalid value 'tcsh'")
            && run
                .stderr
                .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{}",
        run.stderr
    );
    let (run, _dir) = Release::new().arg("completions").run();
    assert_eq!(run.code, 2, "{}", run.stderr);
}
