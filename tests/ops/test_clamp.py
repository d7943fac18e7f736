"""clamp (clip), clamp_min and clamp_max against PyTorch: the signature clamp(input, min=None,
max=None) with numbers or tensors, dtype promotion, and the derivative, which goes to whichever
of input, min and max the output equals (max where the bounds are crossed), in both modes."""
import numpy as np
import pytest
from elementwise_oracle import as_numpy, compare

import graphgrad as gg

INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_number_bounds_and_keywords(dtype, torch):
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4))
    for kwargs in ({"min": -0.5, "max": 0.7}, {"min": 0}, {"max": 0.3}, {"min": 0.5, "max": -0.5}):
        compare(torch, lambda x: gg.clamp(x, **kwargs), lambda x: torch.clamp(x, **kwargs), x,
                dtype=dtype, second=True, what=str(kwargs))
        compare(torch, lambda x: x.clamp(**kwargs), lambda x: x.clamp(**kwargs), x, dtype=dtype)
        compare(torch, lambda x: gg.clip(x, **kwargs), lambda x: torch.clip(x, **kwargs), x,
                dtype=dtype)
    compare(torch, lambda x: gg.clamp(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5), x)
    compare(torch, lambda x: x.clamp_min(0.1), lambda x: x.clamp_min(0.1), x, dtype=dtype)
    compare(torch, lambda x: gg.clamp_max(x, 0.1), lambda x: torch.clamp_max(x, 0.1), x,
            dtype=dtype)


def test_the_method_with_min_only_works():
    x = gg.tensor([-1.0, 2.0])
    assert x.clamp(min=0).tolist() == [0.0, 2.0]
    assert x.clip(max=0).tolist() == [-1.0, 0.0]


def test_without_bounds_is_an_error(torch):
    with pytest.raises(TypeError, match="at least one of 'min' or 'max'"):
        gg.clamp(gg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="At least one"):
        torch.clamp(torch.tensor([1.0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_bounds_with_broadcasting(dtype, torch):
    rng = np.random.default_rng(1)
    x, lo, hi = rng.uniform(-2, 2, (3, 4)), rng.uniform(-1, 0, 4), rng.uniform(0, 1, (3, 1))
    compare(torch, gg.clamp, torch.clamp, x, lo, hi, dtype=dtype, second=True)
    compare(torch, lambda x, lo: gg.clamp(x, min=lo), lambda x, lo: torch.clamp(x, min=lo), x,
            lo, dtype=dtype)
    compare(torch, lambda x, hi: x.clamp(max=hi), lambda x, hi: x.clamp(max=hi), x, hi,
            dtype=dtype)
    compare(torch, lambda x: gg.clamp(x, gg.tensor(0.0, dtype=gg.float64)),       # 0-d
            lambda x: torch.clamp(x, torch.tensor(0.0, dtype=torch.float64)),
            rng.uniform(-1, 1, ()), dtype=dtype)


def test_crossed_bounds_give_max_and_its_derivative_in_both_modes(torch):
    x = np.array([-2.0, 0.5, 0.7, 2.0])
    lo, hi = np.full(4, 1.0), np.full(4, 0.0)
    compare(torch, gg.clamp, torch.clamp, x, lo, hi, second=True)
    xs = [gg.tensor(a, requires_grad=True) for a in (x, lo, hi)]
    gg.clamp(*xs).sum().backward()
    assert [a.grad.tolist() for a in xs] == [[0.0] * 4, [0.0] * 4, [1.0] * 4]


def test_boundaries_and_equal_bounds(torch):
    """At x = min or max the derivative goes to x (as PyTorch). Where x < min = max PyTorch's
    backward gives nobody the derivative and its forward mode gives it to min: min gets it here
    in both modes (a one-sided derivative, where 0 for all three would drop it)."""
    x, lo, hi = np.array([0.0, 1.0, -2.0, 0.5]), np.zeros(4), np.array([1.0, 1.0, 0.0, 0.5])
    compare(torch, gg.clamp, torch.clamp, x[:2], lo[:2], hi[:2])
    xs = [gg.tensor(a, requires_grad=True) for a in (x, lo, hi)]
    gg.clamp(*xs).sum().backward()
    assert [a.grad.tolist() for a in xs] == [[1, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]]
    tangents = [np.ones(4), np.full(4, 10.0), np.full(4, 100.0)]
    _, ours = gg.jvp(gg.clamp, [gg.tensor(a) for a in (x, lo, hi)],
                     [gg.tensor(t) for t in tangents])
    _, theirs = torch.func.jvp(torch.clamp, tuple(torch.tensor(a) for a in (x, lo, hi)),
                               tuple(torch.tensor(t) for t in tangents))
    np.testing.assert_array_equal(as_numpy(ours), theirs.numpy())


def test_nan_input_gets_no_derivative_as_pytorch(torch):
    """PyTorch's clamp backward gives a NaN input (or a NaN bound) no derivative, with number
    or tensor bounds; so does this rule, in both modes (PyTorch's forward mode with tensor
    bounds alone passes the tangent of x)."""
    x = np.array([NAN, 0.5, 0.5, 2.0])
    lo, hi = np.array([0.0, NAN, 0.0, 0.0]), np.array([1.0, 1.0, NAN, 1.0])
    compare(torch, gg.clamp, torch.clamp, x, lo, hi, jvp=False)
    compare(torch, lambda x: gg.clamp(x, 0.0, 1.0), lambda x: torch.clamp(x, 0.0, 1.0), x)
    compare(torch, lambda x: gg.clamp(x, min=0.0), lambda x: torch.clamp(x, min=0.0), x)
    _, tangent = gg.jvp(gg.clamp, [gg.tensor(a) for a in (x, lo, hi)],
                        [gg.ones(4, dtype=gg.float64)] * 3)
    assert as_numpy(tangent).tolist() == [0.0, 0.0, 0.0, 1.0]


def test_infinite_bounds_and_values(torch):
    x = np.array([-INF, -1.0, 0.5, INF])
    compare(torch, gg.clamp, torch.clamp, x, np.full(4, -INF), np.full(4, 0.0))
    compare(torch, lambda x: gg.clamp(x, 0.0, 1.0), lambda x: torch.clamp(x, 0.0, 1.0), x)


def test_dtype_promotion(torch):
    i = np.array([1, 2, 3])
    for args in ((1.5,), (1, 2), (None, 2.5), (0.5, None)):
        ours = gg.clamp(gg.tensor(i), *args)
        theirs = torch.clamp(torch.tensor(i), *args)
        assert ours.dtype == np.dtype(str(theirs.dtype).split(".")[-1]), args
        np.testing.assert_array_equal(as_numpy(ours), theirs.numpy())
    f32 = gg.tensor([0.5, 2.0])
    assert gg.clamp(f32, gg.tensor(1.0, dtype=gg.float64)).dtype == np.float32
    assert gg.clamp(f32, gg.tensor([1.0, 1.0], dtype=gg.float64)).dtype == np.float64
    assert torch.clamp(torch.tensor([0.5, 2.0]), torch.tensor([1.0, 1.0],
                                                               dtype=torch.float64)).dtype \
        == torch.float64


def test_plain_arrays_in_arrays_out():
    out = gg.clamp(np.array([-1.0, 2.0]), 0.0, 1.0)
    assert isinstance(out, np.ndarray) and out.tolist() == [0.0, 1.0]
