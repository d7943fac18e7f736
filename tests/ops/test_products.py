"""PyTorch's matrix products against torch: mm, bmm, mv, dot, outer, addmm, addmv, inner, kron,
cross, tensordot, in values, every gradient, forward mode and second order, float32 and float64;
shape errors name the operation and both shapes; dot is torch.dot (1-D only)."""
import numpy as np
import pytest
from elementwise_oracle import compare

import graphgrad as gg

R = np.random.default_rng(0)


def n(*shape):
    return R.normal(size=shape)


CASES = {
    "mm": [(n(2, 3), n(3, 4))],
    "bmm": [(n(2, 2, 3), n(2, 3, 4))],
    "mv": [(n(2, 3), n(3))],
    "dot": [(n(3), n(3))],
    "outer": [(n(3), n(4))],
    "inner": [(n(2, 3), n(4, 3)), (n(3), n(3)), (n(), n(2, 3)), (n(2, 1, 3), n(3))],
    "kron": [(n(2, 3), n(4)), (n(2, 2), n(3, 2)), (n(3), n(2, 1, 2)), (n(), n(2))],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_products(name, dtype, torch):
    for args in CASES[name]:
        compare(torch, getattr(gg, name), getattr(torch, name), *args, dtype=dtype,
                second=dtype == np.float64, what=f"{name}{[a.shape for a in args]}")
        compare(torch, lambda a, *rest: getattr(a, name)(*rest),
                lambda a, *rest: getattr(a, name)(*rest), *args, dtype=dtype, jvp=False,
                what=f"Tensor.{name}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_addmm_and_addmv(dtype, torch):
    for beta, alpha in ((1, 1), (0.5, -2.0), (0, 1.5)):
        for bias in (n(2, 4), n(4), n(1, 4), n()):
            compare(torch, lambda i, a, b: gg.addmm(i, a, b, beta=beta, alpha=alpha),
                    lambda i, a, b: torch.addmm(i, a, b, beta=beta, alpha=alpha),
                    bias, n(2, 3), n(3, 4), dtype=dtype, second=dtype == np.float64)
        compare(torch, lambda i, a, v: gg.addmv(i, a, v, beta=beta, alpha=alpha),
                lambda i, a, v: torch.addmv(i, a, v, beta=beta, alpha=alpha),
                n(2), n(2, 3), n(3), dtype=dtype)
        compare(torch, lambda i, a, b: i.addmm(a, b, beta=beta, alpha=alpha),
                lambda i, a, b: i.addmm(a, b, beta=beta, alpha=alpha), n(2, 4), n(2, 3),
                n(3, 4), dtype=dtype, jvp=False)


def test_addmm_with_beta_zero_ignores_nan_in_input(torch):
    bias = np.array([np.nan, 1.0])
    compare(torch, lambda i, a, b: gg.addmm(i, a, b, beta=0),
            lambda i, a, b: torch.addmm(i, a, b, beta=0), bias, n(2, 3), n(3, 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross(dtype, torch):
    compare(torch, lambda a, b: gg.cross(a, b, dim=1), lambda a, b: torch.cross(a, b, dim=1),
            n(4, 3), n(4, 3), dtype=dtype, second=dtype == np.float64)
    compare(torch, lambda a, b: gg.cross(a, b, dim=-1), lambda a, b: torch.cross(a, b, dim=-1),
            n(2, 1, 3), n(1, 4, 3), dtype=dtype)
    compare(torch, lambda a, b: gg.cross(a, b, dim=0), lambda a, b: torch.cross(a, b, dim=0),
            n(3, 2), n(3, 2), dtype=dtype)
    with pytest.warns(UserWarning, match="dim"):
        compare(torch, gg.cross, torch.cross, n(3, 4), n(3, 4), dtype=dtype, grad=False)
    compare(torch, lambda a, b: a.cross(b, dim=0), lambda a, b: a.cross(b, dim=0), n(3),
            n(3), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensordot(dtype, torch):
    cases = [((n(2, 3, 4), n(3, 4, 5)), 2), ((n(2, 3, 4), n(4, 3, 5)), ([1, 2], [1, 0])),
             ((n(2, 3), n(4, 5)), 0), ((n(2, 3), n(3, 2)), 1),
             ((n(2, 3, 4), n(4, 2)), ([-1, 0], [0, 1])), ((n(2, 3), n(3, 2)), [[1], [0]])]
    for (a, b), dims in cases:
        compare(torch, lambda a, b: gg.tensordot(a, b, dims=dims),
                lambda a, b: torch.tensordot(a, b, dims=dims), a, b, dtype=dtype,
                second=dtype == np.float64, what=f"tensordot dims={dims}")


SHAPE_ERRORS = [
    ("mm", (n(2, 3), n(4, 3)), "mm.*\\(2, 3\\) and \\(4, 3\\)"),
    ("mm", (n(3), n(3, 3)), "mm.*\\(3,\\) and \\(3, 3\\)"),
    ("bmm", (n(2, 2, 3), n(3, 3, 3)), "bmm.*\\(2, 2, 3\\) and \\(3, 3, 3\\)"),
    ("mv", (n(2, 3), n(4)), "mv.*\\(2, 3\\) and \\(4,\\)"),
    ("dot", (n(2, 3), n(3)), "dot.*\\(2, 3\\) and \\(3,\\)"),
    ("dot", (n(2), n(3)), "dot.*\\(2,\\) and \\(3,\\)"),
    ("outer", (n(2, 3), n(3)), "outer.*\\(2, 3\\) and \\(3,\\)"),
    ("inner", (n(2, 3), n(2)), "inner.*\\(2, 3\\) and \\(2,\\)"),
    ("tensordot", (n(2, 3), n(2, 3)), "tensordot.*\\(2, 3\\) and \\(2, 3\\)"),
    ("cross", (n(2, 4), n(2, 4)), "cross.*\\(2, 4\\) and \\(2, 4\\)"),
    ("cross", (n(2, 3), n(3)), "cross.*\\(2, 3\\) and \\(3,\\)"),
    ("matmul", (n(2, 3), n(4, 5)), "matmul.*\\(2, 3\\) and \\(4, 5\\)"),
]


@pytest.mark.parametrize("name,args,message", SHAPE_ERRORS, ids=[f"{e[0]}{i}" for i, e in
                                                                  enumerate(SHAPE_ERRORS)])
def test_shape_errors_name_the_operation_and_both_shapes(name, args, message, torch):
    with pytest.raises(gg.ShapeError, match=message):
        kwargs = {"dims": 1} if name == "tensordot" else {}
        getattr(gg, name)(*(gg.tensor(a) for a in args), **kwargs)
    with pytest.raises(RuntimeError):
        kwargs = {"dims": 1} if name == "tensordot" else {}
        getattr(torch, name)(*(torch.tensor(a) for a in args), **kwargs)


def test_addmm_input_must_broadcast():
    with pytest.raises(gg.ShapeError, match="addmm.*\\(3,\\).*\\(2, 2\\)"):
        gg.addmm(gg.ones(3), gg.ones(2, 3), gg.ones(3, 2))


def test_dot_is_pytorchs_and_matmul_is_the_general_product(torch):
    a, b = n(2, 3), n(3, 4)
    with pytest.raises(gg.ShapeError, match="1-D"):
        gg.dot(gg.tensor(a), gg.tensor(b))
    np.testing.assert_allclose(gg.matmul(gg.tensor(a), gg.tensor(b)).numpy(), a @ b)
    assert gg.dot(gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0])).item() == 11.0
    assert isinstance(gg.dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])), (np.ndarray,
                                                                            np.generic))
