//! `quire pack MEETING`: one PDF for a meeting — the agenda front sheet, then
//! each item's document — typeset as a single Typst document so the agenda's
//! page ranges are the real pages, every page number is its PDF page index,
//! each item starts on a right-hand page, and each item has a bookmark.
//! Exempt (Part B) items are left out of the public pack and said to be withheld.

use super::{INTERNAL, INVALID, OK, exit, open, render};
use crate::cli::{Global, PackArgs};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::{self, yaml};
use crate::manifest;
use crate::model::dates::long_date;
use crate::render::escape::str_lit;
use crate::render::markdown::Mode;
use crate::render::{DATA_JSON, MdRenderer, Origin, Rendered, meta, template};
use crate::source::SourceMap;
use crate::validate::meeting::{ItemDoc, Meeting};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub const MARKER: &str = "meeting.yaml";

pub fn run(global: &Global, args: &PackArgs) -> ExitCode {
    let (project, project_errors) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let out = args.out.clone().unwrap_or_else(|| project.root.join("out"));
    let mut meetings = project.meetings();
    if !args.meetings.is_empty() {
        for m in &args.meetings {
            if !meetings.contains(m) {
                eprintln!(
                    "error[{}]: no meeting named `{m}` under content/ (a folder with {MARKER})\n  = help: the meetings are: {}",
                    Code::Usage.as_str(),
                    meetings.join(", ")
                );
                return exit(INTERNAL);
            }
        }
        meetings.retain(|m| args.meetings.contains(m));
    }
    if project_errors > 0 {
        // quire.yaml has errors (printed above): packing with fallback
        // settings would replace good packs with wrong ones.
        return exit(INVALID);
    }
    let _lock = match crate::write::OutputLock::acquire(&out) {
        Ok(l) => l,
        Err(e) => return super::busy(&e),
    };
    let mut failed = false;
    let mut internal = false;
    for id in &meetings {
        match pack_one(&project, id, &out, args, global, false) {
            Ok(pages) => {
                if !global.quiet {
                    eprintln!(
                        "{:>9} {id}-pack.pdf ({})",
                        "packed",
                        super::plural(pages, "page")
                    );
                }
            }
            Err(true) => internal = true,
            Err(false) => failed = true,
        }
    }
    exit(if internal {
        INTERNAL
    } else if failed {
        INVALID
    } else {
        OK
    })
}

/// Validates a meeting (its file, layout and the documents it names) without
/// typesetting; for `quire check`. Returns whether it is valid.
pub fn check_meeting(project: &crate::project::Project, id: &str, global: &Global) -> bool {
    let args = PackArgs {
        meetings: Vec::new(),
        out: None,
        include_exempt: false,
        pdf_standard: Vec::new(),
    };
    pack_one(project, id, Path::new("out"), &args, global, true).is_ok()
}

/// Ok(pages), or Err(internal?).
fn pack_one(
    project: &crate::project::Project,
    id: &str,
    out: &Path,
    args: &PackArgs,
    global: &Global,

    check_only: bool,
) -> Result<usize, bool> {
    let dir = Path::new("content").join(id);
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::default();
    let report =
        |diags: &Diagnostics, sources: &SourceMap| eprint!("{}", render(diags, sources, global));
    let file = match load::read(&project.root, &dir.join(MARKER), &mut sources) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            report(&diags, &sources);
            return Err(false);
        }
    };
    let node = match yaml::parse(&sources, file) {
        Ok(n) => n,
        Err(d) => {
            diags.push(d);
            report(&diags, &sources);
            return Err(false);
        }
    };
    let Some(meeting) = crate::validate::meeting::meeting(&node, &mut diags) else {
        report(&diags, &sources);
        return Err(false);
    };
    let layout_path = meeting.layout.value.path();
    // The pack's own Markdown items follow its layout version's text rules, as
    // every document's do (see `render::format::layout_text`).
    let _text = crate::render::format::layout_text(meeting.layout.value.version);
    if let Some(d) = crate::pipeline::missing_layout(project, &meeting.layout) {
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
    if check_only {
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
        report(&diags, &sources);
        return if diags.has_errors() {
            Err(false)
        } else {
            Ok(0)
        };
    }
    if diags.has_errors() {
        report(&diags, &sources);
        return Err(false);
    }

    // Everything the pack is built from, for the manifest.
    let mut inputs: Vec<String> = vec![
        crate::project::PROJECT_FILE.into(),
        load::display(&dir.join(MARKER)),
    ];
    // Each included item becomes virtual files under /_quire/items/K/.
    let mut extra: Vec<(String, String)> = Vec::new();
    let mut imports = String::new();
    let mut bodies = String::new();
    let mut items_json = Vec::new();
    let include_exempt = args.include_exempt;
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
    let mut prepared: std::collections::HashMap<String, crate::pipeline::Prepared> =
        Default::default();
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
                        global,
                    )?;
                    parts.push(add_item(
                        &mut extra,
                        &mut imports,
                        &key,
                        (&key, &item.number, &item.title),
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
                            report(&diags, &sources);
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
                    let (typ, fragment) =
                        r.render2(sources.text(f), &Origin::File(f), Mode::Plain, false);
                    if diags.has_errors() {
                        report(&diags, &sources);
                        return Err(false);
                    }
                    if html_item {
                        let (h1, narrative) = lift_title(&fragment);
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
                            call: String::new(),
                            extra: Vec::new(),
                            title: item.title.clone(),
                            date,
                            html: crate::render::HtmlParts {
                                entry: "item".into(),
                                md: h1.map(|h| ("title".to_string(), h)).into_iter().collect(),
                                narrative,
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
                    global,
                )?;
                // An attachment's bookmark names the attached document.
                let part = format!("{k}_{}", j + 1);
                parts.push(add_item(
                    &mut extra,
                    &mut imports,
                    &part,
                    (&key, &item.number, &r.title),
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
        call: String::new(),
        extra,
        title,
        date,
        html: Default::default(),
    };
    // The HTML edition's pages, made before anything is written.
    let mut files: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    let mut html_read: Vec<String> = Vec::new();
    let mut html_digests: std::collections::BTreeMap<String, String> =
        std::collections::BTreeMap::new();
    if html_on {
        let index_data = json!({
            "meta": data["meta"],
            "meeting": data["meeting"],
            "items": html_items,
        });
        let index = Rendered {
            data: serde_json::to_string(&index_data).unwrap_or_default(),
            html: crate::render::HtmlParts {
                entry: "index".into(),
                ..Default::default()
            },
            ..rendered.clone()
        };
        let mut d2 = Diagnostics::default();
        for (name, r) in std::iter::once((index_name.clone(), index)).chain(html_pages) {
            match crate::typeset::html::page(&project.root, &r) {
                Ok(page) => {
                    html_read.extend(page.files_read);
                    html_digests.extend(page.digests);
                    files.push((out.join(name), page.html));
                }
                Err(e) => {
                    let missing = e.missing;
                    d2.push(e.diagnostic);
                    report(&d2, &sources);
                    return Err(!missing);
                }
            }
        }
    }
    let chosen = crate::cmd::build::standards_for(&args.pdf_standard, &project.settings);
    let standards =
        crate::cmd::build::BuildConfig::new(out.to_path_buf(), &chosen, false, false).pdf;
    match crate::typeset::typeset(
        &project.root,
        &rendered,
        &format!("{id}{suffix}"),
        &standards,
    ) {
        Ok(t) => {
            let name = format!("{id}{suffix}.pdf");
            // The PDF and the HTML pages are replaced together or not at all.
            files.insert(0, (out.join(&name), t.pdf));
            if let Err((path, e)) = crate::write::all(&files) {
                eprintln!(
                    "error[{}]: cannot write `{}`: {e}",
                    Code::Output.as_str(),
                    path.display()
                );
                return Err(true);
            }
            // Record the pack in the manifest, like a document, so `verify` covers it.
            inputs.extend(t.files_read);
            inputs.extend(html_read);
            inputs.sort();
            inputs.dedup();
            let entry = manifest::Entry {
                locked: false,
                quire: env!("CARGO_PKG_VERSION").into(),
                typst: manifest::TYPST_VERSION.into(),
                layout: meeting.layout.value.label(),
                options: standards_options(&chosen)
                    .into_iter()
                    .chain(html_on.then(|| "html".to_string()))
                    .collect(),
                // Each input as it was read (see `build`); else hashed now.
                inputs: inputs
                    .iter()
                    .filter_map(|p| {
                        sources
                            .digest(p)
                            .or_else(|| prepared.values().find_map(|x| x.sources.digest(p)))
                            .or(t.digests.get(p).map(String::as_str))
                            .or(html_digests.get(p).map(String::as_str))
                            .or(project.fonts.digests.get(p).map(String::as_str))
                            .or((p == crate::project::PROJECT_FILE)
                                .then_some(project.config_digest.as_deref())
                                .flatten())
                            .map(str::to_string)
                            .or_else(|| manifest::hash_file(&project.root, p))
                            .map(|h| (p.clone(), h))
                    })
                    .collect(),
                folder: manifest::folder_listing(&project.root, &dir),
                outputs: files
                    .iter()
                    .filter_map(|(p, bytes)| {
                        let n = p.file_name()?.to_string_lossy().into_owned();
                        Some((n, manifest::sha256(bytes)))
                    })
                    .collect(),
            };
            let built = std::collections::BTreeMap::from([(format!("{id}{suffix}"), entry)]);
            if let Err(e) = manifest::update(out, &built) {
                eprintln!(
                    "error[{}]: cannot write the manifest: {e}",
                    Code::Output.as_str()
                );
                return Err(true);
            }
            Ok(t.pages)
        }
        Err(ds) => {
            let mut d2 = Diagnostics::default();
            ds.into_iter().for_each(|d| d2.push(d));
            report(&d2, &sources);
            Err(true)
        }
    }
}

/// Adds a quire document as a part of an item: its content and data under
/// /_quire/items/PART/, with the data marked as embedded (the pack owns the PDF
/// metadata) and as belonging to the item `key`. Returns the Typst that sets it.
fn add_item(
    extra: &mut Vec<(String, String)>,
    imports: &mut String,
    part: &str,
    (key, number, title): (&str, &str, &str),
    r: &Rendered,
) -> String {
    let (layout, call) = (&r.layout, &r.call);
    let data_path = format!("/_quire/items/{part}/data.json");
    // content.typ is generated by quire; its one data import is relocated.
    let content = r.content.replace(
        &format!("json({})", str_lit(DATA_JSON)),
        &format!("json({})", str_lit(&data_path)),
    );
    let mut data: serde_json::Value = serde_json::from_str(&r.data).unwrap_or_default();
    if let Some(m) = data.get_mut("meta").and_then(|m| m.as_object_mut()) {
        m.insert("embedded".into(), json!(true));
        m.insert(
            "pack_item".into(),
            json!({"key": key, "number": number, "title": title}),
        );
    }
    extra.push((format!("/_quire/items/{part}/content.typ"), content));
    extra.push((data_path, serde_json::to_string(&data).unwrap_or_default()));
    imports.push_str(&format!(
        "#import {} as L{part}\n#import \"/_quire/items/{part}/content.typ\" as C{part}\n",
        str_lit(&format!("/{layout}"))
    ));
    let call = call.replace("C.", &format!("C{part}."));
    format!("#L{part}.{call}")
}

/// Every name an item may give in `document` or `attachments`: each document's
/// folder name, and the names of its other outputs (an APP plan's scorecard).
fn part_names(project: &crate::project::Project) -> Vec<String> {
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
    project: &crate::project::Project,
    prepared: &mut std::collections::HashMap<String, crate::pipeline::Prepared>,
    inputs: &mut Vec<String>,
    id: &str,
    item: &crate::validate::meeting::Item,
    name: &str,
    global: &Global,
) -> Result<Rendered, bool> {
    let Some((doc, suffix)) = find_part(project, name) else {
        return Err(false); // reported by the reference check
    };
    let p = prepared.entry(doc.id.clone()).or_insert_with(|| {
        let p = crate::pipeline::prepare(project, doc);
        eprint!("{}", render(&p.diags, &p.sources, global));
        inputs.extend(p.inputs.iter().map(|i| load::display(i)));
        p
    });
    match p.rendered.iter().find(|(s, _)| s == suffix) {
        Some((_, r)) => Ok(r.clone()),
        None => {
            eprintln!(
                "{:>9} {id}: item {} (`{name}`) has errors",
                "failed", item.number
            );
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

/// The PDF options as the manifest records them.
fn standards_options(chosen: &[crate::cli::PdfStandardArg]) -> Vec<String> {
    crate::cmd::build::BuildConfig::new(std::path::PathBuf::new(), chosen, false, false).options
}

/// Rebuilds the pack recorded as `key` (`MEETING-pack` or `MEETING-pack-full`)
/// into `out`; for `verify`. Returns None when `key` is not a pack of this project.
pub fn rebuild_for_verify(
    project: &crate::project::Project,
    key: &str,
    out: &Path,
    standards: Vec<crate::cli::PdfStandardArg>,
) -> Option<Result<(), ()>> {
    let (id, include_exempt) = match key.strip_suffix("-pack-full") {
        Some(id) => (id, true),
        None => (key.strip_suffix("-pack")?, false),
    };
    if !project.meetings().iter().any(|m| m == id) {
        return None;
    }
    let args = PackArgs {
        meetings: Vec::new(),
        out: None,
        include_exempt,
        pdf_standard: standards,
    };
    let quiet = Global {
        quiet: true,
        project: None,
        verbose: false,
        diagnostic_format: crate::cli::DiagFormat::Human,
    };
    Some(
        pack_one(project, id, out, &args, &quiet, false)
            .map(|_| ())
            .map_err(|_| ()),
    )
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
fn lift_title(fragment: &str) -> (Option<String>, String) {
    let t = fragment.trim_start();
    let Some(rest) = t.strip_prefix("<h2>") else {
        return (None, fragment.to_string());
    };
    let Some(end) = rest.find("</h2>") else {
        return (None, fragment.to_string());
    };
    let mut body = rest[end + 5..].to_string();
    for n in 3..=6 {
        body = body
            .replace(&format!("<h{n}>"), &format!("<h{}>", n - 1))
            .replace(&format!("</h{n}>"), &format!("</h{}>", n - 1));
    }
    (Some(rest[..end].to_string()), body)
}
