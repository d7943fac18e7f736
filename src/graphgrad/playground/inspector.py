"""What the page shows when a neuron or an edge is clicked, and the "backprop step".

For one point p with target t the loss is L = ½(o − t)²; the inspector reports the node's
value α_v (or the weight w), its back-propagated gradient ∂L/∂α_v (or ∂L/∂w) from
graphgrad's autograd (`.backward()`, with `retain_grad` on the hidden activations) and the
lines of gg.explain's listing that compute the node and its gradient.
"""
import numpy as np

from ..graphview import explain
from ..tensor import leaf
from .features import LABELS
from .features import compute as features


def record(network, point, target):
    """The recorded forward pass for one point: (named tensors, loss)."""
    x = leaf(features(np.asarray(point, np.float64)[None, :], network.features))
    t = leaf(np.array([[target]], np.float32))
    pre = []
    out, hidden = network.forward(x, pre)
    for h in hidden:
        h.retain_grad()
    out.retain_grad()
    loss = network.loss(out, t)
    names = {"x": x, "t": t, **network.names}
    for layer, (z, h) in enumerate(zip(pre, hidden), 1):
        names[f"h{layer}"] = h                        # a linear layer's α is its z
        if z is not h:
            names[f"z{layer}"] = z
    if pre[-1] is not out:
        names["z_out"] = pre[-1]
    names.update(out=out, L=loss)
    return names, hidden, out, loss


def _lines(listing, name):
    """The listing's forward line that defines `name` and its backward steps `name.grad +=`."""
    lines = listing.lines()
    define = [s.strip() for s in lines if s.strip().startswith(f"{name} ")]
    grads = [s.strip() for s in lines if f" {name}.grad" in f" {s.strip()}"
             and "+=" in s and s.strip().split(". ", 1)[-1].startswith(f"{name}.grad")]
    return define[:1], grads


def inspect(network, point, target, target_spec):
    """The inspector's content for target_spec: {'kind': 'neuron', 'layer': l, 'index': j}
    (hidden layers from 1, the output as layer L+1), or {'kind': 'edge', 'layer': l,
    'source': i, 'index': j} for the weight W_l[j, i] into layer l."""
    names, hidden, out, loss = record(network, point, target)
    listing = explain(loss, names=names)
    network.optimizer.zero_grad()
    loss.backward()
    kind, layer, j = target_spec["kind"], target_spec["layer"], target_spec["index"]
    n_hidden = len(hidden)
    tag = "_out" if layer == n_hidden + 1 else str(layer)
    if kind == "neuron":
        node = out if layer == n_hidden + 1 else hidden[layer - 1]
        name = next(k for k, v in names.items() if v is node)
        value, grad = float(node.array[0, j]), float(node.grad[0, j])
        symbol = f"α = {name}[{j}]"
        what = "∂L/∂α"
        listed = float(np.asarray(listing.grads[name])[0, j])
    else:
        i = target_spec["source"]
        w = network.layers[layer - 1].weight
        name = f"W{tag}"
        value, grad = float(w.array[j, i]), float(w.grad.array[j, i])
        symbol = f"w = {name}[{j}, {i}]  ({_source_name(network, layer, i)} → " \
                 f"{'output' if tag == '_out' else f'neuron {layer}-{j}'})"
        what = "∂L/∂w"
        listed = float(np.asarray(listing.grads[name])[j, i])
    network.optimizer.zero_grad()
    define, grads = _lines(listing, name)
    return {"kind": kind, "layer": layer, "index": j, "source": target_spec.get("source"),
            "point": [float(point[0]), float(point[1])], "target": float(target),
            "symbol": symbol, "value": value, "gradName": what, "grad": grad,
            "explainGrad": listed, "loss": float(loss.array),
            "forwardLine": define[0] if define else "", "backwardLines": grads,
            "listing": str(listing)}


def _source_name(network, layer, i):
    if layer == 1:
        return LABELS[network.features[i]]
    return f"neuron {layer - 1}-{i}"


def backprop_step(network, x_batch, t_batch, regularization, rate):
    """One SGD step on a mini-batch, reported for the page's animation: the forward values of
    every node for the batch's first point, then ∂J/∂α for that point's row and ∂J/∂W of every
    edge (the batch's gradient, which the step uses)."""
    x = leaf(x_batch)
    out, hidden = network.forward(x)
    for h in hidden:
        h.retain_grad()
    out.retain_grad()
    loss = network.loss(out, t_batch, regularization, rate)
    network.optimizer.zero_grad()
    loss.backward()
    values = [x_batch[0].tolist()] + [h.array[0].tolist() for h in hidden] + [out.array[0].tolist()]
    node_grads = [[0.0] * x_batch.shape[1]] + [h.grad.array[0].tolist() for h in hidden] + \
        [out.grad.array[0].tolist()]
    edge_grads = [layer.weight.grad.array.tolist() for layer in network.layers]
    network.optimizer.step()
    return {"loss": float(loss.array), "values": values, "nodeGrads": node_grads,
            "edgeGrads": edge_grads}
