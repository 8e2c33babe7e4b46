//! A risk register's band counts as a table of the figures engine.
//!
//! Stage: tables. The counts are the model's ([`Register::band_count`]); here
//! they become the table `<register>-bands`, checked like any declared table
//! (its `Open risks` row is the total of the rows above it), printed by
//! version 2 layouts and exported to the paper's workbook.

use crate::model::risk::{Register, Risk};

/// The rows of a register's band counts, in the scale's order: the numeric
/// bands (when any risk is rated by likelihood × impact) as (label, band,
/// rated in words, colour), then the ratings in words of its scale (marked
/// `(in words)` beside numeric bands, whose names they may share).
pub fn band_rows(reg: &Register) -> Vec<(String, &str, bool, &str)> {
    let mut rows: Vec<(String, &str, bool, &str)> = Vec::new();
    let numeric = reg.rated_by_numbers();
    if numeric {
        rows.extend(reg.scheme.bands.iter().map(|b| {
            (
                format!("{} (scores {}–{})", b.name, b.min, b.max),
                b.name.as_str(),
                false,
                b.colour.as_str(),
            )
        }));
    }
    rows.extend(reg.word_scale.iter().map(|w| {
        // Beside numeric bands a rating in words says so ("Low (in words)").
        let label = if numeric {
            format!("{} (in words)", w.name)
        } else {
            w.name.clone()
        };
        (label, w.name.as_str(), true, w.colour.as_str())
    }));
    rows
}

/// A register's band counts as a table of the tables engine, `<name>-bands`:
/// a row per band (with its scores; only when a risk is rated by numbers) and
/// per rating in words of its scale, in the scale's order; the open risks not
/// rated (headed by the project's `not-rated` words); and `Open risks`, their
/// number, which the engine checks is the total of the rows above it (and
/// exports as their `SUM`); columns `Current` and `Target`. Checked on its
/// own. The one source of the band counts printed by version 2 layouts
/// (`render::view::register_view`'s `bands`) and of the paper's workbook sheet. One pass
/// over the open risks per row: linear in the register.
pub fn band_table(
    reg: &Register,
    name: &str,
    settings: &crate::model::Settings,
    diags: &mut crate::diag::Diagnostics,
) -> Option<crate::model::table::Checked> {
    use crate::model::Sp;
    use crate::model::decimal::Dec;
    use crate::model::table::{Cell, ColType, Column, RelKind, Relation, Row, Table, Target};
    let open: Vec<&Risk> = reg.open().collect();
    let span = reg.risks.first()?.id.span.clone();
    let sp = |s: &str| Sp::new(s.to_string(), span.clone());
    let n = |k: usize| Cell::Num(Sp::new(Dec::int(k as i64), span.clone()));
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let bands = band_rows(reg);
    let numeric = bands.iter().any(|b| !b.2);
    let words = bands.iter().any(|b| b.2);
    for (i, (label, band, words, _)) in bands.into_iter().enumerate() {
        rows.push(Row {
            id: sp(&format!("b{i}")),
            label,
            group: None,
            unit: None,
        });
        let (current, target) = reg.band_count(band, words);
        cells.push(vec![n(current), n(target)]);
    }
    rows.push(Row {
        id: sp("unrated"),
        label: crate::model::capital(&settings.not_rated),
        group: None,
        unit: None,
    });
    cells.push(vec![
        n(open.iter().filter(|r| r.current.is_none()).count()),
        n(open.iter().filter(|r| r.target.is_none()).count()),
    ]);
    let of: Vec<Sp<String>> = rows.iter().map(|r| r.id.clone()).collect();
    rows.push(Row {
        id: sp("open"),
        label: "Open risks".into(),
        group: None,
        unit: None,
    });
    cells.push(vec![n(open.len()), n(open.len())]);
    let col = |id: &str, label: &str| Column {
        id: sp(id),
        label: label.to_string(),
        ty: ColType::Count,
        unit: None,
        places: 0,
        plus: false,
    };
    let by = match (numeric, words) {
        (true, true) => "band and rating",
        (false, true) => "rating",
        _ => "band",
    };
    let table = Table {
        title: format!("Open risks by {by}: {}", reg.name),
        row_heading: if numeric { "Band" } else { "Rating" }.into(),
        columns: vec![col("current", "Current"), col("target", "Target")],
        rows,
        cells,
        relations: vec![Relation {
            kind: RelKind::Total {
                target: Target::Row(sp("open")),
                of,
            },
            only: Vec::new(),
            tolerance: Dec::ZERO,
            span: span.clone(),
            text: "row `open` = the sum of the bands and `not rated`".into(),
        }],
        ..Table::inline(sp(&format!("{name}-bands")))
    };
    crate::tables::check::check(vec![table], diags).pop()
}
