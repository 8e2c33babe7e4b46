//! A derived KPI: one whose figures the tables engine computes from other
//! KPIs (a ratio, a difference, a change between two KPIs) or from a base
//! period (the % change since the baseline), instead of being typed.
//! Shared by the Safety Valve return's KPIs and the APP's.

use super::Sp;
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
