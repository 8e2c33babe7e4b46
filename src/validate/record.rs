//! What the readers read, recorded while validating (unit tests only): every
//! mapping read with [`super::MapReader`] (by the reader's call site and what it
//! describes), every key it asks for (required or not, and the value written),
//! and what each value was read as (text, a number, a date, a list, a mapping…).
//!
//! `cmd::schema`'s test runs every validator over the demo and every fixture
//! with recording on and writes the JSON Schemas from these records, so a key
//! or a type a reader accepts is in the schema because the reader asked for it.

use crate::load::yaml::{Node, NodeKind};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// A value's place: (run, file, start, end, kind of node). Runs number the
/// separate `SourceMap`s a recording spans, since their file ids restart.
pub type Place = (usize, usize, usize, usize, u8);

/// What a value was read as.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Read {
    /// Text (numbers and yes/no are accepted as written).
    Text,
    /// One of a fixed list of words.
    OneOf(Vec<String>),
    /// A date written YYYY-MM-DD.
    Date,
    Integer,
    Number,
    Bool,
    /// A list; its items are read on their own.
    List,
    /// Text, or a list of texts.
    Texts,
    /// A mapping read by the reader named (what, module).
    Map(&'static str, &'static str),
    /// Text matching a pattern (a JSON Schema regular expression), described.
    Pattern(&'static str, &'static str),
    /// A mapping from names the author chooses to values read on their own.
    MapOf,
    /// A value of several forms that its reader tells apart itself (a
    /// relation: an equation, an equation with options, or a short form):
    /// left untyped in the schema, whatever else it was read as.
    Any,
}

#[derive(Clone, Debug)]
pub struct KeyRead {
    /// The reader: (what, module).
    pub reader: (&'static str, &'static str),
    /// The mapping it was asked of.
    pub map: Place,
    pub key: &'static str,
    pub required: bool,
    pub value: Option<Place>,
}

#[derive(Default, Clone, Debug)]
pub struct Records {
    pub run: usize,
    /// Every mapping read: the reader and the mapping's place.
    pub maps: Vec<((&'static str, &'static str), Place)>,
    pub keys: Vec<KeyRead>,
    /// What a reader reads a key as, whether or not it is written.
    pub key_reads: BTreeMap<((&'static str, &'static str), &'static str), Vec<Read>>,
    pub reads: BTreeMap<Place, Vec<Read>>,
    /// A list's items, by the list's place.
    pub items: BTreeMap<Place, Vec<Place>>,
}

thread_local! {
    static REC: RefCell<Option<Records>> = const { RefCell::new(None) };
}

/// Starts recording on this thread.
pub fn start() {
    REC.with(|r| *r.borrow_mut() = Some(Records::default()));
}

/// Starts a new run (a new `SourceMap`: file ids start again).
pub fn next_run() {
    with(|r| r.run += 1);
}

/// Stops recording and returns what was read.
pub fn take() -> Records {
    REC.with(|r| r.borrow_mut().take().unwrap_or_default())
}

fn with(f: impl FnOnce(&mut Records)) {
    REC.with(|r| {
        if let Some(r) = r.borrow_mut().as_mut() {
            f(r)
        }
    });
}

pub fn place_in(run: usize, n: &Node) -> Place {
    let k = match n.kind {
        NodeKind::Null => 0,
        NodeKind::Bool(_) => 1,
        NodeKind::Int(_) => 2,
        NodeKind::Float(_) => 3,
        NodeKind::Str(_) => 4,
        NodeKind::Seq(_) => 5,
        NodeKind::Map(_) => 6,
    };
    (run, n.span.file, n.span.range.start, n.span.range.end, k)
}

/// The module a reader is written in (`src/validate/risk.rs` → `risk`).
pub fn module(file: &'static str) -> &'static str {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name.strip_suffix(".rs").unwrap_or(name)
}

/// `node` was read as `read`.
pub fn read(node: &Node, read: Read) {
    with(|r| {
        let p = place_in(r.run, node);
        if let NodeKind::Seq(items) = &node.kind {
            let ps = items.iter().map(|i| place_in(r.run, i)).collect();
            r.items.insert(p, ps);
        }
        if let (NodeKind::Map(entries), Read::MapOf) = (&node.kind, &read) {
            let ps = entries.iter().map(|(_, v)| place_in(r.run, v)).collect();
            r.items.insert(p, ps);
        }
        let v = r.reads.entry(p).or_default();
        if !v.contains(&read) {
            v.push(read);
        }
    });
}

/// A mapping read by the reader `(what, module)`.
pub fn map(reader: (&'static str, &'static str), node: &Node) {
    with(|r| {
        let p = place_in(r.run, node);
        r.maps.push((reader, p));
    });
    read(node, Read::Map(reader.0, reader.1));
}

pub fn key(
    reader: (&'static str, &'static str),
    map: &Node,
    key: &'static str,
    required: bool,
    value: Option<&Node>,
) {
    with(|r| {
        let value = value.map(|v| place_in(r.run, v));
        let map = place_in(r.run, map);
        r.keys.push(KeyRead {
            reader,
            map,
            key,
            required,
            value,
        });
    });
}

/// The reader reads `key` as `read` (recorded whether or not the key is written).
pub fn key_read(reader: (&'static str, &'static str), key: &'static str, read: Read) {
    with(|r| {
        let v = r.key_reads.entry((reader, key)).or_default();
        if !v.contains(&read) {
            v.push(read);
        }
    });
}
