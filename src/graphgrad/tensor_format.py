"""A tensor's numbers printed as PyTorch prints them (its rules, with its defaults: 4 decimals,
80 columns, the first and last 3 entries along each dim beyond 1,000 entries).

Floats: when every finite nonzero entry is an integer, `1.` (or scientific notation when they
span more than 1000× or exceed 1e8); otherwise 4 decimals, `1.5000`, or scientific notation,
`1.0000e-05`, when the finite nonzero magnitudes span more than 1000×, exceed 1e8 or fall
below 1e-4. Every entry is right-aligned to the widest, and a row holds as many entries as fit.
"""
import math

import numpy as np

PRECISION, LINEWIDTH, THRESHOLD, EDGEITEMS = 4, 80, 1000, 3


class _Style:
    """How the entries of one array are written: mode and width."""

    def __init__(self, a):
        self.floating = a.dtype.kind in "fc"
        self.integral, self.scientific, self.width = True, False, 1
        if not self.floating:
            self.width = max((len(_plain(v)) for v in a.flat), default=1)
            return
        finite = a[np.isfinite(a)]
        values = finite[finite != 0].astype(np.float64)
        if not values.size:
            return
        magnitudes = np.abs(values)
        low, high = magnitudes.min(), magnitudes.max()
        self.integral = bool(np.all(values == np.ceil(values)))
        wide = high / low > 1000.0 or high > 1.0e8
        self.scientific = wide if self.integral else wide or low < 1.0e-4
        if self.scientific:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in values)
        elif self.integral:
            self.width = max(len(f"{v:.0f}") + 1 for v in values)
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in values)

    def __call__(self, value):
        if not self.floating:
            text = _plain(value)
        elif self.scientific:
            text = f"{value:.{PRECISION}e}"
        elif self.integral:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _plain(value):
    return str(value.item() if hasattr(value, "item") else value)


def _summarised(a):
    """The entries that are printed: the first and last EDGEITEMS along each long dim."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
    return np.stack([_summarised(row) for row in a]) if a.ndim > 1 else a


def _rows(a, indent, summarise, style):
    if a.ndim == 1:
        n = len(a)
        short = summarise and n > 2 * EDGEITEMS
        items = ([style(v) for v in a[:EDGEITEMS]] + [" ..."] +
                 [style(v) for v in a[-EDGEITEMS:]]) if short else [style(v) for v in a]
        per_line = max(1, (LINEWIDTH - indent) // (style.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    n = a.shape[0]
    if summarise and n > 2 * EDGEITEMS:
        parts = ([_rows(a[i], indent + 1, summarise, style) for i in range(EDGEITEMS)] + ["..."] +
                 [_rows(a[i], indent + 1, summarise, style) for i in range(n - EDGEITEMS, n)])
    else:
        parts = [_rows(a[i], indent + 1, summarise, style) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_values(a, indent):
    """The bracketed entries of array a, as PyTorch prints them after a prefix of `indent`
    characters (``tensor(``)."""
    if a.size == 0:
        return "[]"
    summarise = a.size > THRESHOLD
    style = _Style(_summarised(a) if summarise else a)
    if a.ndim == 0:
        return style(a[()]).strip() if style.floating else _plain(a)
    return _rows(a, indent, summarise, style)
