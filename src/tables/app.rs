//! An APP plan's rating counts as tables of the figures engine.
//!
//! Stage: tables. Counted from the model's actions and the plan's scale; the
//! plan's workbook exports them and version 2 layouts print them from the
//! engine's view.

use crate::diag::Diagnostics;
use crate::model::app::Plan;
use crate::model::{Settings, capital};

/// The plan's rating counts as tables of the tables engine, one for progress
/// and one for impact (`progress-ratings`, `impact-ratings`): a row per area,
/// a column per rating on the plan's scale, `Not rated`, and `Actions`, the
/// area's number of actions, which the engine checks is the total of the
/// counts (and exports as their `SUM`). Each is checked on its own; the
/// plan's workbook carries them as sheets, and version 2 layouts print their
/// summary's counts from the engine's view of them (`app.ratings`), so the
/// printed and exported figures and labels are one. The `Not rated` column
/// is headed by the project's words for a rating not given (`not-rated:`),
/// with a capital, as printed.
pub fn rating_tables(
    plan: &Plan,
    settings: &Settings,
    diags: &mut Diagnostics,
) -> Vec<crate::model::table::Checked> {
    use crate::model::Sp;
    use crate::model::decimal::Dec;
    use crate::model::table::{Cell, ColType, Column, RelKind, Relation, Row, Table, Target};
    let Some(first) = plan.areas.first() else {
        return Vec::new();
    };
    let span = first.number.span.clone();
    let sp = |s: String| Sp::new(s, span.clone());
    let count_col = |id: String, label: String| Column {
        id: sp(id),
        label,
        ty: ColType::Count,
        unit: None,
        places: 0,
        plus: false,
    };
    type Of = dyn Fn(&crate::model::app::Action) -> (Option<String>, Option<String>);
    let mut out = Vec::new();
    let all: Vec<&crate::model::app::Action> = plan
        .areas
        .iter()
        .flat_map(|a| &a.sub_themes)
        .flat_map(|s| &s.actions)
        .collect();
    // From version 3 an action not rated is counted under the words the plan
    // writes for it (`impact-note: TBC in September 23 reporting`), a column
    // for each, as published; only those with no words at all under the
    // project's `not-rated`. Versions 1 and 2 count them all as `Not rated`.
    let v3 = plan.layout.value.version >= 3;
    for (what, rated) in [
        (
            "progress",
            &(|x: &crate::model::app::Action| {
                (
                    x.progress.as_ref().map(|p| p.value.clone()),
                    x.progress_note.clone(),
                )
            }) as &Of,
        ),
        ("impact", &|x: &crate::model::app::Action| {
            (
                x.impact.as_ref().map(|p| p.value.clone()),
                x.impact_note.clone(),
            )
        }),
    ] {
        let mut notes: Vec<String> = Vec::new();
        let mut bare = !v3;
        for x in &all {
            match rated(x) {
                (Some(_), _) => {}
                (None, Some(n)) if v3 => {
                    if !notes.contains(&n) {
                        notes.push(n);
                    }
                }
                (None, _) => bare = true,
            }
        }
        let mut columns: Vec<Column> = plan
            .brag
            .iter()
            .enumerate()
            .map(|(i, b)| count_col(format!("r{i}"), b.name.clone()))
            .collect();
        for (i, n) in notes.iter().enumerate() {
            columns.push(count_col(format!("note{i}"), n.clone()));
        }
        if bare {
            columns.push(count_col("unrated".into(), capital(&settings.not_rated)));
        }
        columns.push(count_col("actions".into(), "Actions".into()));
        let of: Vec<Sp<String>> = columns[..columns.len() - 1]
            .iter()
            .map(|c| c.id.clone())
            .collect();
        let mut rows = Vec::new();
        let mut cells = Vec::new();
        for a in &plan.areas {
            let actions: Vec<_> = a.sub_themes.iter().flat_map(|s| &s.actions).collect();
            let n = |k: usize| Cell::Num(Sp::new(Dec::int(k as i64), a.number.span.clone()));
            let mut line: Vec<Cell> = plan
                .brag
                .iter()
                .map(|b| {
                    n(actions
                        .iter()
                        .filter(|x| rated(x).0.as_deref() == Some(b.name.as_str()))
                        .count())
                })
                .collect();
            for note in &notes {
                line.push(n(actions
                    .iter()
                    .filter(|x| matches!(rated(x), (None, Some(w)) if w == *note))
                    .count()));
            }
            if bare {
                line.push(n(actions
                    .iter()
                    .filter(|x| match rated(x) {
                        (Some(_), _) => false,
                        (None, note) => !v3 || note.is_none(),
                    })
                    .count()));
            }
            line.push(n(actions.len()));
            rows.push(Row {
                id: sp(format!("area-{}", a.number.value)),
                label: format!("Area {}: {}", a.number.value, a.title),
                group: None,
                unit: None,
            });
            cells.push(line);
        }
        // From version 3, the plan's totals (its first page's headline): a
        // row the engine checks is the sum of the areas', and exports as it.
        let mut relations = Vec::new();
        if v3 && !rows.is_empty() {
            let areas: Vec<Sp<String>> = rows.iter().map(|r| r.id.clone()).collect();
            let totals: Vec<Cell> = (0..columns.len())
                .map(|k| {
                    let sum = cells.iter().fold(Dec::ZERO, |acc, line| match &line[k] {
                        Cell::Num(v) => acc.checked_add(v.value).unwrap_or(acc),
                        _ => acc,
                    });
                    Cell::Num(Sp::new(sum, span.clone()))
                })
                .collect();
            rows.push(Row {
                id: sp("all".into()),
                label: "All areas".into(),
                group: None,
                unit: None,
            });
            cells.push(totals);
            relations.push(Relation {
                kind: RelKind::Total {
                    target: Target::Row(sp("all".into())),
                    of: areas,
                },
                only: Vec::new(),
                tolerance: Dec::ZERO,
                span: span.clone(),
                text: "row `all` = the sum of the areas".into(),
            });
        }
        let table = Table {
            title: format!("Actions by {what} rating"),
            row_heading: "Area".into(),
            columns,
            rows,
            cells,
            relations: [Relation {
                kind: RelKind::Total {
                    target: Target::Column(sp("actions".into())),
                    of,
                },
                only: Vec::new(),
                tolerance: Dec::ZERO,
                span: span.clone(),
                text: format!("column `actions` = the sum of the {what} ratings and `not rated`"),
            }]
            .into_iter()
            .chain(relations)
            .collect(),
            ..Table::inline(sp(format!("{what}-ratings")))
        };
        out.extend(crate::tables::check::check(vec![table], diags));
    }
    out
}
