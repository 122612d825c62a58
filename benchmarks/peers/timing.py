"""Shared timing helper for the peer scripts: median wall time of repeated calls."""
import time


def median_ms(fn, repeats, warmup=True):
    """Median over `repeats` calls of fn(), in milliseconds (one untimed warm-up call first)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]
