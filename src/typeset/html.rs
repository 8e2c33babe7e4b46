//! Typeset (HTML edition): rendered view data → one self-contained HTML page.
//!
//! Stage: typeset, beside the PDF. The document's HTML layout
//! (`layouts/html/<name>-vN.html`, the same name and version as its Typst
//! layout) is a minijinja template run with HTML auto-escaping on, over the
//! same `data.json` the Typst layout reads. Markdown-derived content arrives as
//! fragments already escaped by [`crate::render::html`] and is the only thing
//! marked safe. A generated block (risk table, heat map, band counts) placed
//! from the narrative is rendered by the layout's `generated` macro and put
//! where its marker is. Layouts are read by plain names from `layouts/html/`
//! inside the project, else from the copies shipped in the binary
//! ([`super::shipped`]); nothing is fetched.

use crate::diag::{Code, Diagnostic};
use crate::render::Rendered;
use crate::render::markdown::BLOCK_MARKER;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The folder of HTML layouts, project-relative.
pub const DIR: &str = "layouts/html";

/// An HTML page and the project files its layout read.
pub struct Page {
    pub html: Vec<u8>,
    pub files_read: Vec<String>,
    /// The SHA-256 of each project file read, as it was read, by path.
    pub digests: std::collections::BTreeMap<String, String>,
}

/// Why a page could not be made: the diagnostic, and whether the layout is
/// missing (the project's to fix) rather than failing.
pub struct PageError {
    pub diagnostic: Diagnostic,
    pub missing: bool,
}

/// The HTML layout for a Typst layout path: `layouts/x-v1.typ` → `x-v1.html`.
pub fn layout_name(typst_layout: &str) -> String {
    let file = typst_layout.rsplit('/').next().unwrap_or(typst_layout);
    format!("{}.html", file.trim_end_matches(".typ"))
}

/// A layout name is letters, digits and `-`, ending `.html`: never a path.
fn plain_name(name: &str) -> bool {
    name.strip_suffix(".html").is_some_and(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    })
}

/// An HTML layout by plain name, and its manifest key: the project's
/// `layouts/html/<name>` when there is anything at that path (read only if it
/// stays inside the project), else the shipped copy (`(shipped) layouts/html/<name>`).
fn read_layout(root: &Path, name: &str) -> Option<(String, String)> {
    if !plain_name(name) {
        return None;
    }
    let rel = format!("{DIR}/{name}");
    if super::shipped::serves(root, &rel) {
        let text = super::shipped::path(&rel)?;
        return Some((text.to_string(), super::shipped::record(root, &rel)));
    }
    let real = root.join(&rel).canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    if !real.starts_with(&root) {
        return None;
    }
    let bytes = crate::load::read_regular(&real, crate::load::MAX_INPUT).ok()?;
    String::from_utf8(bytes).ok().map(|t| (t, rel))
}

/// Renders `r` as an HTML page with its versioned HTML layout.
pub fn page(root: &Path, r: &Rendered) -> Result<Page, PageError> {
    page_inner(root, r).map_err(|(diagnostic, missing)| PageError {
        diagnostic,
        missing,
    })
}

fn page_inner(root: &Path, r: &Rendered) -> Result<Page, (Diagnostic, bool)> {
    let name = layout_name(&r.layout);
    let read: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let digests: Arc<Mutex<std::collections::BTreeMap<String, String>>> = Arc::default();
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("fill", fill);
    // As in Typst, where `none` shows as nothing: a missing value prints as
    // nothing, never as the word "none" (layouts print `no_data` explicitly).
    env.set_formatter(|out, state, value| {
        if value.is_none() || value.is_undefined() {
            return Ok(());
        }
        minijinja::escape_formatter(out, state, value)
    });
    let (root_l, read_l, digests_l) = (root.to_path_buf(), read.clone(), digests.clone());
    env.set_loader(move |name| {
        let Some((text, key)) = read_layout(&root_l, name) else {
            return Ok(None);
        };
        if !key.starts_with(super::shipped::PREFIX)
            && let Ok(mut d) = digests_l.lock()
        {
            d.entry(key.clone())
                .or_insert_with(|| crate::source::sha256(text.as_bytes()));
        }
        if let Ok(mut v) = read_l.lock() {
            v.push(key);
        }
        Ok(Some(text))
    });
    let err = |e: minijinja::Error| {
        let mut msg = e.to_string().to_lowercase();
        msg.truncate(400);
        (
            Diagnostic::error(
                Code::Layout,
                format!("the html layout `{DIR}/{name}` failed: {msg}"),
            )
            .help("the HTML layouts are part of the project: restore them from the release, or fix the layout"),
            false,
        )
    };
    let tmpl = env.get_template(&name).map_err(|e| {
        if e.kind() == minijinja::ErrorKind::TemplateNotFound {
            (
                Diagnostic::error(
                    Code::Layout,
                    format!("html layout `{DIR}/{name}` is not in this project"),
                )
                .help(format!(
                    "this quire ships no `{name}`: the HTML edition of a project's own layout needs `{DIR}/{name}` beside it, or build with --format pdf"
                )),
                true,
            )
        } else {
            err(e)
        }
    })?;
    let data: serde_json::Value = serde_json::from_str(&r.data).unwrap_or_default();
    let md: Vec<(String, Value)> = r
        .html
        .md
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_safe_string(v.clone())))
        .collect();
    let md = Value::from_iter(md);
    let appendices: Vec<Value> = r
        .html
        .appendices
        .iter()
        .map(|a| Value::from_safe_string(a.clone()))
        .collect();
    let toc: Vec<Value> = r
        .html
        .toc
        .iter()
        .map(|(id, title)| {
            minijinja::context! { id => id.clone(), title => Value::from_safe_string(title.clone()) }
        })
        .collect();
    let md = tables_in_fragments(&env, &data, md).map_err(err)?;
    let base = minijinja::context! {
        data => Value::from_serialize(&data),
        md => md,
        entry => r.html.entry.clone(),
        appendices => appendices,
        toc => toc,
        sections => r.html.sections,
    };
    // Generated blocks in the narrative: rendered by the layout's macro.
    let mut narrative = r.html.narrative.clone();
    if narrative.contains(BLOCK_MARKER) {
        // A first run (without the narrative) defines the layout's macros.
        let first = minijinja::context! {
            narrative => Value::from_safe_string(String::new()),
            ..base.clone()
        };
        let captured = tmpl.render_captured(first).map_err(err)?;
        let state = captured.state();
        let blocks = data
            .get("generated")
            .and_then(|g| g.as_array())
            .cloned()
            .unwrap_or_default();
        for (i, b) in blocks.iter().enumerate() {
            let marker = format!("<!--{BLOCK_MARKER}{i}-->");
            if narrative.contains(&marker) {
                let html = state
                    .call_macro("generated", &[Value::from_serialize(b)])
                    .map_err(err)?;
                narrative = narrative.replace(&marker, &html);
            }
        }
    }
    let ctx = minijinja::context! {
        narrative => Value::from_safe_string(narrative),
        ..base
    };
    let html = number_notes(&tmpl.render(ctx).map_err(err)?);
    let mut files_read = read.lock().map(|v| v.clone()).unwrap_or_default();
    files_read.sort();
    files_read.dedup();
    let digests = digests.lock().map(|d| d.clone()).unwrap_or_default();
    Ok(Page {
        html: html.into_bytes(),
        files_read,
        digests,
    })
}

/// Footnotes numbered in one sequence over the page, as the PDF numbers them
/// over the document. Each Markdown fragment numbers its own notes from 1 under
/// its own id prefix ([`crate::render::html::to_html`]); here the references
/// are renumbered in the order they appear on the page, each note list item
/// takes its reference's number (`value`), and the ids stay as they were. Only
/// markup the converter wrote is matched: author text has its `<` escaped.
fn number_notes(html: &str) -> String {
    const OPEN: &str = "<sup><a href=\"#";
    // (prefix + "fn", n) in order of first reference.
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(OPEN) {
        rest = &rest[i + OPEN.len()..];
        let Some(end) = rest.find('"') else { break };
        let target = &rest[..end];
        let Some(at) = target.rfind("fn") else {
            continue;
        };
        let (p, n) = (&target[..at], &target[at + 2..]);
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let key = (p.to_string(), n.to_string());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    // Nothing to do when every note already has its page number.
    if keys
        .iter()
        .enumerate()
        .all(|(i, (_, n))| *n == (i + 1).to_string())
    {
        return html.to_string();
    }
    let mut out = html.to_string();
    for (i, (p, n)) in keys.iter().enumerate() {
        let g = i + 1;
        out = out
            .replace(
                &format!("id=\"{p}fnref{n}\" aria-label=\"Note {n}\">[{n}]</a>"),
                &format!("id=\"{p}fnref{n}\" aria-label=\"Note {g}\">[{g}]</a>"),
            )
            .replace(
                &format!("<li id=\"{p}fn{n}\">"),
                &format!("<li id=\"{p}fn{n}\" value=\"{g}\">"),
            )
            .replace(
                &format!("<a href=\"#{p}fnref{n}\">Back to reference {n}</a>"),
                &format!("<a href=\"#{p}fnref{n}\">Back to reference {g}</a>"),
            );
    }
    out
}

/// Declared tables placed from a Markdown field (a return's or a plan's, which
/// have no narrative): each marker is replaced by the shipped
/// `tables-v1.html` macro's table, so no document layout changes.
fn tables_in_fragments(
    env: &Environment,
    data: &serde_json::Value,
    md: Value,
) -> Result<Value, minijinja::Error> {
    let blocks = data
        .get("generated")
        .and_then(|g| g.as_array())
        .cloned()
        .unwrap_or_default();
    let Some(map) = md.as_object() else {
        return Ok(md);
    };
    let entries: Vec<(Value, Value)> = map.try_iter_pairs().into_iter().flatten().collect();
    if !entries
        .iter()
        .any(|(_, v)| v.as_str().is_some_and(|s| s.contains(BLOCK_MARKER)))
    {
        return Ok(md);
    }
    let tmpl = env.get_template("tables-v1.html")?;
    let captured = tmpl.render_captured(minijinja::context! {})?;
    let state = captured.state();
    let meta = Value::from_serialize(data.get("meta"));
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let mut s = v.as_str().unwrap_or_default().to_string();
        for (i, b) in blocks.iter().enumerate() {
            let marker = format!("<!--{BLOCK_MARKER}{i}-->");
            if !s.contains(&marker) {
                continue;
            }
            let table = b
                .get("table")
                .and_then(|t| t.as_str())
                .and_then(|t| data.get("tables")?.get(t))
                .filter(|_| b.get("kind").and_then(|k| k.as_str()) == Some("declared-table"));
            if let Some(t) = table {
                let html = state
                    .call_macro("declared_table", &[Value::from_serialize(t), meta.clone()])?;
                s = s.replace(&marker, &html);
            }
        }
        out.push((k, Value::from_safe_string(s)));
    }
    Ok(Value::from_iter(out))
}

/// A `style` value filling a cell with a band colour and choosing black or white
/// text, whichever contrasts more (always at least 4.5:1). Anything but a
/// `#rrggbb` colour gives no style, so a colour can never carry other CSS.
fn fill(colour: Option<String>) -> Value {
    let Some(hex) = colour
        .as_deref()
        .and_then(|c| c.strip_prefix('#'))
        .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()))
    else {
        return Value::from(String::new());
    };
    let channel = |i: usize| {
        let v = u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    let (on_black, on_white) = ((l + 0.05) / 0.05, 1.05 / (l + 0.05));
    let ink = if on_black >= on_white {
        "#000000"
    } else {
        "#ffffff"
    };
    Value::from(format!(
        "background-color:#{};color:{ink}",
        hex.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_names_are_never_paths() {
        assert_eq!(
            layout_name("layouts/committee-report-v1.typ"),
            "committee-report-v1.html"
        );
        assert!(plain_name("common-v1.html"));
        assert!(!plain_name("../x.html"));
        assert!(!plain_name("/etc/passwd.html"));
        assert!(!plain_name("a/b.html"));
        assert!(!plain_name("x.typ"));
    }

    #[test]
    fn footnotes_number_in_one_sequence_per_page() {
        let a = crate::render::html::to_html(
            "One[^x] and two[^y].\n\n[^x]: First.\n\n[^y]: Second.\n",
            crate::render::markdown::Mode::Plain,
            0,
            "n1-",
        );
        let b = crate::render::html::to_html(
            "Three[^z], and one again[^x].\n\n[^z]: Third.\n\n[^x]: Fourth.\n",
            crate::render::markdown::Mode::Plain,
            0,
            "n2-",
        );
        let page = number_notes(&format!("{a}{b}"));
        for (n, id) in [(1, "n1-fn1"), (2, "n1-fn2"), (3, "n2-fn1"), (4, "n2-fn2")] {
            assert!(
                page.contains(&format!(
                    "href=\"#{id}\" id=\"{}\" aria-label=\"Note {n}\">[{n}]</a>",
                    id.replace("fn", "fnref")
                )),
                "reference {n}: {page}"
            );
            assert!(
                page.contains(&format!("<li id=\"{id}\" value=\"{n}\">")),
                "note {n}: {page}"
            );
            assert!(
                page.contains(&format!("Back to reference {n}</a>")),
                "back link {n}: {page}"
            );
        }
        // A page whose notes are already in one sequence is left as it is.
        assert_eq!(number_notes(&a), a);
        // Author text that looks like a reference is escaped, so never matched.
        let t = crate::render::html::to_html(
            "<sup><a href=\"#n9-fn7\">[7]</a></sup>",
            crate::render::markdown::Mode::Plain,
            0,
            "n3-",
        );
        assert_eq!(number_notes(&t), t);
    }

    #[test]
    fn fill_is_a_checked_colour_with_contrasting_text() {
        assert_eq!(
            fill(Some("#FCE8B2".into())).to_string(),
            "background-color:#fce8b2;color:#000000"
        );
        assert_eq!(
            fill(Some("#1d4f91".into())).to_string(),
            "background-color:#1d4f91;color:#ffffff"
        );
        assert_eq!(fill(Some("red;background:url(x)".into())).to_string(), "");
        assert_eq!(fill(None).to_string(), "");
    }
}
