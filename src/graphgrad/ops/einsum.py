"""einsum as one primitive, differentiable in every operand.

y = einsum('t₁,…,tₙ->o', x₁, …, xₙ) is linear in each operand, so ẏ = Σᵢ einsum(…, ẋᵢ, …) and
∂L/∂xᵢ = einsum('o,t₁,…(all but tᵢ)->tᵢ', ∂L/∂y, …): another einsum. Two cases need more: a
letter repeated within tᵢ (a diagonal, 'ii') gets a fresh letter and an identity matrix
operand, and a letter only tᵢ has (summed within xᵢ) gets a ones operand, so that the
gradient spreads over it. Size-1 axes broadcast as in PyTorch; the engine sums the gradient
back over them.

The public einsum takes PyTorch's equations (implicit output, '...', spaces) and rewrites them
into explicit ones without ellipsis before calling the primitive, checking operands' shapes.
"""
import string

import numpy as np

from ..errors import ShapeError
from ..primitives import primitive
from ..tensor import Tensor, as_array

_LETTERS = string.ascii_letters


def _einsum_cases(rng):
    n = rng.normal
    return [((n(size=(2, 3)), n(size=(3, 4))), {"equation": "ij,jk->ik"}),
            ((n(size=(3, 3)),), {"equation": "ii->i"}),
            ((n(size=(2, 3)), n(size=(1, 3))), {"equation": "ab,ab->a"}),
            ((n(size=(2, 3)), n(size=(2, 1))), {"equation": "ab,ab->a"}),
            ((n(size=(2, 3)),), {"equation": "ij->"}),
            ((n(size=3), n(size=4), n(size=(3, 4))), {"equation": "i,j,ij->"}),
            ((n(size=(2, 2, 3)),), {"equation": "iij->ji"})]


@primitive(name="einsum", examples=_einsum_cases, saves=("inputs",))
def _einsum(*operands, equation):
    """The Einstein sum of an explicit equation without ellipsis ('ij,jk->ik')."""
    return np.einsum(equation, *operands, optimize=len(operands) > 2)



def _split(equation):
    inputs, output = equation.split("->")
    return inputs.split(","), output


def _vjp(i, g, out, *operands, equation):
    """∂L/∂xᵢ as an einsum of the gradient with the other operands (see the module's doc)."""
    terms, output = _split(equation)
    term, shape = terms[i], operands[i].shape
    spare = iter(c for c in _LETTERS if c not in equation)
    dtype = g.dtype
    target, extra, extra_terms = [], [], []
    for letter, size in zip(term, shape):
        if letter in target:                       # a diagonal: a fresh letter and δ
            fresh = next(spare)
            extra.append(np.eye(size, dtype=dtype))
            extra_terms.append(letter + fresh)
            letter = fresh
        target.append(letter)
    others = [t for k, t in enumerate(terms) if k != i]
    rest = [x for k, x in enumerate(operands) if k != i]
    reach = {}                                     # the size each letter has without xᵢ
    for t, x in zip([output, *others, *extra_terms], [g, *rest, *extra]):
        for letter, size in zip(t, x.shape):
            reach[letter] = max(size, reach.get(letter, 0))
    for letter, size in zip(term, shape):
        if reach.get(letter, 0) < size:            # summed within xᵢ only, or 1 elsewhere:
            extra.append(np.ones(size, dtype=dtype))   # spread the gradient over it
            extra_terms.append(letter)
            reach[letter] = size
    return _einsum(g, *rest, *extra,
                   equation=",".join([output, *others, *extra_terms]) + "->" + "".join(target))


def _jvp(tangents, out, *operands, equation):
    total = None
    for i, t in enumerate(tangents):
        if t is not None:
            term = _einsum(*operands[:i], t, *operands[i + 1:], equation=equation)
            total = term if total is None else total + term
    return total


_einsum.defvjp_per_arg(_vjp)
_einsum.defjvp_all(_jvp)


# ----------------------------------------------------------------------------- the equation
def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: 'ij,jk->ik' (matrix product), 'ii' (trace),
    'bij,bjk->bik', '...ij->...ji'; without '->' the output has the letters used once, in
    alphabetical order (after '...'). Operands may also come as one list. Letters that meet
    have one size, or 1 (broadcast)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(x if isinstance(x, (Tensor, np.ndarray)) else as_array(x) for x in operands)
    shapes = [x.shape for x in operands]
    explicit = _explicit(equation.replace(" ", ""), shapes)
    _check_sizes(explicit, shapes)
    return _einsum(*operands, equation=explicit)


def _error(message, shapes):
    return ShapeError(f"einsum: {message} (operands of shapes "
                      f"{', '.join(str(s) for s in shapes)})")


def _explicit(equation, shapes):
    """The equation with its output written out and '...' replaced by letters."""
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise _error(f"the equation has {len(terms)} operands, {len(shapes)} were given", shapes)
    letters = set(equation) - set(",->.")
    if not letters <= set(_LETTERS):
        raise _error(f"subscripts must be letters, got {sorted(letters - set(_LETTERS))}", shapes)
    spare = [c for c in _LETTERS if c not in letters]
    ellipsis_dims = 0
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            ellipsis_dims = max(ellipsis_dims, len(shape) - named)
        if named > len(shape) or ("..." not in term and named != len(shape)):
            raise _error(f"'{term}' names {named} axes of an operand with {len(shape)}", shapes)
    batch = "".join(spare[:ellipsis_dims])
    terms = [t.replace("...", batch[ellipsis_dims - (len(s) - len(t) + 3):] if "..." in t
                       else "") for t, s in zip(terms, shapes)]
    if arrow:
        output = output.replace("...", batch)
    else:
        once = [c for c in set("".join(terms)) - set(batch) if "".join(terms).count(c) == 1]
        output = batch + "".join(sorted(once))
    for c in output:
        if output.count(c) > 1:
            raise _error(f"output subscript {c} appears more than once", shapes)
        if c not in "".join(terms):
            raise _error(f"output subscript {c} appears in no operand", shapes)
    return ",".join(terms) + "->" + output


def _check_sizes(explicit, shapes):
    """Every letter has one size (or 1, broadcast), within an operand exactly one."""
    size = {}
    for term, shape in zip(_split(explicit)[0], shapes):
        within = {}
        for letter, n in zip(term, shape):
            if within.setdefault(letter, n) != n:
                raise _error(f"subscript {letter} is repeated in '{term}' with sizes "
                             f"{within[letter]} and {n}", shapes)
            seen = size.setdefault(letter, n)
            if seen != n and 1 not in (seen, n):
                raise _error(f"subscript {letter} has sizes {seen} and {n}", shapes)
            size[letter] = max(seen, n)
