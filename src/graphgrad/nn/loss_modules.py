"""Losses as modules (PyTorch's class names): each stores its options and calls the function
of the same name in graphgrad.nn.losses."""
from . import losses as L
from .module import Module


class _Loss(Module):
    """A loss module: forward(input, target) = function(input, target, **options)."""

    function = None

    def __init__(self, **options):
        super().__init__()
        self.options = options

    @property
    def reduction(self):
        return self.options.get("reduction")

    @reduction.setter
    def reduction(self, value):
        self.options["reduction"] = value

    def forward(self, input, target):
        return type(self).function(input, target, **self.options)

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.options.items()
                         if k != "weight" and k != "pos_weight")


class MSELoss(_Loss):
    function = staticmethod(L.mse_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class L1Loss(_Loss):
    function = staticmethod(L.l1_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class HuberLoss(_Loss):
    function = staticmethod(L.huber_loss)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction, delta=delta)


class SmoothL1Loss(_Loss):
    function = staticmethod(L.smooth_l1_loss)

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction=reduction, beta=beta)


class LogCoshLoss(_Loss):
    function = staticmethod(L.log_cosh_loss)

    def __init__(self, reduction="mean"):
        super().__init__(reduction=reduction)


class BCELoss(_Loss):
    function = staticmethod(L.binary_cross_entropy)

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(weight=weight, reduction=reduction)


class BCEWithLogitsLoss(_Loss):
    function = staticmethod(L.binary_cross_entropy_with_logits)

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight=weight, reduction=reduction, pos_weight=pos_weight)


class HingeLoss(_Loss):
    function = staticmethod(L.hinge_loss)

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(margin=margin, reduction=reduction)


class CrossEntropyLoss(_Loss):
    function = staticmethod(L.cross_entropy)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    function = staticmethod(L.nll_loss)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction)


class KLDivLoss(_Loss):
    function = staticmethod(L.kl_div)

    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction=reduction, log_target=log_target)


class MultiMarginLoss(_Loss):
    function = staticmethod(L.multi_margin_loss)

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(p=p, margin=margin, weight=weight, reduction=reduction)


class WassersteinLoss(_Loss):
    """W₁ between the empirical distributions of input and target values (both 1-D)."""

    function = staticmethod(L.wasserstein_1d)

    def __init__(self):
        super().__init__()
