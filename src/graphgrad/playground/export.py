"""The Playground's downloads: the trained weights as a checkpoint that gg.load reads, and the
compute graph of one point's loss (SVG where Graphviz's `dot` is installed, DOT text
otherwise)."""
import base64
import io
import shutil

import numpy as np

from ..graphview import graph
from ..graphview.render import svg
from ..io import save
from .inspector import record


def checkpoint_bytes(network, settings):
    """base64 of an .npz checkpoint: {'model': {W1, b1, ..., W_out, b_out}, 'settings': the
    URL fragment that rebuilds the configuration}."""
    buffer = io.BytesIO()
    save({"model": network.state_dict(), "settings": settings.to_url()}, buffer, format="npz")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def graph_file(network, point, target):
    """(file name, MIME type, base64 content) of the compute graph of L at one point."""
    names, _, _, loss = record(network, np.asarray(point), float(target))
    g = graph(loss, names=names)
    if shutil.which("dot") is not None:
        return "playground-graph.svg", "image/svg+xml", _b64(svg(g).encode("utf-8"))
    return "playground-graph.dot", "text/vnd.graphviz", _b64(g.to_dot().encode("utf-8"))


def _b64(data):
    return base64.b64encode(data).decode("ascii")
