"""Pytrees, as torch.utils._pytree and JAX have them: nested tuples, lists, dicts and
namedtuples whose leaves are anything else (tensors, arrays, numbers). None is a node with no
leaves. gg.func flattens arguments and results with these to differentiate them leaf by leaf.

    leaves, spec = tree_flatten({"w": w, "b": (b1, b2)})   # [w, b1, b2], the structure
    tree_unflatten([gw, gb1, gb2], spec)                    # {"w": gw, "b": (gb1, gb2)}
"""
from __future__ import annotations

from typing import Any


class TreeSpec:
    """The structure of a pytree without its leaves; equal structures compare equal."""

    __slots__ = ("kind", "meta", "children")

    def __init__(self, kind: str, meta: Any = None, children: tuple = ()) -> None:
        self.kind, self.meta, self.children = kind, meta, children

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeSpec) and self.kind == other.kind
                and self.meta == other.meta and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.kind, self.children))

    def __repr__(self) -> str:
        inner = [repr(c) for c in self.children]
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.meta, inner)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        name = "" if self.kind == "tuple" else self.meta.__name__
        return f"{name}(" + ", ".join(inner) + ("," if len(inner) == 1 and not name else "") + ")"


_LEAF = TreeSpec("leaf")


def tree_flatten(tree: Any) -> tuple[list[Any], TreeSpec]:
    """(the leaves in order, the structure)."""
    leaves: list[Any] = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if tree is None:
        return TreeSpec("none")
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return TreeSpec("namedtuple", type(tree), tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, (tuple, list)):
        return TreeSpec("tuple" if isinstance(tree, tuple) else "list", None,
                        tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, dict):
        keys = tuple(tree)
        return TreeSpec("dict", keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return _LEAF


def tree_unflatten(leaves: list[Any], spec: TreeSpec) -> Any:
    """The pytree of structure `spec` with these leaves (as many as spec.num_leaves)."""
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: {len(leaves)} leaves for a structure with "
                         f"{spec.num_leaves}: {spec}")
    return _build(iter(leaves), spec)


def _build(leaves, spec):
    if spec.kind == "leaf":
        return next(leaves)
    if spec.kind == "none":
        return None
    children = [_build(leaves, c) for c in spec.children]
    if spec.kind == "dict":
        return dict(zip(spec.meta, children))
    if spec.kind == "namedtuple":
        return spec.meta(*children)
    return tuple(children) if spec.kind == "tuple" else children


def tree_map(fn: Any, tree: Any) -> Any:
    """The same structure with fn applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)
