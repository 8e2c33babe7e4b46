//! `paper.yaml` → [`Paper`].

use super::{MapReader, one_of, text};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::yaml::{Node, NodeKind};
use crate::model::Settings;
use crate::model::Sp;
use crate::model::paper::{
    Appendix, AppendixKind, BackgroundDoc, Contact, LayoutRef, Paper, Person, Released,
};
use crate::source::FileId;

/// Layouts this build of quire ships, with their current (default) version.
pub const LAYOUTS: &[(&str, u32)] = &[
    ("committee-report", 3),
    ("council-report", 3),
    ("risk-appendix", 2),
    ("safety-valve", 3),
    ("app-report", 3),
    ("agenda-pack", 2),
];

/// The template a paper names, read before the paper itself (its layout and
/// house style shape how the paper is read); problems are reported later, by [`paper`].
pub fn peek_template(node: &Node) -> Option<Sp<LayoutRef>> {
    let t = node.get("template")?;
    let NodeKind::Str(s) = &t.kind else {
        return None;
    };
    let mut scratch = Diagnostics::default();
    template_ref(Sp::new(s.clone(), t.span.clone()), &mut scratch)
}

/// Reads `template: name@N`: a report template in the project's `templates/`.
fn template_ref(t: Sp<String>, diags: &mut Diagnostics) -> Option<Sp<LayoutRef>> {
    let parsed = t
        .value
        .split_once('@')
        .filter(|(n, v)| {
            !n.is_empty()
                && n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_digit())
        })
        .and_then(|(n, v)| Some((n.to_string(), v.parse::<u32>().ok()?)));
    match parsed {
        Some((name, version)) => Some(Sp::new(LayoutRef { name, version }, t.span)),
        None => {
            diags.push(
                Diagnostic::error(Code::Layout, format!("`{}` is not a template reference", t.value))
                    .at(&t.span, "expected NAME@VERSION")
                    .help("name the council's report template and its version, e.g. `template: cabinet-report@1` for templates/cabinet-report-v1.yaml"),
            );
            None
        }
    }
}

/// Reads `layout: name@N`; defaults to `default`'s current version. Every
/// document kind calls this, so it also accepts the keys any document may
/// carry (`financial-year-style`, read by [`super::project::document_settings`]).
pub fn layout(m: &mut MapReader, default: &str) -> Sp<LayoutRef> {
    m.opt("financial-year-style");
    let current = LAYOUTS
        .iter()
        .find(|(n, _)| *n == default)
        .map_or(1, |(_, v)| *v);
    let fallback = Sp::new(
        LayoutRef {
            name: default.into(),
            version: current,
        },
        m.span().clone(),
    );
    let Some(t) = m.opt_text("layout") else {
        return fallback;
    };
    let span = t.span.clone();
    match layout_ref(t, default, m.diags) {
        Some(l) => Sp::new(l, span),
        None => fallback,
    }
}

/// Parses `name@N`: a layout is named, never a path (`[a-z0-9-]+@N`, resolved
/// only in layouts/). `default` names the layout the help suggests.
pub(crate) fn layout_ref(
    t: Sp<String>,
    default: &str,
    diags: &mut Diagnostics,
) -> Option<LayoutRef> {
    let current = LAYOUTS
        .iter()
        .find(|(n, _)| *n == default)
        .map_or(1, |(_, v)| *v);
    let parsed = t
        .value
        .split_once('@')
        .filter(|(n, v)| {
            !n.is_empty()
                && n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_digit())
        })
        .and_then(|(n, v)| Some((n.to_string(), v.parse::<u32>().ok()?)));
    match parsed {
        Some((name, version)) => Some(LayoutRef { name, version }),
        None => {
            diags.push(
                Diagnostic::error(
                    Code::Layout,
                    format!("`{}` is not a layout reference", t.value),
                )
                .at(&t.span, "expected NAME@VERSION")
                .help(format!("a layout is a name of lowercase letters, digits and hyphens with a version number, never a path: write e.g. `layout: {default}@{current}`")),
            );
            None
        }
    }
}

pub fn paper(
    id: &str,
    file: FileId,
    node: &Node,
    settings: &Settings,
    template_layout: Option<&LayoutRef>,
    diags: &mut Diagnostics,
) -> Option<Paper> {
    let mut m = MapReader::new(node, "the paper", diags)?;
    if let Some(k) = m.opt("kind") {
        one_of(
            k,
            &["committee-report"],
            "document kind for paper.yaml",
            m.diags,
        );
    }
    // A council's own report template (templates/NAME-vN.yaml): its cover
    // fields, sections and limits are checked in the pipeline, which reads it.
    let template = m
        .opt_text("template")
        .and_then(|t| template_ref(t, m.diags));
    m.opt("cover");
    m.opt("social-summary");
    m.opt("standard-tables");
    let mut layout = layout(
        &mut m,
        if template.is_some() {
            "council-report"
        } else {
            "committee-report"
        },
    );
    // The template's own layout, unless the paper names one.
    if let (Some(t), None) = (template_layout, node.get("layout")) {
        layout.value = t.clone();
    }
    // The county cover's layout reads its fields from the paper's top-level
    // keys; a template's own cover (`council-report`) from `cover:`.
    let fixed_cover = template.is_none() || layout.value.name == "committee-report";
    let committee = m.text("committee");
    let meeting_date = m.date("meeting-date");
    let released = m.opt("released").and_then(|n| released(n, m.diags));
    let subject = m.text("subject");
    let decision_number = m.opt_text("decision-number").map(|t| t.value);
    // Whether it is a key decision is printed only when the paper says so.
    let key_decision_given = m.opt_bool("key-decision");
    let key_decision = key_decision_given.unwrap_or(false);
    let classification = m
        .opt_text("classification")
        .map_or(settings.classification.clone(), |t| t.value);
    let from = m.list("from", fixed_cover, |n, d| {
        let mut p = MapReader::new(n, "a person in `from`", d)?;
        let name = p.text("name");
        let role = p.text("role");
        p.finish();
        Some(Person {
            name: name?.value,
            role: role?.value,
        })
    });
    // Only a list written empty: a malformed `from` (or person) is already
    // reported, once.
    if let Some(n) = m.opt("from")
        && matches!(&n.kind, crate::load::yaml::NodeKind::Seq(items) if items.is_empty())
        && from.is_empty()
    {
        let span = m.span().clone();
        m.diags.push(
            Diagnostic::error(Code::MissingField, "`from` lists nobody")
                .at(&span, "the paper")
                .help("name at least one cabinet member or director in `from`"),
        );
    }
    let to = m.opt_text("to").map(|t| t.value);
    let past_pathway = m
        .opt_text("past-pathway")
        .map_or("None".into(), |t| t.value);
    let future_pathway = m
        .opt_text("future-pathway")
        .map_or("None".into(), |t| t.value);
    let electoral_divisions = m
        .texts("electoral-divisions", false)
        .into_iter()
        .map(|t| t.value)
        .collect::<Vec<_>>();
    let summary = m.text("summary");
    let recommendations = m.texts("recommendations", true);
    let narrative = m.texts("narrative", false);
    // Declared tables are read by the tables engine (crate::tables).
    m.opt("tables");
    #[cfg(test)]
    if let Some(d) = m.opt("data") {
        crate::validate::record::read(d, crate::validate::record::Read::MapOf);
    }
    if let Some(d) = m.opt("data")
        && !matches!(d.kind, NodeKind::Map(_))
    {
        m.diags.push(super::wrong(
            d,
            "a mapping of names to figures (e.g. `forecast: 1234567`)",
        ));
    }
    let mut registers = Vec::new();
    if let Some(r) = m.opt("registers") {
        #[cfg(test)]
        crate::validate::record::read(r, crate::validate::record::Read::MapOf);
        match &r.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let named = !k.name.is_empty()
                        && k.name.len() <= 64
                        && k.name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    if !named {
                        m.diags.push(
                            Diagnostic::error(Code::InvalidValue, format!("`{}` is not a register name", k.name))
                                .at(&k.span, "letters, digits, `-` and `_` only")
                                .help("name the register with letters, digits, hyphens and underscores, e.g. `corporate` or `cype-2019`; the file's path goes on the right of the colon"),
                        );
                        continue;
                    }
                    if let Some(path) = text(v, m.diags) {
                        registers.push((Sp::new(k.name.clone(), k.span.clone()), path));
                    }
                }
            }
            _ => m
                .diags
                .push(super::wrong(r, "a mapping of register names to files")),
        }
    }
    let mut contacts = Vec::new();
    let contacts_node = if fixed_cover {
        m.req("contacts")
    } else {
        m.opt("contacts")
    };
    if let Some(c) = contacts_node
        && let Some(mut cm) = MapReader::new(c, "the contacts", m.diags)
    {
        for (key, label) in [
            ("author", "Report author"),
            ("director", "Relevant director"),
        ] {
            if let Some(n) = cm.opt(key)
                && let Some(c) = contact(n, label, layout.value.version >= 3, cm.diags)
            {
                contacts.push(c);
            }
        }
        cm.finish();
    }
    let background = m.list("background-documents", false, |n, d| {
        let mut b = MapReader::new(n, "a background document", d)?;
        let title = b.text("title");
        let url = b.opt_text("url").and_then(|t| super::url(t, b.diags));
        b.finish();
        Some(BackgroundDoc {
            title: title?.value,
            url,
        })
    });
    let mut numbers: Vec<Sp<String>> = Vec::new();
    let appendices = m.list("appendices", false, |n, d| {
        let mut a = MapReader::new(n, "an appendix", d)?;
        let title = a.text("title");
        let number = a
            .opt_text("number")
            .and_then(|t| appendix_number(t, &numbers, a.diags));
        numbers.extend(number.clone());
        let register = a.opt_text("register");
        let since = a.opt_text("since").map(|t| t.value);
        let shared = match a.opt("risk-pages") {
            Some(n) => match one_of(n, &["own", "shared"], "`risk-pages` choice", a.diags) {
                Some(v) if v.value == "shared" && layout.value.version < 3 => {
                    a.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "`risk-pages: shared` needs layout version 3; this paper is on `{}@{}`",
                                layout.value.name, layout.value.version
                            ),
                        )
                        .at(&v.span, "risks sharing pages")
                        .help(format!(
                            "publish the paper on `layout: {}@3`, or leave each risk on a page of its own",
                            layout.value.name
                        )),
                    );
                    false
                }
                Some(v) => v.value == "shared",
                None => false,
            },
            None => false,
        };
        let markdown = a.opt_text("markdown");
        let span = a.span().clone();
        a.finish();
        let kind = match (register, markdown) {
            (Some(name), None) => AppendixKind::Register {
                name,
                since,
                shared,
            },
            (None, Some(path)) => AppendixKind::Markdown { path },
            _ => {
                d.push(
                    Diagnostic::error(
                        Code::MissingField,
                        "an appendix needs exactly one of `register` or `markdown`",
                    )
                    .at(&span, "this appendix")
                    .help("add `register: NAME` (a name from `registers`) or `markdown: FILE.md`"),
                );
                return None;
            }
        };
        Some(Appendix {
            title: title?.value,
            number: number.map(|t| t.value),
            kind,
        })
    });
    let appendix_letters = appendix_numbering(&mut m);
    let span = m.span().clone();
    m.finish();
    // Missing required fields were reported; carry on with placeholders so that
    // registers and narrative are still checked in the same run.
    let committee = committee.map(|t| t.value).unwrap_or_default();
    Some(Paper {
        id: id.to_string(),
        file,
        template,
        layout,
        to: to.unwrap_or_else(|| committee.clone()),
        committee,
        meeting_date: meeting_date.map_or(chrono::NaiveDate::MIN, |d| d.value),
        released,
        subject: subject.map(|t| t.value).unwrap_or_default(),
        decision_number,
        key_decision,
        key_decision_given: key_decision_given.is_some(),
        classification,
        from,
        past_pathway,
        future_pathway,
        electoral_divisions,
        summary: summary.unwrap_or_else(|| Sp::new(String::new(), span)),
        recommendations,
        narrative,
        registers,
        contacts,
        background,
        appendices,
        appendix_letters,
    })
}

/// `released: 2026-03-02 09:30` (or `2026-03-02T09:30`, or a date alone):
/// when the paper went to the committee, the time on the 24-hour clock.
fn released(n: &Node, diags: &mut Diagnostics) -> Option<Sp<Released>> {
    #[cfg(test)]
    crate::validate::record::read(
        n,
        crate::validate::record::Read::Pattern(
            "^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{1,2}:[0-9]{2})?\\s*$",
            "a date, or a date and time on the 24-hour clock, e.g. 2026-03-02 09:30",
        ),
    );
    let NodeKind::Str(v) = &n.kind else {
        diags.push(super::wrong(
            n,
            "a date, or a date and time (2026-03-02 09:30)",
        ));
        return None;
    };
    let t = Sp::new(v.clone(), n.span.clone());
    let v = t.value.trim();
    let (date, time) = match v.split_once([' ', 'T']) {
        Some((d, tm)) => (d, Some(tm.trim())),
        None => (v, None),
    };
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2199).contains(&chrono::Datelike::year(d)));
    let time = match time {
        Some(tm) => chrono::NaiveTime::parse_from_str(tm, "%H:%M")
            .ok()
            .map(Some),
        None => Some(None),
    };
    match (date, time) {
        (Some(date), Some(time)) => Some(Sp::new(Released { date, time }, t.span)),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidDate,
                    format!("`{v}` is not a date, or a date and time, that exists"),
                )
                .at(&t.span, "expected e.g. 2026-03-02 09:30")
                .help("write when the paper was released as year-month-day and, if it matters, the time on the 24-hour clock: `released: 2026-03-02 09:30`"),
            );
            None
        }
    }
}

/// An appendix's own number or letter, as the paper publishes it (`A`, `C`, `2`):
/// letters and digits only (it names the appendix's anchor in the HTML edition),
/// at most 8, and not the number of another appendix of the paper.
fn appendix_number(t: Sp<String>, seen: &[Sp<String>], d: &mut Diagnostics) -> Option<Sp<String>> {
    let v = t.value.trim();
    if v.is_empty() || v.chars().count() > 8 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        d.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("`{}` is not an appendix number", t.value),
            )
            .at(&t.span, "letters and digits only, at most 8")
            .help(
                "write the appendix's number or letter as the paper publishes it, e.g. `number: A`",
            ),
        );
        return None;
    }
    if let Some(first) = seen.iter().find(|s| s.value.eq_ignore_ascii_case(v)) {
        d.push(
            Diagnostic::error(
                Code::DuplicateId,
                format!("two appendices are numbered `{v}`"),
            )
            .at(&t.span, "this appendix")
            .also(&first.span, "the first")
            .help("give each appendix its own number or letter"),
        );
        return None;
    }
    Some(Sp::new(v.to_string(), t.span))
}

/// A contact. Its job title may be left out from layout version 3, where the
/// council prints none (a report author named only with telephone and email):
/// no title is then printed, rather than the label again.
fn contact(n: &Node, label: &str, title_optional: bool, d: &mut Diagnostics) -> Option<Contact> {
    let mut c = MapReader::new(n, "a contact", d)?;
    let name = c.text("name");
    let title = if title_optional {
        Some(c.opt_text("title"))
    } else {
        c.text("title").map(Some)
    };
    let telephone = c.opt_text("telephone").map(|t| t.value);
    let email = c.opt_text("email").and_then(|t| super::email(t, c.diags));
    c.finish();
    Some(Contact {
        label: label.into(),
        name: name?.value,
        title: title?.map(|t| t.value),
        telephone,
        email,
    })
}

/// Checks that paper-level references (appendix → register name) resolve.
pub fn check_references(paper: &Paper, diags: &mut Diagnostics) {
    for a in &paper.appendices {
        if let AppendixKind::Register { name, .. } = &a.kind
            && !paper.registers.iter().any(|(n, _)| n.value == name.value)
        {
            let names: Vec<&str> = paper
                .registers
                .iter()
                .map(|(n, _)| n.value.as_str())
                .collect();
            let mut d = Diagnostic::error(
                Code::UnknownReference,
                format!("no register named `{}` in this paper", name.value),
            )
            .at(&name.span, "not listed under `registers`");
            d = match crate::diag::did_you_mean(&name.value, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("add it under `registers:` with the path of its file"),
            };
            diags.push(d);
        }
    }
}

/// `appendix-numbering: letters | numbers` (a paper's, or its report
/// template's): Some(true) for letters.
pub fn appendix_numbering(m: &mut MapReader) -> Option<Sp<bool>> {
    let n = m.opt("appendix-numbering")?;
    let v = super::one_of(
        n,
        &["letters", "numbers"],
        "way to number appendices",
        m.diags,
    )?;
    Some(Sp::new(v.value == "letters", v.span))
}

/// Each "Appendix X" the narrative writes must be one of the paper's
/// appendices as it numbers them, or one its background documents name
/// (`labels`: `A`, `B` … or `1`, `2` …):
/// "see Appendix C" in a paper with two is told at the mention, with the
/// appendices it has and `{{ appendix("title") }}`, which follows the list.
pub fn appendix_mentions(
    sources: &crate::source::SourceMap,
    files: &[crate::source::FileId],
    labels: &[String],
    diags: &mut Diagnostics,
) {
    const WORD: &str = "Appendix ";
    for &f in files {
        let text = sources.text(f);
        let mut from = 0;
        while let Some(i) = text[from..].find(WORD) {
            let at = from + i + WORD.len();
            from = at;
            let label: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let plausible = !label.is_empty()
                && label.len() <= 3
                && (label.chars().all(|c| c.is_ascii_digit())
                    || label.chars().all(|c| c.is_ascii_uppercase()));
            if !plausible || labels.contains(&label) {
                continue;
            }
            let has = if labels.is_empty() {
                "the paper has no appendices".to_string()
            } else {
                format!("the paper's appendices are {}", labels.join(", "))
            };
            diags.push(
                Diagnostic::warning(
                    Code::NoSuchAppendix,
                    format!("the narrative mentions Appendix {label}, which the paper does not have"),
                )
                .at(
                    &crate::source::Span::new(f, at - WORD.len()..at + label.len()),
                    has,
                )
                .help("attach it under `appendices:`, or refer to an appendix by its title with {{ appendix(\"Title\") }}, which prints it as the paper numbers it"),
            );
        }
    }
}

/// A paper's own list of appendices (an "Appendices" section, as many
/// councils' templates ask for) names every appendix the paper attaches:
/// one it leaves out is told at the section's heading. The list may name an
/// appendix as "Appendix B" or with `{{ appendix("Title") }}`.
pub fn appendix_list(heads: &[super::template::Heading], paper: &Paper, diags: &mut Diagnostics) {
    let Some(h) = heads.iter().find(|h| {
        let t = h.title.to_lowercase();
        t == "appendices" || t.starts_with("appendices ")
    }) else {
        return;
    };
    let body: Vec<&str> = h.body.iter().map(|(_, s)| s.as_str()).collect();
    let names = |label: &str| {
        let word = format!("Appendix {label}");
        body.iter().any(|b| {
            b.match_indices(&word).any(|(i, _)| {
                !b[i + word.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
            })
        })
    };
    for (i, a) in paper.appendices.iter().enumerate() {
        let label = paper.appendix_label(i);
        let call = format!("appendix(\"{}\")", a.title);
        if names(&label) || body.iter().any(|b| b.contains(&call)) {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                Code::AppendixNotListed,
                format!(
                    "Appendix {label} ({}) is attached, but the paper's list of appendices leaves it out",
                    a.title
                ),
            )
            .at(&h.span, "the list of appendices")
            .help(format!(
                "add it to the list, e.g. `- {{{{ appendix(\"{}\") }}}}: {}`, or remove it from `appendices:`",
                a.title, a.title
            )),
        );
    }
}
