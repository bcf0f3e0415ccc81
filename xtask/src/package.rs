//! `cargo xtask package`: the release build, the installers and their checks.

use super::*;

/// `cargo xtask package [--install-test] [--no-build]`: the release build and
/// this platform's installers, made by the Tauri CLI pinned in
/// `tools/tauri-cli` (kept apart from `ui/` so the UI's lockfile stays its
/// own). On Linux it prints the packages' metadata and sizes, and
/// `--install-test` installs the `.deb`, opens the installed app headless and
/// removes it again (tests/install/deb.sh).
pub(crate) fn package(args: &[String]) -> Result {
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

/// The most recently written `*.ext` in `dir`: old versions may lie beside it.
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
