//! Typeset (Word edition): a document → one `.docx`, for clearance in Word.
//!
//! Stage: typeset, beside the PDF and the HTML page. The Word edition is
//! written from the document's HTML edition ([`super::html::page`]: the same
//! `data.json`, the same templated Markdown, the same frozen HTML layout), read
//! into a few Word-shaped blocks by [`page`] and written as WordprocessingML by
//! [`ooxml`]: Word's heading styles, the layout's paragraph numbers as Word
//! numbering, tables with repeating header rows, the cover as a table of
//! labels, en-GB, the council as author, page numbers in the footer. A project
//! may give its Word look as `layouts/word/reference.docx`: its `styles.xml` is
//! used, with the styles quire needs that it lacks added.

pub mod blocks;
pub mod ooxml;
pub mod page;

use crate::diag::{Code, Diagnostic};
use crate::render::Rendered;
use std::io::Read as _;
use std::path::Path;

/// Where a project keeps its Word reference document, project-relative.
pub const REFERENCE: &str = "layouts/word/reference.docx";

/// Largest reference document, and largest styles part it may unpack to.
const MAX_REFERENCE: u64 = 16 << 20;
const MAX_STYLES: u64 = 8 << 20;

/// A Word document and the project files read to make it (the HTML layouts,
/// the reference document).
pub struct Docx {
    pub bytes: Vec<u8>,
    pub files_read: Vec<String>,
    /// The SHA-256 of each of those files as it was read, by path.
    pub digests: std::collections::BTreeMap<String, String>,
}

/// Makes the Word edition of `r` (and its HTML page first).
pub fn document(root: &Path, r: &Rendered) -> Result<Docx, super::html::PageError> {
    let page = super::html::page(root, r).map_err(missing_html)?;
    let mut d = from_page(root, r, &page.html).map_err(|diagnostic| super::html::PageError {
        diagnostic,
        missing: true,
    })?;
    d.files_read.extend(page.files_read);
    d.digests.extend(page.digests);
    d.files_read.sort();
    d.files_read.dedup();
    Ok(d)
}

/// A missing HTML layout, said for the Word edition too.
pub fn missing_html(mut e: super::html::PageError) -> super::html::PageError {
    if e.missing {
        e.diagnostic = e.diagnostic.help(
            "the Word edition is made from the HTML edition's layout: add it, or build with --format pdf",
        );
    }
    e
}

/// The Word edition of `r` from its HTML page (`html`, as
/// [`super::html::page`] made it). `files_read` holds the reference document
/// when the project has one; the error is the reference document's.
pub fn from_page(root: &Path, r: &Rendered, html: &[u8]) -> Result<Docx, Diagnostic> {
    let html = String::from_utf8_lossy(html);
    let read = page::read(&html);
    let data: serde_json::Value = serde_json::from_str(&r.data).unwrap_or_default();
    let style = style_of(&data);
    let author = data
        .pointer("/meta/author")
        .and_then(|a| a.as_str())
        .unwrap_or_default();
    // The masthead's first line is the council; the rest is the running line.
    let running = read
        .running
        .iter()
        .filter(|t| t.as_str() != author)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let date = r.date.format("%Y-%m-%d").to_string();
    let meta = ooxml::Meta {
        title: &r.title,
        author,
        running: &running,
        date: &date,
        style: &style,
    };
    let (reference, digest) = reference_styles(root)?.unzip();
    let files_read = match reference {
        Some(_) => vec![REFERENCE.to_string()],
        None => Vec::new(),
    };
    Ok(Docx {
        bytes: ooxml::package(&read.blocks, &meta, reference.as_deref()),
        files_read,
        digests: digest
            .map(|d| (REFERENCE.to_string(), d))
            .into_iter()
            .collect(),
    })
}

/// The house style from the layouts' data (`meta.style`, `meta.paper`).
fn style_of(data: &serde_json::Value) -> ooxml::Style {
    let mut st = ooxml::Style::default();
    let s = data.pointer("/meta/style");
    let num = |k: &str| s.and_then(|s| s.get(k)).and_then(|v| v.as_f64());
    if let Some(f) = s.and_then(|s| s.get("font")).and_then(|f| f.as_str()) {
        st.font = f.to_string();
    }
    let sane = |v: f64, lo: f64, hi: f64| (lo..=hi).contains(&v).then_some(v);
    if let Some(v) = num("body_size").and_then(|v| sane(v, 4.0, 72.0)) {
        st.body_size = v;
    }
    if let Some(v) = num("table_size").and_then(|v| sane(v, 4.0, 72.0)) {
        st.table_size = v;
    }
    if let Some(v) = num("margin_x").and_then(|v| sane(v, 0.0, 80.0)) {
        st.margin_x = v;
    }
    if let Some(v) = num("margin_top").and_then(|v| sane(v, 0.0, 80.0)) {
        st.margin_top = v;
    }
    if let Some(v) = num("margin_bottom").and_then(|v| sane(v, 0.0, 80.0)) {
        st.margin_bottom = v;
    }
    if let Some(p) = data.pointer("/meta/paper").and_then(|p| p.as_str()) {
        st.paper = p.to_string();
    }
    st
}

/// The project's reference document's `word/styles.xml`, if it has one.
fn reference_styles(root: &Path) -> Result<Option<(String, String)>, Diagnostic> {
    let path = root.join(REFERENCE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let bad = |why: String| {
        Diagnostic::error(
            Code::WordReference,
            format!("`{REFERENCE}` cannot be used: {why}"),
        )
        .help("save the council's Word template as a .docx (File › Save As › Word Document) at that path, or remove it to use the house style")
    };
    if !crate::load::inside(root, &path) {
        return Err(bad("it lies outside the project".into()));
    }
    let bytes = match std::fs::metadata(&path) {
        Ok(m) if m.len() > MAX_REFERENCE => {
            return Err(bad(format!(
                "it is larger than {} MiB",
                MAX_REFERENCE >> 20
            )));
        }
        // Only a regular file of a bounded size (a FIFO would block the read).
        Ok(_) => crate::load::read_regular(&path, MAX_REFERENCE)
            .map_err(|e| bad(e.to_string().to_lowercase()))?,
        Err(e) => return Err(bad(e.to_string().to_lowercase())),
    };
    let digest = crate::source::sha256(&bytes);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| bad("it is not a Word document (not a zip package)".into()))?;
    let part = zip
        .by_name("word/styles.xml")
        .map_err(|_| bad("it has no `word/styles.xml`".into()))?;
    let mut text = String::new();
    let n = part
        .take(MAX_STYLES + 1)
        .read_to_string(&mut text)
        .map_err(|_| bad("its `word/styles.xml` is not UTF-8 text".into()))?;
    if n as u64 > MAX_STYLES {
        return Err(bad(format!(
            "its `word/styles.xml` unpacks to more than {} MiB",
            MAX_STYLES >> 20
        )));
    }
    if !text.contains("<w:styles") || !text.contains("</w:styles>") {
        return Err(bad("its `word/styles.xml` holds no Word styles".into()));
    }
    Ok(Some((text, digest)))
}
