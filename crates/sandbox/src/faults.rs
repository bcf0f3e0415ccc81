//! Fault injection for reliability tests, switched at runtime through
//! `POST /__admin/faults`. Faults apply to the Meituan API paths only
//! (`/api/*` and `/cps_open/*`), before authentication, the way a failing
//! gateway would; a request answered by a fault is not counted in `calls`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait `latency_ms`, then serve normally (combine with the others).
    Latency,
    /// HTTP 200 with the API's own error shape: media
    /// `{"code":2,"message":"请求处理异常"}`, legacy status 1009.
    Error,
    /// HTTP `status` (default 503) with a short text body.
    #[serde(rename = "http_5xx")]
    Http5xx,
    /// HTTP 200, `application/json`, a truncated JSON body.
    Malformed,
    /// The TCP connection is reset (RST) instead of answered.
    Reset,
}

fn one() -> f64 {
    1.0
}

/// One rule; rules are tried in order for every API request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Exact request path (`/api/orderList`), a prefix ending in `*`
    /// (`/cps_open/*`), or absent for every API path.
    #[serde(default)]
    pub path: Option<String>,
    pub kind: FaultKind,
    /// Probability per matching request, 0–1 (default 1).
    #[serde(default = "one")]
    pub rate: f64,
    #[serde(default)]
    pub latency_ms: u64,
    /// HTTP status for `http_5xx` (default 503).
    #[serde(default)]
    pub status: Option<u16>,
    /// Fire at most this many times (default: no limit).
    #[serde(default)]
    pub times: Option<u32>,
}

/// The body of `POST /__admin/faults` (and of the `GET` reply).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultConfig {
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    /// Skew of the gateway clock: timestamp checks and the `Date` header use
    /// "now" plus this offset (the user's PC clock looks wrong by it).
    #[serde(default)]
    pub clock_offset_ms: i64,
    /// Seed of the dice thrown for `rate`; the same seed and request order
    /// give the same faults.
    #[serde(default)]
    pub seed: u64,
}

#[derive(Debug)]
pub(crate) struct FaultState {
    pub config: FaultConfig,
    rng: ChaCha8Rng,
    fired: Vec<u32>,
}

impl Default for FaultState {
    fn default() -> Self {
        FaultState::new(FaultConfig::default())
    }
}

/// The terminal outcome of a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultAction {
    Error,
    Http(u16),
    Malformed,
    Reset,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FaultDecision {
    pub latency: Duration,
    pub action: Option<FaultAction>,
}

fn path_matches(rule: &Option<String>, path: &str) -> bool {
    match rule.as_deref() {
        None | Some("") | Some("*") => true,
        Some(p) => match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == p,
        },
    }
}

impl FaultState {
    pub fn new(config: FaultConfig) -> Self {
        FaultState {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            fired: vec![0; config.rules.len()],
            config,
        }
    }

    /// Rolls every matching rule for one request.
    pub fn decide(&mut self, path: &str) -> FaultDecision {
        let mut d = FaultDecision::default();
        for (i, rule) in self.config.rules.iter().enumerate() {
            if d.action.is_some() {
                break;
            }
            if !path_matches(&rule.path, path) {
                continue;
            }
            if rule.times.is_some_and(|t| self.fired[i] >= t) {
                continue;
            }
            let rate = rule.rate.clamp(0.0, 1.0);
            // Always draw, so one rule's outcome does not shift the dice of
            // the next request.
            let roll: f64 = self.rng.gen();
            if roll >= rate {
                continue;
            }
            self.fired[i] += 1;
            match rule.kind {
                FaultKind::Latency => d.latency += Duration::from_millis(rule.latency_ms),
                FaultKind::Error => d.action = Some(FaultAction::Error),
                FaultKind::Http5xx => {
                    let status = rule
                        .status
                        .filter(|s| (500..600).contains(s))
                        .unwrap_or(503);
                    d.action = Some(FaultAction::Http(status));
                }
                FaultKind::Malformed => d.action = Some(FaultAction::Malformed),
                FaultKind::Reset => d.action = Some(FaultAction::Reset),
            }
        }
        d
    }

    pub fn fired(&self) -> &[u32] {
        &self.fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: FaultKind) -> FaultRule {
        FaultRule {
            path: None,
            kind,
            rate: 1.0,
            latency_ms: 0,
            status: None,
            times: None,
        }
    }

    #[test]
    fn paths_match_exactly_or_by_prefix() {
        assert!(path_matches(&None, "/api/x"));
        assert!(path_matches(&Some("/api/*".into()), "/api/orderList"));
        assert!(!path_matches(&Some("/api/*".into()), "/cps_open/x"));
        assert!(path_matches(&Some("/api/order".into()), "/api/order"));
        assert!(!path_matches(&Some("/api/order".into()), "/api/orderList"));
    }

    #[test]
    fn times_limits_firing() {
        let mut r = rule(FaultKind::Http5xx);
        r.times = Some(2);
        let mut s = FaultState::new(FaultConfig {
            rules: vec![r],
            ..Default::default()
        });
        assert_eq!(s.decide("/a").action, Some(FaultAction::Http(503)));
        assert_eq!(s.decide("/a").action, Some(FaultAction::Http(503)));
        assert_eq!(s.decide("/a").action, None);
    }

    #[test]
    fn rate_is_seeded_and_roughly_right() {
        let mut r = rule(FaultKind::Error);
        r.rate = 0.3;
        let cfg = FaultConfig {
            rules: vec![r],
            seed: 42,
            ..Default::default()
        };
        let run = |cfg: &FaultConfig| {
            let mut s = FaultState::new(cfg.clone());
            (0..1000)
                .map(|_| s.decide("/a").action.is_some())
                .collect::<Vec<_>>()
        };
        let a = run(&cfg);
        assert_eq!(a, run(&cfg));
        let hits = a.iter().filter(|x| **x).count();
        assert!((220..380).contains(&hits), "{hits}");
    }

    #[test]
    fn kinds_have_snake_case_names() {
        for (kind, name) in [
            (FaultKind::Latency, "latency"),
            (FaultKind::Error, "error"),
            (FaultKind::Http5xx, "http_5xx"),
            (FaultKind::Malformed, "malformed"),
            (FaultKind::Reset, "reset"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
    }

    #[test]
    fn latency_combines_with_a_terminal_fault() {
        let mut l = rule(FaultKind::Latency);
        l.latency_ms = 50;
        let cfg = FaultConfig {
            rules: vec![l, rule(FaultKind::Reset)],
            ..Default::default()
        };
        let d = FaultState::new(cfg).decide("/x");
        assert_eq!(d.latency, Duration::from_millis(50));
        assert_eq!(d.action, Some(FaultAction::Reset));
    }
}
