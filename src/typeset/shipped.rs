//! The layouts quire ships, compiled into the binary (`include_str!`, one per file).
//!
//! A project needs no `layouts/` folder: the World serves `layouts/<file>.typ` from
//! the project when that file exists there (a project's own layout adds a version or
//! overrides a shipped one, explicitly), otherwise from the copy below. The manifest
//! records a shipped layout as `(shipped) layouts/<file>.typ` with the hash of the
//! copy in this binary, so `verify` can tell a quire upgrade from a project edit.
//! `quire layouts export` writes these copies into a project to change them.

use std::path::Path;

/// Manifest input key prefix for a layout read from the binary, not the project.
pub const PREFIX: &str = "(shipped) ";

/// The folder layouts live in, relative to the project root.
pub const DIR: &str = "layouts";

/// Every shipped layout file: (file name, text). A test keeps this in step with `layouts/`.
pub const FILES: &[(&str, &str)] = &[
    (
        "agenda-pack-v1.typ",
        include_str!("../../layouts/agenda-pack-v1.typ"),
    ),
    (
        "agenda-pack-v2.typ",
        include_str!("../../layouts/agenda-pack-v2.typ"),
    ),
    (
        "app-report-v1.typ",
        include_str!("../../layouts/app-report-v1.typ"),
    ),
    (
        "app-report-v2.typ",
        include_str!("../../layouts/app-report-v2.typ"),
    ),
    (
        "app-report-v3.typ",
        include_str!("../../layouts/app-report-v3.typ"),
    ),
    (
        "committee-report-v1.typ",
        include_str!("../../layouts/committee-report-v1.typ"),
    ),
    (
        "committee-report-v2.typ",
        include_str!("../../layouts/committee-report-v2.typ"),
    ),
    (
        "committee-report-v3.typ",
        include_str!("../../layouts/committee-report-v3.typ"),
    ),
    ("common-v1.typ", include_str!("../../layouts/common-v1.typ")),
    ("common-v2.typ", include_str!("../../layouts/common-v2.typ")),
    ("common-v3.typ", include_str!("../../layouts/common-v3.typ")),
    (
        "council-report-v1.typ",
        include_str!("../../layouts/council-report-v1.typ"),
    ),
    (
        "council-report-v2.typ",
        include_str!("../../layouts/council-report-v2.typ"),
    ),
    (
        "council-report-v3.typ",
        include_str!("../../layouts/council-report-v3.typ"),
    ),
    (
        "risk-appendix-v1.typ",
        include_str!("../../layouts/risk-appendix-v1.typ"),
    ),
    (
        "risk-appendix-v2.typ",
        include_str!("../../layouts/risk-appendix-v2.typ"),
    ),
    (
        "risk-parts-v3.typ",
        include_str!("../../layouts/risk-parts-v3.typ"),
    ),
    (
        "safety-valve-v1.typ",
        include_str!("../../layouts/safety-valve-v1.typ"),
    ),
    (
        "safety-valve-v2.typ",
        include_str!("../../layouts/safety-valve-v2.typ"),
    ),
    (
        "safety-valve-v3.typ",
        include_str!("../../layouts/safety-valve-v3.typ"),
    ),
    ("tables-v1.typ", include_str!("../../layouts/tables-v1.typ")),
    ("tables-v2.typ", include_str!("../../layouts/tables-v2.typ")),
];

/// The shipped HTML layouts (`layouts/html/<file>.html`), served and recorded like
/// the Typst ones: a project file at the same path wins.
pub const HTML_FILES: &[(&str, &str)] = &[
    (
        "agenda-pack-v2.html",
        include_str!("../../layouts/html/agenda-pack-v2.html"),
    ),
    (
        "app-report-v1.html",
        include_str!("../../layouts/html/app-report-v1.html"),
    ),
    (
        "app-report-v2.html",
        include_str!("../../layouts/html/app-report-v2.html"),
    ),
    (
        "app-report-v3.html",
        include_str!("../../layouts/html/app-report-v3.html"),
    ),
    (
        "committee-report-v1.html",
        include_str!("../../layouts/html/committee-report-v1.html"),
    ),
    (
        "committee-report-v2.html",
        include_str!("../../layouts/html/committee-report-v2.html"),
    ),
    (
        "committee-report-v3.html",
        include_str!("../../layouts/html/committee-report-v3.html"),
    ),
    (
        "common-v1.html",
        include_str!("../../layouts/html/common-v1.html"),
    ),
    (
        "common-v2.html",
        include_str!("../../layouts/html/common-v2.html"),
    ),
    (
        "council-report-v1.html",
        include_str!("../../layouts/html/council-report-v1.html"),
    ),
    (
        "council-report-v2.html",
        include_str!("../../layouts/html/council-report-v2.html"),
    ),
    (
        "council-report-v3.html",
        include_str!("../../layouts/html/council-report-v3.html"),
    ),
    (
        "house-v1.html",
        include_str!("../../layouts/html/house-v1.html"),
    ),
    (
        "risk-appendix-v1.html",
        include_str!("../../layouts/html/risk-appendix-v1.html"),
    ),
    (
        "risk-appendix-v2.html",
        include_str!("../../layouts/html/risk-appendix-v2.html"),
    ),
    (
        "risk-parts-v1.html",
        include_str!("../../layouts/html/risk-parts-v1.html"),
    ),
    (
        "risk-parts-v2.html",
        include_str!("../../layouts/html/risk-parts-v2.html"),
    ),
    (
        "risk-parts-v3.html",
        include_str!("../../layouts/html/risk-parts-v3.html"),
    ),
    (
        "safety-valve-v1.html",
        include_str!("../../layouts/html/safety-valve-v1.html"),
    ),
    (
        "safety-valve-v2.html",
        include_str!("../../layouts/html/safety-valve-v2.html"),
    ),
    (
        "safety-valve-v3.html",
        include_str!("../../layouts/html/safety-valve-v3.html"),
    ),
    (
        "stack-v1.html",
        include_str!("../../layouts/html/stack-v1.html"),
    ),
    (
        "tables-v1.html",
        include_str!("../../layouts/html/tables-v1.html"),
    ),
    (
        "tables-v2.html",
        include_str!("../../layouts/html/tables-v2.html"),
    ),
];

/// The shipped text of an HTML layout file, by file name (`committee-report-v1.html`).
pub fn html_file(name: &str) -> Option<&'static str> {
    HTML_FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The shipped text of a layout file, by file name (`committee-report-v1.typ`).
pub fn file(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The shipped text for a project-relative path (`layouts/committee-report-v1.typ`).
pub fn path(rel: &str) -> Option<&'static str> {
    let name = rel.strip_prefix(DIR).and_then(|r| r.strip_prefix('/'))?;
    if let Some(h) = name.strip_prefix("html/") {
        return Some(h).filter(|n| !n.contains('/')).and_then(html_file);
    }
    Some(name).filter(|n| !n.contains('/')).and_then(file)
}

/// Whether `rel` (project-relative) is served from the binary: a shipped layout
/// the project does not have a file for.
pub fn serves(root: &Path, rel: &str) -> bool {
    // Anything at that path (even a broken link) is the project's: it is never
    // silently replaced by the shipped copy.
    path(rel).is_some() && std::fs::symlink_metadata(root.join(rel)).is_err()
}

/// The manifest key for a layout file: `rel` if the project has it, else
/// `(shipped) rel` if quire ships it, else `rel` (recorded as missing).
pub fn record(root: &Path, rel: &str) -> String {
    if serves(root, rel) {
        format!("{PREFIX}{rel}")
    } else {
        rel.to_string()
    }
}

/// Splits `committee-report-v1.typ` into (`committee-report`, 1).
pub fn name_version(file: &str) -> Option<(&str, u32)> {
    let stem = file.strip_suffix(".typ")?;
    let (name, v) = stem.rsplit_once("-v")?;
    Some((name, v.parse().ok()?))
}

/// `name@N` for every layout file under the project's `layouts/` (sorted).
pub fn project_labels(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join(DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            name_version(&n).map(|(name, v)| format!("{name}@{v}"))
        })
        .collect();
    v.sort();
    v
}

/// `name@N` for every shipped layout (sorted; `common`, `tables` and `risk-parts` are
/// libraries that layouts use, not layouts of documents).
pub fn labels() -> Vec<String> {
    let mut v: Vec<String> = FILES
        .iter()
        .filter_map(|(n, _)| name_version(n))
        .filter(|(name, _)| !matches!(*name, "common" | "tables" | "risk-parts"))
        .map(|(name, v)| format!("{name}@{v}"))
        .collect();
    v.sort();
    v
}

/// The other layout files a layout imports (`#import "common-v1.typ"`), by file name.
pub fn imports(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("#import \""))
        .filter_map(|l| l.split_once('"').map(|(f, _)| f.to_string()))
        .filter(|f| !f.starts_with('@') && !f.contains('/'))
        .collect()
}

/// The layout files a layout uses, by file name: Typst's `#import "…"` and
/// `#include "…"`, and minijinja's `{% extends/import/include/from "…" %}`
/// (package imports and paths into other folders are left out).
pub fn uses(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        for open in ["#import \"", "#include \""] {
            if let Some(rest) = l.strip_prefix(open) {
                found.extend(rest.split_once('"').map(|(f, _)| f.to_string()));
            }
        }
        let mut rest = l;
        while let Some(at) = rest.find("{%") {
            rest = &rest[at + 2..];
            let tag = rest.trim_start_matches(['-', '+']).trim_start();
            let Some(arg) = ["extends", "import", "include", "from"]
                .iter()
                .find_map(|k| tag.strip_prefix(k))
                .filter(|a| a.starts_with(char::is_whitespace))
            else {
                continue;
            };
            let arg = arg.trim_start();
            if let Some(q) = arg.chars().next().filter(|c| matches!(c, '"' | '\'')) {
                found.extend(arg[1..].split_once(q).map(|(f, _)| f.to_string()));
            }
        }
    }
    found.retain(|f| !f.starts_with('@') && !f.contains('/'));
    found
}

/// What is wrong with the released layouts listed in `frozen` (the text of
/// `layouts/FROZEN`: `SHA-256  path` lines, `#` comments), each file read by
/// `read` (a repository-relative path): a listed file missing or changed, a
/// line that is not a hash and a path, a file listed twice, or a released file
/// using one that is not released. Empty when the archive is intact.
pub fn frozen_problems(frozen: &str, read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Vec<String> {
    use sha2::Digest;
    let mut problems = Vec::new();
    let mut released: Vec<(&str, &str)> = Vec::new();
    for (n, line) in frozen.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once("  ") {
            Some((hash, path))
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                if released.iter().any(|(_, p)| *p == path) {
                    problems.push(format!("layouts/FROZEN:{}: {path} is listed twice", n + 1));
                }
                released.push((hash, path));
            }
            _ => problems.push(format!(
                "layouts/FROZEN:{}: `{line}` is not `SHA-256  path`",
                n + 1
            )),
        }
    }
    for (hash, path) in &released {
        let Some(bytes) = read(path) else {
            problems.push(format!("{path} is released (layouts/FROZEN) but missing"));
            continue;
        };
        let now = super::hex(&sha2::Sha256::digest(&bytes));
        if now != *hash {
            problems.push(format!(
                "{path} changed (SHA-256 {now}, released as {hash}): a released layout is frozen for the papers archived on it; put the change in a new version file (-vN+1)"
            ));
        }
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        for used in uses(&String::from_utf8_lossy(&bytes)) {
            let target = format!("{dir}/{used}");
            if !released.iter().any(|(_, p)| *p == target) {
                problems.push(format!(
                    "{path} is released but uses {target}, which is not: release it too (add its line to layouts/FROZEN), or use a released version"
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every released layout (`layouts/FROZEN`) is byte for byte as released,
    /// and uses only released layouts: an archived paper's layout cannot change
    /// under it, directly or through a file it imports.
    #[test]
    fn released_layouts_are_frozen() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let frozen = std::fs::read_to_string(root.join(DIR).join("FROZEN")).unwrap();
        let problems = frozen_problems(&frozen, &|p| std::fs::read(root.join(p)).ok());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        // Every file a released layout is compiled from is shipped in the binary.
        for line in frozen.lines().filter(|l| !l.starts_with('#')) {
            let path = line.split_once("  ").map_or("", |(_, p)| p);
            assert!(
                super::path(path).is_some(),
                "{path} is released but not shipped"
            );
        }
    }

    /// The check above fails on a changed file, on a released file that uses an
    /// unreleased one (Typst or minijinja), and on a malformed or missing line.
    #[test]
    fn the_frozen_check_finds_changes_and_unreleased_parts() {
        use sha2::Digest;
        let hash = |t: &str| super::super::hex(&sha2::Sha256::digest(t.as_bytes()));
        let files = [
            ("layouts/a-v1.typ", "#import \"common-v9.typ\": *\n"),
            ("layouts/common-v9.typ", "#let x = 1\n"),
            (
                "layouts/html/a-v1.html",
                "{% extends \"common-v3.html\" %}\n{%- import 'parts-v1.html' as p -%}",
            ),
        ];
        let read = |p: &str| {
            files
                .iter()
                .find(|(n, _)| *n == p)
                .map(|(_, t)| t.as_bytes().to_vec())
        };
        let list = |names: &[&str]| -> String {
            names
                .iter()
                .map(|n| {
                    format!(
                        "{}  {n}\n",
                        hash(read(n).map(String::from_utf8).unwrap().unwrap().as_str())
                    )
                })
                .collect()
        };
        let ok = list(&["layouts/a-v1.typ", "layouts/common-v9.typ"]);
        assert_eq!(frozen_problems(&ok, &read), Vec::<String>::new());
        // The imported file is not released.
        let p = frozen_problems(&list(&["layouts/a-v1.typ"]), &read);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("uses layouts/common-v9.typ, which is not"),
            "{p:?}"
        );
        // Both minijinja forms are read.
        let p = frozen_problems(&list(&["layouts/html/a-v1.html"]), &read);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("layouts/html/common-v3.html") && p[1].contains("parts-v1.html"));
        // A changed file, a missing one, and a line that is not a hash and a path.
        let changed = ok.replace(&hash("#let x = 1\n"), &hash("#let x = 2\n"));
        let p = frozen_problems(
            &format!(
                "{changed}{}  layouts/gone-v1.typ\nnot a line\n",
                "0".repeat(64)
            ),
            &read,
        );
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("is not `SHA-256  path`"));
        assert!(p[1].contains("layouts/common-v9.typ changed"));
        assert!(p[2].contains("layouts/gone-v1.typ is released (layouts/FROZEN) but missing"));
        assert_eq!(
            uses(
                "#include \"x-v1.typ\"\n#import \"@preview/y:1.0\"\n{% from \"m-v1.html\" import a %}"
            ),
            ["x-v1.typ", "m-v1.html"]
        );
    }

    /// Every file in the repository's `layouts/` is shipped, byte for byte, and
    /// nothing else: adding a layout version without listing it here fails.
    #[test]
    fn every_layout_in_the_repository_is_shipped() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".typ"))
            .collect();
        on_disk.sort();
        let shipped: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            on_disk, shipped,
            "list every layouts/*.typ in FILES (sorted)"
        );
        for (n, t) in FILES {
            assert_eq!(std::fs::read_to_string(dir.join(n)).unwrap(), *t);
        }
    }

    /// The same for the HTML layouts in `layouts/html/`.
    #[test]
    fn every_html_layout_in_the_repository_is_shipped() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR).join("html");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".html"))
            .collect();
        on_disk.sort();
        let shipped: Vec<String> = HTML_FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            on_disk, shipped,
            "list every layouts/html/*.html in HTML_FILES (sorted)"
        );
        for (n, t) in HTML_FILES {
            assert_eq!(std::fs::read_to_string(dir.join(n)).unwrap(), *t);
        }
        assert!(path("layouts/html/common-v1.html").is_some());
        assert!(path("layouts/html/x/common-v1.html").is_none());
        assert!(path("layouts/common-v1.html").is_none());
    }

    #[test]
    fn paths_and_names() {
        assert!(path("layouts/common-v1.typ").is_some());
        assert!(path("layouts/nope-v1.typ").is_none());
        assert!(path("layouts/x/common-v1.typ").is_none());
        assert!(path("content/common-v1.typ").is_none());
        assert_eq!(
            name_version("committee-report-v12.typ"),
            Some(("committee-report", 12))
        );
        assert_eq!(name_version("notes.typ"), None);
        assert!(labels().contains(&"committee-report@1".to_string()));
        assert!(!labels().iter().any(|l| l.starts_with("common@")));
        assert_eq!(
            imports(file("committee-report-v1.typ").unwrap()),
            ["common-v1.typ", "risk-appendix-v1.typ"]
        );
    }
}
