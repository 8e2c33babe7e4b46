//! Fonts: bundled in the binary, plus any in the project's `fonts/` folder.
//!
//! Never the system's fonts: output would then depend on the machine. A
//! project's fonts are inputs like any other: confined to the project (a
//! symlink out is refused), loaded within a budget (file size, count, and the
//! size of each font's character map, which a damaged font can make claim
//! billions of characters), hashed into the manifest, and a file that is not a
//! font is an error naming it. Fonts the project supplies are otherwise trusted
//! to be fonts: Typst parses them.

use crate::diag::{Code, Diagnostic};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// Liberation Sans (SIL OFL 1.1, metric-compatible with Arial; see
/// fonts/LICENSE-Liberation.txt) and DejaVu Sans as the fallback for symbols
/// (ticks, crosses, arrows, stars, warning signs, task boxes; see
/// fonts/LICENSE-DejaVu.txt).
static BUNDLED: &[&[u8]] = &[
    include_bytes!("../../fonts/LiberationSans-Regular.ttf"),
    include_bytes!("../../fonts/LiberationSans-Bold.ttf"),
    include_bytes!("../../fonts/LiberationSans-Italic.ttf"),
    include_bytes!("../../fonts/LiberationSans-BoldItalic.ttf"),
    include_bytes!("../../fonts/LiberationMono-Regular.ttf"),
    include_bytes!("../../fonts/DejaVuSans.ttf"),
];

/// How wide `text` sets in the bundled Liberation Sans (bold or regular), in
/// ems: the sum of its characters' advance widths, a character the face lacks
/// measured in DejaVu Sans (as Typst falls back), else as a full em. No
/// kerning, so a little wider than set, never narrower; the same on every
/// machine (the Word edition sizes its table columns by it).
pub fn bundled_width(text: &str, bold: bool) -> f64 {
    type Faces = [Option<ttf_parser::Face<'static>>; 3];
    static FACES: OnceLock<Faces> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        [BUNDLED[0], BUNDLED[1], BUNDLED[5]].map(|b| ttf_parser::Face::parse(b, 0).ok())
    });
    let main = faces[usize::from(bold)].as_ref();
    let fallback = faces[2].as_ref();
    text.chars()
        .map(|c| {
            [main, fallback]
                .into_iter()
                .flatten()
                .find_map(|f| {
                    let g = f.glyph_index(c)?;
                    let adv = f.glyph_hor_advance(g)?;
                    Some(f64::from(adv) / f64::from(f.units_per_em()))
                })
                .unwrap_or(1.0)
        })
        .sum()
}

/// Largest font file a project may supply.
pub const MAX_FONT_FILE: u64 = 32 * 1024 * 1024;
/// Most font files a project may supply.
pub const MAX_FONT_FILES: usize = 64;
/// Most characters one font's character maps may claim together (Unicode has
/// 1.1 million code points; a font has at most a few subtables).
pub const MAX_CMAP_CHARS: u64 = 4 * 0x11_0000;

pub struct FontSet {
    pub fonts: Vec<Font>,
    pub book: LazyHash<FontBook>,
    /// The project's own font files that were loaded, project-relative.
    pub files: Vec<String>,
    /// The SHA-256 of each of those files as it was read, by path.
    pub digests: std::collections::BTreeMap<String, String>,
    /// Problems with the project's fonts (each names its file).
    pub problems: Vec<Diagnostic>,
}

impl FontSet {
    /// The house style's font, when it is not bundled, must be one of the
    /// fonts loaded from the project's `fonts/`: else an error at its name,
    /// listing the fonts there are.
    pub fn check_style(&self, style: &crate::model::Style) -> Option<Diagnostic> {
        let at = style.font_at.as_ref()?;
        let family = style.font.to_lowercase();
        if self.book.select_family(&family).next().is_some() {
            return None;
        }
        let mut have: Vec<&str> = self.book.families().map(|(f, _)| f).collect();
        have.dedup();
        Some(
            Diagnostic::error(
                Code::InvalidValue,
                format!("the font `{}` is neither bundled nor in the project's fonts/", style.font),
            )
            .at(at, "no such font")
            .help(format!(
                "add its font files (.ttf or .otf) to the project's fonts/ folder, or name one of: {}",
                have.join(", ")
            )),
        )
    }

    /// Whether any font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|f| f.info().coverage.contains(c as u32))
    }
}

fn bundled() -> &'static Vec<Font> {
    static FONTS: OnceLock<Vec<Font>> = OnceLock::new();
    FONTS.get_or_init(|| {
        BUNDLED
            .iter()
            .flat_map(|b| Font::iter(Bytes::new(*b)))
            .collect()
    })
}

type Sets = std::sync::Mutex<std::collections::HashMap<PathBuf, Arc<FontSet>>>;

fn sets() -> &'static Sets {
    static SETS: OnceLock<Sets> = OnceLock::new();
    SETS.get_or_init(Default::default)
}

/// The fonts for a project, read once per process (a bulk build typesets
/// hundreds of documents from the same project).
pub fn for_project(root: &Path) -> Arc<FontSet> {
    let mut guard = sets().lock().unwrap_or_else(|e| e.into_inner());
    guard
        .entry(root.to_path_buf())
        .or_insert_with(|| Arc::new(load(root)))
        .clone()
}

/// Forgets a project's fonts, so the next build reads `fonts/` again (`quire
/// watch`, after a change there).
pub fn forget(root: &Path) {
    sets()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(root);
}

fn problem(rel: &str, why: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Font,
        format!("the font `{rel}` cannot be used: {}", why.into()),
    )
    .help(help.to_string())
}

/// Bundled fonts followed by the project's own (sorted by file name, for stable order).
pub fn load(root: &Path) -> FontSet {
    let mut fonts = bundled().clone();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut digests = std::collections::BTreeMap::new();
    let mut extra: Vec<PathBuf> = std::fs::read_dir(root.join("fonts"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "ttf" | "otf" | "ttc" | "otc"
                )
            })
        })
        .collect();
    extra.sort();
    if extra.len() > MAX_FONT_FILES {
        problems.push(
            Diagnostic::error(
                Code::Font,
                format!(
                    "fonts/ holds {} font files; at most {MAX_FONT_FILES} are read",
                    extra.len()
                ),
            )
            .help("keep only the fonts the layouts use"),
        );
        extra.truncate(MAX_FONT_FILES);
    }
    let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for p in extra {
        let rel = format!(
            "fonts/{}",
            p.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let inside = p
            .canonicalize()
            .is_ok_and(|r| r.starts_with(&real_root) && r.is_file());
        if !inside {
            problems.push(problem(
                &rel,
                "it resolves outside the project, or is not a file",
                "copy the font file into fonts/ instead of linking to it",
            ));
            continue;
        }
        match std::fs::metadata(&p) {
            Ok(m) if m.len() > MAX_FONT_FILE => {
                problems.push(problem(
                    &rel,
                    format!("it is larger than {} MiB", MAX_FONT_FILE / (1024 * 1024)),
                    "use a font file made for documents (most are under 2 MiB)",
                ));
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                problems.push(problem(
                    &rel,
                    e.to_string().to_lowercase(),
                    "check the file",
                ));
                continue;
            }
        }
        let bytes = match crate::load::read_regular(&p, MAX_FONT_FILE) {
            Ok(b) => b,
            Err(e) => {
                problems.push(problem(
                    &rel,
                    e.to_string().to_lowercase(),
                    "check the file",
                ));
                continue;
            }
        };
        let digest = crate::source::sha256(&bytes);
        if let Err(why) = check_font_file(&bytes) {
            problems.push(problem(
                &rel,
                why,
                "the file is damaged or not a font; replace it with a good copy, or remove it",
            ));
            continue;
        }
        let faces: Vec<Font> = Font::iter(Bytes::new(bytes)).collect();
        if faces.is_empty() {
            problems.push(problem(
                &rel,
                "it is not a font Typst can read",
                "replace it with a TrueType or OpenType font file, or remove it",
            ));
            continue;
        }
        for f in faces {
            // Skip exact duplicates of the bundled fonts.
            if !fonts.iter().any(|b| b.info() == f.info()) {
                fonts.push(f);
            }
        }
        digests.insert(rel.clone(), digest);
        files.push(rel);
    }
    let book = LazyHash::new(FontBook::from_fonts(&fonts));
    FontSet {
        fonts,
        book,
        files,
        digests,
        problems,
    }
}

/// Checks what a font file claims before Typst parses it: that it has at most
/// 64 faces and that no face's character maps claim more than
/// [`MAX_CMAP_CHARS`] characters (Typst lists every character a font maps).
pub fn check_font_file(bytes: &[u8]) -> Result<(), String> {
    let count = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
    if count > 64 {
        return Err(format!("it claims {count} fonts in one file"));
    }
    for i in 0..count {
        let Ok(face) = ttf_parser::RawFace::parse(bytes, i) else {
            continue;
        };
        let Some(cmap) = face.table(ttf_parser::Tag::from_bytes(b"cmap")) else {
            continue;
        };
        let claimed = cmap_claims(cmap).ok_or("its character map is damaged")?;
        if claimed > MAX_CMAP_CHARS {
            return Err(format!(
                "its character map claims {claimed} characters (Unicode has 1,114,112)"
            ));
        }
    }
    Ok(())
}

fn u16_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u16::from_be_bytes(b.get(o..o + 2)?.try_into().ok()?) as u64)
}

fn u32_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u32::from_be_bytes(b.get(o..o + 4)?.try_into().ok()?) as u64)
}

/// The number of characters a `cmap` table's subtables claim together, from
/// their ranges (formats 4, 10, 12 and 13 can claim far more than their size).
fn cmap_claims(cmap: &[u8]) -> Option<u64> {
    let tables = u16_at(cmap, 2)? as usize;
    let mut total: u64 = 0;
    for t in 0..tables {
        let offset = u32_at(cmap, 4 + t * 8 + 4)? as usize;
        let format = u16_at(cmap, offset)?;
        let claimed = match format {
            4 => {
                let seg_x2 = u16_at(cmap, offset + 6)? as usize;
                let ends = offset + 14;
                let starts = ends + seg_x2 + 2;
                let mut n = 0;
                for s in 0..seg_x2 / 2 {
                    let (end, start) = (u16_at(cmap, ends + 2 * s)?, u16_at(cmap, starts + 2 * s)?);
                    n += end.saturating_sub(start) + 1;
                }
                n
            }
            10 => u32_at(cmap, offset + 16)?,
            12 | 13 => {
                let groups = u32_at(cmap, offset + 12)? as usize;
                let mut n: u64 = 0;
                for g in 0..groups {
                    let at = offset + 16 + g * 12;
                    let (start, end) = (u32_at(cmap, at)?, u32_at(cmap, at + 4)?);
                    n = n.saturating_add(end.saturating_sub(start) + 1);
                    if n > MAX_CMAP_CHARS {
                        return Some(n);
                    }
                }
                n
            }
            _ => 0,
        };
        total = total.saturating_add(claimed);
        if total > MAX_CMAP_CHARS {
            return Some(total);
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_pass_the_check_and_cover_symbols() {
        for b in BUNDLED {
            check_font_file(b).unwrap();
        }
        let set = load(Path::new("/nonexistent"));
        for c in ['✓', '✗', '★', '⚠', '☐', '☑', '→', '↑', '↓', '£', '€', '–']
        {
            assert!(set.covers(c), "{c} is not covered");
        }
    }

    #[test]
    fn a_cmap_claiming_everything_is_refused() {
        // A font whose format-12 cmap has 1,000 groups each claiming 0..=0xFFFFFF.
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 10, 0, 0, 0, 12];
        let groups = 1000u32;
        cmap.extend_from_slice(&12u16.to_be_bytes());
        cmap.extend_from_slice(&0u16.to_be_bytes());
        cmap.extend_from_slice(&(16 + groups * 12).to_be_bytes());
        cmap.extend_from_slice(&0u32.to_be_bytes());
        cmap.extend_from_slice(&groups.to_be_bytes());
        for _ in 0..groups {
            cmap.extend_from_slice(&0u32.to_be_bytes());
            cmap.extend_from_slice(&0x00FF_FFFFu32.to_be_bytes());
            cmap.extend_from_slice(&0u32.to_be_bytes());
        }
        assert!(cmap_claims(&cmap).unwrap() > MAX_CMAP_CHARS);
        // Splice it into a real font in place of its cmap table and check the file.
        let mut font = BUNDLED[0].to_vec();
        let tables = u16::from_be_bytes([font[4], font[5]]) as usize;
        let mut patched = false;
        for t in 0..tables {
            let rec = 12 + t * 16;
            if &font[rec..rec + 4] == b"cmap" {
                let off = font.len() as u32;
                font[rec + 8..rec + 12].copy_from_slice(&off.to_be_bytes());
                font[rec + 12..rec + 16].copy_from_slice(&(cmap.len() as u32).to_be_bytes());
                patched = true;
            }
        }
        assert!(patched);
        font.extend_from_slice(&cmap);
        let e = check_font_file(&font).unwrap_err();
        assert!(e.contains("claims"), "{e}");
    }
}
