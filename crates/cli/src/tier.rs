//! `mtu tier`: the monthly average order volume from synced orders, the
//! tier it qualifies for, the current limit and the gap to the next tier.

use crate::context::open_desk;
use crate::Global;
use clap::Args;
use desk_core::console::tiers::{self, TierReport};
use serde_json::json;

#[derive(Args, Debug)]
pub struct TierArgs {
    /// Use this monthly average, read in the console's 数据中心, instead of
    /// the estimate from synced orders (kept until cleared).
    #[arg(long, value_name = "ORDERS")]
    pub console_average: Option<u32>,
    /// Forget the console figure: back to the estimate.
    #[arg(long, conflicts_with = "console_average")]
    pub clear_console_average: bool,
}

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

pub fn run(args: TierArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = open_desk()?;
    let profile = desk.profile(g.profile())?;
    let conn = desk.store.connect()?;
    if args.console_average.is_some() || args.clear_console_average {
        tiers::set_console_figure(
            &conn,
            &profile.id,
            args.console_average.map(u64::from),
            &desk_core::clock::beijing_rfc3339(desk.clock.now()),
        )?;
    }
    let report = tiers::report(&conn, &profile, desk.clock.now())?;
    if json {
        println!("{}", report_json(&report));
        return Ok(());
    }
    match report.source {
        tiers::AverageSource::Console => println!(
            "{}: monthly average {} orders (the console figure you entered; our estimate: {})",
            profile.name, report.monthly_average, report.estimated_average
        ),
        tiers::AverageSource::Estimate => println!(
            "{}: monthly average about {} orders (our estimate from {} synced orders; \
             the console's 数据中心 has Meituan's figure: --console-average N uses it)",
            profile.name, report.monthly_average, report.counted_orders
        ),
    }
    for m in &report.months {
        let mark = match (m.counted, m.complete) {
            (false, _) => "  (current month, not counted)",
            (true, false) => "  (not fully synced: too low)",
            (true, true) => "",
        };
        println!("  {}  {:>7}{mark}", m.month, m.orders);
    }
    if !report.history_complete {
        println!(
            "the synced history does not cover the counted months: `mtu orders sync --days {}` fetches them",
            report.history_days_needed
        );
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
