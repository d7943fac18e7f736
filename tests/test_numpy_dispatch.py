"""NumPy's functions applied to tensors keep NumPy's meaning (__array_function__), with the
gradient recorded where the tensor requires grad; gg.X / t.X() keep PyTorch's. Each difference
between the two libraries' names is pinned: np.X(t) against NumPy, gg.X(t) against PyTorch."""
import numpy as np
import pytest

import graphgrad as gg

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4))
V = RNG.normal(size=4)

#: (name, call) applied to the same operands as ndarrays and as tensors.
CALLS = [
    ("std", lambda a: np.std(a)), ("std axis ddof", lambda a: np.std(a, axis=0, ddof=1)),
    ("var", lambda a: np.var(a, axis=1, keepdims=True)), ("mean", lambda a: np.mean(a, 0)),
    ("sum", lambda a: np.sum(a, axis=(0, 1))), ("sum keepdims", lambda a: np.sum(a, 1, None,
                                                                                 None, True)),
    ("prod", lambda a: np.prod(a, axis=1)), ("max", lambda a: np.max(a, 0)),
    ("amin", lambda a: np.amin(a, axis=1, keepdims=True)), ("min", lambda a: np.min(a)),
    ("transpose", lambda a: np.transpose(a)),
    ("transpose axes", lambda a: np.transpose(a, (1, 0))),
    ("reshape", lambda a: np.reshape(a, (2, -1))), ("ravel", lambda a: np.ravel(a)),
    ("squeeze", lambda a: np.squeeze(np.reshape(a, (1, 3, 4)))),
    ("expand_dims", lambda a: np.expand_dims(a, (0, 3))),
    ("swapaxes", lambda a: np.swapaxes(a, 0, 1)),
    ("moveaxis", lambda a: np.moveaxis(np.reshape(a, (3, 2, 2)), 0, -1)),
    ("concatenate", lambda a: np.concatenate([a, a * 2], axis=1)),
    ("concatenate None", lambda a: np.concatenate([a, a], axis=None)),
    ("stack", lambda a: np.stack([a, a + 1], axis=-1)), ("vstack", lambda a: np.vstack([a, a])),
    ("hstack", lambda a: np.hstack([a, a])),
    ("split", lambda a: np.split(a, [1, 3], axis=1)), ("split equal", lambda a: np.split(a, 3)),
    ("array_split", lambda a: np.array_split(a, 3, axis=1)),
    ("where", lambda a: np.where(a > 0, a, a * a)), ("clip", lambda a: np.clip(a, -0.5, 0.5)),
    ("clip one side", lambda a: np.clip(a, None, 0.2)),
    ("dot", lambda a: np.dot(a, np.transpose(a))), ("dot scalar", lambda a: np.dot(a, 2.0)),
    ("matmul", lambda a: np.matmul(a, np.transpose(a))), ("outer", lambda a: np.outer(a, a)),
    ("cumsum", lambda a: np.cumsum(a, axis=1)), ("cumsum flat", lambda a: np.cumsum(a)),
    ("cumprod", lambda a: np.cumprod(a, 0)), ("norm", lambda a: np.linalg.norm(a)),
    ("norm axis", lambda a: np.linalg.norm(a, axis=1)),
    ("norm 1", lambda a: np.linalg.norm(a, 1, 0)),
    ("norm inf", lambda a: np.linalg.norm(a, np.inf, axis=1, keepdims=True)),
    ("norm fro", lambda a: np.linalg.norm(a, "fro", axis=(0, 1))),
    ("trace", lambda a: np.trace(a)), ("flip", lambda a: np.flip(a, 1)),
    ("round", lambda a: np.round(a, 1)), ("copy", lambda a: np.copy(a)),
    ("broadcast_to", lambda a: np.broadcast_to(a, (2, 3, 4))),
]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


@pytest.mark.parametrize("name", [name for name, _ in CALLS])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_numpy_functions_keep_numpy_meaning_on_tensors(name, requires_grad):
    call = dict(CALLS)[name]
    expected = _as_list(call(A))
    x = gg.tensor(A, requires_grad=requires_grad)
    got = _as_list(call(x))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert isinstance(g, gg.Tensor), name
        np.testing.assert_allclose(g.detach().numpy(), e, rtol=1e-13, err_msg=name)
        assert g.detach().numpy().shape == np.shape(e) and g.dtype == np.result_type(e), name
        assert g.requires_grad == requires_grad, name


@pytest.mark.parametrize("name", [name for name, _ in CALLS if name != "round"])
def test_numpy_functions_record_the_gradient(name):
    """∂/∂A of Σ w ⊙ np.f(A), against central differences of NumPy's own f."""
    call = dict(CALLS)[name]
    x = gg.tensor(A, requires_grad=True)
    outs = _as_list(call(x))
    weights = [RNG.normal(size=o.shape) for o in outs]
    sum(((o * w).sum() for o, w in zip(outs, weights)), gg.tensor(0.0, dtype=gg.float64)).backward()

    def f(a):
        return sum(float(np.sum(np.asarray(o) * w)) for o, w in zip(_as_list(call(a)), weights))
    numeric = np.zeros_like(A)
    for i in np.ndindex(A.shape):
        step = np.zeros_like(A)
        step[i] = 1e-6
        numeric[i] = (f(A + step) - f(A - step)) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-5, atol=1e-7, err_msg=name)


def test_numpy_names_and_pytorch_names_differ_as_each_library_says(torch):
    """np.X(t) is NumPy's X, gg.X(t) / t.X() PyTorch's X: std's ddof, transpose's axes,
    max's (values, indices), split's sizes, dot's vectors."""
    x, xt = gg.tensor(A), torch.tensor(A)
    np.testing.assert_allclose(np.std(x).numpy(), np.std(A), rtol=1e-14)             # ddof=0
    np.testing.assert_allclose(gg.std(x).numpy(), torch.std(xt).numpy(), rtol=1e-14)  # ddof=1
    assert not np.isclose(np.std(A), torch.std(xt).item())
    np.testing.assert_array_equal(np.transpose(x).numpy(), A.T)
    np.testing.assert_array_equal(x.transpose(0, 1).numpy(), xt.transpose(0, 1).numpy())
    np.testing.assert_array_equal(np.max(x, 0).numpy(), A.max(0))                    # values
    values, indices = gg.max(x, 0)
    np.testing.assert_array_equal(values.numpy(), torch.max(xt, 0).values.numpy())
    np.testing.assert_array_equal(indices.numpy(), torch.max(xt, 0).indices.numpy())
    assert [p.shape for p in np.split(x, [1])] == [(1, 4), (2, 4)]                   # cut at 1
    assert [p.shape for p in gg.split(x, 1)] == [tuple(p.shape) for p in torch.split(xt, 1)]
    np.testing.assert_allclose(np.dot(x, x.T).numpy(), A @ A.T, rtol=1e-14)
    v, vt = gg.tensor(V), torch.tensor(V)
    np.testing.assert_allclose(gg.dot(v, v).numpy(), torch.dot(vt, vt).numpy(), rtol=1e-14)
    np.testing.assert_allclose(np.var(x, ddof=1).numpy(), torch.var(xt).numpy(), rtol=1e-14)


def test_out_writes_into_an_ndarray_as_numpy_does():
    for requires_grad in (False, True):
        x = gg.tensor(A, requires_grad=requires_grad)
        out = np.empty(4)
        result = np.sum(x, axis=0, out=out)
        assert result is out
        np.testing.assert_allclose(out, A.sum(0), rtol=1e-14)
        out2 = np.zeros((3, 4))
        assert np.clip(x, -0.1, 0.1, out=out2) is out2
        np.testing.assert_array_equal(out2, np.clip(A, -0.1, 0.1))


def test_functions_without_a_gradient_run_on_the_data():
    x = gg.tensor(A, requires_grad=True)
    assert np.shape(x) == A.shape and np.ndim(x) == 2 and np.size(x) == 12
    assert np.result_type(x) == np.float64
    assert np.argmax(x).item() == np.argmax(A) and np.allclose(x, A)
    np.testing.assert_array_equal(np.argsort(x, axis=1).numpy(), np.argsort(A, axis=1))
    assert isinstance(np.zeros_like(x), gg.Tensor) and not np.zeros_like(x).requires_grad
    np.testing.assert_array_equal(np.nonzero(x > 0)[0].numpy(), np.nonzero(A > 0)[0])
    assert np.isclose(x, A).all()


def test_unmapped_functions_refuse_tensors_that_require_grad():
    x = gg.tensor(A, requires_grad=True)
    for call in (lambda: np.sort(x), lambda: np.diff(x), lambda: np.einsum("ij->i", x),
                 lambda: np.median(x)):
        with pytest.raises(TypeError, match="no differentiable counterpart in graphgrad"):
            call()
    with pytest.raises(TypeError, match="where= is not differentiable"):
        np.sum(x, where=A > 0)
    plain = gg.tensor(A)                  # no gradient to lose: NumPy computes
    np.testing.assert_array_equal(np.sort(plain).numpy(), np.sort(A))
    np.testing.assert_array_equal(np.diff(plain).numpy(), np.diff(A))
    with gg.no_grad():
        np.testing.assert_array_equal(np.sort(x).numpy(), np.sort(A))


def test_forward_mode_goes_through_numpy_functions():
    direction = RNG.normal(size=A.shape)
    _, tangent = gg.jvp(lambda a: np.std(a, axis=0), (gg.tensor(A),), (gg.tensor(direction),))
    eps = 1e-6
    numeric = (np.std(A + eps * direction, axis=0) - np.std(A - eps * direction, axis=0)) / 2 / eps
    np.testing.assert_allclose(tangent.numpy(), numeric, rtol=1e-6)
