"""What the lockstep scripts share: a ported program imported under either library, the same
initial weights for both, the training steps, and the table row that compares the two runs."""
import importlib
import os
import sys

import numpy as np

BACKENDS = ("torch", "graphgrad")


def load(program, backend):
    """The ported module `program` with `backend` behind its `torch` name."""
    os.environ["PORTED_BACKEND"] = backend
    sys.modules.pop(program, None)
    return importlib.import_module(program)


def share_init(model, lib, init):
    """Fill `init` with the model's weights (the first library), or load them (the second)."""
    if init:
        model.load_state_dict({k: lib.tensor(v) for k, v in init.items()})
    else:
        init.update({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})


def steps(model, optimizer, batches, loss_of):
    """Train on each batch of indices (loss_of(ix) is its loss); the losses of each step and the
    gradients of the first."""
    losses, grads = [], None
    for ix in batches:
        optimizer.zero_grad()
        loss = loss_of(ix)
        loss.backward()
        if grads is None:
            grads = {k: p.grad.numpy().copy() for k, p in model.named_parameters()}
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses), grads


def header(n_steps, optimizer):
    return ("| model | first loss: rel. diff | first gradients: largest rel. diff "
            f"| loss over {n_steps} {optimizer} steps: largest rel. diff |\n|---|---|---|---|")


def row(label, ours, theirs):
    """The table row of two runs (losses, first gradients): PyTorch's first, graphgrad's next."""
    (lt, gt), (lg, gg) = ours, theirs
    grad = max(np.abs(gt[k] - gg[k]).max() / max(np.abs(gt[k]).max(), 1e-30) for k in gt)
    return (f"| {label} | {abs(lt[0] - lg[0]) / lt[0]:.1e} | {grad:.1e} "
            f"| {np.max(np.abs(lt - lg) / lt):.1e} |")
