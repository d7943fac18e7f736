"""The elementwise primitives of explog, trig, rounding and erf against PyTorch: values and
dtypes, every gradient, forward mode and second order, in float64 and float32, on 0-d tensors
and with broadcasting, at ±∞, NaN and the functions' special points; NumPy aliases, Tensor
methods and NumPy ufunc dispatch."""
import numpy as np
import pytest
from elementwise_oracle import as_numpy, compare

import graphgrad as gg

INF, NAN = np.inf, np.nan


def _u(low, high):
    return lambda rng, shape: rng.uniform(low, high, shape)


def _away_from_integers(rng, shape):
    return rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.9, shape)


def _nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)


#: name → (sampler of the operand, special values, whether torch differentiates it)
UNARY = {
    "log2": (_u(0.2, 3), [0.0, -1.0, INF, NAN, 1.0], True),
    "log10": (_u(0.2, 3), [0.0, -1.0, INF, NAN, 1.0], True),
    "exp2": (_u(-3, 3), [-INF, INF, NAN, 0.0, 1000.0], True),
    "rsqrt": (_u(0.2, 3), [0.0, -0.0, -1.0, INF, NAN], True),
    "reciprocal": (_nonzero, [0.0, -0.0, INF, -INF, NAN], True),
    "square": (_u(-2, 2), [INF, -INF, NAN, 0.0], True),
    "sinh": (_u(-2, 2), [INF, -INF, NAN, 0.0], True),
    "cosh": (_u(-2, 2), [INF, -INF, NAN, 0.0], True),
    "asin": (_u(-0.9, 0.9), [1.0, -1.0, 2.0, NAN, 0.0], True),
    "acos": (_u(-0.9, 0.9), [1.0, -1.0, 2.0, NAN, 0.0], True),
    "asinh": (_u(-2, 2), [INF, -INF, NAN, 0.0], True),
    "acosh": (_u(1.2, 3), [1.0, 0.5, INF, NAN], True),
    "atanh": (_u(-0.9, 0.9), [1.0, -1.0, 2.0, NAN, 0.0], True),
    "erf": (_u(-2.5, 2.5), [INF, -INF, NAN, 0.0, 6.0], True),
    "erfc": (_u(-2.5, 2.5), [INF, -INF, NAN, 0.0, 6.0, -6.0], True),
    "erfinv": (_u(-0.95, 0.95), [1.0, -1.0, 1.5, NAN, 0.0, 1 - 2 ** -53, -0.999999], True),
    "trunc": (_away_from_integers, [INF, -INF, NAN, -0.5, 2.5], True),
    "fix": (_away_from_integers, [INF, -INF, NAN, -0.5], True),
    "frac": (_away_from_integers, [INF, -INF, NAN, -2.5, 2.5], True),
    "sinc": (_nonzero, [0.0, 1.0, -2.0, 0.5, INF, NAN, 0.1], True),
    "deg2rad": (_u(-360, 360), [INF, NAN], True),
    "rad2deg": (_u(-4, 4), [INF, NAN], True),
    "sgn": (_nonzero, [NAN, 0.0, -0.0, INF, -INF], True),
    "positive": (_u(-2, 2), [NAN, INF], True),
    "nan_to_num": (_u(-2, 2), [NAN, INF, -INF, 1.0], True),
    "atan": (_u(-3, 3), [INF, -INF, NAN], True),
}


@pytest.mark.parametrize("shape", [(3, 4), ()])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, dtype, shape, torch):
    sampler, _, _ = UNARY[name]
    x = sampler(np.random.default_rng(0), shape)
    compare(torch, getattr(gg, name), getattr(torch, name), x, dtype=dtype,
            second=dtype == np.float64)
    compare(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), x, dtype=dtype,
            jvp=False, what=f"Tensor.{name}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_special_values(name, dtype, torch):
    _, special, _ = UNARY[name]
    tol = (1e-5, 1e-30) if dtype == np.float32 else (1e-14, 1e-300)
    compare(torch, getattr(gg, name), getattr(torch, name), np.array(special), dtype=dtype,
            jvp=False, tol=tol, what=f"{name} at {special}")


def test_unary_of_integers_gives_the_default_float(torch):
    i = np.array([1, 2, 3])
    for name in ("log2", "log10", "exp2", "rsqrt", "reciprocal", "sinh", "cosh", "asinh", "erf",
                 "erfc", "sinc", "deg2rad", "rad2deg"):
        ours, theirs = getattr(gg, name)(gg.tensor(i)), getattr(torch, name)(torch.tensor(i))
        assert as_numpy(ours).dtype == np.dtype(str(theirs.dtype).split(".")[-1]), name
        np.testing.assert_allclose(as_numpy(ours), theirs.numpy(), rtol=1e-6, err_msg=name)
    for name in ("square", "trunc", "sgn", "sign", "positive"):
        ours, theirs = getattr(gg, name)(gg.tensor(i)), getattr(torch, name)(torch.tensor(i))
        assert as_numpy(ours).dtype == np.int64 and theirs.dtype == torch.int64, name
        np.testing.assert_array_equal(as_numpy(ours), theirs.numpy())


# ----------------------------------------------------------------------------- binary
#: name → (sampler of both operands, special pairs, whether torch differentiates it)
BINARY = {
    "atan2": (_nonzero, [(0.0, 0.0), (1.0, 0.0), (0.0, -1.0), (INF, INF), (NAN, 1.0)], True),
    "hypot": (_nonzero, [(3.0, 4.0), (0.0, 0.0), (INF, 1.0), (NAN, INF)], True),
    "copysign": (_nonzero, [(0.0, 1.0), (-0.0, -1.0), (2.0, -0.0), (INF, -1.0), (NAN, -1.0)],
                 True),
    "remainder": (None, [(5.0, 3.0), (-5.0, 3.0), (5.0, -3.0), (5.0, 0.0), (1.0, INF),
                         (-1.0, INF), (INF, 2.0)], True),
    "fmod": (None, [(5.0, 3.0), (-5.0, 3.0), (5.0, -3.0), (5.0, 0.0), (1.0, INF), (INF, 2.0)],
             True),
    "floor_divide": (None, [(5.0, 3.0), (-5.0, 3.0), (5.0, 0.0), (1.0, INF), (-1.0, INF),
                            (0.0, 0.0), (-0.5, INF)], False),
    "logaddexp": (_u(-3, 3), [(-INF, -INF), (INF, INF), (-INF, 2.0), (INF, 1.0), (NAN, 1.0),
                              (1000.0, 1000.0)], True),
    "logaddexp2": (_u(-3, 3), [(-INF, -INF), (INF, INF), (-INF, 2.0), (1.0, 1.0)], True),
    "xlogy": (None, [(0.0, 0.0), (0.0, -1.0), (0.0, NAN), (1.0, 0.0), (2.0, -1.0), (0.0, INF),
                     (-1.0, 0.0), (1.5, 2.0)], True),
    "float_power": (None, [(0.0, 0.0), (2.0, 3.0), (0.0, -1.0), (-2.0, 0.5), (INF, 0.0)], True),
}


def _binary_operands(name, rng, shapes):
    sampler = BINARY[name][0]
    if name in ("remainder", "fmod", "floor_divide"):
        y = _nonzero(rng, shapes[1])
        x = _away_from_integers(rng, np.broadcast_shapes(*shapes))
        return np.asarray(x * y if shapes[0] == np.broadcast_shapes(*shapes) else
                          _away_from_integers(rng, shapes[0]) * 1.7), y
    if name in ("xlogy", "float_power"):
        return rng.uniform(-2, 2, shapes[0]), rng.uniform(0.3, 2, shapes[1])
    return sampler(rng, shapes[0]), sampler(rng, shapes[1])


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3)), ((), ())])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name, dtype, shapes, torch):
    x, y = _binary_operands(name, np.random.default_rng(1), shapes)
    if name == "float_power":
        x = np.abs(x) + 0.2
    differentiable = BINARY[name][2]
    compare(torch, getattr(gg, name), getattr(torch, name), x, y, dtype=dtype,
            grad=differentiable, second=differentiable and dtype == np.float64)
    compare(torch, lambda a, b: getattr(a, name)(b), lambda a, b: getattr(a, name)(b), x, y,
            dtype=dtype, grad=False, what=f"Tensor.{name}")


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_python_numbers(name, torch):
    rng = np.random.default_rng(2)
    x = np.abs(_binary_operands(name, rng, ((3,), (3,)))[0]) + 0.5
    differentiable = BINARY[name][2]
    def theirs(a):
        try:
            return getattr(torch, name)(a, 1.3)
        except TypeError:        # a Python number is refused there: a 0-d tensor promotes alike
            return getattr(torch, name)(a, torch.tensor(1.3, dtype=torch.float64))
    compare(torch, lambda a: getattr(gg, name)(a, 1.3), theirs, x, dtype=np.float32,
            grad=differentiable)
    compare(torch, lambda a: getattr(gg, name)(1.3, a), lambda a: getattr(torch, name)(
        torch.tensor(1.3, dtype=torch.float64), a), x, dtype=np.float32, grad=differentiable)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_special_values(name, torch):
    pairs = np.array(BINARY[name][1])
    compare(torch, getattr(gg, name), getattr(torch, name), pairs[:, 0], pairs[:, 1],
            grad=BINARY[name][2], jvp=False, tol=(1e-14, 1e-300), what=f"{name} at {pairs}")


def test_sinc_near_zero_is_accurate():
    """sinc′ by its Taylor series where the quotient (cos πx − sinc x)/x cancels (PyTorch's
    float32 sinc′ at 1e-3 is 1.4 % off), against 40-digit arithmetic."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for x in (1e-3, -4e-3, 9.9e-3, 1.01e-2, 3e-2, 1e-6, 0.29, -0.31, 0.5):
        exact = float(mpmath.diff(lambda t: mpmath.sinc(mpmath.pi * t), x))
        for dtype, rtol in ((np.float64, 1e-13), (np.float32, 2e-6)):
            t = gg.tensor(x, dtype=dtype, requires_grad=True)
            gg.sinc(t).backward()
            assert t.grad.item() == pytest.approx(exact, rel=rtol), (x, dtype)


def test_floor_divide_has_zero_gradient_where_pytorch_has_none(torch):
    x = gg.tensor([5.5, -5.5], requires_grad=True)
    gg.floor_divide(x, 2.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="not implemented"):
        xt = torch.tensor([5.5], requires_grad=True)
        torch.floor_divide(xt, 2.0).sum().backward()


def test_integer_division_semantics_and_division_by_zero(torch):
    a, b = np.array([5, -5, 7, -7]), np.array([3, 3, -2, -2])
    for name in ("remainder", "fmod", "floor_divide"):
        ours = getattr(gg, name)(gg.tensor(a), gg.tensor(b))
        theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        assert as_numpy(ours).dtype == np.int64
        np.testing.assert_array_equal(as_numpy(ours), theirs.numpy(), err_msg=name)
        np.testing.assert_array_equal(as_numpy(getattr(gg, name)(gg.tensor(a), 3)),
                                      getattr(torch, name)(torch.tensor(a), 3).numpy())
        with pytest.raises(ZeroDivisionError, match=name):
            getattr(gg, name)(gg.tensor(a), gg.tensor([1, 0, 1, 1]))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            getattr(torch, name)(torch.tensor(a), torch.tensor([1, 0, 1, 1]))
    assert (gg.tensor(a) // 2).tolist() == (torch.tensor(a) // 2).tolist()
    assert (gg.tensor(a) % 3).tolist() == (torch.tensor(a) % 3).tolist()
    assert (7 % gg.tensor(a)).tolist() == (7 % torch.tensor(a)).tolist()
    x = gg.tensor([-5.5, 5.5], requires_grad=True)
    y = x % 2 + 7.0 // x
    assert y.tolist() == (torch.tensor([-5.5, 5.5]) % 2 + 7.0 // torch.tensor([-5.5, 5.5])).tolist()
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lerp(dtype, torch):
    rng = np.random.default_rng(3)
    start, end = rng.normal(size=(2, 3)), rng.normal(size=3)
    for weight in (rng.uniform(-0.5, 1.5, (2, 1)), rng.uniform(0, 1, ())):
        compare(torch, gg.lerp, torch.lerp, start, end, weight, dtype=dtype,
                second=dtype == np.float64)
    for w in (0.25, 0.75, 1.0, 0.0):
        compare(torch, lambda s, e: gg.lerp(s, e, w), lambda s, e: torch.lerp(s, e, w),
                start, np.broadcast_to(end, (2, 3)).copy(), dtype=dtype)
        compare(torch, lambda s, e: s.lerp(e, w), lambda s, e: s.lerp(e, w), start,
                np.broadcast_to(end, (2, 3)).copy(), dtype=dtype, grad=False)


def test_nan_to_num_arguments(torch):
    x = np.array([NAN, INF, -INF, 1.5])
    for kwargs in ({}, {"nan": 2.0}, {"posinf": 9.0, "neginf": -9.0}, {"nan": -1, "posinf": 1}):
        for dtype in (np.float64, np.float32):
            compare(torch, lambda a: gg.nan_to_num(a, **kwargs),
                    lambda a: torch.nan_to_num(a, **kwargs), x, dtype=dtype, jvp=False)
            compare(torch, lambda a: a.nan_to_num(**kwargs), lambda a: a.nan_to_num(**kwargs),
                    x, dtype=dtype, grad=False)


def test_erfinv_to_full_float64_precision(torch):
    y = np.concatenate([np.linspace(-1, 1, 2001)[1:-1], 1 - np.logspace(-16, -0.3, 200),
                        -np.logspace(-300, -1, 50)])
    ours, theirs = gg.erfinv(gg.tensor(y)), torch.erfinv(torch.tensor(y))
    np.testing.assert_allclose(as_numpy(ours), theirs.numpy(), rtol=5e-15, atol=0)
    np.testing.assert_allclose(as_numpy(gg.erf(ours)), y, rtol=4e-16, atol=1e-16)


def test_aliases_and_the_isclose_family(torch):
    pairs = [("arcsin", "asin"), ("arccos", "acos"), ("arctan2", "atan2"), ("arcsinh", "asinh"),
             ("arccosh", "acosh"), ("arctanh", "atanh"), ("fix", "trunc"), ("arctan", "atan")]
    for alias, name in pairs:
        assert getattr(gg, alias) is getattr(gg, name) and hasattr(torch, alias)
    a = np.array([1.0, INF, NAN, -INF, 1e-9, 1.0])
    b = np.array([1.0 + 1e-6, INF, NAN, INF, 0.0, 1.1])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 1e-8, "rtol": 0}):
        for dtype in (np.float64, np.float32):
            xa, xb = a.astype(dtype), b.astype(dtype)
            ours = gg.isclose(gg.tensor(xa), gg.tensor(xb), **kwargs)
            theirs = torch.isclose(torch.tensor(xa), torch.tensor(xb), **kwargs)
            np.testing.assert_array_equal(as_numpy(ours), theirs.numpy(), err_msg=str(kwargs))
            assert gg.allclose(gg.tensor(xa[:2]), gg.tensor(xb[:2]), **kwargs) is \
                torch.allclose(torch.tensor(xa[:2]), torch.tensor(xb[:2]), **kwargs)
            assert gg.tensor(xa).isclose(gg.tensor(xb), **kwargs).tolist() == theirs.tolist()
    with pytest.raises(gg.DtypeError, match="same dtype"):
        gg.isclose(gg.tensor([1.0]), gg.tensor([1.0], dtype=gg.float64))


def test_positive_returns_the_input_and_refuses_bool(torch):
    x = gg.tensor([1.0, -2.0], requires_grad=True)
    assert gg.positive(x) is x and x.positive() is x
    with pytest.raises(gg.DtypeError, match="bool"):
        gg.positive(gg.tensor([True]))
    with pytest.raises(RuntimeError, match="bool"):
        torch.positive(torch.tensor([True]))


def test_numpy_ufuncs_dispatch_to_the_new_operations():
    x = gg.tensor([0.3, 0.6], dtype=gg.float64, requires_grad=True)
    for ufunc, op in ((np.arcsin, gg.asin), (np.sinh, gg.sinh), (np.log2, gg.log2),
                      (np.exp2, gg.exp2), (np.square, gg.square), (np.arctan, gg.atan),
                      (np.trunc, gg.trunc), (np.deg2rad, gg.deg2rad), (np.reciprocal,
                                                                     gg.reciprocal)):
        y = ufunc(x)
        assert isinstance(y, gg.Tensor) and y.requires_grad
        np.testing.assert_array_equal(as_numpy(y), as_numpy(op(x)))
    for ufunc, op in ((np.arctan2, gg.atan2), (np.hypot, gg.hypot), (np.remainder, gg.remainder),
                      (np.fmod, gg.fmod), (np.logaddexp, gg.logaddexp),
                      (np.copysign, gg.copysign), (np.float_power, gg.float_power)):
        y = ufunc(x, np.array([0.5, -0.7]))
        assert isinstance(y, gg.Tensor), ufunc
        np.testing.assert_array_equal(as_numpy(y), as_numpy(op(x, np.array([0.5, -0.7]))))


def test_complex_sgn(torch):
    z = np.array([3 + 4j, 0j, -2j])
    np.testing.assert_allclose(as_numpy(gg.sgn(gg.tensor(z))), torch.sgn(torch.tensor(z)))
    with pytest.raises(gg.DtypeError, match="complex"):
        gg.sgn(gg.tensor(z, requires_grad=True))
