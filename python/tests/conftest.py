import os

import numpy as np
import pytest

DATA_DIR = os.environ.get("CAUSALATTN_DATA_DIR",
                          os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data"))


def load_table(relative, delimiter=None):
    """The bundled data set `relative` (header row skipped) as float64."""
    return np.loadtxt(os.path.join(DATA_DIR, relative), skiprows=1, delimiter=delimiter)


def load_matrix(relative):
    """A bundled endpoint matrix (integers, whitespace-separated)."""
    return np.loadtxt(os.path.join(DATA_DIR, relative), dtype=np.int64, ndmin=2)


@pytest.fixture(scope="session")
def linear_10():
    return load_table("causal-learn/data_linear_10.txt")
