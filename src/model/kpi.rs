//! A derived KPI: one whose figures the tables engine computes from other
//! KPIs (a ratio, a difference, a change between two KPIs) or from a base
//! period (the % change since the baseline), instead of being typed.
//! Shared by the Safety Valve return's KPIs and the APP's.

use super::Sp;
use super::decimal::Dec;
use crate::source::Span;
use serde::Serialize;

/// How a derived KPI is computed, as declared under `derived:`.
#[derive(Clone, Debug, Serialize)]
pub enum Derivation {
    /// `ratio: K1 / K2` (×100 when the KPI's unit is %).
    Ratio { num: Sp<String>, den: Sp<String> },
    /// `difference: K1 - K2` (any ids joined by spaced ` + ` and ` - `).
    Difference { terms: Vec<(i8, Sp<String>)> },
    /// `change: K1, from: baseline`: the change of K1 since a period
    /// (`baseline`, an update id, an actual's date), or from another KPI
    /// (`from: K0`: (K1 − K0) / K0); ×100 when the unit is %.
    Change { of: Sp<String>, from: Sp<String> },
}

#[derive(Clone, Debug, Serialize)]
pub struct Derived {
    pub how: Derivation,
    /// The `derived:` mapping, for diagnostics.
    #[serde(skip)]
    pub span: Span,
}

impl Derived {
    /// The KPI ids it names (the `from` of a change may be a period instead).
    pub fn inputs(&self) -> Vec<&Sp<String>> {
        match &self.how {
            Derivation::Ratio { num, den } => vec![num, den],
            Derivation::Difference { terms } => terms.iter().map(|(_, t)| t).collect(),
            Derivation::Change { of, .. } => vec![of],
        }
    }

    /// In words, for the reader: "W1 ÷ W2", "W1 − W2", "% change in W1 since
    /// the baseline" (`period` names a period as printed, when `from` is one).
    pub fn words(&self, percent: bool, period: Option<&str>) -> String {
        match &self.how {
            Derivation::Ratio { num, den } => {
                format!(
                    "{} ÷ {}{}",
                    num.value,
                    den.value,
                    if percent { " × 100" } else { "" }
                )
            }
            Derivation::Difference { terms } => {
                let mut s = String::new();
                for (i, (sign, id)) in terms.iter().enumerate() {
                    if i > 0 || *sign < 0 {
                        s.push_str(if *sign < 0 { " − " } else { " + " });
                    }
                    s.push_str(&id.value);
                }
                s.trim_start().to_string()
            }
            Derivation::Change { of, from } => {
                let what = if percent { "% change" } else { "change" };
                match period {
                    Some(p) => format!("{what} in {} since {p}", of.value),
                    None => format!("{what} from {} to {}", from.value, of.value),
                }
            }
        }
    }
}

/// KPI RAG for one period by the declared rule: Green meets the target; Amber
/// misses it by at most `amber_within` per cent of it; else Red. Worked out on
/// exact decimals (a miss of exactly 5% of the target is Amber under a 5% rule).
pub fn rag_by_rule(a: Dec, t: Dec, higher_is_better: bool, w: Dec) -> &'static str {
    let gap = if higher_is_better {
        t.checked_sub(a)
    } else {
        a.checked_sub(t)
    };
    let Some(gap) = gap else { return "Red" };
    if !gap.is_negative() && !gap.is_zero() {
        // gap ≤ |target| × w / 100, as gap × 100 ≤ |target| × w.
        let allowed = t.abs().checked_mul(w);
        match (gap.checked_mul_int(100), allowed) {
            (Some(g), Some(x)) if g <= x => "Amber",
            _ => "Red",
        }
    } else {
        "Green"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn kpi_rag_respects_polarity() {
        assert_eq!(rag_by_rule(d("45.4"), d("45.0"), true, d("5.0")), "Green");
        assert_eq!(rag_by_rule(d("43.2"), d("44.0"), true, d("5.0")), "Amber");
        assert_eq!(rag_by_rule(d("30.0"), d("44.0"), true, d("5.0")), "Red");
        assert_eq!(
            rag_by_rule(d("138.0"), d("135.0"), false, d("5.0")),
            "Amber"
        );
        assert_eq!(
            rag_by_rule(d("130.0"), d("135.0"), false, d("5.0")),
            "Green"
        );
        assert_eq!(rag_by_rule(d("152.0"), d("140.0"), false, d("5.0")), "Red");
        // Exactly at the limit, on the decimals as written: 0.3 − 0.285 is
        // 5% of 0.3 (in binary floats, 0.015000000000000013 is more).
        assert_eq!(rag_by_rule(d("0.285"), d("0.3"), true, d("5.0")), "Amber");
        assert_eq!(rag_by_rule(d("0.2849"), d("0.3"), true, d("5.0")), "Red");
    }
}
