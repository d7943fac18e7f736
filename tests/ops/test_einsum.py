"""einsum against torch.einsum: explicit and implicit outputs, '...', broadcasting of size-1
axes, diagonals and traces, sums within one operand, operands given as a list; values, every
gradient (each derived as another einsum), forward mode and second order; the errors."""
import re

import numpy as np
import pytest
from elementwise_oracle import compare

import graphgrad as gg

R = np.random.default_rng(0)


def n(*shape):
    return R.normal(size=shape)


EQUATIONS = [
    ("ij,jk->ik", (n(2, 3), n(3, 4))),
    ("ij,jk", (n(2, 3), n(3, 4))),
    ("bij,bjk->bik", (n(2, 2, 3), n(2, 3, 2))),
    ("ii", (n(3, 3),)),
    ("ii->i", (n(3, 3),)),
    ("iij->j", (n(2, 2, 3),)),
    ("ij->ji", (n(2, 3),)),
    ("ba", (n(2, 3),)),
    ("ij->", (n(2, 3),)),
    ("ij->j", (n(2, 3),)),
    ("i,i", (n(3), n(3))),
    ("i,j->ij", (n(3), n(4))),
    ("i,j,ij->", (n(3), n(4), n(3, 4))),
    ("ab,ab->a", (n(2, 3), n(1, 3))),
    ("ab,ab->a", (n(2, 3), n(2, 1))),
    ("i,i->i", (n(1), n(3))),
    ("...ij,...jk->...ik", (n(2, 1, 2, 3), n(4, 3, 2))),
    ("...ij->...ji", (n(2, 3, 4),)),
    ("...i->i", (n(2, 3, 4),)),
    ("i...->...", (n(3, 4),)),
    ("b...,b...->...", (n(2, 3), n(2, 3))),
    ("...", (n(2),)),
    ("ij,ij,ij->ij", (n(2, 3), n(2, 3), n(2, 3))),
    ("iI->Ii", (n(1, 3),)),
    (" ij , jk -> ik ", (n(2, 3), n(3, 2))),
    ("ii,i->i", (n(3, 3), n(3))),
    (",i->i", (n(), n(3))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("equation,operands", EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum(equation, operands, dtype, torch):
    compare(torch, lambda *xs: gg.einsum(equation, *xs),
            lambda *xs: torch.einsum(equation, *xs), *operands, dtype=dtype,
            second=dtype == np.float64, what=equation)


def test_operands_as_one_list(torch):
    a, b = n(2, 3), n(3, 4)
    compare(torch, lambda a, b: gg.einsum("ij,jk->ik", [a, b]),
            lambda a, b: torch.einsum("ij,jk->ik", [a, b]), a, b)


def test_plain_arrays_in_arrays_out():
    a = n(2, 3)
    out = gg.einsum("ij->ji", a)
    assert isinstance(out, np.ndarray) and np.array_equal(out, a.T)


ERRORS = [
    ("ij,jk", (n(2, 3), n(4, 5)), "subscript j has sizes 3 and 4"),
    ("ij,jk->ii", (n(2, 3), n(3, 5)), "output subscript i appears more than once"),
    ("ij,jk->iz", (n(2, 3), n(3, 5)), "output subscript z appears in no operand"),
    ("ijk,jk->ik", (n(2, 3), n(3, 4)), "'ijk' names 3 axes of an operand with 2"),
    ("ii->i", (n(2, 3),), "subscript i is repeated in 'ii' with sizes 2 and 3"),
    ("ij,jk->ik", (n(2, 3),), "the equation has 2 operands, 1 were given"),
    ("i1,i->i", (n(2, 2), n(2)), "subscripts must be letters"),
]


@pytest.mark.parametrize("equation,operands,message", ERRORS, ids=[e[2] for e in ERRORS])
def test_errors_name_einsum_and_the_shapes(equation, operands, message, torch):
    shapes = ", ".join(str(o.shape) for o in operands)
    with pytest.raises(gg.ShapeError, match=f"einsum: {re.escape(message)}.*{re.escape(shapes)}"):
        gg.einsum(equation, *(gg.tensor(o) for o in operands))
    with pytest.raises(RuntimeError):
        torch.einsum(equation, *(torch.tensor(o) for o in operands))


def test_the_gradient_of_a_trace_is_the_identity():
    x = gg.tensor(n(3, 3), requires_grad=True)
    gg.einsum("ii", x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3))
