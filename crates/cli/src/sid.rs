//! `mtu sid`: promotion positions (推广位). `sid quality` prints one sid's
//! daily quality score (推广位质量分, legacy `getqualityscorebysid`) over a
//! range: fetched at most once a day per sid and range unless `--refresh`.

use crate::context::{open_desk, runtime};
use crate::Global;
use clap::{Args, Subcommand};
use desk_core::links::quality::{self, QualityQuery, QualityReport};
use serde_json::json;

#[derive(Args, Debug)]
pub struct SidArgs {
    #[command(subcommand)]
    pub command: SidCommand,
}

#[derive(Subcommand, Debug)]
pub enum SidCommand {
    /// A sid's daily quality grade and repurchase rate (legacy profiles;
    /// at most 90 days apart; default: the last 30 days).
    Quality(QualityArgs),
}

#[derive(Args, Debug)]
pub struct QualityArgs {
    /// The sid code.
    #[arg(long)]
    pub sid: String,
    /// First day, YYYY-MM-DD (Beijing); default: 29 days before --to.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (Beijing); default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,
    /// Ask Meituan again even if the range was fetched today (1 call).
    #[arg(long)]
    pub refresh: bool,
}

/// The `--json` shape: `{"rows":[{"date","quality_grade","repurchase_rate"}]}`.
pub fn report_json(r: &QualityReport) -> serde_json::Value {
    json!({
        "rows": r.rows.iter().map(|row| json!({
            "date": row.date,
            "quality_grade": row.quality_grade,
            "repurchase_rate": row.repurchase_rate,
        })).collect::<Vec<_>>(),
    })
}

pub fn run(args: SidArgs, g: &Global) -> anyhow::Result<()> {
    match args.command {
        SidCommand::Quality(a) => run_quality(a, g),
    }
}

fn run_quality(args: QualityArgs, g: &Global) -> anyhow::Result<()> {
    let desk = open_desk()?;
    let profile = desk.profile(g.profile())?;
    let (default_from, default_to) = quality::default_range(desk.clock.as_ref());
    let to = args.to.unwrap_or_else(|| default_to.to_string());
    let from = match args.from {
        Some(from) => from,
        // 29 days before --to when it is a date, else the default range.
        None => chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d")
            .map(|t| (t - chrono::Duration::days(quality::DEFAULT_DAYS - 1)).to_string())
            .unwrap_or_else(|_| default_from.to_string()),
    };
    let query = QualityQuery {
        sid: args.sid,
        from,
        to,
    };
    let report = runtime()?.block_on(quality::fetch(&desk.api, &profile, &query, args.refresh))?;
    if g.json {
        println!("{}", report_json(&report));
        return Ok(());
    }
    println!(
        "{} ({}) quality score, {} .. {}",
        report.sid_name, report.sid, report.from, report.to
    );
    println!("{:<10}  {:>5}  {:>10}", "date", "grade", "repurchase");
    for row in &report.rows {
        println!(
            "{:<10}  {:>5}  {:>10}",
            row.date,
            row.quality_grade.as_deref().unwrap_or("-"),
            row.repurchase_rate.as_deref().unwrap_or("-")
        );
    }
    if report.rows.is_empty() {
        println!("(Meituan has no quality score for these days)");
    }
    if report.cached {
        println!(
            "0 calls: already fetched today ({}); --refresh asks again",
            report.fetched_at
        );
    } else {
        println!("{} call(s) spent", report.calls);
    }
    Ok(())
}
