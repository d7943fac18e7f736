"""makemore's six models under PyTorch and graphgrad in lockstep: `python
bench/ported/lockstep_makemore.py [--steps N]`.

run.py runs the programs as they are, so each library draws its own batches and the final losses
differ by what other random draws do. Here both libraries train the models of the ported
makemore.py (its classes, imported under each backend) from the same initial weights, on the same
batches (drawn by NumPy), with the program's AdamW settings. The table gives the relative
difference of the first loss, the largest relative difference of a parameter's gradient at the
first step (to that gradient's largest entry), and the largest relative difference of the loss
over the N steps: float32 rounding is about 1e-7.

makemore.py imports DataLoader from torch.utils.data.dataloader, a module graphgrad lacks (the
first failure run.py reports); where it is missing this script lets graphgrad.utils.data stand
in for it, and says so.
"""
import argparse
import importlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _lockstep import BACKENDS, header, load, row, share_init, steps  # noqa: E402

KINDS = ("bigram", "mlp", "rnn", "gru", "bow", "transformer")


def bridge_dataloader_module():
    """Let graphgrad.utils.data stand in for graphgrad.utils.data.dataloader where it is missing."""
    try:
        importlib.import_module("graphgrad.utils.data.dataloader")
    except ModuleNotFoundError:
        sys.modules["graphgrad.utils.data.dataloader"] = importlib.import_module(
            "graphgrad.utils.data")
        print("(graphgrad.utils.data.dataloader is missing: graphgrad.utils.data stands in)\n")


def load_makemore(backend):
    """The ported makemore module with `backend` behind its `torch` name."""
    if backend == "graphgrad":
        bridge_dataloader_module()
    return load("makemore", backend)


def build(mm, kind, dataset):
    config = mm.ModelConfig(vocab_size=dataset.get_vocab_size(),
                            block_size=dataset.get_output_length())
    if kind in ("rnn", "gru"):
        return mm.RNN(config, cell_type=kind)
    return {"bigram": mm.Bigram, "mlp": mm.MLP, "bow": mm.BoW,
            "transformer": mm.Transformer}[kind](config)


def train(mm, kind, words, batches, init):
    """Losses of each step and the gradients of the first; `init` is filled by the first
    library and loaded by the second."""
    lib = mm.torch
    chars = sorted(set("".join(words)))
    dataset = mm.CharDataset(words, chars, max(len(w) for w in words))
    model = build(mm, kind, dataset)
    share_init(model, lib, init)
    optimizer = lib.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01,
                                betas=(0.9, 0.99), eps=1e-8)

    def loss_of(ix):
        x = lib.stack([dataset[int(i)][0] for i in ix])
        y = lib.stack([dataset[int(i)][1] for i in ix])
        return model(x, y)[1]
    return steps(model, optimizer, batches, loss_of)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    words = (HERE / "data" / "names.txt").read_text().split()
    batches = np.random.default_rng(0).integers(0, len(words), (args.steps, args.batch_size))
    modules = {b: load_makemore(b) for b in BACKENDS}
    print(header(args.steps, "AdamW"))
    for kind in KINDS:
        init = {}
        print(row(kind, *[train(modules[b], kind, words, batches, init) for b in BACKENDS]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
