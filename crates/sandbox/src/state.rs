//! The sandbox's shared state: accounts, their order books, console state,
//! quota counters, faults and the runtime switches.

use crate::clock::{beijing_day, next_beijing_midnight_ms, offset_now, Clock};
use crate::config::{AccountSpec, RateLimit, SandboxConfig, SpecialCaseOutcome, Tier};
use crate::data::{self, Coupon, Fate, GenParams, Order, OrderBook};
use crate::faults::FaultState;
use meituan_union::Secret;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

/// Locks a mutex even if a panicking thread poisoned it: every critical
/// section leaves the data consistent, so the sandbox keeps serving.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// 32 lower-case hex characters from a labelled ChaCha stream.
pub(crate) fn derived_hex(seed: u64, label: &str) -> String {
    let mut rng = data::rng_for(seed, label);
    (0..16)
        .map(|_| format!("{:02x}", rng.gen::<u8>()))
        .collect()
}

/// API authorization (API 授权) as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Authorization {
    /// 未开通.
    NotApplied,
    /// 申请中; becomes approved once the clock reaches `ready_at_ms`.
    Pending {
        applied_at_ms: i64,
        ready_at_ms: i64,
        attempt: u32,
    },
    /// 已开通.
    Approved { approved_at_ms: i64 },
    /// Closed by the sandbox console (so a second application can be made).
    Closed { closed_at_ms: i64 },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FrequencyRequest {
    pub at_ms: i64,
    pub monthly_average: f64,
    pub qualifies_for: Tier,
    pub tier_before: Tier,
    pub granted: bool,
    pub tier_after: Tier,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpecialRequest {
    pub id: u32,
    pub at_ms: i64,
    pub reason: String,
    pub requested_tier: Tier,
    pub answer_at_ms: i64,
    /// Decided at submission (from the configured outcome), revealed at
    /// `answer_at_ms`.
    pub outcome: SpecialCaseOutcome,
    pub answered: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallbackRegistration {
    pub url: String,
    pub registered_at_ms: i64,
    /// Timeline events at or before this second have been handled.
    pub cursor_s: i64,
}

/// One Beijing day of counters for one appkey.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    pub day: String,
    /// Calls that passed authentication and were served (they count
    /// against the daily limit), whatever their parameters.
    pub calls: u64,
    /// Refused because the daily limit was reached (not counted in `calls`).
    pub refused_quota: u64,
    /// Refused by the burst rule (402; not counted in `calls`).
    pub refused_rate: u64,
    /// Refused for a bad signature, timestamp or missing authorization.
    pub refused_auth: u64,
    /// Served calls refused for bad parameters (also in `calls`).
    pub refused_params: u64,
    /// Requests answered by an injected fault (not counted in `calls`).
    pub faults: u64,
    pub by_endpoint: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct QuotaBook {
    pub today: DayStats,
    pub history: Vec<DayStats>,
}

impl QuotaBook {
    /// Moves to `day` if the Beijing day has turned.
    pub fn roll(&mut self, day: &str) {
        if self.today.day != day {
            if !self.today.day.is_empty() {
                let done = std::mem::take(&mut self.today);
                self.history.push(done);
                let excess = self.history.len().saturating_sub(62);
                self.history.drain(..excess);
            }
            self.today.day = day.to_owned();
        }
    }
}

/// A callback delivery attempt record.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub orderid: String,
    pub event: data::EventKind,
    pub url: String,
    pub attempts: u32,
    pub delivered: bool,
    pub last_error: Option<String>,
    pub at_ms: i64,
}

/// Per-account state that changes and is persisted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountRuntime {
    pub authorization: Authorization,
    /// Applications made so far (the first is answered in ~1 h, later ones
    /// in 2 working days).
    pub applications: u32,
    pub tier: Tier,
    pub frequency_requests: Vec<FrequencyRequest>,
    pub special_requests: Vec<SpecialRequest>,
    pub callback: Option<CallbackRegistration>,
    /// Callback secrets issued so far besides the initial one.
    pub callback_generation: u32,
    pub quota: QuotaBook,
    pub injected_orders: Vec<Order>,
    pub fate_changes: Vec<(String, Fate, i64)>,
    #[serde(skip)]
    pub rate_window: VecDeque<Instant>,
}

impl AccountRuntime {
    fn initial(tier: Tier, authorized: bool, now_ms: i64) -> Self {
        AccountRuntime {
            authorization: if authorized {
                Authorization::Approved {
                    approved_at_ms: now_ms,
                }
            } else {
                Authorization::NotApplied
            },
            applications: u32::from(authorized),
            tier,
            frequency_requests: Vec::new(),
            special_requests: Vec::new(),
            callback: None,
            callback_generation: 0,
            quota: QuotaBook::default(),
            injected_orders: Vec::new(),
            fate_changes: Vec::new(),
            rate_window: VecDeque::new(),
        }
    }

    /// Applies every answer whose time has come (authorization approval,
    /// special-case outcome).
    pub fn settle(&mut self, now_ms: i64) -> bool {
        let mut changed = false;
        if let Authorization::Pending { ready_at_ms, .. } = self.authorization {
            if now_ms >= ready_at_ms {
                self.authorization = Authorization::Approved {
                    approved_at_ms: ready_at_ms,
                };
                changed = true;
            }
        }
        for req in &mut self.special_requests {
            if !req.answered && now_ms >= req.answer_at_ms {
                req.answered = true;
                changed = true;
                if req.outcome == SpecialCaseOutcome::Granted && req.requested_tier > self.tier {
                    self.tier = req.requested_tier;
                }
            }
        }
        changed
    }

    pub fn is_authorized(&self) -> bool {
        matches!(self.authorization, Authorization::Approved { .. })
    }
}

/// One served account.
pub(crate) struct Account {
    pub appkey: String,
    pub secret: Secret,
    pub initial_callback_secret: Secret,
    pub spec_tier: Tier,
    pub spec_authorized: bool,
    pub orders_per_month: u32,
    pub book: RwLock<OrderBook>,
    pub rt: Mutex<AccountRuntime>,
}

/// Switches that tests flip at runtime through `/__admin/config`.
#[derive(Clone, Debug)]
pub(crate) struct Switches {
    pub rate_limit: Option<RateLimit>,
    pub special_case_outcome: SpecialCaseOutcome,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub clock: Clock,
    /// Moves the sandbox's whole notion of time (`/__admin/clock`).
    pub admin_offset_ms: AtomicI64,
    pub anchor_ms: i64,
    pub accounts: Vec<Account>,
    pub by_appkey: HashMap<String, usize>,
    pub demo: usize,
    pub coupons: Vec<Coupon>,
    /// Cities, categories, legacy skus and POIs (`catalog.rs`).
    pub catalog: crate::catalog::Catalog,
    /// `http://127.0.0.1:PORT`, set once the listener is bound; image URLs
    /// in answers are made on it.
    pub public_base: std::sync::OnceLock<String>,
    pub faults: Mutex<FaultState>,
    pub switches: Mutex<Switches>,
    pub deliveries: Mutex<Vec<Delivery>>,
    /// Refusals for appkeys the sandbox does not know, by Beijing day.
    pub unknown_appkey_refusals: Mutex<QuotaBook>,
    pub http: reqwest::Client,
    pub dirty: AtomicBool,
    /// Admin-made order changes waiting to be pushed at the next callback
    /// tick: (account, order index, event, event time in s).
    pub pending_pushes: Mutex<VecDeque<(usize, u32, data::EventKind, i64)>>,
    /// One callback tick at a time (the poller and `push_callbacks_now`).
    pub tick_lock: tokio::sync::Mutex<()>,
}

/// Persisted form (`SandboxConfig::state_file`). Holds no secret.
#[derive(Serialize, Deserialize)]
pub(crate) struct PersistedState {
    pub version: u32,
    pub seed: u64,
    pub anchor_ms: i64,
    pub accounts: BTreeMap<String, AccountRuntime>,
}

pub(crate) const STATE_VERSION: u32 = 1;

impl Shared {
    /// The base of the image URLs the sandbox names: `{base}/img`.
    pub fn img_base(&self) -> String {
        let base = self
            .public_base
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1");
        format!("{base}/img")
    }

    pub fn build(
        config: SandboxConfig,
        persisted: Option<PersistedState>,
    ) -> Result<Shared, crate::SandboxError> {
        let start_ms = offset_now(config.clock.now_ms(), 0);
        let persisted = persisted.filter(|p| p.version == STATE_VERSION && p.seed == config.seed);
        let anchor_ms = config
            .data_anchor_ms
            .or(persisted.as_ref().map(|p| p.anchor_ms))
            .unwrap_or(start_ms);

        let demo_appkey = derived_hex(config.seed, "demo-appkey");
        let mut specs: Vec<(AccountSpec, bool)> = vec![(
            AccountSpec {
                appkey: demo_appkey.clone(),
                secret: Secret::new(derived_hex(config.seed, "demo-secret")),
                callback_secret: None,
                tier: config.tier,
                orders_per_month: None,
                authorized: config.demo_authorized,
            },
            true,
        )];
        specs.extend(config.extra_accounts.iter().cloned().map(|s| (s, false)));

        let mut accounts = Vec::new();
        let mut by_appkey = HashMap::new();
        for (spec, _) in specs {
            if spec.appkey.is_empty() || by_appkey.contains_key(&spec.appkey) {
                return Err(crate::SandboxError::InvalidAccount(spec.appkey));
            }
            let orders_per_month = spec.orders_per_month.unwrap_or(config.orders_per_month);
            let book = OrderBook::new(data::generate(GenParams {
                seed: config.seed,
                appkey: &spec.appkey,
                anchor_ms,
                orders_per_month,
            }));
            let initial_callback_secret = spec.callback_secret.clone().unwrap_or_else(|| {
                Secret::new(derived_hex(
                    config.seed,
                    &format!("callback:{}:0", spec.appkey),
                ))
            });
            let rt = AccountRuntime::initial(spec.tier, spec.authorized, start_ms);
            by_appkey.insert(spec.appkey.clone(), accounts.len());
            accounts.push(Account {
                appkey: spec.appkey,
                secret: spec.secret,
                initial_callback_secret,
                spec_tier: spec.tier,
                spec_authorized: spec.authorized,
                orders_per_month,
                book: RwLock::new(book),
                rt: Mutex::new(rt),
            });
        }

        let shared = Shared {
            coupons: data::coupons(config.seed),
            catalog: crate::catalog::Catalog::new(config.seed),
            public_base: std::sync::OnceLock::new(),
            switches: Mutex::new(Switches {
                rate_limit: config.rate_limit,
                special_case_outcome: config.special_case_outcome,
            }),
            clock: config.clock.clone(),
            admin_offset_ms: AtomicI64::new(0),
            anchor_ms,
            accounts,
            by_appkey,
            demo: 0,
            faults: Mutex::new(FaultState::default()),
            deliveries: Mutex::new(Vec::new()),
            unknown_appkey_refusals: Mutex::new(QuotaBook::default()),
            http: meituan_union::http::client_builder()
                .timeout(config.callbacks.timeout)
                .build()
                .map_err(|e| crate::SandboxError::HttpClient(e.to_string()))?,
            dirty: AtomicBool::new(false),
            pending_pushes: Mutex::new(VecDeque::new()),
            tick_lock: tokio::sync::Mutex::new(()),
            config,
        };
        if let Some(p) = persisted {
            for (appkey, rt) in p.accounts {
                if let Some(&i) = shared.by_appkey.get(&appkey) {
                    shared.restore_runtime(i, rt);
                }
            }
        }
        Ok(shared)
    }

    fn restore_runtime(&self, i: usize, mut rt: AccountRuntime) {
        let acct = &self.accounts[i];
        {
            let mut book = write(&acct.book);
            for o in &mut rt.injected_orders {
                o.upgrade_codes();
                book.insert(o.clone());
            }
            for (id, fate, at) in &rt.fate_changes {
                book.set_fate(id, *fate, *at);
            }
        }
        *lock(&acct.rt) = rt;
    }

    /// The sandbox's "now" (injected clock plus the admin offset), epoch ms.
    /// Saturating and kept within the years 1 to 9999, so no clock or offset
    /// can make a handler overflow.
    pub fn now_ms(&self) -> i64 {
        offset_now(
            self.clock.now_ms(),
            self.admin_offset_ms.load(Ordering::SeqCst),
        )
    }

    /// The clock Meituan's gateway checks timestamps against and writes into
    /// `Date`: "now" plus the injected clock-skew fault (saturating too).
    pub fn server_now_ms(&self) -> i64 {
        offset_now(self.now_ms(), lock(&self.faults).config.clock_offset_ms)
    }

    pub fn account(&self, appkey: &str) -> Option<(usize, &Account)> {
        self.by_appkey.get(appkey).map(|&i| (i, &self.accounts[i]))
    }

    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::SeqCst);
    }

    /// The account's runtime with pending answers applied.
    pub fn runtime(&self, i: usize) -> MutexGuard<'_, AccountRuntime> {
        let now = self.now_ms();
        let mut rt = lock(&self.accounts[i].rt);
        if rt.settle(now) {
            self.mark_dirty();
        }
        let day = beijing_day(now).to_string();
        rt.quota.roll(&day);
        rt
    }

    /// The current callback secret of an account.
    pub fn callback_secret(&self, i: usize, generation: u32) -> Secret {
        let acct = &self.accounts[i];
        if generation == 0 {
            acct.initial_callback_secret.clone()
        } else {
            Secret::new(derived_hex(
                self.config.seed,
                &format!("callback:{}:{generation}", acct.appkey),
            ))
        }
    }

    pub fn record_unknown_appkey(&self) {
        let day = beijing_day(self.now_ms()).to_string();
        let mut q = lock(&self.unknown_appkey_refusals);
        q.roll(&day);
        q.today.refused_auth += 1;
    }

    /// Counts a call that passed authentication, or refuses it (burst rule
    /// first, then the daily limit). Refused calls are not counted in
    /// `calls`.
    pub fn admit(&self, i: usize, endpoint: &str) -> Result<(), Refusal> {
        let rate = lock(&self.switches).rate_limit;
        let mut rt = self.runtime(i);
        if let Some(rl) = rate {
            let now = Instant::now();
            while rt
                .rate_window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= rl.per)
            {
                rt.rate_window.pop_front();
            }
            if rt.rate_window.len() >= rl.max_calls as usize {
                rt.quota.today.refused_rate += 1;
                self.mark_dirty();
                return Err(Refusal::Rate);
            }
            rt.rate_window.push_back(now);
        }
        if let Some(limit) = rt.tier.daily_limit().map(u64::from) {
            if rt.quota.today.calls >= limit {
                rt.quota.today.refused_quota += 1;
                self.mark_dirty();
                return Err(Refusal::Quota { limit });
            }
        }
        rt.quota.today.calls += 1;
        *rt.quota
            .today
            .by_endpoint
            .entry(endpoint.to_owned())
            .or_default() += 1;
        self.mark_dirty();
        Ok(())
    }

    pub fn record<F: FnOnce(&mut DayStats)>(&self, i: usize, f: F) {
        let mut rt = self.runtime(i);
        f(&mut rt.quota.today);
        self.mark_dirty();
    }

    /// Per-appkey counters for `/__admin/stats`.
    pub fn stats_json(&self) -> serde_json::Value {
        let now = self.now_ms();
        let mut out = serde_json::Map::new();
        for (i, acct) in self.accounts.iter().enumerate() {
            let rt = self.runtime(i);
            let limit = rt.tier.daily_limit().map(u64::from);
            let mut v = serde_json::to_value(&rt.quota.today).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("tier".into(), rt.tier.as_str().into());
                obj.insert("limit".into(), limit.into());
                obj.insert(
                    "remaining".into(),
                    limit.map(|l| l.saturating_sub(rt.quota.today.calls)).into(),
                );
                obj.insert("resets_at_ms".into(), next_beijing_midnight_ms(now).into());
                obj.insert(
                    "history".into(),
                    serde_json::to_value(&rt.quota.history).unwrap_or_default(),
                );
            }
            out.insert(acct.appkey.clone(), v);
        }
        let day = beijing_day(now).to_string();
        let mut unknown = lock(&self.unknown_appkey_refusals);
        unknown.roll(&day);
        out.insert(
            "_unknown_appkey".into(),
            serde_json::json!({ "day": day, "refused_auth": unknown.today.refused_auth }),
        );
        serde_json::Value::Object(out)
    }

    /// Snapshot for the state file.
    pub fn persisted(&self) -> PersistedState {
        PersistedState {
            version: STATE_VERSION,
            seed: self.config.seed,
            anchor_ms: self.anchor_ms,
            accounts: self
                .accounts
                .iter()
                .map(|a| (a.appkey.clone(), lock(&a.rt).clone()))
                .collect(),
        }
    }

    /// Back to the state right after start (accounts, orders, counters,
    /// faults, clock offset, switches, delivery log).
    pub fn reset_all(&self) {
        let now = self.now_ms();
        for acct in &self.accounts {
            let book = OrderBook::new(data::generate(GenParams {
                seed: self.config.seed,
                appkey: &acct.appkey,
                anchor_ms: self.anchor_ms,
                orders_per_month: acct.orders_per_month,
            }));
            *write(&acct.book) = book;
            *lock(&acct.rt) = AccountRuntime::initial(acct.spec_tier, acct.spec_authorized, now);
        }
        *lock(&self.faults) = FaultState::default();
        *lock(&self.switches) = Switches {
            rate_limit: self.config.rate_limit,
            special_case_outcome: self.config.special_case_outcome,
        };
        self.admin_offset_ms.store(0, Ordering::SeqCst);
        lock(&self.deliveries).clear();
        lock(&self.pending_pushes).clear();
        *lock(&self.unknown_appkey_refusals) = QuotaBook::default();
        self.mark_dirty();
    }

    /// Clears today's and past counters and the burst windows only.
    pub fn reset_quota(&self) {
        for acct in &self.accounts {
            let mut rt = lock(&acct.rt);
            rt.quota = QuotaBook::default();
            rt.rate_window.clear();
        }
        *lock(&self.unknown_appkey_refusals) = QuotaBook::default();
        self.mark_dirty();
    }
}

/// Why an authenticated call was not served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Rate,
    Quota { limit: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_book_rolls_days() {
        let mut q = QuotaBook::default();
        q.roll("2024-01-01");
        q.today.calls = 5;
        q.roll("2024-01-01");
        assert_eq!(q.today.calls, 5);
        q.roll("2024-01-02");
        assert_eq!(q.today.calls, 0);
        assert_eq!(q.today.day, "2024-01-02");
        assert_eq!(q.history.len(), 1);
        assert_eq!(q.history[0].calls, 5);
    }

    #[test]
    fn pending_authorization_settles_at_ready_time() {
        let mut rt = AccountRuntime::initial(Tier::T2000, false, 0);
        rt.authorization = Authorization::Pending {
            applied_at_ms: 0,
            ready_at_ms: 100,
            attempt: 1,
        };
        assert!(!rt.settle(99));
        assert!(!rt.is_authorized());
        assert!(rt.settle(100));
        assert!(rt.is_authorized());
    }

    #[test]
    fn derived_hex_is_stable() {
        assert_eq!(derived_hex(1, "a"), derived_hex(1, "a"));
        assert_ne!(derived_hex(1, "a"), derived_hex(2, "a"));
        assert_eq!(derived_hex(1, "a").len(), 32);
    }
}
