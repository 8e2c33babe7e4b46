//! Release goldens: the Typst sources and HTML pages of every document of the
//! demo and of every fixture that builds, on the layout versions they name,
//! committed under `tests/goldens/<project>/<output>/` and compared byte for
//! byte with what this build makes of them. An upgrade of quire that changes an
//! archived paper's output fails here; `QUIRE_BLESS=1` rewrites the goldens
//! (review the diff: a change to a paper on a released layout is a defect
//! unless it fixes one in a figure).
//!
//! The sources come from the library (`pipeline::prepare`, the pack's
//! composition, `typeset::html::page`); no PDF is typeset, so the test stays
//! quick. `tests/fixtures/version-1/` pins one document of each kind to its
//! version 1 layout, so every released version is covered.

use crate::harness::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Every output file (golden-relative path → bytes) of the project at `root`.
fn outputs(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut sources = quire::source::SourceMap::new();
    let mut diags = quire::diag::Diagnostics::default();
    let mut files = BTreeMap::new();
    let Some(project) = quire::project::open(root, &mut sources, &mut diags) else {
        return files;
    };
    if diags.has_errors() {
        return files;
    }
    for doc in &project.documents {
        let prepared = quire::pipeline::prepare(&project, doc);
        for (suffix, r) in &prepared.rendered {
            add(&mut files, &format!("{}{suffix}", doc.id), root, r, true);
        }
    }
    // Each meeting's packs: the public one and the members' (exempt items in).
    for meeting in project.meetings() {
        for include_exempt in [false, true] {
            let Ok(pack) =
                quire::pipeline::pack::compose(&project, &meeting, include_exempt, &mut |_| {})
            else {
                continue;
            };
            add(&mut files, &pack.stem, root, &pack.rendered, false);
            for (name, r) in &pack.html {
                match quire::typeset::html::page(root, r) {
                    Ok(page) => {
                        files.insert(format!("{}/html/{name}", pack.stem), page.html);
                    }
                    Err(e) => panic!("{name}: no HTML page: {}", e.diagnostic.message),
                }
            }
        }
    }
    files
}

/// The files of one output: its Typst sources (the virtual files included)
/// and, with `html`, its HTML page.
fn add(
    files: &mut BTreeMap<String, Vec<u8>>,
    stem: &str,
    root: &Path,
    r: &quire::render::Rendered,
    html: bool,
) {
    for (name, text) in [
        ("main.typ", &r.main),
        ("content.typ", &r.content),
        ("data.json", &r.data),
    ] {
        if !text.is_empty() {
            files.insert(format!("{stem}/{name}"), text.as_bytes().to_vec());
        }
    }
    for (path, text) in &r.extra {
        files.insert(
            format!("{stem}/{}", path.trim_start_matches('/')),
            text.as_bytes().to_vec(),
        );
    }
    if html {
        match quire::typeset::html::page(root, r) {
            Ok(page) => {
                files.insert(format!("{stem}/page.html"), page.html);
            }
            Err(e) => panic!("{stem}: no HTML page: {}", e.diagnostic.message),
        }
    }
}

/// The files under `dir`, by path relative to it.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// Where two texts first differ: the line, and both versions of it.
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let line = want[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let around = |t: &[u8]| {
        let from = at.saturating_sub(60);
        let to = (at + 60).min(t.len());
        String::from_utf8_lossy(&t[from.min(to)..to]).into_owned()
    };
    format!(
        "first difference at byte {at} (line {line}):\n    golden: …{}…\n    now:    …{}…",
        around(want),
        around(got)
    )
}

/// The golden projects: the demo, then every fixture (by name).
fn projects() -> Vec<(String, std::path::PathBuf)> {
    let mut v = vec![("demo".to_string(), repo())];
    let mut fixtures: Vec<_> = std::fs::read_dir(repo().join("tests/fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("quire.yaml").is_file())
        .collect();
    fixtures.sort();
    v.extend(fixtures.into_iter().map(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        (name, p)
    }));
    v
}

#[test]
fn every_document_builds_its_release_goldens_byte_for_byte() {
    let goldens = repo().join("tests/goldens");
    let bless = std::env::var_os("QUIRE_BLESS").is_some();
    let mut problems = Vec::new();
    let mut compared = 0;
    let mut names = Vec::new();
    for (name, root) in projects() {
        let now = outputs(&root);
        let dir = goldens.join(&name);
        if bless {
            let _ = std::fs::remove_dir_all(&dir);
            for (rel, bytes) in &now {
                let p = dir.join(rel);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, bytes).unwrap();
            }
        }
        if !now.is_empty() {
            names.push(name.clone());
        }
        let want = read_tree(&dir);
        for (rel, bytes) in &want {
            match now.get(rel) {
                None => problems.push(format!("{name}/{rel}: no longer made")),
                Some(got) if got != bytes => problems.push(format!(
                    "{name}/{rel} differs: {}",
                    first_difference(bytes, got)
                )),
                Some(_) => compared += 1,
            }
        }
        for rel in now.keys().filter(|r| !want.contains_key(*r)) {
            problems.push(format!("{name}/{rel}: made but has no golden"));
        }
    }
    // No golden folder is left over from a project that is gone.
    for e in std::fs::read_dir(&goldens).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !names.contains(&n) {
            problems.push(format!("tests/goldens/{n}: no such project builds"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} release golden(s) differ (run with QUIRE_BLESS=1 only if the change is meant, and review the diff):\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The goldens cover every released layout version of every kind.
    let all = read_tree(&goldens);
    for label in quire::typeset::shipped::labels() {
        let (name, v) = label.split_once('@').unwrap();
        let import = format!("/layouts/{name}-v{v}.typ");
        assert!(
            all.iter()
                .any(|(rel, b)| rel.ends_with(".typ")
                    && String::from_utf8_lossy(b).contains(&import)),
            "no golden document uses {label}: add a small fixture pinned to it"
        );
    }
    assert!(compared > 100, "only {compared} golden files compared");
}
