"""causalattn: causal discovery, treatment effects and lagged causal graphs, from Python.

A thin layer over the C++ headers of the same name: NumPy arrays in (float64 or float32, any
layout, read in place where the C++ code can), NumPy arrays and plain Python
objects out, the GIL released while the C++ code runs. Errors: invalid input raises ValueError
with the C++ message (it names the argument), a numerical failure ArithmeticError, an exceeded
time budget TimeoutError.

    >>> import numpy as np, causalattn
    >>> result = causalattn.pc(np.loadtxt("data.txt", skiprows=1), alpha=0.05)
    >>> result.graph          # causal-learn's endpoint matrix (cg.G.graph)
"""

import os as _os

from ._causalattn import (AttentionGraph, DiscoveryResult, EffectEstimate, HeadConsensus, LaggedResult, __version__,
                          _ate, attention_graph, cdnod, fci, lagged, pc)

__all__ = ["AttentionGraph", "DiscoveryResult", "EffectEstimate", "HeadConsensus", "LaggedResult", "__version__", "ate",
           "attention_graph", "cdnod", "fci", "lagged", "pc"]

_MODEL = _os.path.join(_os.path.dirname(__file__), "models", "cina_zs_default.bin")


def ate(data=None, *, X=None, t=None, y=None, covariates=None, treatment=None, outcome=None, **options):
    """The effect of a binary treatment t on an outcome y given covariates X.

    Pass arrays (X: n x p, float64 or float32; t: n values 0/1; y: n values; covariates=[...]
    optionally names X's columns, default x0, x1, ...), or a pandas DataFrame `data` with column
    names: treatment="t", outcome="y", covariates=[...] (default: every other column).

    Options (keyword, the C++ defaults): method="aipw" (naive, ols, ipw, aipw, ebal, balance,
    cina, cina-zs), estimand="ate" or "att", confidence=0.95, ridge=0.0, clip=0.0, trim=0.0,
    folds=1, bootstrap=0, seed=20261122, threads=0 (results never depend on it). method="cina-zs"
    uses the model shipped with the package unless model_path is given.

    Returns an EffectEstimate: .estimate, .std_error, .ci, .weights (None for regression and AIPW),
    .diagnostics (balance, effective sample sizes, overlap), .warnings, .covariates; and
    .sensitivity() (omitted-variable bounds, E-values) and .refute() (placebo, random common
    cause, data subset, dummy outcome). Raises ValueError naming a bad argument.

    >>> causalattn.ate(X=x, t=t, y=y, method="ebal").ci
    """
    if data is not None:
        if treatment is None or outcome is None:
            raise ValueError("causalattn: treatment, outcome: name the columns of data to use")
        columns = list(data.columns)
        for name in [treatment, outcome] + list(covariates or []):
            if name not in columns:
                raise ValueError(f"causalattn: data: has no column {name!r}")
        if covariates is None:
            covariates = [c for c in columns if c not in (treatment, outcome)]
        X = data[list(covariates)].to_numpy(dtype="float64")
        t, y = data[treatment].to_numpy(), data[outcome].to_numpy()
    if X is None or t is None or y is None:
        raise ValueError("causalattn: X, t, y: pass all three arrays, or data with column names")
    if options.get("method") == "cina-zs" and "model_path" not in options:
        options["model_path"] = _MODEL
    return _ate(X, t, y, names=None if covariates is None else [str(c) for c in covariates], **options)


def _to_networkx(self):
    """The graph as a networkx.DiGraph: i -> j for a tail-arrow edge, both directions for the other
    kinds, each edge carrying its marks ("mark_at_source", "mark_at_target": tail, arrow, circle).
    Needs networkx."""
    import networkx

    marks = {-1: "tail", 1: "arrow", 2: "circle"}
    graph = networkx.DiGraph()
    graph.add_nodes_from(self.names)
    m = self.graph
    for i in range(len(self.names)):
        for j in range(len(self.names)):
            if i == j or m[i, j] == 0:
                continue
            if m[i, j] == -1 and m[j, i] == 1:
                graph.add_edge(self.names[i], self.names[j], mark_at_source="tail", mark_at_target="arrow")
            elif not (m[i, j] == 1 and m[j, i] == -1):
                graph.add_edge(self.names[i], self.names[j], mark_at_source=marks[int(m[i, j])],
                               mark_at_target=marks[int(m[j, i])])
    return graph


DiscoveryResult.to_networkx = _to_networkx
AttentionGraph.to_networkx = _to_networkx
