//! Argument checks shared by both API generations. A failed check returns
//! [`Error::InvalidArgument`] before anything is signed or sent.

use crate::Error;

/// Longest `sid` Meituan accepts (get_referral_link: 64).
pub const MAX_SID_CHARS: usize = 64;
/// Longest legacy `orderList` window (SPEC.md A.2: “window ≤ 1 day”).
pub const MAX_LEGACY_ORDER_WINDOW_SECS: i64 = 86_400;
/// Longest media `query_order` window (not published; the sandbox's rule).
pub const MAX_MEDIA_ORDER_WINDOW_SECS: i64 = 86_400;
/// Largest page size of the order queries.
pub const MAX_ORDER_LIMIT: u32 = 100;

/// 1..=64 characters of `[A-Za-z0-9_-]` (SPEC.md E): with this alphabet
/// every signing variant agrees and nothing needs escaping.
pub fn sid(field: &'static str, sid: &str) -> Result<(), Error> {
    if sid.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let chars = sid.chars().count();
    if chars > MAX_SID_CHARS {
        return Err(Error::invalid(
            field,
            format!("is {chars} characters long; at most {MAX_SID_CHARS} are allowed"),
        ));
    }
    if let Some(bad) = sid
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid(
            field,
            format!("contains {bad:?}; only letters, digits, '_' and '-' are allowed"),
        ));
    }
    Ok(())
}

/// A numeric id such as `actId` or an order id: 1..=32 ASCII digits.
pub fn numeric_id(field: &'static str, id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(field, "must be 1 to 32 digits"));
    }
    Ok(())
}

/// Free text that is sent: not empty, at most `max` characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(Error::invalid(
            field,
            format!("is {chars} characters long; at most {max} are allowed"),
        ));
    }
    Ok(())
}

pub fn page(field: &'static str, page: u32) -> Result<(), Error> {
    if page == 0 {
        return Err(Error::invalid(field, "pages are numbered from 1"));
    }
    Ok(())
}

pub fn limit(field: &'static str, limit: u32, max: u32) -> Result<(), Error> {
    if limit == 0 || limit > max {
        return Err(Error::invalid(
            field,
            format!("is {limit}; it must be between 1 and {max}"),
        ));
    }
    Ok(())
}

/// `start < end`, both positive epoch seconds, and at most `max_secs` apart
/// when a maximum is given.
pub fn window(start: i64, end: i64, max_secs: Option<i64>) -> Result<(), Error> {
    if start <= 0 {
        return Err(Error::invalid(
            "startTime",
            "must be a positive epoch second",
        ));
    }
    // Ten digits covers every date up to 2286; a 13-digit value is a
    // millisecond timestamp passed by mistake.
    if end > 9_999_999_999 || start > 9_999_999_999 {
        return Err(Error::invalid(
            "endTime",
            "looks like milliseconds; pass epoch seconds",
        ));
    }
    if start >= end {
        return Err(Error::invalid("endTime", "must be after startTime"));
    }
    if let Some(max) = max_secs {
        if end - start > max {
            return Err(Error::invalid(
                "endTime",
                format!(
                    "the window is {} s; at most {max} s is allowed",
                    end - start
                ),
            ));
        }
    }
    Ok(())
}

pub fn now_ms(now_ms: i64) -> Result<(), Error> {
    if now_ms <= 0 {
        return Err(Error::invalid(
            "now",
            "must be a positive epoch millisecond",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> &'static str {
        match e {
            Error::InvalidArgument { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn sid_rules() {
        assert!(sid("sid", "user_1001-a").is_ok());
        assert!(sid("sid", &"a".repeat(64)).is_ok());
        assert_eq!(field_of(sid("sid", &"a".repeat(65)).unwrap_err()), "sid");
        assert!(sid("sid", "").is_err());
        assert!(sid("sid", "推广位").is_err());
        assert!(sid("sid", "a b").is_err());
    }

    #[test]
    fn window_rules() {
        assert!(window(1_700_000_000, 1_700_086_400, Some(86_400)).is_ok());
        assert!(window(1_700_000_000, 1_700_086_401, Some(86_400)).is_err());
        assert!(window(1_700_000_000, 1_700_000_000, None).is_err());
        assert!(window(1_700_000_001, 1_700_000_000, None).is_err());
        assert!(window(1_700_000_000_000, 1_700_000_001_000, None).is_err());
        assert!(window(0, 10, None).is_err());
    }

    #[test]
    fn paging_rules() {
        assert!(page("page", 0).is_err());
        assert!(page("page", 1).is_ok());
        assert!(limit("limit", 0, 100).is_err());
        assert!(limit("limit", 100, 100).is_ok());
        assert!(limit("limit", 101, 100).is_err());
    }
}
