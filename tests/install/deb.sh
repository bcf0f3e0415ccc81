#!/usr/bin/env bash
# Install test for the Linux package, as a user gets it:
#   bash tests/install/deb.sh path/to/union-desk.deb
# 1. installs the .deb with apt-get (dependencies resolved by apt),
# 2. checks the files and metadata dpkg recorded,
# 3. launches the installed /usr/bin/union-desk under Xvfb + a private D-Bus
#    session with a fresh keyring and a temporary UNION_DESK_HOME, and checks
#    the window comes up (WebDriver + xdotool + a screenshot),
# 4. removes the package and checks nothing is left in /usr/bin.
# Run as root, or with sudo available. Needs xvfb, dbus, gnome-keyring,
# xdotool, webkit2gtk-driver and tauri-driver (`cargo xtask setup`).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 path/to/package.deb" >&2
  exit 2
fi
deb=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
pkg=$(dpkg-deb --field "$deb" Package)
version=$(dpkg-deb --field "$deb" Version)

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "install test FAILED: $*" >&2; exit 1; }

# Debian policy: a Maintainer is "Name <e-mail>".
maintainer=$(dpkg-deb --field "$deb" Maintainer)
[[ "$maintainer" =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer is not 'Name <e-mail>': $maintainer"

# Packed with xz (cargo xtask package repacks tauri-bundler's gzip).
ar t "$deb" | grep -qx 'data.tar.xz' || fail "the package's data is not xz-compressed: $(ar t "$deb" | tr '\n' ' ')"

installed() { dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; }

remove_package() {
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y "$pkg" >/dev/null
}

# A clean machine state: a leftover from an interrupted run is removed first.
if installed; then
  step "removing a previously installed $pkg"
  remove_package
fi
trap 'installed && remove_package || true' EXIT

step "apt-get install $deb"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb"
installed || fail "$pkg is not installed after apt-get"
[ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$version" ] || fail "installed version is not $version"

step "checking installed files"
[ -x /usr/bin/union-desk ] || fail "/usr/bin/union-desk missing or not executable"
desktop=$(dpkg -L "$pkg" | grep '^/usr/share/applications/.*\.desktop$' | head -n1)
[ -n "$desktop" ] || fail "no .desktop file installed"
grep -qx 'Name\[zh_CN\]=联盟助手' "$desktop" || fail "$desktop lacks Name[zh_CN]=联盟助手"
grep -qx 'Exec=union-desk' "$desktop" || fail "$desktop does not start union-desk"
dpkg -L "$pkg" | grep -q '^/usr/share/icons/hicolor/.*/apps/union-desk\.png$' || fail "no hicolor icon"
echo "ok: /usr/bin/union-desk, $desktop, icons"

step "launching the installed app under Xvfb (WebDriver)"
export UNION_DESK_APP=/usr/bin/union-desk
(cd "$root" && xvfb-run -a -s "-screen 0 1280x800x24" \
  bash tests/session.sh node --test --test-concurrency=1 tests/install/installed.test.mjs)

step "removing $pkg"
remove_package
installed && fail "$pkg still installed after purge"
[ ! -e /usr/bin/union-desk ] || fail "/usr/bin/union-desk left behind"
trap - EXIT
echo "install test passed: $pkg $version installed, opened its window, removed"
