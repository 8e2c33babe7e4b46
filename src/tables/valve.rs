//! A return's change account as a table of the figures engine.
//!
//! Stage: tables. The account is the model's ([`crate::model::changes`]); here
//! it becomes the table `changes`, printed by every edition and exported.

use crate::diag::Diagnostics;
use crate::model::table::Checked;
use crate::model::valve::Valve;

/// The id of the table of what changed since the last submitted update
/// (`{{ changes() }}`, `<return>.changes.csv`, the workbook's `changes` sheet).
pub const CHANGES: &str = "changes";

/// What changed since the last submitted update, as a table of the engine
/// (so every edition prints it, with header cells, and it is exported as
/// every table is): what, the earlier value, the value now, the change
/// (`+1.2` for a figure, `added` or `removed` for a condition or risk). A
/// rating's change is its two ratings, told in no other words.
pub fn changes_table(v: &Valve, diags: &mut Diagnostics) -> Option<Checked> {
    use crate::model::Sp;
    use crate::model::changes::How;
    use crate::model::decimal::Dec;
    use crate::model::table::{Cell, ColType, Column, Row, Table};
    let c = v.changes.as_ref()?;
    let span = v.current_update.span.clone();
    let sp = |s: String| Sp::new(s, span.clone());
    let col = |id: &str, label: String| Column {
        id: sp(id.into()),
        label,
        ty: ColType::Text,
        unit: None,
        places: 0,
        plus: false,
    };
    // A figure as written, with thousands separators; words as they are.
    let figure = |s: &str| match Dec::parse(s) {
        Some(d) => crate::model::decimal::fixed_grouped(
            d,
            crate::model::decimal::written_places(s).unwrap_or(0),
        ),
        None => s.to_string(),
    };
    let text = |s: String| Cell::Text(Sp::new(s, span.clone()));
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    for (i, line) in c.lines.iter().enumerate() {
        let (before, now, change) = match line.how {
            How::Added => (String::new(), String::new(), "added".to_string()),
            How::Removed => (String::new(), String::new(), "removed".to_string()),
            How::Rated => (line.before.clone(), line.now.clone(), String::new()),
            How::Figure => {
                let change = line.difference.as_deref().map_or(String::new(), |d| {
                    let f = figure(d.trim_start_matches('+'));
                    if d.starts_with('+') {
                        format!("+{f}")
                    } else {
                        f
                    }
                });
                (figure(&line.before), figure(&line.now), change)
            }
        };
        rows.push(Row {
            id: sp(format!("{}", i + 1)),
            label: line.what.clone(),
            group: None,
            unit: None,
        });
        cells.push(vec![text(before), text(now), text(change)]);
    }
    let table = Table {
        title: format!("Changes since {}", c.since_label),
        row_heading: "What changed".into(),
        columns: vec![
            col("before", c.since_label.clone()),
            col("now", c.update_label.clone()),
            col("change", "Change".into()),
        ],
        rows,
        cells,
        ..Table::inline(sp(CHANGES.into()))
    };
    crate::tables::check::check(vec![table], diags).pop()
}
