//! `mtu callback serve --port N` runs the local callback receiver;
//! `mtu callback test URL` sends a signed test push and diagnoses the reply.
//! The callback secret comes from `MTU_CALLBACK_SECRET` when set, else from
//! the profile's keychain entry.

use crate::context::{open_desk, runtime, Desk};
use crate::Global;
use clap::{Args, Subcommand};
use desk_core::callback::{self, FeedItem, ReceiverConfig, TestPushOptions};
use desk_core::profiles::{self, Profile};
use desk_core::secrets::vault::SecretKind;
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

/// Characters that must not reach a terminal raw from a push: controls
/// (C0 with NUL and ESC, DEL, C1), bidirectional overrides and isolates
/// (U+202E reverses what follows), zero-width and line-separator characters.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Pushed text for a terminal line: unsafe characters as `\u{202e}`, and a
/// backslash doubled so an escape cannot be faked.
pub(crate) fn escape_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Our own message text (which quotes a reply already escaped): only the
/// unsafe characters escaped, backslashes left as they are.
fn escape_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON text with the unsafe characters serde_json leaves raw (DEL, C1,
/// bidi, zero-width) written as `\uXXXX` escapes. Valid JSON stays valid
/// and decodes to the same value: such characters only occur inside strings,
/// and all of them are in the Basic Multilingual Plane.
pub(crate) fn escape_json_line(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// One line of `callback serve` for a push.
pub(crate) fn feed_line(item: &FeedItem) -> String {
    // refundType only when pushed: 1 whole, 2 part, 3 risk control.
    let refund = item
        .refund_type
        .as_deref()
        .map(|t| format!(" refund_type={}", escape_for_terminal(t)))
        .unwrap_or_default();
    format!(
        "{} {:?} order={} status={}{refund} {}",
        escape_for_terminal(&item.received_at),
        item.outcome,
        escape_for_terminal(item.order_id.as_deref().unwrap_or("-")),
        escape_for_terminal(item.status.as_deref().unwrap_or("-")),
        escape_for_terminal(item.reason.as_deref().unwrap_or("")),
    )
}

pub fn run(args: CallbackArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = open_desk()?;
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
                                    println!("{}", escape_json_line(&serde_json::to_string(&item)?));
                                } else {
                                    println!("{}", feed_line(&item));
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
                println!("{}", escape_json_line(&serde_json::to_string(&report)?));
            } else {
                println!("{:?}: {}", report.diagnosis, escape_message(&report.detail));
                if let Some(status) = report.http_status {
                    println!("HTTP {status} in {} ms", report.elapsed_ms);
                }
                if let Some(reply) = &report.reply {
                    println!("reply: {}", escape_for_terminal(reply));
                }
            }
            if report.ok {
                Ok(())
            } else {
                anyhow::bail!(
                    "the test push to {} was not acknowledged: {}",
                    escape_message(&report.url),
                    escape_message(&report.detail)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::callback::FeedOutcome;

    #[test]
    fn pushed_control_characters_are_escaped_in_feed_lines() {
        let item = FeedItem {
            seq: 1,
            received_at: "2025-01-01T00:00:00+08:00".into(),
            outcome: FeedOutcome::Stored,
            reason: None,
            reason_code: None,
            order_id: Some("12\u{0}34\u{202e}gnp.exe\u{1b}[2J\u{7f}\u{85}".into()),
            status: Some("2\\u{202e}".into()),
            refund_type: None,
            pay_price: None,
            sid: None,
            event_id: Some(1),
            bytes: 10,
        };
        let line = feed_line(&item);
        assert_eq!(
            line,
            "2025-01-01T00:00:00+08:00 Stored order=12\\u{0}34\\u{202e}gnp.exe\\u{1b}[2J\\u{7f}\\u{85} status=2\\\\u{202e} "
        );
        assert!(!line.chars().any(is_unsafe_char), "{line:?}");
        // A pushed refundType is shown, escaped like the rest.
        let refunded = FeedItem {
            refund_type: Some("3\u{1b}[2J".into()),
            status: Some("9".into()),
            order_id: Some("1001".into()),
            ..item
        };
        assert_eq!(
            feed_line(&refunded),
            "2025-01-01T00:00:00+08:00 Stored order=1001 status=9 refund_type=3\\u{1b}[2J "
        );
        // Plain text is left alone, Chinese included.
        assert_eq!(escape_for_terminal("订单 1001 ok"), "订单 1001 ok");
    }

    #[test]
    fn json_lines_escape_what_serde_json_leaves_raw_and_decode_the_same() {
        let value = serde_json::json!({"order_id": "a\u{0}b\u{202e}c\u{1b}d\u{7f}e\u{2066}f 订单"});
        let line = escape_json_line(&serde_json::to_string(&value).unwrap());
        assert!(!line.chars().any(is_unsafe_char), "{line:?}");
        assert!(line.contains("\\u202e"), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
    }
}
