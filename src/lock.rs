//! Locks on submitted updates of a return: once an update has gone to the DfE,
//! its ratings and narrative must not change by accident.
//!
//! `quire lock DOC` records a SHA-256 per field of every submitted update in
//! `content/DOC/quire.lock` (JSON, committed beside the data). Every later build
//! or check recomputes the hashes and reports a changed field at its place.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::valve::{PerUpdate, Valve};
use crate::project::{Document, Project};
use crate::source::{SourceMap, Span};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const LOCK_FILE: &str = "quire.lock";

/// Every field of one update: (name, content, where it is written).
fn fields(v: &Valve, update: &str) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    let mut add = |what: &str, n: i64, field: &str, items: &[PerUpdate<String>]| {
        for a in items.iter().filter(|a| a.update == update) {
            out.push((
                format!("{what} {n} {field}"),
                a.value.value.clone(),
                a.value.span.clone(),
            ));
        }
    };
    for c in &v.conditions {
        add("condition", c.number.value, "assurance", &c.assurance);
        add("condition", c.number.value, "progress", &c.progress);
    }
    for r in &v.risks {
        add("risk", r.number.value, "assurance", &r.assurance);
        add("risk", r.number.value, "progress", &r.progress);
    }
    for s in v.submissions.iter().filter(|s| s.update.value == update) {
        let sign: Vec<String> = s
            .sign_off
            .iter()
            .map(|o| format!("{}|{}|{}|{}", o.role, o.name, o.title, o.acting))
            .collect();
        out.push((
            "submission".into(),
            format!("{}|{}", s.date_submitted, sign.join(";")),
            s.update.span.clone(),
        ));
    }
    out
}

fn hash(s: &str) -> String {
    crate::typeset::hex(&Sha256::digest(s.as_bytes()))
}

type LockData = BTreeMap<String, BTreeMap<String, String>>;

/// The lock for every submitted update, as written to `quire.lock`.
pub fn compute(v: &Valve) -> LockData {
    let mut data = LockData::new();
    for s in &v.submissions {
        let f = fields(v, &s.update.value)
            .into_iter()
            .map(|(k, c, _)| (k, hash(&c)))
            .collect();
        data.insert(s.update.value.clone(), f);
    }
    data
}

/// The lock of a document: `Ok(None)` when there is none, an error when a
/// lock exists but cannot be read (damaged, not UTF-8, a folder): a lock that
/// cannot be read must never count as no lock.
pub fn read(project: &Project, doc: &Document) -> Result<Option<LockData>, String> {
    let path = project.root.join(&doc.dir).join(LOCK_FILE);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string().to_lowercase()),
        Ok(m) if !m.is_file() => return Err("it is not a file".into()),
        Ok(_) => {}
    }
    let bytes = std::fs::read(&path).map_err(|e| e.to_string().to_lowercase())?;
    let text = String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
    #[derive(serde::Deserialize)]
    struct File {
        updates: LockData,
    }
    serde_json::from_str::<File>(&text)
        .map(|f| Some(f.updates))
        .map_err(|e| e.to_string())
}

/// Whether the manifest in the project's `out/` says this document was built
/// with a lock.
pub fn was_locked(project: &Project, doc: &Document) -> bool {
    crate::manifest::load(&project.root.join("out"))
        .documents
        .get(&doc.id)
        .is_some_and(|e| e.locked)
}

pub fn to_json(data: &LockData) -> String {
    let mut s = serde_json::to_string_pretty(&serde_json::json!({
        "note": "written by `quire lock`: hashes of each submitted update's ratings and narrative; do not edit",
        "updates": data,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}

/// Reports any field of a locked update that differs from its lock.
pub fn check(
    project: &Project,
    doc: &Document,
    v: &Valve,
    _sources: &SourceMap,
    diags: &mut Diagnostics,
) {
    let where_ = format!("{}/{LOCK_FILE}", crate::load::display(&doc.dir));
    let lock = match read(project, doc) {
        Ok(Some(l)) => l,
        Ok(None) => {
            if was_locked(project, doc) {
                diags.push(
                    Diagnostic::error(
                        Code::LockedChanged,
                        format!("`{where_}` is missing, but this return was built locked"),
                    )
                    .help(format!("restore it from version control; if the lock was removed on purpose, run `quire lock --reset {}`", doc.id)),
                );
            }
            return;
        }
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    Code::LockedChanged,
                    format!("`{where_}` cannot be read: {e}"),
                )
                .help("restore it from version control; a lock that cannot be read protects nothing, so nothing is built until it can"),
            );
            return;
        }
    };
    for (update, locked) in &lock {
        let now: BTreeMap<String, (String, Span)> = fields(v, update)
            .into_iter()
            .map(|(k, c, s)| (k, (hash(&c), s)))
            .collect();
        let label = v.update_label(update);
        for (field, h) in locked {
            match now.get(field) {
                Some((nh, _)) if nh == h => {}
                Some((_, span)) => diags.push(
                    Diagnostic::error(Code::LockedChanged, format!("{field} of `{label}` changed after the update was submitted and locked"))
                        .at(span, "differs from the submitted version")
                        .help("undo the change (see version control); if the DfE agreed a correction, run `quire lock` to record it"),
                ),
                None => diags.push(
                    Diagnostic::error(Code::LockedChanged, format!("{field} of `{label}` was removed after the update was submitted and locked"))
                        .help("restore it from version control; if the DfE agreed a correction, run `quire lock` to record it"),
                ),
            }
        }
        for (field, (_, span)) in &now {
            if !locked.contains_key(field) {
                diags.push(
                    Diagnostic::error(Code::LockedChanged, format!("{field} of `{label}` was added after the update was submitted and locked"))
                        .at(span, "not in the submitted version")
                        .help("ratings for a submitted update cannot be added later; if the DfE agreed a correction, run `quire lock` to record it"),
                );
            }
        }
    }
}
