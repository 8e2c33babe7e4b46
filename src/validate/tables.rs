//! Declared tables, read and checked: a document's `tables:` list (YAML,
//! CSV, workbook ranges: [`read`]) into the figures engine's checked tables
//! ([`crate::tables::check`]), with the figures of other documents' tables its
//! relations name, through any number of documents. The engine below (`crate::tables`) computes, prints and
//! exports; reading files and reporting what is written wrong is validation.

pub mod read;
pub mod xlsx;

use crate::load::yaml::Node;
use crate::model::expr;
use crate::model::table::{self as model, Checked};
use std::path::Path;

/// Reads and checks a document's `tables:` list (`base` is the document's folder).
pub fn load(node: &Node, base: &Path, cx: &mut read::Ctx) -> Vec<Checked> {
    let tables = read::tables(node, base, cx);
    crate::tables::check::check(tables, cx.diags)
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
    let mut checked = crate::tables::check::check(tables, cx.diags);
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
    // Its problems are its own, reported when it is checked.
    let Some(n) = crate::load::yaml::parse_all(cx.sources, f).0 else {
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
    let out: Vec<model::Table> = crate::tables::check::check(theirs, &mut scratch)
        .into_iter()
        .take(own)
        .map(|c| crate::tables::figures_only(doc, c))
        .collect();
    done.insert(doc.to_string(), out.clone());
    out
}
