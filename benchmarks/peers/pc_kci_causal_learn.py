#!/usr/bin/env python3
"""Expected outputs for PC with KCI: causal-learn's `pc(data, 0.05, "kci")` (its defaults: stable
skeleton, uc_rule 0, uc_priority 2, empirical kernel widths, gamma null) on the bundled
examples/data/causal-learn/kci/kci_n{150,400,900}.csv, printed as causal-learn's endpoint matrix
(cg.G.graph) with the run time. The matrices are stored, with this command, as
examples/data/causal-learn/kci/kci_n{150,400,900}_pc_kci_expected.txt.

Run:  PYTHONPATH=/tmp/causal-learn /usr/bin/python3 benchmarks/peers/pc_kci_causal_learn.py OUT_DIR
(causal-learn as in kci_causal_learn.py: not vendored; momentchi2 stubbed if missing.)
"""
import contextlib
import io
import sys
import time
from pathlib import Path

if len(sys.argv) != 2:
    sys.exit("usage: pc_kci_causal_learn.py OUT_DIR (the expected matrices are written there)")

import causal_learn_env  # noqa: F401  (one BLAS thread, momentchi2 stub; before numpy)
import numpy as np

from causallearn.search.ConstraintBased.PC import pc

REPO = Path(__file__).resolve().parents[2]
out_dir = Path(sys.argv[1])
for n in (150, 400, 900):
    data = np.loadtxt(REPO / f"examples/data/causal-learn/kci/kci_n{n}.csv", delimiter=",", skiprows=1)
    start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        cg = pc(data, 0.05, "kci", show_progress=False)
    seconds = time.perf_counter() - start
    text = "\n".join(" ".join(str(int(v)) for v in row) for row in cg.G.graph) + "\n"
    (out_dir / f"kci_n{n}_pc_kci_expected.txt").write_text(text)
    print(f"n={n}: {seconds:.2f} s\n{text}")
