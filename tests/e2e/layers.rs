//! The layers of ARCHITECTURE.md, checked: every `crate::…` path in `src/`
//! (in `use` lines, grouped `use crate::{…}` imports and paths in code) names
//! a top-level module; a module may use its own layer's modules and those
//! below, never one above, and the top-level modules never import each other
//! in a cycle. A new upward import fails here with the file that makes it.
//! Unit tests at the end of a file are left out: a test may build what it
//! tests from any layer.

use crate::harness::repo;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers from the ground up; a module may use modules of its own rank
/// or lower. Within a rank the order is fixed too (the later may use the
/// earlier), so that no two modules can use each other.
const LAYERS: &[&[&str]] = &[
    &["source", "diag", "write"],
    &["load"],
    &["model"],
    &["tables"],
    &["validate"],
    &["render"],
    &["typeset"],
    // discover, the archive (lock, manifest), then one document's pipeline
    // and the pack's composition.
    &["project", "lock", "manifest", "pipeline"],
    &["cli", "cmd"],
];

/// Imports that break the layering for a reason written here (from, to, why).
const ALLOWED: &[(&str, &str, &str)] = &[];

/// (rank, place within the rank) of a top-level module.
fn rank(module: &str) -> Option<(usize, usize)> {
    LAYERS
        .iter()
        .enumerate()
        .find_map(|(r, layer)| layer.iter().position(|m| *m == module).map(|p| (r, p)))
}

/// The top-level modules a Rust file names through `crate::`, each with the
/// first line that does so; comments are left out.
fn used(text: &str) -> BTreeMap<String, usize> {
    // The code without comments (`//` outside a string), and each line's start.
    // Unit tests (`#[cfg(test)] mod …` to the end of the file, as the crate
    // writes them) may use any layer to build what they test.
    let mut code = String::new();
    let mut starts = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "#[cfg(test)]" && lines.peek().is_some_and(|l| l.starts_with("mod ")) {
            break;
        }
        starts.push(code.len());
        let cut = line
            .match_indices("//")
            .map(|(at, _)| at)
            .find(|at| line[..*at].matches('"').count() % 2 == 0);
        code.push_str(&line[..cut.unwrap_or(line.len())]);
        code.push('\n');
    }
    let line_of = |at: usize| starts.partition_point(|s| *s <= at);
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeMap::new();
    for (at, _) in code.match_indices("crate::") {
        let after = &code[at + 7..];
        let Some(group) = after.strip_prefix('{') else {
            found.entry(ident(after)).or_insert(line_of(at));
            continue;
        };
        // `use crate::{a, b::{c, d}}`: the first name of each top-level entry.
        let mut depth = 1;
        let mut entry = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 || (depth == 1 && c == ',') {
                found.entry(ident(&entry)).or_insert(line_of(at));
                entry.clear();
                if depth == 0 {
                    break;
                }
            } else {
                entry.push(c);
            }
        }
    }
    found.remove("");
    found
}

/// Which top-level module a file under `src/` belongs to (None: lib.rs, main.rs).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every import between top-level modules: (from, to) → the first place.
fn graph() -> BTreeMap<(String, String), String> {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut edges = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let Some(from) = module_of(rel) else {
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        for (to, line) in used(&text) {
            if to != from {
                edges
                    .entry((from.clone(), to))
                    .or_insert(format!("src/{}:{line}", rel.display()));
            }
        }
    }
    edges
}

#[test]
fn no_module_imports_upward_or_in_a_cycle() {
    let edges = graph();
    let mut problems = Vec::new();
    let allowed = |from: &str, to: &str| ALLOWED.iter().any(|(f, t, _)| *f == from && *t == to);
    for ((from, to), at) in &edges {
        match (rank(from), rank(to)) {
            (None, _) => problems.push(format!("{at}: `{from}` is in no layer: add it to LAYERS (and ARCHITECTURE.md)")),
            (_, None) => problems.push(format!("{at}: `{to}` is in no layer: add it to LAYERS (and ARCHITECTURE.md)")),
            (Some(a), Some(b)) if b > a && !allowed(from, to) => problems.push(format!(
                "{at}: `{from}` imports `{to}`, a layer above it (see ARCHITECTURE.md, \"Layers\"): move what it needs down, or pass it in"
            )),
            _ => {}
        }
    }
    // A cycle needs an upward edge, but an allowed one could close one: look.
    let next: BTreeMap<&str, BTreeSet<&str>> =
        edges.keys().fold(BTreeMap::new(), |mut m, (f, t)| {
            m.entry(f.as_str()).or_default().insert(t.as_str());
            m
        });
    for start in next.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = next[start].iter().copied().collect();
        while let Some(m) = stack.pop() {
            if m == *start {
                problems.push(format!(
                    "`{start}` imports itself through other modules (a cycle)"
                ));
                break;
            }
            if seen.insert(m) {
                stack.extend(next.get(m).into_iter().flatten().copied());
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (from, to, why) in ALLOWED {
        assert!(!why.is_empty(), "{from} → {to}: say why it is allowed");
        assert!(
            edges.contains_key(&(from.to_string(), to.to_string())),
            "{from} → {to} is allowed but no longer made: remove it from ALLOWED"
        );
    }
}

/// The reader of imports sees every form the crate writes.
#[test]
fn imports_are_read_in_every_form() {
    let text = "use crate::diag::{Code, Diagnostic};\n\
        use crate::{load::{self, yaml}, model,\n    render::Rendered};\n\
        // crate::cmd in a comment\n\
        let x = crate::tables::csv(&t); /* */\n\
        let u = \"https://x\"; crate::lock::read();\n";
    let found: Vec<String> = used(text).into_keys().collect();
    assert_eq!(found, ["diag", "load", "lock", "model", "render", "tables"]);
}
