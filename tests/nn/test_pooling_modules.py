"""Pooling, resampling, BatchNorm2d, Dropout2d, Flatten and Unflatten modules against
torch.nn: printouts, state_dict keys, outputs and gradients, running statistics in training
and eval mode, and channel-wise dropout."""
import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn as nn

POOLS = [
    ("MaxPool2d", (2,), {}), ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), dilation=(2, 1))),
    ("MaxPool1d", (3,), dict(stride=2, padding=1)),
    ("AvgPool2d", (2,), {}), ("AvgPool2d", (3,), dict(stride=2, padding=1,
                                                      count_include_pad=False)),
    ("AvgPool2d", (3,), dict(stride=1, padding=1, divisor_override=4)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("AdaptiveAvgPool2d", ((3, None),), {}), ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveMaxPool2d", ((2, 3),), {}), ("AdaptiveAvgPool1d", (4,), {}),
    ("AdaptiveMaxPool1d", (3,), {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,args,kwargs", POOLS)
def test_pooling_modules_match_torch(torch, both, name, args, kwargs, dtype):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] == list(theirs.state_dict())
    shape = (2, 3, 7, 9) if name.endswith("2d") else (2, 3, 9)
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    xg, xt = both.leaf(x, dtype=dtype)
    out, expected = ours(xg), theirs(xt)
    both.backward(out, expected, rng.normal(size=tuple(expected.shape)).astype(dtype))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    both.assert_same(out, expected, rtol=tol, atol=tol)
    both.assert_same_grads([xg], [xt], rtol=tol, atol=tol)


@pytest.mark.parametrize("name,args", [("MaxPool2d", (3, 2, 1)), ("AdaptiveMaxPool2d", (3,)),
                                       ("MaxPool1d", (2,))])
def test_max_pool_modules_return_torch_indices(torch, name, args):
    x = np.random.default_rng(1).normal(size=(2, 3, 8, 8) if name.endswith("2d") else (2, 3, 8))
    values, indices = getattr(nn, name)(*args, return_indices=True)(gg.tensor(x))
    tv, ti = getattr(torch.nn, name)(*args, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(values.numpy(), tv.numpy())
    np.testing.assert_array_equal(indices.numpy(), ti.numpy())


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batch_norm_2d_matches_torch_in_training_and_evaluation(torch, both, momentum, affine,
                                                                track):
    """Three training steps (outputs, gradients, running statistics, the counter), then eval
    mode, against torch.nn.BatchNorm2d with the same parameters."""
    options = dict(momentum=momentum, affine=affine, track_running_stats=track)
    layer = nn.BatchNorm2d(3, dtype=gg.float64, **options)
    reference = torch.nn.BatchNorm2d(3, dtype=torch.float64, **options)
    assert repr(layer) == repr(reference)
    rng = np.random.default_rng(2)
    with gg.no_grad(), torch.no_grad():
        for ours, theirs in zip(layer.parameters(), reference.parameters()):
            ours.array[...] = rng.normal(size=ours.shape)
            theirs.copy_(torch.tensor(ours.detach().numpy()))
    assert list(layer.state_dict()) == list(reference.state_dict())
    for step in range(4):
        if step == 3:
            layer.eval()
            reference.eval()
        x, g = rng.normal(size=(4, 3, 5, 6)) * 3 + 1, rng.normal(size=(4, 3, 5, 6))
        xg, xt = both.leaf(x)
        out, expected = layer(xg), reference(xt)
        both.backward(out, expected, g)
        both.assert_same(out, expected, rtol=1e-11, atol=1e-12)
        both.assert_same_grads([xg], [xt], rtol=1e-10, atol=1e-12)
        both.assert_same_grads(list(layer.parameters()), list(reference.parameters()),
                               rtol=1e-11, atol=1e-12)
        for (name, ours), theirs in zip(layer.state_dict().items(),
                                         reference.state_dict().values()):
            np.testing.assert_allclose(np.asarray(ours.detach().numpy(), float),
                                       theirs.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=name)


def test_batch_norm_2d_float32_state_round_trip_and_errors(torch, tmp_path):
    layer, reference = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    x = np.random.default_rng(3).normal(size=(8, 4, 3, 3)).astype(np.float32) * 2 + 1
    for _ in range(2):
        out, expected = layer(gg.tensor(x)), reference(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    state = {k: v.detach().numpy() for k, v in layer.state_dict().items()}
    for key, value in reference.state_dict().items():
        assert state[key].dtype == value.numpy().dtype, key
        np.testing.assert_allclose(state[key], value.numpy(), rtol=1e-5, err_msg=key)
    gg.save(layer.state_dict(), tmp_path / "bn.safetensors")
    copy = nn.BatchNorm2d(4)
    copy.load_state_dict(gg.load(tmp_path / "bn.safetensors"))
    copy.eval()
    reference.eval()
    np.testing.assert_allclose(copy(gg.tensor(x)).detach().numpy(),
                               reference(torch.tensor(x)).detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D.*3D input of shape \[4, 3, 3"):
        layer(gg.zeros(4, 3, 3))
    with pytest.raises(ValueError):
        reference(torch.zeros(4, 3, 3))


def test_dropout2d_drops_whole_channels_and_scales(torch):
    layer = nn.Dropout2d(0.4, generator=0)
    assert repr(layer) == repr(torch.nn.Dropout2d(0.4))
    x = gg.tensor(np.random.default_rng(4).uniform(1, 2, (64, 8, 5, 5)), requires_grad=True)
    out = layer(x)
    ratio = (out / x).detach().numpy()
    per_channel = ratio.reshape(64, 8, -1)
    assert np.allclose(per_channel, per_channel[..., :1])          # one draw per channel
    assert set(np.round(np.unique(per_channel), 12)) == {0.0, round(1 / 0.6, 12)}
    assert abs((per_channel[..., 0] == 0).mean() - 0.4) < 0.07
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio)
    layer.eval()
    assert layer(x) is x
    with pytest.warns(UserWarning, match="3D input"):        # as in PyTorch: (N, C, L)
        three = nn.functional.dropout2d(gg.ones(16, 6, 7), 0.5, generator=1).numpy()
    assert np.allclose(three, three[..., :1])
    with pytest.raises(ValueError):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError):
        torch.nn.Dropout2d(1.5)


def test_dropout1d_and_rank_errors(torch):
    out = nn.functional.dropout1d(gg.ones(5, 9), 0.5, generator=2).numpy()    # (C, L)
    assert np.allclose(out, out[:, :1]) and set(np.unique(out)) <= {0.0, 2.0}
    with pytest.raises(ValueError, match=r"dropout1d.*4D input of shape \[1, 2, 3, 4\]"):
        nn.functional.dropout1d(gg.ones(1, 2, 3, 4))
    with pytest.raises(RuntimeError):
        torch.nn.functional.dropout1d(torch.ones(1, 2, 3, 4))


def test_flatten_and_unflatten_match_torch(torch):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    for ours, theirs in [(nn.Flatten(), torch.nn.Flatten()),
                         (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                         (nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1))),
                         (nn.Unflatten(-1, (5, -1)), torch.nn.Unflatten(-1, (5, -1)))]:
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(gg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("Upsample", (), dict(size=(7, 3), mode="bilinear"), (2, 3, 4, 5)),
    ("Upsample", (), dict(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True),
     (1, 2, 4, 5)),
    ("Upsample", (), dict(size=9, mode="linear"), (2, 3, 5)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", (), dict(size=(5, 6)), (1, 2, 3, 3)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 3)),
    ("PixelUnshuffle", (3,), {}, (2, 1, 6, 9)),
])
def test_resampling_modules_match_torch(torch, both, name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == []
    rng = np.random.default_rng(5)
    xg, xt = both.leaf(rng.normal(size=shape))
    out, expected = ours(xg), theirs(xt)
    both.backward(out, expected, rng.normal(size=tuple(expected.shape)))
    both.assert_same(out, expected, rtol=1e-12, atol=1e-12)
    both.assert_same_grads([xg], [xt], rtol=1e-12, atol=1e-12)


def test_a_small_cnn_of_these_modules_exchanges_state_dicts_with_torch(torch, both):
    """BatchNorm2d, pooling, Dropout2d (eval), Upsample and PixelShuffle in a Sequential: the
    same state_dict keys as torch's, loaded from torch's values, the same outputs."""
    def build(lib):
        n = lib.nn
        return n.Sequential(n.BatchNorm2d(4), n.MaxPool2d(2), n.Dropout2d(0.3),
                            n.AvgPool2d(3, 1, 1), n.Upsample(scale_factor=2, mode="bilinear"),
                            n.PixelUnshuffle(2), n.AdaptiveAvgPool2d(3), n.Flatten()).double()
    ours, theirs = build(gg), build(torch)
    rng = np.random.default_rng(6)
    theirs.train()
    with torch.no_grad():
        theirs[0].weight.copy_(torch.tensor(rng.normal(size=4)))
        theirs(torch.tensor(rng.normal(size=(8, 4, 8, 8))))          # moves the running stats
    theirs.eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    ours.eval()
    xg, xt = both.leaf(rng.normal(size=(2, 4, 8, 8)))
    out, expected = ours(xg), theirs(xt)
    both.backward(out, expected, rng.normal(size=tuple(expected.shape)))
    both.assert_same(out, expected, rtol=1e-12, atol=1e-12)
    both.assert_same_grads([xg], [xt], rtol=1e-11, atol=1e-12)
