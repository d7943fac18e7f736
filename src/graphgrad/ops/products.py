"""Products with PyTorch's names and shape rules, composed from matmul, the elementwise product
and reshapes (so their derivatives are those primitives'): mm, mv, dot, outer, addmv, inner,
kron, cross, tensordot. bmm and addmm are primitives of their own (matmul's rules), so that
their grad_fn reads as PyTorch's (BmmBackward0, AddmmBackward0). Each checks its operands'
shapes first and raises a ShapeError naming the operation and both shapes, as PyTorch raises.

dot is torch.dot: two 1-D tensors of one length (NumPy's np.dot of a tensor keeps NumPy's
meaning through __array_function__); matmul is the general product.
"""
import warnings

import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..primitives import primitive
from ..tensor import Tensor, as_array
from .elementwise import mul, sub, zero_like
from .index import getitem
from .linalg import contracted_cost, matmul
from .promotion import promote
from .shape import _reshape, _swapdims, _t, _transpose


def _shape(x):
    return x.shape if isinstance(x, (Tensor, np.ndarray)) else np.shape(x)


def _operand(x):
    return x if isinstance(x, (Tensor, np.ndarray)) else as_array(x)


def _want(op, ndims, *operands, what):
    """Refuse operands whose numbers of axes differ from ndims."""
    if any(len(_shape(x)) != n for x, n in zip(operands, ndims)):
        shapes = " and ".join(str(_shape(x)) for x in operands)
        raise ShapeError(f"{op}: expected {what}, got shapes {shapes}")


def _mismatch(op, a, b, detail):
    return ShapeError(f"{op}: shapes {_shape(a)} and {_shape(b)} cannot be multiplied "
                      f"({detail})")


def _matrices(op, mat1, mat2):
    """Refuse operands other than an (n, m) and an (m, p) matrix."""
    _want(op, (2, 2), mat1, mat2, what="two matrices (2-D)")
    if _shape(mat1)[1] != _shape(mat2)[0]:
        raise _mismatch(op, mat1, mat2, f"{_shape(mat1)[1]} ≠ {_shape(mat2)[0]}")


def mm(input, mat2):
    """The matrix product of an (n, m) and an (m, p) matrix."""
    _matrices("mm", input, mat2)
    return matmul(input, mat2)


def _bmm_cases(rng):
    n = rng.normal
    return [((n(size=(2, 2, 3)), n(size=(2, 3, 4))), {}),
            ((n(size=(1, 3, 1)), n(size=(1, 1, 2))), {})]


@primitive(name="bmm", saves=("inputs",), examples=_bmm_cases, notation="@",
           vjp_text=("{g} @ {1}ᵀ", "{0}ᵀ @ {g}"), cost=contracted_cost)
def _bmm(a, b):
    """Batched matrix product A_k B_k: matmul's rules on 3-D operands, a node of its own so
    that its grad_fn reads as PyTorch's (BmmBackward0; matmul's batched is UnsafeView)."""
    return np.matmul(a, b)


def _swapped(x):
    """Each matrix of a batch transposed."""
    return _swapdims(x, dim0=1, dim1=2)


_bmm.defvjp(lambda g, out, a, b: _bmm(g, _swapped(b)), lambda g, out, a, b: _bmm(_swapped(a), g))
_bmm.defjvp(lambda t, out, a, b: _bmm(t, b), lambda t, out, a, b: _bmm(a, t))


def bmm(input, mat2):
    """Batched matrix product: (b, n, m) @ (b, m, p) → (b, n, p), no broadcasting."""
    _want("bmm", (3, 3), input, mat2, what="two batches of matrices (3-D)")
    (b1, _, m1), (b2, m2, _) = _shape(input), _shape(mat2)
    if b1 != b2 or m1 != m2:
        raise _mismatch("bmm", input, mat2, f"batches {b1}, {b2}; inner sizes {m1}, {m2}")
    return _bmm(input, mat2)


def mv(input, vec):
    """The product of an (n, m) matrix and an m-vector."""
    _want("mv", (2, 1), input, vec, what="a matrix (2-D) and a vector (1-D)")
    if _shape(input)[1] != _shape(vec)[0]:
        raise _mismatch("mv", input, vec, f"{_shape(input)[1]} ≠ {_shape(vec)[0]}")
    return matmul(input, vec)


def dot(input, other):
    """Σᵢ xᵢ yᵢ of two 1-D tensors of one length (torch.dot; use matmul for matrices)."""
    _want("dot", (1, 1), input, other, what="two 1-D tensors (use matmul or tensordot for "
          "more axes)")
    if _shape(input) != _shape(other):
        raise _mismatch("dot", input, other, "different lengths")
    return matmul(input, other)


def outer(input, vec2):
    """The outer product x yᵀ of two 1-D tensors: (n,), (m,) → (n, m)."""
    _want("outer", (1, 1), input, vec2, what="two 1-D tensors")
    input, vec2 = _operand(input), _operand(vec2)
    return mul(_reshape(input, shape=(input.shape[0], 1)), vec2)


def _fits(op, input, out_shape):
    """Refuse an input that does not broadcast to the product's shape."""
    try:
        fits = np.broadcast_shapes(_shape(input), out_shape) == tuple(out_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: input of shape {_shape(input)} does not broadcast to the "
                         f"product's shape {tuple(out_shape)}")


def _scaled_sum(op, input, product, beta, alpha):
    """beta · input + alpha · product, input broadcast to the product's shape; input is
    ignored (NaN included) where beta = 0, as PyTorch."""
    _fits(op, input, _shape(product))
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product + zero_like(_operand(input))
    return product + (input if beta == 1 else input * beta)


def _addmm_cases(rng):
    n = rng.normal
    return [((n(size=(2, 4)), n(size=(2, 3)), n(size=(3, 4))), {"beta": 1, "alpha": 1}),
            ((n(size=(4,)), n(size=(2, 3)), n(size=(3, 4))), {"beta": 0.5, "alpha": 2}),
            ((n(size=()), n(size=(2, 3)), n(size=(3, 2))), {"beta": 0, "alpha": -1})]


def _addmm_cost(out, operands, params, i):
    """|Y| · K for the matrices (as matmul), |Y| for the input."""
    return contracted_cost(out, operands[1:], params, i) if i else out.size


@primitive(name="addmm", saves=("inputs",), examples=_addmm_cases, cost=_addmm_cost,
           vjp_text=("β {g} summed to {shape}", "α {g} @ {2}ᵀ", "α {1}ᵀ @ {g}"))
def _addmm(input, mat1, mat2, *, beta, alpha):
    """Y = β · input + α · (mat1 @ mat2), fused as PyTorch's (its grad_fn AddmmBackward0);
    input is ignored (NaN included) where β = 0, else promoted with the product as by +.
    ∂L/∂input = β g (summed to its shape), ∂L/∂mat1 = α g mat2ᵀ, ∂L/∂mat2 = α mat1ᵀ g."""
    out = np.matmul(mat1, mat2)
    if alpha != 1:
        out = out * alpha
    if beta == 0:
        return out
    (out, input), _ = promote(out, input)
    return out + (input if beta == 1 else input * beta)


def _times(x, factor):
    """x · factor, skipped for 1."""
    return x if factor == 1 else x * factor


_addmm.defvjp(lambda g, out, input, mat1, mat2, beta, alpha: _times(g, beta),
              lambda g, out, input, mat1, mat2, beta, alpha: _times(matmul(g, _t(mat2)), alpha),
              lambda g, out, input, mat1, mat2, beta, alpha: _times(matmul(_t(mat1), g), alpha))
_addmm.defjvp(lambda t, out, input, mat1, mat2, beta, alpha: _times(t, beta),
              lambda t, out, input, mat1, mat2, beta, alpha: _times(matmul(t, mat2), alpha),
              lambda t, out, input, mat1, mat2, beta, alpha: _times(matmul(mat1, t), alpha))


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta · input + alpha · (mat1 @ mat2), input broadcast to (n, p)."""
    _matrices("addmm", mat1, mat2)
    _fits("addmm", input, (_shape(mat1)[0], _shape(mat2)[1]))
    return _addmm(input, mat1, mat2, beta=beta, alpha=alpha)


@as_torch("AddmvBackward0")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta · input + alpha · (mat @ vec), input broadcast to (n,)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def tensordot(a, b, dims=2):
    """Σ over paired axes of a and b: dims=k pairs a's last k axes with b's first k; dims=(axes
    of a, axes of b) pairs them in order. The free axes of a, then of b, remain."""
    a, b = _operand(a), _operand(b)
    sa, sb = _shape(a), _shape(b)
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > len(sa) or dims > len(sb):
            raise ShapeError(f"tensordot: dims={dims} does not fit shapes {sa} and {sb}")
        axes_a, axes_b = list(range(len(sa) - dims, len(sa))), list(range(dims))
    else:
        axes_a, axes_b = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(axes_a) != len(axes_b):
            raise ShapeError(f"tensordot: {len(axes_a)} axes of a paired with {len(axes_b)} "
                             f"of b (shapes {sa} and {sb})")
        axes_a = [d % len(sa) if -len(sa) <= d < len(sa) else _bad_axis(d, sa, sb)
                  for d in axes_a]
        axes_b = [d % len(sb) if -len(sb) <= d < len(sb) else _bad_axis(d, sb, sa)
                  for d in axes_b]
    for i, j in zip(axes_a, axes_b):
        if sa[i] != sb[j]:
            raise ShapeError(f"tensordot: shapes {sa} and {sb}: axis {i} of a has size {sa[i]}, "
                             f"axis {j} of b has size {sb[j]}")
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [j for j in range(len(sb)) if j not in axes_b]
    k = int(np.prod([sa[i] for i in axes_a]))
    left = _reshape(_transpose(a, axes=tuple(free_a + axes_a)), shape=(-1, k))
    right = _reshape(_transpose(b, axes=tuple(axes_b + free_b)), shape=(k, -1))
    return _reshape(matmul(left, right),
                    shape=tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))


def _bad_axis(d, shape, other):
    raise ShapeError(f"tensordot: axis {d} is out of range for shape {shape} (other operand "
                     f"{other})")


def inner(input, other):
    """Σ over the last axes of input and other (a product if either is 0-d):
    (…, n), (…, n) → input's leading axes, then other's."""
    if len(_shape(input)) == 0 or len(_shape(other)) == 0:
        return mul(input, other)
    if _shape(input)[-1] != _shape(other)[-1]:
        raise ShapeError(f"inner: the last axes of shapes {_shape(input)} and {_shape(other)} "
                         "must have the same size")
    return tensordot(input, other, dims=([-1], [-1]))


@as_torch("UnsafeViewBackward0")
def kron(input, other):
    """The Kronecker product: blocks input[i] · other, of shape (a₀b₀, a₁b₁, …) (the operand
    with fewer axes gets leading ones)."""
    a, b = _operand(input), _operand(other)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    spread_a = _reshape(a, shape=tuple(s for d in sa for s in (d, 1)))
    spread_b = _reshape(b, shape=tuple(s for d in sb for s in (1, d)))
    return _reshape(mul(spread_a, spread_b), shape=tuple(x * y for x, y in zip(sa, sb)))


@as_torch("LinalgCrossBackward0")
def cross(input, other, dim=None):
    """The cross product along dim (an axis of size 3), broadcasting the others, as
    torch.cross: c = a_{i+1} b_{i+2} − a_{i+2} b_{i+1}. dim=None picks the first axis of size
    3, with PyTorch's deprecation warning."""
    a, b = _operand(input), _operand(other)
    if a.ndim != b.ndim:
        raise ShapeError(f"cross: operands of shapes {a.shape} and {b.shape} must have the same "
                         "number of axes")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"cross: shapes {a.shape} and {b.shape} do not broadcast") from None
    if dim is None:
        sizes = [i for i, s in enumerate(shape) if s == 3]
        if not sizes:
            raise ShapeError(f"cross: no axis of size 3 in shapes {a.shape} and {b.shape}")
        dim = sizes[0]
        warnings.warn("cross without dim is deprecated (as in PyTorch): pass dim explicitly",
                      UserWarning, stacklevel=2)
    if not -a.ndim <= dim < a.ndim:
        raise ShapeError(f"cross: dim {dim} is out of range for shapes {a.shape} and {b.shape}")
    dim %= a.ndim
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise ShapeError(f"cross: axis {dim} must have size 3 in both operands, got shapes "
                         f"{a.shape} and {b.shape}")
    lead = (slice(None),) * dim

    def rolled(x, order):
        return getitem(x, lead + (order,))
    return sub(mul(rolled(a, [1, 2, 0]), rolled(b, [2, 0, 1])),
               mul(rolled(a, [2, 0, 1]), rolled(b, [1, 2, 0])))
