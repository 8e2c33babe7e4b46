//! Building papers: PDF text, determinism, exit codes, untouched outputs.

use crate::harness::*;

#[test]
fn demo_committee_paper_has_cover_numbered_paragraphs_and_appendix() {
    let p = Project::demo();
    let o = p.run(&["build", "cype-risk-2019"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = p.path().join("out/cype-risk-2019.pdf");
    let text = pdf_text(&pdf);
    let flat = squash(&text);
    for want in [
        "From: Roger Gough, Cabinet Member for Children, Young People and Education",
        "Subject: Risk Management: Children, Young People and Education",
        "Classification: Unrestricted",
        "Electoral division: All",
        "1. Introduction",
        "1.1 ",
        "2.1 ",
        "Page 1 of",
        "CONSIDER and COMMENT",
        "Appendix 1: CYPE-led corporate risks",
        "Summary risk profile",
        "Report author:",
    ] {
        assert!(flat.contains(want), "missing {want:?} in:\n{text}");
    }
    // Every risk id in both registers appears; scores and bands come from the data.
    for id in [
        "CRR0001", "CRR0007", "CRR0016", "CRR0044", "CY0035", "CY0008", "CY0034", "CY0030",
        "CY0007", "CY0032", "CY0009",
    ] {
        assert!(flat.contains(id), "risk {id} missing");
    }
    assert!(flat.contains("15 (Medium)") && flat.contains("20 (High)") && flat.contains("4 (Low)"));
    // Direction of travel since March 2018 as the paper publishes it, in symbol
    // and words: no earlier score is published, so none is printed.
    assert!(flat.contains("↔ (unchanged)"), "{flat}");
    assert!(flat.contains("↓ (decreased)"), "{flat}");
    assert!(flat.contains("NEW (new risk)"));
    assert!(!flat.contains("reduced from"), "{flat}");
    // Running header, footer "Page X of Y" on every page.
    let pages = pdf_pages(&pdf);
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {} lacks its footer",
            i + 1
        );
        assert!(
            page.contains("28 March 2019"),
            "page {} lacks the running header",
            i + 1
        );
    }
}

#[test]
fn rebuilds_are_byte_identical() {
    let p = Project::demo();
    let a = p.run(&["build", "cype-risk-2019", "--out", "a"]);
    let b = p.run(&["build", "cype-risk-2019", "--out", "b", "-j", "1"]);
    assert!(a.status.success() && b.status.success());
    let x = std::fs::read(p.path().join("a/cype-risk-2019.pdf")).unwrap();
    let y = std::fs::read(p.path().join("b/cype-risk-2019.pdf")).unwrap();
    assert!(x == y, "two builds of the same inputs differ");
}

#[test]
fn pdf_is_tagged_with_title_language_and_fixed_dates() {
    let p = Project::demo();
    // First built on 1 January 2026 (SOURCE_DATE_EPOCH fixes "today").
    let jan_2026 = [("SOURCE_DATE_EPOCH", "1767225600")];
    assert!(
        p.run_env(&["build", "cype-risk-2019"], &jan_2026)
            .status
            .success()
    );
    // Object streams are compressed: let qpdf write an uncompressed copy to inspect.
    let plain = p.path().join("plain.pdf");
    let q = std::process::Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(p.path().join("out/cype-risk-2019.pdf"))
        .arg(&plain)
        .status()
        .expect("qpdf is needed for tests: apt-get install qpdf");
    assert!(q.success());
    let bytes = std::fs::read(&plain).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/StructTreeRoot"), "not tagged");
    assert!(raw.contains("/Lang (en-GB)"), "language not en-GB");
    // The PDF was created the day it was first built, not on the day of the
    // meeting (28 March 2019), which is not a creation date (issue 25).
    assert!(
        raw.contains("D:20260101"),
        "creation date is not the first build's"
    );
    assert!(
        !raw.contains("D:20190328"),
        "creation date is the meeting date"
    );
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"created\": \"2026-01-01\""),
        "{manifest}"
    );
    // A year later the day is kept: the rebuild is byte-identical.
    let first = std::fs::read(p.path().join("out/cype-risk-2019.pdf")).unwrap();
    let jan_2027 = [("SOURCE_DATE_EPOCH", "1798761600")];
    let o = p.run_env(&["build", "--force", "cype-risk-2019"], &jan_2027);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(first == std::fs::read(p.path().join("out/cype-risk-2019.pdf")).unwrap());
    assert!(p.run_env(&["verify"], &jan_2027).status.success());
    // Into a new output folder, with no record, it is first built again.
    let o = p.run_env(&["build", "cype-risk-2019", "--out", "later"], &jan_2027);
    assert!(o.status.success(), "{}", stderr(&o));
    let later = std::fs::read(p.path().join("later/cype-risk-2019.pdf")).unwrap();
    assert!(later != first, "a first build in 2027 is dated 2026");
    let o = std::process::Command::new("pdfinfo")
        .arg(p.path().join("out/cype-risk-2019.pdf"))
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&o.stdout);
    assert!(
        info.contains("Title:           Risk Management: Children, Young People and Education"),
        "{info}"
    );
    assert!(info.contains("Author:          Kent County Council"));
    assert!(info.contains("Tagged:          yes"));
}

#[test]
fn tables_from_markdown_never_leave_a_cell_empty() {
    let p = Project::fixture("minimal");
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    assert!(text.contains("Children 310.2 no data"), "{text}");
    assert!(
        text.contains("The forecast outturn is £730,600,000 against a budget of £722,700,000."),
        "{text}"
    );
    assert!(
        text.contains("The committee met on 4 February 2025."),
        "{text}"
    );
}

#[test]
fn check_validates_without_writing() {
    let p = Project::demo();
    let o = p.run(&["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!p.path().join("out").exists());
    assert!(stderr(&o).contains("0 errors"));
}

#[test]
fn failed_build_leaves_existing_pdf_untouched() {
    let p = Project::fixture("invalid-paper");
    p.write("out/bad-paper.pdf", "the PDF from last week");
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(p.path().join("out/bad-paper.pdf")).unwrap(),
        "the PDF from last week"
    );
    let leftovers: Vec<_> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let p = Project::fixture("minimal");
    assert_eq!(p.run(&["build", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(p.run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(p.run(&["--help"]).status.code(), Some(0));
    let o = p.run(&["build", "no-such-paper"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no document named `no-such-paper`"));
}

#[test]
fn missing_layout_version_is_refused_clearly() {
    let p = Project::fixture("minimal");
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("layout: committee-report@7\n{yaml}"),
    );
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0014]: layout `committee-report@7` is not in this project"),
        "{e}"
    );
    assert!(e.contains("available: committee-report@1"), "{e}");
}

#[test]
fn demo_pdfs_pass_the_pdf_ua_checker() {
    // The demo project asks for PDF/A-2b + PDF/UA-1 (quire.yaml); Typst enforces
    // both at export, and the pdfua checker (machine-checkable PDF/UA-1 rules) agrees.
    let p = Project::demo();
    assert!(p.run(&["build"]).status.success());
    assert!(p.run(&["pack"]).status.success());
    for f in [
        "cype-risk-2019",
        "kent-sv-2024-25-q1",
        "send-app-2023-cover",
        "send-lgsco-2023-09",
        "send-app-2023",
        "send-app-2023-scorecard",
        "send-sub-2023-09-pack",
    ] {
        let pdf = p.path().join(format!("out/{f}.pdf"));
        let o = std::process::Command::new("pdfua")
            .arg("check")
            .arg(&pdf)
            .output()
            .expect("pdfua is needed for tests: pip install pdfua");
        let out =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && out.contains("PASS (no findings)"),
            "{f}: {out}"
        );
        let raw = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).to_string();
        assert!(
            raw.contains("<pdfaid:part>2</pdfaid:part>")
                && raw.contains("<pdfuaid:part>1</pdfuaid:part>"),
            "{f} does not declare PDF/A-2 and PDF/UA-1"
        );
    }
}

#[test]
fn an_invalid_project_file_writes_nothing_but_still_checks_every_document() {
    let p = Project::fixture("minimal");
    p.write("out/budget-2025.pdf", "last week's PDF");
    p.write(
        "quire.yaml",
        "organisation:\n  name: Testshire County Council\ndefaults:\n  clasification: Official\n",
    );
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0004]: unknown key `clasification` in the defaults"),
        "{e}"
    );
    assert!(e.contains("did you mean `classification`?"), "{e}");
    assert_eq!(
        std::fs::read_to_string(p.path().join("out/budget-2025.pdf")).unwrap(),
        "last week's PDF"
    );
}
