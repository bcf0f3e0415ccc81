#!/usr/bin/env bash
# Runs a command inside a private desktop session: run it under
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash tests/session.sh CMD...
# It gives the command a fresh, unlocked gnome-keyring (Secret Service), so
# keychain tests use the real OS store and never hang on a password prompt.
set -euo pipefail
session_dir=$(mktemp -d /tmp/union-desk-session.XXXXXX)
chmod 700 "$session_dir"
mkdir -p "$session_dir/data" "$session_dir/runtime"
chmod 700 "$session_dir/runtime"
export XDG_DATA_HOME="$session_dir/data"
export XDG_RUNTIME_DIR="$session_dir/runtime"
# --unlock reads the password on stdin and creates/unlocks the login keyring.
eval "$(printf 'union-desk-ci' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyring_pid=$(pgrep -n -u "$(id -u)" gnome-keyring-d || true)
cleanup() {
  [ -n "${keyring_pid:-}" ] && kill "$keyring_pid" 2>/dev/null || true
  rm -rf "$session_dir"
}
trap cleanup EXIT
export UNION_DESK_TEST_SESSION=1
"$@"
