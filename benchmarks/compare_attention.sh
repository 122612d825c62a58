#!/usr/bin/env bash
# Headline attention comparison, all in one run on one machine: causalattn's tiled kernels, the
# naive Eigen version and Eigen's GEMM peak (medians of 5 repetitions), then PyTorch's naive
# attention and autograd backward on the same sizes, then peak memory (max RSS) at n = 16384.
# Needs the bench preset built (cmake --preset bench && cmake --build --preset bench) and, for the
# peer, Debian's python3-torch with libopenblas0-pthread. Usage: bash benchmarks/compare_attention.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/build/bench/benchmarks/bench_attention"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== causalattn (median of 5)"
"$bench" --benchmark_min_time=0.2 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_filter='(forward|naive|backward).*/n:4096/d:64/|gemm' 2>/dev/null | grep -E '_median'
echo "== PyTorch peer (median of 5)"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  (cd "$root/benchmarks/peers" && /usr/bin/python3 attention_torch.py 4096 64 5)
else
  echo "python3-torch not installed: peer skipped"
fi
echo "== peak memory (max RSS), n = 16384, d = 64, double, 2 threads, one forward pass"
for kernel in forward naive; do
  /usr/bin/time -f "$kernel: %M KiB max RSS, %e s" "$bench" --benchmark_min_time=0.0001 \
    --benchmark_filter="BM_attention_${kernel}<double>/n:16384/d:64/threads:2" >/dev/null
done
