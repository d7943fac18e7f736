"""The two primitives behind an in-place change through a view, PyTorch's CopySlices and
AsStridedBackward0. A view is given by `index`, the flat positions of its elements in its root
tensor (an integer array of the view's shape, without repeats), so one rule serves every chain
of slicing, reshaping and transposing that made it.

    view_at(x, index)          = x.flat[index]
    copy_slices(x, v, index)   = x with x.flat[index] ← v

Both are linear. ∂L/∂x of view_at scatters g into zeros; copy_slices sends g to x with zeros
where v was written, and g.flat[index] to v. Each rule is written with the two primitives
themselves, so derivatives of any order and forward mode follow.
"""
import numpy as np

from ..primitives import primitive
from ._samples import fixed

_PLACES = np.array([[4, 1], [0, 5]])       # four places in a 2×3 root, transposed and reordered


@primitive(name="view_at", saves=(), vjp_text="{g} scattered into zeros{shape}",
           examples=fixed((lambda r: (r.normal(size=(2, 3)),), {"index": _PLACES}),
                          (lambda r: (r.normal(size=(3,)),), {"index": np.array(1)})))
def view_at(x, *, index):
    """The elements of x at the flat positions `index`, in index's shape."""
    return np.reshape(x, -1)[index]


@primitive(name="copy_slices", saves=(), vjp_text="{g} with zeros where values went; "
                                                  "{g} at the written places",
           examples=fixed((lambda r: (r.normal(size=(2, 3)), r.normal(size=(2, 2))),
                           {"index": _PLACES})))
def copy_slices(x, values, *, index):
    """x with the elements at the flat positions `index` replaced by `values` (x's dtype)."""
    out = np.array(x, order="C")
    out.reshape(-1)[index] = values
    return out


def _zeros(shape, like):
    return np.zeros(shape, like.dtype)


view_at.defvjp(lambda g, out, x, index: copy_slices(_zeros(x.shape, g), g, index=index))
copy_slices.defvjp(
    lambda g, out, x, values, index: copy_slices(g, _zeros(index.shape, g), index=index),
    lambda g, out, x, values, index: view_at(g, index=index))
view_at.deflinear()
copy_slices.deflinear()
