//! `release init`'s templates: each is a valid plan, the runbook one is the runbook plan the
//! demo and the contract tests run, and writing one never replaces a file.

use release_core::Plan;
use release_core::plan::{Template, TemplateError};
use release_testkit::fixtures;

#[test]
fn every_template_is_a_valid_plan_with_gates_in_the_phases_it_promises() {
    for template in Template::ALL {
        let plan = Plan::parse("release.toml", template.text())
            .unwrap_or_else(|e| panic!("{template}: {e}"));
        let phases: Vec<&str> = plan
            .gates
            .iter()
            .flat_map(|g| g.common.phases.iter().map(String::as_str))
            .collect();
        for phase in ["preflight-env", "smoke", "launch"] {
            assert!(phases.contains(&phase), "{template} has no {phase} gate");
        }
        // Commented: a reader learns what each part is for.
        let comments = template
            .text()
            .lines()
            .filter(|l| l.starts_with('#'))
            .count();
        assert!(comments >= 15, "{template}: {comments} comment lines");
    }
}

#[test]
fn the_runbook_template_is_the_runbook_plan_itself() {
    let runbook = std::fs::read_to_string(fixtures::plan("runbook")).unwrap();
    assert_eq!(Template::Runbook.text(), runbook);
    let plan = Plan::parse("release.toml", Template::Runbook.text()).unwrap();
    assert!(
        !plan.rollout.steps.is_empty(),
        "the runbook template carries out the rollout"
    );
    assert!(
        !plan.rollback.triggers.is_empty(),
        "and weighs rollback triggers"
    );
}

#[test]
fn writing_a_template_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.toml");
    Template::Minimal.write_new(&path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        Template::Minimal.text()
    );
    let error = Template::Runbook.write_new(&path).unwrap_err();
    assert!(matches!(error, TemplateError::Exists { .. }), "{error:?}");
    assert!(
        error.to_string().ends_with(
            "already exists; it was left as it is (remove it, or write elsewhere with --plan)"
        ),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        Template::Minimal.text()
    );
    // Nor a link to one: create_new does not follow it.
    let target = dir.path().join("elsewhere.toml");
    std::fs::write(&target, "kept").unwrap();
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(matches!(
        Template::Minimal.write_new(&link),
        Err(TemplateError::Exists { .. })
    ));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
    // A directory that is not there is an error naming the file, and leaves nothing.
    let missing = dir.path().join("no/such/dir/release.toml");
    let error = Template::Minimal.write_new(&missing).unwrap_err();
    assert!(matches!(error, TemplateError::Write { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot write {}", missing.display()))
    );
}

#[test]
fn unknown_names_are_refused_escaped_with_the_known_ones() {
    for (name, shown) in [
        ("full", "full"),
        ("", ""),
        ("run\u{1b}[31mbook", "run\\u{1b}[31mbook"),
    ] {
        let error = name.parse::<Template>().unwrap_err().to_string();
        assert_eq!(
            error,
            format!("unknown template \"{shown}\": expected minimal or runbook")
        );
    }
    for template in Template::ALL {
        assert_eq!(template.name().parse::<Template>().ok(), Some(template));
    }
}
