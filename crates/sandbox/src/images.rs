//! The images the sandbox names in its answers (product heads, brand logos,
//! POI pictures, mini-program codes), served by the sandbox itself at
//! `{base}/img/<kind>/<name>.png`, so every image URL in an answer is a
//! loopback URL a client can really fetch. Real Meituan names its own CDN
//! hosts. Images are not signed, not counted and not faulted: they stand for
//! CDN files, not API calls (OUR ASSUMPTION, provenance table).
//!
//! The PNGs are drawn in code from the name (same name, same bytes) and
//! encoded by the tiny encoder below: 8-bit palette, zlib with stored
//! (uncompressed) deflate blocks, CRC-32 per chunk.

use crate::data::fnv1a;
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// PNG signature.
pub const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// CRC-32 (IEEE, reflected, as PNG uses it).
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c: u32 = 0xFFFF_FFFF;
    for part in parts {
        for &b in *part {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// zlib stream of stored deflate blocks (no compression).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// An 8-bit indexed image.
pub struct Canvas {
    width: u32,
    height: u32,
    palette: Vec<[u8; 3]>,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32, palette: Vec<[u8; 3]>) -> Canvas {
        Canvas {
            width,
            height,
            palette,
            pixels: vec![0; (width * height) as usize],
        }
    }

    fn set(&mut self, x: u32, y: u32, index: u8) {
        if x < self.width && y < self.height {
            self.pixels[(y * self.width + x) as usize] = index;
        }
    }

    fn fill_rect(&mut self, x0: u32, y0: u32, w: u32, h: u32, index: u8) {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                self.set(x, y, index);
            }
        }
    }

    fn fill_circle(&mut self, cx: i64, cy: i64, r: i64, index: u8) {
        for y in 0..i64::from(self.height) {
            for x in 0..i64::from(self.width) {
                if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                    self.set(x as u32, y as u32, index);
                }
            }
        }
    }

    /// The PNG file.
    pub fn encode(&self) -> Vec<u8> {
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&self.width.to_be_bytes());
        ihdr.extend_from_slice(&self.height.to_be_bytes());
        // Bit depth 8, colour type 3 (palette), deflate, filter 0, no interlace.
        ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
        let plte: Vec<u8> = self.palette.iter().flatten().copied().collect();
        let mut raw = Vec::with_capacity(((self.width + 1) * self.height) as usize);
        for row in self.pixels.chunks(self.width as usize) {
            raw.push(0); // filter: none
            raw.extend_from_slice(row);
        }
        let mut out = PNG_MAGIC.to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"PLTE", &plte);
        chunk(&mut out, b"IDAT", &zlib_stored(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }
}

/// A small deterministic bit stream (xorshift64*) from a name.
struct Bits(u64);

impl Bits {
    fn new(salt: &str, name: &str) -> Bits {
        Bits(fnv1a(format!("{salt}:{name}").as_bytes()) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Pastel background and a darker accent from a hash.
fn colours(h: u64) -> ([u8; 3], [u8; 3], [u8; 3]) {
    const HUES: [[u8; 3]; 8] = [
        [255, 195, 0],   // Meituan yellow
        [255, 120, 80],  // orange
        [120, 200, 120], // green
        [100, 170, 240], // blue
        [240, 110, 150], // pink
        [170, 130, 230], // violet
        [90, 200, 200],  // teal
        [230, 80, 80],   // red
    ];
    let base = HUES[(h % 8) as usize];
    let light = base.map(|c| 255 - (255 - c) / 3);
    let dark = base.map(|c| c / 2);
    (light, base, dark)
}

/// A product head picture (`/img/sku/<id>.png`), 96×96.
pub fn sku_png(id: &str) -> Vec<u8> {
    let mut bits = Bits::new("sku", id);
    let (light, base, dark) = colours(bits.next());
    let mut c = Canvas::new(96, 96, vec![light, base, dark, [255, 255, 255]]);
    // Diagonal stripes in the background, spacing from the name.
    let gap = 6 + (bits.next() % 6) as u32;
    for y in 0..96 {
        for x in 0..96 {
            if (x + y) % gap == 0 {
                c.set(x, y, 1);
            }
        }
    }
    let r = 22 + (bits.next() % 10) as i64;
    c.fill_circle(48, 44, r, 2);
    c.fill_circle(48, 44, r / 2, 3);
    c.fill_rect(0, 80, 96, 16, 2);
    let dots = 3 + (bits.next() % 5) as u32;
    for i in 0..dots {
        c.fill_rect(8 + i * 12, 85, 6, 6, 3);
    }
    c.encode()
}

/// A brand logo (`/img/brand/<key>.png`), 64×64: a disc on white.
pub fn brand_png(key: &str) -> Vec<u8> {
    let mut bits = Bits::new("brand", key);
    let (light, base, dark) = colours(bits.next());
    let mut c = Canvas::new(64, 64, vec![[255, 255, 255], light, base, dark]);
    c.fill_circle(32, 32, 30, 2);
    c.fill_circle(32, 32, 20, 1);
    let w = 8 + (bits.next() % 16) as u32;
    c.fill_rect(32 - w / 2, 26, w, 12, 3);
    c.encode()
}

/// A store picture (`/img/poi/<id>.png`), 96×96: a shop front.
pub fn poi_png(id: &str) -> Vec<u8> {
    let mut bits = Bits::new("poi", id);
    let (light, base, dark) = colours(bits.next());
    let mut c = Canvas::new(96, 96, vec![light, base, dark, [255, 255, 255]]);
    c.fill_rect(16, 40, 64, 44, 1);
    // Awning stripes.
    for i in 0..8 {
        c.fill_rect(12 + i * 9, 28, 9, 12, if i % 2 == 0 { 2 } else { 3 });
    }
    let door = 14 + (bits.next() % 10) as u32;
    c.fill_rect(48 - door / 2, 56, door, 28, 2);
    c.encode()
}

/// Modules per side of a mini-program code (as a version-2 QR code).
const CODE_MODULES: u32 = 25;
const CODE_QUIET: u32 = 2;
const CODE_SCALE: u32 = 4;

/// The finder square (top-left module) whose area, separator included,
/// holds module (x, y).
fn finder_of(x: u32, y: u32) -> Option<(u32, u32)> {
    let n = CODE_MODULES;
    [(0, 0), (n - 7, 0), (0, n - 7)]
        .into_iter()
        .find(|&(fx, fy)| {
            (fx.saturating_sub(1)..=fx + 7).contains(&x)
                && (fy.saturating_sub(1)..=fy + 7).contains(&y)
        })
}

/// Whether module (x, y) of a code is dark; data modules come from `bits`.
fn code_module(bits: &mut Bits, x: u32, y: u32) -> bool {
    if let Some((fx, fy)) = finder_of(x, y) {
        if x < fx || y < fy || x >= fx + 7 || y >= fy + 7 {
            return false; // separator
        }
        let (dx, dy) = (x - fx, y - fy);
        let ring = dx.min(dy).min(6 - dx).min(6 - dy);
        return ring != 1;
    }
    if y == 6 {
        return x.is_multiple_of(2);
    }
    if x == 6 {
        return y.is_multiple_of(2);
    }
    (bits.next() >> 33) & 1 == 1
}

/// A mini-program code (`/img/minicode/<hash>.png`): a QR-looking square
/// (finder squares, timing lines, data modules from the hash), 116×116.
pub fn minicode_png(hash: &str) -> Vec<u8> {
    let side = (CODE_MODULES + 2 * CODE_QUIET) * CODE_SCALE;
    let mut c = Canvas::new(side, side, vec![[255, 255, 255], [0, 0, 0]]);
    let mut bits = Bits::new("minicode", hash);
    for my in 0..CODE_MODULES {
        for mx in 0..CODE_MODULES {
            if code_module(&mut bits, mx, my) {
                c.fill_rect(
                    (mx + CODE_QUIET) * CODE_SCALE,
                    (my + CODE_QUIET) * CODE_SCALE,
                    CODE_SCALE,
                    CODE_SCALE,
                    1,
                );
            }
        }
    }
    c.encode()
}

/// Whether `s` is a mini-code hash as [`crate::links`] makes them.
fn is_code_hash(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The key of a brand's logo URL.
pub fn brand_key(brand: &str) -> String {
    format!("{:04}", fnv1a(brand.as_bytes()) % 10_000)
}

/// The PNG at `/img/<kind>/<file>`, if the sandbox names such an image.
pub(crate) fn image(shared: &Shared, kind: &str, file: &str) -> Option<Vec<u8>> {
    let stem = file.strip_suffix(".png")?;
    match kind {
        "sku" => {
            let known = shared.coupons.iter().any(|c| c.sku_view_id == stem)
                || shared.catalog.skus.iter().any(|s| s.sku_id == stem);
            known.then(|| sku_png(stem))
        }
        "brand" => shared
            .coupons
            .iter()
            .any(|c| brand_key(&c.brand) == stem)
            .then(|| brand_png(stem)),
        "poi" => shared
            .catalog
            .pois
            .iter()
            .any(|p| p.poi_view_id == stem)
            .then(|| poi_png(stem)),
        "minicode" => is_code_hash(stem).then(|| minicode_png(stem)),
        _ => None,
    }
}

pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((kind, file)): Path<(String, String)>,
) -> Response {
    match image(&shared, &kind, &file) {
        Some(png) => {
            let mut res = (StatusCode::OK, png).into_response();
            res.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("image/png"));
            res.headers_mut().insert(
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            res
        }
        None => {
            let mut res = (StatusCode::NOT_FOUND, "no such image").into_response();
            res.headers_mut().insert(
                crate::server::REASON_HEADER,
                HeaderValue::from_static("unknown image"),
            );
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_match_known_values() {
        // Check values of the standard test string.
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[b"1234", b"56789"]), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn stored_blocks_split_at_65535() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        assert_eq!(&z[..2], &[0x78, 0x01]);
        assert_eq!(z[2], 0, "first block is not final");
        assert_eq!(u16::from_le_bytes([z[3], z[4]]), 65_535);
        let second = 2 + 5 + 65_535;
        assert_eq!(z[second], 1, "second block is final");
        assert_eq!(
            usize::from(u16::from_le_bytes([z[second + 1], z[second + 2]])),
            70_000 - 65_535
        );
        assert_eq!(z.len(), 2 + 2 * 5 + 70_000 + 4);
    }

    #[test]
    fn codes_differ_per_hash_and_keep_their_finders() {
        let a = minicode_png("0123456789abcdef0123");
        assert_eq!(a, minicode_png("0123456789abcdef0123"));
        assert_ne!(a, minicode_png("0123456789abcdef0124"));
        let mut bits = Bits::new("minicode", "x");
        // Finder corners dark, their inner ring light, separators light.
        assert!(code_module(&mut bits, 0, 0));
        assert!(!code_module(&mut bits, 1, 1));
        assert!(code_module(&mut bits, 3, 3));
        assert!(!code_module(&mut bits, 7, 0));
        assert!(code_module(&mut bits, 24, 0));
        assert!(!code_module(&mut bits, 17, 0));
        assert!(code_module(&mut bits, 0, 24));
    }
}
