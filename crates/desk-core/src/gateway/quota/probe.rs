//! The probe: once the ledger says today is used up, the user may ask for
//! one call beyond the count (still counted) to see whether Meituan agrees.
//! It is the cheapest call the account has, the one verify makes: a
//! one-minute order query asking for one order. Accepted → the day was not
//! used up at Meituan (our assumed limit or reset time is off) and the
//! ledger reopens it; refused for quota → the limit is confirmed for today.

use crate::error::{IpcError, Result};
use crate::gateway::api::{Api, CallError};
use crate::gateway::quota::QuotaStatus;
use crate::profiles::{self, verify, Generation};
use meituan_union::ApiErrorKind;
use serde::Serialize;

/// How Meituan answered the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// Accepted: the day is reopened until Meituan refuses a call.
    Accepted,
    /// Refused for quota (media 403): the day is used up indeed.
    RefusedQuota,
    /// Anything else (network, a refusal no source explains, ...): nothing
    /// was learned; `error` says what.
    Failed,
}

/// The probe's result and the day's quota after it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ProbeReport {
    pub outcome: ProbeOutcome,
    /// Meituan's refusal (or why the call failed), as any command's error
    /// crosses the IPC: code, details (Meituan's own code and words), and an
    /// English message for logs. `null` when accepted.
    pub error: Option<IpcError>,
    pub status: QuotaStatus,
}

/// Sends the day's probe for `profile_id`. Refused before any call (an
/// `invalid_input` on `probe`) when today is not used up or the previous
/// probe is still pending; a missing secret is refused as by any call.
pub async fn probe(api: &Api, profile_id: &str) -> Result<ProbeReport> {
    let profile = profiles::get(api.store(), profile_id)?;
    let end = api.clock().now().timestamp();
    let result = match profile.generation {
        Generation::Legacy => {
            let req = verify::cheapest_legacy_call(end);
            api.legacy_probe(&profile, &req).await.map(|_| ())
        }
        Generation::Media => {
            let req = verify::cheapest_media_call(end);
            api.media_probe(&profile, &req).await.map(|_| ())
        }
    };
    let (outcome, error) = match result {
        Ok(()) => (ProbeOutcome::Accepted, None),
        Err(CallError::Local(e)) => return Err(e),
        Err(CallError::Remote(e)) => {
            let outcome = if e.api_kind() == Some(ApiErrorKind::QuotaExceeded) {
                ProbeOutcome::RefusedQuota
            } else {
                ProbeOutcome::Failed
            };
            let error = api.map_call_error(CallError::Remote(e));
            (outcome, Some(IpcError::from(error)))
        }
    };
    Ok(ProbeReport {
        outcome,
        error,
        status: api.ledger().status(&profile)?,
    })
}
