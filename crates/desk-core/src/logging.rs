//! Logs go to a daily-rotated file in the data folder through a redacting
//! writer: every secret the vault hands out is registered with the
//! [`Redactor`], and any occurrence of its bytes in a log line is replaced by
//! `<redacted>` before it reaches the file. This is the second wall; the first
//! is that secrets are wrapped in types whose `Debug` never prints them.

use crate::error::{Error, Result};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, RwLock};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// Shortest value masked wherever it occurs. A shorter one (a callback
/// secret may be any non-empty text) is masked only where it stands alone,
/// between characters that are not ASCII letters or digits: masking it
/// inside every word would garble the log.
pub const MIN_SECRET_LEN: usize = 6;
const MASK: &[u8] = b"<redacted>";

/// The set of secret values that must never be written to a log.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Vec<u8>>>>,
}

/// How a registered value is matched.
fn whole_token_only(secret: &[u8]) -> bool {
    secret.len() < MIN_SECRET_LEN
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks a value as secret from now on.
    pub fn register(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut set = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        if !set.iter().any(|s| s == secret.as_bytes()) {
            set.push(secret.as_bytes().to_vec());
            // Longest first, so a secret containing another is masked whole.
            set.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `input` with every registered secret replaced by `<redacted>`.
    pub fn redact(&self, input: &[u8]) -> Vec<u8> {
        let set = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut out = input.to_vec();
        for secret in set.iter() {
            out = replace_all(&out, secret, MASK, whole_token_only(secret));
        }
        out
    }

    /// Wraps a writer factory so everything it writes is redacted.
    pub fn wrap<M>(&self, inner: M) -> RedactingMakeWriter<M> {
        RedactingMakeWriter {
            inner,
            redactor: self.clone(),
        }
    }
}

/// `haystack` with `needle` replaced; with `whole_token`, only where the
/// bytes on both sides (if any) are not ASCII letters or digits.
fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8], whole_token: bool) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    let stands_alone = |i: usize| {
        !whole_token
            || (!word(i.checked_sub(1).and_then(|j| haystack.get(j)))
                && !word(haystack.get(i + needle.len())))
    };
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) && stands_alone(i) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// A [`MakeWriter`] whose writers redact secrets.
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Redactor,
}

pub struct RedactingWriter<W> {
    inner: W,
    redactor: Redactor,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_all(&self.redactor.redact(buf))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            redactor: self.redactor.clone(),
        }
    }
}

/// Keeps the background log writer alive; drop it last to flush.
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

/// Installs the global subscriber: a redacted, daily-rotated file in
/// `log_dir` (7 files kept). `RUST_LOG` overrides the default `info` level.
pub fn init(log_dir: &Path, file_prefix: &str, redactor: &Redactor) -> Result<LogGuard> {
    std::fs::create_dir_all(log_dir)
        .map_err(|e| Error::Storage(format!("cannot create {}: {e}", log_dir.display())))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(file_prefix)
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir)
        .map_err(|e| Error::Storage(format!("cannot open the log file: {e}")))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(redactor.wrap(writer));
    // A second init (tests, or the CLI after the GUI in one process) is harmless.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_never_reach_the_writer() {
        let redactor = Redactor::new();
        redactor.register("f4aa117ae871a7c7c922e6a885682eae");
        redactor.register("abc"); // short: masked only where it stands alone
        let sink = Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let make = {
            let sink = sink.clone();
            move || SinkWriter(sink.clone())
        };
        let wrapped = redactor.wrap(make);
        let mut w = wrapped.make_writer();
        w.write_all(b"secret=f4aa117ae871a7c7c922e6a885682eae; again f4aa117ae871a7c7c922e6a885682eae abc abcd\n")
            .unwrap();
        let written = String::from_utf8(sink.lock().unwrap().clone()).unwrap();
        assert!(!written.contains("f4aa117ae871a7c7c922e6a885682eae"));
        assert_eq!(
            written,
            "secret=<redacted>; again <redacted> <redacted> abcd\n"
        );
    }

    #[test]
    fn longer_secret_containing_a_shorter_one_is_masked_whole() {
        let redactor = Redactor::new();
        redactor.register("secret");
        redactor.register("my-secret-value");
        assert_eq!(redactor.redact(b"x my-secret-value y"), b"x <redacted> y");
    }

    #[test]
    fn a_short_secret_is_masked_where_it_stands_alone_and_nowhere_else() {
        let redactor = Redactor::new();
        redactor.register("k9!");
        assert_eq!(
            redactor.redact(b"secret=k9! (k9!) k9!x xk9! k9!"),
            b"secret=<redacted> (<redacted>) k9!x xk9! <redacted>"
        );
        // The empty string is never registered: it would match everywhere.
        redactor.register("");
        assert_eq!(redactor.redact(b"plain"), b"plain");
    }

    struct SinkWriter(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for SinkWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
