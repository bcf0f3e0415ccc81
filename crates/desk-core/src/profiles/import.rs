//! Import: find the key in text pasted from the console.

use super::*;

pub const KEY_HEX_LEN: usize = 32;

/// Finds the one 32-hex key in text copied from the Meituan console, e.g.
/// `密钥：f4aa117ae871a7c7c922e6a885682eae` amid other text. Full-width
/// characters are read as their ASCII forms. `exclude` drops a value that is
/// known not to be the wanted secret (the profile's appkey, which the console
/// shows beside it). When several different keys remain and exactly one is
/// labelled for `kind` (`回调密钥` for the callback secret, `密钥`/`secret`
/// otherwise), that one is taken; anything else is refused as ambiguous.
pub fn extract_key(text: &str, kind: SecretKind, exclude: Option<&str>) -> Result<Secret> {
    match find_key(text, kind, exclude) {
        Found::One(key) => Ok(key),
        Found::None => Err(Error::invalid(
            "text",
            "no key found: a key is 32 characters of 0-9 and a-f",
        )),
        Found::Several(n) => Err(Error::invalid(
            "text",
            format!("{n} different keys found; paste only the line with the one you want"),
        )),
    }
}

/// The callback secret pasted on the callback screen (issue 18 item 4).
/// No source fixes its form, so it is taken as given (outer spaces dropped)
/// when it is non-empty printable ASCII, by the account form's rules
/// ([`validate_secret`]); the UI warns when it is not the manual's 32 hex
/// digits. Text copied from the console (it has line breaks, spaces or
/// Chinese labels) gives its one 32-hex key when it holds one, as
/// [`extract_key`] finds it. The profile's appkey is never taken for the
/// secret. A refusal names the field `callback_secret` and its rule (or,
/// for console text holding several keys, the field `text`, as the account
/// form's paste does), and never the pasted text.
pub fn callback_secret_from_paste(text: &str, appkey: &str) -> Result<Secret> {
    let kind = SecretKind::CallbackSecret;
    let trimmed = text.trim();
    let console_text = trimmed
        .chars()
        .any(|c| c.is_whitespace() || !c.is_ascii_graphic());
    if console_text {
        match find_key(text, kind, Some(appkey)) {
            Found::One(key) => return Ok(key),
            Found::Several(_) => return extract_key(text, kind, Some(appkey)),
            // Then the text itself may be the secret ("my secret" has a space).
            Found::None => {}
        }
    }
    if trimmed.eq_ignore_ascii_case(appkey.trim()) {
        return Err(FieldError::rule(
            "callback_secret",
            "is_appkey",
            "is the profile's appkey, not its callback secret",
        )
        .into());
    }
    Ok(check_secret(kind, &Secret::new(trimmed.to_owned()))
        .map_err(|e| e.named("callback_secret"))?)
}

/// What [`find_key`] found.
enum Found {
    None,
    One(Secret),
    /// This many different keys, none labelled for the wanted kind alone.
    Several(usize),
}

fn find_key(text: &str, kind: SecretKind, exclude: Option<&str>) -> Found {
    let normalized: String = text.chars().map(fold_full_width).collect();
    let mut candidates: Vec<(usize, String)> = Vec::new();
    let chars: Vec<char> = normalized.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            if token.len() == KEY_HEX_LEN && token.chars().all(|c| c.is_ascii_hexdigit()) {
                candidates.push((start, token));
            }
        } else {
            i += 1;
        }
    }
    if let Some(ex) = exclude {
        candidates.retain(|(_, t)| !t.eq_ignore_ascii_case(ex.trim()));
    }
    let mut distinct: Vec<&(usize, String)> = Vec::new();
    for c in &candidates {
        if !distinct.iter().any(|d| d.1.eq_ignore_ascii_case(&c.1)) {
            distinct.push(c);
        }
    }
    match distinct.len() {
        0 => Found::None,
        1 => Found::One(Secret::new(distinct[0].1.clone())),
        n => {
            let labelled: Vec<&&(usize, String)> = distinct
                .iter()
                .filter(|(pos, _)| label_before(&chars, *pos) == Some(kind))
                .collect();
            match labelled.as_slice() {
                [one] => Found::One(Secret::new(one.1.clone())),
                _ => Found::Several(n),
            }
        }
    }
}

/// Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space to ASCII.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The secret label closest before `pos` on the same line, if any.
fn label_before(chars: &[char], pos: usize) -> Option<SecretKind> {
    let line_start = chars[..pos]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |p| p + 1);
    let before: String = chars[line_start..pos]
        .iter()
        .collect::<String>()
        .to_lowercase();
    // The nearest label wins: "appkey: X  密钥: Y" labels Y as a secret only.
    let labels: [(&str, Option<SecretKind>); 8] = [
        ("回调密钥", Some(SecretKind::CallbackSecret)),
        ("回调秘钥", Some(SecretKind::CallbackSecret)),
        ("callback secret", Some(SecretKind::CallbackSecret)),
        ("密钥", Some(SecretKind::ApiSecret)),
        ("秘钥", Some(SecretKind::ApiSecret)),
        ("secret", Some(SecretKind::ApiSecret)),
        ("appkey", None),
        ("key", None),
    ];
    let mut best: Option<(usize, Option<SecretKind>)> = None;
    for (label, kind) in labels {
        if let Some(at) = before.rfind(label) {
            let end = at + label.len();
            // A longer label ending at the same place ("回调密钥" vs "密钥") wins
            // because it is listed first and only a later end replaces it.
            if best.is_none_or(|(b, _)| end > b) {
                best = Some((end, kind));
            }
        }
    }
    best.and_then(|(_, kind)| kind)
}

/// Finds the key in pasted console text (see [`extract_key`]) and stores it
/// as the profile's secret of `kind`. The profile's appkey is never taken
/// for the secret.
pub fn import_secret_from_text(
    store: &Store,
    vault: &dyn Vault,
    id: &str,
    kind: SecretKind,
    text: &SecretInput,
) -> Result<Profile> {
    let profile = get(store, id)?;
    let secret = extract_key(text.secret().expose(), kind, Some(&profile.appkey))?;
    set_secret(store, vault, id, kind, &secret)
}
