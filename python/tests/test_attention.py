"""attention_graph from Python: the DAG an attention matrix encodes (A = (I - G)^-1 as a linear
SEM) comes back as its CPDAG, per head and over a [layers, heads, n, n] stack."""

import numpy as np
import pytest

import causalattn

# 0 -> 2 <- 1, 2 -> 3: the collider is identifiable, and Meek's rule 1 orients 2 -> 3.
EDGES = [(0, 2), (1, 2), (2, 3)]
CPDAG = np.array([[0, 0, -1, 0],
                  [0, 0, -1, 0],
                  [1, 1, 0, -1],
                  [0, 0, 1, 0]])


def sem_attention(edges, n, weight=1.5):
    """Row-normalised (I - G)^-1 with G[i, j] = weight of j -> i (nonnegative, so a valid attention)."""
    g = np.zeros((n, n))
    for parent, child in edges:
        g[child, parent] = weight
    a = np.linalg.inv(np.eye(n) - g)
    return a / a.sum(axis=1, keepdims=True)


def test_one_head_gives_the_dags_cpdag():
    result = causalattn.attention_graph(sem_attention(EDGES, 4), algorithm="pc", samples=1e10)
    np.testing.assert_array_equal(result.graph, CPDAG)
    assert result.names == ["T0", "T1", "T2", "T3"] and result.nodes == [0, 1, 2, 3] and result.tests > 0
    assert result.to_dot().startswith("digraph")


def test_float32_and_labels_and_chosen_nodes():
    a = sem_attention(EDGES, 4).astype(np.float32)
    result = causalattn.attention_graph(a, algorithm="pc", samples=1e10, labels=["a", "b", "c", "d"])
    np.testing.assert_array_equal(result.graph, CPDAG)
    assert result.names == ["a", "b", "c", "d"]
    # Token 2 hidden: 0 and 1 stay independent (their collider is hidden), and both reach 3 through
    # it, so FCI over 0, 1, 3 finds the collider 0 *-> 3 <-* 1.
    hidden = causalattn.attention_graph(sem_attention(EDGES, 4), nodes=[0, 1, 3], samples=1e10)
    assert hidden.nodes == [0, 1, 3] and hidden.names == ["T0", "T1", "T3"]
    m = hidden.graph
    assert m[0, 1] == 0 and m[0, 2] != 0 and m[1, 2] != 0
    assert m[2, 0] == 1 and m[2, 1] == 1  # arrowheads at T3


def test_heads_and_a_stack_use_the_deepest_layer():
    good = sem_attention(EDGES, 4)
    other = sem_attention([(0, 1), (1, 2), (2, 3)], 4)  # a chain: no collider
    heads = np.stack([good, good, other])
    consensus = causalattn.attention_graph(heads, algorithm="pc", samples=1e10)
    assert len(consensus.heads) == 3
    np.testing.assert_array_equal(consensus.heads[0].graph, CPDAG)
    frequency = consensus.edge_frequency
    assert frequency[0, 2] == pytest.approx(2 / 3) and frequency[0, 1] == pytest.approx(1 / 3)
    assert frequency[2, 3] == pytest.approx(1.0) and np.allclose(frequency, frequency.T)
    assert consensus.arrowhead_frequency[0, 2] == pytest.approx(2 / 3)  # 0 -> 2 in the two collider heads
    # A stack: the first layer is not attention at all (rows do not sum to 1); only the last is read.
    stack = np.stack([np.full((3, 4, 4), 7.0), heads])
    from_stack = causalattn.attention_graph(stack, algorithm="pc", samples=1e10)
    np.testing.assert_array_equal(from_stack.edge_frequency, consensus.edge_frequency)


@pytest.mark.parametrize("bad, words", [
    (np.full((4, 4), 0.3), "attn: row 0 sums to"),
    (np.full((4, 4), 0.25), "attn: is singular"),
    (np.zeros((2, 2, 2, 2, 2)), "attn: has 5 dimensions"),
    (np.zeros((3, 4, 5)), "attn: has heads of shape"),
    (np.eye(4, dtype=np.int64), "attn: has dtype int64"),
])
def test_bad_attention_names_attn(bad, words):
    with pytest.raises(ValueError, match=words):
        causalattn.attention_graph(bad)


def test_bad_head_is_located():
    heads = np.stack([sem_attention(EDGES, 4), np.full((4, 4), 0.3)])
    with pytest.raises(ValueError, match=r"attn\[1\]: row 0 sums to"):
        causalattn.attention_graph(heads)
    with pytest.raises(ValueError, match=r"attn\[-1, 1\]: row 0 sums to"):
        causalattn.attention_graph(np.stack([heads, heads]))
    with pytest.raises(ValueError, match="samples"):
        causalattn.attention_graph(heads[0], samples=2)


def test_bad_options():
    a = sem_attention(EDGES, 4)
    with pytest.raises(ValueError, match="algorithm: is 'ges'"):
        causalattn.attention_graph(a, algorithm="ges")
    with pytest.raises(ValueError, match="labels"):
        causalattn.attention_graph(a, labels=["x"])
    with pytest.raises(ValueError, match="nodes"):
        causalattn.attention_graph(a, nodes=[0, 9])


def test_the_python_example_runs(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import DATA_DIR

    root = os.path.join(os.path.dirname(__file__), "..", "..")
    script = os.path.join(root, "examples", "python", "attention_to_graph.py")
    out = subprocess.run([sys.executable, script, DATA_DIR], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)), cwd=tmp_path).stdout
    assert "FCI with T1 hidden" in out or "PAG of head 0" in out
    assert "digraph" in out or "edge frequency" in out
