//! `mtu`: Union Desk from a terminal. Every subcommand lives in its own
//! module and calls the same core the desktop app uses.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod context;
mod coupon;
mod link;
mod minicode;
mod orders;
mod profile;
mod quota;
mod sandbox;
mod sid;
mod sign;
// Console workflows.
mod callback;
mod tier;
mod workdays;

/// Union Desk (联盟助手) from a terminal.
#[derive(Parser)]
#[command(name = "mtu", version, about, long_about = None)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The profile (account) to use, by name; default: the only profile.
    #[arg(long, global = true, env = "MTU_PROFILE", value_name = "NAME")]
    profile: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the data folder the app and `mtu` share.
    Home,
    /// Compute or check a signature: JSON on stdin, JSON on stdout.
    #[command(long_about = sign::LONG_ABOUT)]
    Sign(sign::SignArgs),
    /// Add, list, remove and verify profiles (accounts and their keys).
    Profile(profile::ProfileArgs),
    /// Today's calls against the daily limit (Beijing day); what Meituan
    /// was observed to do, the probe and the learned limit.
    Quota(quota::QuotaArgs),
    /// Generate a promotion link (`--act`/`--sku`/`--text`, `--sid`), or
    /// `link batch FILE` for a list.
    Link(link::LinkArgs),
    /// A WeChat mini-program code (小程序码) as an image file:
    /// `--act`/`--sku`, `--sid`, `--out FILE`.
    Minicode(minicode::MiniCodeArgs),
    /// 选品: search products and coupons to promote (`coupon search`), and
    /// the filters that can be searched (`coupon filters`).
    Coupon(coupon::CouponArgs),
    /// Sync, list, total and export orders.
    Orders(orders::OrdersArgs),
    /// Promotion positions (推广位): `sid quality` for a sid's daily quality score.
    Sid(sid::SidArgs),
    /// Due times on the mainland China working-day calendar.
    Workdays(workdays::WorkdaysArgs),
    /// Monthly average orders, the tier they qualify for and the gap to the next.
    Tier(tier::TierArgs),
    /// The local callback receiver (`serve`) and the signed test push (`test`).
    Callback(callback::CallbackArgs),
    /// Run the local Meituan Union sandbox until SIGINT/SIGTERM; prints one
    /// JSON line (base URL and demo account) when ready.
    Sandbox(sandbox::SandboxArgs),
}

/// The options every subcommand accepts (`--json`, `--profile`), before or
/// after the subcommand's name.
pub struct Global {
    pub json: bool,
    profile: Option<String>,
}

impl Global {
    /// The profile named with `--profile` / `MTU_PROFILE`, if any.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref().filter(|p| !p.is_empty())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let g = Global {
        json: cli.json,
        profile: cli.profile,
    };
    let result = match cli.command {
        Command::Home => home(g.json),
        Command::Profile(args) => profile::run(args, &g),
        Command::Quota(args) => quota::run(args, &g),
        Command::Link(args) => link::run(args, &g),
        Command::Minicode(args) => minicode::run(args, &g),
        Command::Coupon(args) => coupon::run(args, &g),
        Command::Orders(args) => orders::run(args, &g),
        Command::Sid(args) => sid::run(args, &g),
        Command::Workdays(args) => workdays::run(args, g.json),
        Command::Tier(args) => tier::run(args, &g),
        Command::Callback(args) => callback::run(args, &g),
        Command::Sandbox(args) => sandbox::run(args),
        // Exit code 2 on bad input, its own contract.
        Command::Sign(args) => return sign::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mtu: {err:#}");
            // `link batch`: it ran, but some rows have no link.
            if err.downcast_ref::<link::RowsFailed>().is_some() {
                return ExitCode::from(link::EXIT_ROWS_FAILED);
            }
            ExitCode::from(1)
        }
    }
}

fn home(json: bool) -> anyhow::Result<()> {
    let dir = desk_core::paths::data_dir()?;
    if json {
        println!("{}", serde_json::json!({ "data_dir": dir }));
    } else {
        println!("{}", dir.display());
    }
    Ok(())
}
