//! Discover: find the project root, read `quire.yaml`, list the documents.
//!
//! Stage: discover. A project is a folder with `quire.yaml`; its documents are the
//! folders under `content/` that hold a `paper.yaml` (a committee paper) or a
//! `return.yaml` (a Safety Valve return). Other
//! folders under `content/` (for example `registers/`) hold shared data.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load;
use crate::model::Settings;
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

pub const PROJECT_FILE: &str = "quire.yaml";

/// The file that makes a folder under `content/` a meeting (`quire pack`).
pub const MEETING_FILE: &str = "meeting.yaml";

/// The kinds of document quire builds, by the file that marks their folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// A committee paper (`paper.yaml`).
    Paper,
    /// A DfE Safety Valve monitoring return (`return.yaml`).
    Valve,
    /// An Accelerated Progress Plan report and KPI scorecard (`plan.yaml`).
    App,
    /// A risk register's appendix on its own (`appendix.yaml`).
    Appendix,
}

impl DocKind {
    pub const ALL: &'static [(DocKind, &'static str)] = &[
        (DocKind::Paper, "paper.yaml"),
        (DocKind::Valve, "return.yaml"),
        (DocKind::App, "plan.yaml"),
        (DocKind::Appendix, "appendix.yaml"),
    ];

    pub fn file_name(self) -> &'static str {
        DocKind::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("paper.yaml", |(_, f)| f)
    }
}

/// One buildable document.
#[derive(Clone, Debug)]
pub struct Document {
    /// Folder name under `content/`; also the output file stem.
    pub id: String,
    pub kind: DocKind,
    /// The document's folder, relative to the project root.
    pub dir: PathBuf,
}

pub struct Project {
    pub root: PathBuf,
    pub settings: Settings,
    pub documents: Vec<Document>,
    /// Text of `quire.yaml`, for diagnostics and input hashes.
    pub config_text: String,
    /// The SHA-256 of `quire.yaml` as it was read (for the manifest).
    pub config_digest: Option<String>,
    /// Bundled fonts and the project's own `fonts/`, loaded once.
    pub fonts: std::sync::Arc<crate::typeset::fonts::FontSet>,
}

/// Finds the project: `dir` itself if given, else the nearest ancestor of the
/// current directory holding `quire.yaml`.
pub fn find_root(dir: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    let start = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().map_err(|e| {
            Diagnostic::error(
                Code::Project,
                format!("cannot read the current directory: {e}"),
            )
        })?,
    };
    if dir.is_some() {
        if start.join(PROJECT_FILE).is_file() {
            return Ok(start);
        }
        return Err(Diagnostic::error(
            Code::Usage,
            format!("no {PROJECT_FILE} in {}", start.display()),
        )
        .help("pass --project with the folder that holds quire.yaml"));
    }
    let mut cur = start.as_path();
    loop {
        if cur.join(PROJECT_FILE).is_file() {
            return Ok(cur.to_path_buf());
        }
        match cur.parent() {
            Some(p) => cur = p,
            None => {
                return Err(Diagnostic::error(
                    Code::Usage,
                    format!(
                        "no {PROJECT_FILE} found in {} or any parent folder",
                        start.display()
                    ),
                )
                .help("run quire inside a project, or pass --project DIR"));
            }
        }
    }
}

/// Reads `quire.yaml` and lists the documents. Problems in `quire.yaml` go to `diags`
/// (rendered with `sources`).
pub fn open(root: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> Option<Project> {
    let file = match load::read(root, Path::new(PROJECT_FILE), sources) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    // Read on past a misindented key, so that every problem shows in one run.
    let (node, problems) = crate::load::yaml::parse_all(sources, file);
    problems.into_iter().for_each(|d| diags.push(d));
    let settings = match node {
        Some(node) => crate::validate::project::settings(&node, diags),
        None => Settings::default(),
    };
    let mut settings = settings;
    if let Some(d) = settings.logo.as_ref().and_then(|l| logo_problem(root, l)) {
        diags.push(d);
        settings.logo = None;
    }
    let mut documents = Vec::new();
    let content = root.join("content");
    let mut dirs: Vec<_> = std::fs::read_dir(&content)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    dirs.sort_by_key(|e| e.file_name());
    for e in dirs {
        let name = e.file_name().to_string_lossy().to_string();
        for (kind, marker) in DocKind::ALL {
            if e.path().join(marker).is_file() {
                documents.push(Document {
                    id: name.clone(),
                    kind: *kind,
                    dir: Path::new("content").join(&name),
                });
            }
        }
    }
    let fonts = crate::typeset::fonts::for_project(root);
    fonts.problems.iter().for_each(|d| diags.push(d.clone()));
    if let Some(d) = fonts.check_style(&settings.style) {
        diags.push(d);
    }
    let project = Project {
        root: root.to_path_buf(),
        settings,
        documents,
        config_text: sources.text(file).to_string(),
        config_digest: sources.digest(PROJECT_FILE).map(str::to_string),
        fonts,
    };
    project.check_outputs(diags);
    Some(project)
}

impl Project {
    /// The files a document writes into the output folder (PDFs, tables,
    /// workbooks), as far as they are known before it is built.
    pub fn outputs_of(doc: &Document) -> Vec<String> {
        let id = &doc.id;
        match doc.kind {
            DocKind::App => vec![format!("{id}.pdf"), format!("{id}-scorecard.pdf")],
            DocKind::Valve => vec![format!("{id}.pdf"), format!("{id}.xlsx")],
            DocKind::Paper | DocKind::Appendix => vec![format!("{id}.pdf")],
        }
    }

    /// Reports every output file that two documents (or a document and a
    /// meeting's pack) would both write: which one survives would depend on timing.
    pub fn check_outputs(&self, diags: &mut Diagnostics) {
        let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for d in &self.documents {
            let source = format!("{}/{}", load::display(&d.dir), d.kind.file_name());
            for out in Self::outputs_of(d) {
                owners.entry(out).or_default().push(source.clone());
            }
        }
        for m in self.meetings() {
            owners
                .entry(format!("{m}-pack.pdf"))
                .or_default()
                .push(format!("content/{m}/meeting.yaml"));
        }
        for (out, sources) in owners {
            if sources.len() > 1 {
                diags.push(
                    Diagnostic::error(
                        Code::OutputCollision,
                        format!("`{out}` would be written by {}", sources.join(" and ")),
                    )
                    .help("give each document a folder of its own, with one of paper.yaml, return.yaml, plan.yaml or appendix.yaml, and a name that no other output uses"),
                );
            }
        }
    }

    /// The meetings: folders under `content/` holding `meeting.yaml`.
    pub fn meetings(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root.join("content"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join(MEETING_FILE).is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    /// The documents named (all when `names` is empty); unknown names are reported.
    pub fn select(&self, names: &[String], diags: &mut Diagnostics) -> Vec<Document> {
        if names.is_empty() {
            return self.documents.clone();
        }
        let mut out = Vec::new();
        for n in names {
            let n = n.trim_end_matches('/');
            let key = Path::new(n)
                .file_name()
                .map_or(n.to_string(), |s| s.to_string_lossy().to_string());
            match self.documents.iter().find(|d| d.id == key) {
                Some(d) => out.push(d.clone()),
                None => {
                    let mut d = Diagnostic::error(
                        Code::Usage,
                        format!("no document named `{n}` under content/"),
                    );
                    d = match crate::diag::did_you_mean(
                        &key,
                        self.documents.iter().map(|d| d.id.as_str()),
                    ) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!(
                            "the documents are: {}",
                            self.documents
                                .iter()
                                .map(|d| d.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    diags.push(d);
                }
            }
        }
        out
    }
}

/// Largest logo file quire reads (a logo is a small file; this bounds memory).
const MAX_LOGO_BYTES: u64 = 4 * 1024 * 1024;

/// Most pixels a PNG logo may declare: a PNG's pixels are unpacked in full
/// when the PDF is written, and a few kilobytes can declare billions.
const MAX_LOGO_PIXELS: u64 = 25_000_000;

/// Why a PNG declares more pixels than a logo needs (`None` for a file that
/// is not a PNG, or a PNG within bounds).
fn png_too_large(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 24];
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    if head[..8] != *b"\x89PNG\r\n\x1a\n" || head[12..16] != *b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes([head[16], head[17], head[18], head[19]]) as u64;
    let h = u32::from_be_bytes([head[20], head[21], head[22], head[23]]) as u64;
    (w * h > MAX_LOGO_PIXELS).then(|| {
        format!("a PNG of {w} × {h} pixels (a logo needs at most {MAX_LOGO_PIXELS} pixels)")
    })
}

/// Why the logo named in `quire.yaml` cannot be used: missing, outside the project
/// (through a link), or too large; `None` when it is a file inside the project.
fn logo_problem(root: &Path, logo: &crate::model::Logo) -> Option<Diagnostic> {
    let path = root.join(&logo.file.value);
    let inside = crate::load::inside(root, &path);
    let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file());
    let why = match meta {
        None => "no such file in the project".to_string(),
        Some(_) if !inside => "outside the project".to_string(),
        Some(m) if m.len() > MAX_LOGO_BYTES => "larger than 4 MB".to_string(),
        Some(_) => png_too_large(&path)?,
    };
    Some(
        Diagnostic::error(
            Code::MissingFile,
            format!("the logo `{}` cannot be used: {why}", logo.file.value),
        )
        .at(&logo.file.span, "logo named here")
        .help("put the SVG or PNG file (at most 4 MB and 25 million pixels) inside the project and name it relative to quire.yaml"),
    )
}
