//! A batch's rows with their status and links, as CSV or XLSX.

use super::*;

/// Columns of a batch result export.
pub const EXPORT_HEADERS: [&str; 8] = [
    "row",
    "target_kind",
    "target",
    "sid",
    "link_types",
    "status",
    "url",
    "error",
];

/// Writes a batch's rows with their status and links (CSV or XLSX).
pub fn export(
    store: &Store,
    batch_id: u32,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
) -> Result<u32> {
    use crate::export::Cell;
    let rows = rows(store, batch_id, 0, u32::MAX)?;
    let table: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Int(i64::from(r.row_no)),
                Cell::Text(r.target_kind.as_str().into()),
                Cell::Text(r.target.clone()),
                Cell::Text(r.sid.clone()),
                Cell::Text(types_text(&r.link_types)),
                Cell::Text(r.status.as_str().into()),
                r.url.clone().map_or(Cell::Empty, Cell::Text),
                r.error.clone().map_or(Cell::Empty, Cell::Text),
            ]
        })
        .collect();
    crate::export::write_table(path, format, "batch", &EXPORT_HEADERS, &table)?;
    Ok(table.len() as u32)
}
