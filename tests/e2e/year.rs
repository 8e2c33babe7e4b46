//! A return through the year (issue 22): Update 1 is locked, `--next` opens
//! Update 2, which writes its own data date, summary, forecast, EHCP actuals,
//! workbook figures and KPI actuals without `--amend`; Update 1's record stays
//! as submitted; and the account of what changed lists every changed figure
//! with both values, checked against a diff of the two records made here.

use crate::harness::*;
use std::collections::BTreeMap;
use std::path::Path;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The return's spending workbook: Spend!B2:C3 (budget, forecast per line).
fn write_spend(path: &Path, special: f64, independent: f64) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Spend").unwrap();
    ws.write_number(1, 1, 41.2).unwrap();
    ws.write_number(1, 2, special).unwrap();
    ws.write_number(2, 1, 22.5).unwrap();
    ws.write_number(2, 2, independent).unwrap();
    wb.save(path).unwrap();
}

/// The lock's record of each update: update → field → value.
fn records(p: &Project, doc: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(p.path().join(format!("content/{doc}/quire.lock"))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(json["updates"].clone()).unwrap()
}

/// Update 1 locked, Update 2 opened with `--next` and written as its own.
fn second_update() -> Project {
    let p = Project::fixture("return-year");
    write_spend(&p.path().join("content/sv-q1/spend.xlsx"), 41.0, 23.4);
    let o = p.run(&["lock", "sv-q1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["new", "return", "sv-q2", "--next", "sv-q1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    p
}

const Q2: &str = "content/sv-q2/return.yaml";

/// Update 2's own values, written over the ones carried forward.
fn write_update_2(p: &Project) {
    let y = std::fs::read_to_string(p.path().join(Q2)).unwrap();
    let y = y
        .replace("data-as-at: 30 June 2025", "data-as-at: 30 September 2025")
        .replace(
            "  At Quarter 1 we remain on course to clear the deficit by 2026-27.\n",
            "  At Quarter 2 the forecast for 2025-26 has risen.\n\n  {{ changes() }}\n",
        )
        .replace(
            "{ year: 2025-26, agreement: 7.5, forecast: 8.3 }",
            "{ year: 2025-26, agreement: 7.5, forecast: 9.5 }",
        )
        .replace("values: [228, 1512, 2028]", "values: [231, 1540, 2028]")
        .replace("assurance: { q1: Green }", "assurance: { q1: Green, q2: Amber }")
        .replace("assurance: { q1: Red }", "assurance: { q1: Red, q2: Red }")
        .replace(
            "actuals: { q1: 43.2 }",
            "actuals: { q1: 43.2, q2: 45.4 }\n    rag: { q2: Green }",
        )
        .replace("actuals: { q1: 152 }", "actuals: { q1: 152, q2: 138 }")
        .replace(
            "kpis:\n",
            "  - number: 2\n    title: Home to school transport costs\n    assurance: { q2: Amber }\nkpis:\n",
        );
    p.write(Q2, &y);
    write_spend(&p.path().join("content/sv-q2/spend.xlsx"), 41.3, 24.1);
}

#[test]
fn the_next_update_writes_its_own_values_and_the_last_stays_on_record() {
    let p = second_update();
    let before = records(&p, "sv-q1");
    let q1 = before["q1"].clone();
    // What `--next` carried forward is marked where the author must write.
    let y = std::fs::read_to_string(p.path().join(Q2)).unwrap();
    for key in ["data-as-at", "summary", "deficit", "ehcp", "tables"] {
        assert!(
            y.contains(&format!(
                "# {key}: carried forward from `Update 1 (July)`: write `Update 2 (October)`'s own"
            )),
            "{key}:\n{y}"
        );
    }
    // Built as carried forward, it warns that the data date and summary are
    // still Update 1's, at each.
    let o = p.run(&["check", "sv-q2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("warning[Q0122]: the data date of `Update 2 (October)` is still `Update 1 (July)`'s, as submitted"),
        "{e}"
    );
    assert!(
        e.contains("warning[Q0122]: the summary of `Update 2 (October)` is still `Update 1 (July)`'s, as submitted"),
        "{e}"
    );

    // Update 2's own values need no --amend.
    write_update_2(&p);
    let o = p.run(&["build", "sv-q2", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(!e.contains("Q0122") && !e.contains("error["), "{e}");
    let text = squash(&pdf_text(&p.path().join("out/sv-q2.pdf")));
    assert!(text.contains("30 September 2025"), "{text}");
    assert!(!text.contains("30 June 2025"), "{text}");
    assert!(text.contains("At Quarter 2 the forecast"), "{text}");
    assert!(!text.contains("At Quarter 1"), "{text}");
    // Update 1's figures stay in Update 1's columns.
    assert!(text.contains("43.2") && text.contains("45.4"), "{text}");
    // A RAG the return publishes is printed as published, with no words of
    // quire's after it (issue 25).
    assert!(
        text.contains("45.0 / 45.4") && text.contains("Green"),
        "{text}"
    );
    assert!(!text.contains("(as published)"), "{text}");
    // Update 1's record in the copied lock is unchanged, as submitted.
    assert_eq!(records(&p, "sv-q2")["q1"], q1);
    assert_eq!(q1["data as at"], "30 June 2025");
    assert_eq!(q1["deficit 2025-26 forecast"], "8.3");
    assert_eq!(q1["table hn-spend independent/forecast"], "23.4");

    // The account of what changed, in every edition.
    let html = std::fs::read_to_string(p.path().join("out/sv-q2.html")).unwrap();
    for (what, was, now, change) in [
        ("Deficit 2025-26: forecast (£m)", "8.3", "9.5", "+1.2"),
        (
            "K2 Average time to issue a final EHCP: actual (days)",
            "152",
            "138",
            "−14",
        ),
    ] {
        // A long label wraps in its cell: the figures follow its first words.
        let row = format!("{was} {now} {change}");
        assert!(
            text.contains(what) || text.contains(&what[..what.len().min(24)]),
            "{what}: {text}"
        );
        assert!(text.contains(&row), "{row}: {text}");
        assert!(
            html.contains(&format!("<th scope=\"row\">{what}</th>")),
            "{what}: {html}"
        );
    }
    assert!(text.contains("Changes since Update 1 (July)"), "{text}");
    // A figure written `44.0` is told at its places, though the lock holds `44`.
    let csv = std::fs::read_to_string(p.path().join("out/sv-q2.changes.csv")).unwrap();
    assert!(
        csv.contains(
            "K1 Children with an EHCP taught in mainstream settings: target (%),44.0,45.0,\"'+1.0\""
        ),
        "{csv}"
    );
    assert!(html.contains("45.0 / 45.4<br>Green</td>"), "{html}");
    assert!(!html.contains("(as published)"), "{html}");
    assert!(
        text.contains("Condition 1: assurance Green Amber"),
        "{text}"
    );
    assert!(
        text.contains("Risk 2: Home to school transport costs added"),
        "{text}"
    );
    let docx = p.path().join("out/sv-q2.docx");
    assert!(docx.is_file(), "no Word edition");

    // A submitted Update 1 value edited in Update 2's file is still an error.
    let y = std::fs::read_to_string(p.path().join(Q2)).unwrap();
    p.write(
        Q2,
        &y.replace(
            "actuals: { q1: 152, q2: 138 }",
            "actuals: { q1: 150, q2: 138 }",
        ),
    );
    let o = p.run(&["check", "sv-q2"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "kpi K2 actual of `Update 1 (July)` changed after the update was submitted and locked"
        ),
        "{}",
        stderr(&o)
    );
    // ... and a deliberate correction of it is an amendment, printed as one.
    let o = p.run(&[
        "lock",
        "--amend",
        "kpi K2 actual",
        "--reason",
        "the DfE asked for the audited figure",
        "sv-q2",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["build", "sv-q2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/sv-q2.pdf")));
    assert!(
        text.contains("152 → 150 the DfE asked for the audited figure"),
        "{text}"
    );
    // Update 1's folder is untouched by all of it.
    assert_eq!(records(&p, "sv-q1"), before);
}

#[test]
fn the_account_lists_every_changed_figure_of_the_two_records() {
    let p = second_update();
    write_update_2(&p);
    // Submit and lock Update 2: the lock then holds both records.
    let y = std::fs::read_to_string(p.path().join(Q2)).unwrap();
    p.write(
        Q2,
        &y.replace(
            "submissions:\n",
            "submissions:\n  q2:\n    date-submitted: 2025-10-24\n    sign-off:\n      - { role: s151, name: Priya Nair, title: Chief Finance Officer }\n",
        ),
    );
    let o = p.run(&["lock", "sv-q2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["build", "sv-q2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = records(&p, "sv-q2");
    // The diff of the two records, made here: every field both hold whose
    // figure differs (before, now).
    // Compared as figures: the account prints them at the places the return
    // writes them (`44.0`), the lock holds their shortest form (`44`).
    let num = |s: &str| s.replace(',', "").parse::<f64>().ok();
    let mut want: Vec<(String, String)> = r["q1"]
        .iter()
        .filter_map(|(k, a)| {
            let b = r["q2"].get(k)?;
            match (num(a), num(b)) {
                (Some(x), Some(y)) if x != y => Some((format!("{x}"), format!("{y}"))),
                _ => None,
            }
        })
        .collect();
    want.sort();
    let csv = std::fs::read_to_string(p.path().join("out/sv-q2.changes.csv")).unwrap();
    let mut got: Vec<(String, String)> = Vec::new();
    for line in csv.lines().skip(1) {
        let cells = csv_cells(line);
        // A cell that starts with `+` is written `'+…` (never a formula).
        let (was, now, change) = (&cells[1], &cells[2], cells[3].trim_start_matches('\''));
        if change.starts_with(['+', '-', '−'])
            || change.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            let (x, y) = (num(was).unwrap(), num(now).unwrap());
            got.push((format!("{x}"), format!("{y}")));
        }
    }
    got.sort();
    assert_eq!(got, want, "{csv}");
    assert!(want.len() >= 8, "{want:?}");
}

/// The cells of one CSV line (quoted cells as RFC 4180 writes them).
fn csv_cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[test]
fn the_first_update_has_no_account() {
    let p = Project::fixture("return-year");
    write_spend(&p.path().join("content/sv-q1/spend.xlsx"), 41.0, 23.4);
    let y = std::fs::read_to_string(p.path().join("content/sv-q1/return.yaml")).unwrap();
    p.write(
        "content/sv-q1/return.yaml",
        &y.replace("by 2026-27.\n", "by 2026-27.\n\n  {{ changes() }}\n"),
    );
    assert_eq!(code(&p.run(&["lock", "sv-q1"])), 0);
    let o = p.run(&["build", "sv-q1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/sv-q1.pdf")));
    assert!(!text.contains("Changes since"), "{text}");
    assert!(!p.path().join("out/sv-q1.changes.csv").exists());
}

/// Issue 21: a return carries its own appendices, as councils publish them:
/// narrative and declared tables after the main return, each under its label
/// from a new page, in the PDF, the HTML (and so the Word) edition; an
/// appendix given by its title alone is listed as written. Its file is read
/// inside the project only.
#[test]
fn a_return_carries_its_own_appendices_of_narrative_and_tables() {
    let p = Project::fixture("return-year");
    write_spend(&p.path().join("content/sv-q1/spend.xlsx"), 41.0, 23.4);
    let file = "content/sv-q1/return.yaml";
    let y = std::fs::read_to_string(p.path().join(file)).unwrap();
    p.write(
        file,
        &format!(
            "{y}appendices:\n  - Deficit management plan (published separately)\n  - {{ title: High needs spending, number: B, markdown: spending.md }}\n"
        ),
    );
    p.write(
        "content/sv-q1/spending.md",
        "The spending on high needs this year, as the council's accounts give it.\n\n{{ table(\"hn-spend\") }}\n",
    );
    let o = p.run(&["build", "--format", "all", "sv-q1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/sv-q1.pdf")));
    for want in [
        "Appendices • Deficit management plan (published separately) • Appendix B: High needs spending",
        "Appendix B: High needs spending The spending on high needs this year, as the council’s accounts give it.",
        "High needs spending, 2025-26",
    ] {
        assert!(pdf.contains(want), "missing {want:?} in {pdf}");
    }
    let html = std::fs::read_to_string(p.path().join("out/sv-q1.html")).unwrap();
    assert!(
        html.contains("<h2 id=\"appendix-2\">Appendix B: High needs spending</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<li>Deficit management plan (published separately)</li>"),
        "{html}"
    );
    assert!(html.contains("High needs spending, 2025-26"), "{html}");
    // Outside the project: refused, at the path.
    let out = format!("{y}appendices:\n  - {{ title: Secrets, markdown: ../../../etc/passwd }}\n");
    p.write(file, &out);
    let o = p.run(&["check", "sv-q1"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("../../../etc/passwd"), "{}", stderr(&o));
}

/// Issue 21: a return's risk register as the council publishes it: with
/// `risk-numbering: none` no "Risk 1" the council does not print; a heading
/// per group of risks (not a "Group" row); and a risk rated at no update
/// prints no assurance table of "not rated" cells, in PDF and HTML.
#[test]
fn a_returns_register_may_be_unnumbered_grouped_and_unrated() {
    let p = Project::fixture("return-year");
    write_spend(&p.path().join("content/sv-q1/spend.xlsx"), 41.0, 23.4);
    let file = "content/sv-q1/return.yaml";
    let y = std::fs::read_to_string(p.path().join(file)).unwrap();
    let y = y
        .replace(
            "risks:\n  - number: 1\n",
            "risk-numbering: none\nrisks:\n  - number: 1\n    group: Placements\n",
        )
        .replace(
            "kpis:\n",
            "  - number: 2\n    group: Placements\n    title: Too few local special school places\n  - number: 3\n    group: Transport\n    title: Home to school transport costs rise\n    assurance: { q1: Red }\nkpis:\n",
        );
    p.write(file, &y);
    let o = p.run(&["build", "--format", "all", "sv-q1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/sv-q1.pdf")));
    let html = std::fs::read_to_string(p.path().join("out/sv-q1.html")).unwrap();
    for want in [
        "Placements Independent placement fees rise faster than planned",
        "Too few local special school places",
        "Transport Home to school transport costs rise",
    ] {
        assert!(pdf.contains(want), "missing {want:?} in {pdf}");
    }
    assert!(!pdf.contains("Risk 1") && !pdf.contains("Risk 2"), "{pdf}");
    assert!(!pdf.contains("Group Placements"), "{pdf}");
    assert_eq!(html.matches("<h3>Placements</h3>").count(), 1, "{html}");
    assert!(
        html.contains("<h4>Too few local special school places</h4>"),
        "{html}"
    );
    assert!(!html.contains("Risk 2"), "{html}");
    // Risk 2 is rated at no update: no table of "not rated" cells for it.
    assert!(
        !html.contains("<caption>Too few local special school places: assurance level"),
        "{html}"
    );
    assert!(
        html.contains("<caption>Home to school transport costs rise: assurance level"),
        "{html}"
    );
}
