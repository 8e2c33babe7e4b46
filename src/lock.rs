//! Locks on submitted updates of a return: once an update has gone to the DfE,
//! it is a record and must not change by accident.
//!
//! `quire lock DOC` records, for every submitted update, the value of every
//! field of the return as submitted (ratings, narrative, condition texts, risk
//! titles and mitigations, the deficit profile, EHCP numbers, KPI targets and
//! actuals, the summary, the sign-off, and every typed figure of its declared
//! tables, from YAML, CSV or a workbook) in `content/DOC/quire.lock` (JSON,
//! committed beside the data). Every later build or check compares and reports
//! a changed field at its place, with the locked and the new value. Running
//! `quire lock` again records newly submitted updates only; a deliberate change
//! is `quire lock --amend FIELD --reason "…"`, which keeps the old and new
//! value, the date and the reason as an amendment.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::valve::{PerUpdate, Valve};
use crate::project::{Document, Project};
use crate::source::Span;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const LOCK_FILE: &str = "quire.lock";

/// A number as recorded in the lock: Rust's shortest round-trip form.
fn num(x: f64) -> String {
    format!("{x}")
}

/// Every field of the return as it stands for one update: (name, value, where
/// it is written). Fields that are not per update (texts, figures) are part of
/// every submitted update.
pub fn fields(v: &Valve, update: &str) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    let mut per = |what: &str, n: &str, field: &str, items: &[PerUpdate<String>]| {
        for a in items.iter().filter(|a| a.update == update) {
            out.push((
                format!("{what} {n} {field}"),
                a.value.value.clone(),
                a.value.span.clone(),
            ));
        }
    };
    for c in &v.conditions {
        per("condition", &c.number.value, "assurance", &c.assurance);
        per("condition", &c.number.value, "progress", &c.progress);
    }
    for r in &v.risks {
        per("risk", &r.number.value, "assurance", &r.assurance);
        per("risk", &r.number.value, "progress", &r.progress);
        per("risk", &r.number.value, "rating", &r.rating);
    }
    for c in &v.conditions {
        let n = &c.number;
        out.push((
            format!("condition {} text", n.value),
            c.text.clone(),
            n.span.clone(),
        ));
    }
    for r in &v.risks {
        let n = &r.number;
        out.push((
            format!("risk {} title", n.value),
            r.title.clone(),
            n.span.clone(),
        ));
        if let Some(m) = &r.mitigation {
            out.push((
                format!("risk {} mitigation", n.value),
                m.value.clone(),
                m.span.clone(),
            ));
        }
        for (what, x) in [
            ("group", &r.group),
            ("impact", &r.impact),
            ("strategy", &r.strategy),
        ] {
            if let Some(x) = x {
                out.push((
                    format!("risk {} {what}", n.value),
                    x.clone(),
                    n.span.clone(),
                ));
            }
        }
    }
    if let Some(sm) = &v.summary {
        out.push(("summary".into(), sm.value.clone(), sm.span.clone()));
    }
    if let Some(d) = &v.deficit {
        for y in &d.years {
            let (yr, at) = (&y.year.value, &y.year.span);
            out.push((
                format!("deficit {yr} agreement"),
                num(y.agreement),
                at.clone(),
            ));
            out.push((
                format!("deficit {yr} forecast"),
                num(y.forecast),
                at.clone(),
            ));
            if let Some(p) = y.published_variance {
                out.push((format!("deficit {yr} variance"), num(p), at.clone()));
            }
            if y.rag_published {
                let rag = y.rag.clone().unwrap_or_default();
                out.push((format!("deficit {yr} rag"), rag, at.clone()));
            }
        }
    }
    if let Some(e) = &v.ehcp {
        for c in &e.columns {
            for (band, value) in e.bands.iter().zip(&c.values) {
                out.push((
                    format!("ehcp {} {band}", c.label),
                    value.to_string(),
                    v.current_update.span.clone(),
                ));
            }
            if let Some(t) = c.published_total {
                out.push((
                    format!("ehcp {} total", c.label),
                    t.to_string(),
                    v.current_update.span.clone(),
                ));
            }
        }
    }
    for k in &v.kpis {
        for (what, items) in [("target", &k.targets), ("actual", &k.actuals)] {
            for a in items.iter().filter(|a| a.update == update) {
                out.push((
                    format!("kpi {} {what}", k.id),
                    num(a.value.value),
                    a.value.span.clone(),
                ));
            }
        }
        for (what, items) in [("rag", &k.published_rag), ("comment", &k.comments)] {
            for a in items.iter().filter(|a| a.update == update) {
                out.push((
                    format!("kpi {} {what}", k.id),
                    a.value.value.clone(),
                    a.value.span.clone(),
                ));
            }
        }
        for (what, x) in [
            ("baseline", &k.baseline),
            ("annual target", &k.annual_target),
        ] {
            if let Some(x) = x {
                out.push((format!("kpi {} {what}", k.id), num(x.value), x.span.clone()));
            }
        }
    }
    if let Some(d) = &v.data_as_at {
        out.push(("data as at".into(), d.value.clone(), d.span.clone()));
    }
    // The typed figures of the declared tables, wherever they are read from.
    out.extend(v.table_figures.iter().cloned());
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

/// Whether a locked value still describes `now`. `legacy`: the update was
/// locked by an earlier version of quire, which recorded every value of it as
/// a SHA-256 ([`legacy`]); only there is a hash taken for the value.
fn same(locked: &str, now: &str, legacy: bool) -> bool {
    locked == now || (legacy && locked == hash(now))
}

/// Whether `s` looks like a SHA-256 as earlier versions recorded values.
fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a locked update was recorded by an earlier version of quire:
/// every one of its values a SHA-256. An update this version locked holds
/// the values themselves, so a hash among them was put there by hand (the
/// hash of an edited value would otherwise pass for it).
pub fn legacy(fields: &BTreeMap<String, String>) -> bool {
    !fields.is_empty() && fields.values().all(|v| is_hash(v))
}

/// update id → field → value as submitted.
pub type LockData = BTreeMap<String, BTreeMap<String, String>>;

pub use crate::model::valve::Amendment;

/// The contents of `quire.lock`.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Lock {
    pub updates: LockData,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<Amendment>,
}

/// The lock for every submitted update, as the return stands now.
pub fn compute(v: &Valve) -> LockData {
    let mut data = LockData::new();
    for s in &v.submissions {
        let f = fields(v, &s.update.value)
            .into_iter()
            .map(|(k, c, _)| (k, c))
            .collect();
        data.insert(s.update.value.clone(), f);
    }
    data
}

/// Fields of already-locked updates whose value differs now: (update, field,
/// locked, now).
pub fn differences(lock: &Lock, v: &Valve) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (update, locked) in &lock.updates {
        let now: BTreeMap<String, String> = fields(v, update)
            .into_iter()
            .map(|(k, c, _)| (k, c))
            .collect();
        let legacy = legacy(locked);
        for (field, value) in locked {
            match now.get(field) {
                Some(n) if same(value, n, legacy) => {}
                Some(n) => out.push((update.clone(), field.clone(), value.clone(), n.clone())),
                None => out.push((update.clone(), field.clone(), value.clone(), String::new())),
            }
        }
        for (field, n) in &now {
            if !locked.contains_key(field) {
                out.push((update.clone(), field.clone(), String::new(), n.clone()));
            }
        }
    }
    out
}

/// The lock of a document: `Ok(None)` when there is none, an error when a
/// lock exists but cannot be read (damaged, not UTF-8, a folder): a lock that
/// cannot be read must never count as no lock.
pub fn read(project: &Project, doc: &Document) -> Result<Option<Lock>, String> {
    let path = project.root.join(&doc.dir).join(LOCK_FILE);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string().to_lowercase()),
        Ok(m) if !m.is_file() => return Err("it is not a file".into()),
        Ok(_) => {}
    }
    let bytes = crate::load::read_regular(&path, crate::load::MAX_INPUT)
        .map_err(|e| e.to_string().to_lowercase())?;
    let text = String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
    let lock = serde_json::from_str::<Lock>(&text).map_err(|e| e.to_string())?;
    plain(&lock)?;
    Ok(Some(lock))
}

/// Checks that every text in a lock is what quire writes there: no control
/// or bidirectional characters anywhere, and one line for an amendment's
/// date, update, field and reason (a lock edited by hand could otherwise carry
/// them into the return's list of amendments, and so into the PDF).
fn plain(lock: &Lock) -> Result<(), String> {
    let bad = |what: &str, s: &str, one_line: bool| -> Result<(), String> {
        let hit = s
            .chars()
            .find(|&c| crate::load::forbidden(c) || (one_line && matches!(c, '\n' | '\r' | '\t')));
        match hit {
            Some(c) => Err(format!(
                "{what} holds the control character U+{:04X}",
                c as u32
            )),
            None => Ok(()),
        }
    };
    for (update, fields) in &lock.updates {
        bad("an update id", update, true)?;
        for (field, value) in fields {
            bad("a field name", field, true)?;
            bad(
                &format!("the value of {}", crate::diag::escape(field)),
                value,
                false,
            )?;
        }
    }
    for (i, a) in lock.amendments.iter().enumerate() {
        let n = i + 1;
        for (what, s) in [
            ("date", &a.date),
            ("update", &a.update),
            ("field", &a.field),
            ("reason", &a.reason),
        ] {
            bad(&format!("amendment {n}'s {what}"), s, true)?;
        }
        bad(&format!("amendment {n}'s old value"), &a.old, false)?;
        bad(&format!("amendment {n}'s new value"), &a.new, false)?;
        if chrono::NaiveDate::parse_from_str(&a.date, "%Y-%m-%d").is_err() {
            return Err(format!(
                "amendment {n}'s date `{}` is not a date (YYYY-MM-DD)",
                crate::diag::escape(&a.date)
            ));
        }
    }
    Ok(())
}

/// The project's record of its locked returns, beside `quire.yaml`: the lock
/// of each return `quire lock` locked, by path. It is the project's, not an
/// output folder's, so a lock that has gone is noticed whatever `--out` a
/// build writes to (commit it with the locks).
pub const RECORD_FILE: &str = "quire-locks.json";

/// The contents of [`RECORD_FILE`].
#[derive(Serialize, Deserialize, Default, Debug)]
struct Record {
    #[serde(default)]
    note: String,
    /// Project-relative paths of the locks (`content/<return>/quire.lock`).
    locks: std::collections::BTreeSet<String>,
}

/// The project-relative path of a return's lock, as [`RECORD_FILE`] lists it.
pub fn lock_rel(dir: &std::path::Path) -> String {
    crate::load::display(&dir.join(LOCK_FILE))
}

fn read_record(root: &std::path::Path) -> Result<Record, String> {
    let path = root.join(RECORD_FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(Record::default());
    }
    let bytes = crate::load::read_regular(&path, crate::load::MAX_INPUT).map_err(|e| {
        format!(
            "`{RECORD_FILE}` cannot be read: {}",
            e.to_string().to_lowercase()
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| format!("`{RECORD_FILE}` cannot be read: {e}"))
}

/// Records in the project that `doc` is locked (or, with `locked` false,
/// that its lock was removed on purpose: `quire lock --reset`).
/// `rel` is the lock's path ([`lock_rel`]).
pub fn record(root: &std::path::Path, rel: &str, locked: bool) -> Result<(), String> {
    let mut r = read_record(root)?;
    let changed = if locked {
        r.locks.insert(rel.to_string())
    } else {
        r.locks.remove(rel)
    };
    if !changed {
        return Ok(());
    }
    r.note = "the locks of the project's submitted returns: a lock listed here that has gone is an error until `quire lock --reset <return>`".into();
    let mut text = serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?;
    text.push('\n');
    crate::write::atomic(&root.join(RECORD_FILE), text.as_bytes()).map_err(|e| {
        format!(
            "cannot write `{RECORD_FILE}`: {}",
            e.to_string().to_lowercase()
        )
    })
}

/// Whether the project records `doc` as locked in [`RECORD_FILE`] (the
/// pipeline also asks the manifest of the project's `out/`, where earlier
/// versions recorded it: the manifest is a layer above this one).
pub fn recorded(project: &Project, doc: &Document) -> Result<bool, String> {
    Ok(read_record(&project.root)?
        .locks
        .contains(&lock_rel(&doc.dir)))
}

pub fn to_json(lock: &Lock) -> String {
    let mut s = serde_json::to_string_pretty(&serde_json::json!({
        "note": "each submitted update's fields as submitted; change them only with `quire lock --amend`",
        "updates": lock.updates,
        "amendments": lock.amendments,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}

/// Shortens a value for a message.
fn shown(v: &str) -> String {
    let one: String = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(60).collect::<String>())
    } else {
        one
    }
}

/// Reports any field of a locked update that differs from its lock;
/// `built_locked` says whether the project records the return as locked
/// ([`recorded`], or the manifest of its last build), then a missing lock is
/// an error; asked only when there is none.
pub fn check(
    project: &Project,
    doc: &Document,
    v: &Valve,
    built_locked: &dyn Fn() -> Result<bool, String>,
    diags: &mut Diagnostics,
) {
    let where_ = format!("{}/{LOCK_FILE}", crate::load::display(&doc.dir));
    let lock = match read(project, doc) {
        Ok(Some(l)) => l,
        Ok(None) => {
            match built_locked() {
                Ok(false) => {}
                Ok(true) => diags.push(
                    Diagnostic::error(
                        Code::LockedChanged,
                        format!("`{where_}` is missing, but this return was locked"),
                    )
                    .help(format!("restore it from version control; if the lock was removed on purpose, run `quire lock --reset {}`", doc.id)),
                ),
                Err(e) => diags.push(
                    Diagnostic::error(Code::LockedChanged, e)
                        .help(format!("restore it from version control: it says which returns are locked, and `{where_}` is not there")),
                ),
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
    // The lock must agree with the return: every submitted update locked.
    // (Emptying the lock's `updates` would otherwise unlock them all.)
    for sub in &v.submissions {
        if !lock.updates.contains_key(&sub.update.value) {
            let label = v.update_label(&sub.update.value);
            diags.push(
                Diagnostic::error(
                    Code::LockDisagrees,
                    format!("`{label}` is submitted, but `{where_}` does not lock it"),
                )
                .at(&sub.update.span, "submitted, not locked")
                .help(format!("if it was just submitted, run `quire lock {}` to lock it; if the lock was edited, restore it from version control", doc.id)),
            );
        }
    }
    let spans: BTreeMap<(String, String), Span> = lock
        .updates
        .keys()
        .flat_map(|u| {
            fields(v, u)
                .into_iter()
                .map(move |(k, _, sp)| ((u.clone(), k), sp))
        })
        .collect();
    for (update, field, locked, now) in differences(&lock, v) {
        let label = v.update_label(&update);
        let amend = format!(
            "undo the change (see version control); if it is a deliberate correction, run `quire lock --amend \"{field}\" --reason \"…\" {}`",
            doc.id
        );
        let mut d = if now.is_empty() {
            Diagnostic::error(
                Code::LockedChanged,
                format!(
                    "{field} of `{label}` was removed after the update was submitted and locked"
                ),
            )
            .note(format!("submitted: {}", shown(&locked)))
        } else if locked.is_empty() {
            Diagnostic::error(
                Code::LockedChanged,
                format!("{field} of `{label}` was added after the update was submitted and locked"),
            )
            .note(format!("now: {}", shown(&now)))
        } else if is_hash(&locked) && !lock.updates.get(&update).is_some_and(legacy) {
            // A hash among the values this version writes: put there by hand.
            Diagnostic::error(
                Code::LockDisagrees,
                format!("{field} of `{label}` is locked as a hash, which only locks of earlier versions hold: `{where_}` was edited"),
            )
            .note(format!("now: {}", shown(&now)))
        } else {
            let was = if is_hash(&locked) {
                "(recorded by an earlier version as a hash)".to_string()
            } else {
                shown(&locked)
            };
            Diagnostic::error(
                Code::LockedChanged,
                format!("{field} of `{label}` changed after the update was submitted and locked"),
            )
            .note(format!("submitted: {was}"))
            .note(format!("now: {}", shown(&now)))
        };
        if let Some(sp) = spans.get(&(update.clone(), field.clone())) {
            d = d.at(sp, "differs from the submitted version");
        }
        diags.push(if d.code == Code::LockDisagrees {
            d.help(format!("restore `{where_}` from version control; a deliberate change is `quire lock --amend`"))
        } else {
            d.help(amend)
        });
    }
}
