//! `quire build`: validate, typeset and write every selected document.
//!
//! Documents build in parallel (worker threads; Typst itself uses rayon), with
//! a progress bar on a terminal. A
//! document with errors is reported and skipped — its existing PDF is left
//! untouched — and the others still build; the exit status is 1 if any failed.
//! Documents whose inputs match `out/manifest.json` are skipped (`--force`
//! rebuilds them); `--shard K/N` builds a deterministic subset.

use super::{INTERNAL, INVALID, OK, exit, open, render, summary_line};
use crate::cli::{BuildArgs, Global, PdfStandardArg};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::manifest::{self, Entry};
use crate::pipeline;
use crate::project::{Document, Project};
use crate::typeset::PdfSettings;
use crate::typeset::backend::{self, BACKENDS, Backend, Edition, Failure, RenderContext};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use typst_pdf::PdfStandard;

/// Settings for one build, fixed before any work starts.
pub struct BuildConfig {
    pub out: PathBuf,
    pub pdf: PdfSettings,
    /// The PDF options and non-default formats as recorded in the manifest.
    pub options: Vec<String>,
    pub keep_sources: bool,
    pub verbose: bool,
    /// `--draft`: a paper whose only errors are departures from its report
    /// template is written as `<id>.draft.pdf`, marked DRAFT.
    pub draft: bool,
    /// Validate only, write nothing (set when quire.yaml itself has errors:
    /// building with fallback settings would overwrite good PDFs with wrong ones).
    pub validate_only: bool,
    /// The editions to write (`<id>.pdf`, `<id>.html` …), in the registry's order.
    pub backends: Vec<&'static dyn Backend>,
    /// Drop Typst's stale memoized results after each document (keeps memory
    /// flat over a long `watch` or `verify`). `build` evicts before each
    /// document instead, so the last one does not pay for it: on a
    /// 1,000-page document eviction walks a cache of millions of entries
    /// (0.2–0.3 s) just before the process ends anyway.
    pub evict: bool,
    /// The day each document was first built, as the output folder's
    /// manifest records it ([`BuildConfig::with_created`]); a document not
    /// recorded is first built `today`.
    pub created: BTreeMap<String, chrono::NaiveDate>,
    pub today: chrono::NaiveDate,
}

impl BuildConfig {
    pub fn new(
        out: PathBuf,
        standards: &[PdfStandardArg],
        keep_sources: bool,
        verbose: bool,
    ) -> Self {
        let pdf = PdfSettings {
            created: None,
            standards: standards
                .iter()
                .map(|s| match s {
                    PdfStandardArg::A2b => PdfStandard::A_2b,
                    PdfStandardArg::A2a => PdfStandard::A_2a,
                    PdfStandardArg::A3b => PdfStandard::A_3b,
                    PdfStandardArg::Ua1 => PdfStandard::Ua_1,
                })
                .collect(),
        };
        use clap::ValueEnum;
        let mut options: Vec<String> = standards
            .iter()
            .filter_map(|s| s.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        options.sort();
        BuildConfig {
            out,
            pdf,
            options,
            keep_sources,
            verbose,
            validate_only: false,
            draft: false,
            backends: vec![&backend::Pdf],
            evict: true,
            created: BTreeMap::new(),
            today: manifest::today(),
        }
    }

    /// Takes the day each document was first built from a manifest.
    pub fn with_created(mut self, m: &manifest::Manifest) -> Self {
        self.created = m.created();
        self
    }

    /// The day `id` was first built: as recorded, else today.
    pub fn created(&self, id: &str) -> chrono::NaiveDate {
        self.created.get(id).copied().unwrap_or(self.today)
    }

    /// Chooses the output formats (names of back ends); the manifest records a
    /// change from the default (PDF only) so a document is rebuilt when its
    /// formats change: each other format by name, and `no-pdf`.
    pub fn with_formats(mut self, formats: &[&str]) -> Self {
        self.backends = BACKENDS
            .iter()
            .copied()
            .filter(|b| formats.contains(&b.name()))
            .collect();
        for b in &self.backends {
            if b.name() != "pdf" {
                self.options.push(b.name().into());
            }
        }
        if !formats.contains(&"pdf") {
            self.options.push("no-pdf".into());
        }
        self.options.sort();
        self
    }

    /// The formats recorded in a manifest entry's options.
    pub fn formats_from_options(options: &[String]) -> Vec<&'static str> {
        BACKENDS
            .iter()
            .map(|b| b.name())
            .filter(|&n| match n {
                "pdf" => !options.iter().any(|o| o == "no-pdf"),
                n => options.iter().any(|o| o == n),
            })
            .collect()
    }
}

/// The formats to write: `--format` if given, else `formats` in quire.yaml.
pub fn formats_for(
    cli: Option<crate::cli::FormatArg>,
    settings: &crate::model::Settings,
) -> Vec<&'static str> {
    use crate::cli::FormatArg;
    BACKENDS
        .iter()
        .map(|b| b.name())
        .filter(|&n| match cli {
            Some(FormatArg::Pdf) => n == "pdf",
            Some(FormatArg::Html) => n == "html",
            Some(FormatArg::Docx) => n == "docx",
            Some(FormatArg::All) => true,
            None => settings.formats.iter().any(|f| f == n),
        })
        .collect()
}

/// What happened to one document.
#[derive(Default)]
pub struct Outcome {
    pub id: String,
    pub messages: String,
    pub errors: usize,
    pub warnings: usize,
    pub pages: Option<usize>,
    pub internal: bool,
    pub skipped: bool,
    /// The manifest entry for what was written.
    pub entry: Option<Entry>,
    /// The problems found, by code (for the summary at the end of the run).
    pub tally: super::Tally,
    /// Project-relative files the document was made from, as far as it got
    /// (`quire watch` rebuilds it when one changes).
    pub inputs: Vec<String>,
}

/// The PDF standards for a build: those on the command line, else the project's.
pub fn standards_for(
    cli: &[PdfStandardArg],
    settings: &crate::model::Settings,
) -> Vec<PdfStandardArg> {
    if !cli.is_empty() {
        return cli.to_vec();
    }
    standards_named(&settings.pdf_standards)
}

/// The PDF standards among `names` (as `quire.yaml` or a manifest entry's
/// options write them); other names are left out.
pub fn standards_named(names: &[String]) -> Vec<PdfStandardArg> {
    use clap::ValueEnum;
    names
        .iter()
        .filter_map(|s| PdfStandardArg::from_str(s, true).ok())
        .collect()
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 2/8")?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| "K is not a number")?,
        n.trim().parse().map_err(|_| "N is not a number")?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!(
            "shard {k}/{n} does not exist: K must be between 1 and N"
        ));
    }
    Ok((k, n))
}

/// Whether a document belongs to shard K of N: by a hash of its id, so a
/// document's shard never changes when others are added or removed.
pub fn in_shard(id: &str, k: u64, n: u64) -> bool {
    let h = manifest::sha256(id.as_bytes());
    let v = u64::from_str_radix(&h[..16], 16).unwrap_or(0);
    v % n == k - 1
}

pub fn run(global: &Global, args: &BuildArgs) -> ExitCode {
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: invalid --shard: {e}");
            return exit(INTERNAL);
        }
    };
    let (project, project_errors) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let standards = standards_for(&args.pdf_standard, &project.settings);
    let formats = formats_for(args.format, &project.settings);
    let mut config = BuildConfig::new(
        args.out.clone().unwrap_or_else(|| project.root.join("out")),
        &standards,
        args.keep_sources,
        global.verbose,
    )
    .with_formats(&formats);
    config.validate_only = project_errors > 0;
    config.evict = false;
    config.draft = args.draft;
    let mut select = Diagnostics::default();
    let mut docs = project.select(&args.documents, &mut select);
    if select.has_errors() {
        // An unknown document name is a usage error: nothing is built.
        eprint!(
            "{}",
            render(&select, &crate::source::SourceMap::new(), global)
        );
        return exit(INTERNAL);
    }
    if let Some((k, n)) = shard {
        docs.retain(|d| in_shard(&d.id, k, n));
    }
    let jobs = match super::jobs(args.jobs) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let start = Instant::now();
    // One quire at a time per output folder (held until this run ends).
    let _lock = if config.validate_only {
        None
    } else {
        match crate::write::OutputLock::acquire(&config.out) {
            Ok(l) => Some(l),
            Err(e) => return super::busy(&e),
        }
    };
    let previous = manifest::load(&config.out);
    config.created = previous.created();
    let bar = (!global.quiet && docs.len() > 1 && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(docs.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let built_any = std::sync::atomic::AtomicBool::new(false);
    let work = |d: &Document| {
        let o = match previous.documents.get(&d.id) {
            Some(e)
                if !args.force
                    && manifest::changes(
                        &project.root,
                        Some(&config.out),
                        &d.dir,
                        e,
                        &config.options,
                    )
                    .is_empty() =>
            {
                Outcome {
                    id: d.id.clone(),
                    skipped: true,
                    entry: Some(e.clone()),
                    ..Outcome::default()
                }
            }
            // A panic in one document (a bug) must not take the others down.
            _ => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                // Memoized results of the documents built before this one:
                // dropped now rather than after each document (`config.evict`),
                // so the last document does not wait for it.
                if built_any.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    comemo::evict(10);
                }
                build_one(&project, d, &config, global)
            })).unwrap_or_else(|_| Outcome {
                id: d.id.clone(),
                internal: true,
                errors: 1,
                messages: format!("error: internal error while building `{}`; this is a bug in quire, please report it\n", d.id),
                ..Outcome::default()
            }),
        };
        if let Some(b) = &bar {
            b.inc(1);
            b.set_message(d.id.clone());
        }
        o
    };
    // `-j` is how many documents are built at once. Typst's own parallel work
    // (page runs laid out side by side, PDF export) runs on rayon: with one
    // document at a time on its global pool, one thread per core (as
    // typst-cli does), so a single big document uses every core; with several
    // at once, each worker has a pool of its share of the cores, so N
    // documents never ask for more threads than there are cores. Typst's
    // parallel work keeps its order, so the bytes do not depend on the pool.
    // Documents run on plain worker threads: if they ran as rayon tasks, a
    // document waiting inside Typst would pick up other documents' whole
    // builds on its own stack (hundreds deep in bulk builds).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = if jobs == 0 { cores } else { jobs }.clamp(1, docs.len().max(1));
    let outcomes = run_workers(&docs, workers, cores, work);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let (mut errors, mut warnings, mut built, mut skipped) =
        (select.error_count() + project_errors, 0, 0, 0);
    let mut internal = false;
    let mut recorded: BTreeMap<String, Entry> = BTreeMap::new();
    let mut tally = super::Tally::default();
    for o in &outcomes {
        tally.merge(&o.tally);
        eprint!("{}", o.messages);
        errors += o.errors;
        warnings += o.warnings;
        internal |= o.internal;
        if !global.quiet {
            match (o.skipped, o.pages) {
                (true, _) => {
                    if global.verbose {
                        eprintln!("{:>9} {} (up to date)", "skipped", o.id)
                    }
                }
                (false, Some(n)) => {
                    eprintln!("{:>9} {} ({})", "built", o.id, super::plural(n, "page"))
                }
                (false, None) => eprintln!("{:>9} {}", "failed", o.id),
            }
        }
        built += usize::from(!o.skipped && o.pages.is_some());
        skipped += usize::from(o.skipped);
        if let (false, Some(e)) = (o.skipped, &o.entry) {
            recorded.insert(o.id.clone(), e.clone());
        }
    }
    if !recorded.is_empty()
        && let Err(e) = manifest::update(&config.out, &recorded)
    {
        eprintln!(
            "error[{}]: cannot write the manifest: {e}",
            Code::Output.as_str()
        );
        internal = true;
    }
    // A pack is never older than the papers in it.
    if !config.validate_only && errors == 0 && !internal {
        let (f, i) = super::pack::repack_stale(&project, &config.out, global);
        errors += usize::from(f);
        internal |= i;
    }
    if !global.quiet {
        let skipped = if skipped > 0 {
            format!(", {skipped} up to date")
        } else {
            String::new()
        };
        eprintln!(
            "built {built} of {} document(s){skipped} into {} in {:.2}s: {}",
            docs.len(),
            config.out.display(),
            start.elapsed().as_secs_f64(),
            summary_line(errors, warnings)
        );
        if let Some(s) = tally.summary(global.verbose) {
            eprintln!("{s}");
        }
        if docs.is_empty() && args.documents.is_empty() && args.shard.is_none() {
            eprintln!("{}", super::NO_DOCUMENTS);
        }
    }
    exit(if internal {
        INTERNAL
    } else if errors > 0 {
        INVALID
    } else {
        OK
    })
}

/// Runs `work` on every document with `workers` threads; results in input order.
/// With more than one worker, each runs its documents in a rayon pool of its
/// own with `cores / workers` threads (at least one), where Typst's parallel
/// work then stays; a single worker uses rayon's global pool (every core).
fn run_workers<T: Send>(
    docs: &[Document],
    workers: usize,
    cores: usize,
    work: impl Fn(&Document) -> T + Sync,
) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<T>>> =
        docs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let share = (cores / workers.max(1)).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                // Without a pool of its own (one worker, or the pool could not
                // be made) the worker still builds, on the global pool.
                let pool = (workers > 1)
                    .then(|| {
                        rayon::ThreadPoolBuilder::new()
                            .num_threads(share)
                            .build()
                            .ok()
                    })
                    .flatten();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(doc) = docs.get(i) else { break };
                    let out = match &pool {
                        Some(p) => p.install(|| work(doc)),
                        None => work(doc),
                    };
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(out);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// Each output's file name and SHA-256, for the manifest.
fn output_hashes(files: &[(PathBuf, Vec<u8>)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(p, b)| {
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                manifest::sha256(b),
            )
        })
        .collect()
}

/// Makes the editions of one output, each back end with what it kept from
/// the output's last build: the first on this thread (where Typst's parallel
/// work has this worker's pool), the others beside it. Results in the back
/// ends' order.
fn editions(
    backends: &[&'static dyn Backend],
    cx: &RenderContext,
    stem: &str,
    warm: &mut Warm,
) -> Vec<Result<Edition, Failure>> {
    let mut kept: Vec<backend::Warm> = backends
        .iter()
        .map(|b| {
            warm.remove(&(stem.to_string(), b.name()))
                .unwrap_or_default()
        })
        .collect();
    let made = std::thread::scope(|s| {
        let mut jobs = backends.iter().zip(kept.iter_mut());
        let first = jobs.next();
        let others: Vec<_> = jobs.map(|(b, w)| s.spawn(|| b.render(cx, w))).collect();
        let mut made: Vec<_> = first.map(|(b, w)| b.render(cx, w)).into_iter().collect();
        for h in others {
            made.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        made
    });
    for (b, w) in backends.iter().zip(kept) {
        warm.insert((stem.to_string(), b.name()), w);
    }
    made
}

/// For the tests only (debug builds): `QUIRE_TEST_EDIT_AFTER_READ=FILE=TEXT`
/// saves TEXT to the project's FILE once the document's inputs have been
/// read, as an editor saving while a build runs would.
fn edit_after_read(project: &Project) {
    #[cfg(debug_assertions)]
    if let Some((rel, text)) = std::env::var("QUIRE_TEST_EDIT_AFTER_READ")
        .ok()
        .as_deref()
        .and_then(|v| v.split_once('='))
    {
        let _ = std::fs::write(project.root.join(rel), text);
    }
    #[cfg(not(debug_assertions))]
    let _ = project;
}

/// Builds one document; never panics the whole run.
pub fn build_one(
    project: &Project,
    doc: &Document,
    config: &BuildConfig,
    global: &Global,
) -> Outcome {
    build_one_warm(project, doc, config, global, &mut Warm::new())
}

/// What each back end kept from a document's previous build, by the output's
/// stem and the back end (`quire watch` keeps them from one rebuild to the next).
pub type Warm = BTreeMap<(String, &'static str), backend::Warm>;

/// `build --draft`: typesets the paper `r` (as rendered despite its errors)
/// with every page marked DRAFT and a first page listing its problems, and
/// writes it as `drafts/<id>.draft.pdf` in the output folder, never over
/// its last good outputs; the manifest does not list it, and the next good
/// build of the paper removes it. Only when every error is a departure from
/// the report template: a paper whose figures or data are wrong is not
/// typeset at all. Says what it did, for the document's messages.
/// The folder of the output folder that drafts are written to.
pub const DRAFTS: &str = "drafts";

fn write_draft(
    project: &Project,
    doc: &Document,
    config: &BuildConfig,
    r: Option<&crate::render::Rendered>,
    diags: &Diagnostics,
) -> String {
    use crate::diag::Severity;
    let errors: Vec<&Diagnostic> = diags
        .items
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let Some(r) = r.filter(|_| errors.iter().all(|d| d.code.is_template())) else {
        return format!(
            "{:>9} no draft of {}: a draft is made only when every error is a departure from the report template\n",
            "note", doc.id
        );
    };
    let problems: Vec<String> = diags
        .items
        .iter()
        .filter(|d| matches!(d.severity, Severity::Error | Severity::Warning))
        .map(|d| {
            let what = if d.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            format!("{what}[{}]: {}", d.code.as_str(), d.message)
        })
        .collect();
    let mut draft = r.clone();
    draft.main = crate::render::draft_main_typ(&r.layout, &r.call, &problems);
    let name = format!("{}.draft.pdf", doc.id);
    match crate::typeset::typeset(&project.root, &draft, &name, &config.pdf) {
        Ok(t) => match crate::write::atomic(&config.out.join(DRAFTS).join(&name), &t.pdf) {
            Ok(()) => format!(
                "{:>9} {DRAFTS}/{name} ({} pages, marked DRAFT, {} problem(s) listed on its first page)\n",
                "drafted",
                t.pages,
                problems.len()
            ),
            Err(e) => format!("error: cannot write {name}: {e}\n"),
        },
        Err(_) => format!(
            "{:>9} no draft of {}: it could not be typeset\n",
            "note", doc.id
        ),
    }
}

/// [`build_one`], typesetting from (and leaving in) `warm` the document's
/// sources of its previous build; the outputs are the same bytes.
pub fn build_one_warm(
    project: &Project,
    doc: &Document,
    config: &BuildConfig,
    global: &Global,
    warm: &mut Warm,
) -> Outcome {
    let started = Instant::now();
    let prepared = pipeline::prepare(project, doc);
    let prepare_time = started.elapsed();
    edit_after_read(project);
    let mut o = Outcome {
        id: doc.id.clone(),
        ..Outcome::default()
    };
    let mut diags = prepared.diags;
    o.inputs = prepared
        .inputs
        .iter()
        .map(|p| crate::load::display(p))
        .collect();
    // A document with errors writes nothing, in any edition: its previous
    // outputs stay as they were, together (an error found while one edition
    // was made, such as the workbook's, stops the PDF and the CSVs too).
    if config.validate_only || diags.has_errors() {
        o.tally.add(&diags);
        o.errors = diags.error_count();
        o.warnings = diags.warning_count();
        o.messages = render(&diags, &prepared.sources, global);
        if config.draft && !config.validate_only {
            let r = prepared.page_probe.as_ref();
            o.messages
                .push_str(&write_draft(project, doc, config, r, &diags));
        }
        return o;
    }
    // Make every edition of every output first; write only if all succeeded.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut read: Vec<String> = Vec::new();
    // The SHA-256 of every file as the editions read it, for the manifest.
    let mut digests: BTreeMap<String, String> = BTreeMap::new();
    let (mut pages, mut body_pages, mut lines) = (0, 0, None);
    let mut failed = false;
    for (suffix, rendered) in &prepared.rendered {
        let stem = format!("{}{suffix}", doc.id);
        if config.keep_sources {
            let dir = config.out.join(format!("{stem}.src"));
            for (name, text) in [
                ("main.typ", &rendered.main),
                ("content.typ", &rendered.content),
                ("data.json", &rendered.data),
            ] {
                let _ = crate::write::atomic(&dir.join(name), text.as_bytes());
            }
        }
        let ident = format!("{stem}/{}", prepared.layout.clone().unwrap_or_default());
        let pdf = PdfSettings {
            created: Some(config.created(&doc.id)),
            ..config.pdf.clone()
        };
        let cx = RenderContext {
            root: &project.root,
            rendered,
            ident: &ident,
            pdf: &pdf,
        };
        let made = editions(&config.backends, &cx, &stem, warm);
        let mut times = vec![("prepare", prepare_time)];
        for (b, made) in config.backends.iter().zip(made) {
            match made {
                Ok(e) => {
                    if !global.quiet {
                        e.warnings.iter().for_each(|w| o.messages.push_str(w));
                    }
                    times.extend(e.times);
                    pages += e.pages.unwrap_or(0);
                    body_pages += e.body_pages.or(e.pages).unwrap_or(0);
                    lines = lines.or(e.summary_lines);
                    read.extend(e.files_read);
                    digests.extend(e.digests);
                    files.push((config.out.join(format!("{stem}.{}", b.name())), e.bytes));
                }
                Err(f) => {
                    o.internal |= f.internal;
                    failed = true;
                    f.diagnostics.into_iter().for_each(|d| diags.push(d));
                }
            }
        }
        if config.verbose && times.len() > 1 {
            let times: Vec<String> = times
                .iter()
                .map(|(stage, t)| format!("{stage} {:.1} ms", t.as_secs_f64() * 1000.0))
                .collect();
            o.messages
                .push_str(&format!("   timing {stem}: {}\n", times.join(", ")));
        }
    }
    // Only this build's outputs stay warm (an output that is gone is forgotten).
    warm.retain(|(stem, _), _| {
        prepared
            .rendered
            .iter()
            .any(|(suffix, _)| *stem == format!("{}{suffix}", doc.id))
    });
    // Keep memory flat over long runs: drop memoized results no longer used.
    if config.evict {
        comemo::evict(10);
    }
    o.inputs.extend(read.iter().cloned());
    let over = pipeline::page_limit_diag(&prepared.page_limit, pages, body_pages);
    let long = pipeline::lines_limit_diag(&prepared.lines_limit, lines);
    for d in over.into_iter().chain(long) {
        // Over the limit as an error: nothing of the paper is written.
        let refuse = d.severity == crate::diag::Severity::Error;
        diags.push(d);
        if refuse {
            o.tally.add(&diags);
            o.errors = diags.error_count();
            o.warnings = diags.warning_count();
            o.messages = render(&diags, &prepared.sources, global) + &o.messages;
            if config.draft {
                let r = prepared.rendered.first().map(|(_, r)| r);
                o.messages
                    .push_str(&write_draft(project, doc, config, r, &diags));
            }
            return o;
        }
    }
    if !o.internal && !failed && !prepared.rendered.is_empty() {
        files.extend(
            prepared
                .extras
                .into_iter()
                .map(|(suffix, bytes)| (config.out.join(format!("{}.{suffix}", doc.id)), bytes)),
        );
        let write_started = Instant::now();
        // The outputs' hashes (for the manifest) are computed while the files
        // are written and synced, on a second thread: a 23 MB PDF takes about
        // as long to hash as to sync.
        let (written, write_time, outputs) = std::thread::scope(|s| {
            let hashing = s.spawn(|| output_hashes(&files));
            let written = crate::write::all(&files);
            let write_time = write_started.elapsed();
            let outputs = hashing.join().unwrap_or_else(|_| output_hashes(&files));
            (written, write_time, outputs)
        });
        match written {
            Ok(()) => {
                o.pages = Some(pages);
                // A draft of the paper is out of date once it builds.
                let _ = std::fs::remove_file(
                    config
                        .out
                        .join(DRAFTS)
                        .join(format!("{}.draft.pdf", doc.id)),
                );
                let inputs = prepared
                    .inputs
                    .iter()
                    .map(|p| crate::load::display(p))
                    .chain(read);
                let mut entry = manifest::entry(
                    project,
                    &doc.dir,
                    prepared.layout.clone().unwrap_or_default(),
                    config.options.clone(),
                    inputs,
                    &|p| {
                        prepared
                            .sources
                            .digest(p)
                            .or(digests.get(p).map(String::as_str))
                            .map(str::to_string)
                    },
                    outputs,
                );
                entry.created = Some(config.created(&doc.id).to_string());
                if config.verbose {
                    o.messages.push_str(&format!(
                        "   timing {}: write {:.1} ms, inputs hashed {:.1} ms\n",
                        doc.id,
                        write_time.as_secs_f64() * 1000.0,
                        (write_started.elapsed() - write_time).as_secs_f64() * 1000.0
                    ));
                }
                o.entry = Some(entry);
            }
            Err((path, e)) => {
                diags.push(
                    Diagnostic::error(
                        Code::Output,
                        format!(
                            "cannot write `{}`: {}",
                            path.display(),
                            e.to_string().to_lowercase()
                        ),
                    )
                    .help("check that the output folder exists and is writable"),
                );
                o.internal = true;
            }
        }
    }
    o.tally.add(&diags);
    o.errors = diags.error_count();
    o.warnings = diags.warning_count();
    o.messages = render(&diags, &prepared.sources, global) + &o.messages;
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        let ids: Vec<String> = (0..500).map(|i| format!("paper-{i:04}")).collect();
        let n = 7;
        let mut seen = std::collections::HashSet::new();
        for k in 1..=n {
            for id in ids.iter().filter(|id| in_shard(id, k, n)) {
                assert!(seen.insert(id.clone()), "{id} in two shards");
            }
        }
        assert_eq!(seen.len(), ids.len());
        assert!(
            parse_shard("0/3").is_err() && parse_shard("4/3").is_err() && parse_shard("x").is_err()
        );
        assert_eq!(parse_shard("2/8"), Ok((2, 8)));
    }
}
