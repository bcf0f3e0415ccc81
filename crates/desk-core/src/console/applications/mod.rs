//! The request tracker: frequency requests (频次申请), special-case requests
//! (特殊情况申请) and — through [`crate::console::authorization`] — API authorization
//! applications, each with its due time and recorded outcome, per profile.
//!
//! A granted frequency or special-case request changes the profile's tier at
//! once, so the quota ledger (which reads the profile's tier) uses the new
//! limit from the next call on.

pub mod alerts;

use super::sandbox::SandboxConsole;
use super::Via;
use crate::clock::{beijing_rfc3339, Clock};
use crate::console::tiers::{self, AverageSource, TierReport};
use crate::console::workdays;
use crate::error::{Error, Result};
use crate::gateway::quota::QuotaLedger;
use crate::profiles::{self, Profile, ProfileUpdate, Tier};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sql::RequestRow;
use std::str::FromStr;

/// This feature's SQL.
pub mod sql;

/// Working days Meituan takes to answer a special-case request or a second
/// authorization application.
pub const ANSWER_WORKING_DAYS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Authorization,
    Frequency,
    SpecialCase,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Authorization => "authorization",
            RequestKind::Frequency => "frequency",
            RequestKind::SpecialCase => "special_case",
        }
    }
}

impl FromStr for RequestKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "authorization" => Ok(RequestKind::Authorization),
            "frequency" => Ok(RequestKind::Frequency),
            "special_case" => Ok(RequestKind::SpecialCase),
            _ => Err(Error::invalid(
                "kind",
                "must be authorization, frequency or special_case",
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for Meituan's answer.
    Filed,
    Granted,
    Refused,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Filed => "filed",
            RequestStatus::Granted => "granted",
            RequestStatus::Refused => "refused",
        }
    }
}

impl FromStr for RequestStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "filed" => Ok(RequestStatus::Filed),
            "granted" => Ok(RequestStatus::Granted),
            "refused" => Ok(RequestStatus::Refused),
            _ => Err(Error::invalid(
                "status",
                "must be filed, granted or refused",
            )),
        }
    }
}

/// One tracked request, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ConsoleRequest {
    pub id: i64,
    pub profile_id: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub attempt: u32,
    pub tier_before: Option<Tier>,
    pub requested_tier: Option<Tier>,
    pub tier_after: Option<Tier>,
    pub monthly_average: Option<u64>,
    pub justification: Option<String>,
    /// RFC 3339, +08:00.
    pub filed_at: String,
    pub due_at: String,
    pub answered_at: Option<String>,
    pub note: Option<String>,
    /// Filed through the sandbox's console, or by hand in Meituan's.
    pub via: Via,
    /// Still waiting and the answer time has passed: refresh the console page.
    pub answer_due: bool,
}

fn tier_opt(s: Option<&str>) -> Option<Tier> {
    s.and_then(|t| Tier::from_str(t).ok())
}

pub(crate) fn to_request(row: RequestRow, now: DateTime<Utc>) -> Result<ConsoleRequest> {
    let status = RequestStatus::from_str(&row.status)?;
    let answer_due = status == RequestStatus::Filed
        && workdays::parse_instant(&row.due_at).is_ok_and(|due| due <= now);
    Ok(ConsoleRequest {
        id: row.id,
        profile_id: row.profile_id,
        kind: RequestKind::from_str(&row.kind)?,
        status,
        attempt: row.attempt,
        tier_before: tier_opt(row.tier_before.as_deref()),
        requested_tier: tier_opt(row.requested_tier.as_deref()),
        tier_after: tier_opt(row.tier_after.as_deref()),
        monthly_average: row.monthly_average,
        justification: row.justification,
        filed_at: row.filed_at,
        due_at: row.due_at,
        answered_at: row.answered_at,
        note: row.note,
        via: Via::from_stored(&row.via),
        answer_due,
    })
}

/// Every request of a profile, newest first.
pub fn history(store: &Store, clock: &dyn Clock, profile_id: &str) -> Result<Vec<ConsoleRequest>> {
    let profile = profiles::get(store, profile_id)?;
    let now = clock.now();
    sql::list(&*store.connect()?, &profile.id, None)?
        .into_iter()
        .map(|r| to_request(r, now))
        .collect()
}

pub fn get(store: &Store, clock: &dyn Clock, id: i64) -> Result<ConsoleRequest> {
    let row = sql::get(&*store.connect()?, id)?.ok_or_else(|| Error::not_found("request", id))?;
    to_request(row, clock.now())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert(
    store: &Store,
    profile: &Profile,
    kind: RequestKind,
    filed_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    requested_tier: Option<Tier>,
    monthly_average: Option<u64>,
    justification: Option<String>,
    via: Via,
) -> Result<i64> {
    let conn = store.connect()?;
    let attempt = sql::count(&conn, &profile.id, kind.as_str())? + 1;
    sql::insert(
        &conn,
        &RequestRow {
            id: 0,
            profile_id: profile.id.clone(),
            kind: kind.as_str().into(),
            status: RequestStatus::Filed.as_str().into(),
            attempt,
            tier_before: Some(profile.tier.as_str().into()),
            requested_tier: requested_tier.map(|t| t.as_str().into()),
            tier_after: None,
            monthly_average,
            justification,
            filed_at: beijing_rfc3339(filed_at),
            due_at: beijing_rfc3339(due_at),
            answered_at: None,
            notified_at: None,
            note: None,
            via: via.as_str().into(),
        },
    )
}

fn tier_report(store: &Store, profile: &Profile, now: DateTime<Utc>) -> Result<TierReport> {
    tiers::report(&*store.connect()?, profile, now)
}

/// The outcome the user (or the sandbox) reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Granted with the tier the console now shows.
    Granted {
        tier: Tier,
    },
    Refused,
}

/// Records the answer of a frequency or special-case request. A grant sets
/// the profile's tier at once.
pub fn record_outcome(
    store: &Store,
    clock: &dyn Clock,
    id: i64,
    outcome: Outcome,
    note: Option<&str>,
) -> Result<ConsoleRequest> {
    let req = get(store, clock, id)?;
    if req.kind == RequestKind::Authorization {
        return Err(Error::invalid(
            "id",
            "authorization outcomes are recorded through the authorization flow",
        ));
    }
    let at = beijing_rfc3339(clock.now());
    let conn = store.connect()?;
    match outcome {
        Outcome::Granted { tier } => {
            profiles::update(
                store,
                &req.profile_id,
                ProfileUpdate {
                    tier: Some(tier),
                    ..Default::default()
                },
            )?;
            sql::answer(&conn, id, "granted", Some(tier.as_str()), &at, note)?;
        }
        Outcome::Refused => {
            sql::answer(&conn, id, "refused", None, &at, note)?;
        }
    }
    get(store, clock, id)
}

/// Real Meituan: the user says they filed a frequency request in the
/// console; they record the outcome the console shows. The seed says only
/// that Meituan answers by the monthly average and that a grant shows at
/// once (`shared/seed/000_0a499e18fb5d9012.txt:16-17`), not how long an
/// answer takes, so the answer is expected within [`ANSWER_WORKING_DAYS`]
/// working days: our assumption, from the other console answers. Before
/// that the request is "waiting", never "overdue".
pub fn file_frequency_manual(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
) -> Result<ConsoleRequest> {
    let profile = profiles::get(store, profile_id)?;
    let now = clock.now();
    let report = tier_report(store, &profile, now)?;
    let id = insert(
        store,
        &profile,
        RequestKind::Frequency,
        now,
        workdays::due_instant(now, ANSWER_WORKING_DAYS),
        Some(report.eligible_tier),
        Some(report.monthly_average),
        None,
        Via::Manual,
    )?;
    get(store, clock, id)
}

/// Sandbox: files the frequency request with the sandbox console and
/// records its immediate answer; a grant changes the profile's tier.
pub async fn file_frequency_sandbox(
    store: &Store,
    clock: &dyn Clock,
    console: &SandboxConsole,
    profile_id: &str,
) -> Result<ConsoleRequest> {
    let profile = profiles::get(store, profile_id)?;
    require_sandbox(&profile)?;
    let now = clock.now();
    let report = tier_report(store, &profile, now)?;
    let answer = console.request_frequency(&profile.appkey).await?;
    let id = insert(
        store,
        &profile,
        RequestKind::Frequency,
        now,
        now,
        Tier::from_str(&answer.tier_after)
            .ok()
            .filter(|_| answer.granted)
            .or(Some(report.eligible_tier)),
        Some(report.monthly_average),
        None,
        Via::Sandbox,
    )?;
    let outcome = if answer.granted {
        Outcome::Granted {
            tier: Tier::from_str(&answer.tier_after)?,
        }
    } else {
        Outcome::Refused
    };
    let note = format!(
        "sandbox monthly average {:.0}{}",
        answer.monthly_average,
        answer.message.map(|m| format!("; {m}")).unwrap_or_default()
    );
    record_outcome(store, clock, id, outcome, Some(&note))
}

pub(crate) fn require_sandbox(profile: &Profile) -> Result<()> {
    if profile.sandbox {
        Ok(())
    } else {
        Err(Error::invalid(
            "profile",
            "this profile talks to the real Meituan: do this in the console page and record the outcome here",
        ))
    }
}

/// The user's own figures behind a special-case request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SpecialCaseFigures {
    pub tier: TierReport,
    /// Days of the last 30 on which the local ledger reached the limit or
    /// Meituan refused for quota.
    pub days_limit_hit: u32,
    pub days_considered: u32,
    /// Highest calls in one day over the last 30 days.
    pub peak_calls: u32,
    /// Average calls per day over the last 30 days.
    pub average_calls: u32,
    pub current_limit: Option<u32>,
    /// The tier the draft asks for: the next one above the current.
    pub requested_tier: Option<Tier>,
}

/// A justification the user edits and copies into the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SpecialCaseDraft {
    /// Chinese, as the console expects; at most 1000 characters.
    pub text: String,
    pub figures: SpecialCaseFigures,
}

/// Drafts a special-case request from the user's order trend, quota use and
/// the days the limit was hit.
pub fn draft_special_case(
    store: &Store,
    ledger: &QuotaLedger,
    clock: &dyn Clock,
    profile_id: &str,
) -> Result<SpecialCaseDraft> {
    let profile = profiles::get(store, profile_id)?;
    let now = clock.now();
    let report = tier_report(store, &profile, now)?;
    let days = 30;
    let history = ledger.history(&profile, days)?;
    let limit = profile.tier.daily_limit();
    let days_limit_hit = history
        .iter()
        .filter(|d| d.server_exhausted || limit.is_some_and(|l| d.used >= l))
        .count() as u32;
    let peak_calls = history.iter().map(|d| d.used).max().unwrap_or(0);
    let average_calls =
        (history.iter().map(|d| u64::from(d.used)).sum::<u64>() / u64::from(days)) as u32;
    let requested = tiers::next_tier(profile.tier).map(|r| r.tier);
    let figures = SpecialCaseFigures {
        tier: report,
        days_limit_hit,
        days_considered: days,
        peak_calls,
        average_calls,
        current_limit: limit,
        requested_tier: requested,
    };
    Ok(SpecialCaseDraft {
        text: draft_text(&profile, &figures),
        figures,
    })
}

fn limit_zh(limit: Option<u32>) -> String {
    limit.map_or_else(|| "不限".to_owned(), |l| format!("{l}次/天"))
}

/// The Chinese justification text built from the figures.
pub fn draft_text(profile: &Profile, f: &SpecialCaseFigures) -> String {
    let trend = f
        .tier
        .months
        .iter()
        .map(|m| {
            if m.counted {
                format!("{}月{}单", &m.month[5..], m.orders)
            } else {
                format!("本月至今{}单", m.orders)
            }
        })
        .collect::<Vec<_>>()
        .join("，");
    let first = f
        .tier
        .months
        .iter()
        .find(|m| m.counted)
        .map(|m| m.orders)
        .unwrap_or(0);
    let last = f
        .tier
        .months
        .iter()
        .rev()
        .find(|m| m.counted)
        .map(|m| m.orders)
        .unwrap_or(0);
    let direction = if last > first {
        "订单量持续增长"
    } else if last < first {
        "订单量有所波动"
    } else {
        "订单量保持稳定"
    };
    let wanted = f
        .requested_tier
        .map(|t| limit_zh(t.daily_limit()))
        .unwrap_or_else(|| "更高".into());
    // Never state our estimate as Meituan's figure: the console's own
    // figure when the user typed it in; an estimate only when the synced
    // history covers the months, and said to be one; else no figure.
    let volume = match f.tier.source {
        AverageSource::Console => format!(
            "联盟后台数据中心显示月均订单量{}单。",
            f.tier.monthly_average
        ),
        AverageSource::Estimate if f.tier.history_complete => format!(
            "按我同步的订单统计，近三个完整自然月{direction}：{trend}，估算月均约{}单（以联盟后台数据为准）。",
            f.tier.estimated_average
        ),
        AverageSource::Estimate => String::new(),
    };
    format!(
        "您好，我是推广账号（appkey 尾号{tail}）的使用者。{volume}\
目前API调用频次为{cur}，近{days}天日均调用约{avgc}次，单日最高{peak}次，其中有{hit}天触达频次上限，\
影响了订单同步和推广链接生成。为保证正常推广，特申请将调用频次提升至{wanted}。谢谢！",
        tail = profile
            .appkey
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>(),
        cur = limit_zh(f.current_limit),
        days = f.days_considered,
        avgc = f.average_calls,
        peak = f.peak_calls,
        hit = f.days_limit_hit,
    )
}

/// Longest justification the console accepts (the sandbox's limit).
pub const MAX_JUSTIFICATION_CHARS: usize = 1000;

fn check_justification(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(
            "justification",
            "the justification is empty",
        ));
    }
    if text.chars().count() > MAX_JUSTIFICATION_CHARS {
        return Err(Error::invalid(
            "justification",
            format!("at most {MAX_JUSTIFICATION_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Real Meituan: the user submitted the special-case request in the
/// console; the answer is due in two working days.
pub fn file_special_case_manual(
    store: &Store,
    clock: &dyn Clock,
    profile_id: &str,
    justification: &str,
    requested_tier: Option<Tier>,
) -> Result<ConsoleRequest> {
    let text = check_justification(justification)?;
    let profile = profiles::get(store, profile_id)?;
    let now = clock.now();
    let report = tier_report(store, &profile, now)?;
    let due = workdays::due_instant(now, ANSWER_WORKING_DAYS);
    let requested = requested_tier.or_else(|| tiers::next_tier(profile.tier).map(|r| r.tier));
    let id = insert(
        store,
        &profile,
        RequestKind::SpecialCase,
        now,
        due,
        requested,
        Some(report.monthly_average),
        Some(text),
        Via::Manual,
    )?;
    get(store, clock, id)
}

/// Sandbox: submits the special-case request to the sandbox console. The
/// due time is still the real rule (two working days); the sandbox answers
/// much sooner and [`refresh_sandbox`] picks the answer up.
pub async fn file_special_case_sandbox(
    store: &Store,
    clock: &dyn Clock,
    console: &SandboxConsole,
    profile_id: &str,
    justification: &str,
    requested_tier: Option<Tier>,
) -> Result<ConsoleRequest> {
    let text = check_justification(justification)?;
    let profile = profiles::get(store, profile_id)?;
    require_sandbox(&profile)?;
    let now = clock.now();
    let report = tier_report(store, &profile, now)?;
    let remote = console
        .request_special(&profile.appkey, &text, requested_tier.map(Tier::as_str))
        .await?;
    let due = workdays::due_instant(now, ANSWER_WORKING_DAYS);
    let requested = Tier::from_str(&remote.requested_tier)
        .ok()
        .or(requested_tier);
    let id = insert(
        store,
        &profile,
        RequestKind::SpecialCase,
        now,
        due,
        requested,
        Some(report.monthly_average),
        Some(text),
        Via::Sandbox,
    )?;
    get(store, clock, id)
}

/// Sandbox: asks the console for the answers of open special-case requests
/// and records them (a grant sets the requested tier).
pub async fn refresh_sandbox(
    store: &Store,
    clock: &dyn Clock,
    console: &SandboxConsole,
    profile_id: &str,
) -> Result<Vec<ConsoleRequest>> {
    let profile = profiles::get(store, profile_id)?;
    require_sandbox(&profile)?;
    let remote = console.special_requests(&profile.appkey).await?;
    let open: Vec<ConsoleRequest> = history(store, clock, profile_id)?
        .into_iter()
        .filter(|r| {
            r.kind == RequestKind::SpecialCase
                && r.status == RequestStatus::Filed
                && r.via == Via::Sandbox
        })
        .collect();
    // The sandbox allows one pending special request at a time, so the
    // latest remote answer belongs to the latest open local request.
    if let (Some(local), Some(last)) = (open.first(), remote.last()) {
        match last.state.as_str() {
            "granted" => {
                let tier = Tier::from_str(&last.requested_tier)?;
                record_outcome(
                    store,
                    clock,
                    local.id,
                    Outcome::Granted { tier },
                    Some("sandbox console granted"),
                )?;
            }
            "refused" => {
                record_outcome(
                    store,
                    clock,
                    local.id,
                    Outcome::Refused,
                    Some("sandbox console refused"),
                )?;
            }
            _ => {}
        }
    }
    history(store, clock, profile_id)
}

/// Open requests whose answer time has come and that were not notified
/// yet; each is marked notified, so a notification is shown once.
pub fn take_due_notifications(store: &Store, clock: &dyn Clock) -> Result<Vec<ConsoleRequest>> {
    let now = clock.now();
    let conn = store.connect()?;
    let rows = sql::due_unnotified(&conn, &beijing_rfc3339(now))?;
    let mut out = Vec::new();
    for row in rows {
        sql::mark_notified(&conn, row.id, &beijing_rfc3339(now))?;
        out.push(to_request(row, now)?);
    }
    Ok(out)
}
