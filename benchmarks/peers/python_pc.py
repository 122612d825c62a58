"""PC from Python beside the same call in C++ and beside causal-learn's pc, on the same arrays.

Writes a linear-Gaussian DAG sample (p = 100, n = 5000, expected degree 2, numpy seed 20261206)
and a tiny one (p = 3, n = 20) as CSV into DIR (default /tmp) for bench_pc's BM_pc_python_data,
then times causalattn.pc (alpha 0.01, uc_priority 2, one thread) on them, medians of 7 calls, and
causal-learn's pc (fisherz, alpha 0.01, stable, uc_rule 0, uc_priority 2) on the same p = 100
array when causal-learn is importable (PYTHONPATH; causal_learn_env.py pins its BLAS to one thread;
one call, it is slow). Run:

    PYTHONPATH=build/python-install:/tmp/causal-learn OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/peers/python_pc.py [DIR]
    build/bench/benchmarks/bench_pc --benchmark_filter=python_data --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
"""

import os
import statistics
import sys
import time

import numpy as np

import causalattn


def dag_sample(p, n, degree, rng):
    x = rng.normal(size=(n, p))
    for j in range(p):
        for i in range(j):
            if rng.random() < degree / (p - 1):
                x[:, j] += rng.uniform(0.5, 2.0) * rng.choice([-1, 1]) * x[:, i]
    return x


def median_seconds(call, repetitions=7):
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    rng = np.random.default_rng(20261206)
    arrays = {"p100_n5000": dag_sample(100, 5000, 2, rng), "p3_n20": dag_sample(3, 20, 2, rng)}
    for name, x in arrays.items():
        p = x.shape[1]
        np.savetxt(os.path.join(out, f"python_pc_{name}.csv"), x, delimiter=",", fmt="%.17g",
                   header=",".join(f"X{j + 1}" for j in range(p)), comments="")
    print("seed 20261206; causalattn", causalattn.__version__)
    for name, x in arrays.items():
        # the CSV round trip is exact (%.17g), so C++ reads the very same doubles
        x = np.loadtxt(os.path.join(out, f"python_pc_{name}.csv"), delimiter=",", skiprows=1)
        result = causalattn.pc(x, alpha=0.01, uc_priority=2, threads=1)
        seconds = median_seconds(lambda: causalattn.pc(x, alpha=0.01, uc_priority=2, threads=1))
        print(f"causalattn.pc {name}: median {seconds * 1e3:.4f} ms, {result.tests} tests, "
              f"{int((result.graph != 0).sum() // 2)} edges")
        arrays[name] = (x, result)
    try:
        import causal_learn_env  # noqa: F401  one BLAS thread; the momentchi2 stub
        from causallearn.search.ConstraintBased.PC import pc as cl_pc
    except ImportError:
        print("causal-learn not importable: its pc is not timed")
        return
    x, ours = arrays["p100_n5000"]
    start = time.perf_counter()
    graph = cl_pc(x, 0.01, "fisherz", True, 0, 2, show_progress=False)
    seconds = time.perf_counter() - start
    same = np.array_equal(graph.G.graph, ours.graph)
    print(f"causal-learn pc p100_n5000: {seconds:.3f} s, same graph as causalattn.pc: {same}")


if __name__ == "__main__":
    main()
