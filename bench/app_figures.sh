#!/usr/bin/env bash
# Cold start to first painted screen, idle resident memory of every app
# process, under Xvfb. Run inside a desktop session:
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash tests/session.sh bash bench/app_figures.sh BINARY
# Prints `BENCH app.cold_start_ms …` and `BENCH app.idle_rss_mb …` lines.
#
# "First painted screen": the UI reports, two animation frames after its
# first screen is in the DOM, and the app logs `first screen painted` (see
# startup_painted). The script polls the log every ~5 ms and takes the wall
# time from the spawn, so the figure includes process start and dynamic
# linking. A capture of the root window at that moment must then show more
# than a handful of colours (a blank window does not count). Screen captures
# are not used for timing: each takes ~250 ms of CPU and slows the start.
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
for _ in $(seq 1 2000); do
  if grep -qs 'first screen painted' "$home"/logs/*.log; then
    painted=$(( ($(date +%s%N) - start) / 1000000 ))
    break
  fi
  sleep 0.005
done
if [ -z "$painted" ]; then
  echo "BENCH app.cold_start_ms n/a ms <=500 (no first paint within 10 s)"
else
  line=$(grep -hs 'first screen painted' "$home"/logs/*.log | head -1)
  own=$(sed -nE 's/.* ms=([0-9]+).*/\1/p' <<<"$line")
  # The UI's marks, from the page's navigation start.
  ui_mark() { sed -nE "s/.* $1=([0-9]+).*/\\1/p" <<<"$line"; }
  ui="page: script $(ui_mark script_ms), mount $(ui_mark mounted_ms), data $(ui_mark loaded_ms), painted $(ui_mark painted_ms) ms"
  n=$(colours)
  if [ "${n:-0}" -le $((base + 16)) ]; then
    echo "BENCH app.cold_start_ms n/a ms <=500 (reported painted, but the screen shows $n colours)"
  else
    echo "BENCH app.cold_start_ms $painted ms <=500 (app's own mark ${own:-?} ms after main; $ui; $n colours on screen)"
  fi
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
