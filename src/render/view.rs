//! View models: validated models → the JSON that layouts read.
//!
//! Stage: render. Everything a layout prints that is *computed* is computed here,
//! never in Typst and never by the author: bands, band counts, heat-map cells,
//! direction of travel, long-form dates, scale labels. Pure functions, no I/O.

use crate::model::dates::long_date;
use crate::model::risk::{Rating, Register, Risk, Scheme};
use serde_json::{Value as Json, json};

fn rating_view(r: &Option<Rating>, scheme: &Scheme) -> Json {
    let Some(r) = r else { return Json::Null };
    let colour = scheme
        .band(r.score)
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
    })
}

/// Direction of travel of a risk's current score against the previous snapshot.
pub fn direction(risk: &Risk, previous: Option<&Register>) -> Json {
    let Some(prev) = previous else {
        return json!({"code": "unknown", "symbol": "–", "words": "no previous snapshot"});
    };
    let Some(old) = prev.risk(&risk.id.value) else {
        return json!({"code": "new", "symbol": "NEW", "words": "new risk"});
    };
    match (&old.current, &risk.current) {
        (Some(o), Some(n)) if n.score > o.score => {
            json!({"code": "up", "symbol": "↑", "words": format!("increased from {}", o.score)})
        }
        (Some(o), Some(n)) if n.score < o.score => {
            json!({"code": "down", "symbol": "↓", "words": format!("reduced from {}", o.score)})
        }
        (Some(_), Some(_)) => json!({"code": "same", "symbol": "↔", "words": "unchanged"}),
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
        "inherent": rating_view(&r.inherent, &reg.scheme),
        "current": rating_view(&r.current, &reg.scheme),
        "target": rating_view(&r.target, &reg.scheme),
        "direction": direction(r, previous),
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

/// The whole register as the appendix layout and templates see it. `key` is the
/// register's name in the paper; Markdown fields are referenced as `key/ID/field`.
pub fn register_view(
    reg: &Register,
    previous: Option<&Register>,
    key: &str,
    since: Option<&str>,
) -> Json {
    let open: Vec<&Risk> = reg.risks.iter().filter(|r| r.status == "open").collect();
    let band_counts: Vec<Json> = reg
        .scheme
        .bands
        .iter()
        .map(|b| {
            let count = |f: fn(&Risk) -> &Option<Rating>| {
                open.iter()
                    .filter(|r| f(r).as_ref().is_some_and(|x| x.band == b.name))
                    .count()
            };
            json!({"band": b.name, "min": b.min, "max": b.max, "colour": b.colour,
                   "current": count(|r| &r.current), "target": count(|r| &r.target)})
        })
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
        .filter(|r| r.current.as_ref().is_some_and(|c| c.likelihood.is_none()))
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
        "heatmap": {"rows": rows, "impact": imp.iter().map(|i| json!({"value": i.value, "label": i.label})).collect::<Vec<_>>()},
        "unplaced": unplaced,
        "removed": removed,
        "overdue_actions": reg.risks.iter().flat_map(|r| r.actions.iter().filter(|a| a.overdue).map(move |a| json!({"risk": r.id.value, "title": a.title, "planned_completion": a.planned_completion.text}))).collect::<Vec<_>>(),
    })
}
