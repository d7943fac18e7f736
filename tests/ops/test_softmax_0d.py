"""softmax and log_softmax of a 0-d tensor (one class), as in PyTorch: 1 and 0, derivative 0
in both modes and at second order, with dim 0 or −1 (the default) and nothing else."""
import numpy as np
import pytest

import graphgrad as gg


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_zero_dimensional_softmax_matches_torch(torch, both, name, dim):
    x, tx = both.leaf(np.array(1.7), dtype=np.float64)
    kwargs = {} if dim is None else {"dim": dim}
    y = getattr(gg, name)(x, **kwargs)
    ty = getattr(torch, name)(tx, **({"dim": -1} if dim is None else kwargs))
    assert y.shape == () and ty.shape == ()
    both.assert_same(y.detach(), ty, rtol=0, atol=0)
    (y * 3).backward()
    (ty * 3).backward()
    both.assert_same(x.grad, tx.grad, rtol=0, atol=0)
    assert x.grad.item() == 0.0
    _, tangent = gg.jvp(lambda v: getattr(gg, name)(v, **kwargs), (gg.tensor(1.7),),
                        (gg.tensor(1.0),))
    _, ttangent = torch.func.jvp(lambda v: getattr(torch, name)(v, dim=kwargs.get("dim", -1)),
                                 (torch.tensor(1.7),), (torch.tensor(1.0),))
    assert tangent.item() == ttangent.item() == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_zero_dimensional_softmax_passes_gradcheck_to_second_order(name):
    assert gg.gradcheck(lambda v: getattr(gg, name)(v, axis=0), [np.array(0.4)],
                        second_order=True)
    assert gg.hessian(lambda v: getattr(gg, name)(v))(gg.tensor(0.4)).item() == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [1, -2])
def test_zero_dimensional_softmax_refuses_other_dims(torch, name, dim):
    with pytest.raises(IndexError):
        getattr(torch, name)(torch.tensor(1.0), dim)
    with pytest.raises(gg.ShapeError, match="out of range"):
        getattr(gg, name)(gg.tensor(1.0), dim=dim)


def test_other_shapes_are_unchanged(torch):
    x = np.random.default_rng(0).normal(size=(2, 3))
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1, -1):
            np.testing.assert_allclose(getattr(gg, name)(gg.tensor(x), dim=dim).numpy(),
                                       getattr(torch, name)(torch.tensor(x), dim=dim).numpy(),
                                       rtol=1e-14)
