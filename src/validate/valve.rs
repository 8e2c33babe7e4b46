//! `return.yaml` → [`Valve`]: scale, updates, sign-off, computed totals and variances.

use super::{MapReader, decimal, int, one_of};
use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::load::yaml::{Node, NodeKind};
use crate::model::Sp;
use crate::model::decimal::Dec;
use crate::model::table::Checked;
use crate::model::table::{Cell, CellRef, ColType, Column, RelKind, Relation, Row, Table, Target};
use crate::model::valve::*;
use crate::source::{FileId, Span};
use std::collections::HashMap;

/// Context shared by the readers of per-update values.
struct Ctx<'a> {
    updates: &'a [Update],
    scale: &'a [ScaleItem],
}

impl Ctx<'_> {
    fn update_ok(&self, key: &Sp<String>, diags: &mut Diagnostics) -> bool {
        if self.updates.iter().any(|u| u.id.value == key.value) {
            return true;
        }
        let ids: Vec<&str> = self.updates.iter().map(|u| u.id.value.as_str()).collect();
        let mut d = Diagnostic::error(
            Code::UnknownReference,
            format!("`{}` is not one of this year's updates", key.value),
        )
        .at(&key.span, format!("expected one of: {}", ids.join(", ")));
        d = match did_you_mean(&key.value, ids.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help("add it to `updates`, or use one of the ids listed there"),
        };
        diags.push(d);
        false
    }

    fn rating(&self, n: &Node, diags: &mut Diagnostics) -> Option<Sp<String>> {
        let help = "use a rating declared in `assurance-scale`, or add this one there";
        super::on_scale(
            n,
            self.scale.iter().map(|s| s.name.as_str()),
            "assurance scale",
            help,
            diags,
        )
    }

    /// `{ update-id: value }`, each value read by `f`.
    fn per_update<T>(
        &self,
        n: &Node,
        diags: &mut Diagnostics,
        mut f: impl FnMut(&Node, &mut Diagnostics) -> Option<Sp<T>>,
    ) -> Vec<PerUpdate<T>> {
        #[cfg(test)]
        crate::validate::record::read(n, crate::validate::record::Read::MapOf);
        let NodeKind::Map(entries) = &n.kind else {
            diags.push(super::wrong(
                n,
                "a mapping from update ids to values (e.g. `{ may: Green }`)",
            ));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = Sp::new(k.name.clone(), k.span.clone());
            if !self.update_ok(&key, diags) || matches!(v.kind, NodeKind::Null) {
                continue;
            }
            if let Some(value) = f(v, diags) {
                out.push(PerUpdate {
                    update: k.name.clone(),
                    value,
                    key_span: k.span.clone(),
                });
            }
        }
        out
    }
}

/// A typed figure: a number that must match, or `{ published: N }` kept as
/// published (with `acknowledged: "why"` once the council has accepted the
/// difference, which silences the warning). Each carries the decimal places
/// it was written with.
enum Typed {
    Must(Sp<Dec>, usize),
    Published(Sp<Dec>, usize, Option<String>),
}

/// Decimal places as written (`-0.224` has 3), from the YAML source.
pub(super) fn written_places(n: &Node) -> usize {
    n.raw
        .as_deref()
        .and_then(|r| r.split_once('.'))
        .map_or(0, |(_, f)| {
            f.chars().take_while(char::is_ascii_digit).count()
        })
}

fn typed(n: &Node, diags: &mut Diagnostics) -> Option<Typed> {
    match &n.kind {
        NodeKind::Map(_) => {
            let mut m = MapReader::new(n, "a published figure", diags)?;
            let node = m.req("published");
            let v = node.and_then(|v| decimal(v, m.diags));
            let ack = m.opt_text("acknowledged").map(|t| t.value);
            m.finish();
            let places = node.map_or(0, written_places);
            v.map(|v| Typed::Published(v, places, ack))
        }
        _ => decimal(n, diags).map(|v| Typed::Must(v, written_places(n))),
    }
}

fn year_key(y: &str) -> Option<i32> {
    y.split(['-', '/']).next()?.trim().parse().ok()
}

pub fn valve(
    id: &str,
    file: FileId,
    node: &Node,
    project: &crate::model::Settings,
    diags: &mut Diagnostics,
) -> Option<Valve> {
    let mut m = MapReader::new(node, "the Safety Valve return", diags)?;
    if let Some(k) = m.opt("kind") {
        one_of(
            k,
            &["safety-valve"],
            "document kind for return.yaml",
            m.diags,
        );
    }
    let layout = super::paper::layout(&mut m, "safety-valve");
    let authority = m.text("authority").map(|t| t.value).unwrap_or_default();
    let title = m.opt_text("title").map(|t| t.value);
    let subtitle = m.opt_text("subtitle").map(|t| t.value);
    let data_as_at = m.opt_text("data-as-at");
    let background = m.list("background-documents", false, |n, d| {
        let mut b = MapReader::new(n, "a background document", d)?;
        let title = b.text("title");
        let link = b.opt_text("link").and_then(|t| super::url(t, b.diags));
        b.finish();
        Some(Background {
            title: title?.value,
            link,
        })
    });
    let contact = m.opt("contact").and_then(|n| {
        let mut c = MapReader::new(n, "the key contact", m.diags)?;
        let name = c.text("name");
        let role = c.opt_text("role").map(|t| t.value);
        let email = c.opt_text("email").and_then(|t| super::email(t, c.diags));
        let telephone = c.opt_text("telephone").map(|t| t.value);
        c.finish();
        Some(Contact {
            name: name?.value,
            role,
            email,
            telephone,
        })
    });
    // An appendix is its title, or `{ title, markdown: FILE.md, number: A }`:
    // its own pages after the return, with narrative and declared tables.
    let one = node
        .get("appendices")
        .is_some_and(|a| !matches!(a.kind, NodeKind::Seq(_)));
    let read_appendix = |n: &Node, d: &mut Diagnostics| match &n.kind {
        NodeKind::Map(_) => {
            let mut a = MapReader::new(n, "an appendix", d)?;
            let title = a.text("title");
            let number = a.opt_text("number").map(|t| t.value.trim().to_string());
            let markdown = a.opt_text("markdown");
            a.finish();
            Some(ValveAppendix {
                title: title?.value,
                number,
                markdown,
            })
        }
        _ => super::text(n, d).map(|t| ValveAppendix {
            title: t.value,
            number: None,
            markdown: None,
        }),
    };
    let appendices = if one {
        // One appendix written as text, as before lists of them.
        m.texts("appendices", false)
            .into_iter()
            .map(|t| ValveAppendix {
                title: t.value,
                number: None,
                markdown: None,
            })
            .collect()
    } else {
        m.list("appendices", false, |n, d| {
            // Text, or a mapping: the schema leaves the item open.
            #[cfg(test)]
            crate::validate::record::read(n, crate::validate::record::Read::Any);
            read_appendix(n, d)
        })
    };
    let (mut letter_date, mut letter_label, mut first_year, mut last_year) =
        (None, None, None, None);
    if let Some(a) = m.opt("agreement")
        && let Some(mut am) = MapReader::new(a, "the agreement", m.diags)
    {
        letter_date = am.opt_date("letter-date").map(|d| d.value);
        letter_label = am.opt_text("letter-label").map(|t| t.value);
        first_year = am.opt_text("first-year").map(|t| t.value);
        last_year = am.opt_text("last-year").map(|t| t.value);
        am.finish();
    }
    let year = m.text("year").map(|t| t.value).unwrap_or_default();
    let updates = m.list("updates", true, |n, d| {
        let mut u = MapReader::new(n, "an update", d)?;
        let id = u.text("id");
        let label = u.text("label");
        u.finish();
        Some(Update {
            id: id?,
            label: label?.value,
        })
    });
    let mut seen: HashMap<String, Sp<String>> = HashMap::new();
    for u in &updates {
        if let Some(first) = seen.insert(u.id.value.clone(), u.id.clone()) {
            m.diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("update id `{}` is used twice", u.id.value),
                )
                .at(&u.id.span, "second use")
                .also(&first.span, "first used here"),
            );
        }
    }
    let scale_item = super::scale_item;
    let scale = m.scale(
        "assurance-scale",
        "assurance scale",
        &project.assurance_scale,
        true,
        scale_item,
    );
    // A qualitative scale for the risks (e.g. High, Moderate, Low), if the
    // council rates its risks in words.
    let risk_scale = m.scale(
        "risk-scale",
        "risk scale",
        &project.risk_scale,
        false,
        scale_item,
    );
    let ctx = Ctx {
        updates: &updates,
        scale: &scale,
    };
    let current_update = m
        .text("current-update")
        .unwrap_or_else(|| Sp::new(String::new(), node.span.clone()));
    if !current_update.value.is_empty() {
        ctx.update_ok(&current_update, m.diags);
    }
    let mut submissions = Vec::new();
    if let Some(s) = m.opt("submissions") {
        #[cfg(test)]
        crate::validate::record::read(s, crate::validate::record::Read::MapOf);
        match &s.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let key = Sp::new(k.name.clone(), k.span.clone());
                    if !ctx.update_ok(&key, m.diags) {
                        continue;
                    }
                    let Some(mut sm) = MapReader::new(v, "a submission", m.diags) else {
                        continue;
                    };
                    let date = sm.date("date-submitted");
                    let sign_node = sm.opt("sign-off");
                    let sign_off = sm.list("sign-off", false, |n, d| {
                        let mut so = MapReader::new(n, "a sign-off", d)?;
                        let role = so.text("role");
                        let name = so.text("name");
                        let title = so.text("title");
                        let acting = so.opt_bool("acting").unwrap_or(false);
                        let date = so.opt_date("date").map(|d| d.value);
                        so.finish();
                        Some(SignOff {
                            role: role?.value,
                            name: name?.value,
                            title: title?.value,
                            acting,
                            date,
                        })
                    });
                    sm.finish();
                    if sign_off.is_empty() {
                        m.diags.push(
                            Diagnostic::error(Code::MissingSignOff, format!("update `{}` is submitted but has no sign-off", k.name))
                                .at(&sign_node.map_or(k.span.clone(), |n| n.span.clone()), "no sign-off")
                                .help("add `sign-off:` with the s151 officer and the Director of Children's Services"),
                        );
                    }
                    if let Some(date) = date {
                        submissions.push(Submission {
                            update: key,
                            date_submitted: date.value,
                            sign_off,
                        });
                    }
                }
            }
            _ => m
                .diags
                .push(super::wrong(s, "a mapping from update ids to submissions")),
        }
    }
    // Declared tables are read by the tables engine (crate::tables).
    m.opt("tables");
    let summary = m.opt_text("summary");
    let deficit = m.opt("deficit").and_then(|n| deficit(n, m.diags));
    let ehcp = m.opt("ehcp").and_then(|n| ehcp(n, m.diags));
    let conditions = m.list("conditions", false, |n, d| {
        let mut c = MapReader::new(n, "a condition", d)?;
        let number = c.req("number").and_then(|v| item_id(v, c.diags));
        let text = c.text("text");
        let assurance = c
            .opt("assurance")
            .map(|a| ctx.per_update(a, c.diags, |v, d| ctx.rating(v, d)))
            .unwrap_or_default();
        let progress = c
            .opt("progress")
            .map(|a| ctx.per_update(a, c.diags, super::text))
            .unwrap_or_default();
        c.finish();
        Some(Condition {
            number: number?,
            text: text?.value,
            assurance,
            progress,
        })
    });
    let questions = m.texts("questions", false);
    let prompts = m
        .opt("prompts")
        .and_then(|n| {
            let mut p = MapReader::new(n, "the template's prompts", m.diags)?;
            let summary = p.opt_text("summary").map(|t| t.value);
            let questions = p.opt_text("questions").map(|t| t.value);
            p.finish();
            Some(crate::model::valve::Prompts { summary, questions })
        })
        .unwrap_or_default();
    // `risk-numbering: none`: the council's register prints no numbers (the
    // numbers written stay the risks' ids, for the lock and for messages).
    let risks_numbered = m
        .opt("risk-numbering")
        .and_then(|v| one_of(v, &["as-published", "none"], "risk numbering", m.diags))
        .is_none_or(|v| v.value != "none");
    let risks = m.list("risks", false, |n, d| {
        let mut r = MapReader::new(n, "a risk", d)?;
        let number = r.req("number").and_then(|v| item_id(v, r.diags));
        let title = r.text("title");
        let assurance = r
            .opt("assurance")
            .map(|a| ctx.per_update(a, r.diags, |v, d| ctx.rating(v, d)))
            .unwrap_or_default();
        let mitigation = r.opt_text("mitigation");
        let group = r.opt_text("group").map(|t| t.value);
        let impact = r.opt_text("impact").map(|t| t.value);
        let strategy = r.opt_text("strategy").map(|t| t.value);
        let rating = r
            .opt("rating")
            .map(|a| {
                ctx.per_update(a, r.diags, |v, d| {
                    super::on_scale(
                        v,
                        risk_scale.iter().map(|s| s.name.as_str()),
                        "risk scale",
                        "use a rating declared in `risk-scale`, or declare the scale there",
                        d,
                    )
                })
            })
            .unwrap_or_default();
        let progress = r
            .opt("progress")
            .map(|a| ctx.per_update(a, r.diags, super::text))
            .unwrap_or_default();
        r.finish();
        Some(ValveRisk {
            number: number?,
            title: title?.value,
            assurance,
            mitigation,
            progress,
            group,
            impact,
            strategy,
            rating,
        })
    });
    // The places each typed KPI figure was written with, and whether it is
    // kept as published (with the council's reason once acknowledged).
    let mut written: KpiWritten = HashMap::new();
    let mut note_places = |n: &Node, v: &Sp<Dec>| {
        written.insert(
            (v.span.range.start, v.span.range.end),
            (written_places(n) as u32, None),
        );
    };
    let kpis_key = match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == "kpis")
            .map(|(k, _)| k.span.clone()),
        _ => None,
    };
    let mut published: Vec<(Span, u32, Option<String>)> = Vec::new();
    let kpis = m.list("kpis", false, |n, d| {
        let mut k = MapReader::new(n, "a KPI", d)?;
        let id = k.text("id");
        let name = k.text("name");
        let unit = k.req("unit").and_then(|u| {
            one_of(
                u,
                &["%", "count", "days", "£m", "rate"],
                "KPI unit",
                k.diags,
            )
        });
        let polarity = k
            .opt("polarity")
            .and_then(|u| one_of(u, &["higher", "lower"], "KPI polarity", k.diags))
            .map(|p| p.value);
        // A baseline: a number, or `{ value: 412, label: March 2024 }` as published.
        let (baseline, baseline_label) = match k.opt("baseline") {
            Some(
                b @ Node {
                    kind: NodeKind::Map(_),
                    ..
                },
            ) => match MapReader::new(b, "a KPI baseline", k.diags) {
                Some(mut bm) => {
                    let v = bm.req("value").and_then(|n| {
                        let v = decimal(n, bm.diags)?;
                        note_places(n, &v);
                        Some(v)
                    });
                    let l = bm.opt_text("label").map(|t| t.value);
                    bm.finish();
                    (v, l)
                }
                None => (None, None),
            },
            Some(b) => (decimal(b, k.diags).inspect(|v| note_places(b, v)), None),
            None => (None, None),
        };
        let annual_target = k.opt("annual-target").and_then(|v| decimal(v, k.diags));
        let comments = k
            .opt("comment")
            .map(|a| ctx.per_update(a, k.diags, super::text))
            .unwrap_or_default();
        let targets = k
            .opt("targets")
            .map(|a| ctx.per_update(a, k.diags, decimal))
            .unwrap_or_default();
        let actuals = k
            .opt("actuals")
            .map(|a| {
                // A derived KPI's figure as the source published it may be
                // kept: `{ published: 12.7 }` (and `acknowledged: "why"`).
                ctx.per_update(a, k.diags, |n, d| match typed(n, d)? {
                    Typed::Must(v, _) => {
                        note_places(n, &v);
                        Some(v)
                    }
                    Typed::Published(v, places, ack) => {
                        published.push((v.span.clone(), places as u32, ack));
                        Some(v)
                    }
                })
            })
            .unwrap_or_default();
        // A RAG only by the council's declared rule, or as published.
        let amber_within = k.opt("rag-rule").and_then(|r| {
            if polarity.is_none() {
                k.diags.push(
                    Diagnostic::error(Code::MissingField, "a RAG rule needs the KPI's polarity")
                        .at(&r.span, "which way is a miss?")
                        .help("add `polarity: higher` (or `lower`) as the council states it; quire never assumes one"),
                );
            }
            let mut rm = MapReader::new(r, "a KPI RAG rule", k.diags)?;
            let w = rm.req("amber-within").and_then(|v| decimal(v, rm.diags));
            rm.finish();
            let w = w?;
            if w.value.is_negative() || w.value > Dec::int(100) {
                rm_range(&w, k.diags);
                return None;
            }
            Some(w.value)
        });
        let published_rag = k
            .opt("rag")
            .map(|a| ctx.per_update(a, k.diags, super::text))
            .unwrap_or_default();
        let derived = k
            .opt("derived")
            .and_then(|v| super::kpis::derived(v, k.diags));
        let places = k
            .opt("places")
            .and_then(|v| super::kpis::places(v, k.diags));
        k.finish();
        let id = id?;
        Some(ValveKpi {
            id_span: id.span,
            id: id.value,
            name: name?.value,
            unit: unit?.value,
            polarity,
            baseline,
            baseline_label,
            annual_target,
            comments,
            targets,
            actuals,
            amber_within,
            published_rag,
            derived,
            places,
            written: Default::default(),
        })
    });
    for (span, places, ack) in published {
        written.insert((span.range.start, span.range.end), (places, Some(ack)));
    }
    let kpi_table = kpi_table(&kpis, &updates, &written, kpis_key.as_ref(), m.diags);
    m.finish();
    for (what, nums) in [
        (
            "condition",
            conditions.iter().map(|c| &c.number).collect::<Vec<_>>(),
        ),
        ("risk", risks.iter().map(|r| &r.number).collect()),
    ] {
        let mut seen: HashMap<&str, &Sp<String>> = HashMap::new();
        for n in nums {
            if let Some(first) = seen.insert(n.value.as_str(), n) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        format!("{what} number {} is used twice", n.value),
                    )
                    .at(&n.span, "second use")
                    .also(&first.span, "first used here")
                    .help(format!("give each {what} the number the return publishes; numbers such as 3.1 or Capital are fine, but each once")),
                );
            }
        }
    }
    Some(Valve {
        id: id.to_string(),
        file,
        layout,
        authority,
        title,
        subtitle,
        data_as_at,
        background,
        contact,
        appendices,
        letter_date,
        letter_label,
        first_year,
        last_year,
        year,
        updates,
        current_update,
        scale,
        submissions,
        summary,
        deficit,
        ehcp,
        conditions,
        questions,
        prompts,
        risks,
        risks_numbered,
        kpis,
        risk_scale,
        amendments: Vec::new(),
        table_figures: Vec::new(),
        changes: None,
        kpi_table,
    })
}

/// A typed KPI figure's places as written and, when kept as published, the
/// council's reason once acknowledged; by its span's byte range.
type KpiWritten = HashMap<(usize, usize), (u32, Option<Option<String>>)>;

/// The return's KPI values as a table of the engine: the baseline, then
/// each update's actual, per KPI (see [`super::kpis`]).
fn kpi_table(
    kpis: &[ValveKpi],
    updates: &[Update],
    written: &KpiWritten,
    key: Option<&Span>,
    diags: &mut Diagnostics,
) -> Option<Checked> {
    let key = key?;
    let periods: Vec<super::kpis::Period> = updates
        .iter()
        .map(|u| super::kpis::Period {
            id: u.id.value.clone(),
            label: u.label.clone(),
        })
        .collect();
    let places = |v: &Sp<Dec>| {
        written
            .get(&(v.span.range.start, v.span.range.end))
            .map_or(0, |w| w.0)
    };
    let inputs: Vec<super::kpis::Input> = kpis
        .iter()
        .map(|k| {
            let mut figures = Vec::new();
            if let Some(b) = &k.baseline {
                figures.push((0, b.clone(), places(b)));
            }
            let mut published = Vec::new();
            for a in &k.actuals {
                if let Some(i) = updates.iter().position(|u| u.id.value == a.update) {
                    figures.push((i + 1, a.value.clone(), places(&a.value)));
                    if let Some((_, Some(ack))) =
                        written.get(&(a.value.span.range.start, a.value.span.range.end))
                    {
                        published.push((i + 1, a.value.span.clone(), ack.clone()));
                    }
                }
            }
            super::kpis::Input {
                published,
                id: Sp::new(k.id.clone(), k.id_span.clone()),
                unit: &k.unit,
                places: k.places,
                derived: k.derived.as_ref(),
                figures,
            }
        })
        .collect();
    super::kpis::table("return", &periods, &inputs, key, diags)
}

fn rm_range(w: &Sp<Dec>, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error(Code::OutOfScale, "`amber-within` is a percentage of the target")
            .at(&w.span, "expected 0 to 100")
            .help("write e.g. `rag-rule: { amber-within: 5 }`: Green meets the target, Amber misses it by at most 5% of it, Red otherwise"),
    );
}

/// A condition's or risk's number as the return writes it: `2`, `3.1`,
/// `Capital` (kept as written; never renumbered).
fn item_id(n: &Node, diags: &mut Diagnostics) -> Option<Sp<String>> {
    let t = super::text(n, diags)?;
    let v = t.value.trim();
    if v.is_empty() || v.chars().count() > 32 || v.contains('/') {
        diags.push(
            Diagnostic::error(Code::InvalidValue, format!("`{}` is not a condition or risk number", t.value))
                .at(&t.span, "expected a short number or name")
                .help("write the number as the return publishes it, e.g. 2, 3.1 or Capital (at most 32 characters, no `/`)"),
        );
        return None;
    }
    Some(Sp::new(v.to_string(), t.span))
}

/// Adds a rating column to a checked fixed table: each row's rating as
/// published, else as the author's declared rule gives it, else none (the
/// engine never computes a rating itself). Printed and exported as the
/// table's other cells are (a rating in words, "not rated" where none).
fn add_rating_column(t: &mut Checked, id: &str, label: &str, ratings: Vec<Option<String>>) {
    let span = t.table.id.span.clone();
    t.table.columns.push(Column {
        id: Sp::new(id.to_string(), span.clone()),
        label: label.to_string(),
        ty: ColType::Rating,
        unit: None,
        places: 0,
        plus: false,
    });
    for (r, line) in t.table.cells.iter_mut().enumerate() {
        line.push(match ratings.get(r).cloned().flatten() {
            Some(x) => Cell::Text(Sp::new(x, span.clone())),
            None => Cell::Empty(span.clone()),
        });
        t.value[r].push(None);
        t.computed[r].push(false);
        t.marked[r].push(None);
        t.formula[r].push(None);
    }
}

/// A typed figure as a cell of a fixed table.
fn cell(v: &Sp<Dec>) -> Cell {
    Cell::Num(v.clone())
}

/// One of the return's fixed tables (deficit profile, EHCPs by age band) as
/// a table for the engine: its columns and one relation; rows and cells are
/// added by the caller.
fn fixed_table(
    id: &str,
    columns: Vec<Column>,
    kind: RelKind,
    span: &Span,
    text: &str,
    published_help: &str,
    cell_name: &str,
) -> Table {
    Table {
        columns,
        relations: vec![Relation {
            kind,
            only: Vec::new(),
            tolerance: Dec::ZERO,
            span: span.clone(),
            text: text.to_string(),
        }],
        published_help: Some(published_help.to_string()),
        cell_name: Some(cell_name.to_string()),
        ..Table::inline(Sp::new(id.to_string(), span.clone()))
    }
}

fn deficit(n: &Node, diags: &mut Diagnostics) -> Option<Deficit> {
    let mut m = MapReader::new(n, "the deficit profile", diags)?;
    let agreement_label = m
        .opt_text("agreement-label")
        .map_or("Per Safety Valve agreement".into(), |t| t.value);
    let forecast_label = m
        .opt_text("forecast-label")
        .map_or("Current forecast".into(), |t| t.value);
    let unit = m.opt_text("unit").map_or("£m".into(), |t| t.value);
    // Its negatives as the return prints them (`-12.0` or `(12.0)`), as any
    // declared table may say, whatever the project's `negative-money`.
    let negative = m
        .opt("negative")
        .and_then(|v| super::one_of(v, &["brackets", "minus"], "negative style", m.diags))
        .map(|v| {
            if v.value == "brackets" {
                crate::model::NegativeStyle::Brackets
            } else {
                crate::model::NegativeStyle::Minus
            }
        });
    // A RAG is computed only by a rule the author declared: no default.
    let mut rule: Option<(Dec, Dec)> = None;
    if let Some(t) = m.opt("tolerance")
        && let Some(mut tm) = MapReader::new(t, "the RAG tolerance", m.diags)
    {
        let amber = tm.req("amber").and_then(|v| decimal(v, tm.diags));
        let red = tm.req("red").and_then(|v| decimal(v, tm.diags));
        tm.finish();
        if let (Some(a), Some(r)) = (amber, red) {
            if a.value > r.value {
                m.diags.push(
                    Diagnostic::error(Code::InvalidValue, "the amber limit is above the red limit")
                        .at(&a.span, "amber")
                        .also(&r.span, "red")
                        .help("a variance up to `amber` is Green, up to `red` Amber, above it Red"),
                );
            }
            rule = Some((a.value, r.value));
        }
    }
    let years_key = match &n.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == "years")
            .map(|(k, _)| k.span.clone()),
        _ => None,
    }
    .unwrap_or_else(|| n.span.clone());
    let read = m.list("years", true, |n, d| {
        let mut y = MapReader::new(n, "a deficit year", d)?;
        let year = y.text("year");
        let agreement = y.req("agreement").and_then(|v| decimal(v, y.diags));
        let forecast = y.req("forecast").and_then(|v| decimal(v, y.diags));
        let variance = y.opt("variance").and_then(|v| typed(v, y.diags));
        let published_rag = y.opt_text("rag");
        y.finish();
        Some((year?, agreement?, forecast?, variance, published_rag))
    });
    // The variance is computed and checked by the tables engine: forecast −
    // agreement on exact decimals, a typed variance compared at the places it
    // was written with (at least one).
    let col = |id: &str, label: &str| Column {
        id: Sp::new(id.to_string(), years_key.clone()),
        label: label.to_string(),
        ty: ColType::Money,
        unit: Some(unit.clone()),
        places: 1,
        plus: false,
    };
    let mut table = fixed_table(
        "deficit",
        vec![
            col("agreement", &agreement_label),
            col("forecast", &forecast_label),
            col("variance", "Variance"),
        ],
        RelKind::Difference {
            target: Target::Column(Sp::new("variance".into(), years_key.clone())),
            terms: vec![
                (1, Sp::new("forecast".into(), years_key.clone())),
                (-1, Sp::new("agreement".into(), years_key.clone())),
            ],
        },
        &years_key,
        "column `variance` = forecast − agreement",
        "to reproduce a published return exactly, write `{ published: {typed} }` in its place",
        "the {row} variance",
    );
    for (r, (year, agreement, forecast, variance, _)) in read.iter().enumerate() {
        table.rows.push(Row {
            id: Sp::new(year.value.clone(), year.span.clone()),
            label: year.value.clone(),
            group: None,
            unit: None,
        });
        let typed_cell = match variance {
            Some(Typed::Must(v, written)) => {
                table.written_places.insert((r, 2), *written as u32);
                cell(v)
            }
            // Printed as published; where the figures differ, the engine
            // warns, or notes the difference with its reason once acknowledged.
            Some(Typed::Published(v, written, ack)) => {
                table.written_places.insert((r, 2), *written as u32);
                table.published.push(CellRef {
                    table: None,
                    row: year.value.clone(),
                    column: "variance".into(),
                    span: v.span.clone(),
                    acknowledged: ack.clone(),
                });
                cell(v)
            }
            None => Cell::Empty(year.span.clone()),
        };
        table
            .cells
            .push(vec![cell(agreement), cell(forecast), typed_cell]);
    }
    table.row_heading = "Year".into();
    table.negative = negative;
    let mut checked = crate::tables::check::check(vec![table], m.diags);
    let years = read
        .into_iter()
        .enumerate()
        .map(
            |(r, (year, agreement, forecast, variance, published_rag))| {
                let (a, f) = (agreement.value, forecast.value);
                let computed = checked
                    .first()
                    .and_then(|c| c.computed[r][2].then_some(c.value[r][2]).flatten())
                    .or_else(|| f.checked_sub(a))
                    .unwrap_or_default();
                let published_variance = match variance {
                    Some(Typed::Published(v, ..)) => Some(v.value),
                    _ => None,
                };
                let v = published_variance.unwrap_or(computed);
                let computed_rag = rule.map(|(amber, red)| {
                    if v <= amber {
                        "Green"
                    } else if v <= red {
                        "Amber"
                    } else {
                        "Red"
                    }
                    .to_string()
                });
                // A published RAG is printed as published; a declared rule that
                // disagrees with it is worth a warning, never a silent change.
                if let (Some(p), Some(c)) = (&published_rag, &computed_rag)
                    && !p.value.eq_ignore_ascii_case(c)
                {
                    m.diags.push(
                    Diagnostic::warning(
                        Code::PublishedFigure,
                        format!(
                            "the {} RAG is published as {} but the declared tolerance gives {c}",
                            year.value, p.value
                        ),
                    )
                    .at(&p.span, "printed as published")
                    .help("check the rating or the tolerance; the published rating is printed"),
                );
                }
                DeficitYear {
                    year,
                    agreement: a,
                    forecast: f,
                    variance: computed,
                    published_variance,
                    rag: published_rag
                        .as_ref()
                        .map(|p| p.value.clone())
                        .or(computed_rag),
                    rag_published: published_rag.is_some(),
                }
            },
        )
        .collect::<Vec<_>>();
    // What is printed and exported: the engine's table (a published variance
    // exactly as published, marked where the figures give another as
    // printed), and the RAG beside it as a rating column (as published, else
    // by the declared tolerance, else none).
    let mut table = checked.pop();
    if let Some(t) = &mut table {
        add_rating_column(
            t,
            "rag",
            "RAG",
            years.iter().map(|y| y.rag.clone()).collect(),
        );
    }
    let notes = m.opt_text("notes");
    m.finish();
    let mut prev: Option<(i32, &Sp<String>)> = None;
    for y in &years {
        match year_key(&y.year.value) {
            Some(k) => {
                if let Some((pk, ps)) = prev
                    && k <= pk
                {
                    let msg = if k == pk {
                        format!("year {} appears twice", y.year.value)
                    } else {
                        format!("year {} comes after {}", y.year.value, ps.value)
                    };
                    diags.push(
                        Diagnostic::error(Code::YearOrder, msg)
                            .at(&y.year.span, "out of order")
                            .also(&ps.span, "previous year")
                            .help("list each financial year once, earliest first"),
                    );
                }
                prev = Some((k, &y.year));
            }
            None => diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a financial year", y.year.value),
                )
                .at(&y.year.span, "expected e.g. 2024-25")
                .help("write financial years as 2024-25"),
            ),
        }
    }
    Some(Deficit {
        agreement_label,
        forecast_label,
        unit,
        rule,
        years,
        notes,
        table,
    })
}

fn ehcp(n: &Node, diags: &mut Diagnostics) -> Option<Ehcp> {
    let mut m = MapReader::new(n, "the EHCP table", diags)?;
    let bands: Vec<String> = m
        .texts("bands", true)
        .into_iter()
        .map(|t| t.value)
        .collect();
    let nb = bands.len();
    let read = m.list("columns", true, |n, d| {
        let mut c = MapReader::new(n, "an EHCP column", d)?;
        let label = c.text("label");
        let kind = c
            .opt("kind")
            .and_then(|k| one_of(k, &["estimate", "actual"], "column kind", c.diags))
            .map_or("actual".into(), |t| t.value);
        let values_node = c.req("values");
        let values: Vec<Sp<i64>> = match values_node.map(|v| &v.kind) {
            Some(NodeKind::Seq(items)) => items.iter().filter_map(|i| int(i, c.diags)).collect(),
            Some(_) => {
                c.diags.push(super::wrong(
                    values_node?,
                    "a list of counts, one per age band",
                ));
                Vec::new()
            }
            None => Vec::new(),
        };
        let total_typed = c.opt("total").and_then(|v| typed(v, c.diags));
        c.finish();
        for v in &values {
            if v.value < 0 {
                d.push(
                    Diagnostic::error(
                        Code::NegativeCount,
                        format!("a count of EHCPs cannot be negative ({})", v.value),
                    )
                    .at(&v.span, "negative")
                    .help("check the sign of this figure"),
                );
            }
        }
        if let Some(vn) = values_node
            && values.len() != nb
            && matches!(vn.kind, NodeKind::Seq(_))
        {
            d.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "this column has {} values but there are {nb} age bands",
                        values.len()
                    ),
                )
                .at(&vn.span, "one value per band expected")
                .help("give one count per age band, in the order of `bands`"),
            );
        }
        Some((label?.value, kind, values, total_typed))
    });
    // Totals are computed and checked by the tables engine: each column's
    // total is the sum of its age bands.
    let key = match &n.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == "columns")
            .map(|(k, _)| k.span.clone()),
        _ => None,
    }
    .unwrap_or_else(|| n.span.clone());
    let here = |s: &str| Sp::new(s.to_string(), key.clone());
    let mut table = fixed_table(
        "ehcp",
        read.iter()
            .enumerate()
            .map(|(i, (label, ..))| Column {
                id: here(&format!("c{i}")),
                label: label.clone(),
                ty: ColType::Count,
                unit: None,
                places: 0,
                plus: false,
            })
            .collect(),
        RelKind::Total {
            target: Target::Row(here("total")),
            of: (0..nb).map(|b| here(&format!("band-{b}"))).collect(),
        },
        &key,
        "row `total` = the sum of the age bands",
        "to reproduce a published return exactly, write `{ published: {typed} }` in its place",
        "the total of `{column}`",
    );
    for (b, band) in bands.iter().enumerate() {
        table.rows.push(Row {
            id: here(&format!("band-{b}")),
            label: band.clone(),
            group: None,
            unit: None,
        });
        table.cells.push(
            read.iter()
                .map(|(_, _, values, _)| match values.get(b) {
                    Some(v) => Cell::Num(Sp::new(Dec::int(v.value), v.span.clone())),
                    None => Cell::Empty(key.clone()),
                })
                .collect(),
        );
    }
    table.rows.push(Row {
        id: here("total"),
        label: "Total".into(),
        group: None,
        unit: None,
    });
    let mut totals = Vec::new();
    for (c, (_, _, _, typed_total)) in read.iter().enumerate() {
        totals.push(match typed_total {
            Some(Typed::Must(v, written)) => {
                table.written_places.insert((nb, c), *written as u32);
                cell(v)
            }
            Some(Typed::Published(v, written, ack)) => {
                table.written_places.insert((nb, c), *written as u32);
                table.published.push(CellRef {
                    table: None,
                    row: "total".into(),
                    column: format!("c{c}"),
                    span: v.span.clone(),
                    acknowledged: ack.clone(),
                });
                cell(v)
            }
            None => Cell::Empty(key.clone()),
        });
    }
    table.cells.push(totals);
    table.row_heading = "Age band".into();
    let mut checked = crate::tables::check::check(vec![table], m.diags);
    let columns = read
        .into_iter()
        .enumerate()
        .map(|(c, (label, kind, values, typed_total))| {
            let sum: i64 = values.iter().map(|v| v.value).sum();
            let total = checked
                .first()
                .and_then(|t| t.computed[nb][c].then_some(t.value[nb][c]).flatten())
                .and_then(Dec::trunc_i64)
                .unwrap_or(sum);
            let published_total = match typed_total {
                Some(Typed::Published(v, ..)) => v.value.trunc_i64(),
                _ => None,
            };
            EhcpColumn {
                label,
                kind,
                values: values.into_iter().map(|v| v.value).collect(),
                total,
                published_total,
            }
        })
        .collect::<Vec<EhcpColumn>>();
    // What is printed and exported: a published total exactly as published.
    let mut table = checked.pop();
    if let Some(t) = &mut table {
        for (c, col) in columns.iter().enumerate() {
            if let Some(p) = col.published_total
                && t.value[nb][c] != Some(Dec::int(p))
            {
                if t.marked[nb][c].is_none() && p != col.total {
                    t.marked[nb][c] = Some(Dec::int(col.total));
                }
                t.value[nb][c] = Some(Dec::int(p));
                t.computed[nb][c] = false;
                t.formula[nb][c] = None;
            }
        }
    }
    let footnote = m.opt_text("footnote").map(|t| t.value);
    let narrative = m.opt_text("narrative");
    m.finish();
    Some(Ehcp {
        bands,
        columns,
        footnote,
        narrative,
        table,
    })
}
