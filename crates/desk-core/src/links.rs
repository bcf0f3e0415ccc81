//! Promotion links: generation through the signed-call gateway (so every
//! call is counted by the quota ledger), the local library that answers an
//! identical request without any call, and QR codes rendered here.

use crate::clock::beijing_rfc3339;
use crate::error::{Error, Result};
use crate::gateway::api::Api;
use crate::profiles::{Generation, Profile};
use crate::store::Store;
use meituan_union::{GenerateLinkRequest, LegacyLinkType, MediaLinkType, ReferralLinkRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod batch;
pub mod minicode;
pub mod quality;
pub mod sids;

/// This feature's SQL.
pub mod sql;

/// What a link points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// An activity (`actId`).
    Act,
    /// A product (`skuViewId`; media API only).
    Sku,
    /// A pasted Meituan link or text (media API only).
    Text,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Act => "act",
            TargetKind::Sku => "sku",
            TargetKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Result<TargetKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "act" | "actid" | "activity" => Ok(TargetKind::Act),
            "sku" | "skuviewid" | "product" => Ok(TargetKind::Sku),
            "text" => Ok(TargetKind::Text),
            _ => Err(Error::invalid("target_kind", "must be act, sku or text")),
        }
    }
}

/// A link request, as the user (or a batch row) gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LinkRequest {
    pub target_kind: TargetKind,
    pub target: String,
    pub sid: String,
    /// Link type codes of the profile's API generation: legacy 1–8 (exactly
    /// one), media 1–6 (one, or several at once).
    pub link_types: Vec<u8>,
    /// Legacy only: ask for a short link (media has its own short type, 2).
    #[serde(default)]
    pub short_link: bool,
}

/// A link in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LinkEntry {
    pub id: u32,
    pub target_kind: TargetKind,
    pub target: String,
    pub sid: String,
    pub link_types: Vec<u8>,
    pub short_link: bool,
    /// The link (of the first type asked for).
    pub url: String,
    /// Link type code → link, when several types were asked for.
    pub links: BTreeMap<String, String>,
    pub label: Option<String>,
    pub created_at: String,
    /// How many times the library answered this request instead of the API.
    pub library_hits: u32,
}

/// The answer to a generate request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Generated {
    pub link: LinkEntry,
    /// True when the library answered: no call was made, no quota spent.
    pub cached: bool,
    /// Documented sid recommendations the request's sid does not follow
    /// (told, not refused: the link was made).
    pub sid_warnings: Vec<crate::links::sids::SidWarning>,
}

/// A request checked and put in canonical form for the profile's generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    pub generation: Generation,
    pub target_kind: TargetKind,
    pub target: String,
    pub sid: String,
    pub link_types: Vec<u8>,
    pub short_link: bool,
}

impl CanonicalRequest {
    /// The library key: equal for requests that would get the same answer.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.generation.as_str(),
            self.target_kind.as_str(),
            self.target,
            self.sid,
            types_text(&self.link_types),
            u8::from(self.short_link)
        )
    }
}

pub(crate) fn types_text(types: &[u8]) -> String {
    types
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn parse_types(text: &str) -> Result<Vec<u8>> {
    text.split([',', ';', '|', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<u8>()
                .map_err(|_| Error::invalid("link_type", format!("{s:?} is not a link type")))
        })
        .collect()
}

/// A legacy activity target: `actId`, or `actId:skuId` for one product of
/// the activity (`skuId` of `/api/generateLink`, SPEC.md line 44, and of
/// `/api/miniCode`). Digits only, at most 32 each.
pub fn split_act_target(target: &str) -> Option<(&str, Option<&str>)> {
    let digits = |s: &str| !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit());
    match target.split_once(':') {
        None => digits(target).then_some((target, None)),
        Some((act, sku)) => (digits(act) && digits(sku)).then_some((act, Some(sku))),
    }
}

/// Checks a request against the profile's API generation and puts it in
/// canonical form (trimmed target, sorted link types).
pub fn canonicalize(generation: Generation, req: &LinkRequest) -> Result<CanonicalRequest> {
    let target = req.target.trim().to_owned();
    if target.is_empty() {
        return Err(Error::invalid("target", "must not be empty"));
    }
    match req.target_kind {
        TargetKind::Act => match split_act_target(&target) {
            None => return Err(Error::invalid("target", "an actId is 1 to 32 digits")),
            Some((_, Some(_))) if generation == Generation::Media => {
                return Err(Error::invalid(
                    "target",
                    "actId:skuId (one product of an activity) is for the legacy API; here use the skuViewId",
                ))
            }
            Some(_) => {}
        },
        TargetKind::Sku => {
            if target.chars().count() > 128 || target.chars().any(char::is_whitespace) {
                return Err(Error::invalid("target", "is not a skuViewId"));
            }
        }
        TargetKind::Text => {
            if target.chars().count() > 2048 {
                return Err(Error::invalid("target", "at most 2048 characters"));
            }
        }
    }
    sids::validate_sid(&req.sid)?;
    let mut types = req.link_types.clone();
    types.sort_unstable();
    types.dedup();
    if types.is_empty() {
        return Err(Error::invalid("link_type", "choose a link type"));
    }
    match generation {
        Generation::Legacy => {
            if req.target_kind != TargetKind::Act {
                return Err(Error::invalid(
                    "target_kind",
                    "the legacy API makes links for activities (actId) only",
                ));
            }
            if types.len() != 1 {
                return Err(Error::invalid(
                    "link_type",
                    "the legacy API makes one link type per call",
                ));
            }
            if LegacyLinkType::from_code(i64::from(types[0])).is_none() {
                return Err(Error::invalid("link_type", "legacy link types are 1 to 8"));
            }
        }
        Generation::Media => {
            if req.short_link {
                return Err(Error::invalid(
                    "short_link",
                    "the media API has its own short link type (2, H5 short link)",
                ));
            }
            if types
                .iter()
                .any(|t| MediaLinkType::from_code(i64::from(*t)).is_none())
            {
                return Err(Error::invalid("link_type", "media link types are 1 to 6"));
            }
        }
    }
    Ok(CanonicalRequest {
        generation,
        target_kind: req.target_kind,
        target,
        sid: req.sid.clone(),
        link_types: types,
        short_link: req.short_link,
    })
}

/// The library entry for a request, if it was generated before.
pub fn lookup(store: &Store, profile: &Profile, req: &LinkRequest) -> Result<Option<LinkEntry>> {
    let canon = canonicalize(profile.generation, req)?;
    sql::by_key(&*store.connect()?, &profile.id, &canon.key())
}

/// What to do with a link besides storing it, checked with the request
/// before any call is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkExtras {
    /// A label to save with the link (empty: none).
    pub label: Option<String>,
    /// Write the link's QR code as a PNG file here.
    pub qr_path: Option<std::path::PathBuf>,
}

/// Checks everything about a request that can be checked here, so a
/// request that would fail locally never spends a call: the target, sid
/// and link types for the profile's generation, the label and the QR
/// code's file. ([`generate`] itself refuses an archived sid before its
/// call.)
pub fn check(
    profile: &Profile,
    req: &LinkRequest,
    extras: &LinkExtras,
) -> Result<CanonicalRequest> {
    let canon = canonicalize(profile.generation, req)?;
    if let Some(label) = &extras.label {
        check_label(label)?;
    }
    if let Some(path) = &extras.qr_path {
        check_output_file(path, "qr")?;
    }
    Ok(canon)
}

/// Generates a link (see [`generate`]), then saves its label and QR code,
/// all of which are checked before the call.
pub async fn generate_with(
    api: &Api,
    profile: &Profile,
    req: &LinkRequest,
    extras: &LinkExtras,
) -> Result<Generated> {
    check(profile, req, extras)?;
    let mut generated = generate(api, profile, req).await?;
    if let Some(label) = &extras.label {
        generated.link = set_label(api.store(), generated.link.id, label)?;
    }
    if let Some(path) = &extras.qr_path {
        save_qr(&generated.link.url, path)?;
    }
    Ok(generated)
}

/// Checks, before anything is spent, that a file the user named can be
/// written: it names a file, its folder exists and takes new files, and it
/// is a regular file if it exists (not a folder, link, device or pipe).
/// `field` names the option in the refusal.
pub fn check_output_file(path: &std::path::Path, field: &str) -> Result<()> {
    let shown = path.display();
    let refuse = |reason: String| Err(Error::invalid(field, reason));
    let Some(name) = path.file_name() else {
        return refuse(format!("{shown} names no file"));
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return refuse(format!("{} is not a folder", dir.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return refuse(format!("the folder {} does not exist", dir.display()))
        }
        Err(e) => return refuse(format!("cannot use the folder {}: {e}", dir.display())),
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(meta) => {
            let what = if meta.file_type().is_symlink() {
                "a symbolic link"
            } else if meta.is_dir() {
                "a folder"
            } else {
                "a special file (device, pipe or socket)"
            };
            return refuse(format!("{shown} is {what}, not a regular file"));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return refuse(format!("cannot use {shown}: {e}")),
    }
    // The file is written beside its target and renamed over it: the
    // folder must take a new file. Try one.
    let probe = dir.join(format!(
        ".{}.{:016x}.probe",
        name.to_string_lossy().chars().take(40).collect::<String>(),
        rand::random::<u64>()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => refuse(format!("cannot write in the folder {}: {e}", dir.display())),
    }
}

/// Generates a link, or answers from the library (0 calls) when the same
/// request was made before.
pub async fn generate(api: &Api, profile: &Profile, req: &LinkRequest) -> Result<Generated> {
    let canon = canonicalize(profile.generation, req)?;
    let key = canon.key();
    let store = api.store();
    if let Some(hit) = sql::hit(&*store.connect()?, &profile.id, &key)? {
        return Ok(Generated {
            sid_warnings: crate::links::sids::warnings(profile.generation, &hit.sid),
            link: hit,
            cached: true,
        });
    }
    // The sid joins the profile's list only once a link was made with it:
    // a refused request leaves nothing behind.
    sids::check_usable(store, &profile.id, &canon.sid)?;
    let (url, links) = call(api, profile, &canon).await?;
    sids::ensure(store, api.clock(), &profile.id, &canon.sid)?;
    let created_at = beijing_rfc3339(api.clock().now());
    let entry = sql::insert(
        &*store.connect()?,
        &profile.id,
        &key,
        &canon,
        &url,
        &links,
        &created_at,
    )?;
    Ok(Generated {
        sid_warnings: crate::links::sids::warnings(profile.generation, &entry.sid),
        link: entry,
        cached: false,
    })
}

/// The one API call of a generation.
async fn call(
    api: &Api,
    profile: &Profile,
    canon: &CanonicalRequest,
) -> Result<(String, BTreeMap<String, String>)> {
    match canon.generation {
        Generation::Legacy => {
            let link_type = LegacyLinkType::from_code(i64::from(canon.link_types[0]))
                .ok_or_else(|| Error::invalid("link_type", "legacy link types are 1 to 8"))?;
            let (act, sku) = split_act_target(&canon.target)
                .ok_or_else(|| Error::invalid("target", "an actId is 1 to 32 digits"))?;
            let mut req = GenerateLinkRequest::new(act, link_type);
            req.sku_id = sku.map(str::to_owned);
            req.sid = Some(canon.sid.clone());
            req.short_link = canon.short_link;
            let answer = api.legacy(profile, &req).await?;
            Ok((answer.url, BTreeMap::new()))
        }
        Generation::Media => {
            let types: Vec<MediaLinkType> = canon
                .link_types
                .iter()
                .filter_map(|t| MediaLinkType::from_code(i64::from(*t)))
                .collect();
            let (link_type, link_type_list) = if types.len() == 1 {
                (Some(types[0]), None)
            } else {
                (None, Some(types.clone()))
            };
            let req = ReferralLinkRequest {
                act_id: (canon.target_kind == TargetKind::Act).then(|| canon.target.clone()),
                sku_view_id: (canon.target_kind == TargetKind::Sku).then(|| canon.target.clone()),
                text: (canon.target_kind == TargetKind::Text).then(|| canon.target.clone()),
                sid: canon.sid.clone(),
                link_type,
                link_type_list,
                platform: None,
                biz_line: None,
            };
            let answer = api.media(profile, &req).await?;
            let first = canon.link_types[0].to_string();
            let url = answer
                .link
                .clone()
                .or_else(|| answer.links.get(&first).cloned())
                .or_else(|| answer.links.values().next().cloned())
                .ok_or_else(|| Error::Decode("the answer has no link".into()))?;
            Ok((url, answer.links))
        }
    }
}

/// Library search and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LibraryQuery {
    /// Matches the target, the sid, the sid's name or the label (substring,
    /// any case); the link itself only when the search starts with `http`.
    pub search: Option<String>,
    pub sid: Option<String>,
    pub target_kind: Option<TargetKind>,
    /// An actId (exact).
    pub act_id: Option<String>,
    /// Entries that include this link type.
    pub link_type: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LibraryPage {
    pub total: u32,
    pub entries: Vec<LinkEntry>,
}

/// A page of the library, newest first.
pub fn library(
    store: &Store,
    profile_id: &str,
    query: &LibraryQuery,
    offset: u32,
    limit: u32,
) -> Result<LibraryPage> {
    let conn = store.connect()?;
    let (total, entries) = sql::search(&conn, profile_id, query, offset, limit.clamp(1, 1000))?;
    Ok(LibraryPage { total, entries })
}

pub fn get(store: &Store, id: u32) -> Result<LinkEntry> {
    sql::get(&*store.connect()?, id)?.ok_or_else(|| Error::not_found("link", id))
}

/// Longest label, in characters.
pub const LABEL_MAX_CHARS: usize = 80;

/// A label checked and trimmed; `None` for an empty one (no label).
pub fn check_label(label: &str) -> Result<Option<String>> {
    let label = label.trim();
    let chars = label.chars().count();
    if chars > LABEL_MAX_CHARS {
        return Err(Error::invalid(
            "label",
            format!("is {chars} characters long; at most {LABEL_MAX_CHARS} are allowed"),
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::invalid(
            "label",
            "must not contain control characters",
        ));
    }
    Ok((!label.is_empty()).then(|| label.to_owned()))
}

/// Saves (or clears, with an empty text) a link's label.
pub fn set_label(store: &Store, id: u32, label: &str) -> Result<LinkEntry> {
    let label = check_label(label)?;
    if sql::set_label(&*store.connect()?, id, label.as_deref())? == 0 {
        return Err(Error::not_found("link", id));
    }
    get(store, id)
}

pub fn delete(store: &Store, id: u32) -> Result<()> {
    if sql::delete(&*store.connect()?, id)? == 0 {
        return Err(Error::not_found("link", id));
    }
    Ok(())
}

/// Columns of a library export.
pub const EXPORT_HEADERS: [&str; 8] = [
    "id",
    "target_kind",
    "target",
    "sid",
    "link_types",
    "url",
    "label",
    "created_at",
];

/// Writes the library entries matching `query` to `path` (CSV or XLSX).
pub fn export(
    store: &Store,
    profile_id: &str,
    query: &LibraryQuery,
    format: crate::export::ExportFormat,
    path: &std::path::Path,
) -> Result<u32> {
    use crate::export::Cell;
    let conn = store.connect()?;
    let (_, entries) = sql::search(&conn, profile_id, query, 0, u32::MAX)?;
    let rows: Vec<Vec<Cell>> = entries
        .iter()
        .map(|e| {
            vec![
                Cell::Int(i64::from(e.id)),
                Cell::Text(e.target_kind.as_str().into()),
                Cell::Text(e.target.clone()),
                Cell::Text(e.sid.clone()),
                Cell::Text(types_text(&e.link_types)),
                Cell::Text(e.url.clone()),
                e.label.clone().map_or(Cell::Empty, Cell::Text),
                Cell::Text(e.created_at.clone()),
            ]
        })
        .collect();
    crate::export::write_table(path, format, "links", &EXPORT_HEADERS, &rows)?;
    Ok(rows.len() as u32)
}

// ---------------------------------------------------------------------------
// QR codes
// ---------------------------------------------------------------------------

/// Pixels per QR module in the PNG.
pub const QR_SCALE: u32 = 8;
/// Quiet zone around the code, in modules (the standard asks for 4).
pub const QR_QUIET: u32 = 4;

/// The QR code of `text` as a PNG (black on white, medium error correction).
pub fn qr_png(text: &str) -> Result<Vec<u8>> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::invalid("text", format!("cannot be put in a QR code: {e}")))?;
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 2 * QR_QUIET) * QR_SCALE;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i as u32 % width, i as u32 / width);
        for dy in 0..QR_SCALE {
            let y = (my + QR_QUIET) * QR_SCALE + dy;
            let row = (y * side) as usize;
            let x0 = ((mx + QR_QUIET) * QR_SCALE) as usize;
            pixels[row + x0..row + x0 + QR_SCALE as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let png_err = |e: png::EncodingError| Error::Internal(format!("PNG encoding: {e}"));
        let mut w = enc.write_header().map_err(png_err)?;
        w.write_image_data(&pixels).map_err(png_err)?;
    }
    Ok(out)
}

/// The QR code as a `data:image/png;base64,…` URL for the UI.
pub fn qr_data_url(text: &str) -> Result<String> {
    use base64::Engine;
    let png = qr_png(text)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// Saves the QR code of `text` as a PNG file.
pub fn save_qr(text: &str, path: &std::path::Path) -> Result<()> {
    crate::export::write_atomically(path, &qr_png(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: TargetKind, target: &str, types: &[u8]) -> LinkRequest {
        LinkRequest {
            target_kind: kind,
            target: target.into(),
            sid: "s1".into(),
            link_types: types.to_vec(),
            short_link: false,
        }
    }

    #[test]
    fn canonical_key_ignores_type_order_and_spaces() {
        let a = canonicalize(Generation::Media, &req(TargetKind::Act, " 33 ", &[3, 1])).unwrap();
        let b = canonicalize(Generation::Media, &req(TargetKind::Act, "33", &[1, 3, 3])).unwrap();
        assert_eq!(a.key(), b.key());
        let c = canonicalize(Generation::Media, &req(TargetKind::Act, "33", &[1])).unwrap();
        assert_ne!(a.key(), c.key());
        let mut short = req(TargetKind::Act, "33", &[1]);
        short.short_link = true;
        let l1 = canonicalize(Generation::Legacy, &short).unwrap();
        let l2 = canonicalize(Generation::Legacy, &req(TargetKind::Act, "33", &[1])).unwrap();
        assert_ne!(l1.key(), l2.key());
    }

    #[test]
    fn generation_rules() {
        assert!(canonicalize(Generation::Legacy, &req(TargetKind::Sku, "abc", &[1])).is_err());
        assert!(canonicalize(Generation::Legacy, &req(TargetKind::Act, "1", &[1, 2])).is_err());
        assert!(canonicalize(Generation::Legacy, &req(TargetKind::Act, "1", &[9])).is_err());
        assert!(canonicalize(Generation::Legacy, &req(TargetKind::Act, "1", &[8])).is_ok());
        assert!(canonicalize(Generation::Media, &req(TargetKind::Act, "1", &[7])).is_err());
        assert!(canonicalize(
            Generation::Media,
            &req(TargetKind::Text, "https://x", &[1, 6])
        )
        .is_ok());
        assert!(canonicalize(Generation::Media, &req(TargetKind::Act, "x1", &[1])).is_err());
        assert!(canonicalize(Generation::Media, &req(TargetKind::Act, "1", &[])).is_err());
        let mut bad_sid = req(TargetKind::Act, "1", &[1]);
        bad_sid.sid = "a b".into();
        assert!(canonicalize(Generation::Media, &bad_sid).is_err());
    }

    #[test]
    fn qr_png_is_a_png_with_a_quiet_zone() {
        let png = qr_png("https://example.invalid/a?b=1").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, info.height);
        // The corner is quiet zone (white); the finder pattern starts dark.
        assert_eq!(buf[0], 255);
        let start = (QR_QUIET * QR_SCALE) as usize;
        assert_eq!(buf[start * info.width as usize + start], 0);
        assert!(qr_data_url("x")
            .unwrap()
            .starts_with("data:image/png;base64,"));
    }
}
