//! `release init`: a plan to start from that `release plan check` accepts, never written over
//! a file.

use crate::support::Release;

#[test]
fn each_template_is_written_and_passes_plan_check() {
    for template in ["minimal", "runbook"] {
        let (init, dir) = Release::new().args(["init", "--template", template]).run();
        assert_eq!(init.code, 0, "{template}: {}", init.stderr);
        assert_eq!(
            init.stdout,
            format!(
                "wrote release.toml (template {template})\nnext: edit it, then `release plan check`\n"
            )
        );
        let written = std::fs::read_to_string(dir.path().join("release.toml")).unwrap();
        assert!(written.starts_with("# "), "commented: {written}");
        let (check, _) = Release::new().args(["plan", "check"]).run_in(dir.path());
        assert_eq!(
            check.code, 0,
            "{template}: {}{}",
            check.stdout, check.stderr
        );
        assert!(check.stdout.contains("is valid"), "{}", check.stdout);
    }
    // Without --template: the minimal one; with --plan: that file.
    let (init, dir) = Release::new()
        .args(["init", "--plan", "deploy/plan.toml"])
        .file("deploy/.keep", "")
        .run();
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout
            .contains("`release plan check --plan deploy/plan.toml`"),
        "{}",
        init.stdout
    );
    let (check, _) = Release::new()
        .args(["plan", "check", "--plan", "deploy/plan.toml"])
        .run_in(dir.path());
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stdout.contains("3 gates"), "{}", check.stdout);
}

#[test]
fn an_existing_plan_is_left_byte_for_byte_and_the_run_exits_2() {
    let mine = "# my own plan\n[release]\nname = \"mine\"\n";
    let (run, dir) = Release::new()
        .file("release.toml", mine)
        .args(["init", "--template", "runbook"])
        .run();
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: release.toml already exists; it was left as it is (remove it, or write elsewhere with --plan)\n"
    );
    assert!(run.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("release.toml")).unwrap(),
        mine
    );
}

#[test]
fn an_unknown_template_or_an_unwritable_place_is_a_clear_error() {
    let (run, _dir) = Release::new().args(["init", "--template", "full"]).run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("invalid value 'full' for '--template <TEMPLATE>'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("[possible values: minimal, runbook]"),
        "{}",
        run.stderr
    );
    let (run, dir) = Release::new()
        .args(["init", "--plan", "no/such/dir/release.toml"])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: cannot write no/such/dir/release.toml: No such file or directory"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("no").exists());
    // A file where the plan's directory would be (root can write anywhere else).
    let (run, dir) = Release::new()
        .file("ops", "not a directory")
        .args(["init", "--plan", "ops/release.toml"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot write ops/release.toml: Not a directory"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ops")).unwrap(),
        "not a directory"
    );
    assert!(
        !dir.path().join("release.toml").exists(),
        "nothing written elsewhere"
    );
    // A directory where the plan would go.
    let (run, _dir) = Release::new()
        .file("release.toml/inside", "")
        .args(["init"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("release.toml already exists"),
        "{}",
        run.stderr
    );
}
