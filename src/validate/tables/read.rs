//! Reading declared tables: YAML → [`Table`], with rows inline, from a CSV file
//! or from a range of an `.xlsx`/`.xlsm` workbook.
//!
//! Stage: load + validate for tables. Like the rest of validation, every problem
//! is reported and reading carries on. CSV files are read as text into the
//! [`SourceMap`] (diagnostics point at `file.csv:LINE:COL`); each workbook cell
//! read becomes a one-line source named `file.xlsx › Sheet!D7`, so a diagnostic
//! names the cell (the workbook itself is read, bounded, by [`super::xlsx`]). Every file is read through the project's confinement
//! ([`crate::load::read_ref`], [`crate::load::read_bytes_ref`]) and recorded in
//! `inputs` so the manifest hashes it.

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::load::yaml::{Node, NodeKind};
use crate::load::{self, yaml};
use crate::model::Sp;
use crate::model::decimal::Dec;
use crate::model::table::*;
use crate::source::{SourceMap, Span};
use crate::tables::{a1, a1_name};
use crate::validate::{MAX_FIGURE, MapReader, text, wrong};
use std::path::{Path, PathBuf};

/// Most cells one workbook range may hold.
pub const MAX_RANGE_CELLS: usize = 20_000;

/// Largest one part of a workbook (a sheet, the shared strings) may be once
/// unpacked, and all its parts together; and the most parts it may have. A
/// workbook is a zip file: these bound the memory and time it can take.
pub const MAX_PART: u64 = 64 << 20;
pub const MAX_UNPACKED: u64 = 256 << 20;
pub const MAX_PARTS: usize = 10_000;

/// Measures every part of a workbook by unpacking it into nothing, each part
/// cut off just past [`MAX_PART`] (the sizes a zip declares can lie), before
/// its cells are read ([`super::xlsx`]). `Ok` for a file that is not a zip
/// (the reader says why).
pub fn check_unpacked(bytes: &[u8]) -> Result<(), String> {
    use std::io::Read;
    let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(());
    };
    if z.len() > MAX_PARTS {
        return Err(format!("it has {} parts (at most {MAX_PARTS})", z.len()));
    }
    let mib = |n: u64| n >> 20;
    let mut total = 0u64;
    for i in 0..z.len() {
        let mut part = z.by_index(i).map_err(|e| e.to_string().to_lowercase())?;
        let name = part.name().chars().take(80).collect::<String>();
        let too_big = || {
            format!(
                "its part `{name}` unpacks to more than {} MiB",
                mib(MAX_PART)
            )
        };
        if part.size() > MAX_PART {
            return Err(too_big());
        }
        let n = std::io::copy(&mut (&mut part).take(MAX_PART + 1), &mut std::io::sink())
            .map_err(|e| e.to_string().to_lowercase())?;
        if n > MAX_PART {
            return Err(too_big());
        }
        total += n;
        if total > MAX_UNPACKED {
            return Err(format!("it unpacks to more than {} MiB", mib(MAX_UNPACKED)));
        }
    }
    Ok(())
}

/// The file system and the run's records, for reading tables.
pub struct Ctx<'a> {
    pub root: &'a Path,
    pub sources: &'a mut SourceMap,
    pub diags: &'a mut Diagnostics,
    pub inputs: &'a mut Vec<PathBuf>,
}

/// Reads a document's `tables:` list: each item is a table written inline, or
/// the path (relative to `base`) of a YAML file holding one table.
pub fn tables(node: &Node, base: &Path, cx: &mut Ctx) -> Vec<Table> {
    #[cfg(test)]
    crate::validate::record::read(node, crate::validate::record::Read::List);
    let NodeKind::Seq(items) = &node.kind else {
        cx.diags.push(
            wrong(node, "a list of tables (lines starting with `- `)")
                .help("write each table, or the path of a file holding one, after `- `"),
        );
        return Vec::new();
    };
    let mut out: Vec<Table> = Vec::new();
    for item in items {
        let t = match &item.kind {
            NodeKind::Str(path) => {
                #[cfg(test)]
                crate::validate::record::read(item, crate::validate::record::Read::Text);
                match load::read_ref(cx.root, base, path, &item.span, cx.sources) {
                    Ok((file, rel)) => {
                        cx.inputs.push(rel.clone());
                        let (node, problems) = yaml::parse_all(cx.sources, file);
                        problems.into_iter().for_each(|d| cx.diags.push(d));
                        node.and_then(|n| {
                            let dir = rel.parent().unwrap_or(Path::new("")).to_path_buf();
                            table(&n, &dir, cx)
                        })
                    }
                    Err(d) => {
                        cx.diags.push(d);
                        None
                    }
                }
            }
            _ => table(item, base, cx),
        };
        let Some(t) = t else { continue };
        if let Some(first) = out.iter().find(|o| o.id.value == t.id.value) {
            cx.diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("two tables have the id `{}`", t.id.value),
                )
                .at(&t.id.span, "second table with this id")
                .also(&first.id.span, "first declared here")
                .help("give each table of a document its own id"),
            );
            continue;
        }
        out.push(t);
    }
    out
}

/// An id as written: letters, digits, `-` and `_`, at most 64 characters.
pub fn id(n: &Node, what: &str, diags: &mut Diagnostics) -> Option<Sp<String>> {
    let t = text(n, diags)?;
    let v = t.value.trim();
    if !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Some(Sp::new(v.to_string(), t.span));
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            format!("`{}` is not a usable {what} id", t.value),
        )
        .at(&t.span, "letters, digits, `-` and `_` only")
        .help("ids are short names such as `high-needs` or `y2024`; the label is what is printed"),
    );
    None
}

fn ids(n: &Node, what: &str, diags: &mut Diagnostics) -> Vec<Sp<String>> {
    match &n.kind {
        NodeKind::Seq(items) => items.iter().filter_map(|i| id(i, what, diags)).collect(),
        _ => id(n, what, diags).into_iter().collect(),
    }
}

/// `row/column`, `table.row/column`, or in another document of the project
/// `document:table.row/column` (then `table` is kept as `document:table`).
pub fn cell_ref(n: &Node, diags: &mut Diagnostics) -> Option<CellRef> {
    let t = text(n, diags)?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let parsed = t.value.trim().split_once('/').and_then(|(left, column)| {
        let (table, row) = match left.split_once('.') {
            Some((tb, r)) => (Some(tb.to_string()), r),
            None => (None, left),
        };
        let table_ok = |tb: &str| match tb.split_once(':') {
            Some((doc, tb)) => ok(doc) && ok(tb),
            None => ok(tb),
        };
        (ok(row) && ok(column) && table.as_deref().is_none_or(table_ok)).then(|| CellRef {
            table,
            row: row.to_string(),
            column: column.to_string(),
            span: t.span.clone(),
            acknowledged: None,
        })
    });
    if parsed.is_none() {
        diags.push(
            Diagnostic::error(Code::InvalidValue, format!("`{}` is not a cell reference", t.value))
                .at(&t.span, "expected ROW/COLUMN, TABLE.ROW/COLUMN or DOCUMENT:TABLE.ROW/COLUMN")
                .help("name a cell by its row id and column id, e.g. `closing/y2024`, in another table `deficit-profile.closing/y2024`, or in another document `sv-2025-26:deficit-profile.closing/y2024`"),
        );
    }
    parsed
}

/// An entry of `published:`: a cell reference, or `{ cell: ROW/COLUMN,
/// acknowledged: "why" }` once the council has accepted the difference.
fn published_ref(n: &Node, diags: &mut Diagnostics) -> Option<CellRef> {
    // Either form is accepted wherever one is: the schema offers both.
    #[cfg(test)]
    crate::validate::record::read(
        n,
        crate::validate::record::Read::Pattern(
            "^[A-Za-z0-9_.:-]+/[A-Za-z0-9_-]+$",
            "a cell reference, ROW/COLUMN",
        ),
    );
    if !matches!(n.kind, NodeKind::Map(_)) {
        return cell_ref(n, diags);
    }
    let mut m = MapReader::new(n, "a published cell", diags)?;
    let cell = m.req("cell").and_then(|c| cell_ref(c, m.diags));
    let why = m.text("acknowledged");
    m.finish();
    let mut cell = cell?;
    let why = why?;
    if why.value.trim().is_empty() {
        diags.push(
            Diagnostic::error(Code::MissingField, "the acknowledgement gives no reason")
                .at(&why.span, "empty")
                .help("say why the figure is kept as published, e.g. \"as published in the Q1 2024-25 return\""),
        );
        return None;
    }
    cell.acknowledged = Some(why.value);
    Some(cell)
}

impl CellRef {
    /// The other document a reference names (`document:table.row/column`).
    pub fn document(&self) -> Option<(&str, &str)> {
        self.table.as_deref()?.split_once(':')
    }
}

fn default_places(ty: ColType) -> u32 {
    match ty {
        ColType::Percent => 1,
        ColType::Ratio => 2,
        _ => 0,
    }
}

fn column(n: &Node, diags: &mut Diagnostics) -> Option<Column> {
    let mut m = MapReader::new(n, "a table column", diags)?;
    let cid = m.req("id").and_then(|v| id(v, "column", m.diags));
    let label = m.text("label");
    let ty = m.req("type").and_then(|v| {
        let t = crate::validate::one_of(v, ColType::NAMES, "column type", m.diags)?;
        ColType::parse(&t.value)
    });
    let unit = m.opt_text("unit").map(|t| t.value);
    // A change the council prints with its sign: `+1.5`, `−0.3`.
    let plus = m.opt_bool("plus-sign");
    // Read with the table's columns (`bracketed`): the value column it follows.
    let _ = m.opt_text("in-brackets-after");
    let places = m.opt("places").and_then(|v| {
        let i = crate::validate::int(v, m.diags)?;
        if (0..=6).contains(&i.value) {
            Some(i.value as u32)
        } else {
            m.diags.push(
                Diagnostic::error(Code::NumberRange, "`places` must be between 0 and 6")
                    .at(&i.span, "decimal places the source publishes")
                    .help("write how many decimal places the published figures show, e.g. `places: 1` for £m to one place"),
            );
            None
        }
    });
    m.finish();
    let ty = ty?;
    Some(Column {
        id: cid?,
        label: label?.value,
        unit: unit.or_else(|| (ty == ColType::Percent).then(|| "%".to_string())),
        places: places.unwrap_or(default_places(ty)),
        plus: plus.unwrap_or(false),
        ty,
    })
}

/// A figure or text for one cell of `col`, from a YAML value.
fn yaml_cell(n: &Node, col: &Column, diags: &mut Diagnostics) -> Option<Cell> {
    if matches!(n.kind, NodeKind::Null) {
        return Some(Cell::Empty(n.span.clone()));
    }
    if !col.ty.numeric() {
        return text(n, diags).map(Cell::Text);
    }
    let written = match &n.kind {
        NodeKind::Int(_) | NodeKind::Float(_) => n.raw.as_deref().unwrap_or_default(),
        _ => {
            diags.push(
                wrong(n, &format!("a number for `{}`", col.id.value))
                    .help("write figures without commas, units or signs other than `-`, e.g. 1234.5; leave a cell out (or write `~`) when there is no figure"),
            );
            return None;
        }
    };
    let v = Dec::parse(written).or_else(|| match n.kind {
        NodeKind::Int(i) => Some(Dec::int(i)),
        NodeKind::Float(f) => Dec::from_f64(f),
        _ => None,
    });
    figure(v, written, n.span.clone(), col, diags)
}

/// Checks a figure read from anywhere against its column.
fn figure(
    v: Option<Dec>,
    written: &str,
    span: Span,
    col: &Column,
    diags: &mut Diagnostics,
) -> Option<Cell> {
    let limit = Dec::int(MAX_FIGURE as i64);
    let Some(v) = v.filter(|v| v.abs() <= limit) else {
        diags.push(
            Diagnostic::error(
                Code::NumberRange,
                format!("`{written}` is not a finite number below a trillion"),
            )
            .at(&span, "not a usable figure")
            .help("check the value; figures are written in the column's unit (for example £m), never as 1e308"),
        );
        return None;
    };
    if col.ty == ColType::Count {
        if v.round(0) != v {
            diags.push(
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "`{written}` is not a whole number, but `{}` is a count",
                        col.id.value
                    ),
                )
                .at(&span, "expected a whole number")
                .help("counts are whole numbers; use `type: number` for a column of measures"),
            );
            return None;
        }
        if v.is_negative() {
            diags.push(
                Diagnostic::error(
                    Code::NegativeCount,
                    format!("`{written}` is negative, but `{}` is a count", col.id.value),
                )
                .at(&span, "a count cannot be negative")
                .help("check the figure; use `type: number` for a column that can go below zero"),
            );
            return None;
        }
    }
    Some(Cell::Num(Sp::new(v, span)))
}

/// The value (change) pairs of a table's columns: a column with
/// `in-brackets-after: VALUE` is the change printed in brackets after the
/// column VALUE's figure, "1,537 (+101)" (value column, change column).
fn bracketed(
    columns_node: Option<&Node>,
    columns: &[Column],
    diags: &mut Diagnostics,
) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let Some(NodeKind::Seq(items)) = columns_node.map(|c| &c.kind) else {
        return out;
    };
    for item in items {
        let Some(after) = item.get("in-brackets-after") else {
            continue;
        };
        // Not text: reported where the column is read.
        let NodeKind::Str(name) = &after.kind else {
            continue;
        };
        let own = item.get("id").and_then(|i| match &i.kind {
            NodeKind::Str(s) => columns.iter().position(|c| c.id.value == *s),
            _ => None,
        });
        let Some(own) = own else { continue };
        let numeric = |c: &Column| c.ty.numeric();
        match columns.iter().position(|c| c.id.value == *name) {
            Some(v) if v != own && numeric(&columns[v]) && numeric(&columns[own]) => {
                if out.iter().any(|(a, b)| *a == v || *b == v || *a == own) {
                    diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("the column `{name}` already has a change in brackets, or is one"),
                        )
                        .at(&after.span, "one change per value column")
                        .help("give each value column at most one change column, and do not chain them"),
                    );
                } else {
                    out.push((v, own));
                }
            }
            Some(_) => diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`in-brackets-after: {name}` must name another column of figures"),
                )
                .at(&after.span, "not a column of figures")
                .help(
                    "a change in brackets follows a figure of another numeric column of this table",
                ),
            ),
            None => {
                let d = Diagnostic::error(
                    Code::UnknownReference,
                    format!("this table has no column `{name}`"),
                );
                diags.push(
                    match did_you_mean(name, columns.iter().map(|c| c.id.value.as_str())) {
                        Some(s) => d
                            .at(&after.span, format!("did you mean `{s}`?"))
                            .help(format!("rename it to `{s}`")),
                        None => d
                            .at(&after.span, "not a column of this table")
                            .help(format!(
                                "the columns are: {}",
                                columns
                                    .iter()
                                    .map(|c| c.id.value.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                    },
                );
            }
        }
    }
    out
}

/// A value (change) cell as the council prints it: "1,537 (+101)", "12.5
/// (−0.4)": the value for its column and the change for the change column,
/// each checked as a figure of its column (the change by its relation).
fn value_change(
    text: &str,
    n: &Node,
    value_col: &Column,
    change_col: &Column,
    diags: &mut Diagnostics,
) -> Option<(Cell, Cell)> {
    let Some(((vw, v), (cw, c))) = split_value_change(text) else {
        diags.push(
            wrong(n, &format!("a figure for `{}`, or a figure and its change as printed, e.g. \"1,537 (+101)\"", value_col.id.value))
                .help("write the value, then its change in brackets with its sign: `\"1,537 (+101)\"`; or the value alone, and the change is computed"),
        );
        return None;
    };
    let value = figure(Some(v), &vw, n.span.clone(), value_col, diags)?;
    let change = figure(Some(c), &cw, n.span.clone(), change_col, diags)?;
    Some((value, change))
}

/// "1,537 (+101)" → the value and the change, each as written (without
/// its thousands separators) and as a figure.
fn split_value_change(text: &str) -> Option<((String, Dec), (String, Dec))> {
    let (v, rest) = text.trim().split_once('(')?;
    let c = rest.trim().strip_suffix(')')?;
    let clean = |s: &str| -> Option<(String, Dec)> {
        let s = s.trim().replace(',', "").replace('\u{2212}', "-");
        let d = Dec::parse(&s)?;
        Some((s, d))
    };
    Some((clean(v)?, clean(c)?))
}

/// A value (change) field of a CSV file or a workbook cell, "1,537 (+101)":
/// both cells, each checked as a figure of its column.
fn value_change_at(
    text: &str,
    span: Span,
    value_col: &Column,
    change_col: &Column,
    diags: &mut Diagnostics,
) -> Option<(Cell, Cell)> {
    let Some(((vw, v), (cw, c))) = split_value_change(text) else {
        diags.push(
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "`{text}` is not a figure and its change, but `{}` holds figures with their change in brackets",
                    value_col.id.value
                ),
            )
            .at(&span, "expected a figure, or a figure and its change")
            .help("write the value, then its change in brackets with its sign, `1,537 (+101)`; or the value alone, and the change is computed"),
        );
        return None;
    };
    let value = figure(Some(v), &vw, span.clone(), value_col, diags)?;
    let change = figure(Some(c), &cw, span, change_col, diags)?;
    Some((value, change))
}

struct RowDecl {
    row: Row,
    values: Option<(Span, Vec<(usize, Cell)>)>,
}

fn row(
    n: &Node,
    columns: &[Column],
    bracketed: &[(usize, usize)],
    diags: &mut Diagnostics,
) -> Option<RowDecl> {
    let mut m = MapReader::new(n, "a table row", diags)?;
    let rid = m.req("id").and_then(|v| id(v, "row", m.diags));
    let label = m.text("label");
    let group = m.opt_text("group").map(|t| t.value);
    // A row in its own unit (a £ row in a table of counts), printed with its label.
    let unit = m.opt_text("unit").map(|t| t.value);
    let values = m.opt("values").map(|v| {
        #[cfg(test)]
        crate::validate::record::read(v, crate::validate::record::Read::MapOf);
        let mut cells = Vec::new();
        match &v.kind {
            NodeKind::Map(entries) => {
                for (k, val) in entries {
                    match columns.iter().position(|c| c.id.value == k.name) {
                        Some(ci) => {
                            // "1,537 (+101)": the value and its change, as printed.
                            let pair = bracketed.iter().find(|(v, _)| *v == ci);
                            if let (Some((_, change)), NodeKind::Str(text)) = (pair, &val.kind) {
                                if let Some((v, c)) = value_change(
                                    text,
                                    val,
                                    &columns[ci],
                                    &columns[*change],
                                    m.diags,
                                ) {
                                    cells.push((ci, v));
                                    cells.push((*change, c));
                                }
                            } else if let Some(c) = yaml_cell(val, &columns[ci], m.diags) {
                                cells.push((ci, c));
                            }
                        }
                        None => {
                            let mut d = Diagnostic::error(
                                Code::UnknownReference,
                                format!("this table has no column `{}`", k.name),
                            );
                            d = match did_you_mean(
                                &k.name,
                                columns.iter().map(|c| c.id.value.as_str()),
                            ) {
                                Some(s) => d
                                    .at(&k.span, format!("did you mean `{s}`?"))
                                    .help(format!("rename it to `{s}`")),
                                None => d.at(&k.span, "not a column of this table").help(format!(
                                    "the columns are: {}",
                                    columns
                                        .iter()
                                        .map(|c| c.id.value.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            };
                            m.diags.push(d);
                        }
                    }
                }
            }
            _ => m.diags.push(wrong(
                v,
                "a mapping of column ids to figures (e.g. `budget: 12.5`)",
            )),
        }
        (v.span.clone(), cells)
    });
    m.finish();
    Some(RowDecl {
        row: Row {
            id: rid?,
            label: label?.value,
            group,
            unit,
        },
        values,
    })
}

/// What one field of a short form holds.
#[derive(Clone, Copy)]
enum Field {
    /// `row: ID` or `column: ID`: what the relation determines.
    Target,
    /// Row ids, column ids or group names, as written (`of: [a, b]`).
    Texts(&'static str),
    /// A signed sum of ids (`is: forecast - budget`).
    Terms(&'static str),
    /// A quotient of two ids (`is: pupils / places`).
    Quotient(&'static str),
    /// One id; the word says what it names.
    Id(&'static str, &'static str),
    /// The base of a change since one row (`from-row`, for a column target)
    /// or one column (`from-column`, for a row target).
    Base,
    /// Optional ids (`plus: [...]`).
    Ids(&'static str, &'static str),
    /// An optional `true`/`false`.
    Flag(&'static str),
    /// A cell, `ROW/COLUMN` or `TABLE.ROW/COLUMN`.
    Cell(&'static str),
}

/// Which rows or columns a short form may be limited to.
#[derive(Clone, Copy)]
enum Only {
    /// `columns:` for a row target, `rows:` for a column target.
    Across,
    Rows,
    Columns,
    None,
}

/// One short form: its fields, read in order by [`relation`], and how they
/// make the relation and its equation as the diagnostics quote it.
struct Short {
    kind: &'static str,
    /// This shape is taken when the key is present (`change` has two).
    when: Option<&'static str>,
    what: &'static str,
    fields: &'static [Field],
    only: Only,
    make: fn(Got) -> Option<(RelKind, String)>,
}

/// The fields of a short form as read (`None` where one was wrong or missing).
#[derive(Default)]
struct Got {
    target: Option<Target>,
    texts: Vec<Sp<String>>,
    terms: Option<Terms>,
    quotient: Option<(Sp<String>, Sp<String>)>,
    /// [`Field::Id`] and [`Field::Base`], in the order of the fields.
    ids: Vec<Option<Sp<String>>>,
    /// [`Field::Ids`], in order.
    lists: Vec<Vec<Sp<String>>>,
    flag: bool,
    cells: Vec<Option<CellRef>>,
}

impl Got {
    fn id(&mut self, i: usize) -> Option<Sp<String>> {
        self.ids.get_mut(i)?.take()
    }

    fn list(&mut self, i: usize) -> Vec<Sp<String>> {
        self.lists
            .get_mut(i)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn cell(&mut self, i: usize) -> Option<CellRef> {
        self.cells.get_mut(i)?.take()
    }
}

/// Every short form. Each is sugar for an equation over the table's cells,
/// which [`crate::tables::check`] expands into rules for each row or column.
const SHORT: &[Short] = &[
    Short {
        kind: "total",
        when: None,
        what: "a total",
        fields: &[Field::Target, Field::Texts("of")],
        only: Only::Across,
        make: |mut g| {
            let tg = g.target.take()?;
            if g.texts.is_empty() {
                return None;
            }
            let text = format!("{} = {}", tname(&tg), join(&g.texts, " + "));
            Some((
                RelKind::Total {
                    target: tg,
                    of: g.texts,
                },
                text,
            ))
        },
    },
    Short {
        kind: "difference",
        when: None,
        what: "a difference",
        fields: &[Field::Target, Field::Terms("is")],
        only: Only::Across,
        make: |mut g| {
            let (tg, t) = (g.target.take()?, g.terms.take()?);
            let mut s = String::new();
            for (i, (sign, id)) in t.iter().enumerate() {
                if i > 0 || *sign < 0 {
                    s.push_str(if *sign < 0 { " - " } else { " + " });
                }
                s.push_str(&id.value);
            }
            let text = format!("{} = {}", tname(&tg), s.trim_start());
            Some((
                RelKind::Difference {
                    target: tg,
                    terms: t,
                },
                text,
            ))
        },
    },
    Short {
        kind: "ratio",
        when: None,
        what: "a ratio",
        fields: &[Field::Target, Field::Quotient("is")],
        only: Only::Across,
        make: |mut g| {
            let (tg, (num, den)) = (g.target.take()?, g.quotient.take()?);
            let text = format!("{} = {} / {}", tname(&tg), num.value, den.value);
            Some((
                RelKind::Ratio {
                    target: tg,
                    num,
                    den,
                },
                text,
            ))
        },
    },
    // `change: { column: pct, of: y, from-row: baseline }`: the change of a
    // column since one row (or of a row since one column).
    Short {
        kind: "change",
        when: Some("of"),
        what: "a change",
        fields: &[Field::Target, Field::Id("of", "row or column"), Field::Base],
        only: Only::Across,
        make: |mut g| {
            let (tg, of, base) = (g.target.take()?, g.id(0)?, g.id(1)?);
            let base_what = match tg {
                Target::Row(_) => "column",
                Target::Column(_) => "row",
            };
            let (o, b) = (&of.value, &base.value);
            let text = format!(
                "{} = change of {o} since {base_what} `{b}` ({o} - {o} at `{b}`) / {o} at `{b}`",
                tname(&tg),
            );
            Some((
                RelKind::ChangeFrom {
                    target: tg,
                    of,
                    base,
                },
                text,
            ))
        },
    },
    Short {
        kind: "change",
        when: None,
        what: "a change",
        fields: &[
            Field::Target,
            Field::Id("from", "row or column"),
            Field::Id("to", "row or column"),
        ],
        only: Only::Across,
        make: |mut g| {
            let (tg, from, to) = (g.target.take()?, g.id(0)?, g.id(1)?);
            let (f, t) = (&from.value, &to.value);
            let text = format!("{} = change from {f} to {t} ({t} - {f}) / {f}", tname(&tg));
            Some((
                RelKind::Change {
                    target: tg,
                    from,
                    to,
                },
                text,
            ))
        },
    },
    Short {
        kind: "share",
        when: None,
        what: "a share",
        fields: &[
            Field::Id("column", "column"),
            Field::Id("of", "column"),
            Field::Id("total", "row"),
        ],
        only: Only::Rows,
        make: |mut g| {
            let (tg, of, total) = (g.id(0)?, g.id(1)?, g.id(2)?);
            let text = format!(
                "column `{}` = {} as a share of row `{}`'s {}",
                tg.value, of.value, total.value, of.value
            );
            Some((
                RelKind::Share {
                    target: tg,
                    of,
                    total,
                },
                text,
            ))
        },
    },
    Short {
        kind: "balance",
        when: None,
        what: "a balance",
        fields: &[
            Field::Id("opening", "row"),
            Field::Ids("plus", "row"),
            Field::Ids("minus", "row"),
            Field::Id("closing", "row"),
            Field::Flag("running"),
        ],
        only: Only::Columns,
        make: |mut g| {
            let (opening, closing) = (g.id(0)?, g.id(1)?);
            let (plus, minus, running) = (g.list(0), g.list(1), g.flag);
            let mut s = format!("row `{}` = {}", closing.value, opening.value);
            for p in &plus {
                s.push_str(&format!(" + {}", p.value));
            }
            for p in &minus {
                s.push_str(&format!(" - {}", p.value));
            }
            if running {
                s.push_str(&format!(
                    ", and each column's {} is the previous column's {}",
                    opening.value, closing.value
                ));
            }
            let kind = RelKind::Balance {
                opening,
                plus,
                minus,
                closing,
                running,
            };
            Some((kind, s))
        },
    },
    Short {
        kind: "equals",
        when: None,
        what: "an equality",
        fields: &[Field::Cell("cell"), Field::Cell("other")],
        only: Only::None,
        make: |mut g| {
            let (cell, other) = (g.cell(0)?, g.cell(1)?);
            let name = |c: &CellRef| match &c.table {
                Some(t) => format!("{t}.{}/{}", c.row, c.column),
                None => format!("{}/{}", c.row, c.column),
            };
            let text = format!("{} = {}", name(&cell), name(&other));
            Some((RelKind::Equals { cell, other }, text))
        },
    },
];

/// The kinds of short form, each once, in the order of [`SHORT`].
fn kinds() -> Vec<&'static str> {
    let mut k: Vec<&'static str> = SHORT.iter().map(|s| s.kind).collect();
    k.dedup();
    k
}

/// The row-or-column target of a relation (`row: X` or `column: X`).
fn target(m: &mut MapReader) -> Option<Target> {
    let r = m.opt("row");
    let c = m.opt("column");
    match (r, c) {
        (Some(r), None) => id(r, "row", m.diags).map(Target::Row),
        (None, Some(c)) => id(c, "column", m.diags).map(Target::Column),
        (Some(r), Some(_)) => {
            m.diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    "a relation determines a row or a column, not both",
                )
                .at(&r.span, "`row` and `column` both given")
                .help("write `row: ID` for a row of totals, or `column: ID` for a column"),
            );
            None
        }
        (None, None) => {
            let span = m.span().clone();
            m.diags.push(
                Diagnostic::error(Code::MissingField, "this relation does not say which row or column it determines")
                    .at(&span, "add `row: ID` or `column: ID`")
                    .help("e.g. `total: { row: total, of: [a, b] }` or `difference: { column: variance, is: forecast - budget }`"),
            );
            None
        }
    }
}

/// `forecast - budget`, `a + b - c`.
pub(crate) fn terms(n: &Node, diags: &mut Diagnostics) -> Option<Terms> {
    let t = text(n, diags)?;
    let mut out = Vec::new();
    let mut sign = 1i8;
    let mut want_id = true;
    let ok = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    for tok in t.value.split_whitespace() {
        match (want_id, tok) {
            (false, "+") => (sign, want_id) = (1, true),
            (false, "-") => (sign, want_id) = (-1, true),
            (true, id) if ok(id) && id != "-" => {
                out.push((sign, Sp::new(id.to_string(), t.span.clone())));
                want_id = false;
            }
            _ => {
                want_id = true;
                out.clear();
                break;
            }
        }
    }
    if want_id || out.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("`{}` is not a sum or difference of ids", t.value),
            )
            .at(&t.span, "expected ids joined by ` + ` or ` - `")
            .help("write ids separated by spaced signs, e.g. `forecast - budget` or `a + b - c`"),
        );
        return None;
    }
    Some(out)
}

/// `a / b`.
pub(crate) fn quotient(n: &Node, diags: &mut Diagnostics) -> Option<(Sp<String>, Sp<String>)> {
    let t = text(n, diags)?;
    let parts: Vec<&str> = t.value.split_whitespace().collect();
    let ok = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if let [a, "/", b] = parts.as_slice()
        && ok(a)
        && ok(b)
    {
        return Some((
            Sp::new(a.to_string(), t.span.clone()),
            Sp::new(b.to_string(), t.span.clone()),
        ));
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            format!("`{}` is not a ratio of two ids", t.value),
        )
        .at(&t.span, "expected `A / B`")
        .help("write two ids with a spaced slash, e.g. `pupils / places`"),
    );
    None
}

fn tname(t: &Target) -> String {
    match t {
        Target::Row(r) => format!("row `{}`", r.value),
        Target::Column(c) => format!("column `{}`", c.value),
    }
}

fn join(ids: &[Sp<String>], sep: &str) -> String {
    ids.iter()
        .map(|i| i.value.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// A relation's `tolerance:` (a number from 0 to 10¹²).
fn tolerance(m: &mut MapReader) -> Option<Dec> {
    m.opt("tolerance").and_then(|t| {
        let written = t.raw.clone().unwrap_or_default();
        let most = Dec::from_f64(MAX_FIGURE).unwrap_or(Dec::ZERO);
        match Dec::parse(&written).filter(|d| !d.is_negative() && *d <= most) {
            Some(d) if matches!(t.kind, NodeKind::Int(_) | NodeKind::Float(_)) => Some(d),
            _ => {
                m.diags.push(wrong(t, "a tolerance (a number from 0 to 10¹², in the column's unit)").help("e.g. `tolerance: 0.1` accepts a typed figure up to 0.1 from the computed one"));
                None
            }
        }
    })
}

/// Where the text of a string scalar starts in its file, when it is written
/// as is (plain, or quoted without escapes): then a byte of the text is a
/// byte of the file.
fn text_start(sources: &SourceMap, span: &Span, text: &str) -> Option<usize> {
    let raw = sources.text(span.file).get(span.range.clone())?;
    if raw.starts_with(text) {
        return Some(span.range.start);
    }
    let q = raw.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    (raw[1..].starts_with(text) && !raw[1..1 + text.len()].contains(['\\', q]))
        .then_some(span.range.start + 1)
}

/// An equation, `net = issued - ceased`, or with its options
/// `{ equation: "net = issued - ceased", tolerance: 0.1, columns: [y2025] }`.
fn equation(n: &Node, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Relation> {
    let written: Sp<String>;
    let (text, span, tol, only) = if let NodeKind::Str(s) = &n.kind {
        (s.as_str(), &n.span, None, Vec::new())
    } else {
        let mut m = MapReader::new(n, "an equation", diags)?;
        let text = m.text("equation");
        let tol = tolerance(&mut m);
        let mut only = m
            .opt("rows")
            .map(|v| ids(v, "row", m.diags))
            .unwrap_or_default();
        only.extend(
            m.opt("columns")
                .map(|v| ids(v, "column", m.diags))
                .unwrap_or_default(),
        );
        m.finish();
        written = text?;
        (written.value.as_str(), &written.span, tol, only)
    };
    let start = text_start(sources, span, text);
    let at = |r: &std::ops::Range<usize>| match start {
        Some(s) => Span::new(span.file, s + r.start..s + r.end),
        None => span.clone(),
    };
    match crate::model::expr::parse(text) {
        Ok(eq) => Some(Relation {
            kind: RelKind::Expr(Box::new(ExprRel {
                eq,
                at: span.clone(),
                start,
            })),
            only,
            tolerance: tol.unwrap_or(Dec::ZERO),
            span: span.clone(),
            text: text.trim().to_string(),
        }),
        Err(e) => {
            diags.push(
                Diagnostic::error(Code::ExprSyntax, e.message)
                    .at(&at(&e.at), e.label)
                    .help(e.help),
            );
            None
        }
    }
}

fn relation(n: &Node, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Relation> {
    // An equation, an equation with options, or a short form: the schema
    // leaves the item open (the reader tells them apart and reports the rest).
    #[cfg(test)]
    crate::validate::record::read(n, crate::validate::record::Read::Any);
    let is_equation = match &n.kind {
        NodeKind::Str(_) => true,
        NodeKind::Map(entries) => entries.iter().any(|(k, _)| k.name == "equation"),
        _ => false,
    };
    if is_equation {
        return equation(n, sources, diags);
    }
    let NodeKind::Map(entries) = &n.kind else {
        diags.push(wrong(
            n,
            "a relation such as `total: { row: total, of: [a, b] }`",
        ));
        return None;
    };
    let [(key, body)] = entries.as_slice() else {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                "a relation is one kind with its details",
            )
            .at(
                &n.span,
                "expected one key: total, difference, ratio, change, share, balance or equals",
            )
            .help("write each relation as its own `- kind: { … }` item"),
        );
        return None;
    };
    let shape = |s: &&Short| s.kind == key.name && s.when.is_none_or(|w| body.get(w).is_some());
    let Some(short) = SHORT.iter().find(shape) else {
        let kinds = kinds();
        let mut d = Diagnostic::error(
            Code::UnknownKey,
            format!("`{}` is not a kind of relation", key.name),
        );
        d = match did_you_mean(&key.name, kinds.iter().copied()) {
            Some(s) => d
                .at(&key.span, format!("did you mean `{s}`?"))
                .help(format!("rename it to `{s}`")),
            None => d
                .at(&key.span, "not a relation")
                .help(format!("the relations are: {}", kinds.join(", "))),
        };
        diags.push(d);
        return None;
    };
    let mut m = MapReader::new(body, short.what, diags)?;
    let tolerance = tolerance(&mut m);
    let mut g = Got::default();
    for field in short.fields {
        match *field {
            Field::Target => g.target = target(&mut m),
            Field::Texts(k) => {
                g.texts = m
                    .req(k)
                    .map(|v| crate::validate::texts(v, m.diags))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| Sp::new(t.value.trim().to_string(), t.span))
                    .collect();
            }
            Field::Terms(k) => g.terms = m.req(k).and_then(|v| terms(v, m.diags)),
            Field::Quotient(k) => g.quotient = m.req(k).and_then(|v| quotient(v, m.diags)),
            Field::Id(k, what) => {
                let v = m.req(k).and_then(|v| id(v, what, m.diags));
                g.ids.push(v);
            }
            Field::Base => {
                let (k, what) = match g.target {
                    Some(Target::Row(_)) => ("from-column", "column"),
                    _ => ("from-row", "row"),
                };
                let v = m.req(k).and_then(|v| id(v, what, m.diags));
                g.ids.push(v);
            }
            Field::Ids(k, what) => {
                let v = m.opt(k).map(|v| ids(v, what, m.diags));
                g.lists.push(v.unwrap_or_default());
            }
            Field::Flag(k) => g.flag = m.opt_bool(k).unwrap_or(false),
            Field::Cell(k) => {
                let v = m.req(k).and_then(|v| cell_ref(v, m.diags));
                g.cells.push(v);
            }
        }
    }
    let (key, what) = match short.only {
        Only::Across => match g.target {
            Some(Target::Row(_)) => (Some("columns"), "row or column"),
            _ => (Some("rows"), "row or column"),
        },
        Only::Rows => (Some("rows"), "row"),
        Only::Columns => (Some("columns"), "column"),
        Only::None => (None, ""),
    };
    let only = key
        .and_then(|k| m.opt(k))
        .map(|v| ids(v, what, m.diags))
        .unwrap_or_default();
    m.finish();
    let (kind, text) = (short.make)(g)?;
    Some(Relation {
        kind,
        only,
        tolerance: tolerance.unwrap_or(Dec::ZERO),
        span: n.span.clone(),
        text,
    })
}

enum Source {
    Csv(Sp<String>),
    Workbook {
        path: Sp<String>,
        sheet: Sp<String>,
        range: Sp<String>,
    },
}

fn source(n: &Node, diags: &mut Diagnostics) -> Option<Source> {
    let mut m = MapReader::new(n, "a table's source", diags)?;
    let csv = m.opt_text("csv");
    let wb = m.opt_text("workbook");
    let out = match (csv, wb) {
        (Some(c), None) => Some(Source::Csv(c)),
        (None, Some(w)) => {
            let sheet = m.text("sheet");
            let range = m.text("range");
            sheet.zip(range).map(|(sheet, range)| Source::Workbook {
                path: w,
                sheet,
                range,
            })
        }
        (Some(c), Some(_)) => {
            m.diags.push(
                Diagnostic::error(Code::InvalidValue, "a table reads its rows from one source")
                    .at(&c.span, "`csv` and `workbook` both given")
                    .help("keep either `csv: FILE` or `workbook: FILE` with `sheet` and `range`"),
            );
            None
        }
        (None, None) => {
            let span = m.span().clone();
            m.diags.push(
                Diagnostic::error(Code::MissingField, "this source names no file")
                    .at(&span, "add `csv: FILE` or `workbook: FILE`")
                    .help("e.g. `source: { csv: outturn.csv }` or `source: { workbook: plan.xlsx, sheet: Summary, range: B4:H12 }`"),
            );
            None
        }
    };
    m.finish();
    out
}

/// Reads one table; `base` is the folder of the file it is written in.
pub fn table(n: &Node, base: &Path, cx: &mut Ctx) -> Option<Table> {
    let mut m = MapReader::new(n, "a table", cx.diags)?;
    let tid = m.req("id").and_then(|v| id(v, "table", m.diags));
    let title = m.text("title");
    let row_heading = m.opt_text("row-heading").map(|t| t.value);
    let columns = m.list("columns", true, column);
    // Columns whose places the author declared print every figure at them;
    // the others print a typed figure as it was typed.
    let declared: Vec<String> = match m.opt("columns").map(|c| &c.kind) {
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter(|c| c.get("places").is_some())
            .filter_map(|c| match c.get("id").map(|i| &i.kind) {
                Some(NodeKind::Str(s)) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let fixed: Vec<bool> = columns
        .iter()
        .map(|c| declared.contains(&c.id.value))
        .collect();
    let bracketed = bracketed(m.opt("columns"), &columns, m.diags);
    let mut rows = m.list("rows", false, |r, d| row(r, &columns, &bracketed, d));
    let rows_span = m.opt("rows").map(|r| r.span.clone());
    let src = m.opt("source").and_then(|s| source(s, m.diags));
    let sources: &SourceMap = cx.sources;
    let relations = m.list("relations", false, |r, d| relation(r, sources, d));
    let published = m.list("published", false, published_ref);
    // This table's negatives as the council prints them, whatever the
    // project's `negative-money`: in brackets or with a minus sign.
    let negative = m
        .opt("negative")
        .and_then(|v| crate::validate::one_of(v, &["brackets", "minus"], "negative style", m.diags))
        .map(|v| {
            if v.value == "brackets" {
                crate::model::NegativeStyle::Brackets
            } else {
                crate::model::NegativeStyle::Minus
            }
        });
    // Where the council leaves a cell blank, the printed table does too.
    let blank = m
        .opt("empty")
        .and_then(|v| {
            crate::validate::one_of(v, &["blank", "no-data"], "empty-cell style", m.diags)
        })
        .is_some_and(|v| v.value == "blank");
    let notes = m
        .texts("notes", false)
        .into_iter()
        .map(|t| t.value)
        .collect();
    let table_span = m.span().clone();
    m.finish();
    let diags = &mut *cx.diags;
    // Unique column and row ids.
    dups("column", columns.iter().map(|c| &c.id), diags);
    dups("row", rows.iter().map(|r| &r.row.id), diags);
    let (tid, title) = (tid?, title?);
    let mut source_name = "inline".to_string();
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    match src {
        None => {
            for r in &rows {
                let span = r
                    .values
                    .as_ref()
                    .map_or(r.row.id.span.clone(), |(s, _)| s.clone());
                let mut line: Vec<Cell> =
                    columns.iter().map(|_| Cell::Empty(span.clone())).collect();
                for (ci, c) in r.values.iter().flat_map(|(_, v)| v.iter()) {
                    line[*ci] = c.clone();
                }
                cells.push(line);
            }
        }
        Some(Source::Csv(path)) => {
            if let Some(s) = &rows_span {
                cx.diags.push(
                    Diagnostic::error(Code::InvalidValue, "this table's rows come from its CSV file")
                        .at(s, "rows written here as well")
                        .help("remove `rows:` (the CSV's `id`, `label` and `group` columns name the rows), or remove `source:`"),
                );
            }
            source_name = path.value.clone();
            let (r, c) = read_csv(&path, base, &columns, &bracketed, cx)?;
            // The CSV's ids are row ids as much as those written in YAML.
            dups("row", r.iter().map(|r| &r.row.id), cx.diags);
            rows = r;
            cells = c;
        }
        Some(Source::Workbook { path, sheet, range }) => {
            source_name = format!("{} › {}!{}", path.value, sheet.value, range.value);
            if rows.iter().any(|r| r.values.is_some()) {
                cx.diags.push(
                    Diagnostic::error(Code::InvalidValue, "this table's figures come from its workbook")
                        .at(rows_span.as_ref().unwrap_or(&table_span), "rows with `values:`")
                        .help("list the rows (id and label) without `values:`; the figures are read from the range, one workbook row per table row"),
                );
            }
            cells = read_workbook(
                &path,
                &sheet,
                &range,
                base,
                &rows,
                (&columns, &bracketed),
                cx,
            )?;
        }
    }
    tolerances(n, &relations, &cells, cx.diags);
    let from_workbook = source_name.contains(" › ");
    let mut table = Table {
        id: tid,
        title: title.value,
        row_heading: row_heading.unwrap_or_else(|| "Item".into()),
        columns,
        rows: rows.into_iter().map(|r| r.row).collect(),
        cells,
        relations,
        published,
        notes,
        source: source_name,
        written_places: Default::default(),
        print_places: Default::default(),
        published_help: None,
        cell_name: None,
        bracketed,
        blank,
        negative,
    };
    // A workbook cell holds a value, not a printed form: its figures print at
    // their column's places.
    if !from_workbook {
        crate::tables::keep_typed_places(&mut table, cx.sources, &fixed);
    }
    Some(table)
}

/// Reports every id that repeats an earlier one (in one pass: a CSV may have
/// many rows).
fn dups<'a>(what: &str, ids: impl Iterator<Item = &'a Sp<String>>, diags: &mut Diagnostics) {
    let mut seen: crate::model::idhash::IdMap<&str, &Sp<String>> = Default::default();
    for id in ids {
        match seen.get(id.value.as_str()) {
            Some(first) => diags.push(dup(what, id, first)),
            None => {
                seen.insert(&id.value, id);
            }
        }
    }
}

/// A tolerance absorbs rounding: one as large as every figure of the table
/// would accept any figure, switching its check off.
fn tolerances(table: &Node, relations: &[Relation], cells: &[Vec<Cell>], diags: &mut Diagnostics) {
    let largest = cells
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Cell::Num(n) => Some(n.value.abs()),
            _ => None,
        })
        .max();
    let Some(largest) = largest.filter(|l| *l > Dec::ZERO) else {
        return;
    };
    // The `tolerance:` value of the relation written at `span`.
    let written = |span: &Span| -> Option<Span> {
        fn entry<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
            match &n.kind {
                NodeKind::Map(es) => es.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
                _ => None,
            }
        }
        let NodeKind::Seq(items) = &entry(table, "relations")?.kind else {
            return None;
        };
        let item = items.iter().find(|i| i.span == *span)?;
        let NodeKind::Map(es) = &item.kind else {
            return None;
        };
        let (_, body) = es.first()?;
        entry(body, "tolerance").map(|t| t.span.clone())
    };
    for r in relations.iter().filter(|r| r.tolerance >= largest) {
        let at = written(&r.span).unwrap_or_else(|| r.span.clone());
        diags.push(
            Diagnostic::error(
                Code::ToleranceScale,
                format!(
                    "a tolerance of {} is as large as every figure of this table (the largest is {})",
                    r.tolerance.full(),
                    largest.full()
                ),
            )
            .at(&at, "this relation would accept any figure")
            .help("a tolerance absorbs rounding in the source: a few units of the last place published, e.g. `tolerance: 0.1` for figures published to one decimal place"),
        );
    }
}

fn dup(what: &str, second: &Sp<String>, first: &Sp<String>) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateId,
        format!("two {what}s of this table have the id `{}`", second.value),
    )
    .at(&second.span, format!("second {what} with this id"))
    .also(&first.span, "first declared here")
    .help(format!("give each {what} its own id"))
}

/// One CSV line: each field's text and byte range.
pub type CsvRecord = Vec<(String, std::ops::Range<usize>)>;

/// Splits CSV text into records of fields with their byte ranges (RFC 4180:
/// quoted fields may hold commas, doubled quotes and line breaks).
pub fn csv_records(text: &str) -> Result<Vec<CsvRecord>, usize> {
    let b = text.as_bytes();
    let mut records = Vec::new();
    let mut rec = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        let mut field = String::new();
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(start),
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        field.push('"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => {
                        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                        field.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            if !matches!(b.get(i), None | Some(b',') | Some(b'\n') | Some(b'\r')) {
                return Err(i);
            }
        } else {
            while !matches!(b.get(i), None | Some(b',') | Some(b'\n') | Some(b'\r')) {
                i += 1;
            }
            field.push_str(&text[start..i]);
        }
        rec.push((field, start..i));
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'\r') | Some(b'\n') => {
                if b.get(i) == Some(&b'\r') && b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                i += 1;
                records.push(std::mem::take(&mut rec));
                if i >= b.len() {
                    break;
                }
            }
            _ => {
                records.push(std::mem::take(&mut rec));
                break;
            }
        }
    }
    // Blank lines carry no row.
    records.retain(|r| !(r.len() == 1 && r[0].0.trim().is_empty()));
    Ok(records)
}

fn read_csv(
    path: &Sp<String>,
    base: &Path,
    columns: &[Column],
    bracketed: &[(usize, usize)],
    cx: &mut Ctx,
) -> Option<(Vec<RowDecl>, Vec<Vec<Cell>>)> {
    let (file, rel) = match load::read_ref(cx.root, base, &path.value, &path.span, cx.sources) {
        Ok(x) => x,
        Err(d) => {
            cx.diags.push(d);
            return None;
        }
    };
    cx.inputs.push(rel);
    let text = cx.sources.text(file).to_string();
    let sp = |r: std::ops::Range<usize>| Span::new(file, r);
    let records = match csv_records(&text) {
        Ok(r) => r,
        Err(at) => {
            cx.diags.push(
                Diagnostic::error(Code::TableSource, "a quoted CSV field is not closed")
                    .at(&sp(at..at + 1), "quote opened or closed here")
                    .help("a field in quotes ends with a quote followed by a comma or the end of the line; write a quote inside it as two quotes"),
            );
            return None;
        }
    };
    let Some((header, body)) = records.split_first() else {
        cx.diags.push(
            Diagnostic::error(Code::TableSource, format!("`{}` has no header line", path.value))
                .at(&path.span, "named here")
                .help("the first line names the columns: `id,label,` then the column ids (optionally `group` after `label`)"),
        );
        return None;
    };
    let names: Vec<&str> = header.iter().map(|(f, _)| f.trim()).collect();
    let has_group = names.get(2) == Some(&"group");
    if names.first() != Some(&"id") || names.get(1) != Some(&"label") {
        let r = header.first().map_or(0..0, |(_, r)| r.clone());
        cx.diags.push(
            Diagnostic::error(Code::TableSource, "the CSV's header must start `id,label`")
                .at(&sp(r), "expected `id` here, then `label`")
                .help("the first line names the columns: `id,label,` then the column ids (optionally `group` after `label`)"),
        );
        return None;
    }
    let first_value = if has_group { 3 } else { 2 };
    let mut map: Vec<Option<usize>> = Vec::new();
    let mut seen = vec![false; columns.len()];
    for (name, r) in &header[first_value..] {
        let name = name.trim();
        match columns.iter().position(|c| c.id.value == name) {
            Some(ci) => {
                seen[ci] = true;
                map.push(Some(ci));
            }
            None => {
                let d = Diagnostic::error(
                    Code::UnknownReference,
                    format!("the table has no column `{name}`"),
                );
                let d = match did_you_mean(name, columns.iter().map(|c| c.id.value.as_str())) {
                    Some(s) => d.at(&sp(r.clone()), format!("did you mean `{s}`?")).help(format!("rename it to `{s}` in the CSV's header line, or declare the column")),
                    None => d.at(&sp(r.clone()), "not a declared column").help("declare every column of the CSV under `columns:` (id, label, type), or remove it from the CSV"),
                };
                cx.diags.push(d);
                map.push(None);
            }
        }
    }
    for (ci, c) in columns.iter().enumerate() {
        if !seen[ci] {
            cx.diags.push(
                Diagnostic::error(
                    Code::TableSource,
                    format!("`{}` has no column `{}`", path.value, c.id.value),
                )
                .at(&c.id.span, "declared here")
                .also(
                    &sp(header[0].1.start..header.last().map_or(0, |h| h.1.end)),
                    "the CSV's header line",
                )
                .help("add the column to the CSV's header line, or remove it from `columns:`"),
            );
        }
    }
    if body.len().saturating_mul(columns.len().max(1)) > MAX_RANGE_CELLS {
        cx.diags.push(
            Diagnostic::error(
                Code::TableSource,
                format!(
                    "`{}` has {} lines of figures: more than {MAX_RANGE_CELLS} cells for {} columns",
                    path.value,
                    body.len(),
                    columns.len()
                ),
            )
            .at(&path.span, "too long a table")
            .help("a declared table is printed: keep in the CSV just the rows the paper shows"),
        );
        return None;
    }
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    for rec in body {
        let line_span = sp(rec[0].1.start..rec.last().map_or(0, |f| f.1.end));
        if rec.len() != header.len() {
            cx.diags.push(
                Diagnostic::error(Code::TableSource, format!("this CSV line has {} fields, but the header has {}", rec.len(), header.len()))
                    .at(&line_span, "this line")
                    .help("every line needs one field per header column; leave a field empty (`,,`) when there is no figure"),
            );
            continue;
        }
        let Some(rid) = id_field(&rec[0], file, "row", cx.diags) else {
            continue;
        };
        let label = rec[1].0.trim().to_string();
        if let Some((_, c)) = load::first_control(&label) {
            cx.diags.push(load::control_diag(c, &sp(rec[1].1.clone())));
            continue;
        }
        let group = has_group
            .then(|| rec[2].0.trim().to_string())
            .filter(|g| !g.is_empty());
        let mut line: Vec<Cell> = columns
            .iter()
            .map(|_| Cell::Empty(line_span.clone()))
            .collect();
        let mut changes = Vec::new();
        for (k, (field, r)) in rec[first_value..].iter().enumerate() {
            let Some(ci) = map[k] else { continue };
            let col = &columns[ci];
            let span = sp(r.clone());
            let v = field.trim();
            if v.is_empty() {
                line[ci] = Cell::Empty(span);
            } else if !col.ty.numeric() {
                line[ci] = Cell::Text(Sp::new(v.to_string(), span));
            } else if let (Some((_, change)), true) =
                (bracketed.iter().find(|(v, _)| *v == ci), v.contains('('))
            {
                // "1,537 (+101)": the value and its change, as printed.
                if let Some((value, c)) = value_change_at(v, span, col, &columns[*change], cx.diags)
                {
                    line[ci] = value;
                    changes.push((*change, c));
                }
            } else if let Some(c) = parse_figure(v, span, col, cx.diags) {
                line[ci] = c;
            }
        }
        // A change given in brackets fills its column where the file leaves it empty.
        for (ci, c) in changes.drain(..) {
            if matches!(line[ci], Cell::Empty(_)) {
                line[ci] = c;
            }
        }
        rows.push(RowDecl {
            row: Row {
                id: rid,
                label,
                group,
                unit: None,
            },
            values: None,
        });
        cells.push(line);
    }
    Some((rows, cells))
}

fn id_field(
    f: &(String, std::ops::Range<usize>),
    file: usize,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Sp<String>> {
    let v = f.0.trim();
    let span = Span::new(file, f.1.clone());
    if !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Some(Sp::new(v.to_string(), span));
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            format!("`{v}` is not a usable {what} id"),
        )
        .at(&span, "letters, digits, `-` and `_` only")
        .help("ids are short names such as `high-needs` or `y2024`; the label is what is printed"),
    );
    None
}

fn parse_figure(v: &str, span: Span, col: &Column, diags: &mut Diagnostics) -> Option<Cell> {
    match Dec::parse(v) {
        Some(d) => figure(Some(d), v, span, col, diags),
        None => {
            diags.push(
                Diagnostic::error(Code::WrongType, format!("`{v}` is not a number, but `{}` holds figures", col.id.value))
                    .at(&span, "expected a number")
                    .help("write figures without commas, units or brackets, e.g. -1234.5; leave the field empty when there is no figure"),
            );
            None
        }
    }
}

fn read_workbook(
    path: &Sp<String>,
    sheet: &Sp<String>,
    range: &Sp<String>,
    base: &Path,
    rows: &[RowDecl],
    (columns, bracketed): (&[Column], &[(usize, usize)]),
    cx: &mut Ctx,
) -> Option<Vec<Vec<Cell>>> {
    let bounds = range
        .value
        .split_once(':')
        .and_then(|(a, b)| Some((a1(a)?, a1(b)?)));
    let Some(((r0, c0), (r1, c1))) = bounds.filter(|((r0, c0), (r1, c1))| r0 <= r1 && c0 <= c1)
    else {
        cx.diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("`{}` is not a cell range", range.value),
            )
            .at(&range.span, "expected a range such as B4:H12")
            .help("name the top-left and bottom-right cells of the figures, e.g. `B4:H12`"),
        );
        return None;
    };
    let (height, width) = ((r1 - r0 + 1) as usize, (c1 - c0 + 1) as usize);
    if height * width > MAX_RANGE_CELLS {
        cx.diags.push(
            Diagnostic::error(
                Code::TableSource,
                format!("`{}` holds more than {MAX_RANGE_CELLS} cells", range.value),
            )
            .at(&range.span, "too large a range")
            .help("a declared table is printed: name just the cells of its figures"),
        );
        return None;
    }
    if height != rows.len() || width != columns.len() {
        cx.diags.push(
            Diagnostic::error(Code::TableSource, format!(
                "`{}` is {height} rows by {width} columns, but the table declares {} rows and {} columns",
                range.value, rows.len(), columns.len()
            ))
            .at(&range.span, "range of figures")
            .help("the range holds the figures only (no labels): one workbook row per declared row, one workbook column per declared column, in order"),
        );
        return None;
    }
    let (bytes, rel) = match load::read_bytes_ref(cx.root, base, &path.value, &path.span) {
        Ok(x) => x,
        Err(d) => {
            cx.diags.push(d);
            return None;
        }
    };
    cx.inputs.push(rel.clone());
    let name = load::display(&rel);
    cx.sources.record_digest(&name, &bytes);
    let unreadable = |why: String| {
        Diagnostic::error(
            Code::TableSource,
            format!("`{name}` cannot be read as a workbook: {why}"),
        )
        .at(&path.span, "named here")
        .help("save the workbook as .xlsx or .xlsm from Excel or LibreOffice")
    };
    if let Err(why) = check_unpacked(&bytes) {
        cx.diags.push(
            Diagnostic::error(
                Code::TableSource,
                format!("`{name}` cannot be read as a workbook: {why}"),
            )
            .at(&path.span, "named here")
            .help("a workbook of figures is small: save the sheets the tables read in a workbook of their own"),
        );
        return None;
    }
    let read = match super::xlsx::read(&bytes, &sheet.value, (r0, c0), (r1, c1)) {
        Ok(r) => r,
        Err(super::xlsx::Error::NotXlsx(why)) => {
            cx.diags.push(unreadable(why));
            return None;
        }
        Err(super::xlsx::Error::Bad(why)) => {
            cx.diags.push(
                Diagnostic::error(
                    Code::TableSource,
                    format!("`{name}` cannot be read as a workbook: {why}"),
                )
                .at(&path.span, "named here")
                .help("open the workbook in Excel or LibreOffice and save it again as .xlsx; a workbook of figures is small"),
            );
            return None;
        }
        Err(super::xlsx::Error::NoSheet(names)) => {
            let d = Diagnostic::error(
                Code::TableSource,
                format!("`{name}` has no sheet `{}`", sheet.value),
            );
            let d = match did_you_mean(&sheet.value, names.iter().map(String::as_str)) {
                Some(s) => d
                    .at(&sheet.span, format!("did you mean `{s}`?"))
                    .help(format!("rename it to `{s}`")),
                None => d
                    .at(&sheet.span, "no such sheet")
                    .help(format!("the sheets are: {}", names.join(", "))),
            };
            cx.diags.push(d);
            return None;
        }
    };
    let mut cells = Vec::with_capacity(height);
    let mut figures = 0usize;
    for i in 0..height {
        let mut line = Vec::with_capacity(width);
        let mut changes = Vec::new();
        for (j, col) in columns.iter().enumerate() {
            let (r, c) = (r0 + i as u32, c0 + j as u32);
            let raw = read.cells[i * width + j].clone();
            let change = bracketed.iter().find(|(v, _)| *v == j).map(|(_, c)| *c);
            let at = (&name[..], &sheet.value[..]);
            let mut extra = None;
            let cell = workbook_cell(
                raw,
                (r, c),
                read.date1904,
                at,
                (col, change.map(|c| &columns[c])),
                &mut extra,
                cx,
            );
            if matches!(cell, Cell::Num(_)) {
                figures += 1;
            }
            line.push(cell);
            changes.extend(change.zip(extra));
        }
        // A change given in brackets fills its column where the range leaves it empty.
        for (ci, c) in changes {
            if matches!(line[ci], Cell::Empty(_)) {
                line[ci] = c;
            }
        }
        cells.push(line);
    }
    if figures == 0 && columns.iter().any(|c| c.ty.numeric()) {
        let help = match read.data {
            Some((a, b, c, d)) => format!(
                "the cells of `{}` that hold values are in {}:{}: name the range of the figures there (figures only, no labels)",
                sheet.value,
                a1_name(a, b),
                a1_name(c, d)
            ),
            None => format!(
                "the sheet `{}` holds no values at all: check the file and the sheet's name",
                sheet.value
            ),
        };
        cx.diags.push(
            Diagnostic::warning(
                Code::EmptyRange,
                format!("`{}` of `{}` holds no figure", range.value, sheet.value),
            )
            .at(&range.span, "every figure of the table would be `no data`")
            .help(help),
        );
    }
    Some(cells)
}

/// One workbook cell of a declared table: its one-line source (named
/// `file.xlsx › Sheet!D7`, holding what the cell shows), and the table's cell.
/// With `change`, a value cell may be a value and its change as printed,
/// "1,537 (+101)": the change's cell is put in `extra`.
fn workbook_cell(
    raw: Option<super::xlsx::RawCell>,
    (r, c): (u32, u32),
    date1904: bool,
    (name, sheet): (&str, &str),
    (col, change): (&Column, Option<&Column>),
    extra: &mut Option<Cell>,
    cx: &mut Ctx,
) -> Cell {
    use super::xlsx::{Shown, Value};
    let (value, formula, shown) = match raw {
        Some(x) => (x.value, x.formula, x.shown),
        None => (Value::Empty, None, Shown::Number),
    };
    // A date as the cell shows it: in its format when quire can follow it.
    let date = |serial: &str| {
        let n: f64 = serial.parse().ok()?;
        let d = super::xlsx::serial_date(n, date1904)?;
        Some(match &shown {
            Shown::Date(Some(code)) => {
                super::xlsx::write_date(d, code).unwrap_or_else(|| d.to_string())
            }
            _ => d.to_string(),
        })
    };
    let is_date = matches!(shown, Shown::Date(_));
    let written = match &value {
        Value::Empty => formula.as_ref().map_or(String::new(), |f| format!("={f}")),
        Value::Number(n) if is_date => date(n).unwrap_or_else(|| n.clone()),
        Value::Number(n) => match n.parse::<f64>() {
            Ok(f) => Dec::from_f64(f).map_or(f.to_string(), |d| d.full()),
            Err(_) => n.clone(),
        },
        Value::Text(s) | Value::IsoDate(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Error(e) => e.clone(),
    };
    let written: String = if load::first_control(&written).is_some() {
        written
            .chars()
            .map(|c| if load::forbidden(c) { '\u{fffd}' } else { c })
            .collect()
    } else {
        written
    };
    let cell_name = a1_name(r, c);
    let file = cx
        .sources
        .add(format!("{name} › {sheet}!{cell_name}"), written.clone());
    let span = Span::new(file, 0..written.len());
    let none = || Cell::Empty(Span::new(file, 0..0));
    let not_empty =
        !matches!(&value, Value::Empty) && !matches!(&value, Value::Text(s) if s.trim().is_empty());
    match (&formula, not_empty) {
        (Some(f), false) => {
            cx.diags.push(
                Diagnostic::warning(
                    Code::WorkbookFormula,
                    format!("`{cell_name}` holds a formula with no saved value"),
                )
                .at(&span, "no value was saved with this formula")
                .note("quire reads the values a workbook saved and never recomputes a formula: this cell is read as empty")
                .help(if f.is_empty() {
                    "open the workbook in Excel or LibreOffice and save it, so that every formula's value is saved with it".to_string()
                } else {
                    format!("open the workbook in Excel or LibreOffice and save it, so that the value of `={f}` is saved with it")
                }),
            );
            return none();
        }
        (Some(f), true) => cx.diags.push(
            Diagnostic::info(
                Code::WorkbookFormula,
                format!("`{cell_name}` is the value saved with its formula"),
            )
            .at(&span, if f.is_empty() { "saved by a formula shared with cells above".to_string() } else { format!("saved by `={f}`") })
            .help("quire reads the value the workbook saved and does not recompute it: save the workbook after changing the figures the formula uses"),
        ),
        _ => {}
    }
    if written.contains('\u{fffd}') {
        cx.diags.push(
            Diagnostic::error(
                Code::ControlCharacter,
                "this workbook cell holds a control character",
            )
            .at(&span, "an invisible control character")
            .help("delete it in the workbook; PDFs and spreadsheets cannot carry it"),
        );
        return none();
    }
    let wrong = |what: &str| {
        Diagnostic::error(
            Code::WrongType,
            format!(
                "this workbook cell is {what}, but `{}` holds figures",
                col.id.value
            ),
        )
        .at(&span, "expected a number")
        .help("name a range whose cells hold the figures")
    };
    match &value {
        _ if !not_empty => Cell::Empty(span),
        Value::Error(_) => {
            cx.diags.push(
                Diagnostic::error(
                    Code::TableSource,
                    format!("this workbook cell holds the error {written}"),
                )
                .at(&span, "an error, not a figure")
                .help("correct the formula in the workbook, or name a range that holds figures"),
            );
            none()
        }
        Value::Number(n) if col.ty == ColType::Date && !is_date => {
            cx.diags.push(
                Diagnostic::error(
                    Code::InvalidDate,
                    format!("this workbook cell holds the number {n}, but `{}` holds dates", col.id.value),
                )
                .at(&span, "a number, not formatted as a date")
                .help("format the cell as a date in the workbook (Format Cells › Date), or write the date as text"),
            );
            none()
        }
        Value::Number(n) if is_date && date(n).is_none() => {
            cx.diags.push(
                Diagnostic::error(
                    Code::InvalidDate,
                    format!("this workbook cell is formatted as a date, but {n} is not a day Excel can show"),
                )
                .at(&span, "not a date")
                .help("correct the date in the workbook"),
            );
            none()
        }
        Value::IsoDate(s) if col.ty == ColType::Date => {
            let day = s.get(..10).unwrap_or(s);
            Cell::Text(Sp::new(day.to_string(), span))
        }
        _ if !col.ty.numeric() => Cell::Text(Sp::new(written.clone(), span)),
        Value::Number(_) if matches!(shown, Shown::Date(_) | Shown::Time) => {
            cx.diags
                .push(wrong(if is_date { "a date" } else { "a time" }));
            none()
        }
        Value::Number(_) => parse_figure(&written, span, col, cx.diags).unwrap_or_else(none),
        Value::Text(s) if s.contains('(') && change.is_some() => {
            let change = change.unwrap_or(col);
            match value_change_at(s.trim(), span, col, change, cx.diags) {
                Some((v, c)) => {
                    *extra = Some(c);
                    v
                }
                None => none(),
            }
        }
        Value::Text(s) => parse_figure(s.trim(), span, col, cx.diags).unwrap_or_else(none),
        Value::Bool(_) => {
            cx.diags.push(wrong("true or false"));
            none()
        }
        _ => {
            cx.diags.push(wrong("a date"));
            none()
        }
    }
}

#[cfg(test)]
mod tests {
    /// 80 MiB of zeros in one deflated part, its sizes declared as `declared`.
    fn bomb(declared: Option<u32>) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..80 {
            z.write_all(&zeros).unwrap();
        }
        let mut b = z.finish().unwrap().into_inner();
        if let Some(d) = declared {
            // The uncompressed size in the local header (offset 22) and in the
            // central directory entry (offset 24 from its signature).
            b[22..26].copy_from_slice(&d.to_le_bytes());
            let cd = b
                .windows(4)
                .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
                .unwrap();
            b[cd + 24..cd + 28].copy_from_slice(&d.to_le_bytes());
        }
        b
    }

    #[test]
    fn a_workbook_is_measured_before_it_is_unpacked() {
        let e = check_unpacked(&bomb(None)).unwrap_err();
        assert!(e.contains("unpacks to more than 64 MiB"), "{e}");
        // Sizes that lie are no help: the part is cut off as it unpacks.
        let e = check_unpacked(&bomb(Some(1000))).unwrap_err();
        assert!(e.contains("unpacks to more than 64 MiB"), "{e}");
        // Not a zip at all: left to calamine to explain.
        assert!(check_unpacked(b"not a workbook").is_ok());
    }

    use super::*;

    #[test]
    fn reads_csv_with_quotes_and_positions() {
        let t = "id,label,a\nx,\"A, b\",1.5\r\ny,\"say \"\"hi\"\"\",\n\n";
        let r = csv_records(t).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1][1].0, "A, b");
        assert_eq!(&t[r[1][2].1.clone()], "1.5");
        assert_eq!(r[2][1].0, "say \"hi\"");
        assert_eq!(r[2][2].0, "");
        assert!(csv_records("a,\"b").is_err());
        assert!(csv_records("a,\"b\"c").is_err());
    }

    #[test]
    fn names_cells() {
        assert_eq!(a1("D7"), Some((6, 3)));
        assert_eq!(a1("aa10"), Some((9, 26)));
        assert_eq!(a1_name(6, 3), "D7");
        assert_eq!(a1_name(9, 26), "AA10");
        assert_eq!(a1("7D"), None);
        assert_eq!(a1("D0"), None);
    }
}
