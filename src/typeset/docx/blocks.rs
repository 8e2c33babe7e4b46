//! The Word edition's content: a small block/inline structure that
//! [`super::ooxml`] writes as WordprocessingML, and that [`super::page`] reads
//! from the document's HTML edition. Author text is plain `String`s here: it is
//! escaped once, where the XML is written.

/// A block of the body, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading: `level` 0 is the document title (Word's Title style), 1–3
    /// are Word's Heading 1–3 (the navigation pane's outline).
    Heading {
        level: u8,
        number: Option<String>,
        runs: Vec<Run>,
    },
    /// A paragraph, maybe numbered (`1.2`) or in a list.
    Para(Para),
    Table(Table),
    /// What follows starts a new page (an appendix, as in the PDF).
    PageBreak,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Para {
    pub kind: ParaKind,
    /// The number the layout printed (`1.2`), written as Word numbering.
    pub number: Option<String>,
    /// In a list: (ordered list instance, or `None` for bullets; depth from 0),
    /// and whether this paragraph opens the item (carries the bullet or number).
    pub list: Option<(Option<usize>, usize, bool)>,
    /// Inside a boxed region (the summary's recommendations).
    pub boxed: bool,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParaKind {
    #[default]
    Body,
    /// Notes, keys and other small print.
    Small,
    /// A block quotation.
    Quote,
    /// Preformatted text (a code block).
    Code,
}

/// A run of text with one formatting, or a line break.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub mono: bool,
    pub sup: bool,
    pub small: bool,
    /// A line break before the text.
    pub brk: bool,
    /// An external link (already checked against the allowed schemes).
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// A table of labels and values (the cover): its label column is narrow.
    pub labels: bool,
    /// The caption: written above the table and as its Word alt text title.
    pub caption: Option<String>,
    /// How many of the first rows are header rows (repeated on each page).
    pub header_rows: usize,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// A header cell (`th`): bold, shaded, a row or column label.
    pub header: bool,
    pub span: usize,
    /// Background colour, `RRGGBB`, and whether its text is white.
    pub fill: Option<(String, bool)>,
    pub align: Align,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

impl Block {
    /// The block's text, runs joined (for tests and the table alt text).
    pub fn text(&self) -> String {
        match self {
            Block::Heading { number, runs, .. } => {
                let t = runs_text(runs);
                match number {
                    Some(n) => format!("{n} {t}"),
                    None => t,
                }
            }
            Block::Para(p) => runs_text(&p.runs),
            Block::Table(t) => t
                .rows
                .iter()
                .flatten()
                .flat_map(|c| c.blocks.iter().map(Block::text))
                .collect::<Vec<_>>()
                .join(" "),
            Block::PageBreak => String::new(),
        }
    }
}

/// Runs as plain text, a line break as a space.
pub fn runs_text(runs: &[Run]) -> String {
    let mut s = String::new();
    for r in runs {
        if r.brk && !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&r.text);
    }
    s
}
