//! `quire check`: validate every document and print every problem; typeset nothing.

use super::{INVALID, OK, exit, open, render, summary_line};
use crate::cli::{CheckArgs, Global};
use crate::diag::Diagnostics;
use crate::pipeline;
use std::process::ExitCode;

pub fn run(global: &Global, args: &CheckArgs) -> ExitCode {
    let (project, project_errors) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut select_diags = Diagnostics::default();
    let docs = project.select(&args.documents, &mut select_diags);
    eprint!(
        "{}",
        render(&select_diags, &crate::source::SourceMap::new(), global)
    );
    if select_diags.has_errors() {
        // An unknown document name is a usage error.
        return exit(super::INTERNAL);
    }
    let (mut errors, mut warnings) = (select_diags.error_count() + project_errors, 0);
    let mut tally = super::Tally::default();
    for doc in &docs {
        let mut prepared = pipeline::prepare(&project, doc);
        // A template's page limit can only be checked on the typeset paper.
        if prepared.page_limit.is_some() || prepared.lines_limit.is_some() {
            let (pages, body_pages, lines) = prepared
                .rendered
                .iter()
                .map(|(_, r)| r)
                .chain(prepared.page_probe.as_ref())
                .filter_map(|r| {
                    crate::typeset::typeset(&project.root, r, &doc.id, &Default::default())
                        .ok()
                        .map(|t| (t.pages, t.body_pages, t.summary_lines))
                })
                .fold((0, 0, None), |(a, b, l), (p, q, m)| (a + p, b + q, l.or(m)));
            if let Some(d) = pipeline::page_limit_diag(&prepared.page_limit, pages, body_pages) {
                prepared.diags.push(d);
            }
            if let Some(d) = pipeline::lines_limit_diag(&prepared.lines_limit, lines) {
                prepared.diags.push(d);
            }
        }
        tally.add(&prepared.diags);
        eprint!("{}", render(&prepared.diags, &prepared.sources, global));
        errors += prepared.diags.error_count();
        warnings += prepared.diags.warning_count();
        if !global.quiet {
            let status = if prepared.diags.has_errors() {
                "invalid"
            } else {
                "ok"
            };
            eprintln!("{status:>9} {}", doc.id);
        }
    }
    // Meetings (agenda packs) are checked too: their file and what they point to.
    let meetings = if args.documents.is_empty() {
        project.meetings()
    } else {
        Vec::new()
    };
    for m in &meetings {
        let ok = crate::cmd::pack::check_meeting(&project, m, global);
        errors += usize::from(!ok);
        if !global.quiet {
            eprintln!("{:>9} {m} (meeting)", if ok { "ok" } else { "invalid" });
        }
    }
    if !global.quiet {
        eprintln!(
            "checked {} document(s): {}",
            docs.len() + meetings.len(),
            summary_line(errors, warnings)
        );
        if let Some(s) = tally.summary(global.verbose) {
            eprintln!("{s}");
        }
        if docs.is_empty() && meetings.is_empty() && args.documents.is_empty() {
            eprintln!("{}", super::NO_DOCUMENTS);
        }
    }
    exit(if errors > 0 { INVALID } else { OK })
}
