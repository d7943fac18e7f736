"""PyTorch as the oracle for the shape, indexing, scatter and padding operations: one call runs
a graphgrad function and its torch counterpart on the same float64 leaves and compares the
values (type, shape and dtype included), the gradient of every leaf for random seeds on every
output, and forward mode (gg.jvp against torch.func.jvp). The torch module is passed in (the
conftest fixture), so this module never imports it."""
import numpy as np

import graphgrad as gg


def as_numpy(value):
    if isinstance(value, gg.Tensor):
        return np.asarray(value.detach().numpy())
    if hasattr(value, "detach"):
        return value.detach().numpy()
    return np.asarray(value)


def outputs(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def assert_same_values(ours, theirs, rtol=1e-12, atol=1e-12, what=""):
    """One tensor, or a tuple of them as torch returns (split, chunk, meshgrid, ...)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple), (what, type(ours), "PyTorch returns a tuple")
        assert len(ours) == len(theirs), (what, len(ours), len(theirs))
    for i, (a, b) in enumerate(zip(outputs(ours), outputs(theirs))):
        a, b = as_numpy(a), as_numpy(b)
        assert a.shape == b.shape, (what, i, a.shape, b.shape)
        assert a.dtype == b.dtype, (what, i, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} output {i}")


def _leaves(torch, arrays):
    ours, theirs = [], []
    for a in arrays:
        a = np.asarray(a)
        flag = a.dtype.kind == "f"
        ours.append(gg.tensor(a.copy(), requires_grad=flag))
        theirs.append(torch.tensor(a.copy(), requires_grad=flag))
    return ours, theirs


def _is_float(tensor):
    dtype = tensor.dtype
    floating = getattr(dtype, "is_floating_point", None)     # torch's dtypes
    return floating if floating is not None else np.dtype(dtype).kind == "f"


def _float_outputs(value):
    return [o for o in outputs(value) if _is_float(o)]


def compare(torch, ours, theirs, *arrays, rtol=1e-12, atol=1e-12, forward=True, what=""):
    """ours(*gg leaves) against theirs(*torch leaves): values; the gradients of Σ_k ⟨out_k,
    w_k⟩ for random w_k; with forward, the tangents of every output for random tangents of
    the float leaves (integer arrays among the arrays are held constant), by torch.func.jvp,
    or with forward='reverse' by torch.autograd.functional.jvp (a backward of a backward:
    where torch's own forward mode is wrong, as for scatter_reduce's prod in 2.13)."""
    go, to = _leaves(torch, arrays)
    yo, yt = ours(*go), theirs(*to)
    assert_same_values(yo, yt, rtol, atol, what)
    floats = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"]
    outs_o, outs_t = _float_outputs(yo), _float_outputs(yt)
    if not floats or not outs_t or not any(o.requires_grad for o in outs_t):
        return
    rng = np.random.default_rng(5)
    seeds = [rng.normal(size=as_numpy(o).shape) for o in outs_t]
    loss_o = sum(((o * gg.tensor(s)).sum() for o, s in zip(outs_o, seeds)), gg.tensor(0.0,
                                                                                      dtype=np.float64))
    loss_t = sum((o * torch.tensor(s)).sum() for o, s in zip(outs_t, seeds) if o.requires_grad)
    loss_o.backward()
    loss_t.backward()
    for i in floats:
        a = np.zeros(np.shape(arrays[i])) if go[i].grad is None else as_numpy(go[i].grad)
        b = np.zeros(np.shape(arrays[i])) if to[i].grad is None else as_numpy(to[i].grad)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} grad of {i}")
    if forward:
        compare_jvp(torch, ours, theirs, arrays, floats, rtol, atol, what, forward)


def compare_jvp(torch, ours, theirs, arrays, floats, rtol, atol, what, mode=True):
    """gg.jvp against torch.func.jvp, the float leaves perturbed, the others constant."""
    rng = np.random.default_rng(7)
    tangents = [rng.normal(size=np.shape(arrays[i])) for i in floats]

    def bind(fn, lib_tensor, xs):
        full = [lib_tensor(np.asarray(a)) for a in arrays]
        for i, x in zip(floats, xs):
            full[i] = x
        out = fn(*full)
        return tuple(_float_outputs(out)) if isinstance(out, (tuple, list)) else out

    prim_o = [gg.tensor(np.asarray(arrays[i])) for i in floats]
    _, tan_o = gg.jvp(lambda *xs: bind(ours, gg.tensor, xs), prim_o,
                      [gg.tensor(t) for t in tangents])
    prim_t = tuple(torch.tensor(np.asarray(arrays[i])) for i in floats)
    jvp = torch.autograd.functional.jvp if mode == "reverse" else torch.func.jvp
    _, tan_t = jvp(lambda *xs: bind(theirs, torch.tensor, xs), prim_t,
                   tuple(torch.tensor(t) for t in tangents))
    for i, (a, b) in enumerate(zip(outputs(tan_o), outputs(tan_t))):
        np.testing.assert_allclose(as_numpy(a), as_numpy(b), rtol=rtol, atol=atol,
                                   err_msg=f"{what} tangent of output {i}")
