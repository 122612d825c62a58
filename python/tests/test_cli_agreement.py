"""The Python functions against the C++ API as the `causalattn` tool calls it: the same data file,
the same options, and numbers equal bit for bit (the tool's JSON prints every double exactly).

The tool is found at $CAUSALATTN_CLI (.ci/run points it at the -Werror build's); without that
variable the tests look in build/ci and are skipped when no tool is there."""

import json
import os
import subprocess

import numpy as np
import pytest

import causalattn
from conftest import DATA_DIR, load_table

REPO = os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("CAUSALATTN_CLI") or os.path.join(REPO, "build", "ci", "examples", "cli", "causalattn")
if "CAUSALATTN_CLI" not in os.environ and not os.path.exists(CLI):
    pytest.skip("no causalattn tool built (set CAUSALATTN_CLI)", allow_module_level=True)

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
    report = r.refute(simulations=6, seed=20261122, threads=1)
    expected = cli["refutation"]
    assert (report["estimate"], report["std_error"]) == (expected["estimate"], expected["std_error"])
    for ours, theirs in zip(report["tests"], expected["tests"], strict=True):
        assert ours["test"] == theirs["test"] and ours["estimates"].tolist() == theirs["estimates"]
        assert (ours["p_value"], ours["passed"], ours["verdict"]) == (theirs["p_value"], theirs["passed"], theirs["verdict"])


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
