//! Reproductions from attacking quire (issue 10): each input here once
//! panicked, hung, ran author text as code, lost output or passed silently.
//! Each must now be a located error with exit 1 (or a usage error, exit 2),
//! reported by `check` as well as `build`.

use crate::harness::*;
use std::path::Path;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Runs `check` and `build` and asserts both fail with exit 1 naming `code`
/// and `needle`; returns the build's stderr.
fn rejected(p: &Project, diag: &str, needle: &str) -> String {
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "`quire {cmd}` should exit 1:\n{err}");
        assert!(
            err.contains(&format!("error[{diag}]")),
            "`quire {cmd}` should report {diag}:\n{err}"
        );
        assert!(
            err.contains(needle),
            "`quire {cmd}` should say {needle:?}:\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    stderr(&p.run(&["build"]))
}

fn narrative(p: &Project, text: &str) {
    p.write("content/budget-2025/01-position.md", text);
}

#[test]
fn a_multibyte_character_after_a_template_tag_is_a_located_error() {
    let p = Project::fixture("minimal");
    narrative(&p, "# Position\n\nText {%中 more.\n");
    let err = rejected(&p, "Q0009", "01-position.md:3:");
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn a_template_that_would_run_for_minutes_is_stopped() {
    let p = Project::fixture("minimal");
    narrative(
        &p,
        "# Position\n\n{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}\n",
    );
    rejected(&p, "Q0009", "steps");
}

#[test]
fn a_template_cannot_build_a_huge_value() {
    let p = Project::fixture("minimal");
    narrative(
        &p,
        "# Position\n\n{% set s = \"ab\" %}{% set s = s ~ s %}{{ s }}\n",
    );
    rejected(&p, "Q0009", "`{% set %}` is not available");
}

#[test]
fn a_layout_is_a_name_never_a_path() {
    let p = Project::fixture("minimal");
    p.write("content/budget-2025/evil-v1.typ", "#panic(\"evaluated\")");
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("layout: \"../content/budget-2025/evil@1\"\n{yaml}"),
    );
    let err = rejected(&p, "Q0014", "not a layout reference");
    assert!(!err.contains("evaluated"), "{err}");
}

#[test]
fn a_link_must_be_a_web_email_or_telephone_address() {
    for (link, says) in [
        (
            "[c](javascript:alert(1))",
            "not a web, email or telephone address",
        ),
        ("[x]()", "has no address"),
        (
            &format!("[long](https://example.org/{})", "a".repeat(8000)),
            "longer than",
        ),
    ] {
        let p = Project::fixture("minimal");
        narrative(&p, &format!("# Position\n\nSee {link}.\n"));
        rejected(&p, "Q0010", says);
    }
}

#[test]
fn a_yaml_url_is_checked_like_a_markdown_link() {
    let p = Project::fixture("minimal");
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("{yaml}background-documents:\n  - {{ title: A report, url: \"\" }}\n"),
    );
    rejected(&p, "Q0007", "has no address");
}

#[test]
fn deep_nesting_is_a_located_error() {
    let p = Project::fixture("minimal");
    narrative(&p, &format!("# Position\n\n{}x\n", "> ".repeat(40)));
    rejected(&p, "Q0010", "nested more than");
}

#[test]
fn a_character_no_font_has_is_a_located_error_and_symbols_print() {
    let p = Project::fixture("minimal");
    p.write(
        "quire.yaml",
        "organisation:\n  name: Testshire County Council\ndefaults:\n  pdf-standards: [a-2b, ua-1]\n",
    );
    narrative(
        &p,
        "# Position\n\nTicks ✓ ✗ stars ★ warnings ⚠ arrows → ↑\n\n- [ ] open task\n- [x] done task\n",
    );
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = pdf_text(&p.path().join("out/budget-2025.pdf"));
    for c in ["✓", "★", "⚠", "☐", "☑", "→"] {
        assert!(text.contains(c), "{c} missing from:\n{text}");
    }
    narrative(&p, "# Position\n\nA face 🙂 here.\n");
    rejected(&p, "Q0016", "01-position.md:3:8");
}

#[test]
fn a_control_character_in_a_plain_text_field_is_a_located_error() {
    let p = Project::fixture("minimal");
    p.write(
        "quire.yaml",
        "organisation:\n  name: \"Testshire\\0 County Council\"\n",
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("error[Q0017]") && err.contains("quire.yaml:2:"),
        "{err}"
    );
}

#[test]
fn absurd_and_non_finite_numbers_are_rejected() {
    let p = Project::fixture("valve-quarterly");
    let path = "content/northshire-sv-2025-26/return.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml
            .replace(
                "agreement: 18.4, forecast: 17.9",
                "agreement: 1e308, forecast: -1e308",
            )
            .replace(
                "values: [212, 1480, 1365, 703]",
                "values: [9223372036854775807, 1, 1, 1]",
            ),
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert_eq!(err.matches("error[Q0018]").count(), 3, "{err}");
}

#[test]
fn spreadsheet_cells_never_become_formulas() {
    let p = Project::fixture("valve-quarterly");
    let path = "content/northshire-sv-2025-26/return.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replace(
            "text: Issue final EHCPs within 20 weeks.",
            "text: \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\\rinjected\"",
        ),
    );
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv =
        std::fs::read_to_string(p.path().join("out/northshire-sv-2025-26.conditions.csv")).unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\rinjected\""),
        "{csv}"
    );
    // The workbook holds it as a string, and no cell is a formula.
    let listing = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print('\\n'.join(z.read(n).decode() for n in z.namelist() if n.endswith('.xml')))",
        ])
        .arg(p.path().join("out/northshire-sv-2025-26.xlsx"))
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&listing.stdout);
    assert!(
        xml.contains("=HYPERLINK("),
        "the text is missing from the workbook"
    );
    // The only formulas are the engine's computed cells (the deficit
    // variance, the EHCP totals): cell references and arithmetic, no text.
    let formulas: Vec<&str> = xml
        .split("<f>")
        .skip(1)
        .map(|f| &f[..f.find("</f>").unwrap()])
        .collect();
    assert!(!formulas.is_empty(), "the variance is not a formula");
    for f in &formulas {
        assert!(
            f.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || ",()+-*/".contains(c)),
            "a formula holds more than references: {f}"
        );
    }
}

#[test]
fn two_documents_writing_one_output_are_an_error_naming_both() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/appendix.yaml",
        "title: Appendix\nregister: ../registers/r.yaml\n",
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("error[Q0051]")
            && err.contains("content/budget-2025/paper.yaml and content/budget-2025/appendix.yaml"),
        "{err}"
    );
}

#[test]
fn a_font_outside_the_project_or_damaged_is_refused_by_name() {
    let p = Project::fixture("minimal");
    std::fs::create_dir_all(p.path().join("fonts")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("fonts/DejaVuSans.ttf"),
        outside.path().join("x.ttf"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("x.ttf"),
        p.path().join("fonts/linked.ttf"),
    )
    .unwrap();
    std::fs::write(p.path().join("fonts/damaged.ttf"), b"not a font at all").unwrap();
    let o = p.run(&["build"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("error[Q0015]: the font `fonts/damaged.ttf`"),
        "{err}"
    );
    #[cfg(unix)]
    assert!(
        err.contains("error[Q0015]: the font `fonts/linked.ttf` cannot be used: it resolves outside the project"),
        "{err}"
    );
    assert!(!p.path().join("out/budget-2025.pdf").exists());
}

#[test]
fn project_fonts_are_inputs_in_the_manifest() {
    let p = Project::fixture("minimal");
    std::fs::create_dir_all(p.path().join("fonts")).unwrap();
    std::fs::copy(
        repo().join("fonts/LiberationMono-Regular.ttf"),
        p.path().join("fonts/mono.ttf"),
    )
    .unwrap();
    assert_eq!(code(&p.run(&["build"])), 0);
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    assert!(manifest.contains("\"fonts/mono.ttf\""), "{manifest}");
    // A changed font means the document is no longer up to date.
    std::fs::copy(
        repo().join("fonts/LiberationSans-Bold.ttf"),
        p.path().join("fonts/mono.ttf"),
    )
    .unwrap();
    let o = p.run(&["build"]);
    assert!(stderr(&o).contains("built budget-2025"), "{}", stderr(&o));
}

#[test]
fn many_jobs_are_capped_with_a_note() {
    let p = Project::fixture("minimal");
    let o = p.run(&["build", "-j", "100000"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("building with 64 workers"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn another_build_holding_the_output_folder_is_refused() {
    let p = Project::fixture("minimal");
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    std::fs::write(p.path().join("out/.quire-stale.tmp"), b"left by kill -9").unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(p.path().join("out/.quire-lock"))
        .unwrap();
    held.try_lock().unwrap();
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another quire is building"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path().join("out/budget-2025.pdf").exists());
    drop(held);
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !p.path().join("out/.quire-stale.tmp").exists(),
        "stale temporary left"
    );
}

#[test]
fn a_failed_output_leaves_every_previous_output_in_place() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["build"])), 0);
    let out = p.path().join("out");
    let pdf_before = std::fs::read(out.join("northshire-sv-2025-26.pdf")).unwrap();
    let csv_before = std::fs::read(out.join("northshire-sv-2025-26.deficit.csv")).unwrap();
    // Change the data, and block the workbook's path with a folder.
    let path = "content/northshire-sv-2025-26/return.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(path, &yaml.replace("forecast: 17.9", "forecast: 17.8"));
    std::fs::remove_file(out.join("northshire-sv-2025-26.xlsx")).unwrap();
    std::fs::create_dir_all(out.join("northshire-sv-2025-26.xlsx/blocked")).unwrap();
    let o = p.run(&["build"]);
    assert_ne!(code(&o), 0, "{}", stderr(&o));
    assert!(
        std::fs::read(out.join("northshire-sv-2025-26.pdf")).unwrap() == pdf_before,
        "the PDF of a failed build replaced the previous one"
    );
    assert!(
        std::fs::read(out.join("northshire-sv-2025-26.deficit.csv")).unwrap() == csv_before,
        "a CSV of a failed build replaced the previous one"
    );
}

#[test]
fn verify_of_an_unknown_document_is_a_usage_error() {
    let p = Project::fixture("minimal");
    assert_eq!(code(&p.run(&["build"])), 0);
    let o = p.run(&["verify", "nosuch"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[Q0060]: `nosuch` is not in"),
        "{}",
        stderr(&o)
    );
    for cmd in ["build", "check"] {
        let o = p.run(&[cmd, "nosuch"]);
        assert_eq!(code(&o), 2, "{cmd}: {}", stderr(&o));
        assert!(stderr(&o).contains("error[Q0060]"), "{}", stderr(&o));
    }
}

fn lock_path(p: &Project) -> std::path::PathBuf {
    p.path().join("content/northshire-sv-2025-26/quire.lock")
}

#[test]
fn a_lock_that_cannot_be_read_or_has_gone_fails_closed() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["lock"])), 0);
    assert_eq!(code(&p.run(&["build"])), 0);
    let good = std::fs::read(lock_path(&p)).unwrap();
    // One invalid UTF-8 byte.
    let mut bad = good.clone();
    bad.insert(10, 0xFF);
    std::fs::write(lock_path(&p), &bad).unwrap();
    rejected(&p, "Q0037", "cannot be read");
    // Replaced by a folder.
    std::fs::remove_file(lock_path(&p)).unwrap();
    std::fs::create_dir(lock_path(&p)).unwrap();
    rejected(&p, "Q0037", "cannot be read");
    // Deleted: the project remembers the return was locked.
    std::fs::remove_dir(lock_path(&p)).unwrap();
    rejected(&p, "Q0037", "is missing, but this return was locked");
    // Said deliberately.
    let o = p.run(&["lock", "--reset", "northshire-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn input_errors_once_blamed_on_the_layout_are_located() {
    // A band colour that is not a colour.
    let p = Project::fixture("risk-4x4");
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    assert!(
        q.contains("\"#b7e1cd\""),
        "the fixture declares band colours"
    );
    p.write("quire.yaml", &q.replace("\"#b7e1cd\"", "red"));
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`red` is not a colour"),
        "{}",
        stderr(&o)
    );

    // A date in year 10000.
    let p = Project::fixture("minimal");
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &yaml.replace("meeting-date: 2025-02-04", "meeting-date: +10000-01-01"),
    );
    rejected(&p, "Q0008", "paper.yaml:2:");
}

#[test]
fn nested_footnotes_build_identically_and_keep_every_note() {
    let p = Project::fixture("minimal");
    narrative(
        &p,
        "# Position\n\nText[^a] and more[^c].\n\n[^a]: A note[^b].\n[^b]: B note.\n[^c]: C note.\n",
    );
    let mut first: Option<Vec<u8>> = None;
    for j in ["1", "2", "4", "1", "3", "2", "1", "4"] {
        let o = p.run(&["build", "--force", "-j", j]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let pdf = std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap();
        match &first {
            None => {
                let text = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
                for note in ["A note", "B note", "C note"] {
                    assert!(text.contains(note), "{note} dropped:\n{text}");
                }
                first = Some(pdf);
            }
            Some(f) => assert!(f == &pdf, "a rebuild with -j {j} differs"),
        }
    }
}

/// Every fixture that builds, built three times under different `-j` and
/// different sizes of Typst's thread pool (one thread per core unless
/// RAYON_NUM_THREADS says otherwise), gives byte-identical outputs.
#[test]
fn every_fixture_builds_byte_identically_under_any_jobs() {
    let fixtures = std::fs::read_dir(repo().join("tests/fixtures")).unwrap();
    let mut names: Vec<String> = fixtures
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut built = 0;
    for name in names {
        let p = Project::fixture(&name);
        let mut outputs: Option<Vec<(String, Vec<u8>)>> = None;
        for (j, threads) in [("1", "1"), ("3", "4"), ("2", "2")] {
            let o = p.run_env(
                &["build", "--force", "-j", j, "-q"],
                &[("RAYON_NUM_THREADS", threads)],
            );
            if code(&o) != 0 {
                break;
            }
            let now = read_outputs(&p.path().join("out"));
            match &outputs {
                None => outputs = Some(now),
                Some(first) => assert!(
                    first == &now,
                    "{name}: outputs differ with -j {j} and {threads} Typst threads"
                ),
            }
        }
        built += usize::from(outputs.is_some());
    }
    assert!(built >= 5, "only {built} fixtures built");
}

fn read_outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && n != "manifest.json")
        .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn register_names_are_words_so_generated_keys_cannot_collide() {
    let p = Project::fixture("minimal");
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("{yaml}registers:\n  x: ../registers/x.yaml\n  \"x/A\": ../registers/x.yaml\n"),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(
        e.contains("error[Q0007]: `x/A` is not a register name"),
        "{e}"
    );
}
