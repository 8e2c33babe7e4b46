//! In-process companion to `benches/watch.sh`: the stages of a warm rebuild of
//! one document after a one-line narrative edit (`build_one_warm`, as `quire
//! watch` runs it, into `PROJECT/out-bench`), without the watcher and its
//! debounce, so that a change to one stage can be measured on a busy machine
//! (the minimum of many runs is close to the time on an idle one).
//!
//! Run: `cargo run --release --example watch_bench -- PROJECT [DOC] [EDITS] [kept|fresh]`
//! (default DOC `cype-risk-2019`, EDITS 30). The project is edited: use a copy.
//! With `WATCH_TRACE=FILE`, the last rebuild's Typst timing scopes are written
//! to FILE (Chrome trace JSON).
//! Prints, per stage, the minimum and the median in milliseconds, once with the
//! parsed sources kept from one compile to the next (as `quire watch` does) and
//! once with every file parsed afresh (as a cold build does, Typst's memo warm).

use quire::cmd::build;
use quire::project::Project;
use std::path::PathBuf;
use std::time::Instant;

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("min {:6.1}  median {:6.1}", v[0], v[v.len() / 2])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(args.get(1).expect("PROJECT"));
    let doc_id = args.get(2).cloned().unwrap_or("cype-risk-2019".into());
    let edits: usize = args.get(3).map_or(30, |n| n.parse().expect("EDITS"));
    // `kept` or `fresh` to run one mode only (for a profiler).
    let only = args.get(4).cloned();
    let mut sources = quire::source::SourceMap::new();
    let mut diags = quire::diag::Diagnostics::default();
    let project: Project = quire::project::open(&root, &mut sources, &mut diags).expect("project");
    let doc = project
        .documents
        .iter()
        .find(|d| d.id == doc_id)
        .expect("document")
        .clone();
    let md = std::fs::read_dir(root.join(&doc.dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .min()
        .expect("a .md file");
    let original = std::fs::read_to_string(&md).unwrap();
    let global = quire::cli::Global {
        project: Some(root.clone()),
        quiet: false,
        verbose: true,
        diagnostic_format: quire::cli::DiagFormat::Human,
    };
    let formats = build::formats_for(None, &project.settings);
    let standards = build::standards_for(&[], &project.settings);
    let config = build::BuildConfig::new(root.join("out-bench"), &standards, false, true)
        .with_formats(&formats);
    let stages = [
        "prepare",
        "html",
        "compile",
        "pdf",
        "write",
        "inputs hashed",
    ];
    for keep in [true, false] {
        if only.as_deref().is_some_and(|o| (o == "kept") != keep) {
            continue;
        }
        let mut warm = build::Warm::new();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); stages.len() + 2];
        for i in 0..=edits {
            // As benches/watch.sh: every edit adds a paragraph at the end.
            let added: String = (1..=i)
                .map(|k| format!("\nThis sentence was added by the benchmark, edit {k}.\n"))
                .collect();
            std::fs::write(&md, format!("{original}{added}")).unwrap();
            if i == edits && std::env::var_os("WATCH_TRACE").is_some() {
                typst_timing::enable();
            }
            if !keep {
                warm = build::Warm::new();
            }
            let t = Instant::now();
            let o = build::build_one_warm(&project, &doc, &config, &global, &mut warm);
            let total = t.elapsed().as_secs_f64() * 1000.0;
            assert!(o.errors == 0 && o.pages.is_some(), "{}", o.messages);
            if typst_timing::is_enabled() {
                typst_timing::disable();
                let f = std::fs::File::create(std::env::var_os("WATCH_TRACE").unwrap()).unwrap();
                typst_timing::export_json(f, |_| (String::new(), 0)).unwrap();
            }
            if i == 0 {
                continue;
            }
            let mut sum = 0.0;
            for (k, stage) in stages.iter().enumerate() {
                let at = o.messages.find(&format!(" {stage} ")).expect(stage) + stage.len() + 2;
                let ms: f64 = o.messages[at..]
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect(stage);
                times[k].push(ms);
                sum += ms;
            }
            times[stages.len()].push(total - sum);
            times[stages.len() + 1].push(total);
        }
        println!(
            "{}:",
            if keep {
                "sources kept (watch)"
            } else {
                "sources parsed afresh"
            }
        );
        for (name, t) in stages.iter().chain(&["other", "total"]).zip(times) {
            println!("  {name:<14} {}", stats(t));
        }
    }
    std::fs::write(&md, original).unwrap();
}
