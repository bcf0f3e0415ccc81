//! 小程序码: WeChat mini-program codes for an activity or a product and a
//! sid (issue 20 item 2).
//!
//! - Legacy profiles ask `/api/miniCode` (`actId`, `sid`, `linkType` 4 =
//!   微信小程序; SPEC.md line 45, yzchan-php `src/request/MiniCodeRequest.php`,
//!   dtapps `api.mini_code.go`); the legacy API makes them for activities
//!   only.
//! - Media profiles ask `get_referral_link` with `linkType` 6 = 小程序码 for
//!   an `actId` or a `skuViewId` (SPEC.md line 98, dtapps
//!   `media.get_referral_link.go`).
//!
//! Either answer is an image URL. It is stored in the link library like any
//! link (so the library lists it and an identical request is answered from
//! there with 0 calls); its image is fetched once ([`crate::images`]) and kept
//! in `<data folder>/minicodes/<link id>.<ext>`, recorded in the `minicodes`
//! table. Asked again: no call and no fetch. A kept file that vanished (or
//! changed) is fetched again from the stored URL, still with no API call.
//!
//! Every API call goes through the gateway ([`crate::gateway::api::Api`]): counted
//! by the quota ledger, refused early when the day is used up. Bad input is
//! refused before anything is spent.

use crate::clock::beijing_rfc3339;
use crate::error::{Error, FieldError, Result};
use crate::gateway::api::Api;
use crate::images::{self, ImageKind};
use crate::links::sids;
use crate::links::{self, CanonicalRequest, LinkEntry, LinkRequest, TargetKind};
use crate::profiles::{Generation, Profile};
use crate::store::Store;
use meituan_union::{LegacyLinkType, MediaLinkType, MiniCodeRequest, ReferralLinkRequest};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sql::MiniCodeFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// This feature's SQL.
pub mod sql;

/// The largest mini-program code image accepted (they are a few dozen KB).
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// Legacy `/api/miniCode`'s `linkType`: 4, 微信小程序.
pub const LEGACY_LINK_TYPE: u8 = 4;
/// Media `get_referral_link`'s `linkType`: 6, 小程序码.
pub const MEDIA_LINK_TYPE: u8 = 6;

/// A mini-program code, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MiniCode {
    /// Its entry in the link library.
    pub link_id: u32,
    pub target_kind: TargetKind,
    pub target: String,
    pub sid: String,
    /// The image URL Meituan answered (stored as the library link's URL).
    pub image_url: String,
    /// The kept image file (PNG for the sandbox and, as far as is known,
    /// for Meituan; a JPEG, GIF or WebP answer is kept as it came, under its
    /// own extension).
    pub png_path: String,
    /// `data:image/png;base64,…` for the UI.
    pub data_url: String,
    /// True when the library answered: no call was made.
    pub from_library: bool,
    /// API calls this answer spent (0 or 1).
    pub calls_spent: u32,
}

/// Where the images are kept: `<data folder>/minicodes`.
pub use crate::paths::minicodes_dir;

/// Checks a mini-code request for the profile's generation and puts it in
/// canonical form, with its library key. Nothing is spent when this fails.
pub fn check(
    generation: Generation,
    target_kind: TargetKind,
    target: &str,
    sid: &str,
) -> Result<(CanonicalRequest, String)> {
    let rule = |field: &str, rule: &str, reason: &str| -> Error {
        FieldError::rule(field, rule, reason).into()
    };
    let trimmed = target.trim();
    match (target_kind, generation) {
        (TargetKind::Text, _) => {
            return Err(rule(
                "target_kind",
                "not_supported",
                "a mini-program code is made for an activity (actId) or a product (skuViewId)",
            ))
        }
        (TargetKind::Sku, Generation::Legacy) => {
            return Err(rule(
                "target_kind",
                "legacy_act_only",
                "the legacy API makes mini-program codes for activities (actId) only",
            ))
        }
        _ => {}
    }
    if trimmed.is_empty() {
        return Err(rule("target", "empty", "must not be empty"));
    }
    match target_kind {
        TargetKind::Act
            if links::split_act_target(trimmed)
                .is_none_or(|(_, sku)| sku.is_some() && generation == Generation::Media) =>
        {
            return Err(rule("target", "act_digits", "an actId is 1 to 32 digits"));
        }
        TargetKind::Sku
            if trimmed.chars().count() > 128 || trimmed.chars().any(char::is_whitespace) =>
        {
            return Err(rule("target", "sku_form", "is not a skuViewId"));
        }
        _ => {}
    }
    if sid.is_empty() {
        return Err(rule("sid", "empty", "must not be empty"));
    }
    let link_type = match generation {
        Generation::Legacy => LEGACY_LINK_TYPE,
        Generation::Media => MEDIA_LINK_TYPE,
    };
    let canon = links::canonicalize(
        generation,
        &LinkRequest {
            target_kind,
            target: trimmed.to_owned(),
            sid: sid.to_owned(),
            link_types: vec![link_type],
            short_link: false,
        },
    )?;
    // Media: the same key as a linkType 6 link made on the links screen
    // (the same call, the same answer). Legacy: /api/miniCode is not
    // /api/generateLink with linkType 4 (a mini-program path), so its own key.
    let key = match generation {
        Generation::Media => canon.key(),
        Generation::Legacy => format!("{}|minicode", canon.key()),
    };
    Ok((canon, key))
}

/// The mini-program code of `target` for `sid`: from the library (0 calls,
/// no fetch while its image is kept), or one counted call and one image
/// fetch. See the module docs.
pub async fn mini_code(
    api: &Api,
    profile: &Profile,
    target_kind: TargetKind,
    target: &str,
    sid: &str,
) -> Result<MiniCode> {
    let (canon, key) = check(profile.generation, target_kind, target, sid)?;
    let store = api.store();
    let hit = crate::links::sql::hit(&*store.connect()?, &profile.id, &key)?;
    if let Some(entry) = hit {
        let (bytes, kind, path) = image(api, &entry).await?;
        return Ok(answer(entry, &bytes, kind, &path, true, 0));
    }
    // The sid joins the profile's list only once a code was made with it.
    sids::check_usable(store, &profile.id, &canon.sid)?;
    let url = call(api, profile, &canon).await?;
    sids::ensure(store, api.clock(), &profile.id, &canon.sid)?;
    // The answer is stored before its image is fetched: the call is paid
    // for, and a failed fetch is tried again later with no call.
    let entry = crate::links::sql::insert(
        &*store.connect()?,
        &profile.id,
        &key,
        &canon,
        &url,
        &BTreeMap::new(),
        &beijing_rfc3339(api.clock().now()),
    )?;
    let (bytes, kind, path) = image(api, &entry).await?;
    Ok(answer(entry, &bytes, kind, &path, false, 1))
}

/// The one API call.
async fn call(api: &Api, profile: &Profile, canon: &CanonicalRequest) -> Result<String> {
    match canon.generation {
        Generation::Legacy => {
            let (act, sku) = links::split_act_target(&canon.target)
                .ok_or_else(|| Error::invalid("target", "an actId is 1 to 32 digits"))?;
            let req = MiniCodeRequest {
                act_id: act.to_owned(),
                sid: Some(canon.sid.clone()),
                link_type: LegacyLinkType::WechatMiniProgram,
                sku_id: sku.map(str::to_owned),
            };
            Ok(api.legacy(profile, &req).await?.url)
        }
        Generation::Media => {
            let req = ReferralLinkRequest {
                act_id: (canon.target_kind == TargetKind::Act).then(|| canon.target.clone()),
                sku_view_id: (canon.target_kind == TargetKind::Sku).then(|| canon.target.clone()),
                text: None,
                sid: canon.sid.clone(),
                link_type: Some(MediaLinkType::MiniProgramCode),
                link_type_list: None,
                platform: None,
                biz_line: None,
            };
            let answer = api.media(profile, &req).await?;
            answer
                .link
                .clone()
                .or_else(|| answer.links.get("6").cloned())
                .or_else(|| answer.links.values().next().cloned())
                .ok_or_else(|| Error::Decode("the answer has no mini-program code URL".into()))
        }
    }
}

fn answer(
    entry: LinkEntry,
    bytes: &[u8],
    kind: ImageKind,
    path: &Path,
    from_library: bool,
    calls_spent: u32,
) -> MiniCode {
    MiniCode {
        link_id: entry.id,
        target_kind: entry.target_kind,
        target: entry.target,
        sid: entry.sid,
        image_url: entry.url,
        png_path: path.display().to_string(),
        data_url: images::data_url(bytes, kind),
        from_library,
        calls_spent,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn kind_name(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::Png => "png",
        ImageKind::Jpeg => "jpeg",
        ImageKind::Gif => "gif",
        ImageKind::Webp => "webp",
    }
}

/// The kept image of a link, when its file is there and unchanged.
fn kept(store: &Store, link_id: u32) -> Result<Option<(Vec<u8>, ImageKind, PathBuf)>> {
    let Some(row) = sql::get(&*store.connect()?, link_id)? else {
        return Ok(None);
    };
    // The name came from this module; refuse anything else all the same.
    if row.file.contains(['/', '\\']) || row.file.starts_with('.') {
        return Ok(None);
    }
    let path = minicodes_dir(&store.data_dir()).join(&row.file);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(None);
    };
    match ImageKind::sniff(&bytes) {
        Some(kind) if sha256_hex(&bytes) == row.sha256 => Ok(Some((bytes, kind, path))),
        _ => Ok(None),
    }
}

/// The image of a mini-code link: kept, or fetched from its URL (no API
/// call) and kept.
async fn image(api: &Api, entry: &LinkEntry) -> Result<(Vec<u8>, ImageKind, PathBuf)> {
    let store = api.store();
    if let Some(found) = kept(store, entry.id)? {
        return Ok(found);
    }
    let http = images::shared_client()?;
    let (bytes, kind) = images::fetch_image(&http, &entry.url, MAX_IMAGE_BYTES)
        .await
        .map_err(|e| match e.code() {
            // The URL came from Meituan's answer, not from the user.
            crate::ErrorCode::InvalidInput => Error::Decode(format!(
                "the answer's image URL is not an http(s) URL ({})",
                e.field_errors()
                    .first()
                    .and_then(|f| f.rule.clone())
                    .unwrap_or_default()
            )),
            _ => e,
        })?;
    let dir = minicodes_dir(&store.data_dir());
    crate::paths::private_dir(&dir)?;
    let file = format!("{}.{}", entry.id, kind.extension());
    let path = dir.join(&file);
    crate::safe_write::write_file_atomically(&path, &bytes)?;
    sql::put(
        &*store.connect()?,
        &MiniCodeFile {
            link_id: entry.id,
            file,
            kind: kind_name(kind).into(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
            fetched_at: beijing_rfc3339(api.clock().now()),
        },
    )?;
    Ok((bytes, kind, path))
}

/// The image of the mini-code link `link_id` (bytes, format, kept file):
/// from its file, or fetched again from the stored URL (no API call).
/// A link that is not a mini-program code is `NotFound`.
pub async fn mini_code_image(api: &Api, link_id: u32) -> Result<(Vec<u8>, ImageKind, PathBuf)> {
    let store = api.store();
    let entry = links::get(store, link_id)?;
    if sql::get(&*store.connect()?, link_id)?.is_none() {
        return Err(Error::not_found("mini-program code of link", link_id));
    }
    image(api, &entry).await
}

/// Writes the mini-program code of `link_id` to `path` (checked first:
/// a file in an existing folder, not a folder, link or device), atomically.
pub async fn save_mini_code(api: &Api, link_id: u32, path: &Path) -> Result<()> {
    links::check_output_file(path, "path")?;
    let (bytes, _, _) = mini_code_image(api, link_id).await?;
    crate::safe_write::write_file_atomically(path, &bytes)
}

/// Puts the mini-program code of `link_id` on the OS clipboard as an
/// image (pixels: pasting into a chat gives the picture). An image that is
/// not a PNG (an answer may name a JPEG) goes on as its kept file instead.
/// Returns the kept file.
pub async fn copy_mini_code(api: &Api, link_id: u32) -> Result<PathBuf> {
    let (bytes, kind, path) = mini_code_image(api, link_id).await?;
    let path = path
        .canonicalize()
        .map_err(|e| Error::Storage(format!("cannot read {}: {e}", path.display())))?;
    match kind {
        ImageKind::Png => with_clipboard(|c| c.set_image(png_rgba(&bytes)?))?,
        _ => with_clipboard(|c| c.set().file_list(&[&path]))?,
    }
    Ok(path)
}

/// A PNG's pixels as 8-bit RGBA, what the clipboard takes.
fn png_rgba(bytes: &[u8]) -> std::result::Result<arboard::ImageData<'static>, arboard::Error> {
    let bad = |e: png::DecodingError| arboard::Error::Unknown {
        description: format!("the kept image is not a readable PNG: {e}"),
    };
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(bad)?;
    let size = reader
        .output_buffer_size()
        .ok_or(arboard::Error::ConversionFailure)?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(bad)?;
    let pixels = &buf[..info.buffer_size()];
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => pixels.to_vec(),
        png::ColorType::Rgb => pixels
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => pixels
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => pixels.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => return Err(arboard::Error::ConversionFailure),
    };
    Ok(arboard::ImageData {
        width: info.width as usize,
        height: info.height as usize,
        bytes: rgba.into(),
    })
}

/// One OS clipboard for the process: on X11 and Wayland its owner serves
/// what was copied, so it must outlive the copy.
fn with_clipboard(
    put: impl FnOnce(&mut arboard::Clipboard) -> std::result::Result<(), arboard::Error>,
) -> Result<()> {
    use std::sync::Mutex;
    static CLIPBOARD: Mutex<Option<arboard::Clipboard>> = Mutex::new(None);
    let unavailable =
        |e: arboard::Error| Error::Internal(format!("the clipboard is not available: {e}"));
    let mut guard = CLIPBOARD.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        *guard = Some(arboard::Clipboard::new().map_err(unavailable)?);
    }
    put(guard.as_mut().expect("just opened")).map_err(unavailable)
}
