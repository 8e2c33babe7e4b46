//! View models: validated models → the JSON that layouts read.
//!
//! Stage: render. What a layout prints of a register, as JSON: the model
//! computes (bands, band counts and the heat map's cells in
//! [`crate::model::risk`], the band-count table in [`crate::tables::bands`],
//! direction of travel by [`Register::compare`] and
//! [`crate::model::risk::computed_direction`]); here it is only worded
//! (arrows and their words, long-form dates, scale labels). Pure functions,
//! no I/O.

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

/// The register's change account against its previous snapshot as the
/// view prints it (see [`account`]), for the templates: the register's name,
/// the two dates and a line per change (`id`, `title`, `change` in words,
/// `from` and `to`). `None` without a previous snapshot: nothing is printed then.
pub fn changes_view(
    reg: &Register,
    previous: Option<&Register>,
    settings: &crate::model::Settings,
) -> Option<Json> {
    let a = account(reg, previous, settings)?;
    let lines: Vec<Json> = a
        .lines
        .iter()
        .map(|l| json!({"id": l.id, "title": l.title, "change": l.change, "from": l.from, "to": l.to}))
        .collect();
    Some(json!({
        "name": reg.name,
        "since": a.since,
        "as_at": a.as_at,
        "lines": lines,
    }))
}

/// The register's change account against its previous snapshot
/// ([`crate::model::risk::changes`]) in words: the two dates and a line per
/// change, with the two values it traces to ("16 (High)", "not in the
/// register"). `None` without a previous snapshot.
pub fn account(
    reg: &Register,
    previous: Option<&Register>,
    settings: &crate::model::Settings,
) -> Option<crate::tables::register::Account> {
    use crate::tables::register::{Account, Line};
    use std::cmp::Ordering;
    let prev = previous?;
    let absent = "not in the register";
    let lines: Vec<Line> = crate::model::risk::changes(reg, prev)
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
            Line {
                id,
                title,
                change,
                from,
                to,
            }
        })
        .collect();
    Some(Account {
        since: long_date(prev.as_at),
        as_at: long_date(reg.as_at),
        lines,
    })
}

/// The band counts as version 2 layouts print them: the engine's view of
/// [`band_table`] (`table`) and each row's colour (`colours`: a band's or a
/// rating's, none for `Not rated` and `Open risks`); none for a register
/// with no risks.
fn bands_view(reg: &Register, key: &str, settings: &crate::model::Settings) -> Json {
    // The table adds up by construction; the paper reports its check when it
    // exports it.
    let mut scratch = crate::diag::Diagnostics::default();
    let Some(t) = crate::tables::bands::band_table(reg, key, settings, &mut scratch) else {
        return Json::Null;
    };
    let name = crate::tables::template_name(&t.table.id.value);
    let table = crate::tables::view(std::slice::from_ref(&t), settings)[&name].clone();
    let mut colours: Vec<Json> = crate::tables::bands::band_rows(reg)
        .iter()
        .map(|b| json!(b.3))
        .collect();
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
    let open: Vec<&Risk> = reg.open().collect();
    let band_counts: Vec<Json> = reg
        .scheme
        .bands
        .iter()
        .map(|b| {
            let (current, target) = reg.band_count(&b.name, false);
            json!({"band": b.name, "min": b.min, "max": b.max, "colour": b.colour,
                   "current": current, "target": target})
        })
        .collect();
    let word_counts: Vec<Json> = reg
        .word_scale
        .iter()
        .map(|w| {
            let (current, target) = reg.band_count(&w.name, true);
            json!({"band": w.name, "colour": w.colour, "meaning": w.meaning,
                   "current": current, "target": target})
        })
        .collect();
    let has_numeric = reg.rated_by_numbers();
    let on_map = reg.on_heat_map();
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
    // The heat map as the model places it; printed here, never computed.
    let map = reg.heat_map();
    let rows: Vec<Json> = map
        .rows
        .iter()
        .map(|row| {
            let cells: Vec<Json> = row
                .cells
                .iter()
                .map(|c| {
                    json!({"likelihood": c.likelihood, "impact": c.impact, "score": c.score,
                           "band": c.band.map(|b| b.name.clone()), "colour": c.band.map(|b| b.colour.clone()),
                           "current": c.current,
                           "target": c.target})
                })
                .collect();
            json!({"likelihood": row.likelihood.value, "label": row.likelihood.label, "cells": cells})
        })
        .collect();
    let imp = &map.impact;
    let unplaced = reg.unplaced();
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
