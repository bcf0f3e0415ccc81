//! "Verify": one cheap signed call that tells, in plain words, which of
//! network, appkey, secret, clock, authorization or quota is wrong. Success
//! means the authorization is open (已开通), and the profile says so.

use crate::clock::beijing_rfc3339;
use crate::error::{Error, ErrorCode, Result};
use crate::gateway::api::{Api, CallError};
use crate::profiles::{self, AuthStatus, Generation, Profile};
use meituan_union::{
    ApiErrorKind, BusinessLine, OrderListRequest, QueryOrderRequest, QueryTimeType, SearchType,
};
use serde::Serialize;
use std::time::Instant;

/// What verify found wrong; `None` in the report when all is well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum VerifyProblem {
    /// No answer: offline, DNS, refused connection, TLS.
    Network,
    /// The server did not answer in time.
    Timeout,
    /// The appkey is unknown to the server.
    Appkey,
    /// The signature was refused: the secret is wrong.
    Secret,
    /// Refused, and Meituan does not say whether appkey or secret (media 400).
    Credentials,
    /// The computer's clock is too far off (`offset_secs` says how far).
    Clock,
    /// API authorization (API 授权) is not open yet.
    AuthorizationNotOpen,
    /// Today's quota is used up (`resets_at` says when it comes back).
    QuotaExhausted,
    /// Calls too close together.
    TooFrequent,
    /// No API secret is stored for the profile.
    MissingSecret,
    /// The OS keychain could not be used.
    Keychain,
    /// The server failed or answered something unreadable.
    Server,
    /// Meituan refused with a code no public source explains (every legacy
    /// refusal): its own code and words are in `api_code`/`api_message`.
    Refused,
}

/// The outcome of a verify, for the UI and `mtu profile verify --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct VerifyReport {
    pub profile_id: String,
    pub ok: bool,
    pub problem: Option<VerifyProblem>,
    /// The same as the problem's code, for the generic error translation.
    pub code: Option<ErrorCode>,
    /// A plain English sentence; the UI shows the translation of `problem`.
    pub message: String,
    /// Server clock minus ours, in seconds, when the clock is the problem.
    pub offset_secs: Option<i64>,
    /// When the quota comes back (RFC 3339, +08:00), when it is the problem.
    pub resets_at: Option<String>,
    /// Meituan's own code and words when it refused the call (`Refused`),
    /// as it sent them; never a secret.
    pub api_code: Option<String>,
    pub api_message: Option<String>,
    /// The endpoint called, when a call was made.
    pub endpoint: Option<String>,
    pub latency_ms: Option<u64>,
    /// The authorization status after the check.
    pub auth_status: AuthStatus,
    /// Whether that status has been established (by this check or an
    /// earlier step); false: still 未检查.
    pub auth_checked: bool,
    /// RFC 3339, +08:00.
    pub checked_at: String,
}

/// The cheapest legacy call, the one a check makes (and the quota probe):
/// the minute ending at `end` (epoch s), one order.
pub(crate) fn cheapest_legacy_call(end: i64) -> OrderListRequest {
    OrderListRequest {
        business_line: Some(BusinessLine::WaimaiShangou),
        act_id: None,
        start_time: end - 60,
        end_time: end,
        page: 1,
        limit: 1,
        query_time_type: QueryTimeType::PayTime,
    }
}

/// The cheapest media call, as [`cheapest_legacy_call`]: one page of the
/// minute ending at `end`.
pub(crate) fn cheapest_media_call(end: i64) -> QueryOrderRequest {
    QueryOrderRequest::window(end - 60, end, QueryTimeType::PayTime, SearchType::Page, 1)
}

/// Runs the check for one profile. A problem the check finds is a report,
/// not an error; only storage failures are errors.
pub async fn verify(api: &Api, profile_id: &str) -> Result<VerifyReport> {
    let profile = profiles::get(api.store(), profile_id)?;
    let now = api.clock().now();
    let started = Instant::now();
    let (endpoint, result) = match profile.generation {
        Generation::Legacy => {
            let req = cheapest_legacy_call(now.timestamp());
            let r = api.legacy_call(&profile, &req).await.map(|_| ());
            ("/api/orderList", r)
        }
        Generation::Media => {
            let req = cheapest_media_call(now.timestamp());
            let r = api.media_call(&profile, &req).await.map(|_| ());
            ("/cps_open/common/api/v1/query_order", r)
        }
    };
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut report = VerifyReport {
        profile_id: profile.id.clone(),
        ok: false,
        problem: None,
        code: None,
        message: String::new(),
        offset_secs: None,
        resets_at: None,
        api_code: None,
        api_message: None,
        endpoint: Some(endpoint.to_owned()),
        latency_ms: Some(latency_ms),
        auth_status: profile.auth_status,
        auth_checked: profile.auth_checked_at.is_some(),
        checked_at: beijing_rfc3339(now),
    };
    match result {
        Ok(()) => {
            report.ok = true;
            report.message =
                "All good: appkey, secret, clock and API authorization are right.".into();
            let updated =
                profiles::set_auth_status(api.store(), api.clock(), &profile.id, AuthStatus::Open)?;
            report.auth_status = updated.auth_status;
            report.auth_checked = updated.auth_checked_at.is_some();
        }
        Err(e) => {
            let nothing_sent = matches!(
                e,
                CallError::Local(_)
                    | CallError::Remote(meituan_union::Error::InvalidArgument { .. })
            );
            let (problem, message) = diagnose(api, &profile, &e);
            if problem == VerifyProblem::Refused {
                if let CallError::Remote(meituan_union::Error::Api { code, message, .. }) = &e {
                    report.api_code = Some(code.to_string());
                    report.api_message = Some(message.chars().take(500).collect());
                }
            }
            let err = api.map_call_error(e);
            // Storage trouble is ours, not the account's: report it as an error.
            if err.code() == ErrorCode::Storage {
                return Err(err);
            }
            if let Error::ClockSkew { offset_secs } = &err {
                report.offset_secs = Some(*offset_secs);
            }
            if let Error::QuotaExhausted { resets_at } = &err {
                report.resets_at =
                    Some(resets_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
            }
            if problem == VerifyProblem::AuthorizationNotOpen
                && profile.auth_status == AuthStatus::Open
            {
                // The server says it is not open (any more): trust the server.
                // No documented refusal says so today (a legacy refusal's
                // words are not read), so `diagnose` does not produce this.
                let updated = profiles::set_auth_status(
                    api.store(),
                    api.clock(),
                    &profile.id,
                    AuthStatus::NotOpen,
                )?;
                report.auth_status = updated.auth_status;
                report.auth_checked = updated.auth_checked_at.is_some();
            }
            if nothing_sent {
                report.endpoint = None;
            }
            report.code = Some(err.code());
            report.problem = Some(problem);
            report.message = message;
        }
    }
    Ok(report)
}

fn diagnose(api: &Api, profile: &Profile, e: &CallError) -> (VerifyProblem, String) {
    use meituan_union::Error as M;
    match e {
        CallError::Local(local) => match local {
            Error::NotFound(_) => (
                VerifyProblem::MissingSecret,
                format!("Profile {:?} has no API secret (密钥) yet: add it, then verify again.", profile.name),
            ),
            Error::KeychainUnavailable(_) => (
                VerifyProblem::Keychain,
                "The system keychain could not be used, so the secret could not be read. Unlock it and try again.".into(),
            ),
            Error::QuotaExhausted { resets_at } => (
                VerifyProblem::QuotaExhausted,
                format!(
                    "Today's calls are used up, so nothing was sent. We estimate they come back at {} (Beijing time; Meituan does not publish the reset time).",
                    resets_at.format("%Y-%m-%d %H:%M")
                ),
            ),
            other => (VerifyProblem::Server, format!("The check could not run: {other}.")),
        },
        CallError::Remote(remote) => match remote {
            M::Network { .. } => (
                VerifyProblem::Network,
                "The server could not be reached: check the internet connection (and the base URL).".into(),
            ),
            M::Timeout => (
                VerifyProblem::Timeout,
                "The server did not answer in time: check the connection and try again.".into(),
            ),
            M::ClockSkew { offset_secs } => (
                VerifyProblem::Clock,
                format!(
                    "This computer's clock is {} s {} the server's: set the clock right (automatic time), then verify again.",
                    offset_secs.abs(),
                    if *offset_secs > 0 { "behind" } else { "ahead of" }
                ),
            ),
            M::Api {
                generation,
                code,
                message,
            } => match remote.api_kind() {
                // Documented signals only (the media code table); a legacy
                // refusal has no documented code, so its words are shown,
                // never read into a diagnosis.
                Some(ApiErrorKind::QuotaExceeded) => {
                    let resets = crate::clock::next_beijing_midnight(api.clock().now())
                        .with_timezone(&crate::clock::beijing());
                    (
                        VerifyProblem::QuotaExhausted,
                        format!(
                            "Meituan says today's calls are used up. We estimate they come back at {} (Beijing time; Meituan does not publish the reset time).",
                            resets.format("%Y-%m-%d %H:%M")
                        ),
                    )
                }
                Some(ApiErrorKind::TooFrequent) => (
                    VerifyProblem::TooFrequent,
                    "Calls were too close together: wait a moment and verify again.".into(),
                ),
                Some(ApiErrorKind::AuthFailed) => (
                    VerifyProblem::Credentials,
                    "Meituan refused the appkey or the secret (鉴权不通过), or the authorization is not open yet: check both against the console.".into(),
                ),
                _ if *generation == meituan_union::ApiGeneration::Legacy => (
                    VerifyProblem::Refused,
                    format!(
                        "Meituan refused the call (code {code}): {message}. The legacy API publishes no error codes, so read Meituan's words: they may concern the appkey, the API secret (密钥), this computer's clock or the API authorization (API 授权)."
                    ),
                ),
                _ => (
                    VerifyProblem::Refused,
                    format!("Meituan refused the call (code {code}): {message}"),
                ),
            },
            M::Http { status, .. } => (
                VerifyProblem::Server,
                format!("The server answered HTTP {status}: check the base URL, or try again later."),
            ),
            M::Decode { .. } => (
                VerifyProblem::Server,
                "The server's answer could not be read: check the base URL.".into(),
            ),
            M::InvalidArgument { field, reason } => (
                if *field == "appkey" { VerifyProblem::Appkey } else { VerifyProblem::Secret },
                format!("The {field} is not usable: {reason}."),
            ),
        },
    }
}
