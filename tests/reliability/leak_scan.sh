#!/usr/bin/env bash
# Secret-leak scan (issue 8 item 6): looks for the bytes of every known
# secret — raw, upper-case, hex of its bytes, standard and URL-safe base64 —
# in every file under the given paths (logs, the SQLite database and its
# -wal/-shm, the data folder, captured IPC replies and CLI output).
#
#   bash tests/reliability/leak_scan.sh [--secret S]... [--secrets-file F] PATH...
#   bash tests/reliability/leak_scan.sh --full-run
#
# With no --secret, the sandbox demo secrets (API and callback, of seed 1
# and of the embedded sandbox's seed, the ones the E2E tests use) are read from
# `mtu sandbox` (binary: $MTU, default $CARGO_TARGET_DIR/debug/mtu).
# --full-run first does a whole CLI session in a fresh data folder (sandbox
# profile, verify, links, a batch, an order sync, quota, tier, a signed test
# push to the callback receiver) with stdout and stderr captured, then scans
# that folder and the captures. Needs a keychain: run it under
#   xvfb-run -a bash tests/session.sh bash tests/reliability/leak_scan.sh --full-run
# Exit 0 when nothing is found, 1 on any hit (each hit is listed, never the
# secret itself), 2 on a usage error.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mtu=${MTU:-${CARGO_TARGET_DIR:-$root/target}/debug/mtu}
secrets=()
paths=()
full=0
while [ $# -gt 0 ]; do
  case "$1" in
    --secret) secrets+=("$2"); shift 2 ;;
    --secrets-file) while IFS= read -r l; do [ -n "$l" ] && secrets+=("$l"); done < "$2"; shift 2 ;;
    --full-run) full=1; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) paths+=("$1"); shift ;;
  esac
done

sandbox_secrets() {
  [ -x "$mtu" ] || { echo "leak_scan: $mtu not built (cargo build -p mtu-cli)" >&2; exit 2; }
  # Seed 1: `mtu sandbox`'s default; 20260301: the app's embedded sandbox
  # (desk_core::embedded::SEED), behind sandbox profiles.
  for seed in 1 20260301; do sandbox_secrets_of "$seed"; done
}
sandbox_secrets_of() {
  local fifo line pid
  fifo=$(mktemp -u); mkfifo "$fifo"
  "$mtu" sandbox --port 0 --seed "$1" > "$fifo" 2>/dev/null & pid=$!
  IFS= read -r line < "$fifo"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$fifo"
  python3 - "$line" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if "secret" in k and isinstance(x, str): print(x)
            else: walk(x)
walk(d)
PY
}

steps_failed=0
workdir=$(mktemp -d /tmp/union-desk-leak.XXXXXX)
trap 'rm -rf "$workdir"' EXIT
if [ $full -eq 1 ]; then
  home="$workdir/home"; cap="$workdir/captured"; mkdir -p "$home" "$cap"
  export UNION_DESK_HOME="$home"
  step() {
    local name=$1; shift
    "$mtu" "$@" > "$cap/$name.out" 2> "$cap/$name.err" < /dev/null
    local rc=$?
    [ $rc -eq 0 ] || steps_failed=$((steps_failed + 1))
    echo "  $name: exit $rc $(head -c 200 "$cap/$name.err" | head -1)" >&2
  }
  echo "full run in $home" >&2
  step profile-add profile add --name demo --sandbox
  step profile-list --json profile list
  step verify --json profile verify --profile demo
  step link --json link --profile demo --act 33 --sid leak1
  printf '33,leak2,1\n33,leak3,1\n' > "$workdir/batch.csv"
  step batch --json link batch --profile demo "$workdir/batch.csv"
  step sync --json orders sync --profile demo --days 2
  step orders-list --json orders list --profile demo
  step quota --json quota --profile demo
  step tier --json tier --profile demo
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$mtu" --json callback serve --profile demo --port "$port" > "$cap/callback-serve.out" 2> "$cap/callback-serve.err" &
  serve=$!
  sleep 1
  step callback-test --json callback test --profile demo "http://127.0.0.1:$port/"
  kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null
  paths+=("$home" "$cap")
fi
[ ${#paths[@]} -gt 0 ] || { echo "usage: leak_scan.sh [--secret S]... PATH... | --full-run" >&2; exit 2; }
if [ ${#secrets[@]} -eq 0 ]; then
  while IFS= read -r s; do secrets+=("$s"); done < <(sandbox_secrets)
fi
[ ${#secrets[@]} -gt 0 ] || { echo "leak_scan: no secret to look for" >&2; exit 2; }

# Every form a secret's bytes could take in a file.
forms="$workdir/forms"
: > "$forms"
for s in "${secrets[@]}"; do
  python3 - "$s" >> "$forms" <<'PY'
import base64, sys
s = sys.argv[1]; b = s.encode()
forms = {s, s.upper(), s.lower(), b.hex(), b.hex().upper(),
         base64.b64encode(b).decode().rstrip("="), base64.urlsafe_b64encode(b).decode().rstrip("=")}
for f in sorted(forms):
    if len(f) >= 8: print(f)
PY
done
files=0
hits=0
while IFS= read -r -d '' f; do
  files=$((files + 1))
  n=0
  while IFS= read -r form; do
    # -a: binary files (SQLite pages, WAL frames) are searched as bytes.
    if grep -a -q -F -e "$form" "$f" 2>/dev/null; then n=$((n + 1)); fi
  done < "$forms"
  if [ $n -gt 0 ]; then
    echo "LEAK: $f holds $n form(s) of a known secret" >&2
    hits=$((hits + 1))
  fi
done < <(find "${paths[@]}" -type f -print0 2>/dev/null)
# Positive control: the same search must find a planted copy (base64 form),
# or a broken search would pass silently.
control="$workdir/control"; mkdir -p "$control"
python3 -c 'import base64,sys; sys.stdout.write("x" + base64.b64encode(sys.argv[1].encode()).decode() + "x")' "${secrets[0]}" > "$control/planted"
planted=0
while IFS= read -r form; do grep -a -q -F -e "$form" "$control/planted" && planted=1; done < "$forms"
[ $planted -eq 1 ] || { echo "leak_scan: the positive control was not found; the scan is broken" >&2; exit 2; }
echo "leak scan: ${#secrets[@]} secrets ($(wc -l < "$forms") forms) in $files files: $hits files with a hit"
if [ $steps_failed -gt 0 ]; then
  echo "leak scan: $steps_failed step(s) of the full run failed: the run was not complete" >&2
  exit 1
fi
[ $hits -eq 0 ]
