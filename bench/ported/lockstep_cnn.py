"""cnn_mnist's Net under PyTorch and graphgrad in lockstep: `python bench/ported/lockstep_cnn.py
[--steps N]`.

run.py runs cnn_mnist.py as it is: each library draws its own batches and dropout masks, and
one epoch of Adadelta at lr = 1 on 1,500 images carries those draws far (its final test loss
varies by tens of percent between reseeded runs). Here both libraries train the program's Net
from the same initial weights, on the same batches of the same digits (drawn by NumPy), with its
Adadelta settings and dropout off (p = 0: the masks would come from different generators). The
table gives the relative difference of the first loss, the largest relative difference of a
parameter's gradient at the first step (to that gradient's largest entry), and the largest
relative difference of the loss over the N steps: float32 rounding is about 1e-7, and Adadelta
at lr = 1 lets it grow over the steps.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _lockstep import BACKENDS, header, load, row, share_init, steps  # noqa: E402


def train(mod, images, labels, batches, init):
    """Losses of each step and the gradients of the first; `init` is filled by the first
    library and loaded by the second."""
    lib = mod.torch
    model = mod.Net()
    model.dropout1.p = model.dropout2.p = 0.0
    share_init(model, lib, init)
    optimizer = mod.optim.Adadelta(model.parameters(), lr=1.0)
    model.train()
    return steps(model, optimizer, batches, lambda ix: mod.F.nll_loss(
        model(lib.tensor(images[ix])), lib.tensor(labels[ix])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    from _data import digits28

    images, labels, _, _ = digits28(normalize=(0.1307, 0.3081))
    batches = np.random.default_rng(0).integers(0, len(images), (args.steps, args.batch_size))
    init = {}
    runs = [train(load("cnn_mnist", b), images, labels, batches, init) for b in BACKENDS]
    print(header(args.steps, "Adadelta"))
    print(row("cnn_mnist Net", *runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
