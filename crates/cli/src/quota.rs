//! `mtu quota`: today's calls against the daily limit (Beijing day), from
//! the same ledger the app and every signed call use; what Meituan was
//! observed to do that differs from our estimate of the limit and the reset
//! (`observations`), the one probe call on a used-up day (`probe`), and the
//! learned limit (`learned-limit`): the quota screen's card, from a terminal.

use crate::context::{open_desk, runtime};
use crate::Global;
use clap::{Args, Subcommand};
use desk_core::gateway::quota::probe::{self, ProbeOutcome};
use desk_core::gateway::quota::{
    ObservationKind, QuotaLevel, QuotaObservations, QuotaStatus, OBSERVATION_DAYS,
};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct QuotaArgs {
    #[command(subcommand)]
    action: Option<QuotaCommand>,
    /// Also show the last N days (adds "history" to --json output).
    #[arg(long, value_name = "DAYS")]
    history: Option<u32>,
}

#[derive(Subcommand, Debug)]
enum QuotaCommand {
    /// What Meituan did that differs from our estimate of the daily limit
    /// and the reset (the last 90 days), what that suggests, and the learned
    /// limit in use. Our observations, not Meituan's statement.
    Observations,
    /// When today is used up (by our count, or by a refusal from Meituan):
    /// send one call (counted) to see whether Meituan agrees. Accepted: the day is reopened until Meituan
    /// refuses a call. Refused: used up indeed.
    Probe,
    /// Use DAILY_LIMIT as this account's daily call limit instead of its
    /// tier's (e.g. the one `observations` suggests), while the account
    /// keeps its tier; `--clear` goes back to the tier's.
    LearnedLimit(LearnedLimitArgs),
}

#[derive(Args, Debug)]
struct LearnedLimitArgs {
    /// Calls a day, 1–1000000.
    #[arg(required_unless_present = "clear", conflicts_with = "clear")]
    daily_limit: Option<u32>,
    /// Back to the tier's daily call limit.
    #[arg(long)]
    clear: bool,
}

/// The `--json` shape: exactly these keys, for scripts.
#[derive(serde::Serialize)]
struct QuotaJson<'a> {
    day: &'a str,
    used: u32,
    /// The learned limit when `limit_learned`, else the tier's; `null`:
    /// unlimited.
    limit: Option<u32>,
    /// `null`: unlimited, or unknown while `reopened`.
    remaining: Option<u32>,
    resets_at: &'a str,
    tier: desk_core::profiles::Tier,
    /// Meituan accepted a probe after the day was used up: calls go through
    /// until it refuses one.
    reopened: bool,
    /// `limit` is the learned limit (`mtu quota learned-limit`).
    limit_learned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<desk_core::gateway::quota::DayUsage>>,
}

pub fn run(args: QuotaArgs, g: &Global) -> anyhow::Result<()> {
    match args.action {
        None => today(args.history, g),
        Some(QuotaCommand::Observations) => observations(g),
        Some(QuotaCommand::Probe) => run_probe(g),
        Some(QuotaCommand::LearnedLimit(a)) => learned_limit(a, g),
    }
}

fn today(history: Option<u32>, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = open_desk()?;
    let p = desk.profile(g.profile())?;
    let ledger = desk.api.ledger();
    let status = ledger.status(&p)?;
    let history = history
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
            reopened: status.reopened,
            limit_learned: status.limit_learned,
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
    let learned = if s.limit_learned {
        " (learned limit)"
    } else {
        ""
    };
    let used = match (s.limit, s.remaining) {
        _ if s.reopened => format!(
            "{} calls today; reopened: Meituan accepted a probe after our count said used up, \
             so calls go through until Meituan refuses one and how many are left is unknown",
            s.used
        ),
        (Some(limit), Some(left)) => {
            format!(
                "{} of {limit}{learned} calls used today, {left} left",
                s.used
            )
        }
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
                "resets at {} Beijing time by our estimate (Meituan does not publish it), in {}h{:02}m",
                at.format("%H:%M"),
                mins / 60,
                mins % 60
            )
        })
        .unwrap_or_default();
    format!("{used}{level}; {reset}")
}

fn observations(g: &Global) -> anyhow::Result<()> {
    let desk = open_desk()?;
    let p = desk.profile(g.profile())?;
    let seen = desk.api.ledger().observations(&p)?;
    if g.json {
        println!("{}", serde_json::to_string(&seen)?);
        return Ok(());
    }
    print!("{}", describe_observations(&p.name, &seen));
    Ok(())
}

/// The observations card in words: each observation, the suggestion and the
/// learned limit, and the command that acts on them.
fn describe_observations(name: &str, seen: &QuotaObservations) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "{name}: the daily call limit and the reset at Beijing midnight are our estimates \
         (Meituan does not publish the reset time). What Meituan did, last {OBSERVATION_DAYS} \
         days (our observations, not Meituan's statement):\n"
    );
    if seen.entries.is_empty() {
        out.push_str("  Nothing observed yet that differs from our estimate.\n");
    }
    for e in &seen.entries {
        let at = e
            .observed_at
            .get(..16)
            .unwrap_or(&e.observed_at)
            .replace('T', " ");
        let what = match e.kind {
            ObservationKind::EarlyRefusal => format!(
                "Meituan said the calls were used up at {} counted, below the {} we assumed",
                e.used, e.assumed_limit
            ),
            ObservationKind::AcceptedAfterUsedUp => format!(
                "Meituan accepted a probe at {} counted, after the {} we assumed: the day was reopened",
                e.used, e.assumed_limit
            ),
            ObservationKind::ProbeRefused => format!(
                "a probe at {} counted was refused for quota: used up indeed (we assumed {})",
                e.used, e.assumed_limit
            ),
            ObservationKind::RefusedAboveLimit => format!(
                "Meituan refused at {} counted, above the {} we assumed: it took more calls",
                e.used, e.assumed_limit
            ),
        };
        let _ = writeln!(out, "  {at}  {what}");
    }
    let tier = seen
        .tier_limit
        .map_or_else(|| "unlimited".to_owned(), |l| l.to_string());
    if let Some(s) = &seen.suggestion {
        let _ = writeln!(
            out,
            "Suggested daily call limit: about {} (Meituan refused at similar counts on {} days; \
             the tier's is {tier}). To use it: mtu quota learned-limit {}",
            s.limit, s.days, s.limit
        );
    }
    if let Some(l) = &seen.learned_limit {
        let set = l.set_at.get(..10).unwrap_or(&l.set_at);
        let _ = writeln!(
            out,
            "Learned daily call limit in use: {} (set {set}; the tier's is {tier}). \
             Back to the tier's: mtu quota learned-limit --clear",
            l.daily_limit
        );
    }
    out
}

fn run_probe(g: &Global) -> anyhow::Result<()> {
    let desk = open_desk()?;
    let p = desk.profile(g.profile())?;
    let rt = runtime()?;
    let report = rt.block_on(async {
        let report = probe::probe(&desk.api, &p.id).await;
        desk.sandbox.shutdown().await;
        report
    })?;
    if g.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let said = match report.outcome {
            ProbeOutcome::Accepted => "Meituan accepted the probe: today is reopened, calls go through \
                until Meituan refuses one (kept as an observation)",
            ProbeOutcome::RefusedQuota => {
                "Meituan refused the probe for quota: today is used up indeed (kept as an observation)"
            }
            ProbeOutcome::Failed => "the probe failed; nothing was learned",
        };
        println!("{}: {said}", p.name);
        println!("{}: {}", p.name, describe(&report.status, desk.clock.now()));
    }
    if report.outcome == ProbeOutcome::Failed {
        // The code as scripts see it in --json (snake_case).
        anyhow::bail!(
            "the probe's call failed ({}): try again later",
            report
                .error
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |e| e.code.name())
        );
    }
    Ok(())
}

fn learned_limit(a: LearnedLimitArgs, g: &Global) -> anyhow::Result<()> {
    let desk = open_desk()?;
    let p = desk.profile(g.profile())?;
    let ledger = desk.api.ledger();
    ledger.set_learned_limit(&p, if a.clear { None } else { a.daily_limit })?;
    let seen = ledger.observations(&p)?;
    if g.json {
        println!("{}", serde_json::to_string(&seen)?);
        return Ok(());
    }
    let status = ledger.status(&p)?;
    println!("{}: {}", p.name, describe(&status, desk.clock.now()));
    Ok(())
}
