//! Validation: the spanned YAML tree → typed, checked models, with every problem.
//!
//! Stage: validate. Like cargo-deny's `validate(self, ctx)`, nothing here returns
//! at the first problem: each reader pushes a diagnostic and carries on, so an
//! author sees every typo, missing field and wrong type in one run. Typed models
//! (in [`crate::model`]) can only be built through these functions. No I/O here.

pub mod app;
pub mod kpis;
pub mod meeting;
pub mod paper;
pub mod project;
#[cfg(test)]
pub mod record;
pub mod risk;
pub mod style;
pub mod tables;
pub mod template;
pub mod valve;

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::load::yaml::{Key, Node, NodeKind};
use crate::model::{AsWritten, Sp};
use crate::source::Span;
use chrono::NaiveDate;

/// Reads one YAML mapping, remembering which keys were asked for so that
/// [`MapReader::finish`] can report the rest as unknown (with "did you mean").
pub struct MapReader<'n, 'd> {
    pub node: &'n Node,
    entries: &'n [(Key, Node)],
    known: Vec<&'static str>,
    missing: Vec<&'static str>,
    what: &'static str,
    /// The reader, for the schema records: (what, module of the call site).
    #[cfg(test)]
    reader: (&'static str, &'static str),
    pub diags: &'d mut Diagnostics,
}

impl<'n, 'd> MapReader<'n, 'd> {
    /// Starts reading `node` as a mapping describing `what` (e.g. "a risk").
    /// Returns `None` (after reporting) when the node is not a mapping.
    #[track_caller]
    pub fn new(node: &'n Node, what: &'static str, diags: &'d mut Diagnostics) -> Option<Self> {
        #[cfg(test)]
        let reader = (what, record::module(std::panic::Location::caller().file()));
        match &node.kind {
            NodeKind::Map(entries) => Some({
                #[cfg(test)]
                record::map(reader, node);
                MapReader {
                    node,
                    entries,
                    known: Vec::new(),
                    missing: Vec::new(),
                    what,
                    #[cfg(test)]
                    reader,
                    diags,
                }
            }),
            _ => {
                #[cfg(test)]
                record::read(node, record::Read::Map(reader.0, reader.1));
                diags.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "expected {what} written as a mapping, found {}",
                            node.describe()
                        ),
                    )
                    .at(&node.span, "expected `key: value` lines here"),
                );
                None
            }
        }
    }

    pub fn span(&self) -> &'n Span {
        &self.node.span
    }

    /// The value of an optional key (a written `~`/null counts as absent).
    pub fn opt(&mut self, key: &'static str) -> Option<&'n Node> {
        self.get(key, false)
    }

    fn get(&mut self, key: &'static str, _required: bool) -> Option<&'n Node> {
        self.known.push(key);
        let entries: &'n [(Key, Node)] = self.entries;
        let found = entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v);
        #[cfg(test)]
        record::key(self.reader, self.node, key, _required, found);
        found.filter(|v| !matches!(v.kind, NodeKind::Null))
    }

    /// The value of a required key; reported missing at [`MapReader::finish`]
    /// (unless a misspelt key explains it: then only that is reported).
    pub fn req(&mut self, key: &'static str) -> Option<&'n Node> {
        let v = self.get(key, true);
        if v.is_none() {
            self.missing.push(key);
        }
        v
    }

    pub fn text(&mut self, key: &'static str) -> Option<Sp<String>> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Text);
        let n = self.req(key)?;
        text(n, self.diags)
    }

    pub fn opt_text(&mut self, key: &'static str) -> Option<Sp<String>> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Text);
        let n = self.opt(key)?;
        text(n, self.diags)
    }

    pub fn opt_bool(&mut self, key: &'static str) -> Option<bool> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Bool);
        let n = self.opt(key)?;
        #[cfg(test)]
        record::read(n, record::Read::Bool);
        match n.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                self.diags.push(wrong(n, "`true` or `false`"));
                None
            }
        }
    }

    pub fn date(&mut self, key: &'static str) -> Option<Sp<NaiveDate>> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Date);
        let n = self.req(key)?;
        date(n, self.diags)
    }

    pub fn opt_date(&mut self, key: &'static str) -> Option<Sp<NaiveDate>> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Date);
        let n = self.opt(key)?;
        date(n, self.diags)
    }

    pub fn opt_as_written(&mut self, key: &'static str) -> Option<AsWritten> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Text);
        let n = self.opt(key)?;
        text(n, self.diags).map(|t| AsWritten::parse(&t.value))
    }

    /// One or more strings: a single string or a list of strings.
    pub fn texts(&mut self, key: &'static str, required: bool) -> Vec<Sp<String>> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::Texts);
        let n = if required {
            self.req(key)
        } else {
            self.opt(key)
        };
        let Some(n) = n else { return Vec::new() };
        #[cfg(test)]
        record::read(n, record::Read::Texts);
        texts(n, self.diags)
    }

    /// A list of items, each read by `f`.
    /// A scale the document may declare (`risk-scale`, `brag-scale`,
    /// `assurance-scale`), else the project's (`quire.yaml`): the document's
    /// own list wins, whole. Each word may appear once. When `needed`, one of
    /// the two places must declare it (missing here only if the project
    /// declares none).
    pub fn scale<T: Clone>(
        &mut self,
        key: &'static str,
        what: &str,
        project: &[T],
        needed: bool,
        f: impl FnMut(&'n Node, &mut Diagnostics) -> Option<T>,
    ) -> Vec<T> {
        unique_names(self.node, key, what, self.diags);
        let own = self.list(key, needed && project.is_empty(), f);
        if own.is_empty() {
            project.to_vec()
        } else {
            own
        }
    }

    pub fn list<T>(
        &mut self,
        key: &'static str,
        required: bool,
        mut f: impl FnMut(&'n Node, &mut Diagnostics) -> Option<T>,
    ) -> Vec<T> {
        #[cfg(test)]
        record::key_read(self.reader, key, record::Read::List);
        let n = if required {
            self.req(key)
        } else {
            self.opt(key)
        };
        let Some(n) = n else { return Vec::new() };
        #[cfg(test)]
        record::read(n, record::Read::List);
        match &n.kind {
            NodeKind::Seq(items) => {
                // Sized for every item at once (a table may have thousands).
                let mut out = Vec::with_capacity(items.len());
                out.extend(items.iter().filter_map(|i| f(i, self.diags)));
                out
            }
            _ => {
                self.diags
                    .push(wrong(n, "a list (lines starting with `- `)"));
                Vec::new()
            }
        }
    }

    /// Reports missing required keys, and every key that was not asked for with
    /// the nearest known key suggested. Call once all keys have been read.
    pub fn finish(self) {
        let mut explained = Vec::new();
        for (i, (k, v)) in self.entries.iter().enumerate() {
            if self.known.contains(&k.name.as_str()) {
                continue;
            }
            // `{ name: Matt Dunkley, CBE }`: in braces a comma ends the value,
            // and `CBE` is read as a key of its own with no value.
            let split = matches!(v.kind, NodeKind::Null)
                && i > 0
                && !k.name.contains(char::is_whitespace)
                && k.name.chars().next().is_some_and(char::is_alphanumeric);
            if let (true, Some((pk, pv))) =
                (split, i.checked_sub(1).and_then(|j| self.entries.get(j)))
                && let NodeKind::Str(before) = &pv.kind
            {
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownKey,
                        format!("unknown key `{}` in {}", k.name, self.what),
                    )
                    .at(
                        &k.span,
                        "read as a key of its own: a comma inside `{ … }` ends a value",
                    )
                    .help(format!(
                        "if `{}` belongs to `{}`, quote the whole value: `{}: \"{}, {}\"`",
                        k.name, pk.name, pk.name, before, k.name
                    )),
                );
                continue;
            }
            let mut d = Diagnostic::error(
                Code::UnknownKey,
                format!("unknown key `{}` in {}", k.name, self.what),
            );
            // A no-break or other unusual space looks like indentation but
            // is part of the key to YAML.
            if let Some(c) = k.name.chars().find(|c| looks_blank(*c)) {
                let clean: String = k.name.chars().filter(|c| !looks_blank(*c)).collect();
                self.diags.push(
                    d.at(
                        &k.span,
                        format!(
                            "holds U+{:04X}, which looks like a space but is not one",
                            c as u32
                        ),
                    )
                    .help(format!(
                        "retype the key as `{}`, indented with ordinary spaces",
                        clean.trim()
                    )),
                );
                continue;
            }
            match did_you_mean(&k.name, self.known.iter().copied()) {
                Some(s) => {
                    explained.push(s);
                    d = d
                        .at(&k.span, format!("did you mean `{s}`?"))
                        .help(format!("rename it to `{s}`"))
                }
                None => {
                    let mut known: Vec<&str> = Vec::new();
                    for k in &self.known {
                        if !known.contains(k) {
                            known.push(k);
                        }
                    }
                    d = d
                        .at(&k.span, "not a known key")
                        .help(format!("the keys allowed here are: {}", known.join(", ")))
                }
            }
            self.diags.push(d);
        }
        for key in self.missing {
            if explained.contains(&key) {
                continue;
            }
            self.diags.push(
                Diagnostic::error(
                    Code::MissingField,
                    format!("missing field `{key}` in {}", self.what),
                )
                .at(&self.node.span, format!("{} starts here", self.what))
                .help(format!("add `{key}: …` to {}", self.what)),
            );
        }
    }
}

pub fn wrong(n: &Node, expected: &str) -> Diagnostic {
    Diagnostic::error(
        Code::WrongType,
        format!("expected {expected}, found {}", n.describe()),
    )
    .at(&n.span, format!("expected {expected}"))
}

/// A character that looks like a space (or like nothing) but is not an
/// ASCII space, tab or line break: a no-break space, an ideographic space,
/// a zero-width space or joiner, a byte order mark.
fn looks_blank(c: char) -> bool {
    (c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r'))
        || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Text; numbers and yes/no values are accepted as the text they were written as.
pub fn text(n: &Node, diags: &mut Diagnostics) -> Option<Sp<String>> {
    #[cfg(test)]
    record::read(n, record::Read::Text);
    let s = match &n.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) if n.raw.is_some() => {
            n.raw.clone().unwrap_or_default()
        }
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        _ => {
            diags.push(wrong(n, "text"));
            return None;
        }
    };
    if let Some((_, c)) = crate::load::first_control(&s) {
        diags.push(crate::load::control_diag(c, &n.span));
        return None;
    }
    Some(Sp::new(s, n.span.clone()))
}

pub fn texts(n: &Node, diags: &mut Diagnostics) -> Vec<Sp<String>> {
    #[cfg(test)]
    record::read(n, record::Read::Texts);
    match &n.kind {
        NodeKind::Seq(items) => items.iter().filter_map(|i| text(i, diags)).collect(),
        _ => text(n, diags).into_iter().collect(),
    }
}

/// The largest magnitude quire accepts for any figure: a trillion (10^12).
/// Larger values are typing errors, and sums of them could overflow.
pub const MAX_FIGURE: f64 = 1e12;

fn too_large(n: &Node) -> Diagnostic {
    Diagnostic::error(
        Code::NumberRange,
        "this number is not finite, or too large to be a figure in a council document",
    )
    .at(&n.span, "not a finite number below a trillion")
    .help("check the value; amounts are written in the unit the field states (for example £m), never as 1e308")
}

pub fn int(n: &Node, diags: &mut Diagnostics) -> Option<Sp<i64>> {
    #[cfg(test)]
    record::read(n, record::Read::Integer);
    match n.kind {
        NodeKind::Int(i) if (i as f64).abs() <= MAX_FIGURE => Some(Sp::new(i, n.span.clone())),
        NodeKind::Float(f) if f.fract() == 0.0 && f.abs() <= MAX_FIGURE => {
            Some(Sp::new(f as i64, n.span.clone()))
        }
        NodeKind::Int(_) => {
            diags.push(too_large(n));
            None
        }
        NodeKind::Float(f) if f.fract() == 0.0 || !f.is_finite() => {
            diags.push(too_large(n));
            None
        }
        _ => {
            diags.push(
                wrong(n, "a whole number").help("write a whole number without commas, e.g. 5747"),
            );
            None
        }
    }
}

pub fn number(n: &Node, diags: &mut Diagnostics) -> Option<Sp<f64>> {
    #[cfg(test)]
    record::read(n, record::Read::Number);
    match n.kind {
        NodeKind::Int(i) if (i as f64).abs() <= MAX_FIGURE => {
            Some(Sp::new(i as f64, n.span.clone()))
        }
        NodeKind::Float(f) if f.is_finite() && f.abs() <= MAX_FIGURE => {
            Some(Sp::new(f, n.span.clone()))
        }
        NodeKind::Int(_) | NodeKind::Float(_) => {
            diags.push(too_large(n));
            None
        }
        _ => {
            diags.push(
                wrong(n, "a number")
                    .help("write numbers without commas or units, e.g. 5747 or 129.7"),
            );
            None
        }
    }
}

/// A figure held exactly as written (`0.1` is one tenth, not the nearest
/// binary fraction): [`number`]'s checks, then the text as typed.
pub fn decimal(n: &Node, diags: &mut Diagnostics) -> Option<Sp<crate::model::decimal::Dec>> {
    use crate::model::decimal::Dec;
    let v = number(n, diags)?;
    let d = n
        .raw
        .as_deref()
        .and_then(Dec::parse)
        .or_else(|| Dec::from_f64(v.value))?;
    Some(Sp::new(d, v.span))
}

/// A web, email or telephone address for a link (see
/// [`crate::load::markdown::check_url`]).
pub fn url(t: Sp<String>, diags: &mut Diagnostics) -> Option<String> {
    match crate::load::markdown::check_url(&t.value) {
        None => Some(t.value.trim().to_string()),
        Some((message, help)) => {
            diags.push(
                Diagnostic::error(Code::InvalidValue, message)
                    .at(&t.span, "not a usable link address")
                    .help(help),
            );
            None
        }
    }
}

/// An email address (printed and linked with `mailto:`).
pub fn email(t: Sp<String>, diags: &mut Diagnostics) -> Option<String> {
    let v = t.value.trim();
    let ok = v.len() <= 254
        && v.split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"()[]\\,;:".contains(c));
    if ok {
        return Some(v.to_string());
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            format!("`{}` is not an email address", t.value),
        )
        .at(&t.span, "expected name@example.gov.uk")
        .help("write the address alone, e.g. democratic.services@example.gov.uk"),
    );
    None
}

/// A colour written as hex (`#8fd19e` or `#fd9`).
pub fn colour(t: Sp<String>, diags: &mut Diagnostics) -> Option<String> {
    let v = t.value.trim();
    let hex = v.strip_prefix('#').unwrap_or("");
    if (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(v.to_string());
    }
    diags.push(
        Diagnostic::error(Code::InvalidValue, format!("`{}` is not a colour", t.value))
            .at(&t.span, "expected #rrggbb")
            .help(
                "write colours as hex, e.g. \"#8fd19e\" (quoted, because # starts a YAML comment)",
            ),
    );
    None
}

/// An ISO date (`2019-03-28`), checked to exist.
pub fn date(n: &Node, diags: &mut Diagnostics) -> Option<Sp<NaiveDate>> {
    #[cfg(test)]
    record::read(n, record::Read::Date);
    let t = text(n, diags)?;
    match NaiveDate::parse_from_str(t.value.trim(), "%Y-%m-%d") {
        Ok(d) if (1900..=2199).contains(&chrono::Datelike::year(&d)) => {
            Some(Sp::new(d, n.span.clone()))
        }
        Ok(_) => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidDate,
                    format!("`{}` is not a year between 1900 and 2199", t.value),
                )
                .at(&n.span, "year out of range")
                .help("check the year: write dates as year-month-day, e.g. 2019-03-28"),
            );
            None
        }
        Err(_) => {
            let looks_iso = t.value.len() == 10
                && t.value.as_bytes()[4] == b'-'
                && t.value.as_bytes()[7] == b'-';
            let msg = if looks_iso {
                format!("`{}` is not a date that exists", t.value)
            } else {
                format!("`{}` is not a date in the form YYYY-MM-DD", t.value)
            };
            diags.push(
                Diagnostic::error(Code::InvalidDate, msg)
                    .at(&n.span, "expected a date such as 2019-03-28")
                    .help("write dates as year-month-day, e.g. 2019-03-28 for 28 March 2019"),
            );
            None
        }
    }
}

/// Text that must be one of `allowed` (case-insensitive); returns the canonical spelling.
pub fn one_of(
    n: &Node,
    allowed: &[&str],
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Sp<String>> {
    #[cfg(test)]
    record::read(
        n,
        record::Read::OneOf(allowed.iter().map(|a| a.to_string()).collect()),
    );
    let t = text(n, diags)?;
    if let Some(a) = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(t.value.trim()))
    {
        return Some(Sp::new(a.to_string(), t.span));
    }
    let mut d = Diagnostic::error(
        Code::InvalidValue,
        format!("`{}` is not a valid {what}", t.value),
    )
    .at(&n.span, format!("expected one of: {}", allowed.join(", ")));
    if let Some(s) = did_you_mean(&t.value, allowed.iter().copied()) {
        d = d.help(format!("did you mean `{s}`?"));
    } else {
        d = d.help(format!("use one of: {}", allowed.join(", ")));
    }
    diags.push(d);
    None
}

/// A rating that must be one of `names` (case-insensitive); returns the declared
/// spelling. `scale` names the scale in the message; `otherwise` is the help
/// when no near name can be suggested.
/// One rating of a declared qualitative scale: `{ name, colour, meaning }`.
pub fn scale_item(n: &Node, d: &mut Diagnostics) -> Option<crate::model::valve::ScaleItem> {
    let mut s = MapReader::new(n, "a rating on a scale", d)?;
    let name = s.text("name");
    let colour = s.text("colour").and_then(|c| colour(c, s.diags));
    let meaning = s.opt_text("meaning").map(|t| t.value);
    s.finish();
    Some(crate::model::valve::ScaleItem {
        name: name?.value,
        colour: colour?,
        meaning,
    })
}

/// Duplicate words within one scale (`key` of the mapping `parent`): a located error.
/// Ratings are matched by name with case aside, so `High` and `high` are one word.
pub fn unique_names(parent: &Node, key: &str, scale: &str, diags: &mut Diagnostics) {
    let Some(NodeKind::Seq(items)) = parent.get(key).map(|v| &v.kind) else {
        return;
    };
    let mut seen: Vec<(String, &Node)> = Vec::new();
    for item in items {
        let NodeKind::Map(fields) = &item.kind else {
            continue;
        };
        let Some((_, name)) = fields.iter().find(|(k, _)| k.name == "name") else {
            continue;
        };
        let NodeKind::Str(word) = &name.kind else {
            continue;
        };
        let folded = word.trim().to_lowercase();
        if let Some((_, first)) = seen.iter().find(|(w, _)| *w == folded) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("`{}` is declared twice in the {scale}", word.trim()),
                )
                .at(&name.span, "second declaration")
                .also(&first.span, "first declared here")
                .help(format!(
                    "give each rating of `{key}` its own word (ratings are matched with case aside)"
                )),
            );
        } else {
            seen.push((folded, name));
        }
    }
}

pub fn on_scale<'a>(
    n: &Node,
    names: impl Iterator<Item = &'a str> + Clone,
    scale: &str,
    otherwise: &str,
    diags: &mut Diagnostics,
) -> Option<Sp<String>> {
    let t = text(n, diags)?;
    if let Some(name) = names
        .clone()
        .find(|s| s.eq_ignore_ascii_case(t.value.trim()))
    {
        return Some(Sp::new(name.to_string(), t.span));
    }
    let all: Vec<&str> = names.collect();
    let d = Diagnostic::error(
        Code::NotOnScale,
        format!("`{}` is not on the {scale}", t.value),
    )
    .at(&t.span, format!("expected one of: {}", all.join(", ")));
    let d = match did_you_mean(&t.value, all.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(otherwise),
    };
    diags.push(d);
    None
}
