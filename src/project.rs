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
            Code::Project,
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
                    Code::Project,
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
    let settings = match crate::load::yaml::parse(sources, file) {
        Ok(node) => crate::validate::project::settings(&node, diags),
        Err(d) => {
            diags.push(d);
            Settings::default()
        }
    };
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
    Some(Project {
        root: root.to_path_buf(),
        settings,
        documents,
        config_text: sources.text(file).to_string(),
    })
}

impl Project {
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
                        Code::Project,
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
