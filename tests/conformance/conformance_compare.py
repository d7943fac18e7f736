"""Comparing a graphgrad result with PyTorch's: structure (named tuples, Python numbers,
Size, ndarrays), values within tolerances (exactly for integers; NaN and ±∞ where torch has
them), and a short account of a difference."""
from dataclasses import dataclass

import numpy as np

import graphgrad as gg


@dataclass
class Mismatch:
    kind: str
    case: str
    dtype: str
    detail: str

    def __str__(self):
        return f"[{self.kind}] ({self.case}) {self.dtype}: {self.detail}"


def flat(out):
    """The tensors and numbers of a result in order (tuples, lists, named tuples)."""
    if isinstance(out, (tuple, list)) and not is_size(out):
        return [y for x in out for y in flat(x)]
    return [out]


def is_size(x):
    return type(x).__name__ == "Size"


def as_numpy(x, torch):
    if isinstance(x, gg.Tensor):
        return np.asarray(x.detach().numpy())
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(force=True)          # force: torch's ZeroTensor gradients
    return np.asarray(x)


def close(a, b, rtol, atol):
    """Whether arrays a and b agree: exactly for integers and booleans, within (rtol, atol
    scaled by b's largest magnitude) for floats, NaN and ±∞ where b has them."""
    if a.shape != b.shape:
        return False
    if b.dtype.kind in "biu" and a.dtype.kind in "biu":
        return np.array_equal(a, b)
    a, b = a.astype(np.float64), b.astype(np.float64)
    finite = np.isfinite(b)
    scale = np.max(np.abs(b[finite]), initial=1.0)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    if not np.array_equal(a[~finite & ~np.isnan(b)], b[~finite & ~np.isnan(b)]):
        return False
    return bool(np.allclose(a[finite], b[finite], rtol=rtol, atol=atol * scale))


def structure_problems(ours, theirs, torch, path="out"):
    """Differences in the structure of two results (types, named-tuple fields, lengths)."""
    problems = []
    if isinstance(theirs, torch.Tensor):
        if not isinstance(ours, gg.Tensor):
            problems.append(f"{path}: torch gives a Tensor, ours {type(ours).__name__}")
    elif is_size(theirs):
        if not isinstance(ours, tuple) or tuple(ours) != tuple(theirs):
            problems.append(f"{path}: torch {tuple(theirs)} (Size), ours {ours!r}")
    elif isinstance(theirs, (tuple, list)):
        fields = getattr(type(theirs), "__match_args__", None) if isinstance(theirs, tuple) \
            else None
        if fields and hasattr(type(theirs), "n_fields"):          # torch.return_types
            if type(ours).__name__ != type(theirs).__name__ or \
                    tuple(getattr(ours, "_fields", ())) != tuple(fields):
                problems.append(f"{path}: torch gives return_types.{type(theirs).__name__}"
                                f"{tuple(fields)}, ours {type(ours).__name__}"
                                f"{tuple(getattr(ours, '_fields', ()))}")
        if not isinstance(ours, (tuple, list)) or len(ours) != len(theirs):
            problems.append(f"{path}: torch gives a {type(theirs).__name__} of {len(theirs)}, "
                            f"ours {type(ours).__name__} "
                            f"{len(ours) if isinstance(ours, (tuple, list)) else ''}")
        elif type(theirs) in (tuple, list) and type(ours) is not type(theirs):
            problems.append(f"{path}: torch gives a {type(theirs).__name__}, "
                            f"ours a {type(ours).__name__}")
        else:
            for i, (a, b) in enumerate(zip(ours, theirs)):
                problems += structure_problems(a, b, torch, f"{path}[{i}]")
    elif isinstance(theirs, np.ndarray):
        if not isinstance(ours, np.ndarray):
            problems.append(f"{path}: torch gives an ndarray, ours {type(ours).__name__}")
    elif theirs is None or isinstance(theirs, (bool, int, float, str)):
        if type(ours) is not type(theirs):
            problems.append(f"{path}: torch gives {type(theirs).__name__} {theirs!r}, ours "
                            f"{type(ours).__name__} {ours!r}")
    return problems


def dtype_of(x, torch):
    if isinstance(x, torch.Tensor):
        return torch.empty((), dtype=x.dtype).numpy().dtype
    return np.dtype(x.dtype)


def describe_error(e):
    if e is None:
        return None
    text = str(e).split("\n")[0]
    return f"{type(e).__name__}: {text[:160]}"


def diff(a, b):
    """A short account of how a differs from b."""
    if a.shape != b.shape:
        return f"shape ours {a.shape}, torch {b.shape}"
    if a.size == 0:
        return "empty arrays differ"
    with np.errstate(invalid="ignore"):
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    d = np.where(np.isnan(a) != np.isnan(b), np.inf, np.nan_to_num(d, nan=0.0))
    k = int(np.argmax(d))
    return (f"max |diff| {d.flat[k]:.3g} at {np.unravel_index(k, a.shape)}: ours "
            f"{a.flat[k]!r}, torch {b.flat[k]!r}")
