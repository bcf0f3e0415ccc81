//! Planning a batch against the calls left today, running it, and retrying errors.

use super::*;

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
        if crate::links::sql::by_key(conn, &profile.id, &key)?.is_some() {
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
    let counts = crate::links::batch::sql::summary(&conn, batch_id)?
        .ok_or_else(|| Error::not_found("batch", batch_id))?
        .counts;
    let pending = crate::links::batch::sql::pending(&conn, batch_id)?;
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
    if crate::links::batch::sql::summary(&conn, batch_id)?.is_none() {
        return Err(Error::not_found("batch", batch_id));
    }
    crate::links::batch::sql::reset_errors(&conn, batch_id, &RETRYABLE)
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
            crate::links::batch::sql::finish_row(
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
                    crate::links::batch::sql::finish_row(
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
                    crate::links::batch::sql::finish_row(
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
