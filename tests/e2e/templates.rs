//! A council's report template as data (issue 16): two invented councils'
//! templates, each with a paper that follows it and one that breaks every rule
//! once, reported in one run with locations.

use crate::harness::*;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn a_cabinet_report_follows_its_template() {
    let p = Project::fixture("template-northmoor");
    let o = p.run(&["build", "options-appraisal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/options-appraisal.pdf")));
    for want in [
        "Northmoor District Council",
        "Report to Cabinet",
        "Report of Priya Shah Director of Communities",
        "Final decision-maker Cabinet",
        "Purpose of report Decision",
        "Key decision Yes",
        "First on the forward plan 1 March 2025",
        "Ward(s) affected Moorside, Eastfield",
        "3. Available options",
        "3.3 A new centre",
        "Financial Option 2 costs £1.2 million from the capital programme. A. Patel, Section 151",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn a_cabinet_report_that_breaks_every_rule_is_told_each_in_one_run() {
    let p = Project::fixture("template-northmoor");
    let o = p.run(&["check", "bad-paper"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    // The page limit is checked on the typeset paper, in the same run.
    assert!(
        e.contains("error[Q0072]: the paper runs to 6 sides, 2 over its template's limit of 4"),
        "{e}"
    );
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&e, p.path()),
    );
    // build refuses it too, and writes nothing.
    let o = p.run(&["build", "bad-paper"]);
    assert_eq!(code(&o), 1);
    assert!(!p.path().join("out/bad-paper.pdf").exists());
}

#[test]
fn a_scrutiny_report_follows_its_template() {
    let p = Project::fixture("template-eastvale");
    let o = p.run(&["build", "library-review"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/library-review.pdf")));
    for want in [
        "Eastvale City Council",
        "Scrutiny committee report",
        "Portfolio Culture and Communities",
        "Summary for social media The library review looks at opening hours",
        "Audit trail of consultees",
        "Human resources No comments. G. Hall, HR Adviser",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Sections are not numbered in this council's template.
    assert!(
        !text.contains("1. Context") && text.contains("Context The review began"),
        "{text}"
    );
}

#[test]
fn a_scrutiny_report_that_breaks_every_rule_is_told_each_in_one_run() {
    let p = Project::fixture("template-eastvale");
    let o = p.run(&["check", "bad-paper"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0072]: `summary` has 200 words, 50 over the limit of 150"),
        "{e}"
    );
    assert!(e.contains("warning[Q0070]: when `late` is yes"), "{e}");
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&e, p.path()),
    );
}

#[test]
fn a_paper_naming_a_missing_template_is_told_where_templates_live() {
    let p = Project::fixture("template-eastvale");
    let path = p.path().join("content/library-review/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace("scrutiny-report@1", "scrutiny-report@2"),
    )
    .unwrap();
    let o = p.run(&["check", "library-review"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("the report template `scrutiny-report@2` is not in this project (expected `templates/scrutiny-report-v2.yaml`)"),
        "{}",
        stderr(&o)
    );
}
