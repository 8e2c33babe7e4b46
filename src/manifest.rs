//! `out/manifest.json`: what each output was built from, for archivists.
//!
//! Per document: the SHA-256 of every input (data, narrative, `quire.yaml`, the
//! layout files Typst read; a layout served from the binary is keyed
//! `(shipped) layouts/<file>.typ`), the listing of the document's folder, the PDF
//! options, the layout version, and the SHA-256 of every output, with the quire
//! and Typst versions. `build` uses it to skip documents that are up to date;
//! `verify` uses it to prove a rebuild is byte-identical and to say why not.
//!
//! The manifest is untrusted input (it may have been edited): its input paths
//! must be plain project-relative paths inside the project and its outputs
//! plain file names in the output folder ([`confined`], [`plain_output`]), and
//! only regular files of a bounded size are read ([`hash_regular`]). Runs
//! record their documents through [`update`], entry by entry, under the
//! output folder's lock.

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
    /// The day the document was first built (`YYYY-MM-DD`): its PDF's
    /// creation date from layouts of version 3, kept by every later build so
    /// that a rebuild is byte-identical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

impl Manifest {
    /// The day each recorded document was first built, by id.
    pub fn created(&self) -> BTreeMap<String, chrono::NaiveDate> {
        self.documents
            .iter()
            .filter_map(|(id, e)| {
                let d = e.created.as_deref()?;
                Some((
                    id.clone(),
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                ))
            })
            .collect()
    }
}

/// Today, for a document built for the first time: the day of
/// `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when it is set, as
/// reproducible builds expect, else the system clock's day in UTC.
pub fn today() -> chrono::NaiveDate {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
    };
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(now);
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .date_naive()
}

pub fn sha256(bytes: &[u8]) -> String {
    crate::source::sha256(bytes)
}

/// Largest `manifest.json` read: the manifest is input like any other (it
/// may have been edited, or replaced by something that is not a file).
const MAX_MANIFEST: u64 = 64 * 1024 * 1024;

/// Largest project file hashed (a project font may have 32 MiB).
const MAX_HASHED_INPUT: u64 = 64 * 1024 * 1024;

/// Largest output hashed (a PDF of thousands of pages).
const MAX_HASHED_OUTPUT: u64 = 4 * 1024 * 1024 * 1024;

/// Whether `rel` is a project-relative path as quire records one: relative,
/// made of plain names only (no `..`, no `.`, no root), with no control
/// character. A manifest entry with any other path was not written by quire.
pub fn confined(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.contains('\\')
        && !rel.chars().any(crate::load::forbidden)
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Whether `name` is the name of a file quire writes in an output folder: one
/// plain file name (no folder, not hidden, no control character).
pub fn plain_output(name: &str) -> bool {
    confined(name) && !name.contains('/') && !name.starts_with('.')
}

/// The SHA-256 of a regular file of at most `max` bytes, read in pieces (so
/// memory stays flat); an error for anything else (a folder, a device such as
/// `/dev/zero`, a FIFO, which is never opened, or a file larger than `max`).
pub fn hash_regular(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = crate::load::open_regular(path, max)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > max {
            return Err(std::io::Error::other("the file is too large"));
        }
        h.update(&buf[..n]);
    }
    Ok(crate::typeset::hex(&h.finalize()))
}

/// The hash of a project file, or of a shipped layout for a `(shipped) …` key;
/// `None` for a path that is not [`confined`], resolves outside the project,
/// or is not a regular file of a bounded size.
pub fn hash_file(root: &Path, rel: &str) -> Option<String> {
    use crate::typeset::shipped;
    if let Some(rel) = rel.strip_prefix(shipped::PREFIX) {
        return shipped::path(rel).map(|t| sha256(t.as_bytes()));
    }
    if !confined(rel) {
        return None;
    }
    let full = root.join(rel);
    if !crate::load::inside(root, &full) {
        return None;
    }
    hash_regular(&full, MAX_HASHED_INPUT).ok()
}

/// The entry of one build of a document or a pack in `dir`: every input
/// hashed (the files given, the project's fonts, `quire.yaml`, and the lock in
/// `dir` when there is one, which decides whether a return may build at all).
///
/// Each input's hash is that of the bytes read to make the outputs
/// (`read_as`: the stages' digests, the `SourceMap`'s and the editions'; then
/// the fonts' and `quire.yaml`'s as the project read them), so a file saved
/// again while the build ran makes the next build rebuild; only a file read by
/// none of them (the lock, a shipped layout) is hashed now.
pub fn entry(
    project: &crate::project::Project,
    dir: &Path,
    layout: String,
    options: Vec<String>,
    inputs: impl IntoIterator<Item = String>,
    read_as: &dyn Fn(&str) -> Option<String>,
    outputs: BTreeMap<String, String>,
) -> Entry {
    let lock = dir.join(crate::lock::LOCK_FILE);
    let locked = project.root.join(&lock).exists();
    let inputs = inputs
        .into_iter()
        .chain(project.fonts.files.iter().cloned())
        .chain(locked.then(|| crate::load::display(&lock)))
        .chain([crate::project::PROJECT_FILE.to_string()])
        .filter_map(|p| {
            read_as(&p)
                .or_else(|| project.fonts.digests.get(&p).cloned())
                .or_else(|| {
                    (p == crate::project::PROJECT_FILE)
                        .then(|| project.config_digest.clone())
                        .flatten()
                })
                .or_else(|| hash_file(&project.root, &p))
                .map(|h| (p, h))
        })
        .collect();
    Entry {
        locked,
        created: None,
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

/// The manifest in `out`, or an empty one when there is none or it cannot be
/// read (read only when it is a regular file of at most 64 MiB).
pub fn load(out: &Path) -> Manifest {
    crate::load::read_regular(&out.join(FILE), MAX_MANIFEST)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Records what this run built in the manifest of `out`, entry by entry: the
/// manifest is read again (another run may have recorded its own documents
/// since this one started; the caller holds the folder's [`OutputLock`]), the
/// entries in `built` replace those of the same name and every other entry is
/// kept. An output that a replaced entry listed and the new one does not (a
/// format no longer chosen, a table renamed) is removed from `out` when it
/// still holds the recorded bytes and no other entry lists it, so the folder
/// holds one document's outputs of one build, never a mix.
///
/// [`OutputLock`]: crate::write::OutputLock
pub fn update(out: &Path, built: &BTreeMap<String, Entry>) -> std::io::Result<Manifest> {
    let mut m = load(out);
    let mut gone: Vec<(String, String)> = Vec::new();
    for (id, entry) in built {
        if let Some(old) = m.documents.insert(id.clone(), entry.clone()) {
            gone.extend(
                old.outputs
                    .into_iter()
                    .filter(|(name, _)| !entry.outputs.contains_key(name)),
            );
        }
    }
    for (name, hash) in gone {
        let listed = m.documents.values().any(|e| e.outputs.contains_key(&name));
        let path = out.join(&name);
        if !listed
            && plain_output(&name)
            && hash_regular(&path, MAX_HASHED_OUTPUT).is_ok_and(|h| h == hash)
        {
            let _ = std::fs::remove_file(&path);
        }
    }
    save(out, &m)?;
    Ok(m)
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
        let rel = path
            .strip_prefix(crate::typeset::shipped::PREFIX)
            .unwrap_or(path);
        if !confined(rel) {
            why.push(format!(
                "the manifest names an input that is not a path inside the project: `{}`",
                crate::diag::escape(path)
            ));
            continue;
        }
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
            None if std::fs::symlink_metadata(root.join(path)).is_err() => {
                why.push(format!("input missing: {path}"))
            }
            None => why.push(format!(
                "input is not a regular file inside the project, or too large: {path}"
            )),
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
            if !plain_output(name) {
                why.push(format!(
                    "the manifest names an output that is not a file name in the output folder: `{}`",
                    crate::diag::escape(name)
                ));
                continue;
            }
            let path = out.join(name);
            match hash_regular(&path, MAX_HASHED_OUTPUT) {
                Ok(h) if &h == hash => {}
                Ok(_) => why.push(format!("output modified since it was built: {name}")),
                Err(_) if std::fs::symlink_metadata(&path).is_err() => {
                    why.push(format!("output missing: {name}"))
                }
                Err(_) => why.push(format!(
                    "output is not a regular file, or too large: {name}"
                )),
            }
        }
    }
    why
}
