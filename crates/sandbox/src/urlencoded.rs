//! Strict `application/x-www-form-urlencoded` decoding: the same splitting,
//! `+` and percent rules as `url::form_urlencoded::parse`, but a key or value
//! whose decoded bytes are not UTF-8 (`%FF`, an overlong `%C0%AF`, a lone
//! surrogate `%ED%B2%80`) is refused instead of silently replaced by U+FFFD.

/// The pairs of `input`, or `None` when a key or value is not UTF-8.
pub(crate) fn parse_strict(input: &[u8]) -> Option<Vec<(String, String)>> {
    input
        .split(|b| *b == b'&')
        .filter(|seq| !seq.is_empty())
        .map(|seq| {
            let (k, v) = match seq.iter().position(|b| *b == b'=') {
                Some(at) => (&seq[..at], &seq[at + 1..]),
                None => (seq, &[][..]),
            };
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `+` is a space; `%XX` is the byte XX; a `%` not followed by two hex
/// digits stays as it is (as in the `url` crate).
fn decode(text: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let byte = match text[i] {
            b'+' => b' ',
            b'%' => match (
                text.get(i + 1).copied().and_then(hex),
                text.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    i += 2;
                    (hi << 4) | lo
                }
                _ => b'%',
            },
            other => other,
        };
        out.push(byte);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossy(input: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(input.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn valid_input_decodes_like_the_url_crate() {
        for input in [
            "",
            "a=1&b=2",
            "a=1&&b=&=x&c",
            "sid=%E6%8E%A8%E5%B9%BF&text=a+b%2Bc",
            "x=%zz&y=%4&z=%",
            "k=%EF%BF%BD",
            "emoji=%F0%9F%98%80&a=b=c",
        ] {
            assert_eq!(
                parse_strict(input.as_bytes()),
                Some(lossy(input)),
                "{input}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        for input in [
            "sid=%FF",
            "%FF=1",
            "a=1&sid=%C0%AF",
            "sid=%ED%B2%80",
            "sid=%E6%8E",
            "sid=%80",
        ] {
            assert_eq!(parse_strict(input.as_bytes()), None, "{input}");
        }
    }
}
