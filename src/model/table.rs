//! The declared table: columns, rows, cells as read, and relations as declared.
//!
//! Stage: model (built only by [`crate::validate::tables::read`]; checked into
//! [`Checked`] by [`crate::tables::check`]). Cells keep the span they were
//! read from (a YAML value, a CSV field, a workbook cell) so that every check
//! can point at the figure an author must correct.

use super::decimal::Dec;
use crate::model::Sp;
use crate::source::Span;

/// What a column holds, and so how it is checked, totalled and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    Money,
    Number,
    Count,
    Percent,
    Ratio,
    Text,
    Rating,
    /// A date printed exactly as written.
    Date,
}

impl ColType {
    pub const NAMES: &'static [&'static str] = &[
        "money", "number", "count", "percent", "ratio", "text", "rating", "date",
    ];

    pub fn parse(s: &str) -> Option<ColType> {
        Some(match s {
            "money" => ColType::Money,
            "number" => ColType::Number,
            "count" => ColType::Count,
            "percent" => ColType::Percent,
            "ratio" => ColType::Ratio,
            "text" => ColType::Text,
            "rating" => ColType::Rating,
            "date" => ColType::Date,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        ColType::NAMES[self as usize]
    }

    /// Holds figures (not words or dates).
    pub fn numeric(self) -> bool {
        !matches!(self, ColType::Text | ColType::Rating | ColType::Date)
    }

    /// Figures that can be added up: money, numbers and counts.
    pub fn summable(self) -> bool {
        matches!(self, ColType::Money | ColType::Number | ColType::Count)
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub id: Sp<String>,
    pub label: String,
    pub ty: ColType,
    /// £, £k, £m, %, days, pupils … printed in the header.
    pub unit: Option<String>,
    /// Decimal places the source publishes: figures print and compare at this precision.
    pub places: u32,
    /// Positive figures are printed with a `+` (a change, as the council prints it).
    pub plus: bool,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub id: Sp<String>,
    pub label: String,
    pub group: Option<String>,
    /// The row's own unit, where it is not its columns' (a £ row in a table
    /// of counts): printed with its label, and the unit of its figures.
    pub unit: Option<String>,
}

/// One cell as read.
#[derive(Clone, Debug)]
pub enum Cell {
    /// Nothing written: computed if a relation determines it, else "no data".
    Empty(Span),
    Num(Sp<Dec>),
    Text(Sp<String>),
}

impl Cell {
    pub fn span(&self) -> &Span {
        match self {
            Cell::Empty(s) => s,
            Cell::Num(n) => &n.span,
            Cell::Text(t) => &t.span,
        }
    }
}

/// A reference to one cell, as written (`row/column` or `table.row/column`).
#[derive(Clone, Debug)]
pub struct CellRef {
    pub table: Option<String>,
    pub row: String,
    pub column: String,
    pub span: Span,
    /// Under `published:`, why the council accepts the difference
    /// (`{ cell: ROW/COLUMN, acknowledged: "why" }`): a note, not a warning.
    pub acknowledged: Option<String>,
}

/// Which way a relation runs: it determines a row (per column) or a column (per row).
#[derive(Clone, Debug)]
pub enum Target {
    Row(Sp<String>),
    Column(Sp<String>),
}

/// A signed list of row or column ids: `forecast - budget`, `a + b + c`.
pub type Terms = Vec<(i8, Sp<String>)>;

#[derive(Clone, Debug)]
pub enum RelKind {
    /// The target is the sum of `of` (row ids or group names, or column ids).
    Total { target: Target, of: Vec<Sp<String>> },
    /// The target is a signed sum: `is: forecast - budget`.
    Difference { target: Target, terms: Terms },
    /// The target is `num / den` (×100 in a percent column).
    Ratio {
        target: Target,
        num: Sp<String>,
        den: Sp<String>,
    },
    /// The target is `(to - from) / from` (×100 in a percent column).
    Change {
        target: Target,
        from: Sp<String>,
        to: Sp<String>,
    },
    /// The target is the change of `of` from the base row (for a column
    /// target) or the base column (for a row target): in each row,
    /// `(of − of at base) / of at base` (×100 in a percent column). The base
    /// itself is left out (it has no change from itself).
    ChangeFrom {
        target: Target,
        of: Sp<String>,
        base: Sp<String>,
    },
    /// Column `target` is column `of` as a share of row `total`'s `of`.
    Share {
        target: Sp<String>,
        of: Sp<String>,
        total: Sp<String>,
    },
    /// Rows: closing = opening + plus − minus, in every column; with
    /// `running`, each column's opening is the previous column's closing.
    Balance {
        opening: Sp<String>,
        plus: Vec<Sp<String>>,
        minus: Vec<Sp<String>>,
        closing: Sp<String>,
        running: bool,
    },
    /// One cell equals another, in this table or another.
    Equals { cell: CellRef, other: CellRef },
    /// An equation as written: `net = issued - ceased`,
    /// `for each row: variance = actual - budget`, `ehcp.total/c1 = kpi.K5/q2 + kpi.K6/q2`.
    Expr(Box<ExprRel>),
}

/// An equation over figures, as read from its YAML string.
#[derive(Clone, Debug)]
pub struct ExprRel {
    pub eq: super::expr::Equation,
    /// The YAML string it was read from.
    pub at: Span,
    /// Where the equation's text starts in the file, when the string is
    /// written as is (then each reference is located exactly).
    pub start: Option<usize>,
}

impl ExprRel {
    /// The file's span of a byte range of the equation (the whole string
    /// when the text was written with escapes).
    pub fn span(&self, r: &std::ops::Range<usize>) -> Span {
        match self.start {
            Some(s) => Span::new(self.at.file, s + r.start..s + r.end),
            None => self.at.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Relation {
    pub kind: RelKind,
    /// Restricts a row relation to these columns, or a column relation to these rows.
    pub only: Vec<Sp<String>>,
    /// A typed figure within this much of the computed one (at the published
    /// precision) is accepted: for sources that computed from rounded figures.
    pub tolerance: Dec,
    /// The relation as written, for diagnostics.
    pub span: Span,
    /// The relation in words, e.g. "row `total` = schools + early-years".
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub id: Sp<String>,
    pub title: String,
    /// The heading of the row-label column.
    pub row_heading: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    pub relations: Vec<Relation>,
    /// Cells printed as the source published them even where they differ.
    pub published: Vec<CellRef>,
    /// Notes printed under the table.
    pub notes: Vec<String>,
    /// Where the figures came from, in words (`inline`, a CSV or workbook name).
    pub source: String,
    /// Typed figures compared at the places they were written with, where
    /// more than their column's: (row, column) → places. Empty for declared
    /// tables (they compare at the column's published places); the return's
    /// fixed tables keep the precision each figure was written with.
    pub written_places: super::idhash::IdMap<(usize, usize), u32>,
    /// Places a typed figure is printed with, where its column does not fix
    /// them: the places it was written with (28.607 prints as 28.607, 7.00 as
    /// 7.00), (row, column) → places. Computed figures, and typed figures in
    /// a column whose places are declared, print at the column's places.
    pub print_places: super::idhash::IdMap<(usize, usize), u32>,
    /// For a fixed table, how to keep a figure as published (the mismatch's
    /// help), with `{typed}` for the typed figure; `None` for declared tables.
    pub published_help: Option<String>,
    /// How this table prints negatives, where it declares it (`negative:
    /// brackets` or `minus`, for every figure of the table); else money
    /// follows the project's `negative-money` and other figures take a minus.
    pub negative: Option<crate::model::NegativeStyle>,
    /// For a fixed table, a cell's name in messages, with `{row}` and
    /// `{column}` (the row's and the column's labels): "the {row} variance".
    pub cell_name: Option<String>,
    /// Value (change) cells, as a council prints "1,537 (+101)": (value
    /// column, change column). The change is a column of its own (checked by
    /// its relation and exported as one); the printed editions show it in
    /// brackets after the value, and not as a column.
    pub bracketed: Vec<(usize, usize)>,
    /// A cell with no figure prints blank, as the council leaves it (`empty:
    /// blank`), instead of the project's no-data words.
    pub blank: bool,
}

impl Table {
    /// A table quire makes itself (a return's fixed tables, rating counts, a
    /// change account): its id, nothing else yet. The caller sets its title,
    /// columns, rows and cells, and any relation, note or printing rule; the
    /// rest stays empty, as for a table typed inline.
    pub fn inline(id: Sp<String>) -> Table {
        Table {
            id,
            title: String::new(),
            row_heading: String::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            cells: Vec::new(),
            relations: Vec::new(),
            published: Vec::new(),
            notes: Vec::new(),
            source: "inline".into(),
            written_places: Default::default(),
            print_places: Default::default(),
            published_help: None,
            negative: None,
            cell_name: None,
            bracketed: Vec::new(),
            blank: false,
        }
    }

    pub fn column(&self, id: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.id.value == id)
    }

    pub fn row(&self, id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.id.value == id)
    }
}

/// A table with every cell's figure decided.
#[derive(Clone, Debug)]
pub struct Checked {
    pub table: Table,
    /// The figure printed and quoted, at full precision (round with the column's places).
    pub value: Vec<Vec<Option<Dec>>>,
    /// Whether the cell's figure was computed by a relation.
    pub computed: Vec<Vec<bool>>,
    /// Published figures that differ from the computed ones: the computed figure.
    pub marked: Vec<Vec<Option<Dec>>>,
    /// How each computed cell was computed, for spreadsheet formulas.
    pub formula: Vec<Vec<Option<Formula>>>,
}

/// A cell anywhere: (table, row, column).
pub type Pos = (usize, usize, usize);

/// How a computed cell is computed, in cells.
#[derive(Debug, Clone)]
pub enum Formula {
    /// Σ sign × cell.
    Sum(Vec<(i8, Pos)>),
    /// (Σ num) / (Σ den), ×100 when `pct`.
    Ratio {
        num: Vec<(i8, Pos)>,
        den: Vec<(i8, Pos)>,
        pct: bool,
    },
    /// An equation's side, over cells.
    Expr(super::expr::Expr<Pos>),
}

impl Formula {
    /// Every cell it names.
    pub fn cells(&self) -> Vec<Pos> {
        match self {
            Formula::Sum(e) => e.iter().map(|(_, p)| *p).collect(),
            Formula::Ratio { num, den, .. } => num.iter().chain(den).map(|(_, p)| *p).collect(),
            Formula::Expr(e) => {
                let mut v = Vec::new();
                e.leaves(&mut v);
                v.into_iter().copied().collect()
            }
        }
    }
}
