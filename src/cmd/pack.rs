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
use std::sync::{Arc, Mutex};

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
                    eprintln!("{:>9} {id}-pack.pdf ({pages} pages)", "packed");
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
    if let Some(d) = crate::pipeline::missing_layout(project, &meeting.layout) {
        diags.push(d);
    }
    for item in &meeting.items {
        if let Some(ItemDoc::Document(d)) = &item.doc
            && !project.documents.iter().any(|x| x.id == d.value)
        {
            let mut diag = Diagnostic::error(
                Code::UnknownReference,
                format!(
                    "item {} points to `{}`, which is not a document under content/",
                    item.number, d.value
                ),
            )
            .at(&d.span, "no such document");
            if let Some(s) =
                crate::diag::did_you_mean(&d.value, project.documents.iter().map(|x| x.id.as_str()))
            {
                diag = diag.help(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
        }
    }
    if diags.has_errors() {
        report(&diags, &sources);
        return Err(false);
    }
    if check_only {
        report(&diags, &sources);
        return Ok(0);
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
    for (k, item) in meeting.items.iter().enumerate() {
        let withheld = item.exempt.is_some() && !include_exempt;
        let key = format!("{k}");
        let mut has_doc = false;
        if !withheld {
            match &item.doc {
                Some(ItemDoc::Document(d)) => {
                    let Some(doc) = project.documents.iter().find(|x| x.id == d.value) else {
                        continue;
                    };
                    let prepared = crate::pipeline::prepare(project, doc);
                    report(&prepared.diags, &prepared.sources);
                    inputs.extend(prepared.inputs.iter().map(|p| load::display(p)));
                    let Some((_, r)) = prepared.rendered.first() else {
                        eprintln!(
                            "{:>9} {id}: item {} (`{}`) has errors",
                            "failed", item.number, d.value
                        );
                        return Err(false);
                    };
                    add_item(
                        &mut extra,
                        &mut imports,
                        &mut bodies,
                        (k, &item.number, &item.title),
                        r,
                    );
                    has_doc = true;
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
                    let scope = template::Scope {
                        context: json!({"meeting": node.to_json()}),
                        settings: project.settings.clone(),
                        generated: Arc::new(Mutex::new(Vec::new())),
                    };
                    let mut r = MdRenderer {
                        scope,
                        sources: &sources,
                        diags: &mut diags,
                        pieces: 0,
                    };
                    let typ = r.render(sources.text(f), &Origin::File(f), Mode::Plain, false);
                    if diags.has_errors() {
                        report(&diags, &sources);
                        return Err(false);
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
                    bodies.push_str(&format!(
                        "  \"{k}\": [#P.markdown-item(data.meta + (embedded: true, pack_item: (key: \"{k}\", number: {}, title: C{k}.title)), C{k}.title, C{k}.body)],\n",
                        str_lit(&item.number)
                    ));
                    has_doc = true;
                }
                None => {}
            }
        }
        items_json.push(json!({"key": key, "number": item.number, "title": item.title, "has_doc": has_doc, "exempt": item.exempt, "withheld": withheld}));
    }
    let title = format!(
        "{}: agenda pack, {}",
        meeting.committee,
        long_date(meeting.date)
    );
    let date = meeting.published.unwrap_or(meeting.date);
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
    let chosen = crate::cmd::build::standards_for(&args.pdf_standard, &project.settings);
    let standards =
        crate::cmd::build::BuildConfig::new(out.to_path_buf(), &chosen, false, false).pdf;
    let suffix = if include_exempt {
        "-pack-full"
    } else {
        "-pack"
    };
    match crate::typeset::typeset(
        &project.root,
        &rendered,
        &format!("{id}{suffix}"),
        &standards,
    ) {
        Ok(t) => {
            let name = format!("{id}{suffix}.pdf");
            let path = out.join(&name);
            if let Err(e) = crate::write::atomic(&path, &t.pdf) {
                eprintln!(
                    "error[{}]: cannot write `{}`: {e}",
                    Code::Output.as_str(),
                    path.display()
                );
                return Err(true);
            }
            // Record the pack in the manifest, like a document, so `verify` covers it.
            inputs.extend(t.files_read);
            let entry = manifest::Entry {
                locked: false,
                quire: env!("CARGO_PKG_VERSION").into(),
                typst: manifest::TYPST_VERSION.into(),
                layout: meeting.layout.value.label(),
                options: standards_options(&chosen),
                inputs: inputs
                    .iter()
                    .filter_map(|p| manifest::hash_file(&project.root, p).map(|h| (p.clone(), h)))
                    .collect(),
                folder: manifest::folder_listing(&project.root, &dir),
                outputs: [(name, manifest::sha256(&t.pdf))].into_iter().collect(),
            };
            let mut m = manifest::load(out);
            m.documents.insert(format!("{id}{suffix}"), entry);
            if let Err(e) = manifest::save(out, &m) {
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

/// Adds a quire document as item `k`: its content and data under /_quire/items/k/,
/// with the data marked as embedded (the pack owns the PDF metadata).
fn add_item(
    extra: &mut Vec<(String, String)>,
    imports: &mut String,
    bodies: &mut String,
    (k, number, title): (usize, &str, &str),
    r: &Rendered,
) {
    let (layout, call) = (&r.layout, &r.call);
    let data_path = format!("/_quire/items/{k}/data.json");
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
            json!({"key": k.to_string(), "number": number, "title": title}),
        );
    }
    extra.push((format!("/_quire/items/{k}/content.typ"), content));
    extra.push((data_path, serde_json::to_string(&data).unwrap_or_default()));
    imports.push_str(&format!(
        "#import {} as L{k}\n#import \"/_quire/items/{k}/content.typ\" as C{k}\n",
        str_lit(&format!("/{layout}"))
    ));
    let call = call.replace("C.", &format!("C{k}."));
    bodies.push_str(&format!("  \"{k}\": [#L{k}.{call}],\n"));
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
