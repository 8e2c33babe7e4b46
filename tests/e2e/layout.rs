//! Pages fit to publish: every demo and fixture PDF passes the layout check
//! (tests/tools/layout-check.py): no text printed over text, nothing outside the
//! page, no stray page holding only a repeated header and a few spilled words, no
//! heading left at the foot of a page.

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixtures that build; the invalid ones are tested for their diagnostics.
const FIXTURES: &[&str] = &[
    "app-small",
    "hostile",
    "layout-stress",
    "minimal",
    "risk-4x4",
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
    let layout = p.path().join("layouts/committee-report-v2.typ");
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
