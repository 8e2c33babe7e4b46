//! The editions as back ends of one rendered document view.
//!
//! Stage: typeset. Modelled on mdBook's `Renderer` and `RenderContext`: every
//! edition of a document is a [`Backend`] that receives the same
//! [`RenderContext`] (the document's [`Rendered`] view: layout, typed
//! metadata, the layouts' data, the Markdown as format-neutral
//! [`Doc`](crate::render::doc::Doc)s, the generated blocks) and makes its file
//! from it. `build`, `watch` and `verify` loop over the chosen back ends, found
//! by name in [`BACKENDS`] (the names `formats:` and `--format` accept are
//! [`crate::model::FORMATS`], kept in step by a test): a new format is one
//! back end, its layouts and one line in each list.

use super::{PdfSettings, world};
use crate::diag::Diagnostic;
use crate::render::Rendered;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What every back end is given for one output of a document.
pub struct RenderContext<'a> {
    /// The project's root (layouts are read under it, or shipped).
    pub root: &'a Path,
    /// The document's view.
    pub rendered: &'a Rendered,
    /// Stable for the output (its stem and layout): seeds ids that must not change.
    pub ident: &'a str,
    /// Options that change the PDF's bytes.
    pub pdf: &'a PdfSettings,
}

/// One edition of a document, made.
#[derive(Default)]
pub struct Edition {
    pub bytes: Vec<u8>,
    /// Project files read (layouts), for the manifest: project-relative or
    /// `(shipped) …`.
    pub files_read: Vec<String>,
    /// The SHA-256 of each project file read, as it was read, by path (the
    /// manifest records these, not the files after the build).
    pub digests: BTreeMap<String, String>,
    /// Pages, for an edition that has them (a page limit is checked on them).
    pub pages: Option<usize>,
    /// The pages before the first appendix (a template's body-only page limit).
    pub body_pages: Option<usize>,
    /// The lines the summary takes as typeset (a template's line limit).
    pub summary_lines: Option<usize>,
    /// Warnings, already rendered.
    pub warnings: Vec<String>,
    /// Where the time went (`-v`), by stage.
    pub times: Vec<(&'static str, Duration)>,
}

/// Why an edition could not be made: the diagnostics, and whether it is a
/// failure of quire or its layouts (exit 2) rather than the project's to fix.
pub struct Failure {
    pub diagnostics: Vec<Diagnostic>,
    pub internal: bool,
}

/// What a back end keeps from one build of an output to the next (`quire
/// watch`); the bytes are those of a cold build.
#[derive(Default)]
pub struct Warm {
    /// The Typst edition's parsed sources.
    pub typst: world::Sources,
}

/// An edition of a document.
pub trait Backend: Sync {
    /// The format's name, as `formats:` and `--format` spell it, and the
    /// extension of the file it makes (`<stem>.<name>`).
    fn name(&self) -> &'static str;
    /// Makes the edition of one rendered document.
    fn render(&self, cx: &RenderContext, warm: &mut Warm) -> Result<Edition, Failure>;
}

/// The typeset PDF, through the embedded Typst ([`super::typeset_warm`]).
pub struct Pdf;

impl Backend for Pdf {
    fn name(&self) -> &'static str {
        "pdf"
    }

    fn render(&self, cx: &RenderContext, warm: &mut Warm) -> Result<Edition, Failure> {
        match super::typeset_warm(cx.root, cx.rendered, cx.ident, cx.pdf, &mut warm.typst) {
            Ok(t) => Ok(Edition {
                bytes: t.pdf,
                files_read: t.files_read,
                digests: t.digests,
                pages: Some(t.pages),
                body_pages: Some(t.body_pages),
                summary_lines: t.summary_lines,
                warnings: t.warnings,
                times: vec![("compile", t.compile), ("pdf", t.export)],
            }),
            Err(diagnostics) => Err(Failure {
                diagnostics,
                internal: true,
            }),
        }
    }
}

/// The accessible HTML page ([`super::html::page`]).
pub struct Html;

impl Backend for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    fn render(&self, cx: &RenderContext, _: &mut Warm) -> Result<Edition, Failure> {
        let started = std::time::Instant::now();
        match super::html::page(cx.root, cx.rendered) {
            Ok(page) => Ok(Edition {
                bytes: page.html,
                files_read: page.files_read,
                digests: page.digests,
                times: vec![("html", started.elapsed())],
                ..Edition::default()
            }),
            // A missing layout is the project's to fix (like a missing Typst
            // layout); a layout that fails is a layout error.
            Err(e) => Err(Failure {
                diagnostics: vec![e.diagnostic],
                internal: !e.missing,
            }),
        }
    }
}

/// The Word edition ([`super::docx::document`]), read from the HTML page.
pub struct Docx;

impl Backend for Docx {
    fn name(&self) -> &'static str {
        "docx"
    }

    fn render(&self, cx: &RenderContext, _: &mut Warm) -> Result<Edition, Failure> {
        let started = std::time::Instant::now();
        match super::docx::document(cx.root, cx.rendered) {
            Ok(d) => Ok(Edition {
                bytes: d.bytes,
                files_read: d.files_read,
                digests: d.digests,
                times: vec![("docx", started.elapsed())],
                ..Edition::default()
            }),
            Err(e) => Err(Failure {
                diagnostics: vec![e.diagnostic],
                internal: !e.missing,
            }),
        }
    }
}

/// Every back end, in the order their work starts (the first runs on the
/// document's own thread, where Typst's parallel work has its pool; the
/// others beside it).
pub static BACKENDS: &[&dyn Backend] = &[&Pdf, &Html, &Docx];

/// The back end of a format name.
pub fn by_name(name: &str) -> Option<&'static dyn Backend> {
    BACKENDS.iter().copied().find(|b| b.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formats a project may choose are exactly the back ends there are.
    #[test]
    fn every_format_has_one_back_end() {
        let names: Vec<&str> = BACKENDS.iter().map(|b| b.name()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "a back end is listed twice");
        let mut formats = crate::model::FORMATS.to_vec();
        formats.sort();
        assert_eq!(sorted, formats);
        assert!(by_name("pdf").is_some() && by_name("docx-x").is_none());
    }
}
