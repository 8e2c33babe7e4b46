//! View models: validated models → the JSON that layouts read.
//!
//! Stage: render. Everything a layout prints that is *computed* is computed here,
//! never in Typst and never by the author: bands, band counts, heat-map cells,
//! direction of travel, long-form dates, scale labels. Pure functions, no I/O.

use crate::model::dates::long_date;
use crate::model::risk::{Change, Direction, Rating, Register, Risk};
use serde_json::{Value as Json, json};

fn rating_view(r: &Option<Rating>, reg: &Register) -> Json {
    let Some(r) = r else { return Json::Null };
    let scheme = &reg.scheme;
    if r.words {
        let colour = reg
            .word_scale
            .iter()
            .find(|s| s.name == r.band)
            .map(|s| s.colour.clone())
            .unwrap_or_default();
        return json!({
            "likelihood": null, "impact": null, "likelihood_label": null, "impact_label": null,
            "score": null, "band": r.band, "colour": colour, "words": true, "text": r.band,
        });
    }
    let colour = r
        .score
        .and_then(|s| scheme.band(s))
        .map(|b| b.colour.clone())
        .unwrap_or_default();
    json!({
        "likelihood": r.likelihood,
        "impact": r.impact,
        "likelihood_label": r.likelihood_label.as_deref().or_else(|| r.likelihood.and_then(|v| scheme.likelihood_label(v))),
        "impact_label": r.impact_label.as_deref().or_else(|| r.impact.and_then(|v| scheme.impact_label(v))),
        "score": r.score,
        "band": r.band,
        "colour": colour,
        "words": false,
        "text": format!("{} ({})", r.score.unwrap_or(0), r.band),
    })
}

/// How a current rating moved from an earlier one, in words: the comparison is
/// the model's ([`Register::compare`]: by score for numbers, by the declared
/// order of the scale for words; ratings of different kinds are not compared).
fn moved(old: &Rating, new: &Rating, reg: &Register) -> Json {
    let Some(order) = reg.compare(old, new) else {
        return json!({"code": "unknown", "symbol": "–", "words": "previous rating not comparable"});
    };
    let was = if old.words {
        old.band.clone()
    } else {
        old.score.unwrap_or(0).to_string()
    };
    match order {
        std::cmp::Ordering::Greater => {
            json!({"code": "up", "symbol": "↑", "words": format!("increased from {was}")})
        }
        std::cmp::Ordering::Less => {
            json!({"code": "down", "symbol": "↓", "words": format!("reduced from {was}")})
        }
        std::cmp::Ordering::Equal => json!({"code": "same", "symbol": "↔", "words": "unchanged"}),
    }
}

/// Direction of travel of a risk's current rating: against the previous rating the
/// risk declares, else the previous snapshot; never guessed.
pub fn direction(risk: &Risk, reg: &Register, previous: Option<&Register>) -> Json {
    // As the council published it: the arrow and its word, no "from" score.
    if let Some(d) = &risk.direction {
        let (code, symbol, words) = match d.value {
            Direction::Increased => ("up", "↑", "increased"),
            Direction::Decreased => ("down", "↓", "decreased"),
            Direction::Unchanged => ("same", "↔", "unchanged"),
            Direction::New => ("new", "NEW", "new risk"),
        };
        return json!({"code": code, "symbol": symbol, "words": words, "published": true});
    }
    if let Some(old) = &risk.previous {
        return match &risk.current {
            Some(n) => moved(old, n, reg),
            None => json!({"code": "unknown", "symbol": "–", "words": "no current rating"}),
        };
    }
    let Some(prev) = previous else {
        if reg.risks.iter().any(|r| r.previous.is_some()) {
            return json!({"code": "unknown", "symbol": "–", "words": "no previous rating"});
        }
        return json!({"code": "unknown", "symbol": "–", "words": "no previous snapshot"});
    };
    let Some(old) = prev.risk(&risk.id.value) else {
        return json!({"code": "new", "symbol": "NEW", "words": "new risk"});
    };
    match (&old.current, &risk.current) {
        (Some(o), Some(n)) => moved(o, n, reg),
        _ => json!({"code": "unknown", "symbol": "–", "words": "no previous score"}),
    }
}

fn risk_view(r: &Risk, reg: &Register, previous: Option<&Register>, key: &str) -> Json {
    let md = |field: &str, v: &Option<String>| {
        v.as_ref().map(|_| format!("{key}/{}/{field}", r.id.value))
    };
    json!({
        "id": r.id.value,
        "title": r.title,
        "description": r.description,
        "cause": md("cause", &r.cause),
        "event": md("event", &r.event),
        "consequence": md("consequence", &r.consequence),
        "summary": r.summary.as_ref().map(|_| format!("{key}/{}/summary", r.id.value)),
        "owners": r.owners,
        "cabinet_members": r.cabinet_members,
        "inherent": rating_view(&r.inherent, reg),
        "current": rating_view(&r.current, reg),
        "target": rating_view(&r.target, reg),
        "previous": rating_view(&r.previous, reg),
        "direction": direction(r, reg, previous),
        "group": r.group,
        "impact": r.impact,
        "strategy": r.strategy,
        "timescale_to_target": r.timescale_to_target,
        "last_review": r.last_review.map(long_date),
        "next_review": r.next_review.map(long_date),
        "status": r.status,
        "related_reports": r.related_reports.iter().map(|x| json!({
            "committee": x.committee, "date": x.date.map(long_date), "item": x.item, "url": x.url
        })).collect::<Vec<_>>(),
        "controls": r.controls,
        "actions": r.actions.iter().map(|a| json!({
            "title": a.title, "owner": a.owner, "planned_completion": a.planned_completion.text, "overdue": a.overdue
        })).collect::<Vec<_>>(),
    })
}

/// A rating as the change account prints it: "16 (High)", the word of a
/// qualitative scale, or the project's `not-rated` words.
fn rating_text(r: &Option<Rating>, settings: &crate::model::Settings) -> String {
    match r {
        None => settings.not_rated.clone(),
        Some(r) if r.words => r.band.clone(),
        Some(r) => format!("{} ({})", r.score.unwrap_or(0), r.band),
    }
}

/// The register's change account against its previous snapshot
/// ([`crate::model::risk::changes`]) as printed: the two dates and a line per
/// change (`id`, `title`, `change` in words, `from` and `to`, the two values
/// it traces to). `None` without a previous snapshot: nothing is printed then.
pub fn changes_view(
    reg: &Register,
    previous: Option<&Register>,
    settings: &crate::model::Settings,
) -> Option<Json> {
    use std::cmp::Ordering;
    let prev = previous?;
    let absent = "not in the register";
    let lines: Vec<Json> = crate::model::risk::changes(reg, prev)
        .into_iter()
        .map(|c| {
            let (id, title, change, from, to) = match c {
                Change::New { id, title, rating } => (
                    id,
                    title,
                    "New risk".to_string(),
                    absent.to_string(),
                    rating_text(&rating, settings),
                ),
                Change::Closed {
                    id,
                    title,
                    rating,
                    listed,
                } => (
                    id,
                    title,
                    "Closed".to_string(),
                    rating_text(&rating, settings),
                    if listed { "closed" } else { absent }.to_string(),
                ),
                Change::Rescored {
                    id,
                    title,
                    from,
                    to,
                    moved,
                } => {
                    let how = match moved {
                        Some(Ordering::Greater) => "increased",
                        Some(Ordering::Less) => "decreased",
                        _ => "",
                    };
                    let words = from.as_ref().is_some_and(|r| r.words);
                    let band = match (&from, &to) {
                        (Some(a), Some(b)) if !a.words && !b.words && a.band != b.band => {
                            format!(", {} to {}", a.band, b.band)
                        }
                        (Some(a), Some(b)) if !a.words && !b.words => {
                            format!(", still {}", b.band)
                        }
                        _ => String::new(),
                    };
                    let what = if words { "Re-rated" } else { "Re-scored" };
                    let change = if how.is_empty() {
                        what.to_string()
                    } else {
                        format!("{what}: {how}{band}")
                    };
                    (
                        id,
                        title,
                        change,
                        rating_text(&from, settings),
                        rating_text(&to, settings),
                    )
                }
                Change::Owner {
                    id,
                    title,
                    from,
                    to,
                } => (
                    id,
                    title,
                    "Owner changed".to_string(),
                    from.join("; "),
                    to.join("; "),
                ),
            };
            json!({"id": id, "title": title, "change": change, "from": from, "to": to})
        })
        .collect();
    Some(json!({
        "name": reg.name,
        "since": long_date(prev.as_at),
        "as_at": long_date(reg.as_at),
        "lines": lines,
    }))
}

/// The rows of a register's band counts, in the scale's order: the numeric
/// bands (when any risk is rated by likelihood × impact) as (label, band,
/// rated in words, colour), then the ratings in words of its scale (marked
/// `(in words)` beside numeric bands, whose names they may share).
fn band_rows(reg: &Register) -> Vec<(String, &str, bool, &str)> {
    let mut rows: Vec<(String, &str, bool, &str)> = Vec::new();
    let numeric = has_numeric(reg);
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

/// Whether any risk is rated by likelihood × impact (else no scales, band key,
/// band rows or heat map are printed: the scheme would be one nobody used).
fn has_numeric(reg: &Register) -> bool {
    let numeric = |x: &Option<Rating>| x.as_ref().is_some_and(|x| !x.words);
    reg.risks
        .iter()
        .any(|r| numeric(&r.inherent) || numeric(&r.current) || numeric(&r.target))
}

/// A register's band counts as a table of the tables engine, `<name>-bands`:
/// a row per band (with its scores; only when a risk is rated by numbers) and
/// per rating in words of its scale, in the scale's order; the open risks not
/// rated (headed by the project's `not-rated` words); and `Open risks`, their
/// number, which the engine checks is the total of the rows above it (and
/// exports as their `SUM`); columns `Current` and `Target`. Checked on its
/// own. The one source of the band counts printed by version 2 layouts
/// ([`register_view`]'s `bands`) and of the paper's workbook sheet. One pass
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
    let open: Vec<&Risk> = reg.risks.iter().filter(|r| r.status == "open").collect();
    let span = reg.risks.first()?.id.span.clone();
    let sp = |s: &str| Sp::new(s.to_string(), span.clone());
    let n = |k: usize| Cell::Num(Sp::new(Dec::int(k as i64), span.clone()));
    let count = |words: bool, band: &str, f: fn(&Risk) -> &Option<Rating>| {
        open.iter()
            .filter(|r| {
                f(r).as_ref()
                    .is_some_and(|x| x.words == words && x.band == band)
            })
            .count()
    };
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
        cells.push(vec![
            n(count(words, band, |r| &r.current)),
            n(count(words, band, |r| &r.target)),
        ]);
    }
    rows.push(Row {
        id: sp("unrated"),
        label: crate::render::app::capital(&settings.not_rated),
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
        id: sp(&format!("{name}-bands")),
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
        published: Vec::new(),
        notes: Vec::new(),
        source: "inline".into(),
        written_places: Default::default(),
        print_places: Default::default(),
        published_help: None,
        cell_name: None,
        bracketed: Vec::new(),
        blank: false,
        negative: None,
    };
    crate::tables::check::check(vec![table], diags).pop()
}

/// The band counts as version 2 layouts print them: the engine's view of
/// [`band_table`] (`table`) and each row's colour (`colours`: a band's or a
/// rating's, none for `Not rated` and `Open risks`); none for a register
/// with no risks.
fn bands_view(reg: &Register, key: &str, settings: &crate::model::Settings) -> Json {
    // The table adds up by construction; the paper reports its check when it
    // exports it.
    let mut scratch = crate::diag::Diagnostics::default();
    let Some(t) = band_table(reg, key, settings, &mut scratch) else {
        return Json::Null;
    };
    let name = crate::tables::template_name(&t.table.id.value);
    let table = crate::tables::view(std::slice::from_ref(&t), settings)[&name].clone();
    let mut colours: Vec<Json> = band_rows(reg).iter().map(|b| json!(b.3)).collect();
    colours.extend([Json::Null, Json::Null]);
    json!({"table": table, "colours": colours})
}

/// The whole register as the appendix layout and templates see it. `key` is the
/// register's name in the paper; Markdown fields are referenced as `key/ID/field`.
pub fn register_view(
    reg: &Register,
    previous: Option<&Register>,
    key: &str,
    since: Option<&str>,
    settings: &crate::model::Settings,
) -> Json {
    let open: Vec<&Risk> = reg.risks.iter().filter(|r| r.status == "open").collect();
    let band_counts: Vec<Json> = reg
        .scheme
        .bands
        .iter()
        .map(|b| {
            let count = |f: fn(&Risk) -> &Option<Rating>| {
                open.iter()
                    .filter(|r| f(r).as_ref().is_some_and(|x| !x.words && x.band == b.name))
                    .count()
            };
            json!({"band": b.name, "min": b.min, "max": b.max, "colour": b.colour,
                   "current": count(|r| &r.current), "target": count(|r| &r.target)})
        })
        .collect();
    let word_counts: Vec<Json> = reg
        .word_scale
        .iter()
        .map(|w| {
            let count = |f: fn(&Risk) -> &Option<Rating>| {
                open.iter()
                    .filter(|r| f(r).as_ref().is_some_and(|x| x.words && x.band == w.name))
                    .count()
            };
            json!({"band": w.name, "colour": w.colour, "meaning": w.meaning,
                   "current": count(|r| &r.current), "target": count(|r| &r.target)})
        })
        .collect();
    let has_numeric = has_numeric(reg);
    let on_map = open.iter().any(|r| {
        [&r.current, &r.target]
            .iter()
            .any(|x| x.as_ref().is_some_and(|x| x.likelihood.is_some()))
    });
    let in_words: Vec<&str> = open
        .iter()
        .filter(|r| r.current.as_ref().is_some_and(|c| c.words))
        .map(|r| r.id.value.as_str())
        .collect();
    let not_rated: Vec<&str> = open
        .iter()
        .filter(|r| r.current.is_none())
        .map(|r| r.id.value.as_str())
        .collect();
    // Heat map: likelihood rows from highest to lowest, impact columns ascending.
    let mut lik: Vec<_> = reg.scheme.likelihood.iter().collect();
    lik.sort_by_key(|l| std::cmp::Reverse(l.value));
    let mut imp: Vec<_> = reg.scheme.impact.iter().collect();
    imp.sort_by_key(|l| l.value);
    let place = |f: fn(&Risk) -> &Option<Rating>, l: u32, i: u32| -> Vec<String> {
        open.iter()
            .filter(|r| {
                f(r).as_ref()
                    .is_some_and(|x| x.likelihood == Some(l) && x.impact == Some(i))
            })
            .map(|r| r.id.value.clone())
            .collect()
    };
    let rows: Vec<Json> = lik
        .iter()
        .map(|l| {
            let cells: Vec<Json> = imp
                .iter()
                .map(|i| {
                    let score = l.value * i.value;
                    let band = reg.scheme.band(score);
                    json!({"likelihood": l.value, "impact": i.value, "score": score,
                           "band": band.map(|b| b.name.clone()), "colour": band.map(|b| b.colour.clone()),
                           "current": place(|r| &r.current, l.value, i.value),
                           "target": place(|r| &r.target, l.value, i.value)})
                })
                .collect();
            json!({"likelihood": l.value, "label": l.label, "cells": cells})
        })
        .collect();
    let unplaced: Vec<&str> = open
        .iter()
        .filter(|r| {
            r.current
                .as_ref()
                .is_some_and(|c| !c.words && c.likelihood.is_none())
        })
        .map(|r| r.id.value.as_str())
        .collect();
    let removed: Vec<Json> = previous
        .map(|p| {
            p.risks
                .iter()
                .filter(|o| reg.risk(&o.id.value).is_none_or(|n| n.status == "closed"))
                .map(|o| json!({"id": o.id.value, "title": o.title}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "key": key,
        "name": reg.name,
        "owner": reg.owner,
        "as_at": long_date(reg.as_at),
        "as_at_iso": reg.as_at.to_string(),
        "previous_as_at": previous.map(|p| long_date(p.as_at)),
        "since": since.map(str::to_string).or_else(|| previous.map(|p| crate::model::dates::long_date(p.as_at))),
        "scheme": reg.scheme,
        "risks": reg.risks.iter().map(|r| risk_view(r, reg, previous, key)).collect::<Vec<_>>(),
        "band_counts": band_counts,
        // Version 2 prints the band counts from the tables engine.
        "bands": bands_view(reg, key, settings),
        "word_scale": reg.word_scale,
        "word_counts": word_counts,
        "has_numeric": has_numeric,
        "has_heatmap": on_map,
        "in_words": in_words,
        "not_rated": not_rated,
        "heatmap": {"rows": rows, "impact": imp.iter().map(|i| json!({"value": i.value, "label": i.label})).collect::<Vec<_>>()},
        "unplaced": unplaced,
        "removed": removed,
        "overdue_actions": reg.risks.iter().flat_map(|r| r.actions.iter().filter(|a| a.overdue).map(move |a| json!({"risk": r.id.value, "title": a.title, "planned_completion": a.planned_completion.text}))).collect::<Vec<_>>(),
    })
}
