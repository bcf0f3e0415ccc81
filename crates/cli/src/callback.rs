//! `mtu callback serve --port N` runs the local callback receiver;
//! `mtu callback test URL` sends a signed test push and diagnoses the reply.
//! The callback secret comes from `MTU_CALLBACK_SECRET` when set, else from
//! the profile's keychain entry.

use crate::context::{runtime, Desk};
use crate::Global;
use clap::{Args, Subcommand};
use desk_core::callback::{self, ReceiverConfig, TestPushOptions};
use desk_core::profiles::{self, Profile};
use desk_core::vault::SecretKind;
use desk_core::Clock as _;
use meituan_union::Secret;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct CallbackArgs {
    #[command(subcommand)]
    command: CallbackCommand,
}

#[derive(Subcommand, Debug)]
enum CallbackCommand {
    /// Run the receiver until Ctrl-C: verifies each push, replies in
    /// Meituan's exact format, stores each order event once, prints a line
    /// per push.
    Serve {
        #[arg(long)]
        port: u16,
        /// Address to listen on; anything but loopback needs --allow-remote.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Listen on a non-loopback address (the receiver is then reachable
        /// from other machines).
        #[arg(long)]
        allow_remote: bool,
    },
    /// Send a realistic order push signed with the callback secret to URL
    /// and diagnose the reply (exit 1 unless acknowledged).
    Test {
        url: String,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        /// Skip the second push with a wrong sign.
        #[arg(long)]
        no_probe: bool,
    },
}

/// The profile, when one is named or is the only one; `None` when there is
/// none and the secret comes from the environment.
fn profile_opt(desk: &Desk, name: Option<&str>, need: bool) -> anyhow::Result<Option<Profile>> {
    match profiles::select(&desk.store, name) {
        Ok(p) => Ok(Some(p)),
        Err(e) if !need && name.is_none() => {
            let _ = e;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn secret(desk: &Desk, profile: Option<&Profile>) -> anyhow::Result<Secret> {
    if let Ok(value) = std::env::var("MTU_CALLBACK_SECRET") {
        if !value.trim().is_empty() {
            return Ok(Secret::new(value.trim().to_owned()));
        }
    }
    let Some(profile) = profile else {
        anyhow::bail!(
            "no profile and no MTU_CALLBACK_SECRET: nothing to verify or sign pushes with"
        );
    };
    Ok(profiles::load_secret(
        desk.vault.as_ref(),
        profile,
        SecretKind::CallbackSecret,
    )?)
}

pub fn run(args: CallbackArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = Desk::open()?;
    match args.command {
        CallbackCommand::Serve {
            port,
            bind,
            allow_remote,
        } => {
            let env_secret =
                std::env::var("MTU_CALLBACK_SECRET").is_ok_and(|v| !v.trim().is_empty());
            let profile = profile_opt(&desk, g.profile(), !env_secret)?;
            let secret = secret(&desk, profile.as_ref())?;
            let scope = profile.as_ref().map(|p| p.id.clone()).unwrap_or_default();
            let config = ReceiverConfig {
                bind: SocketAddr::new(bind, port),
                allow_non_loopback: allow_remote,
                ..ReceiverConfig::loopback(port, scope, secret)
            };
            let rt = runtime()?;
            rt.block_on(async {
                let receiver =
                    callback::start_receiver(desk.store.clone(), desk.clock.clone(), config)
                        .await?;
                let mut feed = receiver.subscribe();
                if json {
                    println!("{}", serde_json::json!({"listening": receiver.url()}));
                } else {
                    println!("listening on {}", receiver.url());
                }
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
                loop {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => break,
                        item = feed.recv() => match item {
                            Ok(item) => {
                                if json {
                                    println!("{}", serde_json::to_string(&item)?);
                                } else {
                                    println!(
                                        "{} {:?} order={} status={} {}",
                                        item.received_at,
                                        item.outcome,
                                        item.order_id.as_deref().unwrap_or("-"),
                                        item.status.as_deref().unwrap_or("-"),
                                        item.reason.as_deref().unwrap_or(""),
                                    );
                                }
                                let _ = std::io::stdout().flush();
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                            Err(_) => break,
                        },
                    }
                }
                receiver.stop().await;
                anyhow::Ok(())
            })
        }
        CallbackCommand::Test {
            url,
            timeout,
            no_probe,
        } => {
            let env_secret =
                std::env::var("MTU_CALLBACK_SECRET").is_ok_and(|v| !v.trim().is_empty());
            let profile = profile_opt(&desk, g.profile(), !env_secret)?;
            let secret = secret(&desk, profile.as_ref())?;
            let appkey = profile
                .as_ref()
                .map(|p| p.appkey.clone())
                .unwrap_or_else(|| "uniondesk-test".into());
            let options = TestPushOptions {
                timeout: Duration::from_secs(timeout.max(1)),
                probe_forged: !no_probe,
            };
            let now = desk.clock.now();
            let rt = runtime()?;
            let report = rt.block_on(callback::send_test_push(
                &url, &secret, &appkey, now, options,
            ));
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{:?}: {}", report.diagnosis, report.detail);
                if let Some(status) = report.http_status {
                    println!("HTTP {status} in {} ms", report.elapsed_ms);
                }
                if let Some(reply) = &report.reply {
                    println!("reply: {reply}");
                }
            }
            if report.ok {
                Ok(())
            } else {
                anyhow::bail!(
                    "the test push was not acknowledged ({:?})",
                    report.diagnosis
                )
            }
        }
    }
}
