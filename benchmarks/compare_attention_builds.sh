#!/usr/bin/env bash
# The attention kernels as users build them, against PyTorch, in one run: bench_attention from a
# plain Release build without -march (CAUSALATTN_NATIVE=OFF: what a consumer gets who does not link
# causalattn::native) and from the default Release build (CAUSALATTN_NATIVE=ON when causalattn is
# the top-level project: -march=native), then PyTorch 1.13's naive attention and autograd backward
# on the same sizes. n = 4096, d = 64, float and double, 1 and 2 threads, medians of 5.
# Needs Debian's python3-torch with libopenblas0-pthread for the peer.
# Usage: bash benchmarks/compare_attention_builds.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), commit $(git -C "$root" rev-parse --short HEAD)"
for variant in portable default; do
  dir="$root/build/attention-$variant"
  native=()
  [ "$variant" = portable ] && native=(-DCAUSALATTN_NATIVE=OFF)
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCAUSALATTN_BUILD_TESTS=OFF -DCAUSALATTN_BUILD_EXAMPLES=OFF \
    -DCAUSALATTN_BUILD_BENCHMARKS=ON "${native[@]}" >/dev/null
  cmake --build "$dir" --target bench_attention -j 2 >/dev/null
  echo "== causalattn, $variant Release build (CAUSALATTN_NATIVE=$([ "$variant" = portable ] && echo OFF || echo ON)), median of 5"
  "$dir/benchmarks/bench_attention" --benchmark_min_time=0.2 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
    --benchmark_filter='(forward|backward).*/n:4096/d:64/' 2>/dev/null | grep -E '_median'
done
# OpenBLAS starts one thread per core whatever torch.set_num_threads says: its thread count is fixed
# per process, so the peer runs once per count (read the rows of that count from each run).
for blas_threads in 1 2; do
  echo "== PyTorch peer, OPENBLAS_NUM_THREADS=$blas_threads: read the threads=$blas_threads rows (median of 5)"
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    (cd "$root/benchmarks/peers" && OPENBLAS_NUM_THREADS=$blas_threads /usr/bin/python3 attention_torch.py 4096 64 5)
  else
    echo "python3-torch not installed: peer skipped"
  fi
done
