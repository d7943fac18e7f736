"""Conformance entries of the Tensor API that is not a gg.* function: operators (dunders),
conversions, views and copies, in-place methods, attributes; and of the creation and sampling
functions at the top level. Tensor methods that are also gg.* functions get their entries from
the function's cases (methods_from in test_conformance.py)."""
import numpy as np
from conformance_specs import A, B, C, D, F, I, compare_with, method, same

import graphgrad as gg

ARITH = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
         "__rtruediv__", "__pow__", "__rpow__", "__mod__", "__rmod__", "__floordiv__",
         "__rfloordiv__"]
COMPARISONS = ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"]
BITS = ["__and__", "__or__", "__xor__", "__rand__", "__ror__", "__rxor__"]
SHIFTS = ["__lshift__", "__rlshift__", "__rshift__", "__rrshift__"]
INPLACE_UNARY = {"abs_": (-2, 2), "cos_": (-2, 2), "exp_": (-2, 2), "log_": (0.2, 2),
                 "neg_": (-2, 2), "relu_": (-2, 2), "sigmoid_": (-2, 2), "sin_": (-2, 2),
                 "sqrt_": (0.2, 2), "tanh_": (-2, 2), "zero_": (-2, 2), "detach_": (-2, 2)}
INPLACE_BINARY = ["add_", "sub_", "mul_", "div_", "pow_", "__iadd__", "__isub__", "__imul__",
                  "__itruediv__", "remainder_", "fmod_", "floor_divide_"]
#: in-place forms of unary functions, with an integer case too (PyTorch refuses a float result)
INPLACE_OF_FUNCTIONS = {
    "floor_": (-2, 2), "ceil_": (-2, 2), "round_": (-2, 2), "trunc_": (-2, 2), "frac_": (-2, 2),
    "sign_": (-2, 2), "reciprocal_": (0.3, 2), "rsqrt_": (0.3, 2), "square_": (-2, 2),
    "log1p_": (-0.5, 2), "expm1_": (-2, 2), "log2_": (0.3, 2), "log10_": (0.3, 2),
    "erf_": (-2, 2), "nan_to_num_": (-2, 2)}


def operand_cases(lo=0.5, hi=2.0):
    f = dict(lo=lo, hi=hi)
    return [C(F(2, 3, **f), F(2, 3, **f)), C(F(2, 3, **f), F(3, **f)), C(F(2, 3, **f), 1.5),
            C(F(2, 3, **f), 2), C(F(**f), F(2, 3, **f)), C(I(2, 3, lo=1, hi=4), F(3, **f)),
            C(I(2, 3, lo=1, hi=4), I(3, lo=1, hi=3)), C(I(2, 3, lo=1, hi=4), 2)]


def inplace(name, cases, fresh=True, **options):
    """y = x.clone(); r = y.<name>(*args): whether r is y, and y (its value and the gradient
    through the in-place change to x and to the other operands)."""
    def run(x, *args, **kwargs):
        y = x.clone() if fresh else x
        r = getattr(y, name)(*args, **kwargs)
        return r is y, y
    return compare_with(f"Tensor.{name}", run, lambda torch, *a, **k: run(*a, **k), cases,
                        **options)


def attribute(name, cases, convert=lambda v: v):
    def get(x):
        return convert(getattr(x, name))
    return compare_with(f"Tensor.{name}", get, lambda torch, x: get(x), cases)


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def operator_entries():
    out = [method(name, operand_cases()) for name in ARITH]
    out += [method(name, operand_cases(-2, 2)) for name in COMPARISONS]
    bits = [C(I(2, 3, lo=-8, hi=8), I(3, lo=0, hi=8)), C(B(2, 3), B(3)), C(I(2, 3), 5),
            C(B(2, 3), True)]
    out += [method(name, bits) for name in BITS]
    shifts = [C(I(2, 3, lo=-8, hi=8), I(3, lo=0, hi=4)), C(I(2, 3, lo=0, hi=4), 2),
              C(I(3, lo=0, hi=4, dtype=np.int32), I(3, lo=0, hi=3)), C(F(3), 1), C(B(3), 1),
              C(I(3), 1.5)]
    out += [method(name, shifts) for name in SHIFTS]
    out += [method("__invert__", [C(I(2, 3, lo=-8, hi=8)), C(B(2, 3)), C(F(2, 3))]),
            method("__neg__", [C(F(2, 3)), C(I(3)), C(F())]),
            method("__pos__", [C(F(2, 3)), C(I(3))]),
            method("__abs__", [C(F(2, 3)), C(I(3, lo=-3, hi=3))]),
            method("__matmul__", [C(F(2, 3), F(3, 4)), C(F(3), F(3)), C(F(2, 2, 3), F(3))]),
            method("__rmatmul__", [C(F(3, 4), F(2, 3)), C(F(3), F(3))])]
    out.append(method("__getitem__", [
        C(F(4, 3), 1), C(F(4, 3), (slice(1, 3), 0)), C(F(4, 3), (Ellipsis, None)),
        C(F(4, 3), A([0, 2, 2])), C(F(4, 3), B(4, 3)), C(F(4, 3), (slice(None), [2, 0])),
        C(F(), ()), C(F(4, 3), 4)]))

    def setitem(x, index, value):
        y = x.clone()
        y[index] = value
        return y
    out.append(compare_with("Tensor.__setitem__", setitem, lambda torch, *a: setitem(*a), [
        C(F(4, 3), 1, 2.0), C(F(4, 3), (slice(1, 3), 0), F(2)), C(F(4, 3), B(4, 3), 0.0),
        C(F(4, 3), A([0, 2]), F(3)), C(F(4, 3), 1, F(3, grad=False)), C(I(4, 3), 0, 7),
        C(F(4, 3, grad=False), 1, F(3), label="a value that requires grad"),
        C(F(4, 3, grad=False), B(4, 3), 0.5), C(F(4, 3), (Ellipsis, 1), F()),
        C(F(4, 3), (A([0, 2, 0]), A([1, 1, 2])), F(3)), C(F(4, 3), 0, F(1, 3)),
        C(F(4, 3), slice(None, None, 2), F(2, 1)), C(F(4, 3), 0, F(2)),
        C(F(4, 3), 1, F(3, dtype=np.float64), label="a float64 value"),
        C(I(4, 3), 1, F(3), label="a float value into integers")]))
    scalars = [C(A(2.5)), C(A([3.0])), C(I()), C(A(-0.0)), C(F(2)), C(B())]
    for name, convert in [("__bool__", bool), ("__float__", float), ("__int__", int)]:
        out.append(compare_with(f"Tensor.{name}", convert, lambda torch, x, c=convert: c(x),
                                scalars))
    out.append(compare_with("Tensor.__index__", lambda x: [0, 1, 2, 3][x],
                            lambda torch, x: [0, 1, 2, 3][x],
                            [C(I()), C(A(2)), C(A([1])), C(A(1.0)), C(B())]))
    out.append(compare_with("Tensor.__len__", len, lambda torch, x: len(x),
                            [C(F(3, 2)), C(F(0)), C(F())]))
    out.append(compare_with("Tensor.__iter__", list, lambda torch, x: list(x),
                            [C(F(3, 2)), C(F(3)), C(F())]))
    out.append(compare_with("Tensor.__array__", np.asarray, lambda torch, x: np.asarray(x),
                            [C(F(2, 3, grad=False)), C(I(3)), C(F(2, 3))]))
    return out


def _shares_start(x):
    """data_ptr's meaning: a view starting at x's first element has x's pointer, one starting a
    row further is a row's bytes further on."""
    y = x.reshape(-1) if x.ndim else x
    return x.data_ptr() == x[...].data_ptr(), y[1:].data_ptr() - y.data_ptr()


def method_entries():
    shapes = [C(F(2, 3)), C(F()), C(I(3)), C(B(2)), C(F(0, 3))]
    out = [method(name, shapes) for name in ("float", "double", "int", "long", "bool", "half",
                                             "short", "char", "byte")]
    out += [
        method("contiguous", [C(F(3, 4, view="T")), C(F(2, 3))]),
        method("__format__", [C(F(), ".4f"), C(F(), ""), C(F(), ".3e"), C(I(), "d"),
                              C(I(), ">5"), C(F(), "10.2f"), C(A(6760.0), ""),
                              C(F(3, dtype=np.float32), ""), C(F(3), ".2f"),
                              C(F(2, 2, dtype=np.float32), "")]),
        method("is_contiguous", [C(F(2, 3)), C(F(3, 4, view="T")), C(F(5, view="step")),
                                 C(F()), C(F(0, 3, view="T")), C(F(3, 1, view="T"))]),
        method("stride", [C(F(2, 3)), C(F(2, 3), 1), C(F(2, 3), -2), C(F(2, 3), 2),
                          C(F(3, 4, view="T")), C(F(5, view="step")), C(F()), C(F(0, 3)),
                          C(I(2, 3, dtype=np.int32)), C(F(2, 3), (0,))]),
        compare_with("Tensor.data_ptr", _shares_start, lambda torch, x: _shares_start(x),
                     [C(F(2, 3)), C(F(3, 4, view="T")), C(I(3))]),
        method("get_device", [C(F(2, 3))]),
        method("is_same_size", [C(F(2, 3), F(2, 3)), C(F(2, 3), F(3, 2)), C(F(), F(1))]),
        method("detach", [C(F(2, 3))]), method("cpu", [C(F(2, 3))]),
        method("cuda", [C(F(2, 3))]),
        method("to", [C(F(2, 3), D("float64")), C(F(2, 3), dtype=D("int64")), C(F(2, 3), "cpu"),
                      C(F(2, 3), "cpu", D("float64")), C(F(2, 3), F(3, dtype=np.float64)),
                      C(I(3), D("float32")), C(F(2, 3), D("float64"), copy=True)]),
        method("type_as", [C(F(2, 3), I(3)), C(I(3), F(2, dtype=np.float64))]),
        method("type", [C(F(2, 3)), C(I(3)), C(B(2)), C(F(2, 3), D("float64")),
                        C(F(2, 3), "torch.LongTensor"), C(I(3), "torch.DoubleTensor"),
                        C(F(2, 3), "torch.NoSuchTensor")]),
        method("item", [C(A(2.5)), C(A([[3.0]])), C(I()), C(B()), C(F(2))]),
        method("tolist", [C(F(2, 3)), C(F()), C(I(3)), C(B(2)), C(F(0, 2))]),
        method("numpy", [C(F(2, 3, grad=False)), C(F(2, 3)), C(I(3))]),
        method("size", [C(F(2, 3)), C(F(2, 3), 1), C(F(2, 3), -1), C(F()), C(F(2, 3), 2)]),
        method("dim", [C(F(2, 3)), C(F())]), method("ndimension", [C(F(2, 3)), C(F())]),
        method("numel", [C(F(2, 3)), C(F(0, 3)), C(F())]),
        method("nelement", [C(F(2, 3)), C(F())]),
        method("element_size", [C(F(2, 3)), C(I(3)), C(B(2)), C(F(2, dtype=np.float64))]),
        method("is_floating_point", [C(F(2)), C(I(2)), C(B(2))]),
        method("is_complex", [C(F(2)), C(I(2))]),
        method("repeat", [C(F(2, 3), 2, 1), C(F(2, 3), (1, 2)), C(F(3), 2, 2), C(F(), 3),
                          C(F(2, 3), 2)]),
        method("expand", [C(F(3), 2, 3), C(F(2, 1), (2, 4)), C(F(2, 1), -1, 3), C(F(), 2),
                          C(F(2, 3), 3, 3)]),
        method("expand_as", [C(F(3), F(2, 3, grad=False))]),
        method("view", [C(F(2, 3), 3, 2), C(F(2, 3), (-1,)), C(F(2, 3), D("int32")),
                        C(F(3, 4, view="T"), 12), C(F(2, 4), D("float16")),
                        C(F(2, 4, dtype=np.float32), D("float64")),
                        C(F(2, 3, dtype=np.float32), D("float64")),
                        C(F(3, 4, view="T", dtype=np.float32), D("float64")),
                        C(F(3, 4, view="T"), D("int8")), C(F(dtype=np.float32), D("int32")),
                        C(F(dtype=np.float32), D("float64")), C(I(2, 3), D("float64")),
                        C(B(4), D("uint8")), C(I(2, 4, dtype=np.uint8), D("bool")),
                        C(F(2, 4), dtype=D("int16"))]),
        method("where", [C(F(2, 3), B(2, 3), F(2, 3)), C(F(2, 3), B(3), 0.5),
                         C(F(3), B(2, 3), F(2, 1)), C(I(2, 3), B(2, 3), 1.5),
                         C(F(2, 3), B(2, 3), I(3)), C(F(), B(2), F(2))]),
        method("view_as", [C(F(2, 3), F(3, 2, grad=False))]),
        method("reshape_as", [C(F(2, 3), F(3, 2, grad=False))]),
        method("trace", [C(F(3, 3)), C(F(3, 4)), C(I(3, 3)), C(F(3))]),
        method("unfold", [C(F(3, 7), 1, 3, 2), C(F(2, 5), 0, 2, 1), C(F(4, 3), -1, 3, 1),
                          C(F(), 0, 1, 1), C(F(), 0, 0, 1), C(F(3, 4, view="T"), 0, 2, 1),
                          C(F(0, 3), 1, 2, 1), C(F(2, 3), 1, 4, 1), C(F(2, 3), 1, 2, 0),
                          C(F(2, 3), 1, -1, 1), C(F(2, 3), 2, 1, 1), C(I(2, 5), 1, 2, 2)]),
        method("requires_grad_", [C(F(2, grad=False)), C(F(2, grad=False), False),
                                  C(I(2), True)]),
        method("new_zeros", [C(F(2), (2, 3)), C(F(2), 3, dtype=D("int64"))]),
        method("new_ones", [C(F(2, dtype=np.float64), (2, 3)), C(I(2), 3)]),
        method("new_full", [C(F(2), (2, 3), 1.5), C(I(2), (2,), 7)]),
        method("new_empty", [C(F(2), (2, 3)), C(I(2), 3)], values=False),
        method("new_tensor", [C(F(2), [1.0, 2.0]), C(F(2, dtype=np.float64), [1, 2]),
                              C(I(2), [1.5])]),
        attribute("T", [C(F(2, 3)), C(F(3)), C(F())]),
        attribute("mT", [C(F(2, 3)), C(F(2, 3, 4)), C(F(3))]),
        attribute("shape", [C(F(2, 3)), C(F())]), attribute("ndim", [C(F(2, 3)), C(F())]),
        attribute("itemsize", [C(F(2)), C(I(2)), C(B(2))]),
        attribute("nbytes", [C(F(2, 3)), C(I(2)), C(B(2))]),
        attribute("is_cpu", [C(F(2))]), attribute("is_cuda", [C(F(2))]),
        attribute("device", [C(F(2))], convert=str),
        attribute("dtype", [C(F(2)), C(I(2)), C(B(2))], convert=_dtype_name),
    ]
    return out


def inplace_entries():
    out = [inplace(name, [C(F(2, 3, lo=lo, hi=hi)), C(F(lo=lo, hi=hi))])
           for name, (lo, hi) in INPLACE_UNARY.items()]
    pos = dict(lo=0.5, hi=2)
    alpha = {"add_": [C(F(2, 3), F(3), alpha=2.0)], "sub_": [C(F(2, 3), F(3), alpha=2.0)]}
    out += [inplace(name, [C(F(2, 3, **pos), F(3, **pos)), C(F(2, 3, **pos), 1.5),
                           C(F(2, 3, **pos), F(2, 1, **pos)), C(I(2, 3, lo=1, hi=3), 2),
                           C(F(3, **pos), F(2, 3, **pos), label="result would broadcast")]
                    + alpha.get(name, []))
            for name in INPLACE_BINARY]
    out += [inplace(name, [C(F(2, 3, lo=lo, hi=hi)), C(F(lo=lo, hi=hi)),
                           C(F(3, 4, lo=lo, hi=hi, view="T")), C(I(3, lo=1, hi=3))])
            for name, (lo, hi) in INPLACE_OF_FUNCTIONS.items()]
    addc = [C(F(2, 3), F(2, 3), F(3, lo=0.5, hi=2), value=0.5),
            C(F(2, 3), F(3), F(2, 1, lo=0.5, hi=2)), C(F(), F(), F(lo=0.5, hi=2), value=-2),
            C(F(3), F(2, 3), F(3, lo=0.5, hi=2), label="result would broadcast")]
    out += [inplace("addcmul_", addc), inplace("addcdiv_", addc),
            inplace("lerp_", [C(F(2, 3), F(2, 3), 0.3), C(F(2, 3), F(3), F(2, 1, lo=0, hi=1)),
                              C(F(3), F(2, 3), 0.5, label="result would broadcast")]),
            inplace("clamp_min_", [C(F(2, 3), -0.5), C(F(2, 3), F(3)), C(I(3), 1)]),
            inplace("clamp_max_", [C(F(2, 3), 0.5), C(F(2, 3), F(3)), C(I(3), 1)])]
    out += [inplace("clamp_", [C(F(2, 3), -0.5, 0.5), C(F(2, 3), max=0.2)]),
            inplace("clip_", [C(F(2, 3), -0.5, 0.5), C(F(2, 3), min=0.2)]),
            inplace("copy_", [C(F(2, 3), F(2, 3)), C(F(2, 3), F(3)), C(F(2, 3), I(2, 3))]),
            inplace("fill_", [C(F(2, 3), 1.5), C(F(2, 3), A(2.0, grad=False)), C(I(3), 2)]),
            inplace("index_add_", [C(F(4, 3), 0, A([0, 2, 2]), F(3, 3)),
                                   C(F(4, 3, grad=False), 0, A([0, 2, 2]), F(3, 3),
                                     label="a source that requires grad"),
                                   C(F(4, 3, grad=False), 0, A([0, 2, 2]), F(3, 3, grad=False))]),
            inplace("index_fill_", [C(F(4, 3), 0, A([0, 2]), -1.0),
                                    C(F(4, 3, grad=False), 0, A([0, 2]), -1.0)]),
            inplace("masked_fill_", [C(F(3, 4), B(3, 4), 0.5),
                                     C(F(3, 4, grad=False), B(3, 4), F(),
                                       label="a value that requires grad")]),
            inplace("scatter_", [C(F(3, 3), 1, A([[2, 0, 1], [1, 2, 0]]), F(2, 3)),
                                 C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), F(2, 3),
                                   reduce="multiply"),
                                 C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), 2.0, reduce="add"),
                                 C(F(3, 3, grad=False), 1, A([[2, 0, 1], [1, 2, 0]]), F(2, 3),
                                   label="a source that requires grad")]),
            inplace("scatter_reduce_", [
                C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), F(2, 3), r, include_self=s)
                for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)]),
            inplace("index_put_", [C(F(4, 3), (A([0, 2]), A([1, 1])), F(2)),
                                   C(F(4, 3), (A([0, 2, 0]),), F(3, 3), accumulate=True),
                                   C(F(4, 3), (B(4, 3),), F()),
                                   C(F(4, 3, grad=False), (A([1]),), F(3),
                                     label="a value that requires grad"),
                                   C(F(4, 3), (A([0]),), F(2))]),
            inplace("normal_", [C(F(2, 3)), C(F(3), 1.0, 2.0), C(F(3), 0.0, -1.0), C(I(3)),
                                C(F(), std=0.5)], values=False),
            inplace("uniform_", [C(F(2, 3)), C(F(3), -1.0, 2.0), C(F(3), 2.0, 1.0), C(I(3))],
                    values=False),
            inplace("bernoulli_", [C(F(2, 3)), C(F(3), 0.2), C(F(3), 1.5), C(I(3), 0.5),
                                   C(B(3), 0.5), C(F(2, 3), F(3, lo=0, hi=1, grad=False))],
                    values=False),
            inplace("exponential_", [C(F(2, 3)), C(F(3), 2.0), C(F(3), 0.0), C(I(3))],
                    values=False),
            inplace("scatter_add_", [C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), F(2, 3)),
                                     C(F(3, 3, grad=False), 1, A([[0, 0, 2], [1, 1, 1]]),
                                       F(2, 3), label="a source that requires grad")])]
    leaf = [C(F(2, 3), F(3), label="on a leaf that requires grad")]
    out.append(compare_with("Tensor.add_ (leaf)", lambda x, y: x.add_(y),
                            lambda torch, x, y: x.add_(y), leaf))
    return out + reshaping_inplace_entries()


def reshaping_inplace_entries():
    """The shape changes in place: y's new shape, its values, the gradient through them."""
    out = [inplace("unsqueeze_", [C(F(2, 3), 0), C(F(2, 3), -1), C(F(), 0), C(F(2, 3), 3)]),
           inplace("squeeze_", [C(F(1, 3, 1)), C(F(1, 3, 1), 0), C(F(1, 3, 1), 1),
                                C(F(1, 3, 1), (0, 2)), C(F())]),
           inplace("t_", [C(F(2, 3)), C(F(3)), C(F()), C(F(2, 3, 4)),
                          C(F(3, 4, view="T"))]),
           inplace("transpose_", [C(F(2, 3, 4), 0, 2), C(F(2, 3), -1, 0), C(F(), 0, -1),
                                  C(F(2, 3), 0, 2)])]
    leaf = [C(F(2, 3), label="on a leaf that requires grad"),
            C(F(2, 3, grad=False), label="on a leaf")]
    out.append(compare_with("Tensor.t_ (leaf)", lambda x: (x.t_(), x)[1],
                            lambda torch, x: (x.t_(), x)[1], leaf))
    return out


def _limits(info):
    """finfo's or iinfo's attributes, torch's dtype name without 'torch.'."""
    names = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution")
    return tuple(getattr(info, n, None) for n in names) + (_dtype_name(info.dtype),)


def creation_entries():
    sizes = [C(2, 3), C((2, 3)), C([2, 3]), C(()), C(0, 3), C(2, 3, dtype=D("float64")),
             C(2, dtype=D("int64")), C(2, 3, requires_grad=True), C(3, dtype=D("bool"))]
    out = [same(name, sizes) for name in ("zeros", "ones")]
    out.append(same("empty", sizes, values=False))
    out.append(same("full", [C((2, 3), 1.5), C((2,), 2), C((2,), True), C([], 1.0),
                             C((2, 3), 1.5, dtype=D("float64"))]))
    like = [C(F(2, 3)), C(I(3)), C(F(2, 3), dtype=D("int64")), C(F())]
    out += [same(name, like) for name in ("zeros_like", "ones_like")]
    out.append(same("empty_like", like, values=False))
    out.append(same("full_like", [C(F(2, 3), 2.5), C(I(3), 2.5), C(F(2), 1, dtype=D("int32"))]))
    out.append(same("arange", [C(5), C(1, 4), C(0, 1, 0.25), C(5.0), C(1, 2.5, 0.5),
                               C(5, dtype=D("float64")), C(-3), C(3, 0, -1), C(0, 1, 0.1)]))
    out.append(same("linspace", [C(0, 1, 5), C(-1.0, 1.0, 3), C(0, 1, 1), C(0, 1, 0),
                                 C(0, 10, 4, dtype=D("float64")), C(0, 4, 5, dtype=D("int64"))]))
    out.append(same("eye", [C(3), C(2, 3), C(3, dtype=D("int64")), C(0)]))
    out.append(same("tensor", [C([1.0, 2.0]), C([1, 2]), C(1.5), C([[True, False]]),
                               C([1, 2.5]), C([]), C([1.0], dtype=D("float64")),
                               C([[1, 2], [3]]), C(np.arange(3.0)), C(np.float32(2.0)),
                               C([1.0], requires_grad=True), C([1], requires_grad=True)]))
    out.append(same("as_tensor", [C([1.0, 2.0]), C(np.arange(3)), C(np.arange(3.0)),
                                  C([1, 2], dtype=D("float64"))]))
    out.append(same("from_numpy", [C(np.arange(6.0).reshape(2, 3)), C(np.arange(3)),
                                   C(np.array(True)), C(np.arange(3, dtype=np.float32))]))
    out.append(same("is_tensor", [C(F(2)), C(3.0), C(np.zeros(2))]))
    out.append(same("is_floating_point", [C(F(2)), C(I(2)), C(B(2))]))
    out.append(same("is_grad_enabled", [C()]))
    out.append(same("numel", [C(F(2, 3)), C(F()), C(F(0, 3)), C(I(4)), C(3.0)]))
    floats = [C(D(n)) for n in ("float16", "float32", "float64", "int32", "bool")] + [C()]
    out += [compare_with(f"gg.{name}", lambda *a, name=name: _limits(getattr(gg, name)(*a)),
                         lambda torch, *a, name=name: _limits(getattr(torch, name)(*a)), cases)
            for name, cases in (("finfo", floats), ("iinfo", [
                C(D(n)) for n in ("uint8", "int8", "int16", "int32", "int64", "float32",
                                  "bool")]))]
    out.append(same("trace", [C(F(3, 3)), C(F(3, 4)), C(I(3, 3)), C(F(3))]))
    out += promotion_entries()
    random = dict(values=False)
    out += [same("rand", sizes[:6], **random), same("randn", sizes[:6], **random),
            same("rand_like", like[:2] + like[3:], **random),
            same("randn_like", [C(F(2, 3)), C(F())], **random),
            same("randint", [C(5, (2, 3)), C(1, 5, (3,)), C(5, (2,), dtype=D("int32"))],
                 **random),
            same("randint_like", [C(F(2, 3), 5), C(I(3), 1, 4)], **random),
            same("randperm", [C(5), C(0), C(3, dtype=D("float32"))], **random),
            same("normal", [C(0.0, 1.0, (2, 3)), C(F(3), 1.0), C(F(3), F(3, lo=0.1, hi=1)),
                            C(1.0, F(3, lo=0.1, hi=1))], **random),
            same("bernoulli", [C(F(2, 3, lo=0, hi=1)), C(F(3, lo=0, hi=1), 0.5)], **random),
            same("multinomial", [C(F(4, lo=0.1, hi=1), 2), C(F(2, 4, lo=0.1, hi=1), 3, True)],
                 **random),
            method("bernoulli", [C(F(2, 3, lo=0, hi=1)), C(F(3, lo=0, hi=1), 0.5)], **random),
            method("multinomial", [C(F(4, lo=0.1, hi=1), 2), C(F(2, 4, lo=0.1, hi=1), 3, True),
                                   C(F(4, lo=0.1, hi=1), 5)], **random)]
    return out


def promotion_entries():
    operands = [C(I(3), 2.5), C(2, 3), C(F(), I(3, dtype=np.int32)), C(B(2), 1),
                C(F(2, dtype=np.float32), F(dtype=np.float64)), C(I(2), True), C(1.5, 2),
                C(I(3, dtype=np.uint8), I(3, dtype=np.int8))]
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
             "float64"]
    pairs = [C(D(a), D(b)) for a in names for b in names[::3]]
    return [compare_with(f"gg.{name}", lambda *a, name=name: np.dtype(getattr(gg, name)(*a)).name,
                         lambda torch, *a, name=name: _dtype_name(getattr(torch, name)(*a)),
                         cases)
            for name, cases in (("result_type", operands), ("promote_types", pairs))]


def entries():
    return operator_entries() + method_entries() + inplace_entries() + creation_entries()
