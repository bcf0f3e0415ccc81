//! "Reveal" without handing the secret to the webview: the secret is drawn
//! in Rust as a PNG (8×8 bitmap glyphs) and sent as a `data:` URL. The reply
//! holds pixels, not the secret's bytes or an encoding of them, so it cannot
//! leak through IPC logs, devtools' text or a `JSON.stringify`.

use crate::error::{Error, Result};
use base64::Engine;
use font8x8::UnicodeFonts;
use meituan_union::Secret;

/// Pixels around the text, before scaling.
const PADDING: u32 = 4;
/// Extra gap after every 4 characters, so 32 hex characters read in groups.
const GROUP: usize = 4;
const GROUP_GAP: u32 = 4;

/// How the revealed secret is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevealStyle {
    /// Integer scale of the 8×8 glyphs (1–6).
    pub scale: u32,
    /// Light text for a dark theme.
    pub dark: bool,
}

impl Default for RevealStyle {
    fn default() -> Self {
        RevealStyle {
            scale: 3,
            dark: false,
        }
    }
}

/// The secret drawn as a grayscale-with-alpha PNG: text opaque, background
/// transparent, so it sits on any surface.
pub fn render_png(secret: &Secret, style: RevealStyle) -> Result<Vec<u8>> {
    let scale = style.scale.clamp(1, 6);
    let chars: Vec<char> = secret.expose().chars().collect();
    let n = chars.len() as u32;
    let groups = (chars.len().saturating_sub(1) / GROUP) as u32;
    let width = (2 * PADDING + 8 * n + GROUP_GAP * groups) * scale;
    let height = (2 * PADDING + 8) * scale;
    let ink = if style.dark { 0xEE } else { 0x11 };
    // Two bytes per pixel: luminance, alpha.
    let mut pixels = vec![0u8; (width * height * 2) as usize];
    for (i, c) in chars.iter().enumerate() {
        // Glyphs outside basic Latin (secrets are ASCII) are drawn as '?'.
        let glyph = font8x8::BASIC_FONTS
            .get(*c)
            .or_else(|| font8x8::BASIC_FONTS.get('?'))
            .unwrap_or([0; 8]);
        let x0 = PADDING + 8 * i as u32 + GROUP_GAP * (i / GROUP) as u32;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8u32 {
                // font8x8 stores the leftmost pixel in the lowest bit.
                if bits & (1 << col) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let x = (x0 + col) * scale + dx;
                        let y = (PADDING + row as u32) * scale + dy;
                        let at = ((y * width + x) * 2) as usize;
                        pixels[at] = ink;
                        pixels[at + 1] = 0xFF;
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::GrayscaleAlpha);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::Internal(format!("cannot draw the secret: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::Internal(format!("cannot draw the secret: {e}")))?;
    }
    // The pixel buffer showed the secret's shape; do not leave it around.
    pixels.iter_mut().for_each(|p| *p = 0);
    Ok(out)
}

/// The PNG as a `data:image/png;base64,…` URL for an `<img src>`.
pub fn data_url(secret: &Secret, style: RevealStyle) -> Result<String> {
    let png = render_png(secret, style)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// A profile's secret as a `data:` URL image, read from the vault.
pub fn reveal_profile_secret(
    store: &crate::Store,
    vault: &dyn crate::secrets::vault::Vault,
    profile_id: &str,
    kind: crate::secrets::vault::SecretKind,
    style: RevealStyle,
) -> Result<String> {
    let profile = crate::profiles::get(store, profile_id)?;
    let secret = crate::profiles::load_secret(vault, &profile, kind)?;
    data_url(&secret, style)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "f4aa117ae871a7c7c922e6a885682eae";

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// Reads the image back by matching each glyph cell against the font,
    /// proving the picture shows exactly the secret.
    fn read_back(png_bytes: &[u8], scale: u32, len: usize) -> String {
        let (width, _h, buf) = decode(png_bytes);
        let mut text = String::new();
        for i in 0..len {
            let x0 = PADDING + 8 * i as u32 + GROUP_GAP * (i / GROUP) as u32;
            let mut cell = [0u8; 8];
            for (row, bits) in cell.iter_mut().enumerate() {
                for col in 0..8u32 {
                    let x = (x0 + col) * scale;
                    let y = (PADDING + row as u32) * scale;
                    let alpha = buf[((y * width + x) * 2 + 1) as usize];
                    if alpha == 0xFF {
                        *bits |= 1 << col;
                    }
                }
            }
            let c = (' '..='~')
                .find(|c| font8x8::BASIC_FONTS.get(*c) == Some(cell))
                .expect("every cell is a known glyph");
            text.push(c);
        }
        text
    }

    #[test]
    fn the_picture_shows_the_secret() {
        let secret = Secret::new(KEY.into());
        for scale in [1, 3] {
            let png = render_png(&secret, RevealStyle { scale, dark: false }).unwrap();
            assert_eq!(read_back(&png, scale, KEY.len()), KEY);
        }
    }

    #[test]
    fn the_reply_holds_no_form_of_the_secret_text() {
        let secret = Secret::new(KEY.into());
        let url = data_url(&secret, RevealStyle::default()).unwrap();
        assert!(url.starts_with("data:image/png;base64,"));
        assert!(!url.contains(KEY));
        let png = render_png(&secret, RevealStyle::default()).unwrap();
        assert!(!png.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
        // Nor the base64 of the secret (any of its three alignments).
        let b64 = base64::engine::general_purpose::STANDARD;
        for skip in 0..3 {
            let enc = b64.encode(&KEY.as_bytes()[skip..]);
            assert!(!url.contains(&enc[..24]));
        }
        // Nor its hex-decoded bytes.
        let raw: Vec<u8> = (0..KEY.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&KEY[i..i + 2], 16).unwrap())
            .collect();
        assert!(!png.windows(raw.len()).any(|w| w == raw.as_slice()));
    }

    #[test]
    fn size_follows_length_and_scale() {
        let png = render_png(
            &Secret::new("abcdefgh".into()),
            RevealStyle {
                scale: 2,
                dark: true,
            },
        )
        .unwrap();
        let (w, h, _) = decode(&png);
        assert_eq!(h, (2 * PADDING + 8) * 2);
        assert_eq!(w, (2 * PADDING + 8 * 8 + GROUP_GAP) * 2);
    }
}
