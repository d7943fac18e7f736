"""gg.func against torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian on pytrees
of tensors, the loop-based vmap, functional_call — values, structure and errors."""
from collections import namedtuple

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import func as F
from graphgrad.pytree import tree_flatten, tree_map, tree_unflatten

rng = np.random.default_rng(0)
P = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
XS = rng.normal(size=(4, 3))
A, B = rng.normal(size=3), rng.normal(size=3)


def assert_same(ours, theirs, path=""):
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), path
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{path}[{k}]")
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), \
            (path, type(ours), type(theirs))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert tuple(ours.shape) == tuple(theirs.shape), (path, ours.shape, theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                                   atol=1e-14, err_msg=path)


def functions(lib):
    def loss(p, x):
        return ((x @ p["w"] + p["b"]).tanh() ** 2).sum()

    def pair(x, y):
        return x.sin() * y, (x * y).sum()
    return loss, pair


@pytest.fixture
def both_libs(torch):
    ours = ({k: gg.tensor(v) for k, v in P.items()}, gg.tensor(XS), gg.tensor(A), gg.tensor(B),
            functions(gg))
    theirs = ({k: torch.tensor(v) for k, v in P.items()}, torch.tensor(XS), torch.tensor(A),
              torch.tensor(B), functions(torch))
    return ours, theirs, torch.func


def test_grad_of_a_dict_of_parameters(both_libs):
    (p, x, _, _, (loss, _)), (tp, tx, _, _, (tloss, _)), TF = both_libs
    assert_same(F.grad(loss)(p, x), TF.grad(tloss)(tp, tx))
    assert_same(F.grad(loss, argnums=(0, 1))(p, x), TF.grad(tloss, argnums=(0, 1))(tp, tx))
    assert_same(F.grad_and_value(loss)(p, x), TF.grad_and_value(tloss)(tp, tx))
    g, value = F.grad_and_value(loss)(p, x)
    assert not value.requires_grad and not g["w"].requires_grad
    aux_ours = F.grad(lambda p, x: (loss(p, x), x.sum()), has_aux=True)(p, x)
    aux_theirs = TF.grad(lambda p, x: (tloss(p, x), x.sum()), has_aux=True)(tp, tx)
    assert_same(aux_ours, aux_theirs)


def test_vjp_jvp_and_jacobians(both_libs):
    (_, _, a, b, (_, pair)), (_, _, ta, tb, (_, tpair)), TF = both_libs
    out, pull = F.vjp(pair, a, b)
    tout, tpull = TF.vjp(tpair, ta, tb)
    assert_same(out, tout)
    assert_same(pull((b, gg.tensor(2.0, dtype=gg.float64))),
                tpull((tb, torch_scalar(tb, 2.0))))
    assert_same(F.jvp(pair, (a, b), (b, a)), TF.jvp(tpair, (ta, tb), (tb, ta)))
    for name in ("jacrev", "jacfwd"):
        assert_same(getattr(F, name)(pair)(a, b), getattr(TF, name)(tpair)(ta, tb))
        assert_same(getattr(F, name)(pair, argnums=(0, 1))(a, b),
                    getattr(TF, name)(tpair, argnums=(0, 1))(ta, tb))


def torch_scalar(like, value):
    return like.new_tensor(value)


def test_hessian_of_a_dict_of_parameters(both_libs):
    (p, x, _, _, (loss, _)), (tp, tx, _, _, (tloss, _)), TF = both_libs
    assert_same(F.hessian(loss)(p, x), TF.hessian(tloss)(tp, tx))


def test_vmap_is_a_loop_with_vmaps_results(both_libs):
    (p, x, _, b, (loss, pair)), (tp, tx, _, tb, (tloss, tpair)), TF = both_libs
    assert_same(F.vmap(lambda x, y: pair(x, y)[0], in_dims=(0, None))(x, b),
                TF.vmap(lambda x, y: tpair(x, y)[0], in_dims=(0, None))(tx, tb))
    per_example = gg.tensor(XS[:, None, :])
    assert_same(F.vmap(F.grad(loss, argnums=1), in_dims=(None, 0))(p, per_example),
                TF.vmap(TF.grad(tloss, argnums=1), in_dims=(None, 0))(tp, tx[:, None, :]))
    assert_same(F.vmap(pair, in_dims=1, out_dims=(1, 0))(x.T, x.T),
                TF.vmap(tpair, in_dims=1, out_dims=(1, 0))(tx.T, tx.T))
    assert_same(F.vmap(F.vmap(lambda s: s * 2))(x), TF.vmap(TF.vmap(lambda s: s * 2))(tx))
    # per-example gradients through vmap, differentiated again from outside
    w = gg.tensor(B, requires_grad=True)
    F.vmap(lambda row: (row * w).sum())(x).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), XS.sum(axis=0), rtol=1e-14)


def test_vmap_errors_as_in_torch(torch):
    for lib, vmap in ((gg, F.vmap), (torch, torch.func.vmap)):
        x, y = lib.tensor(np.ones((2, 3))), lib.tensor(np.ones((3, 3)))
        with pytest.raises(ValueError, match="same size in the mapped dimension"):
            vmap(lambda a, b: a + b)(x, y)
        with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
            vmap(lambda a, k: a * k)(x, 2.0)
        with pytest.raises(ValueError, match="expected in_dim to satisfy"):
            vmap(lambda a: a, in_dims=2)(x)
        with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
            vmap(lambda a: a, in_dims=(None,))(x)
        with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
            vmap(lambda a: a, in_dims=None)(x)


def test_functional_call_swaps_parameters_for_one_call(torch):
    m = gg.nn.Linear(3, 2, dtype=gg.float64)
    tm = torch.nn.Linear(3, 2, dtype=torch.float64)
    given = {"weight": P["w"].T.copy(), "bias": P["b"]}
    x = gg.tensor(XS)
    ours = F.grad(lambda p: (F.functional_call(m, p, x) ** 2).sum())(
        {k: gg.tensor(v) for k, v in given.items()})
    theirs = torch.func.grad(lambda p: (torch.func.functional_call(tm, p, torch.tensor(XS))
                                        ** 2).sum())(
        {k: torch.tensor(v) for k, v in given.items()})
    assert_same(ours, theirs)
    assert isinstance(m.weight, gg.nn.Parameter)                # put back after the call
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    y = F.functional_call(m, ({"weight": gg.tensor(given["weight"])},
                              {"bias": gg.zeros(2, dtype=gg.float64)}), (x,))
    np.testing.assert_allclose(y.numpy(), XS @ given["weight"].T, rtol=1e-14)


def test_functional_call_checks_keys_as_in_torch(torch):
    for lib, call, module in ((gg, F.functional_call, gg.nn.Linear(3, 2)),
                              (torch, torch.func.functional_call, torch.nn.Linear(3, 2))):
        x = lib.ones(1, 3)
        with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
            call(module, {"weight": lib.zeros(2, 3)}, x, strict=True)
        with pytest.raises(RuntimeError, match="Unexpected key\\(s\\): 'extra'"):
            call(module, {"weight": lib.zeros(2, 3), "bias": lib.zeros(2),
                          "extra": lib.zeros(1)}, x, strict=True)
        with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
            call(module, ({"bias": lib.zeros(2)}, {"bias": lib.zeros(2)}), x)


def test_functional_call_ties_shared_weights(torch):
    class Tied(gg.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = gg.nn.Linear(2, 2, bias=False)
            self.b = gg.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    m, x = Tied(), gg.ones(1, 2)
    w = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert F.functional_call(m, {"a.weight": w}, x).tolist() == [[17.0, 37.0]]  # x wᵀ wᵀ
    with pytest.raises(ValueError, match="which are tied"):
        F.functional_call(m, {"a.weight": w, "b.weight": gg.zeros(2, 2)}, x)
    assert F.functional_call(m, {"a.weight": w}, x, tie_weights=False).tolist() == \
        (x @ w.T @ m.a.weight.T).tolist()


def test_errors_name_the_transform(torch):
    for lib, TF in ((gg, F), (torch, torch.func)):
        x = lib.ones(3)
        with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar "
                                               "Tensor, got tensor with 1 dims"):
            TF.grad(lambda v: v * 2)(x)
        with pytest.raises(RuntimeError, match="Got argnum=1, but only 1 positional inputs"):
            TF.grad(lambda v: v.sum(), argnums=1)(x)
        with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
            TF.jvp(lambda v: v, [x], [x])
        with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents"):
            TF.vjp(lambda v: (v, v), x)[1](x)
        with pytest.raises(RuntimeError, match="output of function f should be a tuple"):
            TF.grad(lambda v: v.sum(), has_aux=True)(x)


def test_pytrees_round_trip():
    Point = namedtuple("Point", "x y")
    tree = {"a": (1, [2, None, 3]), "b": Point(4, {"c": 5})}
    leaves, spec = tree_flatten(tree)
    assert leaves == [1, 2, 3, 4, 5]
    assert tree_unflatten([10 * v for v in leaves], spec) == \
        {"a": (10, [20, None, 30]), "b": Point(40, {"c": 50})}
    assert tree_map(str, [1, (2,)]) == ["1", ("2",)]
    assert tree_flatten((1, 2))[1] != tree_flatten([1, 2])[1]
    with pytest.raises(ValueError, match="3 leaves for a structure with 5"):
        tree_unflatten([1, 2, 3], spec)


def test_transforms_compose_with_autograd_outside(torch):
    """A gradient of tensors that require grad outside stays differentiable, as in torch.func;
    otherwise results are plain tensors."""
    x, tx = gg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    g = F.grad(lambda v: (v.sin() * v).sum())(x)
    tg = torch.func.grad(lambda v: (v.sin() * v).sum())(tx)
    assert g.requires_grad and tg.requires_grad
    g.sum().backward()
    tg.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-14)
    out, _ = F.vjp(lambda v: v.exp(), gg.tensor(A))
    assert not out.requires_grad and out.grad_fn is None
