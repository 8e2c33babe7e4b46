//! KPI values as a fixed table of the tables engine, for the Safety Valve
//! return's KPIs and the APP's: one row per period (`baseline`, then the
//! return's updates or the plan's actual dates, in order), one column per KPI
//! (its type from its unit, its places as declared or as written). A derived
//! KPI (`derived:`) is a relation of the table: `ratio: K1 / K2`,
//! `difference: K1 - K2`, `change: K1, from: K0` (two KPIs) or `change: K1,
//! from: baseline` (the change since a period, the engine's `change … from-row`).
//! The engine computes derived figures from the unrounded inputs and checks
//! any a source typed as well, at the places they were written with.

use super::MapReader;
use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::load::yaml::Node;
use crate::model::Sp;
use crate::model::decimal::Dec;
use crate::model::kpi::{Derivation, Derived};
use crate::model::table::Checked;
use crate::model::table::{Cell, ColType, Column, RelKind, Relation, Row, Table, Target};
use crate::source::Span;

/// The id of the KPI values table (and of its sheet in the workbook).
pub const TABLE_ID: &str = "KPI values";
/// The id of the baseline row.
pub const BASELINE: &str = "baseline";

/// Reads a KPI's `derived:` mapping.
pub fn derived(n: &Node, diags: &mut Diagnostics) -> Option<Derived> {
    let mut m = MapReader::new(n, "a KPI derivation", diags)?;
    let ratio = m.opt("ratio");
    let difference = m.opt("difference");
    let change = m.opt("change");
    let from = m.opt("from");
    let given = [ratio, difference, change].iter().flatten().count();
    let help = "write one of `derived: { ratio: K1 / K2 }`, `derived: { difference: K1 - K2 }`, `derived: { change: K1, from: baseline }` or `derived: { change: K1, from: K0 }`";
    if given != 1 {
        let span = m.span().clone();
        m.diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                "a derived KPI is one ratio, difference or change",
            )
            .at(
                &span,
                if given == 0 {
                    "no `ratio`, `difference` or `change`"
                } else {
                    "more than one of `ratio`, `difference` and `change`"
                },
            )
            .help(help),
        );
        m.finish();
        return None;
    }
    if let (Some(f), None) = (from, change) {
        m.diags.push(
            Diagnostic::error(Code::InvalidValue, "`from` belongs to a change")
                .at(&f.span, "not used by a ratio or a difference")
                .help(help),
        );
    }
    let how = if let Some(v) = ratio {
        super::tables::read::quotient(v, m.diags).map(|(num, den)| Derivation::Ratio { num, den })
    } else if let Some(v) = difference {
        super::tables::read::terms(v, m.diags).map(|terms| Derivation::Difference { terms })
    } else {
        let of = change.and_then(|v| super::tables::read::id(v, "KPI", m.diags));
        let from = m
            .req("from")
            .and_then(|v| super::tables::read::id(v, "KPI or period", m.diags));
        of.zip(from)
            .map(|(of, from)| Derivation::Change { of, from })
    };
    // Pointed at by messages about the derivation: the expression as written
    // (`E1 / E2`, or from the changed KPI to its `from`).
    let span = match (ratio.or(difference).or(change), from) {
        (Some(e), Some(f)) if change.is_some() && f.span.file == e.span.file => Span::new(
            e.span.file,
            e.span.range.start.min(f.span.range.start)..e.span.range.end.max(f.span.range.end),
        ),
        (Some(e), _) => e.span.clone(),
        _ => m.span().clone(),
    };
    m.finish();
    Some(Derived { how: how?, span })
}

/// Reads a KPI's `places:` (0 to 6).
pub fn places(n: &Node, diags: &mut Diagnostics) -> Option<u32> {
    let v = super::int(n, diags)?;
    if (0..=6).contains(&v.value) {
        return Some(v.value as u32);
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            "`places` is a number of decimal places from 0 to 6",
        )
        .at(&v.span, "expected 0 to 6")
        .help("write the decimal places the source publishes, e.g. `places: 1`"),
    );
    None
}

/// One period (a row of the table).
pub struct Period {
    pub id: String,
    pub label: String,
}

/// One KPI (a column of the table).
pub struct Input<'a> {
    pub id: Sp<String>,
    pub unit: &'a str,
    pub places: Option<u32>,
    pub derived: Option<&'a Derived>,
    /// Typed figures: (period index, figure, decimal places as written).
    pub figures: Vec<(usize, Sp<Dec>, u32)>,
    /// Typed figures kept as the source published them (period index, where,
    /// the council's reason once acknowledged): a derived KPI's figure that
    /// differs from the computed one is then a warning, or a note, and is
    /// printed marked †.
    pub published: Vec<(usize, Span, Option<String>)>,
}

/// A column's type and printed unit from a KPI's unit.
fn column_type(unit: &str) -> (ColType, Option<String>) {
    match unit {
        "%" => (ColType::Percent, Some("%".into())),
        "count" => (ColType::Count, None),
        "£m" => (ColType::Money, Some("£m".into())),
        "rate" => (ColType::Number, None),
        u => (ColType::Number, Some(u.to_string())),
    }
}

/// The KPI values table, computed and checked by the engine; `None` when no
/// KPI has a figure or a derivation. `doc` names the document in messages
/// ("return", "plan"); `periods` exclude the baseline row, which comes first.
pub fn table(
    doc: &str,
    periods: &[Period],
    kpis: &[Input],
    span: &Span,
    diags: &mut Diagnostics,
) -> Option<Checked> {
    if kpis
        .iter()
        .all(|k| k.figures.is_empty() && k.derived.is_none())
    {
        return None;
    }
    let sp = |s: &str| Sp::new(s.to_string(), span.clone());
    let mut rows = vec![Row {
        id: sp(BASELINE),
        label: "Baseline".into(),
        group: None,
        unit: None,
    }];
    rows.extend(periods.iter().map(|p| Row {
        id: sp(&p.id),
        label: p.label.clone(),
        group: None,
        unit: None,
    }));
    let ids: Vec<&str> = kpis.iter().map(|k| k.id.value.as_str()).collect();
    let cyclic = circles(kpis, diags);
    let mut columns = Vec::new();
    let mut cells: Vec<Vec<Cell>> = rows.iter().map(|_| Vec::new()).collect();
    let mut written = crate::model::idhash::IdMap::default();
    let mut relations = Vec::new();
    let mut published = Vec::new();
    for (c, k) in kpis.iter().enumerate() {
        for (r, span, ack) in &k.published {
            published.push(crate::model::table::CellRef {
                table: None,
                row: rows.get(*r).map_or(String::new(), |x| x.id.value.clone()),
                column: k.id.value.clone(),
                span: span.clone(),
                acknowledged: ack.clone(),
            });
        }
        let (ty, unit) = column_type(k.unit);
        let most = k.figures.iter().map(|f| f.2).max();
        // As declared; else as written (the most places of any typed
        // figure); a derived KPI at least 1 (a count 0).
        let least = match (k.derived, ty) {
            (Some(_), ColType::Count) | (None, _) => 0,
            (Some(_), _) => 1,
        };
        let places = k.places.unwrap_or(most.unwrap_or(0).max(least));
        columns.push(Column {
            id: k.id.clone(),
            label: k.id.value.clone(),
            ty,
            unit,
            places,
            plus: false,
        });
        for line in cells.iter_mut() {
            line.push(Cell::Empty(k.id.span.clone()));
        }
        for (r, v, w) in &k.figures {
            if let Some(line) = cells.get_mut(*r) {
                line[c] = Cell::Num(v.clone());
                written.insert((*r, c), *w);
            }
        }
        let Some(d) = k.derived.filter(|_| !cyclic.contains(&c)) else {
            continue;
        };
        // Every KPI a derivation names must be in the catalogue.
        let mut ok = true;
        for x in d.inputs() {
            if ids.contains(&x.value.as_str()) {
                continue;
            }
            ok = false;
            let e = Diagnostic::error(
                Code::UnknownReference,
                format!(
                    "KPI `{}` is derived from `{}`, which is not a KPI of this {doc}",
                    k.id.value, x.value
                ),
            );
            diags.push(match did_you_mean(&x.value, ids.iter().copied()) {
                Some(s) => e
                    .at(&x.span, format!("did you mean `{s}`?"))
                    .help(format!("rename it to `{s}`")),
                None => e
                    .at(&x.span, "not in `kpis`")
                    .help(format!("the KPIs of this {doc} are: {}", ids.join(", "))),
            });
        }
        let target = Target::Column(k.id.clone());
        let pct = ty == ColType::Percent;
        let kind = match &d.how {
            Derivation::Ratio { num, den } => RelKind::Ratio {
                target,
                num: num.clone(),
                den: den.clone(),
            },
            Derivation::Difference { terms } => RelKind::Difference {
                target,
                terms: terms.clone(),
            },
            Derivation::Change { of, from } => {
                let kpi = ids.contains(&from.value.as_str());
                let period = rows.iter().any(|r| r.id.value == from.value);
                match (kpi, period) {
                    (true, false) => RelKind::Change {
                        target,
                        from: from.clone(),
                        to: of.clone(),
                    },
                    (false, true) => RelKind::ChangeFrom {
                        target,
                        of: of.clone(),
                        base: from.clone(),
                    },
                    (true, true) => {
                        diags.push(
                            Diagnostic::error(Code::InvalidValue, format!("`{}` is both a KPI and a period of this {doc}", from.value))
                                .at(&from.span, "a change from a KPI or since a period?")
                                .help("give the KPI or the period another id, so that `from` names one of them"),
                        );
                        continue;
                    }
                    (false, false) => {
                        let mut have: Vec<&str> =
                            rows.iter().map(|r| r.id.value.as_str()).collect();
                        have.extend(ids.iter().copied());
                        let e = Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "KPI `{}` is a change from `{}`, which is neither a period nor a KPI of this {doc}",
                                k.id.value, from.value
                            ),
                        );
                        diags.push(match did_you_mean(&from.value, have.iter().copied()) {
                            Some(s) => e
                                .at(&from.span, format!("did you mean `{s}`?"))
                                .help(format!("rename it to `{s}`")),
                            None => e.at(&from.span, "no such period or KPI").help(format!(
                                "`from` names `baseline`, a period ({}) or a KPI ({})",
                                periods
                                    .iter()
                                    .map(|p| p.id.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                ids.join(", ")
                            )),
                        });
                        continue;
                    }
                }
            }
        };
        if !ok {
            continue;
        }
        let since = match &kind {
            RelKind::ChangeFrom { base, .. } => {
                rows.iter().find(|r| r.id.value == base.value).map(|r| {
                    if r.id.value == BASELINE {
                        "the baseline".to_string()
                    } else {
                        r.label.clone()
                    }
                })
            }
            _ => None,
        };
        relations.push(Relation {
            kind,
            only: Vec::new(),
            tolerance: Dec::ZERO,
            span: d.span.clone(),
            text: format!("KPI {} = {}", k.id.value, d.words(pct, since.as_deref())),
        });
    }
    let table = Table {
        title: "KPI values".into(),
        row_heading: "Period".into(),
        columns,
        rows,
        cells,
        relations,
        published,
        written_places: written,
        published_help: Some(
            "a derived KPI's figures are computed from the KPIs it names, so check those figures too".into(),
        ),
        cell_name: Some("KPI {column} at {row}".into()),
        ..Table::inline(sp(TABLE_ID))
    };
    crate::tables::check::check(vec![table], diags).pop()
}

/// The KPIs a derived KPI comes from, by index: its inputs and, for a
/// change from another KPI, that KPI.
fn sources(k: &Input, kpis: &[Input]) -> Vec<usize> {
    let Some(d) = k.derived else {
        return Vec::new();
    };
    let mut names: Vec<&str> = d.inputs().iter().map(|x| x.value.as_str()).collect();
    if let Derivation::Change { from, .. } = &d.how {
        names.push(&from.value);
    }
    names
        .into_iter()
        .filter_map(|n| kpis.iter().position(|x| x.id.value == n))
        .collect()
}

/// KPIs derived, through other KPIs, from themselves: each circle is an
/// error at its first KPI's derivation, naming the way round; their
/// derivations are left out so that every other figure is still computed
/// and checked. Returns the indices of the KPIs on a circle.
fn circles(kpis: &[Input], diags: &mut Diagnostics) -> Vec<usize> {
    let edges: Vec<Vec<usize>> = kpis.iter().map(|k| sources(k, kpis)).collect();
    let mut on_circle: Vec<usize> = Vec::new();
    for start in 0..kpis.len() {
        if on_circle.contains(&start) {
            continue;
        }
        // The shortest way from `start` back to itself, breadth first.
        let mut prev: Vec<Option<usize>> = vec![None; kpis.len()];
        let mut queue = std::collections::VecDeque::from([start]);
        let mut seen = vec![false; kpis.len()];
        let mut back = None;
        while let Some(x) = queue.pop_front() {
            for &y in &edges[x] {
                if y == start {
                    back = Some(x);
                    break;
                }
                if !seen[y] {
                    seen[y] = true;
                    prev[y] = Some(x);
                    queue.push_back(y);
                }
            }
            if back.is_some() {
                break;
            }
        }
        let Some(mut x) = back else { continue };
        let mut way = vec![x];
        while x != start {
            let Some(p) = prev[x] else { break };
            way.push(p);
            x = p;
        }
        way.reverse();
        if way.iter().any(|i| on_circle.contains(i)) {
            continue;
        }
        on_circle.extend(&way);
        let names: Vec<&str> = way
            .iter()
            .chain(std::iter::once(&start))
            .map(|i| kpis[*i].id.value.as_str())
            .collect();
        let Some(d) = kpis[start].derived else {
            continue;
        };
        let mut e = Diagnostic::error(
            Code::RelationInvalid,
            format!(
                "KPI `{}` is derived from itself: {}",
                kpis[start].id.value,
                names.join(" ← ")
            ),
        )
        .at(&d.span, "comes back to this KPI");
        for i in way.iter().skip(1) {
            if let Some(o) = kpis[*i].derived {
                e = e.also(&o.span, format!("KPI `{}`", kpis[*i].id.value));
            }
        }
        diags.push(e.help("a derived KPI comes from typed KPIs, or from KPIs derived from typed ones; derive one of these from typed KPIs instead"));
    }
    on_circle
}
