//! How a sandbox is set up: seed, data volume, tier, clock, limits, delays.

use crate::clock::Clock;
use meituan_union::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// The console's call-frequency table (调用频次): one definition in
/// `meituan-union`, shared with the app.
pub use meituan_union::{Tier, UnknownTier};

/// The burst rule behind `402 请求过于频繁`: more than `max_calls` signed
/// calls from one appkey within `per` (real time, not the injected clock,
/// because a burst is a property of how fast requests really arrive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub max_calls: u32,
    pub per: Duration,
}

/// Waiting times of the console actions, measured on the injected clock.
/// They stand for Meituan's "about one hour" and "two working days".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleDelays {
    /// First API authorization application (stands for ~1 hour).
    pub first_authorization: Duration,
    /// Any later application (stands for 2 working days).
    pub second_authorization: Duration,
    /// Special-case request answer (stands for 2 working days).
    pub special_case: Duration,
}

impl Default for ConsoleDelays {
    fn default() -> Self {
        ConsoleDelays {
            first_authorization: Duration::from_secs(3),
            second_authorization: Duration::from_secs(10),
            special_case: Duration::from_secs(10),
        }
    }
}

/// What a special-case request (特殊情况申请) ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialCaseOutcome {
    /// The requested tier (or the next one up) is granted.
    Granted,
    Refused,
}

/// Delivery of order pushes to a registered callback URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackPolicy {
    /// Attempts per event, the first included.
    pub max_attempts: u32,
    /// Wait before the first retry; doubles after each failed attempt.
    pub initial_backoff: Duration,
    /// Per-attempt HTTP timeout.
    pub timeout: Duration,
    /// How often (real time) the sandbox looks for order events that the
    /// injected clock has reached.
    pub poll_interval: Duration,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        CallbackPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
            poll_interval: Duration::from_millis(200),
        }
    }
}

/// An account served besides the demo one, e.g. the appkey/secret of
/// `vectors.json` so hand-built reference requests are accepted.
#[derive(Clone, Debug)]
pub struct AccountSpec {
    pub appkey: String,
    pub secret: Secret,
    /// Initial callback secret; derived from the seed when `None`.
    pub callback_secret: Option<Secret>,
    pub tier: Tier,
    /// Overrides [`SandboxConfig::orders_per_month`] for this account.
    pub orders_per_month: Option<u32>,
    /// Whether API authorization starts approved (已开通).
    pub authorized: bool,
}

impl AccountSpec {
    pub fn new(appkey: impl Into<String>, secret: impl Into<String>) -> Self {
        AccountSpec {
            appkey: appkey.into(),
            secret: Secret::new(secret.into()),
            callback_secret: None,
            tier: Tier::T2000,
            orders_per_month: None,
            authorized: true,
        }
    }
}

/// Everything [`crate::Sandbox::start`] needs.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed of all synthetic data and of the demo credentials.
    pub seed: u64,
    /// Orders per calendar month that end paid or completed (status 1/8);
    /// refunded and risk orders come on top (see the README).
    pub orders_per_month: u32,
    /// Starting tier of the demo account.
    pub tier: Tier,
    pub clock: Clock,
    /// `None` turns the burst rule off (the default).
    pub rate_limit: Option<RateLimit>,
    /// Legacy `ts` tolerance (seconds in the query; 60 s at Meituan).
    pub legacy_ts_window: Duration,
    /// Media `S-Ca-Timestamp` tolerance (120 s at Meituan).
    pub media_ts_window: Duration,
    pub console_delays: ConsoleDelays,
    pub special_case_outcome: SpecialCaseOutcome,
    pub callbacks: CallbackPolicy,
    /// Keeps console state, callback registration, quota counters and the
    /// data anchor across restarts. Holds no secret: every secret is derived
    /// from the seed.
    pub state_file: Option<PathBuf>,
    /// Epoch ms the synthetic order history is laid out around (the Beijing
    /// day containing it). `None`: the clock's "now" at first start (then
    /// kept in the state file, if any).
    pub data_anchor_ms: Option<i64>,
    /// Whether the demo account's API authorization starts approved.
    pub demo_authorized: bool,
    pub extra_accounts: Vec<AccountSpec>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            seed: 1,
            orders_per_month: 300,
            tier: Tier::T2000,
            clock: Clock::system(),
            rate_limit: None,
            legacy_ts_window: Duration::from_secs(60),
            media_ts_window: Duration::from_secs(120),
            console_delays: ConsoleDelays::default(),
            special_case_outcome: SpecialCaseOutcome::Granted,
            callbacks: CallbackPolicy::default(),
            state_file: None,
            data_anchor_ms: None,
            demo_authorized: true,
            extra_accounts: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_table_matches_console() {
        assert_eq!(Tier::for_monthly_average(0.0), Tier::T2000);
        assert_eq!(Tier::for_monthly_average(999.9), Tier::T2000);
        assert_eq!(Tier::for_monthly_average(1000.0), Tier::T3000);
        assert_eq!(Tier::for_monthly_average(1999.0), Tier::T3000);
        assert_eq!(Tier::for_monthly_average(2000.0), Tier::T6000);
        assert_eq!(Tier::for_monthly_average(5000.0), Tier::T15000);
        assert_eq!(Tier::for_monthly_average(10000.0), Tier::Unlimited);
        assert_eq!(Tier::T6000.daily_limit(), Some(6000));
        assert_eq!(Tier::Unlimited.daily_limit(), None);
        assert_eq!(Tier::T15000.next(), Some(Tier::Unlimited));
        assert_eq!(Tier::Unlimited.next(), None);
    }

    #[test]
    fn tier_round_trips_as_text() {
        for t in Tier::ALL {
            assert_eq!(t.as_str().parse::<Tier>().unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert!("4000".parse::<Tier>().is_err());
    }
}
