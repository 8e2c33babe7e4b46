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

/// The day `n` working days before `d` (Monday to Friday, less `holidays`):
/// the 1st is the working day before `d`. `None` if it would fall before the
/// calendar's start.
pub fn working_days_before(d: NaiveDate, n: u32, holidays: &[NaiveDate]) -> Option<NaiveDate> {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day = day.pred_opt()?;
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        if !weekend && !holidays.contains(&day) {
            left -= 1;
        }
    }
    Some(day)
}

/// "Monday 2 March 2026": a long date with its day of the week.
pub fn long_date_with_day(d: NaiveDate) -> String {
    format!("{} {}", d.format("%A"), long_date(d))
}

/// "9:30am", "10am", "12:15pm": a time as GOV.UK writes it.
pub fn time_of_day(t: chrono::NaiveTime) -> String {
    use chrono::Timelike;
    let (h, m) = (t.hour(), t.minute());
    let (h12, half) = match h {
        0 => (12, "am"),
        1..=11 => (h, "am"),
        12 => (12, "pm"),
        _ => (h - 12, "pm"),
    };
    if m == 0 && h == 12 {
        "midday".into()
    } else if m == 0 && h == 0 {
        "midnight".into()
    } else if m == 0 {
        format!("{h12}{half}")
    } else {
        format!("{h12}:{m:02}{half}")
    }
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

    #[test]
    fn working_days_are_counted_monday_to_friday_less_the_councils_holidays() {
        let wed = NaiveDate::from_ymd_opt(2026, 2, 11).unwrap();
        // Tue 10, Mon 9, Fri 6, Thu 5, Wed 4, Tue 3, Mon 2.
        assert_eq!(working_days_before(wed, 7, &[]), d(2026, 2, 2));
        assert_eq!(working_days_before(wed, 1, &[]), d(2026, 2, 10));
        assert_eq!(working_days_before(wed, 0, &[]), d(2026, 2, 11));
        // A Monday meeting: the working day before it is the Friday.
        let mon = NaiveDate::from_ymd_opt(2026, 4, 13).unwrap();
        assert_eq!(working_days_before(mon, 1, &[]), d(2026, 4, 10));
        // Good Friday and Easter Monday 2026, when the council lists them.
        let easter = [d(2026, 4, 3).unwrap(), d(2026, 4, 6).unwrap()];
        assert_eq!(working_days_before(mon, 5, &easter), d(2026, 4, 2));
        assert_eq!(working_days_before(mon, 5, &[]), d(2026, 4, 6));
    }

    #[test]
    fn a_time_is_written_as_gov_uk_writes_it() {
        let t = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(time_of_day(t(10, 0)), "10am");
        assert_eq!(time_of_day(t(9, 30)), "9:30am");
        assert_eq!(time_of_day(t(17, 5)), "5:05pm");
        assert_eq!(time_of_day(t(12, 0)), "midday");
        assert_eq!(time_of_day(t(0, 0)), "midnight");
        assert_eq!(
            long_date_with_day(d(2026, 3, 2).unwrap()),
            "Monday 2 March 2026"
        );
    }

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
