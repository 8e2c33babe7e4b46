//! `quire schema`: the JSON Schemas an editor uses agree with quire's validators.
//! Every YAML file of a known kind in the demo and the fixtures is checked with
//! Ajv (draft-07) after parsing with `yaml` (the parser yaml-language-server
//! uses), both run by node from tests/browser (tests/browser/schema.mjs): a file
//! quire accepts is accepted by its schema, and a file where quire reports an
//! unknown key (Q0004) or a wrong type (Q0006) is rejected by it.

use crate::harness::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Each file checked against its schema: (file, valid, errors).
pub fn ajv(node: &Path, pairs: &[(PathBuf, PathBuf)]) -> Vec<(PathBuf, bool, String)> {
    let input = serde_json::to_string(pairs).unwrap();
    let mut child = Command::new(node)
        .arg(repo().join("tests/browser/schema.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "schema.mjs failed:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let errors = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("; ");
            (
                PathBuf::from(v["file"].as_str().unwrap()),
                v["valid"].as_bool().unwrap(),
                errors,
            )
        })
        .collect()
}

/// The schema `quire schema` writes for a project file, as `quire new` points
/// to it: by the file's name or folder; a paper on a report template has its own.
pub fn schema_of(rel: &Path, text: &str) -> Option<String> {
    let name = rel.file_name()?.to_str()?;
    let kind = match name {
        "quire.yaml" => "quire",
        "paper.yaml" => "paper",
        "return.yaml" => "return",
        "plan.yaml" => "plan",
        "appendix.yaml" => "appendix",
        "meeting.yaml" => "meeting",
        _ if name.ends_with(".yaml") => match rel.parent()?.file_name()?.to_str()? {
            "registers" => "register",
            "templates" => "template",
            "tables" => "tables",
            _ => return None,
        },
        _ => return None,
    };
    if kind == "paper"
        && let Some(t) = text
            .lines()
            .find_map(|l| l.strip_prefix("template:"))
            .and_then(|t| t.split('#').next())
            .map(str::trim)
        && let Some((name, version)) = t.split_once('@')
    {
        return Some(format!("paper.{name}-v{version}.schema.json"));
    }
    Some(format!("{kind}.schema.json"))
}

fn yaml_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let r = rel.join(&name);
        if e.path().is_dir() {
            if !["out", "expected", "layouts", ".quire", "fonts"].contains(&name.as_str()) {
                yaml_files(root, &r, out);
            }
        } else if name.ends_with(".yaml") {
            out.push(r);
        }
    }
}

/// The error codes `quire check` reports, by file.
fn errors_by_file(p: &Project) -> BTreeMap<String, BTreeSet<String>> {
    let o = p.run(&["check", "--diagnostic-format", "json"]);
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in stderr(&o).lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        if v["severity"] == "error" {
            by.entry(v["file"].as_str().unwrap_or_default().to_string())
                .or_default()
                .insert(v["code"].as_str().unwrap().to_string());
        }
    }
    by
}

/// Checks every YAML file of a known kind in `p` with `quire check` and with
/// its schema; returns the disagreements and (accepted, rejected) counts.
fn compare(node: &Path, p: &Project, label: &str) -> (Vec<String>, usize, usize) {
    let o = p.run(&["schema"]);
    assert!(o.status.success(), "{label}: {}", stderr(&o));
    let errors = errors_by_file(p);
    let mut files = Vec::new();
    yaml_files(p.path(), Path::new(""), &mut files);
    let schemas = p.path().join(".quire/schema");
    let mut pairs = Vec::new();
    let mut rels = BTreeMap::new();
    for rel in files {
        let text = std::fs::read_to_string(p.path().join(&rel)).unwrap();
        let Some(schema) = schema_of(&rel, &text) else {
            continue;
        };
        let full = p.path().join(&rel);
        rels.insert(full.clone(), rel.to_string_lossy().replace('\\', "/"));
        pairs.push((full, schemas.join(schema)));
    }
    let (mut bad, mut accepted, mut rejected) = (Vec::new(), 0, 0);
    let mut clean = Vec::new();
    for (file, valid, why) in ajv(node, &pairs) {
        let rel = &rels[&file];
        let codes = errors.get(rel).cloned().unwrap_or_default();
        let wrong = codes.contains("Q0004") || codes.contains("Q0006");
        if codes.is_empty() && !valid {
            bad.push(format!(
                "{label}/{rel}: quire accepts it, its schema rejects it: {why}"
            ));
        } else if wrong && valid {
            bad.push(format!(
                "{label}/{rel}: quire reports {codes:?}, its schema accepts it"
            ));
        }
        accepted += usize::from(valid && codes.is_empty());
        rejected += usize::from(!valid && wrong);
        if valid && codes.is_empty() {
            clean.push(file);
        }
    }
    // Then each accepted file with an unknown key added at its top level:
    // quire and the schema both reject every one.
    for f in &clean {
        let text = std::fs::read_to_string(f).unwrap();
        std::fs::write(f, format!("{text}\nnot-a-key-of-quire: 1\n")).unwrap();
    }
    let errors = errors_by_file(p);
    let mutated: Vec<(PathBuf, PathBuf)> = pairs
        .iter()
        .filter(|(f, _)| clean.contains(f))
        .cloned()
        .collect();
    for (file, valid, _) in ajv(node, &mutated) {
        let rel = &rels[&file];
        let quire = errors.get(rel).is_some_and(|c| c.contains("Q0004"));
        if !quire || valid {
            bad.push(format!(
                "{label}/{rel} with an unknown key: quire rejects it: {quire}, its schema: {}",
                !valid
            ));
        }
    }
    (bad, accepted, rejected)
}

#[test]
fn every_demo_and_fixture_file_is_judged_by_its_schema_as_by_quire() {
    let Some(node) = node() else {
        eprintln!(
            "SKIPPED every_demo_and_fixture_file_is_judged_by_its_schema_as_by_quire: node is not installed"
        );
        return;
    };
    let mut projects = vec![("demo".to_string(), Project::demo())];
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("quire.yaml").is_file())
        .collect();
    fixtures.sort();
    for f in fixtures {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        projects.push((name, Project::from_dir(&f)));
    }
    let (mut bad, mut accepted, mut rejected) = (Vec::new(), 0, 0);
    for (label, p) in &projects {
        let (b, a, r) = compare(&node, p, label);
        bad.extend(b);
        accepted += a;
        rejected += r;
    }
    eprintln!(
        "{accepted} file(s) accepted by quire and its schema; {rejected} rejected by both for an unknown key or a wrong type"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The demo, the valid fixtures and the deliberately invalid ones were all seen.
    assert!(accepted >= 40, "only {accepted} files accepted");
    assert!(rejected >= 2, "only {rejected} files rejected");
}

#[test]
fn an_unknown_key_or_a_wrong_type_is_rejected_by_quire_and_the_schema_alike() {
    let Some(node) = node() else {
        eprintln!(
            "SKIPPED an_unknown_key_or_a_wrong_type_is_rejected_by_quire_and_the_schema_alike: node is not installed"
        );
        return;
    };
    let p = Project::demo();
    let edit = |rel: &str, from: &str, to: &str| {
        let path = p.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // An unknown key at the top of a paper; a wrong type inside a risk; an
    // unknown key inside a return's agreement; a list where a meeting wants text.
    edit(
        "content/cype-risk-2019/paper.yaml",
        "\nsubject:",
        "\nreviewed-by: Someone\nsubject:",
    );
    edit(
        "content/registers/cype-corporate-2019-03.yaml",
        "    title: Safeguarding – protecting vulnerable children",
        "    title: { text: Safeguarding }",
    );
    edit(
        "content/kent-sv-2024-25-q1/return.yaml",
        "\nagreement:\n",
        "\nagreement:\n  signed-by: The DfE\n",
    );
    edit(
        "content/send-sub-2023-09/meeting.yaml",
        "\nkind: meeting",
        "\nkind: [meeting]",
    );
    let errors = errors_by_file(&p);
    for (rel, code) in [
        ("content/cype-risk-2019/paper.yaml", "Q0004"),
        ("content/registers/cype-corporate-2019-03.yaml", "Q0006"),
        ("content/kent-sv-2024-25-q1/return.yaml", "Q0004"),
    ] {
        assert!(
            errors.get(rel).is_some_and(|c| c.contains(code)),
            "quire does not report {code} in {rel}: {errors:?}"
        );
    }
    let o = p.run(&["schema"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = p.path().join(".quire/schema");
    let pairs = vec![
        (
            p.path().join("content/cype-risk-2019/paper.yaml"),
            s.join("paper.schema.json"),
        ),
        (
            p.path()
                .join("content/registers/cype-corporate-2019-03.yaml"),
            s.join("register.schema.json"),
        ),
        (
            p.path().join("content/kent-sv-2024-25-q1/return.yaml"),
            s.join("return.schema.json"),
        ),
        (
            p.path().join("content/send-sub-2023-09/meeting.yaml"),
            s.join("meeting.schema.json"),
        ),
    ];
    let results = ajv(&node, &pairs);
    let expect = [
        "must NOT have additional properties (reviewed-by)",
        "/risks/0/title must be string,number,boolean",
        "/agreement must NOT have additional properties (signed-by)",
        "/kind must be equal to one of the allowed values",
    ];
    for ((file, valid, why), want) in results.iter().zip(expect) {
        assert!(!valid, "{} passes its schema", file.display());
        assert!(why.contains(want), "{}: {why}", file.display());
    }
}

/// Every YAML file under `rel` in `p`, with the schema its first line names.
fn modelined(p: &Project, rels: &[&str]) -> Vec<(PathBuf, PathBuf)> {
    rels.iter()
        .map(|rel| {
            let path = p.path().join(rel);
            let text = std::fs::read_to_string(&path).unwrap();
            let first = text.lines().next().unwrap_or_default();
            let target = first
                .strip_prefix("# yaml-language-server: $schema=")
                .unwrap_or_else(|| panic!("{rel} starts with {first:?}"));
            let schema = path.parent().unwrap().join(target);
            assert!(
                schema.is_file(),
                "{rel} points at {target}, which is not there"
            );
            (path, schema)
        })
        .collect()
}

#[test]
fn scaffolded_files_point_at_their_schemas_and_pass_them() {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: PathBuf::new(),
    };
    let o = p.run(&["new", "project", "--name", "Imaginary Borough Council"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wrote .quire/schema/ (JSON Schemas for editors)"),
        "{}",
        stderr(&o)
    );
    for (kind, name) in [
        ("paper", "budget"),
        ("register", "strategic"),
        ("return", "sv-2025-26"),
        ("plan", "app"),
        ("meeting", "committee-2025-06"),
    ] {
        let o = p.run(&["new", kind, name]);
        assert!(o.status.success(), "new {kind}: {}", stderr(&o));
    }
    let o = p.run(&["new", "return", "sv-next", "--next", "sv-2025-26"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let next = std::fs::read_to_string(p.path().join("content/sv-next/return.yaml")).unwrap();
    assert_eq!(next.matches("# yaml-language-server:").count(), 1, "{next}");
    let files = [
        "quire.yaml",
        "content/budget/paper.yaml",
        "content/registers/strategic.yaml",
        "content/strategic/appendix.yaml",
        "content/sv-2025-26/return.yaml",
        "content/sv-next/return.yaml",
        "content/app/plan.yaml",
        "content/committee-2025-06/meeting.yaml",
    ];
    let pairs = modelined(&p, &files);
    assert!(
        pairs[0].1.ends_with(".quire/schema/quire.schema.json")
            && pairs[1]
                .1
                .ends_with("content/budget/../../.quire/schema/paper.schema.json"),
        "{pairs:?}"
    );
    // The schemas in the project are the ones quire carries.
    let o = p.run(&["schema", "--out", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for k in ["paper", "register", "return"] {
        let f = format!("{k}.schema.json");
        assert!(
            std::fs::read(p.path().join(".quire/schema").join(&f)).unwrap()
                == std::fs::read(p.path().join("again").join(&f)).unwrap(),
            "{f} differs"
        );
    }
    // Nothing under .quire/ is an input of a document.
    let o = p.run(&["build", "budget"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    assert!(!manifest.contains(".quire"), "{manifest}");
    let Some(node) = node() else {
        eprintln!(
            "SKIPPED the Ajv half of scaffolded_files_point_at_their_schemas_and_pass_them: node is not installed"
        );
        return;
    };
    for (file, valid, why) in ajv(&node, &pairs) {
        assert!(valid, "{}: {why}", file.display());
    }
}

#[test]
fn a_paper_on_a_report_template_has_its_cover_fields_sections_and_schema() {
    for (fixture, template, labels, sections) in [
        (
            "template-northmoor",
            "cabinet-report",
            &["Report of", "Final decision-maker", "Ward(s) affected"][..],
            &[
                "Context",
                "Proposal and reasons",
                "Available options",
                "Risk management",
            ][..],
        ),
        (
            "template-eastvale",
            "scrutiny-report@1",
            &["Report authorised by", "Purpose of report"][..],
            &["Context", "Consultation", "Equalities impact", "Next steps"][..],
        ),
    ] {
        let p = Project::fixture(fixture);
        std::fs::remove_dir_all(p.path().join("content/bad-paper")).unwrap();
        let o = p.run(&["new", "paper", "scaffolded", "--template", template]);
        assert!(o.status.success(), "{fixture}: {}", stderr(&o));
        let yaml = std::fs::read_to_string(p.path().join("content/scaffolded/paper.yaml")).unwrap();
        // Every cover field of the template, in its order, its label as a comment.
        let mut at = 0;
        for l in labels {
            let i = yaml[at..]
                .find(&format!("  # {l} ("))
                .unwrap_or_else(|| panic!("{fixture}: no `{l}` after byte {at}:\n{yaml}"));
            at += i;
        }
        // It checks and builds at once, with no warnings.
        let o = p.run(&["check", "scaffolded"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{fixture}:\n{e}\n{yaml}");
        assert!(!e.contains("warning[") && !e.contains("error["), "{e}");
        let o = p.run(&["build", "scaffolded"]);
        assert_eq!(o.status.code(), Some(0), "{fixture}: {}", stderr(&o));
        let text = squash(&pdf_text(&p.path().join("out/scaffolded.pdf")));
        let summary =
            "Replace this summary: say what the report asks the committee to do, and why.";
        for s in sections.iter().chain(labels).chain([&summary]) {
            assert!(text.contains(s), "{fixture}: no `{s}` in the PDF:\n{text}");
        }
        let pairs = modelined(&p, &["content/scaffolded/paper.yaml"]);
        let stem = if fixture == "template-northmoor" {
            "cabinet-report-v1"
        } else {
            "scrutiny-report-v1"
        };
        assert!(
            pairs[0].1.ends_with(format!("paper.{stem}.schema.json")),
            "{pairs:?}"
        );
        // The template's schema knows its cover: the scaffold passes, a
        // misspelt cover field and a choice off the list do not.
        let Some(node) = node() else {
            eprintln!(
                "SKIPPED the Ajv half of a_paper_on_a_report_template_has_its_cover_fields_sections_and_schema: node is not installed"
            );
            continue;
        };
        let broken = p.path().join("content/scaffolded/broken.yaml");
        std::fs::write(
            &broken,
            yaml.replacen("  wards: All", "  wardz: All", 1).replacen(
                "  purpose: \"Decision\"",
                "  purpose: Deciding",
                1,
            ),
        )
        .unwrap();
        let mut pairs = pairs;
        pairs.push((broken, pairs[0].1.clone()));
        let r = ajv(&node, &pairs);
        assert!(r[0].1, "{fixture}: {}", r[0].2);
        assert!(
            !r[1].1
                && r[1]
                    .2
                    .contains("/cover must NOT have additional properties (wardz)")
                && r[1]
                    .2
                    .contains("/cover/purpose must be equal to one of the allowed values"),
            "{fixture}: {}",
            r[1].2
        );
    }
}

#[test]
fn schema_without_a_project_needs_out() {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: PathBuf::new(),
    };
    let o = p.run(&["schema"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("help: run it in a project, or name a folder with `--out DIR`"),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["schema", "--out", "s"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "appendix", "meeting", "paper", "plan", "quire", "register", "return", "tables",
            "template"
        ]
        .map(|k| format!("{k}.schema.json"))
    );
}

#[test]
fn a_template_rule_the_placeholders_set_off_is_met_by_the_scaffold() {
    let p = Project::fixture("template-northmoor");
    std::fs::remove_dir_all(p.path().join("content/bad-paper")).unwrap();
    // Every choice of `publication` sets off the rule: its field and section are written.
    p.write(
        "templates/forced-v1.yaml",
        "name: Exempt report\ncover:\n  - { key: publication, label: Publication, type: choice, choices: [Not for publication], required: true }\n  - { key: exempt-paragraph, label: Exempt under paragraph, type: text }\n  - { key: urgent, label: Urgent, type: yes-no }\nrules:\n  - when: { publication: Not for publication }\n    require: [exempt-paragraph, Exempt information]\n  - when: { urgent: yes }\n    require: [urgency-reason]\nsections:\n  - { title: Context }\n  - { title: Exempt information, required: false }\n",
    );
    let o = p.run(&["new", "paper", "forced", "--template", "forced@1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(p.path().join("content/forced/paper.yaml")).unwrap();
    let md = std::fs::read_to_string(p.path().join("content/forced/01-report.md")).unwrap();
    assert!(
        yaml.contains("  exempt-paragraph: \"Exempt under paragraph (replace)\"\n")
            && yaml.contains("  urgent: ~ "),
        "{yaml}"
    );
    assert!(
        md.contains("# Context\n") && md.contains("# Exempt information\n"),
        "{md}"
    );
    let o = p.run(&["check", "forced"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{yaml}\n{md}", stderr(&o));
    // An unknown template is a usage error that says where templates live.
    let o = p.run(&["new", "paper", "other", "--template", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("there is no report template `nope` in templates/"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path().join("content/other").exists());
}

#[test]
fn a_paper_on_the_demo_county_template_keeps_its_cover_at_the_top() {
    // kcc-committee@1 prints its cover with committee-report@2, from the paper's own keys.
    let p = Project::demo();
    let o = p.run(&["new", "paper", "scaffolded", "--template", "kcc-committee"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(p.path().join("content/scaffolded/paper.yaml")).unwrap();
    assert!(
        yaml.contains("\nfrom: [{ name: Name of the person, role: Their role }]\n")
            && yaml.contains("\nsubject: \"Subject (replace)\"\n")
            && !yaml.contains("\ncover:"),
        "{yaml}"
    );
    let o = p.run(&["check", "scaffolded"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}\n{yaml}");
    assert!(!e.contains("warning[") && !e.contains("error["), "{e}");
    let o = p.run(&["build", "scaffolded"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/scaffolded.pdf")));
    for s in [
        "Subject (replace)",
        "Past Pathway of Paper (replace)",
        "Replace this summary",
    ] {
        assert!(text.contains(s), "no `{s}` in the PDF:\n{text}");
    }
    let pairs = modelined(&p, &["content/scaffolded/paper.yaml"]);
    assert!(
        pairs[0].1.ends_with("paper.kcc-committee-v1.schema.json"),
        "{pairs:?}"
    );
    let Some(node) = node() else {
        eprintln!(
            "SKIPPED the Ajv half of a_paper_on_the_demo_county_template_keeps_its_cover_at_the_top: node is not installed"
        );
        return;
    };
    // Without a required cover field, the template's schema objects as quire does.
    let broken = p.path().join("content/scaffolded/broken.yaml");
    std::fs::write(
        &broken,
        yaml.replacen("\nclassification: \"Classification (replace)\"", "", 1),
    )
    .unwrap();
    let mut pairs = pairs;
    pairs.push((broken, pairs[0].1.clone()));
    let r = ajv(&node, &pairs);
    assert!(r[0].1, "{}", r[0].2);
    assert!(
        !r[1].1
            && r[1]
                .2
                .contains("must have required property 'classification'"),
        "{}",
        r[1].2
    );
}
