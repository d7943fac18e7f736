"""Optimizers (003 §3.4, 002) with PyTorch's interface and update formulas, learning-rate
schedules (``gg.optim.lr_scheduler``) and the batch-size scheduler.

    opt = gg.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

LBFGS, ConjugateGradient and LineSearchGD evaluate the loss several times per step: pass
``step(closure)`` a function that zeroes the gradients, computes the loss, calls backward and
returns the loss.
"""
from . import lr_scheduler
from .adaptive import Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RMSprop
from .batch_scheduler import BatchSizeScheduler
from .closure import ClosureOptimizer
from .conjugate import ConjugateGradient
from .lbfgs import LBFGS
from .line_search import LineSearchGD, backtracking, strong_wolfe
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam",
           "Adamax", "LBFGS", "ConjugateGradient", "LineSearchGD", "BatchSizeScheduler",
           "ClosureOptimizer", "backtracking", "strong_wolfe", "lr_scheduler"]
