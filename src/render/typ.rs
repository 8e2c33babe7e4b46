//! The Typst edition of the document view: [`Doc`] → Typst markup.
//!
//! Stage: render. Prints a [`Doc`] as calls of Typst's own functions
//! (`heading`, `emph`, `list`, `table`, …) and of the layout's helpers
//! (`L.para` numbers body paragraphs, `L.md-table`, `L.generated`, and the
//! tables layout's `T.declared-table`). Every text run goes through
//! [`escape`](super::escape), so author text is never markup; nothing is
//! decided here that the view has not decided (the walker checked links and
//! markers). Adjacent runs of text are joined into one literal; a footnote is
//! set where it is referred to (Typst numbers it), a note that refers back to
//! itself dropped.

use super::doc::{Align, Block, Doc, Generated, Inline};
use super::escape::{markup, str_lit};

/// Most footnote references resolved in one piece, however notes refer to each other.
const NOTE_BUDGET: usize = 10_000;

/// A piece as Typst markup (an inline piece: its paragraph's content only).
pub fn doc(d: &Doc) -> String {
    let mut p = Printer {
        d,
        out: String::new(),
        pending: String::new(),
        open: Vec::new(),
        budget: NOTE_BUDGET,
    };
    match (d.inline, d.blocks.as_slice()) {
        (true, [Block::Para(body)]) => p.inlines(body),
        _ => p.blocks(&d.blocks, Parent::Other),
    }
    p.flush();
    p.out
}

/// What holds a block: a paragraph in a list item or a note is set tighter.
#[derive(Clone, Copy, PartialEq)]
enum Parent {
    Item,
    Note,
    Other,
}

struct Printer<'a> {
    d: &'a Doc,
    out: String,
    /// Adjacent text merged into one literal.
    pending: String,
    /// Notes being set (a note referring to one of these is dropped).
    open: Vec<&'a str>,
    budget: usize,
}

impl<'a> Printer<'a> {
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let t = markup(&std::mem::take(&mut self.pending), self.d.signed);
            self.out.push_str(&t);
        }
    }

    fn push(&mut self, s: &str) {
        self.flush();
        self.out.push_str(s);
    }

    fn blocks(&mut self, blocks: &'a [Block], parent: Parent) {
        for b in blocks {
            self.block(b, parent);
        }
    }

    fn block(&mut self, b: &'a Block, parent: Parent) {
        match b {
            Block::Para(body) => {
                self.push(if matches!(parent, Parent::Item | Parent::Note) {
                    "#block(spacing: 0.65em)["
                } else {
                    "#par["
                });
                self.inlines(body);
                self.push("]\n\n");
            }
            Block::Numbered { body, .. } => {
                self.push("#L.para[");
                self.inlines(body);
                self.push("]\n\n");
            }
            Block::Plain(body) | Block::Html(body) => self.inlines(body),
            Block::Heading { level, body, .. } => {
                let key = if self.d.depth { "depth" } else { "level" };
                self.push(&format!("\n#heading({key}: {})[", (*level).min(4)));
                self.inlines(body);
                self.push("]\n");
            }
            Block::Quote(inner) => {
                self.push("\n#quote(block: true)[");
                self.blocks(inner, Parent::Other);
                self.push("]\n");
            }
            Block::Code { lang, text } => {
                let lang = lang
                    .as_ref()
                    .map(|l| format!("lang: {}, ", str_lit(l)))
                    .unwrap_or_default();
                self.push(&format!("\n#raw(block: true, {lang}{})\n", str_lit(text)));
            }
            Block::List { start, items } => {
                self.push(&match start {
                    Some(n) => format!("\n#enum(start: {n}, "),
                    None => "\n#list(".to_string(),
                });
                for item in items {
                    self.push("[");
                    self.blocks(item, Parent::Item);
                    self.push("], ");
                }
                self.push(")\n");
            }
            Block::Table {
                align, head, rows, ..
            } => {
                let a: Vec<&str> = align
                    .iter()
                    .map(|a| match a {
                        Align::Right => "right",
                        Align::Center => "center",
                        Align::Left | Align::None => "left",
                    })
                    .collect();
                self.push(&format!(
                    "\n#L.md-table(data.meta, columns: {}, align: ({},), header: (",
                    align.len(),
                    a.join(", ")
                ));
                self.cells(head);
                self.push("), rows: (");
                for row in rows {
                    self.push("(");
                    self.cells(row);
                    self.push("), ");
                }
                self.push("))\n");
            }
            Block::Rule => self.push("\n#line(length: 100%)\n"),
        }
    }

    fn cells(&mut self, cells: &'a [Vec<Inline>]) {
        for c in cells {
            self.push("[");
            self.inlines(c);
            self.push("], ");
        }
    }

    fn inlines(&mut self, inl: &'a [Inline]) {
        for i in inl {
            self.inline(i);
        }
    }

    fn wrap(&mut self, open: &str, body: &'a [Inline]) {
        self.push(open);
        self.inlines(body);
        self.push("]");
    }

    fn inline(&mut self, i: &'a Inline) {
        match i {
            Inline::Text(t) => self.pending.push_str(t),
            Inline::SoftBreak => self.pending.push(' '),
            Inline::LineBreak | Inline::ValueBreak => self.push("#linebreak();"),
            Inline::Code(c) => self.push(&format!("#raw({});", str_lit(c))),
            Inline::Emph(b) => self.wrap("#emph[", b),
            Inline::Strong(b) => self.wrap("#strong[", b),
            Inline::Strike(b) => self.wrap("#strike[", b),
            Inline::Link { url, body, .. } => {
                self.wrap(&format!("#link({})[", str_lit(url.trim())), body)
            }
            Inline::Image { url, alt } => {
                let shown = markup(&format!("[image: {url}] "), self.d.signed);
                self.wrap(&format!("#emph[{shown}"), alt)
            }
            Inline::NoteRef(label) => self.note(label),
            Inline::Task(done) => self.push(if *done { "☑ " } else { "☐ " }),
            Inline::Html(h) => {
                let s = markup(h, self.d.signed);
                self.push(&s);
            }
            Inline::Generated(g) => self.generated(*g),
        }
    }

    /// A footnote, set where it is referred to.
    fn note(&mut self, label: &'a str) {
        self.flush();
        if self.budget == 0 || self.open.contains(&label) {
            return;
        }
        self.budget -= 1;
        let Some(note) = self.d.note(label) else {
            return;
        };
        let outer = std::mem::take(&mut self.out);
        self.open.push(label);
        self.blocks(&note.blocks, Parent::Note);
        self.flush();
        self.open.pop();
        let body = std::mem::replace(&mut self.out, outer);
        self.out.push_str(&format!("#footnote[{}];", body.trim()));
    }

    fn generated(&mut self, g: Generated) {
        let i = g.index;
        self.push(&if g.table {
            format!(
                "\n#T.declared-table(data.meta, data.tables.at(data.generated.at({i}).table))\n"
            )
        } else {
            format!("\n#L.generated(data, md, data.generated.at({i}))\n")
        });
    }
}
