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
//!
//! Fields "as at" an update ([`as_at`]: the summary, the data date, the
//! deficit forecast, the EHCP counts, declared tables' figures) are recorded
//! with the update that was current when it was locked, and compared only
//! while it is current: the next update writes its own without amending the
//! last. The lock's record of the last submitted update is also what the
//! account of what changed ([`changes`]) is computed against.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::changes::{Field, FieldKind};
use crate::model::valve::{PerUpdate, Valve};
use crate::project::{Document, Project};
use crate::source::Span;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const LOCK_FILE: &str = "quire.lock";

/// A number as recorded in the lock: the shortest form that reads back as
/// the same binary float, as locks have always recorded figures (so a lock
/// written before figures were held as decimals still matches).
fn num(x: crate::model::decimal::Dec) -> String {
    format!("{}", x.to_f64())
}

/// Whether a field of a return's record is "as at" an update: the return
/// holds one value of it, the current update's (the summary, the data date,
/// the deficit forecast and the variance and RAG that follow from it, the EHCP
/// counts, the figures of its declared tables). An update's record keeps its
/// own as submitted; only the current update's is read from the file, so the
/// next update writes its own without amending the last. Everything else is
/// either given per update (ratings, progress, KPI figures, comments, the
/// sign-off) or stays the same all year (the agreement's figures, condition
/// texts, risk titles, KPI baselines).
pub fn as_at(field: &str) -> bool {
    field == "summary"
        || field == "data as at"
        || field.starts_with("ehcp ")
        || field.starts_with("table ")
        || (field.starts_with("deficit ")
            && [" forecast", " variance", " rag"]
                .iter()
                .any(|e| field.ends_with(e)))
}

/// Whether a field of a return's record is given per update (a rating, a
/// progress narrative, a KPI's target, actual, RAG or comment, the
/// submission): the rest is "as at" the current update or the same all year.
fn per_update(field: &str) -> bool {
    let ends = |ends: &[&str]| ends.iter().any(|e| field.ends_with(e));
    field == "submission"
        || (field.starts_with("condition ") && ends(&[" assurance", " progress"]))
        || (field.starts_with("risk ") && ends(&[" assurance", " progress", " rating"]))
        || (field.starts_with("kpi ")
            && !field.ends_with(" annual target")
            && ends(&[" target", " actual", " rag", " comment"]))
}

/// The kind of a field by its name, for a field only an earlier record holds.
fn kind_of(field: &str) -> FieldKind {
    let item = (field.starts_with("condition ") && field.ends_with(" text"))
        || (field.starts_with("risk ") && field.ends_with(" title"));
    if item {
        FieldKind::Item
    } else {
        FieldKind::Text
    }
}

/// Where a typed figure of one of the return's fixed tables is written.
fn cell_span(t: Option<&crate::model::table::Checked>, r: usize, c: usize) -> Option<&Span> {
    match t?.table.cells.get(r)?.get(c)? {
        crate::model::table::Cell::Num(v) => Some(&v.span),
        _ => None,
    }
}

/// Every field of the return's record for one update, in the return's order:
/// what is given for that update, what stays the same all year, and, for the
/// current update only, what is "as at" it ([`as_at`]).
pub fn fields(v: &Valve, update: &str) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    let mut push = |key: String, value: String, span: &Span, what: String, kind: FieldKind| {
        out.push(Field {
            key,
            value,
            span: span.clone(),
            what,
            kind,
        });
    };
    let per = |items: &[PerUpdate<String>]| -> Vec<(String, Span)> {
        items
            .iter()
            .filter(|a| a.update == update)
            .map(|a| (a.value.value.clone(), a.value.span.clone()))
            .collect()
    };
    for c in &v.conditions {
        let n = &c.number.value;
        for (value, span) in per(&c.assurance) {
            let what = format!("Condition {n}: assurance");
            push(
                format!("condition {n} assurance"),
                value,
                &span,
                what,
                FieldKind::Rating,
            );
        }
        for (value, span) in per(&c.progress) {
            let what = format!("Condition {n}: progress");
            push(
                format!("condition {n} progress"),
                value,
                &span,
                what,
                FieldKind::Text,
            );
        }
    }
    for r in &v.risks {
        let n = &r.number.value;
        for (field, kind, items) in [
            ("assurance", FieldKind::Rating, &r.assurance),
            ("progress", FieldKind::Text, &r.progress),
            ("rating", FieldKind::Rating, &r.rating),
        ] {
            for (value, span) in per(items) {
                let what = format!("Risk {n}: {field}");
                push(format!("risk {n} {field}"), value, &span, what, kind);
            }
        }
    }
    for c in &v.conditions {
        let n = &c.number;
        let what = format!("Condition {}: {}", n.value, c.text);
        push(
            format!("condition {} text", n.value),
            c.text.clone(),
            &n.span,
            what,
            FieldKind::Item,
        );
    }
    for r in &v.risks {
        let n = &r.number;
        let what = format!("Risk {}: {}", n.value, r.title);
        push(
            format!("risk {} title", n.value),
            r.title.clone(),
            &n.span,
            what,
            FieldKind::Item,
        );
        if let Some(m) = &r.mitigation {
            let what = format!("Risk {}: mitigation", n.value);
            push(
                format!("risk {} mitigation", n.value),
                m.value.clone(),
                &m.span,
                what,
                FieldKind::Text,
            );
        }
        for (field, x) in [
            ("group", &r.group),
            ("impact", &r.impact),
            ("strategy", &r.strategy),
        ] {
            if let Some(x) = x {
                let what = format!("Risk {}: {field}", n.value);
                push(
                    format!("risk {} {field}", n.value),
                    x.clone(),
                    &n.span,
                    what,
                    FieldKind::Text,
                );
            }
        }
    }
    if let Some(sm) = &v.summary {
        push(
            "summary".into(),
            sm.value.clone(),
            &sm.span,
            "Summary".into(),
            FieldKind::Text,
        );
    }
    if let Some(d) = &v.deficit {
        let unit = &d.unit;
        for (r, y) in d.years.iter().enumerate() {
            let (yr, year_at) = (&y.year.value, &y.year.span);
            // At the figure as typed, where the profile's table has it.
            let at = |c: usize| cell_span(d.table.as_ref(), r, c).unwrap_or(year_at);
            let mut fig = |field: &str, c: usize, x: crate::model::decimal::Dec| {
                let what = format!("Deficit {yr}: {field} ({unit})");
                let key = format!("deficit {yr} {field}");
                push(key, num(x), at(c), what, FieldKind::Figure);
            };
            fig("agreement", 0, y.agreement);
            fig("forecast", 1, y.forecast);
            if let Some(p) = y.published_variance {
                fig("variance", 2, p);
            }
            if y.rag_published {
                let rag = y.rag.clone().unwrap_or_default();
                let what = format!("Deficit {yr}: RAG");
                let key = format!("deficit {yr} rag");
                push(key, rag, year_at, what, FieldKind::Rating);
            }
        }
    }
    if let Some(e) = &v.ehcp {
        // At each count as typed (the table's cell), else the return's
        // current update.
        let at = |r: usize, c: usize| {
            cell_span(e.table.as_ref(), r, c).unwrap_or(&v.current_update.span)
        };
        let nb = e.bands.len();
        for (ci, c) in e.columns.iter().enumerate() {
            for (bi, (band, value)) in e.bands.iter().zip(&c.values).enumerate() {
                let what = format!("EHCPs, {}: {band}", c.label);
                let key = format!("ehcp {} {band}", c.label);
                push(key, value.to_string(), at(bi, ci), what, FieldKind::Figure);
            }
            if let Some(t) = c.published_total {
                let what = format!("EHCPs, {}: total", c.label);
                let key = format!("ehcp {} total", c.label);
                push(key, t.to_string(), at(nb, ci), what, FieldKind::Figure);
            }
        }
    }
    for k in &v.kpis {
        let unit = if k.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", k.unit)
        };
        for (field, items) in [("target", &k.targets), ("actual", &k.actuals)] {
            for a in items.iter().filter(|a| a.update == update) {
                let what = format!("{} {}: {field}{unit}", k.id, k.name);
                push(
                    format!("kpi {} {field}", k.id),
                    num(a.value.value),
                    &a.value.span,
                    what,
                    FieldKind::Figure,
                );
            }
        }
        for (field, kind, items) in [
            ("rag", FieldKind::Rating, &k.published_rag),
            ("comment", FieldKind::Text, &k.comments),
        ] {
            for a in items.iter().filter(|a| a.update == update) {
                let label = if field == "rag" { "RAG" } else { field };
                let what = format!("{} {}: {label}", k.id, k.name);
                push(
                    format!("kpi {} {field}", k.id),
                    a.value.value.clone(),
                    &a.value.span,
                    what,
                    kind,
                );
            }
        }
        for (field, x) in [
            ("baseline", &k.baseline),
            ("annual target", &k.annual_target),
        ] {
            if let Some(x) = x {
                let what = format!("{} {}: {field}{unit}", k.id, k.name);
                push(
                    format!("kpi {} {field}", k.id),
                    num(x.value),
                    &x.span,
                    what,
                    FieldKind::Figure,
                );
            }
        }
    }
    if let Some(d) = &v.data_as_at {
        push(
            "data as at".into(),
            d.value.clone(),
            &d.span,
            "Data as at".into(),
            FieldKind::Text,
        );
    }
    // The typed figures of the declared tables, wherever they are read from.
    out.extend(v.table_figures.iter().cloned());
    for s in v.submissions.iter().filter(|s| s.update.value == update) {
        let sign: Vec<String> = s
            .sign_off
            .iter()
            .map(|o| format!("{}|{}|{}|{}", o.role, o.name, o.title, o.acting))
            .collect();
        out.push(Field {
            key: "submission".into(),
            value: format!("{}|{}", s.date_submitted, sign.join(";")),
            span: s.update.span.clone(),
            what: "Submission".into(),
            kind: FieldKind::Text,
        });
    }
    if update != v.current_update.value {
        out.retain(|f| !as_at(&f.key));
    }
    out
}

/// The update whose record the current update is compared with: the last
/// one before it in `updates:` that the lock records (the last submitted).
fn previous<'a>(lock: &'a Lock, v: &Valve) -> Option<(&'a str, &'a BTreeMap<String, String>)> {
    let at = v
        .updates
        .iter()
        .position(|u| u.id.value == v.current_update.value)?;
    v.updates[..at].iter().rev().find_map(|u| {
        lock.updates
            .get_key_value(&u.id.value)
            .map(|(k, f)| (k.as_str(), f))
    })
}

/// What changed in the current update since the last submitted one, from
/// the lock's record of that one and the return as written (`sources`: each
/// figure is told at the places it is written with); `None` where the
/// lock records no earlier update (or only as hashes, which hold no values).
pub fn changes(
    lock: &Lock,
    v: &Valve,
    sources: &crate::source::SourceMap,
) -> Option<crate::model::changes::Changes> {
    let (since, before) = previous(lock, v)?;
    if legacy(before) {
        return None;
    }
    let now = fields(v, &v.current_update.value);
    Some(crate::model::changes::Changes {
        since: since.to_string(),
        since_label: v.update_label(since),
        update: v.current_update.value.clone(),
        update_label: v.update_label(&v.current_update.value),
        // A figure's places as the return writes it (the text at its span).
        lines: crate::model::changes::between(before, &now, &kind_of, &|f| {
            let text = sources.text(f.span.file).get(f.span.range.clone())?;
            crate::tables::written_places(text.trim().trim_matches('"'))
        }),
    })
}

/// Warns where an update not yet submitted still has the last submitted
/// update's data date or summary, word for word: carried over by `quire new
/// return --next` and not yet rewritten.
fn carried_over(lock: &Lock, v: &Valve, diags: &mut Diagnostics) {
    if lock.updates.contains_key(&v.current_update.value) {
        return;
    }
    let Some((since, before)) = previous(lock, v) else {
        return;
    };
    let (was, now) = (
        v.update_label(since),
        v.update_label(&v.current_update.value),
    );
    for f in fields(v, &v.current_update.value) {
        let what = match f.key.as_str() {
            "data as at" => "the data date",
            "summary" => "the summary",
            _ => continue,
        };
        if before.get(&f.key) == Some(&f.value) {
            diags.push(
                Diagnostic::warning(
                    Code::CarriedOver,
                    format!("{what} of `{now}` is still `{was}`'s, as submitted"),
                )
                .at(&f.span, format!("as `{was}` submitted it"))
                .help(format!(
                    "write `{now}`'s own; `{was}`'s stays on record in the lock"
                )),
            );
        }
    }
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
            .map(|f| (f.key, f.value))
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
            .map(|f| (f.key, f.value))
            .collect();
        let legacy = legacy(locked);
        let current = *update == v.current_update.value;
        for (field, value) in locked {
            // An earlier update's "as at" values are its record, not the file's.
            if !current && as_at(field) {
                continue;
            }
            match now.get(field) {
                Some(n) if same(value, n, legacy) => {}
                Some(n) => out.push((update.clone(), field.clone(), value.clone(), n.clone())),
                None => out.push((update.clone(), field.clone(), value.clone(), String::new())),
            }
        }
        for (field, n) in &now {
            // A condition, risk or KPI new since an earlier update is not a
            // change of that update's record (a rating given for it would be).
            if !current && !per_update(field) {
                continue;
            }
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

/// Reports any field of a locked update that differs from its lock (`read`:
/// the lock as [`read`] gave it, read once by the caller);
/// `built_locked` says whether the project records the return as locked
/// ([`recorded`], or the manifest of its last build), then a missing lock is
/// an error; asked only when there is none.
pub fn check(
    doc: &Document,
    read: &Result<Option<Lock>, String>,
    v: &Valve,
    built_locked: &dyn Fn() -> Result<bool, String>,
    diags: &mut Diagnostics,
) {
    let where_ = format!("{}/{LOCK_FILE}", crate::load::display(&doc.dir));
    let lock = match read {
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
                .map(move |f| ((u.clone(), f.key), f.span))
        })
        .collect();
    carried_over(lock, v, diags);
    for (update, field, locked, now) in differences(lock, v) {
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
