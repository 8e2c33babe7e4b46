//! The typed, validated models of everything quire builds.
//!
//! Stage: model (the output of validate, the input of render). Values that later
//! checks must point back at keep their source span in [`Sp`]. These types are only
//! constructed by [`crate::validate`]; once built they are known to be consistent.

pub mod app;
pub mod changes;
pub mod colour;
pub mod dates;
pub mod decimal;
pub mod expr;
pub mod idhash;
pub mod kpi;
pub mod paper;
pub mod risk;
pub mod table;
pub mod template;
pub mod valve;

pub use dates::AsWritten;

/// The output formats a project may choose (`formats:`, `--format`): one per
/// edition back end (`typeset::backend::BACKENDS`, kept in step by its test).
pub const FORMATS: &[&str] = &["pdf", "html", "docx"];

/// `s` with a capital to begin a heading or a count ("Not rated").
pub fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Orders ids as people read them: runs of digits by their value, the rest as
/// text, so `APP9` < `APP44` < `APP44-3` < `APP64` and `3.2` < `3.10`. Ids are
/// printed as written; this is only their order where quire sorts.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut digit = None;
        for (i, c) in s.char_indices() {
            let d = c.is_ascii_digit();
            if digit.is_some_and(|x| x != d) {
                out.push((digit.unwrap_or(false), &s[start..i]));
                start = i;
            }
            digit = Some(d);
        }
        if start < s.len() {
            out.push((digit.unwrap_or(false), &s[start..]));
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (tx, ty) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                tx.len()
                    .cmp(&ty.len())
                    .then_with(|| tx.cmp(ty))
                    .then_with(|| x.1.len().cmp(&y.1.len()))
            }
            // A number before text at the same place.
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.1.cmp(y.1),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod natural_tests {
    use super::natural_cmp;

    #[test]
    fn ids_sort_as_people_read_them() {
        let mut ids = vec![
            "APP64", "APP44-3", "APPSLT-2", "APP9", "APP44", "APP01", "APP45",
        ];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            [
                "APP01", "APP9", "APP44", "APP44-3", "APP45", "APP64", "APPSLT-2"
            ]
        );
        let mut n = vec!["3.10", "Capital", "3.2", "2", "10"];
        n.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(n, ["2", "3.2", "3.10", "10", "Capital"]);
    }
}

use crate::source::Span;
use serde::{Serialize, Serializer};

/// A value with the span of the YAML it was read from. Serializes as the bare value.
#[derive(Clone, Debug)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

impl<T: Serialize> Serialize for Sp<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// Project-wide settings from `quire.yaml`.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    pub organisation: String,
    pub short_name: Option<String>,
    pub classification: String,
    pub language: String,
    pub paper_size: String,
    pub financial_year_style: YearStyle,
    pub negative_money: NegativeStyle,
    pub no_data: String,
    /// The words printed where no rating was published and no declared rule gives one.
    pub not_rated: String,
    /// The words printed in a return's rating cell for an update after the
    /// current one.
    pub not_yet_due: String,
    /// PDF standards every build conforms to unless `--pdf-standard` is given
    /// (e.g. `[a-2b, ua-1]` for archival, accessible PDFs).
    pub pdf_standards: Vec<String>,
    pub risk_scheme: Option<risk::Scheme>,
    /// Scales declared once for the project (`assurance-scale`, `risk-scale`,
    /// `brag-scale`, `kpi-rag-scale` in `quire.yaml`), used by every register,
    /// plan and return that does not declare its own (a document's own
    /// declaration wins, whole).
    #[serde(skip)]
    pub assurance_scale: Vec<valve::ScaleItem>,
    #[serde(skip)]
    pub risk_scale: Vec<valve::ScaleItem>,
    #[serde(skip)]
    pub brag_scale: Vec<app::Brag>,
    #[serde(skip)]
    pub kpi_rag_scale: Vec<app::RagLevel>,
    /// Output formats every build writes unless `--format` is given (`pdf`,
    /// `html`, `docx`). Not part of the data layouts see.
    #[serde(skip)]
    pub formats: Vec<String>,
    /// The council's logo, printed on cover and front sheets (`organisation.logo`).
    pub logo: Option<Logo>,
    /// The house style (`house-style`): type sizes, font and margins.
    pub style: Style,
}

/// A logo file inside the project (SVG or PNG) and the words a screen reader says for it.
#[derive(Clone, Debug, Serialize)]
pub struct Logo {
    /// Path relative to the project root, `/`-separated, never leaving the project.
    pub file: Sp<String>,
    pub alt: String,
}

/// The house style every layout from version 2 follows. Sizes in points, margins in
/// millimetres.
#[derive(Clone, Debug, Serialize)]
pub struct Style {
    pub font: String,
    pub body_size: f64,
    pub table_size: f64,
    pub heat_map_size: f64,
    pub margin_x: f64,
    pub margin_top: f64,
    pub margin_bottom: f64,
    /// The council's colour for headings (`#rrggbb`, at least 4.5:1 on
    /// white), where its house style or report template gives one; left out
    /// of the layouts' data otherwise, so documents without it are as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading_colour: Option<String>,
    /// Where a font that is not bundled is named: it must be one the
    /// project supplies in `fonts/` (checked once the fonts are loaded).
    #[serde(skip)]
    pub font_at: Option<crate::source::Span>,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            font: "Liberation Sans".into(),
            body_size: 12.0,
            table_size: 10.0,
            heat_map_size: 9.0,
            margin_x: 20.0,
            margin_top: 24.0,
            margin_bottom: 22.0,
            heading_colour: None,
            font_at: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum YearStyle {
    Dash,
    Slash,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum NegativeStyle {
    Brackets,
    Minus,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            organisation: String::new(),
            short_name: None,
            classification: "Unrestricted".into(),
            language: "en-GB".into(),
            paper_size: "a4".into(),
            financial_year_style: YearStyle::Dash,
            negative_money: NegativeStyle::Brackets,
            no_data: "no data".into(),
            not_rated: "not rated".into(),
            not_yet_due: "not yet due".into(),
            pdf_standards: Vec::new(),
            risk_scheme: None,
            assurance_scale: Vec::new(),
            risk_scale: Vec::new(),
            brag_scale: Vec::new(),
            kpi_rag_scale: Vec::new(),
            formats: vec!["pdf".into()],
            logo: None,
            style: Style::default(),
        }
    }
}
