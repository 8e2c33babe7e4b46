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

pub mod app;
pub mod bands;
pub mod check;
pub mod register;
pub mod valve;

use crate::model::decimal::Dec;
use crate::model::table::{self as model, Checked, ColType, Column};
use crate::model::{NegativeStyle, Settings};
use serde_json::{Value as Json, json};

/// `D7` → (row 6, column 3), zero-based.
pub fn a1(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let mut col = 0u32;
    for b in letters.bytes() {
        col = col * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32;
    }
    let row: u32 = digits.parse().ok()?;
    ((1..=1_048_576).contains(&row) && col <= 16_384).then(|| (row - 1, col - 1))
}

/// (row, column) zero-based → `D7`.
pub fn a1_name(row: u32, col: u32) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
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
                unit: c.unit.clone(),
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
                plus: false,
            })
            .collect();
        let cells = (0..t.columns.len())
            .map(|k| (0..t.rows.len()).map(|r| t.cells[r][k].clone()).collect())
            .collect();
        // Each figure keeps the places its KPI is compared at.
        let mut written: crate::model::idhash::IdMap<(usize, usize), u32> = Default::default();
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
        t.print_places = t
            .print_places
            .iter()
            .map(|(&(r, k), &p)| ((k, r), p))
            .collect();
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
    pub targets: Vec<(&'a str, &'a crate::model::Sp<Dec>)>,
    pub annual: Option<&'a crate::model::Sp<Dec>>,
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
            plus: false,
        })
        .collect();
    columns.push(model::Column {
        id: sp("annual"),
        label: "annual".into(),
        ty: model::ColType::Number,
        unit: None,
        places: 0,
        plus: false,
    });
    let mut written = crate::model::idhash::IdMap::default();
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
            let d = v.value;
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
        title: "KPI targets".into(),
        row_heading: "KPI".into(),
        columns,
        rows: kpis
            .iter()
            .map(|k| model::Row {
                id: k.id.clone(),
                label: k.id.value.clone(),
                group: None,
                unit: None,
            })
            .collect(),
        cells,
        written_places: written,
        published_help: Some("a target is typed in the KPI's `targets`".into()),
        cell_name: Some("KPI {row}'s target for {column}".into()),
        ..model::Table::inline(sp("target"))
    })
}

/// Another document's checked table as figures only, named `document:table`.
pub fn figures_only(doc: &str, c: Checked) -> model::Table {
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

use crate::model::decimal::grouped;
pub use crate::model::decimal::written_places;

/// Records the places each typed figure of `t` was written with (its text at
/// its span), so that it prints as typed: every numeric column but those
/// `fixed` (whose places the author declared) and those whose figures come
/// from a workbook's binary cells (their text is the cell's value, not a
/// printed form: they print at the column's places).
pub fn keep_typed_places(t: &mut model::Table, sources: &crate::source::SourceMap, fixed: &[bool]) {
    let figures = t.cells.iter().flatten();
    let figures = figures.filter(|c| matches!(c, model::Cell::Num(_))).count();
    t.print_places.reserve(figures);
    for (r, line) in t.cells.iter().enumerate() {
        for (k, cell) in line.iter().enumerate() {
            let model::Cell::Num(v) = cell else { continue };
            if fixed.get(k).copied().unwrap_or(false) || !t.columns[k].ty.numeric() {
                continue;
            }
            let text = sources.text(v.span.file).get(v.span.range.clone());
            if let Some(p) = text.and_then(written_places) {
                t.print_places.insert((r, k), p);
            }
        }
    }
}

/// The places a figure prints with: as typed (see [`keep_typed_places`]),
/// else its column's.
pub fn places_at(t: &model::Table, r: usize, k: usize) -> u32 {
    t.print_places
        .get(&(r, k))
        .copied()
        .unwrap_or(t.columns[k].places)
}

/// A cell's figure as printed: at the places it was typed with where its
/// column does not fix them (see [`format`]).
pub fn format_at(t: &model::Table, r: usize, k: usize, v: Dec, neg: NegativeStyle) -> String {
    let col = &t.columns[k];
    let s = format_places(v, col, places_at(t, r, k), t.negative.unwrap_or(neg));
    // A table that declares brackets puts every negative figure in them.
    match s.strip_prefix('−') {
        Some(a) if t.negative == Some(NegativeStyle::Brackets) => format!("({a})"),
        _ => s,
    }
}

/// A figure as printed in its column (see the module's printing rule).
pub fn format(v: Dec, col: &Column, neg: NegativeStyle) -> String {
    format_places(v, col, col.places, neg)
}

fn format_places(v: Dec, col: &Column, places: u32, neg: NegativeStyle) -> String {
    let s = v.fixed(places);
    match s.strip_prefix('-') {
        // A declared `+` on a change that is not nil once rounded.
        None if col.plus && s.bytes().any(|b| (b'1'..=b'9').contains(&b)) => {
            format!("+{}", grouped(&s))
        }
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

/// The unit printed for a difference of percentages.
pub const POINTS: &str = "pp";

/// Which columns and which rows of a table hold percentage points: a
/// difference of percent columns (`change = this_year - last_year`) is in
/// points, not %, and so is a row that is a difference of rows, in the percent
/// columns it covers, when those are all percent columns. (columns, rows).
pub fn points(t: &model::Table) -> (Vec<bool>, Vec<bool>) {
    let mut cols = vec![false; t.columns.len()];
    let mut rows = vec![false; t.rows.len()];
    let percent = |id: &str| {
        t.column(id)
            .is_some_and(|c| t.columns[c].ty == ColType::Percent)
    };
    for r in &t.relations {
        let model::RelKind::Difference { target, terms } = &r.kind else {
            continue;
        };
        match target {
            model::Target::Column(tc)
                if percent(&tc.value) && terms.iter().all(|(_, c)| percent(&c.value)) =>
            {
                if let Some(c) = t.column(&tc.value) {
                    cols[c] = true;
                }
            }
            // A row of points only where every figure it holds is one: each
            // column it covers is a percent column.
            model::Target::Row(tr)
                if {
                    let mut covered = t.columns.iter().filter(|c| {
                        c.ty.numeric()
                            && (r.only.is_empty() || r.only.iter().any(|o| o.value == c.id.value))
                    });
                    covered.clone().next().is_some() && covered.all(|c| c.ty == ColType::Percent)
                } =>
            {
                if let Some(r) = t.row(&tr.value) {
                    rows[r] = true;
                }
            }
            _ => {}
        }
    }
    (cols, rows)
}

/// The unit of one figure: its column's, but percentage points in a
/// column or a row of points (see [`points`]).
fn unit_at(t: &model::Table, pts: &(Vec<bool>, Vec<bool>), r: usize, k: usize) -> Option<String> {
    if let Some(u) = t.rows.get(r).and_then(|row| row.unit.clone()) {
        return Some(u);
    }
    let col = &t.columns[k];
    let pp = pts.0[k] || (pts.1.get(r).copied().unwrap_or(false) && col.ty == ColType::Percent);
    match &col.unit {
        Some(u) if pp && (u == "%" || u.is_empty()) => Some(POINTS.to_string()),
        None if pp => Some(POINTS.to_string()),
        u => u.clone(),
    }
}

/// Columns as the outputs head them: a column of percentage points is headed
/// `(pp)`, not `(%)`.
fn headed(t: &model::Table, pts: &(Vec<bool>, Vec<bool>)) -> Vec<Column> {
    t.columns
        .iter()
        .enumerate()
        .map(|(k, col)| {
            let mut col = col.clone();
            if pts.0[k] {
                col.unit = unit_at(t, pts, usize::MAX, k);
            }
            col
        })
        .collect()
}

/// A row's label as the outputs print it: with the row's own unit
/// (`Spend (£)`), or, for a row of percentage points, `Change (pp)`.
fn row_label(row: &model::Row, pp: bool) -> String {
    match &row.unit {
        Some(u) if !u.is_empty() => format!("{} ({u})", row.label),
        _ if pp => format!("{} ({POINTS})", row.label),
        _ => row.label.clone(),
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
        let pts = points(t);
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
                .filter(|(k, _)| !t.bracketed.iter().any(|(_, ch)| ch == k))
                .map(|(k, col)| {
                    let text = if col.ty.numeric() {
                        c.value[r][k].map(|v| {
                            let shown = format_at(t, r, k, v, settings.negative_money);
                            // A value (change) cell: "1,537 (+101)".
                            match t.bracketed.iter().find(|(v, _)| *v == k) {
                                Some((_, ch)) => match c.value[r][*ch] {
                                    Some(x) => {
                                        let f = format_at(t, r, *ch, x, NegativeStyle::Minus);
                                        let rise = !x.is_negative()
                                            && !x.round(places_at(t, r, *ch)).is_zero();
                                        let f = if rise && !f.starts_with('+') {
                                            format!("+{f}")
                                        } else {
                                            f
                                        };
                                        format!("{shown} ({f})")
                                    }
                                    None => shown,
                                },
                                None => shown,
                            }
                        })
                    } else {
                        match &t.cells[r][k] {
                            model::Cell::Text(s) => Some(s.value.clone()),
                            _ => None,
                        }
                    };
                    // No figure: blank where the table says the council leaves it so.
                    let text = text.or_else(|| t.blank.then(String::new));
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
            rows.push(json!({"label": row_label(row, pts.1[r]), "cells": cells}));
        }
        notes.extend(t.notes.iter().cloned());
        out.insert(
            template_name(&t.id.value),
            json!({
                "id": t.id.value,
                "title": t.title,
                "row_heading": t.row_heading,
                "columns": headed(t, &pts).iter().enumerate().filter(|(k, _)| !t.bracketed.iter().any(|(_, ch)| ch == k)).map(|(_, col)| json!({"label": header(col), "numeric": col.ty.numeric(), "type": col.ty.name()})).collect::<Vec<_>>(),
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
                    c.value[r][k]
                        .map_or(Json::Null, |v| json!(v.round(places_at(t, r, k)).to_f64()))
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
pub fn lock_fields(checked: &[Checked]) -> Vec<crate::model::changes::Field> {
    use crate::model::changes::{Field, FieldKind};
    let mut out = Vec::new();
    for c in checked {
        let t = &c.table;
        let title = if t.title.is_empty() {
            &t.id.value
        } else {
            &t.title
        };
        for (r, row) in t.rows.iter().enumerate() {
            for (k, col) in t.columns.iter().enumerate() {
                let (value, span, kind) = match &t.cells[r][k] {
                    model::Cell::Num(v) => (v.value.full(), v.span.clone(), FieldKind::Figure),
                    model::Cell::Text(v) => (v.value.clone(), v.span.clone(), FieldKind::Text),
                    model::Cell::Empty(_) => continue,
                };
                let unit = col
                    .unit
                    .as_ref()
                    .or(row.unit.as_ref())
                    .map_or(String::new(), |u| format!(" ({u})"));
                out.push(Field {
                    key: format!("table {} {}/{}", t.id.value, row.id.value, col.id.value),
                    value,
                    span,
                    what: format!("{title}: {}, {}{unit}", row.label, col.label),
                    kind,
                });
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
        let pts = points(t);
        for (r, row) in t.rows.iter().enumerate() {
            for (k, col) in t.columns.iter().enumerate() {
                let Some(v) = c.value[r][k].filter(|_| col.ty.numeric()) else {
                    continue;
                };
                out.insert(
                    format!("{}.{}/{}", t.id.value, row.id.value, col.id.value),
                    json!({"printed": format_at(t, r, k, v, settings.negative_money), "full": v.full(), "places": places_at(t, r, k), "unit": unit_at(t, &pts, r, k)}),
                );
            }
        }
    }
    Json::Object(out)
}

/// The key of the template context entry holding every cell's figure for
/// `figure()` (not a name a template can write).
pub const FIGURES: &str = "tables:figures";

/// What templates see of a document's tables: `tables` (see [`context`]) and
/// the figures `figure()` quotes.
pub fn into_context(checked: &[Checked], settings: &Settings, context: &mut Json) {
    if checked.is_empty() {
        return;
    }
    context["tables"] = self::context(checked);
    context[FIGURES] = figures(checked, settings);
}

/// Author text as one CSV cell that a spreadsheet shows as text (OWASP's
/// advice on CSV injection): a cell that starts like a formula (`=`, `+`, `-`,
/// `@`, tab or carriage return) gets a leading `'`, and any cell holding a
/// comma, quote or line break is quoted.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('\'') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A table as CSV: a header line of labels with units, then one line per row;
/// figures as printed but without separators, text neutralised against formula
/// injection by [`csv_cell`].
pub fn csv(c: &Checked) -> String {
    let q = csv_cell;
    let t = &c.table;
    let pts = points(t);
    let grouped = t.rows.iter().any(|r| r.group.is_some());
    let mut s = q(&t.row_heading);
    if grouped {
        s.push_str(",Group");
    }
    for col in &headed(t, &pts) {
        s.push(',');
        s.push_str(&q(&header(col)));
    }
    s.push('\n');
    for (r, row) in t.rows.iter().enumerate() {
        s.push_str(&q(&row_label(row, pts.1[r])));
        if grouped {
            s.push(',');
            s.push_str(&q(row.group.as_deref().unwrap_or("")));
        }
        for (k, col) in t.columns.iter().enumerate() {
            s.push(',');
            if col.ty.numeric() {
                if let Some(v) = c.value[r][k] {
                    s.push_str(&v.fixed(places_at(t, r, k)));
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

/// A workbook number format with thousands separators and `places` decimals,
/// the table's declared brackets and the column's declared `+`, so the
/// workbook shows a figure as the PDF prints it.
fn number_format(places: u32, col: &Column, t: &model::Table) -> rust_xlsxwriter::Format {
    let frac = if places > 0 {
        format!(".{}", "0".repeat(places as usize))
    } else {
        String::new()
    };
    let n = format!("#,##0{frac}");
    let brackets = t.negative == Some(NegativeStyle::Brackets);
    let f = match (col.plus, brackets) {
        (false, false) => n,
        (true, false) => format!("+{n};-{n};{n}"),
        (false, true) => format!("{n};({n})"),
        (true, true) => format!("+{n};({n});{n}"),
    };
    rust_xlsxwriter::Format::new().set_num_format(f)
}

/// Adds one sheet per table to a workbook (see [`xlsx`]). A sheet is named by
/// the table's id; a name that is too long, or that one of `taken` (the
/// workbook's other sheets) already has in any case, gets a `~N` suffix.
pub fn add_sheets(
    wb: &mut rust_xlsxwriter::Workbook,
    checked: &[Checked],
    taken: &[&str],
) -> Result<(), String> {
    use crate::model::table::Formula;
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
    let cell = |(t, r, c): model::Pos, here: usize| {
        let a1 = a1_name(r as u32 + 1, c as u32 + 1);
        if t == here {
            a1
        } else {
            format!("'{}'!{a1}", names[t])
        }
    };
    let terms = |e: &[(i8, model::Pos)], here: usize| -> String {
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
            .map(|col| number_format(col.places, col, tb))
            .collect();
        let pts = points(tb);
        for (k, col) in headed(tb, &pts).iter().enumerate() {
            ws.write_string_with_format(0, k as u16 + 1, header(col), &bold)
                .map_err(e)?;
        }
        for (r, row) in tb.rows.iter().enumerate() {
            let xr = r as u32 + 1;
            ws.write_string_with_format(xr, 0, row_label(row, pts.1[r]), &bold)
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
                        // A typed figure shows the places it was typed with.
                        let typed;
                        let shown = match places_at(tb, r, k) {
                            p if p == col.places => &formats[k],
                            p => {
                                typed = number_format(p, col, tb);
                                &typed
                            }
                        };
                        ws.write_number_with_format(xr, xc, v.to_f64(), shown)
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

#[cfg(test)]
mod csv_tests {
    use super::csv_cell;

    #[test]
    fn cells_that_start_a_formula_are_neutralised_and_quoted() {
        assert_eq!(csv_cell("=1+2"), "\"'=1+2\"");
        assert_eq!(csv_cell("+44 1234"), "\"'+44 1234\"");
        assert_eq!(csv_cell("-1"), "\"'-1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("\tx"), "\"'\tx\"");
        assert_eq!(csv_cell("a\rb"), "\"a\rb\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, \"b\""), "\"a, \"\"b\"\"\"");
    }
}
