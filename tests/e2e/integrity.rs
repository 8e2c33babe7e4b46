//! Issue 26, part B: nothing lost, nothing stale, nothing verified that was
//! not checked; author text is data, never structure. Each test reproduces
//! one finding of the attack and fails on the code before its fix.

use crate::harness::*;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

const PAPER: &str = "content/budget-2025/paper.yaml";
const RETURN: &str = "content/northshire-sv-2025-26/return.yaml";
const LOCK: &str = "content/northshire-sv-2025-26/quire.lock";

fn edit(p: &Project, rel: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    p.write(rel, &text.replacen(from, to, 1));
}

#[test]
fn a_bidirectional_control_in_a_title_is_refused_at_its_place() {
    let p = Project::fixture("minimal");
    edit(
        &p,
        PAPER,
        "subject: Revenue budget monitoring",
        "subject: Revenue \u{202E}gnirotinom budget",
    );
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(
            err.contains("error[Q0017]: text holds the bidirectional control character U+202E")
                && err.contains("paper.yaml:3:18")
                && err.contains("help: delete it"),
            "{err}"
        );
        // The character itself is never printed back (the line is shown with U+FFFD).
        assert!(!err.contains('\u{202E}'), "{err}");
    }
    // The same in a YAML escape, and in Markdown.
    let p = Project::fixture("minimal");
    edit(
        &p,
        PAPER,
        "subject: Revenue budget monitoring",
        "subject: \"Revenue \\u2067budget\"",
    );
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("U+2067"), "{}", stderr(&o));
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/01-position.md",
        "# Position\n\nThe \u{200F}forecast.\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("01-position.md:3:5"), "{}", stderr(&o));
}

/// A key holding a line break and what looks like another problem.
const FORGED: &str = "\"x\\nforged.yaml:1:1: error[Q0001]: fake \\u202E\": 1\n";

#[test]
fn an_author_value_cannot_forge_a_diagnostic_line_in_any_format() {
    let p = Project::fixture("minimal");
    let yaml = std::fs::read_to_string(p.path().join(PAPER)).unwrap();
    p.write(PAPER, &format!("{yaml}{FORGED}"));
    let o = p.run(&["check", "--diagnostic-format", "short"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    let problems: Vec<&str> = err.lines().filter(|l| l.contains("[Q")).collect();
    assert_eq!(problems.len(), 1, "one problem, one line:\n{err}");
    assert!(
        problems[0].starts_with("content/budget-2025/paper.yaml:")
            && problems[0].contains("x\\nforged.yaml:1:1: error[Q0001]: fake \\u{202E}"),
        "{err}"
    );
    assert!(!err.lines().any(|l| l.starts_with("forged.yaml")), "{err}");
    // Human: the message stays on its line.
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert!(!err.lines().any(|l| l.starts_with("forged.yaml")), "{err}");
    assert!(!err.contains('\u{202E}'), "{err}");
    // JSON: one object per line, the value escaped the same way.
    let o = p.run(&["check", "--diagnostic-format", "json"]);
    let out = stderr(&o);
    for line in out.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let m = v["message"].as_str().unwrap();
        assert!(!m.contains('\n') && !m.contains('\u{202E}'), "{m}");
    }
    assert!(out.contains("x\\\\nforged.yaml"), "{out}");
}

#[test]
fn an_amendment_reason_must_be_one_line_of_plain_text() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["lock"])), 0);
    edit(&p, RETURN, "forecast: 17.9", "forecast: 17.8");
    for reason in ["corrected\u{7}", "first line\nsecond", "a \u{202E}reversed"] {
        let o = p.run(&["lock", "--amend", "q2", "--reason", reason]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{err}");
        assert!(
            err.contains("error[Q0060]: --reason holds the control character U+")
                && err.contains("help: write the reason as one line"),
            "{err}"
        );
    }
    let before = std::fs::read_to_string(p.path().join(LOCK)).unwrap();
    assert!(!before.contains("amendments\": [\n"), "{before}");
    // A lock edited by hand to carry one is refused by check and build alike.
    let o = p.run(&["lock", "--amend", "q2", "--reason", "corrected"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lock = std::fs::read_to_string(p.path().join(LOCK)).unwrap();
    p.write(LOCK, &lock.replace("\"corrected\"", "\"corrected\\u0007\""));
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{cmd}: {err}");
        assert!(
            err.contains("cannot be read: amendment 1's reason holds the control character U+0007"),
            "{err}"
        );
    }
}

/// Runs quire with a time limit: a build that hangs (on a FIFO) fails the
/// test instead of hanging it.
fn run_limited(p: &Project, args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(bin())
        .current_dir(p.path())
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            panic!("`quire {}` did not finish in 120 s", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn manifest(p: &Project) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap())
        .unwrap()
}

fn set_manifest(p: &Project, m: &serde_json::Value) {
    p.write(
        "out/manifest.json",
        &serde_json::to_string_pretty(m).unwrap(),
    );
}

#[cfg(unix)]
#[test]
fn manifest_paths_are_confined_and_only_regular_files_are_read() {
    let p = Project::fixture("minimal");
    assert_eq!(code(&p.run(&["build"])), 0);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "not the council's").unwrap();
    let fifo = p.path().join("content/budget-2025/pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut m = manifest(&p);
    let entry = &mut m["documents"]["budget-2025"];
    let inputs = entry["inputs"].as_object_mut().unwrap();
    for path in [
        outside.path().join("secret.txt").display().to_string(),
        "../outside.txt".to_string(),
        "/dev/zero".to_string(),
        "content/budget-2025/pipe".to_string(),
    ] {
        inputs.insert(path, serde_json::json!("0".repeat(64)));
    }
    entry["outputs"]
        .as_object_mut()
        .unwrap()
        .insert("../escape.pdf".into(), serde_json::json!("0".repeat(64)));
    set_manifest(&p, &m);
    let o = run_limited(&p, &["verify"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    for want in [
        "the manifest names an input that is not a path inside the project: `/dev/zero`",
        "the manifest names an input that is not a path inside the project: `../outside.txt`",
        "input is not a regular file inside the project, or too large: content/budget-2025/pipe",
        "the manifest names an output that is not a file name in the output folder: `../escape.pdf`",
    ] {
        assert!(err.contains(want), "{want}:\n{err}");
    }
    // The build rebuilds (the entry is not one it could have written), and
    // replaces the entry with what it read.
    let o = run_limited(&p, &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = manifest(&p);
    let inputs = m["documents"]["budget-2025"]["inputs"].as_object().unwrap();
    assert!(
        inputs
            .keys()
            .all(|k| !k.starts_with('/') && !k.contains("..") && k != "content/budget-2025/pipe"),
        "{inputs:?}"
    );
    // A manifest that is not a file does not hang the build either.
    std::fs::remove_file(p.path().join("out/manifest.json")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(p.path().join("out/manifest.json"))
        .status()
        .unwrap();
    assert!(made.success());
    let o = run_limited(&p, &["verify"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

/// A text longer than a workbook cell: the workbook cannot be made.
fn too_long_for_a_cell(p: &Project) {
    let long = "word ".repeat(7000);
    edit(
        p,
        RETURN,
        "text: Issue final EHCPs within 20 weeks.",
        &format!("text: Issue final EHCPs within 20 weeks. {long}"),
    );
}

#[test]
fn a_document_whose_workbook_fails_writes_no_edition() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["build"])), 0);
    let out = p.path().join("out");
    let before: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    too_long_for_a_cell(&p);
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{cmd}: {err}");
        assert!(
            err.contains("error[Q0120]: the condition's text has 35034 characters: a workbook cell holds at most 32767")
                && err.contains("return.yaml:72:")
                && err.contains("help: shorten it"),
            "{cmd}: {err}"
        );
    }
    // Every previous output is as it was: none replaced, the manifest too.
    for (name, bytes) in &before {
        assert!(
            std::fs::read(out.join(name)).unwrap() == *bytes,
            "{name} was replaced by a failed build"
        );
    }
    // And nothing says it is up to date or verified.
    let o = p.run(&["verify"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("input changed: content/northshire-sv-2025-26/return.yaml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn outputs_a_build_no_longer_makes_are_removed_with_their_entry() {
    let p = Project::fixture("minimal");
    assert_eq!(code(&p.run(&["build", "--format", "all"])), 0);
    assert!(p.path().join("out/budget-2025.html").is_file());
    let o = p.run(&["build", "--format", "pdf"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !p.path().join("out/budget-2025.html").exists(),
        "the HTML of an earlier build is left beside a PDF it no longer matches"
    );
    let o = p.run(&["verify"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn an_edit_saved_while_a_build_runs_is_built_next_time() {
    let p = Project::fixture("minimal");
    let md = "content/budget-2025/01-position.md";
    let o = p.run_env(
        &["build"],
        &[(
            "QUIRE_TEST_EDIT_AFTER_READ",
            &format!("{md}=# Position\n\nSaved while the build ran.\n"),
        )],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    assert!(!pdf.contains("Saved while the build ran"), "{pdf}");
    // The manifest records the bytes that were built from, so the next build
    // sees the edit, and builds it.
    let o = p.run(&["build"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(err.contains("built budget-2025"), "{err}");
    let pdf = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    assert!(pdf.contains("Saved while the build ran"), "{pdf}");
    let o = p.run(&["verify"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn verify_accounts_for_every_file_in_the_output_folder() {
    let p = Project::fixture("minimal");
    assert_eq!(code(&p.run(&["build", "--format", "all"])), 0);
    // Tamper with the HTML and delete its line from the manifest.
    p.write("out/budget-2025.html", "<p>tampered</p>");
    let mut m = manifest(&p);
    m["documents"]["budget-2025"]["outputs"]
        .as_object_mut()
        .unwrap()
        .remove("budget-2025.html");
    set_manifest(&p, &m);
    let o = p.run(&["verify"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("budget-2025.html: a rebuild makes it, but the manifest does not list it"),
        "{err}"
    );
    assert!(err.contains("unlisted budget-2025.html"), "{err}");
    // Also with the format taken out of the recorded options.
    let mut m = manifest(&p);
    let opts = m["documents"]["budget-2025"]["options"]
        .as_array_mut()
        .unwrap();
    opts.retain(|o| o != "html");
    set_manifest(&p, &m);
    let o = p.run(&["verify"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("unlisted budget-2025.html"), "{err}");
    assert!(err.contains(", 1 unlisted file(s)"), "{err}");
    // A file quire could have written and no document lists.
    let p = Project::fixture("minimal");
    assert_eq!(code(&p.run(&["build"])), 0);
    p.write("out/stray.csv", "a,b\n");
    p.write("out/notes.txt", "not an output");
    let o = p.run(&["verify"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("unlisted stray.csv"), "{err}");
    assert!(!err.contains("notes.txt"), "{err}");
}

fn sha256(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_lock_must_agree_with_the_returns_submissions() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["lock"])), 0);
    let good = std::fs::read_to_string(p.path().join(LOCK)).unwrap();
    // Emptied: every submitted update is unlocked, and says so.
    let mut lock: serde_json::Value = serde_json::from_str(&good).unwrap();
    lock["updates"] = serde_json::json!({});
    p.write(LOCK, &serde_json::to_string_pretty(&lock).unwrap());
    edit(&p, RETURN, "forecast: 17.9", "forecast: 17.8");
    for cmd in ["check", "build"] {
        let o = p.run(&[cmd]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{cmd}: {err}");
        assert!(
            err.contains("error[Q0121]: `Q1` is submitted, but `content/northshire-sv-2025-26/quire.lock` does not lock it")
                && err.contains("error[Q0121]: `Q2` is submitted")
                && err.contains("help: if it was just submitted, run `quire lock northshire-sv-2025-26`"),
            "{cmd}: {err}"
        );
    }
    // A locked value replaced by the hash of the new one.
    let mut lock: serde_json::Value = serde_json::from_str(&good).unwrap();
    lock["updates"]["q2"]["deficit 2023-24 forecast"] = serde_json::json!(sha256("17.8"));
    p.write(LOCK, &serde_json::to_string_pretty(&lock).unwrap());
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("error[Q0121]: deficit 2023-24 forecast of `Q2` is locked as a hash, which only locks of earlier versions hold")
            && err.contains("help: restore `content/northshire-sv-2025-26/quire.lock` from version control"),
        "{err}"
    );
    // A lock written by an earlier version (every value a hash) still holds.
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["lock"])), 0);
    let mut lock: serde_json::Value = serde_json::from_str(&good).unwrap();
    for update in lock["updates"].as_object_mut().unwrap().values_mut() {
        for v in update.as_object_mut().unwrap().values_mut() {
            *v = serde_json::json!(sha256(v.as_str().unwrap()));
        }
    }
    p.write(LOCK, &serde_json::to_string_pretty(&lock).unwrap());
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    edit(&p, RETURN, "forecast: 17.9", "forecast: 17.8");
    let o = p.run(&["check"]);
    assert!(
        stderr(&o).contains("error[Q0037]: deficit 2023-24 forecast of `Q2` changed")
            && stderr(&o).contains("(recorded by an earlier version as a hash)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_deleted_lock_is_noticed_whatever_the_output_folder() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["lock"])), 0);
    let record = std::fs::read_to_string(p.path().join("quire-locks.json")).unwrap();
    assert!(
        record.contains("\"content/northshire-sv-2025-26/quire.lock\""),
        "{record}"
    );
    assert_eq!(code(&p.run(&["build", "--out", "shard-1"])), 0);
    std::fs::remove_file(p.path().join(LOCK)).unwrap();
    // Never built into out/, and built elsewhere: still an error.
    for args in [&["build", "--out", "shard-2"][..], &["check"][..]] {
        let o = p.run(args);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{args:?}: {err}");
        assert!(
            err.contains("error[Q0037]: `content/northshire-sv-2025-26/quire.lock` is missing, but this return was locked"),
            "{err}"
        );
    }
    assert!(!p.path().join("shard-2/northshire-sv-2025-26.pdf").exists());
    let o = p.run(&["lock", "--reset", "northshire-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["build", "--out", "shard-2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// A template whose label, help, choices and section titles hold line
/// breaks: `check` refuses each at its place.
#[test]
fn template_labels_keys_and_titles_are_one_line() {
    let p = Project::fixture("template-northmoor");
    let t = "templates/cabinet-report-v1.yaml";
    edit(
        &p,
        t,
        "label: Report of,",
        "label: \"Report of\\ninjected: 1\",",
    );
    edit(&p, t, "key: wards,", "key: \"wards: x\\nmore\",");
    edit(
        &p,
        t,
        "{ title: Context }",
        "{ title: \"Context\\n# Injected heading\" }",
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("error[Q0007]: this text holds a line break"),
        "{err}"
    );
    assert!(
        err.contains("cabinet-report-v1.yaml:7:") && err.contains("cabinet-report-v1.yaml:28:"),
        "{err}"
    );
    assert!(
        err.contains("error[Q0007]: `wards: x\\nmore` cannot be a key")
            && err.contains("cabinet-report-v1.yaml:12:")
            && err.contains("help: a key is one word"),
        "{err}"
    );
}

#[test]
fn the_next_return_never_takes_an_update_id_as_yaml() {
    let p = Project::fixture("valve-quarterly");
    edit(
        &p,
        RETURN,
        "{ id: q3, label: Q3 }",
        "{ id: \"q3\\ninjected: 1\", label: Q3 }",
    );
    let o = p.run(&[
        "new",
        "return",
        "next-sv",
        "--next",
        "northshire-sv-2025-26",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(p.path().join("content/next-sv/return.yaml")).unwrap();
    assert!(
        !text.lines().any(|l| l.starts_with("injected")),
        "an id wrote a key:\n{text}"
    );
    assert!(
        text.contains("current-update: \"q3\\ninjected: 1\""),
        "{text}"
    );
}

/// A watch running while another quire records a document: the watch's
/// next rebuild keeps that entry (the manifest is merged, entry by entry).
#[test]
fn watch_keeps_the_entries_other_runs_recorded() {
    use std::io::BufRead;
    let p = Project::fixture("minimal");
    // A second paper, built by another run while the watch runs.
    let src = p.path().join("content/budget-2025");
    let dst = p.path().join("content/other-2025");
    std::fs::create_dir_all(&dst).unwrap();
    for f in ["paper.yaml", "01-position.md"] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    let mut child = std::process::Command::new(bin())
        .current_dir(p.path())
        .args(["watch", "budget-2025"])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut wait_for = |what: &str| loop {
        match lines.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(l) => {
                seen.push(l.clone());
                if l.contains(what) {
                    return;
                }
            }
            Err(_) => panic!("timed out waiting for {what:?}:\n{}", seen.join("\n")),
        }
    };
    wait_for("watching ");
    let o = p.run(&["build", "other-2025"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(manifest(&p)["documents"]["other-2025"].is_object());
    // An edit (saved in one step): the watch rebuilds budget-2025 and saves
    // the manifest.
    p.write("edit.tmp", "# Position\n\nEdited while watching.\n");
    std::fs::rename(
        p.path().join("edit.tmp"),
        p.path().join("content/budget-2025/01-position.md"),
    )
    .unwrap();
    wait_for("built budget-2025");
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    let _ = child.wait();
    let m = manifest(&p);
    assert!(
        m["documents"]["other-2025"].is_object(),
        "the watch dropped another run's entry: {m}"
    );
    let o = p.run(&["verify"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
