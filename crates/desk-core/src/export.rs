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
        xlsx_row(ws, (r + 1) as u32, row, &money)?;
    }
    book.save_to_buffer().map_err(xerr)
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Storage(format!("cannot write XLSX: {e}"))
}

/// Writes one row of cells at row `r` of the sheet.
fn xlsx_row(
    ws: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    row: &[Cell],
    money: &rust_xlsxwriter::Format,
) -> Result<()> {
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
                ws.write_number_with_format(r, c, *cents as f64 / 100.0, money)
                    .map_err(xerr)?;
            }
        }
    }
    Ok(())
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
    write_table_with(path, format, sheet, headers, |sink| {
        rows.iter().try_for_each(|row| sink(row))
    })
}

/// How far an export is: rows written of the rows it will write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct ExportProgress {
    pub done: u32,
    pub total: u32,
}

/// Like [`write_table`], with the rows streamed: `fill` is handed a sink
/// and pushes one row at a time into it, and each row goes to the file as it
/// comes. CSV is written through a buffer; XLSX uses rust_xlsxwriter's
/// constant-memory sheet, which moves each finished row to a temporary file
/// (in the target's folder) instead of keeping every cell in memory. An
/// error from `fill` or the sink ends the export and is returned as it was;
/// nothing is left behind ([`crate::safe_write::write_file_with`]).
pub fn write_table_with(
    path: &Path,
    format: ExportFormat,
    sheet: &str,
    headers: &[&str],
    fill: impl FnOnce(&mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()>,
) -> Result<()> {
    let mut failure: Option<Error> = None;
    let written = crate::safe_write::write_file_with(path, |file| {
        let result = match format {
            ExportFormat::Csv => stream_csv(file, headers, fill),
            ExportFormat::Xlsx => stream_xlsx(file, path, sheet, headers, fill),
        };
        result.map_err(|e| {
            let text = e.to_string();
            failure = Some(e);
            std::io::Error::other(text)
        })
    });
    match failure {
        Some(e) => Err(e),
        None => written,
    }
}

fn stream_csv(
    file: &mut std::fs::File,
    headers: &[&str],
    fill: impl FnOnce(&mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()>,
) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    out.write_all(BOM)
        .map_err(|e| Error::Storage(format!("cannot write CSV: {e}")))?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(headers.iter().map(|h| escape_formula(h)))
        .map_err(csv_error)?;
    fill(&mut |row: &[Cell]| w.write_record(row.iter().map(cell_text)).map_err(csv_error))?;
    let out = w
        .into_inner()
        .map_err(|e| Error::Storage(format!("cannot write CSV: {}", e.error())))?;
    out.into_inner()
        .map_err(|e| Error::Storage(format!("cannot write CSV: {}", e.error())))?;
    Ok(())
}

fn stream_xlsx(
    file: &mut std::fs::File,
    path: &Path,
    sheet: &str,
    headers: &[&str],
    fill: impl FnOnce(&mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()>,
) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    // The sheet's rows wait in a temporary file (unnamed, 0600) beside the
    // export rather than in the system's temp folder, which may be memory.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = book.set_tempdir(dir);
    }
    let money = Format::new().set_num_format("0.00");
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet_with_constant_memory();
    ws.set_name(sheet).map_err(xerr)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xerr)?;
    }
    let mut r = 0u32;
    fill(&mut |row: &[Cell]| {
        r += 1;
        xlsx_row(ws, r, row, &money)
    })?;
    book.save_to_writer(file).map_err(xerr)
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
