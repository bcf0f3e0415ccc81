//! Queries for `quota_days` and `call_log`: the ledger's storage. Each
//! reservation is one IMMEDIATE transaction, which SQLite serializes across
//! threads and processes sharing the file.

use crate::error::Result;
use crate::gateway::quota::ObservationKind;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// One day's counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub day: String,
    pub used: u32,
    pub server_exhausted_at: Option<String>,
    /// Meituan accepted a probe after the day was used up: calls go
    /// through again until Meituan refuses one.
    pub reopened: bool,
    /// The call-log row of the day's latest probe.
    pub probe_call_id: Option<i64>,
}

impl DayRow {
    /// Closed by a quota refusal from Meituan (and not reopened since).
    pub fn server_closed(&self) -> bool {
        self.server_exhausted_at.is_some() && !self.reopened
    }
}

/// What a reservation attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserve {
    /// Counted; the call log row to complete afterwards.
    Granted { call_id: i64, used: u32 },
    /// Nothing counted: the limit is reached or the server said so.
    Refused { used: u32 },
    /// A probe was asked for, but the day is not used up.
    ProbeNotNeeded,
    /// A probe was asked for while the day's previous one is still pending.
    ProbeInFlight,
}

pub struct NewCall<'a> {
    pub profile_id: &'a str,
    pub appkey: &'a str,
    pub day: &'a str,
    pub started_at: &'a str,
    pub endpoint: &'a str,
    /// The one call the user asked for beyond a used-up day.
    pub probe: bool,
}

/// Whether a day is used up for the ledger: closed by Meituan, or the local
/// count at `limit`, unless Meituan accepted a probe since.
pub fn used_up(row: Option<&DayRow>, limit: Option<u32>) -> bool {
    let Some(r) = row else {
        return limit == Some(0);
    };
    !r.reopened && (r.server_exhausted_at.is_some() || limit.is_some_and(|l| r.used >= l))
}

/// Counts one call if the day allows it, and opens its call-log row, in one
/// transaction: either both happen or neither. A probe is counted only when
/// the day is used up and no other probe is pending (one at a time); it
/// is a call beyond the day's count.
pub fn reserve(conn: &mut Connection, call: &NewCall<'_>, limit: Option<u32>) -> Result<Reserve> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let row = day_in(&tx, call.appkey, call.day)?;
    let used = row.as_ref().map_or(0, |r| r.used);
    let used_up = used_up(row.as_ref(), limit);
    if call.probe {
        if !used_up {
            return Ok(Reserve::ProbeNotNeeded);
        }
        if let Some(id) = row.as_ref().and_then(|r| r.probe_call_id) {
            let pending: bool = tx
                .query_row(
                    "SELECT outcome = 'pending' FROM call_log WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false);
            if pending {
                return Ok(Reserve::ProbeInFlight);
            }
        }
    } else if used_up {
        return Ok(Reserve::Refused { used });
    }
    tx.execute(
        "INSERT INTO quota_days (appkey, day, used) VALUES (?1, ?2, 1)
         ON CONFLICT(appkey, day) DO UPDATE SET used = used + 1",
        params![call.appkey, call.day],
    )?;
    tx.execute(
        "INSERT INTO call_log (profile_id, appkey, day, started_at, endpoint, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
        params![
            call.profile_id,
            call.appkey,
            call.day,
            call.started_at,
            call.endpoint
        ],
    )?;
    let call_id = tx.last_insert_rowid();
    if call.probe {
        tx.execute(
            "UPDATE quota_days SET probe_call_id = ?3 WHERE appkey = ?1 AND day = ?2",
            params![call.appkey, call.day, call_id],
        )?;
    }
    tx.commit()?;
    Ok(Reserve::Granted {
        call_id,
        used: used + 1,
    })
}

pub struct Finished<'a> {
    pub call_id: i64,
    pub ok: bool,
    pub http_status: Option<u16>,
    pub api_code: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub latency_ms: u64,
    /// The server refused for quota: close the day.
    pub exhausts_day: Option<&'a str>,
    /// The API that answered documents its quota refusal (the media API's
    /// 403), so its other refusals say nothing about the quota. The legacy
    /// API documents none (provenance row 25), so any refusal ends
    /// a day reopened by a probe.
    pub quota_refusal_documented: bool,
    /// The call-log row's appkey and Beijing day (`YYYY-MM-DD`).
    pub appkey: &'a str,
    pub day: &'a str,
    /// Who called, against which assumed limit, and whether it was a probe:
    /// what an observation records.
    pub profile_id: &'a str,
    pub limit: Option<u32>,
    pub probe: bool,
    /// Now (RFC 3339, +08:00) and the Beijing day before which a profile's
    /// observations are pruned.
    pub now: &'a str,
    pub prune_before: &'a str,
}

/// An observation's kind as the `quota_observations.kind` column spells it.
impl ObservationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationKind::EarlyRefusal => "early_refusal",
            ObservationKind::AcceptedAfterUsedUp => "accepted_after_used_up",
            ObservationKind::ProbeRefused => "probe_refused",
            ObservationKind::RefusedAboveLimit => "refused_above_limit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "early_refusal" => Some(ObservationKind::EarlyRefusal),
            "accepted_after_used_up" => Some(ObservationKind::AcceptedAfterUsedUp),
            "probe_refused" => Some(ObservationKind::ProbeRefused),
            "refused_above_limit" => Some(ObservationKind::RefusedAboveLimit),
            _ => None,
        }
    }
}

/// Completes a call-log row, closes the day on a server quota refusal,
/// reopens it when Meituan accepted a probe, and keeps what that showed
/// about the quota as an observation. Returns the observation, if any.
pub fn finish(conn: &mut Connection, f: &Finished<'_>) -> Result<Option<ObservationKind>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE call_log SET outcome = ?2, http_status = ?3, api_code = ?4, error_code = ?5,
                latency_ms = ?6
         WHERE id = ?1",
        params![
            f.call_id,
            if f.ok { "ok" } else { "error" },
            f.http_status,
            f.api_code,
            f.error_code,
            i64::try_from(f.latency_ms).unwrap_or(i64::MAX),
        ],
    )?;
    let (appkey, day) = (f.appkey, f.day);
    if f.ok && !f.probe {
        // An accepted ordinary call: nothing to learn about the quota.
        tx.commit()?;
        return Ok(None);
    }
    let before = day_in(&tx, appkey, day)?;
    let mut observed = None;
    if let Some(at) = f.exhausts_day {
        // The first refusal of the day, or the first since a reopening,
        // sets the time; later ones keep it.
        tx.execute(
            "UPDATE quota_days
                SET server_exhausted_at = CASE WHEN reopened = 1 OR server_exhausted_at IS NULL
                                               THEN ?3 ELSE server_exhausted_at END,
                    reopened = 0
              WHERE appkey = ?1 AND day = ?2",
            params![appkey, day, at],
        )?;
        let newly_closed = before.as_ref().is_some_and(|r| !r.server_closed());
        let used = before.as_ref().map_or(0, |r| r.used);
        if f.probe {
            observed = Some(ObservationKind::ProbeRefused);
        } else if newly_closed && f.limit.is_some_and(|l| used < l) {
            // `used` counts the refused call, so a refusal of the call that
            // reaches the limit is one short of it: within what an
            // interrupted or concurrent call blurs, so not kept as early.
            observed = Some(ObservationKind::EarlyRefusal);
        } else if before.as_ref().is_some_and(|r| r.reopened) && f.limit.is_some_and(|l| used > l) {
            // A day reopened by an accepted probe ends here: Meituan took
            // `used - 1` calls, more than the limit we assumed.
            observed = Some(ObservationKind::RefusedAboveLimit);
        }
    } else if f.probe && f.ok {
        tx.execute(
            "UPDATE quota_days SET reopened = 1 WHERE appkey = ?1 AND day = ?2",
            params![appkey, day],
        )?;
        observed = Some(ObservationKind::AcceptedAfterUsedUp);
    } else if !f.ok
        && !f.quota_refusal_documented
        && f.api_code.is_some()
        && before.as_ref().is_some_and(|r| r.reopened)
    {
        // A reopened legacy day ends at Meituan's first refusal of any kind:
        // the legacy API documents no quota refusal, so none can be told
        // apart. A media refusal other than 403 leaves it open.
        tx.execute(
            "UPDATE quota_days SET reopened = 0 WHERE appkey = ?1 AND day = ?2",
            params![appkey, day],
        )?;
    }
    // An observation is against an assumed limit; unlimited has none.
    let observed = observed.filter(|_| f.limit.is_some());
    if let (Some(kind), Some(limit)) = (observed, f.limit) {
        let used = before.as_ref().map_or(0, |r| r.used);
        tx.execute(
            "INSERT INTO quota_observations (profile_id, observed_at, day, kind, used, assumed_limit)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM profiles WHERE id = ?1)",
            params![f.profile_id, f.now, day, kind.as_str(), used, limit],
        )?;
        tx.execute(
            "DELETE FROM quota_observations WHERE profile_id = ?1 AND day < ?2",
            params![f.profile_id, f.prune_before],
        )?;
    }
    tx.commit()?;
    Ok(observed)
}

/// One kept observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationRow {
    pub observed_at: String,
    pub day: String,
    pub kind: ObservationKind,
    pub used: u32,
    pub assumed_limit: u32,
}

/// A profile's observations from `from` (YYYY-MM-DD) on, newest first.
pub fn observations(
    conn: &Connection,
    profile_id: &str,
    from: &str,
) -> Result<Vec<ObservationRow>> {
    let mut stmt = conn.prepare(
        // Per appkey, as the count is: every profile sharing the appkey sees
        // the same observations (one row for the same sight kept twice).
        "SELECT observed_at, day, kind, used, assumed_limit FROM quota_observations
         WHERE profile_id IN (SELECT id FROM profiles
                               WHERE appkey = (SELECT appkey FROM profiles WHERE id = ?1))
           AND day >= ?2
         GROUP BY observed_at, day, kind, used, assumed_limit
         ORDER BY observed_at DESC, max(id) DESC",
    )?;
    let rows = stmt.query_map(params![profile_id, from], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, u32>(3)?,
            r.get::<_, u32>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (observed_at, day, kind, used, assumed_limit) = row?;
        if let Some(kind) = ObservationKind::parse(&kind) {
            out.push(ObservationRow {
                observed_at,
                day,
                kind,
                used,
                assumed_limit,
            });
        }
    }
    Ok(out)
}

/// A profile's learned daily limit: (limit, tier it was learned for, set at).
pub fn learned_limit(conn: &Connection, profile_id: &str) -> Result<Option<(u32, String, String)>> {
    Ok(conn
        .query_row(
            // Per appkey, as the count is: kept on one profile of the appkey.
            "SELECT daily_limit, tier, set_at FROM quota_learned_limits
              WHERE profile_id IN (SELECT id FROM profiles
                                    WHERE appkey = (SELECT appkey FROM profiles WHERE id = ?1))
              ORDER BY set_at DESC LIMIT 1",
            [profile_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// Sets (or with `None` clears) the learned daily limit of a profile's
/// appkey: one per appkey, as the count is, kept on this profile's row.
pub fn set_learned_limit(
    conn: &Connection,
    profile_id: &str,
    limit: Option<(u32, &str, &str)>,
) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "DELETE FROM quota_learned_limits
          WHERE profile_id IN (SELECT id FROM profiles
                                WHERE appkey = (SELECT appkey FROM profiles WHERE id = ?1))",
        [profile_id],
    )?;
    if let Some((daily_limit, tier, set_at)) = limit {
        tx.execute(
            "INSERT INTO quota_learned_limits (profile_id, daily_limit, tier, set_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![profile_id, daily_limit, tier, set_at],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Takes back a reservation whose request never left the process (it was
/// refused before sending), so the server cannot have counted it.
pub fn cancel(conn: &mut Connection, call_id: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE quota_days SET used = max(used - 1, 0)
         WHERE (appkey, day) = (SELECT appkey, day FROM call_log WHERE id = ?1 AND outcome = 'pending')",
        [call_id],
    )?;
    tx.execute(
        "DELETE FROM call_log WHERE id = ?1 AND outcome = 'pending'",
        [call_id],
    )?;
    tx.commit()?;
    Ok(())
}

/// What [`settle_interrupted`] writes as a settled row's `error_code`.
pub const INTERRUPTED: &str = "interrupted";

/// Settings key: every call-log row below this id is settled (not pending),
/// so a start scans only the rows written since.
const SETTLED_BELOW_KEY: &str = "quota.call_log_settled_below";

/// Closes the call-log rows a process left `pending` because it ended
/// (killed, crashed, power cut) between counting a call and recording how
/// it went: they become errors with the code [`INTERRUPTED`]. The day's
/// count keeps them: the request may have reached Meituan. Only rows
/// started before `started_before` (RFC 3339, +08:00, as the ledger writes
/// them) when given, so a live process's calls in flight are left alone.
/// Returns how many rows were settled.
pub fn settle_interrupted(conn: &mut Connection, started_before: Option<&str>) -> Result<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from: i64 = crate::settings::sql::get(&tx, SETTLED_BELOW_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let n = tx.execute(
        "UPDATE call_log SET outcome = 'error', error_code = ?1
         WHERE id >= ?2 AND outcome = 'pending' AND (?3 IS NULL OR started_at < ?3)",
        params![INTERRUPTED, from, started_before],
    )?;
    let next: i64 = tx.query_row(
        "SELECT coalesce(
            (SELECT min(id) FROM call_log WHERE id >= ?1 AND outcome = 'pending'),
            (SELECT coalesce(max(id), 0) + 1 FROM call_log))",
        [from],
        |r| r.get(0),
    )?;
    if next != from {
        crate::settings::sql::put(&tx, SETTLED_BELOW_KEY, &next.to_string())?;
    }
    tx.commit()?;
    Ok(n as u32)
}

fn day_in(conn: &Connection, appkey: &str, day: &str) -> Result<Option<DayRow>> {
    Ok(conn
        .query_row(
            "SELECT day, used, server_exhausted_at, reopened, probe_call_id FROM quota_days
             WHERE appkey = ?1 AND day = ?2",
            params![appkey, day],
            day_row,
        )
        .optional()?)
}

fn day_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DayRow> {
    Ok(DayRow {
        day: r.get(0)?,
        used: r.get(1)?,
        server_exhausted_at: r.get(2)?,
        reopened: r.get::<_, i64>(3)? != 0,
        probe_call_id: r.get(4)?,
    })
}

pub fn day(conn: &Connection, appkey: &str, day: &str) -> Result<Option<DayRow>> {
    day_in(conn, appkey, day)
}

/// Days from `from` to `to` inclusive (YYYY-MM-DD) that have a counter.
pub fn days_between(conn: &Connection, appkey: &str, from: &str, to: &str) -> Result<Vec<DayRow>> {
    let mut stmt = conn.prepare(
        "SELECT day, used, server_exhausted_at, reopened, probe_call_id FROM quota_days
         WHERE appkey = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
    )?;
    let rows = stmt.query_map(params![appkey, from, to], day_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One call-log row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub id: i64,
    pub profile_id: Option<String>,
    pub started_at: String,
    pub endpoint: String,
    pub outcome: String,
    pub http_status: Option<u16>,
    pub api_code: Option<String>,
    pub error_code: Option<String>,
    pub latency_ms: Option<u64>,
}

/// The latest calls of an appkey, newest first.
pub fn recent_calls(conn: &Connection, appkey: &str, limit: u32) -> Result<Vec<CallRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, profile_id, started_at, endpoint, outcome, http_status, api_code,
                error_code, latency_ms
         FROM call_log WHERE appkey = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![appkey, limit], |r| {
        Ok(CallRow {
            id: r.get(0)?,
            profile_id: r.get(1)?,
            started_at: r.get(2)?,
            endpoint: r.get(3)?,
            outcome: r.get(4)?,
            http_status: r.get(5)?,
            api_code: r.get(6)?,
            error_code: r.get(7)?,
            latency_ms: r.get::<_, Option<i64>>(8)?.map(|v| v.max(0) as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many call-log rows a day has (the ledger's own consistency check).
pub fn calls_on(conn: &Connection, appkey: &str, day: &str) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM call_log WHERE appkey = ?1 AND day = ?2",
        params![appkey, day],
        |r| r.get(0),
    )?)
}
