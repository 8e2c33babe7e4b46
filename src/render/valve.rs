//! The Safety Valve return's view model, Markdown fields and CSV tables.

use super::format::{financial_year, fixed, number};
use super::markdown::Mode;
use super::{MdRenderer, Origin, Rendered, content_typ, main_typ, meta};
use crate::diag::Diagnostics;
use crate::model::dates::long_date;
use crate::model::decimal::Dec;
use crate::model::table::Checked;
use crate::model::valve::{PerUpdate, Valve};
use crate::model::{NegativeStyle, Settings};
use crate::source::SourceMap;
use serde_json::{Value as Json, json};

fn signed(v: Dec, places: u32, neg: NegativeStyle) -> String {
    let s = fixed(v.abs(), places);
    if v.round(places).is_negative() {
        match neg {
            NegativeStyle::Brackets => format!("({s})"),
            NegativeStyle::Minus => format!("−{s}"),
        }
    } else {
        s
    }
}

fn colour_of(v: &Valve, rating: &str) -> Option<String> {
    v.scale
        .iter()
        .find(|s| s.name.to_lowercase() == rating.to_lowercase())
        .map(|s| s.colour.clone())
}

/// The risk register as the council prints it (version 3 on): a section per
/// run of risks of one group (its heading the group, none for risks without
/// one), each risk named by its number only where the register numbers its
/// risks, and rated in a table only if some update rates it (blank for the
/// updates that do not; "not yet due" for those to come, as for conditions).
fn risk_sections(v: &Valve, views: &Json, not_rated: &str) -> Json {
    let mut sections: Vec<Json> = Vec::new();
    for (r, view) in v.risks.iter().zip(views.as_array().into_iter().flatten()) {
        let mut view = view.clone();
        let (name, heading) = if v.risks_numbered {
            let n = format!("Risk {}", r.number.value);
            (n.clone(), format!("{n}: {}", r.title))
        } else {
            (r.title.clone(), r.title.clone())
        };
        view["name"] = json!(name);
        view["heading"] = json!(heading);
        // A risk rated at no update has no table; one rated at some has a
        // column per update as the conditions do (so the columns line up),
        // blank where the council gave it no rating.
        let ratings = view["ratings"].as_array().cloned().unwrap_or_default();
        let rated = ratings.iter().any(|x| !x["rating"].is_null());
        let blank = |mut x: Json| {
            if x["rating"].is_null() && x["note"] == json!(not_rated) {
                x["note"] = json!("");
            }
            x
        };
        view["assurance"] = if rated {
            Json::Array(ratings.into_iter().map(blank).collect())
        } else {
            Json::Array(Vec::new())
        };
        match sections.last_mut() {
            Some(s) if s["group"] == json!(r.group) => {
                if let Some(a) = s["risks"].as_array_mut() {
                    a.push(view);
                }
            }
            _ => sections.push(json!({"group": r.group, "risks": [view]})),
        }
    }
    Json::Array(sections)
}

/// One cell per update: the rating, or words saying why there is none.
fn ratings(v: &Valve, given: &[PerUpdate<String>], settings: &Settings) -> Vec<Json> {
    let (not_rated, not_yet_due) = (&settings.not_rated, &settings.not_yet_due);
    let current = v
        .updates
        .iter()
        .position(|u| u.id.value == v.current_update.value)
        .unwrap_or(usize::MAX);
    v.updates
        .iter()
        .enumerate()
        .map(|(i, u)| match given.iter().find(|g| g.update == u.id.value) {
            Some(g) => json!({"update": u.label, "rating": g.value.value, "colour": colour_of(v, &g.value.value)}),
            None if i > current => json!({"update": u.label, "rating": null, "note": not_yet_due}),
            None => json!({"update": u.label, "rating": null, "note": not_rated}),
        })
        .collect()
}

pub const RAG: [(&str, &str); 3] = [
    ("Green", "#8fd19e"),
    ("Amber", "#ffd966"),
    ("Red", "#f4a3a3"),
];

/// A RAG word's colour, its letters in any case (ratings are matched with
/// case aside, so a published `green` is Green); grey for another word.
fn rag_colour(name: &str) -> &'static str {
    RAG.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or("#dddddd", |(_, c)| c)
}

pub fn view(v: &Valve, settings: &Settings) -> Json {
    let neg = settings.negative_money;
    let fy = |y: &str| financial_year(y, settings.financial_year_style);
    let current = v
        .submissions
        .iter()
        .find(|s| s.update.value == v.current_update.value);
    let deficit = v.deficit.as_ref().map(|d| {
        json!({
            "agreement_label": d.agreement_label, "forecast_label": d.forecast_label, "unit": d.unit,
            "tolerance": d.rule.map(|(amber, red)| format!("Green: variance of {} or less; Amber: up to {}; Red: more than {} ({}).", signed(amber, 1, neg), signed(red, 1, neg), signed(red, 1, neg), d.unit)),
            "years": d.years.iter().map(|y| json!({
                "year": fy(&y.year.value),
                "agreement": signed(y.agreement, 1, neg),
                "forecast": signed(y.forecast, 1, neg),
                "variance": signed(y.published_variance.unwrap_or(y.variance), 1, neg),
                "variance_value": y.published_variance.unwrap_or(y.variance),
                "computed_variance": signed(y.variance, 1, neg),
                "published": y.published_variance.is_some(),
                "rag": y.rag.clone().unwrap_or_else(|| settings.not_rated.clone()),
                "rag_colour": y.rag.as_deref().map_or("", rag_colour),
                "rag_published": y.rag_published,
            })).collect::<Vec<_>>(),
        })
    });
    let ehcp = v.ehcp.as_ref().map(|e| {
        json!({
            "bands": e.bands,
            "footnote": e.footnote,
            "columns": e.columns.iter().map(|c| json!({
                "label": c.label, "kind": c.kind,
                "values": c.values.iter().map(|x| number(Dec::int(*x))).collect::<Vec<_>>(),
                "total": number(Dec::int(c.published_total.unwrap_or(c.total))),
                "total_value": c.published_total.unwrap_or(c.total),
                "computed_total": number(Dec::int(c.total)),
                "published": c.published_total.is_some(),
            })).collect::<Vec<_>>(),
        })
    });
    let per = |prefix: &str, n: &str, given: &[PerUpdate<String>]| -> Vec<Json> {
        v.updates
            .iter()
            .filter_map(|u| {
                given.iter().find(|g| g.update == u.id.value).map(
                    |_| json!({"update": u.label, "key": format!("{prefix}/{n}/{}", u.id.value)}),
                )
            })
            .collect()
    };
    // The return's own front matter, each printed only when given.
    let front = json!({
        "title": v.title,
        "subtitle": v.subtitle,
        "data_as_at": v.data_as_at.as_ref().map(|d| d.value.clone()),
        "background": v.background,
        "contact": v.contact,
        "appendices": v.appendices.iter().map(|a| &a.title).collect::<Vec<_>>(),
    });
    // Version 2 layouts print the figures of both tables from the engine's
    // view (cell texts, "no data", † marks and notes as for every declared
    // table); the other keys are what version 1 layouts read, unchanged.
    let (dt, et) = fixed_tables(v, settings);
    let engine = |t: Option<Checked>| -> Json {
        t.map_or(Json::Null, |t| {
            let key = crate::tables::template_name(&t.table.id.value);
            crate::tables::view(std::slice::from_ref(&t), settings)
                .get(&key)
                .cloned()
                .unwrap_or(Json::Null)
        })
    };
    let mut deficit = deficit;
    if let Some(d) = deficit.as_mut() {
        d["table"] = engine(dt);
    }
    let mut ehcp = ehcp;
    if let Some(e) = ehcp.as_mut() {
        e["table"] = engine(et);
    }
    let engine_kpis = with_engine_kpis(v);
    let kpis = kpi_view(&engine_kpis, settings);
    let mut out = json!({
        "authority": v.authority,
        "year": fy(&v.year),
        "letter_label": v.letter_label,
        "letter_date": v.letter_date.map(long_date),
        "agreement_years": match (&v.first_year, &v.last_year) { (Some(a), Some(b)) => Json::String(format!("{} to {}", fy(a), fy(b))), _ => Json::Null },
        "updates": v.updates.iter().map(|u| json!({"id": u.id.value, "label": u.label,
            "submitted": v.submissions.iter().any(|s| s.update.value == u.id.value),
            "current": u.id.value == v.current_update.value})).collect::<Vec<_>>(),
        "current_label": v.update_label(&v.current_update.value),
        "scale": v.scale,
        "date_submitted": current.map(|s| long_date(s.date_submitted)),
        "sign_off": current.map(|s| s.sign_off.iter().map(|o| json!({
            "title": if o.acting { format!("Acting {}", o.title) } else { o.title.clone() },
            "name": o.name, "role": o.role, "date": o.date.map(long_date)})).collect::<Vec<_>>()).unwrap_or_default(),
        "deficit": deficit,
        "ehcp": ehcp,
        "amendments": v.amendments.iter().map(|a| json!({
            "date": chrono::NaiveDate::parse_from_str(&a.date, "%Y-%m-%d").map_or(a.date.clone(), long_date),
            "update": v.update_label(&a.update), "field": a.field, "old": a.old, "new": a.new, "reason": a.reason,
        })).collect::<Vec<_>>(),
        "conditions": v.conditions.iter().map(|c| json!({
            "number": c.number.value, "text": c.text, "ratings": ratings(v, &c.assurance, settings), "progress": per("condition", &c.number.value, &c.progress)
        })).collect::<Vec<_>>(),
        "questions": (0..v.questions.len()).map(|i| format!("question/{i}")).collect::<Vec<_>>(),
        "prompts": v.prompts,
        "risks": v.risks.iter().map(|r| json!({
            "number": r.number.value, "title": r.title, "ratings": ratings(v, &r.assurance, settings),
            "mitigation": r.mitigation.as_ref().map(|_| format!("risk/{}/mitigation", r.number.value)),
            "progress": per("risk", &r.number.value, &r.progress),
            "group": r.group, "impact": r.impact, "strategy": r.strategy,
            "rating": v.updates.iter().map(|u| {
                let g = r.rating.iter().find(|g| g.update == u.id.value);
                json!({"update": u.label, "rating": g.map(|g| g.value.value.clone()),
                       "colour": g.and_then(|g| v.risk_scale.iter().find(|s| s.name == g.value.value)).map(|s| s.colour.clone())})
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "risk_scale": v.risk_scale,
        "kpis": kpis,
        "kpi_notes": if v.layout.value.version >= 2 { kpi_notes(v, settings) } else { Vec::new() },
    });
    if let (Some(o), Json::Object(f)) = (out.as_object_mut(), front) {
        o.extend(f);
    }
    out
}

/// The return with each derived KPI's baseline and actuals filled in from
/// the tables engine (at full precision), so that the declared RAG rule, the
/// layouts and the exports see them as they see typed figures. Only for
/// printing and exporting: the lock records what was typed.
pub fn with_engine_kpis(v: &Valve) -> std::borrow::Cow<'_, Valve> {
    let Some(t) = &v.kpi_table else {
        return std::borrow::Cow::Borrowed(v);
    };
    if v.kpis.iter().all(|k| k.derived.is_none()) {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut out = v.clone();
    for k in out.kpis.iter_mut().filter(|k| k.derived.is_some()) {
        let Some(c) = t.table.column(&k.id) else {
            continue;
        };
        let span = k
            .derived
            .as_ref()
            .map_or(k.id_span.clone(), |d| d.span.clone());
        let figure = |r: usize| t.value.get(r).and_then(|line| line[c]);
        if let Some(b) = figure(0) {
            let span = k.baseline.as_ref().map_or(span.clone(), |b| b.span.clone());
            k.baseline = Some(crate::model::Sp::new(b, span));
        }
        let mut actuals = Vec::new();
        for (i, u) in v.updates.iter().enumerate() {
            let Some(x) = figure(i + 1) else { continue };
            let typed = k.actuals.iter().find(|a| a.update == u.id.value);
            actuals.push(PerUpdate {
                update: u.id.value.clone(),
                value: crate::model::Sp::new(
                    x,
                    typed.map_or(span.clone(), |a| a.value.span.clone()),
                ),
                key_span: typed.map_or(span.clone(), |a| a.key_span.clone()),
            });
        }
        k.actuals = actuals;
    }
    std::borrow::Cow::Owned(out)
}

/// A KPI figure as the tables engine prints it (at the KPI's places), with
/// whether it was computed and whether it is printed as published (marked).
fn kpi_figure(v: &Valve, kpi: &str, row: &str, settings: &Settings) -> Option<(String, bool)> {
    let t = v.kpi_table.as_ref()?;
    let (r, c) = (t.table.row(row)?, t.table.column(kpi)?);
    let x = t.value[r][c]?;
    let text = crate::tables::format_at(&t.table, r, c, x, settings.negative_money);
    // A figure kept as published that differs from the computed one is marked.
    let mark = if t.marked[r][c].is_some() { "†" } else { "" };
    Some((format!("{text}{mark}"), t.computed[r][c]))
}

/// The notes under the KPI table for figures printed as published that
/// differ from the computed ones, as every engine table's † notes.
fn kpi_notes(v: &Valve, settings: &Settings) -> Vec<String> {
    let Some(t) = &v.kpi_table else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (r, row) in t.table.rows.iter().enumerate() {
        for (c, col) in t.table.columns.iter().enumerate() {
            if let Some(m) = t.marked[r][c] {
                out.push(format!(
                    "† KPI {}, {}: as published. The figures give {}.",
                    col.id.value,
                    row.label,
                    crate::tables::format(m, col, settings.negative_money)
                ));
            }
        }
    }
    out
}

/// How a derived KPI is computed, in words ("E1 ÷ E2 × 100").
fn kpi_derived_words(v: &Valve, k: &crate::model::valve::ValveKpi) -> Option<String> {
    let d = k.derived.as_ref()?;
    let since = match &d.how {
        crate::model::kpi::Derivation::Change { from, .. }
            if from.value == crate::validate::kpis::BASELINE =>
        {
            Some("the baseline".to_string())
        }
        crate::model::kpi::Derivation::Change { from, .. } => v
            .updates
            .iter()
            .find(|u| u.id.value == from.value)
            .map(|u| u.label.clone()),
        _ => None,
    };
    Some(d.words(k.unit == "%", since.as_deref()))
}

/// A KPI's typed target as the council wrote it: at the KPI's declared
/// places, else with the places it was written with (£16,483 stays 16,483;
/// 7.00 stays 7.00). Version 1 layouts (frozen) get the figure as they
/// always did.
fn typed(
    k: &crate::model::valve::ValveKpi,
    v: Dec,
    span: &crate::source::Span,
    version: u32,
) -> String {
    match k.places_of(span).filter(|_| version >= 2) {
        Some(p) => fixed(v, p),
        None => number(v),
    }
}

/// A KPI's unit as printed: a difference of percentages is in percentage
/// points (version 2 layouts on; version 1 prints the unit as declared).
fn kpi_unit(k: &crate::model::valve::ValveKpi, engine: bool) -> &str {
    let points = matches!(
        k.derived.as_ref().map(|d| &d.how),
        Some(crate::model::kpi::Derivation::Difference { .. })
    );
    if engine && points && k.unit == "%" {
        crate::tables::POINTS
    } else {
        &k.unit
    }
}

fn kpi_view(v: &Valve, settings: &Settings) -> Json {
    // Version 2 layouts print KPI figures as the tables engine prints them;
    // version 1 layouts as they always did.
    let engine = v.layout.value.version >= 2;
    let fig = |k: &crate::model::valve::ValveKpi, row: &str, x: Option<Dec>| -> Option<String> {
        if engine && let Some((text, _)) = kpi_figure(v, &k.id, row, settings) {
            return Some(text);
        }
        x.map(number)
    };
    // An update after the current one is not yet due: its empty figures say so,
    // in the council's words.
    let current = v
        .updates
        .iter()
        .position(|u| u.id.value == v.current_update.value)
        .unwrap_or(usize::MAX);
    Json::Array(v.kpis.iter().map(|k| json!({
            "id": k.id, "name": k.name, "unit": kpi_unit(k, engine),
            "derived": kpi_derived_words(v, k),
            "baseline": fig(k, crate::validate::kpis::BASELINE, k.baseline.as_ref().map(|b| b.value)),
            "baseline_label": k.baseline_label,
            "annual_target": k.annual_target.as_ref().map(|t| typed(k, t.value, &t.span, v.layout.value.version)),
            "comments": v.updates.iter().filter_map(|u| k.comments.iter().find(|c| c.update == u.id.value).map(|c| json!({"update": u.label, "text": c.value.value}))).collect::<Vec<_>>(),
            "polarity": k.polarity.as_deref().map(|p| if p == "higher" { "higher is better" } else { "lower is better" }),
            "rag_rule": k.amber_within.map(|w| format!("Green meets the target; Amber misses it by no more than {}% of it; Red otherwise.", number(w))),
            "cells": v.updates.iter().enumerate().map(|(i, u)| {
                let target = k.targets.iter().find(|x| x.update == u.id.value);
                let t = target.map(|x| x.value.value);
                let a = k.actuals.iter().find(|x| x.update == u.id.value).map(|x| x.value.value);
                let published = k.published_rag.iter().find(|x| x.update == u.id.value).map(|x| x.value.value.as_str());
                let computed = t.zip(a).zip(k.amber_within).zip(k.polarity.as_deref()).map(|(((t, a), w), p)| crate::model::kpi::rag_by_rule(a, t, p == "higher", w));
                let rag = published.or(computed);
                let computed = engine && kpi_figure(v, &k.id, &u.id.value, settings).is_some_and(|f| f.1);
                json!({"update": u.label, "target": target.map(|x| typed(k, x.value.value, &x.value.span, v.layout.value.version)), "actual": fig(k, &u.id.value, a), "computed": computed, "rag": rag, "colour": rag.map(|r| colour_of(v, r).unwrap_or_else(|| rag_colour(r).to_string())), "published": published.is_some(), "not_due": (i > current).then(|| settings.not_yet_due.clone())})
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>())
}

pub fn render(
    v: &Valve,
    raw: Json,
    tables: &[Checked],
    settings: &Settings,
    sources: &SourceMap,
    appendix_files: &[(usize, crate::source::FileId)],
    diags: &mut Diagnostics,
) -> Rendered {
    let mut sv = view(v, settings);
    // From version 3, the return's appendices with their own Markdown are
    // printed after it, each under its label.
    if v.layout.value.version >= 3 {
        sv["risk_sections"] = risk_sections(v, &sv["risks"], &settings.not_rated);
        sv["appendix_parts"] = Json::Array(
            v.appendices
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let key = appendix_files
                        .iter()
                        .any(|(j, _)| *j == i)
                        .then(|| format!("appendix/{i}"));
                    json!({"label": v.appendix_label(i), "title": a.title, "key": key})
                })
                .collect(),
        );
    }
    let mut context = json!({"doc": raw, "sv": sv, "org": {"name": settings.organisation, "short_name": settings.short_name}});
    crate::tables::into_context(tables, settings, &mut context);
    let mut r = MdRenderer::new(context, settings, sources, diags);
    let generated = r.scope.generated.clone();
    // `{{ table("id") }}` may place a declared table in any Markdown field.
    let blocks = !tables.is_empty();
    let mut md: Vec<(String, super::doc::Doc)> = Vec::new();
    let mut add = |key: String, s: &crate::model::Sp<String>, r: &mut MdRenderer| {
        let d = r.piece(
            &s.value,
            &Origin::Value(s.span.clone()),
            Mode::Plain,
            blocks,
        );
        md.push((key, d));
    };
    if let Some(s) = &v.summary {
        add("summary".into(), s, &mut r);
    }
    if let Some(s) = v.deficit.as_ref().and_then(|d| d.notes.as_ref()) {
        add("deficit/notes".into(), s, &mut r);
    }
    if let Some(s) = v.ehcp.as_ref().and_then(|e| e.narrative.as_ref()) {
        add("ehcp/narrative".into(), s, &mut r);
    }
    for c in &v.conditions {
        for p in &c.progress {
            add(
                format!("condition/{}/{}", c.number.value, p.update),
                &p.value,
                &mut r,
            );
        }
    }
    for (i, q) in v.questions.iter().enumerate() {
        add(format!("question/{i}"), q, &mut r);
    }
    for k in &v.risks {
        if let Some(m) = &k.mitigation {
            add(format!("risk/{}/mitigation", k.number.value), m, &mut r);
        }
        for p in &k.progress {
            add(
                format!("risk/{}/{}", k.number.value, p.update),
                &p.value,
                &mut r,
            );
        }
    }
    for (i, f) in appendix_files {
        // An appendix's own title is a level-1 heading: its Markdown continues below it.
        super::check_headings(sources, *f, 1, r.diags);
        let d = r.piece(sources.text(*f), &Origin::File(*f), Mode::Plain, true);
        md.push((format!("appendix/{i}"), d));
    }
    let title = format!(
        "Safety Valve monitoring return: {}, {} ({})",
        v.authority,
        financial_year(&v.year, settings.financial_year_style),
        v.update_label(&v.current_update.value)
    );
    let mut data =
        json!({"meta": meta(&title, settings, v.date()), "settings": settings, "sv": sv});
    let layout = v.layout.value.path();
    let call = super::Call::REPORT;
    let mut content = content_typ(&layout, &md, "", &[]);
    super::add_tables(
        tables,
        &generated,
        settings,
        v.layout.value.version,
        &mut data,
        &mut content,
    );
    Rendered {
        main: main_typ(&layout, &call),
        call,
        extra: Vec::new(),
        content,
        data: super::data_json(data, v.layout.value.version),
        title,
        date: v.date(),
        layout,
        view: super::doc::View {
            entry: "report".into(),
            md,
            ..Default::default()
        },
    }
}

pub use crate::tables::valve::CHANGES;

/// The deficit profile and the EHCP counts as the tables engine checked
/// them, labelled as printed: years in the project's style, an estimate
/// column marked, the tables named as their sheets (`Deficit`, `EHCPs`).
/// The one source of their figures for the PDF, the HTML, the CSV files and
/// the workbook.
pub fn fixed_tables(v: &Valve, settings: &Settings) -> (Option<Checked>, Option<Checked>) {
    let deficit = v.deficit.as_ref().and_then(|d| {
        let mut t = d.table.clone()?;
        t.table.id.value = "Deficit".into();
        for row in &mut t.table.rows {
            row.label = financial_year(&row.label, settings.financial_year_style);
        }
        Some(t)
    });
    let ehcp = v.ehcp.as_ref().and_then(|e| {
        let mut t = e.table.clone()?;
        t.table.id.value = "EHCPs".into();
        for (col, c) in t.table.columns.iter_mut().zip(&e.columns) {
            if c.kind == "estimate" {
                col.label = format!("{} (estimate)", c.label);
            }
        }
        Some(t)
    });
    (deficit, ehcp)
}

/// The names of the CSV files a return always may write (its declared tables
/// cannot take them).
pub const EXPORTS: [&str; 8] = [
    CHANGES,
    "deficit",
    "ehcp",
    "conditions",
    "risks",
    "risk-ratings",
    "kpis",
    "kpi-values",
];

/// The return's tables as CSV files: (file suffix, contents).
pub fn csv_tables(v: &Valve, settings: &Settings) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let q = crate::tables::csv_cell;
    let (deficit, ehcp) = fixed_tables(v, settings);
    for (name, t) in [("deficit", deficit), ("ehcp", ehcp)] {
        if let Some(t) = t {
            out.push((name, crate::tables::csv(&t)));
        }
    }
    let ratings_csv = |what: &str, rows: Vec<(&str, &str, &[PerUpdate<String>])>| {
        let mut s = format!("{what},title");
        for u in &v.updates {
            s.push(',');
            s.push_str(&q(&u.label));
        }
        s.push('\n');
        for (n, t, given) in rows {
            s.push_str(&format!("{},{}", q(n), q(t)));
            for u in &v.updates {
                let r = given
                    .iter()
                    .find(|g| g.update == u.id.value)
                    .map_or("", |g| g.value.value.as_str());
                s.push_str(&format!(",{}", q(r)));
            }
            s.push('\n');
        }
        s
    };
    out.push((
        "conditions",
        ratings_csv(
            "condition",
            v.conditions
                .iter()
                .map(|c| {
                    (
                        c.number.value.as_str(),
                        c.text.as_str(),
                        c.assurance.as_slice(),
                    )
                })
                .collect(),
        ),
    ));
    let mut risks = ratings_csv(
        "risk",
        v.risks
            .iter()
            .map(|r| {
                (
                    r.number.value.as_str(),
                    r.title.as_str(),
                    r.assurance.as_slice(),
                )
            })
            .collect(),
    );
    // A council that rates its risks in words, with its own fields: one more
    // table, so the assurance table keeps its shape.
    if !v.risk_scale.is_empty()
        || v.risks
            .iter()
            .any(|r| r.group.is_some() || r.impact.is_some() || r.strategy.is_some())
    {
        let mut t = String::from("risk,title,group,impact,strategy");
        for u in &v.updates {
            t.push(',');
            t.push_str(&q(&format!("rating {}", u.label)));
        }
        t.push('\n');
        for r in &v.risks {
            let f = |x: &Option<String>| q(x.as_deref().unwrap_or_default());
            t.push_str(&format!(
                "{},{},{},{},{}",
                q(&r.number.value),
                q(&r.title),
                f(&r.group),
                f(&r.impact),
                f(&r.strategy)
            ));
            for u in &v.updates {
                let g = r
                    .rating
                    .iter()
                    .find(|g| g.update == u.id.value)
                    .map_or("", |g| g.value.value.as_str());
                t.push_str(&format!(",{}", q(g)));
            }
            t.push('\n');
        }
        out.push(("risks", std::mem::take(&mut risks)));
        out.push(("risk-ratings", t));
    } else {
        out.push(("risks", risks));
    }
    if !v.kpis.is_empty() {
        let (head, rows) = kpi_table(&with_engine_kpis(v));
        let mut s = head.iter().map(|h| q(h)).collect::<Vec<_>>().join(",");
        s.push('\n');
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    KpiCell::Text(t) => q(t),
                    KpiCell::Number(n) => format!("{n}"),
                    KpiCell::Fixed(_, t) => t.clone(),
                    KpiCell::Empty => String::new(),
                })
                .collect();
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        out.push(("kpis", s));
    }
    if let Some(t) = kpi_values(v) {
        out.push(("kpi-values", crate::tables::csv(&t)));
    }
    out
}

/// The KPI values table as the engine checked it, labelled as printed (a
/// column per KPI, headed by its id and unit; a row per period).
pub fn kpi_values(v: &Valve) -> Option<Checked> {
    v.kpi_table.clone()
}

/// One cell of the KPI export.
enum KpiCell {
    Text(String),
    Number(f64),
    /// A derived KPI's figure: its number, and as printed at its places.
    Fixed(f64, String),
    Empty,
}

/// The KPIs as one table for the CSV and the spreadsheet: id, measure, unit,
/// polarity, baseline, annual target, then per update the target, actual, RAG
/// (as published, else by the declared rule, else empty), where the RAG comes
/// from, and the comment.
fn kpi_table(v: &Valve) -> (Vec<String>, Vec<Vec<KpiCell>>) {
    let mut head: Vec<String> = [
        "kpi",
        "measure",
        "unit",
        "polarity",
        "baseline",
        "baseline_label",
        "annual_target",
    ]
    .map(String::from)
    .to_vec();
    for u in &v.updates {
        for what in ["target", "actual", "rag", "rag_source", "comment"] {
            head.push(format!("{what} {}", u.label));
        }
    }
    let text = |s: Option<&str>| s.map_or(KpiCell::Empty, |s| KpiCell::Text(s.to_string()));
    let num = |n: Option<Dec>| n.map_or(KpiCell::Empty, |x| KpiCell::Number(x.to_f64()));
    let rows =
        v.kpis
            .iter()
            .map(|k| {
                // A derived KPI's figures as printed, at its places.
                let places = k
                    .derived
                    .as_ref()
                    .and(v.kpi_table.as_ref())
                    .and_then(|t| t.table.column(&k.id).map(|c| t.table.columns[c].places));
                let fig = |n: Option<Dec>| match (n, places) {
                    (Some(d), Some(p)) => KpiCell::Fixed(d.round(p).to_f64(), d.fixed(p)),
                    _ => num(n),
                };
                let mut row = vec![
                    KpiCell::Text(k.id.clone()),
                    KpiCell::Text(k.name.clone()),
                    KpiCell::Text(k.unit.clone()),
                    KpiCell::Text(k.polarity.clone().unwrap_or_default()),
                    fig(k.baseline.as_ref().map(|b| b.value)),
                    text(k.baseline_label.as_deref()),
                    num(k.annual_target.as_ref().map(|t| t.value)),
                ];
                for u in &v.updates {
                    let at = |xs: &[PerUpdate<Dec>]| {
                        xs.iter()
                            .find(|x| x.update == u.id.value)
                            .map(|x| x.value.value)
                    };
                    let (t, a) = (at(&k.targets), at(&k.actuals));
                    let published = k
                        .published_rag
                        .iter()
                        .find(|x| x.update == u.id.value)
                        .map(|x| x.value.value.as_str());
                    let computed = t.zip(a).zip(k.amber_within).zip(k.polarity.as_deref()).map(
                        |(((t, a), w), p)| crate::model::kpi::rag_by_rule(a, t, p == "higher", w),
                    );
                    let source = if published.is_some() {
                        Some("published")
                    } else if computed.is_some() {
                        Some("declared rule")
                    } else {
                        None
                    };
                    row.push(num(t));
                    row.push(fig(a));
                    row.push(text(published.or(computed)));
                    row.push(text(source));
                    row.push(text(
                        k.comments
                            .iter()
                            .find(|c| c.update == u.id.value)
                            .map(|c| c.value.value.as_str()),
                    ));
                }
                row
            })
            .collect();
    (head, rows)
}

/// The return's tables as one spreadsheet, for finance officers and the DfE.
/// Deterministic: the document properties carry the submission date, not the clock.
pub fn xlsx(v: &Valve, tables: &[Checked], settings: &Settings) -> Result<Vec<u8>, String> {
    use chrono::Datelike;
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let date = v.date();
    let created = ExcelDateTime::from_ymd(
        date.year().clamp(1900, 9999) as u16,
        date.month() as u8,
        date.day() as u8,
    )
    .map_err(e)?;
    let title = format!(
        "Safety Valve monitoring return: {}, {}",
        v.authority,
        financial_year(&v.year, settings.financial_year_style)
    );
    wb.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author(&settings.organisation)
            .set_creation_datetime(&created),
    );
    let header = |ws: &mut Worksheet, cols: &[&str]| -> Result<(), String> {
        for (c, h) in cols.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(e)?;
        }
        Ok(())
    };
    // The deficit profile and the EHCP counts, as the engine exports every
    // table: the variance and the totals are formulas.
    // Each was checked on its own (its formulas name table 0), so each is
    // added on its own.
    let (deficit, ehcp) = fixed_tables(v, settings);
    for t in deficit.iter().chain(&ehcp) {
        crate::tables::add_sheets(&mut wb, std::slice::from_ref(t), &[])?;
    }
    for (sheet, what, rows) in [
        (
            "Conditions",
            "Condition",
            v.conditions
                .iter()
                .map(|c| {
                    (
                        c.number.value.as_str(),
                        c.text.as_str(),
                        c.assurance.as_slice(),
                    )
                })
                .collect::<Vec<_>>(),
        ),
        (
            "Risks",
            "Risk",
            v.risks
                .iter()
                .map(|r| {
                    (
                        r.number.value.as_str(),
                        r.title.as_str(),
                        r.assurance.as_slice(),
                    )
                })
                .collect(),
        ),
    ] {
        let ws = wb.add_worksheet().set_name(sheet).map_err(e)?;
        let mut cols: Vec<&str> = vec![what, "Title"];
        cols.extend(v.updates.iter().map(|u| u.label.as_str()));
        header(ws, &cols)?;
        for (i, (n, t, given)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, *n).map_err(e)?;
            ws.write_string(r, 1, *t).map_err(e)?;
            for (c, u) in v.updates.iter().enumerate() {
                if let Some(g) = given.iter().find(|g| g.update == u.id.value) {
                    ws.write_string(r, c as u16 + 2, &g.value.value)
                        .map_err(e)?;
                }
            }
        }
        ws.set_column_width(1, 60).map_err(e)?;
    }
    if !v.kpis.is_empty() {
        let ws = wb.add_worksheet().set_name("KPIs").map_err(e)?;
        let (head, rows) = kpi_table(&with_engine_kpis(v));
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        header(ws, &head)?;
        for (i, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (i as u32 + 1, c as u16);
                match cell {
                    KpiCell::Text(t) => {
                        ws.write_string(r, c, t).map_err(e)?;
                    }
                    KpiCell::Number(n) | KpiCell::Fixed(n, _) => {
                        ws.write_number(r, c, *n).map_err(e)?;
                    }
                    KpiCell::Empty => {}
                }
            }
        }
        ws.set_column_width(1, 40).map_err(e)?;
    }
    // The KPI values as the engine computed them: a derived KPI's figures
    // are formulas of the KPIs they come from.
    let values = kpi_values(v);
    if let Some(t) = &values {
        crate::tables::add_sheets(&mut wb, std::slice::from_ref(t), &[])?;
    }
    // The return's declared tables, one sheet each, after its own.
    crate::tables::add_sheets(
        &mut wb,
        tables,
        &[
            "Deficit",
            "EHCPs",
            "Conditions",
            "Risks",
            "KPIs",
            "KPI values",
        ],
    )?;
    wb.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_figures_follow_the_setting() {
        assert_eq!(
            signed(Dec::parse("-11.8").unwrap(), 1, NegativeStyle::Brackets),
            "(11.8)"
        );
        assert_eq!(
            signed(Dec::parse("-11.8").unwrap(), 1, NegativeStyle::Minus),
            "−11.8"
        );
        assert_eq!(
            signed(Dec::parse("-0.01").unwrap(), 1, NegativeStyle::Brackets),
            "0.0"
        );
    }
}
