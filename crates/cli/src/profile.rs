//! `mtu profile add|list|edit|remove|verify|set-secret`: accounts and their keys.
//! Secrets come from `MTU_SECRET` / `MTU_CALLBACK_SECRET`, a hidden prompt,
//! or pasted console text on stdin — never from the command line, where
//! `ps` and shell history would see them.

use crate::context::{open_desk, runtime, Desk};
use crate::Global;
use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use desk_core::profiles::verify::{self, VerifyReport};
use desk_core::profiles::{
    self, Endpoint, Generation, NewProfile, Profile, ProfileSummary, ProfileUpdate, Tier,
};
use desk_core::secrets::vault::SecretKind;
use meituan_union::Secret;
use std::io::{IsTerminal as _, Read as _};

pub const SECRET_ENV: &str = "MTU_SECRET";
pub const CALLBACK_SECRET_ENV: &str = "MTU_CALLBACK_SECRET";

#[derive(Args, Debug)]
pub struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCommand,
}

#[derive(Subcommand, Debug)]
enum ProfileCommand {
    /// Add a profile. The API secret is read from MTU_SECRET or a hidden
    /// prompt; the callback secret from MTU_CALLBACK_SECRET (or a prompt
    /// with --callback-secret). With --sandbox the embedded sandbox's demo
    /// account fills in what is not given.
    Add(AddArgs),
    /// List the profiles (secrets masked).
    List,
    /// Change a profile's name, appkey, tier or server (what the app's edit
    /// form changes). Secrets are changed with set-secret.
    Edit(EditArgs),
    /// Remove a profile and its keychain entries.
    Remove {
        /// The profile's name.
        name: String,
    },
    /// Make one cheap signed call and say what, if anything, is wrong.
    Verify,
    /// Replace a profile's secret (from the environment, a hidden prompt,
    /// or with --from-text, console text pasted on stdin).
    SetSecret(SetSecretArgs),
}

#[derive(Args, Debug)]
struct AddArgs {
    /// A name for the profile (1–40 characters, unique).
    #[arg(long)]
    name: String,
    /// The appkey from the Meituan Union console (optional with --sandbox).
    #[arg(long, required_unless_present = "sandbox")]
    appkey: Option<String>,
    /// Which API the account uses: legacy (openapi /api/*) or media (cps_open).
    #[arg(long, default_value = "legacy", value_parser = parse_generation)]
    generation: Generation,
    /// Another server than Meituan's (https, or http to this computer).
    #[arg(long, conflicts_with = "sandbox")]
    base_url: Option<String>,
    /// Use the sandbox embedded in the app.
    #[arg(long)]
    sandbox: bool,
    /// Daily call limit: 2000, 3000, 6000, 15000 or unlimited.
    #[arg(long, default_value = "2000", value_parser = parse_tier)]
    tier: Tier,
    /// Also ask for the callback secret (回调密钥) when MTU_CALLBACK_SECRET is unset.
    #[arg(long)]
    callback_secret: bool,
    /// Add the profile without an API secret (set it later with set-secret).
    #[arg(long, conflicts_with = "sandbox")]
    no_secret: bool,
}

#[derive(Args, Debug)]
struct EditArgs {
    /// The profile to change: its name or its id.
    profile: String,
    /// A new name (1–40 characters, unique).
    #[arg(long)]
    name: Option<String>,
    /// A new appkey.
    #[arg(long)]
    appkey: Option<String>,
    /// A new daily call limit: 2000, 3000, 6000, 15000 or unlimited.
    #[arg(long, value_parser = parse_tier)]
    tier: Option<Tier>,
    /// Another server (https, or http to this computer); not for sandbox
    /// profiles.
    #[arg(long)]
    base_url: Option<String>,
}

#[derive(Args, Debug)]
struct SetSecretArgs {
    /// Set the callback secret (回调密钥) instead of the API secret.
    #[arg(long)]
    callback: bool,
    /// Read console text from stdin and take the 32-character key in it.
    #[arg(long)]
    from_text: bool,
}

fn parse_generation(s: &str) -> Result<Generation, String> {
    s.parse().map_err(|e: desk_core::Error| e.to_string())
}

fn parse_tier(s: &str) -> Result<Tier, String> {
    s.parse::<Tier>()
        .map_err(|e| desk_core::Error::from(e).to_string())
}

/// A secret from `env`, or a hidden prompt when a person is at the terminal.
fn read_secret(env: &str, prompt: &str) -> anyhow::Result<Option<Secret>> {
    if let Some(v) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        let v = v
            .into_string()
            .map_err(|_| anyhow::anyhow!("{env} is not valid UTF-8"))?;
        return Ok(Some(Secret::new(v)));
    }
    if std::io::stdin().is_terminal() {
        let typed = rpassword::prompt_password(prompt).context("cannot read the secret")?;
        if !typed.trim().is_empty() {
            return Ok(Some(Secret::new(typed)));
        }
    }
    Ok(None)
}

pub fn run(args: ProfileArgs, g: &Global) -> anyhow::Result<()> {
    let json = g.json;
    let desk = open_desk()?;
    match args.command {
        ProfileCommand::Add(a) => add(&desk, a, json),
        ProfileCommand::List => list(&desk, json),
        ProfileCommand::Edit(a) => edit(&desk, a, json),
        ProfileCommand::Remove { name } => remove(&desk, &name, json),
        ProfileCommand::Verify => verify_cmd(&desk, g.profile(), json),
        ProfileCommand::SetSecret(a) => set_secret(&desk, a, g.profile(), json),
    }
}

fn add(desk: &Desk, a: AddArgs, json: bool) -> anyhow::Result<()> {
    let api_secret = if a.no_secret {
        None
    } else {
        read_secret(SECRET_ENV, "API secret (密钥): ")?
    };
    let callback_secret = match read_secret_env_only(CALLBACK_SECRET_ENV)? {
        Some(s) => Some(s),
        None if a.callback_secret => {
            read_secret(CALLBACK_SECRET_ENV, "Callback secret (回调密钥): ")?
        }
        None => None,
    };
    let profile = if a.sandbox {
        let rt = runtime()?;
        rt.block_on(async {
            let demo = desk.sandbox.demo_credentials().await;
            desk.close().await;
            let demo = demo?;
            anyhow::Ok(profiles::create(
                &desk.store,
                desk.vault.as_ref(),
                desk.clock.as_ref(),
                NewProfile {
                    name: a.name,
                    appkey: a.appkey.unwrap_or(demo.appkey),
                    generation: a.generation,
                    endpoint: Endpoint::EmbeddedSandbox,
                    tier: a.tier,
                    api_secret: Some(api_secret.unwrap_or(demo.secret)),
                    callback_secret: Some(callback_secret.unwrap_or(demo.callback_secret)),
                },
            )?)
        })?
    } else {
        if api_secret.is_none() && !a.no_secret {
            bail!(
                "no API secret: set {SECRET_ENV} or run in a terminal to be asked \
                 (a secret is never taken from the command line), or pass --no-secret"
            );
        }
        profiles::create(
            &desk.store,
            desk.vault.as_ref(),
            desk.clock.as_ref(),
            NewProfile {
                name: a.name,
                appkey: a.appkey.unwrap_or_default(),
                generation: a.generation,
                endpoint: a.base_url.map_or(Endpoint::Meituan, Endpoint::Custom),
                tier: a.tier,
                api_secret,
                callback_secret,
            },
        )?
    };
    if json {
        println!("{}", serde_json::to_string(&profile.summary())?);
    } else {
        println!("added profile {:?}", profile.name);
        print_profile(&profile.summary());
    }
    Ok(())
}

fn read_secret_env_only(env: &str) -> anyhow::Result<Option<Secret>> {
    match std::env::var_os(env).filter(|v| !v.is_empty()) {
        Some(v) => {
            Ok(Some(Secret::new(v.into_string().map_err(|_| {
                anyhow::anyhow!("{env} is not valid UTF-8")
            })?)))
        }
        None => Ok(None),
    }
}

fn where_to(p: &ProfileSummary) -> String {
    match (&p.base_url, p.sandbox) {
        (_, true) => "embedded sandbox".to_owned(),
        (Some(url), false) => url.clone(),
        (None, false) => "-".to_owned(),
    }
}

fn print_profile(p: &ProfileSummary) {
    println!(
        "  {}  {}  appkey {}  {}  tier {}  authorization {}  secret {}  callback secret {}",
        p.name,
        p.generation.as_str(),
        p.appkey,
        where_to(p),
        p.tier,
        if p.auth_checked {
            p.auth_status.as_str()
        } else {
            "unchecked"
        },
        p.api_secret_hint.as_deref().unwrap_or("(none)"),
        p.callback_secret_hint.as_deref().unwrap_or("(none)"),
    );
}

fn list(desk: &Desk, json: bool) -> anyhow::Result<()> {
    let all: Vec<ProfileSummary> = profiles::list(&desk.store)?
        .iter()
        .map(Profile::summary)
        .collect();
    if json {
        println!("{}", serde_json::to_string(&all)?);
    } else if all.is_empty() {
        println!("no profiles yet: add one with `mtu profile add`");
    } else {
        for p in &all {
            print_profile(p);
        }
    }
    Ok(())
}

fn edit(desk: &Desk, a: EditArgs, json: bool) -> anyhow::Result<()> {
    let p = match profiles::select(&desk.store, Some(&a.profile)) {
        Ok(p) => p,
        Err(by_name) => match profiles::get(&desk.store, a.profile.trim()) {
            Ok(p) => p,
            Err(_) => return Err(by_name.into()),
        },
    };
    if a.base_url.is_some() && p.sandbox {
        bail!(
            "{:?} uses the embedded sandbox: it has no server address to change",
            p.name
        );
    }
    let change = ProfileUpdate {
        name: a.name,
        appkey: a.appkey,
        tier: a.tier,
        base_url: a.base_url,
    };
    if change.name.is_none()
        && change.appkey.is_none()
        && change.tier.is_none()
        && change.base_url.is_none()
    {
        bail!("nothing to change: give --name, --appkey, --tier or --base-url");
    }
    // The same core function as the app's edit form.
    let p = profiles::update(&desk.store, &p.id, change)?;
    if json {
        println!("{}", serde_json::to_string(&p.summary())?);
    } else {
        println!("changed profile {:?}", p.name);
        print_profile(&p.summary());
    }
    Ok(())
}

fn remove(desk: &Desk, name: &str, json: bool) -> anyhow::Result<()> {
    let p = desk.profile(Some(name))?;
    profiles::delete(&desk.store, desk.vault.as_ref(), &p.id)?;
    if json {
        println!("{}", serde_json::json!({ "removed": p.name, "id": p.id }));
    } else {
        println!("removed profile {:?} and its keychain entries", p.name);
    }
    Ok(())
}

fn verify_cmd(desk: &Desk, name: Option<&str>, json: bool) -> anyhow::Result<()> {
    let p = desk.profile(name)?;
    let rt = runtime()?;
    let report: VerifyReport = rt.block_on(async {
        let r = verify::verify(&desk.api, &p.id).await;
        desk.close().await;
        r
    })?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else if report.ok {
        println!("✓ {}: {}", p.name, report.message);
    } else {
        println!("✗ {}: {}", p.name, report.message);
    }
    if !report.ok {
        let problem = report
            .problem
            .map(|pr| serde_json::to_value(pr).ok())
            .and_then(|v| v.and_then(|v| v.as_str().map(str::to_owned)))
            .unwrap_or_default();
        bail!("verify found a problem: {problem}");
    }
    Ok(())
}

fn set_secret(
    desk: &Desk,
    a: SetSecretArgs,
    profile: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let p = desk.profile(profile)?;
    let kind = if a.callback {
        SecretKind::CallbackSecret
    } else {
        SecretKind::ApiSecret
    };
    let secret = if a.from_text {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        profiles::extract_key(&text, kind, Some(&p.appkey))?
    } else {
        let (env, prompt) = match kind {
            SecretKind::ApiSecret => (SECRET_ENV, "API secret (密钥): "),
            SecretKind::CallbackSecret => (CALLBACK_SECRET_ENV, "Callback secret (回调密钥): "),
        };
        read_secret(env, prompt)?.with_context(|| {
            format!(
                "no secret: set {env}, run in a terminal, or pipe console text with --from-text"
            )
        })?
    };
    let p = profiles::set_secret(&desk.store, desk.vault.as_ref(), &p.id, kind, &secret)?;
    if json {
        println!("{}", serde_json::to_string(&p.summary())?);
    } else {
        println!("stored the secret of {:?} in the keychain", p.name);
        print_profile(&p.summary());
    }
    Ok(())
}
