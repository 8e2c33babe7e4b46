//! What changed since the last report: a register's change account against
//! its previous snapshot (`{{ register_changes("…") }}`) in every edition, and
//! directions of travel published without a previous score.
//!
//! The fixture `risk-changes` has a register (`corporate`, June 2025) and its
//! March snapshot with one risk of each kind: CR05 new, CR02 closed, CR01
//! re-scored from 16 (High) to 12 (Medium), CR04 given another owner and CR03
//! unchanged; and a register with no snapshot (`place`) whose risks carry the
//! directions the council published.

use crate::harness::*;
use crate::meaning::html_text;

/// The rows of the first HTML table whose header has a `Change` cell, each
/// as its cells' text joined by ` | `, the header first.
fn account_rows(html: &str) -> Vec<String> {
    let cell_text = |s: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in s.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        squash(
            &out.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#x27;", "'")
                .replace("&quot;", "\""),
        )
    };
    for t in html.split("<table").skip(1) {
        let t = &t[..t.find("</table>").unwrap_or(t.len())];
        let rows: Vec<String> = t
            .split("<tr")
            .skip(1)
            .map(|row| {
                row.split("<t")
                    .skip(1)
                    .filter(|c| c.starts_with('h') || c.starts_with('d'))
                    .filter_map(|c| {
                        let body = &c[c.find('>')? + 1..];
                        Some(cell_text(&body[..body.find("</t").unwrap_or(body.len())]))
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        if rows.first().is_some_and(|h| h.contains("| Change |")) {
            return rows;
        }
    }
    Vec::new()
}

/// The text of a Word document's body: its runs' text, a space between.
fn docx_text(path: &std::path::Path) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut doc = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut doc).unwrap();
    let mut out = String::new();
    for part in doc.split("<w:t").skip(1) {
        // `<w:t>` or `<w:t xml:space=…>`, not `<w:tbl…>` or `<w:tc…>`.
        if !part.starts_with(['>', ' ']) {
            continue;
        }
        let Some(start) = part.find('>') else {
            continue;
        };
        let end = part.find("</w:t>").unwrap_or(part.len());
        if start < end {
            out.push_str(&part[start + 1..end]);
            out.push(' ');
        }
    }
    squash(
        &out.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

/// A PDF's text in reading order (pdftotext without `-layout`), so a table
/// cell wrapped over two lines reads as one phrase; spaces squashed.
fn pdf_reading_text(pdf: &std::path::Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed for tests: apt-get install poppler-utils");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    squash(&String::from_utf8_lossy(&o.stdout))
}

#[test]
fn the_change_account_is_printed_in_every_edition_from_the_snapshot() {
    let p = Project::fixture("risk-changes");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning["), "{}", stderr(&o));
    // The account's lines, as the HTML edition's table has them, in full:
    // the register's order (CR01, CR04, CR05), then the closed CR02.
    let html = std::fs::read_to_string(p.path().join("out/changes-2025.html")).unwrap();
    let rows = account_rows(&html);
    snapshot(
        &p.fixture.join("expected/changes.txt"),
        &format!("{}\n", rows.join("\n")),
    );
    assert_eq!(rows.len(), 5, "{rows:?}");
    // Header cells, in the HTML and the Word edition.
    let table = &html[html.find("As at 31 March 2025").unwrap() - 400..];
    assert!(table.contains("<th"), "{table}");
    let body = docx_text(&p.path().join("out/changes-2025.docx"));
    let mut z =
        zip::ZipArchive::new(std::fs::File::open(p.path().join("out/changes-2025.docx")).unwrap())
            .unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains("w:tblHeader"),
        "no header row in the Word edition"
    );
    let pdf = pdf_reading_text(&p.path().join("out/changes-2025.pdf"));
    let text = html_text(&p.path().join("out/changes-2025.html"));
    let header = "Risk Title Change As at 31 March 2025 As at 30 June 2025";
    assert!(text.contains(header), "HTML: no header in:\n{text}");
    assert!(body.contains(header), "Word: no header in:\n{body}");
    for want in [
        "Risk Title Change",
        "As at 31 March 2025",
        "As at 30 June 2025",
        "Re-scored: decreased, High to Medium",
        "16 (High)",
        "12 (Medium)",
        "New risk",
        "Local plan examination",
        "Owner changed",
        "Director of Housing",
        "Director of Place",
        "Closed",
        "Waste contract transition",
        "not in the register",
    ] {
        // The PDF reads a table of the engine column by column: its header
        // is checked on the page's lines below.
        if want != "Risk Title Change" {
            assert!(pdf.contains(want), "PDF: no {want:?} in:\n{pdf}");
        }
        assert!(text.contains(want), "HTML: no {want:?} in:\n{text}");
        assert!(body.contains(want), "Word: no {want:?} in:\n{body}");
    }
    // Placed twice: in the summary and in the narrative, in every edition.
    for (name, t) in [("PDF", &pdf), ("HTML", &text), ("Word", &body)] {
        assert_eq!(t.matches("Owner changed").count(), 2, "{name}: {t}");
    }
    // The unchanged risk has no line.
    assert!(!rows.iter().any(|r| r.starts_with("CR03")), "{rows:?}");
    // From version 3 the account is a table of the engine (issue 23): its
    // header on one line of the PDF, exported as a CSV file and a sheet of
    // the workbook like any table.
    let lines = std::process::Command::new("pdftotext")
        .args(["-layout", "-f", "1", "-l", "1"])
        .arg(p.path().join("out/changes-2025.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&lines.stdout).to_string();
    assert!(
        lines.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.join(" ") == header
        }),
        "{lines}"
    );
    let csv =
        std::fs::read_to_string(p.path().join("out/changes-2025.changes-corporate.csv")).unwrap();
    assert_eq!(
        csv,
        "Risk,Title,Change,As at 31 March 2025,As at 30 June 2025\n\
         CR01,Financial resilience,\"Re-scored: decreased, High to Medium\",16 (High),12 (Medium)\n\
         CR04,Housing supply,Owner changed,Director of Housing,Director of Place\n\
         CR05,Local plan examination,New risk,not in the register,9 (Medium)\n\
         CR02,Waste contract transition,Closed,9 (Medium),not in the register\n"
    );
    let wb: calamine::Xlsx<_> =
        calamine::open_workbook(p.path().join("out/changes-2025.xlsx")).unwrap();
    use calamine::Reader as _;
    assert!(
        wb.sheet_names().iter().any(|n| n.starts_with("changes")),
        "{:?}",
        wb.sheet_names()
    );
}

/// A paper on a version 2 layout prints the account as the Markdown table it
/// was released with, and exports none.
#[test]
fn a_version_2_paper_keeps_its_markdown_account() {
    let p = Project::fixture("risk-changes");
    let path = "content/changes-2025/paper.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &format!(
            "layout: committee-report@2\n{}",
            yaml.replace("    risk-pages: own ", "    # ")
        ),
    );
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/changes-2025.html")).unwrap();
    assert_eq!(account_rows(&html).len(), 5);
    assert!(
        !p.path()
            .join("out/changes-2025.changes-corporate.csv")
            .exists()
    );
    let pdf = pdf_reading_text(&p.path().join("out/changes-2025.pdf"));
    assert!(!pdf.contains("Table 1: Changes to the register"), "{pdf}");
}

/// A register that names no previous snapshot has no account: the function
/// prints nothing for it (no "no changes" line either), and a register whose
/// snapshot is removed loses its account.
#[test]
fn a_register_without_a_previous_snapshot_has_no_account() {
    let p = Project::fixture("risk-changes");
    let o = p.run(&["build", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = html_text(&p.path().join("out/changes-2025.html"));
    let place = &text[text.find("The Place directorate").unwrap()..];
    let place = &place[..place.find("Recommendation").unwrap_or(place.len())];
    assert!(!place.contains("Change As at"), "{place}");
    assert!(!place.contains("No risk was added"), "{place}");
    assert!(!text.contains("No risk was added"), "{text}");
    // Without `previous:`, no account anywhere.
    let path = "content/registers/corporate-2025-06.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replace("  previous: corporate-2025-03.yaml\n", ""),
    );
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = html_text(&p.path().join("out/changes-2025.html"));
    let pdf = squash(&pdf_text(&p.path().join("out/changes-2025.pdf")));
    for t in [&text, &pdf] {
        for gone in [
            "Owner changed",
            "Re-scored",
            "As at 31 March 2025",
            "No risk was added",
        ] {
            assert!(!t.contains(gone), "{gone:?} in:\n{t}");
        }
    }
    assert!(
        account_rows(&std::fs::read_to_string(p.path().join("out/changes-2025.html")).unwrap())
            .is_empty()
    );
}

/// A direction the council published is printed as published, the arrow and
/// its words, never with a "from" score; one that its previous rating or the
/// snapshot contradicts is a warning at the `direction:` value, and a word
/// that is not a direction an error listing the words (all reported at once).
#[test]
fn a_published_direction_prints_alone_and_a_contradicted_one_warns() {
    let p = Project::fixture("risk-changes");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/changes-2025.pdf")));
    let html = html_text(&p.path().join("out/changes-2025.html"));
    for want in [
        "PL01 Planning appeals backlog 12 (Medium) 6 (Low) ↓ (decreased)",
        "PL02 Temporary accommodation costs 16 (High) 12 (Medium) ↑ (increased)",
        "PL03 Town centre regeneration 8 (Medium) 6 (Low) NEW (new risk)",
        // The computed direction of the register with a snapshot, as before.
        "CR01 Financial resilience 12 (Medium) 9 (Medium) ↓ (reduced from 16)",
    ] {
        assert!(pdf.contains(want), "PDF: no {want:?} in:\n{pdf}");
    }
    for want in [
        "PL01 Planning appeals backlog 12 (Medium) 6 (Low) ↓ decreased",
        "PL02 Temporary accommodation costs 16 (High) 12 (Medium) ↑ increased",
    ] {
        assert!(html.contains(want), "HTML: no {want:?} in:\n{html}");
    }
    // Where a published direction meets a snapshot, the published one is
    // printed; where they disagree, a warning at the value.
    let path = "content/registers/corporate-2025-06.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    let with = |yaml: &str, id: &str, line: &str| {
        let at = yaml.find(&format!("  - id: {id}\n")).unwrap();
        let end = at + yaml[at..].find("    target:").unwrap();
        format!("{}{line}\n{}", &yaml[..end], &yaml[end..])
    };
    let yaml = with(&yaml, "CR01", "    direction: unchanged");
    let yaml = with(&yaml, "CR03", "    direction: new");
    let yaml = with(&yaml, "CR05", "    direction: new");
    p.write(path, &yaml);
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = redact(&stderr(&o), p.path());
    assert_eq!(e.matches("warning[Q0028]").count(), 2, "{e}");
    let pdf = squash(&pdf_text(&p.path().join("out/changes-2025.pdf")));
    assert!(
        pdf.contains("CR01 Financial resilience 12 (Medium) 9 (Medium) ↔ (unchanged)"),
        "{pdf}"
    );
    // A word that is not a direction: an error listing the words, reported
    // with the warnings.
    let yaml = yaml.replace(
        "    direction: new\n    target: { likelihood: 2, impact: 3 }",
        "    direction: reduced\n    target: { likelihood: 2, impact: 3 }",
    );
    p.write(path, &yaml);
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    snapshot(
        &p.fixture.join("expected/direction.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

/// From version 3 a paper's summary may place a table of the engine (the
/// account), and still no risk table, heat map or band count: one is an error
/// at the summary.
#[test]
fn a_summary_places_tables_and_no_other_generated_block() {
    let p = Project::fixture("risk-changes");
    let path = "content/changes-2025/paper.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replace(
            "  {{ register_changes(\"corporate\") }}\n",
            "  {{ register_changes(\"corporate\") }}\n\n  {{ heat_map(\"corporate\") }}\n",
        ),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0010]: a risk table, heat map or band count cannot be placed in this field\n   ┌─ content/changes-2025/paper.yaml:10:3"),
        "{e}"
    );
    assert_eq!(e.matches("error[").count(), 1, "{e}");
}
