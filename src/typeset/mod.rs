//! Typeset: rendered virtual files → PDF bytes, through an embedded Typst.
//!
//! Stage: typeset. [`world::QuireWorld`] is the only thing Typst can see: the
//! project's `layouts/` and `fonts/` (read-only, confined to the project root),
//! the layouts shipped in the binary ([`shipped`]) where the project has no file
//! of that name, the three generated virtual files, bundled fonts and a fixed date. No packages
//! are downloaded and no system font is ever searched. PDF export fixes the
//! document id and timestamp so identical inputs give identical bytes.

pub mod backend;
pub mod docx;
pub mod fonts;
pub mod html;
pub mod shipped;
pub mod world;

use crate::diag::{Code, Diagnostic};
use crate::render::Rendered;
use chrono::Datelike;
use sha2::{Digest, Sha256};
use std::path::Path;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// A typeset document.
pub struct Typeset {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// The sides before the first appendix (a level-1 heading "Appendix N: …"),
    /// for a template's page limit that counts the report's body only.
    pub body_pages: usize,
    /// The lines the summary takes as typeset, where the layout marks it.
    pub summary_lines: Option<usize>,
    /// Typst warnings, already rendered.
    pub warnings: Vec<String>,
    /// Project files Typst read (layouts), project-relative, sorted.
    pub files_read: Vec<String>,
    /// The SHA-256 of each project file Typst read, as it was read, by path.
    pub digests: std::collections::BTreeMap<String, String>,
    pub compile: std::time::Duration,
    pub export: std::time::Duration,
}

/// Options that change the PDF bytes.
#[derive(Clone, Default)]
pub struct PdfSettings {
    pub standards: Vec<PdfStandard>,
    /// The PDF's creation date where the layout leaves it to the typesetter
    /// (version 3): the day the document was first built, as recorded. Else
    /// (and for layouts that set it) the document's own date.
    pub created: Option<chrono::NaiveDate>,
}

/// Compiles `r` with the layouts under `root` and exports a PDF. `ident` must be
/// stable for the document (its id): it seeds the PDF's document identifier.
pub fn typeset(
    root: &Path,
    r: &Rendered,
    ident: &str,
    pdf: &PdfSettings,
) -> Result<Typeset, Vec<Diagnostic>> {
    typeset_warm(root, r, ident, pdf, &mut world::Sources::default())
}

/// [`typeset`], starting from the document's `sources` of its previous compile
/// and leaving this compile's in their place (`quire watch`).
pub fn typeset_warm(
    root: &Path,
    r: &Rendered,
    ident: &str,
    pdf: &PdfSettings,
    sources: &mut world::Sources,
) -> Result<Typeset, Vec<Diagnostic>> {
    let world = world::QuireWorld::new(root, r).with_previous(std::mem::take(sources));
    let result = compile_export(&world, r, ident, pdf);
    *sources = world.into_sources();
    result
}

fn compile_export(
    world: &world::QuireWorld,
    r: &Rendered,
    ident: &str,
    pdf: &PdfSettings,
) -> Result<Typeset, Vec<Diagnostic>> {
    let started = std::time::Instant::now();
    let result = typst::compile::<PagedDocument>(world);
    let compile = started.elapsed();
    let warnings: Vec<String> = result.warnings.iter().map(|w| describe(world, w)).collect();
    let doc = match result.output {
        Ok(doc) => doc,
        Err(errors) => return Err(errors.iter().map(|e| to_diag(world, e)).collect()),
    };
    let day = pdf.created.unwrap_or(r.date);
    let date = Datetime::from_ymd(day.year(), day.month() as u8, day.day() as u8);
    let standards = match PdfStandards::new(&pdf.standards) {
        Ok(s) => s,
        Err(e) => {
            return Err(vec![Diagnostic::error(
                Code::Typst,
                format!("unsupported PDF standard combination: {}", e.message()),
            )]);
        }
    };
    let ident_hash = hex(&Sha256::digest(ident.as_bytes()));
    let options = PdfOptions {
        ident: Smart::Custom(ident_hash),
        // The document is the council's: its metadata does not name the tool
        // (the manifest records the quire and Typst versions instead).
        creator: Smart::Custom(None),
        timestamp: date.map(Timestamp::new_utc),
        standards,
        tagged: true,
        ..PdfOptions::default()
    };
    let pages = doc.pages().len();
    let body_pages = body_pages(&doc).unwrap_or(pages);
    let summary_lines = summary_lines(&doc);
    let started = std::time::Instant::now();
    let result = typst_pdf::pdf(&doc, &options);
    let export = started.elapsed();
    match result {
        Ok(bytes) => Ok(Typeset {
            pdf: bytes,
            pages,
            body_pages,
            summary_lines,
            warnings,
            files_read: world.files_read(),
            digests: world.digests(),
            compile,
            export,
        }),
        Err(errors) => Err(errors.iter().map(|e| to_diag(world, e)).collect()),
    }
}

/// The lines the summary takes as typeset: the distinct baselines of text
/// between the layout's marks `<quire-summary-start>` and
/// `<quire-summary-end>` (the version 3 report layouts set them), on every
/// page between them; None in a layout without them.
fn summary_lines(doc: &PagedDocument) -> Option<usize> {
    use typst::foundations::Label;
    use typst::introspection::Introspector;
    use typst::layout::{Frame, FrameItem, Point};
    let intro = doc.introspector();
    let at = |name: &str| {
        let label = Label::new(typst::utils::PicoStr::intern(name))?;
        let c = intro.query_label(label).ok()?;
        intro.position(c.location()?)
    };
    let (start, end) = (at("quire-summary-start")?, at("quire-summary-end")?);
    fn walk(frame: &Frame, off: Point, out: &mut Vec<f64>) {
        for (pos, item) in frame.items() {
            let p = off + *pos;
            match item {
                FrameItem::Group(g) => {
                    let t = Point::new(g.transform.tx, g.transform.ty);
                    walk(&g.frame, p + t, out);
                }
                FrameItem::Text(_) => out.push(p.y.to_pt()),
                _ => {}
            }
        }
    }
    let mut lines: Vec<(usize, i64)> = Vec::new();
    for page in start.page.get()..=end.page.get() {
        let mut ys = Vec::new();
        walk(&doc.pages().get(page - 1)?.frame, Point::zero(), &mut ys);
        for y in ys {
            let after = page > start.page.get() || y > start.point.y.to_pt();
            let before = page < end.page.get() || y < end.point.y.to_pt();
            if after && before {
                lines.push((page, (y * 10.0).round() as i64));
            }
        }
    }
    lines.sort_unstable();
    lines.dedup();
    Some(lines.len())
}

/// The sides before the page where the first appendix heading stands.
fn body_pages(doc: &PagedDocument) -> Option<usize> {
    use typst::foundations::{NativeElement, Selector};
    use typst::introspection::Introspector;
    let intro = doc.introspector();
    intro
        .query(&Selector::Elem(typst::model::HeadingElem::ELEM, None))
        .iter()
        .filter(|h| {
            let Some(h) = h.to_packed::<typst::model::HeadingElem>() else {
                return false;
            };
            let t = h.body.plain_text();
            t.strip_prefix("Appendix ")
                .is_some_and(|rest| rest.split_once(':').is_some_and(|(n, _)| !n.contains(' ')))
        })
        .filter_map(|h| h.location())
        .filter_map(|l| intro.page(l))
        .map(|p| p.get() - 1)
        .min()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn location(world: &world::QuireWorld, d: &SourceDiagnostic) -> Option<String> {
    let id = d.span.id()?;
    let range = world.range(d.span)?;
    let src = typst::World::source(world, id).ok()?;
    let text = src.text();
    let before = &text[..range.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let path = id.get().vpath().get_without_slash().to_string();
    Some(format!("{path}:{line}:{col}"))
}

fn describe(world: &world::QuireWorld, d: &SourceDiagnostic) -> String {
    let sev = if d.severity == Severity::Error {
        "error"
    } else {
        "warning"
    };
    let mut s = format!("{sev}[{}]: typst: {}\n", Code::Typst.as_str(), d.message);
    if let Some(loc) = location(world, d) {
        s.push_str(&format!("  --> {loc}\n"));
    }
    for h in &d.hints {
        s.push_str(&format!("  = hint: {}\n", h.v));
    }
    s
}

fn to_diag(world: &world::QuireWorld, d: &SourceDiagnostic) -> Diagnostic {
    let mut diag = Diagnostic::error(Code::Typst, format!("typst: {}", d.message));
    if let Some(loc) = location(world, d) {
        diag = diag.note(format!("at {loc}"));
    }
    for h in &d.hints {
        diag = diag.note(format!("hint: {}", h.v));
    }
    diag.help("this is a problem in the layout (layouts/*.typ) or in quire itself, not in your content; please report it if you did not change the layout")
}
