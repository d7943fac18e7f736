"""A compute graph drawn with matplotlib alone, for the notebooks (000, 002): graphgrad's own
drawing, `g.render(...)` / `g.to_dot()`, needs Graphviz.

Nodes are placed in rows by their longest path from the leaves, and each leaf just below its
lowest child, so every edge points upwards; each box holds the node's name, its value α_v and,
when given, its .grad. Colours by kind: input grey, parameter orange, hidden blue, output green.
"""
COLORS = {"input": "#e6e6e6", "parameter": "#fde5b6", "hidden": "#d6e6ff", "output": "#c9f0cf"}


def draw(g, ax, grads=None, values=True):
    """Draw the ComputeGraph g on the matplotlib axes ax; grads: g.grads() to show .grad too."""
    order = g.topological_order()
    depth, rows = {}, {}
    for v in order:
        depth[v] = 1 + max((depth[u] for u in g.parents(v)), default=-1)
    for v in order:                    # a leaf sits just below its lowest child
        if not g.parents(v) and g.children(v):
            depth[v] = min(depth[w] for w in g.children(v)) - 1
        rows.setdefault(depth[v], []).append(v)
    pos = {v: (i - (len(r) - 1) / 2, d) for d, r in rows.items() for i, v in enumerate(r)}
    for e in g.edges:
        ax.annotate("", pos[e.target], pos[e.source],
                    arrowprops=dict(arrowstyle="->", color="0.4", shrinkA=18, shrinkB=18))
    for v, (px, py) in pos.items():
        text = v.name
        if values and v.value.ndim == 0:
            text += f"\n{float(v.value):.3g}"
        if grads is not None and grads[v].ndim == 0:
            text += f"\ngrad {float(grads[v]):.3g}"
        ax.text(px, py, text, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", fc=COLORS[v.kind]))
    half = max(len(r) for r in rows.values()) / 2
    ax.set_xlim(-half, half)
    ax.set_ylim(-0.6, max(rows) + 0.6)
    ax.axis("off")
