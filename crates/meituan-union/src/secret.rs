//! A wrapper that keeps secrets out of logs, errors and serialized output.

use std::fmt;
use zeroize::Zeroize;

/// An API secret, callback secret or similar credential.
///
/// `Debug` and `Display` print `<redacted>`, and the type deliberately does
/// not implement `Serialize`, so a secret can only leave through an explicit
/// [`Secret::expose`] call. The buffer is wiped when the value is dropped.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The raw secret. Call it only where the bytes are fed into a MAC.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("0123456789abcdef-very-secret".to_owned());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(
            format!("{:#?}", Some(s.clone())),
            "Some(\n    <redacted>,\n)"
        );
        assert_eq!(s.expose(), "0123456789abcdef-very-secret");
    }
}
