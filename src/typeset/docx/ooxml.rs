//! Blocks → a WordprocessingML package (`.docx`), byte for byte the same on
//! every build.
//!
//! Written directly: the parts are small strings (every text and attribute
//! value through [`esc`]), zipped with the `zip` crate quire already uses for
//! workbooks, in a fixed order, deflated, every entry dated 1980-01-01 (the
//! zip format's earliest date). The document properties carry the document's
//! own date, never the clock. Nothing an author wrote becomes markup: text is
//! only ever inside `w:t`, links only `https`/`http`/`mailto`/`tel` addresses
//! as external relationships, and the one field in the package is the footer's
//! page number, written here.

use super::blocks::{Align, Block, Cell, Para, ParaKind, Run, Table};
use crate::typeset::fonts;
use std::fmt::Write as _;
use std::io::Write as _;

/// What the package says about the document.
pub struct Meta<'a> {
    pub title: &'a str,
    /// The council: the document's author and the page header's words.
    pub author: &'a str,
    /// The page header's running line (committee and date), if any.
    pub running: &'a str,
    /// The document's date (`YYYY-MM-DD`): created and modified.
    pub date: &'a str,
    pub style: &'a Style,
}

/// The house style the Word edition's styles follow (from `data.meta.style`).
#[derive(Debug, Clone)]
pub struct Style {
    pub font: String,
    /// Sizes in points.
    pub body_size: f64,
    pub table_size: f64,
    /// Margins in millimetres.
    pub margin_x: f64,
    pub margin_top: f64,
    pub margin_bottom: f64,
    /// `a4` or `us-letter`-like names; anything else is A4.
    pub paper: String,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            font: "Liberation Sans".into(),
            body_size: 12.0,
            table_size: 10.0,
            margin_x: 20.0,
            margin_top: 24.0,
            margin_bottom: 22.0,
            paper: "a4".into(),
        }
    }
}

/// Escapes text for XML element content and attribute values. Characters XML
/// 1.0 cannot carry (inputs refuse control characters; this is the backstop)
/// become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c as u32, 0xFFFE | 0xFFFF) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// The numbering instances: 1 the outline (sections `1.`, paragraphs
/// `1.1`), 2 paragraphs numbered through (`1.`, `2.`), 3 bullets; each
/// ordered list gets its own instance from 4 (so each starts at 1).
const NUM_OUTLINE: usize = 1;
const NUM_THROUGH: usize = 2;
const NUM_BULLET: usize = 3;
const NUM_LISTS: usize = 4;

/// Millimetres to twentieths of a point.
fn twips(mm: f64) -> i64 {
    (mm * 1440.0 / 25.4).round() as i64
}

/// Points to half-points.
fn half_points(pt: f64) -> i64 {
    (pt * 2.0).round() as i64
}

struct Writer<'a> {
    body: String,
    /// External links: (relationship id number, address).
    links: Vec<String>,
    /// Numbering state: sections and paragraphs numbered so far in Word.
    section: usize,
    para: usize,
    through: usize,
    /// The ordered lists met (their numbering instances are NUM_LISTS + i).
    lists: Vec<usize>,
    style: &'a Style,
    text_width: i64,
    /// The height a page gives the body, in twips.
    text_height: i64,
    /// The next paragraph starts a new page.
    page_break: bool,
    /// Column widths of each kind of table (see [`kind`]) met more than once,
    /// measured over all its tables: tables of one kind keep their columns.
    kinds: std::collections::HashMap<String, Vec<i64>>,
}

/// The package's parts, in the order they are zipped.
pub fn package(blocks: &[Block], meta: &Meta, reference_styles: Option<&str>) -> Vec<u8> {
    let style = meta.style;
    let (pw, ph) = page_size(&style.paper);
    // A document with a table of seven columns or more (an APP report's
    // actions, a scorecard's KPIs) is set on landscape pages, as the PDF
    // sets those tables: on a portrait page their words break inside.
    let landscape = blocks
        .iter()
        .any(|b| matches!(b, Block::Table(t) if columns(t) >= LANDSCAPE_COLUMNS));
    let (pw, ph) = if landscape { (ph, pw) } else { (pw, ph) };
    let orient = if landscape {
        " w:orient=\"landscape\""
    } else {
        ""
    };
    let mut w = Writer {
        body: String::with_capacity(64 * 1024),
        links: Vec::new(),
        section: 0,
        para: 0,
        through: 0,
        lists: Vec::new(),
        style,
        text_width: pw - 2 * twips(style.margin_x),
        text_height: ph - twips(style.margin_top) - twips(style.margin_bottom),
        page_break: false,
        kinds: Default::default(),
    };
    w.kinds = shared_widths(blocks, w.text_width, style.table_size);
    for b in blocks {
        w.block(b, false);
    }
    let mut doc = String::with_capacity(w.body.len() + 1024);
    doc.push_str(XML_HEAD);
    let _ = write!(
        doc,
        "<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:body>"
    );
    doc.push_str(&w.body);
    let _ = write!(
        doc,
        "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId5\"/><w:footerReference w:type=\"default\" r:id=\"rId4\"/><w:pgSz w:w=\"{pw}\" w:h=\"{ph}\"{orient}/><w:pgMar w:top=\"{}\" w:right=\"{}\" w:bottom=\"{}\" w:left=\"{}\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
        twips(style.margin_top),
        twips(style.margin_x),
        twips(style.margin_bottom),
        twips(style.margin_x)
    );

    let mut rels = String::new();
    rels.push_str(XML_HEAD);
    rels.push_str(
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (id, kind, target) in [
        (1, "styles", "styles.xml"),
        (2, "numbering", "numbering.xml"),
        (3, "settings", "settings.xml"),
        (4, "footer", "footer1.xml"),
        (5, "header", "header1.xml"),
    ] {
        let _ = write!(
            rels,
            "<Relationship Id=\"rId{id}\" Type=\"{R_NS}/{kind}\" Target=\"{target}\"/>"
        );
    }
    for (i, url) in w.links.iter().enumerate() {
        let _ = write!(
            rels,
            "<Relationship Id=\"rIdL{}\" Type=\"{R_NS}/hyperlink\" Target=\"{}\" TargetMode=\"External\"/>",
            i + 1,
            esc(url)
        );
    }
    rels.push_str("</Relationships>");

    let styles = match reference_styles {
        Some(r) => merge_styles(r, style),
        None => styles(style),
    };
    let parts: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", root_rels()),
        ("docProps/core.xml", core(meta)),
        ("docProps/app.xml", app()),
        ("word/document.xml", doc),
        ("word/_rels/document.xml.rels", rels),
        ("word/styles.xml", styles),
        ("word/numbering.xml", numbering(&w.lists)),
        ("word/settings.xml", settings()),
        ("word/header1.xml", header(meta)),
        ("word/footer1.xml", footer()),
    ];
    zip_parts(&parts)
}

/// Page size in twips: A4 unless the project says US letter.
fn page_size(paper: &str) -> (i64, i64) {
    match paper {
        "us-letter" | "letter" => (12240, 15840),
        "a5" => (8391, 11906),
        "a3" => (16838, 23811),
        _ => (11906, 16838),
    }
}

fn zip_parts(parts: &[(&str, String)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, text) in parts {
        // Writing to memory cannot fail short of running out of it.
        let _ = zip.start_file(*name, options);
        let _ = zip.write_all(text.as_bytes());
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}

impl Writer<'_> {
    fn block(&mut self, b: &Block, in_cell: bool) {
        match b {
            Block::Heading {
                level,
                number,
                runs,
            } => self.heading(*level, number.as_deref(), runs, in_cell),
            Block::Para(p) => self.para(p, in_cell, false, None),
            Block::Table(t) => self.table(t),
            Block::PageBreak => self.page_break = !in_cell,
        }
    }

    /// `w:pageBreakBefore` when a page break is pending.
    fn take_page_break(&mut self) {
        if std::mem::take(&mut self.page_break) {
            self.body.push_str("<w:pageBreakBefore/>");
        }
    }

    fn heading(&mut self, level: u8, number: Option<&str>, runs: &[Run], in_cell: bool) {
        if in_cell {
            // A heading inside a table cell is bold text there.
            let p = Para {
                runs: runs
                    .iter()
                    .map(|r| Run {
                        bold: true,
                        ..r.clone()
                    })
                    .collect(),
                number: number.map(str::to_string),
                ..Para::default()
            };
            self.para(&p, true, false, None);
            return;
        }
        let style = match level {
            0 => "Title",
            1 => "Heading1",
            2 => "Heading2",
            _ => "Heading3",
        };
        self.body.push_str("<w:p><w:pPr>");
        let _ = write!(self.body, "<w:pStyle w:val=\"{style}\"/>");
        self.take_page_break();
        let mut literal = None;
        if let Some(n) = number {
            if level == 1 && n == format!("{}.", self.section + 1) {
                self.section += 1;
                self.para = 0;
                let _ = write!(
                    self.body,
                    "<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"{NUM_OUTLINE}\"/></w:numPr>"
                );
            } else {
                literal = Some(n);
            }
        }
        self.body.push_str("</w:pPr>");
        if let Some(n) = literal {
            self.run(
                &Run {
                    text: format!("{n} "),
                    ..Run::default()
                },
                false,
                false,
            );
        }
        for r in runs {
            self.run(r, false, false);
        }
        self.body.push_str("</w:p>");
    }

    /// A paragraph; in a table cell with `header` bold and `fill` its ink.
    fn para(&mut self, p: &Para, in_cell: bool, header: bool, cell: Option<(&Cell, bool)>) {
        let style = match p.kind {
            ParaKind::Small => "Small",
            ParaKind::Quote => "Quote",
            ParaKind::Code => "Code",
            ParaKind::Body if in_cell => "TableText",
            ParaKind::Body if p.list.is_some() => "ListParagraph",
            ParaKind::Body if p.number.is_some() => "NumberedParagraph",
            ParaKind::Body => "BodyText",
        };
        self.body.push_str("<w:p><w:pPr>");
        let _ = write!(self.body, "<w:pStyle w:val=\"{style}\"/>");
        if !in_cell {
            self.take_page_break();
        }
        let mut literal = None;
        if let Some(n) = &p.number {
            if self.section > 0 && *n == format!("{}.{}", self.section, self.para + 1) {
                self.para += 1;
                let _ = write!(
                    self.body,
                    "<w:numPr><w:ilvl w:val=\"1\"/><w:numId w:val=\"{NUM_OUTLINE}\"/></w:numPr>"
                );
            } else if self.section == 0 && *n == format!("{}.", self.through + 1) {
                self.through += 1;
                let _ = write!(
                    self.body,
                    "<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"{NUM_THROUGH}\"/></w:numPr>"
                );
            } else {
                literal = Some(n.clone());
            }
        }
        if let Some((list, depth, true)) = p.list {
            let num = match list {
                Some(l) => {
                    let at = match self.lists.iter().position(|x| *x == l) {
                        Some(at) => at,
                        None => {
                            self.lists.push(l);
                            self.lists.len() - 1
                        }
                    };
                    NUM_LISTS + at
                }
                None => NUM_BULLET,
            };
            let _ = write!(
                self.body,
                "<w:numPr><w:ilvl w:val=\"{}\"/><w:numId w:val=\"{num}\"/></w:numPr>",
                depth.min(8)
            );
        }
        if p.boxed {
            self.body.push_str("<w:pBdr><w:top w:val=\"single\" w:sz=\"8\" w:space=\"4\" w:color=\"505A5F\"/><w:left w:val=\"single\" w:sz=\"8\" w:space=\"4\" w:color=\"505A5F\"/><w:bottom w:val=\"single\" w:sz=\"8\" w:space=\"4\" w:color=\"505A5F\"/><w:right w:val=\"single\" w:sz=\"8\" w:space=\"4\" w:color=\"505A5F\"/></w:pBdr>");
        }
        // A list item's indent: under the numbered paragraphs' text, or
        // narrow in a table cell.
        if let Some((_, depth, first)) = p.list {
            let depth = depth.min(8) as i64;
            let left = if in_cell {
                227 + 227 * depth
            } else {
                720 + 360 * depth
            };
            let hanging = if in_cell { 227 } else { 360 };
            if first {
                let _ = write!(
                    self.body,
                    "<w:ind w:left=\"{left}\" w:hanging=\"{hanging}\"/>"
                );
            } else {
                let _ = write!(self.body, "<w:ind w:left=\"{left}\"/>");
            }
        }
        if let Some((c, _)) = cell {
            match c.align {
                Align::Center => self.body.push_str("<w:jc w:val=\"center\"/>"),
                Align::Right => self.body.push_str("<w:jc w:val=\"right\"/>"),
                Align::Left => {}
            }
        }
        self.body.push_str("</w:pPr>");
        let white = cell.is_some_and(|(_, w)| w);
        if let Some(n) = literal {
            self.run(
                &Run {
                    text: format!("{n} "),
                    bold: true,
                    ..Run::default()
                },
                white,
                header,
            );
        }
        for r in &p.runs {
            self.run(r, white, header);
        }
        self.body.push_str("</w:p>");
    }

    fn run(&mut self, r: &Run, white: bool, bold: bool) {
        if r.brk {
            self.body.push_str("<w:r><w:br/></w:r>");
        }
        if r.text.is_empty() {
            return;
        }
        let link = r.link.as_ref().map(|url| {
            self.links.push(url.clone());
            self.links.len()
        });
        if let Some(id) = link {
            let _ = write!(self.body, "<w:hyperlink r:id=\"rIdL{id}\">");
        }
        self.body.push_str("<w:r><w:rPr>");
        if link.is_some() {
            self.body.push_str("<w:rStyle w:val=\"Hyperlink\"/>");
        }
        if r.mono {
            self.body.push_str("<w:rFonts w:ascii=\"Liberation Mono\" w:hAnsi=\"Liberation Mono\" w:cs=\"Liberation Mono\"/>");
        }
        if r.bold || bold {
            self.body.push_str("<w:b/><w:bCs/>");
        }
        if r.italic {
            self.body.push_str("<w:i/><w:iCs/>");
        }
        if r.strike {
            self.body.push_str("<w:strike/>");
        }
        if white {
            self.body.push_str("<w:color w:val=\"FFFFFF\"/>");
        }
        if r.small {
            let _ = write!(
                self.body,
                "<w:sz w:val=\"{0}\"/><w:szCs w:val=\"{0}\"/>",
                half_points(self.style.table_size)
            );
        }
        if r.sup {
            self.body.push_str("<w:vertAlign w:val=\"superscript\"/>");
        }
        self.body.push_str("</w:rPr><w:t xml:space=\"preserve\">");
        self.body.push_str(&esc(&r.text));
        self.body.push_str("</w:t></w:r>");
        if link.is_some() {
            self.body.push_str("</w:hyperlink>");
        }
    }

    fn table(&mut self, t: &Table) {
        let cols = columns(t);
        if cols == 0 {
            return;
        }
        if let Some(c) = &t.caption {
            self.body
                .push_str("<w:p><w:pPr><w:pStyle w:val=\"Caption\"/><w:keepNext/>");
            self.take_page_break();
            self.body.push_str("</w:pPr>");
            self.run(
                &Run {
                    text: c.clone(),
                    ..Run::default()
                },
                false,
                false,
            );
            self.body.push_str("</w:p>");
        }
        self.body.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"QuireTable\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"1\" w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>");
        if let Some(c) = &t.caption {
            let _ = write!(self.body, "<w:tblCaption w:val=\"{}\"/>", esc(c));
        }
        self.body.push_str("</w:tblPr><w:tblGrid>");
        // A table of labels gives its labels a third of the width.
        let widths: Vec<i64> = if t.labels && cols == 2 {
            vec![self.text_width / 3, self.text_width - self.text_width / 3]
        } else if let Some(w) = kind(t, cols).and_then(|k| self.kinds.get(&k)) {
            w.clone()
        } else {
            column_widths(&[t], cols, self.text_width, self.style.table_size)
        };
        for w in &widths {
            let _ = write!(self.body, "<w:gridCol w:w=\"{w}\"/>");
        }
        self.body.push_str("</w:tblGrid>");
        for (i, row) in t.rows.iter().enumerate() {
            self.body.push_str("<w:tr>");
            let head = i < t.header_rows;
            if head {
                self.body
                    .push_str("<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
            } else if row_height(row, &widths, self.style.table_size) * 2 < self.text_height {
                // A row that fits well on a page is kept on one, as in the
                // PDF: a row split over two pages leaves its end under the
                // repeated header with nothing to say whose it is.
                self.body.push_str("<w:trPr><w:cantSplit/></w:trPr>");
            } else {
                // A longer row may break across pages: one taller than a
                // page would otherwise be cut off (LibreOffice clips it).
                self.body.push_str("<w:trPr/>");
            }
            let mut used = 0;
            for (j, c) in row.iter().enumerate() {
                // The last cell takes what the row leaves of the grid.
                let span = if j + 1 == row.len() {
                    cols - used
                } else {
                    c.span.max(1).min(cols - used)
                };
                if span == 0 {
                    break;
                }
                let width = widths[used..used + span].iter().sum();
                used += span;
                self.cell(c, span, width);
            }
            self.body.push_str("</w:tr>");
        }
        self.body.push_str("</w:tbl>");
        // Word needs a paragraph between two tables; it also spaces the next block.
        self.body
            .push_str("<w:p><w:pPr><w:pStyle w:val=\"AfterTable\"/></w:pPr></w:p>");
    }

    fn cell(&mut self, c: &Cell, span: usize, width: i64) {
        let _ = write!(
            self.body,
            "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"
        );
        if span > 1 {
            let _ = write!(self.body, "<w:gridSpan w:val=\"{span}\"/>");
        }
        match &c.fill {
            Some((hex, _)) => {
                let _ = write!(
                    self.body,
                    "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{}\"/>",
                    esc(hex)
                );
            }
            None if c.header => self
                .body
                .push_str("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"EBEBEB\"/>"),
            None => {}
        }
        self.body.push_str("</w:tcPr>");
        let white = c.fill.as_ref().is_some_and(|(_, w)| *w);
        // A header cell is bold, unless it marks its own bold part (an APP
        // action's row header: its id in bold, its description not), as the
        // PDF and the HTML page set it.
        let bold = c.header
            && !c
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Para(p) if p.runs.iter().any(|r| r.bold)));
        let mut any = false;
        for b in &c.blocks {
            match b {
                Block::Para(p) => {
                    self.para(p, true, bold, Some((c, white)));
                    any = true;
                }
                Block::Table(t) => {
                    self.table(t);
                    any = true;
                }
                Block::Heading { .. } => {
                    self.block(b, true);
                    any = true;
                }
                Block::PageBreak => {}
            }
        }
        if !any {
            self.body
                .push_str("<w:p><w:pPr><w:pStyle w:val=\"TableText\"/></w:pPr></w:p>");
        }
        self.body.push_str("</w:tc>");
    }
}

/// Tables this wide set a document on landscape pages.
const LANDSCAPE_COLUMNS: usize = 7;

/// A table's number of columns (its widest row, spans counted).
fn columns(t: &Table) -> usize {
    t.rows
        .iter()
        .map(|r| r.iter().map(|c| c.span.max(1)).sum::<usize>())
        .max()
        .unwrap_or(0)
}

/// A table's kind: its columns and the words of its header rows. Tables of
/// one kind (a KPI table per area of a scorecard, a risk per table) are one
/// table to a reader, broken up: their columns should not move between them.
/// A table with no header row, or of labels, has no kind.
fn kind(t: &Table, cols: usize) -> Option<String> {
    if t.labels || t.header_rows == 0 {
        return None;
    }
    let mut k = cols.to_string();
    for row in t.rows.iter().take(t.header_rows) {
        for c in row {
            k.push('\u{1f}');
            k.push_str(
                &c.blocks
                    .iter()
                    .map(Block::text)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        k.push('\u{1e}');
    }
    Some(k)
}

/// The widths of every kind of table the body holds more than once, each
/// measured over all the tables of its kind.
fn shared_widths(
    blocks: &[Block],
    text_width: i64,
    size: f64,
) -> std::collections::HashMap<String, Vec<i64>> {
    let mut by_kind: std::collections::HashMap<String, (usize, Vec<&Table>)> = Default::default();
    for b in blocks {
        if let Block::Table(t) = b {
            let cols = columns(t);
            if let Some(k) = kind(t, cols) {
                by_kind.entry(k).or_insert((cols, Vec::new())).1.push(t);
            }
        }
    }
    by_kind
        .into_iter()
        .filter(|(_, (_, ts))| ts.len() > 1)
        .map(|(k, (cols, ts))| (k, column_widths(&ts, cols, text_width, size)))
        .collect()
}

/// A generous estimate of a body row's height, in twips: each cell's
/// paragraphs set in its column at the table's size (the words measured in
/// the bundled font, a line of 1.25 em), the tallest cell's, with the cell
/// margins.
fn row_height(row: &[Cell], widths: &[i64], size: f64) -> i64 {
    let line = (size * 20.0 * 1.25).ceil() as i64;
    let mut at = 0;
    let mut tallest = 0;
    for c in row {
        let span = c.span.max(1);
        let width: i64 = widths.iter().skip(at).take(span).sum::<i64>() - 200;
        at += span;
        let room = (width.max(200) as f64) / (size * 20.0);
        let mut lines = 0;
        for b in &c.blocks {
            // Words set one after another, a space between; a word wider
            // than the column takes lines of its own.
            let mut used = 0.0f64;
            let mut n = 1;
            for w in word_widths(b, c.header) {
                let w = w * 1.04;
                if used > 0.0 && used + 0.28 + w > room {
                    n += 1;
                    used = 0.0;
                }
                if used > 0.0 {
                    used += 0.28;
                }
                used += w;
                while used > room {
                    n += 1;
                    used -= room;
                }
            }
            lines += n;
        }
        tallest = tallest.max(lines as i64 * line);
    }
    tallest + 200
}

/// Column widths that share the text width by what the columns hold: each
/// column at least as wide as its longest word (so no word is broken inside
/// a cell, where the width allows), the rest shared by the columns' average
/// text length. A word is measured as it sets: in the bundled Liberation
/// Sans's advance widths, bold in a header cell or a bold run (capitals,
/// digits and bold are wider than an average character; an id like `APP08`
/// set at an average width wrapped). Cells spanning columns are not counted.
fn column_widths(tables: &[&Table], cols: usize, text_width: i64, size: f64) -> Vec<i64> {
    // An average character of the table's size (for the caps below), and a
    // cell's side margins, in twips.
    let char_w = (size * 20.0 * 0.55).round() as i64;
    let margins = 200;
    let mut longest = vec![0i64; cols];
    let mut total = vec![0usize; cols];
    let mut count = vec![0usize; cols];
    for row in tables.iter().flat_map(|t| &t.rows) {
        if row.len() != cols {
            continue;
        }
        for (j, c) in row.iter().enumerate() {
            let text: String = c
                .blocks
                .iter()
                .map(Block::text)
                .collect::<Vec<_>>()
                .join(" ");
            let word = c
                .blocks
                .iter()
                .flat_map(|b| word_widths(b, c.header))
                .fold(0.0f64, f64::max);
            // Twips at the table's size, with a little room for the reader's
            // rounding of each glyph.
            let word = (word * size * 20.0 * 1.04).ceil() as i64 + 20;
            longest[j] = longest[j].max(word);
            total[j] += text.chars().count();
            count[j] += 1;
        }
    }
    if count.iter().all(|&n| n == 0) {
        return vec![text_width / cols as i64; cols];
    }
    let weight: Vec<i64> = (0..cols)
        .map(|j| (total[j] / count[j].max(1)).clamp(4, 80) as i64)
        .collect();
    let weights: i64 = weight.iter().sum();
    // The longest words that fit side by side (a longer word may break).
    let Some(min) = [24, 14, 10, 7, 5].iter().find_map(|&cap| {
        let min: Vec<i64> = longest
            .iter()
            .map(|&w| w.min(cap * char_w) + margins)
            .collect();
        (min.iter().sum::<i64>() < text_width).then_some(min)
    }) else {
        return vec![text_width / cols as i64; cols];
    };
    let spare = text_width - min.iter().sum::<i64>();
    let mut widths: Vec<i64> = (0..cols)
        .map(|j| min[j] + spare * weight[j] / weights.max(1))
        .collect();
    // What rounding left goes to the last column.
    let used: i64 = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += text_width - used;
    }
    widths
}

/// The widths in ems of a block's words (runs joined: a word may change
/// formatting midway), bold where its run or the header cell is.
fn word_widths(b: &Block, header: bool) -> Vec<f64> {
    let runs = match b {
        Block::Para(p) => &p.runs,
        Block::Heading { runs, .. } => runs,
        // A table in a cell: its words, plainly.
        Block::Table(_) => {
            return b
                .text()
                .split_whitespace()
                .map(|w| fonts::bundled_width(w, header))
                .collect();
        }
        Block::PageBreak => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut word = 0.0;
    for r in runs {
        if r.brk && word > 0.0 {
            out.push(std::mem::take(&mut word));
        }
        for (i, piece) in r.text.split(char::is_whitespace).enumerate() {
            if i > 0 && word > 0.0 {
                out.push(std::mem::take(&mut word));
            }
            word += if r.mono {
                // Liberation Mono: every character 0.6 em.
                piece.chars().count() as f64 * 0.6
            } else {
                fonts::bundled_width(piece, header || r.bold)
            };
        }
    }
    if word > 0.0 {
        out.push(word);
    }
    out
}

fn content_types() -> String {
    let mut s = String::from(XML_HEAD);
    s.push_str("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>");
    for (part, kind) in [
        (
            "/word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        (
            "/word/styles.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
        ),
        (
            "/word/numbering.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
        ),
        (
            "/word/settings.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
        ),
        (
            "/word/header1.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
        ),
        (
            "/word/footer1.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        ),
        (
            "/docProps/core.xml",
            "application/vnd.openxmlformats-package.core-properties+xml",
        ),
        (
            "/docProps/app.xml",
            "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        ),
    ] {
        let _ = write!(s, "<Override PartName=\"{part}\" ContentType=\"{kind}\"/>");
    }
    s.push_str("</Types>");
    s
}

fn root_rels() -> String {
    format!(
        "{XML_HEAD}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{R_NS}/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId3\" Type=\"{R_NS}/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>"
    )
}

fn core(m: &Meta) -> String {
    let when = format!("{}T00:00:00Z", m.date);
    format!(
        "{XML_HEAD}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy><dc:language>en-GB</dc:language><dcterms:created xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:modified></cp:coreProperties>",
        esc(m.title),
        esc(m.author),
        esc(m.author)
    )
}

fn app() -> String {
    format!(
        "{XML_HEAD}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>quire</Application><DocSecurity>0</DocSecurity></Properties>"
    )
}

fn settings() -> String {
    format!(
        "{XML_HEAD}<w:settings xmlns:w=\"{W_NS}\"><w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"720\"/><w:characterSpacingControl w:val=\"doNotCompress\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat><w:themeFontLang w:val=\"en-GB\"/></w:settings>"
    )
}

fn header(m: &Meta) -> String {
    let mut s = format!(
        "{XML_HEAD}<w:hdr xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:p><w:pPr><w:pStyle w:val=\"Header\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        esc(m.author)
    );
    if !m.running.is_empty() {
        let _ = write!(
            s,
            "<w:r><w:br/></w:r><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>",
            esc(m.running)
        );
    }
    s.push_str("</w:p></w:hdr>");
    s
}

/// The footer: `Page N of M`, Word's PAGE and NUMPAGES fields (the only
/// fields in the package, written here, never from author text).
fn footer() -> String {
    let field = |name: &str| {
        format!(
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> {name} </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
        )
    };
    format!(
        "{XML_HEAD}<w:ftr xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:p><w:pPr><w:pStyle w:val=\"Footer\"/><w:jc w:val=\"center\"/></w:pPr><w:r><w:t xml:space=\"preserve\">Page </w:t></w:r>{}<w:r><w:t xml:space=\"preserve\"> of </w:t></w:r>{}</w:p></w:ftr>",
        field("PAGE"),
        field("NUMPAGES")
    )
}

fn numbering(lists: &[usize]) -> String {
    let mut s = format!("{XML_HEAD}<w:numbering xmlns:w=\"{W_NS}\">");
    let lvl = |s: &mut String,
               ilvl: usize,
               fmt: &str,
               text: &str,
               left: i64,
               hanging: i64,
               font: bool| {
        let _ = write!(
            s,
            "<w:lvl w:ilvl=\"{ilvl}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"{fmt}\"/><w:lvlText w:val=\"{text}\"/><w:lvlJc w:val=\"left\"/><w:pPr><w:ind w:left=\"{left}\" w:hanging=\"{hanging}\"/></w:pPr>"
        );
        if font {
            s.push_str("<w:rPr><w:rFonts w:ascii=\"Liberation Sans\" w:hAnsi=\"Liberation Sans\"/></w:rPr>");
        } else {
            s.push_str("<w:rPr><w:b/><w:bCs/></w:rPr>");
        }
        s.push_str("</w:lvl>");
    };
    // 0: the outline. Sections `1.` (on Heading 1), paragraphs `1.1`.
    s.push_str("<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"multilevel\"/>");
    lvl(&mut s, 0, "decimal", "%1.", 720, 720, false);
    lvl(&mut s, 1, "decimal", "%1.%2", 720, 720, false);
    s.push_str("</w:abstractNum>");
    // 1: paragraphs numbered through the document.
    s.push_str("<w:abstractNum w:abstractNumId=\"1\"><w:multiLevelType w:val=\"singleLevel\"/>");
    lvl(&mut s, 0, "decimal", "%1.", 720, 720, false);
    s.push_str("</w:abstractNum>");
    // 2: bullets.
    s.push_str(
        "<w:abstractNum w:abstractNumId=\"2\"><w:multiLevelType w:val=\"hybridMultilevel\"/>",
    );
    for i in 0..9 {
        let mark = if i % 2 == 0 { "•" } else { "◦" };
        lvl(&mut s, i, "bullet", mark, 720 + 360 * i as i64, 360, true);
    }
    s.push_str("</w:abstractNum>");
    // 3: ordered lists.
    s.push_str(
        "<w:abstractNum w:abstractNumId=\"3\"><w:multiLevelType w:val=\"hybridMultilevel\"/>",
    );
    for i in 0..9 {
        let (fmt, text) = match i % 3 {
            0 => ("decimal", format!("%{}.", i + 1)),
            1 => ("lowerLetter", format!("%{}.", i + 1)),
            _ => ("lowerRoman", format!("%{}.", i + 1)),
        };
        lvl(&mut s, i, fmt, &text, 720 + 360 * i as i64, 360, true);
    }
    s.push_str("</w:abstractNum>");
    for (num, abs) in [(NUM_OUTLINE, 0), (NUM_THROUGH, 1), (NUM_BULLET, 2)] {
        let _ = write!(
            s,
            "<w:num w:numId=\"{num}\"><w:abstractNumId w:val=\"{abs}\"/></w:num>"
        );
    }
    for i in 0..lists.len() {
        let _ = write!(
            s,
            "<w:num w:numId=\"{}\"><w:abstractNumId w:val=\"3\"/><w:lvlOverride w:ilvl=\"0\"><w:startOverride w:val=\"1\"/></w:lvlOverride></w:num>",
            NUM_LISTS + i
        );
    }
    s.push_str("</w:numbering>");
    s
}

/// The styles quire's parts use, by id.
#[cfg(test)]
const STYLE_IDS: &[&str] = &[
    "Normal",
    "Title",
    "Heading1",
    "Heading2",
    "Heading3",
    "BodyText",
    "NumberedParagraph",
    "ListParagraph",
    "Small",
    "Quote",
    "Code",
    "Caption",
    "TableText",
    "AfterTable",
    "Header",
    "Footer",
    "Hyperlink",
    "QuireTable",
];

/// Each style's definition, by id (without the `w:styles` wrapper).
fn style_defs(st: &Style) -> Vec<(&'static str, String)> {
    let body = half_points(st.body_size);
    let table = half_points(st.table_size);
    let para = |id: &str, name: &str, extra_p: &str, extra_r: &str| {
        format!(
            "<w:style w:type=\"paragraph\" w:customStyle=\"{}\" w:styleId=\"{id}\"><w:name w:val=\"{name}\"/><w:basedOn w:val=\"Normal\"/><w:qFormat/><w:pPr>{extra_p}</w:pPr><w:rPr>{extra_r}</w:rPr></w:style>",
            u8::from(matches!(
                id,
                "NumberedParagraph" | "Small" | "Code" | "TableText" | "AfterTable"
            ))
        )
    };
    let heading = |lvl: u8, size: f64| {
        format!(
            "<w:style w:type=\"paragraph\" w:styleId=\"Heading{n}\"><w:name w:val=\"heading {n}\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"BodyText\"/><w:uiPriority w:val=\"9\"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"{}\" w:after=\"120\"/><w:outlineLvl w:val=\"{lvl}\"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val=\"{s}\"/><w:szCs w:val=\"{s}\"/></w:rPr></w:style>",
            if lvl == 0 { 360 } else { 240 },
            n = lvl + 1,
            s = half_points(size)
        )
    };
    vec![
        ("Normal", format!("<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr><w:rPr><w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\"/><w:sz w:val=\"{body}\"/><w:szCs w:val=\"{body}\"/><w:lang w:val=\"en-GB\" w:eastAsia=\"en-GB\" w:bidi=\"ar-SA\"/></w:rPr></w:style>", f = esc(&st.font))),
        ("Title", format!("<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"BodyText\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"240\"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val=\"{0}\"/><w:szCs w:val=\"{0}\"/></w:rPr></w:style>", half_points(st.body_size * 1.75))),
        ("Heading1", heading(0, st.body_size * 1.375)),
        ("Heading2", heading(1, st.body_size * 1.15)),
        ("Heading3", heading(2, st.body_size)),
        ("BodyText", para("BodyText", "Body Text", "", "")),
        ("NumberedParagraph", para("NumberedParagraph", "Numbered Paragraph", "", "")),
        ("ListParagraph", para("ListParagraph", "List Paragraph", "<w:spacing w:after=\"60\"/><w:ind w:left=\"720\"/>", "")),
        ("Small", para("Small", "Small Print", "", &format!("<w:sz w:val=\"{table}\"/><w:szCs w:val=\"{table}\"/>"))),
        ("Quote", para("Quote", "Quote", "<w:ind w:left=\"567\" w:right=\"567\"/>", "<w:i/><w:iCs/>")),
        ("Code", para("Code", "Code", "<w:spacing w:after=\"0\"/>", &format!("<w:rFonts w:ascii=\"Liberation Mono\" w:hAnsi=\"Liberation Mono\" w:cs=\"Liberation Mono\"/><w:sz w:val=\"{table}\"/><w:szCs w:val=\"{table}\"/>"))),
        ("Caption", para("Caption", "caption", "<w:spacing w:before=\"120\" w:after=\"60\"/>", "<w:b/><w:bCs/>")),
        ("TableText", para("TableText", "Table Text", "<w:spacing w:before=\"20\" w:after=\"20\" w:line=\"240\" w:lineRule=\"auto\"/>", &format!("<w:sz w:val=\"{table}\"/><w:szCs w:val=\"{table}\"/>"))),
        ("AfterTable", para("AfterTable", "After Table", "<w:spacing w:after=\"0\" w:line=\"120\" w:lineRule=\"exact\"/>", "<w:sz w:val=\"4\"/><w:szCs w:val=\"4\"/>")),
        ("Header", para("Header", "header", "<w:spacing w:after=\"0\"/>", &format!("<w:sz w:val=\"{table}\"/><w:szCs w:val=\"{table}\"/>"))),
        ("Footer", para("Footer", "footer", "<w:spacing w:after=\"0\"/>", &format!("<w:sz w:val=\"{table}\"/><w:szCs w:val=\"{table}\"/>"))),
        ("Hyperlink", "<w:style w:type=\"character\" w:styleId=\"Hyperlink\"><w:name w:val=\"Hyperlink\"/><w:rPr><w:color w:val=\"1D4F91\"/><w:u w:val=\"single\"/></w:rPr></w:style>".to_string()),
        ("QuireTable", "<w:style w:type=\"table\" w:customStyle=\"1\" w:styleId=\"QuireTable\"><w:name w:val=\"Quire Table\"/><w:tblPr><w:tblBorders><w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8A8A8A\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8A8A8A\"/><w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8A8A8A\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8A8A8A\"/><w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8A8A8A\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8A8A8A\"/></w:tblBorders><w:tblCellMar><w:top w:w=\"40\" w:type=\"dxa\"/><w:left w:w=\"100\" w:type=\"dxa\"/><w:bottom w:w=\"40\" w:type=\"dxa\"/><w:right w:w=\"100\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>".to_string()),
    ]
}

/// styles.xml from the house style.
pub fn styles(st: &Style) -> String {
    let mut s = format!(
        "{XML_HEAD}<w:styles xmlns:w=\"{W_NS}\"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\"/><w:lang w:val=\"en-GB\" w:eastAsia=\"en-GB\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults>",
        f = esc(&st.font)
    );
    for (_, def) in style_defs(st) {
        s.push_str(&def);
    }
    s.push_str("</w:styles>");
    s
}

/// A reference document's styles.xml with the styles quire uses that it
/// lacks added (by id): the council's look wins wherever it defines a style.
pub fn merge_styles(reference: &str, st: &Style) -> String {
    let Some(end) = reference.rfind("</w:styles>") else {
        return styles(st);
    };
    let mut s = reference[..end].to_string();
    for (id, def) in style_defs(st) {
        if !reference.contains(&format!("w:styleId=\"{id}\"")) {
            s.push_str(&def);
        }
    }
    s.push_str(&reference[end..]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `word/document.xml` of the Word edition of an HTML page, in the
    /// default style.
    fn document_xml(html: &str) -> String {
        let st = Style::default();
        let meta = Meta {
            title: "T",
            author: "A",
            running: "",
            date: "2024-05-01",
            style: &st,
        };
        let blocks = super::super::page::read(html).blocks;
        let mut zip =
            zip::ZipArchive::new(std::io::Cursor::new(package(&blocks, &meta, None))).unwrap();
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        doc
    }

    #[test]
    fn every_style_a_part_names_is_defined() {
        let defs = style_defs(&Style::default());
        let ids: Vec<&str> = defs.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, STYLE_IDS);
        for (id, def) in defs {
            assert!(def.contains(&format!("w:styleId=\"{id}\"")), "{id}");
        }
    }

    #[test]
    fn columns_share_the_width_by_what_they_hold() {
        let cell = |t: &str| Cell {
            span: 1,
            blocks: vec![Block::Para(Para {
                runs: vec![Run {
                    text: t.into(),
                    ..Run::default()
                }],
                ..Para::default()
            })],
            ..Cell::default()
        };
        let long = "Create and deliver a communications plan that helps parents and carers through phase transfer";
        let t = Table {
            rows: vec![
                vec![cell("1A2"), cell(long), cell("Amber")],
                vec![cell("1A3"), cell(long), cell("Communications")],
            ],
            ..Table::default()
        };
        let w = column_widths(&[&t], 3, 9000, 10.0);
        assert_eq!(w.iter().sum::<i64>(), 9000);
        assert!(w[1] > 2 * w[0] && w[1] > w[2], "{w:?}");
        // The longest word fits its column, as it sets at 10 pt.
        let set = fonts::bundled_width("Communications", false) * 200.0;
        assert!(w[2] as f64 >= set + 200.0, "{w:?}");
    }

    #[test]
    fn a_scorecards_bold_kpi_ids_fit_their_column() {
        // The APP scorecard's table as its HTML page gives it: the ids are
        // row headers (bold), in capitals and digits, wider than an average
        // character. At 0.55 em a character, `APP08` was given 759 twips and
        // LibreOffice broke it `APP0 / 8`.
        let cell = |t: &str, header: bool| Cell {
            span: 1,
            header,
            blocks: vec![Block::Para(Para {
                runs: vec![Run {
                    text: t.into(),
                    ..Run::default()
                }],
                ..Para::default()
            })],
            ..Cell::default()
        };
        let head = [
            "KPI",
            "Name",
            "Baseline",
            "Target at June 2023",
            "Target at December 2023",
            "Target at July 2024",
            "Target at July 2025",
            "Latest",
            "RAG rating",
            "Trend",
        ];
        let body = [
            [
                "APP08",
                "Percentage of new EHC plans issued within 20 weeks, excluding exceptions",
                "65% 2022",
                "75%",
                "80%",
                "TBC",
                "TBC",
                "58% 31 March 2024",
                "Red",
                "Worse",
            ],
            [
                "APP12",
                "Number of children and young people waiting more than 18 weeks",
                "1,234",
                "1,000",
                "800",
                "TBC",
                "TBC",
                "1,456 31 March 2024",
                "Amber",
                "Better",
            ],
        ];
        let mut rows = vec![head.iter().map(|t| cell(t, true)).collect::<Vec<_>>()];
        for r in &body {
            rows.push(r.iter().enumerate().map(|(j, t)| cell(t, j == 0)).collect());
        }
        let t = Table {
            header_rows: 1,
            rows,
            ..Table::default()
        };
        // A4's text width at 20 mm margins.
        let w = column_widths(&[&t], 10, 9638, 10.0);
        assert_eq!(w.iter().sum::<i64>(), 9638);
        for (j, width) in w.iter().enumerate() {
            for (i, row) in t.rows.iter().enumerate() {
                let text = row[j].blocks[0].text();
                for word in text.split_whitespace() {
                    let bold = i == 0 || j == 0;
                    let set = fonts::bundled_width(word, bold) * 200.0 + 200.0;
                    assert!(
                        *width as f64 >= set,
                        "column {j} ({width} twips) is narrower than {word:?} ({set:.0}): {w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn words_are_measured_in_the_bundled_font() {
        // Liberation Sans: capitals and bold are wider than lower case.
        let id = fonts::bundled_width("APP08", true);
        assert!(id > 5.0 * 0.6 && id < 5.0 * 0.7, "{id}");
        assert!(fonts::bundled_width("APP08", true) > fonts::bundled_width("APP08", false));
        assert!(fonts::bundled_width("iiii", false) < fonts::bundled_width("MMMM", false));
        // A word over two runs is one word.
        let p = Block::Para(Para {
            runs: vec![
                Run {
                    text: "AP".into(),
                    bold: true,
                    ..Run::default()
                },
                Run {
                    text: "P08 x".into(),
                    ..Run::default()
                },
            ],
            ..Para::default()
        });
        let w = word_widths(&p, false);
        assert_eq!(w.len(), 2, "{w:?}");
        let two = fonts::bundled_width("AP", true) + fonts::bundled_width("P08", false);
        assert!((w[0] - two).abs() < 1e-9, "{w:?}");
    }

    #[test]
    fn text_is_escaped_and_control_characters_cannot_reach_the_xml() {
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(esc("x\u{1}y\u{FFFF}"), "x\u{FFFD}y\u{FFFD}");
    }

    #[test]
    fn a_reference_document_keeps_its_styles_and_gains_the_missing_ones() {
        let reference = "<w:styles><w:style w:styleId=\"Heading1\"><w:name w:val=\"Council H1\"/></w:style></w:styles>";
        let merged = merge_styles(reference, &Style::default());
        assert!(merged.contains("Council H1"));
        assert_eq!(merged.matches("w:styleId=\"Heading1\"").count(), 1);
        assert!(merged.contains("w:styleId=\"QuireTable\""));
        assert!(merged.ends_with("</w:styles>"));
    }

    #[test]
    fn the_same_blocks_give_the_same_bytes_and_numbers_become_word_numbering() {
        let st = Style::default();
        let meta = Meta {
            title: "T & co",
            author: "Kent County Council",
            running: "",
            date: "2024-05-01",
            style: &st,
        };
        let blocks = super::super::page::read(
            "<h2><span class=\"hn\">1.</span> A</h2><p class=\"num\"><span class=\"pn\">1.1</span> x</p><p class=\"num\"><span class=\"pn\">1.2</span> y</p><h2><span class=\"hn\">2.</span> B</h2><p class=\"num\"><span class=\"pn\">2.1</span> z</p><p class=\"num\"><span class=\"pn\">7.7</span> odd</p>",
        )
        .blocks;
        let a = package(&blocks, &meta, None);
        assert_eq!(a, package(&blocks, &meta, None));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        assert_eq!(
            doc.matches("<w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/>")
                .count(),
            2
        );
        assert_eq!(
            doc.matches("<w:ilvl w:val=\"1\"/><w:numId w:val=\"1\"/>")
                .count(),
            3
        );
        // A number Word's counting would not give stays as printed.
        assert!(doc.contains(">7.7 </w:t>"), "{doc}");
        let mut core = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("docProps/core.xml").unwrap(), &mut core)
            .unwrap();
        assert!(core.contains("<dc:title>T &amp; co</dc:title>"));
        assert!(core.contains("2024-05-01T00:00:00Z"));
    }

    /// Issue 25: tables of one kind (the scorecard's KPI table per area) keep
    /// their columns from table to table, as in the PDF and the HTML page; a
    /// table of another kind is measured on its own.
    #[test]
    fn tables_of_one_kind_keep_their_columns() {
        let head = "<thead><tr><th>KPI</th><th>Measure</th><th>Latest</th></tr></thead>";
        let html = format!(
            "<table>{head}<tbody><tr><th>APP08</th><td>Short</td><td>12%</td></tr></tbody></table>\
             <table>{head}<tbody><tr><th>APP09</th><td>A much longer measure of the children and young people with a plan</td><td>Not yet published</td></tr></tbody></table>\
             <table><thead><tr><th>Id</th><th>Risk</th></tr></thead><tbody><tr><td>R1</td><td>A risk</td></tr></tbody></table>"
        );
        let doc = document_xml(&html);
        let grids: Vec<&str> = doc
            .split("<w:tblGrid>")
            .skip(1)
            .map(|g| &g[..g.find("</w:tblGrid>").unwrap()])
            .collect();
        assert_eq!(grids.len(), 3, "{doc}");
        assert_eq!(grids[0], grids[1]);
        assert_eq!(grids[2].matches("<w:gridCol").count(), 2);
    }

    /// Issue 25: a body row that fits well on a page is kept on one page
    /// (Word's "allow row to break across pages" off), as the PDF keeps it; a
    /// row longer than half a page may still break, so it is never cut off.
    #[test]
    fn short_rows_stay_on_one_page_and_long_ones_may_break() {
        let long = "A sentence of the kind a risk's commentary holds. ".repeat(120);
        let html = format!(
            "<table><thead><tr><th>Risk</th><th>Commentary</th></tr></thead><tbody>\
             <tr><td>CRR0001</td><td>Short.</td></tr>\
             <tr><td>CRR0044</td><td>{long}</td></tr></tbody></table>"
        );
        let doc = document_xml(&html);
        let rows: Vec<&str> = doc.split("<w:tr>").skip(1).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].starts_with("<w:trPr><w:cantSplit/><w:tblHeader/>"));
        assert!(
            rows[1].starts_with("<w:trPr><w:cantSplit/></w:trPr>"),
            "{}",
            rows[1]
        );
        assert!(rows[2].starts_with("<w:trPr/>"), "{}", &rows[2][..60]);
    }

    /// Review: a document with a seven-column table (the APP report's
    /// actions) is set on landscape pages, and a row header that marks its
    /// own bold part (the action's id) is bold only there.
    #[test]
    fn wide_tables_turn_the_page_and_row_headers_keep_their_own_bold() {
        let head: String = (1..=7).map(|i| format!("<th>C{i}</th>")).collect();
        let wide = document_xml(&format!(
            "<table><thead><tr>{head}</tr></thead><tbody><tr><th scope=\"row\"><strong>1A1</strong> <span class=\"desc\">Put the strategy into practice.</span></th><td>2</td><td>3</td><td>4</td><td>5</td><td>6</td><td>7</td></tr></tbody></table>"
        ));
        assert!(wide.contains("w:orient=\"landscape\""), "{wide}");
        let desc = &wide[..wide.find("Put the strategy").unwrap()];
        let run = &desc[desc.rfind("<w:r>").unwrap()..];
        assert!(!run.contains("<w:b/>"), "{run}");
        let id = &wide[..wide.find(">1A1").unwrap()];
        assert!(id[id.rfind("<w:r>").unwrap()..].contains("<w:b/>"));
        let narrow = document_xml(
            "<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><th scope=\"row\">Row</th><td>1</td></tr></tbody></table>",
        );
        assert!(!narrow.contains("landscape"));
        // A header cell with no bold of its own is bold throughout.
        let row = &narrow[..narrow.find(">Row<").unwrap()];
        assert!(row[row.rfind("<w:r>").unwrap()..].contains("<w:b/>"));
    }
}
