//! Risk registers: the scoring scheme, risks, ratings, controls and actions.
//!
//! Scores are never typed in: a [`Rating`]'s score is likelihood × impact (or, where
//! only a score was published, that score), and its band comes from the scheme.
//! A register (or a single risk) may instead be rated in words from a declared
//! qualitative scale ([`Register::word_scale`], best to worst): such a rating has no
//! score and is never placed on the heat map.
//!
//! Two registers of the same risks, a current one and its previous snapshot,
//! give the register's change account ([`changes`]): the risks new, closed,
//! re-scored and given another owner, each line two values of the inputs. A
//! risk's direction of travel is computed ([`computed_direction`]) or, where
//! the council published only the direction, read as published
//! ([`Direction`]).

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
    /// The direction of travel as the council published it (`direction:`),
    /// printed as published, never with a "from" score.
    pub direction: Option<Sp<Direction>>,
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

    /// The open risks, in the register's order: what its summaries count.
    pub fn open(&self) -> impl Iterator<Item = &Risk> {
        self.risks.iter().filter(|r| r.status == "open")
    }

    /// How many open risks are rated in band (or scale word) `band`, by
    /// numbers (`words` false) or in words, now and at target.
    pub fn band_count(&self, band: &str, words: bool) -> (usize, usize) {
        let count = |f: fn(&Risk) -> &Option<Rating>| {
            self.open()
                .filter(|r| {
                    f(r).as_ref()
                        .is_some_and(|x| x.words == words && x.band == band)
                })
                .count()
        };
        (count(|r| &r.current), count(|r| &r.target))
    }

    /// Whether any risk is rated by likelihood × impact (else no scales, band
    /// key, band rows or heat map are printed: the scheme would be one nobody
    /// used).
    pub fn rated_by_numbers(&self) -> bool {
        let numeric = |x: &Option<Rating>| x.as_ref().is_some_and(|x| !x.words);
        self.risks
            .iter()
            .any(|r| numeric(&r.inherent) || numeric(&r.current) || numeric(&r.target))
    }

    /// Whether any open risk is placed on the heat map (by likelihood and
    /// impact, now or at target).
    pub fn on_heat_map(&self) -> bool {
        self.open().any(|r| {
            [&r.current, &r.target]
                .iter()
                .any(|x| x.as_ref().is_some_and(|x| x.likelihood.is_some()))
        })
    }

    /// The heat map: a row per likelihood level from the highest, a cell per
    /// impact level from the lowest, each with its score (likelihood ×
    /// impact), band, and the open risks placed there now and at target.
    pub fn heat_map(&self) -> HeatMap<'_> {
        let mut lik: Vec<&Level> = self.scheme.likelihood.iter().collect();
        lik.sort_by_key(|l| std::cmp::Reverse(l.value));
        let mut impact: Vec<&Level> = self.scheme.impact.iter().collect();
        impact.sort_by_key(|l| l.value);
        let place = |f: fn(&Risk) -> &Option<Rating>, l: u32, i: u32| -> Vec<&str> {
            self.open()
                .filter(|r| {
                    f(r).as_ref()
                        .is_some_and(|x| x.likelihood == Some(l) && x.impact == Some(i))
                })
                .map(|r| r.id.value.as_str())
                .collect()
        };
        let rows = lik
            .iter()
            .map(|l| HeatRow {
                likelihood: l,
                cells: impact
                    .iter()
                    .map(|i| {
                        let score = l.value * i.value;
                        HeatCell {
                            likelihood: l.value,
                            impact: i.value,
                            score,
                            band: self.scheme.band(score),
                            current: place(|r| &r.current, l.value, i.value),
                            target: place(|r| &r.target, l.value, i.value),
                        }
                    })
                    .collect(),
            })
            .collect();
        HeatMap { rows, impact }
    }

    /// Open risks rated by a score alone (no likelihood and impact): they
    /// have no place on the heat map.
    pub fn unplaced(&self) -> Vec<&str> {
        self.open()
            .filter(|r| {
                r.current
                    .as_ref()
                    .is_some_and(|c| !c.words && c.likelihood.is_none())
            })
            .map(|r| r.id.value.as_str())
            .collect()
    }
}

/// A register's heat map ([`Register::heat_map`]).
pub struct HeatMap<'a> {
    pub rows: Vec<HeatRow<'a>>,
    /// The impact levels, in the columns' order.
    pub impact: Vec<&'a Level>,
}

pub struct HeatRow<'a> {
    pub likelihood: &'a Level,
    pub cells: Vec<HeatCell<'a>>,
}

pub struct HeatCell<'a> {
    pub likelihood: u32,
    pub impact: u32,
    pub score: u32,
    pub band: Option<&'a Band>,
    /// Ids of the open risks placed here now, and at target.
    pub current: Vec<&'a str>,
    pub target: Vec<&'a str>,
}

/// A direction of travel, as a council publishes it (`direction: decreased`)
/// or as computed from a previous rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Increased,
    Decreased,
    Unchanged,
    New,
}

impl Direction {
    /// The words a register may write, in this order.
    pub const WORDS: &'static [&'static str] = &["increased", "decreased", "unchanged", "new"];

    /// The direction a word names (as in [`Direction::WORDS`], any case).
    pub fn parse(word: &str) -> Option<Direction> {
        match word.trim().to_ascii_lowercase().as_str() {
            "increased" => Some(Direction::Increased),
            "decreased" => Some(Direction::Decreased),
            "unchanged" => Some(Direction::Unchanged),
            "new" => Some(Direction::New),
            _ => None,
        }
    }

    /// The word as written in a register.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Increased => "increased",
            Direction::Decreased => "decreased",
            Direction::Unchanged => "unchanged",
            Direction::New => "new",
        }
    }
}

impl Register {
    /// How `new` compares with `old`: by score for ratings by numbers, by the
    /// order of this register's scale for words; `None` for ratings of
    /// different kinds or words not on the scale.
    pub fn compare(&self, old: &Rating, new: &Rating) -> Option<std::cmp::Ordering> {
        match (old.words, new.words) {
            (false, false) => Some(new.score?.cmp(&old.score?)),
            (true, true) => Some(self.word_rank(&new.band)?.cmp(&self.word_rank(&old.band)?)),
            _ => None,
        }
    }
}

/// The direction of travel of `risk` (of `reg`) that the inputs give: against
/// the previous rating the risk declares, else against the `previous`
/// snapshot (new when the snapshot does not hold the risk); `None` when
/// neither gives one (no previous, no current rating, ratings not comparable).
pub fn computed_direction(
    risk: &Risk,
    reg: &Register,
    previous: Option<&Register>,
) -> Option<Direction> {
    let old = match &risk.previous {
        Some(old) => old,
        None => match previous?.risk(&risk.id.value) {
            None => return Some(Direction::New),
            Some(o) => o.current.as_ref()?,
        },
    };
    Some(match reg.compare(old, risk.current.as_ref()?)? {
        std::cmp::Ordering::Greater => Direction::Increased,
        std::cmp::Ordering::Less => Direction::Decreased,
        std::cmp::Ordering::Equal => Direction::Unchanged,
    })
}

/// One line of a register's change account: what changed for one risk
/// between the previous snapshot and the current register, with the two
/// values it comes from.
#[derive(Clone, Debug)]
pub enum Change {
    /// In the current register (open), not in the previous snapshot: its
    /// current rating.
    New {
        id: String,
        title: String,
        rating: Option<Rating>,
    },
    /// Open in the previous snapshot, and not in the current register
    /// (`listed: false`) or in it as closed (`listed: true`): its rating in
    /// the snapshot.
    Closed {
        id: String,
        title: String,
        rating: Option<Rating>,
        listed: bool,
    },
    /// In both, open now, with another current rating (score, band or word):
    /// the snapshot's and the register's, and how the second compares with
    /// the first (`None` when they cannot be compared).
    Rescored {
        id: String,
        title: String,
        from: Option<Rating>,
        to: Option<Rating>,
        moved: Option<std::cmp::Ordering>,
    },
    /// In both, open now, with other owners: the snapshot's and the register's.
    Owner {
        id: String,
        title: String,
        from: Vec<String>,
        to: Vec<String>,
    },
}

/// Whether two current ratings differ as a council would report it: another
/// score, band or word, or rated in one and not the other. (The same score
/// at another likelihood and impact is the same rating.)
fn rating_differs(a: &Option<Rating>, b: &Option<Rating>) -> bool {
    match (a, b) {
        (None, None) => false,
        (Some(a), Some(b)) => a.words != b.words || a.score != b.score || a.band != b.band,
        _ => true,
    }
}

/// The change account of `current` against its `previous` snapshot: the
/// risks new, re-scored and given other owners, in the register's order (a
/// risk both re-scored and given another owner has both lines, the score
/// first), then the risks closed, in the snapshot's order. A risk closed in
/// both, or closed now and not in the snapshot, is no change. Linear in the
/// registers (one map of the snapshot's ids).
pub fn changes(current: &Register, previous: &Register) -> Vec<Change> {
    let before: std::collections::HashMap<&str, &Risk> = previous
        .risks
        .iter()
        .map(|r| (r.id.value.as_str(), r))
        .collect();
    let now: std::collections::HashMap<&str, &Risk> = current
        .risks
        .iter()
        .map(|r| (r.id.value.as_str(), r))
        .collect();
    let mut out = Vec::new();
    for r in current.risks.iter().filter(|r| r.status == "open") {
        let (id, title) = (r.id.value.clone(), r.title.clone());
        let Some(old) = before.get(r.id.value.as_str()) else {
            out.push(Change::New {
                id,
                title,
                rating: r.current.clone(),
            });
            continue;
        };
        if rating_differs(&old.current, &r.current) {
            let moved = old
                .current
                .as_ref()
                .zip(r.current.as_ref())
                .and_then(|(o, n)| current.compare(o, n));
            out.push(Change::Rescored {
                id: id.clone(),
                title: title.clone(),
                from: old.current.clone(),
                to: r.current.clone(),
                moved,
            });
        }
        if old.owners != r.owners {
            out.push(Change::Owner {
                id,
                title,
                from: old.owners.clone(),
                to: r.owners.clone(),
            });
        }
    }
    for old in previous.risks.iter().filter(|r| r.status == "open") {
        let listed = match now.get(old.id.value.as_str()) {
            None => false,
            Some(n) if n.status == "closed" => true,
            Some(_) => continue,
        };
        out.push(Change::Closed {
            id: old.id.value.clone(),
            title: old.title.clone(),
            rating: old.current.clone(),
            listed,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn score(l: u32, i: u32) -> Option<Rating> {
        let s = l * i;
        Some(Rating {
            likelihood: Some(l),
            impact: Some(i),
            likelihood_label: None,
            impact_label: None,
            score: Some(s),
            band: Scheme::default_5x5()
                .band(s)
                .map_or(String::new(), |b| b.name.clone()),
            words: false,
        })
    }

    fn risk(id: &str, owner: &str, current: Option<Rating>) -> Risk {
        Risk {
            id: Sp::new(id.into(), Span::new(FileId::default(), 0..0)),
            title: format!("Risk {id}"),
            description: None,
            cause: None,
            event: None,
            consequence: None,
            owners: vec![owner.into()],
            cabinet_members: Vec::new(),
            inherent: None,
            current,
            target: None,
            previous: None,
            direction: None,
            group: None,
            impact: None,
            strategy: None,
            timescale_to_target: None,
            last_review: None,
            next_review: None,
            status: "open".into(),
            summary: None,
            related_reports: Vec::new(),
            controls: Vec::new(),
            actions: Vec::new(),
        }
    }

    fn register(risks: Vec<Risk>) -> Register {
        Register {
            file: FileId::default(),
            name: "Test".into(),
            owner: None,
            as_at: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            previous: None,
            scheme: Scheme::default_5x5(),
            word_scale: Vec::new(),
            risks,
        }
    }

    fn ids(c: &[Change]) -> Vec<String> {
        c.iter()
            .map(|c| match c {
                Change::New { id, .. } => format!("new {id}"),
                Change::Closed { id, listed, .. } => format!("closed {id} {listed}"),
                Change::Rescored {
                    id,
                    from,
                    to,
                    moved,
                    ..
                } => format!(
                    "rescored {id} {:?}->{:?} {moved:?}",
                    from.as_ref().and_then(|r| r.score),
                    to.as_ref().and_then(|r| r.score)
                ),
                Change::Owner { id, from, to, .. } => format!("owner {id} {from:?}->{to:?}"),
            })
            .collect()
    }

    #[test]
    fn the_account_lists_new_rescored_owner_and_closed_risks_in_order() {
        let before = register(vec![
            risk("A", "Ann", score(4, 4)),
            risk("GONE", "Bob", score(2, 3)),
            risk("B", "Bob", score(3, 3)),
            risk("C", "Cat", score(2, 2)),
            risk("SHUT", "Dan", score(1, 1)),
        ]);
        let mut shut = risk("SHUT", "Dan", score(1, 1));
        shut.status = "closed".into();
        let now = register(vec![
            risk("NEW", "Eve", score(3, 4)),
            risk("A", "Ann", score(3, 4)),
            risk("B", "Bea", score(3, 3)),
            // The same score at another position is the same rating.
            risk("C", "Cat", score(1, 4)),
            shut,
        ]);
        assert_eq!(
            ids(&changes(&now, &before)),
            [
                "new NEW",
                "rescored A Some(16)->Some(12) Some(Less)",
                "owner B [\"Bob\"]->[\"Bea\"]",
                "closed GONE false",
                "closed SHUT true",
            ]
        );
        // Bands come with the ratings: High to Medium.
        let Change::Rescored { from, to, .. } = &changes(&now, &before)[1] else {
            panic!()
        };
        assert_eq!(
            (
                from.as_ref().unwrap().band.as_str(),
                to.as_ref().unwrap().band.as_str()
            ),
            ("High", "Medium")
        );
    }

    #[test]
    fn a_register_the_same_as_its_snapshot_has_no_changes() {
        let a = register(vec![risk("A", "Ann", score(4, 4)), risk("B", "Bob", None)]);
        let b = register(vec![risk("A", "Ann", score(4, 4)), risk("B", "Bob", None)]);
        assert!(changes(&a, &b).is_empty());
        // Rated now and not before is a change of rating.
        let c = register(vec![
            risk("A", "Ann", score(4, 4)),
            risk("B", "Bob", score(1, 2)),
        ]);
        assert_eq!(ids(&changes(&c, &b)), ["rescored B None->Some(2) None"]);
    }

    #[test]
    fn a_direction_is_computed_from_the_declared_rating_else_the_snapshot() {
        let before = register(vec![risk("A", "Ann", score(4, 4))]);
        let now = register(vec![
            risk("A", "Ann", score(3, 4)),
            risk("N", "Ann", score(1, 1)),
        ]);
        let d = |r: &Risk, p| computed_direction(r, &now, p);
        assert_eq!(d(&now.risks[0], Some(&before)), Some(Direction::Decreased));
        assert_eq!(d(&now.risks[1], Some(&before)), Some(Direction::New));
        assert_eq!(d(&now.risks[0], None), None);
        let mut declared = now.risks[0].clone();
        declared.previous = score(2, 2);
        assert_eq!(d(&declared, Some(&before)), Some(Direction::Increased));
        assert_eq!(Direction::parse(" Unchanged"), Some(Direction::Unchanged));
        assert_eq!(Direction::parse("reduced"), None);
    }
}
