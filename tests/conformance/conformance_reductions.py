"""Conformance entries of the reductions, statistics, sorts, scans, norms and softmax: every dim
form (None, one, negative, a tuple, keepdim), 0-d and empty tensors, non-contiguous views,
integer inputs and dtype= where PyTorch takes them."""
import numpy as np
from conformance_specs import A, B, C, D, F, I, same

TIES = A([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.5, 2.0], [0.0, -1.0, 4.0, 4.0]])


def reduce_cases(lo=-2.0, hi=2.0, tuple_dims=True, ints=True, empty=True):
    """sum-like reductions: everything, one dim, a negative dim with keepdim, several dims, 0-d,
    an empty dim, a transposed view."""
    f = dict(lo=lo, hi=hi)
    cases = [C(F(3, 4, **f)), C(F(3, 4, **f), 1), C(F(3, 4, **f), dim=-1, keepdim=True),
             C(F(2, 3, 4, **f), 0), C(F(**f)), C(F(**f), 0), C(F(4, 5, **f, view="T"), 0),
             C(F(1, 3, **f), 0, True)]
    if tuple_dims:
        cases += [C(F(2, 3, 4, **f), (0, 2)), C(F(2, 3, 4, **f), dim=(-1, 0), keepdim=True)]
    if empty:
        cases += [C(F(0, 3, **f), 1), C(F(0, 3, **f), 0), C(F(0, 3, **f))]
    if ints:
        cases += [C(I(3, 4)), C(I(3, 4), 1)]
    return cases


def index_reduce_cases(ints=True):
    """max/min/median-like: everything, (values, indices) along a dim, ties, 0-d, empty."""
    cases = [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), dim=-1, keepdim=True), C(F(2, 3, 4), 0),
             C(F()), C(F(), 0), C(F(4, 5, view="T"), 1), C(TIES, 1), C(F(0, 3), 1),
             C(F(0, 3), 0), C(F(0, 3))]
    if ints:
        cases += [C(I(3, 4)), C(I(3, 4), 0)]
    return cases


def stat_cases():
    return [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), dim=0, keepdim=True),
            C(F(3, 4), 1, correction=0), C(F(3, 4), dim=(0, 1), correction=2),
            C(F(3, 4), 1, unbiased=False), C(F(3, 4), 1, False), C(F(2, 3, 4), (0, 2)),
            C(F(1, 4), 0), C(F()), C(F(0, 3), 1), C(F(4, 5, view="T"), 0),
            C(A([[1.0, 1.0, 1.0], [2.0, 3.0, 4.0]]), 1, label="constant row (std 0)"),
            C(I(3, 4))]


def cumulative_cases(lo=-2.0, hi=2.0):
    f = dict(lo=lo, hi=hi)
    return [C(F(3, 4, **f), 1), C(F(3, 4, **f), 0), C(F(3, 4, **f), -1), C(F(**f), 0),
            C(F(0, 3, **f), 1), C(F(4, 5, **f, view="T"), 1), C(I(3, 4), 1)]


def entries():
    out = [
        same("sum", reduce_cases() + [C(F(3, 4), 1, dtype=D("float64")),
                                      C(I(3, 4), dtype=D("float32")), C(B(3, 4), 1)]),
        same("nansum", reduce_cases() + [C(A([[1.0, np.nan], [2.0, 3.0]]), 1)]),
        same("mean", reduce_cases() + [C(F(3, 4), 1, dtype=D("float64")),
                                       C(I(3, 4), dtype=D("float64"))]),
        same("nanmean", reduce_cases() + [C(A([[1.0, np.nan], [2.0, 3.0]]), 1)]),
        same("prod", [C(F(3, 4, lo=0.5, hi=1.5)), C(F(3, 4), 1), C(F(3, 4), -1, True),
                      C(F()), C(F(), 0), C(F(0, 3), 1), C(F(0, 3)), C(I(3, 4)), C(I(3, 4), 0),
                      C(A([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]]), 1, label="zeros"),
                      C(F(3, 4), 1, dtype=D("float64")), C(F(4, 5, view="T"), 0)]),
        same("amax", reduce_cases() + [C(TIES, 1), C(TIES)]),
        same("amin", reduce_cases() + [C(TIES, 1), C(TIES)]),
        same("logsumexp", reduce_cases(ints=False) + [C(I(3, 4), 1)]),
        same("all", reduce_cases(tuple_dims=False) + [C(B(3, 4), 1), C(B(3, 4))]),
        same("any", reduce_cases(tuple_dims=False) + [C(B(3, 4), 1), C(B(3, 4))]),
        same("count_nonzero", [C(I(3, 4)), C(I(3, 4), 1), C(I(2, 3, 4), (0, 2)), C(F(3, 4)),
                               C(B(3, 4), 0), C(F()), C(F(0, 3), 1)]),
        same("argmax", index_reduce_cases()),
        same("argmin", index_reduce_cases()),
        same("max", index_reduce_cases() + [C(F(2, 3), F(3))]),
        same("min", index_reduce_cases() + [C(F(2, 3), F(3))]),
        same("median", index_reduce_cases()),
        same("nanmedian", index_reduce_cases() + [
            C(A([[1.0, np.nan, 2.0], [np.nan, np.nan, np.nan]]), 1, exact_indices=False,
              grad=False, label="an all-NaN row (torch's index there is its nth_element's)")]),
        same("mode", [C(TIES, 1), C(I(3, 6), 1), C(I(3, 6), 0, True), C(F(3, 4)), C(F()),
                      C(A([[1.0, 2.0, 2.0, 1.0]]), 1, label="two modes")]),
        same("var", stat_cases()), same("std", stat_cases()),
        same("var_mean", stat_cases()), same("std_mean", stat_cases()),
        same("sort", [C(F(3, 4)), C(F(3, 4), 0), C(F(3, 4), descending=True), C(F()),
                      C(TIES, stable=True), C(TIES, dim=1, descending=True, stable=True),
                      C(I(3, 4), 1), C(F(0, 3)), C(F(4, 5, view="T"), 0)]),
        same("argsort", [C(F(3, 4)), C(F(3, 4), 0), C(F(3, 4), descending=True), C(F()),
                         C(TIES, stable=True), C(TIES, dim=1, descending=True, stable=True),
                         C(I(3, 4), 1), C(F(0, 3))]),
        same("topk", [C(F(3, 4), 2), C(F(3, 4), 2, 0), C(F(3, 4), 1, largest=False),
                      C(F(3, 4), 3, sorted=True), C(F(), 1), C(F(3, 4), 5),
                      C(I(3, 4), 2, exact_indices=False, label="ties (torch's order unspecified)"),
                      C(F(0, 3), 2, 1)]),
        same("kthvalue", [C(F(3, 4), 2), C(F(3, 4), 1, 0), C(F(3, 4), 3, -1, True), C(F(), 1),
                          C(F(3, 4), 5),
                          C(TIES, 2, 1, exact_indices=False, grad=False,
                            label="ties (torch's pick unspecified)"),
                          C(I(3, 4), 2, exact_indices=False,
                            label="ties (torch's pick unspecified)")]),
        same("cumsum", cumulative_cases() + [C(F(3, 4), 1, dtype=D("float64"))]),
        same("cumprod", cumulative_cases(0.5, 1.5) + [
            C(A([[1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 1.0]]), 1, label="zeros")]),
        same("logcumsumexp", cumulative_cases()[:-1]),
        same("cummax", cumulative_cases() + [C(TIES, 1)]),
        same("cummin", cumulative_cases() + [C(TIES, 1)]),
        same("softmax", [C(F(3, 4), 1), C(F(3, 4), 0), C(F(3, 4), -1), C(F(), 0), C(F(0, 3), 1),
                         C(F(3, 4), 1, dtype=D("float64")), C(I(3, 4), 1),
                         C(F(4, 5, view="T"), 0)]),
        same("log_softmax", [C(F(3, 4), 1), C(F(3, 4), 0), C(F(), 0), C(F(0, 3), 1),
                             C(F(3, 4), 1, dtype=D("float64")), C(F(4, 5, view="T"), 0)]),
    ]
    norm = [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), 3, 1), C(F(3, 4), float("inf"), 0),
            C(F(3, 4), -float("inf"), 1), C(F(3, 4), 1, dim=(0, 1)), C(F(3, 4), "fro"),
            C(F(3, 4), "nuc"), C(F(3, 4), 2, 1, True), C(F(3, 4), 0.5, 1), C(F()),
            C(F(2, 3, 4), "fro", (1, 2)), C(A([[0.0, 0.0], [1.0, 2.0]]), 2, 1, label="zero row"),
            C(F(0, 3), 2, 1)]
    out.append(same("norm", norm))
    vector = [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), 3, 1), C(F(3, 4), float("inf")),
              C(F(3, 4), -float("inf"), 1), C(F(3, 4), 0), C(F(3, 4), 1, dim=(0, 1)),
              C(F(3, 4), 2, 1, True), C(F(3, 4), 0.5, 1), C(F()), C(F(0, 3), 2, 1),
              C(A([[0.0, 0.0], [1.0, 2.0]]), 2, 1, label="zero row"),
              C(F(3, 4), dtype=D("float64")), C(I(3, 4))]
    out.append(same("vector_norm", vector, torch_name="linalg.vector_norm"))
    matrix = [C(F(3, 4)), C(F(3, 4), "nuc"), C(F(3, 4), 1), C(F(3, 4), -1),
              C(F(3, 4), 2, tol=(1e-7, 1e-9)), C(F(3, 4), -2, tol=(1e-7, 1e-9)),
              C(F(3, 4), float("inf")), C(F(3, 4), -float("inf")), C(F(2, 3, 4), "fro"),
              C(F(3, 4, 2), "fro", (0, 1)), C(F(3, 4), keepdim=True), C(F(4, 5, view="T")),
              C(F(0, 3)), C(F(3))]
    out.append(same("matrix_norm", matrix, torch_name="linalg.matrix_norm"))
    return out
