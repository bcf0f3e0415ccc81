//! `mtu link`: promotion links from the terminal, through the same gateway
//! (and quota ledger) as the app. `mtu link batch FILE` runs a list.

use crate::Global;
use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use desk_core::embedded::EmbeddedSandbox;
use desk_core::export::ExportFormat;
use desk_core::gateway::api::Api;
use desk_core::links::batch::{self, BatchDefaults};
use desk_core::links::{self, LinkExtras, LinkRequest, TargetKind};
use desk_core::profiles::{self, Profile};
use desk_core::{Store, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;

/// What every link/orders command needs: the store, the gateway and the
/// selected profile.
pub struct Ctx {
    pub store: Store,
    pub api: Arc<Api>,
    pub profile: Profile,
    sandbox: Arc<EmbeddedSandbox>,
}

impl Ctx {
    /// Opens the data folder (`UNION_DESK_HOME` or the default) and selects
    /// the profile by name, or the only one there is.
    pub fn open(profile: Option<&str>) -> anyhow::Result<Ctx> {
        let desk = crate::context::open_desk()?;
        let profile = desk.profile(profile)?;
        Ok(Ctx {
            store: desk.store.clone(),
            api: desk.api.clone(),
            profile,
            sandbox: desk.sandbox.clone(),
        })
    }

    /// Stops a sandbox this process started (flushing its counters).
    pub async fn close(self) {
        self.sandbox.shutdown().await;
    }
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LinkArgs {
    #[command(subcommand)]
    pub batch: Option<LinkCommand>,
    #[command(flatten)]
    pub one: OneLink,
}

#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Generate links for every row of a list or CSV file
    /// (target, sid, link type[, short]); `-` reads stdin.
    #[command(after_help = BATCH_EXIT_CODES)]
    Batch(BatchArgs),
}

/// The exit status of `mtu link batch` when some rows have no link.
pub const EXIT_ROWS_FAILED: u8 = 3;

const BATCH_EXIT_CODES: &str = "Exit status:
  0  every row has its link (made by a call or from the library)
  1  the batch did not run (bad input, a file that cannot be read or written,
     not enough calls left today, ...); no call was made unless it says so
  3  the batch ran but some rows failed or are still pending (the summary
     on stderr counts them; the rows say why)";

/// `mtu link batch` ran, but not every row got its link: exit status
/// [`EXIT_ROWS_FAILED`].
#[derive(Debug)]
pub struct RowsFailed {
    pub failed: u32,
    pub pending: u32,
}

impl std::fmt::Display for RowsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "some rows have no link: {} failed, {} pending",
            self.failed, self.pending
        )
    }
}

impl std::error::Error for RowsFailed {}

#[derive(Args, Debug)]
pub struct OneLink {
    /// An activity id (actId).
    #[arg(long, group = "target")]
    pub act: Option<String>,
    /// A product (skuViewId; media API).
    #[arg(long, group = "target")]
    pub sku: Option<String>,
    /// A pasted Meituan link or text (media API).
    #[arg(long, group = "target")]
    pub text: Option<String>,
    /// The promotion position (推广位).
    #[arg(long)]
    pub sid: Option<String>,
    /// Link type(s): legacy 1–8, media 1–6 (`1,3` for several, media only).
    #[arg(long = "type", default_value = "1")]
    pub link_type: String,
    /// Legacy API: a short link.
    #[arg(long)]
    pub short: bool,
    /// Save a label with the link.
    #[arg(long)]
    pub label: Option<String>,
    /// Also write the link's QR code as a PNG file.
    #[arg(long)]
    pub qr: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BatchArgs {
    /// The list (CSV, or one target per line); `-` for stdin.
    pub file: PathBuf,
    /// Sid for rows without one.
    #[arg(long)]
    pub sid: Option<String>,
    /// Link type(s) for rows without one.
    #[arg(long = "type", default_value = "1")]
    pub link_type: String,
    /// Short links (legacy) for rows that do not say.
    #[arg(long)]
    pub short: bool,
    /// Calls in flight at once.
    #[arg(long, default_value_t = batch::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Write the results (CSV or .xlsx) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only show the plan (calls needed, calls left); run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: LinkArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        match args.batch {
            Some(LinkCommand::Batch(b)) => run_batch(b, g.profile(), json).await,
            None => run_one(args.one, g.profile(), json).await,
        }
    })
}

fn target_of(one: &OneLink) -> anyhow::Result<(TargetKind, String)> {
    match (&one.act, &one.sku, &one.text) {
        (Some(a), None, None) => Ok((TargetKind::Act, a.clone())),
        (None, Some(s), None) => Ok((TargetKind::Sku, s.clone())),
        (None, None, Some(t)) => Ok((TargetKind::Text, t.clone())),
        _ => bail!("give one of --act, --sku or --text"),
    }
}

async fn run_one(one: OneLink, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (target_kind, target) = target_of(&one)?;
    let Some(sid) = one.sid.clone() else {
        bail!("give --sid (the promotion position)");
    };
    let link_types = parse_types(&one.link_type)?;
    let ctx = Ctx::open(profile)?;
    let req = LinkRequest {
        target_kind,
        target,
        sid,
        link_types,
        short_link: one.short,
    };
    let extras = LinkExtras {
        label: one.label.clone(),
        qr_path: one.qr.clone(),
    };
    // A sid outside the documented characters is sent anyway (Meituan may
    // accept it); say what the documentation recommends.
    for line in sid_warning_lines(ctx.profile.generation, &req.sid) {
        eprintln!("{line}");
    }
    // Everything here (the label, the QR file, the request) is checked
    // before the call: bad input never spends one.
    let result = links::generate_with(&ctx.api, &ctx.profile, &req, &extras).await;
    let result = match result {
        Ok(g) => g,
        Err(e) => {
            ctx.close().await;
            return Err(e.into());
        }
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "url": result.link.url, "cached": result.cached })
        );
    } else {
        println!("{}", result.link.url);
        for (t, url) in result.link.links.iter().skip(1) {
            println!("{t}: {url}");
        }
        if result.cached {
            eprintln!("from the library, 0 calls");
        }
    }
    ctx.close().await;
    Ok(())
}

/// One stderr line per documented recommendation `sid` does not follow for
/// the profile's API generation (`meituan_union::validate::sid_warnings`).
fn sid_warning_lines(generation: profiles::Generation, sid: &str) -> Vec<String> {
    let generation = match generation {
        profiles::Generation::Legacy => meituan_union::ApiGeneration::Legacy,
        profiles::Generation::Media => meituan_union::ApiGeneration::Media,
    };
    meituan_union::validate::sid_warnings(generation, sid)
        .iter()
        .map(|w| {
            format!(
                "warning: sid {sid:?} {} (source: {})",
                w.message(),
                w.source()
            )
        })
        .collect()
}

fn parse_types(s: &str) -> anyhow::Result<Vec<u8>> {
    s.split([',', '|'])
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.trim()
                .parse::<u8>()
                .with_context(|| format!("{t:?} is not a link type"))
        })
        .collect()
}

async fn run_batch(b: BatchArgs, profile: Option<&str>, json: bool) -> anyhow::Result<()> {
    let input = if b.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&b.file).with_context(|| format!("reading {}", b.file.display()))?
    };
    let defaults = BatchDefaults {
        sid: b.sid.clone(),
        link_types: parse_types(&b.link_type)?,
        short_link: b.short,
    };
    let parsed = batch::parse(&input, &defaults)?;
    // The results file is checked now, not after the calls.
    if let Some(out) = &b.out {
        links::check_output_file(out, "out")?;
    }
    let ctx = Ctx::open(profile)?;
    let print_plan = |plan: &batch::BatchPlan| {
        if !json {
            eprintln!(
                "{} rows ({} unusable): {} from the library, {} calls needed, {} left today",
                plan.counts.rows,
                plan.counts.error,
                plan.from_library,
                plan.calls_needed,
                plan.remaining_today
                    .map_or("unlimited".to_owned(), |r| r.to_string())
            );
        }
    };
    if b.dry_run {
        // Nothing is stored: the plan of the rows as parsed.
        let plan = batch::plan_parsed(&ctx.api, &ctx.profile, &parsed);
        ctx.close().await;
        let plan = plan?;
        print_plan(&plan);
        if json {
            println!("{}", serde_json::to_string(&plan)?);
        }
        return Ok(());
    }
    let clock = SystemClock;
    let summary = batch::create(
        &ctx.store,
        &clock,
        &ctx.profile,
        &parsed,
        &b.file.display().to_string(),
    )?;
    let plan = batch::plan(&ctx.api, &ctx.profile, summary.id)?;
    print_plan(&plan);
    let progress = |p: &batch::BatchProgress| {
        if !json {
            eprint!("\r{}/{} rows, {} calls", p.finished, p.total, p.calls);
        }
    };
    let report = batch::run(
        ctx.api.clone(),
        &ctx.profile,
        summary.id,
        b.concurrency,
        Some(&progress),
    )
    .await;
    if !json {
        eprintln!();
    }
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            ctx.close().await;
            return Err(e.into());
        }
    };
    if let Some(out) = &b.out {
        // mtu speaks English; the app's export follows its language setting.
        batch::export(
            &ctx.store,
            summary.id,
            ExportFormat::from_path(out),
            out,
            desk_core::settings::Language::En,
        )?;
    }
    let counts = report.counts;
    // Rows with a link: made by a call, or answered by the library.
    let ok = counts.done + counts.library;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "batch": summary.id,
                "calls": report.calls,
                "rows": counts.rows,
                "ok": ok,
                "failed": counts.error,
                "cached": counts.library,
                "done": counts.done,
                "library": counts.library,
                "error": counts.error,
                "pending": counts.pending,
                "interrupted": report.interrupted,
            })
        );
    } else {
        for row in batch::rows(&ctx.store, summary.id, 0, u32::MAX)? {
            let what = row.url.clone().or(row.error.clone()).unwrap_or_default();
            println!("{}\t{}\t{}", row.row_no, row.status.as_str(), what);
        }
        eprintln!(
            "summary: {} rows: {ok} ok ({} by a call, {} cached from the library), {} failed, \
             {} pending; {} calls made",
            counts.rows, counts.done, counts.library, counts.error, counts.pending, report.calls
        );
        if report.interrupted {
            eprintln!("the day's calls ran out: run the batch again after the reset");
        }
    }
    ctx.close().await;
    if counts.error > 0 || counts.pending > 0 {
        return Err(RowsFailed {
            failed: counts.error,
            pending: counts.pending,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_warnings_name_the_recommendation_without_refusing() {
        assert!(sid_warning_lines(profiles::Generation::Legacy, "wx01").is_empty());
        assert!(sid_warning_lines(profiles::Generation::Media, "Wx_01").is_empty());
        let legacy = sid_warning_lines(profiles::Generation::Legacy, "Wx_01");
        assert_eq!(legacy.len(), 1);
        assert!(
            legacy[0].starts_with("warning: sid \"Wx_01\" contains 'W', '_'"),
            "{legacy:?}"
        );
        assert!(
            legacy[0].contains("lower-case letters and digits"),
            "{legacy:?}"
        );
        assert!(
            legacy[0].contains("bububa/meituan:model/generatelink.go"),
            "{legacy:?}"
        );
        let media = sid_warning_lines(profiles::Generation::Media, "推广位");
        assert!(media[0].contains("letters, digits and '_'"), "{media:?}");
    }
}
