//! Numbers, money, percentages and years written as councils write them.

use crate::model::{NegativeStyle, YearStyle};

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

/// "£1,234", "£1.2 million", "£125 million"; never "£0.5 million".
pub fn money(v: f64, unit: Option<&str>, neg: NegativeStyle) -> String {
    let a = v.abs();
    let body = match unit {
        Some("m") | Some("million") => {
            let pounds = a * 1_000_000.0;
            if pounds < 1_000_000.0 {
                format!("£{}", number(pounds.round()))
            } else {
                format!("£{} million", trim_zeros(&format!("{:.1}", a)))
            }
        }
        _ => {
            if a >= 1_000_000.0 && (a / 100_000.0).fract().abs() < 1e-9 && unit == Some("auto") {
                format!(
                    "£{} million",
                    trim_zeros(&format!("{:.1}", a / 1_000_000.0))
                )
            } else {
                format!("£{}", number(a))
            }
        }
    };
    if v < 0.0 {
        match neg {
            NegativeStyle::Brackets => format!("({body})"),
            NegativeStyle::Minus => format!("−{body}"),
        }
    } else {
        body
    }
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
        assert_eq!(money(1234.0, None, NegativeStyle::Brackets), "£1,234");
        assert_eq!(
            money(-1234567.0, None, NegativeStyle::Brackets),
            "(£1,234,567)"
        );
        assert_eq!(money(-12.0, None, NegativeStyle::Minus), "−£12");
        assert_eq!(money(1.2, Some("m"), NegativeStyle::Minus), "£1.2 million");
        assert_eq!(
            money(125.0, Some("m"), NegativeStyle::Minus),
            "£125 million"
        );
        assert_eq!(money(0.5, Some("m"), NegativeStyle::Minus), "£500,000");
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
