//! Queries for the `profiles` table. No secret ever passes through here.

use crate::error::{Error, Result};
use crate::profiles::Profile;
use crate::secrets::vault::SecretKind;
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "id, name, appkey, generation, base_url, sandbox, tier, auth_status, \
     auth_applications, auth_applied_at, api_secret_hint, callback_secret_hint, created_at, \
     auth_checked_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    // Enum columns are CHECK-constrained, so a parse failure means a damaged file.
    fn parse<T: std::str::FromStr>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
        let raw: String = r.get(i)?;
        raw.parse().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("unexpected value {raw:?}").into(),
            )
        })
    }
    Ok(Profile {
        id: r.get(0)?,
        name: r.get(1)?,
        appkey: r.get(2)?,
        generation: parse(r, 3)?,
        base_url: r.get(4)?,
        sandbox: r.get(5)?,
        tier: parse(r, 6)?,
        auth_status: parse(r, 7)?,
        auth_applications: r.get(8)?,
        auth_applied_at: r.get(9)?,
        api_secret_hint: r.get(10)?,
        callback_secret_hint: r.get(11)?,
        created_at: r.get(12)?,
        auth_checked_at: r.get(13)?,
    })
}

pub fn insert(conn: &Connection, p: &Profile) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO profiles ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
        ),
        params![
            p.id,
            p.name,
            p.appkey,
            p.generation.as_str(),
            p.base_url,
            p.sandbox,
            p.tier.as_str(),
            p.auth_status.as_str(),
            p.auth_applications,
            p.auth_applied_at,
            p.api_secret_hint,
            p.callback_secret_hint,
            p.created_at,
            p.auth_checked_at,
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::invalid("name", "another profile already has this name")
        }
        e => e.into(),
    })?;
    Ok(())
}

pub fn list(conn: &Connection) -> Result<Vec<Profile>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM profiles ORDER BY created_at, name"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<Profile>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM profiles WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Case-insensitive (the column is `COLLATE NOCASE`).
pub fn get_by_name(conn: &Connection, name: &str) -> Result<Option<Profile>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM profiles WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?)
}

pub fn delete(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM profiles WHERE id = ?1", [id])? > 0)
}

pub fn set_hint(conn: &Connection, id: &str, kind: SecretKind, hint: Option<&str>) -> Result<()> {
    let sql = match kind {
        SecretKind::ApiSecret => "UPDATE profiles SET api_secret_hint = ?2 WHERE id = ?1",
        SecretKind::CallbackSecret => "UPDATE profiles SET callback_secret_hint = ?2 WHERE id = ?1",
    };
    conn.execute(sql, params![id, hint])?;
    Ok(())
}

pub fn update_fields(conn: &Connection, p: &Profile) -> Result<()> {
    conn.execute(
        "UPDATE profiles SET name = ?2, appkey = ?3, tier = ?4, base_url = ?5 WHERE id = ?1",
        params![p.id, p.name, p.appkey, p.tier.as_str(), p.base_url],
    )?;
    Ok(())
}

pub fn update_auth(conn: &Connection, p: &Profile) -> Result<()> {
    conn.execute(
        "UPDATE profiles SET auth_status = ?2, auth_applications = ?3, auth_applied_at = ?4,
         auth_checked_at = ?5 WHERE id = ?1",
        params![
            p.id,
            p.auth_status.as_str(),
            p.auth_applications,
            p.auth_applied_at,
            p.auth_checked_at
        ],
    )?;
    Ok(())
}
