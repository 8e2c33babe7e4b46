//! One document through the stages: load → validate → render (→ typeset → write).
//!
//! Commands call [`prepare`] (everything up to the virtual files Typst needs) and
//! then, for `build`, [`crate::typeset`] and [`crate::write`]. Each document gets
//! its own [`SourceMap`] and diagnostics so documents can build in parallel.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::{self, yaml};
use crate::model::Settings;
use crate::model::paper::AppendixKind;
use crate::model::risk::{Register, Scheme};
use crate::model::table::Checked;
use crate::model::valve::Valve;
use crate::project::{DocKind, Document, Project};
use crate::render::{self, PaperRegister, Rendered};
use crate::source::{SourceMap, Span};
use crate::typeset::shipped;
use crate::validate;
use std::path::{Path, PathBuf};

pub mod pack;

/// A document ready to typeset (or the reasons it is not).
pub struct Prepared {
    pub sources: SourceMap,
    pub diags: Diagnostics,
    /// The documents to typeset: (output name suffix, files). Most kinds give one
    /// (suffix ""); an APP plan gives its report and its KPI scorecard.
    pub rendered: Vec<(String, Rendered)>,
    /// Project-relative input files read, in order (for the manifest).
    pub inputs: Vec<PathBuf>,
    /// The layout reference, e.g. `committee-report@1`.
    pub layout: Option<String>,
    /// Other outputs written beside the PDF: (file name suffix, bytes), e.g. CSV tables.
    pub extras: Vec<(String, Vec<u8>)>,
    /// A page limit from the paper's report template, checked once typeset:
    /// (limit, where the paper names its template).
    pub page_limit: Option<(
        crate::model::template::Limit,
        Span,
        crate::model::template::PageCount,
    )>,
    /// A line limit on the summary from the paper's report template, checked
    /// once typeset: (limit, where the paper writes its summary).
    pub lines_limit: Option<(crate::model::template::Limit, Span)>,
    /// A paper as rendered even when it has errors: `check` typesets it to
    /// report a page limit in the same run, and `build --draft` to write a
    /// draft marked DRAFT when every error is a departure from the report
    /// template ([`Code::is_template`]).
    pub page_probe: Option<Rendered>,
}

impl Prepared {
    fn empty() -> Prepared {
        Prepared {
            sources: SourceMap::new(),
            diags: Diagnostics::default(),
            rendered: Vec::new(),
            inputs: Vec::new(),
            layout: None,
            extras: Vec::new(),
            page_limit: None,
            lines_limit: None,
            page_probe: None,
        }
    }
}

pub fn prepare(project: &Project, doc: &Document) -> Prepared {
    let mut p = Prepared::empty();
    match doc.kind {
        DocKind::Paper => prepare_paper(project, doc, &mut p),
        DocKind::Valve => prepare_valve(project, doc, &mut p),
        DocKind::App => prepare_app(project, doc, &mut p),
        DocKind::Appendix => prepare_appendix(project, doc, &mut p),
    }
    if !p.diags.has_errors() {
        check_glyphs(project, &mut p);
        if p.diags.has_errors() {
            p.rendered.clear();
            p.extras.clear();
        }
    }
    p.diags.sort();
    p
}

/// Characters Typst sets without a glyph: spaces, joiners, variation selectors.
fn needs_glyph(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c as u32, 0xAD | 0x200B..=0x200F | 0x2060..=0x206F | 0xFE00..=0xFE0F | 0xFEFF | 0xE0000..=0xE0FFF))
}

/// Reports every character that reaches Typst but that no font can print
/// (PDF/A refuses such a document, and without PDF/A it would print as a box),
/// at its first place in the inputs.
fn check_glyphs(project: &Project, p: &mut Prepared) {
    let mut checked = std::collections::HashSet::new();
    let mut missing = std::collections::BTreeSet::new();
    for (_, r) in &p.rendered {
        let extra = r.extra.iter().map(|(_, t)| t);
        for text in [&r.content, &r.data, &r.main].into_iter().chain(extra) {
            for c in text.chars().filter(|c| !c.is_ascii()) {
                if checked.insert(c) && needs_glyph(c) && !project.fonts.covers(c) {
                    missing.insert(c);
                }
            }
        }
    }
    for c in missing {
        let mut d = Diagnostic::error(
            Code::MissingGlyph,
            format!(
                "the character `{c}` (U+{:04X}) is in no bundled or project font",
                c as u32
            ),
        )
        .help("write it another way (emoji and most scripts other than Latin, Greek and Cyrillic are not available), or add a font that has it to fonts/");
        if let Some((id, at)) = p
            .sources
            .ids()
            .find_map(|id| p.sources.text(id).find(c).map(|at| (id, at)))
        {
            d = d.at(
                &Span::new(id, at..at + c.len_utf8()),
                "no font has this character",
            );
        }
        p.diags.push(d);
    }
}

fn parse_file(root: &Path, rel: &Path, p: &mut Prepared) -> Option<(usize, yaml::Node)> {
    let file = match load::read(root, rel, &mut p.sources) {
        Ok(f) => f,
        Err(d) => {
            p.diags.push(d);
            return None;
        }
    };
    p.inputs.push(rel.to_path_buf());
    let (node, diags) = yaml::parse_all(&p.sources, file);
    diags.into_iter().for_each(|d| p.diags.push(d));
    node.map(|n| (file, n))
}

fn load_register(
    project: &Project,
    base: &Path,
    rel: &str,
    at: &Span,
    scheme: &Scheme,
    p: &mut Prepared,
) -> Option<(Register, PathBuf)> {
    let (file, path) = match load::read_ref(&project.root, base, rel, at, &mut p.sources) {
        Ok(x) => x,
        Err(d) => {
            p.diags.push(d);
            return None;
        }
    };
    p.inputs.push(path.clone());
    let (node, diags) = yaml::parse_all(&p.sources, file);
    diags.into_iter().for_each(|d| p.diags.push(d));
    let node = node?;
    validate::risk::register(
        file,
        &node,
        scheme,
        &project.settings.risk_scale,
        &mut p.diags,
    )
    .map(|r| (r, path))
}

/// A register rated in words needs a layout that prints words: the frozen
/// version 1 risk layouts know only likelihood × impact.
fn words_need_v2(
    reg: &Register,
    at: &Span,
    layout: &crate::model::Sp<crate::model::paper::LayoutRef>,
    p: &mut Prepared,
) {
    let l = &layout.value;
    if reg.word_scale.is_empty()
        || l.version >= 2
        || !matches!(l.name.as_str(), "committee-report" | "risk-appendix")
    {
        return;
    }
    p.diags.push(
        Diagnostic::error(
            Code::Layout,
            format!(
                "the register `{}` rates risks in words, which layout `{}` does not print",
                reg.name,
                l.label()
            ),
        )
        .at(at, "a register with a `risk-scale`")
        .also(&layout.span, "this layout")
        .help(format!(
            "use `{}@2` (the current version), or rate these risks by likelihood and impact",
            l.name
        )),
    );
}

pub fn check_layout(
    project: &Project,
    layout: &crate::model::Sp<crate::model::paper::LayoutRef>,
    p: &mut Prepared,
) {
    match missing_layout(project, layout) {
        None => p.inputs.push(PathBuf::from(shipped::record(
            &project.root,
            &layout.value.path(),
        ))),
        Some(d) => p.diags.push(d),
    }
}

/// The diagnostic for a layout version that is neither in the project's `layouts/`
/// nor shipped with quire, listing the versions that are; `None` when it exists.
pub fn missing_layout(
    project: &Project,
    layout: &crate::model::Sp<crate::model::paper::LayoutRef>,
) -> Option<Diagnostic> {
    let path = layout.value.path();
    if project.root.join(&path).is_file() || shipped::path(&path).is_some() {
        return None;
    }
    let name = &layout.value.name;
    let project_labels = shipped::project_labels(&project.root);
    let shipped_labels = shipped::labels();
    let prefix = format!("{name}@");
    let mut versions: Vec<&String> = shipped_labels
        .iter()
        .chain(&project_labels)
        .filter(|l| l.starts_with(&prefix))
        .collect();
    versions.sort();
    versions.dedup();
    let mut d = Diagnostic::error(
        Code::Layout,
        format!(
            "layout `{}` is not in this project (expected `{path}`) and quire does not ship it",
            layout.value.label()
        ),
    )
    .at(&layout.span, "layout version requested here");
    if versions.is_empty() {
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        d = d
            .help(format!(
                "shipped with quire: {}; in this project's layouts/: {}",
                list(&shipped_labels),
                list(&project_labels)
            ))
            .help(format!(
                "to start a layout of your own, copy a shipped one into layouts/ with `quire layouts export NAME` and save it as `{path}`"
            ));
    } else {
        let versions: Vec<&str> = versions.iter().map(|s| s.as_str()).collect();
        d = d.help(format!(
            "available: {}; to regenerate a historical paper exactly, restore `{path}` from the archive",
            versions.join(", ")
        ));
    }
    Some(d)
}

/// The diagnostic for a paper over its template's page limit, if it is.
pub fn page_limit_diag(
    limit: &Option<(
        crate::model::template::Limit,
        Span,
        crate::model::template::PageCount,
    )>,
    pages: usize,
    body_pages: usize,
) -> Option<Diagnostic> {
    use crate::model::template::PageCount;
    let (l, span, counts) = limit.as_ref()?;
    let (n, what) = match counts {
        PageCount::All => (pages, "the paper runs to"),
        PageCount::Body => (body_pages, "the report (before its appendices) runs to"),
    };
    let msg = match (l.min, l.max) {
        (_, Some(max)) if n > max => format!(
            "{what} {n} sides, {} over its template's limit of {max}",
            n - max
        ),
        (Some(min), _) if n < min => {
            format!("{what} {n} sides, under its template's minimum of {min}")
        }
        _ => return None,
    };
    let help = match counts {
        PageCount::All => {
            "shorten the paper: this limit counts every side as typeset, appendices included"
        }
        PageCount::Body => {
            "shorten the report, or move detail into an appendix (this limit counts the sides before the first appendix)"
        }
    };
    Some(
        Diagnostic::new(l.severity, Code::TemplateLimit, msg)
            .at(span, "the template that sets the limit")
            .help(help),
    )
}

/// The diagnostic for a summary longer or shorter, as typeset, than its
/// template's line limit, if it is (`lines`: None when the layout does not
/// mark its summary, so it cannot be counted).
pub fn lines_limit_diag(
    limit: &Option<(crate::model::template::Limit, Span)>,
    lines: Option<usize>,
) -> Option<Diagnostic> {
    let (l, span) = limit.as_ref()?;
    let Some(n) = lines else {
        return Some(
            Diagnostic::warning(Code::TemplateLimit, "the summary's lines cannot be counted on this layout")
                .at(&l.span, "a limit on the summary's typeset lines")
                .help("lines are counted on the version 3 report layouts (`layout: council-report@3` or `committee-report@3`)"),
        );
    };
    let msg = match (l.min, l.max) {
        (_, Some(max)) if n > max => format!(
            "the summary runs to {n} lines as typeset, {} over its template's limit of {max}",
            n - max
        ),
        (Some(min), _) if n < min => {
            format!(
                "the summary runs to {n} lines as typeset, under its template's minimum of {min}"
            )
        }
        _ => return None,
    };
    Some(
        Diagnostic::new(l.severity, Code::TemplateLimit, msg)
            .at(span, "this summary")
            .also(&l.span, "the limit")
            .help("shorten the summary: the limit counts its lines on the typeset page"),
    )
}

/// Reads the report template a paper names: `templates/NAME-vN.yaml`.
fn load_template(
    project: &Project,
    t: &crate::model::Sp<crate::model::paper::LayoutRef>,
    p: &mut Prepared,
) -> Option<crate::model::template::Template> {
    let rel = PathBuf::from(format!(
        "templates/{}-v{}.yaml",
        t.value.name, t.value.version
    ));
    if !project.root.join(&rel).is_file() {
        p.diags.push(
            Diagnostic::error(Code::Layout, format!("the report template `{}` is not in this project (expected `{}`)", t.value.label(), load::display(&rel)))
                .at(&t.span, "template named here")
                .help("a council's report template lives in templates/NAME-vN.yaml; see docs/report-templates.md"),
        );
        return None;
    }
    let (file, node) = parse_file(&project.root, &rel, p)?;
    let _ = file;
    validate::template::template(&t.value.label(), &node, &mut p.diags)
}

fn prepare_paper(project: &Project, doc: &Document, p: &mut Prepared) {
    let rel = doc.dir.join(DocKind::Paper.file_name());
    let Some((file, node)) = parse_file(&project.root, &rel, p) else {
        return;
    };
    let mut settings = validate::project::document_settings(&node, &project.settings, &mut p.diags);
    // The template is read first: it may name the layout and the house style.
    let template =
        validate::paper::peek_template(&node).and_then(|t| load_template(project, &t, p));
    if let Some(t) = &template {
        if let Some(st) = &t.style {
            if let Some(d) = project.fonts.check_style(st) {
                p.diags.push(d);
            }
            settings.style = st.clone();
        }
        if let Some(size) = &t.paper {
            settings.paper_size = size.clone();
        }
    }
    let Some(mut paper) = validate::paper::paper(
        &doc.id,
        file,
        &node,
        &settings,
        template.as_ref().and_then(|t| t.layout.as_ref()),
        &mut p.diags,
    ) else {
        return;
    };
    // Appendices are numbered as the paper says, else as its template does.
    if paper.appendix_letters.is_none() {
        paper.appendix_letters = template.as_ref().and_then(|t| t.appendix_letters.clone());
    }
    validate::paper::check_references(&paper, &mut p.diags);
    check_layout(project, &paper.layout, p);
    p.layout = Some(paper.layout.value.label());
    let _text = render::format::layout_text(paper.layout.value.version);
    let scheme = project
        .settings
        .risk_scheme
        .clone()
        .unwrap_or_else(Scheme::default_5x5);

    let mut registers = Vec::new();
    for (name, path) in &paper.registers {
        let Some((reg, reg_path)) =
            load_register(project, &doc.dir, &path.value, &path.span, &scheme, p)
        else {
            continue;
        };
        words_need_v2(&reg, &path.span, &paper.layout, p);
        let previous = match &reg.previous {
            Some(prev) => {
                let base = reg_path.parent().unwrap_or(Path::new("")).to_path_buf();
                let exists = load::join_confined(&base, &prev.value)
                    .is_some_and(|rel| project.root.join(rel).is_file());
                if !exists {
                    p.diags.push(
                        Diagnostic::error(Code::PreviousSnapshot, format!("the previous snapshot `{}` does not exist", prev.value))
                            .at(&prev.span, "file not found")
                            .help("the path is relative to this register's folder; fix it, or remove `previous` (direction of travel is then shown as unknown)"),
                    );
                    validate::risk::check_directions(&reg, None, &mut p.diags);
                    registers.push(PaperRegister {
                        name: name.value.clone(),
                        register: reg,
                        previous: None,
                    });
                    continue;
                }
                let errors_before = p.diags.error_count();
                let loaded = load_register(project, &base, &prev.value, &prev.span, &scheme, p);
                if loaded.is_none() || p.diags.error_count() > errors_before {
                    p.diags.push(
                        Diagnostic::error(Code::PreviousSnapshot, format!("the previous snapshot `{}` could not be used", prev.value))
                            .at(&prev.span, "named here")
                            .help("fix the snapshot, or remove `previous` (direction of travel is then shown as unknown)"),
                    );
                }
                loaded.map(|(r, _)| r)
            }
            None => None,
        };
        validate::risk::check_directions(&reg, previous.as_ref(), &mut p.diags);
        registers.push(PaperRegister {
            name: name.value.clone(),
            register: reg,
            previous,
        });
    }

    // Narrative: the listed files, or every .md in the folder in name order.
    let mut narrative = Vec::new();
    let files: Vec<(String, Option<Span>)> = if paper.narrative.is_empty() {
        let mut names: Vec<String> = std::fs::read_dir(project.root.join(&doc.dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| {
                n.ends_with(".md")
                    && !paper.appendices.iter().any(
                        |a| matches!(&a.kind, AppendixKind::Markdown { path } if path.value == *n),
                    )
            })
            .collect();
        names.sort();
        names.into_iter().map(|n| (n, None)).collect()
    } else {
        paper
            .narrative
            .iter()
            .map(|n| (n.value.clone(), Some(n.span.clone())))
            .collect()
    };
    for (name, span) in files {
        let at = span.unwrap_or_else(|| Span::new(file, 0..0));
        match load::read_ref(&project.root, &doc.dir, &name, &at, &mut p.sources) {
            Ok((f, path)) => {
                p.inputs.push(path);
                narrative.push(f);
            }
            Err(d) => p.diags.push(d),
        }
    }
    let mut appendix_files = Vec::new();
    for (i, a) in paper.appendices.iter().enumerate() {
        if let AppendixKind::Markdown { path } = &a.kind {
            match load::read_ref(
                &project.root,
                &doc.dir,
                &path.value,
                &path.span,
                &mut p.sources,
            ) {
                Ok((f, rel)) => {
                    p.inputs.push(rel);
                    appendix_files.push((i, f));
                }
                Err(d) => p.diags.push(d),
            }
        }
    }
    // The appendices attached, and those a council lists among the
    // background documents ("Appendix A – the plan, on the council's website").
    let labels: Vec<String> = (0..paper.appendices.len())
        .map(|i| paper.appendix_label(i))
        .chain(paper.background.iter().filter_map(|b| {
            let rest = b.title.strip_prefix("Appendix ")?;
            let label: String = rest
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            (!label.is_empty()).then_some(label)
        }))
        .collect();
    validate::paper::appendix_mentions(&p.sources, &narrative, &labels, &mut p.diags);
    // Templates run even when the data has errors, so that template errors
    // show in the same run; only a register that failed stops them (every name
    // in it would be reported undefined).
    if registers.len() < paper.registers.len() {
        return;
    }
    // The narrative's sections, read once: for the template's checks and for
    // `section("Title")`.
    let heads = validate::template::headings(&p.sources, &narrative);
    validate::paper::appendix_list(&heads, &paper, &mut p.diags);
    let template_view = template.as_ref().map(|t| {
        let span = paper
            .template
            .as_ref()
            .map_or(Span::new(file, 0..0), |r| r.span.clone());
        if let Some(l) = &t.pages {
            p.page_limit = Some((l.clone(), span.clone(), t.page_count));
        }
        if let Some(l) = &t.summary_lines {
            let at = node.get("summary").map_or(span.clone(), |n| n.span.clone());
            p.lines_limit = Some((l.clone(), at));
        }
        let fixed_cover = paper.layout.value.name == "committee-report";
        validate::template::check_paper(t, &node, &heads, &span, fixed_cover, &paper, &mut p.diags)
    });
    let mut tables = read_tables(project, doc, &node, &paper.layout, Vec::new(), p);
    // From version 3 a register's change account is a table of the engine,
    // printed by `register_changes("name")` and exported with the others
    // where the paper prints it.
    let mut account_ids: Vec<String> = Vec::new();
    if paper.layout.value.version >= 3 {
        let accounts = register_accounts(&paper, &registers, &settings);
        account_ids = accounts.iter().map(|t| t.id.value.clone()).collect();
        if !accounts.is_empty() {
            if tables.is_empty() {
                p.inputs.push(PathBuf::from(shipped::record(
                    &project.root,
                    render::tables_layout(paper.layout.value.version),
                )));
            }
            tables.extend(crate::tables::check::check(accounts, &mut p.diags));
        }
    }
    workbook_limits(&tables, [], &mut p.diags);
    let paper_json = node.to_json();
    let input = render::PaperInputs {
        sections: heads.into_iter().map(|h| h.title).collect(),
        template: template_view,
        tables: &tables,
        paper: &paper,
        paper_json,
        registers: &registers,
        narrative: &narrative,
        appendix_files: &appendix_files,
    };
    let rendered = render::paper(input, &settings, &p.sources, &mut p.diags);
    if !account_ids.is_empty() {
        // An account the paper does not print is not exported either.
        let placed = placed_tables(&rendered.data);
        tables.retain(|t| {
            let id = &t.table.id.value;
            !account_ids.contains(id) || placed.contains(&crate::tables::template_name(id))
        });
    }
    if !p.diags.has_errors() {
        p.rendered = vec![(String::new(), rendered)];
        table_csvs(&tables, p);
        // Each register's band counts, then the declared tables.
        let own: Vec<_> = registers
            .iter()
            .filter_map(|r| {
                crate::tables::bands::band_table(&r.register, &r.name, &settings, &mut p.diags)
            })
            .collect();
        if !tables.is_empty() || !own.is_empty() {
            match crate::tables::xlsx(&own, &tables, &paper.subject, paper.meeting_date, &settings)
            {
                Ok(bytes) => p.extras.push(("xlsx".into(), bytes)),
                Err(e) => p.diags.push(Diagnostic::error(
                    Code::Output,
                    format!("cannot make the spreadsheet: {e}"),
                )),
            }
        }
    } else {
        p.page_probe = Some(rendered);
    }
}

/// The tables a rendered document places (`{{ table() }}` and the like), by
/// the names the templates use, from its data's generated blocks.
fn placed_tables(data: &str) -> Vec<String> {
    let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    data.get("generated")
        .and_then(|g| g.as_array())
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter(|b| b.get("kind").and_then(|k| k.as_str()) == Some("declared-table"))
        .filter_map(|b| Some(b.get("table")?.as_str()?.to_string()))
        .collect()
}

/// The change account of each register with a previous snapshot and a
/// change, as a table of the engine ([`crate::tables::register`]), worded as
/// the view words it; located at the register's name under `registers`.
fn register_accounts(
    paper: &crate::model::paper::Paper,
    registers: &[PaperRegister],
    settings: &crate::model::Settings,
) -> Vec<crate::model::table::Table> {
    registers
        .iter()
        .filter_map(|r| {
            let account = render::view::account(&r.register, r.previous.as_ref(), settings)?;
            let at = paper
                .registers
                .iter()
                .find(|(n, _)| n.value == r.name)
                .map(|(n, _)| n.span.clone())?;
            crate::tables::register::changes_table(&r.name, &account, &at)
        })
        .collect()
}

/// Reads and checks the declared tables under the document's `tables:` key;
/// the tables layout for the document's layout version is then an input.
fn read_tables(
    project: &Project,
    doc: &Document,
    node: &yaml::Node,
    layout: &crate::model::Sp<crate::model::paper::LayoutRef>,
    fixed: Vec<crate::model::table::Table>,
    p: &mut Prepared,
) -> Vec<crate::model::table::Checked> {
    let tables = document_tables(
        project,
        doc,
        node,
        fixed,
        &mut p.sources,
        &mut p.diags,
        &mut p.inputs,
    );
    if !tables.is_empty() {
        // Shipped in the binary (a project may override it in layouts/).
        p.inputs.push(PathBuf::from(shipped::record(
            &project.root,
            render::tables_layout(layout.value.version),
        )));
        long_tables(&tables, layout, &mut p.diags);
    }
    tables
}

/// Rows of a declared table (group headings included) that one page of the
/// version 1 tables layout holds at the least: a longer table does not break
/// across pages there (it sits in a figure) and is printed over itself at the
/// foot of the page.
pub const ONE_PAGE_ROWS: usize = 40;

/// Warns (Q0140) of each declared table too long for one page in a document
/// whose layout version still typesets tables with `tables-v1.typ`, and says
/// how to move up.
fn long_tables(
    tables: &[crate::model::table::Checked],
    layout: &crate::model::Sp<crate::model::paper::LayoutRef>,
    diags: &mut Diagnostics,
) {
    if layout.value.version >= render::TABLES_V2_FROM {
        return;
    }
    for c in tables {
        let t = &c.table;
        let mut groups: Vec<&str> = t.rows.iter().filter_map(|r| r.group.as_deref()).collect();
        groups.dedup();
        let rows = t.rows.len() + groups.len();
        if rows <= ONE_PAGE_ROWS {
            continue;
        }
        let newer = validate::paper::LAYOUTS
            .iter()
            .find(|(n, v)| *n == layout.value.name && *v >= render::TABLES_V2_FROM)
            .map(|(n, v)| format!("`layout: {n}@{v}`"))
            .unwrap_or_else(|| format!("a layout of version {} or later", render::TABLES_V2_FROM));
        diags.push(
            Diagnostic::warning(
                Code::LongTable,
                format!(
                    "table `{}` has {rows} rows: on {} its rows after about the {ONE_PAGE_ROWS}th are printed over each other at the foot of a page",
                    t.id.value,
                    layout.value.label()
                ),
            )
            .at(&t.id.span, format!("{rows} rows, more than one page holds"))
            .help(format!(
                "move the document to {newer}: its tables break across pages between rows, with the header row repeated; or split the table"
            )),
        );
    }
}

/// A document's declared tables (its `tables:` key), read and checked, with
/// the figures of other documents' tables its relations name and its own
/// fixed tables (`fixed`: a return's `kpi`, `deficit` and `ehcp`).
pub fn document_tables(
    project: &Project,
    doc: &Document,
    node: &yaml::Node,
    fixed: Vec<crate::model::table::Table>,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    inputs: &mut Vec<PathBuf>,
) -> Vec<crate::model::table::Checked> {
    let yaml::NodeKind::Map(entries) = &node.kind else {
        return Vec::new();
    };
    let Some((_, t)) = entries.iter().find(|(k, _)| k.name == "tables") else {
        return Vec::new();
    };
    if matches!(t.kind, yaml::NodeKind::Null) {
        return Vec::new();
    }
    let mut cx = crate::validate::tables::read::Ctx {
        root: &project.root,
        sources,
        diags,
        inputs,
    };
    let find = |id: &str| {
        project
            .documents
            .iter()
            .find(|d| d.id == id)
            .map(|d| (d.dir.join(d.kind.file_name()), d.dir.clone()))
    };
    crate::validate::tables::load_with(t, &doc.dir, &doc.id, &find, fixed, &mut cx)
}

/// A return's own figures that its relations may name: `kpi`, `target`,
/// `deficit` and `ehcp`.
pub fn valve_figures(
    valve: &crate::model::valve::Valve,
    sources: &SourceMap,
) -> Vec<crate::model::table::Table> {
    let mut fixed = crate::tables::fixed_of(
        valve.kpi_table.as_ref(),
        valve.deficit.as_ref().and_then(|d| d.table.as_ref()),
        valve.ehcp.as_ref().and_then(|e| e.table.as_ref()),
    );
    let targets: Vec<crate::tables::KpiTargets> = valve
        .kpis
        .iter()
        .map(|k| crate::tables::KpiTargets {
            id: crate::model::Sp::new(k.id.clone(), k.id_span.clone()),
            targets: k
                .targets
                .iter()
                .map(|t| (t.update.as_str(), &t.value))
                .collect(),
            annual: k.annual_target.as_ref(),
        })
        .collect();
    let updates: Vec<&str> = valve.updates.iter().map(|u| u.id.value.as_str()).collect();
    fixed.extend(crate::tables::kpi_targets(&targets, &updates, sources));
    fixed
}

/// The most characters a workbook cell holds (Excel's limit, which the
/// workbook writer enforces).
const CELL_CHARS: usize = 32_767;

/// Every text the document's workbook would hold in one cell that is longer
/// than a cell can hold, as an error at the text (checked before anything is
/// made, so `check` says it and no edition of the document is written).
/// `texts`: (the text, where it is written, what it is).
fn workbook_limits<'a>(
    tables: &'a [Checked],
    texts: impl IntoIterator<Item = (&'a str, &'a Span, &'static str)>,
    diags: &mut Diagnostics,
) {
    let mut all: Vec<(&str, &Span, &str)> = texts.into_iter().collect();
    for t in tables {
        let tb = &t.table;
        all.push((
            tb.row_heading.as_str(),
            &tb.id.span,
            "the table's row heading",
        ));
        for c in &tb.columns {
            all.push((c.label.as_str(), &c.id.span, "the column's label"));
        }
        for r in &tb.rows {
            all.push((r.label.as_str(), &r.id.span, "the row's label"));
        }
        for cell in tb.cells.iter().flatten() {
            if let crate::model::table::Cell::Text(x) = cell {
                all.push((x.value.as_str(), &x.span, "the cell's text"));
            }
        }
    }
    for (text, at, what) in all {
        let n = text.chars().count();
        if n > CELL_CHARS {
            diags.push(
                Diagnostic::error(
                    Code::CellTooLong,
                    format!("{what} has {n} characters: a workbook cell holds at most {CELL_CHARS}"),
                )
                .at(at, "too long for the document's workbook")
                .help("shorten it (keep the full text in the narrative); the workbook is written with the PDF, so nothing of the document is written until it fits"),
            );
        }
    }
}

/// Each declared table as `<document>.<id>.csv` beside the PDF.
fn table_csvs(tables: &[crate::model::table::Checked], p: &mut Prepared) {
    for t in tables {
        p.extras.push((
            format!("{}.csv", t.table.id.value),
            crate::tables::csv(t).into_bytes(),
        ));
    }
}

/// A table id that is the name of one of the document's own exports would
/// overwrite it: an error at the id.
fn reserved_table_ids(
    tables: &[crate::model::table::Checked],
    reserved: &[&str],
    p: &mut Prepared,
) {
    for t in tables {
        let id = &t.table.id;
        if reserved.contains(&id.value.as_str()) {
            p.diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("a table cannot have the id `{}`", id.value),
                )
                .at(&id.span, "the name of one of this document's own exports")
                .help(format!(
                    "this document already writes {}.csv; give the table another id (these are taken: {})",
                    id.value,
                    reserved.join(", ")
                )),
            );
        }
    }
}

/// A return as written, with its declared tables' figures: the first half of
/// [`prepare`] for a return, before its lock is checked and anything is
/// rendered. `quire lock` records what it gives.
pub fn valve_as_written(
    project: &Project,
    doc: &Document,
) -> (Option<Valve>, SourceMap, Diagnostics) {
    let mut p = Prepared::empty();
    let valve = read_valve(project, doc, &mut p).map(|(valve, ..)| valve);
    p.diags.sort();
    (valve, p.sources, p.diags)
}

/// Reads and validates a return and its declared tables: (the return, its
/// YAML, its checked tables, its settings).
fn read_valve(
    project: &Project,
    doc: &Document,
    p: &mut Prepared,
) -> Option<(Valve, yaml::Node, Vec<Checked>, Settings)> {
    let rel = doc.dir.join(DocKind::Valve.file_name());
    let (file, node) = parse_file(&project.root, &rel, p)?;
    let settings = validate::project::document_settings(&node, &project.settings, &mut p.diags);
    let mut valve = validate::valve::valve(&doc.id, file, &node, &project.settings, &mut p.diags)?;
    let fixed = valve_figures(&valve, &p.sources);
    let tables = read_tables(project, doc, &node, &valve.layout, fixed, p);
    // The return's fixed tables print each typed figure as typed (the deficit
    // profile's places are not the council's declaration; a KPI's are when
    // it declares `places`).
    if let Some(t) = valve.deficit.as_mut().and_then(|d| d.table.as_mut()) {
        crate::tables::keep_typed_places(&mut t.table, &p.sources, &[]);
    }
    for k in &mut valve.kpis {
        let spans = k
            .targets
            .iter()
            .map(|t| &t.value.span)
            .chain(k.annual_target.as_ref().map(|t| &t.span));
        let mut written = std::collections::HashMap::new();
        for s in spans {
            let text = p.sources.text(s.file).get(s.range.clone());
            if let Some(w) = text.and_then(crate::tables::written_places) {
                written.insert(s.range.start, w);
            }
        }
        k.written = written;
    }
    if let Some(t) = valve.kpi_table.as_mut() {
        let fixed: Vec<bool> = t
            .table
            .columns
            .iter()
            .map(|c| {
                valve
                    .kpis
                    .iter()
                    .any(|k| k.id == c.id.value && k.places.is_some())
            })
            .collect();
        crate::tables::keep_typed_places(&mut t.table, &p.sources, &fixed);
    }
    reserved_table_ids(&tables, &render::valve::EXPORTS, p);
    fn per<'a>(
        v: &'a [crate::model::valve::PerUpdate<String>],
        what: &'static str,
    ) -> impl Iterator<Item = (&'a str, &'a Span, &'static str)> {
        v.iter()
            .map(move |a| (a.value.value.as_str(), &a.value.span, what))
    }
    let mut texts: Vec<(&str, &Span, &'static str)> = Vec::new();
    for c in &valve.conditions {
        texts.push((c.text.as_str(), &c.number.span, "the condition's text"));
        texts.extend(per(&c.assurance, "the assurance"));
    }
    for r in &valve.risks {
        texts.push((r.title.as_str(), &r.number.span, "the risk's title"));
        texts.extend(per(&r.assurance, "the assurance"));
    }
    for k in &valve.kpis {
        texts.push((k.name.as_str(), &k.id_span, "the KPI's name"));
        texts.extend(per(&k.comments, "the comment"));
    }
    workbook_limits(&tables, texts, &mut p.diags);
    valve.table_figures = crate::tables::lock_fields(&tables);
    Some((valve, node, tables, settings))
}

fn prepare_valve(project: &Project, doc: &Document, p: &mut Prepared) {
    let Some((mut valve, node, mut tables, settings)) = read_valve(project, doc, p) else {
        return;
    };
    // The lock, read once: its amendments and the record the account of
    // what changed is computed against, then checked below.
    let lock = crate::lock::read(project, doc);
    if let Ok(Some(lock)) = &lock {
        valve.changes = crate::lock::changes(lock, &valve, &p.sources);
        valve.amendments = lock.amendments.clone();
    }
    // What changed since the last submitted update: a table like any other,
    // placed by `{{ changes() }}` and exported.
    tables.extend(crate::tables::valve::changes_table(&valve, &mut p.diags));
    check_layout(project, &valve.layout, p);
    p.layout = Some(valve.layout.value.label());
    let _text = render::format::layout_text(valve.layout.value.version);
    let built_locked = || {
        crate::lock::recorded(project, doc).map(|r| r || crate::manifest::was_locked(project, doc))
    };
    crate::lock::check(doc, &lock, &valve, &built_locked, &mut p.diags);
    // Templates run even when the figures have errors, so that prose figures
    // that disagree with their cells show in the same run; nothing is kept.
    let had_errors = p.diags.has_errors();
    // The return's appendices with their own Markdown, read through the project.
    let mut appendix_files = Vec::new();
    for (i, a) in valve.appendices.iter().enumerate() {
        let Some(path) = &a.markdown else { continue };
        match load::read_ref(
            &project.root,
            &doc.dir,
            &path.value,
            &path.span,
            &mut p.sources,
        ) {
            Ok((f, rel)) => {
                p.inputs.push(rel);
                appendix_files.push((i, f));
            }
            Err(d) => p.diags.push(d),
        }
    }
    let rendered = render::valve::render(
        &valve,
        node.to_json(),
        &tables,
        &settings,
        &p.sources,
        &appendix_files,
        &mut p.diags,
    );
    if !had_errors && !p.diags.has_errors() {
        p.rendered = vec![(String::new(), rendered)];
        for (name, csv) in render::valve::csv_tables(&valve, &settings) {
            p.extras.push((format!("{name}.csv"), csv.into_bytes()));
        }
        table_csvs(&tables, p);
        match render::valve::xlsx(&valve, &tables, &settings) {
            Ok(bytes) => p.extras.push(("xlsx".into(), bytes)),
            Err(e) => p.diags.push(Diagnostic::error(
                Code::Output,
                format!("cannot make the spreadsheet: {e}"),
            )),
        }
    }
}

fn prepare_app(project: &Project, doc: &Document, p: &mut Prepared) {
    let rel = doc.dir.join(DocKind::App.file_name());
    let Some((file, node)) = parse_file(&project.root, &rel, p) else {
        return;
    };
    let settings = validate::project::document_settings(&node, &project.settings, &mut p.diags);
    let Some(mut plan) = validate::app::plan(&doc.id, file, &node, &project.settings, &mut p.diags)
    else {
        return;
    };
    if let Some(t) = plan.kpi_table.as_mut() {
        let fixed: Vec<bool> = t
            .table
            .columns
            .iter()
            .map(|c| {
                plan.kpis
                    .iter()
                    .any(|k| k.id.value == c.id.value && k.places.is_some())
            })
            .collect();
        crate::tables::keep_typed_places(&mut t.table, &p.sources, &fixed);
    }
    let fixed = crate::tables::fixed_of(plan.kpi_table.as_ref(), None, None);
    let tables = read_tables(project, doc, &node, &plan.layout, fixed, p);
    workbook_limits(&tables, [], &mut p.diags);
    check_layout(project, &plan.layout, p);
    p.layout = Some(plan.layout.value.label());
    let _text = render::format::layout_text(plan.layout.value.version);
    if p.diags.has_errors() {
        return;
    }
    let rendered = render::app::render(
        &plan,
        node.to_json(),
        &tables,
        &settings,
        &p.sources,
        &mut p.diags,
    );
    if !p.diags.has_errors() {
        p.rendered = rendered;
        table_csvs(&tables, p);
        let mut own = crate::tables::app::rating_tables(&plan, &settings, &mut p.diags);
        // The KPI values, after the rating counts: derived KPIs as formulas.
        own.extend(plan.kpi_table.clone());
        if !tables.is_empty() || !own.is_empty() {
            match crate::tables::xlsx(&own, &tables, &plan.title, plan.report_date, &settings) {
                Ok(bytes) => p.extras.push(("xlsx".into(), bytes)),
                Err(e) => p.diags.push(Diagnostic::error(
                    Code::Output,
                    format!("cannot make the spreadsheet: {e}"),
                )),
            }
        }
    }
}

fn prepare_appendix(project: &Project, doc: &Document, p: &mut Prepared) {
    let rel = doc.dir.join(DocKind::Appendix.file_name());
    let Some((_, node)) = parse_file(&project.root, &rel, p) else {
        return;
    };
    let Some(mut m) = validate::MapReader::new(&node, "the appendix", &mut p.diags) else {
        return;
    };
    if let Some(k) = m.opt("kind") {
        validate::one_of(
            k,
            &["risk-appendix"],
            "document kind for appendix.yaml",
            m.diags,
        );
    }
    let layout = validate::paper::layout(&mut m, "risk-appendix");
    let title = m.text("title");
    let register = m.text("register");
    let since = m.opt_text("since").map(|t| t.value);
    m.finish();
    check_layout(project, &layout, p);
    p.layout = Some(layout.value.label());
    let _text = render::format::layout_text(layout.value.version);
    let (Some(title), Some(register)) = (title, register) else {
        return;
    };
    let scheme = project
        .settings
        .risk_scheme
        .clone()
        .unwrap_or_else(Scheme::default_5x5);
    let Some((reg, reg_path)) = load_register(
        project,
        &doc.dir,
        &register.value,
        &register.span,
        &scheme,
        p,
    ) else {
        return;
    };
    words_need_v2(&reg, &register.span, &layout, p);
    let previous = reg.previous.clone().and_then(|prev| {
        let base = reg_path.parent().unwrap_or(Path::new("")).to_path_buf();
        load_register(project, &base, &prev.value, &prev.span, &scheme, p).map(|(r, _)| r)
    });
    validate::risk::check_directions(&reg, previous.as_ref(), &mut p.diags);
    if p.diags.has_errors() {
        return;
    }
    let pr = PaperRegister {
        name: "main".into(),
        register: reg,
        previous,
    };
    let rendered = render::appendix(
        &title.value,
        &layout.value.path(),
        &pr,
        since.as_deref(),
        &project.settings,
        &p.sources,
        &mut p.diags,
    );
    if !p.diags.has_errors() {
        p.rendered = vec![(String::new(), rendered)];
    }
}
