//! `mtu quota`: today's calls against the daily limit (Beijing day), from
//! the same ledger the app and every signed call use.

use crate::context::open_desk;
use crate::Global;
use clap::Args;
use desk_core::gateway::quota::{QuotaLevel, QuotaStatus};

#[derive(Args, Debug)]
pub struct QuotaArgs {
    /// Also show the last N days (adds "history" to --json output).
    #[arg(long, value_name = "DAYS")]
    history: Option<u32>,
}

/// The `--json` shape: exactly these keys, for scripts.
#[derive(serde::Serialize)]
struct QuotaJson<'a> {
    day: &'a str,
    used: u32,
    limit: Option<u32>,
    remaining: Option<u32>,
    resets_at: &'a str,
    tier: desk_core::profiles::Tier,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<desk_core::gateway::quota::DayUsage>>,
}

pub fn run(args: QuotaArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = open_desk()?;
    let p = desk.profile(g.profile())?;
    let ledger = desk.api.ledger();
    let status = ledger.status(&p)?;
    let history = args
        .history
        .map(|days| ledger.history(&p, days.clamp(1, 366)))
        .transpose()?;
    if json {
        let out = QuotaJson {
            day: &status.day,
            used: status.used,
            limit: status.limit,
            remaining: status.remaining,
            resets_at: &status.resets_at,
            tier: status.tier,
            history,
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!("{}: {}", p.name, describe(&status, desk.clock.now()));
    if let Some(history) = history {
        for d in history {
            let mark = if d.server_exhausted {
                "  (refused by Meituan)"
            } else {
                ""
            };
            println!("  {}  {:>6}{mark}", d.day, d.used);
        }
    }
    Ok(())
}

fn describe(s: &QuotaStatus, now: chrono::DateTime<chrono::Utc>) -> String {
    let used = match (s.limit, s.remaining) {
        (Some(limit), Some(left)) => format!("{} of {limit} calls used today, {left} left", s.used),
        _ => format!("{} calls today (unlimited tier)", s.used),
    };
    let level = match s.level {
        QuotaLevel::Normal => "",
        QuotaLevel::Warning => " — over 80%",
        QuotaLevel::Critical => " — over 95%",
        QuotaLevel::Exhausted if s.server_exhausted => " — used up (Meituan refused)",
        QuotaLevel::Exhausted => " — used up",
    };
    let reset = chrono::DateTime::parse_from_rfc3339(&s.resets_at)
        .map(|at| {
            let mins = (at.with_timezone(&chrono::Utc) - now).num_minutes().max(0);
            format!(
                "resets at {} Beijing time, in {}h{:02}m",
                at.format("%H:%M"),
                mins / 60,
                mins % 60
            )
        })
        .unwrap_or_default();
    format!("{used}{level}; {reset}")
}
