//! Queries for `orders`: the upsert by order id and the Orders screen's reads.

use crate::error::Result;
use crate::orders::{
    beijing_date_of, beijing_day_start, OrderRow, OrderStats, OrderStatus, ResolvedFilter, Totals,
    UpsertCounts,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Inserts or updates each order (by `(profile_id, order_id)`), inside the
/// caller's transaction; a row seen again unchanged is not rewritten.
pub fn upsert(conn: &Connection, profile_id: &str, rows: &[OrderRow]) -> Result<UpsertCounts> {
    let mut counts = UpsertCounts::default();
    let mut existing = conn.prepare_cached(
        "SELECT mod_time, line_key, raw_json FROM orders WHERE profile_id = ?1 AND order_id = ?2",
    )?;
    let mut write = conn.prepare_cached(
        "INSERT INTO orders (profile_id, order_id, pay_time, mod_time, sid, status, raw_status,
                business_line, act_id, product_name, pay_price_cents, profit_cents,
                cpa_profit_cents, refund_price_cents, refund_profit_cents, raw_json, pay_day,
                platform, sub_business_line, line_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20)
         ON CONFLICT(profile_id, order_id) DO UPDATE SET
                pay_time = excluded.pay_time, mod_time = excluded.mod_time, sid = excluded.sid,
                status = excluded.status, raw_status = excluded.raw_status,
                business_line = excluded.business_line, act_id = excluded.act_id,
                product_name = excluded.product_name, pay_price_cents = excluded.pay_price_cents,
                profit_cents = excluded.profit_cents, cpa_profit_cents = excluded.cpa_profit_cents,
                refund_price_cents = excluded.refund_price_cents,
                refund_profit_cents = excluded.refund_profit_cents,
                raw_json = excluded.raw_json, pay_day = excluded.pay_day,
                platform = excluded.platform, sub_business_line = excluded.sub_business_line,
                line_key = excluded.line_key",
    )?;
    for o in rows {
        let before: Option<(i64, Option<String>, String)> = existing
            .query_row(params![profile_id, o.order_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match before {
            Some((mod_time, _, _)) if mod_time > o.mod_time => {
                // An older view of the order (an overlapping window read
                // before a later change) must not undo the change.
                counts.unchanged += 1;
                continue;
            }
            // Unchanged, unless the line key is new (an order stored before
            // keys existed, or placed by a different question).
            Some((_, key, raw)) if raw == o.raw_json && key == o.line_key => {
                counts.unchanged += 1;
                continue;
            }
            Some(_) => counts.updated += 1,
            None => counts.new += 1,
        }
        write.execute(params![
            profile_id,
            o.order_id,
            o.pay_time,
            o.mod_time,
            o.sid,
            o.status.stored(),
            o.raw_status,
            o.business_line,
            o.act_id,
            o.product_name,
            o.pay_price_cents,
            o.profit_cents,
            o.cpa_profit_cents,
            o.refund_price_cents,
            o.refund_profit_cents,
            o.raw_json,
            beijing_date_of(o.pay_time),
            o.platform,
            o.sub_business_line,
            o.line_key,
        ])?;
    }
    Ok(counts)
}

/// Stored orders per line key (orders without a line left out).
pub fn line_counts(conn: &Connection, profile_id: &str) -> Result<Vec<(String, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line_key, count(*) FROM orders
         WHERE profile_id = ?1 AND line_key IS NOT NULL GROUP BY line_key",
    )?;
    let rows = stmt.query_map(params![profile_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A stored `paid` row whose raw status a source names as paid: legacy
/// (no platform) 1 已付款, media 2 付款. Any other `paid` row holds an
/// unknown status ([`OrderStatus::Unknown`], stored as `paid`).
pub const KNOWN_PAID: &str =
    "((platform IS NULL AND raw_status = 1) OR (platform IS NOT NULL AND raw_status = 2))";

/// The status filter as SQL: `paid` and `unknown` split the stored `paid`
/// rows by [`KNOWN_PAID`].
fn status_clause(st: OrderStatus) -> String {
    match st {
        OrderStatus::Paid => format!(" AND status = 'paid' AND {KNOWN_PAID}"),
        OrderStatus::Unknown => format!(" AND status = 'paid' AND NOT {KNOWN_PAID}"),
        st => format!(" AND status = '{}'", st.as_str()),
    }
}

fn where_clause(profile_id: &str, f: &ResolvedFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("profile_id = ?");
    let mut args: Vec<SqlValue> = vec![SqlValue::Text(profile_id.to_owned())];
    if let Some(from) = f.from_s {
        sql.push_str(" AND pay_time >= ?");
        args.push(SqlValue::Integer(from));
    }
    if let Some(to) = f.to_s {
        sql.push_str(" AND pay_time <= ?");
        args.push(SqlValue::Integer(to));
    }
    if let Some(sid) = &f.sid {
        sql.push_str(" AND sid = ?");
        args.push(SqlValue::Text(sid.clone()));
    }
    if let Some(st) = f.status {
        sql.push_str(&status_clause(st));
    }
    if let Some(bl) = f.business_line {
        sql.push_str(" AND business_line = ?");
        args.push(SqlValue::Integer(i64::from(bl)));
    }
    if let Some(key) = &f.line_key {
        sql.push_str(" AND line_key = ?");
        args.push(SqlValue::Text(key.clone()));
    }
    (sql, args)
}

/// The filter over `order_day_totals` (migration 0015), when the kept totals
/// can answer it: dates that are whole Beijing days (as every
/// [`crate::orders::OrderFilter`] resolves to) and no bare `business_line`
/// (not kept; `mtu orders --business-line` only). The totals keep an order
/// of an undocumented status under `unknown` (migration 0020, by
/// [`KNOWN_PAID`]), so every status filter can be answered. `None`: scan
/// the orders.
fn totals_where_clause(profile_id: &str, f: &ResolvedFilter) -> Option<(String, Vec<SqlValue>)> {
    if f.business_line.is_some() {
        return None;
    }
    // A whole day: `from` is a day's first second, `to` a day's last.
    let day_of = |s: i64| {
        let day = beijing_date_of(s);
        let first = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .ok()
            .map(beijing_day_start)?;
        Some((day, first))
    };
    let mut sql = String::from("profile_id = ? AND orders > 0");
    let mut args: Vec<SqlValue> = vec![SqlValue::Text(profile_id.to_owned())];
    if let Some(from) = f.from_s {
        let (day, first) = day_of(from)?;
        if first != from {
            return None;
        }
        sql.push_str(" AND pay_day >= ?");
        args.push(SqlValue::Text(day));
    }
    if let Some(to) = f.to_s {
        let (day, first) = day_of(to)?;
        if first + 86_399 != to {
            return None;
        }
        sql.push_str(" AND pay_day <= ?");
        args.push(SqlValue::Text(day));
    }
    if let Some(sid) = &f.sid {
        sql.push_str(" AND sid = ?");
        args.push(SqlValue::Text(sid.clone()));
    }
    if let Some(st) = f.status {
        sql.push_str(" AND status = ?");
        args.push(SqlValue::Text(st.as_str().to_owned()));
    }
    if let Some(key) = &f.line_key {
        sql.push_str(" AND line_key = ?");
        args.push(SqlValue::Text(key.clone()));
    }
    Some((sql, args))
}

/// Orders matching the filter, from the kept day totals when they can
/// answer (see [`totals_where_clause`]), else counted.
pub fn count(conn: &Connection, profile_id: &str, f: &ResolvedFilter) -> Result<u32> {
    let Some((w, args)) = totals_where_clause(profile_id, f) else {
        return count_by_scan(conn, profile_id, f);
    };
    Ok(conn.query_row(
        &format!("SELECT coalesce(sum(orders), 0) FROM order_day_totals WHERE {w}"),
        rusqlite::params_from_iter(args),
        |r| r.get(0),
    )?)
}

/// Orders matching the filter, counted one by one.
pub fn count_by_scan(conn: &Connection, profile_id: &str, f: &ResolvedFilter) -> Result<u32> {
    let (w, args) = where_clause(profile_id, f);
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM orders WHERE {w}"),
        rusqlite::params_from_iter(args),
        |r| r.get(0),
    )?)
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    let status: String = r.get(4)?;
    let raw_status: i32 = r.get(5)?;
    let platform: Option<i32> = r.get(15)?;
    let status = match OrderStatus::parse(&status).unwrap_or(OrderStatus::Unknown) {
        // See KNOWN_PAID: an unknown status is kept as `paid`.
        OrderStatus::Paid if raw_status != if platform.is_none() { 1 } else { 2 } => {
            OrderStatus::Unknown
        }
        st => st,
    };
    Ok(OrderRow {
        order_id: r.get(0)?,
        pay_time: r.get(1)?,
        mod_time: r.get(2)?,
        sid: r.get(3)?,
        status,
        raw_status,
        business_line: r.get(6)?,
        platform,
        sub_business_line: r.get(16)?,
        line_key: r.get(17)?,
        act_id: r.get(7)?,
        product_name: r.get(8)?,
        pay_price_cents: r.get(9)?,
        profit_cents: r.get(10)?,
        cpa_profit_cents: r.get(11)?,
        refund_price_cents: r.get(12)?,
        refund_profit_cents: r.get(13)?,
        raw_json: r.get(14)?,
    })
}

/// Rows matching the filter, newest payment first.
pub fn page(
    conn: &Connection,
    profile_id: &str,
    f: &ResolvedFilter,
    offset: u32,
    limit: u32,
) -> Result<Vec<OrderRow>> {
    let (w, mut args) = where_clause(profile_id, f);
    args.push(SqlValue::Integer(i64::from(limit)));
    args.push(SqlValue::Integer(i64::from(offset)));
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM orders WHERE {w} {NEWEST_FIRST} LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), read_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The columns [`read_row`] reads, in its order.
const ROW_COLUMNS: &str = "order_id, pay_time, mod_time, sid, status, raw_status, business_line,
    act_id, product_name, pay_price_cents, profit_cents, cpa_profit_cents, refund_price_cents,
    refund_profit_cents, raw_json, platform, sub_business_line, line_key";

/// The table's order; `orders_by_pay_time_id` (migration 0015) holds it.
const NEWEST_FIRST: &str = "ORDER BY pay_time DESC, order_id DESC";

/// Hands every row matching the filter to `each`, newest payment first, one
/// at a time off SQLite's cursor: memory stays flat however many match (an
/// export of every order). Stops at the first error `each` returns.
pub fn for_each(
    conn: &Connection,
    profile_id: &str,
    f: &ResolvedFilter,
    mut each: impl FnMut(OrderRow) -> Result<()>,
) -> Result<()> {
    let (w, args) = where_clause(profile_id, f);
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM orders WHERE {w} {NEWEST_FIRST}"
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    while let Some(r) = rows.next()? {
        each(read_row(r)?)?;
    }
    Ok(())
}

const TOTALS: &str = "count(*), coalesce(sum(pay_price_cents), 0),
    coalesce(sum(profit_cents + cpa_profit_cents), 0),
    coalesce(sum(CASE WHEN status IN ('paid', 'completed', 'settled')
                      THEN profit_cents + cpa_profit_cents ELSE 0 END), 0),
    coalesce(sum(refund_price_cents), 0)";

fn totals_of(r: &Row<'_>, key: String, first: usize) -> rusqlite::Result<Totals> {
    Ok(Totals {
        key,
        orders: r.get(first)?,
        pay_price_cents: r.get(first + 1)?,
        commission_cents: r.get(first + 2)?,
        valid_commission_cents: r.get(first + 3)?,
        refund_price_cents: r.get(first + 4)?,
    })
}

/// Totals overall, per sid (largest commission first) and per Beijing day,
/// from the kept day totals when they can answer (see
/// [`totals_where_clause`]), else from the orders ([`stats_by_scan`]).
pub fn stats(conn: &Connection, profile_id: &str, f: &ResolvedFilter) -> Result<OrderStats> {
    let Some((w, args)) = totals_where_clause(profile_id, f) else {
        return stats_by_scan(conn, profile_id, f);
    };
    // One pass: the sums per (day, sid), folded into days, sids and the total.
    let mut stmt = conn.prepare(&format!(
        "SELECT pay_day, sid, sum(orders), sum(pay_price_cents), sum(commission_cents),
                sum(CASE WHEN status IN ('paid', 'completed', 'settled', 'unknown')
                         THEN commission_cents ELSE 0 END),
                sum(refund_price_cents)
         FROM order_day_totals WHERE {w} GROUP BY pay_day, sid ORDER BY pay_day"
    ))?;
    let mut total = Totals::default();
    let mut by_day: Vec<Totals> = Vec::new();
    let mut by_sid: std::collections::HashMap<String, Totals> = std::collections::HashMap::new();
    let add = |t: &mut Totals, g: &Totals| {
        t.orders += g.orders;
        t.pay_price_cents += g.pay_price_cents;
        t.commission_cents += g.commission_cents;
        t.valid_commission_cents += g.valid_commission_cents;
        t.refund_price_cents += g.refund_price_cents;
    };
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    while let Some(r) = rows.next()? {
        let day: String = r.get(0)?;
        let sid: String = r.get(1)?;
        let g = totals_of(r, String::new(), 2)?;
        add(&mut total, &g);
        match by_day.last_mut() {
            Some(d) if d.key == day => add(d, &g),
            _ => by_day.push(Totals {
                key: day,
                ..g.clone()
            }),
        }
        let s = by_sid.entry(sid).or_insert_with_key(|sid| Totals {
            key: sid.clone(),
            ..Totals::default()
        });
        add(s, &g);
    }
    let mut by_sid: Vec<Totals> = by_sid.into_values().collect();
    // As the scan orders them: largest commission first, then by sid.
    by_sid.sort_by(|a, b| {
        b.commission_cents
            .cmp(&a.commission_cents)
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(OrderStats {
        total,
        by_sid,
        by_day,
    })
}

/// [`stats`] computed from the orders themselves (filters the kept totals
/// cannot answer; tests compare the two).
pub fn stats_by_scan(
    conn: &Connection,
    profile_id: &str,
    f: &ResolvedFilter,
) -> Result<OrderStats> {
    let (w, args) = where_clause(profile_id, f);
    let total = conn.query_row(
        &format!("SELECT {TOTALS} FROM orders WHERE {w}"),
        rusqlite::params_from_iter(args.clone()),
        |r| totals_of(r, String::new(), 0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT sid, {TOTALS} FROM orders WHERE {w} GROUP BY sid
         ORDER BY 4 DESC, sid"
    ))?;
    let by_sid = stmt
        .query_map(rusqlite::params_from_iter(args.clone()), |r| {
            totals_of(r, r.get(0)?, 1)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare(&format!(
        "SELECT pay_day, {TOTALS} FROM orders WHERE {w} GROUP BY pay_day ORDER BY pay_day"
    ))?;
    let by_day = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            totals_of(r, r.get(0)?, 1)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(OrderStats {
        total,
        by_sid,
        by_day,
    })
}

/// Orders whose latest change falls in `[from, to]` (epoch s), for estimates.
pub fn modified_between(conn: &Connection, profile_id: &str, from: i64, to: i64) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM orders WHERE profile_id = ?1 AND mod_time BETWEEN ?2 AND ?3",
        params![profile_id, from, to],
        |r| r.get(0),
    )?)
}

/// One stored order by id.
pub fn get(conn: &Connection, profile_id: &str, order_id: &str) -> Result<Option<OrderRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM orders WHERE profile_id = ?1 AND order_id = ?2"
    ))?;
    Ok(stmt
        .query_row(params![profile_id, order_id], read_row)
        .optional()?)
}
