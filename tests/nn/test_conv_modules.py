"""nn.Conv1d, nn.Conv2d and nn.ConvTranspose2d against torch.nn: parameter shapes, state_dict
keys, initialisation, outputs and every gradient, padding modes, printout, errors, and a small
CNN's weights (BatchNorm2d's running statistics included) moved both ways through safetensors."""
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn

LAYERS = [
    ("Conv2d", (3, 6, 3), {}, (2, 3, 7, 6)),
    ("Conv2d", (4, 6, (2, 3)), {"stride": (2, 1), "padding": 1, "groups": 2, "bias": False},
     (1, 4, 6, 7)),
    ("Conv2d", (2, 4, 3), {"padding": "same", "dilation": 2}, (2, 2, 5, 6)),
    ("Conv2d", (2, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 2, 5, 6)),
    ("Conv2d", (2, 4, (2, 3)), {"padding": (1, 2), "padding_mode": "replicate"}, (2, 5, 6)),
    ("Conv2d", (2, 4, 4), {"padding": "same", "padding_mode": "circular"}, (1, 2, 5, 6)),
    ("Conv1d", (3, 5, 3), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("Conv1d", (4, 4, 2), {"groups": 4, "padding": 1, "padding_mode": "reflect"}, (4, 7)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, (2, 4, 3, 4)),
    ("ConvTranspose2d", (3, 2, (2, 3)), {"dilation": 2, "bias": False}, (3, 4, 4)),
]


def _pair(torch, name, args, kwargs, dtype):
    ours = getattr(nn, name)(*args, dtype=dtype, **kwargs)
    theirs = getattr(torch.nn, name)(*args, dtype=getattr(torch, np.dtype(dtype).name),
                                     **kwargs)
    with torch.no_grad():
        for key, value in ours.state_dict().items():
            theirs.state_dict()[key].copy_(torch.tensor(value.numpy()))
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", range(len(LAYERS)))
def test_layer_matches_torch(case, dtype, torch, both):
    name, args, kwargs, shape = LAYERS[case]
    ours, theirs = _pair(torch, name, args, kwargs, dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(case)
    x, tx = both.leaf(rng.normal(size=shape), dtype=dtype)
    y, t = ours(x), theirs(tx)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    both.assert_same(y, t, rtol=tol, atol=tol)
    both.backward(y, t, rng.normal(size=tuple(t.shape)).astype(dtype))
    both.assert_same_grads([x] + list(ours.parameters()), [tx] + list(theirs.parameters()),
                           rtol=tol, atol=tol)


@pytest.mark.parametrize("name, args, kwargs", [
    ("Conv2d", (6, 8, (3, 5)), {"groups": 2}), ("Conv1d", (3, 4, 7), {}),
    ("ConvTranspose2d", (6, 8, 3), {"groups": 2})])
def test_initialisation_is_torch_s(name, args, kwargs, torch):
    """W and b ~ U(±1/√fan_in), fan_in = weight.shape[1] · Π kernel (also for the transposed
    layer, as in PyTorch); reproducible with generator=."""
    layer = getattr(nn, name)(*args, generator=0, **kwargs)
    ref = getattr(torch.nn, name)(*args, **kwargs)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    fan_in = w.shape[1] * math.prod(w.shape[2:])
    assert fan_in == torch.nn.init._calculate_fan_in_and_fan_out(ref.weight)[0]
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound                     # spread over the whole interval
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.15)
    again = getattr(nn, name)(*args, generator=0, **kwargs)
    np.testing.assert_array_equal(again.weight.detach().numpy(), w)


def test_conv_transpose_output_size_picks_the_output_padding(torch, both):
    ours, theirs = _pair(torch, "ConvTranspose2d", (2, 3, 3), {"stride": 3, "padding": 1},
                         np.float64)
    x, tx = both.leaf(np.random.default_rng(0).normal(size=(1, 2, 4, 4)))
    for size in [(10, 10), (11, 12), (1, 3, 12, 10)]:
        both.assert_same(ours(x, output_size=size), theirs(tx, output_size=size), rtol=1e-12)
    with pytest.raises(ValueError, match="valid sizes range from 10 to 12"):
        ours(x, output_size=(13, 10))


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda: nn.Conv2d(4, 4, 3, padding="full"), "Invalid padding string 'full'"),
    (lambda: nn.Conv2d(4, 4, 3, stride=2, padding="same"), "not supported for strided"),
    (lambda: nn.Conv2d(4, 4, 3, padding_mode="mirror"), "padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), 'Only "zeros" padding mode'),
])
def test_constructor_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_input_names_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"conv2d.*\[1, 2, 5, 5\].*3 channels"):
        nn.Conv2d(3, 4, 3)(gg.zeros(1, 2, 5, 5))


# ------------------------------------------------------------------------------ safetensors
def _cnn_ours():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6 * 2 * 2, 5))


def _cnn_torch(torch):
    t = torch.nn
    return t.Sequential(t.Conv2d(1, 4, 3, padding=1, bias=False), t.BatchNorm2d(4), t.ReLU(),
                        t.MaxPool2d(2), t.Conv2d(4, 6, 3), t.ReLU(), t.MaxPool2d(2),
                        t.Flatten(), t.Linear(6 * 2 * 2, 5))


def _images(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(16, 1, 12, 12)).astype(np.float32), rng.integers(0, 5, 16)


def test_torch_trained_cnn_loads_through_safetensors(torch, tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file
    torch.manual_seed(0)
    theirs = _cnn_torch(torch)
    opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    x, y = _images(0)
    for _ in range(5):                                          # trained, if briefly
        opt.zero_grad()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        opt.step()
    save_file(theirs.state_dict(), str(tmp_path / "cnn.safetensors"))
    ours = _cnn_ours()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(gg.load(tmp_path / "cnn.safetensors"))
    ours.eval(), theirs.eval()
    assert ours[1].num_batches_tracked.item() == 5                  # the buffers came too
    test, _ = _images(1)
    np.testing.assert_allclose(ours(gg.tensor(test)).detach().numpy(),
                               theirs(torch.tensor(test)).detach().numpy(), rtol=1e-5,
                               atol=1e-5)


def test_graphgrad_trained_cnn_loads_into_torch(torch, tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file
    gg.manual_seed(0)
    ours = _cnn_ours()
    opt = gg.optim.SGD(ours.parameters(), lr=0.1)
    x, y = _images(2)
    for _ in range(5):
        opt.zero_grad()
        gg.nn.functional.cross_entropy(ours(gg.tensor(x)), gg.tensor(y)).backward()
        opt.step()
    gg.save(ours.state_dict(), tmp_path / "cnn.safetensors")
    theirs = _cnn_torch(torch)
    theirs.load_state_dict(load_file(str(tmp_path / "cnn.safetensors")))
    ours.eval(), theirs.eval()
    assert int(theirs[1].num_batches_tracked) == 5
    test, _ = _images(3)
    np.testing.assert_allclose(ours(gg.tensor(test)).detach().numpy(),
                               theirs(torch.tensor(test)).detach().numpy(), rtol=1e-5,
                               atol=1e-5)
