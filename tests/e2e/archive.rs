//! The archive: manifest, up-to-date skipping, verify, versioned layouts, PDF/A, shards.

use crate::harness::*;

#[test]
fn manifest_records_inputs_and_unchanged_papers_are_skipped() {
    let p = Project::fixture("minimal");
    assert!(p.run(&["build"]).status.success());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap())
            .unwrap();
    let e = &m["documents"]["budget-2025"];
    assert_eq!(e["layout"], "committee-report@3");
    assert_eq!(e["typst"], "0.15.1");
    for input in [
        "quire.yaml",
        "content/budget-2025/paper.yaml",
        "content/budget-2025/01-position.md",
        "layouts/committee-report-v3.typ",
        "layouts/common-v2.typ",
    ] {
        assert!(
            e["inputs"][input].as_str().is_some_and(|h| h.len() == 64),
            "{input} not recorded: {e}"
        );
    }
    let pdf = std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap();
    assert_eq!(
        e["outputs"]["budget-2025.pdf"].as_str().unwrap(),
        quire::manifest::sha256(&pdf)
    );
    let again = p.run(&["build"]);
    assert!(
        stderr(&again).contains("built 0 of 1 document(s), 1 up to date"),
        "{}",
        stderr(&again)
    );
    assert!(stderr(&p.run(&["build", "--force"])).contains("built 1 of 1 document(s)"));
    // A new narrative file in the paper's folder makes it stale.
    p.write(
        "content/budget-2025/02-more.md",
        "# More\n\nAnother paragraph.\n",
    );
    assert!(stderr(&p.run(&["build"])).contains("built 1 of 1 document(s)"));
}

#[test]
fn verify_proves_byte_identity_and_explains_differences() {
    let p = Project::fixture("minimal");
    assert!(p.run(&["build"]).status.success());
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("verified budget-2025 (1 file(s) byte-identical)"));
    // One byte changed in an input.
    let md = p.path().join("content/budget-2025/01-position.md");
    let text = std::fs::read_to_string(&md)
        .unwrap()
        .replacen("met on", "met in", 1);
    std::fs::write(&md, text).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("differs budget-2025"), "{e}");
    assert!(
        e.contains("input changed: content/budget-2025/01-position.md"),
        "{e}"
    );
    // A tampered PDF on disk is caught even when the inputs are as recorded.
    let p = Project::fixture("minimal");
    assert!(p.run(&["build"]).status.success());
    let pdf = p.path().join("out/budget-2025.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    std::fs::write(&pdf, bytes).unwrap();
    let e = stderr(&p.run(&["verify"]));
    assert!(
        e.contains("output modified since it was built: budget-2025.pdf"),
        "{e}"
    );
}

/// A council restyles its reports with a version of its own (`layouts/`
/// beside the shipped ones): a paper naming it is printed with it, and the
/// current version is not version 1. That an archived paper keeps its bytes is
/// the release goldens' test (`goldens.rs`), which compares with committed
/// sources rather than with another build.
#[test]
fn a_project_adds_a_layout_version_beside_the_shipped_ones() {
    let p = Project::fixture("minimal");
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("layout: committee-report@1\n{yaml}"),
    );
    assert!(p.run(&["build"]).status.success());
    let before = std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap();
    // The council restyles its reports: a v4 layout appears beside the
    // shipped versions.
    let v3 = std::fs::read_to_string(repo().join("layouts/committee-report-v3.typ")).unwrap();
    let v4 = v3.replace(
        "#let para(body) = {",
        "#let para(body) = {\n  set text(fill: rgb(\"#003366\"))",
    );
    assert_ne!(v3, v4);
    p.write("layouts/committee-report-v4.typ", &v4);
    assert!(p.run(&["build", "--force"]).status.success());
    assert!(
        before == std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap(),
        "a paper pinned to v1 changed"
    );
    // The current version (no `layout:` line) is not v1's output.
    p.write("content/budget-2025/paper.yaml", &yaml);
    assert!(p.run(&["build"]).status.success());
    let current = std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap();
    assert!(before != current, "the current layout printed what v1 did");
    // A new paper can use v4, which really differs.
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("layout: committee-report@4\n{yaml}"),
    );
    assert!(p.run(&["build"]).status.success());
    assert!(current != std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap());
}

#[test]
fn pdf_a_2b_is_declared() {
    let p = Project::fixture("minimal");
    let o = p.run(&["build", "--pdf-standard", "a-2b"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(p.path().join("out/budget-2025.pdf")).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("<pdfaid:part>2</pdfaid:part>")
            && raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "no PDF/A-2b identification"
    );
}

#[test]
fn shards_split_the_documents_without_overlap() {
    let p = Project::demo();
    let mut seen = Vec::new();
    for k in 1..=3 {
        let out = format!("shard{k}");
        let shard = format!("{k}/3");
        assert!(
            p.run(&["build", "--shard", &shard, "--out", &out])
                .status
                .success()
        );
        // A shard may hold no document at all: then nothing is written.
        for e in std::fs::read_dir(p.path().join(&out))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".pdf") && !name.contains("scorecard") {
                seen.push(name);
            }
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "cype-risk-2019.pdf",
            "kent-sv-2024-25-q1.pdf",
            "send-app-2023-cover.pdf",
            "send-app-2023.pdf",
            "send-lgsco-2023-09.pdf"
        ]
    );
    assert_eq!(p.run(&["build", "--shard", "4/3"]).status.code(), Some(2));
}

/// Text in a paper on a frozen version 1 layout is rendered as version 1 did:
/// later text rules (a signed sum kept whole on its line) apply from version 2,
/// so an archived paper's sources, and so its PDF, do not change.
#[test]
fn a_version_1_paper_keeps_version_1_text_rules() {
    let p = Project::fixture("minimal");
    let md = "content/budget-2025/01-position.md";
    let text = std::fs::read_to_string(p.path().join(md)).unwrap();
    p.write(
        md,
        &format!("{text}\nThe forecast moved by −£12.5 million.\n"),
    );
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    let content = |p: &Project| {
        std::fs::read_to_string(p.path().join("out/budget-2025.src/content.typ")).unwrap()
    };
    p.write(
        "content/budget-2025/paper.yaml",
        &format!("layout: committee-report@1\n{yaml}"),
    );
    let o = p.run(&["build", "--keep-sources"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v1 = content(&p);
    assert!(v1.contains("The forecast moved by −£12.5 million."), "{v1}");
    assert!(!v1.contains("#box(\"−£12.5\")"), "{v1}");
    p.write("content/budget-2025/paper.yaml", &yaml);
    let o = p.run(&["build", "--keep-sources", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(content(&p).contains("#box(\"−£12.5\")"), "{}", content(&p));
}

/// A return published on version 1 of the Safety Valve layout keeps building
/// as it was published, now that version 2 prints its deficit and EHCP tables
/// from the tables engine. The v1 layout files are frozen
/// (`layouts/FROZEN`), and the data they read (`sv.deficit`, `sv.ehcp`, apart from the
/// `table` key only v2 reads) is what the build before the change gave:
/// `expected/safety-valve-v1-data.json` was written by that build of the demo
/// return pinned to v1. Never rewrite it without a new layout version.
#[test]
fn a_return_pinned_to_version_1_reads_the_data_it_was_published_with() {
    let p = Project::demo();
    let path = "content/kent-sv-2024-25-q1/return.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    assert!(yaml.contains("layout: safety-valve@3\n"));
    p.write(
        path,
        &yaml.replace("layout: safety-valve@3\n", "layout: safety-valve@1\n"),
    );
    let o = p.run(&[
        "build",
        "kent-sv-2024-25-q1",
        "--keep-sources",
        "--format",
        "all",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("out/kent-sv-2024-25-q1.src/data.json")).unwrap(),
    )
    .unwrap();
    let mut read = serde_json::json!({
        "deficit": data["sv"]["deficit"],
        "ehcp": data["sv"]["ehcp"],
    });
    for t in ["deficit", "ehcp"] {
        // Only version 2 reads the engine's view.
        assert!(read[t]["table"].is_object(), "{t} has no engine view");
        read[t].as_object_mut().unwrap().remove("table");
    }
    let before: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/e2e/expected/safety-valve-v1-data.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        read == before,
        "the data a v1 return reads changed:\n{}",
        serde_json::to_string_pretty(&read).unwrap()
    );
    // And v1 still prints its own words, not v2's.
    let text = squash(&pdf_text(&p.path().join("out/kent-sv-2024-25-q1.pdf")));
    assert!(text.contains("the bands add to 20,028, 20,144"), "{text}");
    assert!(!text.contains("The figures in this table give"), "{text}");
}
