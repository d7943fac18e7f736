"""F.group_norm and nn.GroupNorm against PyTorch: values, gradients of every input to second
order, forward mode, PyTorch's errors, and the module's parameters and state_dict keys."""
import numpy as np
import pytest

import graphgrad as gg

CASES = [((2, 6, 5), 3, True), ((3, 4, 2, 3), 2, True), ((2, 4), 4, False), ((1, 6, 2, 2), 1, True)]


def _inputs(lib, shape, affine):
    rng = np.random.default_rng(sum(shape))
    x = lib.tensor(rng.normal(size=shape), requires_grad=True)
    if not affine:
        return x, None, None
    c = shape[1]
    return (x, lib.tensor(rng.normal(size=c), requires_grad=True),
            lib.tensor(rng.normal(size=c), requires_grad=True))


@pytest.mark.parametrize("shape, groups, affine", CASES)
def test_group_norm_matches_torch_to_second_order(torch, shape, groups, affine):
    results = []
    for lib in (gg, torch):
        x, w, b = _inputs(lib, shape, affine)
        y = lib.nn.functional.group_norm(x, groups, w, b, eps=1e-5)
        leaves = [t for t in (x, w, b) if t is not None]
        weights = lib.tensor(np.cos(np.arange(np.prod(shape))).reshape(shape))
        grads = lib.autograd.grad((y * weights).sum(), leaves, create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), leaves, allow_unused=True)
        second = [np.zeros(t.shape) if g is None else g.detach().numpy()
                  for g, t in zip(second, leaves)]
        results.append([y.detach().numpy()] + [g.detach().numpy() for g in grads] + second)
        assert y.grad_fn.name() == "NativeGroupNormBackward0"
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


def test_group_norm_in_forward_mode_matches_torch(torch):
    shape = (2, 4, 3)
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=shape), rng.normal(size=shape)
    w, b = rng.normal(size=4), rng.normal(size=4)
    ours = gg.func.jvp(lambda v: gg.nn.functional.group_norm(v, 2, gg.tensor(w), gg.tensor(b)),
                       (gg.tensor(x),), (gg.tensor(t),))[1]
    theirs = torch.func.jvp(lambda v: torch.nn.functional.group_norm(
        v, 2, torch.tensor(w), torch.tensor(b)), (torch.tensor(x),), (torch.tensor(t),))[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_group_norm_refuses_as_torch(torch):
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="divisible by num_groups"):
            lib.nn.functional.group_norm(lib.ones(2, 6, 3), 4)
        with pytest.raises(RuntimeError, match="weight to be a vector of size equal to the "
                                               "number of channels"):
            lib.nn.functional.group_norm(lib.ones(2, 6, 3), 3, lib.ones(4))
        with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by "
                                             r"num_groups \(4\)"):
            lib.nn.GroupNorm(4, 6)


def test_the_module_as_torchs(torch):
    ours, theirs = gg.nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert repr(ours) == repr(theirs) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    x = np.random.default_rng(2).normal(size=(3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert gg.nn.GroupNorm(1, 3, affine=False).weight is None
    assert gg.nn.GroupNorm(1, 3, bias=False).bias is None
