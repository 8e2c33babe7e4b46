//! The "native" side of the big-document benchmark (`benches/run.sh`): compiles
//! a Typst source tree to PDF the way typst-cli's `typst compile` does, with the
//! same Typst crates (and so the same version) quire embeds, to measure how far
//! quire's build of a document is from Typst compiling the same source alone.
//!
//! Run: `cargo run --release --example typst_native -- ROOT MAIN OUT.pdf`
//!
//! `ROOT` is a plain folder: every file is read from it on demand (like
//! typst-cli's system world, with `--root ROOT`), `MAIN` is the entry file's
//! path inside it (e.g. `/_quire/main.typ`, as `quire build --keep-sources`
//! writes next to each PDF). Fonts are quire's bundled ones plus `ROOT/fonts/`
//! (typst-cli with `--font-path` and `--ignore-system-fonts`). As in typst-cli,
//! Typst's parallel work runs on rayon's global pool (one thread per core).
//! Prints the compile and export times and the page count to stderr.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

/// A folder on disk, read lazily and cached, as typst-cli's `SystemWorld`.
struct DirWorld {
    root: PathBuf,
    main: FileId,
    library: LazyHash<Library>,
    fonts: Arc<quire::typeset::fonts::FontSet>,
    files: Mutex<HashMap<FileId, FileResult<Bytes>>>,
    sources: Mutex<HashMap<FileId, FileResult<Source>>>,
}

impl DirWorld {
    fn read(&self, id: FileId) -> FileResult<Bytes> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .entry(id)
            .or_insert_with(|| {
                let path = id
                    .get()
                    .vpath()
                    .realize(&self.root)
                    .map_err(FileError::Realize)?;
                std::fs::read(&path)
                    .map(Bytes::new)
                    .map_err(|e| FileError::from_io(e, &path))
            })
            .clone()
    }
}

impl World for DirWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(s) = self.sources.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return s;
        }
        let source = self.read(id).and_then(|b| {
            let text = std::str::from_utf8(&b).map_err(|_| FileError::InvalidUtf8)?;
            Ok(Source::new(id, text.into()))
        });
        if let Ok(mut m) = self.sources.lock() {
            m.insert(id, source.clone());
        }
        source
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.read(id)
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Datetime::from_ymd(2026, 1, 1)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, main, out] = args.as_slice() else {
        eprintln!("usage: typst_native ROOT MAIN OUT.pdf  (e.g. ROOT /_quire/main.typ out.pdf)");
        return ExitCode::from(2);
    };
    let root = Path::new(root);
    let Ok(vpath) = VirtualPath::new(main) else {
        eprintln!("typst_native: bad main path {main}");
        return ExitCode::from(2);
    };
    let world = DirWorld {
        root: root.to_path_buf(),
        main: RootedPath::new(VirtualRoot::Project, vpath).intern(),
        // quire's layouts use `pdf.header-cell`: typst-cli's `--features a11y-extras`.
        library: LazyHash::new(
            Library::builder()
                .with_features([typst::Feature::A11yExtras].into_iter().collect())
                .build(),
        ),
        fonts: Arc::new(quire::typeset::fonts::load(root)),
        files: Mutex::new(HashMap::new()),
        sources: Mutex::new(HashMap::new()),
    };
    let started = Instant::now();
    let result = typst::compile::<PagedDocument>(&world);
    let compile = started.elapsed();
    let doc = match result.output {
        Ok(doc) => doc,
        Err(errors) => {
            for e in errors.iter() {
                eprintln!("error: {}", e.message);
            }
            return ExitCode::from(1);
        }
    };
    let started = Instant::now();
    let options = PdfOptions {
        tagged: true,
        ..PdfOptions::default()
    };
    let pdf = match typst_pdf::pdf(&doc, &options) {
        Ok(pdf) => pdf,
        Err(errors) => {
            for e in errors.iter() {
                eprintln!("error: {}", e.message);
            }
            return ExitCode::from(1);
        }
    };
    let export = started.elapsed();
    if let Err(e) = std::fs::write(out, pdf) {
        eprintln!("typst_native: cannot write {out}: {e}");
        return ExitCode::from(1);
    }
    eprintln!(
        "typst_native: {} pages, compile {:.1} ms, pdf {:.1} ms",
        doc.pages().len(),
        compile.as_secs_f64() * 1000.0,
        export.as_secs_f64() * 1000.0
    );
    ExitCode::SUCCESS
}
