//! Markdown (after templating) → HTML fragments, with every text run escaped.
//!
//! Stage: render. The HTML edition's twin of [`markdown`](super::markdown): the
//! same pulldown-cmark events, the same markers from [`template`](super::template)
//! (`<!--quire:br-->` becomes `<br>`, `<!--quire:block:N-->` stays as a marker
//! that the HTML layout step replaces by the generated table), the same link
//! rule (`https`, `http`, `mailto`, `tel` only). Raw HTML an author writes is
//! shown as text; an author's comment is dropped. Nothing here emits an
//! attribute value or element that author text chose, except a checked link
//! address, escaped.
//!
//! Headings go one level down (`#` → `h2`: the document title is the only
//! `h1`). In numbered mode, level-1 headings and top-level paragraphs carry
//! placeholders that [`number`] fills in over the whole narrative (1., 1.1 …),
//! as the PDF numbers them.

use super::markdown::{BLOCK_MARKER, LINE_BREAK, Mode, TABLE_MARKER};
use crate::load::markdown::{check_url, options};
use crate::model::template::Numbering;
use pulldown_cmark::{Alignment, Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::BTreeMap;

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

/// Placeholder for a numbered section heading's number (filled by [`number`]).
const H_NUM: &str = "\u{0}H\u{0}";
/// Placeholder for a numbered paragraph's number (filled by [`number`]).
const P_NUM: &str = "\u{0}P\u{0}";
/// What a numbered paragraph's number stands between.
const P_OPEN: &str = "<p class=\"num\"><span class=\"pn\">";
const P_CLOSE: &str = "</span> ";

/// A numbered narrative: its HTML, its sections (id, heading HTML) for the
/// contents, and how many sections it has (the layout numbers on from there).
#[derive(Debug, Clone, Default)]
pub struct Numbered {
    pub html: String,
    pub toc: Vec<(String, String)>,
    pub sections: usize,
}

/// Fills the numbers of a numbered narrative: `1.` for each section (with an
/// id, `sec-1`, for the contents), `1.1`, `1.2` … for its top-level paragraphs
/// (paragraphs before any section are numbered 1, 2 …).
pub fn number(html: &str) -> Numbered {
    number_as(html, Numbering::Sections)
}

/// [`number`] by a report template's scheme: `Sections` (1., 1.1 …),
/// `Paragraphs` (1, 2, 3 … through the report; headings unnumbered, still in the
/// contents) or `None` (paragraphs open plainly).
pub fn number_as(html: &str, scheme: Numbering) -> Numbered {
    let (mut section, mut para) = (0usize, 0usize);
    let mut out = String::with_capacity(html.len() + 64);
    let mut toc = Vec::new();
    let mut rest = html;
    loop {
        let h = rest.find(H_NUM);
        let p = rest.find(P_NUM);
        let (at, is_h) = match (h, p) {
            (Some(h), Some(p)) if h < p => (h, true),
            (Some(h), None) => (h, true),
            (_, Some(p)) => (p, false),
            (None, None) => break,
        };
        let (before, after) = (&rest[..at], &rest[at..]);
        if is_h {
            out.push_str(before);
            section += 1;
            rest = &after[H_NUM.len()..];
            let title = rest.find("</h2>").map_or("", |e| &rest[..e]).trim();
            if scheme == Numbering::Sections {
                para = 0;
                out.push_str(&format!(
                    " id=\"sec-{section}\"><span class=\"hn\">{section}.</span>"
                ));
                toc.push((format!("sec-{section}"), format!("{section}. {title}")));
            } else {
                out.push_str(&format!(" id=\"sec-{section}\">"));
                toc.push((format!("sec-{section}"), title.to_string()));
            }
            continue;
        }
        para += 1;
        rest = &after[P_NUM.len()..];
        match scheme {
            Numbering::Sections if section > 0 => {
                out.push_str(before);
                out.push_str(&format!("{section}.{para}"));
            }
            Numbering::Sections => {
                out.push_str(before);
                out.push_str(&para.to_string());
            }
            Numbering::Paragraphs => {
                out.push_str(before);
                out.push_str(&format!("{para}."));
            }
            // Unnumbered: the paragraph the converter opened for a number opens plainly.
            Numbering::None => {
                out.push_str(before.strip_suffix(P_OPEN).unwrap_or(before));
                out.push_str("<p>");
                rest = rest.strip_prefix(P_CLOSE).unwrap_or(rest);
            }
        }
    }
    out.push_str(rest);
    Numbered {
        html: out,
        toc,
        sections: section,
    }
}

/// Converts Markdown to an HTML fragment. `blocks` is the number of generated
/// blocks markers may name; `prefix` makes footnote ids unique in the page.
pub fn to_html(src: &str, mode: Mode, blocks: usize, prefix: &str) -> String {
    let mut r = Renderer {
        out: String::new(),
        stack: Vec::new(),
        mode,
        blocks,
        prefix: prefix.to_string(),
        footnotes: BTreeMap::new(),
        fn_target: None,
        in_head: false,
        aligns: Vec::new(),
        col: 0,
        tables: 0,
        top_blocks: 0,
        first_top_para: false,
    };
    for ev in Parser::new_ext(src, options()) {
        r.event(ev);
    }
    let body = std::mem::take(&mut r.out);
    // Footnotes: numbered in order of first reference, listed after the text.
    let mut order: Vec<String> = Vec::new();
    let body = r.resolve(&body, &mut order);
    let mut notes = String::new();
    let mut i = 0;
    while i < order.len() && i < 1000 {
        let label = order[i].clone();
        let text = r.footnotes.get(&label).cloned().unwrap_or_default();
        let text = r.resolve(text.trim(), &mut order);
        notes.push_str(&format!(
            "<li id=\"{p}fn{n}\">{text} <a href=\"#{p}fnref{n}\">Back to reference {n}</a></li>\n",
            p = r.prefix,
            n = i + 1
        ));
        i += 1;
    }
    let mut out = body;
    if !notes.is_empty() {
        out.push_str("<section class=\"footnotes\" aria-label=\"Notes\"><ol>\n");
        out.push_str(&notes);
        out.push_str("</ol></section>\n");
    }
    if mode == Mode::Inline
        && r.top_blocks == 1
        && r.first_top_para
        && let Some(inner) = out
            .trim()
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
        && !inner.contains("<p>")
    {
        return inner.to_string();
    }
    out
}

#[derive(PartialEq)]
enum Frame {
    Para { numbered: bool },
    Item,
    Footnote,
    Link { live: bool },
    Other,
}

struct Renderer {
    out: String,
    stack: Vec<Frame>,
    mode: Mode,
    blocks: usize,
    prefix: String,
    footnotes: BTreeMap<String, String>,
    fn_target: Option<(String, String)>,
    in_head: bool,
    aligns: Vec<Alignment>,
    col: usize,
    tables: usize,
    top_blocks: usize,
    first_top_para: bool,
}

impl Renderer {
    /// Replaces footnote reference placeholders by numbered links, in order.
    fn resolve(&self, text: &str, order: &mut Vec<String>) -> String {
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
            if !self.footnotes.contains_key(label) {
                continue;
            }
            let n = match order.iter().position(|l| l == label) {
                Some(i) => i + 1,
                None => {
                    order.push(label.to_string());
                    order.len()
                }
            };
            out.push_str(&format!(
                "<sup><a href=\"#{p}fn{n}\" id=\"{p}fnref{n}\" aria-label=\"Note {n}\">[{n}]</a></sup>",
                p = self.prefix
            ));
        }
        out.push_str(rest);
        out
    }

    fn text(&mut self, t: &str) {
        // A sign stays on the line of the sum it belongs to (as in the PDF).
        let e: String = super::format::signed_runs(t)
            .iter()
            .map(|(t, signed)| {
                if *signed {
                    format!("<span class=\"nw\">{}</span>", escape(t))
                } else {
                    escape(t)
                }
            })
            .collect();
        self.out.push_str(&e);
    }

    fn event(&mut self, ev: Event) {
        match ev {
            // Nesting deeper than MAX_DEPTH is reported by the Typst pass.
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(c) => {
                let s = format!("<code>{}</code>", escape(&c));
                self.out.push_str(&s);
            }
            Event::Html(h) | Event::InlineHtml(h) => self.html(&h),
            Event::FootnoteReference(label) => {
                let s = super::markdown::placeholder(&label);
                self.out.push_str(&s);
            }
            Event::SoftBreak => self.out.push('\n'),
            Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self.out.push_str("<hr>\n"),
            Event::TaskListMarker(done) => self.text(if done { "☑ " } else { "☐ " }),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.text(&m),
        }
    }

    fn html(&mut self, h: &str) {
        let trimmed = h.trim();
        if trimmed == LINE_BREAK {
            self.out.push_str("<br>");
            return;
        }
        if let Some(n) = trimmed
            .strip_prefix("<!--")
            .and_then(|s| s.strip_suffix("-->"))
            .map(str::trim)
            .and_then(|s| {
                s.strip_prefix(BLOCK_MARKER)
                    .or_else(|| s.strip_prefix(TABLE_MARKER))
            })
        {
            // The Typst pass reports a bad marker; here a valid one stays a
            // marker (a declared table is a generated block of its own kind).
            if let Ok(i) = n.parse::<usize>()
                && i < self.blocks
            {
                let s = format!("\n<!--{BLOCK_MARKER}{i}-->\n");
                self.out.push_str(&s);
            }
            return;
        }
        if trimmed.starts_with("<!--") {
            return; // an author's comment: not printed
        }
        self.text(h);
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
                let numbered = self.stack.is_empty() && self.mode == Mode::Numbered;
                if numbered {
                    self.out.push_str(P_OPEN);
                    self.out.push_str(P_NUM);
                    self.out.push_str(P_CLOSE);
                } else {
                    self.out.push_str("<p>");
                }
                self.stack.push(Frame::Para { numbered });
            }
            Tag::Heading { level, .. } => {
                let n = heading_level(level);
                if n == 1 && self.mode == Mode::Numbered {
                    let s = format!("\n<h2{H_NUM} ");
                    self.out.push_str(&s);
                } else {
                    let s = format!("\n<h{}>", (n + 1).min(6));
                    self.out.push_str(&s);
                }
                self.stack.push(Frame::Other);
            }
            Tag::BlockQuote(_) => {
                self.out.push_str("\n<blockquote>");
                self.stack.push(Frame::Other);
            }
            Tag::CodeBlock(_) => {
                self.out.push_str("\n<pre><code>");
                self.stack.push(Frame::Other);
            }
            Tag::List(start) => {
                let s = match start {
                    Some(1) => "\n<ol>".to_string(),
                    Some(n) => format!("\n<ol start=\"{n}\">"),
                    None => "\n<ul>".to_string(),
                };
                self.out.push_str(&s);
                self.stack.push(Frame::Other);
            }
            Tag::Item => {
                self.out.push_str("<li>");
                self.stack.push(Frame::Item);
            }
            Tag::FootnoteDefinition(label) => {
                let saved = std::mem::take(&mut self.out);
                self.fn_target = Some((label.to_string(), saved));
                self.stack.push(Frame::Footnote);
            }
            Tag::Table(aligns) => {
                self.tables += 1;
                self.aligns = aligns;
                let s = format!(
                    "\n<div class=\"table-wrap\" role=\"region\" aria-label=\"Table {n}\" tabindex=\"0\"><table>",
                    n = self.tables
                );
                self.out.push_str(&s);
                self.stack.push(Frame::Other);
            }
            Tag::TableHead => {
                self.in_head = true;
                self.col = 0;
                self.out.push_str("<thead><tr>");
                self.stack.push(Frame::Other);
            }
            Tag::TableRow => {
                self.col = 0;
                self.out.push_str("<tr>");
                self.stack.push(Frame::Other);
            }
            Tag::TableCell => {
                let align = match self.aligns.get(self.col) {
                    Some(Alignment::Right) => " class=\"r\"",
                    Some(Alignment::Center) => " class=\"c\"",
                    _ => "",
                };
                let s = if self.in_head {
                    format!("<th scope=\"col\"{align}>")
                } else {
                    format!("<td{align}>")
                };
                self.out.push_str(&s);
                self.stack.push(Frame::Other);
            }
            Tag::Emphasis => {
                self.out.push_str("<em>");
                self.stack.push(Frame::Other);
            }
            Tag::Strong => {
                self.out.push_str("<strong>");
                self.stack.push(Frame::Other);
            }
            Tag::Strikethrough => {
                self.out.push_str("<s>");
                self.stack.push(Frame::Other);
            }
            Tag::Link {
                dest_url,
                link_type,
                ..
            } => {
                let addr = super::markdown::link_address(link_type, &dest_url);
                let live = check_url(&addr).is_none();
                if live {
                    let s = format!("<a href=\"{}\">", escape(addr.trim()));
                    self.out.push_str(&s);
                }
                self.stack.push(Frame::Link { live });
            }
            Tag::Image { dest_url, .. } => {
                // Images are not fetched: show the alt text and the address.
                let s = format!("<em>{}", escape(&format!("[image: {dest_url}] ")));
                self.out.push_str(&s);
                self.stack.push(Frame::Other);
            }
            _ => self.stack.push(Frame::Other),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        let frame = self.stack.pop();
        match tag {
            TagEnd::Paragraph => self.out.push_str("</p>\n"),
            TagEnd::Heading(level) => {
                let n = heading_level(level);
                let s = if n == 1 && self.mode == Mode::Numbered {
                    "</h2>\n".to_string()
                } else {
                    format!("</h{}>\n", (n + 1).min(6))
                };
                self.out.push_str(&s);
            }
            TagEnd::BlockQuote(_) => self.out.push_str("</blockquote>\n"),
            TagEnd::CodeBlock => self.out.push_str("</code></pre>\n"),
            TagEnd::List(ordered) => self
                .out
                .push_str(if ordered { "</ol>\n" } else { "</ul>\n" }),
            TagEnd::Item => self.out.push_str("</li>\n"),
            TagEnd::FootnoteDefinition => {
                if let Some((label, saved)) = self.fn_target.take() {
                    let body = std::mem::replace(&mut self.out, saved);
                    // A note's single paragraph is shown inline in its list item.
                    let body = body
                        .trim()
                        .strip_prefix("<p>")
                        .and_then(|s| s.strip_suffix("</p>"))
                        .filter(|s| !s.contains("<p>"))
                        .map(str::to_string)
                        .unwrap_or(body);
                    self.footnotes.insert(label, body);
                }
            }
            TagEnd::Table => self.out.push_str("</tbody></table></div>\n"),
            TagEnd::TableHead => {
                self.in_head = false;
                self.out.push_str("</tr></thead><tbody>");
            }
            TagEnd::TableRow => self.out.push_str("</tr>\n"),
            TagEnd::TableCell => {
                self.col += 1;
                self.out
                    .push_str(if self.in_head { "</th>" } else { "</td>" });
            }
            TagEnd::Emphasis | TagEnd::Image => self.out.push_str("</em>"),
            TagEnd::Strong => self.out.push_str("</strong>"),
            TagEnd::Strikethrough => self.out.push_str("</s>"),
            TagEnd::Link => {
                if matches!(frame, Some(Frame::Link { live: true })) {
                    self.out.push_str("</a>");
                }
            }
            _ => {}
        }
        let _ = frame;
    }
}

fn heading_level(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_html_is_text() {
        let out = to_html(
            "Hi <script>alert(1)</script> <b onclick=\"x\">b</b> &amp; </style> <!-- c --> [x](javascript:alert(1))\n\n<div>block</div>\n",
            Mode::Plain,
            0,
            "a-",
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
                let out = number(&to_html(&src, mode, 1, "t-")).html;
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
        let a = to_html("# One\n\nfirst\n\nsecond\n", Mode::Numbered, 0, "a-");
        let b = to_html(
            "# Two\n\nthird\n\n- not numbered\n",
            Mode::Numbered,
            0,
            "b-",
        );
        let n = number(&(a + &b));
        let out = n.html;
        assert_eq!(n.sections, 2);
        assert_eq!(n.toc[1], ("sec-2".to_string(), "2. Two".to_string()));
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
        let md = to_html(
            "# One\n\nfirst\n\n# Two\n\nsecond\n",
            Mode::Numbered,
            0,
            "a-",
        );
        let n = number_as(&md, Numbering::Paragraphs);
        assert_eq!(n.toc[1], ("sec-2".to_string(), "Two".to_string()));
        assert!(n.html.contains("<h2 id=\"sec-1\"> One</h2>"), "{}", n.html);
        assert!(
            n.html.contains("<span class=\"pn\">2.</span> second"),
            "{}",
            n.html
        );
        let n = number_as(&md, Numbering::None);
        assert!(n.html.contains("<p>first</p>"), "{}", n.html);
        assert!(n.html.contains("<p>second</p>"), "{}", n.html);
        assert!(
            !n.html.contains("pn") && !n.html.contains('\u{0}'),
            "{}",
            n.html
        );
    }

    #[test]
    fn markers_line_breaks_and_inline() {
        let out = to_html("a<!--quire:br-->b", Mode::Inline, 0, "a-");
        assert_eq!(out, "a<br>b");
        let out = to_html("x\n\n<!--quire:block:0-->\n\ny", Mode::Plain, 1, "a-");
        assert!(out.contains("<!--quire:block:0-->"), "{out}");
        let out = to_html("<!--quire:block:3-->", Mode::Plain, 1, "a-");
        assert!(!out.contains("quire"), "{out}");
    }

    #[test]
    fn footnotes_are_numbered_links() {
        let out = to_html("Text[^a].\n\n[^a]: The note.\n", Mode::Plain, 0, "p1-");
        assert!(out.contains("href=\"#p1-fn1\""), "{out}");
        assert!(out.contains("<li id=\"p1-fn1\">The note."), "{out}");
    }
}
