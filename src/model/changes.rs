//! What changed between two records of a return: the account a council writes
//! by hand ("forecast up £1.2m since Update 1", "condition 2 now Amber").
//!
//! Stage: model. The account is computed from two records the council has (an
//! earlier update as its lock recorded it when submitted, and the current
//! update as written) by [`crate::lock::changes`]; every line names the field
//! and carries both values, so it can be traced to the two inputs. Nothing is
//! computed where there is no earlier record.

use super::decimal::Dec;
use serde::Serialize;

/// What kind of value a field of a return's record holds, which decides how a
/// change of it is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FieldKind {
    /// Words (a progress narrative, a comment, the summary): not in the account.
    Text,
    /// A rating on the return's declared scale: told as from → to.
    Rating,
    /// A figure: told with both values and the difference.
    Figure,
    /// The text that names a condition or a risk: its presence in one record
    /// and not the other is told as added or removed.
    Item,
}

/// How a line of the account changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum How {
    Added,
    Removed,
    Rated,
    Figure,
}

/// One line of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The field as the lock names it (`deficit 2025-26 forecast`).
    pub field: String,
    /// The field in the return's words (`Deficit forecast 2025-26 (£m)`).
    pub what: String,
    pub how: How,
    /// The value in the earlier record, as recorded; empty when added.
    pub before: String,
    /// The value now, as written; empty when removed.
    pub now: String,
    /// For a figure, now − before, exact, at the places of the more precise of
    /// the two, with its sign (`+1.2`, `-0.4`, `0`).
    pub difference: Option<String>,
}

/// The account of one update against an earlier one.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Changes {
    /// The earlier update's id and label (`q1`, `Q1`).
    pub since: String,
    pub since_label: String,
    /// The current update's id and label.
    pub update: String,
    pub update_label: String,
    pub lines: Vec<Change>,
}

/// The places a figure is written with (`18.40` has 2); none for words.
fn written(s: &str) -> u32 {
    super::decimal::written_places(s).unwrap_or(0)
}

/// now − before, exactly, written at the places of the more precise figure,
/// with `+` on a rise; `None` when either is not a figure.
pub fn difference(before: &str, now: &str) -> Option<String> {
    let (b, n) = (Dec::parse(before)?, Dec::parse(now)?);
    let d = n.checked_sub(b)?;
    let places = written(before).max(written(now));
    let s = d.fixed(places);
    Some(if d.is_negative() || d.round(places).is_zero() {
        s
    } else {
        format!("+{s}")
    })
}

/// `s` written with at least `places` decimal places (`44` at 1 is `44.0`);
/// as it is when it is not a figure or has more.
fn at_places(s: &str, places: u32) -> String {
    match Dec::parse(s) {
        Some(d) if written(s) < places => d.fixed(places),
        _ => s.to_string(),
    }
}

/// One field of a return's record for an update.
#[derive(Clone, Debug)]
pub struct Field {
    /// The field as the lock names it (`kpi K1 actual`).
    pub key: String,
    /// Its value as recorded: a figure in its shortest exact form.
    pub value: String,
    /// Where it is written (for a lock's diagnostics).
    pub span: crate::source::Span,
    /// The field in the return's words, for the account.
    pub what: String,
    pub kind: FieldKind,
}

/// One record, in the return's order.
pub type Record = Vec<Field>;

/// The account of `now` (the current update's record) against `before` (the
/// earlier update's record, as locked: field → value). Conditions and risks
/// added or removed come first, then changed ratings, then changed figures,
/// each in the return's order; texts are not listed. `kind_of` tells the kind
/// of a field that is only in the earlier record.
pub fn between(
    before: &std::collections::BTreeMap<String, String>,
    now: &Record,
    kind_of: &dyn Fn(&str) -> FieldKind,
    places: &dyn Fn(&Field) -> Option<u32>,
) -> Vec<Change> {
    let mut items = Vec::new();
    let mut ratings = Vec::new();
    let mut figures = Vec::new();
    let present: std::collections::BTreeSet<&str> = now.iter().map(|f| f.key.as_str()).collect();
    for f in now {
        let (field, value, what) = (&f.key, &f.value, &f.what);
        let old = before.get(field);
        match f.kind {
            FieldKind::Item if old.is_none() => items.push(Change {
                field: field.clone(),
                what: what.clone(),
                how: How::Added,
                before: String::new(),
                now: value.clone(),
                difference: None,
            }),
            FieldKind::Rating => {
                if let Some(old) = old.filter(|o| *o != value) {
                    ratings.push(Change {
                        field: field.clone(),
                        what: what.clone(),
                        how: How::Rated,
                        before: old.clone(),
                        now: value.clone(),
                        difference: None,
                    });
                }
            }
            FieldKind::Figure => {
                let Some(old) = old else { continue };
                // Both figures at the places the return writes this one
                // with (a lock holds `44` for a typed `44.0`).
                let (old, value) = match places(f) {
                    Some(p) => (at_places(old, p), at_places(value, p)),
                    None => (old.clone(), value.clone()),
                };
                let (old, value) = (&old, &value);
                let diff = difference(old, value);
                // Equal figures written differently (`7` and `7.0`) did not change.
                let same = match (Dec::parse(old), Dec::parse(value)) {
                    (Some(a), Some(b)) => a == b,
                    _ => old == value,
                };
                if !same {
                    figures.push(Change {
                        field: field.clone(),
                        what: what.clone(),
                        how: How::Figure,
                        before: old.clone(),
                        now: value.clone(),
                        difference: diff,
                    });
                }
            }
            _ => {}
        }
    }
    for (field, value) in before {
        if !present.contains(field.as_str()) && kind_of(field) == FieldKind::Item {
            // `risk 2 title` → `Risk 2: <the title as recorded>`.
            let name = field
                .strip_suffix(" title")
                .or_else(|| field.strip_suffix(" text"))
                .unwrap_or(field);
            let mut chars = name.chars();
            let name: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            items.push(Change {
                field: field.clone(),
                what: format!("{name}: {value}"),
                how: How::Removed,
                before: value.clone(),
                now: String::new(),
                difference: None,
            });
        }
    }
    items.extend(ratings);
    items.extend(figures);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn rec(items: &[(&str, &str, FieldKind)]) -> Record {
        items
            .iter()
            .map(|(f, v, k)| Field {
                key: f.to_string(),
                value: v.to_string(),
                span: crate::source::Span::new(0, 0..0),
                what: f.to_uppercase(),
                kind: *k,
            })
            .collect()
    }

    #[test]
    fn differences_are_exact_and_signed_at_the_written_places() {
        assert_eq!(difference("8.3", "9.5").as_deref(), Some("+1.2"));
        assert_eq!(difference("0.1", "0.3").as_deref(), Some("+0.2"));
        assert_eq!(difference("152", "138").as_deref(), Some("-14"));
        assert_eq!(difference("18.40", "18.4").as_deref(), Some("0.00"));
        assert_eq!(difference("43.2", "45").as_deref(), Some("+1.8"));
        assert_eq!(difference("Green", "1"), None);
    }

    #[test]
    fn figures_are_told_at_the_places_the_return_writes_them() {
        let before: BTreeMap<String, String> = [("kpi K1 target", "44")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let now = rec(&[("kpi K1 target", "45", FieldKind::Figure)]);
        let got = between(&before, &now, &|_| FieldKind::Text, &|_| Some(1));
        assert_eq!(
            (
                got[0].before.as_str(),
                got[0].now.as_str(),
                got[0].difference.as_deref()
            ),
            ("44.0", "45.0", Some("+1.0"))
        );
        // Without the text as written, as recorded.
        let got = between(&before, &now, &|_| FieldKind::Text, &|_| None);
        assert_eq!(got[0].difference.as_deref(), Some("+1"));
    }

    #[test]
    fn the_account_lists_items_then_ratings_then_figures() {
        let before: BTreeMap<String, String> = [
            ("risk 1 title", "Fees"),
            ("risk 2 title", "Vacancies"),
            ("risk 1 assurance", "Medium"),
            ("kpi K1 actual", "43.2"),
            ("kpi K2 actual", "7"),
            ("summary", "old words"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let now = rec(&[
            ("risk 1 title", "Fees", FieldKind::Item),
            ("risk 3 title", "Transport", FieldKind::Item),
            ("risk 1 assurance", "Low", FieldKind::Rating),
            ("kpi K1 actual", "45.4", FieldKind::Figure),
            ("kpi K2 actual", "7.0", FieldKind::Figure),
            ("summary", "new words", FieldKind::Text),
        ]);
        let kind = |f: &str| {
            if f.ends_with(" title") {
                FieldKind::Item
            } else {
                FieldKind::Text
            }
        };
        let got: Vec<String> = between(&before, &now, &kind, &|_| None)
            .iter()
            .map(|c| {
                format!(
                    "{:?} {} [{}] [{}] {:?}",
                    c.how, c.field, c.before, c.now, c.difference
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "Added risk 3 title [] [Transport] None",
                "Removed risk 2 title [Vacancies] [] None",
                "Rated risk 1 assurance [Medium] [Low] None",
                "Figure kpi K1 actual [43.2] [45.4] Some(\"+2.2\")",
            ]
        );
    }
}
