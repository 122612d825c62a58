#!/usr/bin/env bash
# Peak resident memory of each bench_effects configuration, one process per configuration.
# Usage: benchmarks/effects_memory.sh build/bench/benchmarks/bench_effects
set -euo pipefail
bench=${1:-build/bench/benchmarks/bench_effects}
printf "%-8s %8s %4s %12s\n" method n p peak_MB
for method in 0 1 2 3 4; do
  for n in 1000 10000 100000; do
    for p in 10 50; do
      kb=$( { /usr/bin/time -f "%M" "$bench" --benchmark_filter="BM_estimator/method:${method}/n:${n}/p:${p}/" \
              --benchmark_min_time=0.01 > /dev/null; } 2>&1 | tail -1)
      printf "%-8s %8s %4s %12.1f\n" "$method" "$n" "$p" "$(echo "$kb / 1024" | bc -l)"
    done
  done
done
