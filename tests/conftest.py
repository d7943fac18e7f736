import numpy as np
import pytest

import graphgrad as gg


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seeded():
    gg.manual_seed(0)
    yield
