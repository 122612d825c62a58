"""lagged from Python: Granger and PCMCI find the links of a simulated VAR; the transformer's
attribution is seeded and the same for any thread count."""

import numpy as np
import pytest

import causalattn

# x0(t-1) -> x1(t), x1(t-2) -> x2(t); every variable also depends on its own past.
TRUE_LINKS = {(0, 1, 1), (1, 2, 2)}  # (source, target, lag)


@pytest.fixture(scope="module")
def var_series():
    rng = np.random.default_rng(20261206)
    length, p = 800, 3
    x = np.zeros((length, p))
    for t in range(2, length):
        x[t, 0] = 0.5 * x[t - 1, 0] + rng.normal()
        x[t, 1] = 0.4 * x[t - 1, 1] + 0.8 * x[t - 1, 0] + rng.normal()
        x[t, 2] = 0.3 * x[t - 1, 2] + 0.7 * x[t - 2, 1] + rng.normal()
    return x


@pytest.mark.parametrize("method", ["granger", "pcmci"])
def test_tests_find_the_var_links(var_series, method):
    result = causalattn.lagged(var_series, 2, method=method, names=["a", "b", "c"])
    assert result.method == method and result.names == ["a", "b", "c"]
    assert result.scores.shape == (2, 3, 3) and result.p_values.shape == (2, 3, 3)
    np.testing.assert_array_equal(result.summary, result.scores.max(axis=0))
    for source, target, lag in TRUE_LINKS:
        assert result.p_values[lag - 1, source, target] < 1e-6
    cross = [(s, t) for s in range(3) for t in range(3) if s != t and (s, t) not in {(0, 1), (1, 2)}]
    if method == "pcmci":  # MCI p-values per lag: the absent cross links are not significant
        for s, t in cross:
            assert result.p_values[:, s, t].min() > 1e-3
    # the summary graph: p < alpha at each pair's strongest lag, the true links at their lags
    assert result.rule == "p < 0.05"
    np.testing.assert_array_equal(result.graph, (result.summary_p_values < 0.05).astype(float))
    for source, target, lag in TRUE_LINKS:
        assert result.graph[source, target] == 1 and result.lag[source, target] == lag
    assert result.summary_p_values[1, 2] == result.p_values[1, 1, 2]
    strict = causalattn.lagged(var_series, 2, method=method, alpha=1e-12)
    assert strict.rule == "p < 1e-12"
    np.testing.assert_array_equal(strict.graph, (result.summary_p_values < 1e-12).astype(float))


def test_transformer_is_seeded_and_thread_count_invariant(var_series):
    x = var_series[:300]
    one = causalattn.lagged(x, 2, epochs=3, seed=5, threads=1)
    two = causalattn.lagged(x, 2, epochs=3, seed=5, threads=2)
    assert one.method == "transformer" and one.p_values is None
    assert one.scores.shape == (2, 3, 3) and np.isfinite(one.scores).all()
    np.testing.assert_array_equal(one.scores, two.scores)
    assert one.summary_p_values is None and one.rule == "score >= half the target's strongest"
    np.testing.assert_array_equal(one.graph, (one.summary >= 0.5 * one.summary.max(axis=0)).astype(float))
    top = causalattn.lagged(x, 2, epochs=3, seed=5, threads=1, top_k=1)
    np.testing.assert_array_equal(top.graph.sum(axis=0), [1, 1, 1])
    assert top.graph[one.summary.argmax(axis=0), [0, 1, 2]].tolist() == [1, 1, 1]


@pytest.mark.parametrize("kwargs, words", [
    ({"method": "var"}, "method: is 'var'"), ({"epochs": -1}, "epochs: is -1"),
    ({"names": ["a"]}, "names: has 1 entries for 3"), ({"alpha": 0}, "alpha: is 0"),
    ({"top_k": 1, "threshold": 0.5}, "top_k: is set together with a threshold; give one rule"),
    ({"top_k": 4}, "top_k: is 4"), ({"alpha": 0.01}, "alpha: applies to method pcmci and granger"),
    ({"alpha": 0.01, "top_k": 1, "method": "granger"}, "alpha: is set together with threshold or top_k"),
    ({"threshold": float("nan"), "method": "granger"}, "threshold: is NaN"),
])
def test_bad_options(var_series, kwargs, words):
    with pytest.raises(ValueError, match=words):
        causalattn.lagged(var_series, 2, **kwargs)


def test_bad_series(var_series):
    with pytest.raises(ValueError, match="max_lag: is 0"):
        causalattn.lagged(var_series, 0, method="granger")
    bad = var_series.copy()
    bad[5, 1] = np.inf
    with pytest.raises(ValueError, match="row 5"):
        causalattn.lagged(bad, 2, method="granger")
    with pytest.raises(ValueError, match="x: has 1 dimensions"):
        causalattn.lagged(var_series[:, 0], 2, method="pcmci")
