//! The Word edition: every demo document and fixture builds a `.docx` that a
//! real reader (python-docx, `tests/tools/docx_read.py`) opens with Word's
//! structure (heading styles, Word numbering, header rows, the cover as a table
//! of labels, properties, en-GB, the page number in the footer); LibreOffice
//! converts each to PDF with the same figures and ids as quire's PDF; rebuilds
//! are byte-identical and proved by `verify`; author text stays text.
//!
//! The readers are installed by `.ci/run`; without them a test is skipped
//! locally and fails under `CI=true`.

use crate::harness::*;
use crate::html::{DEMO, figures, pdf_body_text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether a tool the test needs is here; under CI its absence is a failure.
fn have(what: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{what} is needed for the Word edition's tests (.ci/run installs it)"
        );
        eprintln!("skipped: {what} is not installed");
    }
    ok
}

fn python_docx() -> bool {
    have(
        "python-docx (python3 -m pip install python-docx)",
        Command::new("python3").args(["-c", "import docx"]),
    )
}

fn soffice() -> bool {
    have(
        "LibreOffice (apt-get install libreoffice-writer-nogui)",
        Command::new("soffice").arg("--version"),
    )
}

/// What python-docx reads from a `.docx`.
fn read_docx(path: &Path) -> Value {
    let o = Command::new("python3")
        .arg(repo().join("tests/tools/docx_read.py"))
        .arg(path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python-docx could not open {}: {}",
        path.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn blocks(d: &Value) -> &Vec<Value> {
    d["blocks"].as_array().unwrap()
}

fn paragraphs<'a>(d: &'a Value, style: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    blocks(d)
        .iter()
        .filter(move |b| b["kind"] == "p" && b["style"] == style)
}

/// All the text python-docx reads, in body order (tables cell by cell), with
/// the outline numbers Word gives (see [`word_numbers`]) before their paragraphs.
fn docx_text(d: &Value) -> String {
    let mut s = String::new();
    let mut numbers = word_numbers(d).into_iter();
    for b in blocks(d) {
        if b["kind"] == "p" {
            if b["num"]["id"] == 1 {
                s.push_str(&numbers.next().unwrap_or_default());
                s.push(' ');
            }
            s.push_str(b["text"].as_str().unwrap());
            s.push('\n');
        } else {
            if let Some(c) = b["caption"].as_str() {
                s.push_str(c);
                s.push('\n');
            }
            for r in b["rows"].as_array().unwrap() {
                for c in r["cells"].as_array().unwrap() {
                    s.push_str(c["text"].as_str().unwrap());
                    s.push('\t');
                }
                s.push('\n');
            }
        }
    }
    s
}

/// The numbers Word's numbering gives the outline (sections `1.`, paragraphs
/// `1.1`), computed from the numbering python-docx reads, in order.
fn word_numbers(d: &Value) -> Vec<String> {
    let (mut sec, mut para) = (0, 0);
    let mut out = Vec::new();
    for b in blocks(d) {
        if b["kind"] != "p" || b["num"]["id"] != 1 {
            continue;
        }
        if b["num"]["level"] == 0 {
            sec += 1;
            para = 0;
            out.push(format!("{sec}."));
        } else {
            para += 1;
            out.push(format!("{sec}.{para}"));
        }
    }
    out
}

/// The documents and checks every Word edition passes.
fn check_common(name: &str, d: &Value, author: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{name}: {m}"));
    if d["author"] != author {
        fail(format!("author is {}, not {author}", d["author"]));
    }
    if d["title"].as_str().is_none_or(str::is_empty) {
        fail("no title".into());
    }
    if d["language"] != "en-GB" {
        fail(format!("language {}", d["language"]));
    }
    if !d["styles_lang"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "en-GB")
    {
        fail("styles are not en-GB".into());
    }
    if d["footer_fields"] != serde_json::json!(["PAGE", "NUMPAGES"]) {
        fail(format!("footer fields {}", d["footer_fields"]));
    }
    if d["field_chars_in_body"] != 0 {
        fail("a field in the body".into());
    }
    if d["zip_dates"] != serde_json::json!([[1980, 1, 1, 0, 0, 0]]) {
        fail(format!("zip dates {}", d["zip_dates"]));
    }
    if paragraphs(d, "Heading 1").count() == 0 {
        fail("no Heading 1".into());
    }
    if paragraphs(d, "Title").count() != 1 {
        fail("not one Title".into());
    }
    // Every data table has a header: a repeating header row, or row headers.
    for b in blocks(d).iter().filter(|b| b["kind"] == "table") {
        let rows = b["rows"].as_array().unwrap();
        let head = rows.iter().take_while(|r| r["header"] == true).count();
        if head == 0 && rows.len() > 1 && !rows.iter().all(|r| r["cells"][0]["fill"].is_string()) {
            fail(format!(
                "a table with no header row or row headers: {:?}",
                rows[0]
            ));
        }
        if rows.iter().skip(head).any(|r| r["header"] == true) {
            fail("a header row below the body".into());
        }
    }
    problems
}

/// The demo's outputs, built once with every edition.
fn demo_built() -> Project {
    let p = Project::demo();
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    p
}

#[test]
fn every_demo_docx_opens_in_python_docx_with_word_structure_and_the_pdf_figures() {
    if !python_docx() {
        return;
    }
    let p = demo_built();
    let mut problems = Vec::new();
    for d in DEMO {
        let doc = read_docx(&p.path().join(format!("out/{d}.docx")));
        problems.extend(check_common(d, &doc, "Kent County Council"));
        let pdf = figures(&pdf_body_text(&p.path().join(format!("out/{d}.pdf"))));
        let word = figures(&docx_text(&doc));
        let only_pdf: Vec<_> = pdf.difference(&word).collect();
        let only_word: Vec<_> = word.difference(&pdf).collect();
        if !only_pdf.is_empty() || !only_word.is_empty() {
            problems.push(format!(
                "{d}: only in the PDF {only_pdf:?}; only in the Word edition {only_word:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The committee paper: the cover is a table of the council's labels in
    // header cells, the narrative is numbered by Word as the PDF numbers it,
    // recommendations are a numbered list, the appendix's tables repeat their
    // header rows.
    let doc = read_docx(&p.path().join("out/cype-risk-2019.docx"));
    let cover = blocks(&doc)
        .iter()
        .find(|b| b["kind"] == "table")
        .expect("no cover table");
    let labels: Vec<&str> = cover["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"][0]["text"].as_str().unwrap())
        .collect();
    for l in [
        "From:",
        "To:",
        "Subject:",
        "Classification:",
        "Past pathway of paper:",
        "Electoral division:",
    ] {
        assert!(labels.contains(&l), "cover labels {labels:?} lack {l}");
    }
    assert!(
        cover["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["cells"][0]["fill"] == "EBEBEB"),
        "cover labels are not header cells: {cover}"
    );
    let numbers = word_numbers(&doc);
    let pdf = squash(&pdf_text(&p.path().join("out/cype-risk-2019.pdf")));
    assert!(numbers.len() > 10, "{numbers:?}");
    assert_eq!(numbers[..3], ["1.", "1.1", "1.2"], "{numbers:?}");
    // Every number Word gives is printed in the PDF before its words.
    for b in blocks(&doc)
        .iter()
        .filter(|b| b["kind"] == "p" && b["num"]["id"] == 1)
        .zip(&numbers)
    {
        let (b, n) = b;
        let words: String = b["text"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            pdf.contains(&format!("{n} {words}")),
            "Word numbers `{words}` {n}, the PDF does not"
        );
    }
    let headings: Vec<&str> = paragraphs(&doc, "Heading 1")
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert!(
        headings.iter().any(|h| h.starts_with("Appendix 1")),
        "{headings:?}"
    );
    let repeated = blocks(&doc)
        .iter()
        .filter(|b| b["kind"] == "table" && b["rows"][0]["header"] == true)
        .count();
    assert!(repeated >= 3, "{repeated} tables with a header row");
    // Ratings are words, not colour alone: a shaded cell has text.
    for b in blocks(&doc).iter().filter(|b| b["kind"] == "table") {
        for r in b["rows"].as_array().unwrap() {
            for c in r["cells"].as_array().unwrap() {
                if c["fill"].is_string() {
                    assert!(!c["text"].as_str().unwrap().trim().is_empty(), "{c}");
                }
            }
        }
    }
}

#[test]
fn libreoffice_converts_every_demo_docx_with_the_same_figures_and_ids_as_the_pdf() {
    if !soffice() {
        return;
    }
    let p = Project::demo();
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let conv = p.path().join("lo");
    let files: Vec<PathBuf> = DEMO
        .iter()
        .map(|d| p.path().join(format!("out/{d}.docx")))
        .collect();
    let profile = p.path().join("lo-profile");
    let o = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&conv)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut problems = Vec::new();
    // Each text with its spaces and line breaks removed: a figure LibreOffice
    // wraps inside a narrow cell (`10` / `0%`) is still found whole.
    let joined = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
    for d in DEMO {
        let lo = conv.join(format!("{d}.pdf"));
        assert!(lo.exists(), "LibreOffice wrote no {d}.pdf");
        let lo_text = pdf_body_text(&lo);
        let pdf_text = pdf_body_text(&p.path().join(format!("out/{d}.pdf")));
        let (word, pdf) = (figures(&lo_text), figures(&pdf_text));
        // In reading order too: -layout interleaves the lines of a cell's
        // wrapped id (`2B` / `3`) with its neighbours'.
        let raw = Command::new("pdftotext")
            .arg(&lo)
            .arg("-")
            .output()
            .unwrap();
        let lo_joined = joined(&lo_text) + &joined(&String::from_utf8_lossy(&raw.stdout));
        let pdf_joined = joined(&pdf_text);
        let only_pdf: Vec<_> = pdf
            .difference(&word)
            .filter(|f| !lo_joined.contains(f.as_str()))
            .collect();
        let only_word: Vec<_> = word
            .difference(&pdf)
            .filter(|f| !pdf_joined.contains(f.as_str()))
            .collect();
        if !only_pdf.is_empty() || !only_word.is_empty() {
            problems.push(format!(
                "{d}: only in quire's PDF {only_pdf:?}; only in LibreOffice's {only_word:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn docx_rebuilds_are_byte_identical_recorded_and_verified() {
    let p = Project::demo();
    let o = p.run(&["build", "--format", "docx", "-j", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".pdf") || n.ends_with(".html") || n.ends_with(".docx"))
        .collect();
    assert!(out.iter().all(|n| n.ends_with(".docx")), "{out:?}");
    let first: Vec<Vec<u8>> = DEMO
        .iter()
        .map(|d| std::fs::read(p.path().join(format!("out/{d}.docx"))).unwrap())
        .collect();
    let o = p.run(&["build", "--format", "docx", "--force", "-j", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (d, a) in DEMO.iter().zip(&first) {
        let b = std::fs::read(p.path().join(format!("out/{d}.docx"))).unwrap();
        assert!(*a == b, "{d}.docx differs between two builds");
        assert!(
            a.starts_with(b"PK\x03\x04[Content_Types].xml")
                || a[30..].starts_with(b"[Content_Types].xml")
        );
    }
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    for d in DEMO {
        assert!(
            manifest.contains(&format!("\"{d}.docx\"")),
            "{d}.docx not in the manifest"
        );
    }
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = p.path().join("out/kent-sv-2024-25-q1.docx");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.push(0);
    std::fs::write(&file, bytes).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1), "verify missed an edited .docx");
    assert!(
        stderr(&o).contains("kent-sv-2024-25-q1.docx"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn formats_in_quire_yaml_choose_the_word_edition() {
    let p = Project::fixture("minimal");
    let y = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    let y = if y.contains("defaults:") {
        y.replacen("defaults:", "defaults:\n  formats: [pdf, docx]", 1)
    } else {
        format!("{y}\ndefaults:\n  formats: [pdf, docx]\n")
    };
    std::fs::write(p.path().join("quire.yaml"), y).unwrap();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut out: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".pdf") || n.ends_with(".html") || n.ends_with(".docx"))
        .collect();
    out.sort();
    assert!(out.iter().any(|n| n.ends_with(".docx")), "{out:?}");
    assert!(out.iter().any(|n| n.ends_with(".pdf")), "{out:?}");
    assert!(!out.iter().any(|n| n.ends_with(".html")), "{out:?}");
}

/// Every fixture that builds gives a Word edition python-docx opens.
#[test]
fn every_fixture_that_builds_gives_a_docx_a_real_reader_opens() {
    if !python_docx() {
        return;
    }
    let mut problems = Vec::new();
    let mut opened = 0;
    for f in [
        "app-small",
        "hostile",
        "kpi-derived",
        "layout-stress",
        "minimal",
        "risk-4x4",
        "second-council",
        "tables-return",
        "template-eastvale",
        "template-northmoor",
        "valve-quarterly",
    ] {
        let p = Project::fixture(f);
        // Some fixtures also hold a document that is meant to fail.
        let o = p.run(&["build", "--format", "docx"]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{f}: {}",
            stderr(&o)
        );
        let before = opened;
        let author = std::fs::read_to_string(p.path().join("quire.yaml"))
            .unwrap()
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("name:")
                    .map(|n| n.trim().trim_matches('"').to_string())
            })
            .unwrap();
        for e in std::fs::read_dir(p.path().join("out")).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "docx") {
                let d = read_docx(&path);
                let name = format!("{f}/{}", path.file_name().unwrap().to_string_lossy());
                problems.extend(check_common(&name, &d, &author));
                // Only the allowed link schemes become links.
                let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
                let mut rels = String::new();
                std::io::Read::read_to_string(
                    &mut z.by_name("word/_rels/document.xml.rels").unwrap(),
                    &mut rels,
                )
                .unwrap();
                for t in rels.split("Target=\"").skip(1) {
                    let t = &t[..t.find('"').unwrap()];
                    let ok = t.ends_with(".xml")
                        || ["https://", "http://", "mailto:", "tel:"]
                            .iter()
                            .any(|s| t.starts_with(s));
                    if !ok {
                        problems.push(format!("{name}: a link to {t}"));
                    }
                }
                let names: Vec<String> = z.file_names().map(str::to_string).collect();
                if names
                    .iter()
                    .any(|n| n.contains("vbaProject") || n.ends_with(".bin"))
                {
                    problems.push(format!("{name}: a binary part {names:?}"));
                }
                opened += 1;
            }
        }
        assert!(opened > before, "{f}: no Word edition: {}", stderr(&o));
    }
    assert!(opened >= 14, "only {opened} Word editions");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn hostile_text_stays_text_in_the_word_edition() {
    let p = Project::fixture("hostile");
    let o = p.run(&["build", "--format", "docx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for e in std::fs::read_dir(p.path().join("out")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "docx") {
            continue;
        }
        let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        for bad in [
            "<script",
            "w:fldSimple",
            "w:instrText",
            "w:fldChar",
            "<w:object",
            "w:altChunk",
        ] {
            assert!(!doc.contains(bad), "{}: {bad} in the body", path.display());
        }
        // An address an author wrote is text unless it is an allowed link.
        let mut rels = String::new();
        std::io::Read::read_to_string(
            &mut z.by_name("word/_rels/document.xml.rels").unwrap(),
            &mut rels,
        )
        .unwrap();
        assert!(!rels.to_lowercase().contains("javascript"), "{rels}");
        assert!(!rels.contains("file:"), "{rels}");
    }
}

/// A council's reference document gives the Word edition its styles; one
/// that is not a Word document is a located input error and nothing is written.
#[test]
fn a_reference_docx_gives_the_councils_styles_and_a_broken_one_is_refused() {
    if !python_docx() {
        return;
    }
    let p = Project::fixture("minimal");
    let reference = p.path().join("layouts/word/reference.docx");
    std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
    // python-docx's own default template, with Heading 1 in the council's red.
    let script = format!(
        "import docx\nfrom docx.shared import RGBColor\nd = docx.Document()\nd.styles['Heading 1'].font.color.rgb = RGBColor(0xAB, 0x12, 0x34)\nd.save({:?})\n",
        reference.to_string_lossy()
    );
    let o = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = p.run(&["build", "--format", "docx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "docx"))
        .unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(
        styles.contains("AB1234"),
        "the council's Heading 1 colour is lost"
    );
    assert!(
        styles.contains("w:styleId=\"QuireTable\""),
        "quire's table style missing"
    );
    assert_eq!(styles.matches("w:styleId=\"Heading1\"").count(), 1);
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    assert!(
        manifest.contains("layouts/word/reference.docx"),
        "{manifest}"
    );
    // Changing the reference rebuilds; a broken one is refused.
    std::fs::write(&reference, b"not a zip").unwrap();
    let before = std::fs::read(&out).unwrap();
    let o = p.run(&["build", "--format", "docx"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = redact(&stderr(&o), p.path());
    assert!(err.contains("error[Q0185]"), "{err}");
    assert!(err.contains("not a Word document"), "{err}");
    assert!(err.contains("help:"), "{err}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "a build with errors wrote"
    );
}
