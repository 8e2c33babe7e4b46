//! `quire lock`: record the submitted updates of returns so later edits are caught.

use super::{INTERNAL, INVALID, OK, exit, open, render};
use crate::cli::{Global, LockArgs};
use crate::diag::{Diagnostics, Severity};
use crate::load::yaml;
use crate::project::DocKind;
use crate::source::SourceMap;
use std::process::ExitCode;

pub fn run(global: &Global, args: &LockArgs) -> ExitCode {
    let (project, project_errors) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut diags = Diagnostics::default();
    let docs: Vec<_> = project
        .select(&args.documents, &mut diags)
        .into_iter()
        .filter(|d| d.kind == DocKind::Valve)
        .collect();
    if diags.has_errors() {
        eprint!("{}", render(&diags, &SourceMap::new(), global));
        return exit(INTERNAL);
    }
    if args.reset {
        return reset(&project, &docs, global);
    }
    let mut sources = SourceMap::new();
    let mut failed = project_errors > 0;
    for doc in &docs {
        let rel = doc.dir.join(DocKind::Valve.file_name());
        let file = match crate::load::read(&project.root, &rel, &mut sources) {
            Ok(f) => f,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let node = match yaml::parse(&sources, file) {
            Ok(n) => n,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let mut local = Diagnostics::default();
        let Some(valve) = crate::validate::valve::valve(&doc.id, file, &node, &mut local) else {
            continue;
        };
        let errors = local.has_errors();
        diags.extend(local);
        if errors {
            continue;
        }
        let data = crate::lock::compute(&valve);
        let path = project.root.join(&doc.dir).join(crate::lock::LOCK_FILE);
        if let Err(e) = crate::write::atomic(&path, crate::lock::to_json(&data).as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return exit(INTERNAL);
        }
        if !global.quiet {
            for (update, fields) in &data {
                eprintln!(
                    "{:>9} {} of {} ({} fields)",
                    "locked",
                    valve.update_label(update),
                    doc.id,
                    fields.len()
                );
            }
        }
    }
    eprint!("{}", render(&diags, &sources, global));
    failed |= diags.items.iter().any(|d| d.severity == Severity::Error);
    if docs.is_empty() && !global.quiet {
        eprintln!("no Safety Valve returns to lock");
    }
    exit(if failed { INVALID } else { OK })
}

/// `quire lock --reset`: record that the lock of each return was removed on
/// purpose (the manifest stops expecting one). A lock file that is still there
/// is left alone: reset only acknowledges a deletion.
fn reset(
    project: &crate::project::Project,
    docs: &[crate::project::Document],
    global: &Global,
) -> ExitCode {
    let out = project.root.join("out");
    let _lock = match crate::write::OutputLock::acquire(&out) {
        Ok(l) => l,
        Err(e) => return super::busy(&e),
    };
    let mut m = crate::manifest::load(&out);
    for doc in docs {
        if project
            .root
            .join(&doc.dir)
            .join(crate::lock::LOCK_FILE)
            .exists()
        {
            eprintln!(
                "error[{}]: `{}` still has its lock; --reset only acknowledges a lock that was removed\n  = help: delete `{}/{}` first if the return is no longer submitted",
                crate::diag::Code::LockedChanged.as_str(),
                doc.id,
                crate::load::display(&doc.dir),
                crate::lock::LOCK_FILE
            );
            return exit(INVALID);
        }
        if let Some(e) = m.documents.get_mut(&doc.id) {
            e.locked = false;
        }
        if !global.quiet {
            eprintln!(
                "{:>9} {} (built from now on without a lock)",
                "unlocked", doc.id
            );
        }
    }
    if let Err(e) = crate::manifest::save(&out, &m) {
        eprintln!(
            "error[{}]: cannot write the manifest: {e}",
            crate::diag::Code::Output.as_str()
        );
        return exit(INTERNAL);
    }
    exit(OK)
}
