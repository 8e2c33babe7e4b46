//! Relations → computed and checked cells.
//!
//! Stage: validate for tables. Every relation is expanded into rules, one per
//! cell it determines (`total/outturn = schools/outturn + …`). The first rule
//! for a cell computes it; any later rule for the same cell is a second
//! opinion that must agree. Rules run in dependency order (a cycle is an
//! error) on exact decimals ([`Dec`]) from the unrounded inputs. A figure that
//! was typed and is also computed is compared with the computed one at the
//! column's published places (both rounded half away from zero), within the
//! relation's declared tolerance: a mismatch is an error showing both values at
//! full precision, unless the cell is listed under `published:` (then a
//! warning, and the published figure is printed with a mark and a note).

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::model::Sp;
use crate::model::decimal::Dec;
use crate::model::expr::{self, Each, Ref};
use crate::model::idhash::IdMap;
use crate::model::table::*;
use crate::source::Span;

/// A cell in the flat list of every cell of every table.
type Idx = usize;
/// Signed cells: Σ sign × cell.
type Signed = [(i8, Idx)];

enum Expr {
    /// Σ sign × cell.
    Lin(Vec<(i8, Idx)>),
    /// (Σ num) / (Σ den), ×100 when `pct`.
    Ratio {
        num: Vec<(i8, Idx)>,
        den: Vec<(i8, Idx)>,
        pct: bool,
    },
    /// An equation's side, as written.
    Tree(expr::Expr<Idx>),
}

/// An equation whose sides are both expressions (`a + b = c + d`): it
/// determines no cell, both sides are compared.
struct Both {
    lhs: expr::Expr<Idx>,
    rhs: expr::Expr<Idx>,
    rel: (usize, usize),
}

/// A name of an equation once resolved: one cell, or a row or a column of
/// the relation's table taken where the relation is at (`for each`).
#[derive(Clone, Copy, Debug)]
enum Name {
    Cell(Idx),
    Row(usize),
    Col(usize),
}

struct Rule {
    target: Idx,
    expr: Expr,
    /// (table, relation) that made the rule.
    rel: (usize, usize),
}

struct Cells<'a> {
    tables: &'a [Table],
    offset: Vec<usize>,
    /// Row and column ids → index, per table (relations name many).
    rows: Vec<IdMap<&'a str, usize>>,
    cols: Vec<IdMap<&'a str, usize>>,
    /// Table ids → index (relations name other tables).
    ids: IdMap<&'a str, usize>,
}

impl Cells<'_> {
    fn table(&self, id: &str) -> Option<usize> {
        self.ids.get(id).copied()
    }

    fn row(&self, t: usize, id: &str) -> Option<usize> {
        self.rows[t].get(id).copied()
    }

    fn col(&self, t: usize, id: &str) -> Option<usize> {
        self.cols[t].get(id).copied()
    }

    fn idx(&self, t: usize, r: usize, c: usize) -> Idx {
        self.offset[t] + r * self.tables[t].columns.len() + c
    }

    fn pos(&self, i: Idx) -> (usize, usize, usize) {
        let t = self.offset.partition_point(|o| *o <= i) - 1;
        let w = self.tables[t].columns.len().max(1);
        let k = i - self.offset[t];
        (t, k / w, k % w)
    }

    /// `` `total/outturn` of `dsg-outturn` ``, or without the table when alone.
    fn name(&self, i: Idx) -> String {
        let (ti, r, c) = self.pos(i);
        let tb = &self.tables[ti];
        if let Some(n) = &tb.cell_name {
            return n
                .replace("{row}", &tb.rows[r].label)
                .replace("{column}", &tb.columns[c].label);
        }
        let (t, cell) = self.ids(i);
        if self.tables.len() > 1 {
            format!("`{cell}` of `{t}`")
        } else {
            format!("`{cell}`")
        }
    }

    /// (table id, `row/column`).
    fn ids(&self, i: Idx) -> (String, String) {
        let (t, r, c) = self.pos(i);
        let tb = &self.tables[t];
        (
            tb.id.value.clone(),
            format!("{}/{}", tb.rows[r].id.value, tb.columns[c].id.value),
        )
    }

    /// The places a typed figure in cell `i` is compared at.
    fn places(&self, i: Idx) -> u32 {
        let (t, r, c) = self.pos(i);
        let tb = &self.tables[t];
        let p = tb.columns[c].places;
        tb.written_places.get(&(r, c)).map_or(p, |w| p.max(*w))
    }

    fn column(&self, i: Idx) -> &Column {
        let (t, _, c) = self.pos(i);
        &self.tables[t].columns[c]
    }
}

fn unknown(what: &str, id: &str, span: &Span, table: &Table, have: Vec<&str>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::RelationInvalid,
        format!("table `{}` has no {what} `{id}`", table.id.value),
    );
    match did_you_mean(id, have.iter().copied()) {
        Some(s) => d
            .at(span, format!("did you mean `{s}`?"))
            .help(format!("rename it to `{s}`")),
        None => d
            .at(span, format!("not a {what} of this table"))
            .help(format!("the {what}s are: {}", have.join(", "))),
    }
}

struct Expander<'a, 'd> {
    cells: &'a Cells<'a>,
    t: usize,
    k: usize,
    diags: &'d mut Diagnostics,
    rules: &'a mut Vec<Rule>,
    boths: &'a mut Vec<Both>,
    ok: bool,
}

impl Expander<'_, '_> {
    fn table(&self) -> &Table {
        &self.cells.tables[self.t]
    }

    fn row(&mut self, id: &Sp<String>) -> Option<usize> {
        self.row_at(&id.value, &id.span)
    }

    fn row_at(&mut self, id: &str, span: &Span) -> Option<usize> {
        let r = self.cells.row(self.t, id);
        if r.is_none() {
            let tb = self.table();
            let d = unknown(
                "row",
                id,
                span,
                tb,
                tb.rows.iter().map(|r| r.id.value.as_str()).collect(),
            );
            self.diags.push(d);
            self.ok = false;
        }
        r
    }

    /// A row id, or a group name standing for its rows.
    fn rows_or_group(&mut self, id: &Sp<String>) -> Vec<usize> {
        self.rows_or_group_at(&id.value, &id.span)
    }

    fn rows_or_group_at(&mut self, id: &str, span: &Span) -> Vec<usize> {
        if let Some(r) = self.cells.row(self.t, id) {
            return vec![r];
        }
        let g: Vec<usize> = (0..self.table().rows.len())
            .filter(|r| self.table().rows[*r].group.as_deref() == Some(id))
            .collect();
        if g.is_empty() {
            self.row_at(id, span);
        }
        g
    }

    fn col(&mut self, id: &Sp<String>) -> Option<usize> {
        self.col_at(&id.value, &id.span)
    }

    fn col_at(&mut self, id: &str, span: &Span) -> Option<usize> {
        let c = self.cells.col(self.t, id);
        match c {
            None => {
                let tb = self.table();
                let d = unknown(
                    "column",
                    id,
                    span,
                    tb,
                    tb.columns.iter().map(|c| c.id.value.as_str()).collect(),
                );
                self.diags.push(d);
                self.ok = false;
                None
            }
            Some(ci) if !self.table().columns[ci].ty.numeric() => {
                let col = &self.table().columns[ci];
                let d = Diagnostic::error(Code::RelationInvalid, format!("column `{}` holds {} values, not figures", col.id.value, col.ty.name()))
                    .at(span, "not a column of figures")
                    .help("relations compute figures: name money, number, count, percent or ratio columns");
                self.diags.push(d);
                self.ok = false;
                None
            }
            c => c,
        }
    }

    /// Columns a row relation applies to: those listed, else every summable one.
    fn columns(&mut self, only: &[Sp<String>], default: fn(ColType) -> bool) -> Vec<usize> {
        if only.is_empty() {
            return (0..self.table().columns.len())
                .filter(|c| default(self.table().columns[*c].ty))
                .collect();
        }
        only.iter().filter_map(|c| self.col(c)).collect()
    }

    fn rows(&mut self, only: &[Sp<String>]) -> Vec<usize> {
        if only.is_empty() {
            return (0..self.table().rows.len()).collect();
        }
        only.iter().filter_map(|r| self.row(r)).collect()
    }

    fn summable(&mut self, ci: usize, at: &Span) {
        let col = &self.table().columns[ci];
        if !col.ty.summable() {
            let d = Diagnostic::error(Code::RelationInvalid, format!("column `{}` holds {} figures, which cannot be added up", col.id.value, col.ty.name()))
                .at(at, "a total or difference of this column")
                .help("totals, differences and balances apply to money, number and count columns; restrict the relation with `columns: [...]`");
            self.diags.push(d);
            self.ok = false;
        }
    }

    fn push(&mut self, target: Idx, expr: Expr) {
        self.rules.push(Rule {
            target,
            expr,
            rel: (self.t, self.k),
        });
    }

    fn expand(&mut self, rel: &Relation) {
        let cells = self.cells;
        let t = self.t;
        let at = |r: usize, c: usize| cells.idx(t, r, c);
        let pct = |c: usize| cells.tables[t].columns[c].ty == ColType::Percent;
        match &rel.kind {
            RelKind::Total {
                target: Target::Row(tr),
                ..
            }
            | RelKind::Difference {
                target: Target::Row(tr),
                ..
            } => {
                let terms: Vec<(i8, &Sp<String>)> = match &rel.kind {
                    RelKind::Total { of, .. } => of.iter().map(|o| (1, o)).collect(),
                    RelKind::Difference { terms, .. } => {
                        terms.iter().map(|(s, t)| (*s, t)).collect()
                    }
                    _ => Vec::new(),
                };
                let target = self.row(tr);
                let mut src = Vec::new();
                for (s, id) in &terms {
                    let rs = if matches!(rel.kind, RelKind::Total { .. }) {
                        self.rows_or_group(id)
                    } else {
                        self.row(id).into_iter().collect()
                    };
                    src.extend(rs.into_iter().map(|r| (*s, r)));
                }
                let cols = self.columns(&rel.only, ColType::summable);
                for c in &cols {
                    self.summable(*c, &rel.span);
                }
                let Some(target) = target.filter(|_| self.ok) else {
                    return;
                };
                if src.iter().any(|(_, r)| *r == target) {
                    self.circular(rel);
                    return;
                }
                for c in cols {
                    self.push(
                        at(target, c),
                        Expr::Lin(src.iter().map(|(s, r)| (*s, at(*r, c))).collect()),
                    );
                }
            }
            RelKind::Total {
                target: Target::Column(tc),
                of,
            } => {
                let terms: Vec<(i8, Sp<String>)> = of.iter().map(|o| (1, o.clone())).collect();
                self.column_sum(rel, tc, &terms);
            }
            RelKind::Difference {
                target: Target::Column(tc),
                terms,
            } => self.column_sum(rel, tc, terms),
            RelKind::Ratio { target, num, den }
            | RelKind::Change {
                target,
                from: den,
                to: num,
            } => {
                let change = matches!(rel.kind, RelKind::Change { .. });
                let make = |n: Idx, d: Idx, pct: bool| {
                    let num = if change {
                        vec![(1, n), (-1, d)]
                    } else {
                        vec![(1, n)]
                    };
                    Expr::Ratio {
                        num,
                        den: vec![(1, d)],
                        pct,
                    }
                };
                match target {
                    Target::Row(tr) => {
                        let (tr, n, d) = (self.row(tr), self.row(num), self.row(den));
                        let cols = self.columns(&rel.only, ColType::numeric);
                        let (Some(tr), Some(n), Some(d)) = (tr, n, d) else {
                            return;
                        };
                        if !self.ok {
                            return;
                        }
                        if tr == n || tr == d {
                            return self.circular(rel);
                        }
                        for c in cols {
                            self.push(at(tr, c), make(at(n, c), at(d, c), pct(c)));
                        }
                    }
                    Target::Column(tc) => {
                        let (tc, n, d) = (self.col(tc), self.col(num), self.col(den));
                        let rows = self.rows(&rel.only);
                        let (Some(tc), Some(n), Some(d)) = (tc, n, d) else {
                            return;
                        };
                        if !self.ok {
                            return;
                        }
                        if tc == n || tc == d {
                            return self.circular(rel);
                        }
                        for r in rows {
                            self.push(at(r, tc), make(at(r, n), at(r, d), pct(tc)));
                        }
                    }
                }
            }
            RelKind::ChangeFrom { target, of, base } => {
                // In each row (column), (of − of at the base) / of at the base.
                let make = |x: Idx, b: Idx, pct: bool| Expr::Ratio {
                    num: vec![(1, x), (-1, b)],
                    den: vec![(1, b)],
                    pct,
                };
                match target {
                    Target::Column(tc) => {
                        let (tc, oc, br) = (self.col(tc), self.col(of), self.row(base));
                        let rows = self.rows(&rel.only);
                        let (Some(tc), Some(oc), Some(br)) = (tc, oc, br) else {
                            return;
                        };
                        if !self.ok {
                            return;
                        }
                        if tc == oc {
                            return self.circular(rel);
                        }
                        for r in rows.into_iter().filter(|r| *r != br) {
                            self.push(at(r, tc), make(at(r, oc), at(br, oc), pct(tc)));
                        }
                    }
                    Target::Row(tr) => {
                        let (tr, or, bc) = (self.row(tr), self.row(of), self.col(base));
                        let cols = self.columns(&rel.only, ColType::numeric);
                        let (Some(tr), Some(or), Some(bc)) = (tr, or, bc) else {
                            return;
                        };
                        if !self.ok {
                            return;
                        }
                        if tr == or {
                            return self.circular(rel);
                        }
                        for c in cols.into_iter().filter(|c| *c != bc) {
                            self.push(at(tr, c), make(at(or, c), at(or, bc), pct(c)));
                        }
                    }
                }
            }
            RelKind::Share { target, of, total } => {
                let (tc, oc, tr) = (self.col(target), self.col(of), self.row(total));
                let rows = self.rows(&rel.only);
                let (Some(tc), Some(oc), Some(tr)) = (tc, oc, tr) else {
                    return;
                };
                if !self.ok {
                    return;
                }
                if tc == oc {
                    return self.circular(rel);
                }
                for r in rows {
                    self.push(
                        at(r, tc),
                        Expr::Ratio {
                            num: vec![(1, at(r, oc))],
                            den: vec![(1, at(tr, oc))],
                            pct: pct(tc),
                        },
                    );
                }
            }
            RelKind::Balance {
                opening,
                plus,
                minus,
                closing,
                running,
            } => {
                let o = self.row(opening);
                let c = self.row(closing);
                let p: Vec<usize> = plus.iter().filter_map(|x| self.row(x)).collect();
                let m: Vec<usize> = minus.iter().filter_map(|x| self.row(x)).collect();
                let cols = self.columns(&rel.only, ColType::summable);
                for col in &cols {
                    self.summable(*col, &rel.span);
                }
                let (Some(o), Some(c)) = (o, c) else { return };
                if !self.ok {
                    return;
                }
                if c == o || p.contains(&c) || m.contains(&c) {
                    return self.circular(rel);
                }
                for col in &cols {
                    let mut e = vec![(1, at(o, *col))];
                    e.extend(p.iter().map(|r| (1, at(*r, *col))));
                    e.extend(m.iter().map(|r| (-1, at(*r, *col))));
                    self.push(at(c, *col), Expr::Lin(e));
                }
                if *running {
                    for w in cols.windows(2) {
                        self.push(at(o, w[1]), Expr::Lin(vec![(1, at(c, w[0]))]));
                    }
                }
            }
            RelKind::Expr(x) => self.equation(rel, x),
            RelKind::Equals { cell, other } => {
                let a = self.cell(cell);
                let b = self.cell(other);
                if let (Some(a), Some(b)) = (a, b) {
                    if a == b {
                        return self.circular(rel);
                    }
                    self.push(a, Expr::Lin(vec![(1, b)]));
                }
            }
        }
    }

    fn column_sum(&mut self, rel: &Relation, tc: &Sp<String>, terms: &[(i8, Sp<String>)]) {
        let target = self.col(tc);
        let src: Vec<(i8, usize)> = terms
            .iter()
            .filter_map(|(s, id)| self.col(id).map(|c| (*s, c)))
            .collect();
        let rows = self.rows(&rel.only);
        // A difference of percentages is in percentage points: allowed when
        // every column it names is a percent column (a total of them is not).
        let points = matches!(rel.kind, RelKind::Difference { .. })
            && target
                .iter()
                .chain(src.iter().map(|(_, c)| c))
                .all(|c| self.table().columns[*c].ty == ColType::Percent);
        for c in target.iter().chain(src.iter().map(|(_, c)| c)) {
            if !points {
                self.summable(*c, &rel.span);
            }
        }
        let Some(target) = target.filter(|_| self.ok) else {
            return;
        };
        if src.iter().any(|(_, c)| *c == target) {
            return self.circular(rel);
        }
        for r in rows {
            let e = src
                .iter()
                .map(|(s, c)| (*s, self.cells.idx(self.t, r, *c)))
                .collect();
            self.push(self.cells.idx(self.t, r, target), Expr::Lin(e));
        }
    }

    fn cell(&mut self, c: &CellRef) -> Option<Idx> {
        self.cell_at(c.table.as_deref(), &c.row, &c.column, &c.span)
    }

    /// The cell `[table.]row/column`, each unknown name reported at `span`.
    fn cell_at(
        &mut self,
        table: Option<&str>,
        row: &str,
        column: &str,
        span: &Span,
    ) -> Option<Idx> {
        let t = match table {
            None => self.t,
            Some(name) => match self.cells.table(name) {
                Some(t) => t,
                None => {
                    let ids: Vec<&str> = self
                        .cells
                        .tables
                        .iter()
                        .map(|t| t.id.value.as_str())
                        .collect();
                    if let Some((doc, t)) = name.split_once(':') {
                        self.diags.push(
                            Diagnostic::error(
                                Code::RelationInvalid,
                                format!("`{doc}` has no table `{t}`, or is not a document of this project"),
                            )
                            .at(span, "no such table in another document")
                            .help("name a document (its folder under content/) and one of its table ids, e.g. `sv-2025-26:deficit.closing/y2025`"),
                        );
                        return None;
                    }
                    let d = Diagnostic::error(
                        Code::RelationInvalid,
                        format!("this document has no table `{name}`"),
                    );
                    let d = match did_you_mean(name, ids.iter().copied()) {
                        Some(s) => d
                            .at(span, format!("did you mean `{s}`?"))
                            .help(format!("rename it to `{s}`")),
                        None => d.at(span, "no such table").help(format!(
                            "the tables of this document are: {}",
                            ids.join(", ")
                        )),
                    };
                    self.diags.push(d);
                    return None;
                }
            },
        };
        let tb = &self.cells.tables[t];
        let r = self.cells.row(t, row);
        let col = self.cells.col(t, column);
        if r.is_none() {
            self.diags.push(unknown(
                "row",
                row,
                span,
                tb,
                tb.rows.iter().map(|r| r.id.value.as_str()).collect(),
            ));
        }
        if col.is_none() {
            self.diags.push(unknown(
                "column",
                column,
                span,
                tb,
                tb.columns.iter().map(|c| c.id.value.as_str()).collect(),
            ));
        }
        let (r, col) = (r?, col?);
        if !tb.columns[col].ty.numeric() {
            self.diags.push(
                Diagnostic::error(Code::RelationInvalid, format!("column `{}` holds {} values, not figures", column, tb.columns[col].ty.name()))
                    .at(span, "not a figure")
                    .help("relations compute figures: name a cell of a money, number, count, percent or ratio column"),
            );
            return None;
        }
        Some(self.cells.idx(t, r, col))
    }

    /// Expands an equation: resolves its names once (reporting each unknown
    /// one with "did you mean"), then makes one rule per row or column it
    /// repeats over. A side that is one figure (`x`, `-x`) is the figure the
    /// other side determines; two expressions are compared.
    fn equation(&mut self, rel: &Relation, x: &ExprRel) {
        let eq = &x.eq;
        let (cells, t) = (self.cells, self.t);
        let tb = &cells.tables[t];
        // Names alone (no table, no column), which say how it repeats;
        // gathered only when no `for each` says it (a list of none is free).
        let mut bare: Vec<&Ref> = Vec::new();
        if eq.each.is_none() {
            for side in [&eq.lhs, &eq.rhs] {
                side.each_leaf(&mut |r| {
                    if r.table.is_none() && r.second.is_none() {
                        bare.push(r)
                    }
                });
            }
        }
        let is_row = |n: &str| {
            cells.row(t, n).is_some() || tb.rows.iter().any(|r| r.group.as_deref() == Some(n))
        };
        let is_col = |n: &str| cells.col(t, n).is_some();
        let each = match eq.each {
            Some(e) => Some(e),
            None if bare.is_empty() => None,
            None if bare.iter().all(|r| is_row(&r.first)) => Some(Each::Column),
            None if bare.iter().all(|r| is_col(&r.first)) => Some(Each::Row),
            None => {
                // A name that is neither, or rows mixed with columns.
                let sp = |r: &Ref| x.span(&r.at);
                if let Some(r) = bare.iter().find(|r| !is_row(&r.first) && !is_col(&r.first)) {
                    let mut have: Vec<&str> = tb.rows.iter().map(|r| r.id.value.as_str()).collect();
                    have.extend(tb.columns.iter().map(|c| c.id.value.as_str()));
                    let d = Diagnostic::error(
                        Code::RelationInvalid,
                        format!("table `{}` has no row or column `{}`", tb.id.value, r.first),
                    );
                    let d = match did_you_mean(&r.first, have.iter().copied()) {
                        Some(s) => d
                            .at(&sp(r), format!("did you mean `{s}`?"))
                            .help(format!("rename it to `{s}`")),
                        None if r.first.contains('-') => d
                            .at(&sp(r), "not a row or column of this table")
                            .help("a `-` between two names is part of one name: write a subtraction with spaces, `a - b`"),
                        None => d.at(&sp(r), "not a row or column of this table").help(format!(
                            "a name alone is a row or a column of this table ({}); name a cell as ROW/COLUMN or TABLE.ROW/COLUMN",
                            have.join(", ")
                        )),
                    };
                    self.diags.push(d);
                } else {
                    let r = bare.iter().find(|r| !is_row(&r.first)).unwrap_or(&bare[0]);
                    let c = bare.iter().find(|r| !is_col(&r.first)).unwrap_or(&bare[0]);
                    self.diags.push(
                        Diagnostic::error(Code::RelationInvalid, "this equation names rows and columns alone")
                            .at(&sp(r), "a column")
                            .also(&sp(c), "a row")
                            .help("start it `for each row:` (names alone are columns) or `for each column:` (names alone are rows), or name single cells as ROW/COLUMN"),
                    );
                }
                return;
            }
        };
        // Each placement of the equation: its two sides over cells.
        let placed: Vec<(expr::Expr<Idx>, expr::Expr<Idx>)> = match each {
            // One that does not repeat names cells only: resolved straight to them.
            None => {
                let cell = |n: Name| match n {
                    Name::Cell(c) => c,
                    // Resolution makes no row or column without `each`.
                    _ => 0,
                };
                let lhs = self.resolve(&eq.lhs, x, each, cell);
                let rhs = self.resolve(&eq.rhs, x, each, cell);
                let (Some(lhs), Some(rhs)) = (lhs, rhs) else {
                    self.ok = false;
                    return;
                };
                if !self.ok {
                    return;
                }
                vec![(lhs, rhs)]
            }
            Some(each) => {
                // Resolve every name once.
                let lhs = self.resolve(&eq.lhs, x, Some(each), |n| n);
                let rhs = self.resolve(&eq.rhs, x, Some(each), |n| n);
                let (Some(lhs), Some(rhs)) = (lhs, rhs) else {
                    self.ok = false;
                    return;
                };
                // Where it repeats.
                let linear = eq.lhs.linear() && eq.rhs.linear();
                let at: Vec<usize> = match each {
                    Each::Row => self.rows(&rel.only),
                    Each::Column => self.columns(
                        &rel.only,
                        if linear {
                            ColType::summable as fn(ColType) -> bool
                        } else {
                            ColType::numeric
                        },
                    ),
                };
                if !self.ok {
                    return;
                }
                // Each resolved name stands for one cell here (resolution has
                // expanded groups and ranges).
                let place = |e: &expr::Expr<Name>, i: usize| -> expr::Expr<Idx> {
                    e.map_each(&mut |n: &Name| match *n {
                        Name::Cell(c) => c,
                        Name::Row(r) => cells.idx(t, r, i),
                        Name::Col(c) => cells.idx(t, i, c),
                    })
                };
                at.into_iter()
                    .map(|i| (place(&lhs, i), place(&rhs, i)))
                    .collect()
            }
        };
        for (l, r) in placed {
            let single = |e: &expr::Expr<Idx>| e.single().map(|(s, c)| (s, *c));
            let (sign, c, other) = match (single(&l), single(&r)) {
                (Some((s, c)), _) => (s, c, r),
                (None, Some((s, c))) => (s, c, l),
                (None, None) => {
                    self.boths.push(Both {
                        lhs: l,
                        rhs: r,
                        rel: (self.t, self.k),
                    });
                    continue;
                }
            };
            if other.any_leaf(|d| *d == c) {
                return self.circular(rel);
            }
            let at = other.at.clone();
            let e = if sign < 0 {
                expr::Expr {
                    ast: expr::Ast::Neg(Box::new(other)),
                    at,
                }
            } else {
                other
            };
            self.push(c, Expr::Tree(e));
        }
    }

    /// An equation's side with its names resolved; `None` when one is not
    /// known (each reported).
    /// Its leaves are `leaf` of each name (a [`Name`], or straight away the
    /// cell it is).
    fn resolve<M>(
        &mut self,
        e: &expr::Expr<Ref>,
        x: &ExprRel,
        each: Option<Each>,
        leaf: impl Fn(Name) -> M,
    ) -> Option<expr::Expr<M>> {
        let many = |v: Vec<Name>| v.into_iter().map(&leaf).collect::<Vec<M>>();
        // Both callbacks need the expander: a cell so they can share it.
        let me = std::cell::RefCell::new(&mut *self);
        let name = |r: &Ref| me.borrow_mut().name(r, x, each).map(many);
        let mut range = |a: &Ref, b: &Ref| me.borrow_mut().range(a, b, x, each).map(many);
        // Report every unknown name, not only the first.
        let mut bad = false;
        let mut leaf2 = |r: &Ref| match name(r) {
            Ok(v) => Ok(v),
            Err(()) => {
                bad = true;
                Ok(vec![leaf(Name::Cell(0))])
            }
        };
        let out = e.map(&mut leaf2, &mut range).ok();
        out.filter(|_| !bad)
    }

    /// One name of an equation.
    fn name(&mut self, r: &Ref, x: &ExprRel, each: Option<Each>) -> Result<Vec<Name>, ()> {
        let span = x.span(&r.at);
        if r.table.is_some() || r.second.is_some() {
            let Some(column) = &r.second else {
                self.diags.push(
                    Diagnostic::error(Code::RelationInvalid, format!("`{}` names a table and a row but no column", r.text()))
                        .at(&span, "which column?")
                        .help("name a cell of another table as TABLE.ROW/COLUMN, e.g. `deficit.2025-26/variance`"),
                );
                return Err(());
            };
            let table = match (&r.doc, &r.table) {
                (Some(d), Some(t)) => Some(std::borrow::Cow::Owned(format!("{d}:{t}"))),
                (_, t) => t.as_deref().map(std::borrow::Cow::Borrowed),
            };
            return self
                .cell_at(table.as_deref(), &r.first, column, &span)
                .map(|i| vec![Name::Cell(i)])
                .ok_or(());
        }
        match each {
            Some(Each::Row) => self
                .col_at(&r.first, &span)
                .map(|c| vec![Name::Col(c)])
                .ok_or(()),
            Some(Each::Column) => {
                let v = self.rows_or_group_at(&r.first, &span);
                if v.is_empty() {
                    Err(())
                } else {
                    Ok(v.into_iter().map(Name::Row).collect())
                }
            }
            // Only cells are named when the equation does not repeat.
            None => Err(()),
        }
    }

    /// `first:last`: the figures between them, along one row or one column.
    fn range(
        &mut self,
        a: &Ref,
        b: &Ref,
        x: &ExprRel,
        each: Option<Each>,
    ) -> Result<Vec<Name>, ()> {
        let (na, nb) = (self.name(a, x, each)?, self.name(b, x, each)?);
        let cells = self.cells;
        let span = x.span(&(a.at.start..b.at.end));
        let between = |i: usize, j: usize| {
            if i <= j {
                (i..=j).collect::<Vec<_>>()
            } else {
                (j..=i).rev().collect()
            }
        };
        let out = match (na.as_slice(), nb.as_slice()) {
            ([Name::Row(i)], [Name::Row(j)]) => {
                Some(between(*i, *j).into_iter().map(Name::Row).collect())
            }
            ([Name::Col(i)], [Name::Col(j)]) => {
                Some(between(*i, *j).into_iter().map(Name::Col).collect())
            }
            ([Name::Cell(p)], [Name::Cell(q)]) => {
                let ((ta, ra, ca), (tb, rb, cb)) = (cells.pos(*p), cells.pos(*q));
                if ta != tb {
                    None
                } else if ca == cb {
                    Some(
                        between(ra, rb)
                            .into_iter()
                            .map(|r| Name::Cell(cells.idx(ta, r, ca)))
                            .collect(),
                    )
                } else if ra == rb {
                    Some(
                        between(ca, cb)
                            .into_iter()
                            .map(|c| Name::Cell(cells.idx(ta, ra, c)))
                            .collect(),
                    )
                } else {
                    None
                }
            }
            _ => None,
        };
        out.ok_or_else(|| {
            self.diags.push(
                Diagnostic::error(Code::RelationInvalid, "a range runs along one row or one column of one table")
                    .at(&span, "its two ends are not in one row or one column")
                    .help("write `SUM(first:last)` with two rows of one column, or two columns of one row"),
            );
        })
    }

    fn circular(&mut self, rel: &Relation) {
        self.diags.push(
            Diagnostic::error(Code::RelationInvalid, "this relation determines a figure from itself")
                .at(&rel.span, "the result is also one of its parts")
                .help("a total, difference or ratio names a result and the different rows or columns it comes from"),
        );
    }
}

fn sum(e: &[(i8, Idx)], value: &[Option<Dec>]) -> Result<Option<Dec>, ()> {
    let mut acc = Dec::ZERO;
    for (s, i) in e {
        let Some(v) = value[*i] else { return Ok(None) };
        acc = if *s < 0 {
            acc.checked_sub(v)
        } else {
            acc.checked_add(v)
        }
        .ok_or(())?;
    }
    Ok(Some(acc))
}

/// Why a rule gave no figure.
enum Fail {
    Missing(Idx),
    Zero,
    Overflow,
}

fn eval(expr: &Expr, value: &[Option<Dec>]) -> Result<Dec, Fail> {
    let missing = |e: &[(i8, Idx)]| e.iter().find(|(_, i)| value[*i].is_none()).map(|(_, i)| *i);
    match expr {
        Expr::Lin(e) => match sum(e, value) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(Fail::Missing(missing(e).unwrap_or(0))),
            Err(()) => Err(Fail::Overflow),
        },
        Expr::Ratio { num, den, pct } => {
            let n = sum(num, value).map_err(|_| Fail::Overflow)?;
            let d = sum(den, value).map_err(|_| Fail::Overflow)?;
            let (Some(n), Some(d)) = (n, d) else {
                return Err(Fail::Missing(missing(num).or(missing(den)).unwrap_or(0)));
            };
            if d == Dec::ZERO {
                return Err(Fail::Zero);
            }
            let n = if *pct {
                n.checked_mul_int(100).ok_or(Fail::Overflow)?
            } else {
                n
            };
            n.checked_div(d).ok_or(Fail::Overflow)
        }
        Expr::Tree(e) => tree(e, value),
    }
}

fn tree(e: &expr::Expr<Idx>, value: &[Option<Dec>]) -> Result<Dec, Fail> {
    e.eval(&|i: &Idx| value[*i]).map_err(|f| match f {
        expr::Fail::Missing(i) => Fail::Missing(i),
        expr::Fail::Zero => Fail::Zero,
        expr::Fail::Overflow => Fail::Overflow,
    })
}

fn deps(expr: &Expr) -> Vec<Idx> {
    match expr {
        Expr::Lin(e) => e.iter().map(|(_, i)| *i).collect(),
        Expr::Ratio { num, den, .. } => num.iter().chain(den).map(|(_, i)| *i).collect(),
        Expr::Tree(e) => {
            let mut v = Vec::new();
            e.each_leaf(&mut |i| v.push(*i));
            v
        }
    }
}

fn places_word(p: u32) -> String {
    match p {
        0 => "whole numbers".into(),
        1 => "1 decimal place".into(),
        n => format!("{n} decimal places"),
    }
}

/// Expands, computes and checks every relation of a document's tables.
pub fn check(tables: Vec<Table>, diags: &mut Diagnostics) -> Vec<Checked> {
    let mut offset = Vec::with_capacity(tables.len() + 1);
    let mut n = 0;
    for t in &tables {
        offset.push(n);
        n += t.rows.len() * t.columns.len();
    }
    // The first of two equal ids wins, as in `Table::row` (duplicates are reported by read).
    fn index<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> IdMap<&'a str, usize> {
        let mut m = IdMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (i, id) in ids.enumerate() {
            m.entry(id).or_insert(i);
        }
        m
    }
    let cells = Cells {
        rows: tables
            .iter()
            .map(|t| index(t.rows.iter().map(|r| r.id.value.as_str())))
            .collect(),
        cols: tables
            .iter()
            .map(|t| index(t.columns.iter().map(|c| c.id.value.as_str())))
            .collect(),
        ids: index(tables.iter().map(|t| t.id.value.as_str())),
        tables: &tables,
        offset,
    };
    // At least a rule for most relations: sized once for them.
    let mut rules = Vec::with_capacity(tables.iter().map(|t| t.relations.len()).sum());
    let mut boths = Vec::new();
    for (t, tb) in tables.iter().enumerate() {
        for (k, rel) in tb.relations.iter().enumerate() {
            let mut x = Expander {
                cells: &cells,
                t,
                k,
                diags,
                rules: &mut rules,
                boths: &mut boths,
                ok: true,
            };
            x.expand(rel);
        }
    }
    let rel = |r: &Rule| &tables[r.rel.0].relations[r.rel.1];
    // Typed figures, and which are listed as published.
    let mut typed: Vec<Option<&Sp<Dec>>> = vec![None; n];
    let mut published = vec![false; n];
    // Why the council accepts a published figure's difference, where it has said.
    let mut acknowledged: Vec<Option<&str>> = vec![None; n];
    for (t, tb) in tables.iter().enumerate() {
        for (r, line) in tb.cells.iter().enumerate() {
            for (c, cell) in line.iter().enumerate() {
                if let Cell::Num(v) = cell {
                    typed[cells.idx(t, r, c)] = Some(v);
                }
            }
        }
        for p in &tb.published {
            let found = if p.table.as_ref().is_some_and(|x| *x != tb.id.value) {
                None
            } else {
                tb.row(&p.row).zip(tb.column(&p.column))
            };
            match found {
                Some((r, c)) if typed[cells.idx(t, r, c)].is_some() => {
                    published[cells.idx(t, r, c)] = true;
                    acknowledged[cells.idx(t, r, c)] = p.acknowledged.as_deref();
                }
                Some(_) => diags.push(
                    Diagnostic::error(Code::InvalidValue, format!("`{}/{}` is listed as published but has no figure written", p.row, p.column))
                        .at(&p.span, "no typed figure in this cell")
                        .help("`published:` lists typed figures to print as the source published them; remove this entry"),
                ),
                None => diags.push(
                    Diagnostic::error(Code::RelationInvalid, format!("table `{}` has no cell `{}/{}`", tb.id.value, p.row, p.column))
                        .at(&p.span, "no such cell")
                        .help("write ROW/COLUMN with a row id and a column id of this table"),
                ),
            }
        }
    }
    // The first rule for a cell defines it; later ones must agree with it.
    let mut defining: Vec<Option<usize>> = vec![None; n];
    let mut second = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        if defining[r.target].is_none() {
            defining[r.target] = Some(i);
        } else {
            second.push(i);
        }
    }
    // Dependency order (iterative depth-first). Each circle is reported once,
    // naming the way round; its figures are left out and everything else is
    // still computed and checked.
    let mut order = Vec::new();
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut on_circle = vec![false; n];
    let mut circles_seen = std::collections::HashSet::new();
    for start in 0..n {
        if state[start] != 0 || defining[start].is_none() {
            continue;
        }
        let mut stack: Vec<(Idx, Vec<Idx>)> = Vec::new();
        state[start] = 1;
        let ds = deps(&rules[defining[start].unwrap_or(0)].expr);
        stack.push((start, ds));
        while let Some((cell, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(d) if defining[d].is_some() => match state[d] {
                    0 => {
                        state[d] = 1;
                        let ds = deps(&rules[defining[d].unwrap_or(0)].expr);
                        stack.push((d, ds));
                    }
                    1 => {
                        // The way round: from `d` up the stack and back to `d`.
                        let from = stack.iter().position(|(c, _)| *c == d).unwrap_or(0);
                        let way: Vec<Idx> = stack[from..].iter().map(|(c, _)| *c).collect();
                        let fresh = way.iter().any(|c| !on_circle[*c]);
                        for c in &way {
                            on_circle[*c] = true;
                        }
                        let mut rels: Vec<(usize, usize)> = way
                            .iter()
                            .map(|c| rules[defining[*c].unwrap_or(0)].rel)
                            .collect();
                        rels.dedup();
                        if fresh && circles_seen.insert(rels.clone()) {
                            // A long way round is named by its ends.
                            let all: Vec<Idx> =
                                way.iter().copied().chain(std::iter::once(d)).collect();
                            let mut names: Vec<String> = Vec::new();
                            for (k, c) in all.iter().enumerate() {
                                if all.len() > 9 && k == 4 {
                                    names.push(format!("… ({} figures) …", all.len() - 7));
                                } else if all.len() <= 9 || k < 4 || k >= all.len() - 3 {
                                    names.push(cells.name(*c));
                                }
                            }
                            let r = &rules[defining[d].unwrap_or(0)];
                            let mut e = Diagnostic::error(
                                Code::RelationInvalid,
                                format!("relations go round in a circle: {}", names.join(" → ")),
                            )
                            .at(&rel(r).span, "this relation needs its own result")
                            .note(format!("relation: {}", rel(r).text));
                            let mut seen = vec![r.rel];
                            for c in &way {
                                let o = &rules[defining[*c].unwrap_or(0)];
                                if seen.len() < 6 && !seen.contains(&o.rel) {
                                    seen.push(o.rel);
                                    e = e.also(&rel(o).span, "and this one");
                                }
                            }
                            diags.push(e.help("each figure must come from figures that do not come back to it; remove or restrict one of these relations (every figure outside the circle is still checked)"));
                        }
                    }
                    _ => {}
                },
                Some(_) => {}
                None => {
                    state[*cell] = 2;
                    order.push(*cell);
                    stack.pop();
                }
            }
        }
    }
    let mut value: Vec<Option<Dec>> = typed.iter().map(|t| t.map(|s| s.value)).collect();
    let mut computed_v: Vec<Option<Dec>> = vec![None; n];
    // Figures not computed because of a circle: what needs them is not reported again.
    let mut blocked = on_circle.clone();
    let mut reported = std::collections::HashSet::new();
    for &cell in &order {
        if on_circle[cell] {
            if typed[cell].is_none() {
                value[cell] = None;
            }
            continue;
        }
        let r = &rules[defining[cell].unwrap_or(0)];
        match eval(&r.expr, &value) {
            Ok(v) => {
                computed_v[cell] = Some(v);
                value[cell] = Some(v);
            }
            Err(Fail::Missing(i)) if blocked[i] => {
                blocked[cell] = true;
                value[cell] = None;
            }
            Err(f) => {
                value[cell] = None;
                failed(f, cell, r, &cells, &typed, rel(r), &mut reported, diags);
            }
        }
    }
    // Each relation is checked locally, against the figures as printed: a
    // typed figure is checked against its parts as typed, so a mistake is
    // reported once, where it was made, not again in every figure that adds
    // it up. Figures nobody typed are as computed.
    let local: Vec<Option<Dec>> = (0..n)
        .map(|i| typed[i].map(|t| t.value).or(value[i]))
        .collect();
    let mut marked: Vec<Option<Dec>> = vec![None; n];
    let mut printed = value.clone();
    // Typed figures that a relation also determines.
    for cell in 0..n {
        let (Some(t), Some(c), Some(ri)) = (typed[cell], computed_v[cell], defining[cell]) else {
            continue;
        };
        let r = &rules[ri];
        // A figure that agrees with the figures as computed is right: any
        // difference with its parts as typed is the parts' mistake, reported
        // where they are.
        if !differs(t.value, c, cells.places(cell), rel(r).tolerance) {
            continue;
        }
        let Ok(here) = eval(&r.expr, &local) else {
            continue;
        };
        if let Some(d) = compare(
            cell,
            t,
            here,
            r,
            rel(r),
            &cells,
            (published[cell], acknowledged[cell]),
        ) {
            if published[cell] {
                marked[cell] = Some(c);
                printed[cell] = Some(t.value);
            }
            diags.push(d);
        }
    }
    // Second opinions.
    for &i in &second {
        let r = &rules[i];
        let cell = r.target;
        if blocked[cell] || deps(&r.expr).iter().any(|d| blocked[*d]) {
            continue;
        }
        // A typed figure is checked locally; two relations computing one
        // untyped figure (a corner total) are compared on the figures as
        // computed, so a mistake in a part is not reported again there.
        let given = if typed[cell].is_some() {
            &local
        } else {
            &value
        };
        let Ok(v) = eval(&r.expr, given) else {
            continue;
        };
        match typed[cell] {
            Some(t) => {
                let computed = eval(&r.expr, &value).unwrap_or(v);
                if !differs(t.value, computed, cells.places(cell), rel(r).tolerance) {
                    continue;
                }
                if let Some(d) = compare(
                    cell,
                    t,
                    v,
                    r,
                    rel(r),
                    &cells,
                    (published[cell], acknowledged[cell]),
                ) {
                    if published[cell] {
                        marked[cell] = marked[cell].or(Some(v));
                        printed[cell] = Some(t.value);
                    }
                    diags.push(d);
                }
            }
            None => {
                let Some(first) = computed_v[cell] else {
                    continue;
                };
                let col = cells.column(cell);
                if differs(first, v, col.places, rel(r).tolerance) {
                    let d0 = rel(&rules[defining[cell].unwrap_or(0)]);
                    diags.push(
                        Diagnostic::error(Code::FigureMismatch, format!(
                            "two relations give different figures for {}: {} and {}",
                            cells.name(cell), first.full(), v.full()
                        ))
                        .at(&rel(r).span, format!("gives {}", v.full()))
                        .also(&d0.span, format!("gives {}", first.full()))
                        .note(format!("relations: {}; {}", d0.text, rel(r).text))
                        .help("the figures these relations add up disagree: check the rows and columns they name"),
                    );
                }
            }
        }
    }
    // Equations with an expression on both sides.
    for b in &boths {
        both(
            b,
            &local,
            &value,
            &typed,
            &blocked,
            &cells,
            &tables[b.rel.0].relations[b.rel.1],
            diags,
        );
    }
    // A published figure prints as published, never as computed: where it
    // agrees at the places it was written with but the figures give another
    // figure as printed (at the column's places, which may be fewer: 1.25
    // published, 1.2451 computed, printed at one place), it is marked with
    // the computed figure.
    for cell in 0..n {
        let (true, Some(t), None) = (published[cell], typed[cell], marked[cell]) else {
            continue;
        };
        if printed[cell] == Some(t.value) {
            continue;
        }
        let p = cells.column(cell).places;
        if let Some(c) = computed_v[cell]
            && c.round(p) != t.value.round(p)
        {
            marked[cell] = Some(c);
        }
        printed[cell] = Some(t.value);
        computed_v[cell] = None;
    }
    let signed = |e: &Signed| {
        e.iter()
            .map(|(s, i)| (*s, cells.pos(*i)))
            .collect::<Vec<_>>()
    };
    let mut formulas: Vec<Option<Formula>> = (0..n)
        .map(|i| {
            let r = &rules[defining[i]?];
            (computed_v[i].is_some() && marked[i].is_none()).then(|| match &r.expr {
                Expr::Lin(e) => Formula::Sum(signed(e)),
                Expr::Ratio { num, den, pct } => Formula::Ratio {
                    num: signed(num),
                    den: signed(den),
                    pct: *pct,
                },
                Expr::Tree(e) => Formula::Expr(e.map_each(&mut |i: &Idx| cells.pos(*i))),
            })
        })
        .collect();
    let base = cells.offset.clone();
    tables
        .into_iter()
        .enumerate()
        .map(|(t, tb)| {
            let w = tb.columns.len();
            let at = |r: usize, c: usize| base[t] + r * w + c;
            let grid = |v: &[Option<Dec>]| -> Vec<Vec<Option<Dec>>> {
                (0..tb.rows.len())
                    .map(|r| (0..w).map(|c| v[at(r, c)]).collect())
                    .collect()
            };
            let computed = (0..tb.rows.len())
                .map(|r| {
                    (0..w)
                        .map(|c| computed_v[at(r, c)].is_some() && marked[at(r, c)].is_none())
                        .collect()
                })
                .collect();
            let formula = (0..tb.rows.len())
                .map(|r| (0..w).map(|c| formulas[at(r, c)].take()).collect())
                .collect();
            Checked {
                formula,
                value: grid(&printed),
                computed,
                marked: grid(&marked),
                table: tb,
            }
        })
        .collect()
}

/// Whether two figures differ at `places`, by more than `tolerance`.
fn differs(a: Dec, b: Dec, places: u32, tolerance: Dec) -> bool {
    a.round(places)
        .checked_sub(b.round(places))
        .is_none_or(|d| d.abs() > tolerance)
}

/// A typed figure against the computed one: `None` when they agree.
fn compare(
    cell: Idx,
    t: &Sp<Dec>,
    c: Dec,
    rule: &Rule,
    rel: &Relation,
    cells: &Cells,
    (published, acknowledged): (bool, Option<&str>),
) -> Option<Diagnostic> {
    let p = cells.places(cell);
    if !differs(t.value, c, p, rel.tolerance) {
        return None;
    }
    let name = cells.name(cell);
    let at_places = if c.round(p) == c {
        String::new()
    } else {
        format!(
            ", which is {} at the published {}",
            c.fixed(p),
            places_word(p)
        )
    };
    let tol = if rel.tolerance == Dec::ZERO {
        String::new()
    } else {
        format!(" (tolerance {})", rel.tolerance.full())
    };
    let (ti, r, k) = cells.pos(cell);
    let fixed = cells.tables[ti].published_help.is_some();
    // A figure of a fixed table is shown as it was written (`-12.0`).
    let typed = match cells.tables[ti].written_places.get(&(r, k)) {
        Some(w) if fixed => t.value.fixed(*w),
        _ => t.value.full(),
    };
    let d = if let (true, Some(why)) = (published, acknowledged) {
        // Accepted by the council: a note listed by `check -v`, never a warning.
        Diagnostic::info(Code::PublishedFigure, format!("acknowledged: {name} is printed as published ({typed}), not as the figures give it ({})", c.full()))
            .at(&t.span, format!("published {typed}, acknowledged; the figures give {}{at_places}", c.full()))
            .also(&rel.span, "the relation that determines it")
            .note(format!("reason: {why}"))
            .help(if fixed {
                "remove `acknowledged` to be warned again, or `published` to print the computed figure"
            } else {
                "remove `acknowledged` (list the cell alone) to be warned again, or remove it from `published:` to print the computed figure"
            })
    } else if published {
        Diagnostic::warning(Code::PublishedFigure, format!("{name} is printed as published ({typed}), but the figures give {}", c.full()))
            .at(&t.span, format!("published {typed}; the figures give {}{at_places}", c.full()))
            .also(&rel.span, "the relation that determines it")
            .note(format!("relation: {}{tol}", rel.text))
            .help(if fixed {
                "this keeps a historical return exactly as published; once the difference is accepted, add `acknowledged: \"why\"` beside `published` to stop this warning, or remove `published` to print the computed figure"
            } else {
                "the table prints the published figure marked † with a note giving the computed one; correct it when the source is corrected, or once the difference is accepted list it as `{ cell: ROW/COLUMN, acknowledged: \"why\" }` to stop this warning"
            })
    } else {
        let (t_id, cell_id) = cells.ids(cell);
        let tb = &cells.tables[cells.pos(cell).0];
        let help = match &tb.published_help {
            Some(h) => format!(
                "correct the figure to {}, or remove it and let it be computed; {}",
                c.fixed(p),
                h.replace("{typed}", &typed)
            ),
            None => format!(
                "correct the figure to {}; if the source published it this way, list `{cell_id}` under the table's `published:`; if the source computed it from rounded figures, give the relation a `tolerance:`",
                c.fixed(p)
            ),
        };
        let _ = t_id;
        Diagnostic::error(
            Code::FigureMismatch,
            format!(
                "{name} is typed as {typed} but the figures give {}",
                c.full()
            ),
        )
        .at(
            &t.span,
            format!("typed {typed}; the figures give {}{at_places}", c.full()),
        )
        .also(&rel.span, "the relation that determines it")
        .note(format!("relation: {}{tol}", rel.text))
        .help(help)
    };
    // An equality points at both ends: the figure it must equal, wherever it is.
    let other = match (&rel.kind, &rule.expr) {
        (RelKind::Equals { .. }, Expr::Lin(e)) if e.len() == 1 => Some(e[0].1),
        (RelKind::Expr(_), Expr::Tree(e)) => e.single().map(|(_, i)| *i),
        _ => None,
    };
    let d = match other {
        Some(o) => {
            let (ot, or, oc) = cells.pos(o);
            let span = cells.tables[ot].cells[or][oc].span();
            let v = match &rule.expr {
                Expr::Tree(e) if e.single().is_some_and(|(s, _)| s < 0) => {
                    Dec::ZERO.checked_sub(c).unwrap_or(c)
                }
                _ => c,
            };
            d.also(span, format!("{} is {}", cells.name(o), v.full()))
        }
        None => d,
    };
    Some(d)
}

/// An equation with an expression on both sides, compared at the most places
/// of the figures it names (or of the numbers written in it).
#[allow(clippy::too_many_arguments)]
fn both(
    b: &Both,
    local: &[Option<Dec>],
    computed: &[Option<Dec>],
    typed: &[Option<&Sp<Dec>>],
    blocked: &[bool],
    cells: &Cells,
    rel: &Relation,
    diags: &mut Diagnostics,
) {
    let mut names = Vec::new();
    b.lhs.leaves(&mut names);
    b.rhs.leaves(&mut names);
    if names.iter().any(|i| blocked[**i]) {
        return;
    }
    let (l, r) = (tree(&b.lhs, local), tree(&b.rhs, local));
    let (l, r) = match (l, r) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(Fail::Missing(i)), _) | (_, Err(Fail::Missing(i))) => {
            diags.push(
                Diagnostic::warning(Code::RelationUncomputable, format!("this equation cannot be checked: {} has no figure", cells.name(i)))
                    .at(&rel.span, "not checked")
                    .note(format!("relation: {}", rel.text))
                    .help("fill in the missing figure, or restrict the relation with `rows:` or `columns:`"),
            );
            return;
        }
        (Err(Fail::Zero), _) | (_, Err(Fail::Zero)) => {
            diags.push(
                Diagnostic::warning(
                    Code::RelationUncomputable,
                    "this equation cannot be checked: it divides by zero",
                )
                .at(&rel.span, "not checked")
                .note(format!("relation: {}", rel.text))
                .help("check the figure it divides by"),
            );
            return;
        }
        _ => {
            diags.push(
                Diagnostic::error(Code::RelationUncomputable, "this equation is too large to compute")
                    .at(&rel.span, "the result overflows")
                    .note(format!("relation: {}", rel.text))
                    .help("check the figures: they are written in the column's unit, and no figure exceeds a trillion"),
            );
            return;
        }
    };
    let p = names
        .iter()
        .map(|i| cells.places(**i))
        .chain([b.lhs.written_places(), b.rhs.written_places()])
        .max()
        .unwrap_or(0);
    if !differs(l, r, p, rel.tolerance) {
        return;
    }
    // Sides that agree on the figures as computed: a part's mistake, reported where it is.
    if let (Ok(cl), Ok(cr)) = (tree(&b.lhs, computed), tree(&b.rhs, computed))
        && !differs(cl, cr, p, rel.tolerance)
    {
        return;
    }
    let name = |e: &expr::Expr<Idx>| {
        e.show(&|i: &Idx| {
            let (t, cell) = cells.ids(*i);
            let (ti, ..) = cells.pos(*i);
            if ti == b.rel.0 {
                cell
            } else {
                format!("{t}.{cell}")
            }
        })
    };
    let tol = if rel.tolerance == Dec::ZERO {
        String::new()
    } else {
        format!(" (tolerance {})", rel.tolerance.full())
    };
    let (ls, rs) = (name(&b.lhs), name(&b.rhs));
    let at = match &rel.kind {
        RelKind::Expr(x) => x.span(&b.lhs.at),
        _ => rel.span.clone(),
    };
    let mut d = Diagnostic::error(
        Code::FigureMismatch,
        format!("{ls} is {} but {rs} is {}", l.full(), r.full()),
    )
    .at(
        &at,
        format!("{} here; the other side gives {}", l.full(), r.full()),
    )
    .note(format!("relation: {}{tol}", rel.text));
    for i in names.iter().take(6) {
        if let Some(t) = typed[**i] {
            d = d.also(
                &t.span,
                format!("{} is {}", cells.name(**i), t.value.full()),
            );
        }
    }
    diags.push(d.help(format!(
        "correct the figure that is wrong, compared at {}; if the source computed it from rounded figures, give the relation a `tolerance:`",
        places_word(p)
    )));
}

#[allow(clippy::too_many_arguments)]
fn failed(
    f: Fail,
    cell: Idx,
    r: &Rule,
    cells: &Cells,
    typed: &[Option<&Sp<Dec>>],
    rel: &Relation,
    reported: &mut std::collections::HashSet<(usize, usize)>,
    diags: &mut Diagnostics,
) {
    let name = cells.name(cell);
    // A fixed table's relations (KPI values, a return's deficit) are not
    // written as relations, so they cannot be restricted with `rows:`.
    let fixed = cells.tables[cells.pos(cell).0].published_help.is_some();
    match f {
        Fail::Missing(i) => {
            if let Some(t) = typed[cell] {
                diags.push(
                    Diagnostic::warning(Code::RelationUncomputable, format!("{name} cannot be checked: {} has no figure", cells.name(i)))
                        .at(&t.span, "not checked")
                        .also(&rel.span, "the relation that determines it")
                        .note(format!("relation: {}", rel.text))
                        .help(if fixed {
                            "fill in the missing figure, or remove the typed one and let it be computed"
                        } else {
                            "fill in the missing figure, or restrict the relation with `rows:` or `columns:`"
                        }),
                );
            }
        }
        Fail::Zero => {
            let span = typed[cell].map_or(&rel.span, |t| &t.span);
            if typed[cell].is_some() || reported.insert(r.rel) {
                diags.push(
                    Diagnostic::warning(Code::RelationUncomputable, format!("{name} cannot be computed: it divides by zero"))
                        .at(span, "printed as no data")
                        .also(&rel.span, "the relation that determines it")
                        .note(format!("relation: {}", rel.text))
                        .help(if fixed {
                            "a ratio, change or share of zero has no value, so none is printed; check the figure it divides by"
                        } else {
                            "a ratio, change or share of zero has no value; restrict the relation with `rows:` or `columns:` to leave this cell out"
                        }),
                );
            }
        }
        Fail::Overflow => {
            if reported.insert(r.rel) {
                diags.push(
                    Diagnostic::error(Code::RelationUncomputable, format!("{name} is too large to compute"))
                        .at(&rel.span, "the result overflows")
                        .note(format!("relation: {}", rel.text))
                        .help("check the figures: they are written in the column's unit, and no figure exceeds a trillion"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::source::SourceMap;

    /// Reads and checks the tables in `yaml` (a `tables:` list).
    fn run(yaml: &str) -> (Vec<Checked>, Vec<Diagnostic>) {
        let mut sources = SourceMap::new();
        let f = sources.add("t.yaml", yaml);
        let node = crate::load::yaml::parse(&sources, f).unwrap();
        let mut diags = Diagnostics::default();
        let mut inputs = Vec::new();
        let root = std::path::Path::new("/nonexistent");
        let mut cx = crate::validate::tables::read::Ctx {
            root,
            sources: &mut sources,
            diags: &mut diags,
            inputs: &mut inputs,
        };
        let checked = crate::validate::tables::load(&node, std::path::Path::new(""), &mut cx);
        (checked, diags.items)
    }

    fn one(columns: &str, rows: &str, relations: &str) -> (Vec<Checked>, Vec<Diagnostic>) {
        run(&format!(
            "- id: t\n  title: T\n  columns:\n{columns}  rows:\n{rows}  relations:\n{relations}"
        ))
    }

    const AB: &str = "    - { id: a, label: A, type: number, places: 3 }\n    - { id: b, label: B, type: number, places: 3 }\n    - { id: d, label: D, type: number, places: 3 }\n";

    #[test]
    fn compares_at_the_published_places_and_shows_full_precision() {
        let rel = "    - difference: { column: d, is: b - a }\n";
        let (_, d) = one(
            AB,
            "    - { id: x, label: X, values: { a: 1, b: 0.756, d: -0.224 } }\n",
            rel,
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::FigureMismatch);
        assert_eq!(
            d[0].message,
            "`x/d` is typed as -0.224 but the figures give -0.244"
        );
        let (c, d) = one(
            AB,
            "    - { id: x, label: X, values: { a: 1, b: 0.756, d: -0.244 } }\n",
            rel,
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c[0].value[0][2].unwrap().full(), "-0.244");
    }

    #[test]
    fn sums_are_exact() {
        let (c, d) = one(
            AB,
            "    - { id: x, label: X, values: { a: 0.1, b: 0.2 } }\n    - { id: y, label: Y, values: { a: 0.3, b: 0.3, d: 0.6 } }\n",
            "    - total: { column: d, of: [a, b] }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c[0].value[0][2].unwrap().full(), "0.3");
    }

    #[test]
    fn tolerance_and_published_figures() {
        let rows = "    - { id: x, label: X, values: { a: 1, b: 2, d: 3.01 } }\n";
        let (_, d) = one(
            AB,
            rows,
            "    - total: { column: d, of: [a, b], tolerance: 0.01 }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let (c, d) = run(&format!(
            "- id: t\n  title: T\n  columns:\n{AB}  rows:\n{rows}  relations:\n    - total: {{ column: d, of: [a, b] }}\n  published: [x/d]\n"
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].code, d[0].severity),
            (Code::PublishedFigure, Severity::Warning)
        );
        assert_eq!(c[0].value[0][2].unwrap().full(), "3.01");
        assert_eq!(c[0].marked[0][2].unwrap().full(), "3");
    }

    #[test]
    fn a_published_figure_prints_as_published_and_is_marked_where_it_prints_otherwise() {
        const ONE: &str = "    - { id: a, label: A, type: number, places: 1 }\n    - { id: b, label: B, type: number, places: 1 }\n    - { id: d, label: D, type: number, places: 1 }\n";
        let table = |d: &str| {
            format!(
                "- id: t\n  title: T\n  columns:\n{ONE}  rows:\n    - {{ id: x, label: X, values: {{ a: 1, b: 0.2451, d: {d} }} }}\n  relations:\n    - total: {{ column: d, of: [a, b] }}\n  published: [x/d]\n"
            )
        };
        // At the column's one place, 1.3 as published and 1.2 as computed:
        // warned, printed as published, marked with the computed figure.
        let (c, d) = run(&table("1.25"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::PublishedFigure);
        assert_eq!(c[0].value[0][2].unwrap().full(), "1.25");
        assert_eq!(c[0].marked[0][2].unwrap().full(), "1.2451");
        assert!(!c[0].computed[0][2]);
        // 1.2 agrees as printed: printed as published (not as the computed
        // 1.2451), not marked.
        let (c, d) = run(&table("1.2"));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c[0].value[0][2].unwrap().full(), "1.2");
        assert!(c[0].marked[0][2].is_none());
    }

    #[test]
    fn cycles_and_unknown_ids_are_errors() {
        let rows = "    - { id: x, label: X }\n    - { id: y, label: Y }\n";
        let (_, d) = one(
            AB,
            rows,
            "    - total: { row: x, of: [y] }\n    - total: { row: y, of: [x] }\n",
        );
        assert!(
            d.iter()
                .any(|d| d.code == Code::RelationInvalid && d.message.contains("circle")),
            "{d:?}"
        );
        let (_, d) = one(AB, rows, "    - total: { row: x, of: [yy] }\n");
        assert_eq!(d[0].message, "table `t` has no row `yy`");
        assert!(
            d[0].primary
                .as_ref()
                .unwrap()
                .message
                .contains("did you mean `y`?")
        );
    }

    #[test]
    fn dividing_by_zero_is_no_data_not_nan() {
        let (c, d) = one(
            AB,
            "    - { id: x, label: X, values: { a: 0, b: 2 } }\n",
            "    - change: { column: d, from: a, to: b }\n",
        );
        assert_eq!(c[0].value[0][2], None);
        assert_eq!(
            (d[0].code, d[0].severity),
            (Code::RelationUncomputable, Severity::Warning)
        );
    }

    #[test]
    fn a_change_since_a_row_and_a_difference_in_points() {
        let cols = "    - { id: y, label: Y, type: number }\n    - { id: pct, label: Change, type: percent, places: 1 }\n    - { id: p2, label: P2, type: percent }\n    - { id: gap, label: Gap, type: percent }\n";
        let rows = "    - { id: base, label: Base, values: { y: 455, p2: 40.5 } }\n    - { id: a, label: A, values: { y: 412, pct: -9.5, p2: 41.3 } }\n    - { id: b, label: B, values: { y: 398, p2: 40.0 } }\n";
        let (c, d) = one(
            cols,
            rows,
            "    - change: { column: pct, of: y, from-row: base }\n    - difference: { column: gap, is: p2 - pct, rows: [a, b] }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        // The base row has no change from itself; the others from the unrounded figures.
        assert_eq!(c[0].value[0][1], None);
        assert_eq!(c[0].value[1][1].unwrap().full(), "-9.450549450549");
        assert_eq!(c[0].value[2][1].unwrap().fixed(1), "-12.5");
        // Percentage points: a difference of percent columns is allowed.
        assert_eq!(c[0].value[2][3].unwrap().fixed(1), "52.5");
        // A typed change that disagrees at its places is an error.
        let rows = rows.replace("pct: -9.5", "pct: -9.4");
        let (_, d) = one(
            cols,
            &rows,
            "    - change: { column: pct, of: y, from-row: base }\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            "`a/pct` is typed as -9.4 but the figures give -9.450549450549"
        );
        // The same across: a row's change since one column.
        let (c, d) = one(
            AB,
            "    - { id: x, label: X, values: { a: 4, b: 5, d: 6 } }\n    - { id: ch, label: Change }\n",
            "    - change: { row: ch, of: x, from-column: a }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c[0].value[1][0], None);
        assert_eq!(c[0].value[1][1].unwrap().full(), "0.25");
        assert_eq!(c[0].value[1][2].unwrap().full(), "0.5");
        // A total of percentages is still refused.
        let (_, d) = one(cols, &rows, "    - total: { column: gap, of: [p2, pct] }\n");
        assert!(
            d.iter().any(|d| d.message.contains("cannot be added up")),
            "{d:?}"
        );
    }

    #[test]
    fn a_corner_cell_computed_twice_must_agree() {
        let rows = "    - { id: x, label: X, values: { a: 1, b: 2 } }\n    - { id: y, label: Y, values: { a: 3, b: 4 } }\n    - { id: t, label: T }\n";
        let (c, d) = one(
            AB,
            rows,
            "    - total: { row: t, of: [x, y] }\n    - total: { column: d, of: [a, b] }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c[0].value[2][2].unwrap().full(), "10");
    }

    #[test]
    fn a_running_balance_carries_closing_to_opening() {
        let cols =
            "    - { id: y1, label: Y1, type: money }\n    - { id: y2, label: Y2, type: money }\n";
        let rows = "    - { id: o, label: O, values: { y1: 10 } }\n    - { id: i, label: I, values: { y1: 5, y2: 7 } }\n    - { id: c, label: C }\n";
        let (c, d) = one(
            cols,
            rows,
            "    - balance: { opening: o, plus: [i], closing: c, running: true }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c[0].value[0][1].unwrap().full(), "15");
        assert_eq!(c[0].value[2][1].unwrap().full(), "22");
    }

    #[test]
    fn a_mistake_is_reported_once_where_it_was_made() {
        // The subtotal is typed wrong; the total is typed as the true figures
        // give it, and a grand total adds the subtotal as typed: only the
        // subtotal is reported.
        let rows = "    - { id: x, label: X, values: { a: 1, b: 2 } }\n    - { id: sub, label: Sub, values: { a: 4 } }\n    - { id: y, label: Y, values: { a: 5 } }\n    - { id: all, label: All, values: { a: 6 } }\n    - { id: grand, label: Grand, values: { a: 9 } }\n";
        let (_, d) = one(
            AB,
            rows,
            "    - \"sub = x\"\n    - { equation: \"all = sub + y\", columns: [a] }\n    - \"grand/a = sub/a + y/a\"\n",
        );
        let m: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(m, ["`sub/a` is typed as 4 but the figures give 1"], "{d:?}");
    }

    #[test]
    fn a_circle_is_named_and_everything_outside_it_is_still_checked() {
        let rows = "    - { id: x, label: X }\n    - { id: y, label: Y }\n    - { id: p, label: P, values: { a: 1, b: 2, d: 4 } }\n";
        let (c, d) = one(
            AB,
            rows,
            "    - \"x = y + 1\"\n    - \"y = x - 1\"\n    - \"for each row: d = a + b\"\n",
        );
        let m: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            m,
            [
                "relations go round in a circle: `x/a` → `y/a` → `x/a`",
                "`p/d` is typed as 4 but the figures give 3",
            ],
            "{d:?}"
        );
        assert_eq!(c[0].value[0][0], None);
    }

    #[test]
    fn an_unknown_name_in_an_equation_is_located_in_the_string() {
        let (_, d) = one(
            AB,
            "    - { id: issued, label: I }\n    - { id: ceased, label: C }\n    - { id: net, label: N }\n",
            "    - \"net = issued - ceasd\"\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].message, "table `t` has no row or column `ceasd`");
        let p = d[0].primary.as_ref().unwrap();
        assert_eq!(p.message, "did you mean `ceased`?");
        // The label sits on `ceasd` in the YAML line.
        assert_eq!(p.span.range.len(), "ceasd".len());
        let (_, d) = one(AB, "    - { id: n, label: N }\n", "    - \"n = a +\"\n");
        assert_eq!(d[0].code, Code::ExprSyntax);
        assert_eq!(
            d[0].message,
            "this relation ends where a figure is expected"
        );
    }

    #[test]
    fn a_long_circle_is_named_by_its_ends() {
        let mut rows = String::new();
        let mut rels = String::new();
        for i in 0..50 {
            rows.push_str(&format!("    - {{ id: r{i}, label: R{i} }}\n"));
            rels.push_str(&format!("    - \"r{i}/a = r{}/a\"\n", (i + 1) % 50));
        }
        let (_, d) = one(AB, &rows, &rels);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            "relations go round in a circle: `r0/a` → `r1/a` → `r2/a` → `r3/a` → … (44 figures) … → `r48/a` → `r49/a` → `r0/a`"
        );
        assert_eq!(d[0].secondary.len(), 5);
    }
}
