#!/usr/bin/env bash
# Every figure of issue 8 item 1, measured on this machine, in one table.
#   bash bench/run.sh            (what `cargo xtask bench` runs)
#   BENCH_SKIP_APP=1 bash bench/run.sh   skips the Xvfb app figures
# Release binary and .deb sizes are read from the last `cargo xtask package`
# (not rebuilt here: a release build takes many minutes).
# Raw output goes to $OUT (default target/bench-out); the table to stdout
# and to $OUT/table.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
out=${OUT:-$target/bench-out}
mkdir -p "$out"
rows="$out/rows.tsv"
: > "$rows"
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$rows"; }
verdict() { # value goal-op goal
  awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN{
    if (v !~ /^[0-9.]+$/) {print "n/a"; exit}
    ok = (op == ">=") ? (v+0 >= g+0) : (v+0 <= g+0)
    print ok ? "met" : "MISSED"}'
}
add() { # name value unit op goal
  row "$1" "$2 $3" "$4 $5 $3" "$(verdict "$2" "$4" "$5")"
}

echo "== signing (criterion)" >&2
cargo bench -p meituan-union --bench sign -- --noplot > "$out/sign.txt" 2>&1
est() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' "$target/criterion/$1/new/estimates.json" 2>/dev/null || echo x; }
ratio() { python3 -c 'import sys
try: print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))
except Exception: print("n/a")' "$1" "$2"; }
add "legacy sign vs bare MD5 (speed ratio)" "$(ratio "$(est legacy/bare_md5)" "$(est legacy/legacy_sign)")" "x" ">=" 0.8
# The media scheme signs MD5(body) too (its Content-MD5 header is part of
# the string to sign), so its "same bytes" are MD5 of the body + the HMAC.
# The HMAC alone is printed for reference.
add "media sign vs MD5(body) + HMAC-SHA256, the scheme's bytes (speed ratio)" "$(ratio "$(est media/bare_md5_body_plus_hmac)" "$(est media/media_sign)")" "x" ">=" 0.8
row "media sign vs HMAC-SHA256 of the string to sign alone (speed ratio)" "$(ratio "$(est media/bare_hmac_sha256)" "$(est media/media_sign)") x" "-" "-"

echo "== quota reservations" >&2
cargo bench -p desk-core --bench quota > "$out/quota.txt" 2>&1
for scen in two_threads two_processes; do
  get() { awk -v k="BENCH quota.$scen.$1" 'index($0, k" ") == 1 {print $3}' "$out/quota.txt"; }
  add "quota reservations/s, 2 writers ($scen)" "$(get rate)" "/s" ">=" 5000
  add "quota reservation p99 ($scen)" "$(get p99)" "ms" "<=" 2
  row "quota reservation p50 ($scen)" "$(get p50) ms" "-" "-"
done

echo "== sync of ~30k orders" >&2
if cargo bench -p desk-core --bench sync > "$out/sync.txt" 2>&1; then
  while read -r gen secs orders pages calls perpage; do
    add "sync $orders orders ($gen): seconds" "$secs" "s" "<=" 3
    row "sync $orders orders ($gen): calls = pages" "$calls calls, $pages pages" "equal" "$([ "$perpage" = true ] && echo met || echo MISSED)"
  done < <(sed -nE 's/^sync ([a-z]+) +[0-9]+ days: ([0-9]+) orders .* in ([0-9.]+) s; ([0-9]+) pages, ([0-9]+) calls .*one call per page: ([a-z]+).*/\1 \3 \2 \4 \5 \6/p' "$out/sync.txt")
else
  row "sync of 30,000 orders" "failed (see $out/sync.txt)" "<= 3 s" "n/a"
fi

echo "== batch of 1,000 links" >&2
if cargo bench -p desk-core --bench batch > "$out/batch.txt" 2>&1; then
  while read -r gen round n secs calls; do
    if [ "$round" = repeat ]; then
      row "batch $n links again ($gen): calls" "$calls" "0" "$([ "$calls" = 0 ] && echo met || echo MISSED)"
    fi
    add "batch $n links, $round ($gen): seconds" "$secs" "s" "<=" 2
  done < <(sed -nE 's/^batch ([a-z]+) +([a-z]+) +([0-9]+) links in ([0-9.]+) s: ([0-9]+) calls.*/\1 \2 \3 \4 \5/p' "$out/batch.txt")
else
  row "batch of 1,000 links" "failed (see $out/batch.txt)" "<= 2 s" "n/a"
fi

echo "== tier over 1,000,000 orders" >&2
if cargo bench -p desk-core --bench tier > "$out/tier.txt" 2>&1; then
  v=$(awk '$1=="BENCH" && $2=="tier.report_ms" {print $3}' "$out/tier.txt")
  add "monthly average / tier over 1,000,000 orders" "$v" "ms" "<=" 50
else
  row "monthly average / tier over 1,000,000 orders" "failed (see $out/tier.txt)" "<= 50 ms" "n/a"
fi

echo "== Orders screen over 1,000,000 orders (issue 19 item 13)" >&2
# Median and p95 of several runs per case; the verdict is on the p95.
if cargo bench -p desk-core --bench orders > "$out/orders.txt" 2>&1; then
  ob() { awk -v k="orders.$1" '$1=="BENCH" && $2==k {print $3}' "$out/orders.txt"; }
  while IFS='|' read -r case what; do
    p95=$(ob "$case.p95_ms")
    row "Orders over 1,000,000 orders: $what (median / p95)" "$(ob "$case.median_ms") / ${p95:-n/a} ms" "<= 100 ms" "$(verdict "$p95" "<=" 100)"
  done <<'CASES'
first_page|first page, default filter (list)
open|screen opened: totals + first page, default filter
month|filter change to one month: totals + first page
sid|filter change to one sid: totals + first page
status|filter change to one status: totals + first page
paid|filter change to 已付款 (told apart from undocumented statuses): totals + first page
line|filter change to one line: totals + first page
deep_page|page at row 500,000, default filter
deep_filtered|page at row 50,000, one status
CASES
  for f in csv xlsx; do
    row "export of 1,000,000 orders to ${f^^}: time / peak RSS above start" "$(ob "export_${f}_s") s / $(ob "export_${f}_peak_above_mb") MB" "-" "-"
  done
else
  row "Orders screen over 1,000,000 orders" "failed (see $out/orders.txt)" "<= 100 ms" "n/a"
fi

echo "== 100 search pages from the day cache (issue 20 item 8)" >&2
if cargo bench -p desk-core --bench search > "$out/search.txt" 2>&1; then
  v=$(awk '$1=="BENCH" && $2=="search.cached_100_ms" {print $3}' "$out/search.txt")
  add "100 search pages answered from the day cache (0 calls), median of 7" "${v:-n/a}" "ms" "<=" 50
else
  row "100 search pages answered from the day cache" "failed (see $out/search.txt)" "<= 50 ms" "n/a"
fi

echo "== callback receiver under a flood (issue 16)" >&2
# Two rounds of 1,000 half-sent 64 KiB bodies at the receiver, in release
# mode; the test prints RSS and the latency of real pushes sent meanwhile.
if cargo test --release -p desk-core --test receiver_limits flood -- --nocapture > "$out/receiver.txt" 2>&1; then
  worst=$(sed -nE 's/.*\(worst ([0-9.]+)(µs|ms)\).*/\1 \2/p' "$out/receiver.txt" \
    | awk '{v = ($2 == "ms") ? $1 : $1 / 1000; if (v > m) m = v} END {if (NR) printf "%.2f", m}')
  add "callback push during a flood of 1,000 stalled bodies: worst latency" "${worst:-n/a}" "ms" "<=" 50
  grow=$(sed -nE 's/.*RSS baseline ([0-9.]+) MB, peak [0-9.]+ MB, after ([0-9.]+) MB.*/\1 \2/p' "$out/receiver.txt" \
    | awk '{d = $2 - $1; if (d > m) m = d} END {if (NR) printf "%.1f", m}')
  add "receiver RSS after the flood, above its baseline" "${grow:-n/a}" "MB" "<=" 20
else
  row "callback receiver under a flood" "failed (see $out/receiver.txt)" "<= 50 ms" "n/a"
fi

app="$target/release/union-desk"
[ -x "$app" ] || app="$target/debug/union-desk"
if [ -z "${BENCH_SKIP_APP:-}" ] && [ -x "$app" ] && command -v xvfb-run >/dev/null; then
  echo "== app under Xvfb ($app)" >&2
  xvfb-run -a -s "-screen 0 1280x800x24" bash tests/session.sh \
    bash bench/app_figures.sh "$app" > "$out/app.txt" 2>&1
  kind=$(basename "$(dirname "$app")")
  v=$(awk '$2=="app.cold_start_ms" {print $3}' "$out/app.txt")
  add "cold start to first paint ($kind build)" "${v:-n/a}" "ms" "<=" 500
  v=$(awk '$2=="app.idle_rss_mb" {print $3}' "$out/app.txt")
  add "idle RSS, all app processes ($kind build)" "${v:-n/a}" "MB" "<=" 150
  v=$(awk '$2=="app.idle_pss_mb" {print $3}' "$out/app.txt")
  add "idle PSS, all app processes ($kind build)" "${v:-n/a}" "MB" "<=" 150
  # For reading the two above: the first launch in a bare D-Bus session, and
  # a bare WebKitGTK window on this machine (no app code at all).
  v=$(awk '$2=="app.cold_start_bare_session_ms" {print $3}' "$out/app.txt")
  row "cold start, first app in a bare D-Bus session ($kind build)" "${v:-n/a} ms" "-" "-"
  v=$(awk '$2=="floor.painted_ms" {print $3}' "$out/app.txt")
  row "floor: bare WebKitGTK window, start to painted page" "${v:-n/a} ms" "-" "-"
  v=$(awk '$2=="floor.idle_pss_mb" {print $3}' "$out/app.txt")
  row "floor: bare WebKitGTK window, idle PSS" "${v:-n/a} MB" "-" "-"
  # The app's own share: its figures less the floor's, for PSS and for its
  # anonymous part (the file part is library code and font pages).
  above() {
    awk -v a="$1" -v f="$2" '$2==a {x=$3} $2==f {y=$3} END {if (x != "" && y != "") printf "%.1f", x - y}' "$out/app.txt"
  }
  v=$(above app.idle_pss_mb floor.idle_pss_mb)
  add "idle PSS above the floor ($kind build)" "${v:-n/a}" "MB" "<=" 20
  v=$(above app.idle_pss_anon_mb floor.idle_pss_anon_mb)
  row "idle anonymous PSS above the floor ($kind build)" "${v:-n/a} MB" "-" "-"
else
  row "cold start / idle RSS" "not measured (no app binary or Xvfb)" "<= 500 ms / <= 150 MB" "n/a"
fi

if [ -f "$target/release/union-desk" ]; then
  b=$(stat -c %s "$target/release/union-desk")
  add "release binary size" "$(awk -v b="$b" 'BEGIN{printf "%.1f", b/1e6}')" "MB" "<=" 15
else
  row "release binary size" "not built (cargo xtask package)" "<= 15 MB" "n/a"
fi
deb=$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
  b=$(stat -c %s "$deb")
  add ".deb size" "$(awk -v b="$b" 'BEGIN{printf "%.2f", b/1048576}')" "MiB" "<=" 5
else
  row ".deb size" "not built (cargo xtask package)" "<= 5 MiB" "n/a"
fi

{
  echo "| figure | measured | goal | verdict |"
  echo "| --- | --- | --- | --- |"
  awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' "$rows"
} | tee "$out/table.md"
echo "($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; raw output in $out)"
