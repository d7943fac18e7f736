"""PyTorch's type promotion for the binary arithmetic and the comparisons, against torch: a
table of operand kinds (tensors with axes, 0-d tensors, Python numbers; bool, integer, float32,
float64) and operations, each compared in dtype and value; the default float; and the fast path
that skips the promotion where the operands already agree."""
import itertools
import operator

import numpy as np
import pytest
from elementwise_oracle import as_numpy

import graphgrad as gg
from graphgrad.ops import promotion

# an operand: ('tensor', dtype, shape) or ('number', value)
OPERANDS = {
    "int64[3]": ("tensor", np.int64, (3,)), "int32[3]": ("tensor", np.int32, (3,)),
    "uint8[3]": ("tensor", np.uint8, (3,)), "bool[3]": ("tensor", np.bool_, (3,)),
    "float32[3]": ("tensor", np.float32, (3,)), "float64[3]": ("tensor", np.float64, (3,)),
    "float16[3]": ("tensor", np.float16, (3,)),
    "int64[]": ("tensor", np.int64, ()), "float32[]": ("tensor", np.float32, ()),
    "float64[]": ("tensor", np.float64, ()), "bool[]": ("tensor", np.bool_, ()),
    "0.5": ("number", 0.5), "3": ("number", 3), "True": ("number", True),
}

OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "pow": operator.pow, "eq": operator.eq, "lt": operator.lt, "ge": operator.ge,
    "maximum": "maximum", "minimum": "minimum", "remainder": "remainder",
    "floor_divide": "floor_divide", "fmod": "fmod", "atan2": "atan2", "hypot": "hypot",
    "copysign": "copysign", "logaddexp": "logaddexp", "xlogy": "xlogy",
}


def _build(lib, spec, torch):
    if spec[0] == "number":
        return spec[1]
    _, dtype, shape = spec
    values = np.array([3, 1, 2][:int(np.prod(shape))] or [2]).reshape(shape)
    values = values.astype(dtype)
    return gg.tensor(values) if lib is gg else torch.tensor(values)


def _apply(lib, op, a, b):
    return op(a, b) if callable(op) else getattr(lib, op)(a, b)


def _torch_dtype(t):
    return np.dtype(str(t.dtype).split(".")[-1])


PAIRS = [(a, b) for a, b in itertools.product(OPERANDS, repeat=2)
         if not OPERANDS[a][0] == OPERANDS[b][0] == "number"]


@pytest.mark.parametrize("name", sorted(OPS))
def test_dtype_and_value_as_pytorch(name, torch):
    """Every pair of operand kinds that PyTorch accepts for this operation (it refuses some:
    bool − bool, a Python number first in torch.atan2, ...): the same dtype, shape and values."""
    op, wrong, compared = OPS[name], [], 0
    for a, b in PAIRS:
        ta, tb = _build(torch, OPERANDS[a], torch), _build(torch, OPERANDS[b], torch)
        try:
            theirs = _apply(torch, op, ta, tb)
        except (RuntimeError, TypeError):
            continue
        if not isinstance(theirs, torch.Tensor):
            continue
        compared += 1
        ours = _apply(gg, op, _build(gg, OPERANDS[a], torch), _build(gg, OPERANDS[b], torch))
        values = as_numpy(ours)
        if values.dtype != _torch_dtype(theirs) or values.shape != tuple(theirs.shape) or \
                not np.allclose(values.astype(np.float64), theirs.numpy().astype(np.float64),
                                rtol=1e-3, equal_nan=True):
            wrong.append((a, b, values.dtype, theirs.dtype, values, theirs))
    assert compared >= 80, compared          # of the 193 pairs
    assert wrong == [], wrong


def test_the_issue_cases(torch):
    i, f32 = gg.tensor([1, 2]), gg.tensor([1.0, 2.0])
    assert (i * 0.5).dtype == np.float32 and (0.5 * i).dtype == np.float32
    assert (i / i).dtype == np.float32 and (i / 2).dtype == np.float32
    assert (i + True).dtype == np.int64 and (i + gg.tensor([True, False])).dtype == np.int64
    assert (f32 + gg.tensor(2.0, dtype=gg.float64)).dtype == np.float32
    assert (f32 * np.float64(2.0)).dtype == np.float32
    assert (f32 * np.array(2.0)).dtype == np.float32
    assert (f32 + gg.tensor([2.0, 1.0], dtype=gg.float64)).dtype == np.float64
    assert (gg.tensor([1], dtype=gg.int32) + gg.tensor(5)).dtype == np.int32
    assert (gg.tensor([1], dtype=np.int8) + 1000).tolist() == \
        torch.tensor([1], dtype=torch.int8).add(1000).tolist()
    assert (i.float() ** 2).dtype == np.float32


def test_integer_and_float_results_follow_the_default_dtype():
    i = gg.tensor([1, 2])
    try:
        gg.set_default_dtype(gg.float64)
        assert (i * 0.5).dtype == np.float64 and (i / i).dtype == np.float64
        assert gg.exp2(i).dtype == np.float64
    finally:
        gg.set_default_dtype(gg.float32)
    assert (i * 0.5).dtype == np.float32 and gg.exp2(i).dtype == np.float32


def test_comparisons_compare_in_the_promoted_dtype(torch):
    x = np.float32(0.1)
    assert (gg.tensor([x]) == np.float64(0.1)).tolist() == [True]
    assert (gg.tensor([x]) == gg.tensor(0.1, dtype=gg.float64)).tolist() == \
        (torch.tensor([x]) == torch.tensor(0.1, dtype=torch.float64)).tolist() == [True]
    assert (gg.tensor([x]) == gg.tensor([0.1], dtype=gg.float64)).tolist() == [False]
    big = np.array([16777217])
    assert (gg.tensor(big) == 16777216.0).tolist() == \
        (torch.tensor(big) == 16777216.0).tolist() == [True]


def test_gradients_of_mixed_dtypes_have_each_leafs_dtype(torch):
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    s = gg.tensor(3.0, dtype=gg.float64, requires_grad=True)
    y = a * s
    assert y.dtype == np.float32
    y.sum().backward()
    assert a.grad.dtype == np.float32 and s.grad.dtype == np.float64
    ta = torch.tensor([1.0, 2.0], requires_grad=True)
    ts = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (ta * ts).sum().backward()
    np.testing.assert_allclose(as_numpy(s.grad), ts.grad.numpy())
    np.testing.assert_allclose(as_numpy(a.grad), ta.grad.numpy())


def test_numpy_scalars_count_as_zero_d_arrays():
    """A NumPy scalar promotes as a 0-d tensor (first-order rules on arrays meet NumPy scalars
    where the same rules on tensors meet 0-d tensors): beside a tensor with axes it counts only
    by category; beside a 0-d tensor its dtype counts (PyTorch takes np.float64 for a Python
    float there, giving float32)."""
    assert (gg.tensor([1.0]) * np.float64(2)).dtype == np.float32
    assert (gg.tensor([1, 2]) * np.float64(2)).dtype == np.float64
    assert (gg.tensor(1.0) * np.float64(2)).dtype == np.float64
    assert gg.add(np.float64(1.5), np.float64(2.0)).dtype == np.float64
    assert isinstance(gg.add(1.5, 2.0), np.floating) and gg.add(1.5, 2.0) == 3.5


def test_result_type_table(torch):
    f32, f64, i64 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64)
    cases = [((np.ones(2, np.int64), 0.5), f32), ((np.ones(2, np.float32), np.float64(1)), f32),
             ((np.ones(2, np.int32), np.ones((), np.int64)), np.dtype(np.int32)),
             ((np.ones(2, bool), np.ones((), np.int64)), i64),
             ((np.ones((), np.float32), np.ones((), np.float64)), f64),
             ((np.ones(2, np.int64), np.ones(2, np.float32)), f32),
             ((np.ones(2, np.float16), np.ones((), np.float32)), np.dtype(np.float16)),
             ((np.ones(2, np.uint8), np.ones(2, np.int8)), np.dtype(np.int16)),
             ((np.ones(2, np.int64), 1j), np.dtype(np.complex64))]
    for operands, expected in cases:
        assert promotion.result_type(*operands) == expected, operands
        theirs = torch.result_type(*[torch.tensor(o) if isinstance(o, np.ndarray) else
                                     complex(o) if isinstance(o, complex) else float(o)
                                     if isinstance(o, np.floating) else o for o in operands])
        assert np.dtype(str(theirs).split(".")[-1]) == expected


def test_agreeing_operands_skip_the_promotion(monkeypatch):
    """float32 with float32, a float tensor with a Python number, one integer dtype: the ufunc
    is called directly, the promotion never runs (it costs time on every operation)."""
    def refuse(*args, **kwargs):
        raise AssertionError("promote ran on the fast path")
    monkeypatch.setattr(promotion, "promote", refuse)
    f32 = gg.tensor([1.0, 2.0], requires_grad=True)
    for y in (f32 + f32, f32 * 2, 2.5 - f32, f32 / f32, f32 / 2, f32 ** 2, gg.maximum(f32, 0.5),
              gg.tensor([1, 2]) + gg.tensor([3, 4]), f32 < f32, f32 == 1.0):
        assert y.dtype in (np.float32, np.int64, np.bool_)
    (f32 * f32 + 1).sum().backward()
    with pytest.raises(AssertionError, match="fast path"):
        gg.tensor([1, 2]) / gg.tensor([1, 2])
