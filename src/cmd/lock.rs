//! `quire lock`: record the submitted updates of returns so later edits are caught.

use super::{INTERNAL, INVALID, OK, exit, open, render};
use crate::cli::{Global, LockArgs};
use crate::diag::Diagnostics;
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
    let mut failed = project_errors > 0;
    // Each return's problems, printed after the locking, as they were.
    let mut problems = String::new();
    for doc in &docs {
        // The return as the pipeline reads it for a build (all its problems
        // at once), before its lock is checked.
        let (valve, sources, local) = crate::pipeline::valve_as_written(&project, doc);
        problems.push_str(&render(&local, &sources, global));
        if local.has_errors() {
            failed = true;
            continue;
        }
        let Some(valve) = valve else {
            continue;
        };
        let path = project.root.join(&doc.dir).join(crate::lock::LOCK_FILE);
        let mut lock = match crate::lock::read(&project, doc) {
            Ok(l) => l.unwrap_or_default(),
            Err(e) => {
                eprintln!(
                    "error[{}]: `{}` cannot be read: {e}\n  = help: restore it from version control before locking again",
                    crate::diag::Code::LockedChanged.as_str(),
                    crate::load::display(&doc.dir.join(crate::lock::LOCK_FILE))
                );
                failed = true;
                continue;
            }
        };
        let changed = crate::lock::differences(&lock, &valve);
        match &args.amend {
            Some(what) => {
                let reason = args.reason.clone().unwrap_or_default();
                if reason.trim().is_empty() {
                    eprintln!(
                        "error[{}]: --reason is empty\n  = help: say why the submitted value changed, e.g. --reason \"corrected at the DfE's request, 3 June 2024\"",
                        crate::diag::Code::Usage.as_str()
                    );
                    return exit(INTERNAL);
                }
                if let Some(c) = reason
                    .chars()
                    .find(|&c| crate::load::forbidden(c) || matches!(c, '\n' | '\r' | '\t'))
                {
                    eprintln!(
                        "error[{}]: --reason holds the control character U+{:04X}\n  = help: write the reason as one line of plain text (no line breaks, tabs or invisible characters); it is printed in the return's list of amendments",
                        crate::diag::Code::Usage.as_str(),
                        c as u32
                    );
                    return exit(INTERNAL);
                }
                let picked: Vec<_> = changed
                    .iter()
                    .filter(|(u, f, _, _)| f == what || u == what)
                    .collect();
                if picked.is_empty() {
                    eprintln!(
                        "error[{}]: nothing to amend: `{}` has not changed since it was locked in {}\n  = help: {}",
                        crate::diag::Code::LockedChanged.as_str(),
                        crate::diag::escape(what),
                        doc.id,
                        if changed.is_empty() {
                            "no locked field differs from the return".to_string()
                        } else {
                            format!(
                                "the changed fields are: {}",
                                changed
                                    .iter()
                                    .map(|(_, f, _, _)| format!("`{}`", crate::diag::escape(f)))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    );
                    failed = true;
                    continue;
                }
                let date = today();
                for (update, field, old, new) in picked {
                    let fields = lock.updates.entry(update.clone()).or_default();
                    if new.is_empty() {
                        fields.remove(field);
                    } else {
                        fields.insert(field.clone(), new.clone());
                    }
                    lock.amendments.push(crate::lock::Amendment {
                        date: date.clone(),
                        update: update.clone(),
                        field: field.clone(),
                        old: old.clone(),
                        new: new.clone(),
                        reason: reason.clone(),
                    });
                    if !global.quiet {
                        eprintln!(
                            "{:>9} {} of {} ({})",
                            "amended",
                            crate::diag::escape(field),
                            crate::diag::escape(&valve.update_label(update)),
                            doc.id
                        );
                    }
                }
            }
            None => {
                if !changed.is_empty() {
                    for (update, field, _, _) in &changed {
                        let field = crate::diag::escape(field);
                        eprintln!(
                            "error[{}]: {field} of `{}` differs from what was locked\n  = help: `quire lock` never re-records a submitted value; undo the change, or record it with `quire lock --amend \"{field}\" --reason \"…\" {}`",
                            crate::diag::Code::LockedChanged.as_str(),
                            crate::diag::escape(&valve.update_label(update)),
                            doc.id
                        );
                    }
                    failed = true;
                    continue;
                }
                // Newly submitted updates are added; locked ones stay as they are.
                for (update, fields) in crate::lock::compute(&valve) {
                    if lock.updates.contains_key(&update) {
                        continue;
                    }
                    if !global.quiet {
                        eprintln!(
                            "{:>9} {} of {} ({} fields)",
                            "locked",
                            crate::diag::escape(&valve.update_label(&update)),
                            doc.id,
                            fields.len()
                        );
                    }
                    lock.updates.insert(update, fields);
                }
            }
        }
        if let Err(e) = crate::write::atomic(&path, crate::lock::to_json(&lock).as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return exit(INTERNAL);
        }
        // The project records that the return is locked (a lock that goes
        // is then noticed by every build, whatever its output folder).
        if !lock.updates.is_empty()
            && let Err(e) =
                crate::lock::record(&project.root, &crate::lock::lock_rel(&doc.dir), true)
        {
            eprintln!("error[{}]: {e}", crate::diag::Code::Output.as_str());
            return exit(INTERNAL);
        }
    }
    eprint!("{problems}");
    if docs.is_empty() && !global.quiet {
        eprintln!("no Safety Valve returns to lock");
    }
    exit(if failed { INVALID } else { OK })
}

/// `quire lock --reset`: record that the lock of each return was removed on
/// purpose (the project's `quire-locks.json`, and the manifest of `out/` as
/// earlier versions recorded it, stop expecting one). A lock file that is still there
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
        if let Err(e) = crate::lock::record(&project.root, &crate::lock::lock_rel(&doc.dir), false)
        {
            eprintln!("error[{}]: {e}", crate::diag::Code::Output.as_str());
            return exit(INTERNAL);
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

/// Today's date (UTC) as YYYY-MM-DD, for the record of an amendment.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(days)))
        .map_or_else(String::new, |d| d.to_string())
}
