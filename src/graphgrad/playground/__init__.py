"""The Playground (`graphgrad playground`): 001's TensorFlow Playground demo, trained by
graphgrad on the server and drawn in the browser, with the gradients and gg.explain's listing
of any neuron or edge one click away.

Modules: datasets (the six data sets), features (the input features), state (the settings and
their URL), network (model, loss, training, heat maps), inspector (a clicked node's value,
gradient and listing; the animated backprop step), export (checkpoint, graph), protocol
(checking the page's messages, encoding heat maps), session (one tab), app (the Starlette
server; needs the `playground` extra).
"""
from .session import Session
from .state import Settings

__all__ = ["Session", "Settings"]
