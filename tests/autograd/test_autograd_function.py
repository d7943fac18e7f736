"""gg.autograd.Function: custom operations with a hand-written backward (and jvp) recorded as
one node, compared with the same code run as a torch.autograd.Function."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.autograd import Function, once_differentiable

X = np.array([0.5, -1.0, 2.0])


def make_exp(base, counter=None):
    """y = e^x with ∂L/∂x = g ⊙ y, written once for either library (base: its Function)."""
    class Exp(base):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            ctx.save_for_forward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            if counter is not None:
                counter.append(1)
            (y,) = ctx.saved_tensors
            return g * y

        @staticmethod
        def jvp(ctx, t):
            (y,) = ctx.saved_tensors
            return t * y
    return Exp


def _np(t):
    return t.detach().numpy()


def test_exp_with_a_hand_backward_matches_torch(torch):
    Exp, TExp = make_exp(Function), make_exp(torch.autograd.Function)
    x = gg.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    y, ty = Exp.apply(x), TExp.apply(tx)
    assert y.grad_fn is not None and y.requires_grad
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-15)
    w = np.array([1.0, 2.0, -3.0])
    (y * gg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-15)
    np.testing.assert_allclose(_np(gg.grad(lambda v: Exp.apply(v).sum())(x)), np.exp(X),
                               rtol=1e-15)


def test_the_node_is_in_the_graph_view():
    Exp = make_exp(Function)
    x = gg.tensor(X, requires_grad=True)
    loss = (Exp.apply(x) * 2).sum()
    g = gg.graph(loss)
    assert "Exp" in [v.op for v in g.hidden + g.outputs]
    backward = g.backward_propagation(g.outputs[0])
    assert any(np.allclose(np.asarray(d), 2 * np.exp(X)) for d in backward.values())


def test_double_backward_through_a_function_matches_torch(torch):
    """A backward written with graphgrad operations differentiates again: the saved output
    comes back as the graph's own tensor under create_graph."""
    Exp, TExp = make_exp(Function), make_exp(torch.autograd.Function)
    x = gg.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    (g,) = gg.autograd.grad((Exp.apply(x) * x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((TExp.apply(tx) * tx).sum(), tx, create_graph=True)
    np.testing.assert_allclose(_np(g), _np(tg), rtol=1e-15)
    (gg_,) = gg.autograd.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(_np(gg_), _np(tgg), rtol=1e-14)
    assert gg.autograd.gradgradcheck(Exp.apply, (gg.tensor(X, requires_grad=True),))


def test_forward_mode_uses_the_hand_jvp(torch):
    Exp, TExp = make_exp(Function), make_exp(torch.autograd.Function)
    v = np.array([1.0, -2.0, 0.5])
    _, tangent = gg.jvp(Exp.apply, (gg.tensor(X),), (gg.tensor(v),))
    fwAD = torch.autograd.forward_ad
    with fwAD.dual_level():
        out = TExp.apply(fwAD.make_dual(torch.tensor(X), torch.tensor(v)))
        ttangent = fwAD.unpack_dual(out).tangent
    np.testing.assert_allclose(_np(tangent), _np(ttangent), rtol=1e-15)
    # hessian: forward over backward, through the hand jvp and the hand backward
    H = gg.hessian(lambda v: Exp.apply(v).sum())(gg.tensor(X))
    np.testing.assert_allclose(_np(H), np.diag(np.exp(X)), rtol=1e-14)
    assert gg.autograd.gradcheck(Exp.apply, (gg.tensor(X, requires_grad=True),),
                                 check_forward_ad=True)


def test_forward_mode_without_a_jvp_says_so(torch):
    def make(base):
        class Double(base):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        return Double
    fwAD = torch.autograd.forward_ad
    with pytest.raises(NotImplementedError, match="jvp function"), fwAD.dual_level():
        make(torch.autograd.Function).apply(fwAD.make_dual(torch.ones(2), torch.ones(2)))
    with pytest.raises(NotImplementedError, match="jvp function.*forward mode AD.*Double"):
        gg.jvp(make(Function).apply, (gg.ones(2),), (gg.ones(2),))
    x = gg.ones(2, requires_grad=True)               # backward still works
    make(Function).apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def make_scaled(base, log):
    """x * w * k with a non-tensor k; records needs_input_grad in forward and backward."""
    class Scaled(base):
        @staticmethod
        def forward(ctx, x, w, k):
            log.append(("forward", ctx.needs_input_grad))
            ctx.save_for_backward(x, w)
            ctx.k = k
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            log.append(("backward", ctx.needs_input_grad))
            x, w = ctx.saved_tensors
            gx = g * w * ctx.k if ctx.needs_input_grad[0] else None
            gw = g * x * ctx.k if ctx.needs_input_grad[1] else None
            return gx, gw, None
    return Scaled


@pytest.mark.parametrize("flags", [(True, False), (False, True), (True, True)])
def test_needs_input_grad_and_one_backward_call_per_node(torch, flags):
    ours, theirs = [], []
    Scaled, TScaled = make_scaled(Function, ours), make_scaled(torch.autograd.Function, theirs)
    w0 = np.array([2.0, -1.0, 0.5])
    x, w = gg.tensor(X, requires_grad=flags[0]), gg.tensor(w0, requires_grad=flags[1])
    tx, tw = torch.tensor(X, requires_grad=flags[0]), torch.tensor(w0, requires_grad=flags[1])
    Scaled.apply(x, w, 3.0).sum().backward()
    TScaled.apply(tx, tw, 3.0).sum().backward()
    assert ours == theirs
    for a, b in ((x, tx), (w, tw)):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-15)
    ours.clear()
    theirs.clear()
    with gg.no_grad():
        y = Scaled.apply(x, w, 3.0)
    with torch.no_grad():
        TScaled.apply(tx, tw, 3.0)
    assert ours == theirs and y.grad_fn is None and not y.requires_grad


def make_sort(base, seen):
    """Sorted values (differentiable) and indices (marked non-differentiable)."""
    class Sort(base):
        @staticmethod
        def forward(ctx, x):
            order = x.argsort()
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            return x[order], order

        @staticmethod
        def backward(ctx, g_values, g_order):
            seen.append(g_order.tolist())
            (order,) = ctx.saved_tensors
            inverse = order.argsort()
            return g_values[inverse]
    return Sort


def test_non_differentiable_outputs_match_torch(torch):
    ours, theirs = [], []
    Sort, TSort = make_sort(Function, ours), make_sort(torch.autograd.Function, theirs)
    x, tx = gg.tensor([3.0, 1.0, 2.0], requires_grad=True), \
        torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (v, i), (tv, ti) = Sort.apply(x), TSort.apply(tx)
    assert i.tolist() == ti.tolist() and not i.requires_grad and not ti.requires_grad
    assert v.requires_grad and i.grad_fn is None
    weights = [1.0, 2.0, 3.0]
    (v * gg.tensor(weights)).sum().backward()
    (tv * torch.tensor(weights)).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [3.0, 1.0, 2.0]
    assert ours == theirs == [[0, 0, 0]]                 # zeros for the indices' gradient


def make_two(base, materialize, seen):
    class Two(base):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x)
            return x * 2, x.sin()

        @staticmethod
        def backward(ctx, a, b):
            seen.append((a is None, b is None))
            (x,) = ctx.saved_tensors
            total = 0
            if a is not None:
                total = total + 2 * a
            if b is not None:
                total = total + b * x.cos()
            return total
    return Two


@pytest.mark.parametrize("materialize", [True, False])
def test_several_outputs_and_materialize_grads(torch, materialize):
    ours, theirs = [], []
    Two, TTwo = make_two(Function, materialize, ours), make_two(torch.autograd.Function,
                                                              materialize, theirs)
    for fn, lib in ((Two, gg), (TTwo, torch)):
        x = lib.tensor(X, requires_grad=True)
        a, b = fn.apply(x)
        a.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
        x.grad = None
        a, b = fn.apply(x)
        (a * 3 + b).sum().backward()
        np.testing.assert_allclose(_np(x.grad), 6 + np.cos(X), rtol=1e-15)
    assert ours == theirs == [(False, not materialize), (False, False)]


def test_setup_context_style_and_keyword_arguments(torch):
    def make(base):
        class Power(base):
            @staticmethod
            def forward(x, p=2.0):
                return x ** p

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, p = inputs
                ctx.save_for_backward(x)
                ctx.p = p

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * ctx.p * x ** (ctx.p - 1), None
        return Power
    Power, TPower = make(Function), make(torch.autograd.Function)
    for args, kwargs in (((), {}), ((3.0,), {}), ((), {"p": 3.0})):
        x, tx = gg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
        Power.apply(x, *args, **kwargs).sum().backward()
        TPower.apply(tx, *args, **kwargs).sum().backward()
        np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-15)


def test_wrong_backward_results_are_caught_as_in_torch(torch):
    def make(base, result):
        class Bad(base):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return result(g)
        return Bad
    for result, message in ((lambda g: (g, g), "incorrect number of gradients"),
                            (lambda g: g[:1], "invalid gradient at index 0"),
                            (lambda g: g[:1].reshape(1, 1), "invalid gradient at index 0")):
        with pytest.raises(RuntimeError, match=message):
            make(torch.autograd.Function, result).apply(
                torch.ones(2, requires_grad=True)).sum().backward()
        with pytest.raises(RuntimeError, match=message):
            make(Function, result).apply(gg.ones(2, requires_grad=True)).sum().backward()


def test_gradcheck_catches_a_wrong_hand_backward():
    class WrongExp(make_exp(Function)):
        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y * 1.01
    x = gg.tensor(X, requires_grad=True)
    assert gg.autograd.gradcheck(make_exp(Function).apply, (x,))
    assert not gg.autograd.gradcheck(WrongExp.apply, (x,), raise_exception=False)
    with pytest.raises(gg.GradcheckError):
        gg.autograd.gradcheck(WrongExp.apply, (x,))


def make_once(base, once):
    class Square(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g
    return Square


def test_once_differentiable_refuses_a_second_derivative(torch):
    Square = make_once(Function, once_differentiable)
    TSquare = make_once(torch.autograd.Function, torch.autograd.function.once_differentiable)
    x, tx = gg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    u, tu = gg.ones(3, dtype=gg.float64, requires_grad=True), \
        torch.ones(3, dtype=torch.float64, requires_grad=True)
    (g,) = gg.autograd.grad(Square.apply(x), x, grad_outputs=u, create_graph=True)
    (tg,) = torch.autograd.grad(TSquare.apply(tx), tx, grad_outputs=tu, create_graph=True)
    np.testing.assert_allclose(_np(g), _np(tg), rtol=1e-15)
    assert g.requires_grad and tg.requires_grad
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        tg.sum().backward()
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        g.sum().backward()


def make_cube(base):
    """x³ ⊙ w, saving both inputs, with a backward written in differentiable operations."""
    class Cube(base):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x ** 3 * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return 3 * x ** 2 * w * g, x ** 3 * g
    return Cube


def test_saved_inputs_come_back_as_the_graph_s_own(torch):
    Cube, TCube = make_cube(Function), make_cube(torch.autograd.Function)
    w0 = np.array([2.0, 0.3, -1.0])
    x, w = gg.tensor(X, requires_grad=True), gg.tensor(w0, requires_grad=True)
    tx, tw = torch.tensor(X, requires_grad=True), torch.tensor(w0, requires_grad=True)
    g = gg.autograd.grad(Cube.apply(x, w).sum(), [x, w], create_graph=True)
    tg = torch.autograd.grad(TCube.apply(tx, tw).sum(), [tx, tw], create_graph=True)
    second = gg.autograd.grad(g[0].sum() + (g[1] * g[1]).sum(), [x, w])
    tsecond = torch.autograd.grad(tg[0].sum() + (tg[1] * tg[1]).sum(), [tx, tw])
    for a, b in zip(second, tsecond):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-14)
    assert gg.autograd.gradgradcheck(Cube.apply, (x, w))
    # a saved input changed in place before backward is caught, as for any operation
    h = x * 1.0
    out = Cube.apply(h, w)
    with gg.no_grad():
        h.add_(1.0)
    with pytest.raises(gg.InplaceError):
        out.sum().backward()


def test_several_outputs_are_slices_of_one_node_in_the_graph_view():
    class SinCos(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, a, b):
            (x,) = ctx.saved_tensors
            return a * x.cos() - b * x.sin()
    x = gg.tensor(X, requires_grad=True)
    a, b = SinCos.apply(x)
    loss = (a * b).sum()
    g = gg.graph(loss)
    assert [v.op for v in g.hidden] == ["SinCos", "getitem", "getitem", "mul"]
    (d,) = [g.backward_propagation(g.outputs[0])[v] for v in g.inputs]
    np.testing.assert_allclose(np.asarray(d), np.cos(2 * X), rtol=1e-14)
    assert "SinCos.backward" in str(gg.explain(loss))
