"""conv1d, conv2d, conv_transpose2d, unfold and fold against PyTorch: values and every gradient
over a grid of strides, paddings, dilations, groups and kernel shapes (odd and even, non-square,
batch 1, one channel, unbatched), float64 and float32; gradcheck in both modes and to second
order; bad shapes raise errors that name the operation and the shapes."""
import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn.functional as F
from graphgrad.errors import ShapeError

# (input shape, weight shape, keyword arguments)
CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 3), {"stride": 2, "padding": 1}),
    ((1, 1, 5, 5), (1, 1, 2, 2), {}),                                   # batch 1, one channel
    ((2, 4, 8, 7), (6, 2, 2, 3), {"groups": 2, "stride": (2, 1), "padding": (1, 0)}),
    ((2, 4, 9, 8), (4, 1, 3, 3), {"groups": 4, "padding": 1}),          # depthwise
    ((2, 4, 9, 8), (8, 1, 3, 2), {"groups": 4, "dilation": (2, 1)}),     # depthwise ×2
    ((1, 3, 9, 10), (2, 3, 3, 4), {"dilation": 2, "padding": (2, 3), "stride": (3, 2)}),
    ((2, 3, 6, 5), (5, 3, 4, 2), {"padding": "same"}),                  # even kernel: asymmetric
    ((2, 3, 6, 5), (5, 3, 3, 2), {"padding": "same", "dilation": (2, 3)}),
    ((2, 3, 6, 5), (5, 3, 3, 2), {"padding": "valid"}),
    ((3, 6, 5), (2, 3, 1, 1), {}),                                      # unbatched, 1×1 kernel
    ((3, 6, 5), (2, 3, 3, 3), {"padding": 1, "stride": 2}),              # unbatched
    ((2, 2, 4, 4), (3, 2, 4, 4), {}),                                   # kernel = input
    ((2, 5, 7, 6), (4, 5, 3, 3), {"padding": 1}),       # C·kh·kw > SHALLOW: blocked GEMMs
    ((1, 6, 6, 5), (3, 6, 3, 2), {"stride": 2, "padding": (1, 0)}),
]

CONV1D = [
    ((2, 3, 9), (4, 3, 3), {}),
    ((1, 1, 8), (2, 1, 2), {"stride": 2, "padding": 1}),
    ((2, 4, 10), (4, 2, 3), {"groups": 2, "dilation": 2, "padding": 2}),
    ((2, 4, 10), (4, 4, 4), {"padding": "same"}),
    ((3, 7), (2, 3, 3), {"padding": 1}),                                # unbatched
]

# (input, weight (C_in, C_out / groups, kh, kw), keyword arguments)
CONV_T = [
    ((2, 4, 3, 3), (4, 3, 3, 3), {}),
    ((2, 4, 3, 4), (4, 3, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 4, 3, 3), (4, 1, 3, 2), {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2),
                                  "groups": 2, "dilation": (1, 2)}),
    ((2, 4, 3, 3), (4, 1, 3, 3), {"groups": 4, "dilation": (2, 3), "padding": (0, 2),
                                  "output_padding": (1, 1)}),          # output_padding ≥ stride
    ((2, 3, 3), (2, 2, 2, 2), {"stride": 2, "dilation": 3, "output_padding": 2}),   # unbatched
    ((1, 1, 4, 4), (1, 1, 1, 1), {"stride": 2}),
]


def _check(both, ours_f, torch_f, shapes, kwargs, dtype, bias=True, rng=None):
    rng = rng or np.random.default_rng(0)
    x_shape, w_shape, out_channels = shapes
    arrays = [rng.normal(size=x_shape), rng.normal(size=w_shape)]
    if bias:
        arrays.append(rng.normal(size=out_channels))
    ours, theirs = both.leaves(*arrays, dtype=dtype)
    y, t = ours_f(*ours, **kwargs), torch_f(*theirs, **kwargs)
    assert tuple(y.shape) == tuple(t.shape) and y.dtype == dtype
    tol = 1e-10 if dtype == np.float64 else 2e-4
    both.assert_same(y, t, rtol=tol, atol=tol)
    gradient = rng.normal(size=tuple(t.shape)).astype(dtype)
    both.backward(y, t, gradient)
    both.assert_same_grads(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", range(len(CONV2D)))
def test_conv2d_values_and_gradients_match_torch(case, dtype, both, TF):
    x, w, kwargs = CONV2D[case]
    _check(both, F.conv2d, TF.conv2d, (x, w, w[0]), kwargs, dtype, bias=case % 2 == 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", range(len(CONV1D)))
def test_conv1d_values_and_gradients_match_torch(case, dtype, both, TF):
    x, w, kwargs = CONV1D[case]
    _check(both, F.conv1d, TF.conv1d, (x, w, w[0]), kwargs, dtype, bias=case % 2 == 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", range(len(CONV_T)))
def test_conv_transpose2d_values_and_gradients_match_torch(case, dtype, both, TF):
    x, w, kwargs = CONV_T[case]
    out_channels = w[1] * kwargs.get("groups", 1)
    _check(both, F.conv_transpose2d, TF.conv_transpose2d, (x, w, out_channels), kwargs, dtype,
           bias=case % 2 == 1)


@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d_in_batch_blocks_with_a_partial_last_block(groups, both, TF, monkeypatch):
    """The GEMMs of the forward and of ∂L/∂x run two samples at a time (the last block one)."""
    from graphgrad.ops import convolution
    x, w = (5, 6, 7, 6), (4, 6 // groups, 3, 3)         # 54 column rows, 42 positions
    monkeypatch.setattr(convolution, "BLOCK", 2 * 54 * 42 * 8)
    _check(both, F.conv2d, TF.conv2d, (x, w, w[0]), {"padding": 1, "groups": groups},
           np.float64)


def test_top_level_names_are_the_functional_ones(torch):
    assert gg.conv2d is F.conv2d and gg.conv1d is F.conv1d
    assert gg.conv_transpose2d is F.conv_transpose2d
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    np.testing.assert_allclose(gg.conv2d(x, w, None, 1, 1),     # plain arrays give arrays
                               torch.conv2d(torch.tensor(x), torch.tensor(w), None, 1, 1),
                               rtol=1e-12, atol=1e-12)
    assert isinstance(gg.conv2d(x, w), np.ndarray)


UNFOLD = [((2, 3, 6, 5), {"kernel_size": (2, 3)}),
          ((1, 1, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
          ((2, 2, 8, 6), {"kernel_size": (3, 2), "dilation": (2, 1), "padding": (1, 2),
                          "stride": (1, 2)}),
          ((3, 5, 5), {"kernel_size": 2})]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", range(len(UNFOLD)))
def test_unfold_and_fold_match_torch(case, dtype, both, TF):
    shape, kwargs = UNFOLD[case]
    rng = np.random.default_rng(case)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    (x,), (tx,) = both.leaves(rng.normal(size=shape), dtype=dtype)
    cols, tcols = F.unfold(x, **kwargs), TF.unfold(tx, **kwargs)
    both.assert_same(cols, tcols, rtol=tol, atol=tol)
    both.backward(cols, tcols, rng.normal(size=tuple(tcols.shape)).astype(dtype))
    both.assert_same_grads([x], [tx], rtol=tol, atol=tol)
    # fold: the adjoint, overlapping windows summed
    (c,), (tc,) = both.leaves(rng.normal(size=tuple(tcols.shape)), dtype=dtype)
    out, tout = F.fold(c, shape[-2:], **kwargs), TF.fold(tc, shape[-2:], **kwargs)
    both.assert_same(out, tout, rtol=tol, atol=tol)
    both.backward(out, tout, rng.normal(size=tuple(tout.shape)).astype(dtype))
    both.assert_same_grads([c], [tc], rtol=tol, atol=tol)


def test_conv2d_is_unfold_then_matmul():
    """The closed form: conv2d(x, W) = W (O, C·k) @ unfold(x), reshaped."""
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(2, 3, 6, 7)), rng.normal(size=(4, 3, 2, 3))
    y = F.conv2d(x, w, stride=(1, 2), padding=1)
    cols = F.unfold(x, (2, 3), stride=(1, 2), padding=1)
    np.testing.assert_allclose(y.reshape(2, 4, -1), w.reshape(4, -1) @ cols, rtol=1e-12)


@pytest.mark.parametrize("f, shapes, kwargs", [
    (F.conv2d, [(2, 4, 5, 4), (4, 2, 2, 3), (4,)], {"stride": (2, 1), "padding": (1, 1),
                                                    "dilation": (1, 2), "groups": 2}),
    (F.conv2d, [(1, 2, 4, 5), (3, 2, 2, 2)], {"padding": "same"}),
    (F.conv1d, [(2, 2, 6), (3, 2, 3), (3,)], {"stride": 2, "padding": 1}),
    (F.conv_transpose2d, [(2, 4, 3, 3), (4, 1, 2, 3), (2,)], {"stride": 2, "padding": (1, 0),
                                                              "output_padding": 1, "groups": 2}),
    (F.conv_transpose2d, [(1, 2, 3, 3), (2, 2, 3, 3)], {"dilation": 2, "output_padding": 1}),
    (F.unfold, [(2, 2, 5, 4)], {"kernel_size": (2, 3), "padding": 1, "stride": (2, 1)}),
    (F.fold, [(2, 8, 18)], {"output_size": (4, 5), "kernel_size": 2, "padding": 1,
                            "stride": (2, 1)}),
])
def test_gradcheck_both_modes_and_second_order(f, shapes, kwargs):
    rng = np.random.default_rng(3)
    inputs = [gg.tensor(rng.normal(size=s)) for s in shapes]
    assert gg.gradcheck(lambda *a: f(*a, **kwargs), inputs, second_order=True)


def test_second_order_matches_torch(both, TF):
    """∂/∂x of ‖∂L/∂W‖² through conv2d: the backward rules differentiated once more."""
    rng = np.random.default_rng(4)
    (x, w), (tx, tw) = both.leaves(rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(4, 3, 3, 3)))
    kw = {"stride": 2, "padding": 1}
    gw, = gg.autograd.grad((F.conv2d(x, w, **kw) ** 2).sum(), [w], create_graph=True)
    tgw, = both.torch.autograd.grad((TF.conv2d(tx, tw, **kw) ** 2).sum(), [tw],
                                    create_graph=True)
    both.backward((gw ** 2).sum(), (tgw ** 2).sum(), np.array(1.0))
    both.assert_same_grads([x, w], [tx, tw], rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------------------ errors
def _raises(call, *words):
    with pytest.raises(ShapeError) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_bad_shapes_raise_errors_that_name_the_op_and_the_shapes():
    x, w = np.ones((1, 4, 5, 5)), np.ones((8, 3, 3, 3))
    _raises(lambda: F.conv2d(x, w), "conv2d", "[8, 3, 3, 3]", "[1, 4, 5, 5]", "3 channels")
    _raises(lambda: F.conv2d(np.ones((1, 3, 2, 2)), w), "conv2d", "(2 x 2)", "(3 x 3)",
            "Kernel size can't be greater")
    _raises(lambda: F.conv2d(np.ones((1, 3, 2, 2)), w, padding=1, dilation=2), "(4 x 4)",
            "(5 x 5)")
    _raises(lambda: F.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2),
            "conv2d", "groups=2", "divisible by 2", "[3, 2, 3, 3]")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((4, 1, 3, 3)), groups=2),
            "conv2d", "groups=2", "2 channels", "[1, 3, 5, 5]")
    _raises(lambda: F.conv2d(np.ones((5, 5)), w), "conv2d", "3D (unbatched) or 4D", "[5, 5]")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((8, 3, 3))), "conv2d",
            "4-dimensional", "[8, 3, 3]")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), w[:, :3], np.ones(3)), "conv2d", "bias",
            "[3]")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), w, stride=2, padding="same"), "conv2d",
            "'same'", "strided")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), w, padding="full"), "conv2d", "'full'")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), w, stride=0), "conv2d", "stride")
    _raises(lambda: F.conv2d(np.ones((1, 3, 5, 5)), w, padding=-1), "conv2d", "negative")
    _raises(lambda: F.conv1d(np.ones((1, 3, 2)), np.ones((4, 3, 3))), "conv1d", "(2)", "(3)")
    _raises(lambda: F.conv_transpose2d(np.ones((1, 3, 5, 5)), np.ones((4, 3, 3, 3))),
            "conv_transpose2d", "transposed=1", "[1, 3, 5, 5]", "4 channels")
    _raises(lambda: F.conv_transpose2d(np.ones((1, 4, 5, 5)), np.ones((4, 3, 3, 3)),
                                       output_padding=1), "conv_transpose2d", "output padding")
    _raises(lambda: F.unfold(np.ones((1, 3, 5, 5)), 7), "unfold", "(5, 5)", "(-1, -1)")
    _raises(lambda: F.unfold(np.ones((5, 5)), 2), "unfold", "[5, 5]")
    _raises(lambda: F.fold(np.ones((1, 12, 15)), (5, 5), 2), "fold", "4 * 4 = 16", "15")
    _raises(lambda: F.fold(np.ones((1, 13, 16)), (5, 5), 2), "fold", "divisible", "13")


def test_errors_agree_with_torch_on_what_raises(torch, TF):
    """Each bad call above raises in PyTorch too, and a good one in neither."""
    cases = [((1, 4, 5, 5), (8, 3, 3, 3), {}), ((1, 3, 2, 2), (8, 3, 3, 3), {}),
             ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}), ((1, 3, 5, 5), (8, 3, 3, 3),
                                                          {"stride": 2, "padding": "same"}),
             ((1, 3, 5, 5), (8, 3, 3, 3), {"padding": 1})]
    for x, w, kwargs in cases:
        outcome = []
        for f, make in ((F.conv2d, np.ones), (TF.conv2d, torch.ones)):
            try:
                f(make(x), make(w), **kwargs)
                outcome.append(False)
            except (ValueError, RuntimeError):
                outcome.append(True)
        assert outcome[0] == outcome[1], (x, w, kwargs, outcome)
