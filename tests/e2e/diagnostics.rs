//! Diagnostics: every problem at once, rendered exactly (snapshots), exit codes.

use crate::harness::*;

fn check_snapshot(fixture: &str, args: &[&str], code: i32) {
    let p = Project::fixture(fixture);
    let o = p.run(args);
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
    let actual = redact(&stderr(&o), p.path());
    snapshot(&p.fixture.join("expected/stderr.txt"), &actual);
}

#[test]
fn invalid_paper_reports_every_problem_in_every_file() {
    check_snapshot("invalid-paper", &["build"], 1);
}

#[test]
fn template_errors_point_at_the_expression() {
    check_snapshot("template-errors", &["check"], 1);
}

#[test]
fn short_format_is_one_line_per_problem() {
    let p = Project::fixture("invalid-paper");
    let o = p.run(&["check", "--diagnostic-format", "short"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "content/bad-paper/paper.yaml:1:1: error[Q0004]: unknown key `comittee` in the paper"
        ),
        "{e}"
    );
    assert!(e.contains("content/registers/main.yaml:9:49: error[Q0021]: score 16 is not likelihood × impact (4 × 5 = 20)"), "{e}");
}

#[test]
fn yaml_syntax_and_duplicate_keys_are_located() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/paper.yaml",
        "committee: A\ncommittee: B\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0003]: duplicate mapping key: committee"),
        "{e}"
    );
    assert!(e.contains("content/budget-2025/paper.yaml:2:1"), "{e}");
    p.write(
        "content/budget-2025/paper.yaml",
        "committee: [A\nsubject: B\n",
    );
    let e = stderr(&p.run(&["check"]));
    assert!(e.contains("error[Q0002]"), "{e}");
}

#[test]
fn headings_that_skip_a_level_are_located() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/01-position.md",
        "### Detail first\n\nText.\n\n# Section\n\n### Too deep\n\n#\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0010]: the narrative's first heading is level 3"),
        "{e}"
    );
    assert!(e.contains("content/budget-2025/01-position.md:1:1"), "{e}");
    assert!(
        e.contains("error[Q0010]: this heading is level 3 but the one before it is level 1"),
        "{e}"
    );
    assert!(e.contains("help: start it with `##`"), "{e}");
    assert!(e.contains("error[Q0010]: this heading has no text"), "{e}");
}
