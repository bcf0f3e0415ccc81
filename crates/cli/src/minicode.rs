//! `mtu minicode --act ID|--sku ID --sid S --out FILE [--json]`: a WeChat
//! mini-program code (小程序码) written as an image file, through the same
//! gateway, quota ledger and link library as the app: asked again, it comes
//! from the library with 0 calls.

use crate::link::Ctx;
use crate::Global;
use anyhow::bail;
use clap::Args;
use desk_core::links::minicode;
use desk_core::links::{self, TargetKind};
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "Legacy accounts: --act only (/api/miniCode, linkType 4). Media accounts: \
--act or --sku (get_referral_link, linkType 6). The file is the image Meituan serves (a PNG; \
written as it came). --json prints {\"link_id\",\"image_url\",\"out\",\"from_library\",\"calls_spent\"}."
)]
pub struct MiniCodeArgs {
    /// An activity id (actId).
    #[arg(long, group = "target")]
    pub act: Option<String>,
    /// A product (skuViewId; media API only).
    #[arg(long, group = "target")]
    pub sku: Option<String>,
    /// The promotion position (推广位).
    #[arg(long)]
    pub sid: String,
    /// Write the image here (a file; its folder must exist).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: MiniCodeArgs, g: &Global) -> anyhow::Result<()> {
    let (kind, target) = match (&args.act, &args.sku) {
        (Some(a), None) => (TargetKind::Act, a.clone()),
        (None, Some(s)) => (TargetKind::Sku, s.clone()),
        _ => bail!("give one of --act or --sku"),
    };
    // The file is checked before anything is spent.
    links::check_output_file(&args.out, "out")?;
    let ctx = Ctx::open(g.profile())?;
    minicode::check(ctx.profile.generation, kind, &target, &args.sid)?;
    let rt = crate::context::runtime()?;
    rt.block_on(async move {
        let result = async {
            let code =
                minicode::mini_code(&ctx.api, &ctx.profile, kind, &target, &args.sid).await?;
            minicode::save_mini_code(&ctx.api, code.link_id, &args.out).await?;
            Ok::<_, desk_core::Error>(code)
        }
        .await;
        ctx.close().await;
        let code = result?;
        if g.json {
            println!(
                "{}",
                serde_json::json!({
                    "link_id": code.link_id,
                    "image_url": code.image_url,
                    "out": args.out,
                    "from_library": code.from_library,
                    "calls_spent": code.calls_spent,
                })
            );
        } else {
            println!("{}", args.out.display());
            if code.from_library {
                eprintln!("from the library, 0 calls");
            }
        }
        Ok(())
    })
}
