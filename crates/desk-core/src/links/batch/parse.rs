//! Reading a pasted list or CSV into rows, and what is wrong with a row.

use super::*;

/// What a row lacks is taken from here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BatchDefaults {
    pub sid: Option<String>,
    #[serde(default)]
    pub link_types: Vec<u8>,
    #[serde(default)]
    pub short_link: bool,
}

/// A parsed input line: a request, or why the line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedRow {
    Ok(LinkRequest),
    Bad {
        line: String,
        /// English detail, for the terminal and exports.
        reason: String,
        /// The same as a code the screens translate.
        problem: RowProblem,
    },
}

/// What is wrong with a batch row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RowProblemKind {
    /// The file line has no actId, skuViewId or text.
    NoTarget,
    /// No sid in the line and no default sid.
    NoSid,
    /// The type cell is not a link type (`value`).
    BadLinkType,
    /// The core refused a field (`field`; the screens word it as
    /// `invalid.<field>`).
    Invalid,
    /// Meituan refused the call: its code (`value`) and words (`message`).
    Api,
}

/// Why a batch row failed, as a code and its parameters (issue 19 item 3:
/// no English developer text on the screens). Rows that failed for another
/// reason carry only `BatchRow::error_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RowProblem {
    pub kind: RowProblemKind,
    /// The line of the pasted text or file (from 1).
    pub line: Option<u32>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub message: Option<String>,
}

impl RowProblem {
    fn at(kind: RowProblemKind, line: usize) -> Self {
        RowProblem {
            kind,
            line: u32::try_from(line).ok(),
            field: None,
            value: None,
            message: None,
        }
    }

    /// The problem an error stands for, when the screens can say more
    /// than its code.
    pub fn of(e: &Error) -> Option<Self> {
        let blank = |kind| RowProblem {
            kind,
            line: None,
            field: None,
            value: None,
            message: None,
        };
        match e {
            Error::InvalidInput { field, .. } => Some(RowProblem {
                field: Some(field.clone()),
                ..blank(RowProblemKind::Invalid)
            }),
            Error::Api { code, message } => Some(RowProblem {
                value: Some(code.clone()),
                message: Some(message.clone()),
                ..blank(RowProblemKind::Api)
            }),
            _ => None,
        }
    }
}

/// Reads a target cell: `act:`/`sku:`/`text:` prefixes say what it is;
/// otherwise digits are an actId, a URL or anything with spaces is text,
/// and a single token is a skuViewId.
pub fn infer_target(cell: &str) -> (TargetKind, String) {
    let c = cell.trim();
    for (prefix, kind) in [
        ("act:", TargetKind::Act),
        ("sku:", TargetKind::Sku),
        ("text:", TargetKind::Text),
    ] {
        // `get` rather than indexing: the cut may fall inside a multi-byte
        // character (e.g. "QO" followed by a CJK character).
        if c.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        {
            return (kind, c[prefix.len()..].trim().to_owned());
        }
    }
    if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) {
        (TargetKind::Act, c.to_owned())
    } else if c.contains("://") || c.chars().any(char::is_whitespace) {
        (TargetKind::Text, c.to_owned())
    } else {
        (TargetKind::Sku, c.to_owned())
    }
}

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "y" | "short" | "短链"
    )
}

/// Column roles of a header line, if the first line is one.
fn header_roles(first: &csv::StringRecord) -> Option<Vec<Option<&'static str>>> {
    let roles: Vec<Option<&'static str>> = first
        .iter()
        .map(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            match h.as_str() {
                "actid" | "act" | "act_id" => Some("act"),
                "skuviewid" | "sku" | "sku_view_id" => Some("sku"),
                "text" | "url" => Some("text"),
                "target" => Some("target"),
                "sid" => Some("sid"),
                "type" | "linktype" | "link_type" | "link_types" => Some("type"),
                "short" | "shortlink" | "short_link" => Some("short"),
                _ => None,
            }
        })
        .collect();
    roles.iter().any(Option::is_some).then_some(roles)
}

/// Parses pasted lines or a CSV file. Without a header the columns are
/// target, sid, link type(s) (`1` or `1|3`), short (`1`/`short`); a header
/// line may name them (`actId`, `skuViewId`, `text`, `target`, `sid`,
/// `linkType`, `short`). Tabs are accepted as separators (pasted from a
/// spreadsheet). Blank lines and lines starting with `#` are ignored.
///
/// A quote that opens a cell and is never closed would swallow every line
/// after it into that cell: such input is refused, naming the line.
pub fn parse(input: &str, defaults: &BatchDefaults) -> Result<Vec<ParsedRow>> {
    let input = input.trim_start_matches('\u{feff}');
    let delimiter = if input.lines().next().is_some_and(|l| l.contains('\t')) {
        b'\t'
    } else {
        b','
    };
    if let Some(line) = unclosed_quote(input.as_bytes(), delimiter) {
        return Err(Error::invalid(
            "file",
            format!(
                "line {line}: a quote (\") opened here is never closed, so every line after \
                 it would be read as part of one cell; close it or remove it"
            ),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .comment(Some(b'#'))
        .from_reader(input.as_bytes());
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(input.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut rows = Vec::new();
    let mut roles: Option<Vec<Option<&'static str>>> = None;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::invalid("file", format!("is not CSV: {e}")))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if i == 0 {
            if let Some(r) = header_roles(&record) {
                roles = Some(r);
                continue;
            }
        }
        if rows.len() >= MAX_ROWS {
            return Err(Error::invalid(
                "file",
                format!("has more than {MAX_ROWS} rows; split it"),
            ));
        }
        let line = record.iter().collect::<Vec<_>>().join(",");
        // The reader's line count leaves out blank and comment lines, and
        // its position is where the previous record ended: step over those
        // lines from there and count the file's lines.
        let at = record.position().map_or(0, |p| {
            let mut pos = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(input.len());
            let bytes = input.as_bytes();
            while pos < bytes.len() {
                match bytes[pos] {
                    b'\r' | b'\n' => pos += 1,
                    b'#' => pos = input[pos..].find('\n').map_or(bytes.len(), |i| pos + i + 1),
                    _ => break,
                }
            }
            line_starts.partition_point(|&s| s <= pos)
        });
        let cell = |role: &str, pos: usize| -> Option<String> {
            let v = match &roles {
                Some(r) => r
                    .iter()
                    .position(|x| *x == Some(role))
                    .and_then(|p| record.get(p)),
                None => record.get(pos),
            };
            v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
        };
        let target = match &roles {
            Some(_) => cell("act", 0)
                .map(|v| (TargetKind::Act, v))
                .or_else(|| cell("sku", 0).map(|v| (TargetKind::Sku, v)))
                .or_else(|| cell("text", 0).map(|v| (TargetKind::Text, v)))
                .or_else(|| cell("target", 0).map(|v| infer_target(&v))),
            None => cell("target", 0).map(|v| infer_target(&v)),
        };
        let Some((kind, target)) = target else {
            rows.push(ParsedRow::Bad {
                line,
                reason: format!("line {at}: no actId, skuViewId or text"),
                problem: RowProblem::at(RowProblemKind::NoTarget, at),
            });
            continue;
        };
        let Some(sid) = cell("sid", 1).or_else(|| defaults.sid.clone()) else {
            rows.push(ParsedRow::Bad {
                line,
                reason: format!("line {at}: no sid (and no default sid)"),
                problem: RowProblem::at(RowProblemKind::NoSid, at),
            });
            continue;
        };
        let types = match cell("type", 2) {
            Some(t) => match parse_types(&t) {
                Ok(t) => t,
                Err(_) => {
                    rows.push(ParsedRow::Bad {
                        line,
                        reason: format!("line {at}: {t:?} is not a link type"),
                        problem: RowProblem {
                            value: Some(t.clone()),
                            ..RowProblem::at(RowProblemKind::BadLinkType, at)
                        },
                    });
                    continue;
                }
            },
            None => defaults.link_types.clone(),
        };
        let short_link = cell("short", 3).map_or(defaults.short_link, |s| truthy(&s));
        rows.push(ParsedRow::Ok(LinkRequest {
            target_kind: kind,
            target,
            sid,
            link_types: types,
            short_link,
        }));
    }
    Ok(rows)
}

/// The line (from 1) of a quote that opens a cell and is never closed, read
/// the way the CSV reader in [`parse`] reads: a quote opens a quoted cell
/// only as the cell's first character, `""` inside it is a quote, and `#`
/// starts a comment line.
pub(super) fn unclosed_quote(input: &[u8], delimiter: u8) -> Option<u64> {
    let mut line = 1u64;
    let mut opened_at = 0u64;
    let (mut quoted, mut comment) = (false, false);
    let (mut cell_start, mut record_start) = (true, true);
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        i += 1;
        if b == b'\n' {
            line += 1;
        }
        if comment {
            if b == b'\n' {
                comment = false;
                (cell_start, record_start) = (true, true);
            }
            continue;
        }
        if quoted {
            if b == b'"' {
                if input.get(i) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match b {
            b'\n' | b'\r' => (cell_start, record_start) = (true, true),
            b'#' if record_start => comment = true,
            b'"' if cell_start => {
                quoted = true;
                opened_at = line;
                (cell_start, record_start) = (false, false);
            }
            _ if b == delimiter => (cell_start, record_start) = (true, false),
            _ => (cell_start, record_start) = (false, false),
        }
    }
    quoted.then_some(opened_at)
}
