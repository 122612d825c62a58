"""Bad input raises ValueError naming the argument, with the C++ message; nothing crashes."""

import numpy as np
import pytest

import causalattn


@pytest.fixture
def data():
    return np.random.default_rng(5).normal(size=(50, 4))


@pytest.mark.parametrize("bad, words", [
    (np.zeros(10), "data: has 1 dimensions"),
    (np.zeros((2, 3, 4)), "data: has 3 dimensions"),
    (np.zeros((0, 3)), "data: has shape (0, 3)"),
    (np.zeros((10, 3), dtype=np.int64), "data: has dtype int64"),
    (np.zeros((10, 3), dtype=np.complex128), "data: has dtype complex128"),
])
def test_bad_arrays_name_data(bad, words):
    with pytest.raises(ValueError, match="causalattn: " + words.replace("(", r"\(").replace(")", r"\)")):
        causalattn.pc(bad)


def test_non_finite_value_is_located(data):
    data[7, 2] = np.nan
    with pytest.raises(ValueError, match="data: non-finite value nan at row 7, column 2"):
        causalattn.pc(data)
    data[7, 2] = np.inf
    with pytest.raises(ValueError, match="row 7, column 2"):
        causalattn.fci(data, test="kci")


def test_reversed_view_is_refused_with_the_fix(data):
    with pytest.raises(ValueError, match=r"data: has byte strides .*numpy.ascontiguousarray\(data\)"):
        causalattn.pc(data[::-1])


@pytest.mark.parametrize("kwargs, words", [
    ({"alpha": 0.0}, "causalattn: alpha: is 0"), ({"alpha": float("nan")}, "causalattn: alpha: is nan"),
    ({"test": "pearson"}, "test: is 'pearson'"), ({"uc_rule": 7}, "uc_rule: is 7"),
    ({"uc_priority": 9}, "causalattn: uc_priority: is 9"), ({"max_depth": -3}, "causalattn: max_depth: is -3"),
    ({"names": ["a", "b"]}, "names: has 2 entries for 4 variables"),
    ({"test": "kci", "kci_width": "wide"}, "kci_width: is 'wide'"),
])
def test_bad_options_name_the_argument(data, kwargs, words):
    with pytest.raises(ValueError, match=words):
        causalattn.pc(data, **kwargs)


def test_constant_and_duplicated_columns(data):
    data[:, 1] = 3.0
    with pytest.raises(ValueError, match="column 1"):
        causalattn.pc(data)
    data[:, 1] = data[:, 0]
    with pytest.raises(ValueError, match="data: .*perfectly correlated"):
        causalattn.pc(data)


def test_keyword_only_options(data):
    with pytest.raises(TypeError):
        causalattn.pc(data, 0.05)
