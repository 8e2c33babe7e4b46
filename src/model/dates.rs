//! Dates as people write them in plans: "April 2019 (review)", "31/03/2019",
//! "30 September 2023", "Quarterly", "TBC".
//!
//! The text is kept exactly as written for display; the date it implies (the last
//! day of a month when no day is given) is parsed where possible so overdue items
//! can be flagged. Words such as "Ongoing" or "TBC" parse to no date, never to a guess.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AsWritten {
    /// Exactly as the author wrote it.
    pub text: String,
    /// The deadline it implies, if it names one.
    #[serde(skip)]
    pub date: Option<NaiveDate>,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_of(word: &str) -> Option<u32> {
    let w = word
        .trim_matches(|c: char| !c.is_alphabetic())
        .to_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

impl AsWritten {
    pub fn parse(text: &str) -> AsWritten {
        AsWritten {
            text: text.to_string(),
            date: parse_date(text),
        }
    }
}

/// The deadline implied by a date as people write it, if any.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    // dd/mm/yyyy anywhere in the text
    for word in t.split_whitespace() {
        let w = word.trim_matches(|c: char| !c.is_ascii_digit() && c != '/');
        let parts: Vec<&str> = w.split('/').collect();
        if parts.len() == 3 {
            let (d, m, y) = (
                parts[0].parse().ok()?,
                parts[1].parse().ok()?,
                parts[2].parse::<i32>().ok()?,
            );
            let y = if y < 100 { 2000 + y } else { y };
            return NaiveDate::from_ymd_opt(y, m, d);
        }
    }
    // [day] Month year, anywhere in the text ("April 2019 (review)", "March 2023 pilot")
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let Some(m) = month_of(w) else { continue };
        let Some(year) = words.get(i + 1).and_then(|y| {
            y.trim_matches(|c: char| !c.is_ascii_digit())
                .parse::<i32>()
                .ok()
        }) else {
            continue;
        };
        if !(1900..=2200).contains(&year) {
            continue;
        }
        let day = i.checked_sub(1).and_then(|j| {
            words[j]
                .trim_end_matches(|c: char| c.is_alphabetic())
                .parse::<u32>()
                .ok()
        });
        return match day {
            Some(d) => NaiveDate::from_ymd_opt(year, m, d),
            None => last_day(year, m),
        };
    }
    None
}

/// "28 March 2019": GOV.UK style, no ordinal, no leading zero.
pub fn long_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), month_name(d.month()), d.year())
}

pub fn month_name(m: u32) -> &'static str {
    [
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
    ][(m as usize).saturating_sub(1).min(11)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn parses_what_people_write() {
        assert_eq!(parse_date("31/03/2019"), d(2019, 3, 31));
        assert_eq!(parse_date("April 2019"), d(2019, 4, 30));
        assert_eq!(parse_date("April 2019 (review)"), d(2019, 4, 30));
        assert_eq!(parse_date("April 2019 (Phase 1)"), d(2019, 4, 30));
        assert_eq!(parse_date("30 September 2023"), d(2023, 9, 30));
        assert_eq!(parse_date("01 August 2023"), d(2023, 8, 1));
        assert_eq!(parse_date("March 2023 pilot"), d(2023, 3, 31));
        assert_eq!(parse_date("February 2024"), d(2024, 2, 29));
        assert_eq!(parse_date("2019-03-28"), d(2019, 3, 28));
        assert_eq!(parse_date("Quarterly"), None);
        assert_eq!(parse_date("Ongoing"), None);
        assert_eq!(parse_date("TBC"), None);
        assert_eq!(parse_date("31/02/2019"), None);
    }

    #[test]
    fn long_dates_follow_govuk_style() {
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2019, 3, 28).unwrap()),
            "28 March 2019"
        );
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()),
            "1 May 2024"
        );
    }
}
