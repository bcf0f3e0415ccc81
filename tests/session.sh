#!/usr/bin/env bash
# Runs a command inside a private desktop session (Linux):
#   xvfb-run -a -s "-screen 0 1280x800x24" bash tests/session.sh CMD...
#
# The command gets its own D-Bus session bus and one Secret Service on it:
# a gnome-keyring-daemon that this script starts, unlocks and keeps as its own
# child for the whole run, so keychain tests use the real OS store and never
# hang on a password prompt.
#
# Why it is built this way (issue 15). A brand-new machine's first
# `cargo xtask test` failed in `mtu` with "Message recipient disconnected from
# message bus": the keyring daemon that this script had started no longer
# answered, and the bus then D-Bus-activated a second gnome-keyring-daemon
# (/usr/share/dbus-1/services/org.freedesktop.secrets.service) with no unlocked
# login keyring, so the next tests failed as if the product were broken. The
# old script let that happen: the daemon forked itself away (--unlock without
# --foreground), its pid was guessed with `pgrep -n` (the newest keyring of
# this user on the whole machine), nothing watched it, and the bus from
# dbus-run-session could activate any number of replacements. Now:
#   - the bus is ours (dbus-daemon with this script's config), and its first
#     service directory shadows every name gnome-keyring can be activated
#     under with a stub that refuses and logs: no second daemon can start;
#   - the daemon runs in the foreground as our child; its pid is known, and
#     the bus is asked which process owns org.freedesktop.secrets;
#   - a secret is stored, read and removed before the command and after it;
#   - a watchdog stops the command as soon as the daemon exits or loses the
#     name, and the run fails with "the test keyring daemon exited at …"
#     (with its exit status and last log lines), not with a product error.
set -euo pipefail

note() { printf 'tests/session.sh: %s\n' "$*" >&2; }

for tool in dbus-daemon dbus-send gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null || { note "$tool is missing (run: cargo xtask setup)"; exit 2; }
done

session_dir=$(mktemp -d /tmp/union-desk-session.XXXXXX)
chmod 700 "$session_dir"
mkdir -p "$session_dir/data" "$session_dir/runtime" "$session_dir/services" "$session_dir/home-cache"
chmod 700 "$session_dir/runtime"
export XDG_DATA_HOME="$session_dir/data"
export XDG_RUNTIME_DIR="$session_dir/runtime"
keyring_log="$session_dir/keyring.log"
dead_marker="$session_dir/keyring-dead"

bus_pid='' keyring_pid='' watchdog_pid=''
cleanup() {
  local status=$?
  [ -n "$watchdog_pid" ] && kill "$watchdog_pid" 2>/dev/null || true
  [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ -s "$keyring_log" ]; then
    note "last lines of the test keyring daemon's log:"
    tail -n 20 "$keyring_log" | sed 's/^/  | /' >&2
  fi
  rm -rf "$session_dir"
  exit "$status"
}
trap cleanup EXIT

# --- 1. Our own session bus ------------------------------------------------
# Every name gnome-keyring-daemon is D-Bus-activatable under gets a stub in
# the first service directory; directories listed first take precedence, so
# the system's service files for these names are never used. Every other
# service (dconf, the accessibility bus, portals) stays activatable.
refuse="$session_dir/refuse-activation.sh"
cat >"$refuse" <<EOF
#!/bin/sh
echo "\$(date -u +%H:%M:%S) refused D-Bus activation of a second keyring daemon (\$*)" >>"$keyring_log"
exit 1
EOF
chmod 700 "$refuse"
for name in org.freedesktop.secrets org.gnome.keyring org.freedesktop.impl.portal.Secret; do
  printf '[D-BUS Service]\nName=%s\nExec=%s %s\n' "$name" "$refuse" "$name" \
    >"$session_dir/services/$name.service"
done
cat >"$session_dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=$session_dir</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$session_dir/services</servicedir>
  <standard_session_servicedirs/>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$session_dir/bus.conf" --nofork --nopidfile \
  --print-address=3 3>"$session_dir/bus.address" 2>>"$session_dir/bus.log" &
bus_pid=$!
for _ in $(seq 100); do
  [ -s "$session_dir/bus.address" ] && break
  kill -0 "$bus_pid" 2>/dev/null || { note "the test D-Bus daemon did not start"; cat "$session_dir/bus.log" >&2; exit 2; }
  sleep 0.05
done
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$session_dir/bus.address")
export DBUS_SESSION_BUS_ADDRESS
[ -n "$DBUS_SESSION_BUS_ADDRESS" ] || { note "the test D-Bus daemon printed no address"; exit 2; }

# --- 2. The keyring daemon, in the foreground, as our child ------------------
# --unlock reads the password on stdin and creates/unlocks the login keyring.
printf 'union-desk-ci' | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$session_dir/keyring.env" 2>>"$keyring_log" &
keyring_pid=$!

# Which process owns org.freedesktop.secrets on our bus ("" when none).
secrets_owner_pid() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
    | awk '{print $2}'
}

for _ in $(seq 200); do
  [ "$(secrets_owner_pid)" = "$keyring_pid" ] && break
  kill -0 "$keyring_pid" 2>/dev/null || { note "the test keyring daemon exited before it started"; exit 2; }
  sleep 0.05
done
if [ "$(secrets_owner_pid)" != "$keyring_pid" ]; then
  note "the test keyring daemon (pid $keyring_pid) did not take org.freedesktop.secrets within 10 s"
  exit 2
fi
# GNOME_KEYRING_CONTROL and friends, as the daemon printed them.
while IFS='=' read -r key value; do
  case "$key" in GNOME_KEYRING_CONTROL|SSH_AUTH_SOCK) export "$key=$value" ;; esac
done <"$session_dir/keyring.env"

# A store, a read and a removal through the Secret Service: the login keyring
# exists, is unlocked, and answers.
keyring_round_trip() {
  local when=$1 value
  value="session-check-$$-$RANDOM"
  if ! printf '%s' "$value" | timeout 20 secret-tool store --label="union-desk session check" \
      union-desk-session check >/dev/null 2>&1 \
    || [ "$(timeout 20 secret-tool lookup union-desk-session check 2>/dev/null)" != "$value" ] \
    || ! timeout 20 secret-tool clear union-desk-session check >/dev/null 2>&1; then
    note "the test keyring (pid $keyring_pid) does not store and return a secret $when"
    return 1
  fi
}
keyring_round_trip "before the command" || exit 2

# --- 3. The watchdog -------------------------------------------------------
# Checks twice a second that our daemon lives and still owns the name. When
# it does not, it records when, and stops the command's process group.
set -m # the command gets a process group of its own, which the watchdog can stop
watch_keyring() {
  local cmd_pid=$1 owner
  while kill -0 "$cmd_pid" 2>/dev/null; do
    if ! kill -0 "$keyring_pid" 2>/dev/null; then
      printf 'the test keyring daemon (pid %s) exited at %s UTC' \
        "$keyring_pid" "$(date -u +%H:%M:%S)" >"$dead_marker"
    else
      owner=$(secrets_owner_pid)
      if [ "$owner" != "$keyring_pid" ]; then
        printf 'at %s, org.freedesktop.secrets was owned by pid %s instead of the test keyring daemon (pid %s)' \
          "$(date -u +%H:%M:%S)" "${owner:-nobody}" "$keyring_pid" >"$dead_marker"
      fi
    fi
    if [ -s "$dead_marker" ]; then
      note "$(cat "$dead_marker"): stopping the command"
      kill -TERM -- "-$cmd_pid" 2>/dev/null || true
      sleep 5
      kill -KILL -- "-$cmd_pid" 2>/dev/null || true
      return
    fi
    sleep 0.5
  done
}

export UNION_DESK_TEST_SESSION=1
"$@" &
cmd_pid=$!
set +m
watch_keyring "$cmd_pid" &
watchdog_pid=$!
set +e
wait "$cmd_pid"
cmd_status=$?
set -e
kill "$watchdog_pid" 2>/dev/null || true
wait "$watchdog_pid" 2>/dev/null || true
watchdog_pid=''

if [ -s "$dead_marker" ]; then
  if ! kill -0 "$keyring_pid" 2>/dev/null; then
    set +e; wait "$keyring_pid"; keyring_status=$?; set -e
    keyring_pid=''
    printf ' (exit status %s%s)' "$keyring_status" \
      "$([ "$keyring_status" -gt 128 ] && echo ", signal $((keyring_status - 128))")" >>"$dead_marker"
  fi
  note "FAILED: $(cat "$dead_marker"). This is the test session's Secret Service, not Union Desk; the command's own failures above follow from it."
  exit 3
fi
if ! kill -0 "$keyring_pid" 2>/dev/null; then
  note "FAILED: the test keyring daemon (pid $keyring_pid) exited at the end of the command"
  exit 3
fi
owner=$(secrets_owner_pid)
if [ "$owner" != "$keyring_pid" ]; then
  note "FAILED: after the command org.freedesktop.secrets is owned by pid ${owner:-nobody}, not by the test keyring daemon (pid $keyring_pid)"
  exit 3
fi
keyring_round_trip "after the command" || exit 3
if grep -q 'refused D-Bus activation' "$keyring_log" 2>/dev/null; then
  note "note: something asked D-Bus to start a second keyring daemon, which this session refused:"
  grep 'refused D-Bus activation' "$keyring_log" | sed 's/^/  | /' >&2
fi
exit "$cmd_status"
