//! `out/manifest.json`: what each output was built from, for archivists.
//!
//! Per document: the SHA-256 of every input (data, narrative, `quire.yaml`, the
//! layout files Typst read; a layout served from the binary is keyed
//! `(shipped) layouts/<file>.typ`), the listing of the document's folder, the PDF
//! options, the layout version, and the SHA-256 of every output, with the quire
//! and Typst versions. `build` uses it to skip documents that are up to date;
//! `verify` uses it to prove a rebuild is byte-identical and to say why not.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const FILE: &str = "manifest.json";
pub const TYPST_VERSION: &str = "0.15.1";

#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct Manifest {
    pub documents: BTreeMap<String, Entry>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Entry {
    pub quire: String,
    pub typst: String,
    pub layout: String,
    pub options: Vec<String>,
    /// Project-relative path → SHA-256.
    pub inputs: BTreeMap<String, String>,
    /// File names in the document's folder (a new narrative file means a rebuild).
    pub folder: Vec<String>,
    /// Output file name → SHA-256.
    pub outputs: BTreeMap<String, String>,
    /// Whether the document (a return) was built with a lock (`quire.lock`):
    /// a later build without one is refused until `quire lock --reset`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
}

pub fn sha256(bytes: &[u8]) -> String {
    crate::typeset::hex(&Sha256::digest(bytes))
}

/// The hash of a project file, or of a shipped layout for a `(shipped) …` key.
pub fn hash_file(root: &Path, rel: &str) -> Option<String> {
    use crate::typeset::shipped;
    if let Some(rel) = rel.strip_prefix(shipped::PREFIX) {
        return shipped::path(rel).map(|t| sha256(t.as_bytes()));
    }
    std::fs::read(root.join(rel)).ok().map(|b| sha256(&b))
}

/// The entry of one build of a document or a pack in `dir`: every input
/// hashed (the files given, the project's fonts, `quire.yaml`, and the lock in
/// `dir` when there is one, which decides whether a return may build at all).
pub fn entry(
    project: &crate::project::Project,
    dir: &Path,
    layout: String,
    options: Vec<String>,
    inputs: impl IntoIterator<Item = String>,
    outputs: BTreeMap<String, String>,
) -> Entry {
    let lock = dir.join(crate::lock::LOCK_FILE);
    let locked = project.root.join(&lock).exists();
    let inputs = inputs
        .into_iter()
        .chain(project.fonts.files.iter().cloned())
        .chain(locked.then(|| crate::load::display(&lock)))
        .chain([crate::project::PROJECT_FILE.to_string()])
        .filter_map(|p| hash_file(&project.root, &p).map(|h| (p, h)))
        .collect();
    Entry {
        locked,
        quire: env!("CARGO_PKG_VERSION").into(),
        typst: TYPST_VERSION.into(),
        layout,
        options,
        inputs,
        folder: folder_listing(&project.root, dir),
        outputs,
    }
}

/// Whether the manifest in the project's `out/` says this document was built
/// with a lock.
pub fn was_locked(project: &crate::project::Project, doc: &crate::project::Document) -> bool {
    load(&project.root.join("out"))
        .documents
        .get(&doc.id)
        .is_some_and(|e| e.locked)
}

pub fn folder_listing(root: &Path, dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join(dir))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != crate::lock::LOCK_FILE)
        .collect();
    v.sort();
    v
}

pub fn load(out: &Path) -> Manifest {
    std::fs::read_to_string(out.join(FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn save(out: &Path, m: &Manifest) -> std::io::Result<()> {
    let mut s = serde_json::to_string_pretty(m).map_err(std::io::Error::other)?;
    s.push('\n');
    crate::write::atomic(&out.join(FILE), s.as_bytes())
}

/// Why `entry` no longer describes what a build now would produce; empty if it does.
pub fn changes(
    root: &Path,
    out: Option<&Path>,
    dir: &Path,
    entry: &Entry,
    options: &[String],
) -> Vec<String> {
    let mut why = Vec::new();
    if entry.quire != env!("CARGO_PKG_VERSION") || entry.typst != TYPST_VERSION {
        why.push(format!(
            "quire version changed (built with quire {} / Typst {}, now {} / {TYPST_VERSION})",
            entry.quire,
            entry.typst,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if entry.options != options {
        why.push(format!(
            "PDF options changed ({:?} → {:?})",
            entry.options, options
        ));
    }
    for (path, hash) in &entry.inputs {
        if let Some(rel) = path.strip_prefix(crate::typeset::shipped::PREFIX) {
            match hash_file(root, path) {
                _ if std::fs::symlink_metadata(root.join(rel)).is_ok() => why.push(format!(
                    "layout now overridden by the project's {rel} (built with the shipped copy)"
                )),
                Some(h) if &h == hash => {}
                Some(_) => why.push(format!("shipped layout changed in this quire: {rel}")),
                None => why.push(format!("layout no longer shipped with quire: {rel}")),
            }
            continue;
        }
        match hash_file(root, path) {
            Some(h) if &h == hash => {}
            Some(_) if path.starts_with("layouts/") => why.push(format!("layout changed: {path}")),
            Some(_) => why.push(format!("input changed: {path}")),
            None if crate::typeset::shipped::path(path).is_some() => why.push(format!(
                "layout removed from the project: {path} (the shipped copy would be used now)"
            )),
            None => why.push(format!("input missing: {path}")),
        }
    }
    let listing = folder_listing(root, dir);
    if listing != entry.folder {
        let added: Vec<_> = listing
            .iter()
            .filter(|f| !entry.folder.contains(f))
            .cloned()
            .collect();
        let removed: Vec<_> = entry
            .folder
            .iter()
            .filter(|f| !listing.contains(f))
            .cloned()
            .collect();
        why.push(format!(
            "files added or removed in {} (added: {:?}, removed: {:?})",
            crate::load::display(dir),
            added,
            removed
        ));
    }
    if let Some(out) = out {
        for (name, hash) in &entry.outputs {
            match std::fs::read(out.join(name)) {
                Ok(b) if &sha256(&b) == hash => {}
                Ok(_) => why.push(format!("output modified since it was built: {name}")),
                Err(_) => why.push(format!("output missing: {name}")),
            }
        }
    }
    why
}
