//! Diagnostics: every problem at once, rendered exactly (snapshots), exit codes.

use crate::harness::*;

fn check_snapshot(fixture: &str, args: &[&str], code: i32) {
    let p = Project::fixture(fixture);
    let o = p.run(args);
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
    let actual = redact(&stderr(&o), p.path());
    snapshot(&p.fixture.join("expected/stderr.txt"), &actual);
}

#[test]
fn invalid_paper_reports_every_problem_in_every_file() {
    check_snapshot("invalid-paper", &["build"], 1);
}

#[test]
fn template_errors_point_at_the_expression() {
    check_snapshot("template-errors", &["check"], 1);
}

#[test]
fn short_format_is_one_line_per_problem() {
    let p = Project::fixture("invalid-paper");
    let o = p.run(&["check", "--diagnostic-format", "short"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "content/bad-paper/paper.yaml:1:1: error[Q0004]: unknown key `comittee` in the paper"
        ),
        "{e}"
    );
    assert!(e.contains("content/registers/main.yaml:9:49: error[Q0021]: score 16 is not likelihood × impact (4 × 5 = 20)"), "{e}");
}

#[test]
fn yaml_syntax_and_duplicate_keys_are_located() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/paper.yaml",
        "committee: A\ncommittee: B\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0003]: duplicate mapping key: committee"),
        "{e}"
    );
    assert!(e.contains("content/budget-2025/paper.yaml:2:1"), "{e}");
    p.write(
        "content/budget-2025/paper.yaml",
        "committee: [A\nsubject: B\n",
    );
    let e = stderr(&p.run(&["check"]));
    assert!(e.contains("error[Q0002]"), "{e}");
}

#[test]
fn headings_that_skip_a_level_are_located() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/01-position.md",
        "### Detail first\n\nText.\n\n# Section\n\n### Too deep\n\n#\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0010]: the narrative's first heading is level 3"),
        "{e}"
    );
    assert!(e.contains("content/budget-2025/01-position.md:1:1"), "{e}");
    assert!(
        e.contains("error[Q0010]: this heading is level 3 but the one before it is level 1"),
        "{e}"
    );
    assert!(e.contains("help: start it with `##`"), "{e}");
    assert!(e.contains("error[Q0010]: this heading has no text"), "{e}");
}

/// Every problem says what to do: each `error[`/`warning[` block in the invalid
/// fixtures' outputs (the snapshots the other tests keep current) has a `help:` line.
#[test]
fn every_diagnostic_has_help() {
    let mut checked = 0;
    for e in std::fs::read_dir(repo().join("tests/fixtures")).unwrap() {
        let snap = e.unwrap().path().join("expected/stderr.txt");
        let Ok(text) = std::fs::read_to_string(&snap) else {
            continue;
        };
        let mut block: Vec<&str> = Vec::new();
        let mut check = |block: &[&str]| {
            if let Some(first) = block.first()
                && (first.starts_with("error[") || first.starts_with("warning["))
            {
                assert!(
                    block.iter().any(|l| l.contains("help: ")),
                    "{}: no help line in\n{}",
                    snap.display(),
                    block.join("\n")
                );
                checked += 1;
            }
        };
        for line in text.lines() {
            if line.starts_with("error") || line.starts_with("warning") || line.starts_with("note:")
            {
                check(&block);
                block.clear();
            }
            block.push(line);
        }
        check(&block);
    }
    assert!(
        checked > 30,
        "only {checked} diagnostics found in the snapshots"
    );
}

/// A malformed value is one error: not also "missing" or "lists nobody"; and a
/// key mis-indented to the top level gets no implausible "did you mean".
#[test]
fn no_cascades_and_no_implausible_suggestions() {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: std::path::PathBuf::new(),
    };
    assert!(
        p.run(&["new", "project", "--name", "X County Council"])
            .status
            .success()
    );
    assert!(p.run(&["new", "paper", "x"]).status.success());
    let path = p.path().join("content/x/paper.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    let start = good.find("from:").unwrap();
    let end = good.find("electoral-divisions:").unwrap();
    for (from, expect) in [
        (
            "from: Jane Smith\n",
            "error[Q0006]: expected a list (lines starting with `- `), found text",
        ),
        (
            "from:\n  - name: Jane Smith\n",
            "error[Q0005]: missing field `role` in a person in `from`",
        ),
        (
            "from:\n  - name: Jane Smith\n    role: Director\ndirector: Someone\n",
            "error[Q0004]: unknown key `director` in the paper",
        ),
    ] {
        std::fs::write(&path, format!("{}{from}{}", &good[..start], &good[end..])).unwrap();
        let o = p.run(&["check"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains(expect), "{e}");
        assert_eq!(e.matches("error[").count(), 1, "{from}: {e}");
        assert!(!e.contains("did you mean `to`"), "{e}");
    }
    // A date that does not exist is one error, not also a template error where
    // the narrative prints it (`{{ paper.meeting_date | date }}`).
    let bad = good.replacen("meeting-date: 20", "meeting-date: 2026-13-02 #", 1);
    std::fs::write(&path, bad).unwrap();
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0008]: `2026-13-02` is not a date that exists"),
        "{e}"
    );
    assert_eq!(e.matches("error[").count(), 1, "{e}");
    // A name under an empty `data` says where figures are declared, not
    // "`data.` has: " with nothing after it.
    std::fs::write(&path, &good).unwrap();
    let md = p.path().join("content/x/01-introduction.md");
    let text = std::fs::read_to_string(&md).unwrap();
    std::fs::write(
        &md,
        format!("{text}\nThe forecast is {{{{ data.forecast }}}}.\n"),
    )
    .unwrap();
    let e = stderr(&p.run(&["check"]));
    assert!(
        e.contains("= help: this document declares no figures under `data:`; add them there (`data: { name: 1234 }`) to use them as `data.name`"),
        "{e}"
    );
}

/// A key indented to line up with no mapping is reported, and the rest of the
/// file is still checked in the same run: the problems after it and before it,
/// each at its own line in the file as written.
#[test]
fn a_misindented_key_does_not_hide_the_other_problems() {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: std::path::PathBuf::new(),
    };
    assert!(
        p.run(&["new", "project", "--name", "X County Council"])
            .status
            .success()
    );
    assert!(p.run(&["new", "paper", "x"]).status.success());
    let path = p.path().join("content/x/paper.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    let bad = good
        .replacen("meeting-date: 20", "meeting-date: 2026-13-02 #", 1)
        .replacen(
            "    role: Director of the service",
            "   role: Director of the service",
            1,
        )
        .replacen("electoral-divisions:", "electoral-divison:", 1);
    assert_ne!(bad, good);
    std::fs::write(&path, bad).unwrap();
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    for expect in [
        "error[Q0008]: `2026-13-02` is not a date that exists\n  ┌─ content/x/paper.yaml:6:15",
        "error[Q0002]: the key `role` is indented by 3 spaces, which lines up with no mapping above it\n   ┌─ content/x/paper.yaml:14:4",
        "   = the rest of this file was checked as if it were indented like the nearest key above\n",
        "error[Q0004]: unknown key `electoral-divison` in the paper\n   ┌─ content/x/paper.yaml:19:1",
    ] {
        assert!(e.contains(expect), "{expect}\n---\n{e}");
    }
    assert_eq!(e.matches("error[").count(), 3, "{e}");
    // A syntax error that re-indenting cannot mend stops there, as before.
    let broken = good.replacen("summary: |", "summary: [unclosed", 1);
    std::fs::write(&path, broken).unwrap();
    let e = stderr(&p.run(&["check"]));
    assert_eq!(e.matches("error[").count(), 1, "{e}");
    assert!(!e.contains("the rest of this file"), "{e}");
}

#[test]
fn problems_are_located_by_line_whatever_the_line_ends() {
    // Old Mac line ends (a lone CR) are line breaks to the YAML reader, so
    // they are to the locations too: not line 1 at column 500.
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: std::path::PathBuf::new(),
    };
    assert!(
        p.run(&["new", "project", "--name", "X County Council"])
            .status
            .success()
    );
    assert!(p.run(&["new", "paper", "x"]).status.success());
    let path = p.path().join("content/x/paper.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    let bad = good
        .replacen("meeting-date: 20", "meeting-date: 2026-13-02 #", 1)
        .replacen(
            "    role: Director of the service",
            "   role: Director of the service",
            1,
        )
        .replacen("electoral-divisions:", "electoral-divison:", 1);
    assert_ne!(bad, good);
    for end in ["\r", "\r\n"] {
        std::fs::write(&path, bad.replace('\n', end)).unwrap();
        let o = p.run(&["check"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        for expect in [
            "error[Q0008]: `2026-13-02` is not a date that exists\n  ┌─ content/x/paper.yaml:6:15",
            "error[Q0002]: the key `role` is indented by 3 spaces, which lines up with no mapping above it\n   ┌─ content/x/paper.yaml:14:4",
            "error[Q0004]: unknown key `electoral-divison` in the paper\n   ┌─ content/x/paper.yaml:19:1",
        ] {
            assert!(e.contains(expect), "{end:?}: {expect}\n---\n{e}");
        }
    }
}

#[test]
fn a_key_behind_a_no_break_space_is_named_for_what_it_is() {
    let p = Project::fixture("minimal");
    let rel = "content/budget-2025/paper.yaml";
    let good = std::fs::read_to_string(p.path().join(rel)).unwrap();
    let bad = good.replacen("    role: Cabinet", "\u{a0}   role: Cabinet", 1);
    assert_ne!(bad, good);
    p.write(rel, &bad);
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0004]: unknown key `\u{a0}   role` in the paper\n  ┌─ content/budget-2025/paper.yaml:6:1")
            && e.contains("holds U+00A0, which looks like a space but is not one")
            && e.contains("help: retype the key as `role`, indented with ordinary spaces"),
        "{e}"
    );
    // The list of allowed keys names each key once.
    let p = Project::fixture("minimal");
    p.write(rel, &good.replacen("subject:", "zzqqxx:", 1));
    let e = stderr(&p.run(&["check"]));
    let help = e
        .lines()
        .find(|l| l.contains("the keys allowed here are"))
        .unwrap_or_else(|| panic!("{e}"));
    assert_eq!(help.matches(" from,").count(), 1, "{help}");
}

/// Every YAML file is read on past a key indented to line up with no mapping
/// (`load::yaml::parse_all`), so the problems after it show in the same run:
/// `quire.yaml`, a meeting, a declared table's own file, and a return as
/// `quire lock` reads it (through the pipeline, as a build does).
#[test]
fn every_yaml_file_reads_on_past_a_misindented_key() {
    let misindented = "error[Q0002]: the key `";
    let cases: [(&str, &str, &str, &str, &[&str]); 4] = [
        (
            "minimal",
            "quire.yaml",
            "  name: Testshire County Council\n",
            "  name: Testshire County Council\n   short: T\nbrand: x\n",
            &["check"],
        ),
        (
            "demo",
            "content/send-sub-2023-09/meeting.yaml",
            "  telephone: 03000 416624\n",
            "   telephone: 03000 416624\nvenu: x\n",
            &["check"],
        ),
        (
            "tables-valid",
            "content/tables/deficit.yaml",
            "title: Cumulative DSG deficit\n",
            "title: Cumulative DSG deficit\n   subtitle: x\ncolour: red\n",
            &["check"],
        ),
        (
            "valve-quarterly",
            "content/northshire-sv-2025-26/return.yaml",
            "authority: Northshire Council\n",
            "authority: Northshire Council\n   authorit: x\nsubmited: yes\n",
            &["lock"],
        ),
    ];
    for (fixture, file, from, to, args) in cases {
        let p = if fixture == "demo" {
            Project::demo()
        } else {
            Project::fixture(fixture)
        };
        let text = std::fs::read_to_string(p.path().join(file)).unwrap();
        assert!(text.contains(from), "{file}");
        p.write(file, &text.replacen(from, to, 1));
        let o = p.run(args);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {e}");
        assert!(e.contains(misindented), "{file}: {e}");
        assert!(
            e.contains("the rest of this file was checked as if it were indented like the nearest key above"),
            "{file}: {e}"
        );
        // The unknown key after it is reported in the same run.
        let after = to.lines().last().unwrap().split(':').next().unwrap();
        assert!(
            e.contains(&format!("unknown key `{after}`")),
            "{file}: `{after}` not reported\n{e}"
        );
    }
}
