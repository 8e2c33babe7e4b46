//! The HTML edition of the document view: [`Doc`] → HTML fragments.
//!
//! Stage: render. Prints a [`Doc`] as HTML, every text run escaped by
//! [`escape`] (the one HTML escaper); raw HTML an author wrote arrives as text
//! and is shown as text, and the only attribute value author text reaches is a
//! link address the walker checked (https, http, mailto, tel), escaped. A
//! generated block is printed by the caller's `place` (the layout's macro), or
//! left as its marker comment where the caller places none.
//!
//! Headings go one level down (`#` → `h2`: the document title is the only
//! `h1`); a section heading carries its id (`sec-N`) and number, a numbered
//! paragraph its number, as [`number`](super::doc::number) gave them.
//! Footnotes are numbered per piece in order of first reference and listed
//! after the piece, ids prefixed `n<piece>-`; a page that places several
//! pieces prints them again with [`PageNotes`], numbered in one sequence in
//! the order their references appear on the page (see [`note_refs`]).

use super::doc::{Align, Block, Doc, Generated, Inline, NOTES_LISTED};
use super::markdown::BLOCK_MARKER;

/// Escapes text for HTML element content and double-quoted attribute values.
/// NUL (refused in inputs anyway) becomes U+FFFD so it can never meet a placeholder.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{0}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A piece as an HTML fragment, generated blocks placed by `place` (`None`
/// leaves the block's marker comment), its notes numbered from 1.
pub fn piece<E>(
    d: &Doc,
    place: &mut dyn FnMut(Generated) -> Result<Option<String>, E>,
) -> Result<String, E> {
    print(d, place, &mut Vec::new(), None)
}

/// A piece as [`piece`] prints it, its notes numbered as on its page.
pub fn piece_on_page<E>(
    d: &Doc,
    place: &mut dyn FnMut(Generated) -> Result<Option<String>, E>,
    notes: Option<&PageNotes>,
) -> Result<String, E> {
    print(d, place, &mut Vec::new(), notes)
}

/// A narrative (its pieces in order) as one fragment.
pub fn narrative<E>(
    docs: &[Doc],
    place: &mut dyn FnMut(Generated) -> Result<Option<String>, E>,
    notes: Option<&PageNotes>,
) -> Result<String, E> {
    let mut html = String::new();
    for d in docs {
        html.push_str(&print(d, place, &mut Vec::new(), notes)?);
    }
    Ok(html)
}

/// The numbers of a page's footnotes, in one sequence over the page as the
/// PDF numbers them over the document: each note's page number, by its piece
/// ([`Doc::id`]) and its number in the piece. A page's layout decides where
/// its pieces go, so the sequence is the order in which the references appear
/// on the page once made ([`note_refs`]); the page is then made again with it.
/// Ids and links keep the piece's numbers: only the numbers shown change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageNotes(std::collections::HashMap<(usize, usize), usize>);

impl PageNotes {
    /// The page numbers of notes referred to in `order` (first references
    /// first, as [`note_refs`] reads them), or `None` when every note already
    /// shows its page number.
    pub fn from_order(order: &[(usize, usize)]) -> Option<PageNotes> {
        if order.iter().enumerate().all(|(i, (_, n))| *n == i + 1) {
            return None;
        }
        Some(PageNotes(
            order.iter().enumerate().map(|(i, k)| (*k, i + 1)).collect(),
        ))
    }

    fn get(&self, piece: usize, n: usize) -> Option<usize> {
        self.0.get(&(piece, n)).copied()
    }
}

/// The footnote references of a page this printer made, as (piece, number in
/// the piece), in the order they first appear. Only the printer's own markup
/// is read: author text has its `<` escaped, so it never looks like a
/// reference.
pub fn note_refs(page: &str) -> Vec<(usize, usize)> {
    const OPEN: &str = "<sup><a href=\"#n";
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find(OPEN) {
        rest = &rest[i + OPEN.len()..];
        let Some(end) = rest.find('"') else { break };
        let key = rest[..end]
            .split_once("-fn")
            .and_then(|(id, n)| Some((id.parse::<usize>().ok()?, n.parse::<usize>().ok()?)));
        if let Some(key) = key
            && !keys.contains(&key)
        {
            keys.push(key);
        }
    }
    keys
}

/// The sections of a narrative for its contents: each section heading's id
/// (`sec-N`) and title as printed, in order.
pub fn contents(docs: &[Doc]) -> Vec<(String, String)> {
    let mut toc = Vec::new();
    for d in docs {
        let order = d.note_order(NOTES_LISTED);
        let mut p = Printer::<std::convert::Infallible> {
            d,
            order: &order,
            notes: None,
            prefix: format!("n{}-", d.id),
            place: &mut |_| Ok(None),
            toc: &mut toc,
            out: String::new(),
        };
        let mut headings = Vec::new();
        super::doc::visit_blocks(&d.blocks, &mut |b| headings.push(b));
        for label in &order {
            if let Some(n) = d.note(label) {
                super::doc::visit_blocks(&n.blocks, &mut |b| headings.push(b));
            }
        }
        for b in headings {
            if let Block::Heading {
                section: Some(_), ..
            } = b
            {
                let _ = p.block(b);
            }
        }
    }
    toc
}

fn print<E>(
    d: &Doc,
    place: &mut dyn FnMut(Generated) -> Result<Option<String>, E>,
    toc: &mut Vec<(String, String)>,
    page: Option<&PageNotes>,
) -> Result<String, E> {
    let order = d.note_order(NOTES_LISTED);
    let mut p = Printer {
        d,
        order: &order,
        notes: page,
        prefix: format!("n{}-", d.id),
        place,
        toc,
        out: String::new(),
    };
    if let (true, [Block::Para(body)]) = (d.inline, d.blocks.as_slice()) {
        p.inlines(body)?;
        return Ok(p.out);
    }
    p.blocks(&d.blocks)?;
    let body = std::mem::take(&mut p.out);
    let mut notes = String::new();
    for (i, label) in order.iter().enumerate().take(NOTES_LISTED) {
        let Some(note) = d.note(label) else { continue };
        p.blocks(&note.blocks)?;
        let text = std::mem::take(&mut p.out);
        // A note's single paragraph is shown inline in its list item.
        let text = text
            .trim()
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
            .filter(|s| !s.contains("<p>"))
            .map(str::to_string)
            .unwrap_or(text);
        // Its number on the page, where the page numbers its notes.
        let n = i + 1;
        let (value, g) = match p.notes.and_then(|m| m.get(d.id, n)) {
            Some(g) => (format!(" value=\"{g}\""), g),
            None => (String::new(), n),
        };
        notes.push_str(&format!(
            "<li id=\"{pre}fn{n}\"{value}>{text} <a href=\"#{pre}fnref{n}\">Back to reference {g}</a></li>\n",
            pre = p.prefix,
            text = text.trim(),
        ));
    }
    let mut out = body;
    if !notes.is_empty() {
        out.push_str("<section class=\"footnotes\" aria-label=\"Notes\"><ol>\n");
        out.push_str(&notes);
        out.push_str("</ol></section>\n");
    }
    Ok(out)
}

struct Printer<'a, 'p, E> {
    d: &'a Doc,
    order: &'a [String],
    notes: Option<&'a PageNotes>,
    prefix: String,
    place: &'p mut dyn FnMut(Generated) -> Result<Option<String>, E>,
    toc: &'p mut Vec<(String, String)>,
    out: String,
}

impl<E> Printer<'_, '_, E> {
    fn text(&mut self, t: &str) {
        // A sign stays on the line of the sum it belongs to (as in the PDF).
        for (t, signed) in super::format::runs(t, self.d.signed) {
            if signed {
                self.out.push_str("<span class=\"nw\">");
                self.out.push_str(&escape(t));
                self.out.push_str("</span>");
            } else {
                self.out.push_str(&escape(t));
            }
        }
    }

    fn blocks(&mut self, blocks: &[Block]) -> Result<(), E> {
        blocks.iter().try_for_each(|b| self.block(b))
    }

    fn block(&mut self, b: &Block) -> Result<(), E> {
        match b {
            Block::Para(body) => {
                self.out.push_str("<p>");
                self.inlines(body)?;
                self.out.push_str("</p>\n");
            }
            Block::Numbered { number, body } => {
                match number {
                    Some(n) => self
                        .out
                        .push_str(&format!("<p class=\"num\"><span class=\"pn\">{n}</span> ")),
                    None => self.out.push_str("<p>"),
                }
                self.inlines(body)?;
                self.out.push_str("</p>\n");
            }
            Block::Plain(body) | Block::Html(body) => self.inlines(body)?,
            Block::Heading {
                level,
                section: Some(s),
                body,
            } if *level == 1 => {
                let id = format!("sec-{}", s.n);
                self.out.push_str(&format!("\n<h2 id=\"{id}\">"));
                if let Some(n) = &s.number {
                    self.out.push_str(&format!("<span class=\"hn\">{n}</span>"));
                }
                self.out.push(' ');
                let at = self.out.len();
                self.inlines(body)?;
                let title = self.out[at..].trim();
                let title = match &s.number {
                    Some(n) => format!("{n} {title}"),
                    None => title.to_string(),
                };
                self.toc.push((id, title));
                self.out.push_str("</h2>\n");
            }
            Block::Heading { level, body, .. } => {
                let h = (level + 1).min(6);
                self.out.push_str(&format!("\n<h{h}>"));
                self.inlines(body)?;
                self.out.push_str(&format!("</h{h}>\n"));
            }
            Block::Quote(inner) => {
                self.out.push_str("\n<blockquote>");
                self.blocks(inner)?;
                self.out.push_str("</blockquote>\n");
            }
            Block::Code { text, .. } => {
                self.out.push_str("\n<pre><code>");
                self.text(text);
                self.out.push_str("</code></pre>\n");
            }
            Block::List { start, items } => {
                self.out.push_str(&match start {
                    Some(1) => "\n<ol>".to_string(),
                    Some(n) => format!("\n<ol start=\"{n}\">"),
                    None => "\n<ul>".to_string(),
                });
                for item in items {
                    self.out.push_str("<li>");
                    self.blocks(item)?;
                    self.out.push_str("</li>\n");
                }
                self.out.push_str(if start.is_some() {
                    "</ol>\n"
                } else {
                    "</ul>\n"
                });
            }
            Block::Table {
                number,
                align,
                head,
                rows,
            } => {
                self.out.push_str(&format!(
                    "\n<div class=\"table-wrap\" role=\"region\" aria-label=\"Table {number}\" tabindex=\"0\"><table><thead><tr>"
                ));
                self.cells(head, align, "th scope=\"col\"", "th")?;
                self.out.push_str("</tr></thead><tbody>");
                for row in rows {
                    self.out.push_str("<tr>");
                    self.cells(row, align, "td", "td")?;
                    self.out.push_str("</tr>\n");
                }
                self.out.push_str("</tbody></table></div>\n");
            }
            Block::Rule => self.out.push_str("<hr>\n"),
        }
        Ok(())
    }

    fn cells(
        &mut self,
        cells: &[Vec<Inline>],
        align: &[Align],
        open: &str,
        close: &str,
    ) -> Result<(), E> {
        for (col, c) in cells.iter().enumerate() {
            let class = match align.get(col) {
                Some(Align::Right) => " class=\"r\"",
                Some(Align::Center) => " class=\"c\"",
                _ => "",
            };
            self.out.push_str(&format!("<{open}{class}>"));
            self.inlines(c)?;
            self.out.push_str(&format!("</{close}>"));
        }
        Ok(())
    }

    fn inlines(&mut self, inl: &[Inline]) -> Result<(), E> {
        inl.iter().try_for_each(|i| self.inline(i))
    }

    fn wrap(&mut self, tag: &str, body: &[Inline]) -> Result<(), E> {
        self.out.push_str(&format!("<{tag}>"));
        self.inlines(body)?;
        self.out.push_str(&format!("</{tag}>"));
        Ok(())
    }

    fn inline(&mut self, i: &Inline) -> Result<(), E> {
        match i {
            Inline::Text(t) => self.text(t),
            Inline::SoftBreak => self.out.push('\n'),
            Inline::LineBreak => self.out.push_str("<br>\n"),
            Inline::ValueBreak => self.out.push_str("<br>"),
            Inline::Code(c) => {
                self.out.push_str("<code>");
                self.out.push_str(&escape(c));
                self.out.push_str("</code>");
            }
            Inline::Emph(b) => self.wrap("em", b)?,
            Inline::Strong(b) => self.wrap("strong", b)?,
            Inline::Strike(b) => self.wrap("s", b)?,
            Inline::Link {
                url,
                ok: true,
                body,
            } => {
                self.out
                    .push_str(&format!("<a href=\"{}\">", escape(url.trim())));
                self.inlines(body)?;
                self.out.push_str("</a>");
            }
            Inline::Link { body, .. } => self.inlines(body)?,
            Inline::Image { url, alt } => {
                // Images are not fetched: show the alt text and the address.
                self.out.push_str("<em>");
                self.out.push_str(&escape(&format!("[image: {url}] ")));
                self.inlines(alt)?;
                self.out.push_str("</em>");
            }
            Inline::NoteRef(label) => {
                if let Some(i) = self.order.iter().position(|l| l == label) {
                    let n = i + 1;
                    let g = self.notes.and_then(|m| m.get(self.d.id, n)).unwrap_or(n);
                    self.out.push_str(&format!(
                        "<sup><a href=\"#{p}fn{n}\" id=\"{p}fnref{n}\" aria-label=\"Note {g}\">[{g}]</a></sup>",
                        p = self.prefix,
                    ));
                }
            }
            Inline::Task(done) => self.text(if *done { "☑ " } else { "☐ " }),
            Inline::Html(h) => self.text(h),
            Inline::Generated(g) => {
                let html = (self.place)(*g)?
                    .unwrap_or_else(|| format!("<!--{BLOCK_MARKER}{}-->", g.index));
                self.out.push('\n');
                self.out.push_str(&html);
                self.out.push('\n');
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::template::Numbering;
    use crate::render::doc::number;
    use crate::render::markdown::{Mode, parse};

    /// One piece as HTML, its generated blocks left as markers.
    fn to_html(src: &str, mode: Mode, blocks: usize, id: usize) -> String {
        piece(&parse(src, mode, blocks, id).0, &mut |_| {
            Ok::<_, std::convert::Infallible>(None)
        })
        .unwrap_or_default()
    }

    /// A numbered narrative of `pieces`: its HTML and contents.
    fn numbered(pieces: &[&str], scheme: Numbering) -> (String, Vec<(String, String)>) {
        let mut docs: Vec<Doc> = pieces
            .iter()
            .enumerate()
            .map(|(i, s)| parse(s, Mode::Numbered, 0, i + 1).0)
            .collect();
        number(&mut docs, scheme);
        let html = narrative(
            &docs,
            &mut |_| Ok::<_, std::convert::Infallible>(None),
            None,
        )
        .unwrap_or_default();
        (html, contents(&docs))
    }

    #[test]
    fn author_html_is_text() {
        let out = to_html(
            "Hi <script>alert(1)</script> <b onclick=\"x\">b</b> &amp; </style> <!-- c --> [x](javascript:alert(1))\n\n<div>block</div>\n",
            Mode::Plain,
            0,
            1,
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<b "), "{out}");
        assert!(!out.contains("<div"), "{out}");
        assert!(!out.contains("</style>"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{out}"
        );
        assert!(out.contains("&amp; &lt;/style&gt;"), "{out}");
    }

    /// Elements the converter itself writes; author text must never add others.
    const TAGS: &[&str] = &[
        "p",
        "span",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "code",
        "ol",
        "ul",
        "li",
        "div",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "em",
        "strong",
        "s",
        "a",
        "br",
        "hr",
        "sup",
        "section",
    ];

    /// A deterministic fuzz run over a hostile alphabet: every tag in the
    /// output is one the converter writes, every link is http(s), mailto or
    /// tel, and the only comments are valid generated-block markers.
    #[test]
    fn hostile_markdown_never_becomes_markup() {
        let alphabet = [
            "<",
            ">",
            "&",
            "\"",
            "'",
            "`",
            "*",
            "_",
            "[",
            "]",
            "(",
            ")",
            "!",
            "#",
            "-",
            "|",
            "\n",
            "\n\n",
            " ",
            "a",
            "<script>",
            "</style>",
            "<!--",
            "-->",
            "<b onclick=x>",
            "<img src=x onerror=alert(1)>",
            "[l](javascript:alert(1))",
            "[l](https://x/\"y)",
            "<javascript:alert(1)>",
            "&amp;",
            "&#60;",
            "&lt;",
            "[^1]",
            "\n[^1]: n",
            "```",
            "    ",
            "> ",
            "1. ",
            "- ",
            "\n|a|b|\n|-|-|\n|c|d|\n",
            "<!--quire:block:0-->",
            "<!--quire:br-->",
            "<div>",
            "]]>",
            "\u{0}",
            "![i](x.png)",
        ];
        let mut next = crate::render::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..4000 {
            let n = (next() % 24) as usize;
            let src: String = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for mode in [Mode::Numbered, Mode::Plain, Mode::Inline] {
                let mut d = vec![parse(&src, mode, 1, 1).0];
                number(&mut d, Numbering::Sections);
                let out = narrative(&d, &mut |_| Ok::<_, std::convert::Infallible>(None), None)
                    .unwrap_or_default();
                assert!(
                    !out.contains('\u{0}'),
                    "placeholder left from {src:?}: {out}"
                );
                for chunk in out.split('<').skip(1) {
                    if let Some(c) = chunk.strip_prefix("!--") {
                        assert!(
                            c.starts_with("quire:block:0-->"),
                            "comment from {src:?}: {out}"
                        );
                        continue;
                    }
                    let name: String = chunk
                        .trim_start_matches('/')
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    assert!(
                        TAGS.contains(&name.as_str()),
                        "<{name}> from {src:?}: {out}"
                    );
                    let tag = chunk.split('>').next().unwrap_or("");
                    assert!(!tag.contains(" on"), "event attribute from {src:?}: {out}");
                    if let Some(h) = tag.split("href=\"").nth(1) {
                        let h = h.to_ascii_lowercase();
                        assert!(
                            ["https://", "http://", "mailto:", "tel:", "#"]
                                .iter()
                                .any(|s| h.starts_with(s)),
                            "link {h:?} from {src:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn numbering_follows_sections() {
        let (out, toc) = numbered(
            &[
                "# One\n\nfirst\n\nsecond\n",
                "# Two\n\nthird\n\n- not numbered\n",
            ],
            Numbering::Sections,
        );
        assert_eq!(toc.len(), 2);
        assert_eq!(toc[1], ("sec-2".to_string(), "2. Two".to_string()));
        assert!(
            out.contains("<h2 id=\"sec-1\"><span class=\"hn\">1.</span> One</h2>"),
            "{out}"
        );
        assert!(
            out.contains("<span class=\"pn\">1.2</span> second"),
            "{out}"
        );
        assert!(out.contains("<span class=\"hn\">2.</span> Two"), "{out}");
        assert!(out.contains("<span class=\"pn\">2.1</span> third"), "{out}");
        assert!(out.contains("<li>not numbered</li>"), "{out}");
    }

    #[test]
    fn numbering_follows_a_templates_scheme() {
        let md = ["# One\n\nfirst\n\n# Two\n\nsecond\n"];
        let (html, toc) = numbered(&md, Numbering::Paragraphs);
        assert_eq!(toc[1], ("sec-2".to_string(), "Two".to_string()));
        assert!(html.contains("<h2 id=\"sec-1\"> One</h2>"), "{html}");
        assert!(
            html.contains("<span class=\"pn\">2.</span> second"),
            "{html}"
        );
        let (html, _) = numbered(&md, Numbering::None);
        assert!(html.contains("<p>first</p>"), "{html}");
        assert!(html.contains("<p>second</p>"), "{html}");
        assert!(!html.contains("pn") && !html.contains('\u{0}'), "{html}");
    }

    #[test]
    fn markers_line_breaks_and_inline() {
        let out = to_html("a<!--quire:br-->b", Mode::Inline, 0, 1);
        assert_eq!(out, "a<br>b");
        let out = to_html("x\n\n<!--quire:block:0-->\n\ny", Mode::Plain, 1, 1);
        assert!(out.contains("<!--quire:block:0-->"), "{out}");
        let out = to_html("<!--quire:block:3-->", Mode::Plain, 1, 1);
        assert!(!out.contains("quire"), "{out}");
    }

    #[test]
    fn footnotes_are_numbered_links() {
        let out = to_html("Text[^a].\n\n[^a]: The note.\n", Mode::Plain, 0, 1);
        assert!(out.contains("href=\"#n1-fn1\""), "{out}");
        assert!(out.contains("<li id=\"n1-fn1\">The note."), "{out}");
    }
}
