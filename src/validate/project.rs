//! `quire.yaml` → [`Settings`].

use super::{MapReader, one_of};
use crate::diag::Diagnostics;
use crate::load::yaml::Node;
use crate::model::{NegativeStyle, Settings, YearStyle};

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
                .filter_map(|i| one_of(i, &["pdf", "html"], "output format", dm.diags))
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
        dm.finish();
    }
    if let Some(n) = m.opt("risk-scheme") {
        s.risk_scheme = Some(super::risk::scheme_or_broken(n, m.diags));
    }
    m.finish();
    s
}

/// The project's settings with a document's own overrides: a document may
/// write its financial years as its source does (`financial-year-style: dash`
/// in a return that prints 2022-23 in a project that writes 2022/23).
pub fn document_settings(node: &Node, project: &Settings, diags: &mut Diagnostics) -> Settings {
    let mut s = project.clone();
    if let crate::load::yaml::NodeKind::Map(entries) = &node.kind
        && let Some((_, n)) = entries
            .iter()
            .find(|(k, _)| k.name == "financial-year-style")
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
