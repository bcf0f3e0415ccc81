//! 推广位质量分 (issue 20 item 3): the daily quality grade and repurchase
//! rate Meituan reports for one sid over a date range, through the legacy
//! `/api/getqualityscorebysid` (there is no media counterpart).
//!
//! Rows are kept per (profile, sid, day). A range inside one fetched today
//! (Beijing day) is answered from the store with no call unless a refresh is
//! asked; every bad input (a range over
//! [`MAX_QUALITY_RANGE_DAYS`], `from` after `to`, a malformed date, a
//! `from` Meituan no longer serves, an unknown sid, a media profile) is
//! refused before any call.

use crate::clock::{beijing_day, beijing_rfc3339, Clock};
use crate::error::{Error, Result};
use crate::gateway::api::Api;
use crate::profiles::{Generation, Profile};
use crate::store::Store;
use chrono::{Datelike, Months, NaiveDate};
use meituan_union::legacy::{QualityScoreRequest, MAX_QUALITY_RANGE_DAYS};
use meituan_union::{BusinessLine, QualityScoreType};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Rows per page asked of Meituan (the documented maximum): one sid over
/// the longest range (91 days) fits in one page.
const PAGE_SIZE: u32 = 100;

/// The score type asked for: 1 预估 (estimated). The 实际 (actual) figures
/// come later; the chart is about recent days, so the estimate is shown.
const SCORE_TYPE: QualityScoreType = QualityScoreType::Estimated;

/// Days in the default chart range (ending today).
pub const DEFAULT_DAYS: i64 = 30;

/// What to fetch: a sid code of the profile and an inclusive range of
/// Beijing days, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, specta::Type)]
pub struct QualityQuery {
    pub sid: String,
    pub from: String,
    pub to: String,
}

/// One day of a sid's quality score, as Meituan sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QualityRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `qualityGrade` (e.g. `A`).
    pub quality_grade: Option<String>,
    /// `repurchaseRate` as sent (e.g. `0.23`).
    pub repurchase_rate: Option<String>,
}

/// A sid's quality scores over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QualityReport {
    pub sid: String,
    /// The sid's label.
    pub sid_name: String,
    pub from: String,
    pub to: String,
    /// Days Meituan has a row for, oldest first.
    pub rows: Vec<QualityRow>,
    /// Calls this answer spent (0 when answered from the store).
    pub calls: u32,
    /// Answered from what was fetched today.
    pub cached: bool,
    /// When the rows were fetched (RFC 3339, +08:00).
    pub fetched_at: String,
}

/// What fetching a range would cost now, and the stored answer when it
/// is free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QualityPreview {
    /// Calls a fetch would spend: 0 when the range was fetched today.
    pub calls: u32,
    pub report: Option<QualityReport>,
}

/// The default range: the last [`DEFAULT_DAYS`] Beijing days, today included.
pub fn default_range(clock: &dyn Clock) -> (NaiveDate, NaiveDate) {
    let today = beijing_day(clock.now());
    (today - chrono::Duration::days(DEFAULT_DAYS - 1), today)
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    let ok = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    ok.then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| Error::invalid(field, format!("{text:?} is not a date; write YYYY-MM-DD")))
}

/// The first day Meituan still serves: `beginDate` must be later than three
/// months ago (yzchan/meituan-union-php
/// `src/request/traits/DateBetweenTrait.php:7`, `起始时间应晚于三个月前`),
/// read as the first day of the Beijing month three months back, the
/// sandbox's reading (crates/sandbox/README.md).
pub fn earliest_day(today: NaiveDate) -> NaiveDate {
    let first = today.with_day(1).unwrap_or(today);
    first.checked_sub_months(Months::new(3)).unwrap_or(first)
}

/// A checked request: everything refused here costs no call.
struct Checked {
    sid: String,
    sid_name: String,
    from: NaiveDate,
    to: NaiveDate,
}

fn check(store: &Store, clock: &dyn Clock, profile: &Profile, q: &QualityQuery) -> Result<Checked> {
    if profile.generation != Generation::Legacy {
        return Err(Error::invalid(
            "generation",
            "the sid quality score (getqualityscorebysid) is a legacy-only endpoint \
             (/api/getqualityscorebysid); this profile uses the media API, which has none",
        ));
    }
    let from = parse_day("from", &q.from)?;
    let to = parse_day("to", &q.to)?;
    if from > to {
        return Err(Error::invalid(
            "from",
            format!("{from} is after {to}; the range must run forward"),
        ));
    }
    let days = (to - from).num_days();
    if days > MAX_QUALITY_RANGE_DAYS {
        return Err(Error::invalid(
            "to",
            format!(
                "{to} is {days} days after {from}; Meituan allows at most \
                 {MAX_QUALITY_RANGE_DAYS} (日期间隔最长为90天)"
            ),
        ));
    }
    let earliest = earliest_day(beijing_day(clock.now()));
    if from < earliest {
        return Err(Error::invalid(
            "from",
            format!(
                "Meituan serves quality scores only from {earliest} (近3个月); {from} is earlier"
            ),
        ));
    }
    let conn = store.connect()?;
    let sid =
        crate::links::sids::sql::by_code(&conn, &profile.id, q.sid.trim())?.ok_or_else(|| {
            Error::invalid(
                "sid",
                format!(
                    "{:?} is not a sid of profile {}; add it first",
                    q.sid, profile.name
                ),
            )
        })?;
    Ok(Checked {
        sid: sid.sid,
        sid_name: sid.name,
        from,
        to,
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// When the range was last fetched today (Beijing day), if it was.
fn fetched_today(
    conn: &Connection,
    profile_id: &str,
    c: &Checked,
    today: NaiveDate,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT fetched_at FROM quality_fetches
             WHERE profile_id = ?1 AND sid = ?2 AND score_type = ?3 AND fetched_day = ?4
               AND first_day <= ?5 AND last_day >= ?6
             ORDER BY fetched_at DESC LIMIT 1",
            params![
                profile_id,
                c.sid,
                SCORE_TYPE.code(),
                day(today),
                day(c.from),
                day(c.to)
            ],
            |r| r.get(0),
        )
        .optional()?)
}

fn stored_rows(conn: &Connection, profile_id: &str, c: &Checked) -> Result<Vec<QualityRow>> {
    let mut stmt = conn.prepare(
        "SELECT day, quality_grade, repurchase_rate FROM quality_scores
         WHERE profile_id = ?1 AND sid = ?2 AND score_type = ?3 AND day BETWEEN ?4 AND ?5
         ORDER BY day",
    )?;
    let rows = stmt.query_map(
        params![profile_id, c.sid, SCORE_TYPE.code(), day(c.from), day(c.to)],
        |r| {
            Ok(QualityRow {
                date: r.get(0)?,
                quality_grade: r.get(1)?,
                repurchase_rate: r.get(2)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn cached_report(
    store: &Store,
    clock: &dyn Clock,
    profile: &Profile,
    c: &Checked,
) -> Result<Option<QualityReport>> {
    let conn = store.connect()?;
    let Some(fetched_at) = fetched_today(&conn, &profile.id, c, beijing_day(clock.now()))? else {
        return Ok(None);
    };
    Ok(Some(QualityReport {
        sid: c.sid.clone(),
        sid_name: c.sid_name.clone(),
        from: day(c.from),
        to: day(c.to),
        rows: stored_rows(&conn, &profile.id, c)?,
        calls: 0,
        cached: true,
        fetched_at,
    }))
}

/// What fetching `q` would cost now, with the stored answer when it is
/// free. Makes no call; refuses what [`fetch`] refuses.
pub fn preview(
    store: &Store,
    clock: &dyn Clock,
    profile: &Profile,
    q: &QualityQuery,
) -> Result<QualityPreview> {
    let c = check(store, clock, profile, q)?;
    Ok(match cached_report(store, clock, profile, &c)? {
        Some(report) => QualityPreview {
            calls: 0,
            report: Some(report),
        },
        // One sid over at most 91 days is at most 91 rows: one page.
        None => QualityPreview {
            calls: 1,
            report: None,
        },
    })
}

/// The quality scores of one sid over a range: from the store when the
/// range was fetched today and `refresh` is false (0 calls), otherwise from
/// Meituan (one call per page of 100 rows; one for any valid range).
pub async fn fetch(
    api: &Api,
    profile: &Profile,
    q: &QualityQuery,
    refresh: bool,
) -> Result<QualityReport> {
    let store = api.store();
    let clock = api.clock();
    let c = check(store, clock, profile, q)?;
    if !refresh {
        if let Some(report) = cached_report(store, clock, profile, &c)? {
            return Ok(report);
        }
    }
    let mut calls = 0u32;
    let mut rows: Vec<QualityRow> = Vec::new();
    let mut page_no = 1u32;
    loop {
        let request = QualityScoreRequest {
            sid: Some(c.sid.clone()),
            score_type: SCORE_TYPE,
            business_line: BusinessLine::Youxuan,
            begin_date: c.from,
            end_date: c.to,
            city_id: None,
            category_id: None,
            promotion_type: None,
            page_no,
            page_size: PAGE_SIZE,
        };
        let response = api.legacy(profile, &request).await?;
        calls += 1;
        let got = response.scores.len();
        for s in response.scores {
            // Only this sid's rows, on a readable day inside the range.
            if s.sid.as_deref().is_some_and(|sid| sid != c.sid) {
                continue;
            }
            let Some(date) = s
                .date
                .as_deref()
                .and_then(|d| parse_day("date", d).ok())
                .filter(|d| (c.from..=c.to).contains(d))
            else {
                continue;
            };
            rows.push(QualityRow {
                date: day(date),
                quality_grade: s.quality_grade,
                repurchase_rate: s.repurchase_rate,
            });
        }
        let seen = (page_no as i64 - 1) * PAGE_SIZE as i64 + got as i64;
        if got < PAGE_SIZE as usize || seen >= response.total {
            break;
        }
        page_no += 1;
    }
    rows.sort_by(|a, b| a.date.cmp(&b.date));
    rows.dedup_by(|a, b| a.date == b.date);
    let now = clock.now();
    let fetched_at = beijing_rfc3339(now);
    let mut conn = store.connect()?;
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM quality_scores
         WHERE profile_id = ?1 AND sid = ?2 AND score_type = ?3 AND day BETWEEN ?4 AND ?5",
        params![profile.id, c.sid, SCORE_TYPE.code(), day(c.from), day(c.to)],
    )?;
    for r in &rows {
        tx.execute(
            "INSERT INTO quality_scores (profile_id, sid, score_type, day, quality_grade,
                 repurchase_rate, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                profile.id,
                c.sid,
                SCORE_TYPE.code(),
                r.date,
                r.quality_grade,
                r.repurchase_rate,
                fetched_at
            ],
        )?;
    }
    let today = day(beijing_day(now));
    // Only today's fetches answer from the store: older records go.
    tx.execute(
        "DELETE FROM quality_fetches WHERE profile_id = ?1 AND sid = ?2 AND fetched_day <> ?3",
        params![profile.id, c.sid, today],
    )?;
    tx.execute(
        "INSERT INTO quality_fetches (profile_id, sid, score_type, first_day, last_day,
             fetched_day, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            profile.id,
            c.sid,
            SCORE_TYPE.code(),
            day(c.from),
            day(c.to),
            today,
            fetched_at
        ],
    )?;
    tx.commit()?;
    Ok(QualityReport {
        sid: c.sid,
        sid_name: c.sid_name,
        from: day(c.from),
        to: day(c.to),
        rows,
        calls,
        cached: false,
        fetched_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_dates_are_strict_yyyy_mm_dd() {
        assert!(parse_day("from", "2026-03-01").is_ok());
        for bad in [
            "2026-3-01",
            "20260301",
            "2026-02-30",
            "2026/03/01",
            "",
            "+026-03-01",
        ] {
            let e = parse_day("from", bad).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e:?}");
        }
    }

    #[test]
    fn quality_earliest_day_is_the_first_of_the_month_three_months_back() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(earliest_day(d("2026-03-10")), d("2025-12-01"));
        assert_eq!(earliest_day(d("2026-05-31")), d("2026-02-01"));
    }
}
