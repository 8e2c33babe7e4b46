//! A risk register's change account as a table of the figures engine.
//!
//! Stage: tables. What changed between a register and its previous snapshot
//! (risks added, closed, re-scored or given another owner) is worked out by
//! the model and worded by the view; here the lines become the table
//! `changes-<register>`, which every edition prints with header cells, as the
//! return's account is (`tables/valve.rs`), and which is exported as every
//! table is (`<paper>.changes-<register>.csv`, a sheet of the workbook).
//! Papers on layouts from version 3 print the account this way; earlier
//! layouts keep the Markdown table they were released with.

use crate::model::Sp;
use crate::model::table::{Cell, ColType, Column, Row, Table};
use crate::source::Span;

/// The id of a register's change-account table (`{{ register_changes("corporate") }}`).
pub fn table_id(register: &str) -> String {
    format!("changes-{register}")
}

/// A register's account between two dates, as the view words it.
pub struct Account {
    pub since: String,
    pub as_at: String,
    pub lines: Vec<Line>,
}

/// One change: the risk's id and title, the change in words, and the two
/// values it traces to (as the view words them: "16 (High)", "not in the
/// register").
pub struct Line {
    pub id: String,
    pub title: String,
    pub change: String,
    pub from: String,
    pub to: String,
}

/// The account of `register` between `since` and `as_at` as an engine table,
/// a row per change; `None` when nothing changed (the paper then says so in a
/// sentence naming both dates). `at` is where the register is named, for any
/// problem the engine finds.
pub fn changes_table(register: &str, account: &Account, at: &Span) -> Option<Table> {
    let Account {
        since,
        as_at,
        lines,
    } = account;
    if lines.is_empty() {
        return None;
    }
    let sp = |s: String| Sp::new(s, at.clone());
    let col = |id: &str, label: String| Column {
        id: sp(id.into()),
        label,
        ty: ColType::Text,
        unit: None,
        places: 0,
        plus: false,
    };
    let text = |s: &str| Cell::Text(Sp::new(s.to_string(), at.clone()));
    let mut rows = Vec::with_capacity(lines.len());
    let mut cells = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        rows.push(Row {
            // Unique whatever the ids: a risk closed and a new one of the same
            // id are two lines.
            id: sp(format!("{}", i + 1)),
            label: l.id.clone(),
            group: None,
            unit: None,
        });
        cells.push(vec![
            text(&l.title),
            text(&l.change),
            text(&l.from),
            text(&l.to),
        ]);
    }
    Some(Table {
        title: format!("Changes to the register between {since} and {as_at}"),
        row_heading: "Risk".into(),
        columns: vec![
            col("title", "Title".into()),
            col("change", "Change".into()),
            col("from", format!("As at {since}")),
            col("to", format!("As at {as_at}")),
        ],
        rows,
        cells,
        ..Table::inline(sp(table_id(register)))
    })
}
