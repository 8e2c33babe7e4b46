//! `quire pack MEETING`: the command. It chooses the meetings, takes the
//! output folder's lock, and prints what the pack's pipeline
//! ([`crate::pipeline::pack`]) reports; the pack is composed, typeset, written
//! and recorded there.

use super::{INTERNAL, INVALID, OK, exit, open, render};
use crate::cli::{Global, PackArgs, PdfStandardArg};
use crate::diag::Code;
use crate::pipeline::pack::{self, PackConfig, Report};
use crate::project::{MEETING_FILE, Project};
use std::path::Path;
use std::process::ExitCode;

pub fn run(global: &Global, args: &PackArgs) -> ExitCode {
    let (project, project_errors) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let out = args.out.clone().unwrap_or_else(|| project.root.join("out"));
    let mut meetings = project.meetings();
    if !args.meetings.is_empty() {
        for m in &args.meetings {
            if !meetings.contains(m) {
                eprintln!(
                    "error[{}]: no meeting named `{m}` under content/ (a folder with {MEETING_FILE})\n  = help: the meetings are: {}",
                    Code::Usage.as_str(),
                    meetings.join(", ")
                );
                return exit(INTERNAL);
            }
        }
        meetings.retain(|m| args.meetings.contains(m));
    }
    if project_errors > 0 {
        // quire.yaml has errors (printed above): packing with fallback
        // settings would replace good packs with wrong ones.
        return exit(INVALID);
    }
    let _lock = match crate::write::OutputLock::acquire(&out) {
        Ok(l) => l,
        Err(e) => return super::busy(&e),
    };
    let config = config(&project, &args.pdf_standard, args.include_exempt);
    let mut failed = false;
    let mut internal = false;
    for id in &meetings {
        match pack::make(&project, id, &out, &config, &mut printer(global)) {
            Ok(pages) => {
                if !global.quiet {
                    eprintln!(
                        "{:>9} {id}-pack.pdf ({})",
                        "packed",
                        super::plural(pages, "page")
                    );
                }
            }
            Err(true) => internal = true,
            Err(false) => failed = true,
        }
    }
    exit(if internal {
        INTERNAL
    } else if failed {
        INVALID
    } else {
        OK
    })
}

/// Prints what the pack's pipeline reports, as the chosen diagnostic format says.
fn printer(global: &Global) -> impl FnMut(Report) + '_ {
    move |r| match r {
        Report::Diagnostics(diags, sources) => eprint!("{}", render(diags, sources, global)),
        Report::Line(line) => eprintln!("{line}"),
    }
}

/// The pack to make: the public one or the members', with the PDF standards
/// chosen on the command line, else by `quire.yaml`.
fn config(project: &Project, cli: &[PdfStandardArg], include_exempt: bool) -> PackConfig {
    let chosen = super::build::standards_for(cli, &project.settings);
    let standards = super::build::BuildConfig::new(Default::default(), &chosen, false, false);
    PackConfig {
        include_exempt,
        pdf: standards.pdf,
        options: standards.options,
    }
}

/// Validates a meeting (its file, layout and the documents it names) without
/// typesetting; for `quire check`. Returns whether it is valid.
pub fn check_meeting(project: &Project, id: &str, global: &Global) -> bool {
    pack::check(project, id, &mut printer(global))
}

/// The meeting a manifest key names as a pack, and whether it is the members'
/// pack: `MEETING-pack` → (MEETING, false), `MEETING-pack-full` → (MEETING, true).
pub fn pack_key(key: &str) -> Option<(&str, bool)> {
    match key.strip_suffix("-pack-full") {
        Some(id) => Some((id, true)),
        None => Some((key.strip_suffix("-pack")?, false)),
    }
}

/// Rebuilds the pack recorded as `key` (`MEETING-pack` or `MEETING-pack-full`)
/// into `out`; for `verify`. Returns None when `key` is not a pack of this project.
pub fn rebuild_for_verify(
    project: &Project,
    key: &str,
    out: &Path,
    standards: Vec<PdfStandardArg>,
) -> Option<Result<(), ()>> {
    let (id, include_exempt) = pack_key(key)?;
    if !project.meetings().iter().any(|m| m == id) {
        return None;
    }
    let config = config(project, &standards, include_exempt);
    let quiet = Global {
        quiet: true,
        project: None,
        verbose: false,
        diagnostic_format: crate::cli::DiagFormat::Human,
    };
    Some(
        pack::make(project, id, out, &config, &mut printer(&quiet))
            .map(|_| ())
            .map_err(|_| ()),
    )
}

/// Packs recorded in `out`'s manifest whose inputs (the meeting, its items'
/// documents, their layouts) changed since they were packed: made again,
/// after a `build` or a `watch` rebuild, so that a pack is never older than
/// the papers in it. Only packs once made by `quire pack` are made again; a
/// pack whose items have errors is reported and left as it was. Returns
/// (failed, internal).
pub fn repack_stale(project: &Project, out: &Path, global: &Global) -> (bool, bool) {
    let recorded = crate::manifest::load(out);
    let meetings = project.meetings();
    let (mut failed, mut internal) = (false, false);
    for (key, entry) in &recorded.documents {
        let Some((id, include_exempt)) = pack_key(key) else {
            continue;
        };
        if !meetings.iter().any(|m| m == id) {
            continue;
        }
        let dir = Path::new("content").join(id);
        let stale = crate::manifest::changes(&project.root, Some(out), &dir, entry, &entry.options);
        if stale.is_empty() {
            continue;
        }
        let standards = super::build::standards_named(&entry.options);
        let config = config(project, &standards, include_exempt);
        match pack::make(project, id, out, &config, &mut printer(global)) {
            Ok(pages) => {
                if !global.quiet {
                    eprintln!(
                        "{:>9} {key}.pdf ({}): {}",
                        "repacked",
                        super::plural(pages, "page"),
                        stale.first().map(String::as_str).unwrap_or_default()
                    );
                }
            }
            Err(true) => internal = true,
            Err(false) => failed = true,
        }
    }
    (failed, internal)
}
