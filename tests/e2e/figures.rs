//! Figures printed as the council publishes them (issues 21 and 26): one
//! rounding rule in every template filter, typed figures with the places they
//! were typed with in the PDF, HTML, CSV and workbook alike, percentage points
//! that are not per cent, a £m cell quoted once, and declared tables longer
//! than a page that break across pages (version 3) or are warned of (earlier).

use crate::harness::*;

const DOC: &str = "rates-2025";

fn built() -> Project {
    let p = Project::fixture("figures-printed");
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    p
}

/// The text of an HTML page, tags dropped and runs of space collapsed.
fn html_words(p: &Project) -> String {
    let html = std::fs::read_to_string(p.path().join(format!("out/{DOC}.html"))).unwrap();
    let mut out = String::new();
    let mut tag = false;
    for c in html.split("<body").nth(1).unwrap_or(&html).chars() {
        match c {
            '<' => tag = true,
            '>' => {
                tag = false;
                out.push(' ');
            }
            c if !tag => out.push(c),
            _ => {}
        }
    }
    squash(&out.replace("&amp;", "&").replace("&#x27;", "'"))
}

#[test]
fn every_filter_rounds_half_away_from_zero_in_print() {
    let p = built();
    let pdf = squash(&pdf_text(&p.path().join(format!("out/{DOC}.pdf"))));
    let html = html_words(&p);
    // 2.25 £m, 2.675, 12.25%, 1.005, −2.5% at no places, −0.004, −£0.4.
    let want = "Filters: £2.3 million; 2.68; 12.3%; 1.01; −3%; 0; (£0.40).";
    assert!(pdf.contains(want), "{pdf}");
    assert!(html.contains(want), "{html}");
}

#[test]
fn quoted_figures_keep_their_value_and_unit() {
    let p = built();
    let pdf = squash(&pdf_text(&p.path().join(format!("out/{DOC}.pdf"))));
    // A £m cell of 0.05 (printed 0.1 at its column's one place) is £50,000,
    // not £100,000; a typed 28.607 is quoted as typed; a difference of two
    // percentages is in percentage points.
    let want = "Tuition is budgeted at £50,000 and forecast at 28.607. Primary rose by 4.0 percentage points; secondary changed by −1.5 percentage points.";
    assert!(pdf.contains(want), "{pdf}");
    assert!(html_words(&p).contains(want));
    // A row in its own unit (£ in a table of numbers): its label says so and
    // `money` knows it.
    let want = "A place costs £16,483 a year.";
    assert!(pdf.contains(want), "{pdf}");
    assert!(pdf.contains("Cost per place (£) 16,483"), "{pdf}");
    assert!(html_words(&p).contains("Cost per place (£) 16,483"));
}

/// One figure reads the same in every edition: the typed 28.607 and 7.00 of a
/// column without declared places as typed, the declared one-place column at
/// one place, the difference of percentages headed (pp).
#[test]
fn typed_figures_print_as_typed_in_every_edition() {
    use calamine::{DataType, Reader, Xlsx};
    let p = built();
    let pdf = squash(&pdf_text(&p.path().join(format!("out/{DOC}.pdf"))));
    let html = html_words(&p);
    for text in [&pdf, &html] {
        assert!(text.contains("Tuition 0.1 28.607"), "{text}");
        assert!(text.contains("Transport 12.3 7.00"), "{text}");
        assert!(text.contains("Total 12.3 36"), "{text}");
        assert!(text.contains("Change (pp)"), "{text}");
        // The council's signs: a declared + on changes, this table's brackets.
        assert!(text.contains("Primary 10.5 14.5 +4.0"), "{text}");
        assert!(text.contains("Secondary 12.0 10.5 (1.5)"), "{text}");
        assert!(!text.contains("Change (%)"), "{text}");
    }
    let csv = std::fs::read_to_string(p.path().join(format!("out/{DOC}.budget.csv"))).unwrap();
    assert_eq!(
        csv,
        "Line,Budget (£m),Forecast (£m)\nTuition,0.1,28.607\nTransport,12.3,7.00\nTotal,12.3,36\n"
    );
    let csv = std::fs::read_to_string(p.path().join(format!("out/{DOC}.rates.csv"))).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("Phase,January 2024 (%),January 2025 (%),Change (pp)")
    );
    let mut wb: Xlsx<_> =
        calamine::open_workbook(p.path().join(format!("out/{DOC}.xlsx"))).unwrap();
    let v = wb.worksheet_range("budget").unwrap();
    let n = |r: u32, c: u32| v.get_value((r, c)).and_then(|d| d.as_f64());
    assert_eq!(n(1, 2), Some(28.607));
    assert_eq!(n(2, 2), Some(7.0));
    let v = wb.worksheet_range("rates").unwrap();
    assert_eq!(
        v.get_value((0, 3)).and_then(|d| d.get_string()),
        Some("Change (pp)")
    );
    // The workbook shows each typed figure with the places it was typed with.
    let styles = unzip(&p.path().join(format!("out/{DOC}.xlsx")), "xl/styles.xml");
    assert!(styles.contains(r##"formatCode="#,##0.000""##), "{styles}");
    assert!(styles.contains(r##"formatCode="#,##0.00""##), "{styles}");
}

/// One part of a zip file (a workbook), as text.
fn unzip(path: &std::path::Path, part: &str) -> String {
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile;sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
        ])
        .arg(path)
        .arg(part)
        .output()
        .expect("python3 reads the workbook");
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A declared table of 61 rows: on version 3 it breaks across pages with its
/// header repeated, every row legible and the layout check clean; on version
/// 2 (tables-v1, frozen) `check` warns and says how to move up.
#[test]
fn a_long_table_breaks_across_pages_or_is_warned_of() {
    let p = built();
    let pdf = p.path().join(format!("out/{DOC}.pdf"));
    let text = squash(&pdf_text(&pdf));
    for i in 1..=60 {
        assert!(
            text.contains(&format!("School {i:02} {}", 100 + i)),
            "row {i} is legible: {text}"
        );
    }
    assert!(text.contains("All schools 7,830"), "{text}");
    let o = std::process::Command::new("python3")
        .arg(repo().join("tests/tools/layout-check.py"))
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    let file = format!("content/{DOC}/paper.yaml");
    let yaml = std::fs::read_to_string(p.path().join(&file)).unwrap();
    p.write(
        &file,
        &yaml.replace(
            "committee: Schools Forum",
            "layout: committee-report@2\ncommittee: Schools Forum",
        ),
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = redact(&stderr(&o), p.path());
    snapshot(
        &repo().join("tests/fixtures/figures-printed/expected/long-table-v2.txt"),
        &e,
    );
    assert_eq!(e.matches("warning[Q0140]").count(), 1, "{e}");
    // What it warns of: built on tables-v1, rows 47 onward and the total are
    // piled at the foot of a page, and the layout check says so.
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = std::process::Command::new("python3")
        .arg(repo().join("tests/tools/layout-check.py"))
        .arg(&pdf)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{report}");
    assert!(report.contains("overprinted rows: "), "{report}");
    assert!(report.contains("(147, 148, 149"), "{report}");
}
