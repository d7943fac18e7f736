"""Values and derivatives against PyTorch 2.13 (float64): random compositions, broadcasting,
every reduction over every axis, indexing, higher order, jvp, Jacobians and Hessians."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphgrad as gg

# Every test here asks for the `both` fixture (tests/conftest.py), which also gives the torch
# module as both.torch; where torch cannot be imported each test is skipped by itself.


def check_value_and_grads(both, fn_ours, fn_theirs, *arrays, rtol=1e-12):
    """Values, and the gradients for the same seed, of fn_ours and fn_theirs on the same float64
    leaves, within rtol and atol 1e-12."""
    ours, theirs = both.leaves(*arrays, dtype=np.float64)
    yo, yt = fn_ours(*ours), fn_theirs(*theirs)
    both.assert_same(yo, yt, rtol, 1e-12)
    both.backward(yo, yt, np.random.default_rng(1).normal(size=yt.shape))
    both.assert_same_grads(ours, theirs, rtol, 1e-12)


# torch.<name> and gg.<name>: the same function in both
UNARY = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
         "abs", "neg"]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, both):
    x = np.random.default_rng(0).uniform(0.1, 1.4, (3, 4)) * np.array([1, -1, 1, -1])
    if name in ("log", "sqrt", "log1p"):
        x = np.abs(x)
    check_value_and_grads(both, getattr(gg, name), getattr(both.torch, name), x)


BINARY = {
    "add": (lambda a, b: a + b), "sub": (lambda a, b: a - b), "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / b), "pow": (lambda a, b: abs(a) ** b),
}
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1)),
          ((1,), ())]


@pytest.mark.parametrize("name,shapes", list(itertools.product(sorted(BINARY), SHAPES)))
def test_binary_with_broadcasting(name, shapes, both):
    rng = np.random.default_rng(2)
    a = rng.uniform(0.5, 2.0, shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1])
    fn = BINARY[name]
    check_value_and_grads(both, fn, fn, a, b)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_including_ties(name, both):
    a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    b = np.array([2.0, 2.0, 1.0])                       # one tie per row
    check_value_and_grads(both, getattr(gg, name), getattr(both.torch, name), a, b)


def test_where_and_clip(torch, both):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    check_value_and_grads(both, lambda x, y: gg.where(x > 0, x, y),
                          lambda x, y: torch.where(x > 0, x, y), a, b)
    check_value_and_grads(both, lambda x: gg.clip(x, -0.5, 0.5),
                          lambda x: torch.clamp(x, -0.5, 0.5), a)
    lo, hi = rng.uniform(-1, -0.2, 4), rng.uniform(0.2, 1, (3, 1))
    check_value_and_grads(both, lambda x, low, high: gg.clip(x, low, high),
                          lambda x, low, high: torch.clamp(x, low, high), a, lo, hi)


def _axes(ndim):
    axes = [None] + list(range(ndim)) + [-1]
    axes += [c for r in range(2, ndim + 1) for c in itertools.combinations(range(ndim), r)]
    return axes


REDUCTIONS = {
    "sum": (lambda x, a, k: x.sum(axis=a, keepdims=k), lambda x, a, k: x.sum(dim=a, keepdim=k)),
    "mean": (lambda x, a, k: x.mean(axis=a, keepdims=k), lambda x, a, k: x.mean(dim=a, keepdim=k)),
    "prod": (lambda x, a, k: x.prod(axis=a, keepdims=k), None),
    "amax": (lambda x, a, k: x.amax(axis=a, keepdims=k), lambda x, a, k: x.amax(dim=a, keepdim=k)),
    "amin": (lambda x, a, k: x.amin(axis=a, keepdims=k), lambda x, a, k: x.amin(dim=a, keepdim=k)),
    "var": (lambda x, a, k: x.var(axis=a, keepdims=k, ddof=1),
            lambda x, a, k: x.var(dim=a, keepdim=k)),
    "std": (lambda x, a, k: x.std(axis=a, keepdims=k, ddof=1),
            lambda x, a, k: x.std(dim=a, keepdim=k)),
    "logsumexp": (lambda x, a, k: x.logsumexp(axis=a if a is not None else tuple(range(x.ndim)),
                                              keepdims=k),
                  lambda x, a, k: x.logsumexp(dim=a if a is not None else tuple(range(x.ndim)),
                                              keepdim=k)),
}


def _torch_prod(x, axis, keepdims):
    axes = range(x.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    for a in sorted((a % x.ndim for a in axes), reverse=True):
        x = x.prod(dim=a, keepdim=keepdims)
    return x


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("keepdims", [False, True])
def test_every_reduction_over_every_axis(name, keepdims, both):
    rng = np.random.default_rng(4)
    x = rng.permutation(24).reshape(2, 3, 4) * 0.1 + 0.05   # distinct values: no ties
    ours, theirs = REDUCTIONS[name]
    theirs = theirs or _torch_prod
    for axis in _axes(3):
        check_value_and_grads(both, lambda t: ours(t, axis, keepdims),
                              lambda t: theirs(t, axis, keepdims), x, rtol=1e-10)


def test_softmax_log_softmax_extreme_values(torch, both):
    x = np.array([[1e4, -1e4, 0.0], [3.0, 2.0, 1.0]])
    for axis in (0, 1, -1):
        check_value_and_grads(both, lambda t: gg.softmax(t, axis=axis),
                              lambda t: torch.softmax(t, dim=axis), x)
        check_value_and_grads(both, lambda t: gg.log_softmax(t, axis=axis),
                              lambda t: torch.log_softmax(t, dim=axis), x)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)),
                                    ((3,), (3, 4)), ((5, 2, 3), (3, 4)),
                                    ((5, 1, 2, 3), (4, 3, 2))])
def test_matmul_all_ranks(shapes, both):
    rng = np.random.default_rng(5)
    check_value_and_grads(both, lambda a, b: a @ b, lambda a, b: a @ b,
                          rng.normal(size=shapes[0]), rng.normal(size=shapes[1]))


INDEXES = [(1,), (slice(None), 2), (Ellipsis, slice(1, None, 2)), (None, 0),
           (np.array([0, 2, 2]),), (np.array([[0], [2]]), np.array([1, 3])),
           (slice(None), np.array([3, 0, 3]))]


@pytest.mark.parametrize("index", INDEXES, ids=range(len(INDEXES)))
def test_indexing(index, torch, both):
    x = np.random.default_rng(6).normal(size=(3, 4))
    torch_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    check_value_and_grads(both, lambda t: t[index], lambda t: t[torch_index], x)


def test_boolean_indexing_and_gather(torch, both):
    x = np.random.default_rng(7).normal(size=(3, 4))
    check_value_and_grads(both, lambda t: t[t > 0], lambda t: t[t > 0], x)
    idx = np.array([[0, 0, 3], [1, 2, 2], [3, 3, 3]])
    check_value_and_grads(both, lambda t: gg.gather(t, 1, idx),
                          lambda t: torch.gather(t, 1, torch.tensor(idx)), x)
    check_value_and_grads(both, lambda t: gg.take_along_axis(t, idx[:, :1], 1),
                          lambda t: torch.take_along_dim(t, torch.tensor(idx[:, :1]), 1), x)


def test_shape_operations(torch, both):
    x = np.random.default_rng(8).normal(size=(2, 3, 4))
    cases = [
        (lambda t: t.reshape(4, 6), lambda t: t.reshape(4, 6)),
        (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
        (lambda t: t.swapaxes(0, 2), lambda t: t.transpose(0, 2)),
        (lambda t: t.flatten(1), lambda t: t.flatten(1)),
        (lambda t: t[:, :1].squeeze(1), lambda t: t[:, :1].squeeze(1)),
        (lambda t: t.unsqueeze(1), lambda t: t.unsqueeze(1)),
        (lambda t: t[:, :1].expand(2, 5, 4), lambda t: t[:, :1].expand(2, 5, 4)),
        (lambda t: gg.concatenate([t, t * 2], axis=1), lambda t: torch.cat([t, t * 2], dim=1)),
        (lambda t: gg.stack([t, t.exp()], axis=-1), lambda t: torch.stack([t, t.exp()], dim=-1)),
        (lambda t: gg.split(t, [1, 2, 1], dim=2)[1], lambda t: torch.split(t, [1, 2, 1], dim=2)[1]),
        (lambda t: gg.pad(t, ((0, 0), (1, 2), (3, 0)), value=0.5),
         lambda t: torch.nn.functional.pad(t, (3, 0, 1, 2), value=0.5)),
    ]
    for ours, theirs in cases:
        check_value_and_grads(both, ours, theirs, x)


@settings(max_examples=40, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       st.integers(0, 2 ** 16))
def test_random_compositions_with_broadcasting(torch, both, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b, c = (rng.uniform(0.5, 1.5, s) for s in shapes.input_shapes)

    def f(x, y, z, lib):
        h = lib.tanh(x * y - z) + lib.exp(-x) / (1 + y * y)
        return lib.sigmoid(h * z) * lib.sqrt(y + z) - x ** 2

    check_value_and_grads(both, lambda x, y, z: f(x, y, z, gg),
                          lambda x, y, z: f(x, y, z, torch), a, b, c, rtol=1e-11)


def test_higher_order_gradients(torch, both):
    xo, xt = both.leaf(np.array([0.3, -0.8, 1.2]), dtype=np.float64)
    go = gg.gradients((gg.sin(xo) * xo ** 3).sum(), xo, create_graph=True)[0]
    gt = torch.autograd.grad((torch.sin(xt) * xt ** 3).sum(), xt, create_graph=True)[0]
    ho = gg.gradients((go * gg.exp(xo)).sum(), xo, create_graph=True)[0]
    ht = torch.autograd.grad((gt * torch.exp(xt)).sum(), xt, create_graph=True)[0]
    both.assert_same(ho, ht, rtol=1e-12, atol=1e-12)
    both.assert_same(gg.gradients(ho.sum(), xo)[0], torch.autograd.grad(ht.sum(), xt)[0],
                     rtol=1e-12, atol=1e-12)


def test_jvp_matches_torch_func(torch, both):
    rng = np.random.default_rng(9)
    x, v = rng.normal(size=(4,)), rng.normal(size=(4,))
    A = rng.normal(size=(3, 4))
    _, ours = gg.jvp(lambda t: gg.softmax(gg.tanh(A @ t)), (x,), (v,))
    _, theirs = torch.func.jvp(lambda t: torch.softmax(torch.tanh(torch.tensor(A) @ t), -1),
                               (torch.tensor(x),), (torch.tensor(v),))
    both.assert_same(ours, theirs, rtol=1e-12, atol=1e-12)


def test_jacobian_and_hessian_match_torch_autograd_functional(torch, both):
    rng = np.random.default_rng(10)
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=(4,))
    f_ours = lambda t: gg.log_softmax(A @ gg.sin(t))                          # noqa: E731
    f_torch = lambda t: torch.log_softmax(torch.tensor(A) @ torch.sin(t), -1)  # noqa: E731
    J = torch.autograd.functional.jacobian(f_torch, torch.tensor(x))
    for mode in ("forward", "reverse"):
        both.assert_same(gg.jacobian(f_ours, x, mode=mode), J, rtol=1e-12, atol=1e-12)
    s_ours = lambda t: (gg.exp(t) * gg.cos(t.sum())).sum()                     # noqa: E731
    s_torch = lambda t: (torch.exp(t) * torch.cos(t.sum())).sum()             # noqa: E731
    both.assert_same(gg.hessian(s_ours)(x),
                     torch.autograd.functional.hessian(s_torch, torch.tensor(x)),
                     rtol=1e-12, atol=1e-12)


def test_hessian_of_a_small_mlp_loss(torch, both):
    """The Hessian of a 2-layer tanh MLP's cross-entropy loss w.r.t. all its weights, flattened."""
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    sizes = [int(np.prod(s)) for s in shapes]
    theta = rng.normal(size=sum(sizes)) * 0.5

    def loss(theta, lib):
        parts, start = [], 0
        for shape, n in zip(shapes, sizes):
            parts.append(theta[start:start + n].reshape(shape))
            start += n
        W1, b1, W2, b2 = parts
        logits = lib.tanh(lib.tensor(X) @ W1 + b1) @ W2 + b2 if lib is torch else \
            gg.tanh(X @ W1 + b1) @ W2 + b2
        logp = lib.log_softmax(logits, -1) if lib is torch else gg.log_softmax(logits, -1)
        picked = logp[np.arange(5), y] if lib is gg else logp[torch.arange(5), torch.tensor(y)]
        return -picked.mean()

    H_ours = gg.hessian(lambda t: loss(t, gg))(theta)
    H_torch = torch.autograd.functional.hessian(lambda t: loss(t, torch), torch.tensor(theta))
    assert H_ours.shape == (sum(sizes), sum(sizes))
    both.assert_same(H_ours, H_torch, rtol=1e-10, atol=1e-12)
