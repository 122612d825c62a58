"""causalattn: causal discovery, treatment effects and lagged causal graphs, from Python.

A thin layer over the C++ headers of the same name: NumPy arrays in (float64 or float32, any
layout, not copied where the C++ code can read them in place), NumPy arrays and plain Python
objects out, the GIL released while the C++ code runs. Errors: invalid input raises ValueError
with the C++ message (it names the argument), a numerical failure ArithmeticError, an exceeded
time budget TimeoutError.

    >>> import numpy as np, causalattn
    >>> result = causalattn.pc(np.loadtxt("data.txt", skiprows=1), alpha=0.05)
    >>> result.graph          # causal-learn's endpoint matrix (cg.G.graph)
"""

from ._causalattn import DiscoveryResult, __version__, fci, pc

__all__ = ["DiscoveryResult", "__version__", "fci", "pc"]


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
