#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60) from the seed
# corpus in tests/fuzz/seeds/<target>, FUZZ_JOBS targets at a time (default: one per core). Fails on
# any crash or sanitizer report.
# Usage: bash tests/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]   (targets default to all *_fuzzer)
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build/fuzz"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCAUSALATTN_BUILD_FUZZERS=ON -DCAUSALATTN_BUILD_TESTS=OFF -DCAUSALATTN_BUILD_EXAMPLES=OFF \
  -DCAUSALATTN_BUILD_BENCHMARKS=OFF -DCAUSALATTN_INSTALL=OFF >/dev/null
if [ $# -gt 1 ]; then
  shift
  targets="$*"
else
  targets=$(cd "$root/tests/fuzz" && ls ./*_fuzzer.cpp | sed 's|^\./||; s|\.cpp$||')
fi
# shellcheck disable=SC2086
cmake --build "$build" -j 2 --target $targets >/dev/null
# fuzz_one <target>: runs one target, prints its last status line; on failure the log's tail.
fuzz_one() {
  local t="$1" corpus="$build/corpus/$1" seeds="$root/tests/fuzz/seeds/${1%_fuzzer}" log="$build/$1.log"
  mkdir -p "$corpus"
  if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
      "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "FUZZ FAILURE in $t (log: $log)"
    return 1
  fi
  echo "$t: $(grep -E "^#[0-9]+.*DONE" "$log" | tail -n 1 || tail -n 1 "$log")"
}
# The targets run FUZZ_JOBS at a time (default: the number of cores), each for SECONDS.
jobs=${FUZZ_JOBS:-$(nproc)}
echo "fuzzing $(echo $targets | wc -w) targets for ${seconds}s each, $jobs at a time"
pids=()
failed=0
for t in $targets; do
  fuzz_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
