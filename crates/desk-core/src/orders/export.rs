//! Orders export: the columns, the cells, and the streaming write with progress.

use super::*;

/// The columns of an order export, in order.
pub const EXPORT_HEADERS: [&str; 17] = [
    "order_id",
    "pay_time",
    "mod_time",
    "sid",
    "status",
    "raw_status",
    "platform",
    "business_line",
    "sub_business_line",
    "business_line_name",
    "act_id",
    "product_name",
    "pay_price",
    "profit",
    "cpa_profit",
    "refund_price",
    "refund_profit",
];

use meituan_union::beijing::time_of_epoch_s as beijing_time;

/// One order as export cells (times in Beijing, money in yuan).
pub fn export_cells(o: &OrderRow) -> Vec<crate::export::Cell> {
    use crate::export::Cell;
    vec![
        Cell::Text(o.order_id.clone()),
        Cell::Text(beijing_time(o.pay_time)),
        Cell::Text(beijing_time(o.mod_time)),
        Cell::Text(o.sid.clone()),
        Cell::Text(o.status.as_str().to_owned()),
        Cell::Int(i64::from(o.raw_status)),
        o.platform.map_or(Cell::Empty, |p| Cell::Int(i64::from(p))),
        o.business_line
            .map_or(Cell::Empty, |b| Cell::Int(i64::from(b))),
        o.sub_business_line
            .map_or(Cell::Empty, |b| Cell::Int(i64::from(b))),
        // Meituan's own (Chinese) name; empty when no source names the line.
        o.line()
            .and_then(|l| l.name())
            .map_or(Cell::Empty, |n| Cell::Text(n.zh.to_owned())),
        o.act_id.clone().map_or(Cell::Empty, Cell::Text),
        o.product_name.clone().map_or(Cell::Empty, Cell::Text),
        Cell::Money(o.pay_price_cents),
        Cell::Money(o.profit_cents),
        Cell::Money(o.cpa_profit_cents),
        Cell::Money(o.refund_price_cents),
        Cell::Money(o.refund_profit_cents),
    ]
}

/// Writes the filtered orders to `path` as CSV or XLSX (by `format`);
/// returns how many rows were written.
pub fn export(
    store: &Store,
    profile_id: &str,
    filter: &OrderFilter,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
) -> Result<u32> {
    export_with_progress(store, profile_id, filter, format, path, |_, _| {})
}

/// Rows between two progress reports of an export.
pub const EXPORT_PROGRESS_EVERY: u32 = 2_000;

/// [`export`], streamed: the orders come off SQLite one at a time into the
/// file, and `progress(done, total)` is called with `(0, total)` first,
/// then every [`EXPORT_PROGRESS_EVERY`] rows and once at the end. The count
/// and the rows are read in one transaction, so `total` is exactly what is
/// written even while a sync stores more orders.
pub fn export_with_progress(
    store: &Store,
    profile_id: &str,
    filter: &OrderFilter,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
    progress: impl Fn(u32, u32),
) -> Result<u32> {
    let f = filter.resolve()?;
    let mut conn = store.connect()?;
    // A read transaction: one snapshot for the count and the rows.
    let tx = conn.transaction()?;
    let total = crate::orders::sql::count(&tx, profile_id, &f)?;
    progress(0, total);
    let mut done = 0u32;
    crate::export::write_table_with(path, format, "orders", &EXPORT_HEADERS, |sink| {
        crate::orders::sql::for_each(&tx, profile_id, &f, |row| {
            sink(&export_cells(&row))?;
            done += 1;
            if done.is_multiple_of(EXPORT_PROGRESS_EVERY) {
                progress(done, total);
            }
            Ok(())
        })
    })?;
    tx.commit()?;
    progress(done, total);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Cell;
    use serde_json::json;

    fn column(cells: &[Cell], name: &str) -> Cell {
        let i = EXPORT_HEADERS.iter().position(|h| *h == name).unwrap();
        cells[i].clone()
    }

    fn media(platform: i64, line: i64) -> OrderRow {
        let o: MediaOrder = serde_json::from_value(json!({
            "orderId": "1", "payTime": 1_700_000_000, "payPrice": "1.00", "status": 2,
            "platform": platform, "businessLine": line
        }))
        .unwrap();
        from_media(&o, MediaAsked::default()).unwrap()
    }

    /// The platform, line and line-name columns of both generations: the
    /// codes as sent (legacy rows have no platform; a legacy sub-line in
    /// its own column) and Meituan's Chinese name, empty when no source
    /// names the line.
    #[test]
    fn export_writes_platform_line_and_line_name() {
        let cols = [
            "platform",
            "business_line",
            "sub_business_line",
            "business_line_name",
        ];
        let row = |o: &OrderRow| {
            let cells = export_cells(o);
            assert_eq!(cells.len(), EXPORT_HEADERS.len());
            cols.map(|c| column(&cells, c))
        };
        use Cell::{Empty, Int, Text};
        assert_eq!(
            row(&media(2, 1)),
            [Int(2), Int(1), Empty, Text("到餐".into())]
        );
        assert_eq!(
            row(&media(1, 2)),
            [Int(1), Int(2), Empty, Text("闪购红包".into())]
        );
        // A media line no source names: codes kept, no name.
        assert_eq!(row(&media(1, 10)), [Int(1), Int(10), Empty, Empty]);
        let legacy = |extra: serde_json::Value| {
            let mut v =
                json!({"orderid": "2", "paytime": "1700000000", "payprice": "1.00", "status": 1});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            from_legacy(&serde_json::from_value(v).unwrap()).unwrap()
        };
        assert_eq!(
            row(&legacy(json!({"businessLine": 2, "subBusinessLine": 2}))),
            [Empty, Int(2), Int(2), Text("闪购".into())]
        );
        assert_eq!(
            row(&legacy(json!({"businessLine": 4}))),
            [Empty, Int(4), Empty, Text("优选".into())]
        );
        // No line sent: every line column empty.
        assert_eq!(row(&legacy(json!({}))), [Empty, Empty, Empty, Empty]);

        // And so in the file: the CSV row carries the codes and the name.
        let table = vec![export_cells(&media(2, 2))];
        let csv =
            String::from_utf8(crate::export::csv_bytes(&EXPORT_HEADERS, &table).unwrap()).unwrap();
        let mut lines = csv.trim_start_matches('\u{feff}').lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        let body: Vec<&str> = lines.next().unwrap().split(',').collect();
        let at = |name: &str| body[head.iter().position(|h| *h == name).unwrap()];
        assert_eq!(at("platform"), "2");
        assert_eq!(at("business_line"), "2");
        assert_eq!(at("sub_business_line"), "");
        assert_eq!(at("business_line_name"), "到综");
    }
}
