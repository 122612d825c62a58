#!/usr/bin/env python3
"""Calibration of causal-learn's own KCI (`CIT(data, "kci")`, its defaults) in the cells of
tests/calibration/ci_test_calibration_test.cpp, on the same models drawn with numpy (seeded per
draw; numpy's streams, not the C++ test's, so the draws differ and only the distributions agree):
  - independent:  x ~ N(0, 1), y ~ U(-2, 2) (z ~ N(0, 1) unused), x _||_ y;
  - given z:      z ~ N(0, 1), x = sin z + 0.5 e1, y = exp(-z^2 / 2) + 0.5 e2, x _||_ y | z.
For each cell it prints the Kolmogorov-Smirnov p-value of the p-values against U(0, 1), the share
rejected at 0.05 and the share above 0.9 (10% under uniformity). This measures the peer, not us:
our KCI equals causal-learn's p-values (tests/discovery/kci_test.cpp), so a cell causal-learn fails
is one a KCI equal to it must fail too.

Run:  PYTHONPATH=/tmp/causal-learn /usr/bin/python3 benchmarks/peers/kci_calibration_causal_learn.py [draws] [n]
(defaults 1000 draws, n = 200; causal-learn as in kci_causal_learn.py: not vendored.)
"""
import sys

import causal_learn_env  # noqa: F401  (one BLAS thread, momentchi2 stub; before numpy)
import numpy as np
from scipy import stats

from causallearn.utils.cit import CIT

DRAWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200


def independent(n, rng):
    return np.column_stack([rng.standard_normal(n), rng.uniform(-2, 2, n), rng.standard_normal(n)])


def nonlinear_fork(n, rng):
    z = rng.standard_normal(n)
    x = np.sin(z) + 0.5 * rng.standard_normal(n)
    y = np.exp(-z * z / 2) + 0.5 * rng.standard_normal(n)
    return np.column_stack([x, y, z])


for name, generate, condition, base in (("x _||_ y", independent, [], 700000),
                                        ("x _||_ y | z (nonlinear in z)", nonlinear_fork, [2], 800000)):
    p = np.empty(DRAWS)
    for r in range(DRAWS):
        data = generate(N, np.random.default_rng(base + r))
        p[r] = CIT(data, "kci")(0, 1, condition)
    ks = stats.kstest(p, "uniform").pvalue
    print(f"causal-learn KCI, {name}, n = {N}, {DRAWS} draws, seeds {base}..{base + DRAWS - 1}: "
          f"KS p {ks:.2g}, rejected at 0.05 {np.mean(p <= 0.05):.3f}, above 0.9 {np.mean(p > 0.9):.3f}")
