//! `quire build`: validate, typeset and write every selected document.
//!
//! Documents build in parallel (rayon). A document with errors is reported and
//! skipped — its existing PDF is left untouched — and the others still build;
//! the exit status is 1 if any document failed.

use super::{INTERNAL, INVALID, OK, exit, open, render, summary_line};
use crate::cli::{BuildArgs, Global, PdfStandardArg};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::pipeline;
use crate::project::{Document, Project};
use crate::typeset::{self, PdfSettings};
use rayon::prelude::*;
use sha2::Digest;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use typst_pdf::PdfStandard;

/// Settings for one build, fixed before any work starts.
pub struct BuildConfig {
    pub out: PathBuf,
    pub pdf: PdfSettings,
    pub keep_sources: bool,
}

/// What happened to one document.
pub struct Outcome {
    pub id: String,
    pub messages: String,
    pub errors: usize,
    pub warnings: usize,
    pub pages: Option<usize>,
    pub internal: bool,
    /// Files written, with their SHA-256.
    pub outputs: Vec<(PathBuf, String)>,
}

pub fn run(global: &Global, args: &BuildArgs) -> ExitCode {
    let (project, project_errors) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let config = BuildConfig {
        out: args.out.clone().unwrap_or_else(|| project.root.join("out")),
        pdf: PdfSettings {
            standards: args
                .pdf_standard
                .iter()
                .map(|s| match s {
                    PdfStandardArg::A2b => PdfStandard::A_2b,
                    PdfStandardArg::A2a => PdfStandard::A_2a,
                    PdfStandardArg::A3b => PdfStandard::A_3b,
                    PdfStandardArg::Ua1 => PdfStandard::Ua_1,
                })
                .collect(),
        },
        keep_sources: args.keep_sources,
    };
    let mut select = Diagnostics::default();
    let docs = project.select(&args.documents, &mut select);
    eprint!(
        "{}",
        render(
            &select,
            &crate::source::SourceMap::new(),
            global.diagnostic_format,
            global.quiet
        )
    );
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build();
    let outcomes: Vec<Outcome> = match pool {
        Ok(pool) => pool.install(|| {
            docs.par_iter()
                .map(|d| build_one(&project, d, &config, global))
                .collect()
        }),
        Err(_) => docs
            .iter()
            .map(|d| build_one(&project, d, &config, global))
            .collect(),
    };
    let (mut errors, mut warnings, mut built) = (select.error_count() + project_errors, 0, 0);
    let mut internal = false;
    for o in &outcomes {
        eprint!("{}", o.messages);
        errors += o.errors;
        warnings += o.warnings;
        internal |= o.internal;
        if !global.quiet {
            match o.pages {
                Some(n) => eprintln!("{:>9} {} ({n} pages)", "built", o.id),
                None => eprintln!("{:>9} {}", "failed", o.id),
            }
        }
        built += usize::from(o.pages.is_some());
    }
    if !global.quiet {
        eprintln!(
            "built {built} of {} document(s) into {} in {:.2}s: {}",
            docs.len(),
            config.out.display(),
            start.elapsed().as_secs_f64(),
            summary_line(errors, warnings)
        );
    }
    exit(if internal {
        INTERNAL
    } else if errors > 0 {
        INVALID
    } else {
        OK
    })
}

/// Builds one document; never panics the whole run.
pub fn build_one(
    project: &Project,
    doc: &Document,
    config: &BuildConfig,
    global: &Global,
) -> Outcome {
    let prepared = pipeline::prepare(project, doc);
    let mut o = Outcome {
        id: doc.id.clone(),
        messages: String::new(),
        errors: 0,
        warnings: 0,
        pages: None,
        internal: false,
        outputs: Vec::new(),
    };
    let mut diags = prepared.diags;
    // Typeset every output of the document first; write only if all succeeded.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut pages = 0;
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
        match typeset::typeset(&project.root, rendered, &ident, &config.pdf) {
            Ok(t) => {
                if !global.quiet {
                    t.warnings.iter().for_each(|w| o.messages.push_str(w));
                }
                pages += t.pages;
                files.push((config.out.join(format!("{stem}.pdf")), t.pdf));
            }
            Err(ds) => {
                ds.into_iter().for_each(|d| diags.push(d));
                o.internal = true;
            }
        }
    }
    if !o.internal && !prepared.rendered.is_empty() {
        files.extend(
            prepared
                .extras
                .into_iter()
                .map(|(suffix, bytes)| (config.out.join(format!("{}.{suffix}", doc.id)), bytes)),
        );
        match files
            .iter()
            .try_for_each(|(p, b)| crate::write::atomic(p, b).map_err(|e| (p, e)))
        {
            Ok(()) => {
                o.pages = Some(pages);
                o.outputs = files
                    .iter()
                    .map(|(p, b)| (p.clone(), crate::typeset::hex(&sha2::Sha256::digest(b))))
                    .collect();
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
    o.errors = diags.error_count();
    o.warnings = diags.warning_count();
    o.messages = render(
        &diags,
        &prepared.sources,
        global.diagnostic_format,
        global.quiet,
    ) + &o.messages;
    o
}
