"""PyTorch as the oracle for functions of several tensors (the elementwise families, clamp,
the products, einsum): one call compares a graphgrad function with its torch counterpart on
the same leaves, in values (dtype, shape, NaN where torch has NaN), every gradient for a random
seed, the forward-mode tangent for a random direction (gg.jvp against torch.func.jvp) and,
optionally, second order (the gradient of ⟨∇f, w⟩). The torch module is passed in (the conftest
fixture), so this module never imports it."""
import numpy as np

import graphgrad as gg

TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (2e-5, 2e-6)}


def as_numpy(value):
    """A graphgrad or torch tensor (detached), or anything array-like, as an ndarray."""
    if isinstance(value, gg.Tensor):
        return np.asarray(value.detach().numpy())
    if hasattr(value, "detach"):
        return value.detach().numpy(force=True)       # force: PyTorch's zero tensors too
    return np.asarray(value)


def assert_close(ours, theirs, rtol, atol, what="", dtype=True):
    a, b = as_numpy(ours), as_numpy(theirs)
    if dtype:
        assert a.dtype == b.dtype, (what, a.dtype, b.dtype)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def leaves(torch, args, dtype):
    """(graphgrad args, torch args, positions of the float leaves): float arrays become leaves
    that require grad, in `dtype`; other arrays become tensors; numbers stay numbers."""
    ours, theirs, floats = [], [], []
    for i, a in enumerate(args):
        if isinstance(a, np.generic):
            a = np.asarray(a)
        if isinstance(a, np.ndarray):
            if a.dtype.kind == "f":
                a = a.astype(dtype)
                floats.append(i)
            ours.append(gg.tensor(a, requires_grad=a.dtype.kind == "f"))
            theirs.append(torch.tensor(a, requires_grad=a.dtype.kind == "f"))
        else:
            ours.append(a)
            theirs.append(a)
    return ours, theirs, floats


def _zeros_for_none(grads, like):
    return [np.zeros(as_numpy(x).shape) if g is None else as_numpy(g) for g, x in zip(grads, like)]


def compare(torch, ours, theirs, *args, dtype=np.float64, grad=True, jvp=True, second=False,
            tol=None, what=""):
    """ours(*gg args) against theirs(*torch args): values, gradients (None counts as zeros),
    the jvp, and with second=True the second-order vector product."""
    what = what or getattr(ours, "__name__", "")
    dtype = np.dtype(dtype)
    go, to, floats = leaves(torch, args, dtype)
    yo, yt = ours(*go), theirs(*to)
    rtol, atol = tol or TOLERANCES.get(as_numpy(yt).dtype, (0, 0))
    assert_close(yo, yt, rtol, atol, f"{what} values")
    if not (grad and floats):
        return yo
    rng = np.random.default_rng(7)
    seed = rng.normal(size=as_numpy(yt).shape).astype(as_numpy(yt).dtype)
    xo, xt = [go[i] for i in floats], [to[i] for i in floats]
    gos = gg.gradients(yo, xo, gg.tensor(seed), create_graph=second, allow_unused=True)
    gts = torch.autograd.grad(yt, xt, torch.tensor(seed), create_graph=second,
                              allow_unused=True, materialize_grads=True)
    for k, (a, b, x) in enumerate(zip(_zeros_for_none(gos, xo), gts, xo)):
        assert_close(a, b, rtol, atol, f"{what} gradient {k}", dtype=False)
        assert gos[k] is None or gos[k].dtype == x.dtype, (what, k, gos[k].dtype, x.dtype)
    if second:
        _second_order(torch, gos, gts, xo, xt, rng, rtol, atol, what)
    if jvp:
        _forward(torch, ours, theirs, go, to, floats, rng, rtol, atol, what)
    return yo


def _second_order(torch, gos, gts, xo, xt, rng, rtol, atol, what):
    ws = [rng.normal(size=as_numpy(x).shape).astype(as_numpy(x).dtype) for x in xo]
    terms_o = [(g * w).sum() for g, w in zip(gos, ws) if g is not None and g.requires_grad]
    terms_t = [(g * torch.tensor(w)).sum() for g, w in zip(gts, ws) if g.requires_grad]
    if not terms_t:
        assert not terms_o, what
        return
    ho = gg.gradients(sum(terms_o), xo, allow_unused=True) if terms_o else [None] * len(xo)
    ht = torch.autograd.grad(sum(terms_t), xt, allow_unused=True, materialize_grads=True)
    for k, (a, b) in enumerate(zip(_zeros_for_none(ho, xo), ht)):
        assert_close(a, b, rtol * 10, atol * 10, f"{what} second order {k}", dtype=False)


def _forward(torch, ours, theirs, go, to, floats, rng, rtol, atol, what):
    tangents = [rng.normal(size=as_numpy(go[i]).shape).astype(as_numpy(go[i]).dtype)
                for i in floats]

    def with_leaves(args, replaced):
        full = list(args)
        for i, x in zip(floats, replaced):
            full[i] = x
        return full

    primals_o = [go[i].detach() for i in floats]
    primals_t = [to[i].detach() for i in floats]
    _, do = gg.jvp(lambda *xs: ours(*with_leaves(go, xs)), primals_o,
                   [gg.tensor(t) for t in tangents])
    _, dt = torch.func.jvp(lambda *xs: theirs(*with_leaves(to, xs)), tuple(primals_t),
                           tuple(torch.tensor(t) for t in tangents))
    assert_close(do, dt, rtol, atol, f"{what} jvp", dtype=False)
