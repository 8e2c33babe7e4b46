//! Declared tables: figures that add up.
//!
//! One engine for every document kind. A table is declared in YAML (columns
//! with a type, unit and published decimal places; rows with an id, label and
//! optional group) with its figures inline, from a CSV file or from a workbook
//! range ([`read`]). Relations — totals, differences, ratios, changes, shares,
//! running balances, equalities across tables — are declared, not typed:
//! [`check`] computes every cell they determine from the unrounded inputs on
//! exact decimals ([`decimal`]) and checks every typed figure they also
//! determine at the column's published precision. This module turns the
//! checked tables into what the rest of quire uses: the layout's view
//! ([`view`]), the figures templates quote ([`context`]), and CSV exports
//! ([`csv`]).
//!
//! Printing rule: a figure is rounded to its column's `places`, half away from
//! zero, with thousands separators; a negative figure is printed in brackets in
//! money columns when the project's `negative-money` is `brackets`, otherwise
//! with a minus sign.

pub mod check;
pub mod decimal;
pub mod expr;
pub mod model;
pub mod read;

use crate::load::yaml::Node;
use crate::model::{NegativeStyle, Settings};
use check::Checked;
use decimal::Dec;
use model::{ColType, Column};
use serde_json::{Value as Json, json};
use std::path::Path;

/// Reads and checks a document's `tables:` list (`base` is the document's folder).
pub fn load(node: &Node, base: &Path, cx: &mut read::Ctx) -> Vec<Checked> {
    let tables = read::tables(node, base, cx);
    check::check(tables, cx.diags)
}

/// Where another document of the project is: its YAML file and folder
/// (project-relative), by document id.
pub type FindDocument<'a> = &'a dyn Fn(&str) -> Option<(std::path::PathBuf, std::path::PathBuf)>;

/// How many documents a chain of cross-document references may pass through.
pub const MAX_HOPS: usize = 8;

/// The documents other than `this` that the relations of `tables` name
/// (`document:table.row/column`), sorted; references to `this` by its own id
/// are made local.
fn other_documents(tables: &mut [model::Table], this: &str) -> Vec<String> {
    let mut docs: Vec<String> = Vec::new();
    for r in tables.iter_mut().flat_map(|t| &mut t.relations) {
        match &mut r.kind {
            model::RelKind::Equals { cell, other } => {
                for c in [cell, other] {
                    if let Some((d, t)) = c.document() {
                        if d == this {
                            c.table = Some(t.to_string());
                        } else {
                            docs.push(d.to_string());
                        }
                    }
                }
            }
            model::RelKind::Expr(x) => {
                for side in [&mut x.eq.lhs, &mut x.eq.rhs] {
                    side.leaves_mut(&mut |r: &mut expr::Ref| {
                        if r.doc.as_deref() == Some(this) {
                            r.doc = None;
                        } else if let Some(d) = &r.doc {
                            docs.push(d.clone());
                        }
                    });
                }
            }
            _ => {}
        }
    }
    docs.sort_unstable();
    docs.dedup();
    docs
}

/// Reads and checks a document's tables together with the figures of the
/// other documents' tables its relations name (`document:table.row/column`),
/// and `fixed`: the document's own fixed tables (a return's `kpi`, `deficit`
/// and `ehcp`) as figures only. Another document's tables are read and
/// checked on their own — their problems are theirs to report, in their own
/// run — with the documents *they* name, through up to [`MAX_HOPS`]
/// documents (a document already on the way is not read again, so a circle
/// of documents ends); they take part here as figures only, named
/// `document:table`, each cell located in its own file (so a mismatch points
/// at both ends). Their files are inputs of this document.
pub fn load_with(
    node: &Node,
    base: &Path,
    this: &str,
    find: FindDocument,
    fixed: Vec<model::Table>,
    cx: &mut read::Ctx,
) -> Vec<Checked> {
    let mut tables = read::tables(node, base, cx);
    let docs = other_documents(&mut tables, this);
    let own = tables.len();
    let mut done: std::collections::HashMap<String, Vec<model::Table>> = Default::default();
    let mut way = vec![this.to_string()];
    for doc in &docs {
        tables.extend(foreign(doc, find, cx, &mut way, &mut done));
    }
    tables.extend(fixed);
    let mut checked = check::check(tables, cx.diags);
    checked.truncate(own);
    // A formula cannot refer to another document's table: such a cell is
    // exported as its figure.
    for c in &mut checked {
        for line in &mut c.formula {
            for f in line.iter_mut() {
                let foreign = f
                    .as_ref()
                    .is_some_and(|f| f.cells().iter().any(|p| p.0 >= own));
                if foreign {
                    *f = None;
                }
            }
        }
    }
    checked
}

/// Another document's tables, checked with the documents they name, as
/// figures only (empty when it cannot be read: the reference reports it).
fn foreign(
    doc: &str,
    find: FindDocument,
    cx: &mut read::Ctx,
    way: &mut Vec<String>,
    done: &mut std::collections::HashMap<String, Vec<model::Table>>,
) -> Vec<model::Table> {
    if let Some(t) = done.get(doc) {
        return t.clone();
    }
    if way.iter().any(|d| d == doc) || way.len() > MAX_HOPS {
        return Vec::new();
    }
    let Some((file, dir)) = find(doc) else {
        return Vec::new();
    };
    let mut scratch = crate::diag::Diagnostics::default();
    let Ok(f) = crate::load::read(cx.root, &file, cx.sources) else {
        return Vec::new();
    };
    if !cx.inputs.contains(&file) {
        cx.inputs.push(file.clone());
    }
    let Ok(n) = crate::load::yaml::parse(cx.sources, f) else {
        return Vec::new();
    };
    let crate::load::yaml::NodeKind::Map(entries) = &n.kind else {
        return Vec::new();
    };
    let Some((_, t)) = entries.iter().find(|(k, _)| k.name == "tables") else {
        return Vec::new();
    };
    let mut sub = read::Ctx {
        root: cx.root,
        sources: &mut *cx.sources,
        diags: &mut scratch,
        inputs: &mut *cx.inputs,
    };
    let mut theirs = read::tables(t, &dir, &mut sub);
    let own = theirs.len();
    let next = other_documents(&mut theirs, doc);
    way.push(doc.to_string());
    for d in &next {
        theirs.extend(foreign(d, find, &mut sub, way, done));
    }
    way.pop();
    let out: Vec<model::Table> = check::check(theirs, &mut scratch)
        .into_iter()
        .take(own)
        .map(|c| figures_only(doc, c))
        .collect();
    done.insert(doc.to_string(), out.clone());
    out
}

/// A fixed table (a return's KPI values, deficit profile, EHCP counts) as
/// figures only under the name relations use (`kpi`, `deficit`, `ehcp`);
/// `transpose` turns the KPI table's periods × KPIs into KPIs × periods, so
/// that `kpi.K5/q2` is KPI K5 at update q2.
pub fn fixed_figures(name: &str, c: &Checked, transpose: bool) -> model::Table {
    let mut t = figures_only("", c.clone());
    t.id.value = name.to_string();
    if transpose {
        let rows = t
            .columns
            .iter()
            .map(|c| model::Row {
                id: c.id.clone(),
                label: c.label.clone(),
                group: None,
            })
            .collect();
        let columns = t
            .rows
            .iter()
            .map(|r| model::Column {
                id: r.id.clone(),
                label: r.label.clone(),
                ty: model::ColType::Number,
                unit: None,
                places: 0,
            })
            .collect();
        let cells = (0..t.columns.len())
            .map(|k| (0..t.rows.len()).map(|r| t.cells[r][k].clone()).collect())
            .collect();
        // Each figure keeps the places its KPI is compared at.
        let mut written: std::collections::HashMap<(usize, usize), u32> = Default::default();
        for (r, line) in c.table.cells.iter().enumerate() {
            for k in 0..line.len() {
                let p = c.table.columns[k].places;
                let w = c.table.written_places.get(&(r, k)).map_or(p, |w| p.max(*w));
                written.insert((k, r), w);
            }
        }
        t.rows = rows;
        t.columns = columns;
        t.cells = cells;
        t.written_places = written;
        t.cell_name = Some("KPI {row} at {column}".into());
    }
    t
}

/// A document's fixed tables as relations name them: `kpi` (KPIs × periods),
/// `deficit` and `ehcp`.
pub fn fixed_of(
    kpi: Option<&Checked>,
    deficit: Option<&Checked>,
    ehcp: Option<&Checked>,
) -> Vec<model::Table> {
    let mut out = Vec::new();
    if let Some(k) = kpi {
        out.push(fixed_figures("kpi", k, true));
    }
    if let Some(d) = deficit {
        out.push(fixed_figures("deficit", d, false));
    }
    if let Some(e) = ehcp {
        out.push(fixed_figures("ehcp", e, false));
    }
    out
}

/// One KPI's targets as typed: its id, each update's target and the annual one.
pub struct KpiTargets<'a> {
    pub id: crate::model::Sp<String>,
    pub targets: Vec<(&'a str, &'a crate::model::Sp<f64>)>,
    pub annual: Option<&'a crate::model::Sp<f64>>,
}

/// The KPIs' targets as figures relations name, `target.K3/q2` (KPI K3's
/// target for update q2) and `target.K3/annual`; each compared at the
/// places it was written with (read from `sources`).
pub fn kpi_targets(
    kpis: &[KpiTargets],
    updates: &[&str],
    sources: &crate::source::SourceMap,
) -> Option<model::Table> {
    let first = kpis.first()?;
    let span = first.id.span.clone();
    let sp = |s: &str| crate::model::Sp::new(s.to_string(), span.clone());
    let mut columns: Vec<model::Column> = updates
        .iter()
        .map(|u| model::Column {
            id: sp(u),
            label: u.to_string(),
            ty: model::ColType::Number,
            unit: None,
            places: 0,
        })
        .collect();
    columns.push(model::Column {
        id: sp("annual"),
        label: "annual".into(),
        ty: model::ColType::Number,
        unit: None,
        places: 0,
    });
    let mut written = std::collections::HashMap::new();
    let mut cells = Vec::new();
    for (r, k) in kpis.iter().enumerate() {
        let mut line: Vec<model::Cell> = columns
            .iter()
            .map(|_| model::Cell::Empty(k.id.span.clone()))
            .collect();
        let figures = k
            .targets
            .iter()
            .filter_map(|(u, v)| updates.iter().position(|x| x == u).map(|c| (c, *v)))
            .chain(k.annual.map(|a| (updates.len(), a)));
        for (c, v) in figures {
            let Some(d) = Dec::from_f64(v.value) else {
                continue;
            };
            let text = sources
                .text(v.span.file)
                .get(v.span.range.clone())
                .unwrap_or("");
            let places = text.trim().split_once('.').map_or(0, |(_, f)| {
                f.chars().take_while(char::is_ascii_digit).count()
            });
            written.insert((r, c), places as u32);
            line[c] = model::Cell::Num(crate::model::Sp::new(d, v.span.clone()));
        }
        cells.push(line);
    }
    Some(model::Table {
        id: sp("target"),
        title: "KPI targets".into(),
        row_heading: "KPI".into(),
        columns,
        rows: kpis
            .iter()
            .map(|k| model::Row {
                id: k.id.clone(),
                label: k.id.value.clone(),
                group: None,
            })
            .collect(),
        cells,
        relations: Vec::new(),
        published: Vec::new(),
        notes: Vec::new(),
        source: "inline".into(),
        written_places: written,
        published_help: Some("a target is typed in the KPI's `targets`".into()),
        cell_name: Some("KPI {row}'s target for {column}".into()),
    })
}

/// Another document's checked table as figures only, named `document:table`.
fn figures_only(doc: &str, c: Checked) -> model::Table {
    let mut t = c.table;
    for (r, line) in t.cells.iter_mut().enumerate() {
        for (k, cell) in line.iter_mut().enumerate() {
            let span = cell.span().clone();
            *cell = match c.value[r][k] {
                Some(v) if t.columns[k].ty.numeric() => {
                    model::Cell::Num(crate::model::Sp::new(v, span))
                }
                _ => model::Cell::Empty(span),
            };
        }
    }
    t.id.value = format!("{doc}:{}", t.id.value);
    t.relations.clear();
    t.published.clear();
    t
}

/// Thousands separators in the whole part: `1234567.5` → `1,234,567.5`.
fn grouped(s: &str) -> String {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let digits: Vec<char> = int.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A figure as printed in its column (see the module's printing rule).
pub fn format(v: Dec, col: &Column, neg: NegativeStyle) -> String {
    let s = v.fixed(col.places);
    match s.strip_prefix('-') {
        None => grouped(&s),
        Some(a) if col.ty == ColType::Money && neg == NegativeStyle::Brackets => {
            format!("({})", grouped(a))
        }
        Some(a) => format!("−{}", grouped(a)),
    }
}

/// A column's header: its label with its unit, e.g. `Outturn (£m)`.
pub fn header(col: &Column) -> String {
    match &col.unit {
        Some(u) if !u.is_empty() => format!("{} ({u})", col.label),
        _ => col.label.clone(),
    }
}

/// The layout's view of the tables, keyed by [`template_name`]: caption, headers (each
/// column's label with its unit, whether it holds figures, and its type: `money`,
/// `rating` …), rows (and group headings) with every cell as printed (`null` for no
/// data), marks and notes.
pub fn view(checked: &[Checked], settings: &Settings) -> Json {
    let mut out = serde_json::Map::new();
    for c in checked {
        let t = &c.table;
        let mut rows = Vec::new();
        let mut group: Option<&str> = None;
        let mut notes: Vec<String> = Vec::new();
        for (r, row) in t.rows.iter().enumerate() {
            if row.group.as_deref() != group {
                group = row.group.as_deref();
                if let Some(g) = group {
                    rows.push(json!({"group": g}));
                }
            }
            let cells: Vec<Json> = t
                .columns
                .iter()
                .enumerate()
                .map(|(k, col)| {
                    let text = if col.ty.numeric() {
                        c.value[r][k].map(|v| format(v, col, settings.negative_money))
                    } else {
                        match &t.cells[r][k] {
                            model::Cell::Text(s) => Some(s.value.clone()),
                            _ => None,
                        }
                    };
                    let mark = c.marked[r][k].is_some();
                    if let Some(m) = c.marked[r][k] {
                        notes.push(format!(
                            "† {}, {}: as published. The figures in this table give {}.",
                            row.label,
                            col.label,
                            format(m, col, settings.negative_money)
                        ));
                    }
                    json!({"text": text, "mark": mark, "numeric": col.ty.numeric()})
                })
                .collect();
            rows.push(json!({"label": row.label, "cells": cells}));
        }
        notes.extend(t.notes.iter().cloned());
        out.insert(
            template_name(&t.id.value),
            json!({
                "id": t.id.value,
                "title": t.title,
                "row_heading": t.row_heading,
                "columns": t.columns.iter().map(|col| json!({"label": header(col), "numeric": col.ty.numeric(), "type": col.ty.name()})).collect::<Vec<_>>(),
                "rows": rows,
                "notes": notes,
            }),
        );
    }
    Json::Object(out)
}

/// The name a template uses for an id: `-` becomes `_` (`dsg-outturn` → `dsg_outturn`).
pub fn template_name(id: &str) -> String {
    id.replace('-', "_")
}

/// What templates quote: `tables.ID.ROW.COLUMN` is the figure as printed
/// (rounded to the column's places), text as written, or none. Ids are
/// available as written and with `-` as `_`.
pub fn context(checked: &[Checked]) -> Json {
    let mut out = serde_json::Map::new();
    for c in checked {
        let t = &c.table;
        let mut rows = serde_json::Map::new();
        for (r, row) in t.rows.iter().enumerate() {
            let mut cols = serde_json::Map::new();
            for (k, col) in t.columns.iter().enumerate() {
                let v = if col.ty.numeric() {
                    c.value[r][k].map_or(Json::Null, |v| json!(v.round(col.places).to_f64()))
                } else {
                    match &t.cells[r][k] {
                        model::Cell::Text(s) => json!(s.value),
                        _ => Json::Null,
                    }
                };
                cols.insert(col.id.value.clone(), v.clone());
                cols.insert(template_name(&col.id.value), v);
            }
            let cols = Json::Object(cols);
            rows.insert(row.id.value.clone(), cols.clone());
            rows.insert(template_name(&row.id.value), cols);
        }
        let rows = Json::Object(rows);
        out.insert(t.id.value.clone(), rows.clone());
        out.insert(template_name(&t.id.value), rows);
    }
    Json::Object(out)
}

/// The figures typed into a document's tables (written in YAML, read from a
/// CSV file or a workbook), for a return's lock: (`table ID ROW/COLUMN`, the
/// figure at full precision, where it is written). Computed figures follow
/// from these and are not recorded.
pub fn lock_fields(checked: &[Checked]) -> Vec<(String, String, crate::source::Span)> {
    let mut out = Vec::new();
    for c in checked {
        let t = &c.table;
        for (r, row) in t.rows.iter().enumerate() {
            for (k, col) in t.columns.iter().enumerate() {
                let value = match &t.cells[r][k] {
                    model::Cell::Num(v) => (v.value.full(), v.span.clone()),
                    model::Cell::Text(v) => (v.value.clone(), v.span.clone()),
                    model::Cell::Empty(_) => continue,
                };
                out.push((
                    format!("table {} {}/{}", t.id.value, row.id.value, col.id.value),
                    value.0,
                    value.1,
                ));
            }
        }
    }
    out
}

/// Every figure by `table.row/column` (ids as written), for the template
/// function `figure()`: as printed, at full precision, and the column's places.
pub fn figures(checked: &[Checked], settings: &Settings) -> Json {
    let mut out = serde_json::Map::new();
    for c in checked {
        let t = &c.table;
        for (r, row) in t.rows.iter().enumerate() {
            for (k, col) in t.columns.iter().enumerate() {
                let Some(v) = c.value[r][k].filter(|_| col.ty.numeric()) else {
                    continue;
                };
                out.insert(
                    format!("{}.{}/{}", t.id.value, row.id.value, col.id.value),
                    json!({"printed": format(v, col, settings.negative_money), "full": v.full(), "places": col.places}),
                );
            }
        }
    }
    Json::Object(out)
}

/// What templates see of a document's tables: `tables` (see [`context`]) and
/// the figures `figure()` quotes.
pub fn into_context(checked: &[Checked], settings: &Settings, context: &mut Json) {
    if checked.is_empty() {
        return;
    }
    context["tables"] = self::context(checked);
    context[crate::render::template::FIGURES] = figures(checked, settings);
}

/// A table as CSV: a header line of labels with units, then one line per row;
/// figures as printed but without separators, text neutralised against formula
/// injection by [`crate::render::valve::csv_cell`].
pub fn csv(c: &Checked) -> String {
    let q = crate::render::valve::csv_cell;
    let t = &c.table;
    let grouped = t.rows.iter().any(|r| r.group.is_some());
    let mut s = q(&t.row_heading);
    if grouped {
        s.push_str(",Group");
    }
    for col in &t.columns {
        s.push(',');
        s.push_str(&q(&header(col)));
    }
    s.push('\n');
    for (r, row) in t.rows.iter().enumerate() {
        s.push_str(&q(&row.label));
        if grouped {
            s.push(',');
            s.push_str(&q(row.group.as_deref().unwrap_or("")));
        }
        for (k, col) in t.columns.iter().enumerate() {
            s.push(',');
            if col.ty.numeric() {
                if let Some(v) = c.value[r][k] {
                    s.push_str(&v.fixed(col.places));
                }
            } else if let model::Cell::Text(x) = &t.cells[r][k] {
                s.push_str(&q(&x.value));
            }
        }
        s.push('\n');
    }
    s
}

/// The tables as a workbook, one sheet per table (named by its id; `own`, the
/// document's own tables such as a plan's rating counts, first): a header
/// row, then one row per table row. A computed cell is a formula (`SUM(…)` for
/// totals, `B2-C2` for differences, ratios and changes, a reference for an
/// equality) with the computed figure as its cached result, so the workbook
/// recomputes in Excel; typed and published figures are numbers (a published
/// figure that differs from the computed one carries a note giving it, as the
/// printed table's † note does); text is written as text, never a formula.
pub fn xlsx(
    own: &[Checked],
    checked: &[Checked],
    title: &str,
    date: chrono::NaiveDate,
    settings: &Settings,
) -> Result<Vec<u8>, String> {
    use chrono::Datelike;
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(
        date.year().clamp(1900, 9999) as u16,
        date.month() as u8,
        date.day() as u8,
    )
    .map_err(e)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author(&settings.organisation)
            .set_creation_datetime(&created),
    );
    // The document's own tables (each checked on its own) first, then its
    // declared tables.
    let mut taken: Vec<&str> = Vec::new();
    for t in own {
        add_sheets(&mut wb, std::slice::from_ref(t), &taken)?;
        taken.push(&t.table.id.value);
    }
    add_sheets(&mut wb, checked, &taken)?;
    wb.save_to_buffer().map_err(e)
}

/// Adds one sheet per table to a workbook (see [`xlsx`]). A sheet is named by
/// the table's id; a name that is too long, or that one of `taken` (the
/// workbook's other sheets) already has in any case, gets a `~N` suffix.
pub fn add_sheets(
    wb: &mut rust_xlsxwriter::Workbook,
    checked: &[Checked],
    taken: &[&str],
) -> Result<(), String> {
    use check::Formula;
    use rust_xlsxwriter::{Format, Formula as XFormula, Note};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let bold = Format::new().set_bold();
    let names: Vec<String> = checked
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = &c.table.id.value;
            let clash = taken.iter().any(|t| t.eq_ignore_ascii_case(id));
            if id.len() <= 31 && !clash {
                id.clone()
            } else {
                format!("{}~{i}", &id[..id.len().min(25)])
            }
        })
        .collect();
    let cell = |(t, r, c): check::Pos, here: usize| {
        let a1 = read::a1_name(r as u32 + 1, c as u32 + 1);
        if t == here {
            a1
        } else {
            format!("'{}'!{a1}", names[t])
        }
    };
    let terms = |e: &[(i8, check::Pos)], here: usize| -> String {
        if e.len() > 1 && e.iter().all(|(s, _)| *s > 0) {
            return format!(
                "SUM({})",
                e.iter()
                    .map(|(_, p)| cell(*p, here))
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
        let mut s = String::new();
        for (i, (sign, p)) in e.iter().enumerate() {
            if *sign < 0 {
                s.push('-');
            } else if i > 0 {
                s.push('+');
            }
            s.push_str(&cell(*p, here));
        }
        s
    };
    for (t, c) in checked.iter().enumerate() {
        let ws = wb.add_worksheet().set_name(&names[t]).map_err(e)?;
        let tb = &c.table;
        ws.write_string_with_format(0, 0, &tb.row_heading, &bold)
            .map_err(e)?;
        let formats: Vec<Format> = tb
            .columns
            .iter()
            .map(|col| {
                let frac = if col.places > 0 {
                    format!(".{}", "0".repeat(col.places as usize))
                } else {
                    String::new()
                };
                Format::new().set_num_format(format!("#,##0{frac}"))
            })
            .collect();
        for (k, col) in tb.columns.iter().enumerate() {
            ws.write_string_with_format(0, k as u16 + 1, header(col), &bold)
                .map_err(e)?;
        }
        for (r, row) in tb.rows.iter().enumerate() {
            let xr = r as u32 + 1;
            ws.write_string_with_format(xr, 0, &row.label, &bold)
                .map_err(e)?;
            for (k, col) in tb.columns.iter().enumerate() {
                let xc = k as u16 + 1;
                if !col.ty.numeric() {
                    if let model::Cell::Text(x) = &tb.cells[r][k] {
                        ws.write_string(xr, xc, &x.value).map_err(e)?;
                    }
                    continue;
                }
                let Some(v) = c.value[r][k] else { continue };
                let f = match &c.formula[r][k] {
                    Some(Formula::Sum(e)) => terms(e, t),
                    Some(Formula::Ratio { num, den, pct }) => {
                        format!(
                            "({})/({}){}",
                            terms(num, t),
                            terms(den, t),
                            if *pct { "*100" } else { "" }
                        )
                    }
                    Some(Formula::Expr(x)) => x.show(&|p| cell(*p, t)),
                    None => {
                        ws.write_number_with_format(xr, xc, v.to_f64(), &formats[k])
                            .map_err(e)?;
                        // A figure printed as published is marked as in print:
                        // a note gives the figure the table's figures give.
                        if let Some(m) = c.marked[r][k] {
                            let note = Note::new(format!(
                                "As published. The figures in this table give {}.",
                                format(m, col, NegativeStyle::Minus)
                            ))
                            .add_author_prefix(false);
                            ws.insert_note(xr, xc, &note).map_err(e)?;
                        }
                        continue;
                    }
                };
                let f = XFormula::new(format!("={f}")).set_result(v.full());
                ws.write_formula_with_format(xr, xc, f, &formats[k])
                    .map_err(e)?;
            }
        }
        ws.set_column_width(0, 28).map_err(e)?;
        for k in 0..tb.columns.len() {
            ws.set_column_width(k as u16 + 1, 14).map_err(e)?;
        }
    }
    Ok(())
}
