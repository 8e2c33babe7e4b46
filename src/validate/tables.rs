//! Declared tables, read and checked: a document's `tables:` list (YAML,
//! CSV, workbook ranges: [`read`]) into the figures engine's checked tables
//! ([`crate::tables::check`]), with the figures of other documents' tables its
//! equalities name. The engine below (`crate::tables`) computes, prints and
//! exports; reading files and reporting what is written wrong is validation.

pub mod read;
pub mod xlsx;

use crate::load::yaml::Node;
use crate::model::table::{Cell, RelKind, Table};
use crate::model::table::{Checked, Formula};
use std::path::Path;

/// Reads and checks a document's `tables:` list (`base` is the document's folder).
pub fn load(node: &Node, base: &Path, cx: &mut read::Ctx) -> Vec<Checked> {
    let tables = read::tables(node, base, cx);
    crate::tables::check::check(tables, cx.diags)
}

/// Where another document of the project is: its YAML file and folder
/// (project-relative), by document id.
pub type FindDocument<'a> = &'a dyn Fn(&str) -> Option<(std::path::PathBuf, std::path::PathBuf)>;

/// Reads and checks a document's tables together with the figures of the
/// other documents' tables its equalities name (`document:table.row/column`).
/// Those tables are read and checked on their own — their problems are theirs
/// to report, in their own run — and take part here as figures only, named
/// `document:table`, each cell located in its own file (so a mismatch points
/// at both ends). Their files are inputs of this document.
pub fn load_with(
    node: &Node,
    base: &Path,
    this: &str,
    find: FindDocument,
    cx: &mut read::Ctx,
) -> Vec<Checked> {
    let mut tables = read::tables(node, base, cx);
    // This document named by its own id is this document.
    for r in tables.iter_mut().flat_map(|t| &mut t.relations) {
        if let RelKind::Equals { cell, other } = &mut r.kind {
            for c in [cell, other] {
                if let Some((d, t)) = c.document()
                    && d == this
                {
                    c.table = Some(t.to_string());
                }
            }
        }
    }
    let mut docs: Vec<&str> = tables
        .iter()
        .flat_map(|t| &t.relations)
        .filter_map(|r| match &r.kind {
            RelKind::Equals { cell, other } => Some([cell, other]),
            _ => None,
        })
        .flatten()
        .filter_map(|c| c.document().map(|(d, _)| d))
        .filter(|d| *d != this)
        .collect();
    docs.sort_unstable();
    docs.dedup();
    let docs: Vec<String> = docs.into_iter().map(String::from).collect();
    let own = tables.len();
    for doc in &docs {
        let Some((file, dir)) = find(doc) else {
            continue; // the equality reports the missing table
        };
        let mut scratch = crate::diag::Diagnostics::default();
        let Ok(f) = crate::load::read(cx.root, &file, cx.sources) else {
            continue;
        };
        cx.inputs.push(file.clone());
        // Its problems are its own, reported when it is checked.
        let Some(n) = crate::load::yaml::parse_all(cx.sources, f).0 else {
            continue;
        };
        let crate::load::yaml::NodeKind::Map(entries) = &n.kind else {
            continue;
        };
        let Some((_, t)) = entries.iter().find(|(k, _)| k.name == "tables") else {
            continue;
        };
        let mut sub = read::Ctx {
            root: cx.root,
            sources: &mut *cx.sources,
            diags: &mut scratch,
            inputs: &mut *cx.inputs,
        };
        let theirs = read::tables(t, &dir, &mut sub);
        for c in crate::tables::check::check(theirs, &mut scratch) {
            tables.push(figures_only(doc, c));
        }
    }
    let mut checked = crate::tables::check::check(tables, cx.diags);
    checked.truncate(own);
    // A formula cannot refer to another document's table: such a cell is
    // exported as its figure.
    for c in &mut checked {
        for line in &mut c.formula {
            for f in line.iter_mut() {
                let foreign = match f {
                    Some(Formula::Sum(e)) => e.iter().any(|(_, p)| p.0 >= own),
                    Some(Formula::Ratio { num, den, .. }) => {
                        num.iter().chain(den.iter()).any(|(_, p)| p.0 >= own)
                    }
                    None => false,
                };
                if foreign {
                    *f = None;
                }
            }
        }
    }
    checked
}

/// Another document's checked table as figures only, named `document:table`.
fn figures_only(doc: &str, c: Checked) -> Table {
    let mut t = c.table;
    for (r, line) in t.cells.iter_mut().enumerate() {
        for (k, cell) in line.iter_mut().enumerate() {
            let span = cell.span().clone();
            *cell = match c.value[r][k] {
                Some(v) if t.columns[k].ty.numeric() => Cell::Num(crate::model::Sp::new(v, span)),
                _ => Cell::Empty(span),
            };
        }
    }
    t.id.value = format!("{doc}:{}", t.id.value);
    t.relations.clear();
    t.published.clear();
    t
}
