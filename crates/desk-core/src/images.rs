//! Fetching an image that an API answer named (a product picture, a
//! mini-program code), for the UI to show as a `data:` URL: the webview's
//! CSP allows no remote `img-src`, so every remote image comes through here.
//!
//! - Only `http` and `https` URLs are fetched; a redirect is followed (at
//!   most [`MAX_REDIRECTS`]) only to another `http(s)` URL.
//! - The answer is read up to `max_bytes` and refused beyond (a declared
//!   `Content-Length` over the cap is refused before reading).
//! - The whole fetch is bounded by a timeout.
//! - The bytes must start like a PNG, JPEG, GIF or WebP file, whatever the
//!   `Content-Type` says: an HTML error page is never taken for an image.
//!
//! Errors: a URL that is not http(s) or not a URL at all is
//! [`Error::InvalidFields`] on field `image_url` (rules `scheme`,
//! `malformed`); an HTTP error status is [`Error::Http`]; no connection is
//! [`Error::Network`], no answer in time [`Error::Timeout`]; an answer too
//! large or not an image is [`Error::Decode`]. The URL's query string is
//! never put in a message (it may carry tokens).

use crate::error::{Error, FieldError, Result};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The image formats accepted, told by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageKind {
    /// The format of `bytes`, from their magic number.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }
}

/// The default size cap: 2 MB.
pub const DEFAULT_MAX_BYTES: usize = 2 * 1024 * 1024;
/// The default bound on a whole fetch (connect, redirects, body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 5;

fn is_web_scheme(url: &reqwest::Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// The HTTP client for images: redirects only to http(s), at most
/// [`MAX_REDIRECTS`]; connect timeout 10 s. Cheap to clone; build it once.
pub fn client() -> Result<reqwest::Client> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if !is_web_scheme(attempt.url()) {
            attempt.error("a redirect to a URL that is not http(s)")
        } else {
            attempt.follow()
        }
    });
    meituan_union::http::client_builder()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("UnionDesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("cannot set up an HTTP client: {e}")))
}

/// One [`client`] for the process (its connection pool shared).
pub fn shared_client() -> Result<reqwest::Client> {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    let c = client()?;
    Ok(CLIENT.get_or_init(|| c).clone())
}

/// Checks that `url` is an absolute http(s) URL, before anything is sent.
pub fn check_url(url: &str) -> Result<reqwest::Url> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| {
        Error::from(FieldError::rule(
            "image_url",
            "malformed",
            "is not an absolute URL",
        ))
    })?;
    if !is_web_scheme(&parsed) {
        return Err(FieldError::rule(
            "image_url",
            "scheme",
            format!("must be http or https, not {}", parsed.scheme()),
        )
        .into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(FieldError::rule("image_url", "malformed", "names no host").into());
    }
    Ok(parsed)
}

/// `scheme://host[:port]/path` of a URL, for messages (no query, no
/// credentials).
fn shown(url: &reqwest::Url) -> String {
    let mut s = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        s.push_str(&format!(":{port}"));
    }
    s.push_str(url.path());
    s
}

/// Fetches the image at `url` (at most `max_bytes`, within
/// [`DEFAULT_TIMEOUT`]) and tells its format. See the module docs.
pub async fn fetch_image(
    http: &reqwest::Client,
    url: &str,
    max_bytes: usize,
) -> Result<(Vec<u8>, ImageKind)> {
    fetch_image_within(http, url, max_bytes, DEFAULT_TIMEOUT).await
}

/// [`fetch_image`] with its own bound on the whole fetch.
pub async fn fetch_image_within(
    http: &reqwest::Client,
    url: &str,
    max_bytes: usize,
    timeout: Duration,
) -> Result<(Vec<u8>, ImageKind)> {
    let parsed = check_url(url)?;
    let what = shown(&parsed);
    match tokio::time::timeout(timeout, fetch(http, parsed, &what, max_bytes)).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout(format!(
            "the image {what} did not arrive within {} s",
            timeout.as_secs_f32()
        ))),
    }
}

async fn fetch(
    http: &reqwest::Client,
    url: reqwest::Url,
    what: &str,
    max_bytes: usize,
) -> Result<(Vec<u8>, ImageKind)> {
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            Error::Timeout(format!("the image {what}: {}", root_cause(&e)))
        } else if e.is_redirect() {
            Error::Decode(format!(
                "the image {what} redirects badly: {}",
                root_cause(&e)
            ))
        } else {
            Error::Network(format!("cannot fetch the image {what}: {}", root_cause(&e)))
        }
    };
    let mut response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "image/*")
        .send()
        .await
        .map_err(transport)?;
    // A client built elsewhere may follow any redirect: check where it ended.
    if !is_web_scheme(response.url()) {
        return Err(Error::Decode(format!(
            "the image {what} redirected to a URL that is not http(s)"
        )));
    }
    let status = response.status();
    if status.is_redirection() {
        // Not followed: a redirect to a scheme other than http(s).
        return Err(Error::Decode(format!(
            "the image {what} redirects to a URL that is not followed"
        )));
    }
    if !status.is_success() {
        return Err(Error::Http {
            status: status.as_u16(),
        });
    }
    let too_large = || Error::Decode(format!("the image {what} is larger than {max_bytes} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > max_bytes as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if bytes.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    match ImageKind::sniff(&bytes) {
        Some(kind) => Ok((bytes, kind)),
        None if bytes.is_empty() => Err(Error::Decode(format!("the image {what} is empty"))),
        None => Err(Error::Decode(format!(
            "{what} is not a PNG, JPEG, GIF or WebP image"
        ))),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    // reqwest's own text may carry the URL with its query: keep the cause.
    cause.to_string()
}

/// `data:<mime>;base64,…` for the UI.
pub fn data_url(bytes: &[u8], kind: ImageKind) -> String {
    use base64::Engine;
    format!(
        "data:{};base64,{}",
        kind.mime(),
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-rest-of-a-png";

    /// A loopback server answering each connection with the next canned
    /// reply (`{base}` in a reply is replaced by the server's base URL).
    fn serve(replies: Vec<Vec<u8>>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let b = base.clone();
        std::thread::spawn(move || {
            for reply in replies {
                let Ok((mut conn, _)) = listener.accept() else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                // Only redirects name the base (their bytes are all text).
                let reply = if reply.starts_with(b"HTTP/1.1 302") {
                    String::from_utf8_lossy(&reply)
                        .replace("{base}", &b)
                        .into_bytes()
                } else {
                    reply
                };
                let _ = conn.write_all(&reply);
            }
        });
        base
    }

    fn ok(content_type: &str, body: &[u8], length: bool) -> Vec<u8> {
        let mut head =
            format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n");
        if length {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut r = head.into_bytes();
        r.extend_from_slice(body);
        r
    }

    fn redirect(to: &str) -> Vec<u8> {
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .into_bytes()
    }

    #[test]
    fn sniffs_the_four_formats_and_nothing_else() {
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a...."), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(ImageKind::sniff(b"<!doctype html>"), None);
        assert_eq!(ImageKind::sniff(b""), None);
        assert_eq!(
            data_url(b"GIF89a", ImageKind::Gif),
            "data:image/gif;base64,R0lGODlh"
        );
    }

    #[test]
    fn refuses_urls_that_are_not_http_before_sending() {
        for (url, rule) in [
            ("file:///etc/passwd", "scheme"),
            ("ftp://example.com/a.png", "scheme"),
            ("data:image/png;base64,AAAA", "scheme"),
            ("javascript:alert(1)", "scheme"),
            ("/img/a.png", "malformed"),
            ("", "malformed"),
        ] {
            let e = check_url(url).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{url}");
            let f = &e.field_errors()[0];
            assert_eq!(
                (f.field.as_str(), f.rule.as_deref()),
                ("image_url", Some(rule)),
                "{url}"
            );
        }
        assert!(check_url("https://p0.meituan.net/a.png?x=1").is_ok());
    }

    #[tokio::test]
    async fn fetches_a_png_and_a_jpeg_whatever_the_content_type() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let base = serve(vec![
            ok("image/png", PNG, true),
            ok("application/octet-stream", &jpeg, false),
        ]);
        let http = client().unwrap();
        let (bytes, kind) = fetch_image(&http, &format!("{base}/a.png"), 1024)
            .await
            .unwrap();
        assert_eq!((bytes.as_slice(), kind), (PNG, ImageKind::Png));
        let (bytes, kind) = fetch_image(&http, &format!("{base}/b"), 1024)
            .await
            .unwrap();
        assert_eq!((bytes.as_slice(), kind), (&jpeg[..], ImageKind::Jpeg));
    }

    #[tokio::test]
    async fn refuses_what_is_not_an_image() {
        let base = serve(vec![
            ok("image/png", b"<html>not found</html>", true),
            ok("image/png", b"", true),
        ]);
        let http = client().unwrap();
        for _ in 0..2 {
            let e = fetch_image(&http, &format!("{base}/a.png?token=SECRET"), 1024)
                .await
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::Decode, "{e}");
            assert!(!e.to_string().contains("SECRET"), "{e}");
        }
    }

    #[tokio::test]
    async fn refuses_an_image_over_the_cap_declared_or_streamed() {
        let mut big = PNG.to_vec();
        big.resize(5000, 7);
        let base = serve(vec![
            ok("image/png", &big, true),
            ok("image/png", &big, false),
        ]);
        let http = client().unwrap();
        for _ in 0..2 {
            let e = fetch_image(&http, &format!("{base}/big.png"), 4096)
                .await
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::Decode, "{e}");
            assert!(e.to_string().contains("larger than 4096"), "{e}");
        }
        // The same bytes under a higher cap are fine.
        let base = serve(vec![ok("image/png", &big, false)]);
        let (bytes, _) = fetch_image(&http, &format!("{base}/big.png"), 5000)
            .await
            .unwrap();
        assert_eq!(bytes.len(), 5000);
    }

    #[tokio::test]
    async fn an_http_error_is_http_and_no_server_is_network() {
        let base = serve(vec![
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        ]);
        let http = client().unwrap();
        let e = fetch_image(&http, &format!("{base}/gone.png"), 1024)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Http { status: 404 }), "{e}");
        // A port nobody listens on.
        let free = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap();
        drop(free);
        let e = fetch_image(&http, &format!("http://{addr}/a.png"), 1024)
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Network, "{e}");
    }

    #[tokio::test]
    async fn follows_redirects_to_http_only() {
        let base = serve(vec![
            redirect("{base}/real.png"),
            ok("image/png", PNG, true),
            redirect("file:///etc/passwd"),
            redirect("ftp://127.0.0.1/x.png"),
        ]);
        let http = client().unwrap();
        let (bytes, _) = fetch_image(&http, &format!("{base}/moved.png"), 1024)
            .await
            .unwrap();
        assert_eq!(bytes, PNG);
        for _ in 0..2 {
            let e = fetch_image(&http, &format!("{base}/evil.png"), 1024)
                .await
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::Decode, "{e}");
        }
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // Accepts, reads nothing, answers nothing (held open by the thread).
        std::thread::spawn(move || {
            let conns: Vec<_> = listener.incoming().take(1).collect();
            std::thread::sleep(Duration::from_secs(3));
            drop(conns);
        });
        let http = client().unwrap();
        let e = fetch_image_within(
            &http,
            &format!("http://{addr}/slow.png"),
            1024,
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    }
}
