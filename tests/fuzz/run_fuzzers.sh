#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60) from the seed
# corpus in tests/fuzz/seeds/<target>. Fails on any crash or sanitizer report.
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
for t in $targets; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  seeds="$root/tests/fuzz/seeds/${t%_fuzzer}"
  log="$build/$t.log"
  echo "fuzzing $t for ${seconds}s"
  if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
      "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "FUZZ FAILURE in $t (log: $log)"
    exit 1
  fi
  grep -E "^#[0-9]+.*DONE" "$log" | tail -n 1 || tail -n 1 "$log"
done
