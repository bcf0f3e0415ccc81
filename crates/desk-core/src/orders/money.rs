//! Exact money: integer cents from Meituan's decimal yuan strings, never through floats.

use super::*;

/// Parses a decimal amount in yuan (`"30.5"`, `"-1.20"`, `"7"`) into cents,
/// exactly. More than two decimals are accepted only when the extra digits
/// are zeros, since rounding would make totals differ from Meituan's.
pub fn parse_cents(field: &str, text: &str) -> Result<i64> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let bad = || Error::Decode(format!("{field}: {text:?} is not an amount"));
    let (negative, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || int_part.len() > 15
    {
        return Err(bad());
    }
    if frac_part.len() > 2 && frac_part[2..].bytes().any(|b| b != b'0') {
        return Err(Error::Decode(format!(
            "{field}: {text:?} has fractions of a cent"
        )));
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    let frac = frac_part.as_bytes();
    let tenths = frac.first().map_or(0, |b| i64::from(b - b'0'));
    let hundredths = frac.get(1).map_or(0, |b| i64::from(b - b'0'));
    let cents = whole * 100 + tenths * 10 + hundredths;
    Ok(if negative { -cents } else { cents })
}

/// Cents as a yuan string with two decimals: 3050 → `"30.50"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}
