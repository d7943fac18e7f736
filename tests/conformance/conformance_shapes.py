"""Conformance entries of the shape operations, views, joins, diagonals, indexing, scatter,
padding and the products (matmul, einsum, ...)."""
import numpy as np
from conformance_specs import A, B, C, F, I, compare_with, same

import graphgrad as gg

PERM = A([[2, 0, 1], [1, 2, 0]])            # an index without repeats, for scatter


def shape_entries():
    return [
        same("reshape", [C(F(2, 3), (3, 2)), C(F(2, 3), (-1,)), C(F(2, 3), 6), C(F(), (1, 1)),
                         C(F(0, 3), (3, 0)), C(F(3, 4, view="T"), (2, 6)), C(F(2, 3), (4, 2)),
                         C(I(2, 3), (6,))]),
        same("flatten", [C(F(2, 3, 4)), C(F(2, 3, 4), 1), C(F(2, 3, 4), 0, 1), C(F()),
                         C(F(2, 3, 4), start_dim=-2), C(F(0, 3))]),
        same("unflatten", [C(F(2, 6), 1, (2, 3)), C(F(2, 6), -1, (3, -1)), C(F(6), 0, (1, 6))]),
        same("squeeze", [C(F(1, 3, 1)), C(F(1, 3, 1), 0), C(F(1, 3, 1), -1), C(F(1, 3, 1), 1),
                         C(F(1, 3, 1), (0, 2)), C(F()), C(F(), 0), C(F(1, 0, 1))]),
        same("unsqueeze", [C(F(2, 3), 0), C(F(2, 3), -1), C(F(2, 3), 2), C(F(), 0),
                           C(F(2, 3), 4)]),
        same("expand_dims", [C(F(2, 3), 0), C(F(2, 3), -1), C(F(), 0)],
             torch_name="unsqueeze"),
        same("broadcast_tensors", [C(F(3), F(2, 1)), C(F(2, 3), F()), C(F(2, 3)),
                                   C(F(2, 3), I(3), B(1, 1, 3)), C(F(2, 3), F(3, 2)),
                                   C(F(0, 1), F(3))]),
        same("broadcast_to", [C(F(3), (2, 3)), C(F(2, 1), (2, 4)), C(F(), (2, 2)),
                              C(F(1, 3), (0, 3)), C(F(2, 3), (3, 3)), C(F(2, 1), (-1, 3))]),
        compare_with("gg.sum_to", gg.sum_to, lambda torch, x, shape: x.sum_to_size(shape),
                     [C(F(2, 3), (1, 3)), C(F(2, 3), (2, 1)), C(F(2, 3), (2, 3)),
                      C(F(4, 2, 3), (2, 1))]),
        same("permute", [C(F(2, 3, 4), (2, 0, 1)), C(F(2, 3, 4), 1, 2, 0), C(F(), ()),
                         C(F(2, 3), (0, 0))]),
        same("transpose", [C(F(2, 3, 4), 0, 2), C(F(2, 3), -1, 0), C(F(3), 0, 0),
                           C(F(), 0, -1)]),
        same("swapaxes", [C(F(2, 3, 4), 0, 2), C(F(2, 3), -1, 0)]),
        same("swapdims", [C(F(2, 3, 4), 0, 2), C(F(2, 3), -1, 0)]),
        same("t", [C(F(2, 3)), C(F(3)), C(F()), C(F(2, 3, 4))]),
        same("movedim", [C(F(2, 3, 4), 0, 2), C(F(2, 3, 4), (0, 1), (2, 0)), C(F(2, 3), -1, 0)]),
        same("moveaxis", [C(F(2, 3, 4), 0, 2), C(F(2, 3, 4), (0, 1), (2, 0))]),
        same("narrow", [C(F(4, 3), 0, 1, 2), C(F(4, 3), -1, 1, 2), C(F(4, 3), 0, -2, 2),
                        C(F(4, 3), 0, 2, 3)]),
        same("select", [C(F(4, 3), 0, 1), C(F(4, 3), 1, -1), C(F(4), 0, 2), C(F(4, 3), 0, 4)]),
        same("flip", [C(F(2, 3), 0), C(F(2, 3), (0, 1)), C(F(2, 3), [-1]), C(F(), ()),
                      C(F(0, 3), 1)]),
        same("fliplr", [C(F(2, 3)), C(F(3))]),
        same("flipud", [C(F(2, 3)), C(F(3))]),
        same("rot90", [C(F(2, 3)), C(F(2, 3), 2), C(F(2, 3), -1), C(F(2, 3, 4), 1, (1, 2)),
                       C(F(2, 3), 3, [1, 0])]),
        same("roll", [C(F(2, 3), 1), C(F(2, 3), 1, 0), C(F(2, 3), (1, -1), (0, 1)),
                      C(F(2, 3), -4, 1), C(F(), 1)]),
        same("atleast_1d", [C(F()), C(F(3)), C(F(2, 3)), C(F(), F(2))]),
        same("atleast_2d", [C(F()), C(F(3)), C(F(2, 3)), C(F(2, 3, 4)), C(F(), F(2))]),
        same("atleast_3d", [C(F()), C(F(3)), C(F(2, 3)), C(F(2, 3, 4)), C(F(3), F(2, 3))]),
        same("clone", [C(F(2, 3)), C(F()), C(I(3)), C(F(3, 4, view="T"))]),
    ]


def join_entries():
    cat = [C([F(2, 3), F(1, 3)]), C([F(2, 3), F(2, 2)], 1), C((F(2, 3), F(2, 3)), -1),
           C([F(2, 3)]), C([F(0, 3), F(2, 3)]), C([F(2, 3), I(1, 3)]),
           C([F(2, 3, dtype=np.float32), F(1, 3, dtype=np.float64)]), C([F(), F()]),
           C([F(2, 3), F(0)], label="legacy empty 1-D"), C([F(2, 3), F(2, 2)], 0)]
    stack = [C([F(2, 3), F(2, 3)]), C([F(2, 3), F(2, 3)], 1), C([F(2, 3), F(2, 3)], -1),
             C([F(), F()]), C([F(2, 3), F(3, 2)]), C([F(2), I(2)])]
    hv = [C([F(2, 3), F(1, 3)]), C([F(3), F(2)]), C([F(), F()]), C([F(2, 3, 2), F(2, 3, 2)])]
    return [
        same("cat", cat), same("concat", cat), same("concatenate", cat),
        same("stack", stack), same("hstack", hv), same("vstack", hv), same("dstack", hv),
        same("split", [C(F(5, 3), 2), C(F(5, 3), [1, 4]), C(F(5, 3), 2, 1), C(F(5, 3), 5),
                       C(F(5, 3), [2, 2])]),
        same("chunk", [C(F(5, 3), 2), C(F(5, 3), 3, 1), C(F(6, 3), 4), C(F(5, 3), 7)]),
        same("unbind", [C(F(3, 2)), C(F(3, 2), 1), C(F(3, 2), -1)]),
        same("tile", [C(F(2, 3), (2, 1)), C(F(2, 3), (2,)), C(F(3), (2, 2)), C(F(), (3,))]),
        same("repeat_interleave", [C(F(2, 3), 2), C(F(2, 3), 2, 0), C(F(2, 3), A([1, 0, 2]), 1),
                                   C(F(), 3), C(A([1, 2, 3]))]),
        # no case without indexing=: torch warns about it once per process, and
        # tests/ops/test_shape_views.py checks that warning
        same("meshgrid", [C(F(3), F(2), indexing="ij"), C(F(3), F(2), indexing="xy"),
                          C(F(3), indexing="xy"), C(F(3), F(2), F(4), indexing="ij")]),
        same("diag", [C(F(3)), C(F(3), 1), C(F(3), -2), C(F(3, 4)), C(F(3, 4), 1),
                      C(F(3, 4), -2), C(F()), C(F(2, 2, 2))]),
        same("diag_embed", [C(F(3)), C(F(2, 3)), C(F(2, 3), 1), C(F(2, 3), -1, 0, 2)]),
        same("diagonal", [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), -2), C(F(2, 3, 4), 0, 1, 2),
                          C(F(2, 3, 4), 1, -1, 0), C(F(3, 4), 5), C(F(3))]),
        same("tril", [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), -1), C(F(2, 3, 3)), C(F(3))]),
        same("triu", [C(F(3, 4)), C(F(3, 4), 1), C(F(3, 4), -1), C(F(2, 3, 3)), C(F(3))]),
    ]


def index_entries():
    idx2 = A([[0, 2], [1, 1], [2, 0]])
    return [
        compare_with("gg.getitem", gg.getitem, lambda torch, x, i: x[i], [
            C(F(4, 3), 1), C(F(4, 3), -1), C(F(4, 3), (slice(1, 3), 0)),
            C(F(4, 3), (Ellipsis, None)), C(F(4, 3), (slice(None, None, 2),)),
            C(F(4, 3), A([0, 2, 2])), C(F(4, 3), (A([0, 3]), A([1, 2]))),
            C(F(4, 3), B(4, 3)), C(F(4, 3), B(4)), C(F(4, 3), [0, 1, 1]),
            C(F(4, 3), (slice(None), [2, 0])), C(F(), ()), C(F(), None), C(F(4, 3), 4),
            C(F(4, 3), slice(None, None, -1), label="negative step"),
            C(F(4, 3), (1, slice(None), None)),
            C(F(2, 3, 4), (A([0, 1]), slice(None), A([1, 2])))]),
        same("gather", [C(F(3, 4), 1, A([[0, 0], [1, 3], [2, 1]])), C(F(3, 4), 0, idx2),
                        C(F(3, 4), -1, A([[3], [0], [1]])), C(F(), 0, A(0))]),
        compare_with("gg.take_along_axis", gg.take_along_axis,
                     lambda torch, x, i, axis: torch.take_along_dim(x, i, axis),
                     [C(F(3, 4), A([[0, 3], [1, 1], [2, 0]]), 1), C(F(3, 4), idx2, 0)]),
        same("take_along_dim", [C(F(3, 4), A([[0, 3], [1, 1], [2, 0]]), 1),
                                C(F(3, 4), idx2, 0), C(F(3, 4), A([[0], [2], [1]]), 1),
                                C(F(3, 4), A([[0, 3]]), 1), C(F(3, 4), A([[5, 0]])),
                                C(F(3, 4), A([11, 0, 4])), C(F(3, 4), A([[0, 3]]), -1),
                                C(F(3, 4), A([[0, 4]]), 1), C(F(3, 4), A([0.5, 1.0]))]),
        same("index_select", [C(F(4, 3), 0, A([0, 2, 2])), C(F(4, 3), 1, A([2, 0])),
                              C(F(4, 3), -1, A([1])), C(F(), 0, A([0])),
                              C(F(4, 3), 0, A([], dtype=np.int64))]),
        same("take", [C(F(3, 4), A([0, 5, 11, 5])), C(F(3, 4), A([[1, -1]])), C(F(), A([0]))]),
        same("masked_select", [C(F(3, 4), B(3, 4)), C(F(3, 4), B(4)), C(F(), B())]),
        same("nonzero", [C(I(3, 4, lo=0, hi=2)), C(B(5)), C(I(3, 4), as_tuple=True),
                         C(F(3)), C(A(1.0)), C(A(0.0)), C(I(0, 2))]),
        same("argwhere", [C(I(3, 4, lo=0, hi=2)), C(B(5)), C(A(1.0))]),
        same("scatter", [C(F(3, 3), 1, PERM, F(2, 3)), C(F(3, 3), 0, PERM, F(2, 3)),
                         C(F(3, 3), 1, PERM, 1.5), C(F(3, 3), 1, PERM, value=2.0),
                         C(F(3, 3), 1, PERM, F(2, 3), reduce="add"),
                         C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), F(2, 3), reduce="multiply"),
                         C(F(3, 3), 0, PERM, value=1.5, reduce="add"),
                         C(I(3, 3), 1, PERM, I(2, 3), reduce="multiply"),
                         C(F(3, 3), 1, PERM, F(2, 3), reduce="sum")]),
        same("tensor_split", [C(F(5, 3), 2), C(F(5, 3), 3, 1), C(F(5, 3), [1, -2]),
                              C(F(5, 3), [3, 1]), C(F(5, 3), (1, 9), dim=0), C(F(5, 3), 0),
                              C(F(4, 6), A([2, 4]), dim=-1), C(F(4, 6), A(4)),
                              C(F(4, 6), sections=4, dim=1), C(F(4, 6), indices=[1], dim=1),
                              C(F(), 1), C(F(0, 2), 2)]),
        same("index_put", [C(F(4, 3), (A([0, 2]), A([1, 1])), F(2)),
                           C(F(4, 3), (A([0, 2, 0]),), F(3, 3), accumulate=True),
                           C(F(4, 3), (A([3, 1]),), F(3)), C(F(4, 3), (B(4, 3),), F()),
                           C(F(4, 3), (B(4),), F(3), accumulate=True),
                           C(F(4, 3), (A([0, 1]),), F(4)), C(F(4, 3), (A([0]),), 1.5),
                           C(F(4, 3), (A([0]), A([0]), A([0])), F(1)),
                           C(F(4, 3), (A([5]),), F(3)),
                           C(F(4, 3), (A([0]),), F(3, dtype=np.float32), label="dtypes differ"),
                           C(I(4, 3), (A([0, 2]),), I(3), accumulate=True)]),
        same("scatter_add", [C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), F(2, 3)),
                             C(F(3, 3), 0, A([[0, 0, 2], [0, 1, 1]]), F(2, 4))]),
        same("scatter_reduce", [
            C(F(3, 3), 1, A([[0, 0, 2], [1, 1, 1]]), F(2, 3), r, include_self=s)
            for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)]),
        same("index_add", [C(F(4, 3), 0, A([0, 2, 2]), F(3, 3)), C(F(4, 3), 1, A([1, 0]), F(4, 2)),
                           C(F(4, 3), 0, A([1]), F(1, 3), alpha=2.0)]),
        same("index_fill", [C(F(4, 3), 0, A([0, 2]), -1.0), C(F(4, 3), 1, A([1]), 2.5),
                            C(F(4, 3), 1, A([1]), A(2.0, grad=False))]),
        same("masked_fill", [C(F(3, 4), B(3, 4), 0.5), C(F(3, 4), B(4), -1.0),
                             C(F(3, 4), B(3, 4), A(2.0, grad=False)), C(I(3, 4), B(3, 4), 7),
                             C(F(3, 4), B(3, 4), F())]),
    ]


def pad_cases():
    return [C(F(2, 3), ((1, 2), (0, 1))), C(F(2, 3), ((0, 0), (2, 1)), value=1.5),
            C(F(2, 3), ((1, 1), (1, 1)), "reflect"), C(F(2, 3), ((0, 0), (2, 1)), "replicate"),
            C(F(2, 3), ((0, 0), (1, 2)), "circular"), C(F(3), ((2, 0),))]


def _torch_pad(torch, x, width, mode="constant", value=0.0):
    """gg.pad's NumPy pad_width as torch.nn.functional.pad's list (last axis first); reflect,
    replicate and circular padding in PyTorch need a batch axis in front of the padded ones."""
    flat = [n for before_after in reversed(width) for n in before_after]
    while flat and flat[-2:] == [0, 0]:
        flat = flat[:-2]
    if mode == "constant":
        return torch.nn.functional.pad(x, flat, value=value)
    return torch.nn.functional.pad(x[None], flat, mode=mode)[0]


def product_entries():
    return [
        same("matmul", [C(F(2, 3), F(3, 4)), C(F(3), F(3)), C(F(3), F(3, 4)), C(F(2, 3), F(3)),
                        C(F(2, 2, 3), F(3, 4)), C(F(2, 1, 2, 3), F(3, 3, 4)),
                        C(F(0, 3), F(3, 2)), C(F(2, 0), F(0, 4)), C(F(3, 2, view="T"), F(3, 4)),
                        C(I(2, 3), I(3, 2)), C(F(2, 3), F(4, 2)), C(F(), F(3))]),
        same("mm", [C(F(2, 3), F(3, 4)), C(F(0, 3), F(3, 2)), C(F(3), F(3, 2))]),
        same("bmm", [C(F(2, 2, 3), F(2, 3, 4)), C(F(2, 3), F(3, 4))]),
        same("mv", [C(F(2, 3), F(3)), C(F(2, 3), F(2, 3))]),
        same("dot", [C(F(3), F(3)), C(F(0), F(0)), C(F(2, 3), F(2, 3)), C(I(3), I(3))]),
        same("outer", [C(F(3), F(2)), C(F(3), I(2)), C(F(0), F(2))]),
        same("inner", [C(F(3), F(3)), C(F(2, 3), F(4, 3)), C(F(), F(2, 3))]),
        same("kron", [C(F(2, 3), F(2, 2)), C(F(3), F(2)), C(F(2, 1, 2), F(3, 2))]),
        same("cross", [C(F(4, 3), F(4, 3)), C(F(3, 4), F(3, 4), 0), C(F(4, 3), F(3), dim=-1),
                       C(F(4, 3), F(4, 3), dim=1)]),
        same("tensordot", [C(F(2, 3, 4), F(3, 4, 5)), C(F(2, 3), F(3, 4), 1),
                           C(F(2, 3, 4), F(4, 3), ([1, 2], [1, 0])), C(F(2), F(3), 0)]),
        same("addmm", [C(F(2, 4), F(2, 3), F(3, 4)), C(F(4), F(2, 3), F(3, 4), beta=0.5, alpha=2),
                       C(F(), F(2, 3), F(3, 4))]),
        same("addmv", [C(F(2), F(2, 3), F(3)), C(F(), F(2, 3), F(3), beta=2, alpha=0.5)]),
        same("einsum", [C("ij,jk->ik", F(2, 3), F(3, 4)), C("ii->i", F(3, 3)), C("ii", F(3, 3)),
                        C("bij,bjk->bik", F(2, 2, 3), F(2, 3, 2)), C("i,j->ij", F(3), F(2)),
                        C("...ij->...ji", F(2, 3, 4)), C("ij->", F(2, 3)),
                        C("ij,ij->i", F(2, 3), F(2, 3)), C("ij,jk", [F(2, 3), F(3, 4)])]),
        compare_with("gg.pad", gg.pad, _torch_pad, pad_cases()),
    ]


def entries():
    return shape_entries() + join_entries() + index_entries() + product_entries()
