//! Markdown (after templating) → Typst markup, with every text run escaped.
//!
//! Stage: render. pulldown-cmark gives events; this module turns them into calls
//! of Typst's own functions (`heading`, `emph`, `list`, `table`, …) and of the
//! layout's helpers (`L.para` numbers body paragraphs). Text, link targets and
//! code all go through [`escape`](super::escape); raw HTML is shown as text. The
//! only thing an author can cause is a generated block, via a marker that
//! [`template`](super::template) functions emit, and those are checked here.

use super::escape::{str_lit, text};
use crate::load::markdown::{check_url, options};
use pulldown_cmark::{
    Alignment, CodeBlockKind, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd,
};
use std::collections::BTreeMap;

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

/// Converts Markdown to Typst markup. `blocks` is the number of generated blocks
/// available to markers (`<!--quire:block:N-->`).
pub fn to_typst(src: &str, mode: Mode, blocks: usize) -> (String, Vec<MdError>) {
    let mut r = Renderer {
        out: String::new(),
        stack: Vec::new(),
        mode,
        blocks,
        errors: Vec::new(),
        footnotes: BTreeMap::new(),
        fn_target: None,
        table_head: false,
        cell_count: 0,
        code: None,
        pending: String::new(),
        top_blocks: 0,
        first_top_para: false,
    };
    for (ev, range) in Parser::new_ext(src, options()).into_offset_iter() {
        r.event(ev, range.start);
    }
    r.flush();
    let out = std::mem::take(&mut r.out);
    // Footnote references were emitted as placeholders; definitions usually
    // follow them, and may hold references of their own.
    let mut budget = 10_000usize;
    let out = resolve_footnotes(&out, &r.footnotes, &mut Vec::new(), &mut budget);
    // A lone paragraph in inline mode is unwrapped; anything else stays blocks.
    if mode == Mode::Inline
        && r.top_blocks == 1
        && r.first_top_para
        && let Some(inner) = out
            .trim()
            .strip_prefix("#par[")
            .and_then(|s| s.strip_suffix(']'))
    {
        return (inner.to_string(), r.errors);
    }
    (out, r.errors)
}

/// Replaces each footnote placeholder in `text` by its footnote, resolving
/// footnotes inside footnotes in document order. A footnote that refers back to
/// itself (directly or not) or an undefined one is dropped; `budget` bounds the
/// total work however the footnotes refer to each other.
fn resolve_footnotes(
    text: &str,
    notes: &BTreeMap<String, String>,
    open: &mut Vec<String>,
    budget: &mut usize,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("\u{0}FN:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        let (label, tail) = match after.find('\u{0}') {
            Some(e) => (&after[..e], &after[e + 1..]),
            None => (after, ""),
        };
        rest = tail;
        if *budget == 0 || open.iter().any(|l| l == label) {
            continue;
        }
        *budget -= 1;
        if let Some(body) = notes.get(label) {
            open.push(label.to_string());
            let inner = resolve_footnotes(body.trim(), notes, open, budget);
            open.pop();
            out.push_str(&format!("#footnote[{inner}];"));
        }
    }
    out.push_str(rest);
    out
}

/// A link's address as written, with `mailto:` added to `<name@example.org>`
/// (the HTML converter uses it too).
pub(crate) fn link_address(kind: LinkType, dest: &str) -> String {
    match kind {
        LinkType::Email if !dest.to_ascii_lowercase().starts_with("mailto:") => {
            format!("mailto:{dest}")
        }
        _ => dest.to_string(),
    }
}

/// A footnote reference's placeholder until definitions are known (both
/// converters use it).
pub(crate) fn placeholder(label: &str) -> String {
    // NUL cannot reach the output otherwise: escape.rs writes it as \u{0}.
    format!("\u{0}FN:{}\u{0}", label.replace('\u{0}', ""))
}

#[derive(PartialEq)]
enum Frame {
    Para { top: bool },
    Heading,
    List,
    Item,
    Quote,
    Emph,
    Strong,
    Strike,
    Link,
    Table,
    Head,
    Row,
    Cell,
    Footnote,
    Other,
}

struct Renderer {
    out: String,
    stack: Vec<Frame>,
    mode: Mode,
    blocks: usize,
    errors: Vec<MdError>,
    footnotes: BTreeMap<String, String>,
    fn_target: Option<(String, String)>,
    table_head: bool,
    cell_count: usize,
    code: Option<String>,
    /// Adjacent text events merged into one literal.
    pending: String,
    /// Blocks started at the top level, and whether the first was a paragraph.
    top_blocks: usize,
    first_top_para: bool,
}

impl Renderer {
    fn at_top(&self) -> bool {
        self.stack.is_empty()
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let t = text(&std::mem::take(&mut self.pending));
            self.out.push_str(&t);
        }
    }

    fn push(&mut self, s: &str) {
        self.flush();
        self.out.push_str(s);
    }

    fn event(&mut self, ev: Event, offset: usize) {
        match ev {
            Event::Start(tag) => {
                if self.stack.len() >= MAX_DEPTH
                    && self.errors.iter().all(|e| !e.message.contains("nested"))
                {
                    self.errors.push(MdError {
                        offset,
                        message: format!("lists, quotes or emphasis are nested more than {MAX_DEPTH} levels deep here"),
                        help: "flatten the structure: a committee paper rarely needs more than three levels".into(),
                    });
                }
                if let Tag::Link {
                    dest_url,
                    link_type,
                    ..
                } = &tag
                    && let Some((message, help)) = check_url(&link_address(*link_type, dest_url))
                {
                    self.errors.push(MdError {
                        offset,
                        message,
                        help,
                    });
                }
                self.start(tag)
            }
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.code.is_some() => {
                if let Some(c) = self.code.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::Text(t) => self.pending.push_str(&t),
            Event::Code(c) => {
                let s = format!("#raw({});", str_lit(&c));
                self.push(&s);
            }
            Event::Html(h) | Event::InlineHtml(h) => self.html(&h, offset),
            Event::FootnoteReference(label) => {
                let p = placeholder(&label);
                self.push(&p);
            }
            Event::SoftBreak => self.pending.push(' '),
            Event::HardBreak => self.push("#linebreak();"),
            Event::Rule => self.push("\n#line(length: 100%)\n"),
            Event::TaskListMarker(done) => self.push(if done { "☑ " } else { "☐ " }),
            Event::InlineMath(m) | Event::DisplayMath(m) => {
                let s = text(&m);
                self.push(&s);
            }
        }
    }

    fn html(&mut self, h: &str, offset: usize) {
        let trimmed = h.trim();
        if trimmed == LINE_BREAK {
            self.push("#linebreak();");
            return;
        }
        let inner = trimmed
            .strip_prefix("<!--")
            .and_then(|s| s.strip_suffix("-->"))
            .map(str::trim);
        let block = inner.and_then(|s| {
            s.strip_prefix(BLOCK_MARKER)
                .map(|n| (n, false))
                .or_else(|| s.strip_prefix(TABLE_MARKER).map(|n| (n, true)))
        });
        if let Some((n, is_table)) = block {
            match n.parse::<usize>() {
                Ok(i) if i < self.blocks => {
                    let s = if is_table {
                        format!("\n#T.declared-table(data.meta, data.tables.at(data.generated.at({i}).table))\n")
                    } else {
                        format!("\n#L.generated(data, md, data.generated.at({i}))\n")
                    };
                    self.push(&s);
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
        let s = text(h);
        self.push(&s);
    }

    fn start(&mut self, tag: Tag) {
        if self.stack.is_empty() && self.fn_target.is_none() {
            self.top_blocks += 1;
            if self.top_blocks == 1 {
                self.first_top_para = matches!(tag, Tag::Paragraph);
            }
        }
        match tag {
            Tag::Paragraph => {
                let top = self.at_top();
                if top && self.mode == Mode::Numbered {
                    self.push("#L.para[");
                } else if self.stack.last() == Some(&Frame::Item)
                    || self.stack.last() == Some(&Frame::Footnote)
                {
                    self.push("#block(spacing: 0.65em)[");
                } else {
                    self.push("#par[");
                }
                self.stack.push(Frame::Para { top });
            }
            Tag::Heading { level, .. } => {
                let n = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => 4,
                };
                let s = format!("\n#heading(level: {n})[");
                self.push(&s);
                self.stack.push(Frame::Heading);
            }
            Tag::BlockQuote(_) => {
                self.push("\n#quote(block: true)[");
                self.stack.push(Frame::Quote);
            }
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) if !l.is_empty() => format!("lang: {}, ", str_lit(&l)),
                    _ => String::new(),
                };
                let s = format!("\n#raw(block: true, {lang}");
                self.push(&s);
                self.stack.push(Frame::Other);
                self.code = Some(String::new());
            }
            Tag::List(start) => {
                let s = match start {
                    Some(n) => format!("\n#enum(start: {n}, "),
                    None => "\n#list(".to_string(),
                };
                self.push(&s);
                self.stack.push(Frame::List);
            }
            Tag::Item => {
                self.push("[");
                self.stack.push(Frame::Item);
            }
            Tag::FootnoteDefinition(label) => {
                let saved = std::mem::take(&mut self.out);
                self.fn_target = Some((label.to_string(), saved));
                self.stack.push(Frame::Footnote);
            }
            Tag::Table(aligns) => {
                let a: Vec<&str> = aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::Right => "right",
                        Alignment::Center => "center",
                        _ => "left",
                    })
                    .collect();
                let s = format!(
                    "\n#L.md-table(data.meta, columns: {}, align: ({},), ",
                    aligns.len(),
                    a.join(", ")
                );
                self.push(&s);
                self.stack.push(Frame::Table);
            }
            Tag::TableHead => {
                self.table_head = true;
                self.cell_count = 0;
                self.push("header: (");
                self.stack.push(Frame::Head);
            }
            Tag::TableRow => {
                self.push("(");
                self.stack.push(Frame::Row);
            }
            Tag::TableCell => {
                self.push("[");
                self.cell_count += 1;
                self.stack.push(Frame::Cell);
            }
            Tag::Emphasis => {
                self.push("#emph[");
                self.stack.push(Frame::Emph);
            }
            Tag::Strong => {
                self.push("#strong[");
                self.stack.push(Frame::Strong);
            }
            Tag::Strikethrough => {
                self.push("#strike[");
                self.stack.push(Frame::Strike);
            }
            Tag::Link {
                dest_url,
                link_type,
                ..
            } => {
                let s = format!(
                    "#link({})[",
                    str_lit(link_address(link_type, &dest_url).trim())
                );
                self.push(&s);
                self.stack.push(Frame::Link);
            }
            Tag::Image { dest_url, .. } => {
                // Images are not fetched: show the alt text and the address.
                let s = format!("#emph[{}", text(&format!("[image: {dest_url}] ")));
                self.push(&s);
                self.stack.push(Frame::Emph);
            }
            _ => self.stack.push(Frame::Other),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        let frame = self.stack.pop();
        match tag {
            TagEnd::Paragraph => {
                self.push("]");
                if matches!(frame, Some(Frame::Para { .. })) {
                    self.push("\n\n");
                }
            }
            TagEnd::Heading(_) => self.push("]\n"),
            TagEnd::BlockQuote(_) => self.push("]\n"),
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                let s = format!("{})\n", str_lit(&code));
                self.push(&s);
            }
            TagEnd::List(_) => self.push(")\n"),
            TagEnd::Item => self.push("], "),
            TagEnd::FootnoteDefinition => {
                if let Some((label, saved)) = self.fn_target.take() {
                    let body = std::mem::replace(&mut self.out, saved);
                    self.footnotes.insert(label, body);
                }
            }
            TagEnd::Table => self.push("))\n"),
            TagEnd::TableHead => {
                self.table_head = false;
                self.push("), rows: (");
            }
            TagEnd::TableRow => self.push("), "),
            TagEnd::TableCell => self.push("], "),
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image => self.push("]"),
            _ => {}
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
            "\n#heading(level: 1)[#\"Title\";]\n#L.para[#\"Some \";#emph[#\"emphasis\";]#\" and \";#raw(\"#code\");#\".\";]\n\n\n#list([#\"one\";], [#\"two\";], )\n"
        );
    }
}
