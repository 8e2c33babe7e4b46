//! Report templates: `templates/<name>-vN.yaml` → [`Template`], and a paper
//! checked against its template — cover fields, conditions, mandatory
//! sections in order, limits and standard tables — with every departure
//! located. Severity per rule is the council's choice (`severity: warning`).

use super::{MapReader, did_you_mean, one_of, text};
use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::load::yaml::{Node, NodeKind};
use crate::model::Sp;
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

/// The most a template may ask of each count. A larger number is a typo (a
/// minimum of a million words), and `quire new paper --template` writes a
/// scaffold that meets the template's minimums, so it must stay small.
const MAX_WORDS: usize = 20_000;
const MAX_CHARACTERS: usize = 100_000;
const MAX_PAGES: usize = 1_000;
const MAX_ITEMS: usize = 100;
const MAX_ROWS: usize = 1_000;

fn measure_max(m: Measure) -> usize {
    match m {
        Measure::Words => MAX_WORDS,
        Measure::Characters => MAX_CHARACTERS,
        Measure::Sentences | Measure::Paragraphs | Measure::SentenceWords => MAX_ITEMS * 10,
    }
}

/// A count a template declares: a whole number from 0 to `max`.
fn count(n: &Node, max: usize, what: &str, diags: &mut Diagnostics) -> Option<usize> {
    let v = super::int(n, diags)?;
    if v.value < 0 || v.value as u64 > max as u64 {
        diags.push(
            Diagnostic::error(
                Code::TemplateNumber,
                format!(
                    "{what} of {} is outside what a template may ask (0 to {max})",
                    v.value
                ),
            )
            .at(&n.span, format!("0 to {max}"))
            .help("check the number: a template's limits are counts a paper can meet"),
        );
        return None;
    }
    Some(v.value as usize)
}

fn limit(n: &Node, what: &'static str, max: usize, diags: &mut Diagnostics) -> Option<Limit> {
    let mut m = MapReader::new(n, what, diags)?;
    let min = m
        .opt("min")
        .and_then(|v| count(v, max, "a minimum", m.diags));
    let max_node = m.opt("max");
    let max = max_node.and_then(|v| count(v, max, "a maximum", m.diags));
    let severity = severity(&mut m);
    let span = m.span().clone();
    m.finish();
    if let (Some(lo), Some(hi), Some(at)) = (min, max, max_node)
        && lo > hi
    {
        diags.push(
            Diagnostic::error(
                Code::TemplateNumber,
                format!("this limit's minimum ({lo}) is more than its maximum ({hi})"),
            )
            .at(&at.span, "no paper can meet both")
            .help("swap the two numbers, or correct the one that is wrong"),
        );
        return None;
    }
    Some(Limit {
        min,
        max,
        severity,
        span,
    })
}

/// The limits a part of a paper may have: `words`, `characters`, `sentences`,
/// `paragraphs`, `sentence-words`, each `{ min: …, max: … }`.
fn limits(m: &mut MapReader) -> Limits {
    let mut out = Vec::new();
    for &(key, measure) in Measure::ALL {
        if let Some(n) = m.opt(key)
            && let Some(l) = limit(n, "a limit", measure_max(measure), m.diags)
        {
            out.push((measure, l));
        }
    }
    Limits(out)
}

/// The cover fields of the county committee report (`committee-report@N`),
/// read from the paper's top-level keys.
pub const FIXED_COVER: &[&str] = &[
    "from",
    "to",
    "committee",
    "meeting-date",
    "subject",
    "decision-number",
    "key-decision",
    "classification",
    "past-pathway",
    "future-pathway",
    "electoral-divisions",
];

/// A name, label or title of the template: one line (it is printed as a
/// label, and `quire new paper --template` writes it into the new paper).
/// Reported, and kept (so that papers on the template are still checked).
fn line(t: Sp<String>, diags: &mut Diagnostics) -> Option<Sp<String>> {
    if t.value.contains(['\n', '\r']) {
        diags.push(
            Diagnostic::error(Code::InvalidValue, "this text holds a line break")
                .at(&t.span, "must be one line")
                .help("write it on one line: a label, title or name of a template is printed on one line"),
        );
    }
    Some(t)
}

/// A key the template asks papers to write: a word of letters, digits, `-`
/// and `_` (it becomes a YAML key of every paper on the template). Reported,
/// and kept.
fn word(t: Sp<String>, diags: &mut Diagnostics) -> Option<Sp<String>> {
    let ok = !t.value.is_empty()
        && t.value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("`{}` cannot be a key", t.value),
            )
            .at(&t.span, "not a word")
            .help("a key is one word of letters, digits, `-` and `_`, e.g. `lead-officer`: papers on the template write it as a key"),
        );
    }
    Some(t)
}

/// A word from `allowed`, or a list of them (`require: [name, email]`).
fn words_of(n: &Node, allowed: &[&str], what: &str, diags: &mut Diagnostics) -> Vec<Sp<String>> {
    #[cfg(test)]
    crate::validate::record::read(n, crate::validate::record::Read::List);
    match &n.kind {
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| one_of(i, allowed, what, diags))
            .collect(),
        _ => one_of(n, allowed, what, diags).into_iter().collect(),
    }
}

/// Reads a template file.
pub fn template(id: &str, node: &Node, diags: &mut Diagnostics) -> Option<Template> {
    let mut m = MapReader::new(node, "the report template", diags)?;
    let title = m
        .text("name")
        .and_then(|t| line(t, m.diags))
        .map(|t| t.value)
        .unwrap_or_default();
    let numbered_given = m.opt_bool("numbered-sections");
    let numbering = match m.opt("numbering") {
        Some(n) => match one_of(
            n,
            &["sections", "paragraphs", "none"],
            "numbering scheme",
            m.diags,
        )
        .map(|t| t.value)
        .as_deref()
        {
            Some("paragraphs") => Numbering::Paragraphs,
            Some("none") => Numbering::None,
            _ => Numbering::Sections,
        },
        None => match numbered_given {
            Some(false) => Numbering::None,
            _ => Numbering::Sections,
        },
    };
    let numbered = numbering == Numbering::Sections;
    let appendix_letters = super::paper::appendix_numbering(&mut m);
    let layout = m
        .opt_text("layout")
        .and_then(|t| super::paper::layout_ref(t, "council-report", m.diags));
    let style = m
        .opt("house-style")
        .map(|n| super::project::style(n, m.diags));
    let paper = m
        .opt("paper-size")
        .and_then(|n| one_of(n, &["a4", "a3", "us-letter"], "paper size", m.diags))
        .map(|t| t.value);
    let cover = m.list("cover", true, |n, d| {
        let mut f = MapReader::new(n, "a cover field", d)?;
        let key = f.text("key").and_then(|k| word(k, f.diags));
        let label = f.text("label").and_then(|t| line(t, f.diags));
        let ty_node = f.req("type");
        let choices: Vec<_> = f
            .texts("choices", false)
            .into_iter()
            .filter_map(|t| line(t, f.diags))
            .collect();
        let required = f.opt_bool("required").unwrap_or(false);
        let help = f.opt_text("help").map(|t| t.value);
        let severity = severity(&mut f);
        let limits = limits(&mut f);
        // A person's parts the template requires: each a part a paper writes.
        let require_node = f.opt("require");
        let parts: Vec<Sp<String>> = require_node
            .map(|n| words_of(n, PERSON_PARTS, "part of a person", f.diags))
            .unwrap_or_default();
        let in_order_node = f.opt("in-order");
        let in_order = f.opt_bool("in-order").unwrap_or(false);
        let names_node = f.opt("names-committee");
        let names_committee = f.opt_bool("names-committee").unwrap_or(false);
        f.finish();
        let ty_name = ty_node.and_then(|t| {
            one_of(t, &["text", "person", "people", "date", "yes-no", "choice", "wards", "meetings"], "cover field type", d)
        })?;
        // Options that belong to one type of field, given to another.
        let own: &[(Option<&Node>, &str, &[&str])] = &[
            (require_node, "require", &["person", "people"]),
            (in_order_node, "in-order", &["meetings"]),
            (names_node, "names-committee", &["meetings"]),
        ];
        for (n, key, types) in own {
            if let Some(n) = n
                && !types.contains(&ty_name.value.as_str())
            {
                d.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("a `{}` field has no `{key}`", ty_name.value),
                    )
                    .at(&n.span, format!("only for type {}", types.join(" or ")))
                    .also(&ty_name.span, "this field's type")
                    .help(format!("remove `{key}`, or give the field the type {}", types.join(" or "))),
                );
            }
        }
        let mut parts: Vec<String> = parts.into_iter().map(|p| p.value).collect();
        if !parts.iter().any(|p| p == "name") {
            parts.insert(0, "name".into());
        }
        let ty = match ty_name.value.as_str() {
            "person" => FieldType::Person,
            "people" => FieldType::People,
            "meetings" => FieldType::Meetings,
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
        Some(CoverField { key: key?.value, label: label?.value, ty, required, help, severity, limits, parts, in_order, names_committee })
    });
    let rules = m.list("rules", false, |n, d| {
        let mut r = MapReader::new(n, "a rule", d)?;
        #[cfg(test)]
        if let Some(w) = r.opt("when") {
            crate::validate::record::read(w, crate::validate::record::Read::MapOf);
        }
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
        let require: Vec<String> = r
            .texts("require", false)
            .into_iter()
            .map(|t| t.value)
            .collect();
        let forbid: Vec<String> = r
            .texts("forbid", false)
            .into_iter()
            .map(|t| t.value)
            .collect();
        let message = r.opt_text("message").map(|t| t.value);
        let severity = severity(&mut r);
        let span = r.span().clone();
        r.finish();
        if require.is_empty() && forbid.is_empty() {
            d.push(
                Diagnostic::error(Code::MissingField, "this rule requires and forbids nothing")
                    .at(&span, "a rule")
                    .help("add `require: [field, …]` (fields or sections that must be there) or `forbid: [field, …]` (fields that must not)"),
            );
            return None;
        }
        Some(Rule {
            when,
            require,
            forbid,
            message,
            severity,
            span,
        })
    });
    let sections = m.list("sections", false, |n, d| {
        let mut s = MapReader::new(n, "a section", d)?;
        let title = s.text("title").and_then(|t| line(t, s.diags));
        let required = s.opt_bool("required").unwrap_or(true);
        let min_items = s
            .opt("min-items")
            .and_then(|v| count(v, MAX_ITEMS, "a number of options", s.diags));
        let must_include = s
            .texts("must-include", false)
            .into_iter()
            .filter_map(|t| line(t, s.diags))
            .map(|t| t.value)
            .collect();
        let severity = severity(&mut s);
        let limits = limits(&mut s);
        let span = s.span().clone();
        s.finish();
        Some(SectionSpec {
            title: title?.value,
            required,
            min_items,
            must_include,
            severity,
            span,
            limits,
        })
    });
    let (mut summary_words, mut social_summary_chars, mut pages) = (None, None, None);
    let mut summary_lines = None;
    let mut page_count = PageCount::All;
    let mut parts = Vec::new();
    if let Some(l) = m.opt("limits")
        && let Some(mut lm) = MapReader::new(l, "the limits", m.diags)
    {
        summary_words = lm
            .opt("summary-words")
            .and_then(|n| limit(n, "a word limit", MAX_WORDS, lm.diags));
        summary_lines = lm
            .opt("summary-lines")
            .and_then(|n| limit(n, "a line limit", MAX_PAGES * 60, lm.diags));
        social_summary_chars = lm
            .opt("social-summary-characters")
            .and_then(|n| limit(n, "a character limit", MAX_CHARACTERS, lm.diags));
        if let Some(n) = lm.opt("pages") {
            // `counts:` says what the council counts; the rest is a limit.
            if let Some(mut pm) = MapReader::new(n, "a page limit", lm.diags) {
                let min = pm
                    .opt("min")
                    .and_then(|v| count(v, MAX_PAGES, "a minimum", pm.diags));
                let max = pm
                    .opt("max")
                    .and_then(|v| count(v, MAX_PAGES, "a maximum", pm.diags));
                if let Some(c) = pm.opt("counts") {
                    page_count =
                        match one_of(c, &["all", "body"], "what the page limit counts", pm.diags) {
                            Some(t) if t.value == "body" => PageCount::Body,
                            _ => PageCount::All,
                        };
                }
                let severity = severity(&mut pm);
                let span = pm.span().clone();
                pm.finish();
                pages = Some(Limit {
                    min,
                    max,
                    severity,
                    span,
                });
            }
        }
        for key in ["summary", "social-summary", "narrative"] {
            if let Some(n) = lm.opt(key)
                && let Some(mut pm) = MapReader::new(n, "limits on a part of the paper", lm.diags)
            {
                let l = limits(&mut pm);
                pm.finish();
                parts.push((key.to_string(), l));
            }
        }
        lm.finish();
    }
    let late = m.opt("late").and_then(|n| lateness(n, &cover, m.diags));
    let tables = m.list("tables", false, |n, d| {
        let mut t = MapReader::new(n, "a standard table", d)?;
        let key = t.text("key").and_then(|k| word(k, t.diags));
        let label = t.text("label").and_then(|l| line(l, t.diags));
        let columns = t.list("columns", false, |n, d| {
            let mut c = MapReader::new(n, "a table column", d)?;
            let key = c.text("key").and_then(|k| word(k, c.diags));
            let label = c.text("label").and_then(|l| line(l, c.diags));
            let ty = c.opt("type").and_then(|n| {
                one_of(n, &["text", "date", "yes-no", "choice"], "column type", c.diags)
            });
            let date = ty.as_ref().is_some_and(|t| t.value == "date");
            let listed: Vec<String> = c
                .texts("choices", false)
                .into_iter()
                .filter_map(|t| line(t, c.diags))
                .map(|t| t.value)
                .collect();
            // A cell's values as the council fixes them: yes or no, or a choice.
            let choices = match ty.as_ref().map(|t| t.value.as_str()) {
                Some("yes-no") => vec!["Yes".to_string(), "No".to_string()],
                Some("choice") if listed.is_empty() => {
                    let at = ty.as_ref().map_or(c.span().clone(), |t| t.span.clone());
                    c.diags.push(
                        Diagnostic::error(Code::MissingField, "a choice column needs its `choices`")
                            .at(&at, "choice")
                            .help("list the values a cell may hold, e.g. `choices: [Yes, No, Not applicable]`"),
                    );
                    return None;
                }
                Some("choice") => listed,
                _ => Vec::new(),
            };
            let required = c.opt_bool("required").unwrap_or(true);
            let limits = limits(&mut c);
            c.finish();
            Some(ColumnSpec {
                key: key?.value,
                label: label?.value,
                date,
                choices,
                required,
                limits,
            })
        });
        // The implications shape names its rows; a table with columns may.
        let rows = t
            .texts("rows", columns.is_empty())
            .into_iter()
            .filter_map(|r| line(r, t.diags))
            .map(|r| r.value)
            .collect();
        let sign_off = t.opt_bool("sign-off").unwrap_or(false);
        let required = t.opt_bool("required").unwrap_or(true);
        let severity = severity(&mut t);
        let min_rows = t
            .opt("min-rows")
            .and_then(|v| count(v, MAX_ROWS, "a number of rows", t.diags));
        // `place: front | end`, or `place: { section: Title }`.
        let (mut front, mut section) = (false, None);
        match t.opt("place") {
            Some(v @ Node { kind: NodeKind::Map(_), .. }) => {
                if let Some(mut pm) = MapReader::new(v, "a table's place", t.diags) {
                    section = pm.text("section").and_then(|l| line(l, pm.diags)).map(|l| l.value);
                    pm.finish();
                }
            }
            Some(v) => {
                front = one_of(v, &["front", "end"], "table place", t.diags)
                    .is_some_and(|v| v.value == "front");
            }
            None => {}
        }
        t.finish();
        Some(TableSpec {
            key: key?.value,
            label: label?.value,
            rows,
            sign_off,
            columns,
            required,
            min_rows,
            front,
            section,
            severity,
        })
    });
    // The cover as the council lays it out: the summary's own heading, and
    // which of the paper's fields are rows of the cover grid.
    let summary_label = m
        .opt_text("summary-label")
        .and_then(|l| line(l, m.diags))
        .map(|l| l.value);
    let cover_rows = m.list("cover-rows", false, |n, d| {
        let mut r = MapReader::new(n, "a cover row", d)?;
        let field = r.req("field").and_then(|v| {
            one_of(
                v,
                &["committee", "meeting-date", "subject"],
                "cover row field",
                r.diags,
            )
        });
        let label = r.text("label").and_then(|l| line(l, r.diags));
        r.finish();
        Some((field?.value, label?.value))
    });
    // A layout with a fixed cover (the county committee report) prints its own
    // fields from the paper's top-level keys and no standard tables.
    if let Some(l) = layout.as_ref().filter(|l| l.name == "committee-report") {
        let span = m.span().clone();
        for f in cover
            .iter()
            .filter(|f| !FIXED_COVER.contains(&f.key.as_str()))
        {
            m.diags.push(
                Diagnostic::error(
                    Code::Layout,
                    format!("the layout {} has no cover field `{}`", l.label(), f.key),
                )
                .at(&span, "this template")
                .help(format!(
                    "its cover fields are the paper's keys {}; for a cover of your own fields use `layout: council-report@2`",
                    FIXED_COVER.join(", ")
                )),
            );
        }
        if !tables.is_empty() {
            m.diags.push(
                Diagnostic::error(
                    Code::Layout,
                    format!("the layout {} prints no standard tables", l.label()),
                )
                .at(&span, "this template")
                .help("remove `tables:`, or use `layout: council-report@2`, which prints them"),
            );
        }
    }
    m.finish();
    Some(Template {
        appendix_letters,
        id: id.to_string(),
        title,
        cover,
        rules,
        sections,
        numbered,
        numbering,
        layout,
        style,
        paper,
        summary_words,
        summary_lines,
        social_summary_chars,
        pages,
        page_count,
        parts,
        tables,
        summary_label,
        cover_rows,
        late,
    })
}

/// The most working days before a meeting a template may set a deadline.
const MAX_WORKING_DAYS: usize = 60;

/// A time of day written `HH:MM` (24-hour clock).
fn time_of_day(n: &Node, diags: &mut Diagnostics) -> Option<chrono::NaiveTime> {
    let t = text(n, diags)?;
    match chrono::NaiveTime::parse_from_str(t.value.trim(), "%H:%M") {
        Ok(time) => Some(time),
        Err(_) => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a time of day", t.value),
                )
                .at(&n.span, "expected a time such as \"10:00\"")
                .help("write the time on the 24-hour clock in quotes, e.g. `released-after: \"10:00\"` for 10am"),
            );
            None
        }
    }
}

/// `late:`: when a paper is late, as the council defines it.
fn lateness(n: &Node, cover: &[CoverField], diags: &mut Diagnostics) -> Option<Lateness> {
    let mut l = MapReader::new(n, "when a paper is late", diags)?;
    let days = l
        .req("working-days-before")
        .and_then(|v| count(v, MAX_WORKING_DAYS, "a number of working days", l.diags));
    let released_after = l
        .opt("released-after")
        .and_then(|v| time_of_day(v, l.diags));
    let holidays = l
        .list("holidays", false, super::date)
        .into_iter()
        .map(|d| d.value)
        .collect();
    let flag = l.opt_text("field");
    let require = l
        .texts("require", false)
        .into_iter()
        .map(|t| t.value)
        .collect();
    let message = l.opt_text("message").map(|t| t.value);
    let severity = severity(&mut l);
    let span = l.span().clone();
    l.finish();
    // The field in which a paper says whether it is late: a yes/no cover field.
    if let Some(f) = &flag
        && !cover
            .iter()
            .any(|c| c.key == f.value && c.ty == FieldType::YesNo)
    {
        let yes_no: Vec<&str> = cover
            .iter()
            .filter(|c| c.ty == FieldType::YesNo)
            .map(|c| c.key.as_str())
            .collect();
        diags.push(
            Diagnostic::error(
                Code::UnknownReference,
                format!("`{}` is not a yes/no cover field of this template", f.value),
            )
            .at(&f.span, "not a yes/no cover field")
            .help(if yes_no.is_empty() {
                "add a cover field of `type: yes-no` in which a paper says whether it is late, and name it here".to_string()
            } else {
                format!("name one of the yes/no cover fields: {}", yes_no.join(", "))
            }),
        );
    }
    Some(Lateness {
        working_days_before: days? as u32,
        released_after,
        holidays,
        flag: flag.map(|f| f.value),
        require,
        message,
        severity,
        span,
    })
}

/// A level-1 heading of the narrative: its title and where it is.
pub struct Heading {
    pub title: String,
    pub span: Span,
    /// `##` sub-headings and top-level list items under it (its options).
    pub items: usize,
    /// Their text, for options the template requires by name ("Do nothing").
    pub item_text: Vec<String>,
    /// The section's Markdown below its heading, up to the next level-1
    /// heading (it may run on into the next narrative file).
    pub body: Vec<(Span, String)>,
}

/// The level-1 headings of narrative files, in order.
pub fn headings(sources: &SourceMap, files: &[FileId]) -> Vec<Heading> {
    use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
    let mut out: Vec<Heading> = Vec::new();
    for &f in files {
        let text = sources.text(f);
        let mut open: Option<(usize, String, HeadingLevel)> = None;
        let mut depth = 0usize;
        let mut item: Option<String> = None;
        for (ev, range) in
            Parser::new_ext(text, crate::load::markdown::options()).into_offset_iter()
        {
            match ev {
                Event::Start(Tag::Heading { level, .. }) => {
                    open = Some((range.start, String::new(), level))
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, s, _)) = open.as_mut() {
                        s.push_str(&t);
                    } else if let Some(s) = item.as_mut() {
                        s.push_str(&t);
                        s.push(' ');
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((start, title, level)) = open.take() {
                        if level == HeadingLevel::H1 {
                            out.push(Heading {
                                title: title.trim().to_string(),
                                span: Span::new(f, start..range.end),
                                items: 0,
                                item_text: Vec::new(),
                                body: Vec::new(),
                            });
                        } else if level == HeadingLevel::H2
                            && let Some(h) = out.last_mut()
                        {
                            h.items += 1;
                            h.item_text.push(title);
                        }
                    }
                }
                Event::Start(Tag::List(_)) => depth += 1,
                Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
                Event::Start(Tag::Item) if depth == 1 => {
                    if let Some(h) = out.last_mut() {
                        h.items += 1;
                        item = Some(String::new());
                    }
                }
                Event::End(TagEnd::Item) if depth == 1 => {
                    if let (Some(h), Some(text)) = (out.last_mut(), item.take()) {
                        h.item_text.push(text.trim().to_string());
                    }
                }
                _ => {}
            }
        }
    }
    // Each section's body: from its heading to the next level-1 heading, over
    // file boundaries.
    let starts: Vec<(usize, FileId, usize, usize)> = out
        .iter()
        .enumerate()
        .map(|(i, h)| (i, h.span.file, h.span.range.start, h.span.range.end))
        .collect();
    for (k, &(i, file, _, end)) in starts.iter().enumerate() {
        let next = starts.get(k + 1).map(|&(_, f, s, _)| (f, s));
        let first = files.iter().position(|&f| f == file).unwrap_or(0);
        for &f in &files[first..] {
            let from = if f == file { end } else { 0 };
            let len = sources.text(f).len();
            match next {
                Some((nf, ns)) if nf == f => {
                    let text = sources.text(f)[from..ns].to_string();
                    out[i].body.push((Span::new(f, from..ns), text));
                    break;
                }
                _ => {
                    let text = sources.text(f)[from..len].to_string();
                    out[i].body.push((Span::new(f, from..len), text));
                }
            }
        }
    }
    out
}

/// A piece of text measured as a reader counts it: words, characters,
/// sentences and top-level paragraphs, and where each sentence is.
#[derive(Debug, Default, PartialEq)]
pub struct Measured {
    pub words: usize,
    pub characters: usize,
    pub paragraphs: usize,
    /// Each sentence: its words and its byte range in the measured text.
    pub sentences: Vec<(usize, std::ops::Range<usize>)>,
}

impl Measured {
    fn get(&self, m: Measure) -> usize {
        match m {
            Measure::Words => self.words,
            Measure::Characters => self.characters,
            Measure::Paragraphs => self.paragraphs,
            Measure::Sentences => self.sentences.len(),
            Measure::SentenceWords => self.sentences.iter().map(|s| s.0).max().unwrap_or(0),
        }
    }
}

/// Words that end in a full stop without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "etc.", "mr.", "mrs.", "ms.", "dr.", "no.", "nos.", "st.", "para.", "cf.",
    "vs.", "approx.", "incl.", "cllr.", "prof.",
];

/// Measures Markdown (a section, a summary) or plain text (a cover field).
/// Headings are not counted; a template expression (`{{ … }}`) is one word,
/// as the figure it prints. Sentences end at `.`, `!` or `?` before a space,
/// and at the end of every paragraph, list item or table cell.
pub fn measure(md: &str) -> Measured {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    // A template expression becomes one word of the same length, so offsets hold.
    let mut src = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(i) = rest.find("{{") {
        src.push_str(&rest[..i]);
        match rest[i..].find("}}") {
            Some(j) => {
                src.push('0');
                src.extend(std::iter::repeat_n(' ', j + 1));
                rest = &rest[i + j + 2..];
            }
            None => {
                src.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    src.push_str(rest);
    let mut out = Measured::default();
    // Blocks of text, each a list of (text, offset in `src`) runs.
    let mut blocks: Vec<Vec<(String, usize)>> = Vec::new();
    let mut current: Option<Vec<(String, usize)>> = None;
    let (mut containers, mut in_heading) = (0usize, false);
    for (ev, range) in Parser::new_ext(&src, crate::load::markdown::options()).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::Paragraph) => {
                if containers == 0 {
                    out.paragraphs += 1;
                }
                blocks.extend(current.replace(Vec::new()));
            }
            Event::Start(Tag::Item | Tag::TableCell) => {
                blocks.extend(current.replace(Vec::new()));
            }
            Event::Start(
                Tag::List(_) | Tag::BlockQuote(_) | Tag::Table(_) | Tag::FootnoteDefinition(_),
            ) => containers += 1,
            Event::End(
                TagEnd::List(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::Table
                | TagEnd::FootnoteDefinition,
            ) => containers = containers.saturating_sub(1),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                blocks.extend(current.take());
            }
            Event::Text(t) | Event::Code(t) if !in_heading => {
                current
                    .get_or_insert_with(Vec::new)
                    .push((t.to_string(), range.start));
            }
            Event::SoftBreak | Event::HardBreak if !in_heading => {
                current
                    .get_or_insert_with(Vec::new)
                    .push((" ".into(), range.start));
            }
            _ => {}
        }
    }
    blocks.extend(current.take());
    for runs in blocks {
        // Words with their offsets in `src`.
        let mut words: Vec<(String, usize, usize)> = Vec::new();
        let mut text_len = 0;
        // Whether the last run ended inside a word (`council` before `’s`).
        let mut joined = false;
        for (text, at) in &runs {
            text_len += text.chars().count();
            let mut start: Option<usize> = None;
            for (i, c) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
            {
                match (c.is_whitespace(), start) {
                    (false, None) => start = Some(i),
                    (true, Some(st)) => {
                        let w = &text[st..i];
                        // A word split across runs (`**bold**ly`, a curly
                        // apostrophe) stays one word.
                        if st == 0
                            && joined
                            && let Some(last) = words.last_mut()
                        {
                            last.0.push_str(w);
                            last.2 = (at + i).max(last.2);
                        } else {
                            words.push((w.to_string(), at + st, at + i));
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
            joined = text.chars().last().is_some_and(|c| !c.is_whitespace());
        }
        out.characters += text_len;
        let words: Vec<_> = words
            .into_iter()
            .filter(|w| w.0.chars().any(char::is_alphanumeric))
            .collect();
        out.words += words.len();
        let mut first = 0;
        for (i, (w, _, _)) in words.iter().enumerate() {
            let bare = w.trim_end_matches(['"', '\'', '’', '”', ')', ']']);
            let ends = bare.ends_with(['.', '!', '?'])
                && !ABBREVIATIONS.contains(&bare.to_lowercase().as_str())
                // An initial ("J. Smith") ends nothing.
                && !(bare.len() == 2 && bare.starts_with(|c: char| c.is_uppercase()));
            if ends || i + 1 == words.len() {
                out.sentences
                    .push((i + 1 - first, words[first].1..words[i].2));
                first = i + 1;
            }
        }
    }
    out
}

fn value_text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Str(s) => Some(s.trim().to_string()),
        NodeKind::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        NodeKind::Int(_) | NodeKind::Float(_) => n.raw.clone(),
        _ => None,
    }
}

/// One part's text against its limits. `what` names the part in messages
/// ("`summary`", "the section `Context`"); each piece is a text with where it
/// is, and `offsets` says whether a sentence can be pointed at inside it (true
/// for Markdown files, false for YAML values, pointed at whole).
fn check_limits(
    limits: &Limits,
    what: &str,
    at: &Span,
    pieces: &[(Span, &str)],
    offsets: bool,
    template: &str,
    diags: &mut Diagnostics,
) {
    if limits.0.is_empty() || pieces.is_empty() {
        return;
    }
    let measured: Vec<(&Span, Measured)> = pieces.iter().map(|(sp, t)| (sp, measure(t))).collect();
    for (m, l) in &limits.0 {
        if *m == Measure::SentenceWords {
            let Some(max) = l.max else { continue };
            for (span, ms) in &measured {
                for (n, r) in ms.sentences.iter().filter(|(n, _)| *n > max) {
                    let where_ = if offsets {
                        Span::new(
                            span.file,
                            span.range.start + r.start..span.range.start + r.end,
                        )
                    } else {
                        (*span).clone()
                    };
                    diags.push(
                        Diagnostic::new(
                            l.severity,
                            Code::TemplateLimit,
                            format!(
                                "a sentence in {what} has {n} words, {} over the template's limit of {max}",
                                n - max
                            ),
                        )
                        .at(&where_, format!("{n} words"))
                        .help(format!("split it into shorter sentences: the template {template} asks for sentences of at most {max} words")),
                    );
                }
            }
            continue;
        }
        let c: usize = measured.iter().map(|(_, ms)| ms.get(*m)).sum();
        let msg = match (l.min, l.max) {
            (_, Some(max)) if c > max => format!(
                "{what} has {c} {}, {} over the template's limit of {max}",
                m.unit(c),
                c - max
            ),
            (Some(min), _) if c < min => format!(
                "{what} has {c} {}, {} under the template's minimum of {min}",
                m.unit(c),
                min - c
            ),
            _ => continue,
        };
        let range = match (l.min, l.max) {
            (Some(a), Some(b)) if a == b => format!("exactly {a} {}", m.unit(a)),
            (Some(a), Some(b)) => format!("{a} to {b} {}", m.unit(b)),
            (None, Some(b)) => format!("at most {b} {}", m.unit(b)),
            (Some(a), None) => format!("at least {a} {}", m.unit(a)),
            (None, None) => String::new(),
        };
        diags.push(
            Diagnostic::new(l.severity, Code::TemplateLimit, msg)
                .at(at, format!("{c} {}", m.unit(c)))
                .help(format!("the template {template} asks for {range}")),
        );
    }
}

/// The name of an option as a template names it: a `##` heading or list item
/// without its numbering ("Option 2: ", "2.", "(b)") and without what follows
/// a colon or dash ("Do nothing – the centre closes").
fn option_name(text: &str) -> String {
    let mut t = text.trim();
    let lower = t.to_lowercase();
    if let Some(rest) = lower.strip_prefix("option") {
        let rest_t = rest.trim_start_matches(|c: char| c.is_whitespace() || c.is_alphanumeric());
        if rest_t.starts_with([':', '.', '-', '–', '—']) || rest_t.is_empty() {
            // "Option 2: Do nothing" → "Do nothing"; a bare "Option 2" stays.
            let cut = t.len() - rest_t.len();
            let after = t[cut..]
                .trim_start_matches([':', '.', '-', '–', '—'])
                .trim();
            if !after.is_empty() {
                t = after;
            }
        }
    }
    let t = t
        .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | '('))
        .trim();
    let end = [":", " – ", " — ", " - ", ". "]
        .iter()
        .filter_map(|sep| t.find(sep))
        .min()
        .unwrap_or(t.len());
    t[..end]
        .trim()
        .trim_end_matches(['.', ';', ','])
        .to_string()
}

/// The whole of a value as written: a mapping or a list from its first
/// character to the end of its last value (the tree spans a collection by
/// where it starts).
fn extent(n: &Node) -> Span {
    let end = match &n.kind {
        NodeKind::Map(e) => e.last().map(|(_, v)| extent(v).range.end),
        NodeKind::Seq(i) => i.last().map(|v| extent(v).range.end),
        _ => None,
    };
    match end {
        Some(e) if e > n.span.range.end => Span::new(n.span.file, n.span.range.start..e),
        _ => n.span.clone(),
    }
}

/// A person as a cover field holds them, read by its parts.
struct PersonParts {
    name: String,
    role: Option<String>,
    telephone: Option<String>,
    email: Option<String>,
    area: Option<String>,
}

/// Reads a person (`{ name, role, telephone, email, area }`) and tells, into
/// `owed`, each part the template requires that it does not give, at the
/// person. `in_list`: one of the people of a `people` field.
fn person(
    n: &Node,
    f: &CoverField,
    template: &str,
    in_list: bool,
    diags: &mut Diagnostics,
    owed: &mut Vec<Diagnostic>,
) -> Option<PersonParts> {
    let mut pm = MapReader::new(n, "a person", diags)?;
    let name = pm.text("name");
    let role = pm.opt_text("role");
    let telephone = pm.opt_text("telephone");
    let email = pm.opt_text("email");
    let area = pm.opt_text("area");
    let email = email.and_then(|e| super::email(e, pm.diags));
    pm.finish();
    let given = |t: &Option<Sp<String>>| {
        t.as_ref()
            .map(|t| t.value.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let (role, telephone, area) = (given(&role), given(&telephone), given(&area));
    let email = email.filter(|e| !e.trim().is_empty());
    for part in f.parts.iter().filter(|p| p.as_str() != "name") {
        let has = match part.as_str() {
            "role" => role.is_some(),
            "telephone" => telephone.is_some(),
            "email" => email.is_some(),
            "area" => area.is_some(),
            _ => true,
        };
        // An email that is not one was reported as such: one problem, once.
        let bad_email = part == "email" && n.get("email").is_some();
        if has || bad_email {
            continue;
        }
        let what = match part.as_str() {
            "role" => "role (job title)",
            other => other,
        };
        let whom = if in_list {
            format!("a person in `{}` ({})", f.key, f.label)
        } else {
            format!("`{}` ({})", f.key, f.label)
        };
        let example = match part.as_str() {
            "role" => "role: Head of Leisure",
            "telephone" => "telephone: 01632 960000",
            "email" => "email: name@example.gov.uk",
            _ => "area: Place",
        };
        owed.push(
            Diagnostic::new(
                f.severity,
                Code::TemplatePerson,
                format!("{whom} gives no {what}"),
            )
            .at(&extent(n), format!("no `{part}` here"))
            .help(if in_list {
                format!(
                    "add `{example}` (theirs) to this person: the template {template} asks for each person's {}",
                    list_words(&f.parts)
                )
            } else {
                format!(
                    "add `{example}` (theirs) to `{}`: the template {template} asks for their {}",
                    f.key,
                    list_words(&f.parts)
                )
            }),
        );
    }
    Some(PersonParts {
        name: name?.value,
        role,
        telephone,
        email,
        area,
    })
}

/// "name, role, telephone and email".
fn list_words(words: &[String]) -> String {
    let words: Vec<String> = words
        .iter()
        .map(|w| {
            if w == "role" {
                "role (job title)".into()
            } else {
                w.clone()
            }
        })
        .collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Reads a list of meetings (`- { meeting: Cabinet, date: 2026-03-12 }`):
/// each a committee and a real date; with `in-order`, dates that do not run
/// in order are a warning; with `names-committee`, the list must name the
/// paper's own committee on its meeting date.
fn meetings(
    v: &Node,
    list_at: &Span,
    f: &CoverField,
    paper: &crate::model::paper::Paper,
    diags: &mut Diagnostics,
    owed: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, chrono::NaiveDate)>> {
    let NodeKind::Seq(items) = &v.kind else {
        diags.push(super::wrong(
            v,
            "a list of meetings, each `{ meeting: …, date: YYYY-MM-DD }`",
        ));
        return None;
    };
    let mut out: Vec<(String, chrono::NaiveDate, Span)> = Vec::new();
    for i in items {
        let Some(mut mm) = MapReader::new(i, "a meeting", diags) else {
            continue;
        };
        let meeting = mm.text("meeting");
        let date = mm.date("date");
        mm.finish();
        if let (Some(m), Some(d)) = (meeting, date) {
            out.push((m.value.trim().to_string(), d.value, extent(i)));
        }
    }
    if items.is_empty() {
        owed.push(
            Diagnostic::new(
                f.severity,
                Code::MissingField,
                format!("`{}` names no meeting", f.key),
            )
            .at(&v.span, "empty")
            .help("list the meetings the paper goes to, each `{ meeting: Cabinet, date: 2026-03-12 }`"),
        );
    }
    if f.in_order {
        for w in out.windows(2) {
            if w[1].1 < w[0].1 {
                owed.push(
                    Diagnostic::warning(
                        Code::TemplateRule,
                        format!(
                            "`{}` lists {} on {} after {} on {}",
                            f.key,
                            w[1].0,
                            crate::model::dates::long_date(w[1].1),
                            w[0].0,
                            crate::model::dates::long_date(w[0].1)
                        ),
                    )
                    .at(&w[1].2, "earlier than the meeting before it")
                    .also(&w[0].2, "this meeting")
                    .help("list the meetings in the order the paper goes to them (or correct the date)"),
                );
            }
        }
    }
    let own = paper.committee.trim();
    let met = paper.meeting_date != chrono::NaiveDate::MIN;
    if f.names_committee && !own.is_empty() && met && out.len() == items.len() {
        let named = out
            .iter()
            .any(|(m, d, _)| m.eq_ignore_ascii_case(own) && *d == paper.meeting_date);
        if !named {
            let same = out.iter().find(|(m, _, _)| m.eq_ignore_ascii_case(own));
            let when = crate::model::dates::long_date(paper.meeting_date);
            let d = Diagnostic::new(
                f.severity,
                Code::TemplateRule,
                format!(
                    "`{}` does not name this paper's meeting, {own} on {when}",
                    f.key
                ),
            );
            owed.push(match same {
                Some((_, d2, at)) => d
                    .at(at, format!("{own} on {}", crate::model::dates::long_date(*d2)))
                    .help(format!("the paper's `meeting-date:` is {when}: correct the date here or there")),
                None => d.at(list_at, format!("no {own} on {when} here")).help(format!(
                    "add `{{ meeting: {own}, date: {} }}`: the template asks the pathway to name the paper's own meeting",
                    paper.meeting_date
                )),
            });
        }
    }
    Some(out.into_iter().map(|(m, d, _)| (m, d)).collect())
}

/// Whether a paper is late by its template's `late:`, and what a late paper
/// must say: reported at `released:`, or at the paper's `late: no`.
#[allow(clippy::too_many_arguments)]
fn check_late(
    t: &Template,
    l: &Lateness,
    paper: &crate::model::paper::Paper,
    paper_span: &Span,
    flag: Option<&Node>,
    says: Option<bool>,
    present: &dyn Fn(&str) -> bool,
    diags: &mut Diagnostics,
) {
    use crate::model::dates::{long_date, long_date_with_day, time_of_day};
    if paper.meeting_date == chrono::NaiveDate::MIN {
        return; // no meeting date: reported as missing already
    }
    let Some(day) = crate::model::dates::working_days_before(
        paper.meeting_date,
        l.working_days_before,
        &l.holidays,
    ) else {
        return;
    };
    let deadline = match l.released_after {
        Some(at) => format!("{} on {}", time_of_day(at), long_date_with_day(day)),
        None => format!("the end of {}", long_date_with_day(day)),
    };
    let rule = format!(
        "{deadline}, {} working day{} before the meeting on {}",
        l.working_days_before,
        if l.working_days_before == 1 { "" } else { "s" },
        long_date(paper.meeting_date)
    );
    let Some(released) = &paper.released else {
        diags.push(
            Diagnostic::new(
                l.severity,
                Code::TemplateLate,
                format!(
                    "the template {} works out whether a paper is late from when it was released, and this paper does not say",
                    t.id
                ),
            )
            .at(paper_span, "this paper")
            .help(format!(
                "add `released:` with the date and time the paper went to the committee, e.g. `released: {} 09:30`; it is late after {rule}",
                day
            )),
        );
        return;
    };
    let r = released.value;
    let late = match (r.date.cmp(&day), l.released_after, r.time) {
        (std::cmp::Ordering::Less, _, _) => false,
        (std::cmp::Ordering::Greater, _, _) => true,
        (std::cmp::Ordering::Equal, None, _) => false,
        (std::cmp::Ordering::Equal, Some(at), Some(time)) => time > at,
        (std::cmp::Ordering::Equal, Some(at), None) => {
            diags.push(
                Diagnostic::new(
                    l.severity,
                    Code::TemplateLate,
                    format!(
                        "released on the day of the deadline, {}, without the time: late after {}",
                        long_date_with_day(day),
                        time_of_day(at)
                    ),
                )
                .at(&released.span, "no time")
                .help(format!(
                    "give the time the paper was released, e.g. `released: {} 09:30`",
                    r.date
                )),
            );
            return;
        }
    };
    let when = match r.time {
        Some(time) => format!("at {} on {}", time_of_day(time), long_date(r.date)),
        None => format!("on {}", long_date(r.date)),
    };
    if late && says == Some(false) {
        let flag = flag.expect("a paper's word on lateness is read from its field");
        diags.push(
            Diagnostic::new(
                l.severity,
                Code::TemplateLate,
                format!("this paper says it is not late, but was released {when}, after {rule}"),
            )
            .at(&flag.span, "says not late")
            .also(&released.span, "released after the deadline")
            .help(format!(
                "write `{}: true`{}, or correct `released:`",
                l.flag.as_deref().unwrap_or("late"),
                if l.require.is_empty() {
                    String::new()
                } else {
                    format!(" and give {}", l.require.join(", "))
                }
            )),
        );
    }
    if !(late || says == Some(true)) {
        return;
    }
    for need in l.require.iter().filter(|n| !present(n)) {
        let label = t
            .cover
            .iter()
            .find(|f| &f.key == need)
            .map_or(need.clone(), |f| format!("{need} ({})", f.label));
        let (at, because, msg) = if late {
            (
                released.span.clone(),
                "released after the deadline",
                format!(
                    "this paper is late (released {when}, after {rule}); the template {} requires {label}",
                    t.id
                ),
            )
        } else {
            (
                flag.map_or_else(|| released.span.clone(), |f| f.span.clone()),
                "says it is late",
                format!(
                    "this paper says it is late; the template {} requires {label}",
                    t.id
                ),
            )
        };
        diags.push(
            Diagnostic::new(l.severity, Code::TemplateLate, msg)
                .at(&at, because)
                .help(l.message.clone().unwrap_or_else(|| {
                    format!("add `{need}` (a cover field or a section of that title)")
                })),
        );
    }
}

/// Checks a paper (`node` is its paper.yaml) against its template; returns
/// the cover and tables as the layout prints them.
pub fn check_paper(
    t: &Template,
    node: &Node,
    headings: &[Heading],
    paper_span: &Span,
    fixed_cover: bool,
    paper: &crate::model::paper::Paper,
    diags: &mut Diagnostics,
) -> Json {
    let get = |key: &str| node.get(key);
    let where_ = |n: Option<&Node>| n.map_or_else(|| paper_span.clone(), |n| n.span.clone());

    // A standard table the template places in a section is placed there by
    // the paper, `{{ standard_table("key") }}` in that section's text.
    for spec in &t.tables {
        let Some(want) = &spec.section else { continue };
        let call = |b: &str| {
            b.contains(&format!("standard_table(\"{}\")", spec.key))
                || b.contains(&format!("standard_table('{}')", spec.key))
        };
        match headings.iter().find(|h| h.title.eq_ignore_ascii_case(want)) {
            Some(h) if h.body.iter().any(|(_, b)| call(b)) => {}
            Some(h) => diags.push(
                Diagnostic::new(
                    spec.severity,
                    Code::TemplateSection,
                    format!("the table `{}` ({}) belongs in the section `{want}`, which does not place it", spec.key, spec.label),
                )
                .at(&h.span, "this section")
                .help(format!("write {{{{ standard_table(\"{}\") }}}} where the table goes in this section", spec.key)),
            ),
            None => diags.push(
                Diagnostic::new(
                    spec.severity,
                    Code::TemplateSection,
                    format!("the table `{}` ({}) belongs in a section `{want}`, which the paper does not have", spec.key, spec.label),
                )
                .at(paper_span, "the paper")
                .help(format!("add a section `# {want}` and write {{{{ standard_table(\"{}\") }}}} in it", spec.key)),
            ),
        }
    }

    // Appendices numbered as the template says.
    if let (Some(want), Some(has)) = (&t.appendix_letters, &paper.appendix_letters)
        && want.value != has.value
    {
        let w = |l: bool| if l { "letters" } else { "numbers" };
        diags.push(
            Diagnostic::error(
                Code::TemplateRule,
                format!(
                    "the template numbers appendices with {}, this paper with {}",
                    w(want.value),
                    w(has.value)
                ),
            )
            .at(&has.span, "here")
            .help(format!(
                "remove `appendix-numbering`, or write `appendix-numbering: {}`",
                w(want.value)
            )),
        );
    }

    // Cover fields: under `cover:`, or, for a layout with a fixed cover (the
    // county's committee report), the paper's own top-level keys, whose shapes
    // the paper's validator has already checked (so only the template's own
    // rules are reported here: required fields, choices, conditions).
    let cover_node = if fixed_cover {
        Some(node)
    } else {
        get("cover")
    };
    let cover: Vec<(crate::load::yaml::Key, Node)> = match cover_node.map(|c| &c.kind) {
        Some(NodeKind::Map(e)) => e.clone(),
        Some(_) if !fixed_cover => {
            diags.push(super::wrong(
                cover_node.expect("matched"),
                "a mapping of the template's cover fields",
            ));
            Vec::new()
        }
        _ => Vec::new(),
    };
    let mut values: Vec<(String, String)> = Vec::new();
    let mut printed: Vec<Json> = Vec::new();
    for (k, _) in cover.iter().filter(|_| !fixed_cover) {
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
    let mut scratch = Diagnostics::default();
    // Departures the template's own rules find in a value (a person's missing
    // telephone), told even where the value's shape is the paper's to check.
    let mut owed: Vec<Diagnostic> = Vec::new();
    for f in &t.cover {
        let v = cover.iter().find(|(k, _)| k.name == f.key).map(|(_, v)| v);
        let Some(v) = v.filter(|v| !matches!(v.kind, NodeKind::Null)) else {
            // A misspelt key already reported as unknown (with "did you mean")
            // explains the missing field: one problem, one diagnostic.
            let misspelt = cover.iter().any(|(k, _)| {
                !t.cover.iter().any(|g| g.key == k.name)
                    && !FIXED_COVER.contains(&k.name.as_str())
                    && did_you_mean(&k.name, [f.key.as_str()]).is_some()
            });
            if f.required && !misspelt {
                diags.push(
                    Diagnostic::new(
                        f.severity,
                        Code::MissingField,
                        format!(
                            "the cover field `{}` ({}) is required by the template {}",
                            f.key, f.label, t.id
                        ),
                    )
                    .at(
                        &if fixed_cover {
                            paper_span.clone()
                        } else {
                            where_(cover_node)
                        },
                        if fixed_cover {
                            "this paper's template"
                        } else {
                            "cover"
                        },
                    )
                    .help(f.help.clone().unwrap_or_else(|| {
                        if fixed_cover {
                            format!("add `{}: …` to the paper", f.key)
                        } else {
                            format!("add `{}: …` under `cover`", f.key)
                        }
                    })),
                );
            }
            continue;
        };
        let diags: &mut Diagnostics = if fixed_cover && !matches!(f.ty, FieldType::Choice { .. }) {
            &mut scratch
        } else {
            diags
        };
        let shown = match &f.ty {
            FieldType::People => {
                let people: Vec<String> = match &v.kind {
                    NodeKind::Seq(items) => items
                        .iter()
                        .filter_map(|p| person(p, f, &t.id, true, diags, &mut owed))
                        .map(|p| {
                            let mut line = vec![p.name];
                            line.extend(p.role);
                            line.extend(p.area);
                            line.extend(p.telephone.map(|x| format!("Telephone: {x}")));
                            line.extend(p.email.map(|x| format!("Email: {x}")));
                            line.join(", ")
                        })
                        .collect(),
                    _ => {
                        diags.push(super::wrong(
                            v,
                            "a list of people, each with a name and role",
                        ));
                        continue;
                    }
                };
                values.push((f.key.clone(), people.join("; ")));
                json!({"label": f.label, "lines": people})
            }
            FieldType::Person => {
                let Some(p) = person(v, f, &t.id, false, diags, &mut owed) else {
                    continue;
                };
                let mut parts = vec![p.name.clone()];
                parts.extend(p.role);
                parts.extend(p.area);
                parts.extend(p.telephone.map(|x| format!("Telephone: {x}")));
                parts.extend(p.email.map(|e| format!("Email: {e}")));
                values.push((f.key.clone(), p.name));
                json!({"label": f.label, "lines": parts})
            }
            FieldType::Meetings => {
                // The list is told at its key: a block list spans many lines.
                let at = cover
                    .iter()
                    .find(|(k, _)| k.name == f.key)
                    .map_or_else(|| v.span.clone(), |(k, _)| k.span.clone());
                let Some(list) = meetings(v, &at, f, paper, diags, &mut owed) else {
                    continue;
                };
                values.push((
                    f.key.clone(),
                    list.iter()
                        .map(|(m, _)| m.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ));
                json!({
                    "label": f.label,
                    "lines": list
                        .iter()
                        .map(|(m, d)| format!("{m}, {}", crate::model::dates::long_date(*d)))
                        .collect::<Vec<_>>(),
                })
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
                check_limits(
                    &f.limits,
                    &format!("the cover field `{}`", f.key),
                    &v.span,
                    &[(v.span.clone(), s.value.as_str())],
                    false,
                    &t.id,
                    diags,
                );
                values.push((f.key.clone(), s.value.clone()));
                json!({"label": f.label, "lines": [s.value]})
            }
        };
        printed.push(shown);
    }
    for d in owed {
        diags.push(d);
    }

    // Conditions.
    let present = |key: &str| -> bool {
        values.iter().any(|(k, v)| k == key && !v.is_empty())
            || get(key).is_some()
            || headings.iter().any(|h| h.title.eq_ignore_ascii_case(key))
    };
    // A rule's departures are pointed at the field that makes the rule apply
    // (`publication: Not for publication`), or at a forbidden field itself.
    let cover_value =
        |key: &str| -> Option<&Node> { cover.iter().find(|(k, _)| k.name == key).map(|(_, v)| v) };
    let cover_key = |key: &str| -> Option<Span> {
        cover.iter().find(|(k, _)| k.name == key).map(|(k, v)| {
            Span::new(
                k.span.file,
                k.span.range.start..v.span.range.end.max(k.span.range.end),
            )
        })
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
        let when = r
            .when
            .iter()
            .map(|(k, v)| format!("`{k}` is {v}"))
            .collect::<Vec<_>>()
            .join(" and ");
        let trigger = r
            .when
            .first()
            .and_then(|(k, _)| if fixed_cover { get(k) } else { cover_value(k) })
            .map(|n| n.span.clone());
        let label_of = |need: &String| {
            t.cover
                .iter()
                .find(|f| &f.key == need)
                .map_or(need.clone(), |f| format!("{need} ({})", f.label))
        };
        for need in r.require.iter().filter(|n| !present(n)) {
            let label = label_of(need);
            diags.push(
                Diagnostic::new(
                    r.severity,
                    Code::TemplateRule,
                    format!("when {when}, the template {} requires {label}", t.id),
                )
                .at(
                    &trigger.clone().unwrap_or_else(|| {
                        if fixed_cover {
                            paper_span.clone()
                        } else {
                            where_(cover_node)
                        }
                    }),
                    "the rule applies because of this",
                )
                .help(r.message.clone().unwrap_or_else(|| {
                    format!("add `{need}` (a cover field or a section of that title)")
                })),
            );
        }
        for bad in r.forbid.iter().filter(|n| present(n)) {
            let label = label_of(bad);
            let at = if fixed_cover {
                get(bad).map(|n| n.span.clone())
            } else {
                cover_key(bad)
            }
            .or_else(|| {
                headings
                    .iter()
                    .find(|h| h.title.eq_ignore_ascii_case(bad))
                    .map(|h| h.span.clone())
            })
            .unwrap_or_else(|| paper_span.clone());
            let mut d = Diagnostic::new(
                r.severity,
                Code::TemplateRule,
                format!("when {when}, the template {} forbids {label}", t.id),
            )
            .at(&at, "not allowed here")
            .help(
                r.message
                    .clone()
                    .unwrap_or_else(|| format!("remove `{bad}`")),
            );
            if let Some(tr) = &trigger {
                d = d.also(tr, "the rule applies because of this");
            }
            diags.push(d);
        }
    }

    // Lateness, worked out from the dates as the council defines it.
    if let Some(l) = &t.late {
        let flag = l
            .flag
            .as_deref()
            .and_then(|k| if fixed_cover { get(k) } else { cover_value(k) });
        let says = flag.and_then(|n| match n.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        });
        check_late(t, l, paper, paper_span, flag, says, &present, diags);
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
                        Diagnostic::new(
                            s.severity,
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
                    diags.push(Diagnostic::new(s.severity, Code::TemplateSection, format!("the section `{}` sets out {} option(s); the template asks for at least {min}", s.title, h.items))
                        .at(&h.span, format!("{} option(s)", h.items))
                        .help("give each option a `##` sub-heading or a list item (doing nothing counts as an option)"));
                }
                // A mandatory section holds something under its heading.
                let body: Vec<(Span, &str)> = h
                    .body
                    .iter()
                    .map(|(sp, t)| (sp.clone(), t.as_str()))
                    .collect();
                let said = body.iter().any(|(_, t)| measure(t).words > 0) || h.items > 0;
                if s.required && !said {
                    diags.push(
                        Diagnostic::new(
                            s.severity,
                            Code::TemplateSection,
                            format!("the mandatory section `{}` is empty", s.title),
                        )
                        .at(&h.span, "nothing under this heading")
                        .help("write the section's text under its heading (if it does not apply to this report, say so in a sentence)"),
                    );
                }
                check_limits(
                    &s.limits,
                    &format!("the section `{}`", s.title),
                    &h.span,
                    &body,
                    true,
                    &t.id,
                    diags,
                );
                for need in &s.must_include {
                    // The option's own name, exactly (case aside): "Health and
                    // safety" is not the option "Health".
                    if !h
                        .item_text
                        .iter()
                        .any(|i| option_name(i).eq_ignore_ascii_case(need.trim()))
                    {
                        diags.push(Diagnostic::new(s.severity,
                            Code::TemplateSection,
                            format!("the section `{}` has no option `{need}`", s.title),
                        )
                        .at(&h.span, "options set out here")
                        .help(format!(
                            "the template {} requires an option named `{need}`: give it a `##` sub-heading or a list item",
                            t.id
                        )));
                    }
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
                    Some(h) => {
                        diags.push(
                            Diagnostic::new(
                                s.severity,
                                Code::TemplateSection,
                                format!(
                                    "the mandatory section `{}` is titled `{}`",
                                    s.title, h.title
                                ),
                            )
                            .at(&h.span, format!("renamed: did you mean `{}`?", s.title))
                            .help(format!(
                                "the template fixes this title: write `# {}`",
                                s.title
                            )),
                        );
                    }
                    None => {
                        diags.push(
                            Diagnostic::new(
                                s.severity,
                                Code::TemplateSection,
                                format!("the mandatory section `{}` is missing", s.title),
                            )
                            .at(paper_span, "this paper")
                            .help(format!(
                                "add a `# {}` section to the narrative, in the template's order",
                                s.title
                            )),
                        );
                    }
                }
            }
            None => {}
        }
    }

    // Limits on the paper's own text: the summary, the narrative as a whole.
    for (key, limits) in &t.parts {
        if key == "narrative" {
            let body: Vec<(Span, &str)> = headings
                .iter()
                .flat_map(|h| h.body.iter().map(|(sp, t)| (sp.clone(), t.as_str())))
                .collect();
            check_limits(limits, "the report", paper_span, &body, true, &t.id, diags);
        } else if let Some(n) = get(key)
            && let Some(text) = value_text(n)
        {
            check_limits(
                limits,
                &format!("`{key}`"),
                &n.span,
                &[(n.span.clone(), &text)],
                false,
                &t.id,
                diags,
            );
        }
    }
    // The short forms (`summary-words`, `social-summary-characters`) are
    // limits like any other: counted and worded as `limits:` counts and words
    // them.
    for (l, key, m) in [
        (&t.summary_words, "summary", Measure::Words),
        (
            &t.social_summary_chars,
            "social-summary",
            Measure::Characters,
        ),
    ] {
        let (Some(l), Some(n)) = (l, get(key)) else {
            continue;
        };
        let Some(text) = value_text(n) else { continue };
        check_limits(
            &Limits(vec![(m, l.clone())]),
            &format!("`{key}`"),
            &n.span,
            &[(n.span.clone(), &text)],
            false,
            &t.id,
            diags,
        );
    }
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
            None if !spec.required => continue,
            None => {
                diags.push(
                    Diagnostic::new(
                        spec.severity,
                        Code::MissingField,
                        format!(
                            "the table `{}` ({}) is required by the template {}",
                            spec.key, spec.label, t.id
                        ),
                    )
                    .at(paper_span, "this paper")
                    .help(if spec.columns.is_empty() {
                        format!(
                            "add `{}:` under `standard-tables:` with a row for each of: {}",
                            spec.key,
                            spec.rows.join(", ")
                        )
                    } else {
                        format!(
                            "add `{}:` under `standard-tables:`, a list of rows with: {}",
                            spec.key,
                            spec.columns
                                .iter()
                                .map(|c| c.key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }),
                );
                Vec::new()
            }
        };
        if let (Some(min), Some(n)) = (spec.min_rows, n)
            && rows.len() < min
        {
            diags.push(
                Diagnostic::new(
                    spec.severity,
                    Code::MissingField,
                    format!(
                        "the table `{}` has {} row(s); the template {} asks for at least {min}",
                        spec.key,
                        rows.len(),
                        t.id
                    ),
                )
                .at(&n.span, "rows")
                .help(format!("add rows to `{}`", spec.key)),
            );
        }
        let mut printed_rows = Vec::new();
        let mut cells: Vec<Vec<Option<String>>> = Vec::new();
        let mut seen = Vec::new();
        for r in rows.iter().filter(|_| !spec.columns.is_empty()) {
            // Keys are the template's, not quire's: read the row by hand.
            let NodeKind::Map(entries) = &r.kind else {
                diags.push(super::wrong(r, "a table row written as a mapping"));
                continue;
            };
            for (k, _) in entries {
                if !spec.columns.iter().any(|c| c.key == k.name) {
                    let keys = spec.columns.iter().map(|c| c.key.as_str());
                    let d = Diagnostic::new(
                        spec.severity,
                        Code::UnknownKey,
                        format!("`{}` is not a column of the table `{}`", k.name, spec.key),
                    );
                    diags.push(match did_you_mean(&k.name, keys.clone()) {
                        Some(s) => d
                            .at(&k.span, format!("did you mean `{s}`?"))
                            .help(format!("rename it to `{s}`")),
                        None => d.at(&k.span, "not a column").help(format!(
                            "the table's columns are: {}",
                            keys.collect::<Vec<_>>().join(", ")
                        )),
                    });
                }
            }
            let mut line = Vec::new();
            for (i, c) in spec.columns.iter().enumerate() {
                let node = entries
                    .iter()
                    .find(|(k, _)| k.name == c.key)
                    .map(|(_, v)| v)
                    .filter(|v| !matches!(v.kind, NodeKind::Null));
                let v = match node {
                    Some(n) if c.date => {
                        super::date(n, diags).map(|d| crate::model::dates::long_date(d.value))
                    }
                    // Yes or no, or one of the template's choices, printed as
                    // the template writes it.
                    Some(n)
                        if c.choices == ["Yes", "No"] && matches!(n.kind, NodeKind::Bool(_)) =>
                    {
                        let yes = matches!(n.kind, NodeKind::Bool(true));
                        Some(if yes { "Yes" } else { "No" }.to_string())
                    }
                    // A value the template does not allow departs from it
                    // (so a draft can still be made), at the template's severity.
                    Some(n) if !c.choices.is_empty() => {
                        let v = value_text(n).unwrap_or_default();
                        let found = c.choices.iter().find(|x| x.eq_ignore_ascii_case(v.trim()));
                        if found.is_none() {
                            let mut d = Diagnostic::new(
                                spec.severity,
                                Code::TemplateRule,
                                format!(
                                    "`{v}` is not a valid value for `{}` in the table `{}`",
                                    c.key, spec.key
                                ),
                            )
                            .at(
                                &n.span,
                                format!("expected one of: {}", c.choices.join(", ")),
                            );
                            d = match did_you_mean(&v, c.choices.iter().map(String::as_str)) {
                                Some(s) => d.help(format!("did you mean `{s}`?")),
                                None => d.help(format!("use one of: {}", c.choices.join(", "))),
                            };
                            diags.push(d);
                        }
                        found.cloned()
                    }
                    Some(n) => value_text(n)
                        .inspect(|text| {
                            check_limits(
                                &c.limits,
                                &format!("a `{}` cell of the table `{}`", c.key, spec.key),
                                &n.span,
                                &[(n.span.clone(), text)],
                                false,
                                &t.id,
                                diags,
                            )
                        })
                        .or_else(|| {
                            diags.push(super::wrong(n, "text"));
                            None
                        }),
                    None => {
                        if c.required {
                            diags.push(
                                Diagnostic::new(
                                    spec.severity,
                                    Code::MissingField,
                                    format!(
                                        "a row of the table `{}` has no `{}` ({})",
                                        spec.key, c.key, c.label
                                    ),
                                )
                                .at(&r.span, "this row")
                                .help(format!("add `{}: …` to the row", c.key)),
                            );
                        }
                        None
                    }
                };
                if i == 0
                    && let Some(v) = &v
                {
                    seen.push(v.clone());
                }
                line.push(v);
            }
            cells.push(line);
        }
        for r in rows.iter().filter(|_| spec.columns.is_empty()) {
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
                    Diagnostic::new(
                        spec.severity,
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
            cells.push(vec![
                Some(row.value.clone()),
                Some(body.value.clone()),
                signed.as_ref().map(|s| s.value.clone()),
            ]);
            printed_rows.push(json!({"row": row.value, "text": body.value, "signed_off_by": signed.map(|s| s.value)}));
        }
        if spec.columns.is_empty() && !spec.sign_off {
            for line in &mut cells {
                line.truncate(2);
            }
        }
        let missing: Vec<&str> = spec
            .rows
            .iter()
            .filter(|r| !seen.iter().any(|s| s.eq_ignore_ascii_case(r)))
            .map(String::as_str)
            .collect();
        if n.is_some() && !missing.is_empty() {
            let what = if missing.len() == 1 {
                format!("`{}` row", missing[0])
            } else {
                format!(
                    "rows for {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            diags.push(
                Diagnostic::new(
                    spec.severity,
                    Code::MissingField,
                    format!("the table `{}` has no {what}", spec.key),
                )
                .at(&where_(n), "rows")
                .help(format!(
                    "the template {} requires a row for each of: {}",
                    t.id,
                    spec.rows.join(", ")
                )),
            );
        }
        let columns: Vec<String> = if spec.columns.is_empty() {
            let mut c = vec!["Implication".to_string(), "Detail".to_string()];
            if spec.sign_off {
                c.push("Signed off by".into());
            }
            c
        } else {
            spec.columns.iter().map(|c| c.label.clone()).collect()
        };
        let mut table = json!({
            "label": spec.label,
            "sign_off": spec.sign_off,
            "rows": printed_rows,
            "columns": columns,
            "cells": cells,
            // Dates are set unbroken ("20 August 2025" on one line).
            "date_columns": spec.columns.iter().map(|c| c.date).collect::<Vec<_>>(),
        });
        // Only where declared, so the released layouts' data is as it was.
        if spec.front {
            table["front"] = json!(true);
        }
        if let Some(sec) = &spec.section {
            table["key"] = json!(spec.key);
            table["section"] = json!(sec);
        }
        tables.push(table);
    }
    let social = get("social-summary").and_then(value_text);
    let mut view = json!({
        "id": t.id,
        "name": t.title,
        "numbered": t.numbered,
        "numbering": t.numbering,
        "cover": printed,
        "tables": tables,
        "social_summary": social,
    });
    // The cover's choices, only where the template makes them.
    if let Some(l) = &t.summary_label {
        view["summary_label"] = json!(l);
    }
    if !t.cover_rows.is_empty() {
        view["cover_rows"] = t
            .cover_rows
            .iter()
            .map(|(field, label)| json!({"field": field, "label": label}))
            .collect();
    }
    view
}

#[cfg(test)]
mod measure_tests {
    use super::*;

    #[test]
    fn words_sentences_and_paragraphs_are_counted_as_a_reader_counts_them() {
        let m = measure(
            "The council's centres, e.g. Moorside, open at 7am. Mr. J. Smith agreed!\n\nA second paragraph of {{ figure(\"t.a/b\") }} words.\n\n- a list item\n",
        );
        assert_eq!(m.words, 21, "{m:?}");
        assert_eq!(m.paragraphs, 2);
        assert_eq!(
            m.sentences.iter().map(|s| s.0).collect::<Vec<_>>(),
            vec![8, 4, 6, 3]
        );
    }

    #[test]
    fn a_sentence_is_located_in_the_text() {
        let src = "# Heading\n\nOne two three. Four five six seven.\n";
        let m = measure(src);
        let (n, r) = &m.sentences[1];
        assert_eq!(*n, 4);
        assert_eq!(&src[r.clone()], "Four five six seven.");
    }

    #[test]
    fn smart_quotes_do_not_split_a_word() {
        let m = measure(
            "Concessions stay at their present level, and the council's leisure centres would change.",
        );
        assert_eq!(m.words, 13, "{m:?}");
    }

    #[test]
    fn an_option_is_named_without_its_number() {
        for (text, name) in [
            ("Option 1: do nothing", "do nothing"),
            ("Option A – Do nothing", "Do nothing"),
            ("2. Do nothing: the centre closes", "Do nothing"),
            ("Health and safety", "Health and safety"),
            (
                "Do nothing more than patch the roof",
                "Do nothing more than patch the roof",
            ),
            ("Options appraisal", "Options appraisal"),
        ] {
            assert_eq!(option_name(text), name, "{text}");
        }
    }
}

#[cfg(test)]
mod paper_tests {
    use super::*;
    use crate::load::yaml;

    /// Checks `paper` (paper.yaml) against `template` and returns what
    /// `check` prints of it, and the template's view of the cover.
    fn check(template: &str, paper: &str, md: &str) -> (String, Json) {
        let mut sources = SourceMap::new();
        let tf = sources.add("templates/t-v1.yaml", template);
        let pf = sources.add("content/p/paper.yaml", paper);
        let mf = sources.add("content/p/01-report.md", md);
        let mut diags = Diagnostics::default();
        let tn = yaml::parse(&sources, tf).unwrap();
        let t = super::template("t@1", &tn, &mut diags).expect("a template");
        let pn = yaml::parse(&sources, pf).unwrap();
        let p = crate::validate::paper::paper(
            "p",
            pf,
            &pn,
            &crate::model::Settings::default(),
            t.layout.as_ref(),
            &mut diags,
        )
        .expect("a paper");
        let heads = headings(&sources, &[mf]);
        let span = p.template.as_ref().unwrap().span.clone();
        let view = check_paper(&t, &pn, &heads, &span, false, &p, &mut diags);
        diags.sort();
        let text = diags
            .items
            .iter()
            .map(|d| {
                format!(
                    "{}[{}]: {}\n",
                    if d.severity == Severity::Error {
                        "error"
                    } else {
                        "warning"
                    },
                    d.code.as_str(),
                    d.message
                )
            })
            .collect::<String>();
        (text, view)
    }

    const TEMPLATE: &str = r#"name: Report to Cabinet
cover:
  - { key: contact, label: Contact officer, type: person, required: true, require: [name, role, telephone, email] }
  - { key: pathway, label: Pathway, type: meetings, required: true, in-order: true, names-committee: true }
  - { key: late, label: Late report, type: yes-no }
  - { key: late-reason, label: Reason for lateness, type: text }
late: { working-days-before: 7, released-after: "10:00", field: late, require: [late-reason] }
"#;

    fn paper(cover: &str, released: &str) -> String {
        format!(
            "template: t@1\ncommittee: Cabinet\nmeeting-date: 2026-02-11\nsubject: S\nreleased: {released}\nsummary: S.\nrecommendations: [R.]\ncover:\n{cover}"
        )
    }

    const GOOD: &str = "  contact: { name: A. Officer, role: Head of Leisure, telephone: 01632 960100, email: a.officer@example.gov.uk }\n  pathway:\n    - { meeting: Scrutiny Committee, date: 2026-01-28 }\n    - { meeting: Cabinet, date: 2026-02-11 }\n  late: false\n";

    #[test]
    fn a_paper_giving_every_part_on_time_is_clean_and_its_pathway_printed() {
        // Seven working days before Wednesday 11 February 2026 is Monday 2 February.
        let (e, view) = check(TEMPLATE, &paper(GOOD, "2026-02-02 09:59"), "");
        assert_eq!(e, "");
        let cover = view["cover"].to_string();
        assert!(cover.contains(r#"["A. Officer","Head of Leisure","Telephone: 01632 960100","Email: a.officer@example.gov.uk"]"#), "{cover}");
        assert!(
            cover
                .contains(r#"["Scrutiny Committee, 28 January 2026","Cabinet, 11 February 2026"]"#),
            "{cover}"
        );
        // On the deadline day at the deadline is on time; a date before it too.
        for r in ["2026-02-02 10:00", "2026-01-30", "2026-02-02T08:00"] {
            assert_eq!(check(TEMPLATE, &paper(GOOD, r), "").0, "", "{r}");
        }
    }

    #[test]
    fn a_missing_part_of_a_person_is_told_at_the_person() {
        let cover = GOOD
            .replace(", telephone: 01632 960100", "")
            .replace(", role: Head of Leisure", "");
        let (e, _) = check(TEMPLATE, &paper(&cover, "2026-02-02 09:00"), "");
        assert_eq!(
            e,
            "error[Q0201]: `contact` (Contact officer) gives no role (job title)\nerror[Q0201]: `contact` (Contact officer) gives no telephone\n"
        );
    }

    #[test]
    fn a_late_paper_that_says_it_is_not_is_told_at_its_word_and_its_reason_asked_for() {
        let (e, _) = check(TEMPLATE, &paper(GOOD, "2026-02-02 10:01"), "");
        assert_eq!(
            e,
            "error[Q0202]: this paper is late (released at 10:01am on 2 February 2026, after 10am on Monday 2 February 2026, 7 working days before the meeting on 11 February 2026); the template t@1 requires late-reason (Reason for lateness)\n\
             error[Q0202]: this paper says it is not late, but was released at 10:01am on 2 February 2026, after 10am on Monday 2 February 2026, 7 working days before the meeting on 11 February 2026\n"
        );
        // Saying so, with the reason, is all the template asks.
        let said = GOOD.replace(
            "late: false",
            "late: true\n  late-reason: The figures came late.",
        );
        assert_eq!(check(TEMPLATE, &paper(&said, "2026-02-03"), "").0, "");
        // The deadline's day without a time cannot be told: the time is asked for.
        let (e, _) = check(TEMPLATE, &paper(GOOD, "2026-02-02"), "");
        assert!(e.starts_with("error[Q0202]: released on the day of the deadline, Monday 2 February 2026, without the time"), "{e}");
        // No release date at all.
        let no = paper(GOOD, "x").replace("released: x\n", "");
        let (e, _) = check(TEMPLATE, &no, "");
        assert!(
            e.starts_with("error[Q0202]: the template t@1 works out whether a paper is late"),
            "{e}"
        );
        // A date that is not one.
        let (e, _) = check(TEMPLATE, &paper(GOOD, "2026-02-30 09:00"), "");
        assert!(
            e.contains("error[Q0008]: `2026-02-30 09:00` is not a date"),
            "{e}"
        );
    }

    #[test]
    fn a_pathway_must_be_real_in_order_and_name_the_papers_own_meeting() {
        let cover = GOOD
            .replace("date: 2026-01-28", "date: 2026-02-30")
            .replace(
                "{ meeting: Cabinet, date: 2026-02-11 }",
                "{ meeting: Cabinet, date: 2026-02-12 }",
            );
        let (e, _) = check(TEMPLATE, &paper(&cover, "2026-02-02 09:00"), "");
        assert!(
            e.contains("error[Q0008]: `2026-02-30` is not a date that exists"),
            "{e}"
        );
        // One date unreadable: the pathway is not judged on the rest.
        assert!(!e.contains("Q0070"), "{e}");
        let cover = GOOD.replace("date: 2026-01-28", "date: 2026-02-20");
        let (e, _) = check(TEMPLATE, &paper(&cover, "2026-02-02 09:00"), "");
        assert_eq!(
            e,
            "warning[Q0070]: `pathway` lists Cabinet on 11 February 2026 after Scrutiny Committee on 20 February 2026\n"
        );
        let cover = GOOD.replace(
            "{ meeting: Cabinet, date: 2026-02-11 }",
            "{ meeting: Council, date: 2026-02-25 }",
        );
        let (e, _) = check(TEMPLATE, &paper(&cover, "2026-02-02 09:00"), "");
        assert_eq!(
            e,
            "error[Q0070]: `pathway` does not name this paper's meeting, Cabinet on 11 February 2026\n"
        );
    }

    #[test]
    fn a_template_names_only_parts_of_a_person_and_options_of_their_own_type() {
        let t = r#"name: T
cover:
  - { key: contact, label: Contact, type: person, require: [name, phone] }
  - { key: who, label: Who, type: text, require: [email], in-order: true }
  - { key: ok, label: OK, type: text }
late: { working-days-before: 70, released-after: "25:00", field: ok }
"#;
        let mut sources = SourceMap::new();
        let f = sources.add("templates/t-v1.yaml", t);
        let mut diags = Diagnostics::default();
        let _ = super::template("t@1", &yaml::parse(&sources, f).unwrap(), &mut diags);
        let msgs: Vec<String> = diags.items.iter().map(|d| d.message.clone()).collect();
        for want in [
            "`phone` is not a valid part of a person",
            "a `text` field has no `require`",
            "a `text` field has no `in-order`",
            "a number of working days of 70 is outside what a template may ask (0 to 60)",
            "`25:00` is not a time of day",
            "`ok` is not a yes/no cover field of this template",
        ] {
            assert!(
                msgs.iter().any(|m| m == want),
                "missing {want:?} in {msgs:#?}"
            );
        }
    }
}
