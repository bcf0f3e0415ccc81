//! Argument checks shared by both API generations. A failed check returns
//! [`Error::InvalidArgument`] before anything is signed or sent.

use crate::client::ApiGeneration;
use crate::Error;

/// Longest `sid` Meituan accepts: legacy generateLink `长度不能超过64个字符`
/// (bububa/meituan `model/generatelink.go:12`), media get_referral_link
/// `限制64个字符` (bububa/meituan `model/get_referral_link.go:18`).
pub const MAX_SID_CHARS: usize = 64;
/// Longest legacy `orderList` window (SPEC.md A.2: “window ≤ 1 day”).
pub const MAX_LEGACY_ORDER_WINDOW_SECS: i64 = 86_400;
/// Largest page size of the order queries.
pub const MAX_ORDER_LIMIT: u32 = 100;

/// What the client enforces on a `sid`: not empty and at most
/// [`MAX_SID_CHARS`] characters, the only rules a source states as limits.
/// Anything else is accepted (Meituan exempts sids created before its
/// character rule, and vector L02 signs a Chinese sid); see
/// [`sid_warnings`] for what the documentation recommends.
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
    Ok(())
}

/// Something about an accepted `sid` worth telling the user: it lies
/// outside the characters Meituan's documentation recommends. Not a refusal:
/// Meituan may well accept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SidWarning {
    /// Legacy API: `支持小写字母和数字，历史已创建的推广位不受这个约束`
    /// (bububa/meituan `model/generatelink.go:12-15`, `model/miniCode.go:12`):
    /// lower-case letters and digits; sids created before the rule are
    /// exempt.
    LegacyCharacters {
        /// The characters outside the recommendation, each once, in order
        /// of appearance (at most 8).
        found: Vec<char>,
    },
    /// Media API: `仅支持英文、数字和下划线`
    /// (bububa/meituan `model/get_referral_link.go:18`,
    /// `model/query_order.go:18`): English letters, digits and `_`.
    MediaCharacters {
        /// As in [`SidWarning::LegacyCharacters`].
        found: Vec<char>,
    },
}

impl SidWarning {
    /// The public source of the recommendation, `owner/repo:path:line`.
    pub fn source(&self) -> &'static str {
        match self {
            SidWarning::LegacyCharacters { .. } => "bububa/meituan:model/generatelink.go:12-15",
            SidWarning::MediaCharacters { .. } => "bububa/meituan:model/get_referral_link.go:18",
        }
    }

    /// One English sentence for logs and the terminal.
    pub fn message(&self) -> String {
        let list = |found: &[char]| {
            found
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            SidWarning::LegacyCharacters { found } => format!(
                "contains {}; Meituan's documentation of the legacy API recommends lower-case letters and digits (sids created before that rule are exempt), so it may be refused",
                list(found)
            ),
            SidWarning::MediaCharacters { found } => format!(
                "contains {}; Meituan's documentation of the media API says letters, digits and '_' only, so it may be refused",
                list(found)
            ),
        }
    }
}

/// The documented recommendations an accepted `sid` does not follow, for
/// the API generation it is used with. Empty when it follows them (and for
/// an empty sid, which [`sid`] refuses).
pub fn sid_warnings(generation: ApiGeneration, sid: &str) -> Vec<SidWarning> {
    let recommended = |c: char| match generation {
        ApiGeneration::Legacy => c.is_ascii_lowercase() || c.is_ascii_digit(),
        ApiGeneration::Media => c.is_ascii_alphanumeric() || c == '_',
    };
    let mut found: Vec<char> = Vec::new();
    for c in sid.chars().filter(|c| !recommended(*c)) {
        if !found.contains(&c) && found.len() < 8 {
            found.push(c);
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    vec![match generation {
        ApiGeneration::Legacy => SidWarning::LegacyCharacters { found },
        ApiGeneration::Media => SidWarning::MediaCharacters { found },
    }]
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
        // Characters are counted, not bytes: 64 Chinese characters pass.
        assert!(sid("sid", &"推".repeat(64)).is_ok());
        assert!(sid("sid", &"推".repeat(65)).is_err());
        // No source refuses these: accepted (vector L02 signs a Chinese sid).
        for ok in ["推广位", "a b", "A:b", "user-1", "x.y"] {
            assert!(sid("sid", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn sid_warnings_say_the_documented_recommendation() {
        use ApiGeneration::{Legacy, Media};
        assert!(sid_warnings(Legacy, "wx01abc").is_empty());
        assert!(sid_warnings(Media, "Wx_01").is_empty());
        assert_eq!(
            sid_warnings(Legacy, "Wx_01"),
            vec![SidWarning::LegacyCharacters {
                found: vec!['W', '_']
            }]
        );
        assert_eq!(
            sid_warnings(Media, "推广位-推"),
            vec![SidWarning::MediaCharacters {
                found: vec!['推', '广', '位', '-']
            }]
        );
        let w = &sid_warnings(Legacy, "a:b")[0];
        assert!(w.message().contains("':'"), "{}", w.message());
        assert!(w.message().contains("exempt"));
        assert!(w.source().starts_with("bububa/meituan:"));
        assert!(sid_warnings(Media, "").is_empty());
        // At most 8 distinct characters are named.
        match &sid_warnings(Media, "!@#$%^&*()+=")[0] {
            SidWarning::MediaCharacters { found } => assert_eq!(found.len(), 8),
            other => panic!("{other:?}"),
        }
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
