"""Training: ``fit`` (the mini-batch loop with evaluation, schedules, callbacks, checkpoints
and resume), ``evaluate``, the History it returns, callbacks, and plots of the curves and of
2-D decision regions.

    history = gg.train.fit(model, gg.nn.functional.cross_entropy, opt, (x, y),
                           val_data=(x_val, y_val), epochs=20, seed=0,
                           callbacks=[gg.train.EarlyStopping(patience=3)])

Epochs count from 1. A loss that is no longer finite raises DivergenceError (the last good
checkpoint is kept); with interruptible=True, Ctrl-C or SIGTERM ends training after the current
step with TrainingInterrupted (a KeyboardInterrupt).
"""
from .callbacks import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint
from .checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from .history import History
from .loop import Run, accuracy, as_loader, evaluate, fit, train_epoch
from .plots import new_figure, plot_decision_boundary, plot_history, predict_classes
from .stops import DivergenceError, GracefulStop, TrainingInterrupted

__all__ = ["fit", "evaluate", "train_epoch", "accuracy", "as_loader", "Run", "History",
           "Callback", "EarlyStopping", "ModelCheckpoint", "LambdaCallback", "save_checkpoint",
           "load_checkpoint", "read_checkpoint", "DivergenceError", "TrainingInterrupted",
           "GracefulStop", "new_figure", "plot_history", "plot_decision_boundary",
           "predict_classes"]
