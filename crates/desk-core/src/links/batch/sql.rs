//! Queries for `link_batches` and `link_batch_rows`.

use crate::error::{Error, ErrorCode, Result};
use crate::links::batch::{BatchCounts, BatchRow, BatchSummary, RowProblem, RowStatus};
use crate::links::{parse_types, types_text, TargetKind};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub fn insert_batch(
    conn: &Connection,
    profile_id: &str,
    created_at: &str,
    source: &str,
) -> Result<u32> {
    conn.execute(
        "INSERT INTO link_batches (profile_id, created_at, source) VALUES (?1, ?2, ?3)",
        params![profile_id, created_at, source],
    )?;
    Ok(conn.last_insert_rowid() as u32)
}

fn code_of(s: &str) -> Option<ErrorCode> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

pub fn insert_row(conn: &Connection, batch_id: u32, r: &BatchRow) -> Result<()> {
    conn.execute(
        "INSERT INTO link_batch_rows (batch_id, row_no, target_kind, target, sid, link_types,
                short_link, status, url, error_code, error, problem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            batch_id,
            r.row_no,
            r.target_kind.as_str(),
            r.target,
            r.sid,
            types_text(&r.link_types),
            r.short_link,
            r.status.as_str(),
            r.url,
            r.error_code.map(ErrorCode::name),
            r.error,
            problem_text(r.problem.as_ref())
        ],
    )?;
    Ok(())
}

/// Records a row's outcome.
pub fn finish_row(
    conn: &Connection,
    batch_id: u32,
    row_no: u32,
    status: RowStatus,
    url: Option<&str>,
    error: Option<&Error>,
) -> Result<()> {
    conn.execute(
        "UPDATE link_batch_rows SET status = ?3, url = ?4, error_code = ?5, error = ?6,
                problem = ?7
         WHERE batch_id = ?1 AND row_no = ?2",
        params![
            batch_id,
            row_no,
            status.as_str(),
            url,
            error.map(|e| e.code().name()),
            error.map(|e| e.to_string()),
            problem_text(error.and_then(RowProblem::of).as_ref())
        ],
    )?;
    Ok(())
}

/// Sets the batch's rows that failed with one of `codes` back to pending;
/// returns how many.
pub fn reset_errors(conn: &Connection, batch_id: u32, codes: &[ErrorCode]) -> Result<u32> {
    let mut n = 0;
    let mut stmt = conn.prepare_cached(
        "UPDATE link_batch_rows SET status = 'pending', url = NULL, error_code = NULL, error = NULL,
                problem = NULL
         WHERE batch_id = ?1 AND status = 'error' AND error_code = ?2",
    )?;
    for code in codes {
        n += stmt.execute(params![batch_id, code.name()])?;
    }
    Ok(n as u32)
}

const COLUMNS: &str = "row_no, target_kind, target, sid, link_types, short_link, status, url,
    error_code, error, problem";

fn problem_text(p: Option<&RowProblem>) -> Option<String> {
    p.and_then(|p| serde_json::to_string(p).ok())
}

fn read(r: &Row<'_>) -> rusqlite::Result<BatchRow> {
    let kind: String = r.get(1)?;
    let types: String = r.get(4)?;
    let status: String = r.get(6)?;
    let code: Option<String> = r.get(8)?;
    Ok(BatchRow {
        row_no: r.get(0)?,
        target_kind: TargetKind::parse(&kind).unwrap_or(TargetKind::Text),
        target: r.get(2)?,
        sid: r.get(3)?,
        link_types: parse_types(&types).unwrap_or_default(),
        short_link: r.get::<_, i64>(5)? != 0,
        status: RowStatus::parse(&status),
        url: r.get(7)?,
        error_code: code.as_deref().and_then(code_of),
        error: r.get(9)?,
        problem: r
            .get::<_, Option<String>>(10)?
            .and_then(|t| serde_json::from_str(&t).ok()),
    })
}

pub fn rows(conn: &Connection, batch_id: u32, offset: u32, limit: u32) -> Result<Vec<BatchRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM link_batch_rows WHERE batch_id = ?1 ORDER BY row_no
         LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![batch_id, i64::from(limit), offset], read)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn pending(conn: &Connection, batch_id: u32) -> Result<Vec<BatchRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM link_batch_rows WHERE batch_id = ?1 AND status = 'pending'
         ORDER BY row_no"
    ))?;
    let rows = stmt.query_map([batch_id], read)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn summary_of(r: &Row<'_>) -> rusqlite::Result<BatchSummary> {
    Ok(BatchSummary {
        id: r.get(0)?,
        created_at: r.get(1)?,
        source: r.get(2)?,
        counts: BatchCounts {
            rows: r.get(3)?,
            pending: r.get(4)?,
            done: r.get(5)?,
            library: r.get(6)?,
            error: r.get(7)?,
        },
    })
}

const SUMMARY: &str = "SELECT b.id, b.created_at, b.source, count(r.row_no),
        coalesce(sum(r.status = 'pending'), 0), coalesce(sum(r.status = 'done'), 0),
        coalesce(sum(r.status = 'library'), 0), coalesce(sum(r.status = 'error'), 0)
    FROM link_batches b LEFT JOIN link_batch_rows r ON r.batch_id = b.id";

pub fn summary(conn: &Connection, batch_id: u32) -> Result<Option<BatchSummary>> {
    Ok(conn
        .query_row(
            &format!("{SUMMARY} WHERE b.id = ?1 GROUP BY b.id"),
            [batch_id],
            summary_of,
        )
        .optional()?)
}

pub fn list(conn: &Connection, profile_id: &str) -> Result<Vec<BatchSummary>> {
    let mut stmt = conn.prepare(&format!(
        "{SUMMARY} WHERE b.profile_id = ?1 GROUP BY b.id ORDER BY b.id DESC"
    ))?;
    let rows = stmt.query_map([profile_id], summary_of)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
