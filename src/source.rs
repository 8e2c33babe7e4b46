//! The text of every file quire reads, with ids that diagnostics point into.
//!
//! Stage: shared by every stage. Owns file contents so that a diagnostic raised in
//! validation or rendering can still show the line it is about. Paths are stored
//! relative to the project root (forward slashes) so messages and snapshots are the
//! same on every machine.

use codespan_reporting::files::SimpleFiles;
use std::ops::Range;

/// Index of a file in a [`SourceMap`].
pub type FileId = usize;

/// A byte range in one file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }
}

/// Every loaded file, by id.
#[derive(Default)]
pub struct SourceMap {
    files: SimpleFiles<String, String>,
    names: Vec<String>,
    /// The SHA-256 of the bytes of each file as read, by project-relative
    /// path: what the manifest records (never the file as it is later).
    digests: std::collections::BTreeMap<String, String>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id. `name` is the path shown in messages.
    /// The name is shown escaped ([`escape`]): a file or sheet name is the
    /// author's, and may hold a line break.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let name = name.into();
        let name = match escape(&name) {
            std::borrow::Cow::Borrowed(_) => name,
            std::borrow::Cow::Owned(e) => e,
        };
        self.names.push(name.clone());
        self.files.add(name, text.into())
    }

    /// Records the SHA-256 of the bytes read for the file at `path` (the
    /// first read of a path counts: it is what was used).
    pub fn record_digest(&mut self, path: &str, bytes: &[u8]) {
        self.digests
            .entry(path.to_string())
            .or_insert_with(|| sha256(bytes));
    }

    /// The SHA-256 of the bytes read for `path`, if it was read.
    pub fn digest(&self, path: &str) -> Option<&str> {
        self.digests.get(path).map(String::as_str)
    }

    /// Every digest recorded ([`Self::record_digest`]), by path.
    pub fn digests(&self) -> &std::collections::BTreeMap<String, String> {
        &self.digests
    }

    /// The ids of every file, in the order they were added.
    pub fn ids(&self) -> std::ops::Range<FileId> {
        0..self.names.len()
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.names[id]
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files
            .get(id)
            .map(|f| f.source().as_str())
            .unwrap_or("")
    }

    pub fn files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = self.text(id);
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// Byte offset of a one-based line and character column.
    pub fn offset_of(&self, id: FileId, line: usize, col: usize) -> usize {
        let text = self.text(id);
        let mut start = 0;
        for _ in 1..line {
            match text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let rest = &text[start..];
        let within = rest
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i);
        start + within
    }
}

/// `s` as one line of visible text, for a message: a line break, another
/// control character or a bidirectional control (which an author's value may
/// hold) is written as an escape (`\n`, `\u{202E}`), so a value can never
/// start a line of its own, forge another problem or reorder what is shown.
/// Every diagnostic format (human, short, JSON) prints its texts through it.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        c != '\t' && (c.is_control() || is_bidi(c) || matches!(c, '\u{2028}' | '\u{2029}'))
    };
    if !s.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:04X}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The invisible characters that reorder text as it is displayed (embeddings,
/// overrides, isolates and marks): text holding one looks other than it is
/// stored, so what a reader sees is not what quire checked.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_round_trips() {
        let mut map = SourceMap::new();
        let id = map.add("a.yaml", "ab\ncé: x\n");
        assert_eq!(map.line_col(id, 0), (1, 1));
        let off = map.offset_of(id, 2, 5);
        assert_eq!(&map.text(id)[off..off + 1], "x");
        assert_eq!(map.line_col(id, off), (2, 5));
    }
}
