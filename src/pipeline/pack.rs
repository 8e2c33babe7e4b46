//! An agenda pack, composed in the pipeline from its items' rendered
//! documents (`quire pack`, `quire check` and `quire verify` call it; the
//! command is `cmd/pack.rs`): one PDF for a meeting — the agenda front sheet,
//! then each item's document — typeset as a single Typst document so the
//! agenda's page ranges are the real pages, every page number is its PDF page
//! index, each item starts on a right-hand page, and each item has a bookmark.
//! Exempt (Part B) items are left out of the public pack and said to be
//! withheld. With `formats: [.., html]` the public pack also gets an HTML
//! edition: an index page and a page per item part. The pack is recorded in
//! the manifest with the same entry as a document ([`manifest::entry`]).

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::{self, yaml};
use crate::manifest;
use crate::model::dates::long_date;
use crate::project::{MEETING_FILE, Project};
use crate::render::doc::Doc;
use crate::render::escape::str_lit;
use crate::render::markdown::Mode;
use crate::render::{DATA_JSON, MdRenderer, Origin, Rendered, meta, template};
use crate::source::SourceMap;
use crate::typeset::PdfSettings;
use crate::validate::meeting::{ItemDoc, Meeting};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What making a pack has to say, in order, as it goes (the command prints it).
pub enum Report<'a> {
    /// Problems in the meeting's files, or in a document it includes.
    Diagnostics(&'a Diagnostics, &'a SourceMap),
    /// A line of its own: an item that cannot be included, a file not written.
    Line(String),
}

/// Which pack to make and how: the public pack or the members' (with the
/// exempt items), the PDF standards, and the options the manifest records.
pub struct PackConfig {
    pub include_exempt: bool,
    pub pdf: PdfSettings,
    pub options: Vec<String>,
}

/// Validates a meeting (its file, layout, the documents it names and its
/// Markdown items) without composing it; for `quire check`. Returns whether it
/// is valid.
pub fn check(project: &Project, id: &str, report: &mut dyn FnMut(Report)) -> bool {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::default();
    let Some((meeting, node, dir)) = read_meeting(project, id, &mut sources, &mut diags) else {
        report(Report::Diagnostics(&diags, &sources));
        return false;
    };
    // The Markdown items follow the pack layout's text rules.
    let _text = crate::render::format::layout_text(meeting.layout.value.version);
    // Everything `pack` would reject, in one run: the Markdown items'
    // templates too (exempt ones included: `--include-exempt` prints them).
    for item in &meeting.items {
        let Some(ItemDoc::Markdown(md)) = &item.doc else {
            continue;
        };
        match load::read_ref(&project.root, &dir, &md.value, &md.span, &mut sources) {
            Ok((f, _)) => {
                let scope = template::Scope::new(
                    json!({"meeting": node.to_json()}),
                    project.settings.clone(),
                );
                let mut r = MdRenderer {
                    scope,
                    sources: &sources,
                    diags: &mut diags,
                    pieces: 0,
                };
                let _ = r.render(sources.text(f), &Origin::File(f), Mode::Plain, false);
            }
            Err(d) => diags.push(d),
        }
    }
    report(Report::Diagnostics(&diags, &sources));
    !diags.has_errors()
}

/// Reads and validates `content/ID/meeting.yaml`, its layout and the documents
/// its items name; None when the file cannot be read as a meeting at all.
fn read_meeting(
    project: &Project,
    id: &str,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<(Meeting, yaml::Node, PathBuf)> {
    let dir = Path::new("content").join(id);
    let file = match load::read(&project.root, &dir.join(MEETING_FILE), sources) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let (node, problems) = yaml::parse_all(sources, file);
    problems.into_iter().for_each(|d| diags.push(d));
    let node = node?;
    let meeting = crate::validate::meeting::meeting(&node, diags)?;
    if let Some(d) = super::missing_layout(project, &meeting.layout) {
        diags.push(d);
    }
    let names = part_names(project);
    for item in &meeting.items {
        let main = match &item.doc {
            Some(ItemDoc::Document(d)) => Some((d, "points to")),
            _ => None,
        };
        let attached = item.attachments.iter().map(|a| (a, "attaches"));
        for (d, verb) in main.into_iter().chain(attached) {
            if find_part(project, &d.value).is_some() {
                continue;
            }
            let mut diag = Diagnostic::error(
                Code::UnknownReference,
                format!(
                    "item {} {verb} `{}`, which is not a document under content/",
                    item.number, d.value
                ),
            )
            .at(&d.span, "no such document");
            if let Some(s) = crate::diag::did_you_mean(&d.value, names.iter().map(String::as_str)) {
                diag = diag.help(format!("did you mean `{s}`?"));
            } else {
                diag = diag.help(format!(
                    "name a folder under content/ that holds a document (or an APP plan's `<plan>-scorecard`): {}",
                    names.join(", ")
                ));
            }
            diags.push(diag);
        }
    }
    Some((meeting, node, dir))
}

/// A pack composed, ready to typeset: the PDF's Typst sources and the HTML
/// edition's pages, each from its items' rendered documents.
pub struct Composed {
    /// The output name: `MEETING-pack`, or `MEETING-pack-full` with the exempt items.
    pub stem: String,
    /// The meeting's folder (project-relative).
    pub dir: PathBuf,
    /// The layout, `agenda-pack@N`.
    pub layout: String,
    /// The PDF's sources: `main.typ`, the agenda's data, and each item's
    /// `content.typ` and `data.json` as virtual files under `/_quire/items/`.
    pub rendered: Rendered,
    /// The HTML edition's pages (file name, what renders it), the index
    /// first; empty when the pack has no HTML edition.
    pub html: Vec<(String, Rendered)>,
    /// Whether the pack has an HTML edition (the public pack, with html in `formats`).
    pub html_on: bool,
    /// Project-relative input files read so far, for the manifest.
    pub inputs: Vec<String>,
    /// The meeting's sources, for later diagnostics.
    pub sources: SourceMap,
    /// The SHA-256 of each input as it was read (the meeting's and its
    /// documents' sources), by path, for the manifest.
    pub digests: BTreeMap<String, String>,
}

/// Composes the pack of meeting `id`: Err(internal?) after reporting why not.
pub fn compose(
    project: &Project,
    id: &str,
    include_exempt: bool,
    report: &mut dyn FnMut(Report),
) -> Result<Composed, bool> {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::default();
    let Some((meeting, node, dir)) = read_meeting(project, id, &mut sources, &mut diags) else {
        report(Report::Diagnostics(&diags, &sources));
        return Err(false);
    };
    let layout_path = meeting.layout.value.path();
    // The pack's own Markdown items follow its layout version's text rules, as
    // every document's do (see `render::format::layout_text`).
    let _text = crate::render::format::layout_text(meeting.layout.value.version);
    if diags.has_errors() {
        report(Report::Diagnostics(&diags, &sources));
        return Err(false);
    }

    // Everything the pack is built from, for the manifest.
    let mut inputs: Vec<String> = vec![
        crate::project::PROJECT_FILE.into(),
        load::display(&dir.join(MEETING_FILE)),
    ];
    // Each included item becomes virtual files under /_quire/items/K/.
    let mut extra: Vec<(String, String)> = Vec::new();
    let mut imports = String::new();
    let mut bodies = String::new();
    let mut items_json = Vec::new();
    let suffix = if include_exempt {
        "-pack-full"
    } else {
        "-pack"
    };
    let date = meeting.published.unwrap_or(meeting.date);
    // The HTML edition: the public pack only (exempt items are never
    // published in HTML), when the project's formats include html.
    let html_on = !include_exempt && project.settings.formats.iter().any(|f| f == "html");
    let index_name = format!("{id}{suffix}.html");
    let meeting_label = format!("{}, {}", meeting.committee, long_date(meeting.date));
    // Each item page of the HTML edition: its file name and what renders it.
    let mut html_pages: Vec<(String, Rendered)> = Vec::new();
    let mut html_items = Vec::new();
    let slugs = item_slugs(&meeting);
    // Each document is prepared once, however many items or parts use it.
    let mut prepared: std::collections::HashMap<String, super::Prepared> = Default::default();
    for (k, item) in meeting.items.iter().enumerate() {
        let withheld = item.exempt.is_some() && !include_exempt;
        let key = format!("{k}");
        // The item's parts in order (its document, then its attachments), each
        // as the Typst that sets it; all carry the item's key, so the agenda's
        // page range and the blank-page notes cover them as one item.
        let mut parts: Vec<String> = Vec::new();
        // The item's HTML pages (href, title) in order.
        let mut pages: Vec<serde_json::Value> = Vec::new();
        let html_item = html_on && item.exempt.is_none();
        let mut add_page = |part: usize, title: &str, r: Rendered| {
            let name = if part == 0 {
                format!("{id}{suffix}-item-{}.html", slugs[k])
            } else {
                format!("{id}{suffix}-item-{}-{part}.html", slugs[k])
            };
            // What the page is within its item, when the item has several.
            let part = match part {
                0 if item.attachments.is_empty() => None,
                0 => Some("report".to_string()),
                n => Some(format!("attachment {n}")),
            };
            let mut r = r;
            let pack_html = json!({
                "index": index_name,
                "meeting": meeting_label,
                "number": item.number,
                "item": item.title,
                "part": part,
            });
            let mut data: serde_json::Value = serde_json::from_str(&r.data).unwrap_or_default();
            if let Some(m) = data.get_mut("meta").and_then(|m| m.as_object_mut()) {
                m.insert("pack_html".into(), pack_html);
            }
            r.data = serde_json::to_string(&data).unwrap_or_default();
            pages.push(json!({"href": name, "title": title, "part": part}));
            html_pages.push((name, r));
        };
        if !withheld {
            match &item.doc {
                Some(ItemDoc::Document(d)) => {
                    let r = document_part(
                        project,
                        &mut prepared,
                        &mut inputs,
                        id,
                        item,
                        &d.value,
                        report,
                    )?;
                    parts.push(add_item(
                        &mut extra,
                        &mut imports,
                        &key,
                        Part {
                            key: &key,
                            number: &item.number,
                            title: &item.title,
                            at: (0, 1 + item.attachments.len()),
                            item_title: &item.title,
                        },
                        &r,
                    ));
                    if html_item {
                        let title = r.title.clone();
                        add_page(0, &title, r);
                    }
                }
                Some(ItemDoc::Markdown(md)) => {
                    let (f, md_path) = match load::read_ref(
                        &project.root,
                        &dir,
                        &md.value,
                        &md.span,
                        &mut sources,
                    ) {
                        Ok(x) => x,
                        Err(d) => {
                            diags.push(d);
                            report(Report::Diagnostics(&diags, &sources));
                            return Err(false);
                        }
                    };
                    inputs.push(load::display(&md_path));
                    let scope = template::Scope::new(
                        json!({"meeting": node.to_json()}),
                        project.settings.clone(),
                    );
                    let mut r = MdRenderer {
                        scope,
                        sources: &sources,
                        diags: &mut diags,
                        pieces: 0,
                    };
                    let piece = r.piece(sources.text(f), &Origin::File(f), Mode::Plain, false);
                    let typ = crate::render::typ::doc(&piece);
                    if diags.has_errors() {
                        report(Report::Diagnostics(&diags, &sources));
                        return Err(false);
                    }
                    if html_item {
                        let (h1, narrative) = lift_title(piece);
                        let data = json!({
                            "meta": meta(&item.title, &project.settings, date),
                            "meeting": meeting_json(&meeting),
                            "item": {"number": item.number, "title": item.title},
                        });
                        let page = Rendered {
                            main: String::new(),
                            content: String::new(),
                            data: serde_json::to_string(&data).unwrap_or_default(),
                            layout: layout_path.clone(),
                            call: Default::default(),
                            extra: Vec::new(),
                            title: item.title.clone(),
                            date,
                            view: crate::render::doc::View {
                                entry: "item".into(),
                                md: h1.map(|h| ("title".to_string(), h)).into_iter().collect(),
                                narrative: vec![narrative],
                                ..Default::default()
                            },
                        };
                        add_page(0, &item.title, page);
                    }
                    // Markdown tables call `L.md-table(data.meta, ..)`: give them the pack's layout and data.
                    let content = format!(
                        "#import {} as L\n#let data = json({})\n#let body = [\n{typ}\n]\n#let title = {}\n",
                        str_lit(&format!("/{layout_path}")),
                        str_lit(DATA_JSON),
                        str_lit(&item.title)
                    );
                    extra.push((format!("/_quire/items/{k}/content.typ"), content));
                    imports.push_str(&format!(
                        "#import \"/_quire/items/{k}/content.typ\" as C{k}\n"
                    ));
                    parts.push(format!(
                        "#P.markdown-item(data.meta + (embedded: true, pack_item: (key: \"{k}\", number: {}, title: C{k}.title)), C{k}.title, C{k}.body)",
                        str_lit(&item.number)
                    ));
                }
                None => {}
            }
            for (j, a) in item.attachments.iter().enumerate() {
                let r = document_part(
                    project,
                    &mut prepared,
                    &mut inputs,
                    id,
                    item,
                    &a.value,
                    report,
                )?;
                // An attachment's bookmark names the attached document.
                let part = format!("{k}_{}", j + 1);
                let has_doc = usize::from(item.doc.is_some());
                parts.push(add_item(
                    &mut extra,
                    &mut imports,
                    &part,
                    Part {
                        key: &key,
                        number: &item.number,
                        // Layouts before version 3 bookmark an attachment by
                        // the attached document's title alone.
                        title: &r.title,
                        at: (has_doc + j, has_doc + item.attachments.len()),
                        item_title: &item.title,
                    },
                    &r,
                ));
                if html_item {
                    let title = r.title.clone();
                    add_page(j + 1, &title, r);
                }
            }
        }
        let has_doc = !parts.is_empty();
        if has_doc {
            // Each attachment starts on a right-hand page, like an item.
            bodies.push_str(&format!(
                "  \"{k}\": [{}],\n",
                parts.join("#pagebreak(to: \"odd\")")
            ));
        }
        items_json.push(json!({"key": key, "number": item.number, "title": item.title, "has_doc": has_doc, "exempt": item.exempt, "withheld": withheld}));
        html_items.push(json!({"number": item.number, "title": item.title, "exempt": item.exempt, "pages": pages}));
    }
    let title = format!(
        "{}: agenda pack, {}",
        meeting.committee,
        long_date(meeting.date)
    );
    let data = json!({
        "meta": meta(&title, &project.settings, date),
        "meeting": meeting_json(&meeting),
        "items": items_json,
        "public": !include_exempt,
    });
    let main = format!(
        "#import {} as P\n{imports}#let data = json({})\n#P.pack(data, (\n{bodies}))\n",
        str_lit(&format!("/{layout_path}")),
        str_lit(DATA_JSON)
    );
    let rendered = Rendered {
        main,
        content: String::new(),
        data: serde_json::to_string(&data).unwrap_or_default(),
        layout: layout_path.clone(),
        call: Default::default(),
        extra,
        title,
        date,
        view: Default::default(),
    };
    // The HTML edition: the agenda's index page, then the item pages.
    let mut html = Vec::new();
    if html_on {
        let index_data = json!({
            "meta": data["meta"],
            "meeting": data["meeting"],
            "items": html_items,
        });
        let index = Rendered {
            data: serde_json::to_string(&index_data).unwrap_or_default(),
            view: crate::render::doc::View {
                entry: "index".into(),
                ..Default::default()
            },
            ..rendered.clone()
        };
        html.push((index_name, index));
        html.extend(html_pages);
    }
    // Each input as it was read: the meeting's, then its documents'.
    let mut digests = sources.digests().clone();
    for p in prepared.values() {
        for (k, v) in p.sources.digests() {
            digests.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Ok(Composed {
        stem: format!("{id}{suffix}"),
        dir,
        layout: meeting.layout.value.label(),
        rendered,
        html,
        html_on,
        inputs,
        sources,
        digests,
    })
}

/// Makes the pack of meeting `id` into `out`: composes it, renders its HTML
/// pages and typesets its PDF, writes them all or none, and records them in
/// the manifest. Ok(pages), or Err(internal?) after reporting why not.
pub fn make(
    project: &Project,
    id: &str,
    out: &Path,
    config: &PackConfig,
    report: &mut dyn FnMut(Report),
) -> Result<usize, bool> {
    let pack = compose(project, id, config.include_exempt, report)?;
    let sources = &pack.sources;
    // The HTML edition's pages, made before anything is written.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut read: Vec<String> = Vec::new();
    // Each input as it was read (see `manifest::entry`): the composed
    // documents', then the HTML layouts' and the Typst world's.
    let mut digests = pack.digests.clone();
    for (name, r) in &pack.html {
        match crate::typeset::html::page(&project.root, r) {
            Ok(page) => {
                read.extend(page.files_read);
                for (k, v) in page.digests {
                    digests.entry(k).or_insert(v);
                }
                files.push((out.join(name), page.html));
            }
            Err(e) => {
                let mut d2 = Diagnostics::default();
                let missing = e.missing;
                d2.push(e.diagnostic);
                report(Report::Diagnostics(&d2, sources));
                return Err(!missing);
            }
        }
    }
    let t = match crate::typeset::typeset(&project.root, &pack.rendered, &pack.stem, &config.pdf) {
        Ok(t) => t,
        Err(ds) => {
            let mut d2 = Diagnostics::default();
            ds.into_iter().for_each(|d| d2.push(d));
            report(Report::Diagnostics(&d2, sources));
            return Err(true);
        }
    };
    for (k, v) in &t.digests {
        digests.entry(k.clone()).or_insert_with(|| v.clone());
    }
    // The PDF and the HTML pages are replaced together or not at all.
    files.insert(0, (out.join(format!("{}.pdf", pack.stem)), t.pdf));
    if let Err((path, e)) = crate::write::all(&files) {
        report(Report::Line(format!(
            "error[{}]: cannot write `{}`: {e}",
            Code::Output.as_str(),
            path.display()
        )));
        return Err(true);
    }
    // Recorded in the manifest like a document, so `verify` covers it.
    let options = config
        .options
        .iter()
        .cloned()
        .chain(pack.html_on.then(|| "html".to_string()))
        .collect();
    let outputs = files
        .iter()
        .filter_map(|(p, bytes)| {
            let n = p.file_name()?.to_string_lossy().into_owned();
            Some((n, manifest::sha256(bytes)))
        })
        .collect();
    let inputs = pack.inputs.into_iter().chain(t.files_read).chain(read);
    let entry = manifest::entry(
        project,
        &pack.dir,
        pack.layout,
        options,
        inputs,
        &|p| digests.get(p).cloned(),
        outputs,
    );
    let built = BTreeMap::from([(pack.stem, entry)]);
    if let Err(e) = manifest::update(out, &built) {
        report(Report::Line(format!(
            "error[{}]: cannot write the manifest: {e}",
            Code::Output.as_str()
        )));
        return Err(true);
    }
    Ok(t.pages)
}

/// Adds a quire document as a part of an item: its content and data under
/// /_quire/items/PART/, with the data marked as embedded (the pack owns the PDF
/// metadata) and as belonging to the item `key`. Returns the Typst that sets it.
/// Which item a part belongs to and where in it.
struct Part<'a> {
    /// The item's key (its place on the agenda).
    key: &'a str,
    number: &'a str,
    /// The bookmark title layouts before version 3 give the part.
    title: &'a str,
    item_title: &'a str,
    /// (the part's place in its item from 0, the item's number of parts).
    at: (usize, usize),
}

fn add_item(
    extra: &mut Vec<(String, String)>,
    imports: &mut String,
    part: &str,
    p: Part,
    r: &Rendered,
) -> String {
    let (layout, call) = (&r.layout, &r.call);
    let data_path = format!("/_quire/items/{part}/data.json");
    // content.typ reads the data beside it (`render::DATA_FILE`): here,
    // the item's own.
    let content = r.content.clone();
    let mut data: serde_json::Value = serde_json::from_str(&r.data).unwrap_or_default();
    if let Some(m) = data.get_mut("meta").and_then(|m| m.as_object_mut()) {
        m.insert("embedded".into(), json!(true));
        // From version 3 a part knows its place in its item, so that its
        // bookmarks nest under the item's (`common-v3.typ`); earlier
        // versions' data stays as released.
        let item = if crate::typeset::shipped::name_version(layout).is_some_and(|(_, v)| v >= 3) {
            json!({"key": p.key, "number": p.number, "title": p.item_title,
                   "part": p.at.0, "parts": p.at.1})
        } else {
            json!({"key": p.key, "number": p.number, "title": p.title})
        };
        m.insert("pack_item".into(), item);
    }
    extra.push((format!("/_quire/items/{part}/content.typ"), content));
    extra.push((data_path, serde_json::to_string(&data).unwrap_or_default()));
    imports.push_str(&format!(
        "#import {} as L{part}\n#import \"/_quire/items/{part}/content.typ\" as C{part}\n",
        str_lit(&format!("/{layout}"))
    ));
    format!("#L{part}.{}", call.typst(&format!("C{part}")))
}

/// Every name an item may give in `document` or `attachments`: each document's
/// folder name, and the names of its other outputs (an APP plan's scorecard).
fn part_names(project: &Project) -> Vec<String> {
    project
        .documents
        .iter()
        .flat_map(|d| suffixes(d).iter().map(move |s| format!("{}{s}", d.id)))
        .collect()
}

/// The output-name suffixes of a document's PDFs, as `pipeline::prepare` names them.
fn suffixes(doc: &crate::project::Document) -> &'static [&'static str] {
    match doc.kind {
        crate::project::DocKind::App => &["", "-scorecard"],
        _ => &[""],
    }
}

/// The document and output suffix a name in `document` or `attachments` means.
fn find_part<'p>(
    project: &'p crate::project::Project,
    name: &str,
) -> Option<(&'p crate::project::Document, &'static str)> {
    project.documents.iter().find_map(|d| {
        suffixes(d)
            .iter()
            .find(|s| name.strip_prefix(d.id.as_str()) == Some(**s))
            .map(|s| (d, *s))
    })
}

/// Prepares (once) the document a part names and returns the rendering of that
/// output, recording its inputs; Err(false) when it has errors (printed).
fn document_part(
    project: &Project,
    prepared: &mut std::collections::HashMap<String, super::Prepared>,
    inputs: &mut Vec<String>,
    id: &str,
    item: &crate::validate::meeting::Item,
    name: &str,
    report: &mut dyn FnMut(Report),
) -> Result<Rendered, bool> {
    let Some((doc, suffix)) = find_part(project, name) else {
        return Err(false); // reported by the reference check
    };
    let p = prepared.entry(doc.id.clone()).or_insert_with(|| {
        let p = super::prepare(project, doc);
        report(Report::Diagnostics(&p.diags, &p.sources));
        inputs.extend(p.inputs.iter().map(|i| load::display(i)));
        // A locked return's lock decides whether it may build at all.
        let lock = doc.dir.join(crate::lock::LOCK_FILE);
        if project.root.join(&lock).exists() {
            inputs.push(load::display(&lock));
        }
        p
    });
    match p.rendered.iter().find(|(s, _)| s == suffix) {
        Some((_, r)) => Ok(r.clone()),
        None => {
            report(Report::Line(format!(
                "{:>9} {id}: item {} (`{name}`) has errors",
                "failed", item.number
            )));
            Err(false)
        }
    }
}

fn meeting_json(m: &Meeting) -> serde_json::Value {
    json!({
        "committee": m.committee,
        "date": long_date(m.date),
        "weekday": m.date.format("%A").to_string(),
        "time": m.time,
        "venue": m.venue,
        "contact": {"name": m.contact_name, "telephone": m.contact_telephone, "email": m.contact_email},
        "membership": m.membership,
        "future_meetings": m.future_meetings,
        "published": m.published.map(long_date),
        "signed": m.signed,
    })
}

/// The part of an item's HTML file names that names the item: its number in
/// lower-case letters and digits (`5`, `a1`), or its place on the agenda when
/// the number has none of those or is shared with another item.
fn item_slugs(meeting: &Meeting) -> Vec<String> {
    let slug = |n: &str| -> String {
        let s: String = n
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        s.trim_matches('-').to_string()
    };
    let raw: Vec<String> = meeting.items.iter().map(|i| slug(&i.number)).collect();
    raw.iter()
        .enumerate()
        .map(|(k, s)| {
            if s.is_empty() || s.len() > 20 || raw.iter().filter(|t| *t == s).count() > 1 {
                format!("{}", k + 1)
            } else {
                s.clone()
            }
        })
        .collect()
}

/// A Markdown item's HTML: when it opens with a heading of its own (`#`, an
/// `h2` in the fragment), that heading becomes the page's `h1` (one title per
/// item, as in the PDF) and the headings under it move up one level.
fn lift_title(mut piece: Doc) -> (Option<Doc>, Doc) {
    use crate::render::doc::{Block, Inline};
    // An author's comments before it print nothing.
    let at = piece
        .blocks
        .iter()
        .position(|b| !matches!(b, Block::Html(i) if i.is_empty()));
    let Some(Block::Heading { level: 1, body, .. }) = at.and_then(|i| piece.blocks.get(i)) else {
        return (None, piece);
    };
    let title = Doc {
        blocks: vec![Block::Para(body.clone())],
        inline: true,
        ..piece.clone()
    };
    // The body starts on the line after the title, as printed.
    if let Some(i) = at {
        piece.blocks[i] = Block::Plain(vec![Inline::SoftBreak]);
    }
    // Every heading under the title goes up one level (`##` is then an `h2`).
    let mut up = |b: &mut Block| {
        if let Block::Heading { level, .. } = b
            && *level >= 2
        {
            *level = (*level).min(5) - 1;
        }
    };
    crate::render::doc::visit_blocks_mut(&mut piece.blocks, &mut up);
    for n in &mut piece.notes {
        crate::render::doc::visit_blocks_mut(&mut n.blocks, &mut up);
    }
    (Some(title), piece)
}
