"""register_hook, retain_grad and the in-place methods (add_, mul_, clamp_, copy_, ...), each
compared with PyTorch: values, gradients, order of hooks, and the errors PyTorch raises."""
import numpy as np
import pytest

import graphgrad as gg


def _same(ours, theirs, rtol):
    """Values of a graphgrad tensor and a torch tensor (either may require grad)."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol)


def _same_grads(ours, theirs, rtol):
    for a, b in zip(ours, theirs):
        _same(a.grad, b.grad, rtol)


def _hooked_graph(lib, x, log):
    y = x * 3
    y.register_hook(lambda g: log.append(("h1", g.tolist())) or g * 2)
    y.retain_grad()
    y.register_hook(lambda g: log.append(("h2", g.tolist())) or g + 1)
    return y, (y * y).sum()


def test_hooks_run_in_order_and_retain_grad_sees_the_hooked_value(both):
    (x,), (xt,) = both.leaves(np.array([1.0, 2.0]))
    log, log_t = [], []
    y, z = _hooked_graph(gg, x, log)
    yt, zt = _hooked_graph(both.torch, xt, log_t)
    z.backward(retain_graph=True)
    zt.backward(retain_graph=True)
    assert log == log_t
    _same(y.grad, yt.grad, 1e-15)
    _same_grads([x], [xt], 1e-15)
    z.backward()                                       # retained grads accumulate, as leaves'
    zt.backward()
    _same(y.grad, yt.grad, 1e-15)
    _same_grads([x], [xt], 1e-15)
    assert y.retains_grad and yt.retains_grad and not x.retains_grad and not xt.retains_grad


def test_leaf_hooks_and_handles(both):
    (a,), (at,) = both.leaves(np.array([1.0, 2.0]))
    handle, handle_t = a.register_hook(lambda g: g * 10), at.register_hook(lambda g: g * 10)
    for ours, theirs in (((a * a).sum(), (at * at).sum()),):
        ours.backward()
        theirs.backward()
    _same_grads([a], [at], 1e-15)
    handle.remove()
    handle_t.remove()
    (a * a).sum().backward()
    (at * at).sum().backward()
    _same_grads([a], [at], 1e-15)
    (d,), (dt,) = both.leaves(np.array([1.0]))           # the hook sees this backward's gradient
    d.grad, dt.grad = gg.tensor([5.0], dtype=gg.float64), both.torch.tensor([5.0],
                                                                          dtype=both.torch.float64)
    d.register_hook(lambda g: g * 2)
    dt.register_hook(lambda g: g * 2)
    (d * 3).sum().backward()
    (dt * 3).sum().backward()
    _same_grads([d], [dt], 1e-15)


def test_hooks_apply_to_autograd_grad_too(both):
    (b,), (bt,) = both.leaves(np.array([1.0, 2.0]))
    b.register_hook(lambda g: g * 100)
    bt.register_hook(lambda g: g * 100)
    _same(gg.gradients((b * b).sum(), b)[0],
                     both.torch.autograd.grad((bt * bt).sum(), bt)[0], 1e-15)
    c, ct = b * 1, bt * 1
    c.register_hook(lambda g: g * 7)
    ct.register_hook(lambda g: g * 7)
    _same(gg.gradients((c * c).sum(), c, retain_graph=True)[0],
          both.torch.autograd.grad((ct * ct).sum(), ct, retain_graph=True)[0], 1e-15)
    _same(gg.gradients((c * c).sum(), b)[0],
                     both.torch.autograd.grad((ct * ct).sum(), bt)[0], 1e-15)


def test_retain_grad_on_the_root_and_with_create_graph(both):
    (x,), (xt,) = both.leaves(np.array([1.0, 2.0]))
    r, rt = x * x, xt * xt
    r.retain_grad()
    rt.retain_grad()
    s, st = r.sum(), rt.sum()
    s.retain_grad()
    st.retain_grad()
    s.backward(create_graph=True)
    st.backward(create_graph=True)
    _same(r.grad, rt.grad, 1e-15)
    _same(s.grad, st.grad, 1e-15)
    _same_grads([x], [xt], 1e-15)
    assert x.grad.requires_grad == xt.grad.requires_grad


def test_hook_errors_as_torch(torch):
    for lib in (gg, torch):
        plain = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that "
                                               "doesn't require gradient"):
            plain.register_hook(lambda g: g)
        with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has "
                                               "requires_grad=False"):
            plain.retain_grad()
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g[:1])
    with pytest.raises(RuntimeError, match="changed the size"):
        y.sum().backward()


def test_a_graph_without_hooks_is_unaffected():
    from graphgrad import hooks
    before = len(hooks.node_hooks)
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g)
    assert len(hooks.node_hooks) == before + 1
    del y
    assert len(hooks.node_hooks) == before     # the entry goes with its node
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


# ------------------------------------------------------------------------------ in place
def test_in_place_on_a_leaf_that_requires_grad_is_refused_as_in_torch(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        for call in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(),
                     lambda: x.clamp_(0, 1), lambda: x.exp_()):
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                                   "used in an in-place operation."):
                call()
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is "
                                               "being used in an in-place operation."):
            x[0].add_(1)
        with lib.no_grad():
            x.add_(1).mul_(2)
        assert x.tolist() == [4.0, 6.0]


def _inplace_chain(lib, x, w):
    y = x * 1
    y.add_(w, alpha=2).mul_(w).sub_(0.5).div_(2.0)
    y.clamp_(min=-1.0, max=3.0)
    z = y * 1
    z.pow_(2).neg_().abs_()
    z.exp_()                 # last: exp's backward reads its output (PyTorch refuses changes)
    return (y * z).sum()


def test_in_place_on_non_leaf_tensors_is_recorded_as_torch(both):
    (x, w), (xt, wt) = both.leaves(np.array([0.3, -1.2, 2.0]), np.array([0.7, 1.1, -0.4]))
    out, out_t = _inplace_chain(gg, x, w), _inplace_chain(both.torch, xt, wt)
    _same(out, out_t, 1e-14)
    both.backward(out, out_t, np.float64(1.0))
    _same_grads([x, w], [xt, wt], 1e-13)


def test_in_place_with_an_operand_that_requires_grad_joins_the_graph(both):
    (x,), (xt,) = both.leaves(np.array([1.0, 2.0]))
    acc, acc_t = gg.zeros(2, dtype=gg.float64), both.torch.zeros(2, dtype=both.torch.float64)
    acc.add_(x * x)
    acc_t.add_(xt * xt)
    assert acc.requires_grad == acc_t.requires_grad and acc.is_leaf == acc_t.is_leaf
    buf, buf_t = gg.zeros(2, dtype=gg.float64), both.torch.zeros(2, dtype=both.torch.float64)
    buf.copy_(x * 3)
    buf_t.copy_(xt * 3)
    both.backward((acc * buf).sum(), (acc_t * buf_t).sum(), np.float64(1.0))
    _same_grads([x], [xt], 1e-14)


def test_fill_and_zero_on_non_leaves_give_zero_gradient(both):
    (x,), (xt,) = both.leaves(np.array([1.0, 2.0]))
    y, yt = x * 2, xt * 2
    y.fill_(5.0)
    yt.fill_(5.0)
    z, zt = x * 3, xt * 3
    z.zero_()
    zt.zero_()
    _same(y, yt, 0)
    both.backward((y * x + z).sum(), (yt * xt + zt).sum(), np.float64(1.0))
    _same_grads([x], [xt], 1e-15)


def test_changing_a_saved_value_in_place_is_caught_at_backward(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        z = y.sin()              # saves y
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation|modified in "
                                               "place"):
            z.sum().backward()
        e = (x * 1).exp()        # saves its output
        e.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation|modified in "
                                               "place"):
            e.sum().backward()


def test_in_place_outside_the_graph_writes_the_memory(torch):
    a = np.array([1.0, -2.0, 3.0])
    for name, args in (("add_", (1.0,)), ("sub_", (gg.tensor([1.0, 1.0, 1.0], dtype=gg.float64),)),
                       ("mul_", (2.0,)), ("div_", (4.0,)), ("pow_", (2.0,)), ("neg_", ()),
                       ("abs_", ()), ("exp_", ()), ("sigmoid_", ()), ("relu_", ()),
                       ("tanh_", ()), ("sin_", ()), ("cos_", ()), ("clamp_", (-1.0, 2.0)),
                       ("fill_", (7.0,)), ("zero_", ()), ("copy_", (np.array([4.0, 5.0, 6.0]),))):
        ours, theirs = gg.from_numpy(a.copy()), torch.tensor(a.copy())
        memory = ours.array
        t_args = [torch.tensor(v.array) if isinstance(v, gg.Tensor) else
                  torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        assert getattr(ours, name)(*args) is ours
        getattr(theirs, name)(*t_args)
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-15, err_msg=name)
        assert ours.array is memory and ours._version >= 1, name
    i = gg.tensor([1, 2])
    with pytest.raises(RuntimeError):
        i.add_(1.5)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).add_(1.5)


def test_in_place_inside_jvp_carries_the_tangent(torch):
    def f(lib, x):
        y = x * 1
        y.mul_(x).add_(1, alpha=0.5).clamp_(max=1.2)
        y.exp_()
        return y
    x, v = np.array([0.5, 1.0, -0.3]), np.array([1.0, -2.0, 0.5])
    out, tangent = gg.jvp(lambda a: f(gg, a), (gg.tensor(x),), (gg.tensor(v),))
    out_t, tangent_t = torch.func.jvp(lambda a: f(torch, a), (torch.tensor(x),),
                                      (torch.tensor(v),))
    np.testing.assert_allclose(out.numpy(), out_t.numpy(), rtol=1e-14)
    np.testing.assert_allclose(tangent.numpy(), tangent_t.numpy(), rtol=1e-14)


def test_a_leaf_hook_runs_as_soon_as_the_sweep_is_past_the_leafs_last_reader(torch):
    """As PyTorch's AccumulateGrad: a leaf's hooks and .grad come when no node left to visit
    reads it, not after the whole sweep (DistributedDataParallel's reductions start then)."""
    orders = []
    for lib in (gg, torch):
        order = []
        a, b, c = (lib.tensor(v, requires_grad=True) for v in ([1.0, 2.0], [3.0, 4.0], [0.5, 0.5]))
        h = a * 2
        k = (h * b).exp()
        for name, t in (("h", h), ("a", a), ("b", b), ("c", c), ("k", k)):
            t.register_hook(lambda g, name=name: order.append(name))
        ((k + c) * c).sum().backward()
        orders.append(order)
        assert a.grad is not None and c.grad is not None
    assert orders[0] == orders[1] == ["c", "k", "b", "h", "a"]
