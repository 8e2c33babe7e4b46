//! The DfE Safety Valve return: computed figures, published-figure warnings,
//! locks on submitted updates, CSV tables, and a council with other periods and scales.

use crate::harness::*;

#[test]
fn kent_return_builds_with_computed_figures_and_acknowledged_published_ones() {
    let p = Project::demo();
    let o = p.run(&["build", "kent-sv-2024-25-q1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    // The figures the council published that do not add up (the reference prints them
    // so) are acknowledged in the data: printed as published, marked, with no warning
    // on every build; `check -v` lists each with its reason.
    assert!(!e.contains("Q0036"), "{e}");
    let v = p.run(&["check", "kent-sv-2024-25-q1", "-v"]);
    let ve = stderr(&v);
    assert!(v.status.success(), "{ve}");
    for want in [
        // The tables engine's acknowledged note, as for any declared table:
        // the figure as written, the figures' at full precision, the relation.
        "note[Q0036]: acknowledged: the 2022-23 variance is printed as published (-12.0), not as the figures give it (-11.8)",
        "published -12.0, acknowledged; the figures give -11.8",
        "note[Q0036]: acknowledged: the total of `Safety Valve Jan 24 estimated number of EHCPs` is printed as published (20027), not as the figures give it (20028)",
        "published 20027, acknowledged; the figures give 20028",
        "note[Q0036]: acknowledged: the total of `Safety Valve Jan 25 estimated number of EHCPs` is printed as published (20143), not as the figures give it (20144)",
    ] {
        assert!(ve.contains(want), "missing {want:?} in:\n{ve}");
    }
    assert_eq!(
        ve.matches("the relation that determines it").count(),
        3,
        "{ve}"
    );
    assert_eq!(
        ve.matches("help: remove `acknowledged` to be warned again, or `published` to print the computed figure").count(),
        3,
        "{ve}"
    );
    assert_eq!(
        ve.matches("reason: as published in the Q1 2024-25 return")
            .count(),
        3,
        "{ve}"
    );
    assert!(!ve.contains("warning[Q0036]"), "{ve}");
    let text = squash(&pdf_text(&p.path().join("out/kent-sv-2024-25-q1.pdf")));
    for want in [
        "Safety Valve monitoring template: Kent County Council",
        "Date submitted 29 May 2024",
        "Signed off by Acting S151 Officer John Betts",
        "Signed off by Director of Children’s Services Sarah Hammond",
        // A signed return reads as the council's statement (version 3): the
        // figures as published, no mark or note of quire's check (that stays
        // in `check -v`, above), and a RAG the return leaves blank, blank.
        "2022-23 129.7 117.9 −12.0 2023-24 156.1 142.3 −13.8 2024-25",
        "19,406 19,858 20,143",
        "Assurance level Green not yet due not yet due",
        // The template's prompts before the answers.
        "To include: (a) whether the local authority is on course for a £0 DSG deficit",
        "say which area you want support in and, briefly, how it would help. 1. Reducing demand for EHCPs",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    for never in [
        "†",
        "The figures in this table give",
        "not rated",
        "Variance is the forecast",
        "sum of the age bands",
    ] {
        assert!(!text.contains(never), "{never:?} printed in:\n{text}");
    }
    let summary = text.find("Summary of progress").unwrap();
    assert!(
        text[summary..].find("To include:")
            < text[summary..].find("Kent County Council remains committed"),
        "the prompt comes before the answer"
    );
    let html = {
        let o = p.run(&["build", "kent-sv-2024-25-q1", "--format", "html", "--force"]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(p.path().join("out/kent-sv-2024-25-q1.html")).unwrap()
    };
    assert!(
        html.contains("<p class=\"prompt\"><em>To include: (a) whether"),
        "{html}"
    );
    for never in ["†", "The figures in this table give", "not rated"] {
        assert!(!html.contains(never), "{never:?} in the HTML");
    }
    for n in 1..=9 {
        assert!(
            text.contains(&format!("Agreement condition {n}")),
            "condition {n} missing"
        );
    }
    for n in 1..=7 {
        assert!(text.contains(&format!("Risk {n}:")), "risk {n} missing");
    }
    // The tables are exported for spreadsheets too, by the tables engine:
    // figures as printed (the published variance as published), units in headers.
    let csv = std::fs::read_to_string(p.path().join("out/kent-sv-2024-25-q1.deficit.csv")).unwrap();
    assert!(
        csv.starts_with(
            "Year,Per SV Agreement Letter October 22 (£m),Per Update 3 (£m),Variance (£m),RAG\n"
        ),
        "{csv}"
    );
    assert!(csv.contains("2022-23,129.7,117.9,-12.0,\n"), "{csv}");
    assert!(csv.contains("2023-24,156.1,142.3,-13.8,\n"), "{csv}");
    // No RAG rule is declared: only the published RAGs are printed.
    assert!(
        csv.contains("2026-27,163.1,163.1,0.0,Amber\n")
            && csv.contains("2027-28,140.0,140.0,0.0,Amber\n"),
        "{csv}"
    );
    let ehcp = std::fs::read_to_string(p.path().join("out/kent-sv-2024-25-q1.ehcp.csv")).unwrap();
    assert!(
        ehcp.starts_with("Age band,Safety Valve Jan 24 estimated number of EHCPs (estimate),Actual Jan 24 number of EHCPs,"),
        "{ehcp}"
    );
    assert!(ehcp.contains("\nTotal,20027,19406,19858,20143\n"), "{ehcp}");
    // And as one spreadsheet, byte-identical when rebuilt (dated by the submission, not the clock).
    let xlsx = std::fs::read(p.path().join("out/kent-sv-2024-25-q1.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"), "not an xlsx (zip) file");
    assert!(
        p.run(&["build", "kent-sv-2024-25-q1", "--out", "again"])
            .status
            .success()
    );
    assert!(
        xlsx == std::fs::read(p.path().join("again/kent-sv-2024-25-q1.xlsx")).unwrap(),
        "the spreadsheet differs between builds"
    );
}

#[test]
fn the_returns_deficit_and_ehcp_sheets_recompute_to_the_printed_figures() {
    use calamine::{DataType, Reader, Xlsx};
    use std::io::Read;
    let p = Project::demo();
    let o = p.run(&["build", "kent-sv-2024-25-q1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = p.path().join("out/kent-sv-2024-25-q1.xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Deficit", "EHCPs", "Conditions", "Risks"]
    );
    let text = squash(&pdf_text(&p.path().join("out/kent-sv-2024-25-q1.pdf")));
    // Deficit: the variance is forecast − agreement as a formula, cached at
    // the figure printed; the published 2022-23 variance is a number.
    let f = wb.worksheet_formula("Deficit").unwrap();
    let v = wb.worksheet_range("Deficit").unwrap();
    let num = |r: u32, c: u32| v.get_value((r, c)).and_then(|d| d.as_f64()).unwrap();
    let formula = |r: u32, c: u32| f.get_value((r, c)).cloned().unwrap_or_default();
    assert_eq!(formula(1, 3), "", "the published variance became a formula");
    assert_eq!(num(1, 3), -12.0);
    let mut variances = 0;
    for r in 2..=6 {
        assert_eq!(formula(r, 3), format!("C{0}-B{0}", r + 1));
        let recomputed = num(r, 2) - num(r, 1);
        assert!(
            (recomputed - num(r, 3)).abs() < 1e-9,
            "row {r}: {recomputed}"
        );
        variances += 1;
    }
    assert_eq!(variances, 5);
    assert_eq!(num(2, 3), -13.8);
    assert!(text.contains("2023-24 156.1 142.3 −13.8"), "{text}");
    assert_eq!(
        v.get_value((6, 4)).and_then(|d| d.get_string()),
        Some("Amber")
    );
    // EHCPs: each total is a SUM of its bands, except the published ones.
    let f = wb.worksheet_formula("EHCPs").unwrap();
    let v = wb.worksheet_range("EHCPs").unwrap();
    let num = |r: u32, c: u32| v.get_value((r, c)).and_then(|d| d.as_f64()).unwrap();
    for c in 1..=4u32 {
        let formula = f.get_value((6, c)).cloned().unwrap_or_default();
        let col = (b'A' + c as u8) as char;
        if c == 1 || c == 4 {
            assert_eq!(formula, "", "a published total became a formula");
        } else {
            assert_eq!(formula, format!("SUM({col}2,{col}3,{col}4,{col}5,{col}6)"));
            let sum: f64 = (1..=5).map(|r| num(r, c)).sum();
            assert_eq!(sum, num(6, c));
        }
    }
    assert_eq!(
        [num(6, 1), num(6, 2), num(6, 3), num(6, 4)],
        [20027.0, 19406.0, 19858.0, 20143.0]
    );
    assert!(text.contains("19,406 19,858 20,143"), "{text}");
    // A published figure is marked with a note giving the computed one.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut notes = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().starts_with("xl/comments") {
            f.read_to_string(&mut notes).unwrap();
        }
    }
    for want in [
        "As published. The figures in this table give −11.8.",
        "As published. The figures in this table give 20,028.",
        "As published. The figures in this table give 20,144.",
    ] {
        assert!(notes.contains(want), "missing {want:?} in {notes}");
    }
}

#[test]
fn quarterly_council_with_its_own_scale_and_kpis() {
    let p = Project::fixture("valve-quarterly");
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    for want in [
        "Safety Valve monitoring template: Northshire Council",
        "Condition 1 Q1 Q2 Q3 Assurance level Good Good not yet due",
        "Condition 2 Q1 Q2 Q3 Assurance level Low Medium not yet due",
        "Total number of EHCPs 3,760 3,768 3,740",
        "K1 Children with an EHCP taught in mainstream settings (%; 44.0 / 43.2 45.0 / 45.4 46.0 / not",
        "(days; lower is better)",
        "Amber Green",
        "Red Amber",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // The council's own scale is used for assurance; nothing is hard-wired to Green/Amber/Red.
    assert!(text.contains("Assurance scale: Good"), "{text}");
}

#[test]
fn invalid_return_reports_every_problem() {
    let p = Project::fixture("invalid-valve");
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

#[test]
fn a_locked_update_cannot_change_by_accident() {
    let p = Project::demo();
    let o = p.run(&["lock", "kent-sv-2024-25-q1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("locked Update 1 (May) of kent-sv-2024-25-q1"));
    assert!(
        p.path()
            .join("content/kent-sv-2024-25-q1/quire.lock")
            .exists()
    );
    assert!(p.run(&["check", "kent-sv-2024-25-q1"]).status.success());
    // Someone edits condition 3's May rating after submission.
    let path = p.path().join("content/kent-sv-2024-25-q1/return.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let pos = yaml.find("  - number: 3").unwrap();
    let edited = format!(
        "{}{}",
        &yaml[..pos],
        yaml[pos..].replacen("assurance: { may: Green }", "assurance: { may: Amber }", 1)
    );
    assert_ne!(yaml, edited);
    std::fs::write(&path, edited).unwrap();
    p.write("out/kent-sv-2024-25-q1.pdf", "submitted copy");
    let o = p.run(&["build", "kent-sv-2024-25-q1"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("error[Q0037]: condition 3 assurance of `Update 1 (May)` changed after the update was submitted and locked"), "{e}");
    assert!(e.contains("differs from the submitted version"), "{e}");
    assert_eq!(
        std::fs::read_to_string(p.path().join("out/kent-sv-2024-25-q1.pdf")).unwrap(),
        "submitted copy"
    );
}

/// The deficit profile's RAG is a rating column of the engine's table: each
/// year's rating as published (or by a declared tolerance), none where the
/// return publishes none and declares no rule. The PDF, the HTML, the CSV
/// and the workbook's `Deficit` sheet all take it from that one column.
#[test]
fn the_deficit_rag_is_a_rating_column_of_the_engine_table() {
    use calamine::{DataType, Reader, Xlsx};
    let p = Project::demo();
    let o = p.run(&[
        "build",
        "kent-sv-2024-25-q1",
        "--keep-sources",
        "--format",
        "all",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = p.path().join("out");
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("kent-sv-2024-25-q1.src/data.json")).unwrap(),
    )
    .unwrap();
    let t = &data["sv"]["deficit"]["table"];
    assert_eq!(
        t["columns"][3],
        serde_json::json!({"label": "RAG", "numeric": false, "type": "rating"})
    );
    let engine: Vec<Option<&str>> = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"][3]["text"].as_str())
        .collect();
    // The return publishes Amber for the last two years, no rating before, and
    // declares no tolerance: nothing is computed.
    assert_eq!(
        engine,
        [None, None, None, None, Some("Amber"), Some("Amber")]
    );
    let csv = std::fs::read_to_string(out.join("kent-sv-2024-25-q1.deficit.csv")).unwrap();
    let from_csv: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    let mut wb: Xlsx<_> = calamine::open_workbook(out.join("kent-sv-2024-25-q1.xlsx")).unwrap();
    let v = wb.worksheet_range("Deficit").unwrap();
    assert_eq!(
        v.get_value((0, 4)).and_then(|d| d.get_string()),
        Some("RAG")
    );
    for (r, e) in engine.iter().enumerate() {
        assert_eq!(from_csv[r], e.unwrap_or(""), "CSV row {r}");
        let cell = v
            .get_value((r as u32 + 1, 4))
            .and_then(|d| d.get_string().map(String::from));
        assert_eq!(cell.as_deref(), *e, "sheet row {r}");
    }
    // Printed: the rating in words; none left blank, as the return leaves it
    // (safety-valve@3; @2 printed the project's `not-rated` words).
    let pdf = squash(&pdf_text(&out.join("kent-sv-2024-25-q1.pdf")));
    assert!(!pdf.contains("not rated"), "{pdf}");
    for want in [
        "2023-24 156.1 142.3 −13.8 2024-25",
        "2026-27 163.1 163.1 0.0 Amber 2027-28 140.0 140.0 0.0 Amber",
    ] {
        assert!(pdf.contains(want), "{want:?} not in the PDF");
    }
    let html = crate::meaning::html_text(&out.join("kent-sv-2024-25-q1.html"));
    for want in [
        "2022-23 129.7 117.9 −12.0 2023-24",
        "2026-27 163.1 163.1 0.0 Amber",
        "2027-28 140.0 140.0 0.0 Amber",
    ] {
        assert!(html.contains(want), "{want:?} not in the HTML");
    }
}

/// A KPI's figures for an update not yet due say so, as the assurance tables
/// beside them do, not "no data"; the measure reads "(unit; polarity)" in the
/// PDF as in the HTML (safety-valve@2).
#[test]
fn kpi_figures_of_an_update_not_yet_due_say_so_in_pdf_and_html() {
    let p = Project::fixture("valve-quarterly");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    let kpis = &pdf[pdf
        .find("Key performance indicators")
        .expect("a KPI section")..];
    let kpis = &kpis[..kpis.find("RAG rules").expect("the RAG rules under it")];
    assert!(!kpis.contains("no data"), "{kpis}");
    // Targets as the council typed them (46.0, not 46).
    for want in ["46.0 / not", "130 / not", "290 / not"] {
        assert!(kpis.contains(want), "missing {want:?} in:\n{kpis}");
    }
    assert_eq!(kpis.matches("yet due").count(), 3, "{kpis}");
    assert!(kpis.contains("(days; lower is better)"), "{kpis}");
    assert!(kpis.contains("(%;"), "{kpis}");
    let html = crate::meaning::html_text(&p.path().join("out/northshire-sv-2025-26.html"));
    for want in [
        "(days; lower is better)",
        "46.0 / not yet due",
        "130 / not yet due",
        "290 / not yet due",
    ] {
        assert!(html.contains(want), "missing {want:?} in:\n{html}");
    }
    // In the council's words, as its assurance tables.
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    let ours = q.replacen("defaults:\n", "defaults:\n  not-yet-due: Due later\n", 1);
    assert_ne!(ours, q);
    p.write("quire.yaml", &ours);
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    let html = crate::meaning::html_text(&p.path().join("out/northshire-sv-2025-26.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        assert!(!text.contains("not yet due"), "{what}: {text}");
    }
    assert!(pdf.contains("46.0 /") && pdf.contains("Due later"), "{pdf}");
    assert!(html.contains("46.0 / Due later"), "{html}");
}

/// A RAG published in other letters (`green`) is the same rating as the
/// engine's words (no warning), so it is printed in that rating's colour, as
/// published, never in the grey of an unknown word.
#[test]
fn a_rag_published_in_lower_case_keeps_its_colour() {
    let p = Project::fixture("valve-quarterly");
    let rel = "content/northshire-sv-2025-26/return.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    let changed = text.replace(
        "{ year: 2024-25, agreement: 14.2, forecast: 13.1 }",
        "{ year: 2024-25, agreement: 14.2, forecast: 13.1, rag: green }",
    );
    assert_ne!(changed, text);
    p.write(rel, &changed);
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Q0036"), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/northshire-sv-2025-26.html")).unwrap();
    assert!(
        html.contains(
            r#"<td class="c rating" style="background-color:#8fd19e;color:#000000">green</td>"#
        ),
        "the published `green` is not in Green's colour"
    );
}

/// Review: a risk of the return never ends a page on its ratings: its
/// heading, ratings and mitigation start on one page (Risk 7's mitigation had
/// gone over to the next page).
#[test]
fn a_returns_risk_keeps_its_ratings_with_its_mitigation() {
    let p = Project::demo();
    let o = p.run(&["build", "kent-sv-2024-25-q1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/kent-sv-2024-25-q1.pdf"));
    let mut seen = 0;
    for n in 1..=7 {
        let head = format!("Risk {n}: ");
        let Some(page) = pages.iter().find(|t| t.contains(&head)) else {
            continue;
        };
        seen += 1;
        let after = &page[page.find(&head).unwrap()..];
        assert!(after.contains("Mitigation"), "risk {n}'s page:\n{page}");
    }
    assert_eq!(seen, 7);
}

/// Issue 25 ("negatives in the return's own style"): the deficit profile may
/// say `negative: minus`, as any declared table may, and the return prints
/// −12.0 as the council's return does, not (12.0), in the PDF and the HTML.
#[test]
fn the_deficit_profile_prints_negatives_in_the_returns_style() {
    let p = Project::demo();
    let o = p.run(&["build", "kent-sv-2024-25-q1", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/kent-sv-2024-25-q1.pdf")));
    assert!(text.contains("129.7 117.9 −12.0"), "{text}");
    assert!(!text.contains("(12.0)"), "{text}");
    let html = std::fs::read_to_string(p.path().join("out/kent-sv-2024-25-q1.html")).unwrap();
    assert!(html.contains("−12.0") && !html.contains("(12.0)"));
}
