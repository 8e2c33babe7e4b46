//! Risk registers: the scoring scheme, risks, ratings, controls and actions.
//!
//! Scores are never typed in: a [`Rating`]'s score is likelihood × impact (or, where
//! only a score was published, that score), and its band comes from the scheme.
//! A register (or a single risk) may instead be rated in words from a declared
//! qualitative scale ([`Register::word_scale`], best to worst): such a rating has no
//! score and is never placed on the heat map.

use super::{AsWritten, Sp};
use crate::source::FileId;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Level {
    pub value: u32,
    pub label: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Band {
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub colour: String,
}

/// Likelihood and impact scales and score bands. Any N×M grid.
#[derive(Clone, Debug, Serialize)]
pub struct Scheme {
    pub likelihood: Vec<Level>,
    pub impact: Vec<Level>,
    pub bands: Vec<Band>,
    /// The scheme as written has errors (already reported): ratings are not
    /// checked against it, so one bad level or band is one error, not one per risk.
    #[serde(skip)]
    pub broken: bool,
}

impl Scheme {
    pub fn band(&self, score: u32) -> Option<&Band> {
        self.bands.iter().find(|b| b.min <= score && score <= b.max)
    }

    pub fn likelihood_label(&self, v: u32) -> Option<&str> {
        self.likelihood
            .iter()
            .find(|l| l.value == v)
            .map(|l| l.label.as_str())
    }

    pub fn impact_label(&self, v: u32) -> Option<&str> {
        self.impact
            .iter()
            .find(|l| l.value == v)
            .map(|l| l.label.as_str())
    }

    /// The scheme of the 2019 CYPE paper: 5×5, Low 1–6, Medium 8–15, High 16–25.
    pub fn default_5x5() -> Scheme {
        let lv = |v, l: &str| Level {
            value: v,
            label: l.into(),
            description: None,
        };
        Scheme {
            broken: false,
            likelihood: vec![
                lv(1, "Very Unlikely"),
                lv(2, "Unlikely"),
                lv(3, "Possible"),
                lv(4, "Likely"),
                lv(5, "Very Likely"),
            ],
            impact: vec![
                lv(1, "Minor"),
                lv(2, "Moderate"),
                lv(3, "Significant"),
                lv(4, "Serious"),
                lv(5, "Major"),
            ],
            bands: vec![
                Band {
                    name: "Low".into(),
                    min: 1,
                    max: 6,
                    colour: "#b7e1cd".into(),
                },
                Band {
                    name: "Medium".into(),
                    min: 8,
                    max: 15,
                    colour: "#fce8b2".into(),
                },
                Band {
                    name: "High".into(),
                    min: 16,
                    max: 25,
                    colour: "#f4c7c3".into(),
                },
            ],
        }
    }
}

/// A likelihood × impact position and its score and band, or a rating in words
/// from the register's qualitative scale (then `score` is `None`, `words` is true
/// and `band` is the word, as declared).
#[derive(Clone, Debug, Serialize)]
pub struct Rating {
    pub likelihood: Option<u32>,
    pub impact: Option<u32>,
    /// Labels as the register publishes them ("Possible"), printed instead
    /// of the scale's label for the same value.
    pub likelihood_label: Option<String>,
    pub impact_label: Option<String>,
    pub score: Option<u32>,
    pub band: String,
    pub words: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Control {
    pub title: String,
    pub owner: String,
    pub effectiveness: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Action {
    pub title: String,
    pub owner: String,
    pub planned_completion: AsWritten,
    /// Set when the planned date is before the register's "as at" date.
    pub overdue: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RelatedReport {
    pub committee: String,
    pub date: Option<NaiveDate>,
    pub item: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Risk {
    pub id: Sp<String>,
    pub title: String,
    pub description: Option<String>,
    pub cause: Option<String>,
    pub event: Option<String>,
    pub consequence: Option<String>,
    pub owners: Vec<String>,
    pub cabinet_members: Vec<String>,
    pub inherent: Option<Rating>,
    pub current: Option<Rating>,
    pub target: Option<Rating>,
    /// The rating at the previous review as the register declares it (words or
    /// numbers); direction of travel is computed from it, else from the previous
    /// snapshot, else not at all.
    pub previous: Option<Rating>,
    /// The council's own fields, printed where given.
    pub group: Option<String>,
    pub impact: Option<String>,
    pub strategy: Option<String>,
    pub timescale_to_target: Option<String>,
    pub last_review: Option<NaiveDate>,
    pub next_review: Option<NaiveDate>,
    pub status: String,
    pub summary: Option<Sp<String>>,
    pub related_reports: Vec<RelatedReport>,
    pub controls: Vec<Control>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Register {
    #[serde(skip)]
    pub file: FileId,
    pub name: String,
    pub owner: Option<String>,
    pub as_at: NaiveDate,
    /// Path of the previous snapshot, relative to this file.
    pub previous: Option<Sp<String>>,
    pub scheme: Scheme,
    /// A qualitative scale (`risk-scale`), best to worst, when the register rates
    /// risks in words.
    pub word_scale: Vec<super::valve::ScaleItem>,
    pub risks: Vec<Risk>,
}

impl Register {
    /// Position of a word on the qualitative scale (0 = best).
    pub fn word_rank(&self, word: &str) -> Option<usize> {
        self.word_scale.iter().position(|s| s.name == word)
    }

    pub fn risk(&self, id: &str) -> Option<&Risk> {
        self.risks.iter().find(|r| r.id.value == id)
    }
}
