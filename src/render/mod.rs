//! Render: validated models → what the embedded Typst compiles.
//!
//! Stage: render. Produces a document's view ([`Rendered`]): `data.json` (the
//! view model; layouts read every figure from it), every Markdown field,
//! narrative file and appendix as a format-neutral [`doc::Doc`] (templates
//! ([`template`]) run first, with the data in scope, then the one Markdown
//! walker, [`markdown`]), and the Typst edition's virtual files made from them:
//! `content.typ` (by [`typ`], text escaped by [`escape`]) and `main.typ` (three
//! lines that call the layout). No I/O here.

pub mod app;
pub mod doc;
pub mod escape;
pub mod format;
pub mod html;
pub mod markdown;
pub mod template;
pub mod typ;
pub mod valve;
pub mod view;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Settings;
use crate::model::dates::long_date;
use crate::model::paper::{AppendixKind, Paper};
use crate::model::risk::Register;
use crate::source::{FileId, SourceMap, Span};
use escape::str_lit;
use markdown::Mode;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

/// The layout's entry point and the names of content.typ it is called with:
/// `report(C.data, C.md, …)` with the content module imported as `C`, or as
/// `C4` for the fourth item of an agenda pack. Built, never edited as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Call {
    pub entry: &'static str,
    pub args: &'static [&'static str],
}

impl Call {
    /// A paper's, a return's, an appendix's: `report(data, md, narrative, appendices)`.
    pub const REPORT: Call = Call {
        entry: "report",
        args: &["data", "md", "narrative", "appendices"],
    };

    /// The call in Typst, with content.typ imported as `module`.
    pub fn typst(&self, module: &str) -> String {
        let args: Vec<String> = self.args.iter().map(|a| format!("{module}.{a}")).collect();
        format!("{}({})", self.entry, args.join(", "))
    }
}

/// The virtual files handed to the typesetter.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub main: String,
    pub content: String,
    pub data: String,
    /// The layout file (project-relative) and the call that typesets the
    /// document from its content module — kept so an agenda pack can place
    /// several documents in one Typst document, each under its own module.
    pub layout: String,
    pub call: Call,
    /// Further virtual files (path, text), e.g. the items of an agenda pack.
    pub extra: Vec<(String, String)>,
    /// PDF metadata, also used for the deterministic PDF id and timestamp.
    pub title: String,
    pub date: chrono::NaiveDate,
    /// The Markdown-derived content as the document view, keyed as in
    /// `content.typ`: what the other editions print.
    pub view: doc::View,
}

/// Where a piece of Markdown came from, so errors point at it.
#[derive(Clone)]
pub enum Origin {
    /// A whole file (a narrative `.md`): template offsets map exactly.
    File(FileId),
    /// A YAML scalar: errors point at the value.
    Value(Span),
}

/// Runs templates then Markdown → Typst for one piece of text, reporting problems.
pub struct MdRenderer<'a> {
    pub scope: template::Scope,
    pub sources: &'a SourceMap,
    pub diags: &'a mut Diagnostics,
    /// Pieces rendered so far (each piece's [`doc::Doc::id`]).
    pub pieces: usize,
}

impl<'a> MdRenderer<'a> {
    /// A renderer whose templates see `context` (and no generated blocks yet).
    pub fn new(
        context: Json,
        settings: &Settings,
        sources: &'a SourceMap,
        diags: &'a mut Diagnostics,
    ) -> Self {
        let scope = template::Scope::new(context, settings.clone());
        MdRenderer {
            scope,
            sources,
            diags,
            pieces: 0,
        }
    }

    /// The cause, event and consequence of every risk in `reg`, keyed `name/ID/field`.
    pub fn risk_fields(&mut self, reg: &PaperRegister, md: &mut Vec<(String, doc::Doc)>) {
        for risk in &reg.register.risks {
            for (field, value) in [
                ("cause", &risk.cause),
                ("event", &risk.event),
                ("consequence", &risk.consequence),
            ] {
                if let Some(v) = value {
                    let d = self.piece(v, &Origin::Value(risk.id.span.clone()), Mode::Plain, false);
                    md.push((format!("{}/{}/{field}", reg.name, risk.id.value), d));
                }
            }
        }
    }

    /// [`Self::piece`] for a field that may place tables of the engine
    /// (`tables`) and no other generated block: one placed there is the
    /// error a reserved marker is, at the field.
    pub fn piece_tables_only(
        &mut self,
        src: &str,
        origin: &Origin,
        mode: Mode,
        tables: bool,
    ) -> doc::Doc {
        let d = self.piece(src, origin, mode, tables);
        let mut other = Vec::new();
        doc::visit_inlines(&d.blocks, &mut |i| {
            if let doc::Inline::Generated(g) = i
                && !g.table
            {
                other.push(g.index);
            }
        });
        if let (Some(_), Origin::Value(span)) = (other.first(), origin) {
            self.diags.push(
                Diagnostic::error(
                    Code::Markdown,
                    "a risk table, heat map or band count cannot be placed in this field",
                )
                .at(span, "placed here")
                .help("place it in the narrative (a .md file); a field may place only a table with {{ table(\"id\") }}"),
            );
        }
        d
    }

    /// Templates then Markdown → Typst markup.
    pub fn render(&mut self, src: &str, origin: &Origin, mode: Mode, allow_blocks: bool) -> String {
        typ::doc(&self.piece(src, origin, mode, allow_blocks))
    }

    /// Templates then the Markdown walker: the piece's view, which every
    /// edition prints. Problems are reported here, once.
    pub fn piece(
        &mut self,
        src: &str,
        origin: &Origin,
        mode: Mode,
        allow_blocks: bool,
    ) -> doc::Doc {
        self.pieces += 1;
        let empty = doc::Doc {
            id: self.pieces,
            signed: format::signed_sums(),
            depth: format::depth_headings(),
            ..doc::Doc::default()
        };
        let name = match origin {
            Origin::File(f) => self.sources.name(*f).to_string(),
            Origin::Value(s) => self.sources.name(s.file).to_string(),
        };
        for note in crate::validate::style::check(src, &self.scope.settings) {
            let span = match origin {
                Origin::File(f) => Some(Span::new(*f, note.range.clone())),
                Origin::Value(s) => map_value_range(self.sources, s, src, note.range.clone()),
            };
            let mut d = Diagnostic::warning(Code::HouseStyle, note.message).help(note.help);
            if let Some(span) = span {
                d = d.at(&span, "house style");
            }
            self.diags.push(d);
        }
        let md = match template::render(&name, src, &self.scope) {
            Ok(md) => md,
            Err(e) => {
                let (span, note) = match (origin, &e.range, e.line) {
                    (Origin::File(f), Some(r), _) => (Span::new(*f, r.clone()), None),
                    (Origin::File(f), None, Some(line)) => {
                        let o = self.sources.offset_of(*f, line, 1);
                        (Span::new(*f, o..o), None)
                    }
                    (Origin::File(f), None, None) => (Span::new(*f, 0..0), None),
                    (Origin::Value(s), Some(r), _) => {
                        match map_value_range(self.sources, s, src, r.clone()) {
                            Some(mapped) => (mapped, None),
                            None => (
                                s.clone(),
                                e.line
                                    .map(|l| format!("the problem is on line {l} of this text")),
                            ),
                        }
                    }
                    (Origin::Value(s), None, line) => (
                        s.clone(),
                        line.map(|l| format!("the problem is on line {l} of this text")),
                    ),
                };
                if consequence_of_reported(self.diags, &e.message) {
                    return empty;
                }
                let mut d =
                    Diagnostic::error(Code::Template, format!("template error: {}", e.message))
                        .at(&span, "in this template expression");
                d = d.help(
                    e.help
                        .clone()
                        .unwrap_or_else(|| template::NAMES_HELP.into()),
                );
                if let Some(n) = note {
                    d = d.note(n);
                }
                self.diags.push(d);
                return empty;
            }
        };
        let says: Vec<template::SaysMismatch> = self
            .scope
            .says
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        let mut from = 0;
        for m in says {
            // The call in the text: the next one naming this cell.
            let at = src[from..]
                .find(&format!("\"{}\"", m.cell))
                .or_else(|| src[from..].find(&format!("'{}'", m.cell)))
                .map(|i| from + i);
            if let Some(i) = at {
                from = i + 1;
            }
            let range = at.map(|i| {
                let start = src[..i].rfind("{{").unwrap_or(i);
                let end = src[i..]
                    .find("}}")
                    .map_or(i + m.cell.len() + 2, |e| i + e + 2);
                start..end
            });
            let span = match (origin, range) {
                (Origin::File(f), Some(r)) => Some(Span::new(*f, r)),
                (Origin::Value(s), Some(r)) => {
                    map_value_range(self.sources, s, src, r).or(Some(s.clone()))
                }
                (Origin::File(f), None) => Some(Span::new(*f, 0..0)),
                (Origin::Value(s), None) => Some(s.clone()),
            };
            let mut d = Diagnostic::error(
                Code::FigureMismatch,
                format!(
                    "the prose says {} but `{}` is {}",
                    m.says, m.cell, m.full
                ),
            )
            .note(format!("the sentence prints the table's figure, {}", m.printed))
            .help("a figure quoted from a cell is always the cell's: correct the figure after `says=`, or the table, whichever is wrong");
            if let Some(span) = span {
                d = d.at(&span, format!("says {}; the table has {}", m.says, m.full));
            }
            self.diags.push(d);
        }
        let blocks = if allow_blocks {
            self.scope.generated.lock().map(|g| g.len()).unwrap_or(0)
        } else {
            0
        };
        let (piece, errors) = markdown::parse(&md, mode, blocks, self.pieces);
        for e in errors {
            let span = match origin {
                Origin::File(f) if md == src => Span::new(*f, e.offset..e.offset + 1),
                // Templating moved things: find the offending line in the file.
                Origin::File(f) => {
                    let line = md[md.floor_char_boundary(e.offset)..]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim();
                    match src.find(line).filter(|_| !line.is_empty()) {
                        Some(o) => Span::new(*f, o..o + line.len()),
                        None => Span::new(*f, 0..0),
                    }
                }
                Origin::Value(s) => s.clone(),
            };
            self.diags.push(
                Diagnostic::error(Code::Markdown, e.message)
                    .at(&span, "here")
                    .help(e.help),
            );
        }
        piece
    }
}

/// Maps a byte range inside a YAML scalar's value back to the YAML file, by
/// finding each value line in the file (plain, quoted and block scalars alike).
/// `None` when the value was transformed (escapes, folding) beyond recognition.
fn map_value_range(
    sources: &SourceMap,
    span: &Span,
    value: &str,
    range: std::ops::Range<usize>,
) -> Option<Span> {
    let file_text = sources.text(span.file);
    let start_map = |off: usize| -> Option<usize> {
        let before = value.get(..off)?;
        let k = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = off - line_start;
        let line = value.lines().nth(k).unwrap_or("");
        // Go k lines down from the scalar's start, then find the line's text.
        let mut pos = span.range.start;
        for _ in 0..k {
            pos += file_text.get(pos..)?.find('\n')? + 1;
        }
        let eol = file_text
            .get(pos..)?
            .find('\n')
            .map_or(file_text.len(), |i| pos + i);
        let found = file_text.get(pos..eol)?.find(line)?;
        Some(pos + found + col)
    };
    let s = start_map(range.start)?;
    let e = start_map(range.end).filter(|e| *e >= s).unwrap_or(s);
    Some(Span::new(span.file, s..e))
}

/// A register as used by a paper: its name there, the model and its previous snapshot.
pub struct PaperRegister {
    pub name: String,
    pub register: Register,
    pub previous: Option<Register>,
}

/// Headings must start at `#` and go down one level at a time: screen readers
/// navigate by them, and PDF/UA refuses a document that skips levels. Checks
/// one narrative file, carrying the last level over from the previous file.
fn check_headings(
    sources: &SourceMap,
    file: FileId,
    mut last: usize,
    diags: &mut Diagnostics,
) -> usize {
    use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
    let text = sources.text(file);
    let mut open: Option<(usize, bool)> = None; // heading start, has text
    for (ev, range) in Parser::new_ext(text, crate::load::markdown::options()).into_offset_iter() {
        match &ev {
            Event::Text(t) | Event::Code(t) if !t.trim().is_empty() => {
                if let Some((_, has)) = open.as_mut() {
                    *has = true;
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, false)) = open.take() {
                    diags.push(
                        Diagnostic::error(Code::Markdown, "this heading has no text")
                            .at(&Span::new(file, start..start + 1), "empty heading")
                            .help("give the heading its title, or remove the `#`"),
                    );
                }
            }
            _ => {}
        }
        if let Event::Start(Tag::Heading { level, .. }) = ev {
            open = Some((range.start, false));
            let n = match level {
                HeadingLevel::H1 => 1,
                HeadingLevel::H2 => 2,
                HeadingLevel::H3 => 3,
                HeadingLevel::H4 => 4,
                HeadingLevel::H5 => 5,
                HeadingLevel::H6 => 6,
            };
            if n > last + 1 {
                let hashes = "#".repeat(last + 1);
                let line_end = text[range.start..]
                    .find('\n')
                    .map_or(text.len(), |i| range.start + i);
                let message = if last == 0 {
                    format!("the narrative's first heading is level {n}")
                } else {
                    format!("this heading is level {n} but the one before it is level {last}")
                };
                diags.push(
                    Diagnostic::error(Code::Markdown, message)
                        .at(&Span::new(file, range.start..line_end), "skips a level")
                        .help(format!("start it with `{hashes}` (sections start with `#`, sub-headings `##` under them)")),
                );
            }
            last = n;
        }
    }
    last
}

/// Everything a committee paper is rendered from (all validated).
pub struct PaperInputs<'a> {
    pub paper: &'a Paper,
    /// The paper's report template as the layout prints it (cover, tables).
    pub template: Option<Json>,
    /// paper.yaml as plain JSON, for templates (`paper.…`, `data.…`).
    pub paper_json: Json,
    pub registers: &'a [PaperRegister],
    pub narrative: &'a [FileId],
    /// The narrative's sections (its level-1 headings) in order, as
    /// validation read them: what `section("Title")` numbers.
    pub sections: Vec<String>,
    /// (appendix index, Markdown file) for Markdown appendices.
    pub appendix_files: &'a [(usize, FileId)],
    /// The paper's declared tables, checked.
    pub tables: &'a [crate::model::table::Checked],
}

/// The layout file that typesets declared tables (imported as `T`) in a
/// document on layout `version`: `tables-v2.typ` from version 3 (a long table
/// breaks across pages), `tables-v1.typ` before (frozen: a table longer than
/// a page is printed over itself at its foot, and `check` warns of it, Q0140).
pub fn tables_layout(version: u32) -> &'static str {
    if version >= TABLES_V2_FROM {
        "layouts/tables-v2.typ"
    } else {
        "layouts/tables-v1.typ"
    }
}

/// The first document layout version whose tables break across pages.
pub const TABLES_V2_FROM: u32 = 3;

/// Renders a committee paper (and its risk-register appendices).
pub fn paper(
    input: PaperInputs,
    settings: &Settings,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Rendered {
    let PaperInputs {
        paper: p,
        template,
        paper_json,
        registers,
        narrative: narrative_files,
        sections,
        appendix_files,
        tables,
    } = input;
    let mut reg_views = serde_json::Map::new();
    for r in registers {
        let since = p.appendices.iter().find_map(|a| match &a.kind {
            AppendixKind::Register { name, since, .. } if name.value == r.name => since.clone(),
            _ => None,
        });
        reg_views.insert(
            r.name.clone(),
            view::register_view(
                &r.register,
                r.previous.as_ref(),
                &r.name,
                since.as_deref(),
                settings,
            ),
        );
    }
    let org = json!({"name": settings.organisation, "short_name": settings.short_name});
    let data = paper_json
        .get("data")
        .cloned()
        .unwrap_or(Json::Object(Default::default()));
    // `json!` copies what it is given: the register views (1,000 risks are
    // big) are moved into their place instead.
    let mut context = json!({"paper": paper_json, "data": data, "org": org, "registers": null});
    context["registers"] = Json::Object(reg_views);
    crate::tables::into_context(tables, settings, &mut context);
    let mut r = MdRenderer::new(context, settings, sources, diags);
    // Each register's change account, for `register_changes("name")`: only
    // where the register names a previous snapshot.
    let changes: serde_json::Map<String, Json> = registers
        .iter()
        .filter_map(|reg| {
            view::changes_view(&reg.register, reg.previous.as_ref(), settings)
                .map(|c| (reg.name.clone(), c))
        })
        .collect();
    r.scope.changes = Arc::new(Json::Object(changes));
    // The narrative's sections, for `section("Title")`: numbered unless the
    // template numbers none (or only paragraphs).
    let numbered = !template
        .as_ref()
        .and_then(|t| {
            serde_json::from_value::<crate::model::template::Numbering>(t.get("numbering")?.clone())
                .ok()
        })
        .is_some_and(|n| n != crate::model::template::Numbering::Sections);
    r.scope.sections = Arc::new((sections, numbered));
    r.scope.standard = Arc::new(
        template
            .as_ref()
            .and_then(|t| t.get("tables")?.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|tb| tb.get("key")?.as_str().map(str::to_string))
            .collect(),
    );
    r.scope.appendices = Arc::new(
        p.appendices
            .iter()
            .enumerate()
            .map(|(i, a)| (a.title.clone(), p.appendix_label(i)))
            .collect(),
    );
    let generated = r.scope.generated.clone();

    // Markdown that cannot hold generated blocks: recommendations, risk
    // fields, and the summary before version 3; from version 3 the summary
    // may place a table of the engine (a register's change account), and no
    // other generated block.
    let mut md: Vec<(String, doc::Doc)> = Vec::new();
    let d = r.piece_tables_only(
        &p.summary.value,
        &Origin::Value(p.summary.span.clone()),
        Mode::Plain,
        p.layout.value.version >= 3,
    );
    md.push(("summary".into(), d));
    for (i, rec) in p.recommendations.iter().enumerate() {
        let d = r.piece(
            &rec.value,
            &Origin::Value(rec.span.clone()),
            Mode::Inline,
            false,
        );
        md.push((format!("recommendation/{i}"), d));
    }
    for reg in registers {
        r.risk_fields(reg, &mut md);
        for risk in &reg.register.risks {
            if let Some(s) = &risk.summary {
                let key = format!("{}/{}/summary", reg.name, risk.id.value);
                let d = r.piece(&s.value, &Origin::Value(s.span.clone()), Mode::Plain, false);
                md.push((key, d));
            }
        }
    }
    let mut narrative = Vec::new();
    let mut last_level = 0;
    for f in narrative_files {
        last_level = check_headings(sources, *f, last_level, r.diags);
        narrative.push(r.piece(sources.text(*f), &Origin::File(*f), Mode::Numbered, true));
    }
    let mut appendix_docs: Vec<Option<doc::Doc>> = vec![None; p.appendices.len()];
    for (i, f) in appendix_files {
        // An appendix's own title is a level-1 heading: its Markdown continues below it.
        check_headings(sources, *f, 1, r.diags);
        appendix_docs[*i] = Some(r.piece(sources.text(*f), &Origin::File(*f), Mode::Plain, true));
    }

    let appendices: Vec<Json> = p
        .appendices
        .iter()
        .enumerate()
        .map(|(i, a)| {
            // As the paper publishes it (`A`), else by its place (1, 2, …).
            let number = a.number.as_ref().map_or_else(|| json!(i + 1), |n| json!(n));
            let mut v = match &a.kind {
                AppendixKind::Register { name, .. } => json!({"number": number, "title": a.title, "kind": "register", "register": name.value}),
                AppendixKind::Markdown { .. } => json!({"number": number, "title": a.title, "kind": "markdown"}),
            };
            // From version 3 an appendix is printed with its label: `A` or `1`.
            if p.layout.value.version >= 3 {
                v["label"] = json!(p.appendix_label(i));
            }
            // Only when declared, so the data of every other paper is unchanged.
            if let AppendixKind::Register { shared: true, .. } = &a.kind {
                v["risk_pages"] = json!("shared");
            }
            v
        })
        .collect();
    let generated = generated.lock().map(|g| g.clone()).unwrap_or_default();
    // The register views go to the layout as the templates saw them: taken
    // back from the context rather than copied (1,000 risks are big).
    let reg_views = r
        .scope
        .into_context()
        .get_mut("registers")
        .map(Json::take)
        .unwrap_or_default();
    let title = p.subject.clone();
    let data = json!({
        "meta": meta(&title, settings, p.meeting_date),
        "settings": settings,
        "paper": {
            "id": p.id,
            "committee": p.committee,
            "meeting_date": long_date(p.meeting_date),
            "subject": p.subject,
            "decision_number": p.decision_number,
            "key_decision": p.key_decision,
            "key_decision_given": p.key_decision_given,
            "classification": p.classification,
            "from": p.from,
            "to": p.to,
            "past_pathway": p.past_pathway,
            "future_pathway": p.future_pathway,
            "electoral_divisions": p.electoral_divisions,
            "recommendations": p.recommendations.len(),
            "contacts": p.contacts,
            "background": p.background,
            "appendices": appendices,
            "layout": p.layout.value.label(),
            "template": template,
        },
        "registers": null,
        "generated": generated,
    });
    let mut data = data;
    data["registers"] = reg_views;
    let layout = p.layout.value.path();
    let mut narrative_typ = String::new();
    for d in &narrative {
        narrative_typ.push_str(&typ::doc(d));
        narrative_typ.push('\n');
    }
    let appendix_typ: Vec<String> = appendix_docs
        .iter()
        .map(|d| {
            d.as_ref()
                .map_or("none".into(), |d| format!("[{}]", typ::doc(d)))
        })
        .collect();
    let mut content = content_typ(&layout, &md, &narrative_typ, &appendix_typ);
    if !tables.is_empty() {
        data["tables"] = crate::tables::view(tables, settings);
        content = format!(
            "#import {} as T\n{content}",
            str_lit(&format!("/{}", tables_layout(p.layout.value.version)))
        );
    }
    let call = Call::REPORT;
    let scheme = template
        .as_ref()
        .and_then(|t| serde_json::from_value(t.get("numbering")?.clone()).ok())
        .unwrap_or(crate::model::template::Numbering::Sections);
    let toc = doc::number(&mut narrative, scheme);
    Rendered {
        main: main_typ(&layout, &call),
        call,
        layout,
        extra: Vec::new(),
        content,
        data: data_json(data, p.layout.value.version),
        title,
        date: p.meeting_date,
        view: doc::View {
            entry: "report".into(),
            md,
            narrative,
            toc,
            appendices: appendix_docs,
        },
    }
}

/// Declared tables in a document other than a committee paper (a return, a
/// plan): the layout's view and the generated blocks go into `data`, and
/// content.typ imports the tables layout as `T`. Nothing changes for a
/// document without tables.
pub fn add_tables(
    tables: &[crate::model::table::Checked],
    generated: &Arc<Mutex<Vec<Json>>>,
    settings: &Settings,
    version: u32,
    data: &mut Json,
    content: &mut String,
) {
    if tables.is_empty() {
        return;
    }
    data["tables"] = crate::tables::view(tables, settings);
    data["generated"] = Json::Array(generated.lock().map(|g| g.clone()).unwrap_or_default());
    *content = format!(
        "#import {} as T\n{content}",
        str_lit(&format!("/{}", tables_layout(version)))
    );
}

/// A layout's data as its `data.json`: from version 3 with typographic
/// quotes in every string it prints ([`format::typographic`]).
pub fn data_json(mut data: Json, version: u32) -> String {
    if version >= 3 {
        format::typographic(&mut data);
    }
    serde_json::to_string(&data).unwrap_or_default()
}

/// Document metadata every layout sets: title, author, language, date.
pub fn meta(title: &str, settings: &Settings, date: chrono::NaiveDate) -> Json {
    use chrono::Datelike;
    json!({
        "title": title,
        "author": settings.organisation,
        "lang": "en",
        "region": "gb",
        "paper": settings.paper_size,
        "no_data": settings.no_data,
        "not_rated": settings.not_rated,
        "date": {"year": date.year(), "month": date.month(), "day": date.day()},
        "org": {
            "name": settings.organisation,
            "logo": settings.logo.as_ref().map(|l| json!({"file": format!("/{}", l.file.value), "alt": l.alt})),
        },
        "style": settings.style,
    })
}

/// Where a document's data lives in the Typst world.
pub const DATA_JSON: &str = "/_quire/data.json";
/// The data's file name beside content.typ (`/_quire/` for a document,
/// `/_quire/items/N/` for an agenda pack's item), as content.typ reads it.
pub const DATA_FILE: &str = "data.json";

/// `main.typ`: imports the layout as `L` and content.typ as `C`, then `L.<call>`.
pub fn main_typ(layout: &str, call: &Call) -> String {
    let call = call.typst("C");
    format!(
        "#import {} as L\n#import \"/_quire/content.typ\" as C\n#L.{call}\n",
        str_lit(&format!("/{layout}"))
    )
}

/// `main.typ` of a draft: every page marked DRAFT across it, and a first
/// page listing the problems that keep the paper from being built (each a
/// Typst string, never markup), then the paper as [`main_typ`] gives it.
pub fn draft_main_typ(layout: &str, call: &Call, problems: &[String]) -> String {
    let call = call.typst("C");
    let items: Vec<String> = problems
        .iter()
        .map(|p| format!("[#{}]", str_lit(p)))
        .collect();
    format!(
        "#import {} as L\n#import \"/_quire/content.typ\" as C\n\
         #set page(foreground: place(center + horizon, rotate(-40deg, text(size: 96pt, weight: \"bold\", fill: rgb(200, 0, 0, 70))[DRAFT])))\n\
         #page[#heading(outlined: false)[DRAFT: not for publication]\n\
         #par[This paper departs from its report template. It is built as a draft so that its author can see it; correct the problems below, then build it again.]\n\
         #list({})]\n\
         #L.{call}\n",
        str_lit(&format!("/{layout}")),
        items.join(", ")
    )
}

/// `content.typ`: the Markdown-derived content, keyed for the layout.
pub fn content_typ(
    layout: &str,
    md: &[(String, doc::Doc)],
    narrative: &str,
    appendices: &[String],
) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "#import {} as L\n",
        str_lit(&format!("/{layout}"))
    ));
    // The data beside this file (relative to it), so the same content.typ
    // serves a document and an agenda pack's item, each under its folder.
    s.push_str(&format!(
        "#let data = json({})\n#let md = (\n",
        str_lit(DATA_FILE)
    ));
    for (k, v) in md {
        s.push_str(&format!("  {}: [{}],\n", str_lit(k), typ::doc(v).trim()));
    }
    s.push_str(")\n#let narrative = [\n");
    s.push_str(narrative);
    s.push_str("\n]\n#let appendices = (");
    for a in appendices {
        s.push_str(a);
        s.push_str(", ");
    }
    s.push_str(")\n");
    s
}

/// Renders a risk register's appendix as a document of its own.
pub fn appendix(
    title: &str,
    layout: &str,
    reg: &PaperRegister,
    since: Option<&str>,
    settings: &Settings,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Rendered {
    let view = view::register_view(
        &reg.register,
        reg.previous.as_ref(),
        &reg.name,
        since,
        settings,
    );
    let context = json!({"register": &view, "org": {"name": settings.organisation}});
    let mut r = MdRenderer::new(context, settings, sources, diags);
    let mut md: Vec<(String, doc::Doc)> = Vec::new();
    r.risk_fields(reg, &mut md);
    let data = json!({"meta": meta(title, settings, reg.register.as_at), "settings": settings, "title": title, "register": view});
    let call = Call::REPORT;
    Rendered {
        main: main_typ(layout, &call),
        content: content_typ(layout, &md, "", &[]),
        data: serde_json::to_string(&data).unwrap_or_default(),
        layout: layout.to_string(),
        call,
        extra: Vec::new(),
        title: title.to_string(),
        date: reg.register.as_at,
        view: doc::View {
            entry: "report".into(),
            md,
            ..doc::View::default()
        },
    }
}

/// A small deterministic generator (xorshift64) for the converters' and the
/// template engine's fuzz tests: the same cases on every run.
/// Whether a template error only repeats a problem already reported: the `date`
/// filter given a date that validation has already called invalid (Q0008). A
/// malformed value is one error, not also one wherever the narrative prints it.
fn consequence_of_reported(diags: &Diagnostics, message: &str) -> bool {
    let Some(value) = message
        .strip_suffix(" is not a YYYY-MM-DD date")
        .and_then(|v| v.strip_prefix('`'))
        .and_then(|v| v.strip_suffix('`'))
    else {
        return false;
    };
    let quoted = format!("`{value}`");
    diags
        .items
        .iter()
        .any(|d| d.code == Code::InvalidDate && d.message.starts_with(&quoted))
}

#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
