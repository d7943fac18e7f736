"""gg.autograd.functional against torch.autograd.functional: values, shapes and the structure of
what comes back (Tensor, tuple, tuple of tuples, PyTorch's lists for forward mode),
create_graph, strict mode and the errors for a wrong v."""
import numpy as np
import pytest

import graphgrad as gg

AF = gg.autograd.functional
X, Y = np.array([0.3, -0.7]), np.array([1.2, 0.4])
V = (np.array([1.0, 2.0]), np.array([-1.0, 0.5]))


def functions(lib):
    def scalar(x, y):
        return (x * y.sin()).sum() + (x ** 3).sum()

    def pair(x, y):
        return x * y.exp(), (x ** 2).sum()

    def single(x):
        return x.sin() * x
    return scalar, pair, single


def assert_same(ours, theirs, path=""):
    if isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), \
            (path, type(ours), type(theirs))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{i}]")
        return
    assert tuple(ours.shape) == tuple(theirs.shape), path
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-15, err_msg=path)


@pytest.fixture
def setup(torch):
    ours = (gg.tensor(X), gg.tensor(Y)), functions(gg), tuple(gg.tensor(v) for v in V)
    theirs = (torch.tensor(X), torch.tensor(Y)), functions(torch), \
        tuple(torch.tensor(v) for v in V)
    return ours, theirs, torch.autograd.functional


def test_jacobians_and_hessians_match_torch(setup):
    (gx, (gs, gp, g1), _), (tx, (ts, tp, t1), _), TAF = setup
    assert_same(AF.jacobian(gs, gx), TAF.jacobian(ts, tx))                  # tuple
    assert_same(AF.jacobian(gp, gx), TAF.jacobian(tp, tx))                  # tuple of tuples
    assert_same(AF.jacobian(g1, gx[0]), TAF.jacobian(t1, tx[0]))            # one Tensor
    assert_same(AF.jacobian(gp, gx, vectorize=True, strategy="forward-mode"),
                TAF.jacobian(tp, tx, vectorize=True, strategy="forward-mode"))   # lists
    assert_same(AF.hessian(gs, gx), TAF.hessian(ts, tx))
    assert_same(AF.hessian(lambda x: g1(x).sum(), gx[0]),
                TAF.hessian(lambda x: t1(x).sum(), tx[0]))
    assert_same(AF.hessian(gs, gx, vectorize=True, outer_jacobian_strategy="forward-mode"),
                TAF.hessian(ts, tx, vectorize=True, outer_jacobian_strategy="forward-mode"))


def test_products_match_torch(setup):
    (gx, (gs, gp, g1), gv), (tx, (ts, tp, t1), tv), TAF = setup
    for name in ("vhp", "hvp"):
        assert_same(getattr(AF, name)(gs, gx, gv), getattr(TAF, name)(ts, tx, tv))
    assert_same(AF.vjp(g1, gx[0], gv[0]), TAF.vjp(t1, tx[0], tv[0]))
    assert_same(AF.jvp(g1, gx[0], gv[0]), TAF.jvp(t1, tx[0], tv[0]))
    assert_same(AF.jvp(gp, gx, gv), TAF.jvp(tp, tx, tv))
    assert_same(AF.vjp(gp, gx, (gv[0], gv[0][0])), TAF.vjp(tp, tx, (tv[0], tv[0][0])))
    assert_same(AF.vjp(gs, gx), TAF.vjp(ts, tx))                            # v=None: 1


def test_results_are_plain_unless_create_graph(setup, torch):
    (gx, (gs, _, _), gv), (tx, (ts, _, _), tv), TAF = setup
    out, hv = AF.hvp(gs, gx, gv)
    assert not out.requires_grad and not any(h.requires_grad for h in hv)
    x = tuple(gg.tensor(a, requires_grad=True) for a in (X, Y))
    t = tuple(torch.tensor(a, requires_grad=True) for a in (X, Y))
    _, hv = AF.hvp(gs, x, gv, create_graph=True)
    _, thv = TAF.hvp(ts, t, tv, create_graph=True)
    assert all(h.requires_grad for h in hv)
    third = gg.autograd.grad(sum(h.sum() for h in hv), x)
    tthird = torch.autograd.grad(sum(h.sum() for h in thv), t)
    assert_same(third, tthird)


def test_strict_mode_and_independent_outputs(setup, torch):
    TAF = setup[2]
    for lib, functional in ((gg, AF), (torch, TAF)):
        x, w = lib.tensor(X), lib.tensor(Y)
        jac = functional.jacobian(lambda a, b: a * 2, (x, w))
        assert jac[1].tolist() == [[0.0, 0.0], [0.0, 0.0]]
        with pytest.raises(RuntimeError, match="independent of input 1"):
            functional.jacobian(lambda a, b: a * 2, (x, w), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            functional.vjp(lambda a, b: a * 2, (x, w), lib.tensor(V[0]), strict=True)


def test_wrong_v_is_refused_as_in_torch(setup, torch):
    (gx, (gs, _, g1), _), (tx, (ts, _, t1), _), TAF = setup
    for functional, x, single, scalar, lib in ((AF, gx, g1, gs, gg), (TAF, tx, t1, ts, torch)):
        with pytest.raises(RuntimeError, match="v has invalid size: should be"):
            functional.vjp(single, x[0], lib.tensor(np.ones(3)))
        with pytest.raises(RuntimeError, match="The vector v can only be None if the "
                                               "user-provided function returns a single Tensor "
                                               "with a single element"):
            functional.vjp(single, x[0])
        with pytest.raises(RuntimeError, match="v is a tuple of invalid length"):
            functional.hvp(scalar, x, (lib.tensor(V[0]),))
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            functional.jacobian(single, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="should return a single Tensor"):
            functional.hessian(lambda a: (a.sum(), a.sum()), x[0])
        with pytest.raises(NotImplementedError, match="vectorize=True"):
            functional.jacobian(single, x[0], strategy="forward-mode")
