//! Batch link generation: parse a pasted list or CSV of
//! (actId | skuViewId | text, sid, link type), persist it row by row, plan
//! (calls needed against calls left today; refused when larger), run with
//! bounded concurrency, and resume after an interruption without repeating
//! a finished row. Requests the library already knows cost no call, and
//! duplicate rows in a batch cost one call between them.

use crate::api::Api;
use crate::clock::beijing_rfc3339;
use crate::error::{Error, ErrorCode, Result};
use crate::links::{self, canonicalize, parse_types, types_text, LinkRequest, TargetKind};
use crate::profiles::Profile;
use crate::store::{self, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Largest batch accepted at once.
pub const MAX_ROWS: usize = 10_000;
/// Calls in flight at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;

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
fn unclosed_quote(input: &[u8], delimiter: u8) -> Option<u64> {
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

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Pending,
    /// Generated by a call.
    Done,
    /// Answered from the library (0 calls).
    Library,
    Error,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Pending => "pending",
            RowStatus::Done => "done",
            RowStatus::Library => "library",
            RowStatus::Error => "error",
        }
    }
    pub fn parse(s: &str) -> RowStatus {
        match s {
            "done" => RowStatus::Done,
            "library" => RowStatus::Library,
            "error" => RowStatus::Error,
            _ => RowStatus::Pending,
        }
    }
}

/// One row of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BatchRow {
    pub row_no: u32,
    pub target_kind: TargetKind,
    pub target: String,
    pub sid: String,
    pub link_types: Vec<u8>,
    pub short_link: bool,
    pub status: RowStatus,
    pub url: Option<String>,
    pub error_code: Option<ErrorCode>,
    /// English detail, for the terminal and exports; screens show
    /// `problem` or `error_code` instead.
    pub error: Option<String>,
    pub problem: Option<RowProblem>,
}

impl BatchRow {
    pub fn request(&self) -> LinkRequest {
        LinkRequest {
            target_kind: self.target_kind,
            target: self.target.clone(),
            sid: self.sid.clone(),
            link_types: self.link_types.clone(),
            short_link: self.short_link,
        }
    }
}

/// Counts of a batch's rows by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct BatchCounts {
    pub rows: u32,
    pub pending: u32,
    pub done: u32,
    pub library: u32,
    pub error: u32,
}

/// A stored batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BatchSummary {
    pub id: u32,
    pub created_at: String,
    pub source: String,
    pub counts: BatchCounts,
}

/// The rows a parsed batch is stored as: rows that cannot be a valid
/// request for the profile are errors at once (with the reason).
fn prepare(profile: &Profile, rows: &[ParsedRow]) -> Result<Vec<BatchRow>> {
    if rows.is_empty() {
        return Err(Error::invalid("file", "has no rows"));
    }
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let row_no = i as u32 + 1;
            match row {
                ParsedRow::Ok(req) => match canonicalize(profile.generation, req) {
                    Ok(c) => BatchRow {
                        row_no,
                        target_kind: c.target_kind,
                        target: c.target,
                        sid: c.sid,
                        link_types: c.link_types,
                        short_link: c.short_link,
                        status: RowStatus::Pending,
                        url: None,
                        error_code: None,
                        error: None,
                        problem: None,
                    },
                    Err(e) => error_row(row_no, req, &e),
                },
                ParsedRow::Bad {
                    line,
                    reason,
                    problem,
                } => BatchRow {
                    row_no,
                    target_kind: TargetKind::Text,
                    target: line.clone(),
                    sid: String::new(),
                    link_types: Vec::new(),
                    short_link: false,
                    status: RowStatus::Error,
                    url: None,
                    error_code: Some(ErrorCode::InvalidInput),
                    error: Some(reason.clone()),
                    problem: Some(problem.clone()),
                },
            }
        })
        .collect())
}

/// Stores a parsed batch; rows that cannot be a valid request for the
/// profile are stored as errors at once (with the reason).
pub fn create(
    store: &Store,
    clock: &dyn crate::Clock,
    profile: &Profile,
    rows: &[ParsedRow],
    source: &str,
) -> Result<BatchSummary> {
    let prepared = prepare(profile, rows)?;
    let mut conn = store.connect()?;
    let tx = conn.transaction()?;
    let id = store::batch::insert_batch(&tx, &profile.id, &beijing_rfc3339(clock.now()), source)?;
    for row in &prepared {
        store::batch::insert_row(&tx, id, row)?;
    }
    tx.commit()?;
    summary(store, id)
}

fn error_row(row_no: u32, req: &LinkRequest, e: &Error) -> BatchRow {
    BatchRow {
        row_no,
        target_kind: req.target_kind,
        target: req.target.clone(),
        sid: req.sid.clone(),
        link_types: req.link_types.clone(),
        short_link: req.short_link,
        status: RowStatus::Error,
        url: None,
        error_code: Some(e.code()),
        error: Some(e.to_string()),
        problem: RowProblem::of(e),
    }
}

pub fn summary(store: &Store, batch_id: u32) -> Result<BatchSummary> {
    store::batch::summary(&*store.connect()?, batch_id)?
        .ok_or_else(|| Error::not_found("batch", batch_id))
}

/// A profile's batches, newest first.
pub fn list(store: &Store, profile_id: &str) -> Result<Vec<BatchSummary>> {
    store::batch::list(&*store.connect()?, profile_id)
}

/// A page of a batch's rows.
pub fn rows(store: &Store, batch_id: u32, offset: u32, limit: u32) -> Result<Vec<BatchRow>> {
    store::batch::rows(&*store.connect()?, batch_id, offset, limit)
}

/// What running the rest of a batch costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BatchPlan {
    pub counts: BatchCounts,
    /// Pending rows the library answers (0 calls).
    pub from_library: u32,
    /// Calls the pending rows need (one per distinct request not in the library).
    pub calls_needed: u32,
    /// `null`: unlimited tier.
    pub remaining_today: Option<u32>,
    pub fits: bool,
}

struct Work {
    key: String,
    rows: Vec<BatchRow>,
}

fn counts_of(rows: &[BatchRow]) -> BatchCounts {
    let mut c = BatchCounts {
        rows: rows.len() as u32,
        ..BatchCounts::default()
    };
    for r in rows {
        match r.status {
            RowStatus::Pending => c.pending += 1,
            RowStatus::Done => c.done += 1,
            RowStatus::Library => c.library += 1,
            RowStatus::Error => c.error += 1,
        }
    }
    c
}

/// Groups pending rows by request: those the library answers, and those
/// that need a call (one per distinct request).
fn group_pending(
    conn: &rusqlite::Connection,
    profile: &Profile,
    pending: Vec<BatchRow>,
) -> Result<(Vec<Work>, Vec<Work>)> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<BatchRow>> = HashMap::new();
    for row in pending {
        let key = canonicalize(profile.generation, &row.request())?.key();
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(row);
    }
    let (mut cached, mut to_call) = (Vec::new(), Vec::new());
    for key in order {
        let rows = groups.remove(&key).unwrap_or_default();
        let work = Work {
            key: key.clone(),
            rows,
        };
        if store::links::by_key(conn, &profile.id, &key)?.is_some() {
            cached.push(work);
        } else {
            to_call.push(work);
        }
    }
    Ok((cached, to_call))
}

fn pending_work(
    store: &Store,
    profile: &Profile,
    batch_id: u32,
) -> Result<(BatchCounts, Vec<Work>, Vec<Work>)> {
    let conn = store.connect()?;
    let counts = store::batch::summary(&conn, batch_id)?
        .ok_or_else(|| Error::not_found("batch", batch_id))?
        .counts;
    let pending = store::batch::pending(&conn, batch_id)?;
    let (cached, to_call) = group_pending(&conn, profile, pending)?;
    Ok((counts, cached, to_call))
}

fn plan_of(
    api: &Api,
    profile: &Profile,
    counts: BatchCounts,
    cached: &[Work],
    to_call: &[Work],
) -> Result<BatchPlan> {
    let status = api.ledger().status(profile)?;
    let calls_needed = to_call.len() as u32;
    Ok(BatchPlan {
        counts,
        from_library: cached.iter().map(|w| w.rows.len() as u32).sum(),
        calls_needed,
        remaining_today: status.remaining,
        fits: status.remaining.is_none_or(|r| calls_needed <= r),
    })
}

/// The plan of a parsed batch that is not stored: what [`create`] then
/// [`plan`] would say, with nothing written (a dry run).
pub fn plan_parsed(api: &Api, profile: &Profile, rows: &[ParsedRow]) -> Result<BatchPlan> {
    let prepared = prepare(profile, rows)?;
    let counts = counts_of(&prepared);
    let pending = prepared
        .into_iter()
        .filter(|r| r.status == RowStatus::Pending)
        .collect();
    let (cached, to_call) = group_pending(&*api.store().connect()?, profile, pending)?;
    plan_of(api, profile, counts, &cached, &to_call)
}

pub fn plan(api: &Api, profile: &Profile, batch_id: u32) -> Result<BatchPlan> {
    let (counts, cached, to_call) = pending_work(api.store(), profile, batch_id)?;
    plan_of(api, profile, counts, &cached, &to_call)
}

/// Failures that may go away by themselves (the network, the server, a
/// burst limit) or once the user fixed the clock: worth another call. A
/// refused row (bad input, an activity the API does not know, a key or
/// authorization problem) fails the same way again, so it stays an error.
pub const RETRYABLE: [ErrorCode; 6] = [
    ErrorCode::Network,
    ErrorCode::Timeout,
    ErrorCode::Http,
    ErrorCode::Decode,
    ErrorCode::TooFrequent,
    ErrorCode::ClockSkew,
];

/// Puts the rows that failed for a passing reason back in the queue, so the
/// next [`run`] tries them again (and only them: finished rows are kept).
/// Returns how many rows will be retried.
pub fn retry_errors(store: &Store, batch_id: u32) -> Result<u32> {
    let conn = store.connect()?;
    if store::batch::summary(&conn, batch_id)?.is_none() {
        return Err(Error::not_found("batch", batch_id));
    }
    store::batch::reset_errors(&conn, batch_id, &RETRYABLE)
}

/// Progress after each request, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct BatchProgress {
    pub batch_id: u32,
    pub finished: u32,
    pub total: u32,
    pub calls: u32,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BatchReport {
    pub counts: BatchCounts,
    /// Calls made by this run.
    pub calls: u32,
    /// True when the run stopped early (the day's quota ran out); the rest
    /// stays pending.
    pub interrupted: bool,
}

/// Runs the pending rows of a batch. Refuses to start when they need more
/// calls than remain today. At most `concurrency` calls are in flight.
pub async fn run(
    api: Arc<Api>,
    profile: &Profile,
    batch_id: u32,
    concurrency: usize,
    progress: Option<&(dyn Fn(&BatchProgress) + Send + Sync)>,
) -> Result<BatchReport> {
    let (counts, cached, to_call) = pending_work(api.store(), profile, batch_id)?;
    let status = api.ledger().status(profile)?;
    let needed = to_call.len() as u32;
    if let Some(remaining) = status.remaining {
        if needed > remaining {
            return Err(Error::invalid(
                "batch",
                format!(
                    "needs {needed} calls but only {remaining} remain today; \
                     shorten the batch or run it after the reset"
                ),
            ));
        }
    }
    let total = counts.pending;
    let mut finished = 0u32;
    let mut calls = 0u32;
    let report_progress = |finished: u32, calls: u32| {
        if let Some(cb) = progress {
            cb(&BatchProgress {
                batch_id,
                finished,
                total,
                calls,
            });
        }
    };
    // Library answers first: no call, no waiting.
    for work in &cached {
        for row in &work.rows {
            let g = links::generate(&api, profile, &row.request()).await?;
            store::batch::finish_row(
                &*api.store().connect()?,
                batch_id,
                row.row_no,
                RowStatus::Library,
                Some(&g.link.url),
                None,
            )?;
            finished += 1;
        }
        report_progress(finished, calls);
    }
    let concurrency = concurrency.clamp(1, 16);
    let mut queue = to_call.into_iter();
    let mut set: tokio::task::JoinSet<(Work, Result<links::Generated>)> =
        tokio::task::JoinSet::new();
    let mut interrupted = false;
    let spawn = |set: &mut tokio::task::JoinSet<_>, work: Work| {
        let api = api.clone();
        let profile = profile.clone();
        set.spawn(async move {
            let req = work.rows[0].request();
            let result = links::generate(&api, &profile, &req).await;
            (work, result)
        });
    };
    for work in queue.by_ref().take(concurrency) {
        spawn(&mut set, work);
    }
    while let Some(joined) = set.join_next().await {
        let (work, result) =
            joined.map_err(|e| Error::Internal(format!("a batch task failed: {e}")))?;
        let conn = api.store().connect()?;
        match result {
            Ok(g) => {
                if !g.cached {
                    calls += 1;
                }
                for (i, row) in work.rows.iter().enumerate() {
                    let status = if i == 0 && !g.cached {
                        RowStatus::Done
                    } else {
                        RowStatus::Library
                    };
                    store::batch::finish_row(
                        &conn,
                        batch_id,
                        row.row_no,
                        status,
                        Some(&g.link.url),
                        None,
                    )?;
                }
                finished += work.rows.len() as u32;
            }
            Err(Error::QuotaExhausted { .. }) => {
                // The day is over: leave the rest pending for after the reset.
                interrupted = true;
            }
            Err(e) => {
                tracing::info!(request = %work.key, error = %e, "batch row failed");
                if !matches!(e, Error::InvalidInput { .. }) {
                    // It reached the gateway: count it as spent.
                    calls += 1;
                }
                for row in &work.rows {
                    store::batch::finish_row(
                        &conn,
                        batch_id,
                        row.row_no,
                        RowStatus::Error,
                        None,
                        Some(&e),
                    )?;
                }
                finished += work.rows.len() as u32;
            }
        }
        report_progress(finished, calls);
        if !interrupted {
            if let Some(next) = queue.next() {
                spawn(&mut set, next);
            }
        }
    }
    Ok(BatchReport {
        counts: summary(api.store(), batch_id)?.counts,
        calls,
        interrupted,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(rows: &[ParsedRow]) -> Vec<LinkRequest> {
        rows.iter()
            .filter_map(|r| match r {
                ParsedRow::Ok(q) => Some(q.clone()),
                ParsedRow::Bad { .. } => None,
            })
            .collect()
    }

    #[test]
    fn parses_plain_lines_with_defaults_and_inference() {
        let defaults = BatchDefaults {
            sid: Some("dflt".into()),
            link_types: vec![1],
            short_link: false,
        };
        let rows = parse(
            "# my list\n33\n38,s2,3\nhttps://i.meituan.com/x?a=1,s3,1|2\nsku:abc123,,2\n\n",
            &defaults,
        )
        .unwrap();
        let q = ok(&rows);
        assert_eq!(q.len(), 4);
        assert_eq!(
            (q[0].target_kind, q[0].target.as_str(), q[0].sid.as_str()),
            (TargetKind::Act, "33", "dflt")
        );
        assert_eq!(q[0].link_types, vec![1]);
        assert_eq!(
            (q[1].sid.as_str(), q[1].link_types.clone()),
            ("s2", vec![3])
        );
        assert_eq!(q[2].target_kind, TargetKind::Text);
        assert_eq!(q[2].link_types, vec![1, 2]);
        assert_eq!(
            (q[3].target_kind, q[3].target.as_str()),
            (TargetKind::Sku, "abc123")
        );
    }

    #[test]
    fn problems_of_errors_keep_the_field_or_meituans_code() {
        let p = RowProblem::of(&Error::invalid("sid", "contains ' '")).unwrap();
        assert_eq!(
            (p.kind, p.field.as_deref()),
            (RowProblemKind::Invalid, Some("sid"))
        );
        let p = RowProblem::of(&Error::Api {
            code: "1005".into(),
            message: "参数错误".into(),
        })
        .unwrap();
        assert_eq!(
            (p.kind, p.value.as_deref(), p.message.as_deref()),
            (RowProblemKind::Api, Some("1005"), Some("参数错误"))
        );
        // Codes alone say enough for the rest.
        assert_eq!(RowProblem::of(&Error::TooFrequent), None);
    }

    #[test]
    fn parses_a_csv_with_header_bom_and_reports_bad_lines() {
        let csv = "\u{feff}actId,sid,linkType,short\n33,a,1,1\n,b,1,0\n40,c,x,0\n";
        let rows = parse(csv, &BatchDefaults::default()).unwrap();
        assert_eq!(rows.len(), 3);
        match &rows[0] {
            ParsedRow::Ok(q) => {
                assert_eq!(q.target, "33");
                assert!(q.short_link);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&rows[1], ParsedRow::Bad { reason, .. } if reason.contains("actId")));
        assert!(matches!(&rows[2], ParsedRow::Bad { reason, .. } if reason.contains("link type")));
        // The same as codes the screens translate, with the file's line.
        let problems: Vec<_> = rows
            .iter()
            .filter_map(|r| match r {
                ParsedRow::Bad { problem, .. } => Some(problem.clone()),
                ParsedRow::Ok(_) => None,
            })
            .collect();
        assert_eq!(
            problems
                .iter()
                .map(|p| (p.kind, p.line, p.value.as_deref()))
                .collect::<Vec<_>>(),
            vec![
                (RowProblemKind::NoTarget, Some(3), None),
                (RowProblemKind::BadLinkType, Some(4), Some("x")),
            ]
        );
        // Tab-separated (pasted from a spreadsheet), no default sid.
        let rows = parse("33\ts1\t2\n34\n", &BatchDefaults::default()).unwrap();
        assert!(matches!(&rows[0], ParsedRow::Ok(q) if q.sid == "s1" && q.link_types == vec![2]));
        assert!(matches!(&rows[1], ParsedRow::Bad { reason, .. } if reason.contains("sid")));
    }
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    #[test]
    fn finds_the_line_of_an_unclosed_quote() {
        let q = |s: &str| unclosed_quote(s.as_bytes(), b',');
        assert_eq!(q("a,b\n\"c,d\ne,f\n"), Some(2));
        assert_eq!(
            q("a,\"b\nc\"\n\"d\n"),
            Some(3),
            "a closed multi-line cell, then one open"
        );
        assert_eq!(q("\"a\"\"b\",c\n"), None, "a doubled quote inside a cell");
        assert_eq!(q("ab\"c,d\n"), None, "a quote inside a cell is text");
        assert_eq!(q("# \"comment\nx\n"), None);
        assert_eq!(q("x\r\n\"y"), Some(2));
        assert_eq!(q("\"x\"y,\"z\"\n"), None, "text after a closing quote");
        assert_eq!(unclosed_quote(b"a\t\"b\n", b'\t'), Some(1));
        let err = parse("33,s\n\"34,s\n35,s\n", &BatchDefaults::default()).unwrap_err();
        assert!(err.to_string().contains("line 2:"), "{err}");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let rows = parse("actId,sid\n33,a\n\n# c\n34\n", &BatchDefaults::default()).unwrap();
        assert!(
            matches!(&rows[1], ParsedRow::Bad { reason, .. } if reason.starts_with("line 5:")),
            "{rows:?}"
        );
    }
}

#[cfg(test)]
mod infer_target_regressions {
    use super::*;

    /// Found by `fuzz/run.sh` (fuzz/regressions/batch_csv-char-boundary):
    /// a prefix check that cut through a multi-byte character panicked.
    #[test]
    fn a_multibyte_character_at_the_prefix_boundary_does_not_panic() {
        assert_eq!(infer_target("QO美").0, TargetKind::Sku);
        assert_eq!(infer_target("te美团").0, TargetKind::Sku);
        assert_eq!(infer_target("ACT:33"), (TargetKind::Act, "33".to_owned()));
    }
}
