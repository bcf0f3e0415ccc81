//! `mtu orders sync|list|stats|lines|get|export`: the local order database from the
//! terminal; `sync` goes through the same gateway and ledger as the app.

use crate::link::Ctx;
use crate::Global;
use anyhow::Context as _;
use clap::{Args, Subcommand};
use desk_core::export::ExportFormat;
use desk_core::orders::sync::{self, SyncOptions};
use desk_core::orders::{self, format_cents, OrderFilter, OrderStatus};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct OrdersArgs {
    #[command(subcommand)]
    pub command: OrdersCommand,
}

#[derive(Subcommand, Debug)]
pub enum OrdersCommand {
    /// Fetch new and changed orders (resumes an interrupted sync).
    Sync(SyncArgs),
    /// List stored orders, newest payment first.
    List(ListArgs),
    /// Totals per sid and per day.
    Stats(FilterArgs),
    /// The business lines of the stored orders, with their keys for --line.
    Lines,
    /// One order by id (查单): asks Meituan (1 call; up to 3 for a media
    /// order not stored yet) and stores it; --local reads the stored copy.
    Get(GetArgs),
    /// Write the orders to a CSV (UTF-8 with BOM) or XLSX file.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Use the reserved part of today's calls if needed.
    #[arg(long)]
    pub allow_reserve: bool,
    /// How many days back the stored history should reach: the first sync
    /// goes this far back (default 30); a later one fetches the missing
    /// earlier days too (media: at most 90).
    #[arg(long)]
    pub days: Option<u32>,
    /// Stop after this many pages (the sync stays resumable).
    #[arg(long)]
    pub max_pages: Option<u32>,
    /// Only show the estimate.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug, Clone)]
pub struct FilterArgs {
    /// First Beijing pay date, YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<String>,
    /// Last Beijing pay date, YYYY-MM-DD.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub sid: Option<String>,
    /// paid, completed, refunded, cancelled, risk, settled or unknown (a status no
    /// source names, kept apart from paid).
    #[arg(long)]
    pub status: Option<String>,
    /// A businessLine code in any generation or platform (see --line).
    #[arg(long)]
    pub business_line: Option<i32>,
    /// One business line by key, as `mtu orders lines` shows it
    /// (legacy:2:1, media:1:7, …).
    #[arg(long)]
    pub line: Option<String>,
}

impl FilterArgs {
    fn filter(&self) -> anyhow::Result<OrderFilter> {
        Ok(OrderFilter {
            from: self.from.clone(),
            to: self.to.clone(),
            sid: self.sid.clone(),
            status: self.status.as_deref().map(OrderStatus::parse).transpose()?,
            business_line: self.business_line,
            line: self.line.clone(),
        })
    }
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    /// Rows to show, at most 1000; 0 shows none, only how many match.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    /// The order id (digits).
    pub order_id: String,
    /// Only read the stored copy; no call.
    #[arg(long)]
    pub local: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// The file to write; `.xlsx` writes a workbook, anything else CSV.
    pub file: PathBuf,
    /// csv or xlsx (default: from the file name).
    #[arg(long)]
    pub format: Option<String>,
}

pub fn run(args: OrdersArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    match args.command {
        OrdersCommand::Sync(a) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(run_sync(a, g.profile(), json))
        }
        OrdersCommand::List(a) => list(a, g.profile(), json),
        OrdersCommand::Stats(a) => stats(a, g.profile(), json),
        OrdersCommand::Lines => lines(g.profile(), json),
        OrdersCommand::Get(a) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(get(a, g.profile(), json))
        }
        OrdersCommand::Export(a) => export(a, g.profile(), json),
    }
}

async fn run_sync(a: SyncArgs, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let ctx = Ctx::open(profile)?;
    let options = SyncOptions {
        allow_reserve: a.allow_reserve,
        initial_days: a.days,
        max_pages: a.max_pages,
    };
    let plan = sync::plan(&ctx.api, &ctx.profile, &options)?;
    if a.dry_run {
        if json {
            println!("{}", serde_json::to_string(&plan)?);
        } else {
            println!(
                "about {} calls ({} windows{}), {} left today, {} reserved",
                plan.estimated_calls,
                plan.windows,
                if plan.resumes { ", resuming" } else { "" },
                plan.remaining_today
                    .map_or("unlimited".into(), |r| r.to_string()),
                plan.reserve.unwrap_or(0)
            );
        }
        ctx.close().await;
        return Ok(());
    }
    let progress = |p: &sync::SyncProgress| {
        if !json {
            eprint!(
                "\r{} pages, window {}/{}, {} new, {} updated",
                p.pages, p.windows_done, p.windows, p.new, p.updated
            );
        }
    };
    let report = sync::sync(&ctx.api, &ctx.profile, &options, Some(&progress)).await;
    ctx.close().await;
    let report = report?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "pages": report.pages,
                "calls": report.calls,
                "new": report.new,
                "updated": report.updated,
                "complete": report.complete,
            })
        );
    } else {
        eprintln!();
        println!(
            "{} pages, {} calls: {} new, {} updated, {} unchanged{}",
            report.pages,
            report.calls,
            report.new,
            report.updated,
            report.unchanged,
            match report.stopped {
                Some(sync::StopReason::Reserve) =>
                    "; stopped at the reserve (run again with --allow-reserve, or tomorrow)",
                Some(sync::StopReason::PageBudget) =>
                    "; stopped at --max-pages (run again to resume)",
                None => "",
            }
        );
    }
    Ok(())
}

fn open_store(profile: Option<&str>) -> anyhow::Result<(desk_core::Store, String)> {
    let dir = desk_core::paths::data_dir()?;
    let store = desk_core::Store::open(desk_core::paths::database_path(&dir))?;
    let p = desk_core::profiles::select(&store, profile)?;
    Ok((store, p.id))
}

fn list(a: ListArgs, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (store, profile_id) = open_store(profile)?;
    let mut page = orders::list(&store, &profile_id, &a.filter.filter()?, a.offset, a.limit)?;
    if a.limit == 0 {
        // The core reads at least one row per page; `--limit 0` asks only
        // for the count (`total`), like SQL's LIMIT 0.
        page.rows.clear();
    }
    if json {
        println!("{}", serde_json::to_string(&page)?);
        return Ok(());
    }
    for o in &page.rows {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            o.order_id,
            orders::beijing_date_of(o.pay_time),
            o.sid,
            o.status.as_str(),
            format_cents(o.pay_price_cents),
            format_cents(o.commission_cents()),
            line_label(o)
        );
    }
    let shown = page.rows.len() as u32;
    if shown == 0 {
        eprintln!("0 of {}", page.total);
    } else {
        eprintln!("{}–{} of {}", a.offset + 1, a.offset + shown, page.total);
    }
    Ok(())
}

async fn get(a: GetArgs, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    use desk_core::orders::detail as order_detail;
    let d = if a.local {
        let (store, profile_id) = open_store(profile)?;
        order_detail::detail(&store, &profile_id, a.order_id.trim())?
    } else {
        // Checked before the account is opened: a bad id costs nothing.
        order_detail::check_order_id(&a.order_id)?;
        let ctx = Ctx::open(profile)?;
        let found = order_detail::lookup(&ctx.api, &ctx.profile, &a.order_id).await;
        ctx.close().await;
        found?
    };
    if json {
        println!("{}", serde_json::to_string(&d)?);
        return Ok(());
    }
    let o = &d.order;
    println!("order     {}", o.order_id);
    println!(
        "status    {}{}",
        o.status.as_str(),
        if d.risk { " (risk control)" } else { "" }
    );
    println!(
        "paid      {} (Beijing)",
        orders::beijing_date_of(o.pay_time)
    );
    println!("amount    {}", format_cents(o.pay_price_cents));
    println!("commission {}", format_cents(o.commission_cents()));
    if o.refund_price_cents != 0 {
        println!("refunded  {}", format_cents(o.refund_price_cents));
    }
    let sid = match &d.sid_name {
        Some(name) => format!("{} ({name})", o.sid),
        None => o.sid.clone(),
    };
    println!("sid       {sid}");
    println!("line      {}", line_label(o));
    if let Some(p) = &o.product_name {
        println!("product   {p}");
    }
    for (i, c) in d.coupons.iter().enumerate() {
        println!(
            "coupon {}  {:?}  {}  commission {}",
            i + 1,
            c.status,
            c.basic_amount_cents.map_or("-".into(), format_cents),
            c.fee_cents.map_or("-".into(), format_cents)
        );
    }
    if d.calls > 0 {
        eprintln!("{} call(s)", d.calls);
    }
    Ok(())
}

/// The line's English name, or its key when no source names it.
fn line_label(o: &orders::OrderRow) -> String {
    match o.line() {
        Some(l) => l
            .name()
            .map_or_else(|| l.key(), |n| format!("{} ({})", n.en, n.zh)),
        None => String::new(),
    }
}

fn lines(profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (store, profile_id) = open_store(profile)?;
    let lines = orders::lines(&store, &profile_id)?;
    if json {
        println!("{}", serde_json::to_string(&lines)?);
        return Ok(());
    }
    for l in &lines {
        let name = match (&l.name_en, &l.name_zh) {
            (Some(en), Some(zh)) => format!("{en} ({zh})"),
            _ => "(not named by any public source)".to_owned(),
        };
        println!("{}\t{} orders\t{name}", l.key, l.orders);
    }
    if lines.is_empty() {
        eprintln!("no stored orders (run `mtu orders sync` first)");
    }
    Ok(())
}

fn stats(a: FilterArgs, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (store, profile_id) = open_store(profile)?;
    let s = orders::stats(&store, &profile_id, &a.filter()?)?;
    if json {
        println!("{}", serde_json::to_string(&s)?);
        return Ok(());
    }
    println!(
        "total\t{} orders\tpaid {}\tcommission {}\tvalid commission {}",
        s.total.orders,
        format_cents(s.total.pay_price_cents),
        format_cents(s.total.commission_cents),
        format_cents(s.total.valid_commission_cents)
    );
    for t in &s.by_sid {
        println!(
            "sid {}\t{} orders\tpaid {}\tcommission {}",
            if t.key.is_empty() { "(none)" } else { &t.key },
            t.orders,
            format_cents(t.pay_price_cents),
            format_cents(t.commission_cents)
        );
    }
    for t in &s.by_day {
        println!(
            "{}\t{} orders\tpaid {}\tcommission {}",
            t.key,
            t.orders,
            format_cents(t.pay_price_cents),
            format_cents(t.commission_cents)
        );
    }
    Ok(())
}

fn export(a: ExportArgs, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (store, profile_id) = open_store(profile)?;
    let format = match &a.format {
        Some(f) => ExportFormat::parse(f)?,
        None => ExportFormat::from_path(&a.file),
    };
    let n = orders::export(&store, &profile_id, &a.filter.filter()?, format, &a.file)
        .with_context(|| format!("writing {}", a.file.display()))?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "rows": n, "file": a.file.display().to_string() })
        );
    } else {
        println!("{n} orders written to {}", a.file.display());
    }
    Ok(())
}
