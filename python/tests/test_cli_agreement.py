"""The Python functions against the C++ API as the `causalattn` tool calls it: the same data file,
the same options, and numbers equal bit for bit (the tool's JSON prints every double exactly).

The tool is $CAUSALATTN_CLI (.ci/run points it at the -Werror build's and builds the package with
the same -O2); without that variable the tests are skipped, since a package and a tool compiled
with different flags may differ in the last bit."""

import json
import os
import subprocess

import numpy as np
import pytest

import causalattn
from conftest import DATA_DIR, load_table

CLI = os.environ.get("CAUSALATTN_CLI", "")
if not CLI:
    pytest.skip("set CAUSALATTN_CLI to a causalattn tool built with the package's flags", allow_module_level=True)

LALONDE = DATA_DIR + "/lalonde/lalonde_nsw_dw.csv"
COVARIATES = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
LORENZ = DATA_DIR + "/lorenz96/lorenz96_p6_T400.csv"


def tool(*args):
    """The tool's JSON output for `args`."""
    done = subprocess.run([CLI, *args, "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def nsw():
    table = np.genfromtxt(LALONDE, delimiter=",", names=True)
    return np.column_stack([table[c] for c in COVARIATES]), table["treat"], table["re78"]


@pytest.mark.parametrize("method, extra", [("aipw", []), ("ebal", []), ("ipw", ["--clip", "0.01"]),
                                           ("cina-zs", [])])
def test_ate_with_sensitivity_and_refutation(nsw, method, extra):
    X, t, y = nsw
    cli = tool("ate", "--data", LALONDE, "--treatment", "treat", "--outcome", "re78", "--covariates", ",".join(COVARIATES),
               "--method", method, *extra, "--sensitivity", "--benchmark", "re74,educ", "--refute", "--simulations", "6",
               "--threads", "1")
    options = {"clip": 0.01} if extra else {}
    r = causalattn.ate(X=X, t=t, y=y, method=method, covariates=COVARIATES, **options)
    assert (r.estimate, r.std_error, r.ci) == (cli["estimate"], cli["std_error"], (cli["ci_low"], cli["ci_high"]))
    for balance in ("smd_before", "smd_after"):  # the tool's JSON objects are keyed by covariate (sorted)
        assert r.diagnostics[balance].tolist() == [cli["diagnostics"][balance][c] for c in COVARIATES
                                                   if c in cli["diagnostics"][balance]]
    sensitivity = r.sensitivity(benchmarks=["re74", "educ"])
    assert sensitivity == cli["sensitivity"]
    report = r.refute(simulations=6)  # the seed, threads and budget of the estimate, as the tool's
    for test in report["tests"]:  # the tool's report: arrays as lists, no standard errors, no timing
        test["estimates"] = test["estimates"].tolist()
        del test["std_errors"]
    expected = cli["refutation"]
    assert report["seed"] == int(expected["seed"]) == 20261122
    for key in ("seed", "seconds"):
        del report[key], expected[key]
    assert report == expected


@pytest.mark.parametrize("method", ["pcmci", "granger"])
def test_lagged_tests_and_their_summary_graph(method):
    cli = tool("lagged", "--data", LORENZ, "--max-lag", "2", "--method", method, "--alpha", "0.01")
    r = causalattn.lagged(load_table("lorenz96/lorenz96_p6_T400.csv", delimiter=","), 2, method=method, alpha=0.01,
                          names=cli["nodes"])
    assert r.scores.tolist() == cli["lagged_scores"]
    assert r.summary.tolist() == cli["summary_scores"] and r.lag.tolist() == cli["summary_lag"]
    assert r.summary_p_values.tolist() == cli["summary_p_value"]
    assert r.graph.tolist() == cli["summary_graph"] and r.rule == cli["rule"] == "p < 0.01"


def test_lagged_transformer_is_the_same_training_run():
    cli = tool("lagged", "--data", LORENZ, "--max-lag", "2", "--epochs", "3", "--seed", "5")
    r = causalattn.lagged(load_table("lorenz96/lorenz96_p6_T400.csv", delimiter=","), 2, epochs=3, seed=5)
    assert r.scores.tolist() == cli["lagged_scores"] and r.graph.tolist() == cli["summary_graph"]
    assert r.rule == cli["rule"] == "score >= half the target's strongest"


def test_lagged_top_k_rule():
    cli = tool("lagged", "--data", LORENZ, "--max-lag", "2", "--method", "granger", "--top-k", "3")
    r = causalattn.lagged(load_table("lorenz96/lorenz96_p6_T400.csv", delimiter=","), 2, method="granger", top_k=3)
    assert r.graph.tolist() == cli["summary_graph"] and r.graph.sum(axis=0).tolist() == [3] * 6


MARKS = {"tail": -1, "arrow": 1, "circle": 2}


@pytest.mark.parametrize("algorithm, test", [("pc", "fisherz"), ("fci", "fisherz"), ("pc", "gsq")])
def test_discovery_graph(algorithm, test):
    relative = "causal-learn/data_discrete_10.txt" if test == "gsq" else "causal-learn/data_linear_10.txt"
    cli = tool(algorithm, "--data", DATA_DIR + "/" + relative, "--alpha", "0.05", "--test", test)
    search = causalattn.pc if algorithm == "pc" else causalattn.fci
    r = search(load_table(relative), alpha=0.05, test=test, names=cli["nodes"])
    assert len(cli["edges"]) > 10
    np.testing.assert_array_equal(r.graph, endpoint_matrix(cli))


def endpoint_matrix(cli):
    """The tool's JSON graph as causal-learn's endpoint matrix: graph[a, b] is the mark at a of edge a - b."""
    at = {name: k for k, name in enumerate(cli["nodes"])}
    out = np.zeros((len(at), len(at)), dtype=int)
    for edge in cli["edges"]:
        a, b = at[edge["from"]], at[edge["to"]]
        out[a, b], out[b, a] = MARKS[edge["mark_from"]], MARKS[edge["mark_to"]]
    return out


@pytest.mark.parametrize("algorithm", ["fci", "pc"])
def test_attention_graph(algorithm):
    path = DATA_DIR + "/attention/scm_attention.npy"
    cli = tool("attention-graph", "--attention", path, "--algorithm", algorithm)
    r = causalattn.attention_graph(np.load(path), algorithm=algorithm)
    assert r.names == cli["nodes"] and len(cli["edges"]) > 3
    np.testing.assert_array_equal(r.graph, endpoint_matrix(cli))


@pytest.mark.parametrize("test", ["fisherz", "kci"])
def test_cdnod_graph(test):
    path = DATA_DIR + "/causal-learn/kci/cdnod_k3.csv"
    cli = tool("cdnod", "--data", path, "--context", "c", "--test", test)
    table = load_table("causal-learn/kci/cdnod_k3.csv", delimiter=",")
    r = causalattn.cdnod(table[:, :5], table[:, 5], test=test, names=["x0", "x1", "x2", "x3", "x4"], context_name="c")
    assert r.names == cli["nodes"] and len(cli["edges"]) > 3
    np.testing.assert_array_equal(r.graph, endpoint_matrix(cli))
