//! `plan.yaml` → [`Plan`]: scales, ids that match their area and sub-theme,
//! KPI references that resolve, overdue actions and forgotten TBC targets.

use super::{MapReader, decimal, int, one_of, text};
use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::load::yaml::{Node, NodeKind};
use crate::model::app::*;
use crate::model::table::Checked;
use crate::model::{AsWritten, Sp};
use crate::source::{FileId, Span};
use chrono::{Months, NaiveDate};
use std::collections::HashMap;

fn rating(n: &Node, scale: &[Brag], diags: &mut Diagnostics) -> Option<Sp<String>> {
    let help = "use a rating from `brag-scale`; to say a rating is not yet given, write `impact-note: TBC …` instead";
    super::on_scale(
        n,
        scale.iter().map(|b| b.name.as_str()),
        "BRAG scale",
        help,
        diags,
    )
}

/// "3 months" → baseline + 3 months; an ISO date → that date; a date as
/// people write it ("December 2023") → the date it implies (month end).
fn milestone(at: &str, baseline: Option<NaiveDate>) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(at.trim(), "%Y-%m-%d") {
        return Some(d);
    }
    let mut words = at.split_whitespace();
    if let (Some(n), Some(unit)) = (words.next(), words.next())
        && unit.starts_with("month")
        && let Ok(n) = n.parse::<u32>()
    {
        return baseline?.checked_add_months(Months::new(n));
    }
    crate::model::dates::parse_date(at)
}

/// Whether `at` is a milestone at all (months from the baseline, or a date).
fn is_milestone(at: &str) -> bool {
    milestone(at, Some(NaiveDate::MIN)).is_some()
}

/// A BRAG rating of `brag-scale` (in a plan or in `quire.yaml`).
pub fn brag_item(n: &Node, d: &mut Diagnostics) -> Option<Brag> {
    let mut b = MapReader::new(n, "a BRAG rating", d)?;
    let name = b.text("name");
    let colour = b.text("colour").and_then(|c| super::colour(c, b.diags));
    let progress = b.text("progress");
    let impact = b.text("impact");
    let complete = b.opt_bool("complete");
    b.finish();
    let name = name?.value;
    // Which ratings mean "complete" is the council's to declare: no default.
    let complete = complete.unwrap_or(false);
    Some(Brag {
        name,
        colour: colour?,
        progress: progress?.value,
        impact: impact?.value,
        complete,
    })
}

/// A KPI RAG rating of `kpi-rag-scale` (in a plan or in `quire.yaml`).
pub fn rag_item(n: &Node, d: &mut Diagnostics) -> Option<RagLevel> {
    let mut r = MapReader::new(n, "a KPI RAG rating", d)?;
    let name = r.text("name");
    let colour = r.text("colour").and_then(|c| super::colour(c, r.diags));
    let meaning = r.text("meaning");
    r.finish();
    Some(RagLevel {
        name: name?.value,
        colour: colour?,
        meaning: meaning?.value,
    })
}

/// The KPI RAG scale has exactly three ratings.
pub fn rag_count(n: &Node, count: usize, diags: &mut Diagnostics) {
    if count != 3 && matches!(n.kind, NodeKind::Seq(_)) {
        diags.push(
            Diagnostic::error(Code::InvalidValue, format!("the KPI RAG scale needs exactly 3 ratings, found {count}"))
                .at(&n.span, "expected 3 ratings")
                .help("list them worst first: standard not achieved, standard achieved but target not met, target achieved"),
        );
    }
}

pub fn plan(
    id: &str,
    file: FileId,
    node: &Node,
    project: &crate::model::Settings,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let mut m = MapReader::new(node, "the Accelerated Progress Plan", diags)?;
    if let Some(k) = m.opt("kind") {
        one_of(k, &["app-report"], "document kind for plan.yaml", m.diags);
    }
    let layout = super::paper::layout(&mut m, "app-report");
    let title = m.text("title").map(|t| t.value).unwrap_or_default();
    let local_area = m.text("local-area").map(|t| t.value).unwrap_or_default();
    // As the source writes it ("September 2022"), or an ISO date.
    let inspection_date = m.opt_text("inspection-date").map(|t| {
        NaiveDate::parse_from_str(t.value.trim(), "%Y-%m-%d")
            .map_or(t.value.clone(), crate::model::dates::long_date)
    });
    let inspection_label = m.opt_text("inspection-label").map(|t| t.value);
    let plan_period = m.opt_text("plan-period").map(|t| t.value);
    let report_date = m.date("report-date").map_or(NaiveDate::MIN, |d| d.value);
    // A plan's own scales win; without them, the project's (`quire.yaml`).
    let brag = m.scale(
        "brag-scale",
        "BRAG scale",
        &project.brag_scale,
        true,
        brag_item,
    );
    super::unique_names(node, "kpi-rag-scale", "KPI RAG scale", m.diags);
    let rag_node = if project.kpi_rag_scale.is_empty() {
        m.req("kpi-rag-scale")
    } else {
        None
    };
    let mut rag = m.list("kpi-rag-scale", false, rag_item);
    if let Some(n) = rag_node {
        rag_count(n, rag.len(), m.diags);
    }
    if rag.is_empty() {
        rag = project.kpi_rag_scale.clone();
    }
    // Declared tables are read by the tables engine (crate::tables).
    m.opt("tables");
    let statuses = match m.opt("statuses") {
        Some(n) => statuses(n, &brag, report_date, m.diags),
        // Layouts before version 3 computed overdue actions and passed TBC
        // targets without a declared rule (a `complete` rating, the report
        // date). Their papers keep that, so their outputs do not change; from
        // version 3 nothing is computed that the plan does not declare.
        None if layout.value.version < 3 => Statuses {
            overdue: Some(StatusRule {
                as_at: report_date,
                unless_rated: brag
                    .iter()
                    .filter(|b| b.complete)
                    .map(|b| b.name.clone())
                    .collect(),
                words: String::new(),
                implied: true,
            }),
            target_tbc: Some(StatusRule {
                as_at: report_date,
                unless_rated: Vec::new(),
                words: String::new(),
                implied: true,
            }),
        },
        None => Statuses::default(),
    };
    let areas = m.list("areas", true, |n, d| {
        area(n, &brag, statuses.overdue.as_ref(), d)
    });
    let rag_names: Vec<String> = rag.iter().map(|r| r.name.clone()).collect();
    let kpis = m.list("kpis", false, |n, d| kpi(n, &rag_names, d));
    let kpis_key = match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == "kpis")
            .map(|(k, _)| k.span.clone()),
        _ => None,
    };
    let kpi_table = kpi_table(&kpis, kpis_key.as_ref(), m.diags);
    super::unique_names(
        node,
        "partnership-risk-scale",
        "partnership risk scale",
        m.diags,
    );
    let risk_scale = m.list("partnership-risk-scale", false, |n, d| {
        let mut r = MapReader::new(n, "a partnership risk severity", d)?;
        let name = r.text("name");
        let meaning = r.text("meaning");
        r.finish();
        Some(RiskLevel {
            name: name?.value,
            meaning: meaning?.value,
        })
    });
    let risks = m.list("partnership-risks", false, |n, d| {
        let mut r = MapReader::new(n, "a partnership risk", d)?;
        let date_raised = r.opt_date("date-raised").map(|d| d.value);
        let risk = r.text("risk");
        let severity = severity_of(&mut r, "severity", true, &risk_scale);
        let mitigation = r.opt_text("mitigation");
        let post = severity_of(&mut r, "post-mitigation-severity", false, &risk_scale);
        let progress = r.opt_text("progress");
        r.finish();
        Some(PartnershipRisk {
            date_raised,
            risk: risk?.value,
            severity: severity?,
            mitigation,
            post_mitigation_severity: post,
            progress,
        })
    });
    m.finish();
    let plan = Plan {
        id: id.into(),
        file,
        layout,
        title,
        local_area,
        inspection_date,
        inspection_label,
        plan_period,
        report_date,
        statuses,
        brag,
        rag,
        areas,
        kpis,
        kpi_table,
        risks,
        risk_scale,
    };
    cross_check(&plan, diags);
    Some(plan)
}

fn area(
    n: &Node,
    brag: &[Brag],
    overdue: Option<&StatusRule>,
    diags: &mut Diagnostics,
) -> Option<Area> {
    let mut a = MapReader::new(n, "an area of weakness", diags)?;
    let number = a.req("number").and_then(|v| int(v, a.diags));
    let title = a.text("title");
    let summary = a.opt_text("summary");
    let high_impact = a.texts("high-impact", false);
    let sub_themes = a.list("sub-themes", true, |n, d| {
        let mut s = MapReader::new(n, "a sub-theme", d)?;
        let id = s.text("id");
        let title = s.text("title");
        let actions = s.list("actions", false, |n, d| action(n, brag, overdue, d));
        s.finish();
        Some(SubTheme {
            id: id?,
            title: title?.value,
            actions,
        })
    });
    a.finish();
    let number = number?;
    // 1a, 1b … under area 1; 1A1, 1A2 … under sub-theme 1a.
    for s in &sub_themes {
        let want = number.value.to_string();
        let digits: String =
            s.id.value
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
        if digits != want {
            diags.push(
                Diagnostic::error(
                    Code::IdMismatch,
                    format!(
                        "sub-theme `{}` is listed under area {}",
                        s.id.value, number.value
                    ),
                )
                .at(&s.id.span, format!("expected an id starting {want}"))
                .also(&number.span, "the area")
                .help("move the sub-theme to its area, or correct its id"),
            );
        }
        for act in &s.actions {
            let prefix = s.id.value.to_uppercase();
            if !act.id.value.to_uppercase().starts_with(&prefix)
                || act.id.value.len() <= prefix.len()
            {
                diags.push(
                    Diagnostic::error(
                        Code::IdMismatch,
                        format!(
                            "action `{}` is listed under sub-theme {}",
                            act.id.value, s.id.value
                        ),
                    )
                    .at(&act.id.span, format!("expected an id such as {prefix}1"))
                    .also(&s.id.span, "the sub-theme")
                    .help("move the action to its sub-theme, or correct its id"),
                );
            }
        }
    }
    Some(Area {
        number,
        title: title?.value,
        summary,
        sub_themes,
        high_impact,
    })
}

fn action(
    n: &Node,
    brag: &[Brag],
    rule: Option<&StatusRule>,
    diags: &mut Diagnostics,
) -> Option<Action> {
    let mut a = MapReader::new(n, "an action", diags)?;
    let id = a.text("id");
    let description = a.text("description");
    let by_when = a.req("by-when").and_then(|n| text(n, a.diags));
    let officers = a.texts("officers", true);
    let progress = a.opt("progress").and_then(|n| rating(n, brag, a.diags));
    let progress_note = a.opt_text("progress-note").map(|t| t.value);
    let impact = a.opt("impact").and_then(|n| rating(n, brag, a.diags));
    let impact_note = a.opt_text("impact-note").map(|t| t.value);
    let evidence = a.texts("evidence", false);
    let kpis = a.texts("kpis", false);
    let measures = a.texts("measures", false);
    a.finish();
    let by_when_sp = by_when?;
    let bw = AsWritten::parse(&by_when_sp.value);
    // Overdue only by the plan's rule: its date has passed at the rule's date
    // and its progress is not one of the ratings the rule names.
    let overdue = rule.is_some_and(|r| {
        bw.date.is_some_and(|d| d < r.as_at)
            && !progress
                .as_ref()
                .is_some_and(|p| r.unless_rated.contains(&p.value))
    });
    let id = id?;
    if overdue {
        let message = match rule {
            Some(r) if !r.implied => format!(
                "action {} is overdue by the plan's rule: due by {}, {}",
                id.value,
                by_when_sp.value,
                match &progress {
                    Some(p) => format!("rated {}", p.value),
                    None => "not rated".into(),
                }
            ),
            _ => format!(
                "action {} was due by {} and is not complete",
                id.value, by_when_sp.value
            ),
        };
        diags.push(
            Diagnostic::warning(Code::Overdue, message)
                .at(&by_when_sp.span, "by-when has passed")
                .help("update the action's progress rating, or agree a new date"),
        );
    }
    Some(Action {
        id,
        description: description?.value,
        by_when: bw,
        officers: officers.into_iter().map(|o| o.value).collect(),
        progress,
        progress_note,
        impact,
        impact_note,
        evidence,
        kpis,
        measures,
        overdue,
    })
}

/// `statuses:`: the rules by which the plan computes a status. Each rule is
/// stated in full (`when:` says what it looks at), so what is printed is the
/// council's rule, never quire's.
fn statuses(n: &Node, brag: &[Brag], report_date: NaiveDate, diags: &mut Diagnostics) -> Statuses {
    let Some(mut m) = MapReader::new(n, "the plan's status rules", diags) else {
        return Statuses::default();
    };
    let overdue = m.opt("overdue").and_then(|n| {
        let mut r = MapReader::new(n, "the overdue rule", m.diags)?;
        let when = r
            .req("when")
            .and_then(|w| one_of(w, &["date-passed"], "rule for overdue actions", r.diags));
        let as_at = r.opt_date("as-at").map_or(report_date, |d| d.value);
        let mut unless = Vec::new();
        for t in r.texts("unless-rated", false) {
            match brag.iter().find(|b| b.name.eq_ignore_ascii_case(t.value.trim())) {
                Some(b) => unless.push(b.name.clone()),
                None => {
                    let names: Vec<&str> = brag.iter().map(|b| b.name.as_str()).collect();
                    let d = Diagnostic::error(Code::NotOnScale, format!("`{}` is not on the BRAG scale", t.value))
                        .at(&t.span, format!("expected one of: {}", names.join(", ")));
                    r.diags.push(match did_you_mean(&t.value, names.iter().copied()) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help("name the progress ratings of `brag-scale` that keep an action from being overdue"),
                    });
                }
            }
        }
        r.finish();
        when?;
        let dated = crate::model::dates::long_date(as_at);
        let words = if unless.is_empty() {
            format!("An action is overdue when its date (by when) had passed by {dated}, whatever its progress rating.")
        } else {
            format!(
                "An action is overdue when its date (by when) had passed by {dated} and its progress was not rated {}.",
                or_list(&unless)
            )
        };
        Some(StatusRule { as_at, unless_rated: unless, words, implied: false })
    });
    let target_tbc = m.opt("target-tbc").and_then(|n| {
        let mut r = MapReader::new(n, "the rule for targets still to be confirmed", m.diags)?;
        let when = r.req("when").and_then(|w| {
            one_of(w, &["milestone-passed"], "rule for targets still to be confirmed", r.diags)
        });
        let as_at = r.opt_date("as-at").map_or(report_date, |d| d.value);
        r.finish();
        when?;
        let words = format!(
            "A target is listed when it was still to be confirmed (TBC) after its milestone had passed, by {}.",
            crate::model::dates::long_date(as_at)
        );
        Some(StatusRule { as_at, unless_rated: Vec::new(), words, implied: false })
    });
    m.finish();
    Statuses {
        overdue,
        target_tbc,
    }
}

/// A partnership risk's severity: with a declared `partnership-risk-scale`,
/// one of its words (as declared); else the text as written.
fn severity_of(
    r: &mut MapReader,
    key: &'static str,
    required: bool,
    scale: &[RiskLevel],
) -> Option<String> {
    let n = if required { r.req(key) } else { r.opt(key) }?;
    if scale.is_empty() {
        return text(n, r.diags).map(|t| t.value);
    }
    super::on_scale(
        n,
        scale.iter().map(|l| l.name.as_str()),
        "partnership risk scale",
        "use a severity from `partnership-risk-scale`",
        r.diags,
    )
    .map(|t| t.value)
}

/// "A", "A or B", "A, B or C".
fn or_list(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn kpi(n: &Node, rag_names: &[String], d: &mut Diagnostics) -> Option<Kpi> {
    let mut k = MapReader::new(n, "a KPI", d)?;
    let id = k.text("id");
    let name = k.text("name");
    let definition = k.opt_text("definition").map(|t| t.value);
    let source = k.opt_text("source").map(|t| t.value);
    let frequency = k.opt_text("frequency").map(|t| t.value);
    let unit = k
        .opt("unit")
        .and_then(|u| {
            one_of(
                u,
                &["%", "count", "days", "rate", "points"],
                "KPI unit",
                k.diags,
            )
        })
        .map(|t| t.value);
    let higher = k
        .opt("polarity")
        .and_then(|u| one_of(u, &["higher", "lower"], "KPI polarity", k.diags))
        .map(|t| t.value == "higher");
    let standard = k
        .opt("standard")
        .and_then(|v| decimal(v, k.diags))
        .map(|v| v.value);
    let high_impact = k.opt_bool("high-impact").unwrap_or(false);
    let (mut baseline, mut baseline_date, mut baseline_span) = (None, None, None);
    let (mut baseline_written, mut baseline_label) = (None, None);
    let mut baseline_written_at = None;
    if let Some(b) = k.opt("baseline")
        && let Some(mut bm) = MapReader::new(b, "a baseline", k.diags)
    {
        baseline = bm.req("value").and_then(|n| {
            let v = decimal(n, bm.diags)?;
            baseline_written_at = Some((v.span.clone(), super::valve::written_places(n) as u32));
            Some(v.value)
        });
        // As the source writes it: "June 2023" stays "June 2023" (never a
        // day the source does not give); an ISO date is printed in full.
        if let Some(t) = bm.opt_text("date") {
            match NaiveDate::parse_from_str(t.value.trim(), "%Y-%m-%d") {
                Ok(_) => {
                    baseline_date = super::date(bm.opt("date").unwrap_or(b), bm.diags).map(|d| d.value);
                }
                Err(_) => match crate::model::dates::parse_date(&t.value) {
                    Some(d) => {
                        baseline_date = Some(d);
                        baseline_written = Some(t.value.clone());
                    }
                    None => bm.diags.push(
                        Diagnostic::error(Code::InvalidDate, format!("`{}` is not a date", t.value))
                            .at(&t.span, "expected a date")
                            .help("write the baseline date as the source does, e.g. `June 2023`, or as 2023-06-30"),
                    ),
                },
            }
            baseline_span = Some(t.span);
        }
        baseline_label = bm.opt_text("label").map(|t| t.value);
        bm.finish();
    }
    let targets = k.list("targets", false, |n, d| {
        let mut t = MapReader::new(n, "a target", d)?;
        let at = t.text("at");
        let value_node = t.req("value");
        let published_rag = t
            .opt("rag")
            .and_then(|r| super::on_scale(r, rag_names.iter().map(String::as_str), "KPI RAG scale", "use a rating from `kpi-rag-scale`, as the source publishes it", t.diags));
        // Words in the RAG's place where the source gives no rating ("TBC").
        let rag_note = t.opt_text("rag-note").map(|n| n.value);
        t.finish();
        let at = at?;
        #[cfg(test)]
        if let Some(v) = value_node {
            crate::validate::record::read(v, crate::validate::record::Read::Number);
            crate::validate::record::read(v, crate::validate::record::Read::Pattern("^\\s*[Tt][Bb][Cc]\\s*$", "TBC: the target is still to be confirmed"));
        }
        let value = match value_node {
            Some(v) if matches!(&v.kind, NodeKind::Str(s) if s.trim().eq_ignore_ascii_case("tbc")) => None,
            Some(v) => Some(decimal(v, d)?.value),
            None => return None,
        };
        let date = milestone(&at.value, baseline_date);
        if !is_milestone(&at.value) {
            d.push(Diagnostic::error(Code::InvalidValue, format!("`{}` is not a milestone", at.value)).at(&at.span, "expected e.g. `December 2023`, `6 months` or 2024-03-31").help("write milestones as the source does: a month (`December 2023`), a date, or months from the baseline (`6 months`)"));
        }
        if let (Some(md), Some(bd)) = (date, baseline_date)
            && md < bd {
                let mut diag = Diagnostic::error(Code::MilestoneOrder, format!("milestone {} falls before the baseline date", at.value)).at(&at.span, "before the baseline");
                if let Some(bs) = &baseline_span {
                    diag = diag.also(bs, "baseline date");
                }
                d.push(diag.help("milestones are measured from the baseline: check both dates"));
            }
        Some(Target { at: at.value, date, value, published_rag: published_rag.map(|r| r.value), rag_note, span: at.span })
    });
    let actuals = k.list("actuals", false, |n, d| {
        let mut a = MapReader::new(n, "an actual value", d)?;
        let date = a.date("date");
        let node = a.opt("value");
        let value = node.and_then(|v| decimal(v, a.diags));
        let written = node
            .zip(value.as_ref())
            .map(|(n, v)| (v.span.clone(), super::valve::written_places(n) as u32));
        let published_rag = a.opt_text("published-rag").map(|t| t.value);
        a.finish();
        Some(Actual {
            date: date?.value,
            value: value.map(|v| v.value),
            published_rag,
            written,
        })
    });
    let derived = k
        .opt("derived")
        .and_then(|v| super::kpis::derived(v, k.diags));
    let places = k
        .opt("places")
        .and_then(|v| super::kpis::places(v, k.diags));
    k.finish();
    let mut actuals = actuals;
    actuals.sort_by_key(|a| a.date);
    Some(Kpi {
        id: id?,
        name: name?.value,
        definition,
        source,
        frequency,
        unit,
        higher_is_better: higher,
        standard,
        high_impact,
        baseline,
        baseline_date,
        baseline_written,
        baseline_label,
        targets,
        actuals,
        baseline_written_at,
        derived,
        places,
    })
}

/// The plan's KPI values as a table of the engine: the baseline, then each
/// date on which any KPI has an actual value, in order (see [`super::kpis`]).
fn kpi_table(kpis: &[Kpi], key: Option<&Span>, diags: &mut Diagnostics) -> Option<Checked> {
    let key = key?;
    let mut dates: Vec<NaiveDate> = kpis
        .iter()
        .flat_map(|k| &k.actuals)
        .filter(|a| a.value.is_some())
        .map(|a| a.date)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let periods: Vec<super::kpis::Period> = dates
        .iter()
        .map(|d| super::kpis::Period {
            id: d.to_string(),
            label: crate::model::dates::long_date(*d),
        })
        .collect();
    let inputs: Vec<super::kpis::Input> = kpis
        .iter()
        .map(|k| {
            let mut figures = Vec::new();
            if let (Some(b), Some((span, w))) = (k.baseline, &k.baseline_written_at) {
                figures.push((0, Sp::new(b, span.clone()), *w));
            }
            for a in &k.actuals {
                if let (Some(v), Some((span, w))) = (a.value, &a.written)
                    && let Ok(i) = dates.binary_search(&a.date)
                {
                    figures.push((i + 1, Sp::new(v, span.clone()), *w));
                }
            }
            super::kpis::Input {
                id: k.id.clone(),
                unit: k.unit.as_deref().unwrap_or("number"),
                places: k.places,
                derived: k.derived.as_ref(),
                figures,
                published: Vec::new(),
            }
        })
        .collect();
    super::kpis::table("plan", &periods, &inputs, key, diags)
}

fn cross_check(plan: &Plan, diags: &mut Diagnostics) {
    let mut kpi_ids: HashMap<&str, &Sp<String>> = HashMap::new();
    for k in &plan.kpis {
        if let Some(first) = kpi_ids.insert(k.id.value.as_str(), &k.id) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("KPI id `{}` is used twice", k.id.value),
                )
                .at(&k.id.span, "second use")
                .also(&first.span, "first used here"),
            );
        }
    }
    let mut action_ids: HashMap<String, &Sp<String>> = HashMap::new();
    let mut used: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for a in plan
        .areas
        .iter()
        .flat_map(|a| &a.sub_themes)
        .flat_map(|s| &s.actions)
    {
        if let Some(first) = action_ids.insert(a.id.value.to_uppercase(), &a.id) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("action id `{}` is used twice", a.id.value),
                )
                .at(&a.id.span, "second use")
                .also(&first.span, "first used here"),
            );
        }
        for r in &a.kpis {
            if kpi_ids.contains_key(r.value.as_str()) {
                used.insert(r.value.as_str());
                continue;
            }
            let mut d = Diagnostic::error(
                Code::UnknownReference,
                format!(
                    "action {} refers to KPI `{}`, which is not in the catalogue",
                    a.id.value, r.value
                ),
            )
            .at(&r.span, "not in `kpis`");
            d = match did_you_mean(&r.value, kpi_ids.keys().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(
                    "add the KPI to `kpis`, or describe the measure under `measures` instead",
                ),
            };
            diags.push(d);
        }
    }
    // An area's high-impact KPIs are the catalogue's, each listed once.
    for area in &plan.areas {
        let mut seen: std::collections::HashMap<&str, &Sp<String>> = Default::default();
        for r in &area.high_impact {
            if let Some(first) = seen.insert(r.value.as_str(), r) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        format!(
                            "KPI `{}` is listed twice among area {}'s high-impact KPIs",
                            r.value, area.number.value
                        ),
                    )
                    .at(&r.span, "second time")
                    .also(&first.span, "first listed here"),
                );
            }
            if kpi_ids.contains_key(r.value.as_str()) {
                used.insert(r.value.as_str());
                continue;
            }
            let mut d = Diagnostic::error(
                Code::UnknownReference,
                format!(
                    "area {} names KPI `{}` as high-impact, but it is not in the catalogue",
                    area.number.value, r.value
                ),
            )
            .at(&r.span, "not in `kpis`");
            d = match did_you_mean(&r.value, kpi_ids.keys().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("add the KPI to `kpis`, or remove it from the list"),
            };
            diags.push(d);
        }
    }
    for k in &plan.kpis {
        if !used.contains(k.id.value.as_str()) {
            diags.push(
                Diagnostic::warning(
                    Code::UnusedKpi,
                    format!(
                        "KPI `{}` is in the catalogue but no action refers to it",
                        k.id.value
                    ),
                )
                .at(&k.id.span, "unused")
                .help("refer to it from the actions it measures, or remove it from the catalogue"),
            );
        }
        let Some(rule) = &plan.statuses.target_tbc else {
            continue;
        };
        for t in &k.targets {
            if t.value.is_none() && t.date.is_some_and(|d| d < rule.as_at) {
                diags.push(
                    Diagnostic::warning(Code::TbcTarget, format!("KPI `{}` still has a TBC target for its {} milestone, which has passed", k.id.value, t.at))
                        .at(&t.span, "milestone passed")
                        .help("set the target, or record why it cannot be set"),
                );
            }
        }
    }
}
