//! Deterministic promotion links. Every URL lives under `sandbox.invalid`
//! (a reserved TLD that never resolves) or a `-sandbox` scheme, so a sandbox
//! link can never be mistaken for, or opened as, a real Meituan link. The
//! one exception is a mini-program code, which is an image the sandbox
//! serves itself (`{img_base}/minicode/<hash>.png`, `images.rs`).

use md5::{Digest, Md5};

/// What a link points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkSubject<'a> {
    Act(&'a str),
    /// One product (legacy `skuId`) of an activity.
    ActSku(&'a str, &'a str),
    Sku(&'a str),
    Text(&'a str),
}

impl LinkSubject<'_> {
    fn key(&self) -> String {
        match self {
            LinkSubject::Act(a) => format!("act:{a}"),
            LinkSubject::ActSku(a, s) => format!("act:{a}:sku:{s}"),
            LinkSubject::Sku(s) => format!("sku:{s}"),
            LinkSubject::Text(t) => format!("text:{t}"),
        }
    }
}

fn digest(parts: &[&str]) -> String {
    let mut h = Md5::new();
    for p in parts {
        // Length prefixes keep ("ab","c") and ("a","bc") apart.
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn short_code(hex: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = u64::from_str_radix(&hex[..16], 16).unwrap_or(0);
    let mut out = String::new();
    for _ in 0..8 {
        out.push(ALPHABET[(n % 62) as usize] as char);
        n /= 62;
    }
    out
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The long H5 page a link lands on.
fn h5(appkey: &str, subject: LinkSubject<'_>, sid: &str, h: &str) -> String {
    let target = match subject {
        LinkSubject::Act(a) => format!("act/{}", enc(a)),
        LinkSubject::ActSku(a, s) => format!("act/{}/sku/{}", enc(a), enc(s)),
        LinkSubject::Sku(s) => format!("sku/{}", enc(s)),
        LinkSubject::Text(_) => "text".to_owned(),
    };
    format!(
        "https://union.sandbox.invalid/{target}?appkey={}&sid={}&h={}",
        enc(appkey),
        enc(sid),
        &h[..12]
    )
}

/// Legacy `/api/generateLink` types: 1 H5, 2 deeplink, 3 中间页唤起,
/// 4 微信小程序 path, 5 团口令, 6 优选 APP deeplink, 7 优选中间页,
/// 8 优选小程序 path. `short` only changes H5-style links.
/// With `sku_id`, the link is for that product of the activity.
pub fn legacy_link(
    appkey: &str,
    act_id: &str,
    sku_id: Option<&str>,
    sid: &str,
    link_type: u8,
    short: bool,
) -> String {
    let subject = match sku_id {
        Some(sku) => LinkSubject::ActSku(act_id, sku),
        None => LinkSubject::Act(act_id),
    };
    let h = digest(&[
        "legacy",
        appkey,
        &subject.key(),
        sid,
        &link_type.to_string(),
        if short { "1" } else { "0" },
    ]);
    let long = h5(appkey, subject, sid, &h);
    match link_type {
        1 | 3 | 7 if short => format!("https://dpurl.sandbox.invalid/{}", short_code(&h)),
        1 => long,
        3 | 7 => format!(
            "https://union.sandbox.invalid/middle?lt={link_type}&url={}",
            enc(&long)
        ),
        2 | 6 => format!("imeituan-sandbox://www.meituan.com/web?url={}", enc(&long)),
        4 | 8 => format!("/sandbox/pages/h5/h5?weburl={}", enc(&long)),
        _ => format!("￥SANDBOX{}￥", &short_code(&h)[..6]),
    }
}

/// Media `get_referral_link` types: 1 H5 长链, 2 H5 短链, 3 deeplink,
/// 4 小程序路径, 5 团口令, 6 小程序码 (image URL under `img_base`, e.g.
/// `http://127.0.0.1:PORT/img`).
pub fn media_link(
    img_base: &str,
    appkey: &str,
    subject: LinkSubject<'_>,
    sid: &str,
    link_type: u8,
) -> String {
    let h = digest(&["media", appkey, &subject.key(), sid, &link_type.to_string()]);
    let long = h5(appkey, subject, sid, &h);
    match link_type {
        1 => long,
        2 => format!("https://dpurl.sandbox.invalid/{}", short_code(&h)),
        3 => format!("imeituan-sandbox://www.meituan.com/web?url={}", enc(&long)),
        4 => format!("/sandbox/pages/h5/h5?weburl={}", enc(&long)),
        5 => format!("￥SANDBOX{}￥", &short_code(&h)[..6]),
        _ => format!("{img_base}/minicode/{}.png", &h[..20]),
    }
}

/// Legacy `/api/miniCode`: a QR image URL under `img_base`.
/// With `sku_id`, the code is for that product of the activity.
pub fn mini_code(
    img_base: &str,
    appkey: &str,
    act_id: &str,
    sku_id: Option<&str>,
    sid: &str,
    link_type: u8,
) -> String {
    let subject = match sku_id {
        Some(sku) => format!("{act_id}:sku:{sku}"),
        None => act_id.to_owned(),
    };
    let h = digest(&["minicode", appkey, &subject, sid, &link_type.to_string()]);
    format!("{img_base}/minicode/{}.png", &h[..20])
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMG: &str = "http://127.0.0.1:9/img";

    #[test]
    fn links_are_deterministic_and_distinct() {
        let a = legacy_link("k", "33", None, "s1", 1, false);
        assert_eq!(a, legacy_link("k", "33", None, "s1", 1, false));
        assert_ne!(a, legacy_link("k", "33", None, "s2", 1, false));
        assert_ne!(a, legacy_link("k2", "33", None, "s1", 1, false));
        assert_ne!(a, legacy_link("k", "33", None, "s1", 1, true));
        assert!(a.starts_with("https://union.sandbox.invalid/act/33?"));
        // One product of the activity gets its own link.
        let sku = legacy_link("k", "33", Some("7"), "s1", 1, false);
        assert!(
            sku.starts_with("https://union.sandbox.invalid/act/33/sku/7?"),
            "{sku}"
        );
        assert_ne!(
            mini_code(IMG, "k", "33", Some("7"), "s1", 4),
            mini_code(IMG, "k", "33", None, "s1", 4)
        );
        assert!(legacy_link("k", "33", None, "s1", 1, true)
            .starts_with("https://dpurl.sandbox.invalid/"));
        assert!(legacy_link("k", "33", None, "s1", 4, false).starts_with("/sandbox/pages/"));
        let t = media_link(IMG, "k", LinkSubject::Text("https://x"), "", 1);
        assert_ne!(
            t,
            media_link(IMG, "k", LinkSubject::Act("https://x"), "", 1)
        );
    }

    #[test]
    fn every_link_is_clearly_not_meituan() {
        for lt in 1..=8 {
            for short in [false, true] {
                let l = legacy_link("k", "33", None, "推广位", lt, short);
                assert!(l.to_lowercase().contains("sandbox"), "{l}");
            }
        }
        for lt in 1..=5 {
            let l = media_link(IMG, "k", LinkSubject::Sku("abc"), "s", lt);
            assert!(l.to_lowercase().contains("sandbox"), "{l}");
        }
        // Mini-program codes are images the sandbox serves itself.
        let code = media_link(IMG, "k", LinkSubject::Sku("abc"), "s", 6);
        assert!(
            code.starts_with("http://127.0.0.1:9/img/minicode/"),
            "{code}"
        );
        let legacy = mini_code(IMG, "k", "33", None, "s", 4);
        assert!(legacy.starts_with("http://127.0.0.1:9/img/minicode/") && legacy.ends_with(".png"));
        assert_ne!(legacy, mini_code(IMG, "k", "33", None, "s2", 4));
    }
}
