//! The Typst `World`: what a layout may read, and nothing more.
//!
//! - `/_quire/main.typ`, `/_quire/content.typ`, `/_quire/data.json`: generated, in memory;
//! - `layouts/<file>.typ`: the project's own file when it exists, otherwise the copy
//!   shipped in the binary ([`super::shipped`]);
//! - any other path: a file under the project root, after checking that, with
//!   symlinks resolved, it stays inside the root;
//! - packages (`@preview/…`): refused with a clear error; nothing is downloaded;
//! - `today()`: the document's date, never the clock.
//!
//! A world lives for one compile. `quire watch` keeps each document's parsed
//! [`Sources`] from one compile to the next: a file whose text changed is
//! reparsed incrementally ([`Source::replace`]), so the syntax nodes of what did
//! not change keep their spans and Typst's memoized evaluation and layout of
//! them still apply; a file whose text did not change is the same `Source`.

use super::fonts::{self, FontSet};
use super::shipped;
use crate::render::Rendered;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};

/// Largest project file Typst may read (a layout, the logo).
const MAX_READ: u64 = 64 * 1024 * 1024;
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

pub struct QuireWorld {
    root: PathBuf,
    library: &'static LazyHash<Library>,
    fonts: std::sync::Arc<FontSet>,
    main: FileId,
    virtual_files: HashMap<FileId, String>,
    cache: Mutex<HashMap<FileId, FileResult<Bytes>>>,
    /// Files served from the layouts shipped in the binary.
    shipped: Mutex<HashSet<FileId>>,
    sources: Mutex<HashMap<FileId, Source>>,
    /// The sources of the document's previous compile (`quire watch`).
    previous: Sources,
    today: Option<Datetime>,
}

/// The parsed sources of one compile of a document, to start the next compile
/// of the same document from (see the module docs). Only the files that compile
/// read are kept, so it holds at most one document's layouts and generated files.
#[derive(Default)]
pub struct Sources(HashMap<FileId, Source>);

impl Sources {
    /// The source for `id` with `text`: the previous one when its text is the
    /// same, else the previous one edited to `text` (an incremental reparse),
    /// else a fresh parse. The syntax tree is the same either way; only the
    /// spans' numbers may differ from a fresh parse.
    fn source(&self, id: FileId, text: &str) -> Source {
        match self.0.get(&id) {
            Some(s) if s.text() == text => s.clone(),
            Some(s) => {
                let mut s = s.clone();
                s.replace(text);
                s
            }
            None => Source::new(id, text.into()),
        }
    }
}

/// The standard library, built once per process. The accessibility extras
/// (`pdf.header-cell` for row headers) are enabled.
fn library() -> &'static LazyHash<Library> {
    static LIB: std::sync::OnceLock<LazyHash<Library>> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        LazyHash::new(
            Library::builder()
                .with_features([typst::Feature::A11yExtras].into_iter().collect())
                .build(),
        )
    })
}

pub fn vid(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("static virtual path"),
    )
    .intern()
}

impl QuireWorld {
    pub fn new(root: &Path, r: &Rendered) -> Self {
        let main = vid("/_quire/main.typ");
        let mut virtual_files = HashMap::new();
        virtual_files.insert(main, r.main.clone());
        virtual_files.insert(vid("/_quire/content.typ"), r.content.clone());
        virtual_files.insert(vid(crate::render::DATA_JSON), r.data.clone());
        for (path, text) in &r.extra {
            if let Ok(vp) = VirtualPath::new(path) {
                virtual_files.insert(
                    RootedPath::new(VirtualRoot::Project, vp).intern(),
                    text.clone(),
                );
            }
        }
        use chrono::Datelike;
        QuireWorld {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            library: library(),
            fonts: fonts::for_project(root),
            main,
            virtual_files,
            cache: Mutex::new(HashMap::new()),
            shipped: Mutex::new(HashSet::new()),
            sources: Mutex::new(HashMap::new()),
            previous: Sources::default(),
            today: Datetime::from_ymd(r.date.year(), r.date.month() as u8, r.date.day() as u8),
        }
    }

    /// Starts from the sources of the document's previous compile.
    pub fn with_previous(mut self, previous: Sources) -> Self {
        self.previous = previous;
        self
    }

    /// The sources this compile used, for the next compile of the same document.
    pub fn into_sources(self) -> Sources {
        Sources(self.sources.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    /// The project files read so far (not the generated ones), sorted; a layout
    /// served from the binary is named `(shipped) layouts/<file>.typ`.
    pub fn files_read(&self) -> Vec<String> {
        let shipped = self.shipped.lock().map(|s| s.clone()).unwrap_or_default();
        let mut v: Vec<String> = self
            .cache
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(_, r)| r.is_ok())
                    .map(|(id, _)| {
                        let path = id.get().vpath().get_without_slash().to_string();
                        if shipped.contains(id) {
                            format!("{}{path}", shipped::PREFIX)
                        } else {
                            path
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// The SHA-256 of each project file read (not the generated ones, nor a
    /// shipped layout), as it was read, by project-relative path.
    pub fn digests(&self) -> std::collections::BTreeMap<String, String> {
        let shipped = self.shipped.lock().map(|s| s.clone()).unwrap_or_default();
        self.cache
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(id, _)| !shipped.contains(*id))
                    .filter_map(|(id, r)| {
                        let bytes = r.as_ref().ok()?;
                        let path = id.get().vpath().get_without_slash().to_string();
                        Some((path, crate::source::sha256(bytes)))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn read(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(text) = self.virtual_files.get(&id) {
            return Ok(Bytes::from_string(text.clone()));
        }
        let rooted = id.get();
        if let VirtualRoot::Package(spec) = rooted.root() {
            return Err(FileError::Package(PackageError::Other(Some(
                format!("quire does not download or use Typst packages ({spec}); layouts must be self-contained in layouts/").into(),
            ))));
        }
        if let Some(Ok(b)) = self.cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
            return Ok(b);
        }
        let rel = rooted.vpath().get_without_slash();
        if shipped::serves(&self.root, rel)
            && let Some(text) = shipped::path(rel)
        {
            let bytes = Bytes::new(text.as_bytes());
            if let (Ok(mut c), Ok(mut s)) = (self.cache.lock(), self.shipped.lock()) {
                c.insert(id, Ok(bytes.clone()));
                s.insert(id);
            }
            return Ok(bytes);
        }
        let path = rooted
            .vpath()
            .realize(&self.root)
            .map_err(FileError::Realize)?;
        let real = path
            .canonicalize()
            .map_err(|e| FileError::from_io(e, &path))?;
        if !real.starts_with(&self.root) {
            return Err(FileError::AccessDenied);
        }
        if real.is_dir() {
            return Err(FileError::IsDirectory);
        }
        // Only a regular file of a bounded size (a FIFO would block the read).
        let bytes = crate::load::read_regular(&real, MAX_READ)
            .map(Bytes::new)
            .map_err(|e| FileError::from_io(e, &path));
        if let Ok(mut c) = self.cache.lock() {
            c.insert(id, bytes.clone());
        }
        bytes
    }
}

impl World for QuireWorld {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(s) = self.sources.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(s);
        }
        let bytes = self.read(id)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| FileError::InvalidUtf8)?;
        let source = self.previous.source(id, text);
        if let Ok(mut m) = self.sources.lock() {
            m.insert(id, source.clone());
        }
        Ok(source)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.read(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}
