//! Mainland China working days: official public holidays *and* make-up
//! workdays (调休上班), from `data/cn_workdays.json` (see its `_source`
//! header: the dates of the PyPI package chinese-calendar 1.11.0, which
//! transcribes the State Council notices; 2004–2026). Years without data
//! fall back to Monday–Friday and every answer says so.
//!
//! Meituan's "answered within two working days" is counted here: the due
//! time is the same Beijing clock time on the N-th working day after the day
//! of the given instant (the given day itself never counts).

use crate::clock::beijing;
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// The shipped calendar data.
const CHINA_DATA: &str = include_str!("../../data/cn_workdays.json");

/// Where the shipped data came from, for the UI and `mtu workdays`.
pub const DATA_SOURCE: &str = "chinese-calendar 1.11.0 (PyPI), State Council holiday notices";

/// Why a day is or is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// Monday–Friday, no holiday.
    Workday,
    /// Saturday or Sunday, no make-up workday.
    Weekend,
    /// An official day off (`name` is the festival, e.g. 国庆节).
    Holiday { name: String },
    /// A weekend day worked in exchange for a holiday (调休上班).
    MakeUpWorkday { name: String },
}

impl DayKind {
    pub fn is_workday(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday { .. })
    }
}

#[derive(Debug, Default, Clone)]
struct YearData {
    holidays: HashMap<NaiveDate, String>,
    workdays: HashMap<NaiveDate, String>,
}

/// A working-day calendar: per-year holiday and make-up workday lists.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearData>,
}

#[derive(Deserialize)]
struct RawCalendar {
    years: BTreeMap<String, RawYear>,
}

#[derive(Deserialize)]
struct RawYear {
    holidays: BTreeMap<String, String>,
    workdays: BTreeMap<String, String>,
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| Error::Internal(format!("calendar data: bad date {s:?}: {e}")))
}

/// The result of [`WorkCalendar::add_workdays`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DueTime {
    /// RFC 3339, +08:00.
    pub due_at: String,
    pub from: String,
    pub working_days: u32,
    /// Days passed over that did not count, in order, with the reason.
    pub skipped: Vec<SkippedDay>,
    /// Years touched for which no official data is shipped (Mon–Fri assumed).
    pub assumed_years: Vec<i32>,
    /// Human note when `assumed_years` is not empty.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SkippedDay {
    pub date: String,
    pub kind: DayKind,
}

impl WorkCalendar {
    /// The shipped mainland China calendar (parsed once).
    pub fn china() -> &'static WorkCalendar {
        static CAL: OnceLock<WorkCalendar> = OnceLock::new();
        CAL.get_or_init(|| {
            WorkCalendar::from_json(CHINA_DATA).expect("shipped calendar data parses")
        })
    }

    /// A calendar with no data at all: Monday–Friday everywhere.
    pub fn weekdays_only() -> WorkCalendar {
        WorkCalendar {
            years: BTreeMap::new(),
        }
    }

    /// Reads data in the shape of `data/cn_workdays.json`.
    pub fn from_json(text: &str) -> Result<WorkCalendar> {
        let raw: RawCalendar = serde_json::from_str(text)
            .map_err(|e| Error::Internal(format!("calendar data: {e}")))?;
        let mut years = BTreeMap::new();
        for (year, data) in raw.years {
            let year: i32 = year
                .parse()
                .map_err(|_| Error::Internal(format!("calendar data: bad year {year:?}")))?;
            let mut y = YearData::default();
            for (d, name) in data.holidays {
                y.holidays.insert(parse_day(&d)?, name);
            }
            for (d, name) in data.workdays {
                y.workdays.insert(parse_day(&d)?, name);
            }
            years.insert(year, y);
        }
        Ok(WorkCalendar { years })
    }

    /// Whether official data is shipped for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// First and last year with data.
    pub fn covered_range(&self) -> Option<(i32, i32)> {
        Some((*self.years.keys().next()?, *self.years.keys().next_back()?))
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(y) = self.years.get(&date.year()) {
            if let Some(name) = y.workdays.get(&date) {
                return DayKind::MakeUpWorkday { name: name.clone() };
            }
            if let Some(name) = y.holidays.get(&date) {
                return DayKind::Holiday { name: name.clone() };
            }
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Workday,
        }
    }

    pub fn is_workday(&self, date: NaiveDate) -> bool {
        self.day_kind(date).is_workday()
    }

    /// The same Beijing clock time as `from` on the `n`-th working day after
    /// `from`'s Beijing day. `n == 0` gives `from` itself.
    pub fn add_workdays(&self, from: DateTime<Utc>, n: u32) -> DueTime {
        let local = from.with_timezone(&beijing());
        let mut day = local.date_naive();
        let mut assumed = BTreeSet::new();
        let mut skipped = Vec::new();
        if !self.covers(day.year()) {
            assumed.insert(day.year());
        }
        let mut counted = 0;
        while counted < n {
            day += Duration::days(1);
            if !self.covers(day.year()) {
                assumed.insert(day.year());
            }
            let kind = self.day_kind(day);
            if kind.is_workday() {
                counted += 1;
            } else {
                skipped.push(SkippedDay {
                    date: day.to_string(),
                    kind,
                });
            }
        }
        let due = beijing()
            .from_local_datetime(&day.and_time(local.time()))
            .single()
            .expect("fixed offsets are unambiguous");
        let assumed_years: Vec<i32> = assumed.into_iter().collect();
        let note = (!assumed_years.is_empty()).then(|| {
            format!(
                "no official holiday data for {}: Monday–Friday assumed (data covers {})",
                assumed_years
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                self.covered_range()
                    .map(|(a, b)| format!("{a}–{b}"))
                    .unwrap_or_else(|| "no year".into())
            )
        });
        DueTime {
            due_at: rfc3339(due),
            from: rfc3339(local),
            working_days: n,
            skipped,
            assumed_years,
            note,
        }
    }
}

fn rfc3339(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Parses an RFC 3339 instant (any offset).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::invalid("time", format!("not an RFC 3339 time ({e})")))
}

/// Due time `n` working days after `from` on the shipped China calendar.
pub fn due_after(from: DateTime<Utc>, n: u32) -> DueTime {
    WorkCalendar::china().add_workdays(from, n)
}

/// [`due_after`] as an instant.
pub fn due_instant(from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    parse_instant(&due_after(from, n).due_at).expect("we format RFC 3339")
}
