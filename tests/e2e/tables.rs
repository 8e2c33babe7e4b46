//! Declared tables (issue 12): every mismatch reported in one run, computed
//! figures printed and quoted, rows from CSV and from a workbook, CSV exports,
//! and a changed workbook cell caught by verify.

use crate::harness::*;
use std::path::Path;

/// The EHCP workbook of the `tables-valid` fixture: figures in Summary!B3:D6,
/// the change column left empty (computed). `under5` is the January 2025
/// figure for under-fives, so a test can change one cell.
pub fn write_ehcp(path: &Path, under5: f64, label: Option<&str>) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Summary").unwrap();
    ws.write_string(1, 1, "January 2024").unwrap();
    ws.write_string(1, 2, "January 2025").unwrap();
    let rows = [
        (410.0, under5),
        (2100.0, 2390.0),
        (1800.0, 2015.0),
        (4310.0, 4860.0 - 455.0 + under5),
    ];
    for (i, (a, b)) in rows.iter().enumerate() {
        ws.write_number(2 + i as u32, 1, *a).unwrap();
        ws.write_number(2 + i as u32, 2, *b).unwrap();
    }
    if let Some(l) = label {
        ws.write_string(3, 1, l).unwrap();
    }
    wb.save(path).unwrap();
}

fn valid() -> Project {
    let p = Project::fixture("tables-valid");
    write_ehcp(&p.path().join("content/dsg-2025/ehcp.xlsx"), 455.0, None);
    p
}

#[test]
fn every_mismatch_is_reported_with_both_figures_in_one_run() {
    let p = Project::fixture("tables-mismatch");
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = redact(&stderr(&o), p.path());
    snapshot(&p.fixture.join("expected/stderr.txt"), &e);
    // 14 figures that do not add up, each with both values, plus an unknown
    // row and a CSV field that is not a number.
    assert_eq!(e.matches("error[Q0035]").count(), 14, "{e}");
    assert!(
        e.contains("checked 1 document(s): 16 errors, 0 warnings"),
        "{e}"
    );
    // The known bug class: compared at the published places, printed in full.
    assert!(
        e.contains("`b/diff` of `change` is typed as -0.224 but the figures give -0.244"),
        "{e}"
    );
    assert!(
        e.contains("`c/diff2` of `change` is typed as -0.25 but the figures give -0.244"),
        "{e}"
    );
    assert!(
        e.contains("which is -0.24 at the published 2 decimal places"),
        "{e}"
    );
    assert!(e.contains("content/sv-figures/places.csv:5:18"), "{e}");
    assert!(e.contains("content/sv-figures/places.csv:4:19"), "{e}");
    // Within a declared tolerance is accepted: row d is not reported.
    assert!(!e.contains("`d/pct`"), "{e}");
}

/// A published figure the council has accepted (`{ cell: ROW/COLUMN, acknowledged:
/// "why" }`) no longer warns on every build: `check -v` lists it as a note with the
/// reason, and the table still prints it as published, marked, with the computed figure.
#[test]
fn an_acknowledged_published_cell_is_a_note_with_its_reason() {
    let p = valid();
    let file = "content/tables/deficit.yaml";
    let yaml = std::fs::read_to_string(p.path().join(file)).unwrap();
    let acknowledged = "published:\n  - { cell: closing/y2025, acknowledged: \"as published in the 2024-25 outturn\" }";
    assert!(yaml.contains(acknowledged));
    let o = p.run(&["build"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(!e.contains("Q0036"), "no warning once acknowledged: {e}");
    let text = squash(&pdf_text(&p.path().join("out/dsg-2025.pdf")));
    assert!(text.contains("Closing deficit 22.5 36.7 48.2†"), "{text}");
    let o = p.run(&["check", "-v"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    for want in [
        "acknowledged: `closing/y2025` of `deficit` is printed as published (48.2), not as the figures give it (48.25)",
        "content/tables/deficit.yaml:11:61",
        "reason: as published in the 2024-25 outturn",
        "help: remove `acknowledged`",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    assert!(!e.contains("warning[Q0036]"), "{e}");

    // Listed alone, the difference warns on every build, and the help says how to accept it.
    p.write(
        file,
        &yaml.replace(acknowledged, "published: [closing/y2025]"),
    );
    let o = p.run(&["build"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(
        e.contains("warning[Q0036]: `closing/y2025` of `deficit` is printed as published (48.2), but the figures give 48.25"),
        "{e}"
    );
    assert!(
        e.contains("list it as `{ cell: ROW/COLUMN, acknowledged: \"why\" }` to stop this warning"),
        "{e}"
    );

    // An acknowledgement needs a reason, and the cell must be a published figure.
    p.write(
        file,
        &yaml.replace(
            acknowledged,
            "published:\n  - { cell: closing/y2025, acknowledged: \" \" }\n  - { cell: nope/y2025, acknowledged: why }",
        ),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("the acknowledgement gives no reason"), "{e}");
    assert!(
        e.contains("table `deficit` has no cell `nope/y2025`"),
        "{e}"
    );
}

#[test]
fn declared_tables_are_computed_placed_quoted_and_exported() {
    let p = valid();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    // The published closing deficit is printed as published; its difference is
    // acknowledged, so the build does not warn (see the test above).
    assert!(!e.contains("Q0036"), "{e}");
    let text = squash(&pdf_text(&p.path().join("out/dsg-2025.pdf")));
    for want in [
        // Quoted in prose from the cells.
        "The grant overspent by £11.6 million.",
        "outturn was £632.6m against a budget of £621.0m.",
        "Occupancy of specialist places was 95.7%.",
        // Captions, units in headers, group headings.
        "Table 1: Dedicated Schools Grant outturn by block, 2024-25",
        "Block Budget (£m) Outturn (£m) Variance (£m)",
        "Funding blocks",
        // Computed totals, differences (money negatives in brackets) and shares.
        "Total 621.0 632.6 11.6 100.0 no data",
        "Schools 410.2 409.8 (0.4) 64.8 410.0",
        // Running balance and a cross-table equality (the variance, 11.55).
        "Opening deficit 10.0 22.5 36.7",
        "In-year deficit 12.5 14.2 11.6",
        "Closing deficit 22.5 36.7 48.2†",
        "† Closing deficit, 2024-25: as published. The figures in this table give 48.3.",
        // From the CSV: a total and a ratio as a percentage.
        "Total 1,500 1,435 95.7",
        // From the workbook: % change computed.
        "Under 5 410 455 11.0",
        "Total 4,310 4,860 12.8",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let csv = std::fs::read_to_string(p.path().join("out/dsg-2025.dsg-outturn.csv")).unwrap();
    assert!(
        csv.starts_with("Block,Group,Budget (£m),Outturn (£m),Variance (£m),Share of outturn (%),Forecast at quarter 2 (£m)\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nTotal,All blocks,621.0,632.6,11.6,100.0,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nSchools,Funding blocks,410.2,409.8,-0.4,64.8,410.0\n"),
        "{csv}"
    );
    let ehcp = std::fs::read_to_string(p.path().join("out/dsg-2025.ehcp.csv")).unwrap();
    assert!(ehcp.contains("\nTotal,4310,4860,12.8\n"), "{ehcp}");
    // The CSV, the workbook, the table file and the tables layout (version 2
    // for a paper on version 3) are inputs.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap())
            .unwrap();
    for input in [
        "content/dsg-2025/hn-places.csv",
        "content/dsg-2025/ehcp.xlsx",
        "content/tables/deficit.yaml",
        "layouts/tables-v2.typ",
    ] {
        let inputs = &m["documents"]["dsg-2025"]["inputs"];
        assert!(
            inputs[input].is_string() || inputs[format!("(shipped) {input}")].is_string(),
            "{input} not in the manifest"
        );
    }
    // Byte-identical on rebuild.
    let pdf = std::fs::read(p.path().join("out/dsg-2025.pdf")).unwrap();
    assert!(p.run(&["build", "--force"]).status.success());
    assert!(
        pdf == std::fs::read(p.path().join("out/dsg-2025.pdf")).unwrap(),
        "rebuild differs"
    );
}

#[test]
fn a_changed_workbook_cell_is_caught_by_verify() {
    let p = valid();
    assert!(p.run(&["build"]).status.success());
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    write_ehcp(&p.path().join("content/dsg-2025/ehcp.xlsx"), 456.0, None);
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("input changed: content/dsg-2025/ehcp.xlsx"),
        "{e}"
    );
}

#[test]
fn workbook_problems_name_the_sheet_and_cell() {
    let p = valid();
    write_ehcp(
        &p.path().join("content/dsg-2025/ehcp.xlsx"),
        455.0,
        Some("n/a"),
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0006]: `n/a` is not a number, but `y2024` holds figures")
            && e.contains("┌─ content/dsg-2025/ehcp.xlsx › Summary!B4:1:1"),
        "{e}"
    );
    // A workbook outside the project is refused.
    let yaml = std::fs::read_to_string(p.path().join("content/dsg-2025/paper.yaml")).unwrap();
    p.write(
        "content/dsg-2025/paper.yaml",
        &yaml.replace("workbook: ehcp.xlsx", "workbook: ../../../../outside.xlsx"),
    );
    let e = stderr(&p.run(&["check"]));
    assert!(
        e.contains("error[Q0011]: `../../../../outside.xlsx` points outside the project"),
        "{e}"
    );
    // A range that does not fit the declared rows and columns.
    p.write(
        "content/dsg-2025/paper.yaml",
        &yaml.replace("range: B3:D6", "range: B3:D5"),
    );
    let e = stderr(&p.run(&["check"]));
    assert!(
        e.contains("`B3:D5` is 3 rows by 3 columns, but the table declares 4 rows and 3 columns"),
        "{e}"
    );
}

#[test]
fn a_table_that_does_not_exist_is_a_template_error() {
    let p = valid();
    p.write(
        "content/dsg-2025/01-outturn.md",
        "# Outturn\n\n{{ table(\"dsg-outurn\") }}\n",
    );
    let e = stderr(&p.run(&["check"]));
    assert!(
        e.contains("no table with id `dsg-outurn` (this document has: dsg_outturn, deficit, hn_places, ehcp)"),
        "{e}"
    );
}

#[test]
fn the_workbook_recomputes_to_the_printed_figures() {
    use calamine::{DataType, Reader, Xlsx};
    let p = valid();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("out/dsg-2025.xlsx")).unwrap();
    let mut sums = 0;
    for sheet in ["dsg-outturn", "deficit", "hn-places", "ehcp"] {
        let f = wb.worksheet_formula(sheet).unwrap();
        let v = wb.worksheet_range(sheet).unwrap();
        let value = |a: &str| -> f64 {
            let (r, c) = quire::tables::a1(a).unwrap();
            v.get_value((r, c))
                .and_then(|d| d.as_f64())
                .unwrap_or(f64::NAN)
        };
        let (r0, c0) = f.start().unwrap();
        for (r, c, formula) in f.used_cells() {
            let (r, c) = (r0 + r as u32, c0 + c as u32);
            let cached = v.get_value((r, c)).and_then(|d| d.as_f64()).unwrap();
            // Recompute each SUM and each difference from the sheet's own figures.
            let recomputed = if let Some(args) = formula
                .strip_prefix("SUM(")
                .and_then(|x| x.strip_suffix(')'))
            {
                sums += 1;
                args.split(',').map(value).sum::<f64>()
            } else if !formula.contains(['(', '!', '/']) {
                signed_sum(formula, &value)
            } else {
                continue;
            };
            assert!(
                (recomputed - cached).abs() < 1e-6,
                "{sheet}!{formula}: {recomputed} vs {cached}"
            );
        }
    }
    assert!(sums >= 8, "only {sums} SUM formulas");
    // The total budget is a SUM of the four blocks, cached as 621.
    let f = wb.worksheet_formula("dsg-outturn").unwrap();
    assert_eq!(
        f.get_value((5, 1)).map(String::as_str),
        Some("SUM(B2,B3,B4,B5)")
    );
    let v = wb.worksheet_range("dsg-outturn").unwrap();
    assert_eq!(v.get_value((5, 1)).and_then(|d| d.as_f64()), Some(621.0));
    // A cross-table equality refers to the other sheet.
    let f = wb.worksheet_formula("deficit").unwrap();
    assert_eq!(
        f.get_value((2, 3)).map(String::as_str),
        Some("'dsg-outturn'!D6")
    );
}

#[test]
fn declared_tables_are_in_the_html_edition_too() {
    let p = valid();
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/dsg-2025.html")).unwrap();
    let pdf = squash(&pdf_text(&p.path().join("out/dsg-2025.pdf")));
    let captions: Vec<&str> = html
        .match_indices("<caption>")
        .map(|(i, _)| {
            let rest = &html[i + 9..];
            &rest[..rest.find("</caption>").unwrap()]
        })
        .collect();
    assert!(captions.len() >= 4, "{captions:?}");
    for c in &captions {
        assert!(pdf.contains(c), "{c:?} is in the HTML but not the PDF");
    }
    assert!(html.contains("<th scope=\"row\">"), "no row headers");
}

#[test]
fn returns_and_plans_place_quote_and_export_declared_tables() {
    use calamine::{DataType, Reader, Xlsx};
    let p = Project::fixture("tables-return");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/northshire-sv.pdf")));
    for want in [
        // Quoted from the cells in the return's summary, then placed.
        "High needs spending is forecast at £83.3m against a budget of £82.0m.",
        "Table 1: High needs budget against forecast, 2025-26 (Q2)",
        "Line Budget (£m) Forecast (£m) Variance (£m)",
        "Maintained special schools 41.2 41.0 −0.2",
        "Total 82.0 83.3 1.3",
        // Quoted and placed in a risk's progress, from a table in a file of its own.
        "the line is £0.9m over budget.",
        "Plans maintained, January census",
        "Total 3,720 3,768 1.3",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let plan = squash(&pdf_text(&p.path().join("out/app-plan.pdf")));
    for want in [
        "Plans issued within 20 weeks rose by 13.5 points over the year.",
        "Final plans issued within 20 weeks",
        "All plans 42.0 55.5 13.5",
    ] {
        assert!(plan.contains(want), "missing {want:?} in:\n{plan}");
    }
    // The HTML editions carry the same tables, with no marker left over.
    let html = std::fs::read_to_string(p.path().join("out/northshire-sv.html")).unwrap();
    assert!(html.contains("<caption>High needs budget against forecast, 2025-26 (Q2)</caption>"));
    assert!(
        html.contains("<th scope=\"row\">Total</th><td class=\"num\">82.0</td>"),
        "{html}"
    );
    assert!(
        !html.contains("quire:block"),
        "a marker was left in the page"
    );
    let html = std::fs::read_to_string(p.path().join("out/app-plan.html")).unwrap();
    assert!(html.contains("<caption>Final plans issued within 20 weeks</caption>"));
    // Exported as CSV beside the return's own exports, and as sheets of its workbook.
    let csv = std::fs::read_to_string(p.path().join("out/northshire-sv.hn-budget.csv")).unwrap();
    assert!(csv.contains("\nTotal,82.0,83.3,1.3\n"), "{csv}");
    assert!(p.path().join("out/northshire-sv.deficit.csv").exists());
    assert!(p.path().join("out/app-plan.timeliness.csv").exists());
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("out/northshire-sv.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Deficit",
            "EHCPs",
            "Conditions",
            "Risks",
            "KPIs",
            "KPI values",
            "hn-budget",
            "ehcp-growth",
            "deficit-check"
        ]
    );
    let f = wb.worksheet_formula("hn-budget").unwrap();
    assert_eq!(
        f.get_value((4, 1)).map(String::as_str),
        Some("SUM(B2,B3,B4)")
    );
    let v = wb.worksheet_range("hn-budget").unwrap();
    assert_eq!(v.get_value((4, 1)).and_then(|d| d.as_f64()), Some(82.0));
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("out/app-plan.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "progress-ratings",
            "impact-ratings",
            "KPI values",
            "timeliness"
        ]
    );
    let f = wb.worksheet_formula("timeliness").unwrap();
    assert_eq!(f.get_value((1, 3)).map(String::as_str), Some("C2-B2"));
    // The table file is an input of the return.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap())
            .unwrap();
    assert!(m["documents"]["northshire-sv"]["inputs"]["content/shared-ehcp.yaml"].is_string());
    // A table may not take the name of one of the return's own exports.
    let f = p.path().join("content/northshire-sv/return.yaml");
    let y = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        y.replace("id: hn-budget", "id: deficit")
            .replace("hn_budget", "deficit")
            .replace("\"hn-budget\"", "\"deficit\""),
    )
    .unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[Q0020]: a table cannot have the id `deficit`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_return_reports_every_kind_of_mismatch_in_one_run() {
    let p = Project::fixture("tables-return-mismatch");
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = redact(&stderr(&o), p.path());
    snapshot(&p.fixture.join("expected/stderr.txt"), &e);
    // One of each kind, every one with both figures; the paper is valid.
    for want in [
        // The deficit profile, at the places each figure was written with.
        "the 2023-24 variance is typed as -0.224 but the figures give -0.244",
        "the 2024-25 variance is typed as -0.25 but the figures give -0.244",
        "which is -0.24 at the published 2 decimal places",
        // The EHCP table's column total.
        "the total of `Actual January 2025` is typed as 3786 but the figures give 3768",
        // Row total, subtotal (of a group), difference and share.
        // Each checked against its parts as typed (the placements subtotal
        // is typed as 64.5).
        "`total/forecast` of `hn-budget` is typed as 83.5 but the figures give 83.4",
        "`placements/forecast` of `hn-budget` is typed as 64.5 but the figures give 64.4",
        "`independent/variance` of `hn-budget` is typed as 0.8 but the figures give 0.9",
        "`top-up/share` of `hn-budget` is typed as 23 but the figures give 22.634730538922",
        // Column total.
        "`staff/year` of `hn-quarters` is typed as 4.7 but the figures give 4.6",
        // % change from rounded figures.
        "`cost/change` of `unit-cost` is typed as 5 but the figures give 4.83664317745",
        // Running balance (the opening is the previous closing).
        "`opening/y2025` of `deficit-balance` is typed as 12.9 but the figures give 13.1",
        // Equality across tables, located at both ends.
        "`spend/year` of `hn-quarters` is typed as 83.6 but the figures give 83.5",
        "`total/forecast` of `hn-budget` is 83.5",
        // Equality across documents, located at both ends.
        "`closing/y2025` of `deficit-balance` is typed as 14.4 but the figures give 14.5",
        "┌─ content/dsg-paper/paper.yaml:23:81",
        "`deficit/y2025` of `dsg-paper:dsg-outturn` is 14.5",
        // Figures in the prose that disagree with the cells they quote.
        "the prose says 83.4 but `hn-budget.total/forecast` is 83.3",
        "the prose says 0.8 but `hn-budget.independent/variance` is 0.9",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    assert_eq!(e.matches("error[Q0035]").count(), 14, "{e}");
    assert!(
        e.contains("checked 2 document(s): 14 errors, 1 warning"),
        "{e}"
    );
    // A figure the prose agrees with passes: the budget says 82.0.
    assert!(!e.contains("the prose says 82.0"), "{e}");
}

#[test]
fn a_changed_figure_in_another_document_is_caught_by_verify_and_check() {
    let p = Project::fixture("tables-return");
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(p.run(&["verify"]).status.success());
    // The paper a return's equality names is an input of the return.
    let f = p.path().join("content/dsg-paper/paper.yaml");
    let y = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, y.replace("y2025: 8.3 }", "y2025: 8.4 }")).unwrap();
    let o = p.run(&["verify", "northshire-sv"]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("content/dsg-paper/paper.yaml"),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["check", "northshire-sv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("`closing/y2025` of `deficit-check` is typed as 8.3 but the figures give 8.4"),
        "{e}"
    );
    assert!(
        e.contains("`deficit/y2025` of `dsg-paper:dsg-outturn` is 8.4"),
        "{e}"
    );
    // The table file of the return is its input too.
    let p = Project::fixture("tables-return");
    assert!(p.run(&["build"]).status.success());
    let f = p.path().join("content/shared-ehcp.yaml");
    let y = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, y.replace("y2025: 1740", "y2025: 1741")).unwrap();
    let o = p.run(&["verify", "northshire-sv"]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("shared-ehcp.yaml"), "{}", stderr(&o));
}

/// A zip whose one part unpacks to `mib` MiB of zeros (a few KiB packed).
fn zip_bomb(path: &Path, mib: usize, declared_small: bool) {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(!declared_small);
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        z.write_all(&zeros).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_workbook_that_unpacks_too_far_is_refused_with_a_located_error() {
    let p = valid();
    let wb = p.path().join("content/dsg-2025/ehcp.xlsx");
    zip_bomb(&wb, 80, true);
    assert!(
        std::fs::metadata(&wb).unwrap().len() < 1 << 20,
        "not packed small"
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0040]: `content/dsg-2025/ehcp.xlsx` cannot be read as a workbook: its part `xl/worksheets/sheet1.xml` unpacks to more than 64 MiB"),
        "{e}"
    );
    assert!(e.contains("paper.yaml:"), "not located: {e}");
}

#[test]
fn a_changed_workbook_cell_in_a_locked_return_is_caught_by_lock_and_verify() {
    let p = Project::fixture("tables-return");
    let f = p.path().join("content/northshire-sv/return.yaml");
    let y = std::fs::read_to_string(&f).unwrap();
    let table = "  - id: ehcp-wb
    title: Education, health and care plans by age
    row-heading: Age
    columns:
      - { id: y2024, label: January 2024, type: count }
      - { id: y2025, label: January 2025, type: count }
      - { id: change, label: Change, type: percent, places: 1 }
    rows:
      - { id: under-5, label: Under 5 }
      - { id: age-5-10, label: 5 to 10 }
      - { id: age-11-15, label: 11 to 15 }
      - { id: total, label: Total }
    source: { workbook: ehcp.xlsx, sheet: Summary, range: B3:D6 }
    relations:
      - total: { row: total, of: [under-5, age-5-10, age-11-15] }
      - change: { column: change, from: y2024, to: y2025 }
  - ../shared-ehcp.yaml
";
    std::fs::write(&f, y.replacen("  - ../shared-ehcp.yaml\n", table, 1)).unwrap();
    let wb = p.path().join("content/northshire-sv/ehcp.xlsx");
    write_ehcp(&wb, 455.0, None);
    let o = p.run(&["build", "northshire-sv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = p.run(&["lock", "northshire-sv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lock = std::fs::read_to_string(p.path().join("content/northshire-sv/quire.lock")).unwrap();
    assert!(
        lock.contains("\"table ehcp-wb under-5/y2025\": \"455\""),
        "{lock}"
    );
    assert!(
        lock.contains("\"table hn-budget maintained/budget\": \"41.2\""),
        "{lock}"
    );
    assert!(p.run(&["build", "northshire-sv"]).status.success());
    // One cell of the workbook changes (its total changes with it).
    write_ehcp(&wb, 456.0, None);
    let o = p.run(&["verify", "northshire-sv"]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("ehcp.xlsx"), "{}", stderr(&o));
    let o = p.run(&["check", "northshire-sv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0037]: table ehcp-wb under-5/y2025 of `Q2` changed after the update was submitted and locked"),
        "{e}"
    );
    assert!(
        e.contains("┌─ content/northshire-sv/ehcp.xlsx › Summary!C3:1:1"),
        "{e}"
    );
    assert!(
        e.contains("= submitted: 455") && e.contains("= now: 456"),
        "{e}"
    );
    // A typed figure of a YAML table is locked too.
    write_ehcp(&wb, 455.0, None);
    let y = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        y.replace(
            "budget: 41.2, forecast: 41.0",
            "budget: 41.3, forecast: 41.0",
        ),
    )
    .unwrap();
    let e = stderr(&p.run(&["check", "northshire-sv"]));
    assert!(
        e.contains("table hn-budget maintained/budget of `Q2` changed after the update was submitted and locked"),
        "{e}"
    );
}

#[test]
fn a_return_s_published_mistakes_are_each_reported_once_where_they_were_made() {
    // 42 planted mistakes of 25 kinds (each marked `# ✗` in the return):
    // each reported once, at the typed figure, with both figures and the
    // relation; nothing else (no knock-on reports, no warnings).
    let p = Project::fixture("kestrelford-return");
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = redact(&stderr(&o), p.path());
    snapshot(&p.fixture.join("expected/stderr.txt"), &e);
    let planted = std::fs::read_to_string(p.fixture.join("content/kestrelford-sv/return.yaml"))
        .unwrap()
        .matches("✗")
        .count();
    assert_eq!(planted, 42, "the mistakes marked in the return");
    assert_eq!(e.matches("error[Q0035]").count(), 42, "{e}");
    assert!(
        e.contains("checked 3 document(s): 42 errors, 0 warnings"),
        "{e}"
    );
    assert!(!e.contains("warning["), "{e}");
    for want in [
        // Short forms.
        "`independent/variance` of `hn-budget` is typed as 0.8 but the figures give 0.9",
        "`total/budget` of `hn-budget` is typed as 82.1 but the figures give 82",
        "`spend/year` of `quarters` is typed as 83.4 but the figures give 83.3",
        "`south/rate` of `occupancy` is typed as 93.4 but the figures give 93.75",
        "`special/change` of `unit-cost` is typed as 4 but the figures give 5",
        "`y2024/since` of `plans` is typed as 10.5 but the figures give 10",
        "`schools/share` of `blocks` is typed as 66.5",
        // Only the running balance's own mistakes: the 2025-26 opening agrees
        // with the closing as typed.
        "`closing/y2024` of `balance` is typed as 12 but the figures give 12.5",
        "`closing/y2025` of `balance` is typed as 13.6 but the figures give 13.5",
        // Equalities, one through two documents.
        "`deficit/y2025` of `reserve` is typed as 14.6 but the figures give 14.5",
        // Equations.
        "`y2025/added` of `plans` is typed as 405 but the figures give 450",
        "`net/y2025` of `movements` is typed as 450 but the figures give 440",
        "`cs/variance` of `outturn` is typed as 0.2 but the figures give -0.2",
        "`dsg/variance` of `appendix-b` is typed as 0.8 but the figures give -0.8",
        "`closing/y2025` of `carried` is typed as 21.21 but the figures give 21.201",
        "`opening/y2025` of `carried` is typed as 24.41 but the figures give 24.401",
        "`mainstream/q2` of `plan-types` is typed as 1540 but the figures give 1537",
        // A value (change) cell.
        "`over-16/change` of `plans-change` is typed as 38 but the figures give 28",
        "KPI K3's target for q1 is typed as 40.0 but the figures give 41.6666666667",
        "grant/y2025 + council/y2025 is 15.5 but places/y2025 + support/y2025 is 15.6",
        "SUM(capital/y2025, loan/y2025) is 5 but SUM(build/y2025, fit/y2025) is 5.1",
        "`cost-b/pounds` of `unit-costs` is typed as 5074000 but the figures give 5047000",
        // The return's own tables.
        "the 2023-24 variance is typed as -0.224 but the figures give -0.244",
        "the total of `Actual January 2025` is typed as 3786 but the figures give 3768",
        "KPI K3 at Q2 is typed as 42.9 but the figures give 42.694444444444",
        // Prose.
        "the prose says 64.5 but `hn-budget.special/forecast + hn-budget.independent/forecast` is 64.4",
        "the prose says 331 but `occupancy.north/pupils + occupancy.south/pupils` is 330",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    // Prose written at its own precision holds: £83.3m, £5.0m for 5.047.
    assert!(!e.contains("the prose says £"), "{e}");
}

/// Issue 21: a value (change) cell as a council prints it, "1,537 (+101)":
/// the change is a column of its own, checked by its relation at the cell
/// that types it, printed in brackets after the value (PDF and HTML) and
/// exported as a column (CSV).
#[test]
fn a_value_change_cell_is_read_checked_and_printed_as_published() {
    let code = |o: &std::process::Output| o.status.code().unwrap_or(-1);
    let p = Project::fixture("minimal");
    let paper = "content/budget-2025/paper.yaml";
    let y = std::fs::read_to_string(p.path().join(paper)).unwrap();
    p.write(
        paper,
        &(y.clone()
            + r#"layout: committee-report@3
tables:
  - id: plans
    title: Plans by age
    row-heading: Age
    columns:
      - { id: y2024, label: January 2024, type: count }
      - { id: y2025, label: January 2025, type: count }
      - { id: change, label: Change, type: number, in-brackets-after: y2025 }
    rows:
      - { id: a, label: Under 5, values: { y2024: 1436, y2025: "1,537 (+101)" } }
      - { id: b, label: 5 to 10, values: { y2024: 2000, y2025: "2,100 (+99)" } }
      - { id: c, label: 11 to 15, values: { y2024: 900, y2025: 880 } }
    relations:
      - difference: { column: change, is: y2025 - y2024 }
"#),
    );
    let md = "content/budget-2025/01-position.md";
    let text = std::fs::read_to_string(p.path().join(md)).unwrap();
    p.write(md, &(text + "\n{{ table(\"plans\") }}\n"));
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(
        e.contains("error[Q0035]: `b/change` is typed as 99 but the figures give 100"),
        "{e}"
    );
    assert_eq!(e.matches("error[").count(), 1, "{e}");
    // Corrected, it builds: the value and its change in one cell.
    let fixed = std::fs::read_to_string(p.path().join(paper))
        .unwrap()
        .replace("\"2,100 (+99)\"", "\"2,100 (+100)\"");
    p.write(paper, &fixed);
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    for want in [
        "Age January 2024 January 2025",
        "Under 5 1,436 1,537 (+101)",
        "5 to 10 2,000 2,100 (+100)",
        "11 to 15 900 880 (−20)",
    ] {
        assert!(pdf.contains(want), "missing {want:?} in {pdf}");
    }
    assert!(!pdf.contains("Change"), "{pdf}");
    let html = std::fs::read_to_string(p.path().join("out/budget-2025.html")).unwrap();
    assert!(
        html.contains("1,537 (+101)") && html.contains("880 (−20)"),
        "{html}"
    );
    let csv = std::fs::read_to_string(p.path().join("out/budget-2025.plans.csv")).unwrap();
    assert_eq!(
        csv,
        "Age,January 2024,January 2025,Change\nUnder 5,1436,1537,101\n5 to 10,2000,2100,100\n11 to 15,900,880,-20\n"
    );
}

/// Issue 21: where the council leaves a cell blank, `empty: blank` prints it
/// blank in every edition; without it, the project's no-data words, as before.
#[test]
fn a_cell_the_council_leaves_blank_prints_blank() {
    let code = |o: &std::process::Output| o.status.code().unwrap_or(-1);
    let p = Project::fixture("minimal");
    let paper = "content/budget-2025/paper.yaml";
    let y = std::fs::read_to_string(p.path().join(paper)).unwrap();
    let table = r#"layout: committee-report@3
tables:
  - id: visits
    title: Visits by quarter
    row-heading: Site
    EMPTY
    columns:
      - { id: q1, label: Q1, type: count }
      - { id: q2, label: Q2, type: count }
    rows:
      - { id: north, label: North, values: { q1: 12, q2: 15 } }
      - { id: south, label: South, values: { q1: 9 } }
"#;
    let md = "content/budget-2025/01-position.md";
    let text = std::fs::read_to_string(p.path().join(md)).unwrap();
    p.write(md, &(text + "\n{{ table(\"visits\") }}\n"));
    for (empty, south) in [
        ("empty: blank", "South 9 2. Recommendation"),
        ("", "South 9 no data 2. Recommendation"),
    ] {
        p.write(paper, &(y.clone() + &table.replace("EMPTY", empty)));
        let o = p.run(&["build", "--format", "all"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let pdf = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
        assert!(pdf.contains(south), "{empty}: {pdf}");
        let html = std::fs::read_to_string(p.path().join("out/budget-2025.html")).unwrap();
        assert_eq!(
            html.contains("<span class=\"nodata\">"),
            empty.is_empty(),
            "{empty}: {html}"
        );
    }
}
