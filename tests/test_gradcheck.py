"""gradcheck and numeric gradients: they pass on correct derivatives and fail, with a table of
the worst entries, on wrong ones — for small problems (full Jacobians) and large ones (random
projections)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.primitives import registry


@pytest.fixture
def wrong_cube():
    """A primitive whose backward and forward rules are off by a factor (3x² → 3.03x²)."""
    @gg.primitive(name="wrong_cube")
    def cube(x):
        return x ** 3
    cube.defelementwise(lambda v, out, x: v * 3.03 * x * x)
    yield cube
    del registry["wrong_cube"]


def test_numeric_grad_and_jacobian():
    f = lambda x: (x ** 3).sum()                                   # noqa: E731
    x = np.array([1.0, -2.0, 0.5])
    assert np.allclose(gg.numeric_grad(f, x), 3 * x ** 2, rtol=1e-8)
    (J,) = gg.numeric_jacobian(lambda x: x * x, [x])
    assert np.allclose(J, np.diag(2 * x), atol=1e-8)


def test_full_jacobian_check_passes_and_fails(wrong_cube):
    x = np.array([0.5, -1.5])
    assert gg.gradcheck(lambda x: gg.sin(x) * x, [x])
    with pytest.raises(gg.GradcheckError) as info:
        gg.gradcheck(wrong_cube, [x])
    table = str(info.value)
    assert "backward" in table and "forward" in table and "numeric" in table


def test_large_inputs_use_random_projections(wrong_cube):
    x = np.random.default_rng(0).normal(size=(60, 60))          # 3600 x 3600 Jacobian
    assert gg.gradcheck(lambda x: gg.tanh(x) @ x, [x], max_full=100)
    with pytest.raises(gg.GradcheckError, match="random projection"):
        gg.gradcheck(lambda x: wrong_cube(x).sum(axis=0), [x], max_full=100)


def test_second_order_check_catches_a_wrong_second_derivative():
    @gg.primitive(name="first_order_only")
    def square(x):
        return x * x
    try:
        # right first derivative, but written with a constant: its own derivative is lost
        square.defelementwise(
            lambda v, out, x: v * 2 * (x.detach() if isinstance(x, gg.Tensor) else x))
        x = np.array([0.3, 0.8])
        assert gg.gradcheck(square, [x])
        with pytest.raises(gg.GradcheckError, match="second order"):
            gg.gradcheck(square, [x], second_order=True)
    finally:
        del registry["first_order_only"]


def test_several_inputs_and_outputs():
    a, b = np.array([0.2, 0.4]), np.array([[1.0, -1.0], [0.5, 2.0]])
    assert gg.gradcheck(lambda a, b: (b @ a, gg.exp(a).sum()), [a, b], second_order=True)
