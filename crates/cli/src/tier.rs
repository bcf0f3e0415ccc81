//! `mtu tier`: the monthly average order volume from synced orders, the
//! tier it qualifies for, the current limit and the gap to the next tier.

use crate::context::Desk;
use crate::Global;
use clap::Args;
use desk_core::tiers::{self, TierReport};
use desk_core::Clock as _;
use serde_json::json;

#[derive(Args, Debug)]
pub struct TierArgs {}

fn limit_text(limit: Option<u32>) -> String {
    limit.map_or_else(|| "unlimited".into(), |l| format!("{l}/day"))
}

/// The `--json` shape, exactly these keys.
pub fn report_json(r: &TierReport) -> serde_json::Value {
    json!({
        "monthly_average": r.monthly_average,
        "months": r.months,
        "current_limit": r.current_limit,
        "eligible_limit": r.eligible_limit,
        "next": r.next.as_ref().map(|n| json!({"limit": n.limit, "orders_needed": n.orders_needed})),
    })
}

pub fn run(_args: TierArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = Desk::open()?;
    let profile = desk.profile(g.profile())?;
    let report = tiers::report(&*desk.store.connect()?, &profile, desk.clock.now())?;
    if json {
        println!("{}", report_json(&report));
        return Ok(());
    }
    println!(
        "{}: monthly average {} orders",
        profile.name, report.monthly_average
    );
    for m in &report.months {
        let mark = if m.counted {
            ""
        } else {
            "  (current month, not counted)"
        };
        println!("  {}  {:>7}{mark}", m.month, m.orders);
    }
    println!("current limit:  {}", limit_text(report.current_limit));
    println!("qualifies for:  {}", limit_text(report.eligible_limit));
    if let Some(next) = &report.next {
        println!(
            "next tier:      {} more orders a month for {}",
            next.orders_needed,
            limit_text(next.limit)
        );
    }
    if report.can_request {
        println!("a frequency request (频次申请) is worth filing");
    }
    println!("{}", report.definition);
    Ok(())
}
