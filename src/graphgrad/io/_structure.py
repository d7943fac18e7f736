"""The structure of a saved object as a manifest: a flat table of nodes plus the list of its
arrays, so that any depth of nesting is written and read without recursion.

    {"format": "graphgrad", "version": 2,
     "nodes": [node, ...],                  node 0 is the root; children come after parents
     "arrays": [[name, dtype, shape], ...]}

A node is ["a", array index, "tensor" | "ndarray" | "scalar"], ["d", [[key, child], ...]],
["l", [child, ...]], ["t", [child, ...]] (list, tuple) or ["v", None | bool | int | float | str].
Loading checks every entry (types, each node and array used exactly once, children after their
parent, each array's dtype and shape against what the file holds), so a damaged manifest is
reported instead of loading as a different object.
"""
import json
import math

import numpy as np

from ..tensor import Tensor, leaf
from ._errors import SerializationError, fail

VERSION = 2
RESERVED = ("__graphgrad__", "__metadata__")
_KINDS = ("tensor", "ndarray", "scalar")
_NODES = ("a", "d", "l", "t", "v")
_EXIT = object()


# ------------------------------------------------------------------------------ saving

def loaded_tensor(array, where):
    """A tensor read from a file; a file that calls an array of text or objects a tensor is
    damaged (tensors hold numbers)."""
    if array.dtype.kind not in "biufc":
        raise fail(where, f"a tensor of dtype {array.dtype} (tensors hold numbers)")
    return leaf(array)

def encode(obj, storable):
    """(manifest dict, {array name: stored array}); storable(array, name) gives the array as
    the format stores it. Raises SerializationError for what cannot be stored, with where."""
    nodes, specs, arrays, active = [], [], {}, set()
    stack = [(obj, None, None)]          # (object, path as a (parent path, key) chain, slot)
    while stack:
        item, path, slot = stack.pop()
        if item is _EXIT:
            active.discard(path)
            continue
        if slot is not None:
            slot[0][slot[1]] = len(nodes)
        if isinstance(item, (Tensor, np.ndarray, np.generic)):
            kind = _KINDS[0 if isinstance(item, Tensor) else 1 if isinstance(item, np.ndarray)
                          else 2]
            array = np.asarray(item.array if isinstance(item, Tensor) else item)
            if array.dtype.hasobject:
                raise SerializationError(f"save: the array at {_where(path)} has dtype object, "
                                         "which would need pickle; convert it to a numeric dtype")
            name = _unique(_array_name(path, kind), arrays)
            arrays[name] = storable(array, name)
            nodes.append(["a", len(specs), kind])
            specs.append([name, np.lib.format.dtype_to_descr(array.dtype), list(array.shape)])
        elif isinstance(item, (dict, list, tuple)):
            if id(item) in active:
                raise SerializationError(f"save: the object contains itself (at {_where(path)}): "
                                         "a structure with a cycle cannot be saved")
            if isinstance(item, dict):
                for key in item:
                    if not isinstance(key, (str, int)) or isinstance(key, bool):
                        raise SerializationError(f"save: dict keys must be str or int, got "
                                                 f"{key!r} (at {_where(path)})")
                children = [[key, None] for key in item]
                nodes.append(["d", children])
                slots = [(pair, 1) for pair in children]
                pairs = list(item.items())
            else:
                children = [None] * len(item)
                nodes.append(["t" if isinstance(item, tuple) else "l", children])
                slots = [(children, i) for i in range(len(item))]
                pairs = list(enumerate(item))
            active.add(id(item))
            stack.append((_EXIT, id(item), None))
            for (key, value), child_slot in zip(reversed(pairs), reversed(slots)):
                stack.append((value, (path, key), child_slot))
        elif item is None or isinstance(item, (bool, int, float, str)):
            nodes.append(["v", item])
        else:
            raise SerializationError(f"save: cannot store a {type(item).__name__} (at "
                                     f"{_where(path)}); save tensors, arrays, numbers, strings "
                                     "and dicts/lists/tuples of them")
    return {"format": "graphgrad", "version": VERSION, "nodes": nodes, "arrays": specs}, arrays


def dumps(manifest):
    """The manifest as compact ASCII JSON."""
    try:
        return json.dumps(manifest, separators=(",", ":"))
    except ValueError as e:          # e.g. an int with more digits than Python will print
        raise SerializationError(f"save: a value cannot be written ({e})") from None


def _keys(path):
    keys = []
    while path is not None:
        path, key = path
        keys.append(key)
    return keys[::-1]


def _where(path):
    return ".".join(map(str, _keys(path))) or "the top level"


def _array_name(path, kind):
    """A readable member name (other tools see these): the keys joined by dots, without
    characters a zip member name cannot hold."""
    text = ".".join(map(str, _keys(path)))[:200] or kind
    return "".join(c if c.isprintable() and c not in "/\\" else "_" for c in text)


def _unique(name, taken):
    candidate, n = name, 1
    while candidate in taken or candidate in RESERVED:
        candidate, n = f"{name}#{n}", n + 1
    return candidate


# ------------------------------------------------------------------------------ loading
def is_manifest(value):
    return isinstance(value, dict) and value.get("format") == "graphgrad"


def decode(manifest, arrays, where, raw_bytes_ok=False):
    """The object a manifest describes, built from arrays ({name: stored array}).
    raw_bytes_ok: an array may be stored as its raw bytes (uint8), as safetensors stores
    dtypes it lacks."""
    if manifest.get("version") != VERSION or set(manifest) != {"format", "version", "nodes",
                                                                "arrays"}:
        raise fail(where, f"unknown manifest (version {manifest.get('version')!r}); it was "
                          "written by a newer graphgrad or damaged")
    specs, nodes = manifest["arrays"], manifest["nodes"]
    if not isinstance(specs, list) or not isinstance(nodes, list) or not nodes:
        raise fail(where, "damaged manifest (no nodes or no array list)")
    names = [spec[0] if isinstance(spec, list) and spec else None for spec in specs]
    if len(set(names)) != len(names) or set(names) != set(arrays):
        extra, missing = set(arrays) - set(names), set(names) - set(arrays)
        raise fail(where, f"the arrays in the file do not match its manifest (not listed: "
                          f"{sorted(map(str, extra))}, missing: {sorted(map(str, missing))})")
    restored = [_restore(spec, arrays, where, raw_bytes_ok) for spec in specs]
    values, used, arrays_used = [None] * len(nodes), bytearray(len(nodes)), bytearray(len(specs))
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if not isinstance(node, list) or len(node) not in (2, 3) or node[0] not in _NODES:
            raise fail(where, f"damaged manifest (node {i}: {str(node)[:80]})")
        kind = node[0]
        if kind == "v":
            value = node[1]
            if len(node) != 2 or not (value is None or isinstance(value, (bool, int, float,
                                                                          str))):
                raise fail(where, f"damaged manifest (value node {i})")
            values[i] = value
        elif kind == "a":
            index = node[1]
            if len(node) != 3 or not _index(index, 0, len(specs)) or arrays_used[index] \
                    or node[2] not in _KINDS:
                raise fail(where, f"damaged manifest (array node {i})")
            arrays_used[index] = 1
            array = restored[index]
            values[i] = loaded_tensor(array, where) if node[2] == "tensor" else \
                array[()] if node[2] == "scalar" else array
        else:
            items = node[1]
            if len(node) != 2 or not isinstance(items, list):
                raise fail(where, f"damaged manifest (container node {i})")
            if kind == "d":
                result = {}
                for pair in items:
                    if not isinstance(pair, list) or len(pair) != 2 or isinstance(pair[0], bool) \
                            or not isinstance(pair[0], (str, int)) or pair[0] in result:
                        raise fail(where, f"damaged manifest (dict node {i}: bad or repeated "
                                          "key)")
                    result[pair[0]] = _child(pair[1], i, nodes, used, values, where)
            else:
                result = [_child(c, i, nodes, used, values, where) for c in items]
                result = tuple(result) if kind == "t" else result
            values[i] = result
    if not all(used[1:]) or used[0] or not all(arrays_used):
        raise fail(where, "damaged manifest (nodes or arrays that nothing refers to)")
    return values[0]


def _index(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value < high


def _child(index, parent, nodes, used, values, where):
    if not _index(index, parent + 1, len(nodes)) or used[index]:
        raise fail(where, f"damaged manifest (node {parent} refers to {str(index)[:20]})")
    used[index] = 1
    value, values[index] = values[index], None
    return value


def _dtype(descr):
    """np.dtype from a descr as JSON wrote it (lists for the tuples of structured dtypes)."""
    def tuples(d):
        return tuple(tuples(x) for x in d) if isinstance(d, list) else d
    return np.lib.format.descr_to_dtype(descr if isinstance(descr, str) else
                                        [tuples(field) for field in descr])


def _restore(spec, arrays, where, raw_bytes_ok):
    """The stored array of spec = [name, dtype, shape], checked against the spec."""
    try:
        name, descr, shape = spec
        dtype = _dtype(descr)
        if not isinstance(shape, list) or not all(_index(s, 0, 1 << 62) for s in shape):
            raise ValueError(f"shape {shape!r}")
    except (TypeError, ValueError) as e:
        raise fail(where, f"damaged manifest (array entry {str(spec)[:80]}: {e})") from None
    if dtype.hasobject:
        raise fail(where, f"array {name!r} has dtype object, which would need pickle (never "
                          "done)")
    stored, shape = arrays[name], tuple(shape)
    if stored.dtype == dtype and stored.shape == shape:
        return stored
    nbytes = math.prod(shape) * dtype.itemsize
    if raw_bytes_ok and stored.dtype == np.uint8 and stored.shape == (nbytes,) and nbytes:
        return np.frombuffer(stored.tobytes(), dtype).reshape(shape).copy()
    if raw_bytes_ok and stored.dtype == np.uint8 and stored.shape == (0,) and nbytes == 0:
        return np.zeros(shape, dtype)
    raise fail(where, f"array {name!r} holds {stored.dtype} {stored.shape}, its manifest says "
                      f"{dtype} {shape}")


def decode_legacy(tree, arrays, where):
    """What graphgrad's first format (a nested JSON tree, no manifest) describes."""
    def walk(node):
        if isinstance(node, list):
            raise fail(where, "malformed structure description")
        if not isinstance(node, dict):
            return node
        if "__array__" in node:
            spec = [node.get("__array__"), node.get("dtype"), node.get("shape")]
            if spec[0] not in arrays:
                raise fail(where, f"damaged structure (array entry {str(node)[:80]})")
            array = _restore(spec, arrays, where, raw_bytes_ok=True)
            kind = node.get("kind")
            return (loaded_tensor(array, where) if kind == "tensor" else
                    array[()] if kind == "scalar" else array)
        if "__dict__" in node:
            return {k: walk(v) for k, v in node["__dict__"]}
        for key, kind in (("__list__", list), ("__tuple__", tuple)):
            if key in node:
                return kind(walk(v) for v in node[key])
        raise fail(where, "malformed structure description")
    try:
        return walk(tree)
    except RecursionError:
        raise fail(where, "structure description nested too deeply") from None
