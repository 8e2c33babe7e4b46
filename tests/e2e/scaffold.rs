//! From nothing to a council's own paper: `quire new`, the layouts shipped in the
//! binary, and `quire layouts export`.

use crate::harness::*;
use std::path::PathBuf;

/// An empty temporary folder (no quire.yaml, no layouts, no fonts).
fn empty() -> Project {
    Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: PathBuf::new(),
    }
}

/// An empty folder made into a project by `quire new project`.
fn new_project() -> Project {
    let p = empty();
    let o = p.run(&["new", "project", "--name", "Imaginary Borough Council"]);
    assert!(o.status.success(), "{}", stderr(&o));
    p
}

fn read(p: &Project, rel: &str) -> String {
    std::fs::read_to_string(p.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn manifest(p: &Project) -> serde_json::Value {
    serde_json::from_str(&read(p, "out/manifest.json")).unwrap()
}

#[test]
fn from_an_empty_folder_to_a_built_paper() {
    let p = empty();
    let o = p.run(&["new", "project", "--name", "Imaginary Borough Council"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("created quire.yaml") && e.contains("created content/"),
        "{e}"
    );
    assert!(read(&p, "quire.yaml").contains("name: \"Imaginary Borough Council\""));
    assert!(p.path().join("content").is_dir());
    assert!(!p.path().join("layouts").exists() && !p.path().join("fonts").exists());

    let o = p.run(&["new", "paper", "x"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("created content/x/paper.yaml"),
        "{}",
        stderr(&o)
    );
    assert!(read(&p, "content/x/paper.yaml").contains("# the paper's title"));

    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning["), "{}", stderr(&o));
    // One page is "1 page".
    assert!(stderr(&o).contains("built x (1 page)\n"), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/x.pdf")));
    assert!(text.contains("Title of the report"), "{text}");
    assert!(text.contains("Name of the committee"), "{text}");
    // The narrative's template expression was filled from the data.
    assert!(text.contains("this paper goes to the meeting on"), "{text}");
    assert!(!text.contains("{{"), "{text}");

    // The layouts came from the binary, and the manifest says so with their hashes.
    let m = manifest(&p);
    let inputs = &m["documents"]["x"]["inputs"];
    for file in ["committee-report-v3.typ", "common-v2.typ"] {
        let shipped = std::fs::read(repo().join("layouts").join(file)).unwrap();
        assert_eq!(
            inputs[format!("(shipped) layouts/{file}")].as_str(),
            Some(quire::manifest::sha256(&shipped).as_str()),
            "{inputs}"
        );
        assert!(inputs[format!("layouts/{file}")].is_null(), "{inputs}");
    }
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("verified x"), "{}", stderr(&o));
    // Built by a quire whose shipped layout differed: verify says so.
    let path = p.path().join("out/manifest.json");
    let text = read(&p, "out/manifest.json");
    let old = inputs["(shipped) layouts/common-v2.typ"].as_str().unwrap();
    std::fs::write(&path, text.replace(old, &"0".repeat(64))).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("shipped layout changed in this quire: layouts/common-v2.typ"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn new_project_in_a_named_folder() {
    let p = empty();
    let o = p.run(&[
        "new",
        "project",
        "council",
        "--name",
        "Imaginary Borough Council",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(p.path().join("council/quire.yaml").is_file());
    assert!(p.path().join("council/content").is_dir());
    assert!(
        stderr(&o).contains("cd council && quire new paper"),
        "{}",
        stderr(&o)
    );
    // Without --name the organisation is a placeholder, and the author is told.
    let o = p.run(&["new", "project", "other"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read(&p, "other/quire.yaml").contains("Name of the organisation"));
    assert!(
        stderr(&o).contains("edit `organisation.name`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_kind_of_document_passes_check_and_builds() {
    let p = new_project();
    for (kind, name) in [
        ("paper", "budget"),
        ("register", "strategic"),
        ("return", "sv-2025-26"),
        ("plan", "app"),
        ("meeting", "committee-2025-06"),
    ] {
        let o = p.run(&["new", kind, name]);
        assert!(o.status.success(), "new {kind}: {}", stderr(&o));
        // Each on its own passes check, with no warnings.
        let o = p.run(&["check"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "after new {kind}:\n{e}");
        assert!(!e.contains("warning[") && !e.contains("error["), "{e}");
        assert!(e.contains(&format!("ok {name}")), "{e}");
    }
    assert!(p.path().join("content/registers/strategic.yaml").is_file());
    let o = p.run(&["build"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(!e.contains("warning["), "{e}");
    for pdf in ["budget", "strategic", "sv-2025-26", "app"] {
        assert!(
            p.path().join(format!("out/{pdf}.pdf")).is_file(),
            "no {pdf}.pdf:\n{e}"
        );
    }
    let text = squash(&pdf_text(&p.path().join("out/strategic.pdf")));
    assert!(text.contains("Title of the risk"), "{text}");
    let text = squash(&pdf_text(&p.path().join("out/sv-2025-26.pdf")));
    assert!(text.contains("Imaginary Borough Council"), "{text}");
    let o = p.run(&["pack", "committee-2025-06"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/committee-2025-06-pack.pdf")));
    assert!(text.contains("Declarations of interest"), "{text}");
}

#[test]
fn new_never_overwrites_and_checks_its_arguments() {
    let p = new_project();
    assert!(p.run(&["new", "paper", "x"]).status.success());
    let edited = "committee: Mine\n";
    p.write("content/x/paper.yaml", edited);
    let o = p.run(&["new", "paper", "x"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[Q0053]: `content/x/` already exists"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains(&format!("at {}", p.path().join("content/x").display())));
    assert_eq!(read(&p, "content/x/paper.yaml"), edited);
    // In the one-line format too, for editors and CI.
    let o = p.run(&["new", "paper", "x", "--diagnostic-format", "short"]);
    assert_eq!(
        stderr(&o).lines().next(),
        Some("error[Q0053]: `content/x/` already exists"),
        "{}",
        stderr(&o)
    );
    // Another kind in the same folder would make a second document named x.
    assert_eq!(p.run(&["new", "return", "x"]).status.code(), Some(1));
    assert!(!p.path().join("content/x/return.yaml").exists());
    // A register whose file exists: nothing is written, not even the appendix.
    p.write("content/registers/r.yaml", "mine\n");
    let o = p.run(&["new", "register", "r"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`content/registers/r.yaml` already exists"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path().join("content/r").exists());
    // quire.yaml is never replaced either.
    let o = p.run(&["new", "project", "--name", "Other"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`quire.yaml` already exists"));
    assert!(read(&p, "quire.yaml").contains("Imaginary Borough Council"));
    // A name that is not one folder name is a usage error.
    for bad in ["../escape", "a/b", ".hidden", "two words"] {
        let o = p.run(&["new", "paper", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("error[Q0060]"), "{}", stderr(&o));
    }
    assert!(!p.path().join("escape").exists());
    // Outside a project there is nowhere to add a document: a usage error.
    let o = empty().run(&["new", "paper", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("quire new project"), "{}", stderr(&o));
}

#[test]
fn a_return_starts_from_the_previous_one() {
    let p = new_project();
    assert!(p.run(&["new", "return", "sv-q1"]).status.success());
    // Update 1 is rated, submitted and locked; a table of the return reads a CSV
    // file beside it.
    let path = p.path().join("content/sv-q1/return.yaml");
    let q1 = std::fs::read_to_string(&path)
        .unwrap()
        .replace("    # assurance: { may: Green }", "    assurance: { may: Green }")
        .replace(
            "# submissions:                        # each submitted update; then run `quire lock`\n#   may:\n#     date-submitted: YYYY-MM-DD\n#     sign-off:\n#       - { role: s151, name: Name, title: S151 Officer, date: YYYY-MM-DD }\n#       - { role: dcs, name: Name, title: Director of Children's Services, date: YYYY-MM-DD }",
            "submissions:\n  may:\n    date-submitted: 2026-05-30\n    sign-off:\n      - { role: s151, name: A Person, title: S151 Officer, date: 2026-05-29 }\n      - { role: dcs, name: B Person, title: Director, date: 2026-05-29 }",
        );
    assert!(q1.contains("submissions:\n  may:"), "{q1}");
    std::fs::write(&path, &q1).unwrap();
    std::fs::write(
        p.path().join("content/sv-q1/notes.csv"),
        "id,label,n\na,A,1\n",
    )
    .unwrap();
    let o = p.run(&["lock", "sv-q1"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = p.run(&["new", "return", "sv-q2", "--next", "sv-q1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("opened Update 2 (September) (`current-update: sep`)"),
        "{e}"
    );
    assert!(!e.contains("warning"), "{e}");
    let q2 = read(&p, "content/sv-q2/return.yaml");
    // The previous return below its own schema line and a note, with the next
    // update opened and nothing else changed (comments and layout kept).
    let (modeline, body) = q1.split_once('\n').unwrap();
    assert_eq!(
        modeline,
        "# yaml-language-server: $schema=../../.quire/schema/return.schema.json"
    );
    let mut expected = body.replacen(
        "current-update: may                   #",
        "current-update: sep                   #",
        1,
    );
    // Each field "as at" the update is marked where the author must write.
    for key in ["data-as-at", "summary", "deficit", "ehcp", "tables"] {
        expected = expected.replacen(
            &format!("\n{key}:"),
            &format!("\n# {key}: carried forward from `Update 1 (May)`: write `Update 2 (September)`'s own (`Update 1 (May)`'s stays on record in its lock)\n{key}:"),
            1,
        );
    }
    assert_ne!(expected, body);
    assert!(
        q2.ends_with(&expected)
            && q2.starts_with(&format!(
                "{modeline}\n# Started from content/sv-q1/return.yaml for the next update, `sep`"
            )),
        "{q2}"
    );
    // The lock and the other files come too, as they are.
    for f in ["quire.lock", "notes.csv"] {
        assert_eq!(
            read(&p, &format!("content/sv-q1/{f}")),
            read(&p, &format!("content/sv-q2/{f}")),
            "{f}"
        );
    }
    assert_eq!(p.run(&["check"]).status.code(), Some(0));
    // Update 1 stays locked in the copy.
    let changed = q2.replace("Progress this update.", "Rewritten later.");
    assert_ne!(changed, q2);
    std::fs::write(p.path().join("content/sv-q2/return.yaml"), changed).unwrap();
    let o = p.run(&["check", "sv-q2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[Q0037]"), "{}", stderr(&o));
    std::fs::write(p.path().join("content/sv-q2/return.yaml"), &q2).unwrap();

    // Update 2 is not submitted: its next update is opened with a warning.
    let o = p.run(&["new", "return", "sv-q3", "--next", "sv-q2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: `sep` has no submission in content/sv-q2/return.yaml"),
        "{}",
        stderr(&o)
    );
    assert!(read(&p, "content/sv-q3/return.yaml").contains("current-update: dec "));
    // After the last update of the year there is no next one: nothing is written.
    let o = p.run(&["new", "return", "sv-q4", "--next", "sv-q3"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`dec` is the last update of the year"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path().join("content/sv-q4").exists());
    let o = p.run(&["new", "return", "sv-q5", "--next", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no return `nope`"), "{}", stderr(&o));
    assert!(!p.path().join("content/sv-q5").exists());
}

#[test]
fn layouts_export_copies_and_never_overwrites() {
    let p = new_project();
    assert!(p.run(&["new", "paper", "x"]).status.success());
    assert!(p.run(&["build"]).status.success());
    let before = std::fs::read(p.path().join("out/x.pdf")).unwrap();

    let o = p.run(&["layouts", "export", "committee-report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("wrote layouts/committee-report-v3.typ"), "{e}");
    assert!(
        e.contains("imports common-v2.typ, still the shipped copy"),
        "{e}"
    );
    let path = p.path().join("layouts/committee-report-v3.typ");
    let shipped = std::fs::read_to_string(repo().join("layouts/committee-report-v3.typ")).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), shipped);
    assert!(!p.path().join("layouts/common-v2.typ").exists());
    // The build now reads the project's copy: the manifest sees the switch.
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("layout now overridden by the project's layouts/committee-report-v3.typ"),
        "{}",
        stderr(&o)
    );
    assert!(p.run(&["build"]).status.success());
    let m = manifest(&p);
    let inputs = &m["documents"]["x"]["inputs"];
    assert!(
        inputs["layouts/committee-report-v3.typ"].is_string(),
        "{inputs}"
    );
    assert!(
        inputs["(shipped) layouts/common-v2.typ"].is_string(),
        "{inputs}"
    );
    assert_eq!(std::fs::read(p.path().join("out/x.pdf")).unwrap(), before);

    // Exporting the same bytes again is harmless.
    let o = p.run(&["layouts", "export", "committee-report@3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("unchanged layouts/committee-report-v3.typ"));

    // The council restyles its copy: the build uses it, and export never overwrites it.
    let mine = shipped.replace(
        "#let para(body) = {",
        "#let para(body) = {\n  set text(fill: rgb(\"#003366\"))",
    );
    assert_ne!(mine, shipped);
    std::fs::write(&path, &mine).unwrap();
    assert!(p.run(&["build"]).status.success());
    assert_ne!(std::fs::read(p.path().join("out/x.pdf")).unwrap(), before);
    for args in [
        &["layouts", "export", "committee-report"][..],
        &["layouts", "export"][..],
    ] {
        let o = p.run(args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(
                "error[Q0053]: `layouts/committee-report-v3.typ` already exists and differs"
            ),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), mine);
        // All or nothing: the other layouts were not written either.
        assert!(!p.path().join("layouts/common-v2.typ").exists());
    }
    let o = p.run(&["layouts", "list"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.contains("committee-report-v3.typ") && l.contains("overridden")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("safety-valve-v3.typ") && l.ends_with("shipped")),
        "{out}"
    );
    // The council's copy goes away: the shipped one would be used, and verify says so.
    assert!(p.run(&["build"]).status.success());
    std::fs::remove_file(&path).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "layout removed from the project: layouts/committee-report-v3.typ (the shipped copy would be used now)"
        ),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["layouts", "export", "comittee-report"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `committee-report`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unknown_layout_lists_what_exists_and_how_to_get_one() {
    let p = new_project();
    assert!(p.run(&["new", "paper", "x"]).status.success());
    p.write("layouts/fancy-report-v1.typ", "// mine\n");
    let yaml = read(&p, "content/x/paper.yaml")
        .replace("layout: committee-report@3", "layout: glossy-report@1");
    p.write("content/x/paper.yaml", &yaml);
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0014]: layout `glossy-report@1` is not in this project"),
        "{e}"
    );
    assert!(
        e.contains("shipped with quire: agenda-pack@1, agenda-pack@2, app-report@1, app-report@2, app-report@3, committee-report@1, committee-report@2, committee-report@3, council-report@1, council-report@2, council-report@3, risk-appendix@1, risk-appendix@2, safety-valve@1, safety-valve@2, safety-valve@3; in this project's layouts/: fancy-report@1"),
        "{e}"
    );
    assert!(e.contains("quire layouts export"), "{e}");
}

#[test]
fn the_demo_builds_byte_identically_without_a_layouts_folder() {
    let with = Project::demo();
    let without = Project::demo();
    std::fs::remove_dir_all(without.path().join("layouts")).unwrap();
    for p in [&with, &without] {
        let o = p.run(&["build"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let o = p.run(&["pack"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let mut pdfs = 0;
    for e in std::fs::read_dir(with.path().join("out"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".pdf") {
            pdfs += 1;
            assert!(
                std::fs::read(e.path()).unwrap()
                    == std::fs::read(without.path().join("out").join(&name)).unwrap(),
                "{name} differs when the layouts come from the binary"
            );
        }
    }
    assert!(pdfs >= 5, "only {pdfs} PDFs");
    let m = manifest(&without);
    assert!(
        m["documents"]["cype-risk-2019"]["inputs"]["(shipped) layouts/risk-appendix-v2.typ"]
            .is_string(),
        "{m}"
    );
    let o = without.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_empty_project_says_where_documents_are_looked_for() {
    let p = new_project();
    for cmd in ["build", "check"] {
        let o = p.run(&[cmd]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("note: no documents found: a document is a folder content/<name>/ holding paper.yaml, return.yaml, plan.yaml or appendix.yaml")
                && e.contains("help: start one with `quire new paper NAME`"),
            "{cmd}: {e}"
        );
    }
    // Once there is a document, the note is gone.
    assert!(p.run(&["new", "paper", "x"]).status.success());
    let o = p.run(&["check"]);
    assert!(!stderr(&o).contains("no documents found"), "{}", stderr(&o));
}

#[test]
fn check_reports_template_errors_in_meeting_items_as_pack_does() {
    let p = new_project();
    assert!(p.run(&["new", "meeting", "m"]).status.success());
    let yaml = read(&p, "content/m/meeting.yaml").replace(
        "  - { number: \"3\", title: Minutes of the last meeting }",
        "  - { number: \"3\", title: Minutes of the last meeting, markdown: minutes.md }\n  - { number: \"4\", title: Exempt minutes, markdown: exempt.md, exempt: 3 }",
    );
    std::fs::write(p.path().join("content/m/meeting.yaml"), yaml).unwrap();
    std::fs::write(
        p.path().join("content/m/minutes.md"),
        "Held on {{ meeting.nosuch }}.\n",
    )
    .unwrap();
    std::fs::write(
        p.path().join("content/m/exempt.md"),
        "Also {{ undefined_name }}.\n",
    )
    .unwrap();
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    // Both items' errors in one run, the exempt one included.
    assert!(
        e.contains("content/m/minutes.md:1:") && e.contains("content/m/exempt.md:1:"),
        "{e}"
    );
    assert!(e.contains("invalid m (meeting)"), "{e}");
    let o = p.run(&["pack", "m"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn build_and_check_end_with_a_summary_by_code() {
    let p = Project::demo();
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let e = stderr(&o);
        let last = e
            .lines()
            .rev()
            .find(|l| l.starts_with("summary: "))
            .unwrap_or_else(|| panic!("{cmd}: {e}"));
        assert!(last.contains("unused KPIs (Q0041)"), "{last}");
        assert!(last.ends_with("; run with -v for details"), "{last}");
        // The figure is the real count of that code's warnings, shown with -v.
        let n: usize = last["summary: ".len()..]
            .split(", ")
            .find(|s| s.contains("(Q0041)"))
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let v = p.run(
            &[cmd, "-v", "--force"]
                .iter()
                .copied()
                .filter(|a| cmd == "build" || *a != "--force")
                .collect::<Vec<_>>(),
        );
        let ve = stderr(&v);
        assert_eq!(ve.matches("warning[Q0041]").count(), n, "{ve}");
        assert!(!ve.contains("run with -v for details"), "{ve}");
    }
}

#[test]
fn a_next_return_reads_ids_as_check_does_and_stays_inside_the_project() {
    let p = new_project();
    assert!(p.run(&["new", "return", "sv-a"]).status.success());
    // Update ids written as numbers are ids to `quire check`, and so to `--next`.
    let path = p.path().join("content/sv-a/return.yaml");
    let numeric = std::fs::read_to_string(&path)
        .unwrap()
        .replace("{ id: may,", "{ id: 1,")
        .replace("{ id: sep,", "{ id: 2,")
        .replace("{ id: dec,", "{ id: 3,")
        .replace("current-update: may ", "current-update: 1   ")
        .replace("      may: |", "      1: |");
    assert!(numeric.contains("current-update: 1 "), "{numeric}");
    std::fs::write(&path, numeric).unwrap();
    let o = p.run(&["check", "sv-a"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = p.run(&["new", "return", "sv-b", "--next", "sv-a"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        read(&p, "content/sv-b/return.yaml").contains("current-update: \"2\" "),
        "{}",
        read(&p, "content/sv-b/return.yaml")
    );
    assert_eq!(p.run(&["check", "sv-b"]).status.code(), Some(0));

    // A return folder linked from outside the project is refused, as `quire
    // check` refuses it, and nothing of it is copied in.
    let outside = tempfile::tempdir().unwrap();
    let there = outside.path().join("sv-out");
    std::fs::create_dir(&there).unwrap();
    std::fs::copy(
        p.path().join("content/sv-a/return.yaml"),
        there.join("return.yaml"),
    )
    .unwrap();
    std::fs::write(there.join("secret.txt"), "not the council's").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&there, p.path().join("content/sv-linked")).unwrap();
        let o = p.run(&["new", "return", "sv-c", "--next", "sv-linked"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("resolves outside the project")
                && stderr(&o).contains("help: keep every input file inside the project folder"),
            "{}",
            stderr(&o)
        );
        assert!(!p.path().join("content/sv-c").exists());
    }
}

/// A scaffold with every commented line that holds a field made live (the
/// header's prose before the first key stays a comment).
fn uncommented(yaml: &str) -> String {
    let mut out = String::new();
    let mut started = false;
    for line in yaml.lines() {
        let body = line.trim_start();
        started |= !body.is_empty() && !body.starts_with('#');
        let indent = &line[..line.len() - body.len()];
        match body.strip_prefix("# ") {
            Some(rest) if started => {
                out.push_str(indent);
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Issue 25: the plan scaffold's BRAG scale marks both of its "complete"
/// ratings as the plan says them (Blue, and Green "Complete."), and every
/// field its layout prints is in it, commented where optional: made live,
/// they pass `check` and are printed.
#[test]
fn the_plan_scaffold_marks_green_complete_and_has_every_printed_field() {
    let p = new_project();
    let o = p.run(&["new", "plan", "app"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = read(&p, "content/app/plan.yaml");
    assert!(
        yaml.contains("{ name: Green, colour: \"#8fd19e\", progress: Complete., impact: Clear impact., complete: true }")
            && yaml.contains("{ name: Blue,  colour: \"#9dc3e6\", progress: Embedded and sustained., impact: Sustained impact., complete: true }"),
        "{yaml}"
    );
    for key in [
        "# summary: |",
        "# high-impact:",
        "# evidence:",
        "# kpis: [K01]",
        "# measures:",
        "#     targets:",
        "#     actuals:",
        "# partnership-risk-scale:",
        "# partnership-risks:",
    ] {
        assert!(yaml.contains(key), "no `{key}`:\n{yaml}");
    }
    let live = uncommented(&yaml).replace("YYYY-MM-DD", "2025-01-31");
    p.write("content/app/plan.yaml", &live);
    let o = p.run(&["check", "app"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{live}", stderr(&o));
    assert!(!stderr(&o).contains("error["), "{}", stderr(&o));
    let o = p.run(&["build", "app", "--format", "html"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = read(&p, "out/app.html");
    for s in [
        "Where the area stands.",
        "What shows the progress.",
        "Another measure as the plan words it",
        "Partnership risk register",
        "What a high severity means.",
        "Progress so far.",
    ] {
        assert!(report.contains(s), "no `{s}` in the report");
    }
    let scorecard = read(&p, "out/app-scorecard.html");
    assert!(scorecard.contains("Name of the KPI"), "{scorecard}");
}

/// Issue 25: a paper scaffold names every field its layout prints (commented
/// where optional; made live, they pass `check` and are printed); a council
/// whose report template asks for wards gets a scaffold that says its wards
/// field and not a county's electoral divisions, and on the template the
/// field is `wards`.
#[test]
fn a_paper_scaffold_has_every_printed_field_and_a_borough_says_wards() {
    let p = new_project();
    let o = p.run(&["new", "paper", "budget"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = read(&p, "content/budget/paper.yaml");
    for key in [
        "# to:",
        "# classification:",
        "# past-pathway:",
        "# future-pathway:",
        "# background-documents:",
        "# appendices:",
        // A borough has no electoral divisions: the county's field is offered
        // commented, so nothing it does not print reaches its cover.
        "\n# electoral-divisions: [All]",
    ] {
        assert!(yaml.contains(key), "no `{key}`:\n{yaml}");
    }
    p.write("content/budget/appendix.md", "The text of the appendix.\n");
    let live = uncommented(&yaml);
    p.write("content/budget/paper.yaml", &live);
    let o = p.run(&["check", "budget"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{live}", stderr(&o));
    let o = p.run(&["build", "budget"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/budget.pdf")));
    for s in [
        "Past pathway of paper: None",
        "Background documents",
        "Title of the document",
        "Title of the appendix",
        "The text of the appendix.",
    ] {
        assert!(text.contains(s), "no `{s}` in the PDF:\n{text}");
    }

    // A borough: its report template's cover asks for wards.
    let b = Project::fixture("template-lowmere");
    let o = b.run(&["new", "paper", "plain"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = read(&b, "content/plain/paper.yaml");
    assert!(
        !yaml.contains("electoral-divisions")
            && yaml.contains("`wards:` in templates/cabinet-report-v1.yaml")
            && yaml.contains("quire new paper NAME --template cabinet-report-v1"),
        "{yaml}"
    );
    let o = b.run(&["check", "plain"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{yaml}", stderr(&o));
    let o = b.run(&[
        "new",
        "paper",
        "on-template",
        "--template",
        "cabinet-report",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = read(&b, "content/on-template/paper.yaml");
    assert!(
        yaml.contains("\n  wards: All\n")
            && yaml.contains("All, or a list of wards")
            && !yaml.contains("electoral-divisions"),
        "{yaml}"
    );
    // A county council without a template: the divisions are a live line.
    let k = empty();
    assert!(
        k.run(&["new", "project", "--name", "Imaginary County Council"])
            .status
            .success()
    );
    assert!(k.run(&["new", "paper", "plain"]).status.success());
    let yaml = read(&k, "content/plain/paper.yaml");
    assert!(yaml.contains("\nelectoral-divisions: [All]"), "{yaml}");

    // The county's template: its field is the electoral divisions, and says so.
    let c = Project::demo();
    let o = c.run(&["new", "paper", "county", "--template", "kcc-committee"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = read(&c, "content/county/paper.yaml");
    assert!(
        yaml.contains("\nelectoral-divisions: All\n")
            && yaml.contains("All, or a list of electoral divisions")
            && !yaml.contains("list of wards"),
        "{yaml}"
    );
}

/// Issue 25: the return scaffold has every field `safety-valve@3` prints,
/// commented where optional: made live, they pass `check` and are printed.
#[test]
fn the_return_scaffold_has_every_printed_field() {
    let p = new_project();
    let o = p.run(&["new", "return", "sv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = read(&p, "content/sv/return.yaml");
    for key in [
        "# title:",
        "# data-as-at:",
        "# prompts:",
        "# deficit:",
        "# ehcp:",
        "# questions:",
        "# risk-numbering:",
        "# group:",
        "# kpis:",
        "# appendices:",
        "# background-documents:",
        "# contact:",
    ] {
        assert!(yaml.contains(key), "no `{key}`:\n{yaml}");
    }
    // Everything made live but the submissions (a submitted update needs a lock).
    let start = yaml.find("# submissions:").unwrap();
    let end = yaml[start..]
        .find("\n# prompts:")
        .map(|e| start + e)
        .unwrap();
    let kept = format!("{}{}", &yaml[..start], &yaml[end + 1..]);
    let live = uncommented(&kept)
        .replace("YYYY-MM-DD", "2024-03-01")
        .replacen("YYYY-YY", "2023-24", 1)
        .replacen("YYYY-YY", "2029-30", 1);
    assert!(!live.contains("submissions"), "{live}");
    p.write("content/sv/return.yaml", &live);
    p.write("content/sv/appendix.md", "The text of the appendix.\n");
    let o = p.run(&["check", "sv"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{live}", stderr(&o));
    let o = p.run(&["build", "sv", "--format", "html"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = read(&p, "out/sv.html");
    for s in [
        "Safety Valve agreement monitoring report",
        "A line under the title",
        "31 May 2025",
        "The template’s prompt before the summary.",
        "Per the agreement letter",
        "A note on the deficit profile.",
        "Number of EHCPs",
        "How the numbers were counted.",
        "An answer to the advisers’ question.",
        "Name of the group",
        "Name of the KPI",
        "What the figure shows.",
        "The text of the appendix.",
        "Title of the document",
        "Name of the contact",
    ] {
        assert!(page.contains(s), "no `{s}` in the return:\n{page}");
    }
}
