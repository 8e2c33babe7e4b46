//! Numbers, money, percentages and years written as councils write them.

use crate::model::{NegativeStyle, YearStyle};
use std::cell::Cell;

/// "11,900"; keeps up to two decimals only when the value has them.
pub fn number(v: f64) -> String {
    let neg = v < 0.0;
    let a = v.abs();
    let s = if (a.fract()).abs() < 1e-9 {
        format!("{:.0}", a)
    } else {
        trim_zeros(&format!("{:.2}", a))
    };
    let out = grouped(&s);
    if neg { format!("−{out}") } else { out }
}

/// "1234567.5" → "1,234,567.5": thousands separators in the whole part only.
fn grouped(s: &str) -> String {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let mut out = group(int);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn group(int: &str) -> String {
    let bytes: Vec<char> = int.chars().collect();
    let mut out = String::new();
    for (i, c) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    out
}

/// Fixed decimals with thousands separators: `fixed(1234.5, 1)` = "1,234.5".
pub fn fixed(v: f64, places: usize) -> String {
    let out = grouped(&format!("{:.*}", places, v.abs()));
    let zero = v.abs() < 0.5 * 10f64.powi(-(places as i32));
    if v < 0.0 && !zero {
        format!("−{out}")
    } else {
        out
    }
}

/// The unit a sum of money is given in (the `unit` argument of the `money`
/// filter): how many pounds one of it is.
pub fn money_unit(name: &str) -> Option<f64> {
    match name {
        "pounds" | "£" => Some(1.0),
        "thousands" | "thousand" | "k" | "£k" => Some(1e3),
        "millions" | "million" | "m" | "£m" => Some(1e6),
        "billions" | "billion" | "bn" | "£bn" => Some(1e9),
        _ => None,
    }
}

/// The units `money` accepts, for messages.
pub const MONEY_UNITS: &str =
    "pounds (the default), thousands (k, £k), millions (m, £m), billions (bn, £bn)";

/// Money as GOV.UK writes it. `v` is in `unit` pounds (1 = pounds,
/// 1e6 = millions). In pounds, the sum is written in full ("£1,234",
/// "£1,234.50" keeps pence). In a larger unit, the sum is written in words
/// once it reaches a million: "£12.3 million", "£1.2 billion" (with `places`
/// decimals, a trailing ".0" dropped); below a million it is written in full,
/// rounded to the pound ("£800,000"), never "£0.8 million".
pub fn money(v: f64, unit: f64, places: usize, neg: NegativeStyle) -> String {
    let pounds = v.abs() * unit;
    let words = |x: f64, word: &str| format!("£{} {word}", trim_zeros(&fixed(x, places)));
    let body = if unit > 1.0 && pounds >= 1e9 {
        words(pounds / 1e9, "billion")
    } else if unit > 1.0 && pounds >= 1e6 {
        words(pounds / 1e6, "million")
    } else if unit > 1.0 {
        format!("£{}", number(pounds.round()))
    } else {
        format!("£{}", number(pounds))
    };
    if v < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        match neg {
            NegativeStyle::Brackets => format!("({body})"),
            NegativeStyle::Minus => format!("−{body}"),
        }
    } else {
        body
    }
}

thread_local! {
    /// Whether signed sums are kept in one run (layouts from version 2); a
    /// document on a version 1 layout renders its text exactly as version 1 did.
    static SIGNED_RUNS: Cell<bool> = const { Cell::new(true) };
}

/// Renders text for a layout of `version` until dropped: a version 1 layout (frozen,
/// for archived papers) gets its text exactly as it did before signed sums were kept
/// whole, so an archived paper rebuilds byte for byte.
pub struct LayoutText(bool);

pub fn layout_text(version: u32) -> LayoutText {
    LayoutText(SIGNED_RUNS.with(|c| c.replace(version >= 2)))
}

impl Drop for LayoutText {
    fn drop(&mut self) {
        SIGNED_RUNS.with(|c| c.set(self.0));
    }
}

/// Splits text into runs, marking each signed sum: a sign (+, −, -, ±) followed
/// by £, up to the next space (`−£12.5`, `+£0.9m,`). A layout keeps a marked run on
/// one line (a Typst `box`, an HTML `nowrap` span), so a line never breaks between
/// the sign and the sum; between £ and its digits no line breaks anyway (Unicode
/// line breaking, rule LB25). Nothing is added to the text itself.
pub fn signed_runs(s: &str) -> Vec<(&str, bool)> {
    runs(s, signed_sums())
}

/// Whether text rendered now keeps signed sums whole (see [`layout_text`]).
pub fn signed_sums() -> bool {
    SIGNED_RUNS.with(Cell::get)
}

/// [`signed_runs`] for text whose layout's rule is known: `signed` false
/// gives the whole text as one unmarked run.
pub fn runs(s: &str, signed: bool) -> Vec<(&str, bool)> {
    if !signed {
        return if s.is_empty() {
            Vec::new()
        } else {
            vec![(s, false)]
        };
    }
    let is_sign = |c: char| matches!(c, '+' | '−' | '-' | '±');
    let mut out = Vec::new();
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_sign(c) && iter.peek().is_some_and(|(_, n)| *n == '£') {
            let end = s[i..].find(char::is_whitespace).map_or(s.len(), |e| i + e);
            if start < i {
                out.push((&s[start..i], false));
            }
            out.push((&s[i..end], true));
            start = end;
            while iter.peek().is_some_and(|(j, _)| *j < end) {
                iter.next();
            }
        }
    }
    if start < s.len() {
        out.push((&s[start..], false));
    }
    out
}

/// "15.3%".
pub fn percent(v: f64, places: usize) -> String {
    format!("{}%", fixed(v, places))
}

/// "2024-25" or "2024/25" per the project's setting; accepts either as input.
pub fn financial_year(v: &str, style: YearStyle) -> String {
    let sep = match style {
        YearStyle::Dash => '-',
        YearStyle::Slash => '/',
    };
    match v.split_once(['-', '/']) {
        Some((a, b)) => format!("{a}{sep}{b}"),
        None => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_prose() {
        let b = NegativeStyle::Brackets;
        let m = NegativeStyle::Minus;
        assert_eq!(money(1234.0, 1.0, 1, b), "£1,234");
        assert_eq!(money(-1234567.0, 1.0, 1, b), "(£1,234,567)");
        assert_eq!(money(-12.0, 1.0, 1, m), "−£12");
        assert_eq!(money(1.2, 1e6, 1, m), "£1.2 million");
        assert_eq!(money(125.0, 1e6, 1, m), "£125 million");
        assert_eq!(money(0.5, 1e6, 1, m), "£500,000");
        assert_eq!(money(800.0, 1e3, 1, m), "£800,000");
        assert_eq!(money(12_345.678, 1e3, 1, m), "£12.3 million");
        assert_eq!(money(1234.5, 1e6, 1, m), "£1.2 billion");
        assert_eq!(money(12.345, 1e6, 2, m), "£12.35 million");
        assert_eq!(money(-0.0001, 1e6, 1, b), "(£100)");
        assert_eq!(money(-0.0000001, 1e6, 1, b), "£0");
    }

    #[test]
    fn a_sign_and_its_sum_are_one_run() {
        assert_eq!(
            signed_runs("a −£12 and +£0.9m, then -£5"),
            vec![
                ("a ", false),
                ("−£12", true),
                (" and ", false),
                ("+£0.9m,", true),
                (" then ", false),
                ("-£5", true)
            ]
        );
        assert_eq!(signed_runs("£12 − 3 (£4)"), vec![("£12 − 3 (£4)", false)]);
        assert_eq!(
            signed_runs("−£1.2 million"),
            vec![("−£1.2", true), (" million", false)]
        );
        assert!(signed_runs("").is_empty());
    }

    #[test]
    fn numbers_and_percentages() {
        assert_eq!(number(11900.0), "11,900");
        assert_eq!(number(1234.5), "1,234.5");
        assert_eq!(percent(15.349, 1), "15.3%");
        assert_eq!(fixed(-11.8, 1), "−11.8");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(financial_year("2024-25", YearStyle::Slash), "2024/25");
    }
}
