//! The real OS keychain. Runs only where `UNION_DESK_TEST_SESSION=1` says a
//! real, unlocked store is there: on Linux inside `tests/session.sh` (a
//! private D-Bus bus with an unlocked gnome-keyring), on macOS and Windows
//! under `cargo xtask test` (the user's keychain; CI makes a temporary one on
//! macOS):
//!
//! ```sh
//! xvfb-run -a bash tests/session.sh cargo test -p desk-core --test keychain
//! ```
//!
//! It proves the entry is in the OS store itself, asked with the OS's own
//! tool (`secret-tool` on Linux, `security` on macOS, `cmdkey` on Windows),
//! not through our code or keyring's in-memory mock, and that deleting a
//! profile deletes its secrets there.

use desk_core::logging::Redactor;
use desk_core::profiles::{self, Endpoint, Generation, NewProfile, Tier};
use desk_core::secrets::vault::{entry_user, KeyringVault, SecretKind, Vault, SERVICE};
use desk_core::{Store, SystemClock};
use meituan_union::Secret;
use std::process::Command;

fn in_session() -> bool {
    if std::env::var("UNION_DESK_TEST_SESSION").as_deref() == Ok("1") {
        return true;
    }
    eprintln!(
        "skipped: needs a Secret Service session (run under tests/session.sh, which sets UNION_DESK_TEST_SESSION=1)"
    );
    false
}

/// Everything the OS store lists for our service, from the OS's own tool
/// (names and attributes; on Linux the secrets too).
#[cfg(target_os = "linux")]
fn os_store_listing() -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", SERVICE])
        .output()
        .expect("secret-tool (package libsecret-tools) is installed");
    // secret-tool prints attributes on stderr and the secret on stdout.
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The secret the OS store holds for `user`, read with the OS's own tool.
#[cfg(target_os = "linux")]
fn os_store_lookup(user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", user])
        .output()
        .expect("secret-tool runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The default keychain's items, without secrets (`security dump-keychain`
/// prints each item's `"acct"` and `"svce"` attributes).
#[cfg(target_os = "macos")]
fn os_store_listing() -> String {
    let out = Command::new("security")
        .arg("dump-keychain")
        .output()
        .expect("security (macOS) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[cfg(target_os = "macos")]
fn os_store_lookup(user: &str) -> Option<String> {
    let out = Command::new("security")
        .args(["find-generic-password", "-s", SERVICE, "-a", user, "-w"])
        .output()
        .expect("security (macOS) runs");
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .trim_end_matches('\n')
            .to_owned()
    })
}

/// Credential Manager's generic credentials, by target name (keyring names
/// them `user.service`). `cmdkey` never prints a secret.
#[cfg(windows)]
fn os_store_listing() -> String {
    let out = Command::new("cmdkey")
        .arg("/list")
        .output()
        .expect("cmdkey (Windows) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Windows has no command that prints a stored secret: `cmdkey` proves the
/// credential exists under keyring's target name, then a new keyring entry
/// (no cache of ours) reads it from Credential Manager.
#[cfg(windows)]
fn os_store_lookup(user: &str) -> Option<String> {
    let target = format!("{user}.{SERVICE}");
    let out = Command::new("cmdkey")
        .arg(format!("/list:{target}"))
        .output()
        .expect("cmdkey (Windows) runs");
    if !String::from_utf8_lossy(&out.stdout).contains(&target) {
        return None;
    }
    keyring::Entry::new(SERVICE, user).ok()?.get_password().ok()
}

#[test]
fn the_secret_service_holds_the_entries_and_loses_them_with_the_profile() {
    if !in_session() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let redactor = Redactor::new();
    let vault = KeyringVault::new(redactor.clone());
    let api_secret = "f4aa117ae871a7c7c922e6a885682eae";
    let callback_secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let p = profiles::create(
        &store,
        &vault,
        &SystemClock,
        NewProfile {
            name: "keychain test".into(),
            appkey: "5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c".into(),
            generation: Generation::Legacy,
            endpoint: Endpoint::Meituan,
            tier: Tier::T2000,
            api_secret: Some(Secret::new(api_secret.into())),
            callback_secret: Some(Secret::new(callback_secret.into())),
        },
    )
    .unwrap();
    let api_user = entry_user(&p.id, SecretKind::ApiSecret);
    let cb_user = entry_user(&p.id, SecretKind::CallbackSecret);

    // In the real store, under service union-desk, one entry per kind.
    assert_eq!(os_store_lookup(&api_user).as_deref(), Some(api_secret));
    assert_eq!(os_store_lookup(&cb_user).as_deref(), Some(callback_secret));
    let listing = os_store_listing();
    assert!(listing.contains(&api_user), "{listing}");
    assert!(listing.contains(&cb_user), "{listing}");

    // Read back through a fresh vault (no cache) and registered for redaction.
    let fresh_redactor = Redactor::new();
    let fresh = KeyringVault::new(fresh_redactor.clone());
    assert_eq!(
        fresh
            .get(&p.id, SecretKind::ApiSecret)
            .unwrap()
            .unwrap()
            .expose(),
        api_secret
    );
    assert_eq!(
        fresh_redactor.redact(format!("x {api_secret} y").as_bytes()),
        b"x <redacted> y"
    );

    // Nothing of it in the database file.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes
            .windows(api_secret.len())
            .any(|w| w == api_secret.as_bytes()));
    }

    profiles::delete(&store, &vault, &p.id).unwrap();
    assert_eq!(os_store_lookup(&api_user), None);
    assert_eq!(os_store_lookup(&cb_user), None);
    let listing = os_store_listing();
    assert!(!listing.contains(&api_user), "{listing}");
    assert!(fresh.get(&p.id, SecretKind::ApiSecret).unwrap().is_none());
}

/// Linux only: a desktop without a Secret Service. macOS and Windows always
/// have their keychain.
#[cfg(target_os = "linux")]
#[test]
fn no_secret_service_means_keychain_unavailable_and_nothing_stored() {
    if !in_session() {
        return;
    }
    // The same code in a process whose D-Bus session leads nowhere: a
    // desktop without a Secret Service.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "no_secret_service_child",
            "--ignored",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/union-desk-test-bus",
        )
        .env("KEYS_TEST_ROLE", "no-secret-service")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("child: refused as keychain_unavailable, 0 profiles"),
        "{text}"
    );
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "run by no_secret_service_means_keychain_unavailable_and_nothing_stored"]
fn no_secret_service_child() {
    if std::env::var("KEYS_TEST_ROLE").as_deref() != Ok("no-secret-service") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let vault = KeyringVault::new(Redactor::new());
    let e = profiles::create(
        &store,
        &vault,
        &SystemClock,
        NewProfile {
            name: "no keychain".into(),
            appkey: "abc123".into(),
            generation: Generation::Media,
            endpoint: Endpoint::Meituan,
            tier: Tier::T2000,
            api_secret: Some(Secret::new("0123456789abcdef".into())),
            callback_secret: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), desk_core::ErrorCode::KeychainUnavailable, "{e}");
    assert!(e.to_string().contains("stored nothing"), "{e}");
    let count = profiles::list(&store).unwrap().len();
    println!("child: refused as keychain_unavailable, {count} profiles");
}
