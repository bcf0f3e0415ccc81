//! The private headless desktop session every GUI or keychain step runs in.

use super::*;

/// Runs a command inside a private headless desktop session (Xvfb, its own
/// D-Bus bus and an unlocked gnome-keyring that tests/session.sh starts,
/// watches and checks before and after), with a hard time limit. Elsewhere
/// (macOS, Windows) it runs the command as is, with `UNION_DESK_TEST_SESSION=1`:
/// there the OS keychain of the logged-in user is the real store. Every process the session starts carries a unique token in its
/// environment; once the command ends (or the limit strikes) any process still
/// carrying it (a driver, a WebKit helper, a D-Bus activated portal) is killed,
/// so nothing outlives the step and holds the caller's output open.
pub(crate) fn in_session(args: &[&str], limit: Duration) -> Result {
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
