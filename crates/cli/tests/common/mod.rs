//! What the `mtu` integration tests share: running the built binary on a
//! data folder, a fresh data folder per test, and a sandbox profile on the
//! embedded sandbox (its secret in the real keychain of the test session).
//! Each test file takes what it needs (`mod common;`), so some of this is
//! unused in any one of them.
#![allow(dead_code)]

use desk_core::embedded::{create_sandbox_profile, EmbeddedSandbox};
use desk_core::logging::Redactor;
use desk_core::profiles::{self, Generation, Profile};
use desk_core::secrets::vault::KeyringVault;
use desk_core::{ErrorCode, Store, SystemClock};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `mtu args` on the data folder `home`, with its exit code and both outputs.
pub fn mtu_raw(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(args)
        .env("UNION_DESK_HOME", home)
        .output()
        .expect("mtu runs")
}

/// `mtu args` that must succeed; its stdout parsed as JSON.
pub fn mtu(home: &Path, args: &[&str]) -> Value {
    let out = mtu_raw(home, args);
    assert!(
        out.status.success(),
        "mtu {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `mtu args` must fail, saying `says` on stderr.
pub fn assert_refused(home: &Path, args: &[&str], says: &str) {
    let out = mtu_raw(home, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(err.contains(says), "{args:?}: {err}");
}

/// A new, empty data folder `<temp>/<prefix>-<pid>-<nanos>`; the prefix
/// names the test file in a leftover folder.
pub fn temp_home(prefix: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh data folder with a sandbox profile on the embedded sandbox this
/// process runs, shared with the `mtu` processes through the folder.
/// Fields drop in the order the tests' locals used to (last made, first).
pub struct SandboxHome {
    pub admin: sandbox::AdminHandle,
    pub profile: Profile,
    pub sandbox: EmbeddedSandbox,
    pub rt: tokio::runtime::Runtime,
    pub vault: KeyringVault,
    pub store: Store,
    pub home: PathBuf,
}

impl SandboxHome {
    /// Opens the store in a new `temp_home(prefix)`, the keychain vault, a
    /// runtime and the embedded sandbox, and creates a `generation`
    /// sandbox profile. `None` (after a skip line) when there is no
    /// keychain outside the test session; any other failure panics.
    pub fn open(prefix: &str, generation: Generation) -> Option<Self> {
        let home = temp_home(prefix);
        let store = Store::open(desk_core::paths::database_path(&home)).unwrap();
        let vault = KeyringVault::new(Redactor::new());
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sandbox = EmbeddedSandbox::new(&home);
        let profile = match rt.block_on(create_sandbox_profile(
            &store,
            &vault,
            &SystemClock,
            &sandbox,
            None,
            generation,
        )) {
            Ok(p) => p,
            Err(e)
                if e.code() == ErrorCode::KeychainUnavailable
                    && std::env::var_os("UNION_DESK_TEST_SESSION").is_none() =>
            {
                // Outside `cargo xtask test` there may be no keychain; inside
                // its session there always is, and the test runs for real.
                eprintln!("skipped: no keychain ({e})");
                return None;
            }
            Err(e) => panic!("cannot create the sandbox profile: {e}"),
        };
        let admin = rt
            .block_on(sandbox.admin())
            .expect("this process runs the sandbox");
        Some(Self {
            admin,
            profile,
            sandbox,
            rt,
            vault,
            store,
            home,
        })
    }

    /// Calls the sandbox served today for the profile's appkey.
    pub fn calls(&self) -> u64 {
        self.admin
            .day_stats(&self.profile.appkey)
            .map_or(0, |d| d.calls)
    }

    /// Deletes the profile (and its keychain entries), stops the sandbox
    /// and removes the data folder.
    pub fn finish(self) {
        profiles::delete(&self.store, &self.vault, &self.profile.id).unwrap();
        self.rt.block_on(self.sandbox.shutdown());
        let _ = std::fs::remove_dir_all(&self.home);
    }
}
