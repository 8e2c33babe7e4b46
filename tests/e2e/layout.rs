//! Pages fit to publish: every demo and fixture PDF passes the layout check
//! (tests/tools/layout-check.py): no text printed over text, nothing outside the
//! page, no stray page holding only a repeated header and a few spilled words, no
//! heading left at the foot of a page, no short page that does not end its section,
//! no row split across pages without its label, no columns moving between tables
//! of one kind.

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixtures that build; the invalid ones are tested for their diagnostics.
const FIXTURES: &[&str] = &[
    "app-small",
    "figures-printed",
    "hostile",
    "layout-stress",
    "minimal",
    "risk-4x4",
    "second-council",
    "valve-quarterly",
];

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    v.sort();
    v
}

/// Runs the checker on `files`; returns its report when it finds a defect.
fn check(files: &[PathBuf]) -> Option<String> {
    let o = Command::new("python3")
        .arg(repo().join("tests/tools/layout-check.py"))
        .args(files)
        .output()
        .expect("python3 runs the layout check");
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("layout defect(s) in"),
        "the layout check did not run: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (!o.status.success()).then_some(out)
}

/// Pins every document to the current layouts: a fixture that names a published
/// (frozen) version still checks what the current version prints.
fn current_layouts(root: &Path) {
    for (name, v) in quire::validate::paper::LAYOUTS {
        for dir in std::fs::read_dir(root.join("content")).unwrap().flatten() {
            for f in [
                "paper.yaml",
                "return.yaml",
                "plan.yaml",
                "appendix.yaml",
                "meeting.yaml",
            ] {
                let p = dir.path().join(f);
                if let Ok(s) = std::fs::read_to_string(&p) {
                    let pinned = format!("layout: {name}@");
                    if let Some(i) = s.find(&pinned) {
                        let end = s[i..].find('\n').map_or(s.len(), |e| i + e);
                        let s = format!("{}layout: {name}@{v}{}", &s[..i], &s[end..]);
                        std::fs::write(&p, s).unwrap();
                    }
                }
            }
        }
    }
}

#[test]
fn the_checker_catches_text_printed_over_text_and_stray_pages() {
    // A layout that sets a table column too narrow for its words, and one that
    // spills a few words onto a page of their own: both must be caught.
    let p = Project::fixture("minimal");
    let layout = p.path().join("layouts/committee-report-v3.typ");
    let original = std::fs::read_to_string(&layout).unwrap();
    let bad = original.replace(
        "  cover(data, md)\n",
        "  cover(data, md)\n  table(columns: (1em, 1fr), [Overprinted words here], [more])\n  pagebreak()\n  [A few spilled words.]\n  pagebreak()\n",
    );
    assert_ne!(original, bad);
    std::fs::write(&layout, bad).unwrap();
    assert!(p.run(&["build"]).status.success());
    let report = check(&pdfs(&p.path().join("out"))).expect("defects found");
    assert!(report.contains("overlap: "), "{report}");
    assert!(
        report.contains("stray page: 'A few spilled words.'"),
        "{report}"
    );
}

/// What a reader of issue 25 found and the check missed: a row split across
/// pages with no label on the page it runs onto, a page under a quarter full
/// that does not end its section, and tables of one kind whose columns move.
#[test]
fn the_checker_catches_unlabelled_split_rows_short_pages_and_moving_columns() {
    let p = Project::fixture("minimal");
    // The paper names no version, so it prints on the current one; the
    // project's own copy of it overrides the shipped file.
    let layout = p.path().join("layouts/committee-report-v3.typ");
    let original = std::fs::read_to_string(repo().join("layouts/committee-report-v3.typ")).unwrap();
    // Words that differ, so that no line of the row repeats a line of the page before.
    let long: Vec<String> = (0..2500).map(|i| format!("word{i}")).collect();
    let long = long.join(" ");
    let bad = original.replace(
        "  cover(data, md)\n",
        &format!(
            "  cover(data, md)\n  pagebreak()\n  [A short page of a few lines: {}]\n  pagebreak()\n  table(columns: (3cm, 1fr), table.header([Label column], [Text column here]), [Row one], [{long}])\n",
            "a sentence that says little. ".repeat(6)
        ),
    );
    assert_ne!(original, bad);
    std::fs::write(&layout, bad).unwrap();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = check(&pdfs(&p.path().join("out"))).expect("defects found");
    assert!(
        report.contains("short page: under a quarter full"),
        "{report}"
    );
    assert!(
        report.contains("split row without its label: 'word"),
        "{report}"
    );

    // The APP report on version 2 sized each action table's columns from its
    // own cells; version 3 sizes them once for all, and passes.
    let demo = Project::demo();
    let path = "content/send-app-2023/plan.yaml";
    let yaml = std::fs::read_to_string(demo.path().join(path)).unwrap();
    demo.write(
        path,
        &yaml.replace("layout: app-report@3\n", "layout: app-report@2\n"),
    );
    assert!(demo.run(&["build", "send-app-2023"]).status.success());
    let report = check(&[demo.path().join("out/send-app-2023.pdf")]).expect("defects found");
    assert!(
        report.contains("moving columns: 'By' of 'Action By"),
        "{report}"
    );
    demo.write(path, &yaml);
    assert!(demo.run(&["build", "send-app-2023"]).status.success());
    assert_eq!(check(&[demo.path().join("out/send-app-2023.pdf")]), None);
}

#[test]
fn every_demo_and_fixture_page_is_fit_to_publish() {
    let mut failures = String::new();
    let demo = Project::demo();
    assert!(demo.run(&["build"]).status.success());
    assert!(demo.run(&["pack"]).status.success());
    let files = pdfs(&demo.path().join("out"));
    assert!(files.len() >= 5, "{files:?}");
    if let Some(r) = check(&files) {
        failures.push_str(&r);
    }
    for name in FIXTURES {
        let p = Project::fixture(name);
        current_layouts(p.path());
        let o = p.run(&["build"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let files = pdfs(&p.path().join("out"));
        assert!(!files.is_empty(), "{name} built no PDF");
        if let Some(r) = check(&files) {
            let root = p.path().display().to_string();
            failures.push_str(&r.replace(&root, name));
        }
    }
    let root = demo.path().display().to_string();
    assert!(failures.is_empty(), "{}", failures.replace(&root, "[DEMO]"));
}

fn outline_titles(pdf: &Path) -> String {
    let o = Command::new("qpdf")
        .args(["--json=2", "--json-key=outlines"])
        .arg(pdf)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn conditions_risks_and_areas_are_bookmarked_headings_and_sheets_say_whose_page_it_is() {
    let p = Project::demo();
    assert!(p.run(&["build"]).status.success());
    let out = p.path().join("out");
    let sv = outline_titles(&out.join("kent-sv-2024-25-q1.pdf"));
    for t in [
        "\"Agreement condition 1\"",
        "\"Agreement condition 8\"",
        "\"Risk 1: Early Years forecast",
        "\"Risk 7: Changes in School Funding Forum Membership\"",
    ] {
        assert!(sv.contains(t), "{t} not bookmarked");
    }
    let risk = outline_titles(&out.join("cype-risk-2019.pdf"));
    for t in ["\"CRR0001: Safeguarding", "\"CRR0044: High Needs Funding"] {
        assert!(risk.contains(t), "{t} not bookmarked");
    }
    let app = outline_titles(&out.join("send-app-2023.pdf"));
    assert!(app.contains("\"Area 1: Parents widely doubt"), "{app}");
    // A risk sheet running onto a second page names its risk there.
    let pages = pdf_pages(&out.join("cype-risk-2019.pdf"));
    let cont = pages
        .iter()
        .filter(|p| p.contains("CRR0001 (continued)"))
        .count();
    assert!(cont >= 1, "no continuation header for CRR0001");
    // And the outputs never name the tool.
    for f in pdfs(&out) {
        let t = pdf_text(&f).to_lowercase();
        let named = t
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "quire");
        assert!(!named, "{} names the tool", f.display());
    }
}

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#1d4f91"/></svg>"##;

#[test]
fn the_council_logo_and_house_style_come_from_quire_yaml() {
    let p = Project::fixture("minimal");
    p.write("branding/crest.svg", LOGO);
    p.write(
        "quire.yaml",
        "organisation:\n  name: Testshire County Council\n  logo: { file: branding/crest.svg, alt: Testshire County Council crest }\nhouse-style:\n  body-size: 12\n  table-size: 10\n  margins: { x: 25, top: 25, bottom: 20 }\n",
    );
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = p.path().join("out/budget-2025.pdf");
    // The council's name heads the cover sheet, above the paper's own fields.
    let first = pdf_pages(&pdf)[0].clone();
    let name = first
        .find("Testshire County Council")
        .expect("council name on the cover");
    assert!(name < first.find("From:").unwrap(), "{first}");
    // The logo is a figure with its alternative text in the tag tree.
    let qdf = p.path().join("qdf.pdf");
    let st = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(&pdf)
        .arg(&qdf)
        .status()
        .unwrap();
    assert!(st.success());
    let raw = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).to_string();
    // …on a Figure structure element of the tag tree, not merely somewhere in the file.
    let at = raw
        .find("/Alt (Testshire County Council crest)")
        .expect("no alt text for the logo");
    let object = &raw[raw[..at].rfind(" obj").unwrap()..at + raw[at..].find("endobj").unwrap()];
    assert!(
        object.contains("/S /Figure") && object.contains("/Type /StructElem"),
        "the logo's alt text is not on a Figure in the tag tree:\n{object}"
    );
    // The logo is an input of the paper: changing it rebuilds the paper.
    let m = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    assert!(m.contains("\"branding/crest.svg\""), "{m}");
    p.write("branding/crest.svg", &LOGO.replace("1d4f91", "003366"));
    assert!(stderr(&p.run(&["build"])).contains("built 1 of 1 document(s)"));

    // A logo outside the project and type too small for a reader are refused, located.
    p.write(
        "quire.yaml",
        "organisation:\n  name: Testshire County Council\n  logo: { file: ../crest.svg, alt: Crest }\nhouse-style:\n  table-size: 8\n  font: Comic Sans\n",
    );
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0011]: `../crest.svg` is not a logo file inside the project"),
        "{e}"
    );
    assert!(
        e.contains("error[Q0007]: table size 8 pt is outside 9–16 pt"),
        "{e}"
    );
    assert!(e.contains("help: give a table size from 9 to 16 pt"), "{e}");
    assert!(e.contains("Comic Sans"), "{e}");
    p.write(
        "quire.yaml",
        "organisation:\n  name: Testshire County Council\n  logo: { file: missing.png, alt: Crest }\n",
    );
    let e = stderr(&p.run(&["build"]));
    assert!(
        e.contains(
            "error[Q0011]: the logo `missing.png` cannot be used: no such file in the project"
        ),
        "{e}"
    );
    // A few bytes of PNG declaring 60000 × 60000 pixels (unpacked in full
    // when the PDF is written) are refused before Typst reads them.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend(60_000u32.to_be_bytes());
    png.extend(60_000u32.to_be_bytes());
    png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(p.path().join("missing.png"), png).unwrap();
    let o = p.run(&["build"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0011]: the logo `missing.png` cannot be used: a PNG of 60000 × 60000 pixels (a logo needs at most 25000000 pixels)"),
        "{e}"
    );
}

#[test]
fn the_pack_prints_each_title_once_and_joins_names_as_the_agenda_does() {
    let p = Project::demo();
    assert!(p.run(&["build"]).status.success());
    let o = p.run(&["pack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/send-sub-2023-09-pack.pdf"));
    let front = squash(&pages[0]);
    assert!(front.starts_with("Kent County Council"), "{front}");
    assert!(
        front.contains("Mr A Sandhu, MBE and Mr M Whiting"),
        "{front}"
    );
    for title in [
        "Minutes of the meeting held on 25 July 2023",
        // Item 6 is a committee paper: its cover names its subject once.
        "Subject: LGSCO Public Report Actions",
    ] {
        let page = pages
            .iter()
            .skip(1)
            .map(|p| squash(p))
            .find(|p| p.contains(title))
            .unwrap_or_else(|| panic!("{title} not in the pack"));
        assert_eq!(page.matches(title).count(), 1, "{title} printed twice");
    }
}

/// Every bookmark title in a PDF (qpdf's outlines, walked to every depth).
fn bookmarks(pdf: &Path) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        for o in v.as_array().into_iter().flatten() {
            if let Some(t) = o["title"].as_str() {
                out.push(t.to_string());
            }
            walk(&o["kids"], out);
        }
    }
    let json: serde_json::Value = serde_json::from_str(&outline_titles(pdf)).unwrap();
    let mut out = Vec::new();
    walk(&json["outlines"], &mut out);
    out
}

#[test]
fn every_condition_risk_and_area_is_bookmarked() {
    let p = Project::demo();
    let o = p.run(&["build", "--keep-sources"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = p.path().join("out");
    let data = |d: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{d}.src/data.json"))).unwrap(),
        )
        .unwrap()
    };
    let mut missing = Vec::new();
    let mut want = |pdf: &str, titles: Vec<String>| {
        let marks = bookmarks(&out.join(format!("{pdf}.pdf")));
        assert!(titles.len() > 3, "{pdf}: too few titles to look for");
        for t in titles {
            if !marks.iter().any(|m| m.starts_with(&t)) {
                missing.push(format!("{pdf}: {t:?} is not bookmarked"));
            }
        }
    };
    let sv = data("kent-sv-2024-25-q1");
    let mut titles: Vec<String> = sv["sv"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("Agreement condition {}", c["number"].as_str().unwrap()))
        .collect();
    titles.extend(sv["sv"]["risks"].as_array().unwrap().iter().map(|r| {
        format!(
            "Risk {}: {}",
            r["number"].as_str().unwrap(),
            r["title"].as_str().unwrap()
        )
    }));
    want("kent-sv-2024-25-q1", titles);
    let paper = data("cype-risk-2019");
    let mut titles = Vec::new();
    for a in paper["paper"]["appendices"].as_array().unwrap() {
        if a["kind"] == "register" {
            let reg = &paper["registers"][a["register"].as_str().unwrap()];
            titles.extend(reg["risks"].as_array().unwrap().iter().map(|r| {
                format!(
                    "{}: {}",
                    r["id"].as_str().unwrap(),
                    r["title"].as_str().unwrap()
                )
            }));
        }
    }
    want("cype-risk-2019", titles);
    let app = data("send-app-2023");
    let titles = app["app"]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("Area {}: {}", a["number"], a["title"].as_str().unwrap()))
        .collect();
    want("send-app-2023", titles);
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn a_row_split_across_pages_repeats_its_id_and_rating_words() {
    // Action 1A7 of the stress plan has evidence longer than a page.
    let p = Project::fixture("layout-stress");
    let o = p.run(&["build", "stress-plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/stress-plan.pdf"));
    let label = "Action 1A7 (continued) — progress: Green, impact: Amber";
    let first = pages
        .iter()
        .position(|t| t.contains("1A7 Action 7"))
        .expect("the row starts");
    let last = pages
        .iter()
        .rposition(|t| t.contains("Evidence 40"))
        .expect("the row ends");
    assert!(last > first + 1, "the row should run over several pages");
    for (i, t) in pages.iter().enumerate() {
        let continued = i > first && i <= last;
        assert_eq!(
            t.contains(label),
            continued,
            "page {}: continuation label {}expected:\n{t}",
            i + 1,
            if continued { "" } else { "not " }
        );
        // The label comes first on the page, before the repeated table header.
        if continued {
            assert!(
                t.find(label) < t.find("Responsible"),
                "page {}:\n{t}",
                i + 1
            );
        }
    }
}

/// A list in a numbered paragraph's section stands under the paragraph's
/// text, not at the margin under its number (the hanging indent), as the
/// council prints it: in the LGSCO report, paragraph 1.1's four bullets start
/// where the words of 1.1 do (committee-report@3).
#[test]
fn lists_stand_under_the_hanging_indent_of_numbered_paragraphs() {
    let p = Project::demo();
    let o = p.run(&["build", "send-lgsco-2023-09", "--format", "pdf"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = Command::new("pdftotext")
        .args(["-bbox", "-f", "1", "-l", "1"])
        .arg(p.path().join("out/send-lgsco-2023-09.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed for tests");
    let text = String::from_utf8_lossy(&out.stdout);
    // (xMin, word) of every word on the page, in reading order.
    let words: Vec<(f64, String)> = text
        .lines()
        .filter_map(|l| {
            let x = l.split("xMin=\"").nth(1)?.split('"').next()?.parse().ok()?;
            let w = l.split('>').nth(1)?.split('<').next()?.to_string();
            Some((x, w))
        })
        .collect();
    let at = words
        .iter()
        .position(|(_, w)| w == "1.1")
        .expect("paragraph 1.1");
    let (number, text_x) = (words[at].0, words[at + 1].0);
    let bullets: Vec<f64> = words[at..]
        .iter()
        .filter(|(_, w)| w == "•")
        .map(|(x, _)| *x)
        .collect();
    assert!(!bullets.is_empty(), "no bullets after 1.1");
    for x in bullets {
        assert!(
            (x - text_x).abs() < 1.0 && x > number + 10.0,
            "a bullet at x={x}, the paragraph's text at x={text_x}, its number at x={number}"
        );
    }
}
