"""interpolate, pixel_shuffle and pixel_unshuffle (ops/resample.py) against PyTorch: values and
input gradients for every mode (nearest, nearest-exact, linear, bilinear, bicubic, trilinear,
area), with size= or scale_factor=, align_corners, up and down, in float32 and float64;
gradcheck in both modes and to second order; PyTorch's errors."""
import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn.functional as F

TOL = {np.float64: 1e-12, np.float32: 1e-5}

CASES = [
    ((2, 3, 5, 7), dict(size=(8, 4))),
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(scale_factor=2.5)),
    ((1, 1, 6, 9), dict(scale_factor=(1.7, 0.6), mode="nearest-exact")),
    ((2, 3, 5, 7), dict(size=(9, 11), mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 3), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(scale_factor=1.7, mode="bilinear")),
    ((1, 2, 8, 6), dict(scale_factor=0.5, mode="bilinear", recompute_scale_factor=True)),
    ((1, 1, 4, 4), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(size=(9, 11), mode="bicubic")),
    ((2, 3, 5, 7), dict(scale_factor=1.3, mode="bicubic", align_corners=True)),
    ((1, 2, 9, 8), dict(size=(4, 3), mode="bicubic")),
    ((2, 3, 7), dict(size=12, mode="linear")),
    ((2, 3, 7), dict(scale_factor=0.6, mode="linear", align_corners=True)),
    ((2, 3, 7), dict(size=10)),
    ((2, 3, 7, 9), dict(size=(3, 4), mode="area")),
    ((2, 3, 7, 9), dict(scale_factor=0.5, mode="area")),
    ((1, 2, 3, 4, 5), dict(size=(5, 3, 7), mode="trilinear")),
    ((1, 2, 3, 4, 5), dict(scale_factor=2)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,kwargs", CASES)
def test_interpolate_matches_torch(torch, shape, kwargs, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(dtype)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = F.interpolate(xg, **kwargs), torch.nn.functional.interpolate(xt, **kwargs)
    g = rng.normal(size=tuple(yt.shape)).astype(dtype)
    y.backward(gg.tensor(g))
    yt.backward(torch.tensor(g))
    assert y.dtype == dtype and tuple(y.shape) == tuple(yt.shape)
    tol = TOL[dtype]
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((18, 2, 2), 3), ((1, 1, 4, 1, 1), 2)])
def test_pixel_shuffle_and_unshuffle_match_torch(torch, shape, r, dtype):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape).astype(dtype)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = gg.pixel_shuffle(xg, r), torch.pixel_shuffle(xt, r)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    g = rng.normal(size=tuple(yt.shape)).astype(dtype)
    y.backward(gg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
    back = gg.pixel_unshuffle(y, r)
    np.testing.assert_array_equal(back.detach().numpy(), x)
    np.testing.assert_array_equal(back.detach().numpy(),
                                  torch.pixel_unshuffle(yt, r).detach().numpy())


@pytest.mark.parametrize("f", [
    lambda x: F.interpolate(x, size=(4, 7), mode="bilinear"),
    lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True),
    lambda x: F.interpolate(x, scale_factor=2),
    lambda x: F.interpolate(x, size=(2, 2), mode="area"),
    lambda x: F.pixel_shuffle(x.reshape(1, 4, 3, 3), 2),
    lambda x: F.pixel_unshuffle(x.reshape(1, 1, 6, 6), 3),
], ids=["bilinear", "bicubic", "nearest", "area", "shuffle", "unshuffle"])
def test_gradcheck_both_modes_second_order(f):
    x = np.random.default_rng(2).normal(size=(1, 4, 3, 3))
    assert gg.gradcheck(f, [x], atol=1e-7, rtol=1e-5, second_order=True)


@pytest.mark.parametrize("call,error,words", [
    (lambda: F.interpolate(gg.randn(1, 3, 4), size=(2, 2)), ValueError, ["[4]", "(2, 2)"]),
    (lambda: F.interpolate(gg.randn(1, 3, 4), size=2, scale_factor=2), ValueError,
     ["only one"]),
    (lambda: F.interpolate(gg.randn(1, 3, 4)), ValueError, ["either size"]),
    (lambda: F.interpolate(gg.randn(1, 3, 4, 4), size=2, mode="linear"), NotImplementedError,
     ["linear", "[1, 3, 4, 4]"]),
    (lambda: F.interpolate(gg.randn(1, 3, 4), size=2, mode="bilinear"), NotImplementedError,
     ["bilinear", "[1, 3, 4]"]),
    (lambda: F.interpolate(gg.randn(3, 4), size=2), NotImplementedError, ["2D", "[3, 4]"]),
    (lambda: F.interpolate(gg.randn(1, 3, 4), size=2, align_corners=True), ValueError,
     ["align_corners"]),
    (lambda: F.pixel_shuffle(gg.randn(1, 3, 2, 2), 2), ValueError,
     ["pixel_shuffle", "input.size(-3)=3", "[1, 3, 2, 2]"]),
    (lambda: F.pixel_shuffle(gg.randn(4, 2), 2), ValueError, ["pixel_shuffle", "[4, 2]"]),
    (lambda: F.pixel_unshuffle(gg.randn(1, 3, 3, 2), 2), ValueError,
     ["pixel_unshuffle", "height", "[1, 3, 3, 2]"]),
])
def test_bad_input_raises_like_torch(torch, call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_torch_raises_for_the_same_inputs(torch):
    TF = torch.nn.functional
    for call in [lambda: TF.interpolate(torch.randn(1, 3, 4), size=(2, 2)),
                 lambda: TF.interpolate(torch.randn(1, 3, 4, 4), size=2, mode="linear"),
                 lambda: TF.interpolate(torch.randn(1, 3, 4), size=2, align_corners=True),
                 lambda: TF.pixel_shuffle(torch.randn(1, 3, 2, 2), 2),
                 lambda: TF.pixel_unshuffle(torch.randn(1, 3, 3, 2), 2)]:
        with pytest.raises((ValueError, RuntimeError, NotImplementedError)):
            call()
