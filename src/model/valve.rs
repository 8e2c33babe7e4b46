//! The DfE Safety Valve monitoring return: deficit profile, EHCP numbers,
//! conditions of grant and risks, rated per update on a declared scale.
//!
//! Totals and variances are computed; a figure the author typed is kept only as
//! the *published* figure (printed as typed, with a warning on every build).

use super::Sp;
use super::decimal::Dec;
use crate::source::FileId;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct ScaleItem {
    pub name: String,
    pub colour: String,
    pub meaning: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Update {
    pub id: Sp<String>,
    pub label: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SignOff {
    pub role: String,
    pub name: String,
    pub title: String,
    pub acting: bool,
    pub date: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Submission {
    pub update: Sp<String>,
    pub date_submitted: NaiveDate,
    pub sign_off: Vec<SignOff>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DeficitYear {
    pub year: Sp<String>,
    pub agreement: Dec,
    pub forecast: Dec,
    /// forecast − agreement, exact.
    pub variance: Dec,
    /// A variance typed as published (printed instead of the computed one).
    pub published_variance: Option<Dec>,
    /// The RAG printed: as published, else by the declared tolerance, else none.
    pub rag: Option<String>,
    /// Whether `rag` is the published rating.
    pub rag_published: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Deficit {
    pub agreement_label: String,
    pub forecast_label: String,
    pub unit: String,
    /// The declared RAG rule (amber and red limits on the variance), if any.
    pub rule: Option<(Dec, Dec)>,
    pub years: Vec<DeficitYear>,
    pub notes: Option<Sp<String>>,
    /// The profile as the tables engine checked it (year, agreement,
    /// forecast, variance, RAG): what is printed and exported.
    #[serde(skip)]
    pub table: Option<crate::model::table::Checked>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EhcpColumn {
    pub label: String,
    pub kind: String,
    pub values: Vec<i64>,
    pub total: i64,
    pub published_total: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ehcp {
    pub bands: Vec<String>,
    pub columns: Vec<EhcpColumn>,
    pub footnote: Option<String>,
    pub narrative: Option<Sp<String>>,
    /// The counts as the tables engine checked them (age bands, then the
    /// total row): what is printed and exported.
    #[serde(skip)]
    pub table: Option<crate::model::table::Checked>,
}

/// A rating or narrative given for one update.
#[derive(Clone, Debug, Serialize)]
pub struct PerUpdate<T> {
    pub update: String,
    pub value: Sp<T>,
    /// Where the update's key is written (for lock diagnostics).
    #[serde(skip)]
    pub key_span: crate::source::Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    /// As the return writes it: `2`, `3.1`, `Capital`.
    pub number: Sp<String>,
    pub text: String,
    pub assurance: Vec<PerUpdate<String>>,
    pub progress: Vec<PerUpdate<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ValveRisk {
    /// As the return writes it.
    pub number: Sp<String>,
    pub title: String,
    pub assurance: Vec<PerUpdate<String>>,
    pub mitigation: Option<Sp<String>>,
    pub progress: Vec<PerUpdate<String>>,
    /// The council's own risk fields, printed where given.
    pub group: Option<String>,
    pub impact: Option<String>,
    pub strategy: Option<String>,
    /// A qualitative rating per update on `risk_scale` (e.g. High).
    pub rating: Vec<PerUpdate<String>>,
}

/// An appendix of the return: listed by its title, and printed after the
/// return when it has its own Markdown (narrative and declared tables).
#[derive(Clone, Debug, Serialize)]
pub struct ValveAppendix {
    pub title: String,
    /// Its number or letter as the return publishes it (`A`).
    pub number: Option<String>,
    /// Its Markdown file, in the return's folder.
    pub markdown: Option<Sp<String>>,
}

/// A document the return lists as background: its title and, where given, a link.
#[derive(Clone, Debug, Serialize)]
pub struct Background {
    pub title: String,
    pub link: Option<String>,
}

/// The return's key contact; every field but the name is optional.
#[derive(Clone, Debug, Serialize)]
pub struct Contact {
    pub name: String,
    pub role: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ValveKpi {
    pub id: String,
    #[serde(skip)]
    pub id_span: crate::source::Span,
    pub name: String,
    pub unit: String,
    /// `higher` or `lower` (is better), where the council gives it: a RAG is
    /// computed only with it, and nothing is printed without it.
    pub polarity: Option<String>,
    /// The baseline as published, with its label as written ("March 2024").
    pub baseline: Option<Sp<Dec>>,
    pub baseline_label: Option<String>,
    /// A target for the whole year, where the return gives one.
    pub annual_target: Option<Sp<Dec>>,
    /// The council's comment per update, as written.
    pub comments: Vec<PerUpdate<String>>,
    pub targets: Vec<PerUpdate<Dec>>,
    pub actuals: Vec<PerUpdate<Dec>>,
    /// The declared RAG rule: Amber when the target is missed by at most this
    /// percentage of it. None: no RAG is computed.
    pub amber_within: Option<Dec>,
    /// RAGs as published, per update (printed as published).
    pub published_rag: Vec<PerUpdate<String>>,
    /// Computed by the tables engine from other KPIs or a base period.
    pub derived: Option<super::kpi::Derived>,
    /// Decimal places its figures are printed at, where declared.
    pub places: Option<u32>,
    /// The places each typed figure (target, annual target) was written with,
    /// by where it starts in its file: printed so where `places` is not declared.
    #[serde(skip)]
    pub written: std::collections::HashMap<usize, u32>,
}

impl ValveKpi {
    /// The places a typed figure at `span` prints with: the KPI's declared
    /// places, else as it was written.
    pub fn places_of(&self, span: &crate::source::Span) -> Option<u32> {
        self.places
            .or_else(|| self.written.get(&span.range.start).copied())
    }
}

/// A deliberate change to a field of a submitted update, recorded by
/// `quire lock --amend` and printed in the return.
#[derive(Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Amendment {
    pub date: String,
    pub update: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Valve {
    pub id: String,
    #[serde(skip)]
    pub file: FileId,
    pub layout: Sp<super::paper::LayoutRef>,
    pub authority: String,
    /// The return's own title and subtitle, printed instead of the template's heading.
    pub title: Option<String>,
    pub subtitle: Option<String>,
    /// The date the data is as at, as written ("31 May 2025").
    pub data_as_at: Option<Sp<String>>,
    pub background: Vec<Background>,
    pub contact: Option<Contact>,
    /// The appendices the return lists, as written; those with their own
    /// Markdown are printed after the return.
    pub appendices: Vec<ValveAppendix>,
    pub letter_date: Option<NaiveDate>,
    pub letter_label: Option<String>,
    pub first_year: Option<String>,
    pub last_year: Option<String>,
    pub year: String,
    pub updates: Vec<Update>,
    pub current_update: Sp<String>,
    pub scale: Vec<ScaleItem>,
    pub submissions: Vec<Submission>,
    pub summary: Option<Sp<String>>,
    pub deficit: Option<Deficit>,
    pub ehcp: Option<Ehcp>,
    pub conditions: Vec<Condition>,
    pub questions: Vec<Sp<String>>,
    /// The DfE template's own prompts, printed before the answers (version 3).
    pub prompts: Prompts,
    pub risks: Vec<ValveRisk>,
    /// Whether the risk numbers are printed (`risk-numbering: none`: the
    /// council's register has none; the numbers are then ids only).
    pub risks_numbered: bool,
    pub kpis: Vec<ValveKpi>,
    /// The council's qualitative scale for its risks, if it rates them in words.
    pub risk_scale: Vec<ScaleItem>,
    /// Amendments since submission (from the lock), oldest first.
    pub amendments: Vec<Amendment>,
    /// The typed figures of the return's declared tables (from YAML, a CSV
    /// file or a workbook), for the lock: "as at" the current update.
    #[serde(skip)]
    pub table_figures: Vec<super::changes::Field>,
    /// What changed since the last submitted update (from the lock), where
    /// there is one.
    #[serde(skip)]
    pub changes: Option<super::changes::Changes>,
    /// The KPI values as the tables engine computed and checked them (a row
    /// per period, `baseline` first; a column per KPI).
    #[serde(skip)]
    pub kpi_table: Option<crate::model::table::Checked>,
}

impl Valve {
    /// The document date: the current update's submission date, else the last
    /// submission; a draft with none yet is dated by its agreement letter, else
    /// 1 April of its reporting year (always from the data, never the clock).
    pub fn date(&self) -> NaiveDate {
        let year_start = || {
            let y = self.year.split(['-', '/']).next()?.trim().parse().ok()?;
            NaiveDate::from_ymd_opt(y, 4, 1)
        };
        self.submissions
            .iter()
            .find(|s| s.update.value == self.current_update.value)
            .or(self.submissions.last())
            .map(|s| s.date_submitted)
            .or(self.letter_date)
            .or_else(year_start)
            .unwrap_or(NaiveDate::MIN)
    }

    /// Appendix `i`'s (from 0) label as printed: its own, as published,
    /// else its place (1, 2, …).
    pub fn appendix_label(&self, i: usize) -> String {
        self.appendices
            .get(i)
            .and_then(|a| a.number.clone())
            .unwrap_or_else(|| (i + 1).to_string())
    }

    pub fn update_label(&self, id: &str) -> String {
        self.updates
            .iter()
            .find(|u| u.id.value == id)
            .map_or(id.to_string(), |u| u.label.clone())
    }
}

/// The template's prompts a return prints before its answers (`prompts:`), as
/// the DfE template does: the summary's "To include: …", the advisers' question.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Prompts {
    pub summary: Option<String>,
    pub questions: Option<String>,
}
