"""In-place changes through views and of tensors that have views, recorded as PyTorch records
them (CopySlices and AsStridedBackward0): values, gradients of every order, forward mode and
PyTorch's refusals, each compared with PyTorch."""
import numpy as np
import pytest

import graphgrad as gg

VIEWS = {
    "row": lambda y: y[0],
    "columns": lambda y: y[:, 1:],
    "transposed slice": lambda y: y.t()[1:],
    "view": lambda y: y.view(3, 2),
    "strided": lambda y: y.reshape(6)[::2],
    "view of a view": lambda y: y[1][1:],
    "permuted row": lambda y: y.permute(1, 0)[2],
    "unsqueezed": lambda y: y.unsqueeze(0),
    "narrow": lambda y: y.narrow(1, 0, 2),
    "element": lambda y: y[1, 2],
}
CHANGES = {
    "mul_": lambda v, s: v.mul_(s),
    "add_": lambda v, s: v.add_(s * 3, alpha=2),
    "exp_": lambda v, s: v.exp_(),
    "relu_": lambda v, s: v.sub_(0.5).relu_(),
    "copy_": lambda v, s: v.copy_((s * 2).expand_as(v)),
    "fill_": lambda v, s: v.fill_(s),
    "setitem": lambda v, s: v.__setitem__(..., s * s),
    "clamp_": lambda v, s: v.clamp_(min=s),
}


def _program(lib, x, s, view, change):
    """y = x·2 (non-leaf); a sibling view and the view made; the view changed in place; a loss
    that reads the root, the changed view and the sibling."""
    y = x * 2
    sibling = y[1, :2]
    v = view(y)
    change(v, s)
    weights = lib.arange(6, dtype=lib.float64).reshape(2, 3) / 7 + 0.3
    return (y * weights).sum() + (v * v).sum() + (sibling ** 3).sum()


def _leaves(lib):
    x = lib.tensor(np.linspace(-0.8, 1.3, 6).reshape(2, 3), requires_grad=True)
    s = lib.tensor(0.45, dtype=lib.float64, requires_grad=True)
    return x, s


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("view", VIEWS)
def test_in_place_through_a_view_differentiates_as_torch(torch, view, change):
    (x, s), (xt, st) = _leaves(gg), _leaves(torch)
    loss = _program(gg, x, s, VIEWS[view], CHANGES[change])
    loss_t = _program(torch, xt, st, VIEWS[view], CHANGES[change])
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-13)
    grads = gg.autograd.grad(loss, (x, s), create_graph=True, allow_unused=True)
    grads_t = torch.autograd.grad(loss_t, (xt, st), create_graph=True, allow_unused=True)
    for g, gt in zip(grads, grads_t):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g.array, gt.detach().numpy(), rtol=1e-12, atol=1e-14)
    # second order: the gradient of Σ ∂L/∂x with respect to x and s
    second = gg.autograd.grad(grads[0].sum(), (x, s), allow_unused=True)
    second_t = torch.autograd.grad(grads_t[0].sum(), (xt, st), allow_unused=True)
    for g, gt in zip(second, second_t):
        if gt is None:
            assert g is None or not np.any(g.array)
        else:
            np.testing.assert_allclose(g.array, gt.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("view", VIEWS)
def test_in_place_through_a_view_in_forward_mode_as_torch(torch, view):
    def program(lib):
        return lambda x, s: _program(lib, x, s, VIEWS[view], CHANGES["mul_"])
    x, s = (np.linspace(-0.8, 1.3, 6).reshape(2, 3), np.float64(0.45))
    dx, ds = np.full((2, 3), 0.3), np.float64(-0.7)
    out, tangent = gg.func.jvp(program(gg), (gg.tensor(x), gg.tensor(s)),
                               (gg.tensor(dx), gg.tensor(ds)))
    out_t, tangent_t = torch.func.jvp(program(torch), (torch.tensor(x), torch.tensor(s)),
                                      (torch.tensor(dx), torch.tensor(ds)))
    np.testing.assert_allclose(out.item(), out_t.item(), rtol=1e-13)
    np.testing.assert_allclose(tangent.item(), tangent_t.item(), rtol=1e-12)


def test_in_place_on_a_root_with_views_refreshes_them(torch):
    for lib in (gg, torch):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 2
        first, second = y[0], y[1]
        y.mul_(3)
        first.add_(1)                     # through the view, after the root changed
        (first * second).sum().backward()
        assert first.grad_fn.name() == "AsStridedBackward0"
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        assert first.tolist() == [7.0, 13.0, 19.0]
        assert x.grad.tolist() == [[144.0, 180.0, 216.0], [42.0, 78.0, 114.0]]


def test_copy_into_views_of_a_tensor_outside_the_graph(torch):
    results = []
    for lib in (gg, torch):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        z = lib.zeros(3, 3)
        later = z[2]                      # made before z joined the graph
        z[0].copy_(w)
        z[1].copy_(w * w)
        assert z.requires_grad and later.requires_grad
        assert later.grad_fn.name() == "AsStridedBackward0"   # PyTorch refreshes it on this read
        later.add_(w.exp())
        (z.sum(0) * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        results.append((z.detach().numpy().copy(), w.grad.numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_a_one_element_view_shares_memory(torch):
    for lib in (gg, torch):
        z = lib.zeros(2, 3)
        z[1, 2].fill_(5.0)
        z[0][1].add_(2.0)
        assert z.tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 5.0]]


def test_a_saved_view_refuses_backward_after_its_root_changed(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        v = y[:1]
        product = v * v                   # saves v, which shares y's version counter
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified (by an inplace operation|in place)"):
            product.sum().backward()


REFUSED = {
    "a view of a leaf": (lambda lib, x: x[0].add_(1), "a view of a leaf Variable"),
    "overlapping elements": (lambda lib, x: (x * 1)[:1].expand(3, 2).mul_(2),
                             "more than one element of the written-to tensor"),
    "split": (lambda lib, x: (x * 1).split(1)[0].mul_(2), "Output 0 of Split is a view"),
    "split with sizes": (lambda lib, x: (x * 1).split([2, 1])[1].mul_(2),
                         "Output 1 of SplitWithSizes is a view"),
    "chunk": (lambda lib, x: (x * 1).chunk(3)[2].mul_(2), "Output 2 of Split is a view"),
    "unbind": (lambda lib, x: (x * 1).unbind()[1].mul_(2), "Output 1 of Unbind is a view"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_as_torch_refuses(torch, case):
    change, message = REFUSED[case]
    for lib in (gg, torch):
        x = lib.ones(3, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match=message):
            change(lib, x)


def test_a_view_made_under_no_grad_is_not_changed_with_grad_on(torch):
    for lib in (gg, torch):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        with lib.no_grad():
            v = y[:2]
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
            v.mul_(2)
        with lib.no_grad():
            v.mul_(2)                     # both inside no_grad: allowed
        assert y.tolist() == [4.0, 4.0, 2.0]


def test_tensor_split_pieces_may_change_in_place(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        y.tensor_split(2)[1].mul_(3)
        (y * y).sum().backward()
        assert x.grad.tolist() == [2.0, 4.0, 54.0, 72.0]


def test_a_view_reshaped_in_place_then_changed_differentiates_as_torch(torch):
    grads = []
    for lib in (gg, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3) / 5, requires_grad=True)
        y = x * 3
        v = y[:, 1:]
        v.t_()
        v.unsqueeze_(0)
        v.mul_(lib.tensor([[[1.0, 2.0]]]))
        assert tuple(v.shape) == (1, 2, 2)
        (y * y).sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_a_view_whose_root_was_reshaped_in_place_is_refused_loudly():
    """PyTorch keeps strides for every view; graphgrad replays the view's steps, which no
    longer give its memory once the root itself changed shape in place: it says so."""
    x = gg.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 1
    v = y[0]
    y.t_()
    with pytest.raises(gg.InplaceError, match="changed its shape or memory"):
        v.mul_(2)
