//! The Accelerated Progress Plan (APP): areas of weakness, sub-themes, actions
//! with BRAG ratings, the KPI catalogue, and the plan's partnership risks.

use super::decimal::Dec;
use super::{AsWritten, Sp};
use crate::source::FileId;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Brag {
    pub name: String,
    pub colour: String,
    pub progress: String,
    pub impact: String,
    /// An action rated this for progress is complete (declared by the council;
    /// an action past its date is overdue only when its rating is not complete).
    pub complete: bool,
}

/// A status the plan computes only because it declares the rule
/// (`statuses:`): quire adds no judgement the council did not state.
#[derive(Clone, Debug, Serialize)]
pub struct StatusRule {
    /// The date the rule is applied at (`as-at:`, else the report date).
    pub as_at: NaiveDate,
    /// Progress ratings that keep an action from being overdue (overdue only).
    pub unless_rated: Vec<String>,
    /// The rule in words, as the version 3 layouts print it where the status is.
    pub words: String,
    /// Not declared: the rule version 1 and 2 layouts applied by themselves
    /// (kept so their papers print as they did; never printed with words).
    pub implied: bool,
}

/// The statuses a plan declares a rule for; with no rule, none is computed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Statuses {
    /// `overdue: { when: date-passed, unless-rated: [...] }`.
    pub overdue: Option<StatusRule>,
    /// `target-tbc: { when: milestone-passed }`: a TBC target whose milestone has passed.
    pub target_tbc: Option<StatusRule>,
}

/// A severity of the plan's partnership risk register, with the council's
/// definition of it (`partnership-risk-scale:`).
#[derive(Clone, Debug, Serialize)]
pub struct RiskLevel {
    pub name: String,
    pub meaning: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RagLevel {
    pub name: String,
    pub colour: String,
    pub meaning: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Action {
    pub id: Sp<String>,
    pub description: String,
    pub by_when: AsWritten,
    pub officers: Vec<String>,
    pub progress: Option<Sp<String>>,
    pub progress_note: Option<String>,
    pub impact: Option<Sp<String>>,
    pub impact_note: Option<String>,
    pub evidence: Vec<Sp<String>>,
    pub kpis: Vec<Sp<String>>,
    pub measures: Vec<Sp<String>>,
    /// By the plan's declared rule (`statuses: overdue`); false with no rule.
    pub overdue: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SubTheme {
    pub id: Sp<String>,
    pub title: String,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Area {
    pub number: Sp<i64>,
    pub title: String,
    pub summary: Option<Sp<String>>,
    pub sub_themes: Vec<SubTheme>,
    /// The KPIs the plan names as this area's high-impact measures
    /// (`high-impact: [APP08, …]`), in its order: the scorecard prints a
    /// table of them per area, as the plan does.
    pub high_impact: Vec<Sp<String>>,
}

/// A KPI target: a value, or TBC, at a milestone.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// As written: "December 2023", "3 months" or a date.
    pub at: String,
    /// The milestone date (baseline date + months, or the date written).
    pub date: Option<NaiveDate>,
    pub value: Option<Dec>,
    /// The RAG the source publishes at this milestone (printed as published).
    pub published_rag: Option<String>,
    /// Words the source prints in the RAG's place at this milestone, where it
    /// gives no rating (`TBC`), printed as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rag_note: Option<String>,
    #[serde(skip)]
    pub span: crate::source::Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Actual {
    pub date: NaiveDate,
    pub value: Option<Dec>,
    /// A RAG published without a value (kept as published).
    pub published_rag: Option<String>,
    /// Where the value is written, and the decimal places it is written with.
    #[serde(skip)]
    pub written: Option<(crate::source::Span, u32)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Kpi {
    pub id: Sp<String>,
    pub name: String,
    pub definition: Option<String>,
    pub source: Option<String>,
    pub frequency: Option<String>,
    pub unit: Option<String>,
    /// true when higher is better; None when not declared.
    pub higher_is_better: Option<bool>,
    pub standard: Option<Dec>,
    pub high_impact: bool,
    pub baseline: Option<Dec>,
    pub baseline_date: Option<NaiveDate>,
    /// The baseline date as the source writes it ("June 2023"), when it is
    /// not a full date.
    pub baseline_written: Option<String>,
    /// The source's qualifier, e.g. "Whole year 2021/22".
    pub baseline_label: Option<String>,
    pub targets: Vec<Target>,
    pub actuals: Vec<Actual>,
    /// Where the baseline value is written, and its decimal places as written.
    #[serde(skip)]
    pub baseline_written_at: Option<(crate::source::Span, u32)>,
    /// Computed by the tables engine from other KPIs or a base period.
    pub derived: Option<super::kpi::Derived>,
    /// Decimal places its figures are printed at, where declared.
    pub places: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartnershipRisk {
    pub date_raised: Option<NaiveDate>,
    pub risk: String,
    pub severity: String,
    pub mitigation: Option<Sp<String>>,
    pub post_mitigation_severity: Option<String>,
    pub progress: Option<Sp<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub id: String,
    #[serde(skip)]
    pub file: FileId,
    pub layout: Sp<super::paper::LayoutRef>,
    pub title: String,
    pub local_area: String,
    /// As written ("September 2022"), or an ISO date printed in full.
    pub inspection_date: Option<String>,
    /// What the inspection was, as the plan names it ("Ofsted/CQC revisit");
    /// version 3 layouts print it as the label of `inspection_date`.
    pub inspection_label: Option<String>,
    pub plan_period: Option<String>,
    pub report_date: NaiveDate,
    /// The computed statuses the plan declares a rule for.
    pub statuses: Statuses,
    pub brag: Vec<Brag>,
    /// Worst to best: standard not met, standard met but not target, target met.
    pub rag: Vec<RagLevel>,
    pub areas: Vec<Area>,
    pub kpis: Vec<Kpi>,
    /// The KPI values as the tables engine computed and checked them (a row
    /// per period: `baseline`, then each date with an actual value; a column per KPI).
    #[serde(skip)]
    pub kpi_table: Option<crate::model::table::Checked>,
    pub risks: Vec<PartnershipRisk>,
    /// The severities of the partnership risks with their definitions, when declared.
    pub risk_scale: Vec<RiskLevel>,
}

/// Why a KPI has the rating it has (worded by the edition that prints it).
#[derive(Clone, Debug, PartialEq)]
pub enum RagBasis {
    /// A rating the source published for the latest period, with no value.
    PublishedNoValue,
    /// A rating the source published at a milestone (as written), with no value.
    PublishedAtMilestone(String),
    NoValue,
    NoPolarity,
    /// Below the minimum standard (the standard).
    BelowStandard(Dec),
    /// Meets the target of the milestone (as written), the target.
    MeetsTarget(String, Dec),
    StandardNotTarget(String, Dec),
    MissesTarget(String, Dec),
    StandardTargetTbc,
    TargetTbc,
}

impl Kpi {
    /// The KPI's latest rating on the plan's scale (worst, middle, best) by
    /// the plan's rule: a published rating where no value is given; else, by
    /// its declared polarity, the latest value against its minimum standard
    /// and the target of the latest milestone not after `as_at`.
    pub fn rating<'a>(
        &self,
        levels: &'a [RagLevel],
        as_at: NaiveDate,
    ) -> (Option<&'a RagLevel>, RagBasis) {
        let k = self;
        let latest = k.actuals.iter().rev().find(|a| a.value.is_some());
        let Some(latest) = latest else {
            if let Some(p) = k.actuals.last().and_then(|a| a.published_rag.as_ref()) {
                return (
                    levels
                        .iter()
                        .find(|l| l.name.to_lowercase() == p.to_lowercase()),
                    RagBasis::PublishedNoValue,
                );
            }
            // A rating the source published at a milestone, with no value.
            if let Some(t) = k
                .targets
                .iter()
                .rev()
                .find(|t| t.published_rag.is_some() && t.date.is_none_or(|d| d <= as_at))
            {
                let p = t.published_rag.as_deref().unwrap_or_default();
                return (
                    levels
                        .iter()
                        .find(|l| l.name.to_lowercase() == p.to_lowercase()),
                    RagBasis::PublishedAtMilestone(t.at.to_string()),
                );
            }
            return (None, RagBasis::NoValue);
        };
        let value = latest.value.unwrap_or_default();
        let Some(higher) = k.higher_is_better else {
            return (None, RagBasis::NoPolarity);
        };
        let meets = |goal: Dec| if higher { value >= goal } else { value <= goal };
        let when = latest.date.min(as_at);
        let target = k
            .targets
            .iter()
            .rfind(|t| t.date.is_some_and(|d| d <= when))
            .or(k.targets.first());
        let (worst, mid, best) = (levels.first(), levels.get(1), levels.get(2));
        if let Some(s) = k.standard
            && !meets(s)
        {
            return (worst, RagBasis::BelowStandard(s));
        }
        match target.and_then(|t| t.value.map(|v| (t, v))) {
            Some((t, v)) if meets(v) => (best, RagBasis::MeetsTarget(t.at.to_string(), v)),
            Some((t, v)) if k.standard.is_some() => {
                (mid, RagBasis::StandardNotTarget(t.at.to_string(), v))
            }
            Some((t, v)) => (worst, RagBasis::MissesTarget(t.at.to_string(), v)),
            None if k.standard.is_some() => (mid, RagBasis::StandardTargetTbc),
            None => (None, RagBasis::TargetTbc),
        }
    }

    /// Trend of the latest actual against the previous one, by polarity.
    pub fn trend(&self) -> (&'static str, &'static str) {
        let k = self;
        let vals: Vec<Dec> = k.actuals.iter().filter_map(|a| a.value).collect();
        let (Some(last), Some(prev)) = (
            vals.last(),
            vals.len().checked_sub(2).and_then(|i| vals.get(i)),
        ) else {
            return ("–", "no previous value");
        };
        if last == prev {
            return ("→", "no change");
        }
        let up_is_good = k.higher_is_better.unwrap_or(true);
        match (last > prev, up_is_good, k.higher_is_better.is_some()) {
            (_, _, false) => {
                if last > prev {
                    ("↑", "higher")
                } else {
                    ("↓", "lower")
                }
            }
            (true, true, _) | (false, false, _) => {
                (if last > prev { "↑" } else { "↓" }, "improving")
            }
            _ => (if last > prev { "↑" } else { "↓" }, "worsening"),
        }
    }
}
