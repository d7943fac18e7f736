"""Indexing writes into tensors that take part in the graph (x[i] = v, index_put_, scatter_,
masked_fill_, ...) are recorded as PyTorch records them (CopySlices): the tensor is rebased on
`x with x[i] = v`, no gradient reaches its old value at the written places, the value gets the
gradient there, and nodes that saved the old value refuse a backward (version counter)."""
import numpy as np
import pytest

import graphgrad as gg


def _both(torch, fn, *arrays, requires_grad=True):
    """fn(lib, *leaves) in graphgrad and in torch: (outputs, leaves) of each."""
    runs = []
    for lib in (gg, torch):
        leaves = [lib.tensor(np.array(a), requires_grad=requires_grad) for a in arrays]
        runs.append((fn(lib, *leaves), leaves))
    return runs


def _np(t):
    return t.detach().numpy()


WRITES = {
    "int": lambda y, v: y.__setitem__(1, v),
    "slice and int": lambda y, v: y.__setitem__((slice(1, 3), 0), v[:2]),
    "ellipsis": lambda y, v: y.__setitem__((Ellipsis, 2), v[0]),
    "negative step": lambda y, v: y.__setitem__(slice(None, None, 2), v),
    "mask": lambda y, v: y.__setitem__(y > 1.0, v[0]),
    "integer arrays": lambda y, v: y.__setitem__(([0, 3], [2, 1]), v[:2]),
    "a number": lambda y, v: y.__setitem__(0, 2.5),
    "leading ones": lambda y, v: y.__setitem__(2, v[None]),
}


@pytest.mark.parametrize("how", sorted(WRITES))
def test_setitem_on_a_non_leaf_matches_torch(how, torch, rng):
    x0, v0, w = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))

    def run(lib):
        x, v = (lib.tensor(a, requires_grad=True) for a in (x0, v0))
        y = x * 2
        WRITES[how](y, v * 3)
        return (y * y * lib.tensor(w)).sum(), y, x, v
    ours, y, x, v = run(gg)
    theirs, yt, xt, vt = run(torch)
    np.testing.assert_allclose(_np(y), _np(yt), rtol=1e-14)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(_np(x.grad), _np(xt.grad), rtol=1e-13)
    want_v = np.zeros(3) if vt.grad is None else _np(vt.grad)
    got_v = np.zeros(3) if v.grad is None else _np(v.grad)
    np.testing.assert_allclose(got_v, want_v, rtol=1e-13)
    assert not y.is_leaf and y.requires_grad and y._version == yt._version == 1


def test_a_value_that_requires_grad_written_into_a_plain_tensor(torch):
    """out = zeros(...); out[i] = f(x): out joins the graph (a non-leaf), as in PyTorch."""
    def run(lib, x):
        out = lib.zeros(3, 2, dtype=lib.float64)
        for i in range(3):
            out[i] = x * (i + 1)
        return (out ** 2).sum(), out
    (ours, out), (theirs, out_t) = [run(lib, lib.tensor([0.5, -1.5], dtype=lib.float64,
                                                         requires_grad=True))
                                    for lib in (gg, torch)]
    assert not out.is_leaf and out.requires_grad and out_t.requires_grad
    g = gg.gradients(ours, [out])[0]
    gt = torch.autograd.grad(theirs, [out_t])[0]
    np.testing.assert_allclose(_np(g), _np(gt))


def test_gradients_of_a_loop_of_writes_match_torch(torch):
    results = []
    for lib in (gg, torch):
        x = lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)
        out = lib.zeros(3, 2, dtype=lib.float64)
        for i in range(3):
            out[i] = lib.sin(x * (i + 1))
        out[1, 0] = 7.0                                   # overwritten: no gradient through it
        (out ** 2).sum().backward()
        results.append((_np(out), _np(x.grad)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-14)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-13)


def test_a_saved_value_changed_by_setitem_is_caught_as_in_torch(torch):
    for lib, error in ((gg, gg.InplaceError), (torch, RuntimeError)):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * y                          # saves y
        y[0] = 5.0
        with pytest.raises(error, match="modified"):
            z.sum().backward()
        y = lib.exp(x)                     # exp saves its output, which is y's memory
        y[1] = 0.0
        with pytest.raises(error, match="modified"):
            y.sum().backward()
        y = x * 2
        z = y + 1                          # add saves nothing: allowed in both
        y[0] = 5.0
        (z.sum() + y.sum()).backward()
        np.testing.assert_array_equal(_np(x.grad), [2.0, 4.0])


def test_what_stays_refused_and_what_stays_plain():
    leaf = gg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(gg.InplaceError, match="leaf Variable"):
        leaf[0] = 3.0                                      # PyTorch's error
    with gg.no_grad():
        leaf[0] = 3.0
    assert leaf.tolist() == [3.0, 2.0] and leaf.is_leaf and leaf._version == 1
    y = leaf * 2
    view = y[0:1]                                          # y has a view: it sees the write
    y[0] = 5.0
    assert view.tolist() == [5.0] and view.grad_fn.name() == "AsStridedBackward0"
    plain = gg.zeros(2, 2)
    plain[0] = gg.tensor([1.0, 2.0])                       # nothing requires grad: plain write
    assert plain.is_leaf and not plain.requires_grad and plain._version == 1


def test_setitem_in_forward_mode_and_second_order(torch):
    """jvp through a write, and the Hessian of a function that writes, against torch.func."""
    def f(lib, x):
        y = x * x
        y[1] = lib.sin(x[0]) * x[2]
        y[lib.tensor([0, 2])] = y[lib.tensor([2, 0])] * 3.0
        return (y * y).sum()
    x0, t0 = np.array([0.3, -1.2, 0.8]), np.array([1.0, 0.5, -2.0])
    _, ours = gg.jvp(lambda x: f(gg, x), [gg.tensor(x0)], [gg.tensor(t0)])
    _, theirs = torch.func.jvp(lambda x: f(torch, x), (torch.tensor(x0),), (torch.tensor(t0),))
    np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-13)
    h = gg.hessian(lambda x: f(gg, x))(gg.tensor(x0))
    ht = torch.autograd.functional.hessian(lambda x: f(torch, x), torch.tensor(x0))
    np.testing.assert_allclose(_np(h), _np(ht), rtol=1e-12, atol=1e-14)


def test_value_dtypes_follow_torch(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)        # float32
        v = lib.tensor(4.0, dtype=lib.float64, requires_grad=True)
        y = x * 1
        y[0] = v * 2
        y.sum().backward()
        assert y.dtype == x.dtype and v.grad.dtype == v.dtype
        assert float(v.grad) == 2.0
        ints = lib.zeros(3, dtype=lib.int64)
        ints[1] = v * 1.1                                           # truncated, no gradient
        assert ints.tolist() == [0, 4, 0] and not ints.requires_grad


@pytest.mark.parametrize("name,args", [
    ("masked_fill_", lambda lib: (lib.tensor([[True, False, True]] * 4), "v0")),
    ("index_fill_", lambda lib: (1, lib.tensor([0, 2]), "v0")),
    ("index_add_", lambda lib: (0, lib.tensor([0, 2, 0]), "V")),
    ("scatter_", lambda lib: (0, lib.tensor([[1, 0, 3]]), "V1")),
    ("scatter_add_", lambda lib: (0, lib.tensor([[1, 0, 1], [3, 0, 1]]), "V2")),
])
def test_the_other_in_place_writes_are_recorded(name, args, torch, rng):
    x0, v0, w = rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), rng.normal(size=(4, 3))
    results = []
    for lib in (gg, torch):
        x = lib.tensor(x0, requires_grad=True)
        v = lib.tensor(v0, requires_grad=True)
        values = {"v0": v[0, 0], "V": v, "V1": v[:1], "V2": v[:2]}
        y = lib.sin(x)                     # sin saves its input, not y
        call = [values.get(a, a) if isinstance(a, str) else a for a in args(lib)]
        assert getattr(y, name)(*call) is y
        (y * lib.tensor(w)).sum().backward()
        results.append([_np(y), _np(x.grad), _np(v.grad)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
