"""gg.utils.checkpoint: gradients equal those without checkpointing and PyTorch's (with
parameters inside the function, several inputs and outputs, dropout's random masks, keyword
arguments, autograd.grad, create_graph), checkpoint_sequential, and the refusals."""
import tracemalloc
import warnings

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _mlp(torch, sizes, seed=0):
    """The same tanh MLP in both libraries (float64), weights from one NumPy generator."""
    rng = np.random.default_rng(seed)
    g_layers, t_layers = [], []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        w, bias = rng.normal(size=(b, a)) / np.sqrt(a), rng.normal(size=b) * 0.1
        gl, tl = gg.nn.Linear(a, b, dtype=gg.float64), torch.nn.Linear(a, b).double()
        gl.weight.array[...] = w
        gl.bias.array[...] = bias
        with torch.no_grad():
            tl.weight.copy_(torch.tensor(w))
            tl.bias.copy_(torch.tensor(bias))
        g_layers.append(gl)
        t_layers.append(tl)
        if i < len(sizes) - 2:
            g_layers.append(gg.nn.Tanh())
            t_layers.append(torch.nn.Tanh())
    return gg.nn.Sequential(*g_layers), torch.nn.Sequential(*t_layers)


def _grads(params):
    return [p.grad.numpy().copy() for p in params]


@pytest.mark.parametrize("reentrant", [False, True])
def test_module_gradients_equal_plain_and_torch(torch, reentrant):
    gm, tm = _mlp(torch, [3, 6, 6, 2])
    x = np.random.default_rng(1).normal(size=(4, 3))
    gx = gg.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    (checkpoint(gm, gx, use_reentrant=reentrant) ** 2).sum().backward()
    ck = [gx.grad.numpy().copy(), *_grads(gm.parameters())]
    for p in [gx, *gm.parameters()]:
        p.grad = None
    (gm(gx) ** 2).sum().backward()
    plain = [gx.grad.numpy(), *_grads(gm.parameters())]
    (torch.utils.checkpoint.checkpoint(tm, tx, use_reentrant=reentrant) ** 2).sum().backward()
    ref = [tx.grad.numpy(), *[p.grad.numpy() for p in tm.parameters()]]
    for a, b, c in zip(ck, plain, ref):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)


def test_several_inputs_and_outputs_with_a_constant_argument(torch):
    def f(lib, x, w, k):
        h = lib.tanh(x @ w) * k
        return h.sum(1), (h * x[:, :1]).exp()

    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 4))
    gx, gw = gg.tensor(x, requires_grad=True), gg.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    a, b = checkpoint(lambda x, w, k: f(gg, x, w, k), gx, gw, 1.5, use_reentrant=False)
    ta, tb = torch.utils.checkpoint.checkpoint(lambda x, w, k: f(torch, x, w, k), tx, tw, 1.5,
                                               use_reentrant=False)
    (a.sum() * 2 + b.sum()).backward()
    (ta.sum() * 2 + tb.sum()).backward()
    np.testing.assert_allclose(a.detach().numpy(), ta.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-10)


def test_autograd_grad_reaches_parameters_inside_and_keyword_arguments(torch):
    gm, tm = _mlp(torch, [2, 5, 1], seed=3)
    x = np.random.default_rng(4).normal(size=(6, 2))
    gy = checkpoint(lambda x, scale: gm(x) * scale, gg.tensor(x), use_reentrant=False,
                    scale=3.0)
    ty = torch.utils.checkpoint.checkpoint(lambda x, scale: tm(x) * scale, torch.tensor(x),
                                           use_reentrant=False, scale=3.0)
    gs = gg.autograd.grad(gy.pow(2).sum(), list(gm.parameters()))
    ts = torch.autograd.grad(ty.pow(2).sum(), list(tm.parameters()))
    for a, b in zip(gs, ts):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    assert all(p.grad is None for p in gm.parameters())


def test_dropout_masks_are_the_same_in_the_recomputation():
    """preserve_rng_state: the recomputed forward draws the same dropout mask, so the
    gradient equals the plain one drawn from the same seed; without it, it (almost surely)
    does not."""
    layer = gg.nn.Sequential(gg.nn.Linear(8, 32), gg.nn.Dropout(0.5), gg.nn.Linear(32, 1))
    x = gg.randn(16, 8)

    def grads(ck, preserve=True):
        for p in layer.parameters():
            p.grad = None
        gg.manual_seed(7)
        y = checkpoint(layer, x, use_reentrant=False, preserve_rng_state=preserve) if ck \
            else layer(x)
        gg.randn(5)                 # the generator moves on between forward and backward
        y.sum().backward()
        return _grads(layer.parameters())

    plain = grads(False)
    for a, b in zip(grads(True), plain):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(grads(True, preserve=False), plain))


def test_create_graph_second_order_equals_plain_and_torch(torch):
    gm, tm = _mlp(torch, [3, 4, 1], seed=5)
    x = np.random.default_rng(6).normal(size=(2, 3))
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g1,) = gg.autograd.grad(checkpoint(gm, gx, use_reentrant=False).pow(3).sum(), gx,
                             create_graph=True)
    (t1,) = torch.autograd.grad(torch.utils.checkpoint.checkpoint(
        tm, tx, use_reentrant=False).pow(3).sum(), tx, create_graph=True)
    g2 = gg.autograd.grad(g1.pow(2).sum(), [gx, *gm.parameters()])
    t2 = torch.autograd.grad(t1.pow(2).sum(), [tx, *tm.parameters()])
    for a, b in zip(g2, t2):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)
    third = gg.grad(gg.grad(gg.grad(lambda t: checkpoint(gg.sin, t, use_reentrant=False))))
    assert float(third(gg.tensor(0.3, dtype=gg.float64))) == pytest.approx(-np.cos(0.3))


def test_nested_checkpoints_identity_and_a_returned_parameter():
    x = gg.randn(3, requires_grad=True, dtype=gg.float64)
    w = gg.randn(3, requires_grad=True, dtype=gg.float64)
    inner = lambda t: (t * w).sin()                                 # noqa: E731
    outer = lambda t: checkpoint(inner, t, use_reentrant=False).exp()  # noqa: E731
    checkpoint(outer, x, use_reentrant=False).sum().backward()
    ck = [x.grad.numpy().copy(), w.grad.numpy().copy()]
    x.grad = w.grad = None
    (x * w).sin().exp().sum().backward()
    np.testing.assert_allclose(ck[0], x.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(ck[1], w.grad.numpy(), rtol=1e-14)
    x.grad = w.grad = None
    (checkpoint(lambda t: t, x, use_reentrant=False) * 2).sum().backward()
    (checkpoint(lambda t: w, x, use_reentrant=False) * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2.0)
    np.testing.assert_array_equal(w.grad.numpy(), 3.0)


def test_checkpoint_sequential_equals_plain_and_torch(torch):
    gm, tm = _mlp(torch, [4, 8, 8, 8, 8, 3], seed=8)
    x = np.random.default_rng(9).normal(size=(5, 4))
    for segments in (1, 2, 3, 9):
        gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        for p in [*gm.parameters(), *tm.parameters()]:
            p.grad = None
        gy = checkpoint_sequential(gm, segments, gx, use_reentrant=False)
        ty = torch.utils.checkpoint.checkpoint_sequential(tm, segments, tx, use_reentrant=False)
        gy.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        for a, b in zip([gx, *gm.parameters()], [tx, *tm.parameters()]):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_memory_is_recomputed_not_kept():
    """The forward under checkpoint keeps no activation: the backward recomputes each
    checkpointed function once, the plain run never."""
    calls = []

    def f(x):
        calls.append(1)
        return x.tanh().exp()

    x = gg.randn(3, requires_grad=True)
    y = checkpoint(f, x, use_reentrant=True)
    assert len(calls) == 1 and y.requires_grad
    y.sum().backward()
    assert len(calls) == 2
    t = np.tanh(x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), np.exp(t) * (1 - t ** 2), rtol=1e-6)


def test_the_forward_keeps_no_activation_and_recomputes_once():
    """After the call only the inputs and the output are held (tracemalloc sees the
    intermediate buffers go), the function ran twice in all (use_reentrant=False: once with
    recording to find its parameters, once in the backward), and the gradient is right."""
    calls = []
    w = gg.tensor(np.full(200_000, 0.5), requires_grad=True)

    def f(x):
        calls.append(1)
        return ((x * w).exp() * 2).sin()       # three intermediates of 1.6 MB each

    x = gg.tensor(np.linspace(0, 1, 200_000), requires_grad=True)
    held = {}
    for name, run in [("plain", f), ("checkpoint", lambda x: checkpoint(f, x,
                                                                       use_reentrant=False))]:
        tracemalloc.start()
        y = run(x)
        held[name] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        y.sum().backward()
    assert held["checkpoint"] < held["plain"] - 2.5e6
    assert len(calls) == 3                          # plain once, checkpoint twice
    xv = np.linspace(0, 1, 200_000)
    np.testing.assert_allclose(x.grad.numpy() / 2, np.cos(2 * np.exp(xv / 2)) * 2
                               * np.exp(xv / 2) * 0.5, rtol=1e-10)


def test_refusals_and_the_default_warning(torch):
    x = gg.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant"):
        checkpoint(gg.sin, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: k"):
        checkpoint(lambda x, k: x * k, x, use_reentrant=True, k=2)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: k"):
        torch.utils.checkpoint.checkpoint(lambda x, k: x * k, torch.randn(3), use_reentrant=True,
                                          k=2)
    h = x * 2                               # recorded outside, captured, not an argument
    with pytest.raises(gg.errors.GradientError, match="pass that tensor as an argument"):
        checkpoint(lambda t: t * h, x, use_reentrant=False)
    y = checkpoint(gg.sin, x, use_reentrant=True)
    with pytest.raises(gg.errors.GradientError, match="use_reentrant=False"):
        gg.autograd.grad(y.sum(), x, create_graph=True)
    with pytest.raises(gg.errors.GradientError, match="forward-mode"):
        gg.jvp(lambda t: checkpoint(gg.sin, t, use_reentrant=False), (x,), (gg.ones(3),))
    with no_warning():
        z = checkpoint(gg.sin, gg.randn(3), use_reentrant=False)
    assert not z.requires_grad
    layers = [gg.nn.Linear(2, 2), gg.nn.Tanh(), gg.nn.Linear(2, 2)]
    for segments in (0, 4):                 # PyTorch: ZeroDivisionError, range()'s ValueError
        with pytest.raises(ValueError, match=rf"between 1 and the number of functions \(3\), "
                                             rf"got {segments}"):
            checkpoint_sequential(layers, segments, gg.randn(4, 2), use_reentrant=False)


class no_warning(warnings.catch_warnings):
    def __enter__(self):
        super().__enter__()
        warnings.simplefilter("error")
