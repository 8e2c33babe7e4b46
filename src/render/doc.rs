//! The format-neutral document view: what every edition is made from.
//!
//! Stage: render. The one Markdown walker ([`super::markdown::parse`]) turns
//! every Markdown field, narrative file and appendix, after templating, into a
//! [`Doc`]: a small tree of [`Block`]s and [`Inline`]s in which every rule of
//! the text is already applied once (nesting limit, link addresses checked,
//! markers turned into typed [`Generated`] nodes, footnotes collected, numbers
//! of sections and paragraphs given by [`number`]). The editions only print
//! it: [`super::typ`] as Typst markup (→ PDF), [`super::html`] as HTML, and
//! any later back end the same way, each escaping author text with the one
//! escaper of its format. [`View`] holds a document's pieces keyed as the
//! layouts know them.
//!
//! Text is kept as the Markdown parser gave it (one [`Inline::Text`] per run,
//! not merged), so each edition can join runs as it needs; nothing in a `Doc`
//! is markup of any format.

use crate::model::template::Numbering;

/// One piece of Markdown (a field, a narrative file, an appendix) as a tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    /// The piece's number in its document, from 1 in render order: editions
    /// that need unique ids (HTML footnotes) prefix them with it.
    pub id: usize,
    pub blocks: Vec<Block>,
    /// Footnote definitions, by label, in the order written (a label defined
    /// twice keeps its last definition, in the place of its first).
    pub notes: Vec<Note>,
    /// An inline field (a recommendation, an action's evidence) that is a lone
    /// paragraph: editions print the paragraph's content without the paragraph.
    pub inline: bool,
    /// Whether a signed sum (`−£12.5`) is kept on one line: true for layouts
    /// from version 2 (see [`super::format::layout_text`]).
    pub signed: bool,
    /// Whether the Typst edition writes a heading by its depth (`depth: 2`)
    /// rather than its level: true for layouts from version 3 (see
    /// [`super::format::depth_headings`]).
    pub depth: bool,
}

/// A footnote's definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Note {
    pub label: String,
    pub blocks: Vec<Block>,
}

/// A block of text.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph.
    Para(Vec<Inline>),
    /// A top-level paragraph of a numbered narrative; `number` is what is
    /// printed before it (`1.2`, `3.`), or `None` when the document's scheme
    /// numbers no paragraphs (the Typst layouts number them themselves).
    Numbered {
        number: Option<String>,
        body: Vec<Inline>,
    },
    /// Text outside any paragraph: a tight list item's text.
    Plain(Vec<Inline>),
    /// A heading, `level` 1 (`#`) to 6. A level-1 heading of a numbered
    /// narrative is a section of the document.
    Heading {
        level: u8,
        section: Option<Section>,
        body: Vec<Inline>,
    },
    /// A list: numbered from `start`, or bulleted (`None`). Each item is blocks.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Quote(Vec<Block>),
    /// A code block: the text as written, and the fence's info string.
    Code {
        lang: Option<String>,
        text: String,
    },
    /// A table: its number among the piece's tables (from 1), each column's
    /// alignment, the header cells and the body rows.
    Table {
        number: usize,
        align: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A thematic break (`---`).
    Rule,
    /// A block of raw HTML the author wrote: shown as text (comments dropped,
    /// generated-block markers placed).
    Html(Vec<Inline>),
}

/// A section heading's place in the document's numbering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// The section's number, from 1 through the document (ids: `sec-N`).
    pub n: usize,
    /// What is printed before the title (`1.`), or `None` when the scheme
    /// does not number sections.
    pub number: Option<String>,
}

/// A table column's alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// A run of text in a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Text as written.
    Text(String),
    /// A line end inside a paragraph (a space when set).
    SoftBreak,
    /// A hard line break written in the Markdown.
    LineBreak,
    /// A line break inside a value a template printed.
    ValueBreak,
    /// Inline code.
    Code(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    /// A link: its address (`mailto:` added to `<name@example.org>`), whether
    /// the address may be used (https, http, mailto or tel; a bad one is
    /// reported and printed as plain text by editions that link), its text.
    Link {
        url: String,
        ok: bool,
        body: Vec<Inline>,
    },
    /// An image: never fetched; shown as its address and alt text.
    Image {
        url: String,
        alt: Vec<Inline>,
    },
    /// A footnote reference, by label (editions drop one with no definition).
    NoteRef(String),
    /// A task list's box, ticked or not.
    Task(bool),
    /// Raw HTML the author wrote inline: shown as text.
    Html(String),
    /// A generated block placed by a template function.
    Generated(Generated),
}

/// A generated block a template function placed (`risk_table`, `heat_map`,
/// `band_counts`, `table`): the entry `index` of the document's
/// `data.generated`, which the layouts print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub index: usize,
    /// A declared table (`{{ table("id") }}`), printed by the tables layout
    /// rather than the document's own.
    pub table: bool,
}

/// A document's Markdown, keyed as its layouts know it.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Which part of the layout to render (`report`, or `scorecard` for an APP plan).
    pub entry: String,
    /// Fields (`summary`, `recommendation/0`, `RISKS/R1/cause` …).
    pub md: Vec<(String, Doc)>,
    /// The numbered narrative, one piece per file, numbered by [`number`].
    pub narrative: Vec<Doc>,
    /// The narrative's sections, in order.
    pub toc: Vec<TocEntry>,
    /// Markdown appendices by appendix index (`None` for a register appendix).
    pub appendices: Vec<Option<Doc>>,
}

/// A section in the contents.
#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry {
    pub section: Section,
    pub title: Vec<Inline>,
}

impl Doc {
    /// The footnote labels in the order of their first reference: from the
    /// text, then from the notes as they are listed (a note may refer to
    /// another); labels with no definition are left out. At most `max`.
    pub fn note_order(&self, max: usize) -> Vec<String> {
        let mut order: Vec<String> = Vec::new();
        self.refs_in(&self.blocks, &mut order);
        let mut i = 0;
        while i < order.len() && i < max {
            if let Some(n) = self.note(&order[i]) {
                self.refs_in(&n.blocks, &mut order);
            }
            i += 1;
        }
        order
    }

    /// The definition of a footnote label.
    pub fn note(&self, label: &str) -> Option<&Note> {
        self.notes.iter().find(|n| n.label == label)
    }

    fn refs_in(&self, blocks: &[Block], order: &mut Vec<String>) {
        visit_inlines(blocks, &mut |i| {
            if let Inline::NoteRef(l) = i
                && self.note(l).is_some()
                && !order.contains(l)
            {
                order.push(l.clone());
            }
        });
    }
}

/// Calls `f` on every inline of `blocks`, in reading order (nested ones after
/// the one holding them).
pub fn visit_inlines(blocks: &[Block], f: &mut impl FnMut(&Inline)) {
    fn runs(inl: &[Inline], f: &mut impl FnMut(&Inline)) {
        for i in inl {
            f(i);
            match i {
                Inline::Emph(b) | Inline::Strong(b) | Inline::Strike(b) => runs(b, f),
                Inline::Link { body, .. } => runs(body, f),
                Inline::Image { alt, .. } => runs(alt, f),
                _ => {}
            }
        }
    }
    for b in blocks {
        match b {
            Block::Para(i) | Block::Plain(i) | Block::Html(i) => runs(i, f),
            Block::Numbered { body, .. } | Block::Heading { body, .. } => runs(body, f),
            Block::List { items, .. } => items.iter().for_each(|it| visit_inlines(it, f)),
            Block::Quote(b) => visit_inlines(b, f),
            Block::Table { head, rows, .. } => {
                head.iter().for_each(|c| runs(c, f));
                rows.iter().flatten().for_each(|c| runs(c, f));
            }
            Block::Code { .. } | Block::Rule => {}
        }
    }
}

/// Numbers a narrative by a report template's scheme, in reading order (each
/// piece's text, then its notes as listed): `Sections` gives each section `1.`
/// and its top-level paragraphs `1.1`, `1.2` … (paragraphs before any section
/// `1`, `2` …); `Paragraphs` numbers paragraphs `1.`, `2.` … through the
/// document and leaves headings unnumbered; `None` numbers nothing. Sections
/// are counted in every scheme (for ids and the contents), which it returns.
pub fn number(narrative: &mut [Doc], scheme: Numbering) -> Vec<TocEntry> {
    let (mut section, mut para) = (0usize, 0usize);
    let mut toc = Vec::new();
    let mut one = |b: &mut Block, toc: &mut Vec<TocEntry>| match b {
        Block::Heading {
            section: Some(s),
            body,
            ..
        } => {
            section += 1;
            s.n = section;
            s.number = None;
            if scheme == Numbering::Sections {
                para = 0;
                s.number = Some(format!("{section}."));
            }
            toc.push(TocEntry {
                section: s.clone(),
                title: body.clone(),
            });
        }
        Block::Numbered { number, .. } => {
            para += 1;
            *number = match scheme {
                Numbering::Sections if section > 0 => Some(format!("{section}.{para}")),
                Numbering::Sections => Some(para.to_string()),
                Numbering::Paragraphs => Some(format!("{para}.")),
                Numbering::None => None,
            };
        }
        _ => {}
    };
    for d in narrative.iter_mut() {
        let order = d.note_order(NOTES_LISTED);
        visit_blocks_mut(&mut d.blocks, &mut |b| one(b, &mut toc));
        for label in order {
            if let Some(n) = d.notes.iter_mut().find(|n| n.label == label) {
                visit_blocks_mut(&mut n.blocks, &mut |b| one(b, &mut toc));
            }
        }
    }
    toc
}

/// Most footnotes an edition lists for one piece.
pub const NOTES_LISTED: usize = 1000;

/// Calls `f` on every block, in reading order (a container before its content).
pub fn visit_blocks_mut(blocks: &mut [Block], f: &mut impl FnMut(&mut Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::List { items, .. } => items.iter_mut().for_each(|it| visit_blocks_mut(it, f)),
            Block::Quote(inner) => visit_blocks_mut(inner, f),
            _ => {}
        }
    }
}

/// Calls `f` on every block, in reading order (a container before its content).
pub fn visit_blocks<'a>(blocks: &'a [Block], f: &mut impl FnMut(&'a Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::List { items, .. } => items.iter().for_each(|it| visit_blocks(it, f)),
            Block::Quote(inner) => visit_blocks(inner, f),
            _ => {}
        }
    }
}
