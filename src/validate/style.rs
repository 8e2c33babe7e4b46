//! House style in prose: where narrative writes a financial year, a date or a
//! sum of money differently from how the project's generated figures are
//! written, a reader sees both styles on one page. Each is a warning at its
//! place (the author decides; nothing is rewritten).

use crate::model::{Settings, YearStyle};
use std::ops::Range;

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A departure from house style: where (byte range in `text`), what, and the fix.
pub struct StyleNote {
    pub range: Range<usize>,
    pub message: String,
    pub help: String,
}

/// Byte ranges of template tags (`{{ … }}`, `{% … %}`, `{# … #}`), which are
/// not prose.
fn tags(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find('{').map(|i| at + i) {
        let close = match text.get(open + 1..open + 2) {
            Some("{") => "}}",
            Some("%") => "%}",
            Some("#") => "#}",
            _ => {
                at = open + 1;
                continue;
            }
        };
        let end = text[open..]
            .find(close)
            .map_or(text.len(), |i| open + i + 2);
        out.push(open..end);
        at = end;
    }
    out
}

/// Checks `text` (Markdown narrative) against the project's house style.
pub fn check(text: &str, settings: &Settings) -> Vec<StyleNote> {
    let skip = tags(text);
    let in_tag = |i: usize| skip.iter().any(|r| r.contains(&i));
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = Vec::new();
    let (want, other) = match settings.financial_year_style {
        YearStyle::Dash => ('-', '/'),
        YearStyle::Slash => ('/', '-'),
    };
    for i in 0..b.len() {
        if in_tag(i) || (i > 0 && (digit(i - 1) || b[i - 1].is_ascii_alphabetic())) {
            continue;
        }
        // A financial year: 2022-23 or 2022/23 (the second year follows the first).
        if (0..4).all(|k| digit(i + k))
            && b.get(i + 4) == Some(&(other as u8))
            && digit(i + 5)
            && digit(i + 6)
            && !digit(i + 7)
            && b.get(i + 7) != Some(&(other as u8))
        {
            let y: u32 = text[i..i + 4].parse().unwrap_or(0);
            let next: u32 = text[i + 5..i + 7].parse().unwrap_or(99);
            if (y + 1) % 100 == next && (1990..2100).contains(&y) {
                let fixed = format!("{}{want}{}", &text[i..i + 4], &text[i + 5..i + 7]);
                out.push(StyleNote {
                    range: i..i + 7,
                    message: format!(
                        "`{}` is written in another style than this project's financial years ({fixed})",
                        &text[i..i + 7]
                    ),
                    help: format!("write `{fixed}`, as the tables do (set by `financial-year-style` in quire.yaml), or quote the year with the `fy` filter"),
                });
            }
        }
        // A day with a leading zero before a month: 01 August 2023.
        if b[i] == b'0' && digit(i + 1) && b.get(i + 2) == Some(&b' ') {
            let rest = &text[i + 3..];
            if let Some(m) = MONTHS.iter().find(|m| rest.starts_with(*m)) {
                out.push(StyleNote {
                    range: i..i + 3 + m.len(),
                    message: format!("`{}` has a leading zero", &text[i..i + 3 + m.len()]),
                    help: format!(
                        "write `{} {m}`: dates are written without leading zeros",
                        &text[i + 1..i + 2]
                    ),
                });
            }
        }
    }
    // Money abbreviated: £12.3m, £1.2bn, £800k.
    for (i, _) in text.match_indices('£') {
        if in_tag(i) {
            continue;
        }
        let start = i + '£'.len_utf8();
        let num_len = text[start..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(text.len() - start);
        if num_len == 0 {
            continue;
        }
        let after = &text[start + num_len..];
        let (abbr, word) = if after.starts_with("bn") {
            ("bn", "billion")
        } else if after.starts_with('m') {
            ("m", "million")
        } else if after.starts_with('k') {
            ("k", "thousand")
        } else {
            continue;
        };
        if after[abbr.len()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let end = start + num_len + abbr.len();
        let n = &text[start..start + num_len];
        let fix = if word == "thousand" {
            "write the sum in full, e.g. £800,000 (GOV.UK style)".to_string()
        } else {
            format!(
                "write `£{n} {word}` (GOV.UK style), or quote the figure with the `money` filter"
            )
        };
        out.push(StyleNote {
            range: i..end,
            message: format!("`{}` abbreviates a sum of money", &text[i..end]),
            help: fix,
        });
    }
    out.sort_by_key(|n| n.range.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str, style: YearStyle) -> Vec<String> {
        let s = Settings {
            financial_year_style: style,
            ..Settings::default()
        };
        check(text, &s).into_iter().map(|n| n.message).collect()
    }

    #[test]
    fn finds_years_dates_and_money_in_another_style() {
        let m = messages(
            "In 2022-23 and 2023/24 we spent £12.3m and £800k; on 01 August 2023 the £5 fee. {{ 2022-23 }} 2022-24 12022-23",
            YearStyle::Slash,
        );
        assert_eq!(
            m,
            vec![
                "`2022-23` is written in another style than this project's financial years (2022/23)",
                "`£12.3m` abbreviates a sum of money",
                "`£800k` abbreviates a sum of money",
                "`01 August` has a leading zero",
            ]
        );
        assert!(messages("2023/24 and £12.3 million", YearStyle::Slash).is_empty());
    }
}
