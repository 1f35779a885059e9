//! One colour rule for stdout and logs: `--color` wins, then `NO_COLOR` (set, not empty), then
//! `CLICOLOR_FORCE` (set, not empty, not `0`), then `CLICOLOR=0`, else colour on a terminal (a
//! test's pipes are not one).

use crate::support::broken_production;

const ESC: &str = "\u{1b}[";

/// (stdout coloured, stderr logs coloured) of a failing preflight run with `-v` under `env`.
fn colours(args: &[&str], env: &[(&str, &str)]) -> (bool, bool) {
    let mut release = broken_production().args(["-v"]).args(args.iter().copied());
    for (name, value) in env {
        release = release.env(name, value);
    }
    let (run, _dir) = release.run();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("DEBUG"), "logs at -v: {}", run.stderr);
    (run.stdout.contains(ESC), run.stderr.contains(ESC))
}

#[test]
fn stdout_and_logs_follow_the_same_colour_rule() {
    for (args, env, expected) in [
        (&[][..], &[][..], (false, false)),
        (&[], &[("CLICOLOR_FORCE", "1")], (true, true)),
        (&[], &[("CLICOLOR_FORCE", "0")], (false, false)),
        (&[], &[("CLICOLOR_FORCE", "")], (false, false)),
        (
            &[],
            &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
            (true, true),
        ),
        (
            &[],
            &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
            (false, false),
        ),
        (
            &["--color", "never"],
            &[("CLICOLOR_FORCE", "1")],
            (false, false),
        ),
        (&["--color", "always"], &[("NO_COLOR", "1")], (true, true)),
    ] {
        assert_eq!(colours(args, env), expected, "{args:?} {env:?}");
    }
}
