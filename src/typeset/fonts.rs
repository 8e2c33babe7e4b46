//! Fonts: bundled in the binary, plus any in the project's `fonts/` folder.
//!
//! Never the system's fonts: output would then depend on the machine.

use std::path::Path;
use std::sync::OnceLock;
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// Liberation Sans (SIL OFL 1.1, metric-compatible with Arial); see fonts/LICENSE-Liberation.txt.
static BUNDLED: &[&[u8]] = &[
    include_bytes!("../../fonts/LiberationSans-Regular.ttf"),
    include_bytes!("../../fonts/LiberationSans-Bold.ttf"),
    include_bytes!("../../fonts/LiberationSans-Italic.ttf"),
    include_bytes!("../../fonts/LiberationSans-BoldItalic.ttf"),
    include_bytes!("../../fonts/LiberationMono-Regular.ttf"),
];

pub struct FontSet {
    pub fonts: Vec<Font>,
    pub book: LazyHash<FontBook>,
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

/// The fonts for a project, read once per process (a bulk build typesets
/// hundreds of documents from the same project).
pub fn for_project(root: &Path) -> std::sync::Arc<FontSet> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    static SETS: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<FontSet>>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut guard = sets.lock().unwrap_or_else(|e| e.into_inner());
    guard
        .entry(root.to_path_buf())
        .or_insert_with(|| Arc::new(load(root)))
        .clone()
}

/// Bundled fonts followed by the project's own (sorted by file name, for stable order).
pub fn load(root: &Path) -> FontSet {
    let mut fonts = bundled().clone();
    let mut extra: Vec<_> = std::fs::read_dir(root.join("fonts"))
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
    for p in extra {
        if let Ok(bytes) = std::fs::read(&p) {
            let data = Bytes::new(bytes);
            for f in Font::iter(data) {
                // Skip exact duplicates of the bundled fonts.
                if !fonts.iter().any(|b| b.info() == f.info()) {
                    fonts.push(f);
                }
            }
        }
    }
    let book = LazyHash::new(FontBook::from_fonts(&fonts));
    FontSet { fonts, book }
}
