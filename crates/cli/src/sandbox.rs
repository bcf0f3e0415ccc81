//! `mtu sandbox`: run the local Meituan Union stand-in on its own. Prints one
//! JSON line when ready (base URL and the demo account, whose credentials are
//! sandbox fakes) and serves until SIGINT or SIGTERM.

use ::sandbox::{Sandbox, SandboxConfig, Tier};
use anyhow::Context as _;
use clap::Args;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the synthetic data and of the demo credentials.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Completed or paid orders per month (decides which tier a frequency
    /// request qualifies for: 1000, 2000, 5000, 10000 are the thresholds).
    #[arg(long, default_value_t = 300)]
    orders_per_month: u32,
    /// Starting call-frequency tier: 2000, 3000, 6000, 15000 or unlimited.
    #[arg(long, default_value = "2000", value_parser = parse_tier)]
    tier: Tier,
    /// Keep console state and counters in this file across restarts (it
    /// holds no secret).
    #[arg(long)]
    state_file: Option<PathBuf>,
}

fn parse_tier(s: &str) -> Result<Tier, String> {
    s.parse::<Tier>().map_err(|e| e.to_string())
}

pub fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: SandboxArgs) -> anyhow::Result<()> {
    let config = SandboxConfig {
        port: args.port,
        seed: args.seed,
        orders_per_month: args.orders_per_month,
        tier: args.tier,
        state_file: args.state_file,
        ..SandboxConfig::default()
    };
    // Watch the signals before saying "ready": a supervisor that stops us
    // right after reading the line must not hit the default (killing)
    // handler.
    let stop = stop_signal()?;
    let running = Sandbox::start(config).await?;
    let demo = running.demo_account();
    // The only place a secret is printed: the demo account is a sandbox fake.
    let ready = serde_json::json!({
        "base_url": running.base_url(),
        "demo": {
            "appkey": demo.appkey,
            "secret": demo.secret.expose(),
            "callback_secret": demo.callback_secret.expose(),
        },
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{ready}").context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")?;
    drop(out);
    stop.await?;
    running.shutdown().await;
    Ok(())
}

#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        Ok(())
    })
}

#[cfg(windows)]
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c().context("cannot watch Ctrl-C")?;
    Ok(async move {
        ctrl_c.recv().await;
        Ok(())
    })
}
