//! Table exports for spreadsheets: CSV as UTF-8 with a BOM (so Excel reads
//! Chinese text right) with formula injection defused, and XLSX.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Result<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" => Ok(ExportFormat::Xlsx),
            _ => Err(Error::invalid("format", "must be csv or xlsx")),
        }
    }

    /// The format a file name asks for (`.xlsx`, else CSV).
    pub fn from_path(path: &Path) -> ExportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => ExportFormat::Xlsx,
            _ => ExportFormat::Csv,
        }
    }
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// Cents, written as yuan with two decimals.
    Money(i64),
}

/// The UTF-8 byte order mark Excel needs to read a CSV as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A text cell made safe for spreadsheets: a leading `=`, `+`, `-` or `@`
/// (or a tab / carriage return, which Excel strips before reading the rest)
/// would start a formula, so such text gets a `'` in front.
pub fn escape_formula(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => escape_formula(t),
        Cell::Int(i) => i.to_string(),
        // Negative amounts are numbers, not formulas: no escape.
        Cell::Money(c) => crate::orders::format_cents(*c),
    }
}

/// The table as CSV bytes: BOM, header line, one line per row, CRLF.
pub fn csv_bytes(headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(headers.iter().map(|h| escape_formula(h)))
            .map_err(csv_error)?;
        for row in rows {
            w.write_record(row.iter().map(cell_text))
                .map_err(csv_error)?;
        }
        w.flush()
            .map_err(|e| Error::Storage(format!("cannot write CSV: {e}")))?;
    }
    Ok(out)
}

fn csv_error(e: csv::Error) -> Error {
    Error::Storage(format!("cannot write CSV: {e}"))
}

/// The table as an XLSX workbook with one sheet.
pub fn xlsx_bytes(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| Error::Storage(format!("cannot write XLSX: {e}"));
    let mut book = Workbook::new();
    let money = Format::new().set_num_format("0.00");
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(xerr)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xerr)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                // Strings in XLSX are never evaluated, but a user may copy
                // them into a formula bar; escaping keeps both exports alike.
                Cell::Text(t) => {
                    ws.write_string(r, c, escape_formula(t)).map_err(xerr)?;
                }
                Cell::Int(i) => {
                    ws.write_number(r, c, *i as f64).map_err(xerr)?;
                }
                Cell::Money(cents) => {
                    // Two decimals survive an f64 exactly enough for display
                    // (below 2^53 cents); the CSV keeps the exact text.
                    ws.write_number_with_format(r, c, *cents as f64 / 100.0, &money)
                        .map_err(xerr)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(xerr)
}

/// Writes the table to `path` in `format` through
/// [`crate::safe_write`]: never through a link or over a special file, and a
/// failed export leaves neither half a file nor a temporary file behind.
pub fn write_table(
    path: &Path,
    format: ExportFormat,
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<()> {
    let bytes = match format {
        ExportFormat::Csv => csv_bytes(headers, rows)?,
        ExportFormat::Xlsx => xlsx_bytes(sheet, headers, rows)?,
    };
    write_atomically(path, &bytes)
}

/// Writes bytes to a file the user asked for (exports, QR code PNGs): see
/// [`crate::safe_write::write_file_atomically`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::safe_write::write_file_atomically(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_bom_crlf_and_escapes_formulas() {
        let rows = vec![
            vec![
                Cell::Text("=HYPERLINK(\"http://x\")".into()),
                Cell::Money(-150),
                Cell::Text("美团,外卖".into()),
            ],
            vec![
                Cell::Text("+1".into()),
                Cell::Int(-3),
                Cell::Text("@sum".into()),
            ],
            vec![
                Cell::Text("-x".into()),
                Cell::Empty,
                Cell::Text("ok".into()),
            ],
        ];
        let bytes = csv_bytes(&["a", "b", "c"], &rows).unwrap();
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "a,b,c");
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\")\",-1.50,\"美团,外卖\""
        );
        assert_eq!(lines[2], "'+1,-3,'@sum");
        assert_eq!(lines[3], "'-x,,ok");
        assert_eq!(lines[4], "");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let rows = vec![vec![Cell::Text("=1+1".into()), Cell::Money(3050)]];
        let bytes = xlsx_bytes("orders", &["a", "b"], &rows).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.xlsx");
        write_table(&path, ExportFormat::Xlsx, "orders", &["a", "b"], &rows).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        assert_eq!(ExportFormat::from_path(&path), ExportFormat::Xlsx);
    }
}
