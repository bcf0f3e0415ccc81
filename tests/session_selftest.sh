#!/usr/bin/env bash
# Checks tests/session.sh itself (issue 15), in about 5 seconds:
#   1. a command in the session sees UNION_DESK_TEST_SESSION=1, a private
#      bus, and a Secret Service that stores and returns a secret;
#   2. when the keyring daemon dies mid-run, the command is stopped and the
#      session fails with "the test keyring daemon … exited at …" (exit 3);
#   3. once the daemon is gone, asking the bus for org.freedesktop.secrets
#      or org.gnome.keyring does not start a second daemon.
# Run it under an X server: xvfb-run -a bash tests/session_selftest.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
session="${SESSION_SCRIPT:-$root/tests/session.sh}"
failures=0 passed=0
pass() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
owner_pid='dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk "{print \$2}"'

# 1. A working session.
out=$(bash "$session" bash -c '
  [ "$UNION_DESK_TEST_SESSION" = 1 ] || { echo "no UNION_DESK_TEST_SESSION"; exit 1; }
  case "$DBUS_SESSION_BUS_ADDRESS" in *union-desk-session*) ;; *) echo "not the private bus: $DBUS_SESSION_BUS_ADDRESS"; exit 1 ;; esac
  printf selftest | secret-tool store --label=selftest union-desk-selftest one || exit 1
  [ "$(secret-tool lookup union-desk-selftest one)" = selftest ] || { echo "lookup differs"; exit 1; }
  echo inside-ok' 2>&1)
status=$?
if [ "$status" -eq 0 ] && grep -q inside-ok <<<"$out"; then
  pass "a command in the session has its private bus and an unlocked Secret Service"
else
  fail "working session (exit $status): $out"
fi

# 2 + 3. The daemon dies mid-run: the bus starts no replacement, the command
# is stopped, and the session says what happened.
started=$(date +%s)
out=$(bash "$session" bash -c '
  pid=$('"$owner_pid"')
  kill -TERM "$pid"
  sleep 0.1
  secret-tool lookup union-desk-selftest one >/dev/null 2>&1 && echo "a second Secret Service answered"
  dbus-send --session --print-reply --dest=org.gnome.keyring /org/freedesktop/secrets org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 \
    && echo "org.gnome.keyring was activated"
  # Keyring daemons on this bus (an activated one inherits its address).
  others=$(for p in $(pgrep -x gnome-keyring-d); do
    tr "\0" "\n" </proc/$p/environ 2>/dev/null | grep -qxF "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS" && echo "$p"
  done)
  [ -z "$others" ] || echo "a second daemon runs: $others"
  sleep 30
  echo "not stopped"' 2>&1)
status=$?
took=$(($(date +%s) - started))
if [ "$status" -eq 3 ] && grep -q 'the test keyring daemon (pid [0-9]*) exited at' <<<"$out"; then
  pass "a daemon that dies mid-run fails the session with a plain message (exit 3)"
else
  fail "dead daemon (exit $status): $out"
fi
if grep -qE 'second Secret Service answered|was activated|second daemon runs' <<<"$out"; then
  fail "a second keyring daemon could start: $out"
else
  pass "no second keyring daemon can be D-Bus-activated"
fi
if [ "$took" -lt 20 ] && ! grep -q 'not stopped' <<<"$out"; then
  pass "the command was stopped at once (${took} s)"
else
  fail "the command ran on for ${took} s after the daemon died"
fi

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
