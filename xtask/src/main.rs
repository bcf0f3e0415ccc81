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

mod bench;
mod package;
mod session;
mod setup;
mod test;

use bench::bench;
use package::package;
use setup::setup;
use test::{test_all, workflow_lint};

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
