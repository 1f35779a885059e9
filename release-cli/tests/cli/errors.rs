//! Exit 2 with a one-line reason naming the file and position.

use crate::support::{Release, assert_nothing_acts, env_file, runbook_plan, runbook_preflight};

#[test]
fn a_bad_plan_exits_2_naming_file_line_and_column_for_every_problem() {
    let plan = "[release]\nnmae = 'x'\n\n[environments.staging]\n[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\nvars = [{ name = 'A', integer = { min = 5, max = 1 } }]\ntimeout = 'soon'\n";
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["preflight", "env"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "", "nothing on stdout when the plan is invalid");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        "error: release.toml:2:1: unknown field `nmae`, expected one of `name`, `artifacts_dir`, `log`, `default_environment`, `concurrency`, `command_concurrency`, `secrets`"
    );
    assert!(
        lines[1].starts_with("error: release.toml:10:11: invalid duration \"soon\""),
        "{}",
        run.stderr
    );
    assert_eq!(lines.len(), 2, "{}", run.stderr);
}

#[test]
fn semantic_errors_are_reported_after_the_shape_is_right() {
    let plan = "[environments.staging]\n[[gates]]\nid = 'e'\nkind = 'env'\nphases = ['preflight-env']\nvars = [{ name = 'A', integer = { min = 5, max = 1 } }]\n";
    let (run, _dir) = Release::new()
        .file("release.toml", plan)
        .args(["plan", "check"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: release.toml:6:9: gate `e`: variable `A`: integer range is empty: min 5 > max 1\n"
    );
}

#[test]
fn a_missing_plan_exits_2_naming_it() {
    let (run, _dir) = Release::new()
        .args(["preflight", "env", "--plan", "nope.toml"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: failed to read plan nope.toml: No such file or directory (os error 2)\n"
    );
}

#[test]
fn a_bad_flag_exits_2() {
    let (run, _dir) = Release::new()
        .args(["preflight", "env", "--format", "yaml"])
        .run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("yaml"), "{}", run.stderr);
    let (run, _dir) = Release::new()
        .args(["preflight", "env", "--no-such-flag"])
        .run();
    assert_eq!(run.code, 2);
}

#[test]
fn an_unknown_environment_exits_2_listing_the_known_ones() {
    let (run, _dir) = runbook_preflight().args(["--env", "prod"]).run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("environment `prod` is not declared"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`production`, `staging`"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreadable_or_malformed_env_file_exits_2_with_positions() {
    let (run, _dir) = runbook_preflight()
        .args(["--env-file", "missing.env"])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: failed to read env file missing.env:"),
        "{}",
        run.stderr
    );

    let (run, _dir) = runbook_preflight()
        .file("bad.env", "A=1\nB='unterminated\nC D\n")
        .args(["--env-file", "bad.env"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: bad.env:2:3: unterminated single quote\nerror: bad.env:3:3: expected `=` after the variable name\n"
    );
}

#[test]
fn an_env_file_with_a_byte_order_mark_reads_as_without_one() {
    // Editors on Windows save one; before, it gave "expected a variable name" at 1:1.
    let text = std::fs::read(env_file("staging")).unwrap();
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(&text);
    let (plain, _dir) = runbook_preflight()
        .args(["--env-file", &env_file("staging"), "--format", "json"])
        .run();
    let (bom, _dir) = runbook_preflight()
        .file("bom.env", with_bom)
        .args(["--env-file", "bom.env", "--format", "json"])
        .run();
    assert_eq!(bom.code, plain.code, "{}", bom.stderr);
    assert_eq!(bom.stderr, plain.stderr);
    let verdicts = |stdout: &str| {
        let doc: serde_json::Value = serde_json::from_str(stdout).unwrap();
        doc["gates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["id"].to_string(), g["verdict"].to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&bom.stdout), verdicts(&plain.stdout));
}

#[test]
fn an_unterminated_quote_in_an_env_file_is_reported_where_it_opens() {
    let (run, _dir) = runbook_preflight()
        .file("bad.env", "A=\"never closed\nB=1\nC=\"x\"\n")
        .args(["--env-file", "bad.env"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: bad.env:1:3: unterminated double quote (the next `\"`, on line 3, is followed by text)\n"
    );
}

#[test]
fn a_phase_without_gates_is_not_a_pass() {
    let (run, _dir) = Release::new()
        .file("release.toml", "[environments.staging]\n")
        .args(["preflight", "env"])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no gates in phase preflight-env"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_out_path_below_a_file_is_refused_before_the_run() {
    let (run, _dir) = runbook_preflight()
        .file("blocker", "a file where a directory is needed")
        .args(["--env-file", &env_file("staging")])
        .args(["--format", "json", "--out", "blocker/summary.json"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "", "no gate ran");
    assert_eq!(
        run.stderr,
        "error: --out blocker/summary.json: blocker is a regular file, not a directory\n"
    );
}

#[test]
fn listing_commands_refuse_report_formats() {
    for command in [["plan", "check"], ["log", "show"]] {
        let (run, _dir) = Release::new()
            .args(command)
            .args(["--plan", &runbook_plan(), "--format", "junit"])
            .run();
        assert_eq!(run.code, 2, "{command:?}");
        assert!(
            run.stderr.contains("prints human or json, not junit"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn endless_inputs_are_refused_at_the_size_limit() {
    let (run, _dir) = Release::new()
        .args(["preflight", "env", "--plan", "/dev/zero"])
        .run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("over the limit"), "{}", run.stderr);
    let (run, _dir) = runbook_preflight().args(["--env-file", "/dev/zero"]).run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("over the limit"), "{}", run.stderr);
}

#[test]
fn arguments_in_messages_are_shown_escaped() {
    // `--only $'ev\e[31mil'` coloured the terminal red, `--skip $'\u202eabc'` reversed the line.
    for (flag, name, shown) in [
        ("--only", "ev\u{1b}[31mil", "ev\\u{1b}[31mil"),
        ("--skip", "\u{202e}abc", "\\u{202e}abc"),
        ("--only", "a\u{7}\u{200b}b", "a\\u{7}\\u{200b}b"),
        ("--skip", "x\u{1b}]0;title\u{7}", "x\\u{1b}]0;title\\u{7}"),
    ] {
        let (run, _dir) = runbook_preflight()
            .args(["--env-file", &env_file("staging"), flag, name])
            .run();
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(shown),
            "{flag} {name:?}: {}",
            run.stderr
        );
        assert_nothing_acts(&run.stderr, flag);
    }
    // Every error line is escaped, whatever made it: here a path from an argument.
    let (run, _dir) = Release::new()
        .args(["plan", "check", "--plan", "no\u{1b}[2Jplan\u{202e}.toml"])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no\\u{1b}[2Jplan\\u{202e}.toml"),
        "{}",
        run.stderr
    );
    assert_nothing_acts(&run.stderr, "plan path");
}
