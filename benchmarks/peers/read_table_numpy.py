#!/usr/bin/env python3
"""Peer timing for bench_io: numpy.loadtxt (causal-learn's own loader, skiprows=1) and
numpy.genfromtxt on the same file. Prints the median of REPEATS runs in milliseconds.
Needs Debian's python3-numpy; run with /usr/bin/python3."""
import sys
import numpy as np

from timing import median_ms

path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7


print(f"numpy {np.__version__}")
print(f"numpy.loadtxt(skiprows=1) median {median_ms(lambda: np.loadtxt(path, skiprows=1), repeats, warmup=False):.2f} ms")
print(f"numpy.genfromtxt(names=True) median {median_ms(lambda: np.genfromtxt(path, names=True), repeats, warmup=False):.2f} ms")
