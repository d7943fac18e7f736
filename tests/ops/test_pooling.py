"""Max, average and adaptive pooling (ops/pooling.py, ops/adaptive_pool.py) against PyTorch:
values, indices and input gradients over a grid of kernels, strides, paddings, dilations and
ceil_mode (odd and even, non-square, batch 1, one channel, unbatched), in float32 and float64;
gradcheck in both modes and to second order; PyTorch's errors for bad shapes."""
import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn.functional as F

TOL = {np.float64: 1e-12, np.float32: 1e-5}


def _run(ours, theirs, torch, x, dtype, seed=0, indices=False):
    """(values, indices, grad) of both libraries for input x and a random output gradient."""
    x = x.astype(dtype)
    xg = gg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_g, out_t = ours(xg), theirs(xt)
    yg, ig = (out_g if indices else (out_g, None))
    yt, it = (out_t if indices else (out_t, None))
    g = np.random.default_rng(seed).normal(size=tuple(yt.shape)).astype(dtype)
    yg.backward(gg.tensor(g))
    yt.backward(torch.tensor(g))
    assert yg.dtype == dtype and xg.grad.dtype == dtype
    tol = TOL[dtype]
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    if indices:
        assert ig.dtype == np.int64
        np.testing.assert_array_equal(ig.numpy(), it.numpy())


MAX2D = [  # shape, kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 8, 8), 2, None, 0, 1, False),
    ((2, 3, 7, 9), 3, 2, 1, 1, False),
    ((2, 3, 7, 9), 3, 2, 1, 1, True),
    ((1, 1, 9, 7), (3, 2), (2, 1), (1, 1), (2, 1), True),
    ((1, 2, 10, 6), (2, 3), (3, 2), (1, 0), (1, 2), False),
    ((3, 5, 6), 2, 1, 1, 1, False),                       # unbatched (C, H, W)
    ((2, 1, 5, 5), 4, 1, 2, 1, True),
    ((1, 3, 11, 11), (5, 3), (2, 3), (2, 1), (2, 3), True),
    ((2, 2, 4, 4), 1, 1, 0, 1, False),
    ((2, 3, 7, 6), 2, None, 0, 1, False),                 # a last row no window reads
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,k,s,p,d,ceil", MAX2D)
def test_max_pool2d_matches_torch(torch, shape, k, s, p, d, ceil, dtype):
    x = np.random.default_rng(1).normal(size=shape)
    TF = torch.nn.functional
    _run(lambda t: F.max_pool2d(t, k, s, p, d, ceil), lambda t: TF.max_pool2d(t, k, s, p, d, ceil),
         torch, x, dtype)
    _run(lambda t: F.max_pool2d(t, k, s, p, d, ceil, return_indices=True),
         lambda t: TF.max_pool2d(t, k, s, p, d, ceil, return_indices=True), torch, x, dtype,
         indices=True)


MAX1D = [((2, 3, 9), 2, None, 0, 1, False), ((2, 3, 9), 3, 2, 1, 2, True),
         ((1, 1, 8), 4, 3, 2, 1, True), ((3, 7), 3, 1, 1, 1, False)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,k,s,p,d,ceil", MAX1D)
def test_max_pool1d_matches_torch(torch, shape, k, s, p, d, ceil, dtype):
    x = np.random.default_rng(2).normal(size=shape)
    TF = torch.nn.functional
    _run(lambda t: gg.max_pool1d(t, k, s, p, d, ceil, return_indices=True),
         lambda t: TF.max_pool1d(t, k, s, p, d, ceil, return_indices=True), torch, x, dtype,
         indices=True)


def test_max_pool_ties_and_nan_choose_as_torch(torch):
    """Ties go to the first entry of a window (over overlapping windows and padding); NaN
    wins over any number, as in PyTorch."""
    x = np.random.default_rng(3).integers(0, 3, (2, 2, 7, 7)).astype(np.float64)
    TF = torch.nn.functional
    _run(lambda t: F.max_pool2d(t, 3, 1, 1, return_indices=True),
         lambda t: TF.max_pool2d(t, 3, 1, 1, return_indices=True), torch, x, np.float64,
         indices=True)
    x = np.random.default_rng(4).normal(size=(1, 2, 6, 6))
    x[0, 0, 1, 1] = x[0, 1, 4, 5] = x[0, 1, 5, 5] = np.nan
    y, i = F.max_pool2d(gg.tensor(x), 2, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    x = np.full((1, 1, 5, 5), -np.inf)          # windows of -∞ only: the first entry inside
    x[0, 0, 2, 2] = 1.0
    for args in [(3, 2, 1), (2, 2, 1, 1, True), (3, 1, 1)]:
        y, i = F.max_pool2d(gg.tensor(x), *args, return_indices=True)
        yt, it = TF.max_pool2d(torch.tensor(x), *args, return_indices=True)
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(i.numpy(), it.numpy())


AVG2D = [  # shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    ((2, 3, 8, 8), 2, None, 0, False, True, None),
    ((2, 3, 7, 9), 3, 2, 1, False, True, None),
    ((2, 3, 7, 9), 3, 2, 1, True, False, None),
    ((1, 1, 9, 7), (3, 2), (2, 1), (1, 1), True, True, None),
    ((1, 2, 10, 6), (4, 3), (3, 2), (2, 0), True, False, None),
    ((3, 5, 6), 2, 1, 1, False, False, 3),
    ((2, 1, 5, 5), 4, 1, 2, True, True, None),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,k,s,p,ceil,cip,div", AVG2D)
def test_avg_pool2d_matches_torch(torch, shape, k, s, p, ceil, cip, div, dtype):
    x = np.random.default_rng(5).normal(size=shape)
    TF = torch.nn.functional
    _run(lambda t: F.avg_pool2d(t, k, s, p, ceil, cip, div),
         lambda t: TF.avg_pool2d(t, k, s, p, ceil, cip, div), torch, x, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,k,s,p,ceil,cip", [((2, 3, 9), 2, None, 0, False, True),
                                                  ((2, 3, 9), 3, 2, 1, True, False),
                                                  ((1, 1, 8), 4, 3, 2, True, True),
                                                  ((3, 7), 3, 1, 1, False, False)])
def test_avg_pool1d_matches_torch(torch, shape, k, s, p, ceil, cip, dtype):
    x = np.random.default_rng(6).normal(size=shape)
    _run(lambda t: gg.avg_pool1d(t, k, s, p, ceil, cip),
         lambda t: torch.avg_pool1d(t, k, s, p, ceil, cip), torch, x, dtype)


ADAPTIVE2D = [((2, 3, 8, 8), 4), ((2, 3, 7, 9), (3, 4)), ((1, 1, 5, 7), (5, 2)),
              ((3, 10, 6), (4, None)), ((1, 2, 3, 3), (5, 7)), ((2, 2, 6, 5), 1)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,size", ADAPTIVE2D)
def test_adaptive_pool2d_matches_torch(torch, shape, size, dtype):
    x = np.random.default_rng(7).normal(size=shape)
    TF = torch.nn.functional
    _run(lambda t: F.adaptive_avg_pool2d(t, size), lambda t: TF.adaptive_avg_pool2d(t, size),
         torch, x, dtype)
    _run(lambda t: F.adaptive_max_pool2d(t, size, True),
         lambda t: TF.adaptive_max_pool2d(t, size, True), torch, x, dtype, indices=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,size", [((2, 3, 9), 4), ((1, 1, 5), 7), ((3, 10), 3)])
def test_adaptive_pool1d_matches_torch(torch, shape, size, dtype):
    x = np.random.default_rng(8).normal(size=shape)
    TF = torch.nn.functional
    _run(lambda t: gg.adaptive_avg_pool1d(t, size), lambda t: TF.adaptive_avg_pool1d(t, size),
         torch, x, dtype)
    _run(lambda t: F.adaptive_max_pool1d(t, size, True),
         lambda t: TF.adaptive_max_pool1d(t, size, True), torch, x, dtype, indices=True)


@pytest.mark.parametrize("f", [
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: F.max_pool2d(x, (2, 3), 1, (1, 0), dilation=(2, 1)),
    lambda x: F.max_pool2d(x, 2, return_indices=True)[0],
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: F.adaptive_max_pool2d(x, (3, 2)),
    lambda x: F.max_pool1d(x.reshape(2, 5, 6), 3, 2, 1),
], ids=["max", "max-dilated", "max-indices", "avg", "adaptive-avg", "adaptive-max", "max1d"])
def test_gradcheck_both_modes_second_order(f):
    x = np.random.default_rng(9).normal(size=(1, 2, 5, 6))
    assert gg.gradcheck(f, [x], atol=1e-7, rtol=1e-5, second_order=True)


def test_hessian_vector_product_of_max_pool_matches_torch(torch):
    """d/dx ⟨∂L/∂x, v⟩ for L = Σ max_pool(x)²: the backward of the backward goes through
    window_scatter's adjoint (the gather)."""
    x = np.random.default_rng(10).normal(size=(2, 2, 6, 6))
    v = np.random.default_rng(11).normal(size=x.shape)
    xg = gg.tensor(x, requires_grad=True)
    (gx,) = gg.autograd.grad((F.max_pool2d(xg, 3, 2, 1) ** 2).sum(), xg, create_graph=True)
    (gx * gg.tensor(v)).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad((torch.nn.functional.max_pool2d(xt, 3, 2, 1) ** 2).sum(), xt,
                                create_graph=True)
    (gt * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("call,words", [
    (lambda: F.max_pool2d(gg.randn(2, 3, 5, 5), 2, padding=2), ["max_pool2d", "pad=2",
                                                              "[2, 3, 5, 5]"]),
    (lambda: F.max_pool2d(gg.randn(2, 3, 1, 1), 3), ["max_pool2d", "[2, 3, 1, 1]",
                                                     "too small"]),
    (lambda: F.max_pool2d(gg.randn(3, 5), 2), ["max_pool2d", "[3, 5]"]),
    (lambda: F.max_pool1d(gg.randn(5), 2), ["max_pool1d", "[5]"]),
    (lambda: F.max_pool1d(gg.randn(2, 3, 4), 5), ["max_pool1d", "[2, 3, 4]", "too small"]),
    (lambda: F.max_pool2d(gg.randn(2, 3, 5, 5), 2, stride=0), ["max_pool2d", "stride",
                                                               "[2, 3, 5, 5]"]),
    (lambda: F.max_pool2d(gg.randn(2, 3, 5, 5), 2, dilation=0), ["max_pool2d", "dilation"]),
    (lambda: F.max_pool2d(gg.randn(2, 3, 5, 5), (2, 2, 2)), ["max_pool2d", "kernel_size"]),
    (lambda: F.avg_pool2d(gg.randn(2, 3, 5, 5), 2, padding=2), ["avg_pool2d", "pad=2",
                                                              "[2, 3, 5, 5]"]),
    (lambda: F.avg_pool2d(gg.randn(2, 3, 1, 1), 3), ["avg_pool2d", "too small"]),
    (lambda: F.avg_pool2d(gg.randn(2, 3, 4, 4), 2, divisor_override=0), ["avg_pool2d"]),
    (lambda: F.adaptive_avg_pool2d(gg.randn(3, 5), 2), ["adaptive_avg_pool2d", "[3, 5]"]),
    (lambda: F.adaptive_max_pool2d(gg.randn(2, 0, 4, 4), 2), ["adaptive_max_pool2d",
                                                               "[2, 0, 4, 4]"]),
    (lambda: F.adaptive_avg_pool1d(gg.randn(2, 3, 4), (2, 2)), ["adaptive_avg_pool1d"]),
])
def test_bad_input_raises_naming_the_op_and_shapes(torch, call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_torch_raises_where_we_raise(torch):
    """The bad inputs above are bad for PyTorch too."""
    TF = torch.nn.functional
    for call in [lambda: TF.max_pool2d(torch.randn(2, 3, 5, 5), 2, padding=2),
                 lambda: TF.max_pool2d(torch.randn(2, 3, 1, 1), 3),
                 lambda: TF.max_pool2d(torch.randn(3, 5), 2),
                 lambda: TF.max_pool1d(torch.randn(2, 3, 4), 5),
                 lambda: TF.avg_pool2d(torch.randn(2, 3, 1, 1), 3),
                 lambda: TF.adaptive_avg_pool2d(torch.randn(3, 5), 2)]:
        with pytest.raises(RuntimeError):
            call()


def test_pooling_runs_on_plain_arrays_and_keeps_float32():
    x = np.random.default_rng(12).normal(size=(2, 3, 6, 6)).astype(np.float32)
    y = F.max_pool2d(x, 2)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    np.testing.assert_array_equal(y, x.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))
    a = F.avg_pool2d(x, 2)
    np.testing.assert_allclose(a, x.reshape(2, 3, 3, 2, 3, 2).mean(axis=(3, 5)), rtol=1e-6)
    assert F.adaptive_avg_pool2d(x, 3).dtype == np.float32


def test_pooling_benchmark_runs_quick(capsys):
    from bench.__main__ import main
    assert main(["pool", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "max_pool2d" in out and "avg_pool2d" in out


def test_integer_inputs_keep_their_dtype_as_in_torch(torch):
    """max_pool2d of integers (padding below every value), avg_pool2d dividing with
    truncation towards zero."""
    x = np.random.default_rng(13).integers(-9, 9, (2, 3, 7, 7))
    TF = torch.nn.functional
    for ours, theirs in [(F.max_pool2d(x, 3, 2, 1), TF.max_pool2d(torch.tensor(x), 3, 2, 1)),
                         (F.avg_pool2d(gg.tensor(x), 3, 2, 1, count_include_pad=False),
                          TF.avg_pool2d(torch.tensor(x), 3, 2, 1, count_include_pad=False))]:
        ours = ours.numpy() if isinstance(ours, gg.Tensor) else ours
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours, theirs.numpy())
