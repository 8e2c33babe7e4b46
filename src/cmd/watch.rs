//! `quire watch`: one long-lived process that builds, then rebuilds the documents
//! whose inputs change, until Ctrl-C.
//!
//! Typst stays warm: every compile runs in this process, so comemo's caches (parsed
//! layouts, laid-out pages that did not change) carry over from one rebuild to the
//! next, and each document keeps its parsed Typst files ([`Warm`]): a rebuild edits
//! them (Typst's incremental reparse) instead of parsing them afresh, so what did
//! not change keeps its spans and its memoized layout (the outputs are the bytes a
//! cold build writes: a test checks it). The memo is trimmed after every build
//! (`comemo::evict`), and only the selected documents stay warm, so memory stays
//! flat over a long session. Changes under `content/`, `layouts/`, `fonts/` and to `quire.yaml` are
//! collected for [`DEBOUNCE`] (an editor's save is often several events); files
//! whose content did not change (reads, touches) are ignored; then:
//! a document is rebuilt when a file it was made from changed (its manifest
//! inputs, or anything in its own folder); `quire.yaml`, `layouts/` and `fonts/`
//! rebuild everything. Each rebuild prints its diagnostics and its time.

use super::build::{BuildConfig, Warm, build_one_warm, formats_for, standards_for};
use super::{INTERNAL, OK, exit, open, summary_line};
use crate::cli::{Global, WatchArgs};
use crate::diag::Diagnostics;
use crate::manifest;
use crate::project::{Document, PROJECT_FILE, Project};
use notify::{RecursiveMode, Watcher};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long changes are collected before a rebuild starts.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

/// The folders watched (recursively) besides `quire.yaml`.
const WATCHED: [&str; 3] = ["content", "layouts", "fonts"];

enum Event {
    Changed(Vec<PathBuf>),
    Stop,
}

/// Runs the watch loop. `version` (for `quire serve`) is incremented after the
/// first build and after every rebuild.
pub fn run(global: &Global, args: &WatchArgs, version: Option<Arc<AtomicU64>>) -> ExitCode {
    let (project, _) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let root = project
        .root
        .canonicalize()
        .unwrap_or_else(|_| project.root.clone());
    let (tx, rx) = mpsc::channel::<Event>();
    let stop = tx.clone();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = stop.send(Event::Stop);
    }) {
        eprintln!("error: cannot catch Ctrl-C: {e}");
        return exit(INTERNAL);
    }
    // Only writes, creations, removals and renames: reading a file (as every
    // build does) must not start another build.
    let mut watcher =
        match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if let Ok(e) = res
                && !matches!(e.kind, notify::EventKind::Access(_))
            {
                let _ = tx.send(Event::Changed(e.paths));
            }
        }) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("error: cannot watch the project for changes: {e}");
                return exit(INTERNAL);
            }
        };
    // The root itself, not recursively: quire.yaml, and layouts/ or fonts/ appearing.
    let _ = watcher.watch(&root, RecursiveMode::NonRecursive);
    let mut watched: BTreeSet<&str> = BTreeSet::new();
    let mut watch_folders = |watcher: &mut notify::RecommendedWatcher| {
        for f in WATCHED {
            let dir = root.join(f);
            if !watched.contains(f)
                && dir.is_dir()
                && watcher.watch(&dir, RecursiveMode::Recursive).is_ok()
            {
                watched.insert(f);
            }
        }
    };
    watch_folders(&mut watcher);

    let mut state = State::new(project, args, global);
    state.rebuild(None);
    bump(&version);
    if !global.quiet {
        eprintln!("watching {} for changes (Ctrl-C to stop)", root.display());
    }
    'events: while let Ok(event) = rx.recv() {
        let mut paths = match event {
            Event::Stop => break,
            Event::Changed(p) => p,
        };
        // Debounce: an editor's save is often several events.
        let until = Instant::now() + DEBOUNCE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(Event::Changed(p)) => paths.extend(p),
                Ok(Event::Stop) => break 'events,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => break 'events,
            }
        }
        let changed: Vec<String> = paths
            .iter()
            .filter_map(|p| relevant(&root, p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if changed.is_empty() {
            continue;
        }
        // Only files whose content changed (a save without changes, or a
        // touch, rebuilds nothing).
        let changed: Vec<String> = changed
            .into_iter()
            .filter(|p| state.content_changed(p))
            .collect();
        if changed.is_empty() {
            continue;
        }
        watch_folders(&mut watcher);
        if !state.reopen(global) {
            continue;
        }
        state.rebuild(Some(&changed));
        bump(&version);
    }
    if !global.quiet {
        eprintln!("stopped watching");
    }
    exit(OK)
}

/// CPU time of this process's threads so far, and their time spent ready but
/// waiting for a CPU (other work on the machine), in milliseconds (Linux:
/// /proc/self/task/*/schedstat, in nanoseconds); `None` elsewhere.
fn process_cpu() -> Option<(f64, f64)> {
    let (mut run, mut wait) = (0u64, 0u64);
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread may end between the listing and the read: skip it.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        let mut f = stat
            .split_whitespace()
            .map(|n| n.parse::<u64>().unwrap_or(0));
        run += f.next().unwrap_or(0);
        wait += f.next().unwrap_or(0);
    }
    Some((run as f64 / 1e6, wait as f64 / 1e6))
}

fn bump(version: &Option<Arc<AtomicU64>>) {
    if let Some(v) = version {
        v.fetch_add(1, Ordering::SeqCst);
    }
}

/// A changed path as a project-relative path with `/` separators, when it is
/// something documents are made from (not out/, not an editor's swap file).
fn relevant(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let first = parts.first()?;
    let name = parts.last()?;
    if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
        return None;
    }
    let ok = (parts.len() == 1 && first == PROJECT_FILE) || (WATCHED.contains(&first.as_str()));
    ok.then(|| parts.join("/"))
}

/// What the watcher knows between rebuilds.
struct State<'a> {
    project: Project,
    config: BuildConfig,
    global: &'a Global,
    args: &'a WatchArgs,
    /// Each document's inputs from its last build (project-relative).
    inputs: HashMap<String, BTreeSet<String>>,
    /// The content hash of every file seen (None: absent), to ignore events
    /// that change nothing.
    hashes: HashMap<String, Option<String>>,
    manifest: manifest::Manifest,
    /// Each document's parsed Typst sources from its last build, so that a
    /// rebuild reparses only what changed (only documents still selected).
    warm: HashMap<String, Warm>,
    /// Each document's last build time (ms): a rebuild of a document that
    /// built in under [`ONE_THREAD_BELOW_MS`] runs Typst on one thread.
    last_ms: HashMap<String, f64>,
    /// The one-thread pool for those rebuilds, made when first needed.
    one_thread: Option<rayon::ThreadPool>,
}

/// Below this, a rebuild is quicker on one thread: on a small edit Typst's
/// parallel layout has little to share out, and rayon's workers looking for
/// work cost more than they save (the demo paper's rebuild: median 98 ms on
/// two threads, 53 ms on one). A longer build (a 1,000-risk register) keeps
/// every core. The output is the same bytes either way.
const ONE_THREAD_BELOW_MS: f64 = 400.0;

impl<'a> State<'a> {
    fn new(project: Project, args: &'a WatchArgs, global: &'a Global) -> Self {
        let config = Self::config(&project, args, global);
        let manifest = manifest::load(&config.out);
        let config = config.with_created(&manifest);
        State {
            project,
            config,
            global,
            args,
            inputs: HashMap::new(),
            hashes: HashMap::new(),
            manifest,
            warm: HashMap::new(),
            last_ms: HashMap::new(),
            one_thread: None,
        }
    }

    fn config(project: &Project, args: &WatchArgs, global: &Global) -> BuildConfig {
        let standards = standards_for(&args.pdf_standard, &project.settings);
        let formats = formats_for(args.format, &project.settings);
        BuildConfig::new(
            args.out.clone().unwrap_or_else(|| project.root.join("out")),
            &standards,
            false,
            global.verbose,
        )
        .with_formats(&formats)
    }

    /// Whether `rel` differs from when it was last seen (a folder always counts).
    fn content_changed(&mut self, rel: &str) -> bool {
        if self.project.root.join(rel).is_dir() {
            return true;
        }
        let now = manifest::hash_file(&self.project.root, rel);
        self.hashes.insert(rel.to_string(), now.clone()) != Some(now)
    }

    /// Reads quire.yaml and the list of documents again (cheap); false when the
    /// project can no longer be opened (its problems are printed).
    fn reopen(&mut self, global: &Global) -> bool {
        match open(global) {
            Ok((p, errors)) => {
                self.config = Self::config(&p, self.args, global).with_created(&self.manifest);
                self.config.validate_only = errors > 0;
                self.project = p;
                true
            }
            Err(_) => false,
        }
    }

    fn selected(&self) -> Vec<Document> {
        let mut d = Diagnostics::default();
        let docs = self.project.select(&self.args.documents, &mut d);
        eprint!(
            "{}",
            super::render(&d, &crate::source::SourceMap::new(), self.global)
        );
        docs
    }

    /// Builds the documents affected by `changed` (all of them, skipping those
    /// up to date, when `changed` is `None`).
    fn rebuild(&mut self, changed: Option<&[String]>) {
        let docs = self.selected();
        self.warm.retain(|id, _| docs.iter().any(|d| d.id == *id));
        let everything = changed.is_none_or(|c| {
            c.iter()
                .any(|p| p == PROJECT_FILE || p.starts_with("layouts/") || p.starts_with("fonts/"))
        });
        if changed.is_some_and(|c| c.iter().any(|p| p.starts_with("fonts/"))) {
            crate::typeset::fonts::forget(&self.project.root);
        }
        let affected: Vec<&Document> = docs
            .iter()
            .filter(|d| {
                let Some(changed) = changed else { return true };
                if everything || !self.inputs.contains_key(&d.id) {
                    return true;
                }
                let dir = format!("{}/", crate::load::display(&d.dir));
                let inputs = &self.inputs[&d.id];
                changed
                    .iter()
                    .any(|p| p.starts_with(&dir) || inputs.contains(p))
            })
            .collect();
        // A meeting's own files (meeting.yaml, its Markdown items) are no
        // document's inputs, but its recorded pack is made from them.
        let meetings = self.project.meetings();
        let meeting_changed = changed.is_some_and(|c| {
            c.iter().any(|p| {
                meetings
                    .iter()
                    .any(|m| p.starts_with(&format!("content/{m}/")))
            })
        });
        if affected.is_empty() && !meeting_changed {
            return;
        }
        let _lock = if self.config.validate_only {
            None
        } else {
            match crate::write::OutputLock::acquire(&self.config.out) {
                Ok(l) => Some(l),
                Err(e) => {
                    let _ = super::busy(&e);
                    return;
                }
            }
        };
        // What other runs (a `quire pack`, a `quire build` of other
        // documents) recorded while this one waited.
        if !self.config.validate_only {
            self.manifest = manifest::load(&self.config.out);
            self.config.created = self.manifest.created();
        }
        let mut built: std::collections::BTreeMap<String, manifest::Entry> =
            std::collections::BTreeMap::new();
        let (mut errors, mut warnings) = (0, 0);
        let mut tally = super::Tally::default();
        for d in affected {
            // The first build skips documents whose outputs are up to date.
            if changed.is_none()
                && let Some(e) = self.manifest.documents.get(&d.id)
                && manifest::changes(
                    &self.project.root,
                    Some(&self.config.out),
                    &d.dir,
                    e,
                    &self.config.options,
                )
                .is_empty()
            {
                self.inputs
                    .insert(d.id.clone(), e.inputs.keys().cloned().collect());
                if !self.global.quiet {
                    eprintln!("{:>9} {} (up to date)", "skipped", d.id);
                }
                continue;
            }
            let started = Instant::now();
            let cpu_before = self.global.verbose.then(process_cpu).flatten();
            let quick = changed.is_some()
                && self
                    .last_ms
                    .get(&d.id)
                    .is_some_and(|ms| *ms < ONE_THREAD_BELOW_MS);
            if quick && self.one_thread.is_none() {
                self.one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
            }
            let pool = self.one_thread.as_ref().filter(|_| quick);
            let o = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let warm = self.warm.entry(d.id.clone()).or_default();
                let mut build =
                    || build_one_warm(&self.project, d, &self.config, self.global, warm);
                match pool {
                    Some(p) => p.install(build),
                    None => build(),
                }
            }));
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            self.last_ms.insert(d.id.clone(), ms);
            let Ok(o) = o else {
                eprintln!(
                    "error: internal error while building `{}`; this is a bug in quire, please report it",
                    d.id
                );
                errors += 1;
                continue;
            };
            eprint!("{}", o.messages);
            errors += o.errors;
            warnings += o.warnings;
            tally.merge(&o.tally);
            if !o.inputs.is_empty() {
                for p in &o.inputs {
                    if !self.hashes.contains_key(p) {
                        // As read for this build, where the build recorded it:
                        // an edit saved while it ran is then still a change.
                        let h = o
                            .entry
                            .as_ref()
                            .and_then(|e| e.inputs.get(p).cloned())
                            .or_else(|| manifest::hash_file(&self.project.root, p));
                        self.hashes.insert(p.clone(), h);
                    }
                }
                self.inputs
                    .insert(d.id.clone(), o.inputs.iter().cloned().collect());
            }
            if let (Some(a), Some(b)) = (cpu_before, process_cpu()) {
                // CPU time of the whole process (all threads) during the rebuild: on a
                // busy machine a fairer figure than the wall time, which also
                // includes the time spent waiting for a CPU.
                eprintln!(
                    "   cpu {}: {:.1} ms, waiting for a cpu {:.1} ms",
                    d.id,
                    b.0 - a.0,
                    b.1 - a.1
                );
            }
            if !self.global.quiet {
                match o.pages {
                    Some(n) => eprintln!(
                        "{:>9} {} ({}) in {ms:.1} ms",
                        "built",
                        d.id,
                        super::plural(n, "page")
                    ),
                    None => eprintln!("{:>9} {} in {ms:.1} ms", "failed", d.id),
                }
            }
            if let Some(e) = o.entry {
                built.insert(d.id.clone(), e);
            }
        }
        // Entry by entry, under the lock: the manifest as it is now on disk
        // keeps every other run's entries.
        if !built.is_empty() {
            match manifest::update(&self.config.out, &built) {
                Ok(m) => self.manifest = m,
                Err(e) => eprintln!(
                    "error[{}]: cannot write the manifest: {e}",
                    crate::diag::Code::Output.as_str()
                ),
            }
        }
        // A pack is never older than the papers in it (nor its meeting file).
        if !self.config.validate_only && errors == 0 {
            let (failed, _) =
                super::pack::repack_stale(&self.project, &self.config.out, self.global);
            errors += usize::from(failed);
            self.manifest = manifest::load(&self.config.out);
        }
        if !self.global.quiet && (errors > 0 || warnings > 0) {
            eprintln!("{}", summary_line(errors, warnings));
            if let Some(s) = tally.summary(self.global.verbose) {
                eprintln!("{s}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inputs_are_relevant() {
        let root = Path::new("/p");
        let r = |s: &str| relevant(root, Path::new(s));
        assert_eq!(r("/p/quire.yaml").as_deref(), Some("quire.yaml"));
        assert_eq!(
            r("/p/content/a/paper.yaml").as_deref(),
            Some("content/a/paper.yaml")
        );
        assert_eq!(r("/p/layouts/x.typ").as_deref(), Some("layouts/x.typ"));
        for no in [
            "/p/out/a.pdf",
            "/p/content/a/.paper.yaml.swp",
            "/p/content/a/01.md~",
            "/q/content/a/paper.yaml",
            "/p/notes.txt",
        ] {
            assert_eq!(r(no), None, "{no}");
        }
    }
}
