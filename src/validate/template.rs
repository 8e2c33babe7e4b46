//! Report templates: `templates/<name>-vN.yaml` → [`Template`], and a paper
//! checked against its template — cover fields, conditions, mandatory
//! sections in order, limits and standard tables — with every departure
//! located. Severity per rule is the council's choice (`severity: warning`).

use super::{MapReader, did_you_mean, one_of, text};
use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::load::yaml::{Node, NodeKind};
use crate::model::template::*;
use crate::source::{FileId, SourceMap, Span};
use serde_json::{Value as Json, json};

fn severity(m: &mut MapReader) -> Severity {
    match m.opt("severity") {
        Some(n) => match one_of(n, &["error", "warning"], "severity", m.diags) {
            Some(t) if t.value == "warning" => Severity::Warning,
            _ => Severity::Error,
        },
        None => Severity::Error,
    }
}

fn limit(n: &Node, what: &'static str, diags: &mut Diagnostics) -> Option<Limit> {
    let mut m = MapReader::new(n, what, diags)?;
    let min = m
        .opt("min")
        .and_then(|v| super::int(v, m.diags))
        .map(|v| v.value.max(0) as usize);
    let max = m
        .opt("max")
        .and_then(|v| super::int(v, m.diags))
        .map(|v| v.value.max(0) as usize);
    let severity = severity(&mut m);
    let span = m.span().clone();
    m.finish();
    Some(Limit {
        min,
        max,
        severity,
        span,
    })
}

/// Reads a template file.
pub fn template(id: &str, node: &Node, diags: &mut Diagnostics) -> Option<Template> {
    let mut m = MapReader::new(node, "the report template", diags)?;
    let title = m.text("name").map(|t| t.value).unwrap_or_default();
    let numbered = m.opt_bool("numbered-sections").unwrap_or(true);
    let cover = m.list("cover", true, |n, d| {
        let mut f = MapReader::new(n, "a cover field", d)?;
        let key = f.text("key");
        let label = f.text("label");
        let ty_node = f.req("type");
        let choices = f.texts("choices", false);
        let required = f.opt_bool("required").unwrap_or(false);
        let help = f.opt_text("help").map(|t| t.value);
        f.finish();
        let ty_name = ty_node.and_then(|t| {
            one_of(t, &["text", "person", "date", "yes-no", "choice", "wards"], "cover field type", d)
        })?;
        let ty = match ty_name.value.as_str() {
            "person" => FieldType::Person,
            "date" => FieldType::Date,
            "yes-no" => FieldType::YesNo,
            "wards" => FieldType::Wards,
            "choice" => {
                if choices.is_empty() {
                    d.push(
                        Diagnostic::error(Code::MissingField, "a choice field needs its `choices`")
                            .at(&ty_name.span, "choice")
                            .help("list the allowed values, e.g. `choices: [Decision, Discussion, Noting]`"),
                    );
                    return None;
                }
                FieldType::Choice { choices: choices.into_iter().map(|c| c.value).collect() }
            }
            _ => FieldType::Text,
        };
        Some(CoverField { key: key?.value, label: label?.value, ty, required, help })
    });
    let rules = m.list("rules", false, |n, d| {
        let mut r = MapReader::new(n, "a rule", d)?;
        let when = match r.req("when") {
            Some(w) => match &w.kind {
                NodeKind::Map(entries) => entries
                    .iter()
                    .filter_map(|(k, v)| text(v, r.diags).map(|t| (k.name.clone(), t.value)))
                    .collect(),
                _ => {
                    r.diags
                        .push(super::wrong(w, "a mapping of cover fields to values"));
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let require = r
            .texts("require", true)
            .into_iter()
            .map(|t| t.value)
            .collect();
        let message = r.opt_text("message").map(|t| t.value);
        let severity = severity(&mut r);
        let span = r.span().clone();
        r.finish();
        Some(Rule {
            when,
            require,
            message,
            severity,
            span,
        })
    });
    let sections = m.list("sections", true, |n, d| {
        let mut s = MapReader::new(n, "a section", d)?;
        let title = s.text("title");
        let required = s.opt_bool("required").unwrap_or(true);
        let min_items = s
            .opt("min-items")
            .and_then(|v| super::int(v, s.diags))
            .map(|v| v.value.max(0) as usize);
        let span = s.span().clone();
        s.finish();
        Some(SectionSpec {
            title: title?.value,
            required,
            min_items,
            span,
        })
    });
    let (mut summary_words, mut social_summary_chars, mut pages) = (None, None, None);
    if let Some(l) = m.opt("limits")
        && let Some(mut lm) = MapReader::new(l, "the limits", m.diags)
    {
        summary_words = lm
            .opt("summary-words")
            .and_then(|n| limit(n, "a word limit", lm.diags));
        social_summary_chars = lm
            .opt("social-summary-characters")
            .and_then(|n| limit(n, "a character limit", lm.diags));
        pages = lm
            .opt("pages")
            .and_then(|n| limit(n, "a page limit", lm.diags));
        lm.finish();
    }
    let tables = m.list("tables", false, |n, d| {
        let mut t = MapReader::new(n, "a standard table", d)?;
        let key = t.text("key");
        let label = t.text("label");
        let rows = t.texts("rows", true).into_iter().map(|r| r.value).collect();
        let sign_off = t.opt_bool("sign-off").unwrap_or(false);
        t.finish();
        Some(TableSpec {
            key: key?.value,
            label: label?.value,
            rows,
            sign_off,
        })
    });
    m.finish();
    Some(Template {
        id: id.to_string(),
        title,
        cover,
        rules,
        sections,
        numbered,
        summary_words,
        social_summary_chars,
        pages,
        tables,
    })
}

fn push(diags: &mut Diagnostics, sev: Severity, code: Code, message: String) -> &mut Diagnostic {
    diags.push(match sev {
        Severity::Error => Diagnostic::error(code, message),
        Severity::Warning => Diagnostic::warning(code, message),
    });
    diags.items.last_mut().expect("just pushed")
}

/// A level-1 heading of the narrative: its title and where it is.
pub struct Heading {
    pub title: String,
    pub span: Span,
    /// `##` sub-headings and top-level list items under it (its options).
    pub items: usize,
}

/// The level-1 headings of narrative files, in order.
pub fn headings(sources: &SourceMap, files: &[FileId]) -> Vec<Heading> {
    use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
    let mut out: Vec<Heading> = Vec::new();
    for &f in files {
        let text = sources.text(f);
        let mut open: Option<(usize, String, HeadingLevel)> = None;
        let mut depth = 0usize;
        for (ev, range) in
            Parser::new_ext(text, crate::render::markdown::options()).into_offset_iter()
        {
            match ev {
                Event::Start(Tag::Heading { level, .. }) => {
                    open = Some((range.start, String::new(), level))
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, s, _)) = open.as_mut() {
                        s.push_str(&t);
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((start, title, level)) = open.take() {
                        if level == HeadingLevel::H1 {
                            out.push(Heading {
                                title: title.trim().to_string(),
                                span: Span::new(f, start..range.end),
                                items: 0,
                            });
                        } else if level == HeadingLevel::H2
                            && let Some(h) = out.last_mut()
                        {
                            h.items += 1;
                        }
                    }
                }
                Event::Start(Tag::List(_)) => depth += 1,
                Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
                Event::Start(Tag::Item) if depth == 1 => {
                    if let Some(h) = out.last_mut() {
                        h.items += 1;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn words(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

fn value_text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Str(s) => Some(s.trim().to_string()),
        NodeKind::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        NodeKind::Int(_) | NodeKind::Float(_) => n.raw.clone(),
        _ => None,
    }
}

/// Checks a paper (`node` is its paper.yaml) against its template; returns
/// the cover and tables as the layout prints them.
pub fn check_paper(
    t: &Template,
    node: &Node,
    headings: &[Heading],
    paper_span: &Span,
    diags: &mut Diagnostics,
) -> Json {
    let entries: &[(crate::load::yaml::Key, Node)] = match &node.kind {
        NodeKind::Map(e) => e,
        _ => &[],
    };
    let get = |key: &str| entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v);
    let where_ = |n: Option<&Node>| n.map_or_else(|| paper_span.clone(), |n| n.span.clone());

    // Cover fields.
    let cover_node = get("cover");
    let cover: Vec<(crate::load::yaml::Key, Node)> = match cover_node.map(|c| &c.kind) {
        Some(NodeKind::Map(e)) => e.clone(),
        Some(_) => {
            diags.push(super::wrong(
                cover_node.expect("matched"),
                "a mapping of the template's cover fields",
            ));
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut values: Vec<(String, String)> = Vec::new();
    let mut printed: Vec<Json> = Vec::new();
    for (k, _) in &cover {
        if !t.cover.iter().any(|f| f.key == k.name) {
            let mut d = Diagnostic::error(
                Code::UnknownKey,
                format!("`{}` is not a cover field of the template {}", k.name, t.id),
            );
            d = match did_you_mean(&k.name, t.cover.iter().map(|f| f.key.as_str())) {
                Some(s) => d
                    .at(&k.span, format!("did you mean `{s}`?"))
                    .help(format!("rename it to `{s}`")),
                None => d.at(&k.span, "not in the template").help(format!(
                    "the template's cover fields are: {}",
                    t.cover
                        .iter()
                        .map(|f| f.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            diags.push(d);
        }
    }
    for f in &t.cover {
        let v = cover.iter().find(|(k, _)| k.name == f.key).map(|(_, v)| v);
        let Some(v) = v.filter(|v| !matches!(v.kind, NodeKind::Null)) else {
            if f.required {
                diags.push(
                    Diagnostic::error(
                        Code::MissingField,
                        format!(
                            "the cover field `{}` ({}) is required by the template {}",
                            f.key, f.label, t.id
                        ),
                    )
                    .at(&where_(cover_node), "cover")
                    .help(
                        f.help
                            .clone()
                            .unwrap_or_else(|| format!("add `{}: …` under `cover`", f.key)),
                    ),
                );
            }
            continue;
        };
        let shown = match &f.ty {
            FieldType::Person => {
                let Some(mut pm) = MapReader::new(v, "a person", diags) else {
                    continue;
                };
                let name = pm.text("name");
                let role = pm.opt_text("role");
                let tel = pm.opt_text("telephone");
                let email = pm.opt_text("email").and_then(|e| super::email(e, pm.diags));
                pm.finish();
                let Some(name) = name else { continue };
                let mut parts = vec![name.value.clone()];
                parts.extend(role.map(|r| r.value));
                parts.extend(tel.map(|r| format!("Telephone: {}", r.value)));
                parts.extend(email.map(|e| format!("Email: {e}")));
                values.push((f.key.clone(), name.value));
                json!({"label": f.label, "lines": parts})
            }
            FieldType::Wards => {
                let list = super::texts(v, diags);
                let joined = list
                    .iter()
                    .map(|w| w.value.clone())
                    .collect::<Vec<_>>()
                    .join(", ");
                if list.is_empty() {
                    diags.push(
                        Diagnostic::error(Code::MissingField, format!("`{}` names no ward", f.key))
                            .at(&v.span, "empty")
                            .help("write `All`, or list the wards affected"),
                    );
                }
                values.push((f.key.clone(), joined.clone()));
                json!({"label": f.label, "lines": [joined]})
            }
            FieldType::Date => {
                let Some(d) = super::date(v, diags) else {
                    continue;
                };
                values.push((f.key.clone(), d.value.to_string()));
                json!({"label": f.label, "lines": [crate::model::dates::long_date(d.value)]})
            }
            FieldType::YesNo => {
                let b = match &v.kind {
                    NodeKind::Bool(b) => *b,
                    _ => {
                        diags.push(super::wrong(v, "yes or no (`true` or `false`)"));
                        continue;
                    }
                };
                values.push((f.key.clone(), if b { "yes".into() } else { "no".into() }));
                json!({"label": f.label, "lines": [if b { "Yes" } else { "No" }]})
            }
            FieldType::Choice { choices } => {
                let allowed: Vec<&str> = choices.iter().map(String::as_str).collect();
                let Some(c) = one_of(v, &allowed, &format!("choice for `{}`", f.key), diags) else {
                    continue;
                };
                values.push((f.key.clone(), c.value.clone()));
                json!({"label": f.label, "lines": [c.value]})
            }
            FieldType::Text => {
                let Some(s) = text(v, diags) else { continue };
                values.push((f.key.clone(), s.value.clone()));
                json!({"label": f.label, "lines": [s.value]})
            }
        };
        printed.push(shown);
    }

    // Conditions.
    let present = |key: &str| -> bool {
        values.iter().any(|(k, v)| k == key && !v.is_empty())
            || get(key).is_some()
            || headings.iter().any(|h| h.title.eq_ignore_ascii_case(key))
    };
    for r in &t.rules {
        let applies = r.when.iter().all(|(k, want)| {
            values
                .iter()
                .any(|(vk, vv)| vk == k && vv.eq_ignore_ascii_case(want))
        });
        if !applies {
            continue;
        }
        for need in r.require.iter().filter(|n| !present(n)) {
            let when = r
                .when
                .iter()
                .map(|(k, v)| format!("`{k}` is {v}"))
                .collect::<Vec<_>>()
                .join(" and ");
            let label = t
                .cover
                .iter()
                .find(|f| &f.key == need)
                .map_or(need.clone(), |f| format!("{need} ({})", f.label));
            let d = push(
                diags,
                r.severity,
                Code::TemplateRule,
                format!("when {when}, the template {} requires {label}", t.id),
            );
            *d = d
                .clone()
                .at(&where_(cover_node), "cover")
                .help(r.message.clone().unwrap_or_else(|| {
                    format!("add `{need}` (a cover field or a section of that title)")
                }));
        }
    }

    // Sections: every required one, with its exact title, in order.
    let mut last_pos: Option<(usize, &str)> = None;
    for s in &t.sections {
        match headings.iter().position(|h| h.title == s.title) {
            Some(pos) => {
                let h = &headings[pos];
                if let Some((lp, lt)) = last_pos
                    && pos < lp
                {
                    diags.push(
                        Diagnostic::error(
                            Code::TemplateSection,
                            format!("the section `{}` comes before `{lt}`", s.title),
                        )
                        .at(&h.span, "out of order")
                        .help(format!(
                            "the template {} orders its sections: {}",
                            t.id,
                            t.sections
                                .iter()
                                .map(|s| s.title.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                }
                last_pos = Some((pos, &s.title));
                if let Some(min) = s.min_items
                    && h.items < min
                {
                    diags.push(
                        Diagnostic::error(Code::TemplateSection, format!("the section `{}` sets out {} option(s); the template asks for at least {min}", s.title, h.items))
                            .at(&h.span, format!("{} option(s)", h.items))
                            .help("give each option a `##` sub-heading or a list item (doing nothing counts as an option)"),
                    );
                }
            }
            None if s.required => {
                let near = headings
                    .iter()
                    .filter(|h| !t.sections.iter().any(|s| s.title == h.title))
                    .find(|h| {
                        did_you_mean(&h.title, [s.title.as_str()]).is_some()
                            || h.title.eq_ignore_ascii_case(&s.title)
                    });
                match near {
                    Some(h) => diags.push(
                        Diagnostic::error(
                            Code::TemplateSection,
                            format!(
                                "the mandatory section `{}` is titled `{}`",
                                s.title, h.title
                            ),
                        )
                        .at(&h.span, "renamed")
                        .help(format!(
                            "the template fixes this title: write `# {}`",
                            s.title
                        )),
                    ),
                    None => diags.push(
                        Diagnostic::error(
                            Code::TemplateSection,
                            format!("the mandatory section `{}` is missing", s.title),
                        )
                        .at(paper_span, "this paper")
                        .help(format!(
                            "add a `# {}` section to the narrative, in the template's order",
                            s.title
                        )),
                    ),
                }
            }
            None => {}
        }
    }

    // Limits on the summaries.
    let mut check_limit =
        |l: &Option<Limit>, key: &str, unit: &str, count: &dyn Fn(&str) -> usize| {
            let (Some(l), Some(n)) = (l, get(key)) else {
                return;
            };
            let Some(s) = value_text(n) else { return };
            let c = count(&s);
            let msg = match (l.min, l.max) {
                (_, Some(max)) if c > max => Some(format!(
                    "`{key}` has {c} {unit}, {} over the limit of {max}",
                    c - max
                )),
                (Some(min), _) if c < min => Some(format!(
                    "`{key}` has {c} {unit}, {} under the minimum of {min}",
                    min - c
                )),
                _ => None,
            };
            if let Some(msg) = msg {
                let d = push(diags, l.severity, Code::TemplateLimit, msg);
                *d = d
                    .clone()
                    .at(&n.span, format!("{c} {unit}"))
                    .help(format!("the template {} sets this limit", t.id));
            }
        };
    check_limit(&t.summary_words, "summary", "words", &words);
    check_limit(
        &t.social_summary_chars,
        "social-summary",
        "characters",
        &|s: &str| s.chars().count(),
    );
    if let Some(l) = &t.social_summary_chars
        && get("social-summary").is_none()
        && l.min.is_some()
    {
        diags.push(
            Diagnostic::error(
                Code::MissingField,
                format!("the template {} asks for a `social-summary`", t.id),
            )
            .at(paper_span, "this paper")
            .help("add `social-summary:` with the short summary for social media"),
        );
    }

    // Standard tables, under `standard-tables:` by the template's keys.
    let std_tables: &[(crate::load::yaml::Key, Node)] =
        match get("standard-tables").map(|n| &n.kind) {
            Some(NodeKind::Map(e)) => e,
            _ => &[],
        };
    for (k, _) in std_tables {
        if !t.tables.iter().any(|s| s.key == k.name) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownKey,
                    format!(
                        "`{}` is not a standard table of the template {}",
                        k.name, t.id
                    ),
                )
                .at(&k.span, "not in the template")
                .help(format!(
                    "the template's tables are: {}",
                    t.tables
                        .iter()
                        .map(|s| s.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    let mut tables = Vec::new();
    for spec in &t.tables {
        let n = std_tables
            .iter()
            .find(|(k, _)| k.name == spec.key)
            .map(|(_, v)| v);
        let rows: Vec<&Node> = match n.map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => items.iter().collect(),
            Some(_) => {
                diags.push(super::wrong(n.expect("matched"), "a list of rows"));
                Vec::new()
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::MissingField,
                        format!(
                            "the table `{}` ({}) is required by the template {}",
                            spec.key, spec.label, t.id
                        ),
                    )
                    .at(paper_span, "this paper")
                    .help(format!(
                        "add `{}:` under `standard-tables:` with a row for each of: {}",
                        spec.key,
                        spec.rows.join(", ")
                    )),
                );
                Vec::new()
            }
        };
        let mut printed_rows = Vec::new();
        let mut seen = Vec::new();
        for r in rows {
            let Some(mut rm) = MapReader::new(r, "a table row", diags) else {
                continue;
            };
            let row = rm.text("row");
            let body = rm.text("text");
            let signed = rm.opt_text("signed-off-by");
            rm.finish();
            let (Some(row), Some(body)) = (row, body) else {
                continue;
            };
            if spec.sign_off && signed.as_ref().is_none_or(|s| s.value.trim().is_empty()) {
                diags.push(
                    Diagnostic::error(
                        Code::TemplateRule,
                        format!("the {} implication has no sign-off", row.value),
                    )
                    .at(&row.span, "not signed off")
                    .help(
                        "add `signed-off-by:` with the name and role of the officer who agreed it",
                    ),
                );
            }
            seen.push(row.value.clone());
            printed_rows.push(json!({"row": row.value, "text": body.value, "signed_off_by": signed.map(|s| s.value)}));
        }
        if n.is_some() {
            for need in spec
                .rows
                .iter()
                .filter(|r| !seen.iter().any(|s| s.eq_ignore_ascii_case(r)))
            {
                diags.push(
                    Diagnostic::error(
                        Code::MissingField,
                        format!("the table `{}` has no {need} row", spec.key),
                    )
                    .at(&where_(n), "rows")
                    .help(format!(
                        "the template {} requires a row for each of: {}",
                        t.id,
                        spec.rows.join(", ")
                    )),
                );
            }
        }
        tables.push(json!({"label": spec.label, "sign_off": spec.sign_off, "rows": printed_rows}));
    }
    let social = get("social-summary").and_then(value_text);
    json!({
        "id": t.id,
        "name": t.title,
        "numbered": t.numbered,
        "cover": printed,
        "tables": tables,
        "social_summary": social,
    })
}
