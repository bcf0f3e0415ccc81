//! `cargo xtask setup`: what a fresh machine needs (apt packages, npm, cargo tools).

use super::*;

/// Debian/Ubuntu packages: Tauri build, headless window, WebDriver, keychain, fonts.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "xvfb",
    "xauth",
    "xdotool",
    "xclip",
    "imagemagick",
    "webkit2gtk-driver",
    "dbus",
    "gnome-keyring",
    "libsecret-tools",
    "keyutils",
    "fonts-dejavu-core",
    "fonts-noto-cjk",
    // bench/webkit_floor.py: a bare WebKitGTK window, the platform's floor.
    "python3-gi",
    "gir1.2-webkit2-4.1",
    "rpm",
];

/// Installs what a fresh machine lacks. `with_test_tools` adds tauri-driver
/// and cargo-fuzz.
pub(crate) fn setup(with_test_tools: bool) -> Result {
    let root = root();
    if cfg!(target_os = "linux") && Path::new("/usr/bin/dpkg").exists() {
        let missing: Vec<&str> = APT_PACKAGES
            .iter()
            .copied()
            .filter(|p| {
                !Command::new("dpkg-query")
                    .args(["-W", "-f=${Status}", p])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
                    .unwrap_or(false)
            })
            .collect();
        if !missing.is_empty() {
            eprintln!("Installing system packages: {}", missing.join(" "));
            let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
            let mut update: Vec<&str> = sudo.to_vec();
            update.extend(["apt-get", "update"]);
            sh(&root, update[0], &update[1..])?;
            let mut install: Vec<&str> = sudo.to_vec();
            install.extend([
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
            ]);
            install.extend(missing.iter().copied());
            sh(&root, install[0], &install[1..])?;
        }
    } else if cfg!(target_os = "linux") {
        eprintln!(
            "Not a Debian/Ubuntu system: install the equivalents of these packages by hand:\n  {}",
            APT_PACKAGES.join(" ")
        );
    } else if cfg!(target_os = "macos") {
        eprintln!("macOS: install Xcode Command Line Tools (`xcode-select --install`) and Node.js 20+ (https://nodejs.org). WebKit and the keychain are built in.");
    } else if cfg!(target_os = "windows") {
        eprintln!("Windows: install Visual Studio Build Tools (C++ workload), WebView2 (built into Windows 11) and Node.js 20+. Credential Manager is built in.");
    }
    if !have("npm") {
        return Err("Node.js 20+ with npm is required: install it from your package manager or https://nodejs.org".into());
    }
    let ui = root.join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (
        stamp.metadata().and_then(|m| m.modified()),
        lock.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(installed), Ok(locked)) => installed >= locked,
        _ => false,
    };
    if !fresh {
        sh(&ui, npm(), &["ci", "--no-audit", "--no-fund"])?;
    }
    if with_test_tools && cfg!(target_os = "linux") {
        cargo_install("cargo-fuzz", "=0.13.2")?;
        cargo_install("tauri-driver", "^2")?;
    }
    Ok(())
}

/// `cargo install TOOL --version VERSION --locked`, unless TOOL is already there.
fn cargo_install(tool: &str, version: &str) -> Result {
    if have(tool) || cargo_bin(tool).exists() {
        return Ok(());
    }
    sh(
        &root(),
        &cargo(),
        &["install", tool, "--version", version, "--locked"],
    )
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin").join(name)
}
