//! Typeset (HTML edition): rendered view data → one self-contained HTML page.
//!
//! Stage: typeset, beside the PDF. The document's HTML layout
//! (`layouts/html/<name>-vN.html`, the same name and version as its Typst
//! layout) is a minijinja template run with HTML auto-escaping on, over the
//! same `data.json` the Typst layout reads. The document view's pieces are
//! printed by [`crate::render::html`] (every text run escaped) and are the only
//! thing marked safe. A generated block (risk table, heat map, band counts)
//! placed in the narrative is printed by the layout's `generated` macro where
//! its node is. Layouts are read by plain names from `layouts/html/`
//! inside the project, else from the copies shipped in the binary
//! ([`super::shipped`]); nothing is fetched.

use crate::diag::{Code, Diagnostic};
use crate::model::colour;
use crate::render::Rendered;
use crate::render::doc::Generated;
use crate::render::html;
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
    env.add_filter("css_font", css_font);
    env.add_filter("css_colour", css_colour);
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
    let view = &r.view;
    let blocks = data
        .get("generated")
        .and_then(|g| g.as_array())
        .cloned()
        .unwrap_or_default();
    // A declared table placed from a Markdown field (a return's or a plan's,
    // which have no narrative) is the tables layout's `declared_table` macro's
    // table, so no document layout changes; other blocks keep their marker
    // there. From layout version 3 that is `tables-v2.html` (a row a labelled
    // block on a phone), as the Typst edition's is `tables-v2.typ`; before
    // it the frozen `tables-v1.html`.
    let tables_file =
        match super::shipped::name_version(r.layout.rsplit('/').next().unwrap_or(&r.layout)) {
            Some((_, v)) if v >= crate::render::TABLES_V2_FROM => "tables-v2.html",
            _ => "tables-v1.html",
        };
    let tables_layout = std::cell::OnceCell::new();
    let meta = Value::from_serialize(data.get("meta"));
    let mut in_field = |g: Generated| -> Result<Option<String>, minijinja::Error> {
        let captured = match tables_layout.get() {
            Some(c) => c,
            None => {
                let t = env.get_template(tables_file)?;
                let _ = tables_layout.set(t.render_captured(minijinja::context! {})?);
                tables_layout.get().expect("just set")
            }
        };
        let table = blocks
            .get(g.index)
            .filter(|b| b.get("kind").and_then(|k| k.as_str()) == Some("declared-table"))
            .and_then(|b| b.get("table")?.as_str())
            .and_then(|t| data.get("tables")?.get(t));
        match table {
            Some(t) => captured
                .state()
                .call_macro("declared_table", &[Value::from_serialize(t), meta.clone()])
                .map(Some),
            None => Ok(None),
        }
    };
    let contents = html::contents(&view.narrative);
    let sections = contents.len();
    let toc: Vec<Value> = contents
        .into_iter()
        .map(
            |(id, title)| minijinja::context! { id => id, title => Value::from_safe_string(title) },
        )
        .collect();
    // The page, its footnotes numbered as `notes` says (each piece's own
    // numbers when `None`).
    let mut make = |notes: Option<&html::PageNotes>| -> Result<String, (Diagnostic, bool)> {
        let mut md = Vec::with_capacity(view.md.len());
        for (k, d) in &view.md {
            let html = html::piece_on_page(d, &mut in_field, notes).map_err(err)?;
            md.push((k.clone(), Value::from_safe_string(html)));
        }
        let md = Value::from_iter(md);
        let mut appendices: Vec<Value> = Vec::with_capacity(view.appendices.len());
        for a in &view.appendices {
            let html = match a {
                Some(d) => html::piece_on_page(d, &mut |_| Ok::<_, minijinja::Error>(None), notes)
                    .map_err(err)?,
                None => String::new(),
            };
            appendices.push(Value::from_safe_string(html));
        }
        let base = minijinja::context! {
            data => Value::from_serialize(&data),
            md => md,
            entry => view.entry.clone(),
            appendices => appendices,
            toc => toc.clone(),
            sections => sections,
        };
        // Generated blocks in the narrative: rendered by the layout's `generated`
        // macro, defined by a first run of the layout (without the narrative).
        let first = std::cell::OnceCell::new();
        let mut in_narrative = |g: Generated| -> Result<Option<String>, minijinja::Error> {
            let captured = match first.get() {
                Some(c) => c,
                None => {
                    let run = minijinja::context! {
                        narrative => Value::from_safe_string(String::new()),
                        ..base.clone()
                    };
                    let _ = first.set(tmpl.render_captured(run)?);
                    first.get().expect("just set")
                }
            };
            let b = blocks.get(g.index).cloned().unwrap_or_default();
            captured
                .state()
                .call_macro("generated", &[Value::from_serialize(&b)])
                .map(Some)
        };
        let narrative = html::narrative(&view.narrative, &mut in_narrative, notes).map_err(err)?;
        let ctx = minijinja::context! {
            narrative => Value::from_safe_string(narrative),
            ..base
        };
        tmpl.render(ctx).map_err(err)
    };
    // Footnotes in one sequence over the page, as the PDF numbers them over
    // the document: each piece numbers its own from 1, and the layout decides
    // where the pieces go, so the page is made, the order of its references
    // read, and the page made again with that sequence when it differs.
    let once = make(None)?;
    let html = match html::PageNotes::from_order(&html::note_refs(&once)) {
        Some(notes) => make(Some(&notes))?,
        None => once,
    };
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

/// A font family for CSS (`"Liberation Sans"`), from the house style or the
/// report template: only letters, digits, spaces and hyphens pass, so a name
/// can never carry other CSS; anything else gives the default family.
fn css_font(name: Option<String>) -> Value {
    let ok = name.as_deref().filter(|n| {
        !n.is_empty()
            && n.len() <= 64
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    });
    Value::from_safe_string(format!("\"{}\"", ok.unwrap_or("Liberation Sans")))
}

/// A colour for CSS: `#rrggbb` only (so no other CSS can pass), else black.
fn css_colour(colour: Option<String>) -> Value {
    let ok = colour.as_deref().filter(|c| colour::is_hex(c));
    Value::from_safe_string(ok.unwrap_or("#000000").to_string())
}

/// A `style` value filling a cell with a band colour and choosing black or white
/// text, whichever contrasts more (always at least 4.5:1). Anything but a
/// `#rrggbb` colour gives no style, so a colour can never carry other CSS.
fn fill(colour: Option<String>) -> Value {
    let Some((hex, l)) = colour
        .as_deref()
        .and_then(|c| Some((c.strip_prefix('#')?, colour::luminance(c)?)))
    else {
        return Value::from(String::new());
    };
    let ink = if colour::on_black(l) >= colour::on_white(l) {
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
        use crate::render::markdown::{Mode, parse};
        let a = parse(
            "One[^x] and two[^y].\n\n[^x]: First.\n\n[^y]: Second.\n",
            Mode::Plain,
            0,
            1,
        )
        .0;
        let b = parse(
            "Three[^z], and one again[^x].\n\n[^z]: Third.\n\n[^x]: Fourth.\n",
            Mode::Plain,
            0,
            2,
        )
        .0;
        let print = |d: &crate::render::doc::Doc, notes: Option<&html::PageNotes>| {
            html::piece_on_page(d, &mut |_| Ok::<_, std::convert::Infallible>(None), notes)
                .unwrap_or_default()
        };
        // A page placing b before a: its references, in the order they appear.
        let once = format!("{}{}", print(&b, None), print(&a, None));
        let order = html::note_refs(&once);
        assert_eq!(order, [(2, 1), (2, 2), (1, 1), (1, 2)]);
        let notes = html::PageNotes::from_order(&order).expect("renumbered");
        let page = format!("{}{}", print(&b, Some(&notes)), print(&a, Some(&notes)));
        for (n, id) in [(1, "n2-fn1"), (2, "n2-fn2"), (3, "n1-fn1"), (4, "n1-fn2")] {
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
        // A page whose notes are already in one sequence is made once.
        assert_eq!(
            html::PageNotes::from_order(&html::note_refs(&print(&a, None))),
            None
        );
        // Author text that looks like a reference is escaped, so never read.
        let t = print(
            &parse("<sup><a href=\"#n9-fn7\">[7]</a></sup>", Mode::Plain, 0, 3).0,
            None,
        );
        assert!(html::note_refs(&t).is_empty(), "{t}");
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
