//! `quire new`: start a project, or add a document to one, from a small template.
//!
//! `quire new project [DIR] --name ORG` writes `quire.yaml` and `content/` (layouts
//! and fonts are built into quire). Inside a project, `quire new paper|register|
//! return|plan|meeting NAME` writes a document's files under `content/`, with a
//! short comment on each field and placeholders for the author to replace; they pass
//! `quire check` and `quire build` as written. Nothing is ever overwritten: if any
//! file (or the document's folder) exists, nothing is written and the status is 1.
//! A name that cannot be a folder name, or no project to add to, is a usage error
//! (status 2). `quire new return NAME --next OLD` copies the return OLD (its lock and
//! every file beside it) and opens the update after its current one.

use super::{INTERNAL, INVALID, OK, emit, exit, schema};
use crate::cli::{Global, NewArgs, NewKind};
use crate::diag::{Code, Diagnostic};
use crate::project::{self, PROJECT_FILE};
use crate::source::SourceMap;
use chrono::{Datelike, NaiveDate};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(global: &Global, args: &NewArgs) -> ExitCode {
    if let NewKind::Project { dir, name } = &args.what {
        let dir = dir
            .clone()
            .or_else(|| global.project.clone())
            .unwrap_or_else(|| PathBuf::from("."));
        return new_project(&dir, name.as_deref(), global);
    }
    let (kind, name) = match &args.what {
        NewKind::Project { .. } => unreachable!("handled above"),
        NewKind::Paper { name, .. } => ("paper", name),
        NewKind::Register { name } => ("register", name),
        NewKind::Return { name, .. } => ("return", name),
        NewKind::Plan { name } => ("plan", name),
        NewKind::Meeting { name } => ("meeting", name),
    };
    if let Err(d) = check_name(name) {
        emit(d, global);
        return exit(INTERNAL);
    }
    let root = match project::find_root(global.project.as_deref()) {
        Ok(r) => r,
        Err(d) => {
            emit(
                d.help("start one with `quire new project DIR --name \"Name of the council\"`"),
                global,
            );
            // No project at all is a usage error, as for every command.
            return exit(INTERNAL);
        }
    };
    let vars = Vars::new(&root, name);
    let dir = format!("content/{name}");
    // Files copied as they are (a return's next update: its lock, tables, workbooks).
    let mut copies: Vec<(String, Vec<u8>)> = Vec::new();
    // For `--next`: what was opened, said after the files are written.
    let mut opened: Option<String> = None;
    let files: Vec<(String, String)> = match &args.what {
        NewKind::Paper {
            template: Some(t), ..
        } => match on_template(&root, t, &vars) {
            Ok((yaml, md)) => vec![
                (format!("{dir}/paper.yaml"), yaml),
                (format!("{dir}/01-report.md"), md),
            ],
            Err(code) => return code,
        },
        NewKind::Paper { .. } => vec![
            (
                format!("{dir}/paper.yaml"),
                vars.fill(&PAPER.replace("{divisions}", &divisions_line(&root, &vars.org))),
            ),
            (format!("{dir}/01-introduction.md"), vars.fill(PAPER_MD)),
        ],
        NewKind::Register { .. } => vec![
            (
                format!("content/registers/{name}.yaml"),
                vars.fill(REGISTER),
            ),
            (format!("{dir}/appendix.yaml"), vars.fill(APPENDIX)),
        ],
        NewKind::Return {
            next: Some(existing),
            ..
        } => match next_return(&root, existing) {
            Ok(n) => {
                copies = n
                    .copies
                    .into_iter()
                    .map(|(rel, bytes)| (format!("{dir}/{rel}"), bytes))
                    .collect();
                opened = Some(n.opened);
                vec![(format!("{dir}/return.yaml"), n.text)]
            }
            Err(d) => {
                emit(d, global);
                return exit(INVALID);
            }
        },
        NewKind::Return { .. } => vec![(format!("{dir}/return.yaml"), vars.fill(RETURN))],
        NewKind::Plan { .. } => vec![(format!("{dir}/plan.yaml"), vars.fill(PLAN))],
        NewKind::Meeting { .. } => vec![(format!("{dir}/meeting.yaml"), vars.fill(MEETING))],
        NewKind::Project { .. } => unreachable!("handled above"),
    };
    // A document's folder must be new: a second marker file in an existing
    // folder would make two documents with one name.
    let mut taken: Vec<String> = Vec::new();
    if root.join(&dir).exists() {
        taken.push(format!("{dir}/"));
    }
    taken.extend(
        files
            .iter()
            .filter(|(rel, _)| !rel.starts_with(&format!("{dir}/")) && root.join(rel).exists())
            .map(|(rel, _)| rel.clone()),
    );
    if !taken.is_empty() {
        return refuse(&root, &taken, global);
    }
    let files: Vec<(String, Vec<u8>)> = with_modelines(files)
        .into_iter()
        .map(|(rel, text)| (rel, text.into_bytes()))
        .chain(copies)
        .collect();
    if let Err(code) = write_all(&root, &files, global) {
        return code;
    }
    // A lock carried forward locks the new return too (see `quire lock`).
    let lock = crate::lock::lock_rel(Path::new(&dir));
    if files.iter().any(|(rel, _)| *rel == lock)
        && let Err(e) = crate::lock::record(&root, &lock, true)
    {
        eprintln!("error[{}]: {e}", Code::Output.as_str());
        return exit(INTERNAL);
    }
    write_schemas(&root, global);
    if !global.quiet {
        if let Some(o) = opened {
            eprintln!("{o}");
        }
        eprintln!("{}", next_steps(kind, name, &args.what));
    }
    exit(OK)
}

/// Starts every YAML file with the `# yaml-language-server: $schema=…` line that
/// points an editor at its schema in `.quire/schema/` (see `quire schema`); a
/// paper on a report template points at that template's paper schema.
fn with_modelines(files: Vec<(String, String)>) -> Vec<(String, String)> {
    files
        .into_iter()
        .map(|(rel, text)| {
            let Some(kind) = schema::kind_of(Path::new(&rel)) else {
                return (rel, text);
            };
            let file = match template_of(&text) {
                Some(stem) if kind == "paper" => schema::template_schema_file(&stem),
                _ => format!("{kind}.schema.json"),
            };
            let line = schema::modeline(&rel, &file);
            (rel, line + &text)
        })
        .collect()
}

/// The file stem (`NAME-vN`) of the template a scaffolded paper names.
fn template_of(text: &str) -> Option<String> {
    let t = text
        .lines()
        .find_map(|l| l.strip_prefix("template: "))?
        .trim();
    let (name, version) = t.split_once('@')?;
    Some(format!("{name}-v{version}"))
}

/// Writes (or refreshes) the editor schemas in the project's `.quire/schema/`.
fn write_schemas(root: &Path, global: &Global) {
    match schema::write_all(Some(root), &root.join(schema::DIR)) {
        Ok(_) => {
            if !global.quiet {
                eprintln!("{:>9} {}/ (JSON Schemas for editors)", "wrote", schema::DIR);
            }
        }
        Err(e) => eprintln!(
            "warning: cannot write the editor schemas into {}: {}\n  = help: run `quire schema` once the folder is writable",
            schema::DIR,
            e.to_string().to_lowercase()
        ),
    }
}

fn new_project(dir: &Path, name: Option<&str>, global: &Global) -> ExitCode {
    let config = dir.join(PROJECT_FILE);
    if config.exists() {
        return refuse(dir, &[PROJECT_FILE.to_string()], global);
    }
    let org = name.map(str::trim).filter(|n| !n.is_empty());
    // The name is printed on every document: one line of plain text, as
    // `quire check` reads it (a control character would make a project that
    // fails its first check).
    if let Some(c) = org.and_then(|n| {
        n.chars()
            .find(|&c| crate::load::forbidden(c) || matches!(c, '\n' | '\r' | '\t'))
    }) {
        emit(
            Diagnostic::error(
                Code::Usage,
                format!("--name holds the control character U+{:04X}", c as u32),
            )
            .help("write the organisation's name as one line of plain text"),
            global,
        );
        return exit(INTERNAL);
    }
    let text = PROJECT.replace(
        "{org}",
        &yaml_string(org.unwrap_or("Name of the organisation")),
    );
    let files: Vec<(String, Vec<u8>)> = with_modelines(vec![(PROJECT_FILE.to_string(), text)])
        .into_iter()
        .map(|(rel, text)| (rel, text.into_bytes()))
        .collect();
    if let Err(code) = write_all(dir, &files, global) {
        return code;
    }
    write_schemas(dir, global);
    let content = dir.join("content");
    let created = !content.exists();
    if let Err(e) = std::fs::create_dir_all(&content) {
        return io_error(&content, &e, global);
    }
    if !global.quiet {
        if created {
            eprintln!("{:>9} content/", "created");
        }
        let cd = if dir == Path::new(".") {
            String::new()
        } else {
            format!("cd {} && ", dir.display())
        };
        let mut s = String::new();
        if org.is_none() {
            s.push_str(
                "edit `organisation.name` in quire.yaml (it is printed on every document); then\n",
            );
        }
        s.push_str(&format!(
            "next: {cd}quire new paper NAME, edit content/NAME/, then quire build\n(layouts and fonts are built into quire: `quire layouts export` copies the layouts here to change them)"
        ));
        eprintln!("{s}");
    }
    exit(OK)
}

/// A document name: one folder name, in letters, digits, `-`, `_` and `.`.
fn check_name(name: &str) -> Result<(), Diagnostic> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with(['.', '-']);
    if ok {
        return Ok(());
    }
    Err(
        Diagnostic::error(Code::Usage, format!("`{name}` cannot be a document name"))
            .help("a name is one folder name under content/, made of letters, digits, `-`, `_` and `.`, such as `budget-2025-q1`; it also names the PDF"),
    )
}

/// Refuses to write over `taken` (project-relative): status 1, nothing written.
fn refuse(root: &Path, taken: &[String], global: &Global) -> ExitCode {
    for rel in taken {
        let what = if rel.ends_with('/') { "folder" } else { "file" };
        let d = Diagnostic::error(Code::Exists, format!("`{rel}` already exists"))
            .note(format!(
                "at {}",
                root.join(rel.trim_end_matches('/')).display()
            ))
            .help(format!(
                "nothing was written; choose another name, or move the existing {what} away first"
            ));
        emit(d, global);
    }
    exit(INVALID)
}

fn io_error(path: &Path, e: &std::io::Error, global: &Global) -> ExitCode {
    let d = Diagnostic::error(
        Code::Output,
        format!(
            "cannot write `{}`: {}",
            path.display(),
            e.to_string().to_lowercase()
        ),
    )
    .help("check that the folder exists and is writable");
    emit(d, global);
    exit(INTERNAL)
}

/// Writes each file, never replacing one that appeared meanwhile.
fn write_all(root: &Path, files: &[(String, Vec<u8>)], global: &Global) -> Result<(), ExitCode> {
    use std::io::Write;
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            return Err(io_error(parent, &e, global));
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        match file.and_then(|mut f| f.write_all(text)) {
            Ok(()) => {
                if !global.quiet {
                    eprintln!("{:>9} {rel}", "created");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(refuse(root, std::slice::from_ref(rel), global));
            }
            Err(e) => return Err(io_error(&path, &e, global)),
        }
    }
    Ok(())
}

fn next_steps(kind: &str, name: &str, what: &NewKind) -> String {
    match what {
        NewKind::Return { next: Some(e), .. } => format!(
            "copied content/{e}/ as the next update. Edit content/{name}/return.yaml:\n  - add this update's ratings and progress under each condition and risk (keep the earlier updates' words: submitted updates are locked);\n  - when it is submitted, add it under `submissions` and run `quire lock {name}`\nthen `quire check {name}` and `quire build {name}`"
        ),
        NewKind::Register { .. } => format!(
            "next: replace the placeholders in content/registers/{name}.yaml, then `quire build {name}` (the register as an appendix on its own).\nTo put it in a paper instead, name it under `registers:` in that paper.yaml (`{name}: ../registers/{name}.yaml`), add an appendix `{{ title: ..., register: {name} }}`, and delete content/{name}/"
        ),
        NewKind::Meeting { .. } => format!(
            "next: replace the placeholders in content/{name}/meeting.yaml, point items at documents (`document: NAME`), then `quire check` and `quire pack {name}`"
        ),
        _ => format!(
            "next: replace the placeholders in content/{name}/ (see docs/data-format.md for every {kind} field), then `quire check {name}` and `quire build {name}` → out/{name}.pdf"
        ),
    }
}

/// The next update of a return, started from an existing one.
struct NextReturn {
    /// The existing `return.yaml` with `current-update` moved on and a comment
    /// saying where it came from.
    text: String,
    /// Every other file of the existing return's folder (its lock, tables,
    /// workbooks, Markdown), relative to that folder, as they are.
    copies: Vec<(String, Vec<u8>)>,
    /// What was opened, in words.
    opened: String,
}

/// At most this many files, of at most this many bytes in all, are copied
/// from the existing return's folder.
const NEXT_MAX_FILES: usize = 500;
const NEXT_MAX_BYTES: u64 = 256 << 20;

/// Reads the existing return, opens its next update (the one after its
/// `current-update` in `updates:`) and lists its other files to copy, the lock
/// among them, so the submitted updates stay locked in the copy.
fn next_return(root: &Path, existing: &str) -> Result<NextReturn, Diagnostic> {
    use crate::load::yaml::NodeKind;
    check_name(existing)?;
    let rel = format!("content/{existing}/return.yaml");
    if !root.join(&rel).is_file() {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("there is no return `{existing}` to start from (no `{rel}`)"),
        )
        .help("`--next` names an existing return's folder under content/"));
    }
    // Read as every input is: inside the project (a linked folder or file
    // that resolves outside it is refused, not copied in), bounded, UTF-8.
    let mut sources = SourceMap::new();
    let file = crate::load::read(root, Path::new(&rel), &mut sources)?;
    let folder = root.join("content").join(existing);
    if !crate::load::inside(root, &folder) {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`content/{existing}/` resolves outside the project"),
        )
        .help("keep every input file inside the project folder"));
    }
    let text = sources.text(file).to_string();
    let unreadable = |why: &str| {
        Diagnostic::error(
            Code::InvalidValue,
            format!("cannot start the next update from `{rel}`: {why}"),
        )
        .help(format!(
            "run `quire check {existing}` and correct what it reports, then try again"
        ))
    };
    let node =
        crate::load::yaml::parse(&sources, file).map_err(|_| unreadable("it is not valid YAML"))?;
    // Ids as the checks read them: a number or yes/no as the text written.
    let scalar = |n: &crate::load::yaml::Node| match &n.kind {
        NodeKind::Seq(_) | NodeKind::Map(_) | NodeKind::Null => None,
        _ => crate::validate::text(n, &mut crate::diag::Diagnostics::default()).map(|t| t.value),
    };
    let current = match node.get("current-update") {
        Some(n) if scalar(n).is_some() => (scalar(n).unwrap_or_default(), n.span.range.clone()),
        _ => return Err(unreadable("it names no `current-update`")),
    };
    let updates: Vec<(String, String)> = match node.get("updates").map(|n| &n.kind) {
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter_map(|u| {
                let text_of = |k: &str| u.get(k).and_then(scalar);
                Some((text_of("id")?, text_of("label").unwrap_or_default()))
            })
            .collect(),
        _ => return Err(unreadable("it lists no `updates`")),
    };
    let Some(at) = updates.iter().position(|(id, _)| *id == current.0) else {
        return Err(unreadable(&format!(
            "its `current-update: {}` is not one of its `updates`",
            current.0
        )));
    };
    let Some((next, label)) = updates.get(at + 1) else {
        return Err(Diagnostic::error(
            Code::InvalidValue,
            format!(
                "`{}` is the last update of the year in `{rel}`: there is no next update to open",
                current.0
            ),
        )
        .help("start the next year's return with `quire new return NAME` (without `--next`)"));
    };
    // The id as YAML: plain when it is a plain word, else double-quoted.
    let plain = !next.is_empty()
        && next
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !matches!(
            next.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
        && !next.chars().all(|c| c.is_ascii_digit());
    let written = if plain {
        next.clone()
    } else {
        serde_json::to_string(next).unwrap_or_default()
    };
    let mut body = text.clone();
    body.replace_range(current.1.clone(), &written);
    let body = match body.strip_prefix("# yaml-language-server:") {
        // The copy gets its own schema line, first.
        Some(rest) => rest.split_once('\n').map_or("", |(_, r)| r).to_string(),
        None => body,
    };
    // The fields "as at" an update (`crate::lock::as_at`) hold the last
    // update's values until the author writes this one's: each is marked.
    let was = updates[at].1.as_str();
    let was = if was.is_empty() {
        current.0.as_str()
    } else {
        was
    };
    let now = if label.is_empty() {
        next.as_str()
    } else {
        label.as_str()
    };
    let mut marked = String::with_capacity(body.len() + 512);
    for line in body.split_inclusive('\n') {
        let key = line.split(':').next().unwrap_or("");
        if matches!(
            key,
            "data-as-at" | "summary" | "deficit" | "ehcp" | "tables"
        ) {
            marked.push_str(&format!(
                "# {}: carried forward from `{}`: write `{}`'s own (`{}`'s stays on record in its lock)\n",
                key,
                comment(was),
                comment(now),
                comment(was)
            ));
        }
        marked.push_str(line);
    }
    let text = format!(
        "# Started from {rel} for the next update, `{}`: add this update's ratings and\n# progress, and its submission once submitted.\n{marked}",
        comment(next)
    );
    let submitted = matches!(
        node.get("submissions").map(|n| &n.kind),
        Some(NodeKind::Map(_)) if node.get("submissions").and_then(|s| s.get(&current.0)).is_some()
    );
    let mut opened = format!(
        "   opened {} (`current-update: {}`); the earlier updates, the lock and the other files of content/{existing}/ are carried forward",
        crate::diag::escape(if label.is_empty() { next } else { label }),
        crate::diag::escape(next)
    );
    if !submitted {
        opened.push_str(&format!(
            "\nwarning: `{}` has no submission in content/{existing}/return.yaml: it is carried forward unlocked",
            crate::diag::escape(&current.0)
        ));
    }
    let copies = folder_files(&root.join("content").join(existing))
        .map_err(|why| {
            Diagnostic::error(
                Code::InvalidValue,
                format!("cannot copy content/{existing}/ for the next update: {why}"),
            )
            .help("nothing was written; copy the folder by hand, then set its `current-update`")
        })?
        .into_iter()
        .filter(|(r, _)| r != "return.yaml")
        .collect();
    Ok(NextReturn {
        text,
        copies,
        opened,
    })
}

/// Every regular file under `dir` (relative paths with `/`, in name order),
/// bounded in number and size; symbolic links are refused, never followed.
fn folder_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&path)
            .map_err(|e| e.to_string().to_lowercase())?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            let meta = std::fs::symlink_metadata(e.path()).map_err(|e| e.to_string())?;
            if meta.is_symlink() {
                return Err(format!("`{rel}` is a symbolic link"));
            } else if meta.is_dir() {
                stack.push((e.path(), format!("{rel}/")));
            } else if meta.is_file() {
                total += meta.len();
                if out.len() >= NEXT_MAX_FILES || total > NEXT_MAX_BYTES {
                    return Err(format!(
                        "its folder holds more than {NEXT_MAX_FILES} files or 256 MiB"
                    ));
                }
                out.push((rel, std::fs::read(e.path()).map_err(|e| e.to_string())?));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Values filled into the templates.
struct Vars {
    org: String,
    name: String,
    today: NaiveDate,
}

impl Vars {
    fn new(root: &Path, name: &str) -> Vars {
        let mut sources = SourceMap::new();
        let mut diags = crate::diag::Diagnostics::default();
        let org = project::open(root, &mut sources, &mut diags)
            .map(|p| p.settings.organisation)
            .filter(|o| !o.trim().is_empty())
            .unwrap_or_else(|| "Name of the organisation".into());
        Vars {
            org,
            name: name.into(),
            today: today(),
        }
    }

    fn fill(&self, template: &str) -> String {
        // The financial year (April to March) that today falls in.
        let start = if self.today.month() >= 4 {
            self.today.year()
        } else {
            self.today.year() - 1
        };
        template
            .replace("{org}", &yaml_string(&self.org))
            .replace("{name}", &self.name)
            .replace("{today}", &self.today.format("%Y-%m-%d").to_string())
            .replace("{year}", &format!("{start}-{:02}", (start + 1) % 100))
    }
}

/// Today's date (UTC), the placeholder for every date the author replaces.
fn today() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    chrono::DateTime::from_timestamp(secs as i64, 0).map_or(NaiveDate::MIN, |d| d.date_naive())
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
/// `s` as a YAML scalar: double-quoted with JSON's escapes (a JSON string is
/// a YAML double-quoted scalar), so a line break, `#`, `:` or quote in it
/// stays inside the value.
fn yaml_string(s: &str) -> String {
    // Characters JSON leaves as they are but YAML 1.1 readers break lines at.
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .replace('\u{85}', "\\u0085")
}

/// `s` as a YAML key: plain when it is a word that YAML reads as text, else
/// quoted as [`yaml_string`].
fn yaml_key(s: &str) -> String {
    // `@` and `.` only after the first character (`cabinet-report@1`): a
    // plain scalar may not start with `@`, and `.inf` is a number.
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@' | '.'))
        && !s.starts_with(['-', '@', '.'])
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain { s.to_string() } else { yaml_string(s) }
}

/// `s` for the rest of a line of a generated file (a comment, a heading):
/// whitespace runs, line breaks among them, become one space, and any other
/// invisible character an escape, so it can never start a line of its own.
fn comment(s: &str) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::diag::escape(&one).into_owned()
}

const PROJECT: &str = r##"# quire project settings: see docs/data-format.md ("Project") for every key.
organisation:
  # The name printed on every document and recorded as the PDF author.
  name: {org}
  # short-name: ABC                 # optional short form of the name
defaults:
  classification: Unrestricted      # printed on papers that do not give their own
  paper-size: a4                    # a4 | a3 | us-letter
  financial-year-style: dash        # dash ("2024-25") | slash ("2024/25")
  negative-money: brackets          # brackets ("(£1,234)") | minus ("−£1,234")
  no-data: no data                  # words printed in place of an empty cell
  not-rated: not rated              # words printed where no rating was published
  not-yet-due: not yet due          # a return's rating cell for an update still to come
  pdf-standards: [a-2b, ua-1]       # archival (PDF/A-2b) and accessible (PDF/UA-1), checked at export
"##;

const PAPER: &str = r##"# A committee paper. Replace each placeholder; docs/data-format.md ("Committee paper")
# describes every field. The narrative is every .md file in this folder, in name order.
layout: committee-report@3            # the layout version this paper is published with
committee: Name of the committee      # the committee that considers the paper
meeting-date: {today}              # the meeting's date (YYYY-MM-DD)
subject: Title of the report          # the paper's title
# decision-number: NN/NNNNN          # optional: the decision number
# key-decision: false                 # optional: whether it is a key decision
from:                                 # who the paper is from: one or more
  - name: Name of the cabinet member
    role: Cabinet Member for the service
  - name: Name of the director
    role: Director of the service
# to: Name of the committee           # optional: the cover's "To:", if not the committee
# classification: Unrestricted        # optional: printed on the cover; quire.yaml's default unless given
# past-pathway: None                  # optional: the meetings that saw the paper before (printed; None unless given)
# future-pathway: None                # optional: the meetings that will see it next (printed; None unless given)
{divisions}summary: |                            # Markdown: the summary on the cover
  One or two sentences saying what the paper is about and why it comes to the committee.
recommendations:                      # Markdown, one or more
  - The committee is asked to **NOTE** the report.
# data:                               # optional: your own figures, used in the narrative
#   forecast: 1234567                 # as {{ data.forecast | money }}
contacts:
  author: { name: Name of the author, title: Job title }   # also telephone: and email:
  # director: { name: Name of the director, title: Job title }
# background-documents:               # optional: listed under "Background documents"
#   - { title: Title of the document, url: "https://www.example.gov.uk/document" }   # url optional
# appendices:                         # optional, in order: each printed after the report
#   - { title: Title of the appendix, markdown: appendix.md }   # a Markdown file in this folder
"##;

/// The plain paper's line for the areas it affects. Its layout, the county's
/// committee report, prints electoral divisions when a paper gives them; a
/// council whose report templates ask for wards (a borough's or district's
/// cover field of type `wards`) gives its wards on its template, so its
/// scaffold names that field and never a county's divisions. Only a county
/// council (its name says so) gets the divisions as a live line: any other
/// council gets it commented, as a field it may not have, so that nothing
/// the council does not print reaches its cover.
fn divisions_line(root: &Path, org: &str) -> String {
    let county = org
        .split_whitespace()
        .any(|w| w.eq_ignore_ascii_case("county"));
    match ward_templates(root).first() {
        Some((stem, key)) => format!(
            "# This council's report template gives the wards a paper affects (`{}:` in templates/{}.yaml):\n# start a paper on it with `quire new paper NAME --template {}`.\n",
            comment(key),
            comment(stem),
            comment(stem)
        ),
        None if county => "electoral-divisions: [All]            # the divisions the paper affects\n".into(),
        None => "# electoral-divisions: [All]          # optional: a county's electoral divisions the paper affects (printed on the cover)\n".into(),
    }
}

/// The project's report templates (file stem, field key) with a cover field
/// of type `wards` that is not the county cover's `electoral-divisions`, in
/// name order.
fn ward_templates(root: &Path) -> Vec<(String, String)> {
    use crate::model::template::FieldType;
    let mut stems: Vec<String> = std::fs::read_dir(root.join("templates"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    stems.sort();
    stems
        .into_iter()
        .filter_map(|stem| {
            let (_, t) = find_template(root, &stem).ok()?;
            let key = t
                .cover
                .iter()
                .find(|f| matches!(f.ty, FieldType::Wards) && f.key != "electoral-divisions")?
                .key
                .clone();
            Some((stem, key))
        })
        .collect()
}

const PAPER_MD: &str = r##"# Introduction

Write the report here. Each paragraph is numbered for you; each heading starts a new section.

Figures come from the data, never retyped: this paper goes to the meeting on {{ paper.meeting_date | date }}.
"##;

const REGISTER: &str = r##"# A risk register. Replace each placeholder; docs/data-format.md ("Risk register")
# describes every field. Scores are likelihood × impact on the 5 × 5 scheme unless
# quire.yaml or this file declares another (`scheme:`).
register:
  name: Name of the risk register
  owner: Name of the directorate      # who owns the register
  as-at: {today}                   # the date the register describes (YYYY-MM-DD)
  # previous: {name}-earlier.yaml     # optional: an earlier snapshot, for direction of travel
risks:
  - id: R01                           # unique in the register
    title: Title of the risk
    cause: What could cause it.                       # Markdown
    event: What could happen.                         # Markdown
    consequence: What would follow if it happened.    # Markdown
    owners: [Job title of the risk owner]             # one or more
    # Ratings, 1 to 5 each; the score and band are computed. Until given, "no data" is printed.
    # current: { likelihood: L, impact: I }   # the level of risk now, with the controls in place
    # target: { likelihood: L, impact: I }    # the level the planned actions aim for
    controls:                         # what is in place now
      - { title: Name of a control, owner: Job title }
    actions:                          # what is planned; planned-completion as written
      - { title: Name of an action, owner: Job title, planned-completion: To be agreed }
"##;

const APPENDIX: &str = r##"# The register content/registers/{name}.yaml as an appendix on its own (out/{name}.pdf).
kind: risk-appendix
title: Name of the risk register      # the appendix's title
register: ../registers/{name}.yaml    # the register, relative to this file
"##;

const RETURN: &str = r##"# A DfE Safety Valve monitoring return. Replace each placeholder; docs/data-format.md
# ("DfE Safety Valve return") describes every field, including the deficit and EHCP tables.
kind: safety-valve
layout: safety-valve@3
authority: {org}   # the local authority
# title: Safety Valve agreement monitoring report   # optional: printed instead of the template's heading
# subtitle: A line under the title    # optional
# data-as-at: 31 May 2025             # optional: the date the figures describe, printed as written
# agreement:                          # optional: the agreement this return reports on
#   letter-date: YYYY-MM-DD
#   letter-label: Safety Valve agreement letter
#   first-year: YYYY-YY             # the agreement's first and last financial years
#   last-year: YYYY-YY
year: {year}                         # the reporting year
updates:                              # the columns of this year's return, in order
  - { id: may, label: Update 1 (May) }
  - { id: sep, label: Update 2 (September) }
  - { id: dec, label: Update 3 (December) }
current-update: may                   # the update being prepared (an id above)
assurance-scale:                      # the ratings every condition and risk is given
  - { name: Green, colour: "#8fd19e", meaning: On track }
  - { name: Amber, colour: "#ffd966", meaning: Some risk }
  - { name: Red,   colour: "#f4a3a3", meaning: Off track }
# submissions:                        # each submitted update; then run `quire lock`
#   may:
#     date-submitted: YYYY-MM-DD
#     sign-off:
#       - { role: s151, name: Name, title: S151 Officer, date: YYYY-MM-DD }
#       - { role: dcs, name: Name, title: Director of Children's Services, date: YYYY-MM-DD }
# prompts:                            # optional: the DfE template's prompts, printed before the answers
#   summary: The template's prompt before the summary.
#   questions: The template's prompt before the advisers' questions.
summary: |                            # Markdown: the overall position
  A short summary of progress against the agreement.
# deficit:                            # optional: the deficit profile against the agreement
#   agreement-label: Per the agreement letter
#   forecast-label: Per this update
#   unit: £m
#   years:                            # the variance is computed (forecast − agreement) and checked if typed
#     - { year: {year}, agreement: 10.0, forecast: 9.5 }
#   notes: |                          # optional Markdown under the table
#     A note on the deficit profile.
# ehcp:                               # optional: the numbers of EHCPs by age band; totals are computed
#   bands: [Under 5s, Age 5 to 10, Age 11 to 15, Age 16 to 19, Age 20 to 25]
#   columns:
#     - { label: Number of EHCPs, kind: actual, values: [10, 20, 30, 40, 50] }
#   footnote: How the numbers were counted.   # optional
conditions:                           # the conditions of the agreement
  - number: 1
    text: The first condition, as written in the agreement.
    # assurance: { may: Green }       # the rating for each update, from assurance-scale
    progress:                         # Markdown, for each update
      may: |
        Progress this update.
# questions:                          # optional: the advisers' questions and the answers, Markdown
#   - An answer to the advisers' question.
# risk-numbering: none                # optional: the register prints no numbers
risks:                                # risks to delivering the agreement
  - number: 1
    title: Title of the risk
    # group: Name of the group        # optional: a heading over each run of one group
    # assurance: { may: Amber }
    mitigation: |                     # Markdown
      How the risk is being reduced.
    progress:
      may: |
        Progress this update.
# kpis:                               # optional: the return's key performance indicators
#   - id: K1
#     name: Name of the KPI
#     unit: count                     # % | count | days | £m | rate
#     baseline: { value: 100, label: Last year's outturn }   # optional; or just a number
#     annual-target: 90               # optional: printed as written, never rated
#     targets: { may: 95 }            # per update id
#     actuals: { may: 97 }
#     comment: { may: What the figure shows. }   # optional, per update
# appendices:                         # optional: the appendices the return lists
#   - { title: Title of the appendix, number: A, markdown: appendix.md }   # a Markdown file here, printed after the return
# background-documents:               # optional
#   - { title: Title of the document, link: "https://www.example.gov.uk/document" }   # link optional
# contact:                            # optional: the key contact; all but the name optional
#   name: Name of the contact
#   role: Job title
#   email: name@example.gov.uk
#   telephone: 01632 960 000
"##;

const PLAN: &str = r##"# An Accelerated Progress Plan report. Replace each placeholder; docs/data-format.md
# ("Accelerated Progress Plan") describes every field, including KPIs and partnership risks.
kind: app-report
layout: app-report@3
title: Accelerated Progress Plan – progress report
local-area: Name of the local area
# inspection-date: YYYY-MM-DD        # optional: the inspection the plan responds to
# inspection-label: Inspection       # optional: what it was, as the plan names it
# plan-period: Month YYYY to Month YYYY   # optional, as written
report-date: {today}               # the date of the report (YYYY-MM-DD)
# statuses:                           # only if the plan states its own rule for a status
#   overdue: { when: date-passed, unless-rated: [Green, Blue] }
#   target-tbc: { when: milestone-passed }
brag-scale:                           # ratings for progress and impact
  - { name: Blue,  colour: "#9dc3e6", progress: Embedded and sustained., impact: Sustained impact., complete: true }
  - { name: Red,   colour: "#f4a3a3", progress: Off track., impact: No impact yet. }
  - { name: Amber, colour: "#ffd966", progress: On track., impact: Emerging impact. }
  - { name: Green, colour: "#8fd19e", progress: Complete., impact: Clear impact., complete: true }
kpi-rag-scale:                        # exactly three, worst first
  - { name: Red,   colour: "#f4a3a3", meaning: Minimum standard not achieved. }
  - { name: Amber, colour: "#ffd966", meaning: "Minimum standard achieved, target not met." }
  - { name: Green, colour: "#8fd19e", meaning: Target achieved. }
areas:                                # the areas for improvement
  - number: 1
    title: The first area for improvement
    # summary: |                      # optional, Markdown: printed under the area's heading
    #   Where the area stands.
    # high-impact: [K01]              # optional: the area's high-impact KPIs (the scorecard's table for the area)
    sub-themes:
      - id: 1a                        # the area's number and a letter
        title: The first sub-theme
        actions:
          - id: 1A1                   # the sub-theme's id and a number
            description: What will be done.
            by-when: To be agreed     # as written
            officers: [Job title of the lead officer]
            progress-note: Not yet rated      # or `progress: Green` (from brag-scale)
            impact-note: Not yet rated        # or `impact: Amber`
            # evidence: [What shows the progress.]   # optional, Markdown items
            # kpis: [K01]                     # optional: the KPIs below that measure it
            # measures: [Another measure as the plan words it]   # optional, Markdown items
# kpis:                               # optional: the measures, each referenced by actions (`kpis: [K01]`)
#   - id: K01
#     name: Name of the KPI
#     unit: "%"                       # % | count | days | rate
#     polarity: higher                # higher | lower
#     standard: 50                    # optional: the minimum standard
#     baseline: { value: 45, date: {today} }
#     targets: [{ at: 12 months, value: 60 }]         # a month as written, a date, or months from the baseline; a value may be TBC
#     actuals: [{ date: {today}, value: 47 }]
# partnership-risk-scale:             # optional: the severities, with the plan's definitions
#   - { name: High, meaning: What a high severity means. }
#   - { name: Low, meaning: What a low severity means. }
# partnership-risks:                  # optional: the partnership risk register
#   - { date-raised: {today}, risk: What could happen., severity: High, mitigation: What is done about it., post-mitigation-severity: Low, progress: Progress so far. }
"##;

const MEETING: &str = r##"# A committee meeting, for `quire pack {name}` (the agenda pack). Replace each placeholder;
# docs/data-format.md ("A meeting") describes every field.
kind: meeting
layout: agenda-pack@2
committee: Name of the committee
date: {today}                      # the meeting's date (YYYY-MM-DD)
time: 10.00 am                        # optional, as written
venue: Name of the room, address of the building
contact: { name: Name of the clerk, telephone: Telephone number, email: name@example.org }
items:                                # in order; an item may point to a document under content/
  - { number: "1", title: Apologies and substitutes }
  - { number: "2", title: Declarations of interest }
  - { number: "3", title: Minutes of the last meeting }
  # - { number: "4", title: Title of a report, document: NAME }     # a paper, return or plan
  # - { number: "5", title: Title, document: NAME, exempt: 3 }      # Part B: paragraph of Schedule 12A
"##;

/// Finds the template `t` names (`NAME@N`, `NAME-vN`, or `NAME` for its latest
/// version) in `templates/`: (file stem, template).
fn find_template(
    root: &Path,
    t: &str,
) -> Result<(String, crate::model::template::Template), Diagnostic> {
    let t = t.trim();
    let wanted = |stem: &str| -> Option<u32> {
        let (name, v) = stem.rsplit_once("-v")?;
        let v: u32 = v.parse().ok()?;
        let matches = match t.split_once('@') {
            Some((n, want)) => n == name && want.parse() == Ok(v),
            None => t == stem || t == name,
        };
        matches.then_some(v)
    };
    let mut found: Vec<(u32, String)> = std::fs::read_dir(root.join("templates"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            let stem = n.strip_suffix(".yaml")?.to_string();
            wanted(&stem).map(|v| (v, stem))
        })
        .collect();
    found.sort();
    let Some((version, stem)) = found.pop() else {
        return Err(Diagnostic::error(
            Code::Usage,
            format!("there is no report template `{t}` in templates/"),
        )
        .help("a council's report template is templates/NAME-vN.yaml (see docs/report-templates.md); name it as NAME, NAME@N or NAME-vN"));
    };
    let name = stem.rsplit_once("-v").map_or(stem.as_str(), |(n, _)| n);
    let id = format!("{name}@{version}");
    let rel = PathBuf::from(format!("templates/{stem}.yaml"));
    let mut sources = SourceMap::new();
    let mut diags = crate::diag::Diagnostics::default();
    let template = crate::load::read(root, &rel, &mut sources)
        .and_then(|file| crate::load::yaml::parse(&sources, file))
        .map_err(|d| d.help("mend the template first: `quire check` reports its problems"))?;
    match crate::validate::template::template(&id, &template, &mut diags) {
        Some(t) if !diags.has_errors() => Ok((stem, t)),
        _ => Err(Diagnostic::error(
            Code::InvalidValue,
            format!("the report template {} has errors", load_display(&rel)),
        )
        .help("mend the template first: `quire check` reports its problems")),
    }
}

fn load_display(p: &Path) -> String {
    crate::load::display(p)
}

/// What a person on a template's cover gives: "a name and role", or the
/// parts the template requires.
fn person_kind(parts: &[String]) -> String {
    let mut all: Vec<&str> = vec!["name", "role"];
    for p in parts {
        if !all.contains(&p.as_str()) {
            all.push(p);
        }
    }
    let all: Vec<&str> = all
        .into_iter()
        .map(|p| if p == "role" { "role (job title)" } else { p })
        .collect();
    match all.split_last() {
        Some((last, rest)) => format!("a {} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A person's placeholder, with every part the template requires.
fn person_placeholder(parts: &[String]) -> String {
    let mut s = "{ name: Name of the person, role: Their role".to_string();
    for p in parts {
        s.push_str(match p.as_str() {
            "telephone" => ", telephone: 01632 960000",
            "email" => ", email: name@example.gov.uk",
            "area" => ", area: Their service area",
            _ => "",
        });
    }
    s.push_str(" }");
    s
}

/// A paper (paper.yaml, the narrative) on the report template `t`: every cover
/// field in the template's order with its help as a comment, the standard
/// tables with their rows, every mandatory section heading; placeholders that
/// `quire check` accepts, so the author replaces them one by one.
fn on_template(root: &Path, t: &str, vars: &Vars) -> Result<(String, String), ExitCode> {
    use crate::model::template::FieldType;
    let (stem, t) = match find_template(root, t) {
        Ok(x) => x,
        Err(d) => {
            let usage = d.code == Code::Usage;
            eprint!("{}", d.render(&SourceMap::new()));
            return Err(exit(if usage { INTERNAL } else { INVALID }));
        }
    };
    // A choice or yes/no placeholder that sets off no rule of the template.
    let triggers = |key: &str, value: &str| {
        t.rules.iter().any(|r| {
            r.when
                .iter()
                .any(|(k, v)| k == key && v.eq_ignore_ascii_case(value))
        })
    };
    // A layout with a fixed cover (the county's committee report) reads the
    // cover fields from the paper's own keys; any other, from `cover:`.
    let fixed = t
        .layout
        .as_ref()
        .is_some_and(|l| l.name == "committee-report");
    let declared = |k: &str| fixed && t.cover.iter().any(|f| f.key == k);
    let mut y = format!(
        "# A paper on the report template \"{}\" (templates/{}.yaml). Replace each placeholder;\n# `quire check {}` reports every departure from the template (docs/report-templates.md).\n# The narrative is every .md file in this folder, in name order.\ntemplate: {}\n",
        comment(&t.title),
        comment(&stem),
        vars.name,
        yaml_key(&t.id),
    );
    if !declared("committee") {
        y.push_str(
            "committee: Name of the committee      # the committee that considers the paper\n",
        );
    }
    if !declared("meeting-date") {
        y.push_str(&format!(
            "meeting-date: {}              # the meeting's date (YYYY-MM-DD)\n",
            vars.today.format("%Y-%m-%d")
        ));
    }
    if let Some(l) = &t.late {
        // A day before the deadline for a meeting today: on time as written.
        let day = crate::model::dates::working_days_before(
            vars.today,
            l.working_days_before,
            &l.holidays,
        )
        .and_then(|d| d.pred_opt())
        .unwrap_or(vars.today);
        let after = l.released_after.map_or_else(
            || "the end of the day".to_string(),
            crate::model::dates::time_of_day,
        );
        y.push_str(&format!(
            "released: {}                  # when the paper went to the committee (YYYY-MM-DD HH:MM); late after {after}, {} working days before the meeting\n",
            day.format("%Y-%m-%d"),
            l.working_days_before
        ));
    }
    if !declared("subject") {
        y.push_str("subject: Title of the report          # the paper's title\n");
    }
    let indent = if fixed {
        y.push_str("# The template's cover fields, in its order:\n");
        ""
    } else {
        y.push_str(
            "cover:                                # the template's cover fields, in its order\n",
        );
        "  "
    };
    // A rule the required placeholders set off all the same (every choice of a
    // field sets one off): what it requires is written too.
    let chosen = |f: &crate::model::template::CoverField| -> Option<String> {
        match &f.ty {
            FieldType::YesNo => Some(
                if triggers(&f.key, "no") && !triggers(&f.key, "yes") {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
            ),
            FieldType::Choice { choices } => choices
                .iter()
                .find(|c| !triggers(&f.key, c))
                .or(choices.first())
                .cloned(),
            _ => None,
        }
    };
    let values: Vec<(String, String)> = t
        .cover
        .iter()
        .filter(|f| f.required)
        .filter_map(|f| chosen(f).map(|v| (f.key.clone(), v)))
        .collect();
    let forced: Vec<String> = t
        .rules
        .iter()
        .filter(|r| {
            r.when.iter().all(|(k, want)| {
                values
                    .iter()
                    .any(|(vk, vv)| vk == k && vv.eq_ignore_ascii_case(want))
            })
        })
        .flat_map(|r| r.require.iter().cloned())
        .collect();
    for f in &t.cover {
        let required = f.required || forced.contains(&f.key);
        let need = if f.required { "required" } else { "optional" };
        let (kind, value) = match &f.ty {
            FieldType::Text => (
                "text".to_string(),
                yaml_string(&format!("{} (replace)", f.label)),
            ),
            FieldType::Person => (
                format!("a person: {}", person_kind(&f.parts)),
                person_placeholder(&f.parts),
            ),
            FieldType::Date => (
                "a date, YYYY-MM-DD".to_string(),
                vars.today.format("%Y-%m-%d").to_string(),
            ),
            FieldType::YesNo => {
                let v = if chosen(f).as_deref() == Some("yes") {
                    "true"
                } else {
                    "false"
                };
                ("true or false".to_string(), v.to_string())
            }
            FieldType::Choice { choices } => (
                format!("one of: {}", comment(&choices.join(", "))),
                yaml_string(&chosen(f).unwrap_or_default()),
            ),
            // The county cover's field is its electoral divisions; any other
            // council's, its wards.
            FieldType::Wards if f.key == "electoral-divisions" => (
                "All, or a list of electoral divisions".to_string(),
                "All".to_string(),
            ),
            FieldType::Wards => ("All, or a list of wards".to_string(), "All".to_string()),
            FieldType::People => (
                format!("one or more people, each with {}", person_kind(&f.parts)),
                format!("[{}]", person_placeholder(&f.parts)),
            ),
            FieldType::Meetings => (
                if f.names_committee {
                    "a list of meetings, each a committee and a date, naming this paper's own meeting".to_string()
                } else {
                    "a list of meetings, each a committee and a date".to_string()
                },
                format!(
                    "[{{ meeting: Name of the committee, date: {} }}]",
                    vars.today.format("%Y-%m-%d")
                ),
            ),
        };
        y.push_str(&format!("{indent}# {} ({need}; {kind})", comment(&f.label)));
        if let Some(h) = &f.help {
            y.push_str(&format!(": {}", comment(h)));
        }
        y.push('\n');
        if required {
            y.push_str(&format!("{indent}{}: {value}\n", yaml_key(&f.key)));
        } else {
            y.push_str(&format!(
                "{indent}{}: ~                   # e.g. {}\n",
                yaml_key(&f.key),
                comment(&value)
            ));
        }
    }
    if fixed {
        // The fixed cover's contacts, which that layout prints.
        y.push_str("contacts:\n  author: { name: Name of the author, title: Job title }   # also telephone: and email:\n");
    }
    // The summary, long enough for the template's word limit.
    let sentence = "Replace this summary: say what the report asks the committee to do, and why.";
    let per = sentence.split_whitespace().count();
    let min = t.summary_words.as_ref().and_then(|l| l.min).unwrap_or(0);
    let times = min.div_ceil(per).max(1);
    y.push_str("summary: |                            # Markdown: the summary on the cover");
    if let Some(l) = &t.summary_words {
        match (l.min, l.max) {
            (Some(a), Some(b)) => y.push_str(&format!(" ({a} to {b} words)")),
            (None, Some(b)) => y.push_str(&format!(" (at most {b} words)")),
            (Some(a), None) => y.push_str(&format!(" (at least {a} words)")),
            (None, None) => {}
        }
    }
    y.push('\n');
    if times > 1 {
        y.push_str("  # the placeholder is repeated to the template's shortest summary\n");
    }
    for _ in 0..times {
        y.push_str(&format!("  {sentence}\n"));
    }
    if let Some(l) = &t.social_summary_chars {
        let max = l.max.unwrap_or(usize::MAX);
        let text: String = "Replace with a summary for social media."
            .chars()
            .take(max)
            .collect();
        y.push_str(&format!(
            "social-summary: {}   # {}\n",
            yaml_string(&text),
            l.max.map_or("for social media".into(), |m| format!(
                "at most {m} characters"
            )),
        ));
    }
    y.push_str("recommendations:                      # Markdown, one or more\n  - The committee is asked to **NOTE** the report.\n");
    if !t.tables.is_empty() {
        y.push_str("standard-tables:                      # the template's standard tables\n");
        for spec in &t.tables {
            y.push_str(&format!(
                "  {}:                    # {}\n",
                yaml_key(&spec.key),
                comment(&spec.label)
            ));
            // The rows the template names, else as many as it asks for (one at least).
            let named: Vec<Option<&str>> = if spec.rows.is_empty() {
                vec![None; spec.min_rows.unwrap_or(1).max(1)]
            } else {
                spec.rows.iter().map(|r| Some(r.as_str())).collect()
            };
            for row in named {
                if spec.columns.is_empty() {
                    let row = row.unwrap_or("Name of the row");
                    let signed = if spec.sign_off {
                        ", signed-off-by: Name and role of the officer who agreed it"
                    } else {
                        ""
                    };
                    y.push_str(&format!(
                        "    - {{ row: {}, text: {}{signed} }}\n",
                        yaml_string(row),
                        yaml_string(&format!("Replace this with the {row} entry."))
                    ));
                    continue;
                }
                let cells: Vec<String> = spec
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let v = match (i, row) {
                            (0, Some(r)) => yaml_string(r),
                            _ if c.date => vars.today.format("%Y-%m-%d").to_string(),
                            _ => yaml_string(&format!("{} (replace)", c.label)),
                        };
                        format!("{}: {v}", yaml_key(&c.key))
                    })
                    .collect();
                y.push_str(&format!("    - {{ {} }}\n", cells.join(", ")));
            }
        }
    }
    let optional: Vec<&str> = t
        .sections
        .iter()
        .filter(|s| !s.required)
        .map(|s| s.title.as_str())
        .collect();
    if !optional.is_empty() {
        y.push_str(&format!(
            "# Optional sections of the template, in its order if you add them: {}\n",
            comment(&optional.join(", "))
        ));
    }
    let mut md = String::new();
    for s in t
        .sections
        .iter()
        .filter(|s| s.required || forced.iter().any(|n| n.eq_ignore_ascii_case(&s.title)))
    {
        md.push_str(&format!("# {}\n\n", comment(&s.title)));
        // The placeholder, repeated to the section's least words, characters,
        // sentences and paragraphs.
        let sentence = "Replace this with the section's text.";
        let least = |m: crate::model::template::Measure| {
            s.limits
                .0
                .iter()
                .filter(|(k, _)| *k == m)
                .filter_map(|(_, l)| l.min)
                .max()
                .unwrap_or(0)
        };
        use crate::model::template::Measure as M;
        let paragraphs = least(M::Paragraphs).max(1);
        let sentences = least(M::Words)
            .div_ceil(sentence.split_whitespace().count())
            .max(least(M::Characters).div_ceil(sentence.len() + 1))
            .max(least(M::Sentences))
            .max(paragraphs);
        for p in 0..paragraphs {
            let here = sentences / paragraphs + usize::from(p < sentences % paragraphs);
            md.push_str(&vec![sentence; here].join(" "));
            md.push_str("\n\n");
        }
        // The standard tables the template places in this section.
        for tb in t.tables.iter().filter(|tb| {
            tb.section
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(&s.title))
        }) {
            md.push_str(&format!("{{{{ standard_table(\"{}\") }}}}\n\n", tb.key));
        }
        // The options the section must include by name, then doing nothing,
        // then as many more as it asks for.
        let mut options: Vec<String> = s.must_include.clone();
        let wanted = s.min_items.unwrap_or(0);
        if options.len() < wanted && !options.iter().any(|o| o.to_lowercase().contains("nothing")) {
            options.push("do nothing".into());
        }
        while options.len() < wanted {
            options.push("the option's name".into());
        }
        for (i, what) in options.iter().enumerate() {
            let i = i + 1;
            md.push_str(&format!(
                "## Option {i}: {}\n\nReplace this with what the option means.\n\n",
                comment(what)
            ));
        }
    }
    // A table placed in a section the scaffold has not written: the section too.
    for tb in &t.tables {
        let Some(sec) = &tb.section else { continue };
        let written = t.sections.iter().any(|s| {
            s.title.eq_ignore_ascii_case(sec)
                && (s.required || forced.iter().any(|n| n.eq_ignore_ascii_case(&s.title)))
        });
        if !written {
            md.push_str(&format!(
                "# {}\n\nReplace this with the section's text.\n\n{{{{ standard_table(\"{}\") }}}}\n\n",
                comment(sec),
                tb.key
            ));
        }
    }
    Ok((y, md.trim_end().to_string() + "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_single_folder_names() {
        for ok in ["budget-2025", "a", "q1.draft", "Risk_2025"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "-x", "a b", "é"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    /// Keys, values and comments made from hostile strings stay what they
    /// are: one key, its value, one comment line, never more YAML.
    #[test]
    fn generated_yaml_is_never_structure() {
        let hostile = [
            "a\nb: injected",
            "x\r\ny: 1",
            "k: v # c",
            "- item",
            "\"quoted\" 'single' \\ back",
            "{ flow: map }",
            "[1, 2]",
            "&anchor *alias !tag |block >folded",
            "tab\there",
            "line\u{2028}sep\u{2029}para\u{85}nel",
            "true",
            "null",
            "~",
            "1.5",
            "",
            " leading and trailing ",
            "%directive",
            "@at `tick`",
            "@start",
            ".inf",
            "name@1",
            "é – ünïcode",
            "---",
            "...",
        ];
        for h in hostile {
            let text = format!(
                "# {}\n{}: {}   # {}\nafter: 1\n",
                comment(h),
                yaml_key(h),
                yaml_string(h),
                comment(h)
            );
            let mut sources = SourceMap::new();
            let id = sources.add("t.yaml", text.clone());
            let node = crate::load::yaml::parse(&sources, id)
                .unwrap_or_else(|_| panic!("{h:?} made invalid YAML:\n{text}"));
            let crate::load::yaml::NodeKind::Map(entries) = &node.kind else {
                panic!("{h:?}: not a mapping:\n{text}");
            };
            let keys: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
            assert_eq!(keys, [h, "after"], "{h:?}:\n{text}");
            match &entries[0].1.kind {
                crate::load::yaml::NodeKind::Str(v) => assert_eq!(v, h, "{text}"),
                _ => panic!("{h:?}: the value is not text:\n{text}"),
            }
            assert_eq!(text.lines().count(), 3, "{h:?}:\n{text}");
        }
    }

    #[test]
    fn quoted_names_stay_one_yaml_scalar() {
        let text = PROJECT.replace("{org}", &yaml_string("Kent: \"the\" # County"));
        assert!(text.contains(r#"name: "Kent: \"the\" # County""#));
    }
}
