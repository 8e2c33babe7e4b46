//! In-process companion to `benches/watch.sh`: the stages of a warm rebuild of
//! one document after a one-line narrative edit, without the watcher, the
//! debounce or the file writes, so that a change to one stage can be measured
//! on a busy machine (the minimum of many runs is close to the time on an idle
//! one).
//!
//! Run: `cargo run --release --example watch_bench -- PROJECT [DOC] [EDITS] [kept|fresh]`
//! (default DOC `cype-risk-2019`, EDITS 30). The project is edited: use a copy.
//! Prints, per stage, the minimum and the median in milliseconds, once with the
//! parsed sources kept from one compile to the next (as `quire watch` does) and
//! once with every file parsed afresh (as a cold build does, Typst's memo warm).

use quire::project::Project;
use quire::typeset::{self, PdfSettings, world::Sources};
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
    let pdf = PdfSettings {
        standards: vec![typst_pdf::PdfStandard::A_2b, typst_pdf::PdfStandard::Ua_1],
    };
    for keep in [true, false] {
        if only.as_deref().is_some_and(|o| (o == "kept") != keep) {
            continue;
        }
        let mut warm = Sources::default();
        let (mut prep, mut html, mut compile, mut export) = (vec![], vec![], vec![], vec![]);
        for i in 0..=edits {
            std::fs::write(
                &md,
                format!("{original}\nThis sentence was added by the benchmark, edit {i}.\n"),
            )
            .unwrap();
            if i == edits && std::env::var_os("WATCH_TRACE").is_some() {
                typst_timing::enable();
            }
            let t = Instant::now();
            let p = quire::pipeline::prepare(&project, &doc);
            let t_prep = t.elapsed().as_secs_f64() * 1000.0;
            assert!(!p.diags.has_errors(), "the document has errors");
            let r = &p.rendered[0].1;
            let t = Instant::now();
            assert!(typeset::html::page(&project.root, r).is_ok(), "html");
            let t_html = t.elapsed().as_secs_f64() * 1000.0;
            if !keep {
                warm = Sources::default();
            }
            let Ok(out) = typeset::typeset_warm(&project.root, r, &doc.id, &pdf, &mut warm) else {
                panic!("the document did not typeset");
            };
            comemo::evict(10);
            if typst_timing::is_enabled() {
                typst_timing::disable();
                let f = std::fs::File::create(std::env::var_os("WATCH_TRACE").unwrap()).unwrap();
                typst_timing::export_json(f, |_| (String::new(), 0)).unwrap();
            }
            if i > 0 {
                prep.push(t_prep);
                html.push(t_html);
                compile.push(out.compile.as_secs_f64() * 1000.0);
                export.push(out.export.as_secs_f64() * 1000.0);
            }
        }
        println!(
            "{}:",
            if keep {
                "sources kept (watch)"
            } else {
                "sources parsed afresh"
            }
        );
        println!("  prepare  {}", stats(prep));
        println!("  html     {}", stats(html));
        println!("  compile  {}", stats(compile));
        println!("  export   {}", stats(export));
    }
    std::fs::write(&md, original).unwrap();
}
