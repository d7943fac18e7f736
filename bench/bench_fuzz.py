"""Damaged checkpoints: thousands of seeded random mutations of an .npz and a .safetensors
checkpoint (bit flips, overwritten bytes, truncations, insertions, deletions), each loaded
with gg.load. Every load must give back exactly the saved object ("identical", when the damage
hit bytes that carry no data, e.g. a zip date) or raise SerializationError ("refused");
"DIFFERENT" (a damaged file loaded as another object) and "crash:<error>" (any other
exception) are failures, and the run says so.

Run: python -m bench fuzz          (--quick: a few hundred per format)
"""
import collections
import importlib.util
import io
import time

import numpy as np

import graphgrad as gg
from graphgrad.io import SerializationError

KINDS = ("flip", "byte", "truncate", "insert", "delete")
GOOD = ("identical", "refused")


def checkpoint():
    """A training-run-like object: a model's state dict, optimizer state, numbers, strings."""
    rng = np.random.default_rng(0)
    model = {f"{i}.{kind}": gg.tensor(rng.normal(size=shape).astype(np.float32))
             for i, (kind, shape) in enumerate([("weight", (8, 4)), ("bias", (8,)),
                                                ("weight", (3, 8)), ("bias", (3,))])}
    return {"model": model,
            "optimizer": {"state": {0: {"step": 3, "exp_avg": rng.normal(size=(8, 4))}},
                          "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0]}]},
            "epoch": 7, "note": "résumé", "mask": np.array([True, False, True]),
            "counts": np.arange(5, dtype=np.int64), "best": None}


def saved(obj, format):
    buffer = io.BytesIO()
    gg.save(obj, buffer, format=format)
    return buffer.getvalue()


def mutate(data, rng):
    """(kind of mutation, damaged copy of data)."""
    kind = KINDS[rng.integers(len(KINDS))]
    data = bytearray(data)
    at = int(rng.integers(len(data)))
    if kind == "flip":
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(len(data)))
            data[i] ^= 1 << int(rng.integers(8))
    elif kind == "byte":
        data[at] = (data[at] + int(rng.integers(1, 256))) % 256
    elif kind == "truncate":
        del data[at:]
    elif kind == "insert":
        data[at:at] = rng.integers(0, 256, int(rng.integers(1, 17)), dtype=np.uint8).tobytes()
    else:
        del data[at:at + int(rng.integers(1, 17))]
    return kind, bytes(data)


def same(a, b):
    """Exactly the same object: types, keys in order, dtypes, shapes and bytes."""
    if type(a) is not type(b):
        return False
    if isinstance(a, gg.Tensor):
        return same(a.numpy(), b.numpy())
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def outcome(original, data):
    """'identical', 'refused', 'DIFFERENT' or 'crash:<error type>'."""
    buffer = io.BytesIO(data)
    buffer.name = "damaged checkpoint"
    try:
        back = gg.load(buffer)
    except SerializationError:
        return "refused"
    except Exception as e:            # a failure of gg.load's promise, counted and reported
        return f"crash:{type(e).__name__}"
    return "identical" if same(original, back) else "DIFFERENT"


def run(format, n, seed=0):
    """{(mutation kind, outcome): count}, the slowest load in seconds, and an example of each
    bad outcome (mutation kind, seed, index) to reproduce it."""
    original = checkpoint()
    data = saved(original, format)
    assert outcome(original, data) == "identical"
    rng = np.random.default_rng(seed)
    counts, slowest, examples = collections.Counter(), 0.0, {}
    for index in range(n):
        kind, damaged = mutate(data, rng)
        start = time.perf_counter()
        result = outcome(original, damaged)
        slowest = max(slowest, time.perf_counter() - start)
        counts[kind, result] += 1
        if result not in GOOD:
            examples.setdefault(result, (kind, seed, index))
    return counts, slowest, examples


def formats():
    has_safetensors = importlib.util.find_spec("safetensors") is not None
    return ["npz"] + (["safetensors"] if has_safetensors else [])


def main(quick=False):
    n = 300 if quick else 20_000
    print(f"{n} seeded mutations per format; each load must be identical or refused")
    failures = 0
    for format in formats():
        start = time.perf_counter()
        counts, slowest, examples = run(format, n)
        elapsed = time.perf_counter() - start
        outcomes = sorted({o for _, o in counts}, key=lambda o: (o not in GOOD, o))
        print(f"\n{format} ({len(saved(checkpoint(), format))} bytes): {elapsed:.1f} s, "
              f"slowest load {slowest * 1e3:.1f} ms")
        width = max(map(len, outcomes)) + 2
        print(f"  {'mutation':<10}" + "".join(f"{o:>{width}}" for o in outcomes))
        for kind in KINDS:
            print(f"  {kind:<10}" + "".join(f"{counts[kind, o]:>{width}}" for o in outcomes))
        totals = [sum(c for (_, x), c in counts.items() if x == o) for o in outcomes]
        print(f"  {'all':<10}" + "".join(f"{t:>{width}}" for t in totals))
        for result, example in examples.items():
            failures += 1
            print(f"  FAILURE {result}: mutation {example[0]}, seed {example[1]}, "
                  f"index {example[2]}")
    print("\nall loads identical or refused" if not failures else
          f"\n{failures} kinds of failure")
