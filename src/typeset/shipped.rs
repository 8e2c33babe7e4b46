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
    ("common-v1.typ", include_str!("../../layouts/common-v1.typ")),
    ("common-v2.typ", include_str!("../../layouts/common-v2.typ")),
    (
        "council-report-v1.typ",
        include_str!("../../layouts/council-report-v1.typ"),
    ),
    (
        "council-report-v2.typ",
        include_str!("../../layouts/council-report-v2.typ"),
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
        "tables-v1.html",
        include_str!("../../layouts/html/tables-v1.html"),
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

/// `name@N` for every shipped layout (sorted; `common` and `tables` are
/// libraries that layouts use, not layouts of documents).
pub fn labels() -> Vec<String> {
    let mut v: Vec<String> = FILES
        .iter()
        .filter_map(|(n, _)| name_version(n))
        .filter(|(name, _)| !matches!(*name, "common" | "tables"))
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

#[cfg(test)]
mod tests {
    use super::*;

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
