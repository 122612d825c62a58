#!/usr/bin/env python3
"""Peer for bench_smo: scikit-learn's SVC (libsvm, shrinking on, 200 MB kernel cache) on the same
kernel balancing problem, median fit time of REPEATS runs, and the optimum compared with ours.

The problem is read from the files bench_smo writes with CAUSALATTN_SMO_DUMP=<dir> (standardised X,
T, and for each of its runs our alpha and [objective, bias, kkt_gap, iterations]: tolerance 1e-3,
and 2 lambda 1e-3 = SVC's own stopping rule, suffix _svc_tol); nothing is generated here. With
Q = (W W') o K, K the RBF Gram matrix (gamma = 1/p) and lambda = 0.1 mean diag K, ours is
    min_a a'Qa - 2 lambda 1'a  s.t.  W'a = 0, 0 <= a <= 1,
and SVC(kernel='precomputed', C=1/lambda) solves min_b 0.5 b'Qb - 1'b, W'b = 0, 0 <= b <= C. With
a = lambda b the first objective is 2 lambda^2 times the second, so the optima map onto each other:
alpha = lambda |dual_coef_| on the support vectors (0 elsewhere), and our multiplier b equals
2 lambda intercept_ (our gradient is 2 lambda times libsvm's). Both objectives are evaluated here
on the same Q. Needs Debian's python3-sklearn; run with /usr/bin/python3.
Usage: smo_sklearn.py <dump dir> [repeats]"""
import glob
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC

from timing import median_ms

directory = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
sizes = sorted(int(os.path.basename(f)[len("smo_x_"):-len(".npy")]) for f in glob.glob(os.path.join(directory, "smo_x_*.npy")))
if not sizes:
    sys.exit(f"no smo_x_<n>.npy in {directory}: run bench_smo with CAUSALATTN_SMO_DUMP={directory}")

print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, median of {repeats} fits")
for n in sizes:
    load = lambda name, run="": np.load(os.path.join(directory, f"smo_{name}_{n}{run}.npy"))
    x, t = load("x"), load("t").ravel()
    w = 2 * t - 1
    k = rbf_kernel(x, gamma=1.0 / x.shape[1])
    lam = 0.1 * np.mean(np.diag(k))
    q = np.outer(w, w) * k
    svc = SVC(kernel="precomputed", C=1 / lam, tol=1e-3)
    fit_ms = median_ms(lambda: svc.fit(k, w), repeats)
    assert np.all(np.sign(svc.dual_coef_[0]) == w[svc.support_]), "dual_coef_ = W_i beta_i expected"
    theirs = np.zeros(n)
    theirs[svc.support_] = lam * np.abs(svc.dual_coef_[0])

    def objective(a):
        return a @ q @ a - 2 * lam * a.sum()

    f_theirs = objective(theirs)
    print(f"n={n}: sklearn fit {fit_ms:.2f} ms, {svc.n_iter_[0]} iterations, {len(svc.support_)} support vectors, "
          f"objective {f_theirs:.10g}, |W'a| {abs(w @ theirs):.1e}, 2 lambda intercept_ {2 * lam * svc.intercept_[0]:.6g}")
    for run in ("", "_svc_tol"):
        if not os.path.exists(os.path.join(directory, f"smo_alpha_{n}{run}.npy")):
            continue
        ours = load("alpha", run).ravel()
        objective_cpp, bias, gap, iterations = load("result", run).ravel()
        f_ours = objective(ours)
        print(f"  ours{run or ' (tol 1e-3)'}: {iterations:.0f} iterations, kkt_gap {gap:.3g}, objective {f_ours:.10g} "
              f"(C++ {objective_cpp:.10g}), relative difference {abs(f_ours - f_theirs) / abs(f_theirs):.2e}, "
              f"max |alpha diff| {np.max(np.abs(ours - theirs)):.2e}, bias {bias:.6g}")
