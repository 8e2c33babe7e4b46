//! `quire.yaml` → [`Settings`].

use super::{MapReader, number, one_of, text};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::yaml::Node;
use crate::model::{Logo, NegativeStyle, Settings, Sp, Style, YearStyle};

/// Fonts a house style may name: the bundled ones.
pub const FONTS: &[&str] = &["Liberation Sans", "DejaVu Sans"];

/// A size or margin within `lo..=hi`, or a located error.
fn ranged(
    m: &mut MapReader,
    key: &'static str,
    what: &str,
    (lo, hi): (f64, f64),
    unit: &str,
) -> Option<f64> {
    let n = m.opt(key)?;
    let v = number(n, m.diags)?;
    if v.value < lo || v.value > hi {
        m.diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("{what} {} {unit} is outside {lo}–{hi} {unit}", v.value),
            )
            .at(&v.span, "out of range")
            .help(format!("give a {what} from {lo} to {hi} {unit}")),
        );
        return None;
    }
    Some(v.value)
}

/// `house-style:` — type sizes (points), font and margins (millimetres).
pub(crate) fn style(n: &Node, diags: &mut Diagnostics) -> Style {
    let mut st = Style::default();
    let Some(mut m) = MapReader::new(n, "the house style", diags) else {
        return st;
    };
    // A bundled font, or one the project supplies in `fonts/` (a name here;
    // the fonts themselves are checked once loaded).
    if let Some(n) = m.opt("font")
        && let Some(t) = text(n, m.diags)
    {
        let name = t.value.trim();
        if let Some(b) = FONTS.iter().find(|f| f.eq_ignore_ascii_case(name)) {
            st.font = b.to_string();
        } else if !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            st.font = name.to_string();
            st.font_at = Some(t.span.clone());
        } else {
            m.diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a font name", t.value),
                )
                .at(&t.span, "expected a font's family name")
                .help(format!(
                    "name a bundled font ({}) or one supplied in the project's fonts/ folder",
                    FONTS.join(", ")
                )),
            );
        }
    }
    // Accessibility guidance: nothing below 9 pt.
    if let Some(v) = ranged(&mut m, "body-size", "body size", (9.0, 16.0), "pt") {
        st.body_size = v;
    }
    if let Some(v) = ranged(&mut m, "table-size", "table size", (9.0, 16.0), "pt") {
        st.table_size = v;
    }
    if let Some(v) = ranged(&mut m, "heat-map-size", "heat-map size", (9.0, 16.0), "pt") {
        st.heat_map_size = v;
    }
    if let Some(n) = m.opt("heading-colour")
        && let Some(t) = text(n, m.diags)
    {
        st.heading_colour = heading_colour(&t, m.diags);
    }
    if let Some(mg) = m.opt("margins")
        && let Some(mut mm) = MapReader::new(mg, "the margins", m.diags)
    {
        for (key, slot) in [
            ("x", &mut st.margin_x),
            ("top", &mut st.margin_top),
            ("bottom", &mut st.margin_bottom),
        ] {
            if let Some(v) = ranged(&mut mm, key, "margin", (10.0, 50.0), "mm") {
                *slot = v;
            }
        }
        mm.finish();
    }
    m.finish();
    st
}

/// A heading colour: `#rrggbb` whose contrast with white is at least 4.5:1
/// (WCAG 2.2 AA for text of any size), else a located error with the ratio.
fn heading_colour(t: &Sp<String>, diags: &mut Diagnostics) -> Option<String> {
    use crate::model::colour;
    let hex = t.value.trim().to_ascii_lowercase();
    let Some(l) = colour::luminance(&hex) else {
        diags.push(
            Diagnostic::error(Code::InvalidValue, format!("`{}` is not a colour", t.value))
                .at(&t.span, "expected `#rrggbb`")
                .help("write the colour as six hex digits, e.g. `heading-colour: \"#1d4f91\"` (quoted: `#` starts a comment)"),
        );
        return None;
    };
    let ratio = colour::on_white(l);
    if ratio < 4.5 {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "`{}` on white has a contrast of {ratio:.1}:1, below the 4.5:1 headings need",
                    t.value
                ),
            )
            .at(&t.span, "too light to read")
            .help(
                "choose a darker shade of the council's colour (WCAG 2.2 AA asks 4.5:1 for text)",
            ),
        );
        return None;
    }
    Some(hex)
}

/// `logo: { file, alt }`: an SVG or PNG named by a relative path inside the project.
fn logo(n: &Node, diags: &mut Diagnostics) -> Option<Logo> {
    let mut m = MapReader::new(n, "the logo", diags)?;
    let file = m.text("file");
    let alt = m.text("alt");
    m.finish();
    let (file, alt) = (file?, alt?);
    let lower = file.value.to_ascii_lowercase();
    let safe = !file.value.starts_with('/')
        && !file.value.contains('\\')
        && !file
            .value
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if !safe || !(lower.ends_with(".svg") || lower.ends_with(".png")) {
        diags.push(
            Diagnostic::error(
                Code::MissingFile,
                format!("`{}` is not a logo file inside the project", file.value),
            )
            .at(&file.span, "expected a relative path to an .svg or .png file")
            .help("put the logo in the project (for example `logo.svg` beside quire.yaml) and name it relative to quire.yaml"),
        );
        return None;
    }
    if alt.value.trim().is_empty() {
        diags.push(
            Diagnostic::error(Code::MissingField, "the logo has no alternative text")
                .at(&alt.span, "empty")
                .help("write what a screen reader should say, usually the council's name"),
        );
        return None;
    }
    Some(Logo {
        file: Sp::new(file.value, file.span),
        alt: alt.value,
    })
}

pub fn settings(node: &Node, diags: &mut Diagnostics) -> Settings {
    let mut s = Settings::default();
    let Some(mut m) = MapReader::new(node, "the project file", diags) else {
        return s;
    };
    if let Some(org) = m.req("organisation")
        && let Some(mut o) = MapReader::new(org, "the organisation", m.diags)
    {
        if let Some(n) = o.text("name") {
            s.organisation = n.value;
        }
        s.short_name = o.opt_text("short-name").map(|t| t.value);
        if let Some(l) = o.opt("logo") {
            s.logo = logo(l, o.diags);
        }
        o.finish();
    }
    if let Some(d) = m.opt("defaults")
        && let Some(mut dm) = MapReader::new(d, "the defaults", m.diags)
    {
        if let Some(t) = dm.opt_text("classification") {
            s.classification = t.value;
        }
        if let Some(n) = dm.opt("language")
            && let Some(t) = one_of(n, &["en-GB"], "language", dm.diags)
        {
            s.language = t.value;
        }
        if let Some(n) = dm.opt("paper-size")
            && let Some(t) = one_of(n, &["a4", "a3", "us-letter"], "paper size", dm.diags)
        {
            s.paper_size = t.value;
        }
        if let Some(n) = dm.opt("financial-year-style")
            && let Some(t) = one_of(n, &["dash", "slash"], "financial year style", dm.diags)
        {
            s.financial_year_style = if t.value == "dash" {
                YearStyle::Dash
            } else {
                YearStyle::Slash
            };
        }
        if let Some(n) = dm.opt("negative-money")
            && let Some(t) = one_of(n, &["brackets", "minus"], "negative money style", dm.diags)
        {
            s.negative_money = if t.value == "brackets" {
                NegativeStyle::Brackets
            } else {
                NegativeStyle::Minus
            };
        }
        if let Some(n) = dm.opt("pdf-standards") {
            let items: Vec<&Node> = match &n.kind {
                crate::load::yaml::NodeKind::Seq(v) => v.iter().collect(),
                _ => vec![n],
            };
            s.pdf_standards = items
                .into_iter()
                .filter_map(|i| {
                    one_of(
                        i,
                        &["a-2b", "a-2a", "a-3b", "ua-1"],
                        "PDF standard",
                        dm.diags,
                    )
                })
                .map(|t| t.value)
                .collect();
        }
        if let Some(n) = dm.opt("formats") {
            let items: Vec<&Node> = match &n.kind {
                crate::load::yaml::NodeKind::Seq(v) => v.iter().collect(),
                _ => vec![n],
            };
            let mut formats: Vec<String> = items
                .into_iter()
                .filter_map(|i| one_of(i, crate::model::FORMATS, "output format", dm.diags))
                .map(|t| t.value)
                .collect();
            formats.sort();
            formats.dedup();
            if !formats.is_empty() {
                s.formats = formats;
            }
        }
        if let Some(t) = dm.opt_text("no-data") {
            s.no_data = t.value;
        }
        if let Some(t) = dm.opt_text("not-rated") {
            s.not_rated = t.value;
        }
        if let Some(t) = dm.opt_text("not-yet-due") {
            s.not_yet_due = t.value;
        }
        dm.finish();
    }
    if let Some(n) = m.opt("house-style") {
        s.style = style(n, m.diags);
    }
    if let Some(n) = m.opt("risk-scheme") {
        s.risk_scheme = Some(super::risk::scheme_or_broken(n, m.diags));
    }
    // Scales declared once for every register, plan and return that does not
    // declare its own.
    super::unique_names(node, "assurance-scale", "assurance scale", m.diags);
    super::unique_names(node, "risk-scale", "risk scale", m.diags);
    super::unique_names(node, "brag-scale", "BRAG scale", m.diags);
    super::unique_names(node, "kpi-rag-scale", "KPI RAG scale", m.diags);
    s.assurance_scale = m.list("assurance-scale", false, super::scale_item);
    s.risk_scale = m.list("risk-scale", false, super::scale_item);
    s.brag_scale = m.list("brag-scale", false, super::app::brag_item);
    s.kpi_rag_scale = m.list("kpi-rag-scale", false, super::app::rag_item);
    if let Some(n) = m.opt("kpi-rag-scale") {
        super::app::rag_count(n, s.kpi_rag_scale.len(), m.diags);
    }
    m.finish();
    s
}

/// The project's settings with a document's own overrides: a document may
/// write its financial years as its source does (`financial-year-style: dash`
/// in a return that prints 2022-23 in a project that writes 2022/23).
pub fn document_settings(node: &Node, project: &Settings, diags: &mut Diagnostics) -> Settings {
    let mut s = project.clone();
    if let Some(n) = node.get("financial-year-style")
        && let Some(t) = one_of(n, &["dash", "slash"], "financial year style", diags)
    {
        s.financial_year_style = if t.value == "dash" {
            YearStyle::Dash
        } else {
            YearStyle::Slash
        };
    }
    s
}
