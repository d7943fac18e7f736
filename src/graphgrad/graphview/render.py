"""Drawing compute graphs (Graphviz DOT, SVG/PNG/PDF through Graphviz's `dot`, Jupyter).

Colours follow the notes (002): red for back-propagated gradients ∂L/∂α_v on the nodes, blue
for local derivatives ∂g_v/∂α_u on the edges. Input nodes are grey boxes, parameters yellow
rounded boxes, hidden nodes ellipses and outputs green double ellipses. Writing DOT text needs
nothing; rendering needs the `dot` program of Graphviz (an optional system dependency).
"""
import html
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .notation import formula, number, shape_text, summary

SHOW = ("value", "grad", "local")
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "json", "plain")
_STYLE = {
    "input": 'shape=box, style=filled, fillcolor="#e6e6e6"',
    "parameter": 'shape=box, style="rounded,filled", fillcolor="#fff2b3"',
    "hidden": 'shape=ellipse, style=filled, fillcolor="#ffffff"',
    "output": 'shape=ellipse, peripheries=2, style=filled, fillcolor="#d9f2d9"',
}
_RED, _BLUE = "#c00000", "#1f4fd1"
#: Longest formula drawn in a node before it is cut with "…".
MAX_FORMULA = 48


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's `dot` program, which is not installed."""


def _check_show(show):
    show = (show,) if isinstance(show, str) else tuple(show or ())
    unknown = [s for s in show if s not in SHOW]
    if unknown:
        raise ValueError(f"to_dot: show may contain {', '.join(SHOW)}; got {unknown}")
    return show


# ---------------------------------------------------------------------------- DOT
def to_dot(graph, show=SHOW, rankdir="TB", precision=3, grad_outputs=None):
    """Graphviz DOT text for a ComputeGraph.

    show: what to draw besides names, formulas and shapes: 'value' (α_v on the nodes),
    'grad' (back-propagated ∂L/∂α_v, red), 'local' (∂g_v/∂α_u on the edges, blue).
    grad_outputs: ∂L/∂output for non-scalar outputs when 'grad' is shown.
    """
    show = _check_show(show)
    grads = graph.grads(grad_outputs) if "grad" in show else None
    names = {v.key: v.name for v in graph.nodes}
    lines = ["digraph compute_graph {",
             f"  graph [rankdir={rankdir}, fontname=Helvetica, fontsize=11, nodesep=0.3, "
             "ranksep=0.35];",
             "  node [fontname=Helvetica, fontsize=11, margin=\"0.08,0.04\"];",
             f"  edge [fontname=Helvetica, fontsize=10, color=\"#555555\", fontcolor=\"{_BLUE}\"];"]
    for v in graph.nodes:
        label = _node_label(v, names, show, grads, precision)
        lines.append(f"  n{v.id} [{_STYLE[v.kind]}, label=<{label}>];")
    for e in graph.edges:
        attrs = ""
        if "local" in show:
            attrs = f" [label=<{html.escape(_local_text(e, precision))}>]"
        lines.append(f"  n{e.source.id} -> n{e.target.id}{attrs};")
    legend = _legend(show)
    if legend:
        lines.append(f"  label=<{legend}>; labelloc=b;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_label(v, names, show, grads, precision):
    head = f"<B>{html.escape(v.name)}</B>"
    if v.local is not None:
        text = formula(v, names)
        text = text if len(text) <= MAX_FORMULA else text[:MAX_FORMULA - 1] + "…"
        head += " = " + html.escape(text)
    else:
        head += f" <I>({v.kind})</I>"
    rows = [head]
    if v.ndim:
        rows.append(f"{shape_text(v.shape)} {v.dtype}")
    if "value" in show:
        rows.append(html.escape(summary(v.value, precision)))
    if grads is not None:
        rows.append(f'<FONT COLOR="{_RED}">grad {html.escape(summary(grads[v], precision))}'
                    "</FONT>")
    return "<BR/>".join(rows)


def _local_text(edge, precision):
    """The local derivative: a number, an elementwise factor ⊙ [...], or the Jacobian's shape."""
    u, v = edge.source, edge.target
    if u.size == 1 and v.size == 1:
        return number(edge.local_derivative, precision)
    if all(p.elementwise for p in v.local.primitives):
        # elementwise: the Jacobian is diagonal (up to broadcasting); J·1 lists its entries
        diagonal = edge.jvp(np.ones(u.shape, u.dtype))
        return "⊙ " + summary(diagonal, precision)
    return f"J {shape_text(v.shape)}×{shape_text(u.shape)}"


def _legend(show):
    parts = []
    if "grad" in show:
        parts.append(f'<FONT COLOR="{_RED}">red: back-propagated gradients ∂L/∂v</FONT>')
    if "local" in show:
        parts.append(f'<FONT COLOR="{_BLUE}">blue: local gradients ∂v/∂u</FONT>')
    return "   ".join(parts)


# ---------------------------------------------------------------------------- Graphviz
def _dot_program():
    found = shutil.which("dot")
    if found is None:
        raise GraphvizNotFoundError(
            "rendering a graph needs Graphviz's `dot` program, which was not found on PATH. "
            "Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz; conda: conda install graphviz), or save the DOT text instead: "
            "g.render('graph.dot') or g.to_dot()")
    return found


def _run_dot(text, fmt):
    done = subprocess.run([_dot_program(), f"-T{fmt}"], input=text.encode(),
                          capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def render(graph, path, show=SHOW, format=None, **options):
    """Draw a graph to `path`; the format comes from the suffix ('.svg', '.png', '.pdf', ...)
    or `format`. '.dot'/'.gv' write the DOT text and need no Graphviz. The folders of `path`
    are created when missing (once the drawing is made). Returns the path."""
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    text = to_dot(graph, show, **options)
    if fmt in ("dot", "gv"):
        drawing = text.encode("utf-8")
    elif fmt in FORMATS:
        drawing = _run_dot(text, fmt)
    else:
        raise ValueError(f"render: unknown format {fmt!r} for {path}; use one of "
                         f"{', '.join(FORMATS)}, or dot/gv for DOT text")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(drawing)
    return path


def svg(graph, show=SHOW, **options):
    """The drawing as SVG text (needs Graphviz)."""
    return _run_dot(to_dot(graph, show, **options), "svg").decode("utf-8")


def svg_or_none(graph):
    """SVG for Jupyter, or None where Graphviz is missing (Jupyter then shows the repr)."""
    if shutil.which("dot") is None:
        return None
    scalar_outputs = all(w.size == 1 for w in graph.outputs)
    show = SHOW if scalar_outputs else ("value", "local")
    try:
        return svg(graph, show)
    except (RuntimeError, subprocess.TimeoutExpired):
        return None


def mimebundle(graph):
    bundle = {"text/plain": repr(graph)}
    drawn = svg_or_none(graph)
    if drawn is not None:
        bundle["image/svg+xml"] = drawn
    return bundle


__all__ = ["GraphvizNotFoundError", "render", "svg", "to_dot"]
