"""Which results share their operand's memory, and how results are laid out, as in PyTorch.

A view in PyTorch (transpose, narrow, diagonal, …) must be a view here, so that changing it in
place changes its base; a copy in PyTorch (flip, roll, repeat, …) must be a copy, so that it
does not. And a result PyTorch lays out C-contiguous (a reduction, a softmax, a gather, a join)
must be contiguous here too, or `.view(...)` on it would refuse where PyTorch's works.
"""
import numpy as np
import pytest

import graphgrad as gg

torch = pytest.importorskip("torch")


def _shares(result, base):
    if isinstance(result, gg.Tensor):
        return np.shares_memory(result.array, base.array)
    return result.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()


SHARING = {
    "flip": lambda m, x: x.flip(1),
    "fliplr": lambda m, x: m.fliplr(x),
    "flipud": lambda m, x: m.flipud(x),
    "rot90": lambda m, x: x.rot90(1, (0, 1)),
    "roll": lambda m, x: x.roll(1, 1),
    "repeat(1, 1)": lambda m, x: x.repeat(1, 1),
    "tile((1, 1))": lambda m, x: x.tile((1, 1)),
    "repeat(2, 1)": lambda m, x: x.repeat(2, 1),
    "unsqueeze(0).repeat(2, 1, 1)": lambda m, x: x.unsqueeze(0).repeat(2, 1, 1),
    "repeat_interleave of one row": lambda m, x: x[:1].repeat_interleave(3, 0),
    "diagonal": lambda m, x: x.diagonal(),
    "diagonal(1)": lambda m, x: x.diagonal(1),
    "diagonal(-1, 1, 0)": lambda m, x: m.diagonal(x, -1, 1, 0),
    "diag": lambda m, x: m.diag(x),
    "transpose": lambda m, x: x.transpose(0, 1),
    "narrow": lambda m, x: x.narrow(1, 1, 2),
    "x[:, ::2]": lambda m, x: x[:, ::2],
    "x[:, [0, 1]]": lambda m, x: x[:, [0, 1]],
    "x[x > 0]": lambda m, x: x[x > 0],
    "expand": lambda m, x: x[None].expand(2, 3, 4),
    "unbind": lambda m, x: x.unbind(0)[1],
    "contiguous": lambda m, x: x.contiguous(),
    "clone": lambda m, x: x.clone(),
    "tril": lambda m, x: x.tril(),
    "reshape": lambda m, x: x.reshape(-1),
    "x.T.reshape": lambda m, x: x.T.reshape(-1),
    "interpolate to its own size": lambda m, x: m.nn.functional.interpolate(x[None], size=4)[0],
}


@pytest.mark.parametrize("name", SHARING)
def test_views_and_copies_as_pytorch(name):
    fn = SHARING[name]
    ours, theirs = gg.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
    assert _shares(fn(gg, ours), ours) == _shares(fn(torch, theirs), theirs)


def test_a_flipped_or_repeated_tensor_changed_in_place_leaves_its_source():
    x = gg.arange(6.0).reshape(2, 3)
    x.flip(1).add_(100)
    x.repeat(1, 1).mul_(0)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    y = x.flip(0)
    x.add_(1)                       # nor does the source's change reach the flipped copy
    np.testing.assert_array_equal(y.numpy(), np.arange(6.0).reshape(2, 3)[::-1])
    batch = x.unsqueeze(0).repeat(2, 1, 1)
    batch[0].zero_()                # one copy of a repeat is its own memory
    np.testing.assert_array_equal(batch[1].numpy(), x.numpy())


def test_writing_through_the_diagonal_changes_the_matrix():
    for module in (gg, torch):
        x = module.arange(9.0).reshape(3, 3)
        x.diagonal().fill_(0)
        x.diagonal(1).add_(10)
        if module is gg:
            ours = x.numpy()
        else:
            np.testing.assert_array_equal(ours, x.numpy())


@pytest.mark.parametrize("offset, dim1, dim2", [(0, 0, 1), (1, 1, 2), (-1, 2, 0)])
def test_in_place_through_a_diagonal_differentiates_as_pytorch(offset, dim1, dim2):
    """y = 2x; y.diagonal(…) *= y.diagonal(…) + 1; the gradient of Σ y² w.r.t. x."""
    data = np.random.default_rng(0).normal(size=(3, 4, 4))
    grads, values = [], []
    for module in (gg, torch):
        x = module.tensor(data, requires_grad=True)
        y = x * 2
        d = y.diagonal(offset, dim1, dim2)
        d.mul_(d + 1)
        (y * y).sum().backward()
        values.append(y.detach().numpy())
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(values[0], values[1], rtol=1e-14)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13)


def test_diagonal_forward_mode_and_second_order():
    data = np.random.default_rng(1).normal(size=(4, 5))
    x = gg.tensor(data, requires_grad=True)
    tangent = np.random.default_rng(2).normal(size=(4, 5))
    _, dot = gg.func.jvp(lambda t: t.diagonal(1) ** 3, (gg.tensor(data),), (gg.tensor(tangent),))
    np.testing.assert_allclose(dot.numpy(), 3 * np.diagonal(data, 1) ** 2 * np.diagonal(tangent, 1),
                               rtol=1e-13)
    (g,) = gg.autograd.grad((x.diagonal() ** 3).sum(), x, create_graph=True)
    (h,) = gg.autograd.grad(g.sum(), x)
    expected = np.zeros((4, 5))
    np.fill_diagonal(expected, 6 * np.diagonal(data))
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-13)


LAYOUTS = {
    "sum": lambda m, x: x.sum(1),
    "mean": lambda m, x: x.mean(1),
    "amax": lambda m, x: x.amax(1),
    "prod": lambda m, x: x.prod(1),
    "var": lambda m, x: x.var(1),
    "std": lambda m, x: x.std(1),
    "logsumexp": lambda m, x: x.logsumexp(1),
    "norm": lambda m, x: x.norm(dim=1),
    "all": lambda m, x: (x > 0).all(1),
    "median": lambda m, x: x.median(1).values,
    "max(dim)": lambda m, x: x.max(1).values,
    "cumsum": lambda m, x: x.cumsum(1),
    "cumprod": lambda m, x: x.cumprod(1),
    "softmax": lambda m, x: x.softmax(1),
    "log_softmax": lambda m, x: x.log_softmax(3),
    "x[:, [0, 2]]": lambda m, x: x.contiguous()[:, [0, 2]],
    "index_select": lambda m, x: x.index_select(1, m.tensor([0, 2])),
    "cat": lambda m, x: m.cat([x, x], 1),
    "stack": lambda m, x: m.stack([x, x], 1),
    "roll": lambda m, x: x.roll(1, 2),
    "avg_pool2d": lambda m, x: m.nn.functional.avg_pool2d(x, 2),
    "interpolate": lambda m, x: m.nn.functional.interpolate(x, scale_factor=2),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_results_of_transposed_operands_are_laid_out_as_pytorch(name):
    data = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    ours = LAYOUTS[name](gg, gg.tensor(data).transpose(1, 3))
    theirs = LAYOUTS[name](torch, torch.tensor(data).transpose(1, 3))
    assert ours.is_contiguous() and theirs.is_contiguous()
    assert ours.stride() == theirs.stride()
    np.testing.assert_allclose(ours.view(-1).numpy(), theirs.view(-1).numpy(), rtol=1e-6)


MODULES = {
    "Linear": ((4, 3), (2, 4)), "Conv2d": ((3, 5, 3), (2, 3, 8, 8)),
    "Conv1d": ((3, 5, 3), (2, 3, 8)), "ConvTranspose2d": ((3, 5, 3), (2, 3, 6, 6)),
    "BatchNorm2d": ((3,), (2, 3, 4, 4)), "LayerNorm": ((4,), (2, 4)),
    "GroupNorm": ((2, 4), (2, 4, 3)), "MultiheadAttention": ((8, 2), (5, 2, 8)),
}


@pytest.mark.parametrize("name", MODULES)
def test_module_outputs_and_gradients_are_laid_out_as_pytorchs(name):
    """Each parameter, its .grad and the output have PyTorch's strides (a .grad laid out like
    its parameter, an output that .view() accepts)."""
    args, shape = MODULES[name]
    ours, theirs = getattr(gg.nn, name)(*args), getattr(torch.nn, name)(*args)
    data = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    outputs = []
    for module, lib in ((ours, gg), (theirs, torch)):
        x = lib.tensor(data)
        out = module(x, x, x)[0] if name == "MultiheadAttention" else module(x)
        (out * out).sum().backward()
        outputs.append(out)
    assert outputs[0].stride() == outputs[1].stride()
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.stride() == q.stride(), key
        assert p.grad.stride() == q.grad.stride(), key


OVERLAPS = {
    "x.add_(x)": lambda x: x.add_(x),
    "x.add_(x[0])": lambda x: x.add_(x[0]),
    "x[1:].add_(x[:-1])": lambda x: x[1:].add_(x[:-1]),
    "x[:3].mul_(x[:3].t())": lambda x: x[:3].mul_(x[:3].t()),
    "x[0].add_(x[1])": lambda x: x[0].add_(x[1]),
    "x[:, 0].sub_(x[:, 1])": lambda x: x[:, 0].sub_(x[:, 1]),
    "x.mul_(x[0, 0])": lambda x: x.mul_(x[0, 0]),
    "x[:, :1].copy_(x[:, 2:])": lambda x: x[:, :1].copy_(x[:, 2:]),
    "x += x[1]": lambda x: x.__iadd__(x[1]),
    "y[1:].add_(y[:-1]), y recorded": lambda x: (x * 1)[1:].add_(x[:-1] * 1),
}


@pytest.mark.parametrize("name", OVERLAPS)
def test_in_place_operands_that_overlap_the_target_as_pytorch(name):
    """Refused where PyTorch refuses (a dense view of the target's memory that is not the
    target itself: the result would depend on the order of the writes), else the same
    values. Left: overlapping views with gaps (x[:, 1:] and x[:, :-1]), which PyTorch neither
    refuses nor orders (its result depends on its loop order); graphgrad gives NumPy's, as if
    the operand were read first."""
    results = []
    for module in (gg, torch):
        x = module.arange(12.0).reshape(4, 3)
        try:
            OVERLAPS[name](x)
            results.append(x.numpy().copy())
        except RuntimeError as e:
            assert "refer to a single memory location" in str(e)
            results.append("refused")
    if isinstance(results[1], str):
        assert results[0] == "refused"
    else:
        np.testing.assert_array_equal(results[0], results[1])


def test_a_byte_tensor_indexes_as_a_mask_as_in_pytorch():
    mask = np.array([1, 0, 1], np.uint8)
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        ours = gg.arange(3.0)[gg.tensor(mask)]
    np.testing.assert_array_equal(ours.numpy(), torch.arange(3.0)[torch.tensor(mask)].numpy())
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        gg.arange(3.0)[gg.tensor(mask)] = 5
