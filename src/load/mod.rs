//! Load: read files (YAML, Markdown) into the [`SourceMap`], confined to the project.
//!
//! Stage: load. The only module besides `write` and the Typst world that touches
//! the file system for inputs. Paths are project-relative; anything that would
//! resolve outside the project root (absolute paths, `..`, symlinks out) is refused.

pub mod markdown;
pub mod yaml;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use std::path::{Component, Path, PathBuf};

/// Largest input file quire reads (YAML or Markdown): 16 MiB.
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// Joins `rel` (as written by an author) to the folder `base`, refusing escapes.
/// Both are project-relative; the result is normalised and project-relative.
pub fn join_confined(base: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if p.is_absolute() {
        return None;
    }
    let mut out: Vec<std::ffi::OsString> = Vec::new();
    for c in base.join(p).components() {
        match c {
            Component::Normal(s) => out.push(s.to_os_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop()?;
            }
            _ => return None,
        }
    }
    Some(out.iter().collect())
}

/// Display form of a project-relative path (forward slashes on every platform).
pub fn display(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `path`, with links resolved, lies inside `root` (false when either
/// cannot be resolved, e.g. does not exist).
pub fn inside(root: &Path, path: &Path) -> bool {
    path.canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .is_some_and(|(f, r)| f.starts_with(r))
}

/// Opens `path` for reading only if it is a regular file of at most `max`
/// bytes (links followed): a folder, a device (`/dev/zero`) or a FIFO, which
/// would block the open itself, is refused before it is opened.
pub fn open_regular(path: &Path, max: u64) -> std::io::Result<std::fs::File> {
    let regular = |m: &std::fs::Metadata| -> std::io::Result<()> {
        if !m.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        if m.len() > max {
            return Err(std::io::Error::other("the file is too large"));
        }
        Ok(())
    };
    regular(&std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    // Checked again on what was opened (it may have been replaced between).
    regular(&file.metadata()?)?;
    Ok(file)
}

/// The bytes of a regular file of at most `max` bytes ([`open_regular`]),
/// never more than `max` even if it grows while read.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = open_regular(path, max)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other("the file is too large"));
    }
    Ok(bytes)
}

/// Reads a project-relative file into `sources`.
pub fn read(root: &Path, rel: &Path, sources: &mut SourceMap) -> Result<FileId, Diagnostic> {
    let full = root.join(rel);
    let name = display(rel);
    if !inside(root, &full) && full.exists() {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`{name}` resolves outside the project"),
        )
        .help("keep every input file inside the project folder"));
    }
    let meta = std::fs::metadata(&full).map_err(|e| io_diag(&name, &e))?;
    if !meta.is_file() {
        return Err(not_a_file(&name));
    }
    if meta.len() > MAX_INPUT {
        return Err(
            Diagnostic::error(Code::Io, format!("`{name}` is larger than 16 MiB"))
                .help("split it into smaller files"),
        );
    }
    let bytes = read_regular(&full, MAX_INPUT).map_err(|e| io_diag(&name, &e))?;
    // The hash of what was read, for the manifest (the file may change while
    // the build runs; the outputs are made from these bytes).
    sources.record_digest(&name, &bytes);
    let text = String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(Code::Io, format!("`{name}` is not UTF-8 text"))
            .help("save the file as UTF-8")
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    // A lone CR (old Mac line ends) is a line break to the YAML and Markdown
    // readers; as a LF (the same length, so no offset moves) it is one to the
    // locations in diagnostics too, which count lines by LF.
    let text = if text.contains('\r') {
        lone_cr_as_lf(&text)
    } else {
        text
    };
    let bad = first_control(&text);
    // The file is shown (never parsed) with each such character as U+FFFD: a
    // control character printed raw in the message could drive the terminal.
    let text = match bad {
        Some(_) => text
            .chars()
            .map(|c| if forbidden(c) { '\u{fffd}' } else { c })
            .collect(),
        None => text,
    };
    let id = sources.add(name, text);
    if let Some((at, c)) = bad {
        return Err(control_diag(
            c,
            &Span::new(id, at..at + '\u{fffd}'.len_utf8()),
        ));
    }
    Ok(id)
}

/// `s` with every CR not followed by a LF made a LF.
fn lone_cr_as_lf(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') {
            '\n'
        } else {
            c
        });
    }
    out
}

/// The first character in `s` that no input may hold: a control character
/// other than tab and line breaks, or a bidirectional control.
pub fn first_control(s: &str) -> Option<(usize, char)> {
    s.char_indices().find(|(_, c)| forbidden(*c))
}

/// Whether `c` is refused in every input: a control character other than tab
/// and line breaks, or a bidirectional control ([`is_bidi`]).
pub fn forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_bidi(c)
}

pub use crate::source::is_bidi;

/// The error for a control character at `span`.
pub fn control_diag(c: char, span: &Span) -> Diagnostic {
    if is_bidi(c) {
        return Diagnostic::error(
            Code::ControlCharacter,
            format!("text holds the bidirectional control character U+{:04X}", c as u32),
        )
        .at(span, "an invisible bidirectional control")
        .help("delete it: it makes the text display in another order than it is stored (so a reader sees other text than quire checked); right-to-left text needs no control characters");
    }
    Diagnostic::error(
        Code::ControlCharacter,
        format!("text holds the control character U+{:04X}", c as u32),
    )
    .at(span, "an invisible control character")
    .help("delete it (it often comes from copying out of another program); PDFs and spreadsheets cannot carry it")
}

/// The error for an input that is a folder, a device or a FIFO.
fn not_a_file(name: &str) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("`{name}` is not a regular file"))
        .help("quire reads inputs only from ordinary files; replace it with the file itself")
}

fn io_diag(name: &str, e: &std::io::Error) -> Diagnostic {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "it does not exist".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string().to_lowercase(),
    };
    Diagnostic::error(Code::Io, format!("cannot read `{name}`: {reason}"))
}

/// Reads a file that a YAML value refers to (`at` is that value), relative to `base`.
pub fn read_ref(
    root: &Path,
    base: &Path,
    rel: &str,
    at: &Span,
    sources: &mut SourceMap,
) -> Result<(FileId, PathBuf), Diagnostic> {
    let Some(path) = join_confined(base, rel) else {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`{rel}` points outside the project"),
        )
        .at(at, "not inside the project")
        .help("use a path relative to this file that stays inside the project"));
    };
    if !root.join(&path).is_file() {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`{}` does not exist", display(&path)),
        )
        .at(at, "file not found")
        .help(
            "check the file name; paths are relative to the folder of the file that names them",
        ));
    }
    read(root, &path, sources).map(|f| (f, path)).map_err(|d| {
        // A problem inside the file (a control character) is shown where it
        // is, with the place that names the file beside it.
        if d.primary.is_some() {
            d.also(at, "named here")
        } else {
            d.at(at, "named here")
        }
    })
}

/// Reads a binary file (a workbook) that a YAML value refers to, relative to
/// `base`, with the same confinement and size bound as [`read_ref`].
pub fn read_bytes_ref(
    root: &Path,
    base: &Path,
    rel: &str,
    at: &Span,
) -> Result<(Vec<u8>, PathBuf), Diagnostic> {
    let Some(path) = join_confined(base, rel) else {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`{rel}` points outside the project"),
        )
        .at(at, "not inside the project")
        .help("use a path relative to this file that stays inside the project"));
    };
    let full = root.join(&path);
    let name = display(&path);
    if !full.is_file() {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`{name}` does not exist"),
        )
        .at(at, "file not found")
        .help(
            "check the file name; paths are relative to the folder of the file that names them",
        ));
    }
    if !inside(root, &full) {
        return Err(Diagnostic::error(
            Code::MissingFile,
            format!("`{name}` resolves outside the project"),
        )
        .at(at, "named here")
        .help("keep every input file inside the project folder"));
    }
    let meta = std::fs::metadata(&full).map_err(|e| io_diag(&name, &e).at(at, "named here"))?;
    if !meta.is_file() {
        return Err(not_a_file(&name).at(at, "named here"));
    }
    if meta.len() > MAX_INPUT {
        return Err(
            Diagnostic::error(Code::Io, format!("`{name}` is larger than 16 MiB"))
                .at(at, "named here")
                .help("keep the workbook's figures in a smaller file"),
        );
    }
    let bytes =
        read_regular(&full, MAX_INPUT).map_err(|e| io_diag(&name, &e).at(at, "named here"))?;
    Ok((bytes, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confines_paths() {
        assert_eq!(
            join_confined(Path::new("content/p"), "../registers/r.yaml"),
            Some(PathBuf::from("content/registers/r.yaml"))
        );
        assert_eq!(
            join_confined(Path::new("content/p"), "../../../etc/passwd"),
            None
        );
        assert_eq!(join_confined(Path::new("content/p"), "/etc/passwd"), None);
    }

    #[test]
    fn a_lone_cr_is_a_line_break_of_the_same_length() {
        assert_eq!(lone_cr_as_lf("a\rb\r\nc\r"), "a\nb\r\nc\n");
    }
}
