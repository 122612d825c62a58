"""pc and fci from Python reproduce causal-learn's expected graphs (as the C++ API does, see
tests/discovery), for every layout and dtype NumPy can hand over."""

import numpy as np
import pytest

import causalattn
from conftest import load_matrix, load_table


def test_version_is_the_headers():
    import os
    import re

    header = os.path.join(os.path.dirname(__file__), "..", "..", "include", "causalattn", "core", "version.hpp")
    with open(header) as f:
        text = f.read()
    parts = [re.search(rf"#define CAUSALATTN_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    assert causalattn.__version__ == ".".join(parts)


@pytest.mark.parametrize("priority", [0, 1, 2, 3, 4])
def test_pc_fisherz_equals_causal_learn_for_every_priority(linear_10, priority):
    expected = load_matrix(f"causal-learn/expected/linear_10_pc_fisherz_0.05_stable_0_{priority}.txt")
    result = causalattn.pc(linear_10, alpha=0.05, uc_rule=0, uc_priority=priority)
    np.testing.assert_array_equal(result.graph, expected)


@pytest.mark.parametrize("rule", [1, 2])
def test_pc_max_p_rules_equal_causal_learn(linear_10, rule):
    expected = load_matrix(f"causal-learn/expected/linear_10_pc_fisherz_0.05_stable_{rule}_-1.txt")
    np.testing.assert_array_equal(causalattn.pc(linear_10, uc_rule=rule).graph, expected)


def test_pc_default_priority_is_the_rules_default(linear_10):
    expected = load_matrix("causal-learn/expected/linear_10_pc_fisherz_0.05_stable_0_3.txt")
    np.testing.assert_array_equal(causalattn.pc(linear_10).graph, expected)


@pytest.mark.parametrize("layout", ["C", "F", "float32", "float32F", "sliced"])
def test_pc_reads_every_layout_alike(linear_10, layout):
    base = causalattn.pc(np.asfortranarray(linear_10))  # read by columns; the others by rows, or widened
    if layout == "C":
        data = np.ascontiguousarray(linear_10)
    elif layout == "F":
        data = np.asfortranarray(linear_10)
    elif layout == "float32":  # C order: widened while read by rows
        data = linear_10.astype(np.float32)
    elif layout == "float32F":
        data = np.asfortranarray(linear_10.astype(np.float32))
    else:  # every other row of a wider array: a strided view, read in place
        wide = np.zeros((2 * linear_10.shape[0], linear_10.shape[1] + 3))
        wide[::2, 1:-2] = linear_10
        data = wide[::2, 1:-2]
        assert not data.flags.c_contiguous and not data.flags.f_contiguous
    if layout.startswith("float32"):  # float32 is widened to double on entry: the same as the rounded doubles
        base = causalattn.pc(np.asfortranarray(data, dtype=np.float64))
    result = causalattn.pc(data)
    np.testing.assert_array_equal(result.graph, base.graph)
    np.testing.assert_array_equal(result.max_p_value, base.max_p_value)
    assert result.sepsets == base.sepsets


@pytest.mark.parametrize("test, expected", [("gsq", "discrete_10_pc_gsq_0.05_stable_0_-1.txt"),
                                            ("chisq", "discrete_10_pc_chisq_0.05_stable_0_-1.txt")])
def test_pc_discrete_tests_equal_causal_learn(test, expected):
    data = load_table("causal-learn/data_discrete_10.txt")
    np.testing.assert_array_equal(causalattn.pc(data, test=test).graph, load_matrix("causal-learn/expected/" + expected))


@pytest.mark.parametrize("n", [150, 400])
def test_pc_kci_equals_causal_learn(n):
    data = load_table(f"causal-learn/kci/kci_n{n}.csv", delimiter=",")
    expected = load_matrix(f"causal-learn/kci/kci_n{n}_pc_kci_expected.txt")
    np.testing.assert_array_equal(causalattn.pc(data, test="kci", uc_priority=2).graph, expected)


def test_pc_result_carries_names_sepsets_and_dot(linear_10):
    names = [f"gene{j}" for j in range(linear_10.shape[1])]
    result = causalattn.pc(linear_10, names=names)
    assert result.names == names
    m = result.graph
    for (x, y), sepset in result.sepsets.items():
        assert x < y and m[x, y] == 0 and m[y, x] == 0
        assert x not in sepset and y not in sepset
    adjacent_pairs = sum(1 for x in range(20) for y in range(x + 1, 20) if m[x, y] != 0)
    assert adjacent_pairs + len(result.sepsets) == 20 * 19 // 2
    dot = result.to_dot()
    assert dot.startswith("digraph") and '"gene0"' in dot
    assert result.tests > 0 and "20 nodes" in repr(result)


def test_thread_count_does_not_change_the_result(linear_10):
    one, two = causalattn.pc(linear_10, threads=1), causalattn.pc(linear_10, threads=2)
    np.testing.assert_array_equal(one.graph, two.graph)
    np.testing.assert_array_equal(one.max_p_value, two.max_p_value)


def test_fci_differs_from_the_older_causal_learn_file_exactly_where_the_cpp_test_explains(linear_10):
    # The same 15 entries as tests/discovery/fci_test.cpp (the file predates causal-learn's FCI
    # fixes; examples/guides/design.md explains each): row, column, ours, the file's.
    expected = load_matrix("causal-learn/expected/linear_10_fci_fisherz_0.05.txt")
    pag = causalattn.fci(linear_10).graph
    differences = [(i, j, int(pag[i, j]), int(expected[i, j])) for i, j in zip(*np.nonzero(pag != expected))]
    assert differences == [(0, 8, 0, 2), (0, 19, 0, 2), (2, 9, 0, -1), (7, 8, 2, -1), (7, 13, 2, -1),
                           (7, 18, 2, -1), (8, 0, 0, 1), (9, 2, 0, 1), (9, 11, 2, -1), (9, 15, 2, -1),
                           (11, 9, 2, 1), (11, 14, 2, -1), (15, 9, 2, 1), (15, 19, 2, -1), (19, 0, 0, 1)]


def test_to_networkx_when_networkx_is_there(linear_10):
    networkx = pytest.importorskip("networkx")
    result = causalattn.pc(linear_10)
    graph = result.to_networkx()
    assert isinstance(graph, networkx.DiGraph) and graph.number_of_nodes() == 20
    m = result.graph
    directed = sum(1 for i in range(20) for j in range(20) if m[i, j] == -1 and m[j, i] == 1)
    undirected = sum(1 for i in range(20) for j in range(20) if m[i, j] == -1 and m[j, i] == -1)
    assert graph.number_of_edges() == directed + undirected


@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.parametrize("test", ["fisherz", "kci"])
def test_cdnod_equals_causal_learn(k, test):
    table = load_table(f"causal-learn/kci/cdnod_k{k}.csv", delimiter=",")
    expected = load_matrix(f"causal-learn/kci/cdnod_k{k}_{test}_expected.txt")
    result = causalattn.cdnod(table[:, :5], table[:, 5], test=test, names=["x0", "x1", "x2", "x3", "x4"])
    np.testing.assert_array_equal(result.graph, expected)
    assert result.names[-1] == "C"
    adjacent_to_context = [v for v in range(5) if expected[5, v] != 0]
    assert result.changing == adjacent_to_context
    assert all(expected[5, v] == -1 and expected[v, 5] == 1 for v in result.changing)  # C -> V


def test_cdnod_bad_context():
    table = load_table("causal-learn/kci/cdnod_k3.csv", delimiter=",")
    with pytest.raises(ValueError, match="context: has a single value"):
        causalattn.cdnod(table[:, :5], np.ones(len(table)))
    with pytest.raises(ValueError, match="context: is 449 x 1"):
        causalattn.cdnod(table[:, :5], table[1:, 5])
    with pytest.raises(ValueError, match="context: has 2 dimensions"):
        causalattn.cdnod(table[:, :5], table[:, 5:6])
    with pytest.raises(ValueError, match="context: has dtype"):
        causalattn.cdnod(table[:, :5], np.array(["a"] * len(table)))
    assert causalattn.pc(table[:, :5]).changing == []
