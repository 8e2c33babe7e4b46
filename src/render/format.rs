//! Numbers, money, percentages and years written as councils write them.

use crate::model::decimal::Dec;
use crate::model::{NegativeStyle, YearStyle};
use std::cell::Cell;

/// Every figure below is formatted from an exact decimal ([`Dec`]) and rounded
/// as Excel's ROUND does, half away from zero: 2.25 → 2.3, 2.675 → 2.68,
/// 1.005 → 1.01, −2.5 → −3. A figure that rounds to zero is never negative
/// ("0", never "−0").
///
/// "11,900"; keeps up to two decimals only when the value has them.
pub fn number(v: Dec) -> String {
    let r = v.round(2);
    signed(&grouped(&r.abs().full()), r)
}

/// `body` with a minus sign when `r` (the figure as rounded for print) is
/// below zero.
fn signed(body: &str, r: Dec) -> String {
    if r.is_negative() {
        format!("−{body}")
    } else {
        body.to_string()
    }
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

/// A count in running text as councils' house styles (and GOV.UK's) write it:
/// one to nine in words, 10 and over in figures ("three risks", "12 actions",
/// "1,250 children"); none as "0" (a sentence says "no action" itself). Only
/// for a count in prose that quire writes: never in a table or a figure.
pub fn count_words(n: u64) -> String {
    const WORDS: [&str; 9] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    match n {
        1..=9 => WORDS[n as usize - 1].to_string(),
        _ => group(&n.to_string()),
    }
}

/// Fixed decimals with thousands separators: `fixed(1234.5, 1)` = "1,234.5".
pub fn fixed(v: Dec, places: u32) -> String {
    crate::model::decimal::fixed_grouped(v, places)
}

/// The unit a sum of money is given in (the `unit` argument of the `money`
/// filter, or a table column's unit): how many pounds one of it is.
pub fn money_unit(name: &str) -> Option<i128> {
    match name {
        "pounds" | "£" => Some(1),
        "thousands" | "thousand" | "k" | "£k" | "£000" | "£000s" | "£'000" => Some(1_000),
        "millions" | "million" | "m" | "£m" => Some(1_000_000),
        "billions" | "billion" | "bn" | "£bn" => Some(1_000_000_000),
        _ => None,
    }
}

/// The units `money` accepts, for messages.
pub const MONEY_UNITS: &str =
    "pounds (the default), thousands (k, £k), millions (m, £m), billions (bn, £bn)";

/// Money as GOV.UK writes it. `v` is in `unit` pounds (1 = pounds,
/// 1,000,000 = millions). In pounds, the sum is written in full ("£1,234";
/// pence are kept as two places: "£1,234.50", "£0.40"). In a larger unit, the
/// sum is written in words once it reaches a million: "£12.3 million", "£1.2
/// billion" (with `places` decimals, a trailing ".0" dropped); below a
/// million it is written in full, rounded to the pound ("£800,000"), never
/// "£0.8 million". `None` when the sum in pounds is too large to hold.
pub fn money(v: Dec, unit: i128, places: u32, neg: NegativeStyle) -> Option<String> {
    let pounds = v.abs().checked_mul_int(unit)?;
    let words = |shift: u32, word: &str| {
        let x = pounds.round_shifted(shift, places);
        format!("£{} {word}", trim_zeros(&grouped(&x.fixed(places))))
    };
    let body = if unit > 1 && pounds >= Dec::int(1_000_000_000) {
        words(9, "billion")
    } else if unit > 1 && pounds >= Dec::int(1_000_000) {
        words(6, "million")
    } else if unit > 1 || pounds.round(2).places() == 0 {
        format!("£{}", grouped(&pounds.fixed(0)))
    } else {
        format!("£{}", grouped(&pounds.fixed(2)))
    };
    let shown = body.chars().any(|c| c.is_ascii_digit() && c != '0');
    Some(if v.is_negative() && shown {
        match neg {
            NegativeStyle::Brackets => format!("({body})"),
            NegativeStyle::Minus => format!("−{body}"),
        }
    } else {
        body
    })
}

thread_local! {
    /// The layout version text is rendered for: signed sums are kept in one
    /// run from version 2, headings are written by depth from version 3; a
    /// document on an earlier layout renders its text exactly as that version
    /// did. (`u32::MAX`: the current rules.)
    static TEXT_VERSION: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// Renders text for a layout of `version` until dropped: a version 1 layout (frozen,
/// for archived papers) gets its text exactly as it did before signed sums were kept
/// whole, so an archived paper rebuilds byte for byte.
pub struct LayoutText(u32);

pub fn layout_text(version: u32) -> LayoutText {
    LayoutText(TEXT_VERSION.with(|c| c.replace(version)))
}

impl Drop for LayoutText {
    fn drop(&mut self) {
        TEXT_VERSION.with(|c| c.set(self.0));
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
    TEXT_VERSION.with(Cell::get) >= 2
}

/// Whether a heading rendered now is written by its depth (layouts from
/// version 3), so that a layout may offset its level (an agenda pack nests a
/// part's headings under its item's bookmark); earlier layouts' Typst names
/// the level, as released (see [`layout_text`]).
pub fn depth_headings() -> bool {
    TEXT_VERSION.with(Cell::get) >= 3
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
pub fn percent(v: Dec, places: u32) -> String {
    format!("{}%", fixed(v, places))
}

/// A difference of two percentages, in percentage points: "1.5 percentage
/// points" (12.0% − 10.5%), "1 percentage point".
pub fn points(v: Dec, places: u32) -> String {
    let s = fixed(v, places);
    let one = v.round(places).abs() == Dec::int(1);
    format!("{s} percentage point{}", if one { "" } else { "s" })
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

/// Typographic quotes, as the Markdown walker gives body text (`'` → ‘ or ’,
/// `"` → “ or ”): a quote is an opening one at the start or after a space or
/// an opening bracket or dash, else a closing one (an apostrophe). Text
/// with neither is returned as it is.
pub fn curly_quotes(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['\'', '"']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let opening = prev.is_none_or(|p| p.is_whitespace() || "([{‘“—–-/".contains(p));
        out.push(match (c, opening) {
            ('\'', true) => '‘',
            ('\'', false) => '’',
            ('"', true) => '“',
            ('"', false) => '”',
            _ => c,
        });
        prev = Some(c);
    }
    std::borrow::Cow::Owned(out)
}

/// Every string of a layout's data with [`curly_quotes`] (not object keys,
/// not addresses): the titles, names and table cells the layouts print read
/// as the body text beside them. For layouts from version 3; the data of
/// released layouts stays as it was.
pub fn typographic(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if !s.contains("://") && !s.starts_with("mailto:") => {
            if let std::borrow::Cow::Owned(t) = curly_quotes(s) {
                *s = t;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(typographic),
        serde_json::Value::Object(o) => o.values_mut().for_each(typographic),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_one_to_nine_are_words_and_the_rest_figures() {
        use super::count_words;
        let words: Vec<String> = (1..=9).map(count_words).collect();
        assert_eq!(
            words,
            [
                "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"
            ]
        );
        assert_eq!(count_words(0), "0");
        assert_eq!(count_words(10), "10");
        assert_eq!(count_words(72), "72");
        assert_eq!(count_words(1250), "1,250");
        assert_eq!(count_words(1_000_000), "1,000,000");
    }

    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn m(v: &str, unit: i128, places: u32, neg: NegativeStyle) -> String {
        money(d(v), unit, places, neg).unwrap()
    }

    #[test]
    fn quotes_open_after_a_space_and_close_after_a_letter() {
        assert_eq!(curly_quotes("children's needs"), "children’s needs");
        assert_eq!(
            curly_quotes("the 'Tell us once' service"),
            "the ‘Tell us once’ service"
        );
        assert_eq!(curly_quotes("\"Hello\" (\"x\")"), "“Hello” (“x”)");
        assert_eq!(curly_quotes("no quotes"), "no quotes");
        let mut v = serde_json::json!({"a'b": ["KCC's hub", "https://x.y/it's"], "n": 1});
        typographic(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a'b": ["KCC’s hub", "https://x.y/it's"], "n": 1})
        );
    }

    #[test]
    fn money_in_prose() {
        let b = NegativeStyle::Brackets;
        let n = NegativeStyle::Minus;
        assert_eq!(m("1234", 1, 1, b), "£1,234");
        assert_eq!(m("-1234567", 1, 1, b), "(£1,234,567)");
        assert_eq!(m("-12", 1, 1, n), "−£12");
        assert_eq!(m("1.2", 1_000_000, 1, n), "£1.2 million");
        assert_eq!(m("125", 1_000_000, 1, n), "£125 million");
        assert_eq!(m("0.5", 1_000_000, 1, n), "£500,000");
        assert_eq!(m("800", 1_000, 1, n), "£800,000");
        assert_eq!(m("12345.678", 1_000, 1, n), "£12.3 million");
        assert_eq!(m("1234.5", 1_000_000, 1, n), "£1.2 billion");
        assert_eq!(m("12.345", 1_000_000, 2, n), "£12.35 million");
        assert_eq!(m("-0.0001", 1_000_000, 1, b), "(£100)");
        assert_eq!(m("-0.0000001", 1_000_000, 1, b), "£0");
        // A £m figure of 0.05 is £50,000, converted once.
        assert_eq!(m("0.05", 1_000_000, 1, n), "£50,000");
        // Pence are two places, whatever the sign style.
        assert_eq!(m("-0.4", 1, 1, b), "(£0.40)");
        assert_eq!(m("-0.4", 1, 1, n), "−£0.40");
        assert_eq!(m("1234.5", 1, 1, n), "£1,234.50");
        assert_eq!(m("1234.004", 1, 1, n), "£1,234");
        assert_eq!(m("-0.004", 1, 1, n), "£0");
        assert!(money(d("1e24"), 1_000_000_000, 1, n).is_none());
    }

    /// Excel's ROUND: half away from zero on the decimal figure, in every
    /// formatter (binary floats give 2.2, 2.67, 12.2% and 1 for these).
    #[test]
    fn one_rounding_rule() {
        let n = NegativeStyle::Minus;
        assert_eq!(m("2.25", 1_000_000, 1, n), "£2.3 million");
        assert_eq!(m("-2.25", 1_000_000, 1, n), "−£2.3 million");
        assert_eq!(m("2.675", 1_000_000, 2, n), "£2.68 million");
        assert_eq!(m("2.5", 1, 0, n), "£2.50");
        assert_eq!(m("2250", 1_000, 1, n), "£2.3 million");
        assert_eq!(number(d("2.675")), "2.68");
        assert_eq!(number(d("1.005")), "1.01");
        assert_eq!(number(d("-1.005")), "−1.01");
        assert_eq!(fixed(d("-2.5"), 0), "−3");
        assert_eq!(fixed(d("2.25"), 1), "2.3");
        assert_eq!(percent(d("12.25"), 1), "12.3%");
        assert_eq!(percent(d("-2.5"), 0), "−3%");
        assert_eq!(points(d("1.5"), 1), "1.5 percentage points");
        assert_eq!(points(d("1"), 0), "1 percentage point");
        assert_eq!(points(d("-2.25"), 1), "−2.3 percentage points");
    }

    #[test]
    fn never_a_negative_zero() {
        assert_eq!(number(d("-0.004")), "0");
        assert_eq!(number(d("-0.005")), "−0.01");
        assert_eq!(fixed(d("-0.04"), 1), "0.0");
        assert_eq!(percent(d("-0.04"), 1), "0.0%");
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
        assert_eq!(number(d("11900")), "11,900");
        assert_eq!(number(d("1234.5")), "1,234.5");
        assert_eq!(number(d("28.607")), "28.61");
        assert_eq!(percent(d("15.349"), 1), "15.3%");
        assert_eq!(fixed(d("-11.8"), 1), "−11.8");
        assert_eq!(fixed(d("-0.01"), 1), "0.0");
        assert_eq!(fixed(d("1234567.25"), 1), "1,234,567.3");
        assert_eq!(financial_year("2024-25", YearStyle::Slash), "2024/25");
    }
}
