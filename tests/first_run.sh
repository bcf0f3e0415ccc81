#!/usr/bin/env bash
# The first run, rehearsed: the README's `cargo xtask test` as a brand-new
# user meets it, RUNS times in a row (default 1).
#
#   bash tests/first_run.sh [RUNS]
#
# Each run gets a fresh clone of the committed HEAD (so uncommitted changes
# are not part of it, as on a new machine) and an empty HOME: no
# ~/.local/share/keyrings, no ~/.cache, no npm or pip cache, no XDG folders.
# Only the Rust toolchain is shared (CARGO_HOME and RUSTUP_HOME keep pointing
# where they did), as the README asks a new user to install Rust beforehand.
# Nothing is built before the run, so the test binaries are compiled inside
# the test session, minutes after its keyring daemon started: the situation
# in which the first run once failed (issue 15). System packages stay
# installed: a machine cannot forget them without a reinstall.
#
# Prints each run's result and duration, keeps each run's log, removes the
# clones of passing runs (several GB each) and exits non-zero if any failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
case "$runs" in '' | *[!0-9]*) echo "usage: bash tests/first_run.sh [RUNS]" >&2; exit 2 ;; esac

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
base=$(mktemp -d "${TMPDIR:-/tmp}/union-desk-first-run.XXXXXX")
commit=$(git -C "$root" rev-parse HEAD)
if [ -n "$(git -C "$root" status --porcelain)" ]; then
  echo "note: the work tree has uncommitted changes; the rehearsal runs the commit $commit" >&2
fi
echo "first-run rehearsal of $commit, $runs run(s), under $base" >&2

results=()
failed=0
for i in $(seq 1 "$runs"); do
  run="$base/run-$i"
  mkdir -p "$run/home"
  git clone --quiet --no-hardlinks "$root" "$run/clone"
  git -C "$run/clone" checkout --quiet "$commit"
  log="$base/run-$i.log"
  echo "run $i: cargo xtask test in $run/clone (HOME=$run/home), log: $log" >&2
  start=$(date +%s)
  set +e
  (
    cd "$run/clone"
    # What the user's shell may carry from an earlier session is gone too.
    unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME XDG_RUNTIME_DIR \
      DBUS_SESSION_BUS_ADDRESS DISPLAY GNOME_KEYRING_CONTROL CARGO_TARGET_DIR \
      UNION_DESK_HOME UNION_DESK_TEST_SESSION UNION_DESK_E2E_DIR UNION_DESK_SESSION_TOKEN
    export HOME="$run/home"
    cargo xtask test
  ) >"$log" 2>&1 </dev/null
  status=$?
  set -e
  secs=$(($(date +%s) - start))
  leftovers=$(find "$run/home" -path '*/keyrings/*' -o -path '*/.cache/*keyring*' 2>/dev/null | head -n 3)
  if [ "$status" -eq 0 ]; then
    results+=("run $i: PASSED in ${secs} s ($((secs / 60)) min $((secs % 60)) s)")
    rm -rf "$run"
  else
    results+=("run $i: FAILED (exit $status) after ${secs} s; log: $log; clone kept in $run")
    failed=1
  fi
  if [ -n "$leftovers" ]; then
    results+=("run $i: a keyring was created under the empty HOME (a second daemon?): $leftovers")
    failed=1
  fi
  tail -n 25 "$log" | sed 's/^/  | /' >&2
done

echo >&2
printf '%s\n' "${results[@]}"
exit "$failed"
