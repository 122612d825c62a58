"""ate from Python: the C++ estimators' numbers (checked against closed forms NumPy computes), their
weights and intervals, DataFrames by column name, and bad input as ValueError."""

import math

import numpy as np
import pytest

import causalattn
from conftest import DATA_DIR

LALONDE = DATA_DIR + "/lalonde/lalonde_nsw_dw.csv"


@pytest.fixture(scope="module")
def nsw():
    table = np.genfromtxt(LALONDE, delimiter=",", names=True)
    covariates = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
    X = np.column_stack([table[c] for c in covariates])
    return X, table["treat"], table["re78"]


def test_naive_is_the_difference_in_means(nsw):
    X, t, y = nsw
    r = causalattn.ate(X=X, t=t, y=y, method="naive")
    assert r.estimate == pytest.approx(y[t == 1].mean() - y[t == 0].mean(), rel=1e-12)
    # the influence-function standard error: each arm's variance with divisor n_arm
    se = math.sqrt(y[t == 1].var(ddof=0) / (t == 1).sum() + y[t == 0].var(ddof=0) / (t == 0).sum())
    assert r.std_error == pytest.approx(se, rel=1e-10)
    assert r.ci[0] < r.estimate < r.ci[1] and r.confidence == 0.95
    assert (r.n_treated, r.n_control) == (185, 260)


def test_ols_matches_numpy_least_squares_per_arm(nsw):
    X, t, y = nsw
    design = np.column_stack([np.ones(len(y)), X])
    fitted = {}
    for arm in (0, 1):
        beta, *_ = np.linalg.lstsq(design[t == arm], y[t == arm], rcond=None)
        fitted[arm] = design @ beta
    expected = (fitted[1] - fitted[0]).mean()
    assert causalattn.ate(X=X, t=t, y=y, method="ols").estimate == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("method", ["ipw", "ebal", "balance"])
def test_weights_reproduce_the_estimate_and_balance(nsw, method):
    X, t, y = nsw
    r = causalattn.ate(X=X, t=t, y=y, method=method, clip=0.01 if method == "ipw" else 0.0)
    w = r.weights
    assert w.shape == (len(y),)
    assert np.dot(w[t == 1], y[t == 1]) - np.dot(w[t == 0], y[t == 0]) == pytest.approx(r.estimate, rel=1e-9)
    assert r.diagnostics["ess_treated"] > 0 and r.diagnostics["converged"]
    if method == "ebal":  # exact balance of the means
        assert np.abs(r.diagnostics["smd_after"]).max() < 1e-6


def test_experimental_benchmark_is_recovered(nsw):
    X, t, y = nsw
    r = causalattn.ate(X=X, t=t, y=y)  # AIPW; the experiment's difference in means is $1794
    assert r.method == "aipw" and r.weights is None
    assert r.ci[0] < 1794 < r.ci[1]


def test_att_and_options_reach_the_estimator(nsw):
    X, t, y = nsw
    att = causalattn.ate(X=X, t=t, y=y, method="ebal", estimand="att")
    assert att.estimand == "att"
    wide = causalattn.ate(X=X, t=t, y=y, method="naive", confidence=0.99)
    narrow = causalattn.ate(X=X, t=t, y=y, method="naive", confidence=0.90)
    assert wide.ci[1] - wide.ci[0] > narrow.ci[1] - narrow.ci[0]
    a = causalattn.ate(X=X, t=t, y=y, method="ipw", clip=0.01, bootstrap=50, seed=3, threads=1)
    b = causalattn.ate(X=X, t=t, y=y, method="ipw", clip=0.01, bootstrap=50, seed=3, threads=2)
    assert a.std_error == b.std_error and "bootstrap" in a.std_error_method


def test_zero_shot_model_ships_with_the_package(nsw):
    X, t, y = nsw
    r = causalattn.ate(X=X, t=t, y=y, method="cina-zs")
    assert r.method == "cina-zs" and math.isfinite(r.estimate) and r.std_error > 0


def test_float32_and_integer_inputs(nsw):
    X, t, y = nsw
    base = causalattn.ate(X=X.astype(np.float32).astype(np.float64), t=t, y=y, method="ols")
    assert causalattn.ate(X=X.astype(np.float32), t=t.astype(np.int64), y=y, method="ols").estimate == base.estimate


def test_dataframe_by_column_name(nsw):
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(LALONDE)
    covariates = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
    X, t, y = nsw
    r = causalattn.ate(frame, treatment="treat", outcome="re78", covariates=covariates, method="ebal")
    assert r.estimate == causalattn.ate(X=X, t=t, y=y, method="ebal").estimate
    with pytest.raises(ValueError, match="data: has no column 'income'"):
        causalattn.ate(frame, treatment="treat", outcome="income")


@pytest.mark.parametrize("kwargs, words", [
    ({"method": "magic"}, "method"), ({"estimand": "atc"}, "estimand: is 'atc'"),
    ({"confidence": 1.5}, "causalattn: confidence: "), ({"clip": 0.7}, "causalattn: clip: "),
])
def test_bad_options(nsw, kwargs, words):
    X, t, y = nsw
    with pytest.raises(ValueError, match=words):
        causalattn.ate(X=X, t=t, y=y, **kwargs)


def test_separated_arms_raise_arithmetic_error():
    # LaLonde's PSID comparison group: one treated unit would carry most of its arm's IPW weight
    table = np.genfromtxt(DATA_DIR + "/lalonde/lalonde_dw_psid.csv", delimiter=",", names=True)
    covariates = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
    X = np.column_stack([table[c] for c in covariates])
    with pytest.raises(ArithmeticError, match="separates the arms; set options.clip"):
        causalattn.ate(X=X, t=table["treat"], y=table["re78"], method="ipw")
    clipped = causalattn.ate(X=X, t=table["treat"], y=table["re78"], method="ipw", clip=0.01)
    assert math.isfinite(clipped.estimate)


def test_bad_arrays(nsw):
    X, t, y = nsw
    with pytest.raises(ValueError, match="causalattn: t: has 441 entries"):
        causalattn.ate(X=X, t=t[4:], y=y)
    with pytest.raises(ValueError, match="X: has 1 dimensions"):
        causalattn.ate(X=X[:, 0], t=t, y=y)
    with pytest.raises(ValueError, match="t: has dtype <U1|t: has dtype"):
        causalattn.ate(X=X, t=np.array(["a"] * len(t)), y=y)
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="causalattn: y: non-finite value nan at row 3"):
        causalattn.ate(X=X, t=t, y=bad)
    with pytest.raises(ValueError, match="X, t, y"):
        causalattn.ate(X=X, t=t)


@pytest.fixture(scope="module")
def darfur():
    """Cinelli and Hazlett's Darfur design: numeric covariates, then village dummies (first level dropped)."""
    import csv
    with open(DATA_DIR + "/darfur/darfur.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    numeric = ["age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur", "female"]
    villages, village = np.unique([r["village"] for r in rows], return_inverse=True)
    dummies = np.eye(len(villages))[village][:, 1:]
    X = np.column_stack([np.array([float(r[c]) for r in rows]) for c in numeric] + [dummies])
    t = np.array([float(r["directlyharmed"]) for r in rows])
    y = np.array([float(r["peacefactor"]) for r in rows])
    return X, t, y, numeric + [f"village_{v}" for v in villages[1:]]


def test_sensitivity_reproduces_the_published_darfur_statistics(darfur):
    X, t, y, names = darfur
    r = causalattn.ate(X=X, t=t, y=y, method="ols", covariates=names)
    ovb = r.sensitivity()["omitted_variable_bias"]
    # sensemakr's print of this example, 5 decimals (Cinelli and Hazlett 2020): half a unit of the last digit
    published = {"estimate": 0.09732, "std_error": 0.02326, "t": 4.18445, "partial_r2": 0.02187, "rv_q": 0.13878,
                 "rv_q_alpha": 0.07626}
    for key, value in published.items():
        assert abs(ovb[key] - value) <= 0.5e-5, key
    assert ovb["dof"] == 783 and ovb["alpha"] == pytest.approx(0.05) and ovb["q"] == 1
    # the coefficient of T in Y ~ 1 + T + X is NumPy's least squares'
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(y)), t, X]), y, rcond=None)
    assert ovb["estimate"] == pytest.approx(beta[1], rel=1e-9)


def test_sensitivity_benchmarks_by_name_index_or_group(darfur):
    X, t, y, names = darfur
    r = causalattn.ate(X=X, t=t, y=y, method="ols", covariates=names)
    by_name = r.sensitivity(benchmarks=["female"])["omitted_variable_bias"]["bounds"]
    by_index = r.sensitivity(benchmarks=[5])["omitted_variable_bias"]["bounds"]
    by_group = r.sensitivity(benchmarks=[("female", [5])])["omitted_variable_bias"]["bounds"]
    assert by_name == by_index == by_group and [b["k"] for b in by_name] == [1, 2, 3]
    # a stronger confounder moves the estimate further towards 0
    assert by_name[0]["adjusted_estimate"] > by_name[1]["adjusted_estimate"] > by_name[2]["adjusted_estimate"]
    two = r.sensitivity(benchmarks=[("farming", ["farmer_dar", "herder_dar"])], multiples=[0.5])["omitted_variable_bias"]
    assert len(two["bounds"]) == 1 and two["bounds"][0]["benchmark"] == "farming" and two["bounds"][0]["k"] == 0.5
    with pytest.raises(ValueError, match="benchmarks: names 'income'"):
        r.sensitivity(benchmarks=["income"])
    with pytest.raises(ValueError, match="benchmarks: names column 900"):
        r.sensitivity(benchmarks=[900])
    with pytest.raises(ValueError, match="benchmarks: has an entry of type bool"):
        r.sensitivity(benchmarks=[True])
    with pytest.raises(ValueError, match="causalattn: q: is 0"):
        r.sensitivity(q=0)


def test_e_value_of_a_continuous_outcome(nsw):
    X, t, y = nsw
    r = causalattn.ate(X=X, t=t, y=y)
    e = r.sensitivity()["e_value"]
    # a continuous outcome: RR = exp(0.91 d), d = estimate / sd(Y); E = RR + sqrt(RR (RR - 1))
    rr = math.exp(0.91 * abs(r.estimate) / y.std(ddof=1))
    assert e["scale"] == "standardized difference"
    assert e["point"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)), rel=1e-6)
    assert 1 <= e["interval"] <= e["point"]


def test_refutation_placebo_and_dummy_outcome_centre_on_zero(nsw):
    X, t, y = nsw
    r = causalattn.ate(X=X, t=t, y=y, method="ols")
    report = r.refute(simulations=40, seed=11, threads=1)
    assert report["estimate"] == r.estimate and report["seed"] == 11
    tests = {test["test"]: test for test in report["tests"]}
    assert list(tests) == ["placebo-treatment", "random-common-cause", "data-subset", "dummy-outcome"]
    for name in ("placebo-treatment", "dummy-outcome"):
        estimates = tests[name]["estimates"]
        assert estimates.shape == (40,) and tests[name]["finished"] == 40
        # effects of a permuted treatment or outcome: mean within 4 standard errors of 0, far below the real effect
        assert abs(estimates.mean()) < 4 * estimates.std(ddof=1) / math.sqrt(40)
        assert np.abs(estimates).mean() < abs(r.estimate)
    # an added noise covariate barely moves OLS: the simulations straddle the estimate
    spread = tests["random-common-cause"]["estimates"]
    assert spread.min() <= r.estimate <= spread.max()
    assert r.refute(simulations=2, tests=["placebo-treatment"])["seed"] == 20261122  # the estimate's seed
    again = r.refute(simulations=40, seed=11, threads=2, tests=["dummy-outcome"])
    np.testing.assert_array_equal(again["tests"][0]["estimates"], tests["dummy-outcome"]["estimates"])
    with pytest.raises(ValueError, match="causalattn: tests: "):
        r.refute(tests=["bootstrap"])
    with pytest.raises(ValueError, match="causalattn: simulations: is 1"):
        r.refute(simulations=1)
