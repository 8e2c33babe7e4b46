//! `quire layouts`: list the layouts quire ships, and copy them into a project.
//!
//! `quire layouts export [NAME]` writes shipped layouts into the project's
//! `layouts/` (all of them, every version of `NAME`, or exactly `NAME@N`). A file
//! already there with the same bytes is left alone; one that differs is never
//! overwritten (error, exit 1, nothing written). Once a file is in `layouts/`, the
//! project's copy is the one used (see [`crate::typeset::shipped`]).

use super::{INTERNAL, INVALID, OK, emit, exit};
use crate::cli::{Global, LayoutsAction, LayoutsArgs};
use crate::diag::{Code, Diagnostic};
use crate::project;
use crate::typeset::shipped;
use std::path::Path;
use std::process::ExitCode;

pub fn run(global: &Global, args: &LayoutsArgs) -> ExitCode {
    let root = match project::find_root(global.project.as_deref()) {
        Ok(r) => r,
        Err(d) => {
            // No project at all is a usage error, as for every command.
            emit(d, global);
            return exit(INTERNAL);
        }
    };
    match &args.action {
        LayoutsAction::List => list(&root),
        LayoutsAction::Export { name } => export(&root, name.as_deref(), global),
    }
}

/// Prints every layout file: shipped, overridden by the project, or the project's own.
fn list(root: &Path) -> ExitCode {
    let mut rows: Vec<(String, &str)> = Vec::new();
    for (file, text) in shipped::FILES {
        let rel = format!("{}/{file}", shipped::DIR);
        let status = match std::fs::read_to_string(root.join(&rel)) {
            Err(_) => "shipped",
            Ok(t) if t == *text => "shipped (exported copy in layouts/, unchanged)",
            Ok(_) => "shipped, overridden by the project's layouts/",
        };
        rows.push((rel, status));
    }
    let mut own: Vec<String> = std::fs::read_dir(root.join(shipped::DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".typ") && shipped::file(n).is_none())
        .collect();
    own.sort();
    rows.extend(
        own.into_iter()
            .map(|n| (format!("{}/{n}", shipped::DIR), "the project's own")),
    );
    for (rel, status) in rows {
        let label = rel
            .rsplit('/')
            .next()
            .and_then(shipped::name_version)
            .map(|(n, v)| format!("{n}@{v}"))
            .unwrap_or_default();
        let note = if label.starts_with("common@") {
            " (imported by the other layouts)"
        } else {
            ""
        };
        println!("{label:<22} {rel:<36} {status}{note}");
    }
    exit(OK)
}

/// The shipped files `name` asks for: every file, every version of a name, or one version.
fn select(name: Option<&str>) -> Result<Vec<(&'static str, &'static str)>, Diagnostic> {
    let Some(name) = name else {
        return Ok(shipped::FILES.to_vec());
    };
    let wanted = name.trim_end_matches(".typ");
    let as_file = format!("{wanted}.typ");
    let (base, version) = match wanted.split_once('@') {
        Some((b, v)) => match v.parse::<u32>() {
            Ok(v) => (b, Some(v)),
            Err(_) => {
                return Err(Diagnostic::error(
                    Code::Layout,
                    format!("`{name}` is not a layout name"),
                )
                .help("write a name, such as `committee-report`, or a name and version, such as `committee-report@1`"));
            }
        },
        None => match shipped::name_version(&as_file) {
            // `committee-report-v1(.typ)`: a file name.
            Some((b, v)) => (b, Some(v)),
            None => (wanted, None),
        },
    };
    let files: Vec<_> = shipped::FILES
        .iter()
        .filter(|(f, _)| {
            shipped::name_version(f)
                .is_some_and(|(n, v)| n == base && version.is_none_or(|want| want == v))
        })
        .copied()
        .collect();
    if files.is_empty() {
        let names: Vec<String> = shipped::FILES
            .iter()
            .filter_map(|(f, _)| shipped::name_version(f).map(|(n, v)| format!("{n}@{v}")))
            .collect();
        let mut d = Diagnostic::error(
            Code::Layout,
            format!("quire does not ship a layout `{name}`"),
        );
        if let Some(s) = crate::diag::did_you_mean(
            base,
            shipped::FILES
                .iter()
                .filter_map(|(f, _)| shipped::name_version(f).map(|(n, _)| n)),
        ) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        return Err(d.help(format!("the shipped layouts are: {}", names.join(", "))));
    }
    Ok(files)
}

fn export(root: &Path, name: Option<&str>, global: &Global) -> ExitCode {
    let files = match select(name) {
        Ok(f) => f,
        Err(d) => {
            emit(d, global);
            return exit(INTERNAL);
        }
    };
    // Decide for every file before writing any: all or nothing.
    let mut conflicts = Vec::new();
    let mut to_write = Vec::new();
    let mut unchanged = Vec::new();
    for (file, text) in &files {
        let rel = format!("{}/{file}", shipped::DIR);
        match std::fs::read(root.join(&rel)) {
            Ok(bytes) if bytes == text.as_bytes() => unchanged.push(rel),
            Ok(_) => conflicts.push(rel),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => to_write.push((rel, *text)),
            Err(e) => {
                emit(
                    Diagnostic::error(
                        Code::Io,
                        format!("cannot read `{rel}`: {}", e.to_string().to_lowercase()),
                    ),
                    global,
                );
                return exit(INVALID);
            }
        }
    }
    if !conflicts.is_empty() {
        for rel in &conflicts {
            let d = Diagnostic::error(
                Code::Exists,
                format!("`{rel}` already exists and differs from the layout quire ships"),
            )
            .note(format!("at {}", root.join(rel).display()))
            .help("nothing was written; your file is the one documents use. To compare with the shipped copy, move yours aside and export again");
            emit(d, global);
        }
        return exit(INVALID);
    }
    for (rel, text) in &to_write {
        if let Err(e) = crate::write::atomic(&root.join(rel), text.as_bytes()) {
            emit(
                Diagnostic::error(
                    Code::Output,
                    format!("cannot write `{rel}`: {}", e.to_string().to_lowercase()),
                )
                .help("check that the project folder is writable"),
                global,
            );
            return exit(INTERNAL);
        }
    }
    if global.quiet {
        return exit(OK);
    }
    for (rel, _) in &to_write {
        eprintln!("{:>9} {rel}", "wrote");
    }
    for rel in &unchanged {
        eprintln!("{:>9} {rel} (already the shipped copy)", "unchanged");
    }
    // A layout imports others (`common-v1.typ`): say which still come from quire.
    for (file, text) in &files {
        for import in shipped::imports(text) {
            if shipped::serves(root, &format!("{}/{import}", shipped::DIR)) {
                eprintln!(
                    "     note: {file} imports {import}, still the shipped copy (`quire layouts export {import}` to change it too)"
                );
            }
        }
    }
    if !to_write.is_empty() {
        eprintln!(
            "the files in layouts/ are now used instead of the shipped copies. To restyle without changing papers already published, save your changes as a new version (e.g. committee-report-v2.typ) and set `layout: committee-report@2` in new papers"
        );
    }
    exit(OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_select_files() {
        let all = select(None).unwrap();
        assert_eq!(all.len(), shipped::FILES.len());
        let one = select(Some("committee-report@1")).unwrap();
        assert_eq!(one[0].0, "committee-report-v1.typ");
        // A name alone is every version of it.
        let every = select(Some("committee-report")).unwrap();
        assert_eq!(every[0], one[0]);
        assert!(every.iter().any(|(f, _)| *f == "committee-report-v2.typ"));
        assert_eq!(select(Some("committee-report-v1.typ")).unwrap(), one);
        assert_eq!(select(Some("common")).unwrap()[0].0, "common-v1.typ");
        assert!(select(Some("committee-report@9")).is_err());
        assert!(select(Some("committee-report@x")).is_err());
        let e = select(Some("comittee-report")).unwrap_err();
        assert!(
            e.help
                .iter()
                .any(|h| h.contains("did you mean `committee-report`"))
        );
    }
}
