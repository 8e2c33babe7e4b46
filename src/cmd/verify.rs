//! `quire verify`: rebuild every document in `out/manifest.json` into a temporary
//! folder and prove the outputs on disk are byte-identical to what the recorded
//! inputs produce now — or say why not (input, layout or quire version changed,
//! the file on disk was modified, an output the rebuild makes is not listed).
//! Every file in the output folder that quire could have written (`.pdf`,
//! `.html`, `.docx`, `.csv`, `.xlsx`) must be listed by an entry: an unlisted one is
//! reported and fails the verify. The manifest is untrusted input: its paths
//! are confined to the project and the output folder (see `manifest::changes`).

use super::build::{BuildConfig, build_one};
use super::{INTERNAL, INVALID, OK, exit, open};
use crate::cli::{Global, VerifyArgs};
use crate::manifest;
use std::collections::BTreeMap;
use std::process::ExitCode;

pub fn run(global: &Global, args: &VerifyArgs) -> ExitCode {
    let (project, _) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let out = args.out.clone().unwrap_or_else(|| project.root.join("out"));
    let recorded = manifest::load(&out);
    if recorded.documents.is_empty() {
        eprintln!(
            "error[Q0050]: no manifest at {}\n  = help: run `quire build` first; it writes out/manifest.json",
            out.join(manifest::FILE).display()
        );
        return exit(INVALID);
    }
    let unknown: Vec<&String> = args
        .documents
        .iter()
        .filter(|d| !recorded.documents.contains_key(d.trim_end_matches('/')))
        .collect();
    if !unknown.is_empty() {
        for n in unknown {
            let near = crate::diag::did_you_mean(n, recorded.documents.keys().map(String::as_str));
            eprintln!(
                "error[{}]: `{n}` is not in {}\n  = help: {}",
                crate::diag::Code::Usage.as_str(),
                out.join(manifest::FILE).display(),
                match near {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "the manifest records: {}",
                        recorded
                            .documents
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            );
        }
        return exit(INTERNAL);
    }
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot create a temporary folder: {e}");
            return exit(INTERNAL);
        }
    };
    let (mut differ, mut checked) = (0, 0);
    for (id, entry) in &recorded.documents {
        if !args.documents.is_empty()
            && !args.documents.iter().any(|d| d.trim_end_matches('/') == id)
        {
            continue;
        }
        checked += 1;
        let standards = super::build::standards_named(&entry.options);
        let Some(doc) = project.documents.iter().find(|d| &d.id == id) else {
            // An agenda pack: rebuild it and compare its files.
            let meeting = super::pack::pack_key(id).map_or("", |(m, _)| m);
            if !project.meetings().iter().any(|m| m == meeting) {
                // Nothing named by this entry is read: it names no meeting.
                let reasons = vec!["the document is no longer in content/".to_string()];
                differ += report(id, entry.outputs.len(), &reasons, global);
                continue;
            }
            let out_dir = tmp.path().join(id);
            let meeting_dir = std::path::Path::new("content").join(meeting);
            let mut reasons = manifest::changes(
                &project.root,
                Some(&out),
                &meeting_dir,
                entry,
                &entry.options,
            );
            match super::pack::rebuild_for_verify(&project, id, &out_dir, standards) {
                None => reasons.push("the document is no longer in content/".into()),
                Some(Err(())) => reasons.push(format!(
                    "the pack no longer builds (run `quire pack {}`)",
                    meeting_dir.display()
                )),
                Some(Ok(())) => {
                    // Hash everything the rebuild wrote, then compare as for documents.
                    let now = std::fs::read_dir(&out_dir)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .filter_map(|e| {
                            let name = e.file_name().to_string_lossy().into_owned();
                            if !manifest::plain_output(&name) || name == manifest::FILE {
                                return None;
                            }
                            std::fs::read(e.path())
                                .ok()
                                .map(|b| (name, manifest::sha256(&b)))
                        })
                        .collect();
                    compare_outputs(&entry.outputs, &now, &mut reasons);
                }
            }
            differ += report(id, entry.outputs.len(), &reasons, global);
            continue;
        };
        let formats = BuildConfig::formats_from_options(&entry.options);
        let config = BuildConfig::new(tmp.path().join(id), &standards, false, false)
            .with_formats(&formats)
            .with_created(&recorded);
        let quiet = Global {
            quiet: true,
            ..global.clone()
        };
        let o = build_one(&project, doc, &config, &quiet);
        let mut reasons =
            manifest::changes(&project.root, Some(&out), &doc.dir, entry, &entry.options);
        match &o.entry {
            None => reasons.push(format!(
                "the document no longer builds ({} error(s); run `quire check {id}`)",
                o.errors
            )),
            Some(now) => compare_outputs(&entry.outputs, &now.outputs, &mut reasons),
        }
        differ += report(id, entry.outputs.len(), &reasons, global);
    }
    // Every file in the folder that quire could have written must be one
    // that an entry lists (and so was just proved): anything else is
    // reported, never passed over.
    let mut unlisted = 0;
    if args.documents.is_empty() {
        for name in unlisted_files(&out, &recorded) {
            unlisted += 1;
            eprintln!(
                "{:>9} {} (in {}, but no document's entry in the manifest lists it: nothing proves what it was made from)",
                "unlisted",
                crate::diag::escape(&name),
                out.display()
            );
        }
    }
    if !global.quiet {
        let unlisted_note = if unlisted > 0 {
            format!(", {unlisted} unlisted file(s)")
        } else {
            String::new()
        };
        eprintln!("verify: {checked} document(s) checked, {differ} differ{unlisted_note}");
    }
    exit(if differ > 0 || unlisted > 0 {
        INVALID
    } else {
        OK
    })
}

/// The extensions of the files quire writes into an output folder: every
/// back end's edition (the Word edition's `.docx` too), the CSVs, the workbook.
const OUTPUT_EXTENSIONS: [&str; 5] = ["pdf", "html", "docx", "csv", "xlsx"];

/// The files in `out` with an extension quire writes that no entry of the
/// manifest lists (folders, the manifest and the lock file are not outputs).
fn unlisted_files(out: &std::path::Path, recorded: &manifest::Manifest) -> Vec<String> {
    let listed: std::collections::BTreeSet<&String> = recorded
        .documents
        .values()
        .flat_map(|e| e.outputs.keys())
        .collect();
    let mut names: Vec<String> = std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| OUTPUT_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        })
        .filter(|n| !listed.contains(n))
        .collect();
    names.sort();
    names
}

/// Prints one document's verdict; 1 if it differs.
fn report(id: &str, files: usize, reasons: &[String], global: &Global) -> usize {
    let id = crate::diag::escape(id);
    if reasons.is_empty() {
        if !global.quiet {
            eprintln!("{:>9} {id} ({files} file(s) byte-identical)", "verified");
        }
        return 0;
    }
    eprintln!("{:>9} {id}", "differs");
    for r in reasons {
        eprintln!("          - {r}");
    }
    1
}

/// Compares recorded output hashes with those of a rebuild, saying why they differ.
fn compare_outputs(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
    reasons: &mut Vec<String>,
) {
    for (name, hash) in recorded {
        match now.get(name) {
            Some(h) if h == hash => {}
            Some(_) if reasons.is_empty() => reasons.push(format!(
                "{name}: a rebuild from identical inputs gives different bytes"
            )),
            Some(_) => reasons.push(format!(
                "{name}: the rebuild differs from the recorded output"
            )),
            None => reasons.push(format!("{name}: no longer produced")),
        }
    }
    // An output the recorded formats make that the entry does not list (a
    // line deleted from the manifest) was never proved.
    for name in now.keys().filter(|n| !recorded.contains_key(*n)) {
        reasons.push(format!(
            "{name}: a rebuild makes it, but the manifest does not list it"
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_edition_is_an_output_extension() {
        for b in crate::typeset::backend::BACKENDS {
            assert!(super::OUTPUT_EXTENSIONS.contains(&b.name()), "{}", b.name());
        }
    }
}
