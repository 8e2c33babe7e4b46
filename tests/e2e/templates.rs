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
        // A standard table with the template's own columns.
        "Timetable of meetings Meeting Date Communities Scrutiny Committee 4 June 2025 Cabinet 18 June 2025",
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
        e.contains("error[Q0072]: the paper runs to 9 sides, 5 over its template's limit of 4"),
        "{e}"
    );
    for want in [
        "error[Q0071]: the section `Available options` has no option `Do nothing`",
        "error[Q0004]: `dte` is not a column of the table `timetable`",
        "error[Q0005]: a row of the table `timetable` has no `date` (Date)",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
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
        "Audit trail of consultees Name and position of Date sent Date received Where comments are",
        "E. Moss, Solicitor 20 August 2025 2 September 2025 Legal implications, paragraph 6",
        // A column the paper leaves empty says so.
        "G. Hall, HR Adviser 20 August 2025 no data no data",
        "Report history Item Detail Forward plan date 2 June 2025 Key decision reason Not a key decision",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Paragraphs are numbered 1, 2, 3 … through the report; sections are not.
    assert!(
        !text.contains("1. Context")
            && text.contains("Context 1. The review began")
            && text.contains("Consultation 2. Residents gave"),
        "{text}"
    );
    // The dates in a table are never split over two lines.
    let layout = pdf_text(&p.path().join("out/library-review.pdf"));
    assert!(
        layout.contains("20\u{a0}August\u{a0}2025") || layout.contains("20 August 2025"),
        "{layout}"
    );
    // The HTML edition follows the same template: row headers, numbering.
    let o = p.run(&["build", "library-review", "--format", "html", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/library-review.html")).unwrap();
    for want in [
        "<dt>Lead officer and report author</dt>",
        "<caption>Report history</caption>",
        "<th scope=\"row\">Forward plan date</th><td>2 June 2025</td>",
        "<span class=\"pn\">1.</span> The review began",
    ] {
        assert!(html.contains(want), "missing {want:?} in:\n{html}");
    }
}

/// The county council's committee report is a template too: its cover is the
/// paper's own keys, printed by the committee-report layout, so a paper built
/// before the template existed builds byte for byte the same with it.
#[test]
fn the_county_cover_is_a_template_and_its_paper_builds_byte_identically() {
    let p = Project::demo();
    let path = p.path().join("content/cype-risk-2019/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.starts_with("template: kcc-committee@1\n"), "{yaml}");
    let o = p.run(&["build", "cype-risk-2019", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = std::fs::read(p.path().join("out/cype-risk-2019.pdf")).unwrap();
    let html = std::fs::read(p.path().join("out/cype-risk-2019.html")).unwrap();
    // Without it, on the layout version the paper names (the template names
    // committee-report@2; the demo paper names version 3, where it prints the
    // directions of travel the council published).
    assert!(yaml.contains("\nlayout: committee-report@3\n"), "{yaml}");
    std::fs::write(&path, yaml.replacen("template: kcc-committee@1\n", "", 1)).unwrap();
    let o = p.run(&["build", "cype-risk-2019", "--format", "all", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        pdf == std::fs::read(p.path().join("out/cype-risk-2019.pdf")).unwrap(),
        "the PDF changed when the paper named its template"
    );
    assert!(
        html == std::fs::read(p.path().join("out/cype-risk-2019.html")).unwrap(),
        "the HTML changed when the paper named its template"
    );
    // The template's rules apply to the county's own keys.
    std::fs::write(&path, yaml.replace("past-pathway: None\n", "")).unwrap();
    let o = p.run(&["check", "cype-risk-2019"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0005]: the cover field `past-pathway` (Past Pathway of Paper) is required by the template kcc-committee@1")
            && e.contains("content/cype-risk-2019/paper.yaml:1:11"),
        "{e}"
    );
}

/// A misspelt key is one problem: the paper reports it as unknown (with "did you
/// mean"), and the template does not report the field as missing as well.
#[test]
fn a_misspelt_cover_key_is_one_diagnostic() {
    let p = Project::demo();
    let path = p.path().join("content/cype-risk-2019/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, yaml.replace("\nsubject:", "\nsubjct:")).unwrap();
    let o = p.run(&["check", "cype-risk-2019"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("unknown key `subjct`"), "{e}");
    assert!(e.contains("1 error"), "{e}");
    // The same under a template's own `cover:`.
    let p = Project::fixture("template-eastvale");
    let path = p.path().join("content/library-review/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, yaml.replace("  portfolio:", "  portfolo:")).unwrap();
    let o = p.run(&["check", "library-review"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("`portfolo` is not a cover field"), "{e}");
    assert!(e.contains("1 error"), "{e}");
}

/// A template for the county layout may name only the fields that layout prints.
#[test]
fn a_fixed_cover_template_names_only_the_layouts_fields() {
    let p = Project::demo();
    let t = std::fs::read_to_string(p.path().join("templates/kcc-committee-v1.yaml")).unwrap();
    p.write(
        "templates/kcc-committee-v1.yaml",
        &format!("{t}  - {{ key: portfolio, label: Portfolio, type: text }}\ntables:\n  - {{ key: implications, label: Implications, rows: [Legal] }}\n"),
    );
    let o = p.run(&["check", "cype-risk-2019"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    for want in [
        "error[Q0014]: the layout committee-report@2 has no cover field `portfolio`",
        "error[Q0014]: the layout committee-report@2 prints no standard tables",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

#[test]
fn a_scrutiny_report_that_breaks_every_rule_is_told_each_in_one_run() {
    let p = Project::fixture("template-eastvale");
    let o = p.run(&["check", "bad-paper"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0072]: `summary` has 200 words, 50 over the template's limit of 150"),
        "{e}"
    );
    assert!(e.contains("warning[Q0070]: when `late` is yes"), "{e}");
    // The council made the report history's checks warnings.
    assert!(
        e.contains("warning[Q0005]: the table `history` has no rows for `Key decision reason`, `Deadline for comments`, `Exempt paragraph`"),
        "{e}"
    );
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

/// The council-report layout's HTML edition (a template's cover, its own
/// standard tables, each numbering scheme) passes axe-core, keyboard and reflow.
#[test]
fn template_papers_html_passes_the_browser_checks() {
    let mut pages = Vec::new();
    let mut projects = Vec::new();
    for (fixture, doc) in [
        ("template-northmoor", "options-appraisal"),
        ("template-eastvale", "library-review"),
    ] {
        let p = Project::fixture(fixture);
        let o = p.run(&["build", doc, "--format", "html"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        pages.push(p.path().join(format!("out/{doc}.html")));
        projects.push(p);
    }
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("template-screenshots");
    let Some(out) = browser_check(&pages, &shots) else {
        return;
    };
    for doc in ["options-appraisal", "library-review"] {
        assert!(
            out.contains(&format!("checked {doc}: 0 axe violation(s)")),
            "{out}"
        );
    }
}

// Issue 24: a third council's rules as it states them.

#[test]
fn a_body_only_page_limit_passes_a_short_report_with_long_appendices() {
    let p = Project::fixture("template-harbourside");
    let o = p.run(&["check", "leisure-charges"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("checked 1 document(s): 0 errors, 0 warnings"),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["build", "leisure-charges"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The appendix alone takes more sides than the limit allows the report.
    let pages = pdf_pages(&p.path().join("out/leisure-charges.pdf"));
    assert!(
        pages.len() > 3,
        "the fixture's appendix should be long: {} pages",
        pages.len()
    );
    let text = squash(&pdf_text(&p.path().join("out/leisure-charges.pdf")));
    for want in [
        "Harbourside Council",
        "Purpose of the report To agree the charges",
        "Option 1: Do nothing",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn a_paper_that_breaks_each_of_harbourside_rules_is_told_each_once_where_it_is() {
    let p = Project::fixture("template-harbourside");
    let o = p.run(&["check", "bad-paper"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    for want in [
        "error[Q0070]: when `publication` is Open, the template cabinet-paper@1 forbids exempt-paragraph (Schedule 12A paragraph)",
        "error[Q0072]: the cover field `purpose` has 3 sentences, 1 over the template's limit of 2",
        "error[Q0072]: the section `Context` has 3 paragraphs, 1 over the template's limit of 2",
        "error[Q0071]: the section `Options` has no option `Do nothing`",
        "error[Q0072]: a sentence in the report has 39 words, 4 over the template's limit of 35",
        "error[Q0072]: the section `Financial summary` has 5 words, 15 under the template's minimum of 20",
        "error[Q0071]: the mandatory section `Legal` is empty",
        "error[Q0072]: `summary` has 2 paragraphs, 1 over the template's limit of 1",
        "error[Q0072]: a `comment` cell of the table `consultation` has 26 words, 1 over the template's limit of 25",
    ] {
        assert_eq!(e.matches(want).count(), 1, "want {want:?} once in:\n{e}");
    }
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&e, p.path()),
    );
}

#[test]
fn an_option_is_matched_by_its_name_not_a_word_inside_another() {
    let p = Project::fixture("template-northmoor");
    let md = p.path().join("content/options-appraisal/01-report.md");
    let text = std::fs::read_to_string(&md).unwrap();
    // "do nothing more" is another option, not the "Do nothing" the template asks for.
    std::fs::write(
        &md,
        text.replace(
            "## Option 1: do nothing",
            "## Option 1: do nothing more than patch the roof",
        ),
    )
    .unwrap();
    let o = p.run(&["check", "options-appraisal"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the section `Available options` has no option `Do nothing`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_template_asking_for_impossible_counts_is_told_where_and_scaffolds_nothing() {
    let p = Project::fixture("template-northmoor");
    let t = p.path().join("templates/cabinet-report-v1.yaml");
    let text = std::fs::read_to_string(&t).unwrap();
    let text = text
        .replace("min-items: 3", "min-items: 50000000")
        .replace("    min-rows: 1", "    min-rows: -2")
        .replace(
            "pages: { max: 4 }",
            "pages: { max: 4 }\n  summary-words: { min: 90000000, max: 100 }",
        );
    std::fs::write(&t, text).unwrap();
    let o = p.run(&["check", "options-appraisal"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    for want in [
        "error[Q0200]: a number of options of 50000000 is outside what a template may ask (0 to 100)",
        "error[Q0200]: a number of rows of -2 is outside what a template may ask (0 to 1000)",
        "error[Q0200]: a minimum of 90000000 is outside what a template may ask (0 to 20000)",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    assert!(e.contains("templates/cabinet-report-v1.yaml:"), "{e}");
    // The scaffold refuses the broken template instead of writing (or allocating) its minimums.
    let o = p.run(&["new", "paper", "fresh", "--template", "cabinet-report"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!p.path().join("content/fresh").exists());
}

#[test]
fn a_draft_of_a_paper_over_its_limit_is_marked_draft_and_exits_1() {
    let p = Project::fixture("template-harbourside");
    let t = "templates/cabinet-paper-v1.yaml";
    let text = std::fs::read_to_string(p.path().join(t)).unwrap();
    p.write(
        t,
        &text.replace(
            "pages: { max: 2, counts: body }",
            "pages: { max: 1, counts: body }",
        ),
    );
    // Without --draft, nothing is written.
    let o = p.run(&["build", "leisure-charges"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!p.path().join("out/drafts").exists());
    let o = p.run(&["build", "--draft", "leisure-charges"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("drafted drafts/leisure-charges.draft.pdf (")
            && e.contains("marked DRAFT, 1 problem(s) listed on its first page)"),
        "{e}"
    );
    // The paper's own outputs are not written; the draft says what is wrong.
    assert!(!p.path().join("out/leisure-charges.pdf").exists());
    let draft = p.path().join("out/drafts/leisure-charges.draft.pdf");
    let pages = pdf_pages(&draft);
    let first = squash(&pages[0]);
    assert!(first.contains("DRAFT: not for publication"), "{first}");
    assert!(
        first.contains("error[Q0072]: the report (before its appendices) runs to 2 sides, 1 over its template's limit of 1"),
        "{first}"
    );
    // Every page of the paper is marked.
    for (i, page) in pages.iter().enumerate().skip(1) {
        assert!(
            page.contains('D') && page.contains('T'),
            "page {}: {page}",
            i + 1
        );
    }
    let all = squash(&pdf_text(&draft));
    assert!(all.contains("Leisure centre charges for 2026-27"), "{all}");
    // Once the paper is within its limit, it builds and its draft goes.
    p.write(t, &text);
    let o = p.run(&["build", "--draft", "leisure-charges"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(p.path().join("out/leisure-charges.pdf").is_file());
    assert!(!draft.exists());
}

#[test]
fn a_draft_lists_every_departure_and_is_never_made_of_wrong_data() {
    let p = Project::fixture("template-harbourside");
    let o = p.run(&["build", "--draft", "bad-paper"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let first = squash(&pdf_pages(&p.path().join("out/drafts/bad-paper.draft.pdf"))[0]);
    assert_eq!(first.matches("error[Q007").count(), 11, "{first}");
    assert!(
        first.contains("error[Q0071]: the mandatory section `Legal` is empty"),
        "{first}"
    );
    // An error in the paper's data is not a departure from its template:
    // no draft is typeset.
    let y = "content/bad-paper/paper.yaml";
    let text = std::fs::read_to_string(p.path().join(y)).unwrap();
    p.write(
        y,
        &text.replacen("meeting-date: 2026-02-11", "meeting-date: 2026-02-31", 1),
    );
    std::fs::remove_dir_all(p.path().join("out/drafts")).unwrap();
    let o = p.run(&["build", "--draft", "bad-paper"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no draft of bad-paper: a draft is made only when every error is a departure from the report template"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path().join("out/drafts/bad-paper.draft.pdf").exists());
}

/// Issue 25: a template error names what is wrong: a `{{ … }}` missing its
/// `}}` is not an unclosed `{% if %}`; and the help lists every name and
/// function a template can use (tables, table(), figure() among them).
#[test]
fn template_errors_name_what_is_wrong_and_every_name_available() {
    let p = Project::fixture("minimal");
    let paper = "content/budget-2025/paper.yaml";
    let y = std::fs::read_to_string(p.path().join(paper)).unwrap();
    p.write(
        paper,
        &y.replace("{{ data.forecast | money }}", "{{ data.forecast | money }"),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(
        e.contains("help: a `{{ … }}` is not closed: end it with `}}`") && !e.contains("{% if %}"),
        "{e}"
    );
    p.write(
        paper,
        &y.replace("{{ data.forecast | money }}", "{{ nothing.here | money }}"),
    );
    let e = stderr(&p.run(&["check"]));
    assert!(
        e.contains("names available: paper, data, org, registers, tables, and functions risk(), risk_table(), band_counts(), heat_map(), register_changes(), table(), changes(), figure(), appendix(), section() and range()"),
        "{e}"
    );
}

/// Issue 25: a comma in a value inside `{ … }` ends the value, and what
/// follows is read as a key: the error says so and how to quote it.
#[test]
fn a_comma_in_a_braced_value_says_to_quote_it() {
    let p = Project::fixture("minimal");
    let paper = "content/budget-2025/paper.yaml";
    let y = std::fs::read_to_string(p.path().join(paper)).unwrap();
    let broken = y.replace(
        "{ name: B. Officer, title:",
        "{ name: B. Officer, CBE, title:",
    );
    assert_ne!(broken, y);
    p.write(paper, &broken);
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(
        e.contains("error[Q0004]: unknown key `CBE`")
            && e.contains("read as a key of its own: a comma inside `{ … }` ends a value")
            && e.contains("help: if `CBE` belongs to `name`, quote the whole value: `name: \"B. Officer, CBE\"`"),
        "{e}"
    );
}

// Issue 24: two more councils' rules as they state them — the parts of a
// person, a pathway of meetings, lateness worked out from the dates.

#[test]
fn a_lowmere_cabinet_report_checks_clean_and_prints_its_people_and_pathway() {
    let p = Project::fixture("template-lowmere");
    let o = p.run(&["check", "playing-pitches"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("checked 1 document(s): 0 errors, 0 warnings"),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["build", "playing-pitches", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The body-only page limit (3 sides) passes a report whose appendix is long.
    let pdf = p.path().join("out/playing-pitches.pdf");
    assert!(pdf_pages(&pdf).len() > 3, "{}", pdf_pages(&pdf).len());
    let text = squash(&pdf_text(&pdf));
    for want in [
        "Lowmere Borough Council",
        "Cabinet member Cllr Dana Reeve Leisure and Open Spaces",
        "Contact officer Tom Ashby Parks and Sport Manager Telephone: 01632 960210 Email: tom.ashby@example.gov.uk",
        "Pathway of the report Overview and Scrutiny Committee, 3 March 2026 Cabinet, 18 March 2026",
        "Late report No",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Nothing of the worked-out deadline is printed: the council prints its own word.
    assert!(
        !text.contains("9 March 2026") && !text.contains("10am"),
        "{text}"
    );
    let html = std::fs::read_to_string(p.path().join("out/playing-pitches.html")).unwrap();
    assert!(
        html.contains("<dt>Pathway of the report</dt><dd>Overview and Scrutiny Committee, 3 March 2026<br>Cabinet, 18 March 2026</dd>"),
        "{html}"
    );
}

#[test]
fn a_lowmere_paper_that_breaks_every_rule_is_told_each_once_where_it_is() {
    let p = Project::fixture("template-lowmere");
    let o = p.run(&["check", "bad-paper"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    for want in [
        "error[Q0201]: `contact` (Contact officer) gives no telephone",
        "error[Q0070]: when `decision-type` is Key decision, the template cabinet-report@1 requires forward-plan-date (First on the forward plan)",
        "warning[Q0070]: `pathway` lists Council on 25 February 2026 after Overview and Scrutiny Committee on 3 March 2026",
        "error[Q0070]: `pathway` does not name this paper's meeting, Cabinet on 18 March 2026",
        "error[Q0070]: when `publication` is Exempt, the template cabinet-report@1 requires exempt-paragraph (Schedule 12A paragraph)",
        "error[Q0202]: this paper says it is not late, but was released at 2pm on 10 March 2026, after 10am on Monday 9 March 2026, 7 working days before the meeting on 18 March 2026",
        "error[Q0202]: this paper is late (released at 2pm on 10 March 2026, after 10am on Monday 9 March 2026, 7 working days before the meeting on 18 March 2026); the template cabinet-report@1 requires late-reason (Reason for lateness)",
        "error[Q0072]: `summary` has 63 words, 3 over the template's limit of 60",
        "error[Q0070]: the Legal implication has no sign-off",
        "error[Q0072]: a `comment` cell of the table `consultation` has 35 words, 5 over the template's limit of 30",
        "error[Q0072]: the section `Introduction` has 3 paragraphs, 1 over the template's limit of 2",
        "error[Q0071]: the section `Options considered` has no option `Do nothing`",
        "error[Q0072]: a sentence in the report has 45 words, 5 over the template's limit of 40",
        "error[Q0071]: the section `Implications` has no option `Health`",
        "error[Q0071]: the mandatory section `Risks` is empty",
        "error[Q0071]: the mandatory section `Reasons for the recommendation` is titled `Reason for the recommendation`",
    ] {
        assert_eq!(e.matches(want).count(), 1, "want {want:?} once in:\n{e}");
    }
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&e, p.path()),
    );
}

#[test]
fn a_late_paper_that_says_so_and_why_checks_clean() {
    let p = Project::fixture("template-lowmere");
    let path = p.path().join("content/playing-pitches/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace("released: 2026-03-09 09:30", "released: 2026-03-09 10:15")
            .replace(
                "  late: false",
                "  late: true\n  late-reason: The clubs' survey closed on 6 March; the report waited for it so that Cabinet decides on this season's figures.",
            ),
    )
    .unwrap();
    let o = p.run(&["check", "playing-pitches"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Said late, with no reason: the reason is asked for at its word.
    std::fs::write(&path, yaml.replace("  late: false", "  late: true")).unwrap();
    let o = p.run(&["check", "playing-pitches"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0202]: this paper says it is late; the template cabinet-report@1 requires late-reason (Reason for lateness)")
            && e.contains("  late: true\n   │         ^^^^ says it is late"),
        "{e}"
    );
}

#[test]
fn a_stavebridge_committee_report_checks_clean_and_prints_its_officers_and_meetings() {
    let p = Project::fixture("template-stavebridge");
    let o = p.run(&["check", "bus-lanes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("checked 1 document(s): 0 errors, 0 warnings"),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["build", "bus-lanes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/bus-lanes.pdf")));
    for want in [
        "Stavebridge City Council",
        "Report author Mira Dhillon Transport Planning Manager City Development Email: mira.dhillon@example.gov.uk",
        "Officers consulted Owen Clarke, Head of Highways, Telephone: 01632 960300 Jo Wren, Senior Accountant, Telephone: 01632 960301",
        "Considered before at Transport Forum, 20 January 2026 Overview and Scrutiny Committee, 10 March 2026",
        "Timetable Step Date Consultation opens 4 May 2026",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn a_stavebridge_paper_that_breaks_every_rule_is_told_each_once_where_it_is() {
    let p = Project::fixture("template-stavebridge");
    let o = p.run(&["check", "bad-paper"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    for want in [
        "warning[Q0202]: this paper is late (released on 8 April 2026, after the end of Tuesday 7 April 2026, 5 working days before the meeting on 14 April 2026); the template committee-report@1 requires Reason for late publication",
        "error[Q0201]: `report-author` (Report author) gives no area",
        "error[Q0201]: a person in `officers` (Officers consulted) gives no telephone",
        "error[Q0072]: the cover field `purpose` has 2 sentences, 1 over the template's limit of 1",
        "warning[Q0070]: `previous-meetings` lists Transport Forum on 20 January 2026 after Overview and Scrutiny Committee on 10 March 2026",
        "error[Q0008]: `2026-02-30` is not a date that exists",
        "error[Q0070]: when `urgent` is no, the template committee-report@1 forbids urgency-reason (Reason for urgency)",
        "error[Q0072]: `social-summary` has 143 characters, 3 over the template's limit of 140",
        "error[Q0005]: the table `timetable` has 1 row(s); the template committee-report@1 asks for at least 2",
        "error[Q0072]: the section `Executive summary` has 2 paragraphs, 1 over the template's limit of 1",
        "error[Q0071]: the mandatory section `Background` is titled `Backgound`",
        "error[Q0071]: the section `Options` sets out 1 option(s); the template asks for at least 2",
        "error[Q0071]: the mandatory section `Financial implications` is empty",
    ] {
        assert_eq!(e.matches(want).count(), 1, "want {want:?} once in:\n{e}");
    }
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&e, p.path()),
    );
}

#[test]
fn a_scaffold_on_a_template_gives_every_part_a_person_needs_and_checks_clean() {
    for (fixture, template, wants) in [
        (
            "template-lowmere",
            "cabinet-report",
            &[
                "contact: { name: Name of the person, role: Their role, telephone: 01632 960000, email: name@example.gov.uk }",
                "portfolio-holder: { name: Name of the person, role: Their role, area: Their service area }",
                "pathway: [{ meeting: Name of the committee, date: ",
                "released: ",
            ][..],
        ),
        (
            "template-stavebridge",
            "committee-report@1",
            &[
                "officers: [{ name: Name of the person, role: Their role, telephone: 01632 960000 }]",
                "# Considered before at (optional; a list of meetings, each a committee and a date)",
            ][..],
        ),
    ] {
        let p = Project::fixture(fixture);
        std::fs::remove_dir_all(p.path().join("content/bad-paper")).unwrap();
        let o = p.run(&["new", "paper", "fresh", "--template", template]);
        assert_eq!(code(&o), 0, "{fixture}: {}", stderr(&o));
        let yaml = std::fs::read_to_string(p.path().join("content/fresh/paper.yaml")).unwrap();
        for want in wants {
            assert!(
                yaml.contains(want),
                "{fixture}: missing {want:?} in:\n{yaml}"
            );
        }
        let o = p.run(&["check", "fresh"]);
        let e = stderr(&o);
        assert_eq!(code(&o), 0, "{fixture}:\n{e}\n{yaml}");
        assert!(
            !e.contains("warning[") && !e.contains("error["),
            "{fixture}: {e}"
        );
    }
}

/// A label on the cover ("Summary", "Summary for social media") is kept with
/// its text: wherever the page ends, it is never the last line of a page
/// (council-report@3). The same paper with its cover grown word by word
/// moves the labels down through the foot of the first page.
#[test]
fn a_cover_label_is_never_left_at_the_foot_of_a_page() {
    let p = Project::fixture("template-eastvale");
    let base = std::fs::read_to_string(p.path().join("content/library-review/paper.yaml")).unwrap();
    let _ = std::fs::remove_dir_all(p.path().join("content/bad-paper"));
    let word = "Culture ";
    for k in 0..36 {
        let yaml = base
            .replace(
                "portfolio: Culture and Communities",
                &format!("portfolio: {}and Communities", word.repeat(k * 6)),
            )
            .replace(
                "template: scrutiny-report@1",
                "template: scrutiny-report@1\nlayout: council-report@3",
            );
        p.write(&format!("content/grown-{k:02}/paper.yaml"), &yaml);
        for e in std::fs::read_dir(p.path().join("content/library-review"))
            .unwrap()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".md") {
                let text = std::fs::read_to_string(e.path()).unwrap();
                p.write(&format!("content/grown-{k:02}/{name}"), &text);
            }
        }
    }
    let _ = std::fs::remove_dir_all(p.path().join("content/library-review"));
    let o = p.run(&["build", "--format", "pdf"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seen = 0;
    for k in 0..36 {
        let pages = pdf_pages(&p.path().join(format!("out/grown-{k:02}.pdf")));
        for (i, page) in pages.iter().enumerate() {
            let lines: Vec<&str> = page
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Page "))
                .collect();
            let last = lines.last().copied().unwrap_or("");
            assert!(
                !matches!(last, "Summary" | "Summary for social media"),
                "grown-{k:02}, page {}: a label ends the page:\n{page}",
                i + 1
            );
            seen += usize::from(lines.contains(&"Summary for social media"));
        }
    }
    assert!(seen >= 36, "the label is printed");
}

/// Appendices lettered as the paper (or its template) says, referred to by
/// title with `{{ appendix("…") }}` so the narrative follows the list; an
/// "Appendix C" the paper does not have is a warning at the mention; a paper
/// numbering them otherwise than its template is a departure (issue 24).
#[test]
fn appendices_are_lettered_referred_to_by_title_and_checked() {
    let p = Project::fixture("minimal");
    let dir = std::fs::read_dir(p.path().join("content"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let rel = |f: &str| {
        dir.join(f)
            .strip_prefix(p.path())
            .unwrap()
            .to_string_lossy()
            .to_string()
    };
    let yaml = std::fs::read_to_string(dir.join("paper.yaml")).unwrap();
    p.write(
        &rel("paper.yaml"),
        &format!(
            "layout: committee-report@3\n{yaml}appendix-numbering: letters\nappendices:\n  - {{ title: Savings by service, markdown: savings.md }}\n  - {{ title: Capital programme, markdown: capital.md }}\n"
        ),
    );
    p.write(&rel("savings.md"), "The savings by service.\n");
    p.write(&rel("capital.md"), "The capital programme.\n");
    p.write(
        &rel("02-appendices.md"),
        "# Appendices\n\nThe capital programme is {{ appendix(\"Capital programme\") }}; the savings are in Appendix A.\n",
    );
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Q0124"), "{}", stderr(&o));
    let id = dir.file_name().unwrap().to_string_lossy().to_string();
    let pdf = squash(&pdf_text(&p.path().join(format!("out/{id}.pdf"))));
    for want in [
        "The capital programme is Appendix B; the savings are in Appendix A.",
        "Appendix A: Savings by service",
        "Appendix B: Capital programme",
    ] {
        assert!(pdf.contains(want), "PDF: no {want:?} in:\n{pdf}");
    }
    let html = crate::meaning::html_text(&p.path().join(format!("out/{id}.html")));
    assert!(html.contains("Appendix B: Capital programme"), "{html}");

    // A mention of an appendix the paper does not have, and an unknown title.
    p.write(
        &rel("02-appendices.md"),
        "# Appendices\n\nSee Appendix C, and {{ appendix(\"Treasury\") }}.\n",
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning[Q0124]: the narrative mentions Appendix C, which the paper does not have"
        ) && err.contains("the paper's appendices are A, B"),
        "{err}"
    );
    assert!(
        err.contains("the paper has no appendix `Treasury`; its appendices are: A: Savings by service; B: Capital programme"),
        "{err}"
    );

    // Issue 24: the paper's own list of appendices names every appendix it
    // attaches; one left out is told at the list's heading, once.
    p.write(
        &rel("02-appendices.md"),
        "# Appendices\n\n- Appendix A: Savings by service\n",
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("warning[Q0125]").count(), 1, "{err}");
    assert!(
        err.contains("warning[Q0125]: Appendix B (Capital programme) is attached, but the paper's list of appendices leaves it out"),
        "{err}"
    );
    assert!(err.contains("02-appendices.md:1:1"), "{err}");
    p.write(
        &rel("02-appendices.md"),
        "# Appendices\n\n- Appendix A: Savings by service\n- {{ appendix(\"Capital programme\") }}: Capital programme\n",
    );
    let o = p.run(&["check"]);
    assert!(!stderr(&o).contains("Q0125"), "{}", stderr(&o));
}

/// A template that letters appendices letters its papers'; a paper that
/// numbers them instead departs from it, told at its value.
#[test]
fn a_paper_numbering_appendices_otherwise_than_its_template_departs() {
    let p = Project::fixture("template-lowmere");
    let t = std::fs::read_dir(p.path().join("templates"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&t).unwrap();
    let name = t.file_name().unwrap().to_string_lossy().to_string();
    p.write(
        &format!("templates/{name}"),
        &format!("{text}\nappendix-numbering: letters\n"),
    );
    let o = p.run(&["check", "playing-pitches"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let paper = "content/playing-pitches/paper.yaml";
    let yaml = std::fs::read_to_string(p.path().join(paper)).unwrap();
    p.write(paper, &format!("{yaml}\nappendix-numbering: numbers\n"));
    let o = p.run(&["check", "playing-pitches"]);
    let err = stderr(&o);
    assert!(
        err.contains("the template numbers appendices with letters, this paper with numbers")
            && err.contains("remove `appendix-numbering`, or write `appendix-numbering: letters`"),
        "{err}"
    );
}

/// The HTML edition follows the house style's font, as the PDF does: a
/// template that names DejaVu Sans sets it first in the page's font list.
#[test]
fn the_html_edition_follows_the_template_font() {
    let p = Project::fixture("template-northmoor");
    let t = "templates/cabinet-report-v1.yaml";
    let text = std::fs::read_to_string(p.path().join(t)).unwrap();
    p.write(
        t,
        &text.replace("font: Liberation Sans", "font: DejaVu Sans"),
    );
    let _ = std::fs::remove_dir_all(p.path().join("content/bad-paper"));
    // Version 3 (the template's own layout, council-report@2, is released as it was).
    let paper = "content/options-appraisal/paper.yaml";
    let yaml = std::fs::read_to_string(p.path().join(paper)).unwrap();
    p.write(paper, &format!("layout: council-report@3\n{yaml}"));
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seen = 0;
    for e in std::fs::read_dir(p.path().join("out")).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(e.path()).unwrap();
            assert!(
                html.contains("body { font-family: \"DejaVu Sans\", \"Liberation Sans\", Arial"),
                "{}",
                e.path().display()
            );
            seen += 1;
        }
    }
    assert!(seen > 0);
}

/// A cross-reference to a section by its heading prints its number, so the
/// narrative follows its own order; an unknown heading is an error listing
/// the sections (issue 24).
#[test]
fn a_section_is_referred_to_by_its_heading() {
    let p = Project::fixture("minimal");
    let dir = "content/budget-2025";
    let first = std::fs::read_to_string(p.path().join(dir).join("01-position.md")).unwrap();
    let heading = first
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .expect("a level-1 heading")
        .trim()
        .to_string();
    p.write(
        &format!("{dir}/02-next.md"),
        &format!("# Next steps\n\nAs {{{{ section(\"{heading}\") }}}} explains, this is {{{{ section(\"Next steps\") }}}}.\n"),
    );
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    assert!(
        pdf.contains("As section 1 explains, this is section 2."),
        "{pdf}"
    );
    p.write(
        &format!("{dir}/02-next.md"),
        "# Next steps\n\nSee {{ section(\"Risks\") }}.\n",
    );
    let err = stderr(&p.run(&["check"]));
    assert!(
        err.contains(&format!(
            "the narrative has no section `Risks`; its sections are: {heading}; Next steps"
        )),
        "{err}"
    );
}

/// Issue 24: rules on the values of standard table cells, as councils state
/// them ("Agreed: yes or no"; "How consulted: meeting, survey or email"):
/// each wrong value is told at the cell with the values allowed (and a
/// near miss named), and a right one is printed as the template writes it.
#[test]
fn standard_table_cells_hold_the_values_the_template_allows() {
    let p = Project::fixture("template-harbourside");
    let t = "templates/cabinet-paper-v1.yaml";
    let y = std::fs::read_to_string(p.path().join(t)).unwrap();
    let y2 = y.replace(
        "      - { key: comment, label: Comment, words: { max: 25 } }\n",
        "      - { key: comment, label: Comment, words: { max: 25 } }\n      - { key: agreed, label: Agreed, type: yes-no }\n      - { key: how, label: How consulted, type: choice, choices: [Meeting, Survey, Email] }\n",
    );
    assert_ne!(y, y2);
    p.write(t, &y2);
    let paper = "content/leisure-charges/paper.yaml";
    let y = std::fs::read_to_string(p.path().join(paper)).unwrap();
    let bad = y
        .replace(
            "comment: Supported keeping the concessions. }",
            "comment: Supported keeping the concessions., agreed: maybe, how: Servey }",
        )
        .replace(
            "comment: The charges meet the budget assumption., responded: yes }",
            "comment: The charges meet the budget assumption., responded: yes, agreed: true, how: email }",
        );
    assert_ne!(y, bad);
    p.write(paper, &bad);
    let o = p.run(&["check", "leisure-charges"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert_eq!(e.matches("error[Q0070]").count(), 2, "{e}");
    assert_eq!(e.matches("error[").count(), 2, "{e}");
    assert!(
        e.contains("`maybe` is not a valid value for `agreed` in the table `consultation`"),
        "{e}"
    );
    assert!(e.contains("expected one of: Yes, No"), "{e}");
    assert!(
        e.contains("`Servey` is not a valid value for `how` in the table `consultation`"),
        "{e}"
    );
    assert!(e.contains("did you mean `Survey`?"), "{e}");
    p.write(
        paper,
        &bad.replace("agreed: maybe, how: Servey", "agreed: yes, how: Survey"),
    );
    let o = p.run(&["build", "leisure-charges"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/leisure-charges.pdf")));
    assert!(text.contains("Yes Survey"), "{text}");
    assert!(text.contains("Yes Email"), "{text}");
}

/// Issue 24: the council's heading colour, from its template, in the PDF and
/// HTML (and so Word) editions from version 3; a colour too light to read on
/// white is refused with its contrast ratio.
#[test]
fn a_template_colours_its_headings_if_they_can_be_read() {
    let (p, text, _) = northmoor_v3();
    let t = NORTHMOOR_TEMPLATE;
    let light = text.replace(
        "font: Liberation Sans,",
        "font: Liberation Sans, heading-colour: \"#ffd966\",",
    );
    assert_ne!(light, text);
    p.write(t, &light);
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("`#ffd966` on white has a contrast of 1.4:1, below the 4.5:1 headings need"),
        "{e}"
    );
    p.write(t, &light.replace("#ffd966", "#1D4F91"));
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/options-appraisal.html")).unwrap();
    assert!(
        html.contains("h1, h2, h3, h4, h5 { color: #1d4f91; }"),
        "{html}"
    );
}

/// Issue 24: a house style names a font the project supplies in `fonts/` (a
/// council's own typeface): the PDF is set in it and the HTML names it first;
/// a font that is neither bundled nor supplied is an error at its name,
/// listing the fonts there are.
#[test]
fn a_house_style_names_a_font_the_project_supplies() {
    let p = Project::fixture("minimal");
    // A font of its own family: the bundled DejaVu Sans, its family renamed
    // "DejaVu Sanz" in the name table (UTF-16 and Mac Roman records).
    let mut font = std::fs::read(repo().join("fonts/DejaVuSans.ttf")).unwrap();
    let rename = |font: &mut Vec<u8>, from: &[u8], to: &[u8]| {
        let mut i = 0;
        while let Some(at) = font[i..].windows(from.len()).position(|w| w == from) {
            font[i + at..i + at + to.len()].copy_from_slice(to);
            i += at + from.len();
        }
    };
    let utf16 = |s: &str| {
        s.encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<u8>>()
    };
    rename(&mut font, &utf16("DejaVu Sans"), &utf16("DejaVu Sanz"));
    rename(&mut font, b"DejaVu Sans", b"DejaVu Sanz");
    std::fs::create_dir_all(p.path().join("fonts")).unwrap();
    std::fs::write(p.path().join("fonts/CouncilSans.ttf"), &font).unwrap();
    let config = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    p.write(
        "quire.yaml",
        &format!("{config}house-style: {{ font: Arial }}\n"),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("the font `Arial` is neither bundled nor in the project's fonts/"),
        "{e}"
    );
    assert!(e.contains("DejaVu Sanz"), "{e}");
    p.write(
        "quire.yaml",
        &format!("{config}house-style: {{ font: DejaVu Sanz }}\n"),
    );
    let paper = "content/budget-2025/paper.yaml";
    let yaml = std::fs::read_to_string(p.path().join(paper)).unwrap();
    p.write(paper, &format!("layout: committee-report@3\n{yaml}"));
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fonts = std::process::Command::new("pdffonts")
        .arg(p.path().join("out/budget-2025.pdf"))
        .output()
        .expect("pdffonts (poppler-utils) is needed for this test");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("DejaVuSans"), "{fonts}");
    assert!(!fonts.contains("LiberationSans"), "{fonts}");
    let html = std::fs::read_to_string(p.path().join("out/budget-2025.html")).unwrap();
    assert!(
        html.contains("body { font-family: \"DejaVu Sanz\", \"Liberation Sans\""),
        "{html}"
    );
}

/// Issue 24: the cover as the council lays it out: the paper's committee,
/// date and subject as rows of the cover grid with the council's labels, the
/// summary under its own heading ("Executive Summary"), and a standard table
/// on the front page (a timetable) rather than after the narrative.
#[test]
fn a_template_lays_out_its_own_cover() {
    let (p, text, _) = northmoor_v3();
    let t = NORTHMOOR_TEMPLATE;
    let own = text.replace(
        "    label: Timetable of meetings\n",
        "    label: Timetable of meetings\n    place: front\n",
    ) + "summary-label: Executive Summary\ncover-rows:\n  - { field: committee, label: Report to }\n  - { field: meeting-date, label: Date of meeting }\n  - { field: subject, label: Subject }\n";
    p.write(t, &own);
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/options-appraisal.pdf"));
    let first = squash(&pages[0]);
    for want in [
        "Report to Cabinet",
        "Subject Future of the Northmoor leisure centre",
        "Executive Summary",
        "Timetable of meetings",
    ] {
        assert!(first.contains(want), "page 1: no {want:?} in:\n{first}");
    }
    assert!(!first.contains("Cabinet – "), "{first}");
    let html = std::fs::read_to_string(p.path().join("out/options-appraisal.html")).unwrap();
    assert!(
        html.contains("<dt>Report to</dt><dd>Cabinet</dd>"),
        "{html}"
    );
    assert!(
        html.contains("<h2 id=\"summary\">Executive Summary</h2>"),
        "{html}"
    );
    let (timetable, implications) = (
        html.find(">Timetable of meetings</h2>").unwrap(),
        html.find(">Implications</h2>").unwrap(),
    );
    assert!(
        timetable < implications,
        "the timetable is on the front page"
    );
    // An unknown field is told with the fields there are.
    p.write(t, &own.replace("field: subject", "field: subjekt"));
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `subject`?"),
        "{}",
        stderr(&o)
    );
}

/// Issue 24: a standard table the template places inside a named section
/// (implications as part of "Risk management", not at the end): the paper
/// places it there with `{{ standard_table("implications") }}`; a section
/// that does not is told at its heading; printed in the section in the PDF
/// and HTML, and not again at the end.
#[test]
fn a_standard_table_is_placed_in_the_section_the_template_names() {
    let (p, text, _) = northmoor_v3();
    let t = NORTHMOOR_TEMPLATE;
    let placed = text.replace(
        "sign-off: true }",
        "sign-off: true, place: { section: Risk management } }",
    );
    assert_ne!(placed, text);
    p.write(t, &placed);
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0071]: the table `implications` (Implications) belongs in the section `Risk management`, which does not place it"),
        "{e}"
    );
    assert!(e.contains("01-report.md:31:1"), "{e}");
    let md = "content/options-appraisal/01-report.md";
    let narrative = std::fs::read_to_string(p.path().join(md)).unwrap();
    p.write(
        md,
        &narrative.replace(
            "the contract fixes the price.\n",
            "the contract fixes the price.\n\n{{ standard_table(\"implications\") }}\n",
        ),
    );
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/options-appraisal.pdf")));
    assert!(
        pdf.contains("the contract fixes the price. Implications Implication Detail Signed off by"),
        "{pdf}"
    );
    assert_eq!(pdf.matches("Implications").count(), 1, "{pdf}");
    let html = std::fs::read_to_string(p.path().join("out/options-appraisal.html")).unwrap();
    assert_eq!(html.matches(">Implications</h").count(), 1, "{html}");
    assert!(
        html.contains("<h3 id=\"table-1\">Implications</h3>"),
        "{html}"
    );
    // A paper scaffolded on the template places the table in its section.
    let o = p.run(&["new", "paper", "fresh", "--template", "cabinet-report-v1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_dir(p.path().join("content/fresh"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(
        md.contains("{{ standard_table(\"implications\") }}"),
        "{md}"
    );
    let o = p.run(&["check", "fresh"]);
    assert!(!stderr(&o).contains("Q0071"), "{}", stderr(&o));
}

/// Issue 24: "a summary of at most so many lines", counted as the council
/// counts them, on the typeset page: a summary that sets in one line passes
/// a one-line limit; the same summary at three lines is told at the paper's
/// `summary:` with the count, by `check` and by `build`.
#[test]
fn a_summary_line_limit_counts_the_typeset_lines() {
    let (p, text, yaml) = northmoor_v3();
    let (t, paper) = (NORTHMOOR_TEMPLATE, NORTHMOOR_PAPER);
    let limited = text.replace(
        "  pages: { max: 4 }\n",
        "  pages: { max: 4 }\n  summary-lines: { max: 1 }\n",
    );
    assert_ne!(limited, text);
    p.write(t, &limited);
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let long = format!(
        "layout: council-report@3\n{}",
        yaml.replace(
            "summary: The leisure centre needs a new roof; this report sets out three options.",
            "summary: The leisure centre needs a new roof; this report sets out three options, what each would cost, how long each would close the centre for, and which of them officers recommend, with the risks of each and the views of the people who use the centre every week.",
        )
    );
    p.write(paper, &long);
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {e}");
        assert!(
            e.contains("error[Q0072]: the summary runs to 3 lines as typeset, 2 over its template's limit of 1"),
            "{cmd}: {e}"
        );
        assert!(e.contains("paper.yaml:14:"), "{cmd}: {e}");
    }
}

const NORTHMOOR_TEMPLATE: &str = "templates/cabinet-report-v1.yaml";
const NORTHMOOR_PAPER: &str = "content/options-appraisal/paper.yaml";

/// The Northmoor council with its valid paper on the version 3 layout (its
/// bad paper removed): the project, the template's text, and the paper's
/// YAML as it was before the layout line.
fn northmoor_v3() -> (Project, String, String) {
    let p = Project::fixture("template-northmoor");
    let text = std::fs::read_to_string(p.path().join(NORTHMOOR_TEMPLATE)).unwrap();
    let _ = std::fs::remove_dir_all(p.path().join("content/bad-paper"));
    let yaml = std::fs::read_to_string(p.path().join(NORTHMOOR_PAPER)).unwrap();
    p.write(
        NORTHMOOR_PAPER,
        &format!("layout: council-report@3\n{yaml}"),
    );
    (p, text, yaml)
}
