//! `release man`: the page of `release` on stdout; `--dir` one page per command and subcommand,
//! each naming its flags, rendered without a warning where man or groff is installed.

use std::path::Path;
use std::process::Command;

use crate::help::subcommands;
use crate::support::{Release, installed};

/// The flags `release WORDS… -h` lists (`--plan`, `--dry-run`…), without `--help`.
fn flags(path: &[String]) -> Vec<String> {
    let (run, _dir) = Release::new().args(path).arg("-h").run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let long_flag = regex::Regex::new(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)").unwrap();
    run.stdout
        .lines()
        .filter_map(|line| long_flag.captures(line))
        .map(|found| found[1].to_owned())
        .filter(|flag| flag != "--help")
        .collect()
}

/// Roff writes a dash as `\-`.
fn roff(text: &str) -> String {
    text.replace('-', "\\-")
}

#[test]
fn man_prints_the_page_of_release() {
    let (run, _dir) = Release::new().arg("man").run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(".TH release 1"), "{}", run.stdout);
    assert!(
        run.stdout.contains(".SH NAME\nrelease \\- "),
        "{}",
        run.stdout
    );
    for path in subcommands().iter().filter(|path| path.len() == 1) {
        assert!(
            run.stdout
                .contains(&format!("release\\-{}(1)", roff(&path[0]))),
            "the page does not point to release-{}(1)",
            path[0]
        );
    }
    for flag in flags(&[]) {
        assert!(run.stdout.contains(&roff(&flag)), "no {flag} on the page");
    }
}

#[test]
fn man_dir_writes_a_page_for_every_subcommand_naming_its_flags() {
    let (run, dir) = Release::new().args(["man", "--dir", "pages/man1"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let pages = dir.path().join("pages/man1");

    let mut expected = vec!["release.1".to_owned()];
    let all = subcommands();
    expected.extend(
        all.iter()
            .map(|path| format!("release-{}.1", path.join("-"))),
    );
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);

    for path in &all {
        let name = format!("release-{}", path.join("-"));
        let page = std::fs::read_to_string(pages.join(format!("{name}.1"))).unwrap();
        assert!(
            page.contains(&format!(".TH {name} 1 ")),
            "{name}: no title:\n{page}"
        );
        assert!(
            page.contains(&format!(".SH NAME\n{} \\- ", roff(&name))),
            "{name}: no NAME:\n{page}"
        );
        let synopsis = format!("\\fB{}\\fR", roff(&format!("release {}", path.join(" "))));
        assert!(
            page.contains(&synopsis),
            "{name}: the synopsis is not `release {}`:\n{page}",
            path.join(" ")
        );
        for flag in flags(path) {
            assert!(page.contains(&roff(&flag)), "{name}: no {flag}:\n{page}");
        }
    }
    // The page `release man` prints is the first of them.
    let (printed, _other) = Release::new().arg("man").run();
    assert_eq!(
        std::fs::read_to_string(pages.join("release.1")).unwrap(),
        printed.stdout
    );
}

/// What a formatter says on stderr about `page`, and whether it rendered any text.
fn render(program: &str, args: &[&str], page: &Path) -> (String, bool) {
    let output = Command::new(program)
        .args(args)
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    assert!(output.status.success(), "{program} {}", page.display());
    (
        String::from_utf8_lossy(&output.stderr).into_owned(),
        !output.stdout.is_empty(),
    )
}

#[test]
fn pages_render_without_warnings_where_a_formatter_is_installed() {
    let (run, dir) = Release::new().args(["man", "--dir", "man1"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pages: Vec<_> = std::fs::read_dir(dir.path().join("man1"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let mut rendered = false;
    if installed("groff") {
        for page in &pages {
            let (warnings, text) = render("groff", &["-k", "-man", "-Tutf8", "-ww"], page);
            assert!(
                text && warnings.is_empty(),
                "{}: {warnings}",
                page.display()
            );
        }
        rendered = true;
    }
    if installed("man") {
        let page = dir.path().join("man1/release-rollout.1");
        let (warnings, text) = render("man", &["--warnings", "-l"], &page);
        assert!(text && warnings.is_empty(), "man -l: {warnings}");
        rendered = true;
    }
    if !rendered {
        eprintln!("neither groff nor man is installed: only the roff text is checked");
        for page in &pages {
            let text = std::fs::read_to_string(page).unwrap();
            assert!(
                text.lines().any(|line| line.starts_with(".TH ")),
                "{}",
                page.display()
            );
        }
    }
}

#[test]
fn a_directory_that_cannot_be_written_is_a_usage_error() {
    // A file where the directory should be.
    let (run, dir) = Release::new()
        .file("taken", "not a directory")
        .args(["man", "--dir", "taken/man1"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot create directory taken/man1: "),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("taken")).unwrap(),
        "not a directory"
    );

    // A page that cannot be written: no empty or half page is left behind.
    let release = Release::new();
    std::fs::create_dir_all(release.path("man1/release-log.1")).unwrap();
    let (run, dir) = release.args(["man", "--dir", "man1"]).run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot write man1/release-log.1: "),
        "{}",
        run.stderr
    );
    for entry in std::fs::read_dir(dir.path().join("man1")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let page = std::fs::read_to_string(&path).unwrap();
            assert!(
                page.starts_with(".ie") && page.ends_with('\n'),
                "{}",
                path.display()
            );
        }
    }
}
