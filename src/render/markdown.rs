//! The one Markdown walker: Markdown (after templating) → the document view.
//!
//! Stage: render. pulldown-cmark gives events; [`parse`] turns them into a
//! [`Doc`], and every rule of the text lives here once: the nesting limit,
//! link addresses ([`check_url`]), the markers that [`template`](super::template)
//! functions emit (`<!--quire:block:N-->` and `<!--quire:table:N-->` become
//! typed [`Generated`] nodes, `<!--quire:br-->` a line break; any other use of
//! the reserved words is reported), footnotes (collected by label), raw HTML
//! (kept as text to show) and an author's comments (dropped). The editions
//! print the result ([`super::typ`], [`super::html`]).

use super::doc::{Align, Block, Doc, Generated, Inline, Note};
use crate::load::markdown::{check_url, options};
use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, LinkType, Parser, Tag};

/// How top-level paragraphs are set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Body narrative: top-level paragraphs are numbered (1.1, 1.2 …) by `L.para`.
    Numbered,
    /// Plain blocks (summaries, appendices, cells).
    Plain,
    /// A single inline run: a lone paragraph is unwrapped.
    Inline,
}

pub const BLOCK_MARKER: &str = "quire:block:";
/// The marker for a declared table placed by `{{ table("id") }}`: typeset by
/// the tables layout (`T`), not the document's own layout.
pub const TABLE_MARKER: &str = "quire:table:";

/// A line break inside a value that a template printed (see
/// [`template`](super::template)): inline, so it can never start a block.
pub const LINE_BREAK: &str = "<!--quire:br-->";

/// Deepest nesting of lists, quotes and other blocks a document may use.
pub const MAX_DEPTH: usize = 12;
/// A problem found while converting (a bad marker, link or nesting).
#[derive(Debug, PartialEq)]
pub struct MdError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// Converts Markdown to the document view. `blocks` is the number of generated
/// blocks available to markers (`<!--quire:block:N-->`); `id` numbers the piece
/// in its document (see [`Doc::id`]). Problems are returned with their offset
/// in `src`.
pub fn parse(src: &str, mode: Mode, blocks: usize, id: usize) -> (Doc, Vec<MdError>) {
    let mut w = Walker {
        mode,
        blocks,
        depth: 0,
        errors: Vec::new(),
        stack: Vec::new(),
        root: Vec::new(),
        notes: Vec::new(),
        tables: 0,
    };
    for (ev, range) in Parser::new_ext(src, options()).into_offset_iter() {
        w.event(ev, range.start);
    }
    // Anything left open (never, from pulldown-cmark) is closed in order.
    while !w.stack.is_empty() {
        w.close();
    }
    let inline =
        mode == Mode::Inline && w.notes.is_empty() && matches!(w.root.as_slice(), [Block::Para(_)]);
    let doc = Doc {
        id,
        blocks: w.root,
        notes: w.notes,
        inline,
        signed: super::format::signed_sums(),
        depth: super::format::depth_headings(),
    };
    (doc, w.errors)
}

/// Markdown → Typst markup in one call (the walker, then the Typst edition).
pub fn to_typst(src: &str, mode: Mode, blocks: usize) -> (String, Vec<MdError>) {
    let (doc, errors) = parse(src, mode, blocks, 0);
    (super::typ::doc(&doc), errors)
}

/// A link's address as written, with `mailto:` added to `<name@example.org>`.
fn link_address(kind: LinkType, dest: &str) -> String {
    match kind {
        LinkType::Email if !dest.to_ascii_lowercase().starts_with("mailto:") => {
            format!("mailto:{dest}")
        }
        _ => dest.to_string(),
    }
}

/// An element being read: what its content goes into.
enum Open {
    Para(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    Quote(Vec<Block>),
    List(Option<u64>, Vec<Vec<Block>>),
    Item(Vec<Block>),
    Note(String, Vec<Block>),
    Code(Option<String>, String),
    Html(Vec<Inline>),
    Table(Vec<Align>, Vec<Vec<Inline>>, Vec<Vec<Vec<Inline>>>),
    Head,
    Row(Vec<Vec<Inline>>),
    Cell(Vec<Inline>),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link(String, bool, Vec<Inline>),
    Image(String, Vec<Inline>),
    /// A tag the options do not enable: its content goes where it would without it.
    Other,
}

struct Walker {
    mode: Mode,
    blocks: usize,
    /// Elements open (pulldown-cmark's own nesting, every kind counted).
    depth: usize,
    errors: Vec<MdError>,
    stack: Vec<Open>,
    root: Vec<Block>,
    notes: Vec<Note>,
    tables: usize,
}

impl Walker {
    fn event(&mut self, ev: Event, offset: usize) {
        match ev {
            Event::Start(tag) => {
                if self.depth >= MAX_DEPTH
                    && self.errors.iter().all(|e| !e.message.contains("nested"))
                {
                    self.errors.push(MdError {
                        offset,
                        message: format!("lists, quotes or emphasis are nested more than {MAX_DEPTH} levels deep here"),
                        help: "flatten the structure: a committee paper rarely needs more than three levels".into(),
                    });
                }
                self.depth += 1;
                self.start(tag, offset);
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                self.close();
            }
            Event::Text(t) => {
                if let Some(Open::Code(_, code)) = self.stack.last_mut() {
                    code.push_str(&t);
                } else {
                    self.inline(Inline::Text(t.to_string()));
                }
            }
            Event::Code(c) => self.inline(Inline::Code(c.to_string())),
            Event::Html(h) | Event::InlineHtml(h) => self.html(&h, offset),
            Event::FootnoteReference(label) => self.inline(Inline::NoteRef(label.to_string())),
            Event::SoftBreak => self.inline(Inline::SoftBreak),
            Event::HardBreak => self.inline(Inline::LineBreak),
            Event::Rule => self.block(Block::Rule),
            Event::TaskListMarker(done) => self.inline(Inline::Task(done)),
            Event::InlineMath(m) | Event::DisplayMath(m) => {
                self.inline(Inline::Text(m.to_string()))
            }
        }
    }

    fn html(&mut self, h: &str, offset: usize) {
        let trimmed = h.trim();
        if trimmed == LINE_BREAK {
            self.inline(Inline::ValueBreak);
            return;
        }
        let inner = trimmed
            .strip_prefix("<!--")
            .and_then(|s| s.strip_suffix("-->"))
            .map(str::trim);
        let marker = inner.and_then(|s| {
            s.strip_prefix(BLOCK_MARKER)
                .map(|n| (n, false))
                .or_else(|| s.strip_prefix(TABLE_MARKER).map(|n| (n, true)))
        });
        if let Some((n, table)) = marker {
            match n.parse::<usize>() {
                Ok(index) if index < self.blocks => {
                    self.inline(Inline::Generated(Generated { index, table }))
                }
                _ => self.errors.push(MdError {
                    offset,
                    message: format!("`{trimmed}` is reserved for generated blocks"),
                    help: "remove this comment; use the functions such as {{ risk_table(\"name\") }} to place generated tables".into(),
                }),
            }
            return;
        }
        if trimmed.starts_with("<!--") {
            return; // an author's comment: not printed
        }
        self.inline(Inline::Html(h.to_string()));
    }

    fn start(&mut self, tag: Tag, offset: usize) {
        let open = match tag {
            Tag::Paragraph => Open::Para(Vec::new()),
            Tag::Heading { level, .. } => Open::Heading(
                match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                },
                Vec::new(),
            ),
            Tag::BlockQuote(_) => Open::Quote(Vec::new()),
            Tag::CodeBlock(kind) => Open::Code(
                match kind {
                    CodeBlockKind::Fenced(l) if !l.is_empty() => Some(l.to_string()),
                    _ => None,
                },
                String::new(),
            ),
            Tag::HtmlBlock => Open::Html(Vec::new()),
            Tag::List(start) => Open::List(start, Vec::new()),
            Tag::Item => Open::Item(Vec::new()),
            Tag::FootnoteDefinition(label) => Open::Note(label.to_string(), Vec::new()),
            Tag::Table(aligns) => Open::Table(
                aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::None => Align::None,
                        Alignment::Left => Align::Left,
                        Alignment::Center => Align::Center,
                        Alignment::Right => Align::Right,
                    })
                    .collect(),
                Vec::new(),
                Vec::new(),
            ),
            Tag::TableHead => Open::Head,
            Tag::TableRow => Open::Row(Vec::new()),
            Tag::TableCell => Open::Cell(Vec::new()),
            Tag::Emphasis => Open::Emph(Vec::new()),
            Tag::Strong => Open::Strong(Vec::new()),
            Tag::Strikethrough => Open::Strike(Vec::new()),
            Tag::Link {
                dest_url,
                link_type,
                ..
            } => {
                let url = link_address(link_type, &dest_url);
                let problem = check_url(&url);
                let ok = problem.is_none();
                if let Some((message, help)) = problem {
                    self.errors.push(MdError {
                        offset,
                        message,
                        help,
                    });
                }
                Open::Link(url, ok, Vec::new())
            }
            Tag::Image { dest_url, .. } => Open::Image(dest_url.to_string(), Vec::new()),
            _ => Open::Other,
        };
        self.stack.push(open);
    }

    /// Ends the innermost element and puts it where it belongs.
    fn close(&mut self) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        match open {
            Open::Para(body) => {
                let numbered = self.mode == Mode::Numbered && self.stack.is_empty();
                self.block(if numbered {
                    Block::Numbered { number: None, body }
                } else {
                    Block::Para(body)
                })
            }
            Open::Heading(level, body) => {
                let section =
                    (level == 1 && self.mode == Mode::Numbered).then(super::doc::Section::default);
                self.block(Block::Heading {
                    level,
                    section,
                    body,
                })
            }
            Open::Quote(b) => self.block(Block::Quote(b)),
            Open::List(start, items) => self.block(Block::List { start, items }),
            Open::Item(b) => {
                if let Some(Open::List(_, items)) = self.stack.last_mut() {
                    items.push(b);
                }
            }
            Open::Note(label, blocks) => match self.notes.iter_mut().find(|n| n.label == label) {
                Some(n) => n.blocks = blocks,
                None => self.notes.push(Note { label, blocks }),
            },
            Open::Code(lang, text) => self.block(Block::Code { lang, text }),
            Open::Html(i) => self.block(Block::Html(i)),
            Open::Table(align, head, rows) => {
                self.tables += 1;
                let number = self.tables;
                self.block(Block::Table {
                    number,
                    align,
                    head,
                    rows,
                })
            }
            Open::Head | Open::Other => {}
            Open::Row(cells) => {
                if let Some(Open::Table(_, _, rows)) = self.stack.last_mut() {
                    rows.push(cells);
                }
            }
            Open::Cell(c) => {
                let below = self.stack.len().saturating_sub(2);
                if matches!(self.stack.last(), Some(Open::Head)) {
                    if let Some(Open::Table(_, head, _)) = self.stack.get_mut(below) {
                        head.push(c);
                    }
                } else if let Some(Open::Row(cells)) = self.stack.last_mut() {
                    cells.push(c);
                }
            }
            Open::Emph(i) => self.inline(Inline::Emph(i)),
            Open::Strong(i) => self.inline(Inline::Strong(i)),
            Open::Strike(i) => self.inline(Inline::Strike(i)),
            Open::Link(url, ok, body) => self.inline(Inline::Link { url, ok, body }),
            Open::Image(url, alt) => self.inline(Inline::Image { url, alt }),
        }
    }

    /// The blocks the next block goes into.
    fn blocks_here(&mut self) -> &mut Vec<Block> {
        for open in self.stack.iter_mut().rev() {
            match open {
                Open::Quote(b) | Open::Item(b) | Open::Note(_, b) => return b,
                Open::Other => continue,
                _ => break,
            }
        }
        &mut self.root
    }

    fn block(&mut self, b: Block) {
        self.blocks_here().push(b);
    }

    fn inline(&mut self, i: Inline) {
        let idx = self.stack.iter().rposition(|o| !matches!(o, Open::Other));
        match idx.map(|k| &mut self.stack[k]) {
            Some(
                Open::Para(v)
                | Open::Heading(_, v)
                | Open::Html(v)
                | Open::Cell(v)
                | Open::Emph(v)
                | Open::Strong(v)
                | Open::Strike(v)
                | Open::Link(_, _, v)
                | Open::Image(_, v),
            ) => v.push(i),
            Some(Open::Code(_, code)) => {
                if let Inline::Text(t) = i {
                    code.push_str(&t);
                }
            }
            _ => {
                // Text outside a paragraph (a tight list item's): a plain run.
                let blocks = self.blocks_here();
                match blocks.last_mut() {
                    Some(Block::Plain(v)) => v.push(i),
                    _ => blocks.push(Block::Plain(vec![i])),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst::syntax::{SyntaxKind, SyntaxNode};

    /// Functions the converter itself emits; author text must never add others.
    const ALLOWED: &[&str] = &[
        "par",
        "L.para",
        "emph",
        "strong",
        "strike",
        "link",
        "raw",
        "heading",
        "list",
        "enum",
        "quote",
        "footnote",
        "linebreak",
        "line",
        "block",
        "L.md-table",
        "L.generated",
        "T.declared-table",
        "data.generated.at",
    ];

    fn check(node: &SyntaxNode, src: &str) {
        match node.kind() {
            SyntaxKind::FuncCall => {
                let callee = node
                    .children()
                    .next()
                    .map(|c| c.full_text().to_string())
                    .unwrap_or_default();
                assert!(
                    ALLOWED.contains(&callee.as_str()),
                    "author text produced a call to `{callee}` from {src:?}"
                );
            }
            SyntaxKind::ModuleImport
            | SyntaxKind::ModuleInclude
            | SyntaxKind::SetRule
            | SyntaxKind::ShowRule
            | SyntaxKind::LetBinding
            | SyntaxKind::Closure
            | SyntaxKind::Contextual
            | SyntaxKind::Equation
            | SyntaxKind::Ref
            | SyntaxKind::Label => {
                panic!("author text produced {:?} from {src:?}", node.kind())
            }
            _ => {}
        }
        for c in node.children() {
            check(c, src);
        }
    }

    /// A deterministic fuzz run over a hostile alphabet: the generated markup
    /// always parses and only ever calls the converter's own functions.
    #[test]
    fn hostile_markdown_never_becomes_code() {
        let alphabet = [
            "#",
            "$",
            "@",
            "<",
            ">",
            "[",
            "]",
            "{",
            "}",
            "(",
            ")",
            "\\",
            "\"",
            "'",
            "`",
            "*",
            "_",
            "=",
            "-",
            "+",
            "/",
            ".",
            ":",
            "~",
            "|",
            "\n",
            "\n\n",
            " ",
            "a",
            "read",
            "import",
            "//",
            "/*",
            "*/",
            "1. ",
            "#read(\"/etc/passwd\")",
            "#import \"@preview/x:0.1.0\"",
            "<!--",
            "-->",
            "[^1]",
            "\n[^1]: x",
            "\n|a|b|\n|-|-|\n|c|d|\n",
            "```",
            "    ",
            "> ",
            "<http://x>",
            "[l](http://x)",
            "&amp;",
            "\t",
            "\u{0}",
            "<label>",
            "#{1+1}",
            "$x^2$",
            "![i](p.png)",
            "- [ ] ",
            "~~s~~",
            "<!--quire:block:0-->",
        ];
        let mut next = crate::render::xorshift(0x2545_F491_4F6C_DD1Du64);
        for _ in 0..4000 {
            let n = (next() % 24) as usize;
            let s: String = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for mode in [Mode::Numbered, Mode::Plain, Mode::Inline] {
                let (out, _) = to_typst(&s, mode, 0);
                let root = typst::syntax::parse(&out);
                let (errors, _) = root.errors_and_warnings();
                assert!(
                    errors.is_empty(),
                    "markup from {s:?} does not parse: {errors:?}\n{out}"
                );
                check(&root, &s);
            }
        }
    }

    #[test]
    fn text_is_literal_and_structure_is_kept() {
        let (out, _) = to_typst(
            "# Title\n\nSome *emphasis* and `#code`.\n\n- one\n- two\n",
            Mode::Numbered,
            0,
        );
        assert_eq!(
            out,
            "\n#heading(depth: 1)[#\"Title\";]\n#L.para[#\"Some \";#emph[#\"emphasis\";]#\" and \";#raw(\"#code\");#\".\";]\n\n\n#list([#\"one\";], [#\"two\";], )\n"
        );
        // A layout before version 3 gets its headings by level, as released.
        let _v2 = crate::render::format::layout_text(2);
        let (out, _) = to_typst("# Title\n", Mode::Numbered, 0);
        assert!(out.starts_with("\n#heading(level: 1)["), "{out}");
    }
    /// What the walker decides, once, for every edition: a numbered paragraph,
    /// a section heading, a checked link, a footnote by label, a marker as a
    /// typed block, a bad marker and a bad link reported where they are.
    #[test]
    fn the_view_holds_every_decision() {
        use crate::render::doc::Section;
        let src = "# Title\n\nSee [the plan](https://x.gov.uk/p) and [this](javascript:x)[^n].\n\n<!--quire:table:0-->\n\n<!--quire:block:7-->\n\n[^n]: A *note*.\n";
        let (doc, errors) = parse(src, Mode::Numbered, 1, 3);
        let text = |s: &str| Inline::Text(s.into());
        assert_eq!(
            doc,
            Doc {
                id: 3,
                blocks: vec![
                    Block::Heading {
                        level: 1,
                        section: Some(Section::default()),
                        body: vec![text("Title")],
                    },
                    Block::Numbered {
                        number: None,
                        body: vec![
                            text("See "),
                            Inline::Link {
                                url: "https://x.gov.uk/p".into(),
                                ok: true,
                                body: vec![text("the plan")],
                            },
                            text(" and "),
                            Inline::Link {
                                url: "javascript:x".into(),
                                ok: false,
                                body: vec![text("this")],
                            },
                            Inline::NoteRef("n".into()),
                            text("."),
                        ],
                    },
                    Block::Html(vec![Inline::Generated(Generated {
                        index: 0,
                        table: true,
                    })]),
                    Block::Html(vec![]),
                ],
                notes: vec![Note {
                    label: "n".into(),
                    blocks: vec![Block::Para(vec![
                        text("A "),
                        Inline::Emph(vec![text("note")]),
                        text("."),
                    ])],
                }],
                inline: false,
                signed: true,
                depth: true,
            }
        );
        let found: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| (e.offset, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    src.find("[this]").unwrap_or(0),
                    "the link address `javascript:x` is not a web, email or telephone address"
                ),
                (
                    src.find("<!--quire:block:7").unwrap_or(0),
                    "`<!--quire:block:7-->` is reserved for generated blocks"
                ),
            ]
        );
    }
}
