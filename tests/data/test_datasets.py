"""The embedded digits, the 2-D sets and standardisation."""
import numpy as np
import pytest

import graphgrad as gg


def test_embedded_digits():
    x, y = gg.data.digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.array.min() == 0 and x.array.max() == 1
    np.testing.assert_array_equal(np.bincount(y.array),
                                  [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    raw, _ = gg.data.digits(flatten=False, scale=False)
    assert raw.shape == (1797, 8, 8) and set(np.unique(raw.array)) <= set(range(17))
    # the first image is a zero: a ring of ink around an empty centre
    assert raw.array[0, 3:5, 3:5].sum() == 0 and raw.array[0, 1:7, 1:7].sum() > 200
    assert "CC BY 4.0" in gg.data.DIGITS_ATTRIBUTION


@pytest.mark.parametrize("name", sorted(gg.data.PLANAR))
def test_planar_sets_are_seeded_balanced_and_noisy(name):
    make = gg.data.PLANAR[name]
    x, y = make(n_samples=101, seed=4)
    assert x.shape == (101, 2) and x.dtype == np.float32 and y.dtype == np.int64
    again, _ = make(n_samples=101, seed=4)
    np.testing.assert_array_equal(x.array, again.array)
    other, _ = make(n_samples=101, seed=5)
    assert not np.array_equal(x.array, other.array)
    counts = np.bincount(y.array)
    assert counts.max() - counts.min() <= 1
    quiet, _ = make(n_samples=101, seed=4, noise=0.0)
    assert not np.array_equal(quiet.array, x.array)


def test_planar_geometry_without_noise():
    x, y = gg.data.xor(n_samples=200, noise=0, seed=0)
    np.testing.assert_array_equal(y.array, (x.array[:, 0] * x.array[:, 1] < 0).astype(int))
    x, y = gg.data.circles(n_samples=100, noise=0, seed=0, factor=0.3)
    radius = np.linalg.norm(x.array, axis=1)
    np.testing.assert_allclose(radius, np.where(y.array == 0, 1.0, 0.3), rtol=1e-6)
    x, y = gg.data.spirals(n_samples=90, noise=0, seed=0, n_classes=3)
    assert set(np.unique(y.array)) == {0, 1, 2} and np.linalg.norm(x.array, axis=1).max() <= 1.0001


def test_standardizer():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(500, 3))
    train[:, 2] = 5.0
    scaler = gg.data.Standardizer().fit(gg.tensor(train))
    z = scaler.transform(gg.tensor(train))
    assert isinstance(z, gg.Tensor)
    np.testing.assert_allclose(z.array[:, :2].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z.array[:, :2].std(0), 1, atol=1e-12)
    np.testing.assert_allclose(z.array[:, 2], 0)
    np.testing.assert_allclose(scaler.inverse_transform(z).array, train)
    a, b = gg.data.standardize(train[:400], train[400:])
    np.testing.assert_allclose(b, (train[400:] - train[:400].mean(0)) /
                               np.where(train[:400].std(0) < 1e-8, 1, train[:400].std(0)))
    with pytest.raises(RuntimeError, match="fit"):
        gg.data.Standardizer().transform(train)
