#!/usr/bin/env bash
# Cold start to first painted screen, idle resident memory of every app
# process, under Xvfb. Run inside a desktop session:
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash tests/session.sh bash bench/app_figures.sh BINARY
# Prints `BENCH app.cold_start_ms …` and `BENCH app.idle_rss_mb …` lines.
#
# "First painted screen": the first moment a capture of the root window has
# more than a handful of distinct colours (a blank or single-colour window
# does not count), polled every ~20 ms from the spawn. The figure includes
# the capture resolution, so it slightly overstates the real time.
set -euo pipefail
bin=${1:?usage: app_figures.sh PATH_TO_union-desk}
home=$(mktemp -d /tmp/union-desk-bench.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$home"' EXIT
export UNION_DESK_HOME="$home"
colours() { import -silent -window root -depth 8 png:- 2>/dev/null | convert png:- -format '%k' info: 2>/dev/null || echo 0; }
base=$(colours)
start=$(date +%s%N)
"$bin" >/dev/null 2>&1 &
pid=$!
painted=""
for _ in $(seq 1 500); do
  n=$(colours)
  if [ "${n:-0}" -gt $((base + 16)) ]; then
    painted=$(( ($(date +%s%N) - start) / 1000000 ))
    break
  fi
  sleep 0.01
done
if [ -z "$painted" ]; then
  echo "BENCH app.cold_start_ms n/a ms <=500 (nothing painted in time)"
else
  echo "BENCH app.cold_start_ms $painted ms <=500"
fi
# Idle: let start-up work settle, then add up RSS of the app and every
# process it started (WebKit web and network processes).
sleep 5
all_pids() {
  local p=$1; echo "$p"
  for c in $(pgrep -P "$p" 2>/dev/null); do all_pids "$c"; done
}
kb=0
for p in $(all_pids "$pid"); do
  r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
  kb=$((kb + ${r:-0}))
done
procs=$(all_pids "$pid" | wc -l)
echo "BENCH app.idle_rss_mb $(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}') MB <=150 ($procs processes)"
# RSS counts the shared libraries (WebKit, ICU, GTK) once per process; PSS
# shares them out, so its sum is what the processes take together.
pss=0
for p in $(all_pids "$pid"); do
  k=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
  pss=$((pss + ${k:-0}))
done
echo "BENCH app.idle_pss_mb $(awk -v k="$pss" 'BEGIN{printf "%.1f", k/1024}') MB <=150 ($procs processes)"
