"""Conformance entries of the elementwise operations: unary functions on their domains, binary
functions with broadcasting, Python numbers and mixed dtypes (PyTorch's promotion), the
comparisons and logic, clamp, where, lerp."""
import numpy as np
from conformance_specs import A, B, C, F, I, compare_with, same

import graphgrad as gg


def unary_cases(lo=-2.0, hi=2.0, ints=True, int_lo=-3, int_hi=4):
    """A unary function's cases: a matrix, 0-d, empty, a size-1 axis, two non-contiguous views,
    and an integer tensor (PyTorch computes most float functions of integers in float32)."""
    cases = [C(F(2, 3, lo=lo, hi=hi)), C(F(lo=lo, hi=hi)), C(F(0, 3, lo=lo, hi=hi)),
             C(F(1, 3, 1, lo=lo, hi=hi)), C(F(3, 4, lo=lo, hi=hi, view="T")),
             C(F(5, lo=lo, hi=hi, view="step"))]
    if ints:
        cases.append(C(I(2, 3, lo=int_lo, hi=int_hi)))
    return cases


UNARY = {   # name: (lo, hi) of the float samples, away from poles, kinks and branch points
    "abs": (-2, 2), "neg": (-2, 2), "exp": (-2, 2), "expm1": (-2, 2), "sin": (-2, 2),
    "cos": (-2, 2), "tan": (-1.2, 1.2), "tanh": (-2, 2), "sigmoid": (-3, 3), "relu": (-2, 2),
    "atan": (-2, 2), "arctan": (-2, 2), "sinh": (-2, 2), "cosh": (-2, 2), "asinh": (-2, 2),
    "arcsinh": (-2, 2), "erf": (-2, 2), "erfc": (-2, 2), "exp2": (-2, 2), "square": (-2, 2),
    "sign": (-2, 2), "floor": (-2, 2), "ceil": (-2, 2), "round": (-2, 2), "trunc": (-2, 2),
    "fix": (-2, 2), "frac": (-2, 2), "sgn": (-2, 2), "positive": (-2, 2),
    "deg2rad": (-2, 2), "rad2deg": (-2, 2), "sinc": (-2, 2),
    "log": (0.2, 3), "log2": (0.2, 3), "log10": (0.2, 3), "sqrt": (0.2, 3),
    "rsqrt": (0.2, 3), "reciprocal": (0.3, 3), "log1p": (-0.6, 2),
    "asin": (-0.9, 0.9), "arcsin": (-0.9, 0.9), "acos": (-0.9, 0.9), "arccos": (-0.9, 0.9),
    "atanh": (-0.9, 0.9), "arctanh": (-0.9, 0.9), "erfinv": (-0.9, 0.9),
    "acosh": (1.2, 3), "arccosh": (1.2, 3),
}

BINARY = {  # name: ((lo, hi) of the first operand, (lo, hi) of the second)
    "add": ((-2, 2), (-2, 2)), "sub": ((-2, 2), (-2, 2)), "mul": ((-2, 2), (-2, 2)),
    "div": ((-2, 2), (0.5, 2)), "pow": ((0.5, 2), (-2, 2)), "maximum": ((-2, 2), (-2, 2)),
    "minimum": ((-2, 2), (-2, 2)), "atan2": ((-2, 2), (-2, 2)), "arctan2": ((-2, 2), (-2, 2)),
    "hypot": ((-2, 2), (-2, 2)), "copysign": ((-2, 2), (-2, 2)),
    "remainder": ((-5, 5), (0.7, 2)), "fmod": ((-5, 5), (0.7, 2)),
    "floor_divide": ((-5, 5), (0.7, 2)), "logaddexp": ((-2, 2), (-2, 2)),
    "logaddexp2": ((-2, 2), (-2, 2)), "xlogy": ((-2, 2), (0.3, 2)),
    "float_power": ((0.5, 2), (-2, 2)),
}


def binary_cases(a=(-2, 2), b=(-2, 2), ints=True, scalar=1.5):
    """A binary function's cases: equal shapes, broadcasting both ways, 0-d against a matrix,
    Python numbers, integer tensors, mixed float dtypes, empty and non-contiguous operands."""
    fa = dict(lo=a[0], hi=a[1])
    fb = dict(lo=b[0], hi=b[1])
    cases = [C(F(2, 3, **fa), F(2, 3, **fb)), C(F(2, 3, **fa), F(3, **fb)),
             C(F(2, 1, **fa), F(1, 3, **fb)), C(F(**fa), F(2, 3, **fb)),
             C(F(2, 3, **fa), F(**fb)), C(F(2, 3, **fa), scalar),
             C(F(4, 3, **fa, view="T"), F(4, 1, **fb)),
             C(F(0, 3, **fa), F(3, **fb)),
             C(F(2, 3, **fa, dtype=np.float32), F(3, **fb, dtype=np.float64)),
             C(F(2, 3, **fa, dtype=np.float32), F(**fb, dtype=np.float64), label="f32, 0-d f64")]
    if ints:
        cases += [C(I(2, 3, lo=1, hi=4), F(3, **fb)), C(I(2, 3, lo=1, hi=4), 2),
                  C(I(2, 3, lo=1, hi=4), I(3, lo=1, hi=3)), C(I(2, 3, lo=1, hi=4), 0.5)]
    return cases


COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]
LOGIC = ["logical_and", "logical_or", "logical_xor"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor"]


def compare_cases():
    return [C(F(2, 3), F(2, 3)), C(F(2, 3), F(3)), C(F(2, 3), 0.5), C(I(2, 3), I(3)),
            C(I(2, 3), 2), C(F(), F(2, 1)), C(A([1.0, 2.0, np.nan]), A([1.0, 3.0, np.nan])),
            C(F(0, 2), F(2))]


def entries():
    decimals = [C(F(2, 3, lo=-50, hi=50), decimals=2), C(F(2, 3, lo=-500, hi=500), decimals=-2),
                C(I(2, 3), decimals=1)]
    out = [same(name, unary_cases(*dom) + (decimals if name == "round" else []))
           for name, dom in UNARY.items()]
    extra = {
        "pow": [C(2.0, F(2, 3)), C(F(2, 3), 2), C(F(2, 3), 3), C(I(2, 3, lo=1, hi=4), -1),
                C(F(2, 3), 0), C(F(2, 3, lo=0.5, hi=2), 0.5)],
        "div": [C(F(2, 3), F(3, lo=0.5, hi=2), rounding_mode="floor"),
                C(F(2, 3), F(3, lo=0.5, hi=2), rounding_mode="trunc"),
                C(I(2, 3), I(3, lo=1, hi=3), rounding_mode="floor"),
                C(F(2, 3), F(3, lo=0.5, hi=2), rounding_mode=None)],
        "add": [C(F(2, 3), F(3), alpha=2.0), C(I(2, 3), I(3), alpha=3)],
        "sub": [C(F(2, 3), F(3), alpha=2.0), C(I(2, 3), I(3), alpha=3)],
    }
    out += [same(name, binary_cases(*doms) + extra.get(name, []))
            for name, doms in BINARY.items()]
    out += [same("multiply", binary_cases(*BINARY["mul"])),
            same("subtract", binary_cases(*BINARY["sub"]) + extra["sub"]),
            same("true_divide", binary_cases(*BINARY["div"])),
            same("negative", unary_cases()), same("absolute", unary_cases())]
    out += [same(name, compare_cases())
            for name in ("greater", "greater_equal", "less", "less_equal", "not_equal")]
    out.append(same("divide", binary_cases(*BINARY["div"]) + extra["div"] + [
        C(I(2, 3, lo=-7, hi=7), I(3, lo=1, hi=3), rounding_mode="trunc"),
        C(I(2, 3), A([1, 0, 2]), rounding_mode="trunc"), C(I(2, 3), 2.5, rounding_mode="trunc"),
        C(F(2, 3), 2.0, rounding_mode="round")]))
    out += [same(name, compare_cases()) for name in COMPARE]
    out += [same(name, compare_cases() + [C(B(2, 3), B(3))]) for name in LOGIC]
    out.append(same("logical_not", [C(F(2, 3)), C(I(2, 3)), C(B(2, 3)), C(F())]))
    bits = [C(I(2, 3, lo=-8, hi=8), I(3, lo=0, hi=8)), C(B(2, 3), B(3)), C(I(2, 3), 5),
            C(F(2, 3), F(2, 3))]
    out += [same(name, bits) for name in BITWISE]
    out.append(same("invert", [C(I(2, 3, lo=-8, hi=8)), C(B(2, 3)), C(F(2, 3))],
                    torch_name="bitwise_not"))
    out.append(same("bitwise_not", [C(I(2, 3, lo=-8, hi=8)), C(B(2, 3)), C(F(2, 3)),
                                    C(I(3, dtype=np.uint8)), C(I())]))
    shifts = [C(I(2, 3, lo=-8, hi=8), I(3, lo=0, hi=4)), C(I(2, 3, lo=-8, hi=8), 2),
              C(I(2, 3, dtype=np.int32), I(3, lo=0, hi=4)), C(F(2, 3), 1), C(B(3), B(3))]
    out += [same(name, shifts) for name in ("bitwise_left_shift", "bitwise_right_shift")]
    special = A([1.0, np.nan, np.inf, -np.inf, -0.5])
    for name in ("isfinite", "isinf", "isnan"):
        out.append(same(name, [C(special), C(I(3)), C(F())]))
    out.append(same("nan_to_num", [C(special), C(special, nan=2.0, posinf=10.0, neginf=-10.0),
                                   C(F(2, 3)), C(I(3))]))
    close = [C(F(2, 3), F(2, 3)), C(A([1.0, 2.0, np.nan]), A([1.0 + 1e-9, 2.1, np.nan])),
             C(A([1.0, 2.0, np.nan]), A([1.0, 2.0, np.nan]), equal_nan=True),
             C(A([1.0, 2.0]), A([1.01, 2.0]), rtol=0.1, atol=0.0), C(I(3), I(3))]
    out.append(same("isclose", close + [C(F(2, 3), F(3))]))
    out.append(same("allclose", close))
    out += clamp_entries()
    out.append(same("where", [
        C(B(2, 3), F(2, 3), F(2, 3)), C(B(2, 3), F(3), F(2, 1)), C(B(3), F(2, 3), 0.0),
        C(B(2, 3), 1.0, F(3)), C(B(2, 3), I(2, 3), F(3)), C(B(2, 3), I(2, 3), 2),
        C(B(), F(2), F()), C(B(2, 3), F(2, 3, dtype=np.float32), F(3, dtype=np.float64)),
        C(B(2, 3)), C(F(2, 3), F(2, 3), F(2, 3), label="float condition"),
        C(B(3), 1.0, 2.0), C(B(3), 2, 3), C(B(3), I(3), 2.5), C(B(3), F(3), True)]))
    out.append(same("lerp", [C(F(2, 3), F(2, 3), 0.3), C(F(2, 3), F(3), F(2, 1, lo=0, hi=1)),
                             C(F(), F(2, 3), 0.7), C(F(2, 3), F(2, 3), F(lo=0, hi=1)),
                             C(F(2, 3), F(2, 3), 1.5)]))
    addc = [C(F(2, 3), F(2, 3), F(2, 3, lo=0.5, hi=2)), C(F(3), F(2, 1), F(2, 3, lo=0.5, hi=2)),
            C(F(), F(2, 3), F(3, lo=0.5, hi=2), value=0.5),
            C(F(2, 3), F(3), F(lo=0.5, hi=2), value=-2),
            C(F(0, 3), F(3), F(3, lo=0.5, hi=2)), C(F(4, 3, view="T"), F(3, 4), F(3, 1, lo=0.5)),
            C(F(2, 3, dtype=np.float32), F(3, dtype=np.float64), F(lo=0.5, dtype=np.float64)),
            C(I(2, 3), I(3), I(3, lo=1, hi=3)), C(I(2, 3), I(3), I(3, lo=1, hi=3), value=2),
            C(F(2, 3), I(3), I(3, lo=1, hi=3)), C(I(3), F(3), I(3, lo=1, hi=3), value=0.5),
            C(F(3), F(3), 2.0)]
    out += [same("addcmul", addc + [C(I(3), I(3), I(3), value=0.5)]), same("addcdiv", addc)]
    out.append(same("diff", [
        C(F(5)), C(F(2, 5), 2), C(F(3, 4), 1, 0), C(F(4, 3, view="T"), 1, -1),
        C(F(3), 5), C(F(3), 0), C(F(3), -1), C(F()), C(I(5, lo=-9, hi=9)), C(B(5)), C(B(5), 2),
        C(I(4, dtype=np.uint8), 1), C(F(2, 3), 1, -1, F(2, 1), F(2, 2)),
        C(F(2, 3), 2, 0, prepend=F(1, 3)), C(F(2, 3), append=I(2, 2)),
        C(F(2, 3), 1, 0, F(3)), C(F(0, 3), 1, 0), C(F(2, 0))]))
    out.append(same("equal", [
        C(F(2, 3), F(2, 3)), C(A([1.0, 2.0]), A([1.0, 2.0])), C(A([1.0, 2.0]), A([[1.0, 2.0]])),
        C(A([1.0, np.nan]), A([1.0, np.nan])), C(I(3), I(3)), C(A([1, 2]), A([1.0, 2.0])),
        C(F(0, 2), F(0, 2))]))
    out.append(compare_with("gg.identity", gg.identity, lambda torch, x: x.clone(),
                            [C(F(2, 3)), C(F()), C(I(3))]))
    return out


def clamp_entries():
    both = [C(F(2, 3), -0.5, 0.5), C(F(2, 3), F(3, lo=-1, hi=-0.2), F(2, 1, lo=0.2, hi=1)),
            C(F(2, 3), None, 0.5), C(F(2, 3), -0.5), C(F(2, 3), min=-0.5, max=None),
            C(F(2, 3), F(3, lo=-1, hi=-0.2)), C(I(2, 3), 1, 3), C(I(2, 3), 0.5, 2.5),
            C(F(), -0.5, 0.5), C(F(2, 3), 0.5, -0.5, label="min > max"),
            C(F(2, 3), None, None), C(F(2, 3), F(lo=-2, hi=2), F(2, 3, lo=-2, hi=2))]
    out = [same("clamp", both), same("clip", both)]
    out.append(same("clamp_min", [C(F(2, 3), -0.5), C(F(2, 3), F(3)), C(I(2, 3), 2),
                                  C(I(2, 3), 1.5)]))
    out.append(same("clamp_max", [C(F(2, 3), 0.5), C(F(2, 3), F(3)), C(I(2, 3), 2),
                                  C(I(2, 3), 1.5)]))
    return out
