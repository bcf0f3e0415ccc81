//! A batch's rows with their status and links, as CSV or XLSX, in the
//! user's language: the column names, statuses and row errors are the
//! screen's own sentences (`crate::words`), never the core's English detail.

use super::*;
use crate::settings::Language;
use crate::words;

/// Columns of a batch result export (sentence keys under
/// `links.batch.exportCol`).
pub const EXPORT_COLUMNS: [&str; 8] = [
    "row",
    "target_kind",
    "target",
    "sid",
    "link_types",
    "status",
    "url",
    "error",
];

/// The column names in `language`.
pub fn export_headers(language: Language) -> Vec<String> {
    EXPORT_COLUMNS
        .iter()
        .map(|c| words::t(language, &format!("links.batch.exportCol.{c}"), &[]))
        .collect()
}

/// Why a row failed, in `language`: the sentence the batch table shows
/// (`ui/src/lib/batchRows.ts` words it the same way), from the row's problem
/// code and parameters, else from its error code.
pub fn row_error_text(language: Language, row: &BatchRow) -> Option<String> {
    let t = |key: &str, params: &[(&str, &str)]| words::t(language, key, params);
    if let Some(p) = &row.problem {
        let line = p.line.map_or_else(|| "?".to_owned(), |l| l.to_string());
        let value = p.value.as_deref().unwrap_or("");
        return Some(match p.kind {
            RowProblemKind::NoTarget => t("links.batch.problem.no_target", &[("line", &line)]),
            RowProblemKind::NoSid => t("links.batch.problem.no_sid", &[("line", &line)]),
            RowProblemKind::BadLinkType => t(
                "links.batch.problem.bad_link_type",
                &[("line", &line), ("value", value)],
            ),
            RowProblemKind::Invalid => {
                let field = p.field.as_deref().unwrap_or("");
                let key = format!("invalid.{field}");
                if !field.is_empty() && words::has(language, &key) {
                    t(&key, &[])
                } else {
                    t("links.batch.problem.invalid", &[("field", field)])
                }
            }
            RowProblemKind::Api => {
                let message = p
                    .message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .unwrap_or("—");
                t(
                    "links.batch.problem.api",
                    &[("code", value), ("message", message)],
                )
            }
        });
    }
    let code = row.error_code?;
    let key = format!("error.{}", code.name());
    Some(if words::has(language, &key) {
        t(&key, &[])
    } else {
        t("error.internal", &[])
    })
}

/// Writes a batch's rows with their status and links (CSV or XLSX), worded
/// in `language`.
pub fn export(
    store: &Store,
    batch_id: u32,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
    language: Language,
) -> Result<u32> {
    use crate::export::Cell;
    let rows = rows(store, batch_id, 0, u32::MAX)?;
    let text = |key: String| Cell::Text(words::t(language, &key, &[]));
    let table: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Int(i64::from(r.row_no)),
                text(format!("links.generate.kind.{}", r.target_kind.as_str())),
                Cell::Text(r.target.clone()),
                Cell::Text(r.sid.clone()),
                Cell::Text(types_text(&r.link_types)),
                text(format!("links.batch.status.{}", r.status.as_str())),
                r.url.clone().map_or(Cell::Empty, Cell::Text),
                row_error_text(language, r).map_or(Cell::Empty, Cell::Text),
            ]
        })
        .collect();
    let headers = export_headers(language);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    crate::export::write_table(path, format, "batch", &headers, &table)?;
    Ok(table.len() as u32)
}
