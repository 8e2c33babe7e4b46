//! YAML → a spanned tree ([`Node`]), before any meaning is attached.
//!
//! Stage: load. serde-saphyr parses the text (duplicate keys are errors, alias
//! expansion is bounded against "billion laughs" inputs) into a generic tree in
//! which every value and key carries its byte span. Validation then walks this tree
//! and collects every problem, instead of stopping at the first like a derived
//! `Deserialize` would. No I/O here: the caller hands in text already in the
//! [`SourceMap`](crate::source::SourceMap).

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use std::fmt;

/// A YAML value with the span it came from.
#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// For numbers and yes/no values: the text as written (`1E1` stays `1E1`
    /// when read as text, not `10`).
    pub raw: Option<String>,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key and where it is written.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    /// The value under `key` when this node is a mapping that holds it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(e) => e.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What the value is, in words, for "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "nothing",
            NodeKind::Bool(_) => "a yes/no value",
            NodeKind::Int(_) => "a whole number",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "text",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// The value as plain JSON (for templates), without spans.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            NodeKind::Null => J::Null,
            NodeKind::Bool(b) => J::Bool(*b),
            NodeKind::Int(i) => J::from(*i),
            NodeKind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            NodeKind::Str(s) => J::String(s.clone()),
            NodeKind::Seq(v) => J::Array(v.iter().map(Node::to_json).collect()),
            NodeKind::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.name.replace('-', "_"), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Parses `file`'s text into a tree, or a diagnostic pointing at the syntax error.
pub fn parse(sources: &SourceMap, file: FileId) -> Result<Node, Diagnostic> {
    parse_inner(sources, file).map_err(|(d, _)| d)
}

/// How to re-indent one key for the parse to go on: the key's line starts at
/// byte `line_start`, its key is indented by `at` spaces and is re-read as if
/// indented by `to` (the nearest mapping above).
#[derive(Clone, Copy, Debug)]
struct Repair {
    line_start: usize,
    at: usize,
    to: usize,
}

impl Repair {
    /// A byte offset in the repaired text, as an offset in the text before it.
    fn back(&self, pos: usize) -> usize {
        if pos >= self.line_start + self.to {
            pos + self.at - self.to
        } else if pos > self.line_start {
            self.line_start + (pos - self.line_start).min(self.at)
        } else {
            pos
        }
    }
}

/// At most this many mis-indented keys are re-read in one file.
const MAX_REPAIRS: usize = 8;

/// Like [`parse`], but every problem at once where it can: when the YAML is
/// broken only by a key indented to line up with no mapping above it, that is
/// reported and the file is read on as if the key lined up with the nearest
/// mapping above, so the rest of the file is still checked in the same run
/// (the diagnostic says so). Returns the tree when one could be read, and
/// every syntax problem found, with spans in the file as written.
pub fn parse_all(sources: &SourceMap, file: FileId) -> (Option<Node>, Vec<Diagnostic>) {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut repairs: Vec<Repair> = Vec::new();
    let mut repaired: Option<SourceMap> = None;
    loop {
        let (src, f) = match &repaired {
            Some(r) => (r, 0),
            None => (sources, file),
        };
        match parse_inner(src, f) {
            Ok(mut node) => {
                remap_node(&mut node, file, &repairs);
                // Every error so far was a repaired indentation, and the file
                // was read on past each.
                for d in &mut diags {
                    d.notes.push(
                        "the rest of this file was checked as if it were indented like the nearest key above"
                            .to_string(),
                    );
                }
                return (Some(node), diags);
            }
            Err((mut d, repair)) => {
                remap_diag(&mut d, file, &repairs);
                let go_on = repair.filter(|_| repairs.len() < MAX_REPAIRS);
                let Some(r) = go_on else {
                    // Nothing is checked past an unrepairable error.
                    diags.push(d);
                    return (None, diags);
                };
                diags.push(d);
                let mut text = src.text(f).to_string();
                text.replace_range(r.line_start..r.line_start + r.at, &" ".repeat(r.to));
                let mut m = SourceMap::new();
                m.add(sources.name(file).to_string(), text);
                repaired = Some(m);
                repairs.push(r);
            }
        }
    }
}

fn back(pos: usize, repairs: &[Repair]) -> usize {
    repairs.iter().rev().fold(pos, |p, r| r.back(p))
}

fn remap_span(span: &mut Span, file: FileId, repairs: &[Repair]) {
    span.file = file;
    span.range = back(span.range.start, repairs)..back(span.range.end, repairs);
}

fn remap_node(node: &mut Node, file: FileId, repairs: &[Repair]) {
    if repairs.is_empty() {
        return;
    }
    remap_span(&mut node.span, file, repairs);
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| remap_node(n, file, repairs)),
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                remap_span(&mut k.span, file, repairs);
                remap_node(v, file, repairs);
            }
        }
        _ => {}
    }
}

fn remap_diag(d: &mut Diagnostic, file: FileId, repairs: &[Repair]) {
    if repairs.is_empty() {
        return;
    }
    for l in d.primary.iter_mut().chain(d.secondary.iter_mut()) {
        remap_span(&mut l.span, file, repairs);
    }
}

fn parse_inner(sources: &SourceMap, file: FileId) -> Result<Node, (Diagnostic, Option<Repair>)> {
    let text = sources.text(file);
    if text.trim().is_empty() {
        return Ok(Node {
            kind: NodeKind::Map(Vec::new()),
            span: Span::new(file, 0..0),
            raw: None,
        });
    }
    let mut limits = serde_saphyr::options::AliasLimits::default();
    limits.max_total_replayed_events = 100_000;
    limits.max_replay_stack_depth = 16;
    limits.max_alias_expansions_per_anchor = 1_000;
    let options = serde_saphyr::options! { with_snippet: false, alias_limits: limits };
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(text, options) {
        Ok(raw) => Ok(convert(sources, file, raw)),
        Err(e) => {
            let span = e
                .location()
                .map(|l| span_of(sources, file, &l))
                .unwrap_or_else(|| Span::new(file, 0..0));
            let message = clean_message(&e.to_string());
            let (code, help) = if message.contains("duplicate mapping key") {
                (
                    Code::DuplicateKey,
                    "each key may appear once in a mapping: remove or rename one of them",
                )
            } else {
                (
                    Code::YamlSyntax,
                    "check indentation, and quote text that contains ': ' or starts with a special character",
                )
            };
            let label = if code == Code::DuplicateKey {
                "repeated here"
            } else {
                "here"
            };
            if code == Code::YamlSyntax {
                let (line, _) = sources.line_col(file, span.range.start);
                if message.contains("found a tab")
                    && let Some(d) = tab_indented(sources, file, line, &message)
                {
                    return Err((d, None));
                }
                if let Some((d, r)) = misindented(sources, file, line, &message) {
                    return Err((d, r));
                }
            }
            Err((
                Diagnostic::error(code, message).at(&span, label).help(help),
                None,
            ))
        }
    }
}

/// A line's key (`name:` or `- name:`): (its byte offset in the line, the key).
fn line_key(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    if body.starts_with('#') {
        return None;
    }
    let mut at = line.len() - body.len();
    let mut body = body;
    while let Some(rest) = body.strip_prefix("- ") {
        let rest_trim = rest.trim_start();
        at += body.len() - rest_trim.len();
        body = rest_trim;
    }
    let end = body.find(':')?;
    let key = &body[..end];
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (plain
        && body[end + 1..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace))
    .then_some((at, key))
}

/// The reader's "found a tab" is reported where the scalar or token it was
/// reading starts, often the line above: points instead at the first line
/// indented with a tab, from the line reported on.
fn tab_indented(
    sources: &SourceMap,
    file: FileId,
    line: usize,
    parser: &str,
) -> Option<Diagnostic> {
    let text = sources.text(file);
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        let indent = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
        if i + 1 >= line
            && let Some(t) = indent.find('\t')
        {
            let at = start + t;
            return Some(
                Diagnostic::error(
                    Code::YamlSyntax,
                    "a tab indents this line, and YAML indents with spaces only",
                )
                .at(&Span::new(file, at..at + 1), "a tab indents this line")
                .note(format!("the YAML reader said: {parser}"))
                .help("indent with spaces: YAML does not allow tabs for indentation"),
            );
        }
        start += l.len() + 1;
    }
    None
}

/// A YAML syntax error at a key whose indentation matches none of the mappings
/// open above it: says which key, how it is indented, and how the keys around
/// it are (showing those lines), instead of the parser's "did not find expected key".
fn misindented(
    sources: &SourceMap,
    file: FileId,
    line: usize,
    parser: &str,
) -> Option<(Diagnostic, Option<Repair>)> {
    let text = sources.text(file);
    let lines: Vec<&str> = text.split('\n').collect();
    // The parser may point at the key's line or at its value on that line.
    let idx = line.checked_sub(1)?;
    let (at, key) = line_key(lines.get(idx)?)?;
    // A list item's key (`- name:`) opens a mapping where it stands: it lines
    // up with itself, so the fault is elsewhere.
    if lines[idx][..at].contains('-') {
        return None;
    }
    let line_start = |i: usize| -> usize { lines[..i].iter().map(|l| l.len() + 1).sum() };
    // The mappings open above: from the nearest key line up, each key less indented.
    let mut open: Vec<(usize, usize, &str)> = Vec::new();
    for i in (0..idx).rev() {
        if let Some((a, k)) = line_key(lines[i])
            && open.last().is_none_or(|(_, la, _)| a < *la)
        {
            open.push((i, a, k));
        }
    }
    if open.iter().any(|(_, a, _)| *a == at) || open.is_empty() {
        return None;
    }
    let spaces = |n: usize| {
        if n == 1 {
            "1 space".to_string()
        } else {
            format!("{n} spaces")
        }
    };
    let start = line_start(idx) + at;
    // Every key above is more indented than this one: what is indented is
    // the file's first mapping (its keys start their lines), so that is named
    // and read as if it started its line.
    if let Some(&(ti, ta, tk)) = open.last()
        && ta > 0
        && at < ta
        && lines[ti][..ta].bytes().all(|b| b == b' ')
    {
        let s = line_start(ti) + ta;
        let d = Diagnostic::error(
            Code::YamlSyntax,
            format!(
                "the key `{tk}` is indented by {}, but the file's top-level keys start their lines",
                spaces(ta)
            ),
        )
        .at(
            &Span::new(file, s..s + tk.len()),
            format!("indented by {}", spaces(ta)),
        )
        .also(
            &Span::new(file, start..start + key.len()),
            format!("`{key}` is indented by {}", spaces(at)),
        )
        .note(format!("the YAML reader said: {parser}"))
        .help(format!("remove the spaces before `{tk}:`"));
        let repair = Repair {
            line_start: line_start(ti),
            at: ta,
            to: 0,
        };
        return Some((d, Some(repair)));
    }
    let mut d = Diagnostic::error(
        Code::YamlSyntax,
        format!(
            "the key `{key}` is indented by {}, which lines up with no mapping above it",
            spaces(at)
        ),
    )
    .at(
        &Span::new(file, start..start + key.len()),
        format!("indented by {}", spaces(at)),
    );
    for (i, a, k) in open.iter().take(3) {
        let s = line_start(*i) + a;
        d = d.also(
            &Span::new(file, s..s + k.len()),
            format!("`{k}` is indented by {}", spaces(*a)),
        );
    }
    let choices: Vec<String> = open
        .iter()
        .take(3)
        .map(|(_, a, k)| format!("{} (like `{k}`)", spaces(*a)))
        .collect();
    // Only a plain key line (spaces, then the key) is re-read; a list item's
    // dash is left alone.
    let repair = lines[idx][..at].bytes().all(|b| b == b' ').then(|| Repair {
        line_start: line_start(idx),
        at,
        to: open[0].1,
    });
    Some((
        d.note(format!("the YAML reader said: {parser}"))
            .help(format!(
                "indent `{key}:` like the other keys of the mapping it belongs to: {}",
                choices.join(" or ")
            )),
        repair,
    ))
}

/// Strips serde-saphyr's own position prefix and its advice about its options.
fn clean_message(raw: &str) -> String {
    let mut m = raw.trim();
    m = m.strip_prefix("error: ").unwrap_or(m);
    if let Some(rest) = m.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
    {
        m = &rest[i + 2..];
    }
    let m = m.split(", set DuplicateKeyPolicy").next().unwrap_or(m);
    let m = m.lines().next().unwrap_or(m);
    let mut s = m.trim().to_string();
    if let Some(first) = s.get(..1) {
        s = first.to_lowercase() + &s[1..];
    }
    s
}

fn span_of(sources: &SourceMap, file: FileId, loc: &Location) -> Span {
    let sp = loc.span();
    match (sp.byte_offset(), sp.byte_len()) {
        (Some(o), Some(l)) if o != u64::from(u32::MAX) => {
            Span::new(file, o as usize..(o + l) as usize)
        }
        _ => {
            let o = sources.offset_of(file, loc.line() as usize, loc.column() as usize);
            let len = sp.len() as usize;
            let text = sources.text(file);
            let end = text[o.min(text.len())..]
                .char_indices()
                .nth(len)
                .map_or(text.len(), |(i, _)| o + i);
            Span::new(file, o..end)
        }
    }
}

fn convert(sources: &SourceMap, file: FileId, raw: Spanned<Raw>) -> Node {
    let span = span_of(sources, file, &raw.referenced);
    let kind = match raw.value {
        Raw::Null => NodeKind::Null,
        Raw::Bool(b) => NodeKind::Bool(b),
        Raw::Int(i) => NodeKind::Int(i),
        Raw::Float(f) => NodeKind::Float(f),
        Raw::Str(s) => NodeKind::Str(s),
        Raw::Seq(v) => NodeKind::Seq(v.into_iter().map(|n| convert(sources, file, n)).collect()),
        Raw::Map(m) => NodeKind::Map(
            m.into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        span: span_of(sources, file, &k.referenced),
                        name: k.value,
                    };
                    (key, convert(sources, file, v))
                })
                .collect(),
        ),
    };
    let raw = match kind {
        NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => sources
            .text(file)
            .get(span.range.clone())
            .map(str::to_string),
        _ => None,
    };
    Node { kind, span, raw }
}

/// The shape serde-saphyr fills in; converted to [`Node`] with byte spans.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = a.next_element()? {
            v.push(x);
        }
        Ok(Raw::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = a.next_entry()? {
            v.push((k, x));
        }
        Ok(Raw::Map(v))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (SourceMap, Result<Node, Diagnostic>) {
        let mut sm = SourceMap::new();
        let id = sm.add("t.yaml", text);
        let r = parse(&sm, id);
        (sm, r)
    }

    #[test]
    fn a_misindented_key_is_named_with_the_keys_around_it() {
        let text = "subject: x\ncontacts:\n  author: { name: A, title: T }\n director: { name: D, title: T }\n";
        let (sm, r) = load(text);
        let d = r.unwrap_err();
        let out = d.render(&sm);
        assert!(
            out.contains("error[Q0002]: the key `director` is indented by 1 space, which lines up with no mapping above it"),
            "{out}"
        );
        // The lines around it are shown, each key's indentation labelled.
        assert!(
            out.contains("`author` is indented by 2 spaces")
                && out.contains("`contacts` is indented by 0 spaces"),
            "{out}"
        );
        assert!(out.contains("help: indent `director:` like the other keys of the mapping it belongs to: 2 spaces (like `author`) or 0 spaces (like `contacts`)"), "{out}");
        assert_eq!(sm.line_col(0, d.primary.unwrap().span.range.start), (4, 2));

        // Under a list item, the key after `- ` counts.
        let text = "from:\n  - name: A\n     role: R\n";
        let (sm, r) = load(text);
        let out = r.unwrap_err().render(&sm);
        assert!(
            out.contains("the key `role` is indented by 5 spaces")
                && out.contains("4 spaces (like `name`)"),
            "{out}"
        );
    }

    #[test]
    fn a_key_after_a_dash_is_not_blamed_for_a_tab_below_it() {
        // The reader reports the tab at the start of the scalar above it; the
        // list item's key lines up with the mapping it opens, so it is not
        // misindented, and moving it would break the file.
        let text = "from:\n  - name: A. Member\n\t role: R\n";
        let (sm, r) = load(text);
        let d = r.unwrap_err();
        let out = d.render(&sm);
        assert!(!out.contains("the key `name`"), "{out}");
        assert!(
            out.contains("a tab indents this line")
                && out
                    .contains("help: indent with spaces: YAML does not allow tabs for indentation"),
            "{out}"
        );
        assert_eq!(sm.line_col(0, d.primary.unwrap().span.range.start), (3, 1));
    }

    #[test]
    fn an_indented_first_key_is_named_not_every_key_below_it() {
        let text = "  kind: risk-appendix\ntitle: T\nregister: r.yaml\nbad: [\n";
        let mut sm = SourceMap::new();
        let id = sm.add("t.yaml", text);
        let (node, diags) = parse_all(&sm, id);
        assert!(node.is_none());
        let out: Vec<String> = diags.iter().map(|d| d.render(&sm)).collect();
        assert_eq!(diags.len(), 2, "{out:?}");
        assert!(
            out[0].contains("error[Q0002]: the key `kind` is indented by 2 spaces, but the file's top-level keys start their lines")
                && out[0].contains("help: remove the spaces before `kind:`"),
            "{}", out[0]
        );
        assert_eq!(
            sm.line_col(id, diags[0].primary.as_ref().unwrap().span.range.start),
            (1, 3)
        );
        // Read on as if it started its line: the next problem is the
        // unclosed list, on line 4 as written.
        assert_eq!(
            sm.line_col(id, diags[1].primary.as_ref().unwrap().span.range.start)
                .0,
            4,
            "{}",
            out[1]
        );
    }

    #[test]
    fn spans_point_at_values() {
        let (sm, r) = load("a: 1\nb:\n  - x\n");
        let n = r.unwrap();
        let NodeKind::Map(m) = &n.kind else { panic!() };
        let NodeKind::Seq(s) = &m[1].1.kind else {
            panic!()
        };
        assert_eq!(sm.line_col(0, s[0].span.range.start), (3, 5));
        assert_eq!(sm.line_col(0, m[1].0.span.range.start), (2, 1));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let (sm, r) = load("a: 1\nb: 2\na: 3\n");
        let d = r.unwrap_err();
        assert_eq!(d.code, Code::DuplicateKey);
        assert_eq!(d.message, "duplicate mapping key: a");
        assert_eq!(sm.line_col(0, d.primary.unwrap().span.range.start), (3, 1));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            s.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let (_, r) = load(&s);
        assert!(r.is_err());
    }
}
