//! Exact decimal figures for declared tables.
//!
//! Stage: shared by the tables engine. A [`Dec`] is a signed decimal with twelve
//! places held in an `i128`: every figure as written in YAML, CSV or a workbook
//! is held exactly, sums and differences are exact, and every operation is
//! checked (an overflow is `None`, never a wrap; there is no NaN). Division
//! rounds to twelve places, half away from zero. Printing rounds with
//! [`Dec::round`], also half away from zero, at a column's published places.

use std::fmt;

/// Places held after the decimal point.
pub const PLACES: u32 = 12;
const SCALE: i128 = 1_000_000_000_000;

/// A decimal figure, exact to twelve places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dec(i128);

fn pow10(n: u32) -> i128 {
    10i128.pow(n)
}

/// `n / d` rounded half away from zero (`d` > 0).
fn div_round(n: i128, d: i128) -> i128 {
    // Most figures fit 64 bits, whose division is far cheaper than 128 bits'.
    if let (Ok(n), Ok(d @ 1..)) = (i64::try_from(n), i64::try_from(d)) {
        let (q, r) = (n / d, n % d);
        return i128::from(if r.unsigned_abs() * 2 >= d.unsigned_abs() {
            if n < 0 { q - 1 } else { q + 1 }
        } else {
            q
        });
    }
    let q = n / d;
    let r = n % d;
    if r.unsigned_abs() * 2 >= d.unsigned_abs() {
        if n < 0 { q - 1 } else { q + 1 }
    } else {
        q
    }
}

impl Dec {
    pub const ZERO: Dec = Dec(0);

    /// A whole number.
    pub fn int(i: i64) -> Dec {
        Dec(i as i128 * SCALE)
    }

    /// Reads a decimal as written: `-12.345`, `+7`, `1.5e3`. Digits beyond twelve
    /// places are rounded half away from zero; `None` for anything else or for a
    /// magnitude above 10^24.
    pub fn parse(s: &str) -> Option<Dec> {
        let s = s.trim();
        let (neg, body) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
            None => (body, 0),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || !(-40..=40).contains(&exp)
        {
            return None;
        }
        // All digits as one integer with `frac.len() - exp` places (at most
        // 36 after leading zeros, so it fits an i128), read without a copy.
        let mut n: i128 = 0;
        let mut significant = 0;
        for b in int.bytes().chain(frac.bytes()) {
            if significant == 0 && b == b'0' {
                continue;
            }
            significant += 1;
            if significant > 36 {
                return None;
            }
            n = n * 10 + i128::from(b - b'0');
        }
        let places = frac.len() as i32 - exp;
        let v = if places <= PLACES as i32 {
            n.checked_mul(pow10((PLACES as i32 - places) as u32))?
        } else {
            let drop = (places - PLACES as i32) as u32;
            if drop > 36 {
                0
            } else {
                div_round(n, pow10(drop))
            }
        };
        if v.unsigned_abs() > (SCALE as u128) * 10u128.pow(24) {
            return None;
        }
        Some(Dec(if neg { -v } else { v }))
    }

    /// The decimal an `f64` stands for (its shortest round-trip form, so 0.1 is
    /// 0.1); `None` when not finite.
    pub fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        Dec::parse(&format!("{f}"))
    }

    pub fn to_f64(self) -> f64 {
        // Through text: the nearest f64 to the decimal.
        self.full().parse().unwrap_or(0.0)
    }

    /// The whole part, towards zero (`None` beyond `i64`).
    pub fn trunc_i64(self) -> Option<i64> {
        i64::try_from(self.0 / SCALE).ok()
    }

    pub fn checked_add(self, o: Dec) -> Option<Dec> {
        self.0.checked_add(o.0).map(Dec)
    }

    pub fn checked_sub(self, o: Dec) -> Option<Dec> {
        self.0.checked_sub(o.0).map(Dec)
    }

    /// `self × k` for a whole `k` (e.g. 100 for a percentage).
    pub fn checked_mul_int(self, k: i128) -> Option<Dec> {
        self.0.checked_mul(k).map(Dec)
    }

    /// `self × o` to twelve places, half away from zero; `None` on overflow.
    /// Each factor is split into its whole and fractional parts so that no
    /// partial product exceeds what the result needs.
    pub fn checked_mul(self, o: Dec) -> Option<Dec> {
        let neg = (self.0 < 0) != (o.0 < 0);
        let (a, b) = (self.0.unsigned_abs(), o.0.unsigned_abs());
        let s = SCALE as u128;
        let (ah, al) = (a / s, a % s);
        let (bh, bl) = (b / s, b % s);
        // a×b/S = ah×b + al×bh + al×bl/S
        let low = al * bl; // < 10^24
        let mut frac = low / s;
        if (low % s) * 2 >= s {
            frac += 1;
        }
        let v = ah
            .checked_mul(b)?
            .checked_add(al.checked_mul(bh)?)?
            .checked_add(frac)?;
        let v = i128::try_from(v).ok()?;
        Some(Dec(if neg { -v } else { v }))
    }

    /// Rounded to `places` (negative: to tens, hundreds …), half away from
    /// zero, as Excel's ROUND; `None` when the result overflows.
    pub fn round_to(self, places: i32) -> Option<Dec> {
        if places >= 0 {
            return Some(self.round(places as u32));
        }
        let unit = 10i128.checked_pow(PLACES + places.unsigned_abs())?;
        div_round(self.0, unit).checked_mul(unit).map(Dec)
    }

    /// `self ÷ o` to twelve places, half away from zero; `None` when `o` is
    /// zero or the result overflows.
    pub fn checked_div(self, o: Dec) -> Option<Dec> {
        if o.0 == 0 {
            return None;
        }
        // Long division, so that only the quotient must fit (the dividend
        // times the scale may not: -200% of two figures near a trillion).
        let (n, d) = (self.0.unsigned_abs(), o.0.unsigned_abs());
        let whole = (n / d).checked_mul(SCALE as u128)?;
        let (mut r, mut frac) = (n % d, 0u128);
        for _ in 0..PLACES {
            r = r.checked_mul(10)?;
            frac = frac * 10 + r / d;
            r %= d;
        }
        // r < d <= 2^127, so 2r fits; half away from zero.
        if r * 2 >= d {
            frac += 1;
        }
        let q = i128::try_from(whole.checked_add(frac)?).ok()?;
        Some(Dec(if (self.0 < 0) != (o.0 < 0) { -q } else { q }))
    }

    pub fn abs(self) -> Dec {
        Dec(self.0.abs())
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Rounded to `places` decimal places, half away from zero.
    pub fn round(self, places: u32) -> Dec {
        if places >= PLACES {
            return self;
        }
        let unit = pow10(PLACES - places);
        Dec(div_round(self.0, unit) * unit)
    }

    /// `self ÷ 10^shift` rounded to `places`, half away from zero, in one
    /// step (so a figure in pounds is rounded in millions exactly, never
    /// through a twelve-place quotient first).
    pub fn round_shifted(self, shift: u32, places: u32) -> Dec {
        let places = places.min(PLACES);
        let unit = pow10(PLACES - places);
        Dec(div_round(self.0, pow10(shift) * unit) * unit)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The decimal places the value has, trailing zeros aside: 2 for 28.61,
    /// 0 for 1500.
    pub fn places(self) -> u32 {
        let mut frac = (self.0 % SCALE).unsigned_abs();
        if frac == 0 {
            return 0;
        }
        let mut p = PLACES;
        while frac.is_multiple_of(10) {
            frac /= 10;
            p -= 1;
        }
        p
    }

    /// The value at full precision, without trailing zeros: `-0.244`, `412.65`.
    pub fn full(self) -> String {
        let s = self.fixed(PLACES);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }

    /// Rounded to `places` and written with exactly that many places, `-` for
    /// negatives (never `-0`): `fixed(2)` of 1234.5 is `1234.50`.
    pub fn fixed(self, places: u32) -> String {
        let places = places.min(PLACES);
        let r = self.round(places);
        let a = r.0.unsigned_abs();
        let int = a / SCALE as u128;
        let frac = (a % SCALE as u128) / 10u128.pow(PLACES - places);
        let body = if places == 0 {
            int.to_string()
        } else {
            format!("{int}.{frac:0width$}", width = places as usize)
        };
        if r.0 < 0 { format!("-{body}") } else { body }
    }
}

/// The decimal places a figure was written with, from its text as written
/// (`7.00` has 2, `1.5e3` none, `28.607` 3); `None` when the text is not a
/// figure.
pub fn written_places(text: &str) -> Option<u32> {
    let text = text.trim();
    Dec::parse(text)?;
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let frac = mant.split_once('.').map_or(0, |(_, f)| f.len() as i32);
    Some((frac - exp).clamp(0, PLACES as i32) as u32)
}

/// Thousands separators in the whole part: `1234567.5` → `1,234,567.5`.
pub fn grouped(s: &str) -> String {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let digits: Vec<char> = int.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// `v` at `places` with thousands separators and a true minus:
/// `fixed_grouped(-1234.5, 1)` = "−1,234.5".
pub fn fixed_grouped(v: Dec, places: u32) -> String {
    let r = v.round(places);
    let body = grouped(&r.abs().fixed(places));
    if r.is_negative() {
        format!("−{body}")
    } else {
        body
    }
}

/// In the layouts' data a figure is a JSON number: the nearest `f64` to the
/// decimal, as a float read from the same text would be. What is printed is
/// formatted from the decimal itself.
impl serde::Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn parses_as_written() {
        assert_eq!(d("-12.345").full(), "-12.345");
        assert_eq!(d("+7").full(), "7");
        assert_eq!(d("1.5e3").full(), "1500");
        assert_eq!(d(".5").full(), "0.5");
        assert_eq!(d("0.1").checked_add(d("0.2")).unwrap(), d("0.3"));
        for bad in [
            "", "-", "1,000", "£5", "1.2.3", "nan", "inf", "1e99", "0x10",
        ] {
            assert!(Dec::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Dec::from_f64(0.1).unwrap(), d("0.1"));
        assert!(Dec::from_f64(f64::NAN).is_none());
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(d("1.005").fixed(2), "1.01");
        assert_eq!(d("-1.005").fixed(2), "-1.01");
        assert_eq!(d("2.5").fixed(0), "3");
        assert_eq!(d("-2.5").fixed(0), "-3");
        assert_eq!(d("-0.244").fixed(3), "-0.244");
        assert_eq!(d("-0.0004").fixed(3), "0.000");
        assert_eq!(d("1234.5").fixed(2), "1234.50");
    }

    #[test]
    fn rounds_after_a_shift_in_one_step() {
        assert_eq!(d("2250000").round_shifted(6, 1).full(), "2.3");
        assert_eq!(d("-2500000").round_shifted(6, 0).full(), "-3");
        assert_eq!(d("1234567890").round_shifted(9, 2).full(), "1.23");
        assert_eq!(d("28.607").places(), 3);
        assert_eq!(d("-7.10").places(), 1);
        assert_eq!(d("1500").places(), 0);
    }

    #[test]
    fn divides_and_never_overflows_silently() {
        assert_eq!(d("1").checked_div(d("3")).unwrap().full(), "0.333333333333");
        assert_eq!(d("2").checked_div(d("3")).unwrap().full(), "0.666666666667");
        assert!(d("1").checked_div(Dec::ZERO).is_none());
        let big = d("1e24");
        assert!(big.checked_mul_int(i128::MAX / 1000).is_none());
        assert!(big.checked_div(d("0.000000000001")).is_none());
        assert_eq!(d("0.1").checked_mul(d("0.2")).unwrap(), d("0.02"));
        assert_eq!(d("-2.5").checked_mul(d("40")).unwrap(), d("-100"));
        assert_eq!(d("1e12").checked_mul(d("-1.5")).unwrap(), d("-1.5e12"));
        assert!(d("1e24").checked_mul(d("1e24")).is_none());
    }

    #[test]
    fn divides_figures_near_a_trillion_exactly() {
        // A change of -200% between two figures below a trillion: the
        // dividend times the scale exceeds an i128, the quotient does not.
        let n = d("-1999999999999.999").checked_mul_int(100).unwrap();
        let q = n.checked_div(d("999999999999.999")).unwrap();
        assert_eq!(q.full(), "-200");
        let q = d("999999999999").checked_div(d("0.000000000001")).unwrap();
        assert_eq!(q.full(), "999999999999000000000000");
        assert_eq!(
            d("-2").checked_div(d("3")).unwrap().full(),
            "-0.666666666667"
        );
        assert_eq!(
            d("2").checked_div(d("-3")).unwrap().full(),
            "-0.666666666667"
        );
        assert_eq!(d("-1").checked_div(d("-8")).unwrap().full(), "0.125");
    }
}

#[cfg(test)]
mod mul_tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn multiplies_exactly_and_checked() {
        assert_eq!(d("1.5").checked_mul(d("-2")).unwrap(), d("-3"));
        assert_eq!(
            d("0.000001").checked_mul(d("0.000001")).unwrap(),
            d("0.000000000001")
        );
        assert_eq!(
            d("0.0000005").checked_mul(d("0.000001")).unwrap(),
            d("0.000000000001")
        );
        assert_eq!(
            d("-0.0000005").checked_mul(d("0.000001")).unwrap(),
            d("-0.000000000001")
        );
        assert_eq!(
            d("28.607").checked_mul(d("1000000")).unwrap(),
            d("28607000")
        );
        assert_eq!(
            d("999999999999")
                .checked_mul(d("999999999999"))
                .unwrap()
                .full(),
            "999999999998000000000001"
        );
        assert!(d("1e24").checked_mul(d("1e24")).is_none());
        assert_eq!(d("1234.5").round_to(-2).unwrap(), d("1200"));
        assert_eq!(d("-1250").round_to(-2).unwrap(), d("-1300"));
        assert_eq!(d("2.675").round_to(2).unwrap(), d("2.68"));
    }
}
