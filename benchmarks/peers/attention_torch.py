#!/usr/bin/env python3
"""Peer timing for bench_attention: PyTorch's naive attention softmax(Q K^T / sqrt(d)) V on the CPU
and its autograd backward, median of REPEATS runs. Needs Debian's python3-torch (1.13); run with
/usr/bin/python3. Usage: attention_torch.py [n] [d] [repeats]"""
import sys
import time

import torch

from timing import median_ms

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
d = int(sys.argv[2]) if len(sys.argv) > 2 else 64
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5



print(f"torch {torch.__version__}, n={n}, d={d}, median of {repeats}")
for dtype in (torch.float32, torch.float64):
    for threads in (1, 2):
        torch.set_num_threads(threads)
        gen = torch.Generator().manual_seed(1)
        q, k, v, dout = (torch.randn(n, d, dtype=dtype, generator=gen) for _ in range(4))
        scale = d ** -0.5

        def forward():
            with torch.no_grad():
                return torch.softmax((q @ k.T) * scale, dim=-1) @ v

        qg, kg, vg = (t.clone().requires_grad_(True) for t in (q, k, v))

        def backward_only():
            out = torch.softmax((qg @ kg.T) * scale, dim=-1) @ vg
            start = time.perf_counter()
            out.backward(dout)
            return (time.perf_counter() - start) * 1e3

        fwd = median_ms(forward, repeats)
        backward_only()
        bwd = sorted(backward_only() for _ in range(repeats))[repeats // 2]
        flops = 4.0 * n * n * d
        print(f"{str(dtype):14s} threads={threads} forward {fwd:9.2f} ms ({flops / fwd * 1e-6:6.1f} GFLOP/s)"
              f"  backward {bwd:9.2f} ms ({2 * flops / bwd * 1e-6:6.1f} GFLOP/s)")
