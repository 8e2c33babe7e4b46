//! Reads the document's HTML edition into the Word edition's blocks.
//!
//! The HTML page is quire's own output: its layouts (`layouts/html/`) and the
//! Markdown converter write a small vocabulary (headings, paragraphs, lists,
//! tables with `th`, a `dl` cover, links whose addresses were checked), with
//! every author text escaped. This reader maps that vocabulary onto
//! [`Block`]s; it is tolerant (an unknown element is read as a container of
//! text, a stray closing tag is ignored) because a project may override an
//! HTML layout, and it never fails. What the page does not show in print is
//! left out: `head`, scripts and styles, navigation (the contents list: Word's
//! navigation pane and heading styles replace it), the skip link and the
//! masthead (its words go to the Word page header, see [`Read::running`]).

use super::blocks::{Align, Block, Cell, Para, ParaKind, Run, Table};

/// What was read from a page.
#[derive(Debug, Default)]
pub struct Read {
    pub blocks: Vec<Block>,
    /// The masthead's words (the organisation, the running line), for the page header.
    pub running: Vec<String>,
}

/// Reads an HTML page (or fragment).
pub fn read(html: &str) -> Read {
    let mut r = Reader {
        toks: tokens(html),
        i: 0,
        lists: 0,
        running: Vec::new(),
    };
    let blocks = r.flow(None, &Ctx::default());
    Read {
        blocks,
        running: r.running,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open {
        name: String,
        attrs: Vec<(String, String)>,
    },
    Close(String),
    Text(String),
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn has_class(attrs: &[(String, String)], class: &str) -> bool {
    attr(attrs, "class").is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
}

/// Elements with no content (never closed).
const VOID: &[&str] = &[
    "br", "img", "meta", "hr", "link", "input", "col", "wbr", "source", "area", "base",
];

/// Splits HTML into tags and text (entities decoded). Comments and
/// declarations are dropped; `script` and `style` content is skipped whole.
fn tokens(html: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    let mut text_from = 0;
    let push_text = |out: &mut Vec<Tok>, t: &str| {
        if !t.is_empty() {
            out.push(Tok::Text(decode(t)));
        }
    };
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            push_text(&mut out, &html[text_from..i]);
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            text_from = i;
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            push_text(&mut out, &html[text_from..i]);
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
            text_from = i;
            continue;
        }
        let closing = rest.starts_with("</");
        let name_at = if closing { 2 } else { 1 };
        let name_len = rest[name_at..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            // A `<` that opens no tag is text (escaped output never has one).
            i += 1;
            continue;
        }
        push_text(&mut out, &html[text_from..i]);
        let name = rest[name_at..name_at + name_len].to_ascii_lowercase();
        let (attrs, len) = tag_attrs(&rest[name_at + name_len..]);
        i += name_at + name_len + len;
        text_from = i;
        if closing {
            out.push(Tok::Close(name));
            continue;
        }
        let void = VOID.contains(&name.as_str());
        if name == "script" || name == "style" {
            // Raw text: skipped to its closing tag.
            let end = format!("</{name}");
            let skip = html[i..].to_ascii_lowercase().find(&end);
            i += skip.map_or(html.len() - i, |e| e);
            text_from = i;
            continue;
        }
        out.push(Tok::Open {
            name: name.clone(),
            attrs,
        });
        if void {
            out.push(Tok::Close(name));
        }
    }
    push_text(&mut out, &html[text_from..]);
    out
}

/// Attributes of a tag from just after its name; returns them and the length
/// read up to and including `>`.
fn tag_attrs(s: &str) -> (Vec<(String, String)>, usize) {
    let b = s.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (attrs, i);
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let k0 = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = s[k0..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let v0 = i + 1;
                i = v0;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = decode(&s[v0..i.min(s.len())]);
                i += 1;
            } else {
                let v0 = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = decode(&s[v0..i]);
            }
        }
        if key.is_empty() {
            i += 1;
        } else {
            attrs.push((key, value));
        }
    }
}

/// Decodes the character references HTML escaping writes (and a few more);
/// an unknown one stays as written.
fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|e| e + 1).filter(|e| *e <= 10);
        let Some(end) = end else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a flow of blocks sits.
#[derive(Debug, Clone, Default)]
struct Ctx {
    kind: ParaKind,
    boxed: bool,
    /// In a list item: (ordered list instance or bullets, depth).
    list: Option<(Option<usize>, usize)>,
    pre: bool,
    small: bool,
}

/// One inline formatting an open element gives.
#[derive(Debug, Clone, Default)]
struct Fmt {
    bold: bool,
    italic: bool,
    strike: bool,
    mono: bool,
    sup: bool,
    small: bool,
    link: Option<String>,
    /// A printed number (`span.pn`, `span.hn`): read apart from the text.
    number: bool,
}

/// The paragraph being read.
#[derive(Debug, Default)]
struct Inline {
    runs: Vec<Run>,
    stack: Vec<(String, Fmt)>,
    number: Option<String>,
    brk: bool,
    small_para: bool,
    numbered: bool,
}

impl Inline {
    fn fmt(&self) -> Fmt {
        let mut f = Fmt::default();
        for (_, s) in &self.stack {
            f.bold |= s.bold;
            f.italic |= s.italic;
            f.strike |= s.strike;
            f.mono |= s.mono;
            f.sup |= s.sup;
            f.small |= s.small;
            f.number |= s.number;
            if s.link.is_some() {
                f.link = s.link.clone();
            }
        }
        f
    }

    fn text(&mut self, t: &str, pre: bool) {
        let f = self.fmt();
        if f.number {
            self.number
                .get_or_insert_with(String::new)
                .push_str(t.trim());
            return;
        }
        if pre {
            for (i, line) in t.split('\n').enumerate() {
                if i > 0 {
                    self.brk = true;
                }
                if !line.is_empty() {
                    self.push(line.to_string(), &f);
                }
            }
            return;
        }
        let mut s = String::with_capacity(t.len());
        let mut space = false;
        for c in t.chars() {
            if c.is_ascii_whitespace() {
                space = true;
            } else {
                if space {
                    s.push(' ');
                    space = false;
                }
                s.push(c);
            }
        }
        if space {
            s.push(' ');
        }
        // No space at the start of a paragraph or of a line.
        let last_space = self
            .runs
            .last()
            .is_none_or(|r| r.text.ends_with(' ') || (r.text.is_empty() && r.brk));
        if (last_space || self.brk) && s.starts_with(' ') {
            s.remove(0);
        }
        if !s.is_empty() {
            self.push(s, &f);
        }
    }

    fn push(&mut self, text: String, f: &Fmt) {
        let brk = std::mem::take(&mut self.brk);
        if let Some(last) = self.runs.last_mut()
            && !brk
            && last.bold == f.bold
            && last.italic == f.italic
            && last.strike == f.strike
            && last.mono == f.mono
            && last.sup == f.sup
            && last.small == f.small
            && last.link == f.link
        {
            last.text.push_str(&text);
            return;
        }
        self.runs.push(Run {
            text,
            bold: f.bold,
            italic: f.italic,
            strike: f.strike,
            mono: f.mono,
            sup: f.sup,
            small: f.small,
            brk,
            link: f.link.clone(),
        });
    }

    fn line_break(&mut self) {
        if let Some(r) = self.runs.last_mut()
            && r.text.ends_with(' ')
        {
            r.text.pop();
        }
        if self.brk {
            // Two breaks in a row: keep the first as an empty run.
            let f = self.fmt();
            self.push(String::new(), &f);
        }
        self.brk = !self.runs.is_empty();
    }

    fn is_empty(&self) -> bool {
        self.runs.iter().all(|r| r.text.is_empty()) && self.number.is_none()
    }
}

struct Reader {
    toks: Vec<Tok>,
    i: usize,
    /// Ordered lists met so far (each restarts its numbering in Word).
    lists: usize,
    running: Vec<String>,
}

/// Elements that are containers of blocks.
const FLOW: &[&str] = &[
    "div",
    "section",
    "main",
    "article",
    "aside",
    "figure",
    "figcaption",
    "body",
    "html",
    "footer",
    "blockquote",
    "pre",
    "form",
    "fieldset",
    "details",
    "summary",
    "center",
];

impl Reader {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }

    /// Skips to the end of the element just opened.
    fn skip(&mut self, name: &str) {
        let mut depth = 1;
        while let Some(t) = self.next() {
            match t {
                Tok::Open { name: n, .. } if n == name => depth += 1,
                Tok::Close(n) if n == name => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn flush(&self, inl: &mut Inline, ctx: &Ctx, first_in_item: &mut bool, out: &mut Vec<Block>) {
        let mut done = std::mem::take(inl);
        if let Some(r) = done.runs.last_mut() {
            while r.text.ends_with(' ') {
                r.text.pop();
            }
        }
        if done.is_empty() {
            return;
        }
        let kind = if ctx.kind == ParaKind::Body && (done.small_para || ctx.small) {
            ParaKind::Small
        } else {
            ctx.kind
        };
        out.push(Block::Para(Para {
            kind,
            number: if done.numbered { done.number } else { None },
            list: ctx.list.map(|(l, d)| {
                let first = std::mem::take(first_in_item);
                (l, d, first)
            }),
            boxed: ctx.boxed,
            runs: done.runs,
        }));
    }

    /// Reads blocks up to the closing tag `end` (or the end of the page).
    fn flow(&mut self, end: Option<&str>, ctx: &Ctx) -> Vec<Block> {
        let mut out = Vec::new();
        let mut inl = Inline::default();
        let mut first = ctx.list.is_some();
        while let Some(t) = self.next() {
            match t {
                Tok::Text(t) => inl.text(&t, ctx.pre),
                Tok::Close(n) => {
                    if Some(n.as_str()) == end {
                        break;
                    }
                    if n == "p" {
                        self.flush(&mut inl, ctx, &mut first, &mut out);
                    } else if let Some(at) = inl.stack.iter().rposition(|(s, _)| *s == n) {
                        inl.stack.truncate(at);
                    }
                }
                Tok::Open { name, attrs } => {
                    let n = name.as_str();
                    match n {
                        "br" => {
                            self.next();
                            inl.line_break();
                        }
                        "img" => {
                            self.next();
                            let alt = attr(&attrs, "alt").unwrap_or("").trim().to_string();
                            if !alt.is_empty() {
                                let mut f = inl.fmt();
                                f.italic = true;
                                inl.push(format!("[image: {alt}]"), &f);
                            }
                        }
                        "hr" => {
                            self.next();
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                        }
                        "head" | "title" | "nav" | "template" | "noscript" | "svg" | "button"
                        | "select" | "textarea" | "object" | "iframe" => self.skip(n),
                        "a" if has_class(&attrs, "skip") => self.skip(n),
                        "header" => {
                            if has_class(&attrs, "masthead") {
                                let mut depth_end = self.flow(Some("header"), &Ctx::default());
                                self.running.extend(
                                    depth_end
                                        .drain(..)
                                        .map(|b| b.text())
                                        .filter(|t| !t.is_empty()),
                                );
                            } else {
                                self.flush(&mut inl, ctx, &mut first, &mut out);
                                let inner = self.flow(Some("header"), ctx);
                                out.extend(inner);
                            }
                        }
                        "p" => {
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                            inl.small_para = has_class(&attrs, "small")
                                || has_class(&attrs, "note")
                                || has_class(&attrs, "running");
                            inl.numbered = has_class(&attrs, "num");
                        }
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                            let level = n.as_bytes()[1] - b'1';
                            let mut h = Inline::default();
                            self.inline_until(n, &mut h, ctx.pre);
                            let mut runs = h.runs;
                            if let Some(r) = runs.last_mut() {
                                while r.text.ends_with(' ') {
                                    r.text.pop();
                                }
                            }
                            out.push(Block::Heading {
                                level: level.min(3),
                                number: h.number,
                                runs,
                            });
                        }
                        "ul" | "ol" | "menu" => {
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                            let ordered = (n == "ol").then(|| {
                                self.lists += 1;
                                self.lists
                            });
                            let depth = ctx.list.map_or(0, |(_, d)| d + 1);
                            let inner = Ctx {
                                list: Some((ordered, depth)),
                                ..ctx.clone()
                            };
                            out.extend(self.list(n, &inner));
                        }
                        "li" => {
                            // An item outside a list: read as a paragraph.
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                        }
                        "table" => {
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                            out.push(Block::Table(self.table()));
                        }
                        "dl" => {
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                            out.push(Block::Table(self.dl()));
                        }
                        n if FLOW.contains(&n) => {
                            self.flush(&mut inl, ctx, &mut first, &mut out);
                            let mut inner = ctx.clone();
                            match n {
                                "blockquote" => inner.kind = ParaKind::Quote,
                                "pre" => {
                                    inner.kind = ParaKind::Code;
                                    inner.pre = true;
                                }
                                "footer" => inner.small = true,
                                _ => {}
                            }
                            if has_class(&attrs, "appendix") {
                                out.push(Block::PageBreak);
                            }
                            if has_class(&attrs, "box") {
                                inner.boxed = true;
                            }
                            if has_class(&attrs, "small") || has_class(&attrs, "key") {
                                inner.small = true;
                            }
                            let blocks = self.flow(Some(n), &inner);
                            out.extend(blocks);
                        }
                        _ => inl.stack.push((name.clone(), inline_fmt(n, &attrs))),
                    }
                }
            }
        }
        self.flush(&mut inl, ctx, &mut first, &mut out);
        out
    }

    /// Reads inline content up to `</end>` into `inl` (a heading, a caption).
    fn inline_until(&mut self, end: &str, inl: &mut Inline, pre: bool) {
        while let Some(t) = self.next() {
            match t {
                Tok::Text(t) => inl.text(&t, pre),
                Tok::Close(n) if n == end => return,
                Tok::Close(n) => {
                    if let Some(at) = inl.stack.iter().rposition(|(s, _)| *s == n) {
                        inl.stack.truncate(at);
                    }
                }
                Tok::Open { name, attrs } => match name.as_str() {
                    "br" => {
                        self.next();
                        inl.line_break();
                    }
                    n if VOID.contains(&n) => {
                        self.next();
                    }
                    _ => inl.stack.push((name.clone(), inline_fmt(&name, &attrs))),
                },
            }
        }
    }

    /// Reads a list's items (`ctx.list` is this list).
    fn list(&mut self, end: &str, ctx: &Ctx) -> Vec<Block> {
        let mut out = Vec::new();
        while let Some(t) = self.next() {
            match t {
                Tok::Close(n) if n == end => break,
                Tok::Open { name, .. } if name == "li" => {
                    let blocks = self.flow(Some("li"), ctx);
                    out.extend(blocks);
                }
                Tok::Open { name, .. } if VOID.contains(&name.as_str()) => {
                    self.next();
                }
                Tok::Open { name, .. } => {
                    // Anything else directly in a list is read as an item.
                    let blocks = self.flow(Some(&name), ctx);
                    out.extend(blocks);
                }
                Tok::Text(_) | Tok::Close(_) => {}
            }
        }
        out
    }

    /// Reads a table (the `table` tag just read) up to `</table>`.
    fn table(&mut self) -> Table {
        let mut t = Table::default();
        let mut head = false;
        let mut body_seen = false;
        let cell_ctx = Ctx::default();
        while let Some(tok) = self.next() {
            match tok {
                Tok::Close(n) if n == "table" => break,
                Tok::Close(n) if n == "thead" => head = false,
                Tok::Open { name, .. } => match name.as_str() {
                    "caption" => {
                        let mut c = Inline::default();
                        self.inline_until("caption", &mut c, false);
                        let text = super::blocks::runs_text(&c.runs).trim().to_string();
                        if !text.is_empty() {
                            t.caption = Some(text);
                        }
                    }
                    "thead" => head = true,
                    "tbody" | "tfoot" => body_seen = true,
                    "tr" => {
                        let row = self.row(&cell_ctx);
                        if head && !body_seen && t.rows.len() == t.header_rows {
                            t.header_rows += 1;
                        }
                        if !row.is_empty() {
                            t.rows.push(row);
                        } else if head && t.header_rows > 0 {
                            t.header_rows -= 1;
                        }
                    }
                    "colgroup" => self.skip("colgroup"),
                    n if VOID.contains(&n) => {
                        self.next();
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        t
    }

    fn row(&mut self, ctx: &Ctx) -> Vec<Cell> {
        let mut row = Vec::new();
        while let Some(tok) = self.next() {
            match tok {
                Tok::Close(n) if n == "tr" || n == "table" => {
                    if n == "table" {
                        self.i -= 1;
                    }
                    break;
                }
                Tok::Open { name, attrs } if name == "th" || name == "td" => {
                    let blocks = self.flow(Some(&name), ctx);
                    row.push(Cell {
                        header: name == "th",
                        span: attr(&attrs, "colspan")
                            .and_then(|s| s.trim().parse().ok())
                            .filter(|s: &usize| (1..=64).contains(s))
                            .unwrap_or(1),
                        fill: attr(&attrs, "style").and_then(fill),
                        align: if has_class(&attrs, "c") {
                            Align::Center
                        } else if has_class(&attrs, "r") || has_class(&attrs, "num") {
                            Align::Right
                        } else {
                            Align::Left
                        },
                        blocks,
                    });
                }
                _ => {}
            }
        }
        row
    }

    /// A description list (the cover's labels and values) as a two-column
    /// table whose first column holds the labels as header cells.
    fn dl(&mut self) -> Table {
        let mut t = Table {
            labels: true,
            ..Table::default()
        };
        let ctx = Ctx::default();
        while let Some(tok) = self.next() {
            match tok {
                Tok::Close(n) if n == "dl" => break,
                Tok::Open { name, .. } if name == "dt" => {
                    let blocks = self.flow(Some("dt"), &ctx);
                    t.rows.push(vec![Cell {
                        header: true,
                        span: 1,
                        blocks,
                        ..Cell::default()
                    }]);
                }
                Tok::Open { name, .. } if name == "dd" => {
                    let blocks = self.flow(Some("dd"), &ctx);
                    match t.rows.last_mut() {
                        Some(r) if r.len() == 1 => r.push(Cell {
                            span: 1,
                            blocks,
                            ..Cell::default()
                        }),
                        _ => t.rows.push(vec![
                            Cell {
                                header: true,
                                span: 1,
                                ..Cell::default()
                            },
                            Cell {
                                span: 1,
                                blocks,
                                ..Cell::default()
                            },
                        ]),
                    }
                }
                _ => {}
            }
        }
        for r in &mut t.rows {
            if r.len() == 1 {
                r.push(Cell {
                    span: 1,
                    ..Cell::default()
                });
            }
        }
        t
    }
}

/// The formatting an inline element gives.
fn inline_fmt(name: &str, attrs: &[(String, String)]) -> Fmt {
    let mut f = Fmt::default();
    match name {
        "strong" | "b" | "th" => f.bold = true,
        "em" | "i" | "cite" | "dfn" | "var" => f.italic = true,
        "s" | "del" | "strike" => f.strike = true,
        "code" | "kbd" | "samp" | "tt" => f.mono = true,
        "sup" => f.sup = true,
        "small" => f.small = true,
        "a" => {
            f.link = attr(attrs, "href")
                .map(str::trim)
                .filter(|h| allowed_link(h))
                .map(str::to_string)
        }
        "span" => f.number = has_class(attrs, "pn") || has_class(attrs, "hn"),
        _ => {}
    }
    f
}

/// The link addresses an edition may carry: the ones Markdown links may have
/// (`https`, `http`, `mailto`, `tel`). Page-internal links (`#…`) become text.
pub fn allowed_link(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    ["https://", "http://", "mailto:", "tel:"]
        .iter()
        .any(|p| lower.starts_with(p))
        && !href.chars().any(|c| c.is_control() || c == ' ')
}

/// A cell's background from the layouts' `fill` style
/// (`background-color:#rrggbb;color:#ffffff`): the colour and whether the ink is white.
fn fill(style: &str) -> Option<(String, bool)> {
    let mut bg = None;
    let mut white = false;
    for decl in style.split(';') {
        let Some((k, v)) = decl.split_once(':') else {
            continue;
        };
        let v = v.trim().trim_start_matches('#');
        let hex = v.len() == 6 && v.chars().all(|c| c.is_ascii_hexdigit());
        match k.trim() {
            "background-color" | "background" if hex => bg = Some(v.to_ascii_uppercase()),
            "color" if hex => white = v.eq_ignore_ascii_case("ffffff"),
            _ => {}
        }
    }
    bg.map(|b| (b, white))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(b: &Block) -> &Para {
        match b {
            Block::Para(p) => p,
            other => panic!("not a paragraph: {other:?}"),
        }
    }

    #[test]
    fn numbered_paragraphs_keep_their_number_apart_from_the_text() {
        let r = read(
            "<h2 id=\"sec-1\"><span class=\"hn\">1.</span> Intro</h2>\n<p class=\"num\"><span class=\"pn\">1.1</span> <span>First &amp; <strong>bold</strong></span></p>",
        );
        assert_eq!(
            r.blocks[0],
            Block::Heading {
                level: 1,
                number: Some("1.".into()),
                runs: vec![Run {
                    text: "Intro".into(),
                    ..Run::default()
                }]
            }
        );
        let p = para(&r.blocks[1]);
        assert_eq!(p.number.as_deref(), Some("1.1"));
        assert_eq!(super::super::blocks::runs_text(&p.runs), "First & bold");
        assert!(p.runs[1].bold && !p.runs[0].bold);
    }

    #[test]
    fn head_nav_scripts_and_masthead_are_not_body_text() {
        let r = read(
            "<!DOCTYPE html><html><head><title>T</title><style>p{x:1}</style></head><body><a class=\"skip\" href=\"#main\">Skip</a><header class=\"masthead\"><p class=\"org\">Kent County Council</p><p class=\"running\">Cabinet – 1 May 2024</p></header><nav><ol><li>Contents</li></ol></nav><main><h1>Title</h1><p>Body</p></main><script>alert(1)</script></body></html>",
        );
        let texts: Vec<String> = r.blocks.iter().map(Block::text).collect();
        assert_eq!(texts, ["Title", "Body"]);
        assert_eq!(r.running, ["Kent County Council", "Cabinet – 1 May 2024"]);
    }

    #[test]
    fn tables_keep_header_rows_header_cells_spans_and_fills() {
        let r = read(
            "<table><caption>Risks</caption><thead><tr><th scope=\"col\">Id</th><th scope=\"col\" class=\"num\">Score</th></tr></thead><tbody><tr><th scope=\"row\">R1</th><td class=\"c rating\" style=\"background-color:#1d4f91;color:#ffffff\">High<br>16</td></tr><tr><th colspan=\"2\">Group</th></tr></tbody></table>",
        );
        let Block::Table(t) = &r.blocks[0] else {
            panic!("{:?}", r.blocks)
        };
        assert_eq!(t.caption.as_deref(), Some("Risks"));
        assert_eq!(t.header_rows, 1);
        assert_eq!(t.rows.len(), 3);
        assert!(t.rows[1][0].header);
        assert_eq!(t.rows[1][1].fill, Some(("1D4F91".into(), true)));
        assert_eq!(t.rows[1][1].align, Align::Center);
        assert_eq!(t.rows[0][1].align, Align::Right);
        assert_eq!(t.rows[2][0].span, 2);
        let p = para(&t.rows[1][1].blocks[0]);
        assert_eq!(p.runs.len(), 2);
        assert!(p.runs[1].brk);
        assert_eq!(super::super::blocks::runs_text(&p.runs), "High 16");
    }

    #[test]
    fn a_cover_list_is_a_table_of_labels() {
        let r = read(
            "<dl class=\"cover\"><dt>From:</dt><dd>A, B<br>C, D</dd><dt>To:</dt><dd>Cabinet</dd></dl>",
        );
        let Block::Table(t) = &r.blocks[0] else {
            panic!()
        };
        assert_eq!(t.rows.len(), 2);
        assert!(t.rows[0][0].header && !t.rows[0][1].header);
        assert_eq!(t.rows[1][0].blocks[0].text(), "To:");
    }

    #[test]
    fn lists_and_links() {
        let r = read(
            "<ol><li>One <a href=\"https://x.test/a?b=1&amp;c=2\">site</a></li><li>Two<ul><li>inner <a href=\"javascript:alert(1)\">bad</a></li></ul></li></ol>",
        );
        let ps: Vec<&Para> = r.blocks.iter().map(para).collect();
        assert_eq!(ps.len(), 3);
        assert_eq!(ps[0].list, Some((Some(1), 0, true)));
        assert_eq!(
            ps[0].runs[1].link.as_deref(),
            Some("https://x.test/a?b=1&c=2")
        );
        assert_eq!(ps[2].list, Some((None, 1, true)));
        assert_eq!(ps[2].runs[0].link, None);
        assert_eq!(ps[2].runs[0].text, "inner bad");
    }

    #[test]
    fn stray_tags_and_text_never_fail() {
        for s in [
            "</p></div><p>",
            "<",
            "<<>>",
            "&#xZZ; &#99999999; &",
            "<table><tr><td>x",
            "<ul><li>a",
        ] {
            let _ = read(s);
        }
        assert_eq!(read("a &lt; b &#x41;&#66;").blocks[0].text(), "a < b AB");
    }
}
