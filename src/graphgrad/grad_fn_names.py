"""PyTorch's names for recorded operations (``MulBackward0``, ``MmBackward0``, ...), so that a
``grad_fn`` prints as PyTorch's does: ``<MmBackward0 object at 0x...>``.

A primitive called ``exp`` is PyTorch's ``ExpBackward0``: by default the name is the
primitive's name in CamelCase followed by ``Backward0``. The table below holds the primitives
whose PyTorch name differs; a few depend on the operands or parameters, as PyTorch's do
(``sum()`` is SumBackward0, ``sum(dim)`` SumBackward1; a matrix product is DotBackward0,
MvBackward0, MmBackward0 or, batched, UnsafeViewBackward0, by the operands' dimensions).
A node freed by backward keeps its shape and parameters, not its operands: names that depend
on the operands fall back to the most common case then.

An operation composed of several primitives (sort, mse_loss, ...) records several nodes; the
decorator ``as_torch`` names the nodes that make its results as PyTorch's single node
(``SortBackward0``), so that its grad_fn reads the same (its next_functions still show the
primitives inside).
"""
import functools

import numpy as np

from . import _state

#: Primitive name → PyTorch's grad_fn class name, where CamelCase + Backward0 is not it.
TORCH_NAMES = {
    "log1p": "Log1PBackward0", "astype": "ToCopyBackward0", "identity": "AliasBackward0",
    "reshape": "ViewBackward0", "transpose": "PermuteBackward0",
    "swapdims": "TransposeBackward0",
    "broadcast_to": "ExpandBackward0", "sum_to": "SumBackward1",
    "concatenate": "CatBackward0", "pad": "ConstantPadNdBackward0",
    "take_along_axis": "GatherBackward0", "cross_entropy": "NllLossBackward0",
    "soft_cross_entropy": "DivBackward1", "layer_norm": "NativeLayerNormBackward0",
    "batch_norm": "NativeBatchNormBackward0", "selu": "EluBackward0", "celu": "CeluBackward0",
    "prelu": "PreluKernelBackward0", "softsign": "DivBackward0", "tanhshrink": "SubBackward0",
    "vector_norm": "LinalgVectorNormBackward0", "square": "PowBackward0",
    "view_at": "AsStridedBackward0", "copy_slices": "CopySlices",
    "im2col": "Im2ColBackward0", "col2im": "Col2ImBackward0",
    "convolution_transpose": "ConvolutionBackward0",
}


def _camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _ndim(operand):
    return operand.ndim if hasattr(operand, "ndim") else np.ndim(operand)


def _is_tensor_like(operand):
    return operand is not None and not isinstance(operand, (int, float, complex, np.generic))


def _reduction(base, params):
    return f"{base}Backward0" if params.get("axis") is None else f"{base}Backward1"


def _extreme(base, params):
    # the max primitive over everything is x.max(), MaxBackward1; over dims it is x.amax(dim),
    # AmaxBackward0 (x.max(dim) gathers at the indices instead)
    return f"{base}Backward1" if params.get("axis") is None else f"A{base.lower()}Backward0"


def _pow(node):
    if node.args is None:
        return "PowBackward0"
    base, exponent = (_is_tensor_like(a) for a in node.args)
    return "PowBackward1" if base and exponent else \
        "PowBackward2" if exponent else "PowBackward0"


def _clip(node):
    if node.args is None:
        return "ClampBackward1"
    return "ClampBackward0" if any(_is_tensor_like(a) for a in node.args[1:]) else \
        "ClampBackward1"


def _product(a, b, out_ndim):
    """PyTorch's node for matmul of operands with a and b dimensions (None: unknown)."""
    if a is None:
        return {0: "DotBackward0", 1: "MvBackward0", 2: "MmBackward0"}.get(
            out_ndim, "UnsafeViewBackward0")
    if a == 1 and b == 1:
        return "DotBackward0"
    if a == 2 and b == 1:
        return "MvBackward0"
    if a == 1:
        return "SqueezeBackward4" if b == 2 else "UnsafeViewBackward0"
    return "MmBackward0" if a == 2 and b == 2 else "UnsafeViewBackward0"


def _matmul(node):
    if node.args is None:
        return _product(None, None, len(node.shape))
    return _product(_ndim(node.args[0]), _ndim(node.args[1]), len(node.shape))


def _linear(node):
    """F.linear: addmm with a bias, mm without, on 2-D inputs."""
    if node.args is None:
        return "AddmmBackward0" if len(node.shape) == 2 else "ViewBackward0"
    x, _, bias = node.args
    if _ndim(x) == 2:
        return "MmBackward0" if bias is None else "AddmmBackward0"
    if _ndim(x) == 1:
        return "SqueezeBackward4"
    return "UnsafeViewBackward0" if bias is None else "ViewBackward0"


def _getitem(node):
    """The last indexing step PyTorch applies: select (an int), slice, unsqueeze (None), or
    index (arrays and masks, which take the whole index)."""
    index = node.params.get("index")
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (list, np.ndarray)) or hasattr(i, "shape") for i in items):
        return "IndexBackward0"
    for item in reversed(items):
        if item is Ellipsis or item == slice(None):
            continue
        if item is None:
            return "UnsqueezeBackward0"
        return "SliceBackward0" if isinstance(item, slice) else "SelectBackward0"
    return "SliceBackward0"


_BY_NODE = {
    "sum": lambda node: _reduction("Sum", node.params),
    "mean": lambda node: _reduction("Mean", node.params),
    "prod": lambda node: _reduction("Prod", node.params),
    "max": lambda node: _extreme("Max", node.params),
    "min": lambda node: _extreme("Min", node.params),
    "pow": _pow, "clip": _clip, "clamp": _clip, "matmul": _matmul, "linear": _linear,
    "getitem": _getitem,
    # PyTorch pools one-dimensional signals as two-dimensional ones and squeezes the result
    "avg_pool": lambda node: "AvgPool2DBackward0" if len(node.shape) == 4 else "SqueezeBackward1",
    "max_pool": lambda node: "MaxPool2DWithIndicesBackward0" if len(node.shape) == 4 else
    "SqueezeBackward1",
}


def name_node(t, name):
    """t's node (if recorded) reads as PyTorch's node `name`."""
    node = getattr(t, "_node", None)
    if node is not None:
        node.alias = name


def as_torch(name):
    """Decorator for a composite operation: the nodes recorded for its results read as
    PyTorch's node `name` (a string, or a function of the call's arguments giving one or None).
    """
    def decorate(composite):
        @functools.wraps(composite)
        def call(*args, **kwargs):
            start = next(_state.clock)
            out = composite(*args, **kwargs)
            label = name if isinstance(name, str) else name(*args, **kwargs)
            for t in out if isinstance(out, (tuple, list)) else (out,):
                node = getattr(t, "_node", None)
                if label and node is not None and node.tick > start:
                    node.alias = label
            return out
        return call
    return decorate


def torch_name(node):
    """PyTorch's grad_fn class name for a recorded node."""
    alias = getattr(node, "alias", None)
    if alias is not None:
        return alias
    name = node.prim.name
    special = _BY_NODE.get(name)
    if special is not None:
        return special(node)
    return TORCH_NAMES.get(name) or f"{_camel(name)}Backward0"
