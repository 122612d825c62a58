#!/usr/bin/env python3
"""Peer for our KCI test and CD-NOD: causal-learn's KCI (`CIT(data, "kci")`, its defaults: empirical
kernel widths, gamma approximation of the null) and `cdnod`, single-threaded, wall time of the call.

What it measures:
  - conditional KCI  `CIT(data, "kci")(0, 1, [2, 3])` and unconditional `CIT(data, "kci")(0, 1)` on
    our own seeded data, n in {400, 1000}: z1, z2 ~ N(0,1); x = sin(z1) + 0.3 z2^2 + 0.5 e;
    y = cos(z1) - 0.4 z2 + 0.5 e' (x independent of y given z1, z2; dependent marginally).
    A fresh CIT object per repetition (so its p-value cache never hits); only the call is timed.
    Median of 5 repetitions at n=400, 3 at n=1000. The data are written to /tmp/kci_peer_n{n}.csv
    (header x,y,z1,z2, full precision) so the C++ side can time the same rows.
  - `cdnod(data[:, :5], data[:, 5:6], 0.05, "kci", True, 0, -1)` on cdnod_k4.csv (1000 rows, 4 domains)
    from examples/data/causal-learn/kci/ or the shared data folder: one run, its time and cg.G.graph.
BLAS threads are pinned to 1 (OMP/OPENBLAS/MKL_NUM_THREADS set before numpy is imported).

causal-learn is not vendored; point PYTHONPATH at a checkout of it. Needs Debian's python3-numpy,
python3-scipy, python3-sklearn, python3-networkx, python3-pandas, python3-tqdm (and libopenblas0-pthread,
else numpy runs on the reference BLAS). causal-learn's cit.py imports momentchi2 (used only by RCIT),
which Debian lacks: if it is missing a stub that raises is put in its place.
Run:  PYTHONPATH=/tmp/causal-learn /usr/bin/python3 benchmarks/peers/kci_causal_learn.py [seed]
"""
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import causal_learn_env  # noqa: F401  (one BLAS thread, momentchi2 stub; before numpy)
import numpy as np
import scipy

from causallearn.search.ConstraintBased.CDNOD import cdnod
from causallearn.utils.cit import CIT

SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 7301
REPEATS = {400: 5, 1000: 3}
REPO = Path(__file__).resolve().parents[2]


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown BLAS"
    libs = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} thread(s))"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return ", ".join(libs) or "reference BLAS (no threadpoolctl-visible BLAS)"


def make_data(n, rng):
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    x = np.sin(z1) + 0.3 * z2 ** 2 + 0.5 * rng.standard_normal(n)
    y = np.cos(z1) - 0.4 * z2 + 0.5 * rng.standard_normal(n)
    return np.column_stack([x, y, z1, z2])


def time_call(data, condition_set, repeats):
    times, p = [], None
    for _ in range(repeats):
        test = CIT(data, "kci")  # fresh object: its p-value cache starts empty
        start = time.perf_counter()
        p = test(0, 1, condition_set) if condition_set else test(0, 1)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, p


def find_cdnod_data():
    for candidate in (REPO / "examples/data/causal-learn/kci/cdnod_k4.csv",
                      Path("/work/shared/data/causal-learn/kci/cdnod_k4.csv"),
                      REPO.parent / "shared/data/causal-learn/kci/cdnod_k4.csv"):
        if candidate.exists():
            return candidate
    return None


def main():
    print(f"seed {SEED}; numpy {np.__version__}, scipy {scipy.__version__}; {blas_info()}")
    rng = np.random.default_rng(SEED)
    for n in (400, 1000):
        data = make_data(n, rng)
        path = f"/tmp/kci_peer_n{n}.csv"
        np.savetxt(path, data, delimiter=",", header="x,y,z1,z2", comments="", fmt="%.17g")
        for label, cond in (("KCI x,y | z1,z2", [2, 3]), ("KCI x,y (unconditional)", None)):
            med, times, p = time_call(data, cond, REPEATS[n])
            print(f"n={n} {label}: median {med:.4f} s over {len(times)} "
                  f"[{', '.join(f'{t:.4f}' for t in times)}], p = {p:.10g}  (data {path})")

    path = find_cdnod_data()
    if path is None:
        print("cdnod: cdnod_k4.csv not found, skipped")
        return
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # its skeleton search draws a tqdm bar regardless
        cg = cdnod(data[:, :5], data[:, 5:6], 0.05, "kci", True, 0, -1, show_progress=False)
    seconds = time.perf_counter() - start
    print(f"cdnod kci on {path} ({data.shape[0]} rows): {seconds:.3f} s, 1 run; cg.G.graph:")
    for row in cg.G.graph:
        print(" ".join(str(int(v)) for v in row))
    expected = path.with_name("cdnod_k4_kci_expected.txt")
    if expected.exists():
        same = np.array_equal(np.loadtxt(expected, dtype=int), cg.G.graph.astype(int))
        print(f"matches {expected.name}: {same}")


if __name__ == "__main__":
    main()
