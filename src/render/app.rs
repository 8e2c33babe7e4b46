//! The Accelerated Progress Plan: report and KPI scorecard view models.
//! A KPI's rating and trend are the model's (`model::app::Kpi::rating`,
//! `trend`); they are worded here, with the rating counts and annexes.

use super::format::{self, number};
use super::markdown::Mode;
use super::{MdRenderer, Origin, Rendered, content_typ, meta};
use crate::diag::Diagnostics;
use crate::model::Settings;
use crate::model::app::{Kpi, Plan, RagLevel};
use crate::model::dates::long_date;
use crate::model::decimal::Dec;
use crate::source::SourceMap;
use serde_json::{Value as Json, json};

fn fmt(v: Dec, unit: Option<&str>) -> String {
    match unit {
        Some("%") => format!("{}%", number(v)),
        _ => number(v),
    }
}

/// The KPI's latest RAG in words: (rating, basis), by the model's rule.
pub fn kpi_rag<'a>(
    k: &Kpi,
    levels: &'a [RagLevel],
    as_at: chrono::NaiveDate,
) -> (Option<&'a RagLevel>, String) {
    use crate::model::app::RagBasis as B;
    let (level, basis) = k.rating(levels, as_at);
    let unit = k.unit.as_deref();
    let words = match basis {
        B::PublishedNoValue => "published rating; no value given".into(),
        B::PublishedAtMilestone(at) => format!("published rating at {at}; no value published"),
        B::NoValue => "no actual value published".into(),
        B::NoPolarity => "polarity not declared".into(),
        B::BelowStandard(s) => format!("below the minimum standard of {}", fmt(s, unit)),
        B::MeetsTarget(at, v) => format!("meets the {at} target of {}", fmt(v, unit)),
        B::StandardNotTarget(at, v) => format!(
            "meets the standard but not the {at} target of {}",
            fmt(v, unit)
        ),
        B::MissesTarget(at, v) => format!("misses the {at} target of {}", fmt(v, unit)),
        B::StandardTargetTbc => "meets the standard; target TBC".into(),
        B::TargetTbc => "target TBC".into(),
    };
    (level, words)
}

/// The KPIs in the natural order of their ids, for the scorecard's catalogue.
fn kpis_by_id(plan: &Plan, settings: &Settings) -> Vec<Json> {
    let mut ks: Vec<&Kpi> = plan.kpis.iter().collect();
    ks.sort_by(|a, b| crate::model::natural_cmp(&a.id.value, &b.id.value));
    ks.into_iter()
        .map(|k| kpi_view(k, plan, settings))
        .collect()
}

/// The plan with each derived KPI's baseline and actuals filled in from the
/// tables engine (at full precision), so that the RAG by the plan's declared
/// scale, the trend and the chart see them as they see typed figures. A
/// derived KPI without a baseline date takes the date of the first KPI it
/// is derived from.
pub fn with_engine_kpis(plan: &Plan) -> std::borrow::Cow<'_, Plan> {
    let Some(t) = &plan.kpi_table else {
        return std::borrow::Cow::Borrowed(plan);
    };
    if plan.kpis.iter().all(|k| k.derived.is_none()) {
        return std::borrow::Cow::Borrowed(plan);
    }
    let mut out = plan.clone();
    for k in out.kpis.iter_mut() {
        let Some(d) = &k.derived else { continue };
        let Some(c) = t.table.column(&k.id.value) else {
            continue;
        };
        if k.baseline_date.is_none()
            && let Some(first) = d.inputs().first()
            && let Some(src) = plan.kpis.iter().find(|x| x.id.value == first.value)
        {
            k.baseline_date = src.baseline_date;
            k.baseline_written.clone_from(&src.baseline_written);
        }
        k.baseline = t.value[0][c].or(k.baseline);
        let mut actuals = Vec::new();
        for (r, row) in t.table.rows.iter().enumerate().skip(1) {
            let Ok(date) = chrono::NaiveDate::parse_from_str(&row.id.value, "%Y-%m-%d") else {
                continue;
            };
            if let Some(x) = t.value[r][c] {
                actuals.push(crate::model::app::Actual {
                    date,
                    value: Some(x),
                    published_rag: None,
                    written: None,
                });
            }
        }
        // A rating published without a value stays.
        for a in &k.actuals {
            if a.value.is_none() && !actuals.iter().any(|x| x.date == a.date) {
                actuals.push(a.clone());
            }
        }
        actuals.sort_by_key(|a| a.date);
        k.actuals = actuals;
    }
    std::borrow::Cow::Owned(out)
}

/// A KPI figure as the tables engine prints it (at the KPI's places) for a
/// version 2 layout; as version 1 printed it otherwise.
fn kpi_fmt(plan: &Plan, k: &Kpi, row: &str, v: Dec, settings: &Settings) -> String {
    let unit = k.unit.as_deref();
    if plan.layout.value.version >= 2
        && let Some(t) = &plan.kpi_table
        && let (Some(r), Some(c)) = (t.table.row(row), t.table.column(&k.id.value))
        && let Some(x) = t.value[r][c]
    {
        let s = crate::tables::format_at(&t.table, r, c, x, settings.negative_money);
        // A difference of percentages is in percentage points.
        let points = matches!(
            k.derived.as_ref().map(|d| &d.how),
            Some(crate::model::kpi::Derivation::Difference { .. })
        );
        return match unit {
            Some("%") if points => format!("{s} {}", crate::tables::POINTS),
            Some("%") => format!("{s}%"),
            _ => s,
        };
    }
    fmt(v, unit)
}

fn kpi_view(k: &Kpi, plan: &Plan, settings: &Settings) -> Json {
    let (rag, basis) = kpi_rag(k, &plan.rag, plan.report_date);
    let (sym, words) = k.trend();
    let unit = k.unit.as_deref();
    let latest = k.actuals.iter().rev().find(|a| a.value.is_some());
    let base_row = crate::validate::kpis::BASELINE;
    // Chart points: baseline then actuals, with targets as a second series.
    let mut points: Vec<Json> = Vec::new();
    if let (Some(b), Some(d)) = (k.baseline, k.baseline_date) {
        points.push(
            json!({"date": d.to_string(), "label": long_date(d), "value": b, "text": kpi_fmt(plan, k, base_row, b, settings), "kind": "baseline"}),
        );
    }
    for a in k.actuals.iter().filter(|a| a.value.is_some()) {
        let text = kpi_fmt(
            plan,
            k,
            &a.date.to_string(),
            a.value.unwrap_or_default(),
            settings,
        );
        points.push(json!({"date": a.date.to_string(), "label": long_date(a.date), "value": a.value, "text": text, "kind": "actual"}));
    }
    // Version 3 names a milestone written as a month ("June 2023") as
    // written, never with the day quire takes for it.
    let v3 = plan.layout.value.version >= 3;
    let milestone = |t: &crate::model::app::Target, d: chrono::NaiveDate| {
        if v3
            && !t.at.contains("month")
            && chrono::NaiveDate::parse_from_str(t.at.trim(), "%Y-%m-%d").is_err()
        {
            t.at.clone()
        } else {
            long_date(d)
        }
    };
    // A target's printed text is for version 3 and later: the frozen layouts'
    // data stays as it was released.
    let texts = plan.layout.value.version >= 3;
    // Targets with a figure and a date, as (label, figure).
    let shown: Vec<(String, Dec, String)> = k
        .targets
        .iter()
        .filter_map(|t| Some((t.date?.to_string(), t.value?, milestone(t, t.date?))))
        .collect();
    let targets: Vec<Json> = shown
        .iter()
        .map(|(date, v, label)| {
            let mut j = json!({"date": date, "label": label, "value": v});
            if texts {
                j["text"] = json!(fmt(*v, unit));
            }
            j
        })
        .collect();
    let alt = format!(
        "{}: {}. {}{}",
        k.id.value,
        k.name,
        points
            .iter()
            .map(|p| format!(
                "{} {} {}",
                p["kind"].as_str().unwrap_or(""),
                p["label"].as_str().unwrap_or(""),
                p["text"].as_str().unwrap_or("")
            ))
            .collect::<Vec<_>>()
            .join("; "),
        if targets.is_empty() {
            String::new()
        } else {
            format!(
                "; targets: {}",
                shown
                    .iter()
                    .map(|(_, v, label)| format!("{} by {label}", fmt(*v, unit)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    // Words the source prints in the RAG's place (`TBC`) at the latest
    // milestone that has a rating or such words, where no rating is given:
    // printed as written, and the key only where there are such words.
    let rag_note = k
        .targets
        .iter()
        .rev()
        .find(|t| {
            (t.published_rag.is_some() || t.rag_note.is_some())
                && t.date.is_none_or(|d| d <= plan.report_date)
        })
        .and_then(|t| t.rag_note.clone())
        .filter(|_| rag.is_none());
    let mut view = json!({
        "id": k.id.value, "name": k.name, "definition": k.definition, "source": k.source, "frequency": k.frequency,
        "unit": unit,
        "polarity": match k.higher_is_better { Some(true) => Some("higher is better"), Some(false) => Some("lower is better"), None if plan.layout.value.version < 3 => Some("not declared"), None => None },
        // Any figure or rating to print: version 3 lists the KPIs without one by name only.
        "has_figures": k.baseline.is_some() || latest.is_some() || rag.is_some() || k.targets.iter().any(|t| t.value.is_some()) || k.derived.is_some(),
        // Only what the plan declares (version 3 prints nothing for the rest).
        "polarity_declared": k.higher_is_better.map(|h| if h { "higher is better" } else { "lower is better" }),
        "standard": k.standard.map(|s| fmt(s, unit)),
        "high_impact": k.high_impact,
        "baseline": k.baseline.map(|b| kpi_fmt(plan, k, base_row, b, settings)),
        "derived": k.derived.as_ref().map(|d| d.words(unit == Some("%"), matches!(&d.how, crate::model::kpi::Derivation::Change { from, .. } if from.value == base_row).then_some("the baseline"))),
        "baseline_date": k.baseline_written.clone().or(k.baseline_date.map(long_date)),
        "baseline_label": k.baseline_label,
        "targets": k.targets.iter().map(|t| json!({"at": t.at, "value": t.value.map(|v| fmt(v, unit)), "date": t.date.map(long_date),
            "rag": t.published_rag.as_ref().map(|r| json!({"name": r, "colour": plan.rag.iter().find(|l| l.name.to_lowercase() == r.to_lowercase()).map(|l| l.colour.clone())}))})).collect::<Vec<_>>(),
        "latest": latest.map(|a| json!({"value": kpi_fmt(plan, k, &a.date.to_string(), a.value.unwrap_or_default(), settings), "date": long_date(a.date)})),
        "rag": rag.map(|r| json!({"name": r.name, "colour": r.colour})),
        "rag_basis": basis,
        // With no value published, a rating can only be the one the council
        // published: the layouts say so, as the return's KPI table does.
        "rag_published": rag.is_some() && latest.is_none(),
        "trend": {"symbol": sym, "words": words},
        "chart": if points.len() >= 2 { json!({"points": points, "targets": targets, "alt": alt}) } else { Json::Null },
    });
    if let Some(n) = rag_note {
        view["rag_note"] = json!(n);
    }
    view
}

pub use crate::model::capital;

/// The engine's view of the plan's rating counts, as version 2 layouts print
/// them: `{progress, impact}`, each a table as [`crate::tables::view`] gives it
/// (a row per area in the plan's order; a column per rating in the plan's
/// scale order, then `Not rated` and `Actions`).
fn ratings_view(plan: &Plan, settings: &Settings) -> Json {
    // The tables add up by construction; the pipeline reports their checks
    // when it exports them.
    let mut scratch = Diagnostics::default();
    let tables = crate::tables::app::rating_tables(plan, settings, &mut scratch);
    let all = crate::tables::view(&tables, settings);
    json!({"progress": all["progress_ratings"], "impact": all["impact_ratings"]})
}

/// The plan as the layouts see it; a rating not given prints the project's
/// `not-rated` words unless the plan gives its own note (`progress-note: TBC …`).
pub fn view(plan: &Plan, settings: &Settings) -> Json {
    let plan = &*with_engine_kpis(plan);
    let colour = |name: &str| {
        plan.brag
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.colour.clone())
    };
    // From version 3, a rating the plan does not give stays blank: only its
    // own note (`impact-note: TBC …`) is printed, never the project's words.
    let v3 = plan.layout.value.version >= 3;
    let rating = |r: &Option<crate::model::Sp<String>>, note: &Option<String>| match r {
        Some(r) => json!({"name": r.value, "colour": colour(&r.value)}),
        None if v3 => json!({"name": null, "note": note}),
        None => {
            json!({"name": null, "note": note.clone().unwrap_or_else(|| settings.not_rated.clone())})
        }
    };
    let mut overdue = Vec::new();
    let areas: Vec<Json> = plan
        .areas
        .iter()
        .map(|a| {
            let actions: Vec<_> = a.sub_themes.iter().flat_map(|s| &s.actions).collect();
            let count = |f: &dyn Fn(&crate::model::app::Action) -> Option<String>| {
                plan.brag.iter().map(|b| json!({"name": b.name, "colour": b.colour, "count": actions.iter().filter(|x| f(x).as_deref() == Some(b.name.as_str())).count()})).collect::<Vec<_>>()
            };
            let mut view = json!({
                "number": a.number.value,
                "title": a.title,
                "summary": a.summary.as_ref().map(|_| format!("area/{}/summary", a.number.value)),
                "actions": actions.len(),
                "overdue": actions.iter().filter(|x| x.overdue).count(),
                "progress_counts": count(&|x| x.progress.as_ref().map(|p| p.value.clone())),
                "impact_counts": count(&|x| x.impact.as_ref().map(|p| p.value.clone())),
                // Actions with no rating yet (TBC), so the counts add up to the actions.
                "progress_unrated": actions.iter().filter(|x| x.progress.is_none()).count(),
                "impact_unrated": actions.iter().filter(|x| x.impact.is_none()).count(),
                "sub_themes": a.sub_themes.iter().map(|s| json!({
                    "id": s.id.value, "title": s.title,
                    "actions": s.actions.iter().map(|x| {
                        if x.overdue {
                            overdue.push(json!({"id": x.id.value, "by_when": x.by_when.text, "officers": x.officers, "progress": x.progress.as_ref().map(|p| p.value.clone())}));
                        }
                        json!({
                            "id": x.id.value, "description": x.description, "by_when": x.by_when.text, "overdue": x.overdue,
                            "officers": x.officers, "progress": rating(&x.progress, &x.progress_note), "impact": rating(&x.impact, &x.impact_note),
                            "evidence": (0..x.evidence.len()).map(|i| format!("action/{}/evidence/{i}", x.id.value)).collect::<Vec<_>>(),
                            "measures": (0..x.measures.len()).map(|i| format!("action/{}/measures/{i}", x.id.value)).collect::<Vec<_>>(),
                            "kpis": x.kpis.iter().map(|k| k.value.clone()).collect::<Vec<_>>(),
                        })
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            // The area's high-impact KPIs, as the plan lists them (version 3
            // prints a table of them per area; the released layouts' data stays).
            if v3 && let Some(o) = view.as_object_mut() {
                o.insert(
                    "high_impact".into(),
                    json!(a.high_impact.iter().map(|k| k.value.clone()).collect::<Vec<_>>()),
                );
            }
            view
        })
        .collect();
    // Only by the plan's rule (`statuses: target-tbc`), at the rule's date.
    let tbc: Vec<Json> = match &plan.statuses.target_tbc {
        Some(rule) => plan
            .kpis
            .iter()
            .flat_map(|k| k.targets.iter().filter(|t| t.value.is_none() && t.date.is_some_and(|d| d < rule.as_at)).map(move |t| json!({"id": k.id.value, "name": k.name, "at": t.at, "date": t.date.map(long_date)})))
            .collect(),
        None => Vec::new(),
    };
    // The rules in the plan's words, for the layouts that print them (version 3):
    // null where the plan declares none, and so nothing is computed.
    let rule = |r: &Option<crate::model::app::StatusRule>| {
        r.as_ref()
            .filter(|r| !r.implied)
            .map(|r| json!({"words": r.words, "as_at": long_date(r.as_at)}))
    };
    let actions: usize = plan
        .areas
        .iter()
        .flat_map(|a| &a.sub_themes)
        .map(|s| s.actions.len())
        .sum();
    let overdue_count = overdue.len();
    let mut view = json!({
        "title": plan.title, "local_area": plan.local_area,
        "inspection_date": plan.inspection_date, "inspection_label": plan.inspection_label,
        "plan_period": plan.plan_period,
        "statuses": {"overdue": rule(&plan.statuses.overdue), "target_tbc": rule(&plan.statuses.target_tbc)},
        "risk_scale": plan.risk_scale,
        "report_date": long_date(plan.report_date),
        "brag": plan.brag, "rag": plan.rag,
        "areas": areas,
        "overdue": overdue,
        "tbc": tbc,
        "kpis": plan.kpis.iter().map(|k| kpi_view(k, plan, settings)).collect::<Vec<_>>(),
        // The scorecard's catalogue, in the natural order of the ids (APP44-3 before APP64).
        "kpis_by_id": kpis_by_id(plan, settings),
        "risks": plan.risks.iter().enumerate().map(|(i, r)| json!({
            "date_raised": r.date_raised.map(long_date), "risk": r.risk, "severity": r.severity,
            "mitigation": r.mitigation.as_ref().map(|_| format!("prisk/{i}/mitigation")),
            "post": r.post_mitigation_severity,
            "progress": r.progress.as_ref().map(|_| format!("prisk/{i}/progress")),
        })).collect::<Vec<_>>(),
    });
    // The counts version 3 writes in its sentences, one to nine in words
    // ("72 actions in four areas of weakness"); tables keep the figures. The
    // released layouts' data stays as it was.
    if v3 && let Some(o) = view.as_object_mut() {
        let words = |n: usize| format::count_words(n as u64);
        o.insert(
            "in_words".into(),
            json!({
                "areas": words(plan.areas.len()),
                "actions": words(actions),
                "overdue": words(overdue_count),
            }),
        );
    }
    view
}

/// Renders the plan as two documents: ("", progress report) and ("-scorecard", KPI scorecard).
pub fn render(
    plan: &Plan,
    raw: Json,
    tables: &[crate::model::table::Checked],
    settings: &Settings,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Vec<(String, Rendered)> {
    let mut app = view(plan, settings);
    app["ratings"] = ratings_view(plan, settings);
    let mut context = json!({"doc": raw, "app": app, "org": {"name": settings.organisation, "short_name": settings.short_name}});
    crate::tables::into_context(tables, settings, &mut context);
    let mut r = MdRenderer::new(context, settings, sources, diags);
    let generated = r.scope.generated.clone();
    // `{{ table("id") }}` may place a declared table in any Markdown field.
    let blocks = !tables.is_empty();
    let mut md: Vec<(String, super::doc::Doc)> = Vec::new();
    let mut add = |key: String, s: &crate::model::Sp<String>, mode: Mode, r: &mut MdRenderer| {
        let d = r.piece(&s.value, &Origin::Value(s.span.clone()), mode, blocks);
        md.push((key, d));
    };
    for a in &plan.areas {
        if let Some(s) = &a.summary {
            add(
                format!("area/{}/summary", a.number.value),
                s,
                Mode::Plain,
                &mut r,
            );
        }
        for x in a.sub_themes.iter().flat_map(|s| &s.actions) {
            for (i, e) in x.evidence.iter().enumerate() {
                add(
                    format!("action/{}/evidence/{i}", x.id.value),
                    e,
                    Mode::Inline,
                    &mut r,
                );
            }
            for (i, e) in x.measures.iter().enumerate() {
                add(
                    format!("action/{}/measures/{i}", x.id.value),
                    e,
                    Mode::Inline,
                    &mut r,
                );
            }
        }
    }
    for (i, k) in plan.risks.iter().enumerate() {
        if let Some(s) = &k.mitigation {
            add(format!("prisk/{i}/mitigation"), s, Mode::Plain, &mut r);
        }
        if let Some(s) = &k.progress {
            add(format!("prisk/{i}/progress"), s, Mode::Plain, &mut r);
        }
    }
    let layout = plan.layout.value.path();
    let mut content = content_typ(&layout, &md, "", &[]);
    let mut with_tables = json!({});
    super::add_tables(
        tables,
        &generated,
        settings,
        plan.layout.value.version,
        &mut with_tables,
        &mut content,
    );
    let mut out = Vec::new();
    for (suffix, function, title) in [
        ("", "report", plan.title.clone()),
        (
            "-scorecard",
            "scorecard",
            format!("{}: KPI scorecard", plan.title),
        ),
    ] {
        let mut data = json!({"meta": meta(&title, settings, plan.report_date), "settings": settings, "app": app});
        if let Some(extra) = with_tables.as_object() {
            for (k, v) in extra {
                data[k] = v.clone();
            }
        }
        let call = super::Call {
            entry: function,
            args: &["data", "md"],
        };
        out.push((
            suffix.to_string(),
            Rendered {
                main: super::main_typ(&layout, &call),
                call,
                layout: layout.clone(),
                extra: Vec::new(),
                content: content.clone(),
                data: super::data_json(data, plan.layout.value.version),
                title,
                date: plan.report_date,
                view: super::doc::View {
                    entry: function.into(),
                    md: md.clone(),
                    ..Default::default()
                },
            },
        ));
    }
    out
}
