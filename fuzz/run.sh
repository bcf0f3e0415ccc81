#!/usr/bin/env bash
# Runs every fuzz target and reports executions and crashes.
#   bash fuzz/run.sh [RUNS] [MAX_SECONDS_PER_TARGET]
# Defaults: 20000 runs each (the CI smoke run), no time limit.
# Long run: bash fuzz/run.sh 10000000 1800
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain the
# nightly-only flags are unlocked with RUSTC_BOOTSTRAP=1 (set here).
# Crashing inputs are kept in fuzz/artifacts/<target>/.
# FUZZ_TARGETS="a b" limits the run to those targets.
# FUZZ_SANITIZER=none builds without AddressSanitizer: about 3x the
# executions per second. The fuzzed crates contain no `unsafe` code, so the
# long run uses it; the CI smoke run keeps the default (address).
set -uo pipefail
runs=${1:-20000}
max_time=${2:-0}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export RUSTC_BOOTSTRAP=1
target_dir=${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$here/target}}
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz" >&2; exit 2; }
targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
sanitizer=${FUZZ_SANITIZER:-address}
failed=0
printf '%-18s %12s %8s %8s\n' target executions seconds crashes
for t in $targets; do
  mkdir -p "corpus/$t"
  # Inputs that once crashed a target (fuzz/regressions/<target>-*) are part
  # of every run's starting corpus, so a regression shows up at once.
  for r in regressions/"$t"-*; do [ -f "$r" ] && cp "$r" "corpus/$t/"; done
  log=$(mktemp)
  extra=()
  [ "$max_time" -gt 0 ] && extra+=("-max_total_time=$max_time")
  cargo fuzz run -s "$sanitizer" --target-dir "$target_dir" "$t" "corpus/$t" -- \
    -runs="$runs" -max_len=8192 -print_final_stats=1 "${extra[@]}" > "$log" 2>&1
  rc=$?
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  secs=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)
  crashes=0
  if [ $rc -ne 0 ]; then
    crashes=$(ls "artifacts/$t" 2>/dev/null | wc -l)
    [ "$crashes" -eq 0 ] && crashes="error"
    failed=1
    tail -30 "$log" >&2
  fi
  printf '%-18s %12s %8s %8s\n' "$t" "${execs:-?}" "${secs:-?}" "$crashes"
  rm -f "$log"
done
exit $failed
