"""The messages a page may send, checked before the session sees them, and the compact
encoding of heat maps.

A message is one JSON object of at most MAX_BYTES with a known "type" and fields of the
expected kinds; anything else raises Malformed (the server logs one line and ignores it).
JSON is parsed by `json.loads` with NaN and infinities refused; nothing is ever evaluated.
"""
import base64
import json

import numpy as np

MAX_BYTES = 8192
ACTIONS = ("play", "pause", "step", "reset", "regenerate", "add-layer", "remove-layer",
           "add-neuron", "remove-neuron")


class Malformed(ValueError):
    """A message the session will not act on; the text says why (for the server's log)."""


def _refuse_constant(name):
    raise Malformed(f"{name} is not a number JSON may carry")


def _int(message, key, low, high, default=None):
    value = message.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Malformed(f"{key} must be a whole number from {low} to {high}")
    return value


def parse(text):
    """The checked message (a dict) from the text of one WebSocket frame."""
    if isinstance(text, bytes):
        raise Malformed("binary frames are not part of the protocol")
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        raise Malformed(f"a message is text of at most {MAX_BYTES} bytes")
    try:
        message = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as e:
        raise Malformed(f"not JSON: {str(e)[:60]}") from None
    if not isinstance(message, dict):
        raise Malformed("a message is a JSON object")
    kind = message.get("type")
    if kind == "hello":
        url = message.get("url", "")
        if not isinstance(url, str):
            raise Malformed("hello: url must be text")
        return {"type": "hello", "url": url[:4000]}
    if kind == "set":
        key, value = message.get("key"), message.get("value")
        if not isinstance(key, str) or len(key) > 40:
            raise Malformed("set: key must be a short text")
        if not (isinstance(value, (str, int, float, bool)) or _short_list(value)):
            raise Malformed("set: value must be text, a number, a flag or a short list")
        return {"type": "set", "key": key, "value": value}
    if kind == "action":
        name = message.get("name")
        if name not in ACTIONS:
            raise Malformed(f"action: name must be one of {', '.join(ACTIONS)}")
        out = {"type": "action", "name": name}
        if name in ("add-neuron", "remove-neuron"):
            out["layer"] = _int(message, "layer", 1, 6)
        return out
    if kind == "inspect":
        target = message.get("kind")
        if target not in ("neuron", "edge"):
            raise Malformed("inspect: kind must be neuron or edge")
        out = {"type": "inspect", "kind": target, "layer": _int(message, "layer", 1, 7),
               "index": _int(message, "index", 0, 7),
               "point": _int(message, "point", 0, 499, default=0)}
        if target == "edge":
            out["source"] = _int(message, "source", 0, 7)
        return out
    if kind in ("backprop", "ack"):
        return {"type": kind}
    if kind == "export":
        what = message.get("what")
        if what not in ("checkpoint", "graph"):
            raise Malformed("export: what must be checkpoint or graph")
        return {"type": "export", "what": what}
    raise Malformed(f"unknown message type {str(kind)[:30]!r}")


def _short_list(value):
    return isinstance(value, list) and len(value) <= 10 and all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)


def encode_maps(values):
    """Heat maps as base64 of uint8: clip(v, −1, 1) ↦ round((v + 1)·127.5), NaN ↦ 128 (the
    page's neutral colour). values: (nodes, points) float array."""
    q = np.clip(np.asarray(values, np.float32), -1.0, 1.0)
    q += 1.0
    q *= 127.5
    q[np.isnan(q)] = 128.0
    q = np.rint(q, out=q).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def encode_floats(arrays):
    """The arrays flattened (row-major) and joined, as base64 of little-endian float32; the
    page reads them with a Float32Array (NaN stays NaN there)."""
    flat = np.concatenate([np.asarray(a, "<f4").ravel() for a in arrays]) if arrays else \
        np.zeros(0, "<f4")
    return base64.b64encode(flat.tobytes()).decode("ascii")


def decode_floats(text):
    """The inverse of encode_floats: one flat float32 array."""
    return np.frombuffer(base64.b64decode(text), "<f4")


def decode_maps(text, nodes):
    """The inverse of encode_maps, to the nearest 1/127.5 (for tests and scripts)."""
    q = np.frombuffer(base64.b64decode(text), np.uint8).reshape(nodes, -1)
    return q.astype(np.float32) / 127.5 - 1.0
