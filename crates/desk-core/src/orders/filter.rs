//! The Orders screen's filters, checked and resolved.

use super::*;

/// Filters of the Orders screen. Dates are Beijing dates (inclusive) of the
/// pay time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OrderFilter {
    /// `YYYY-MM-DD`, Beijing.
    pub from: Option<String>,
    pub to: Option<String>,
    pub sid: Option<String>,
    pub status: Option<OrderStatus>,
    /// A `businessLine` code in any generation or platform (`mtu orders
    /// --business-line`); prefer `line`.
    pub business_line: Option<i32>,
    /// One line by its key ([`LineOption::key`]).
    #[serde(default)]
    pub line: Option<String>,
}

/// The filter in epoch seconds, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedFilter {
    pub from_s: Option<i64>,
    pub to_s: Option<i64>,
    pub sid: Option<String>,
    pub status: Option<OrderStatus>,
    pub business_line: Option<i32>,
    pub line_key: Option<String>,
}

fn parse_day(field: &str, s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    // Exactly YYYY-MM-DD: chrono's %Y alone also takes "26-03-10" (year 26)
    // and "-2026-03-10".
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(Error::invalid(field, "must be a date YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "must be a date YYYY-MM-DD"))
}

impl OrderFilter {
    pub fn resolve(&self) -> Result<ResolvedFilter> {
        let from = self
            .from
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_day("from", s))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_day("to", s))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(Error::invalid("to", "is before the start date"));
            }
        }
        let line_key = match self
            .line
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(key) => Some(
                OrderLine::parse(key)
                    .ok_or_else(|| {
                        Error::invalid("line", "must be a line such as legacy:2:1 or media:1:7")
                    })?
                    .key(),
            ),
        };
        Ok(ResolvedFilter {
            from_s: from.map(beijing_day_start),
            to_s: to.map(|t| beijing_day_start(t) + 86_399),
            sid: self.sid.clone().filter(|s| !s.is_empty()),
            status: self.status,
            business_line: self.business_line,
            line_key,
        })
    }
}
