"""PyTorch as the oracle for the reductions, sorts, scans and norms: one call compares a
graphgrad function with its torch counterpart on the same leaf, in values (dtype and shape
included), indices and named-tuple types, the gradient for a random seed, and forward mode
(gg.jvp against torch.func.jvp). The torch module is passed in (the conftest fixture), so this
module never imports it."""
import numpy as np

import graphgrad as gg

TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (2e-5, 2e-6)}


def as_numpy(value):
    if isinstance(value, gg.Tensor):
        return np.asarray(value.detach().numpy())
    if hasattr(value, "detach"):
        return value.detach().numpy()
    return np.asarray(value)


def _values(result):
    return result.values if isinstance(result, tuple) else result


def assert_same_result(ours, theirs, rtol, atol, what=""):
    """Values (dtype, shape, numbers, NaN where torch has NaN) and, for (values, indices)
    named tuples, the type's name, the fields and the indices exactly."""
    if isinstance(theirs, tuple):
        assert type(ours).__name__ == type(theirs).__name__.split(".")[-1], (ours, theirs)
        assert ours._fields == ("values", "indices")
        a, b = as_numpy(ours.indices), as_numpy(theirs.indices)
        assert a.dtype == np.int64 and a.shape == b.shape, (what, a.dtype, a.shape, b.shape)
        np.testing.assert_array_equal(a, b, err_msg=f"{what} indices")
        assert ours[0] is ours.values and ours[1] is ours.indices
        ours, theirs = ours.values, theirs.values
    a, b = as_numpy(ours), as_numpy(theirs)
    assert a.dtype == b.dtype, (what, a.dtype, b.dtype)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} values")


def compare(torch, ours, theirs, x, dtype=np.float64, grad=True, jvp=True, indices=True,
            seed=1, what=""):
    """ours(gg leaf) against theirs(torch leaf) on x cast to dtype: values, indices (unless
    indices=False: ties may be broken differently), the gradient for a random seed and the
    forward-mode tangent for a random direction."""
    x = np.asarray(x, dtype)
    floating = x.dtype.kind == "f"
    xg = gg.tensor(x, requires_grad=floating and grad)
    xt = torch.tensor(x, requires_grad=floating and grad)
    yo, yt = ours(xg), theirs(xt)
    rtol, atol = TOLERANCES.get(as_numpy(_values(yt)).dtype, (0, 0))
    if not indices and isinstance(yt, tuple):
        yo, yt = yo.values, yt.values
    assert_same_result(yo, yt, rtol, atol, what)
    if not (floating and grad):
        return
    rng = np.random.default_rng(seed)
    vo, vt = _values(yo), _values(yt)
    seed_grad = rng.normal(size=vt.shape).astype(dtype)
    vo.backward(gg.tensor(seed_grad))
    vt.backward(torch.tensor(seed_grad))
    assert xg.grad is not None and xt.grad is not None, what
    assert xg.grad.dtype == x.dtype and xg.grad.shape == x.shape
    np.testing.assert_allclose(as_numpy(xg.grad), as_numpy(xt.grad), rtol=rtol, atol=atol,
                               err_msg=f"{what} gradient")
    if jvp:
        direction = rng.normal(size=x.shape).astype(dtype)
        _, to = gg.jvp(lambda v: _values(ours(v)), (gg.tensor(x),), (gg.tensor(direction),))
        _, tt = torch.func.jvp(lambda v: _values(theirs(v)), (torch.tensor(x),),
                               (torch.tensor(direction),))
        np.testing.assert_allclose(as_numpy(to), as_numpy(tt), rtol=rtol, atol=atol,
                                   err_msg=f"{what} forward mode")
        assert as_numpy(to).shape == tuple(tt.shape), what
