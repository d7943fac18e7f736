"""Losses as modules (PyTorch's class names): each stores its options and calls the function
of the same name in graphgrad.nn.losses."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from . import losses as L
from .module import Module

if TYPE_CHECKING:
    from ..tensor import Tensor

    Reduction = Literal["mean", "sum", "none", "batchmean"]   # batchmean: KLDivLoss only


class _Loss(Module):
    """A loss module: forward(input, target) = function(input, target, **options)."""

    function: Callable[..., Tensor] | None = None

    def __init__(self, **options: Any) -> None:
        super().__init__()
        self.options = options

    @property
    def reduction(self) -> Reduction | None:
        return self.options.get("reduction")

    @reduction.setter
    def reduction(self, value: Reduction) -> None:
        self.options["reduction"] = value

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return type(self).function(input, target, **self.options)


class MSELoss(_Loss):
    function = staticmethod(L.mse_loss)

    def __init__(self, reduction: Reduction = "mean") -> None:
        super().__init__(reduction=reduction)


class L1Loss(_Loss):
    function = staticmethod(L.l1_loss)

    def __init__(self, reduction: Reduction = "mean") -> None:
        super().__init__(reduction=reduction)


class HuberLoss(_Loss):
    function = staticmethod(L.huber_loss)

    def __init__(self, reduction: Reduction = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction, delta=delta)


class SmoothL1Loss(_Loss):
    function = staticmethod(L.smooth_l1_loss)

    def __init__(self, reduction: Reduction = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction, beta=beta)


class LogCoshLoss(_Loss):
    function = staticmethod(L.log_cosh_loss)

    def __init__(self, reduction: Reduction = "mean") -> None:
        super().__init__(reduction=reduction)


class BCELoss(_Loss):
    function = staticmethod(L.binary_cross_entropy)

    def __init__(self, weight: Tensor | None = None, reduction: Reduction = "mean") -> None:
        super().__init__(weight=weight, reduction=reduction)


class BCEWithLogitsLoss(_Loss):
    function = staticmethod(L.binary_cross_entropy_with_logits)

    def __init__(self, weight: Tensor | None = None, reduction: Reduction = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(weight=weight, reduction=reduction, pos_weight=pos_weight)


class HingeLoss(_Loss):
    function = staticmethod(L.hinge_loss)

    def __init__(self, margin: float = 1.0, reduction: Reduction = "mean") -> None:
        super().__init__(margin=margin, reduction=reduction)


class CrossEntropyLoss(_Loss):
    function = staticmethod(L.cross_entropy)

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: Reduction = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    function = staticmethod(L.nll_loss)

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: Reduction = "mean") -> None:
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction)


class KLDivLoss(_Loss):
    function = staticmethod(L.kl_div)

    def __init__(self, reduction: Reduction = "mean", log_target: bool = False) -> None:
        super().__init__(reduction=reduction, log_target=log_target)


class MultiMarginLoss(_Loss):
    function = staticmethod(L.multi_margin_loss)

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 reduction: Reduction = "mean") -> None:
        super().__init__(p=p, margin=margin, weight=weight, reduction=reduction)


class WassersteinLoss(_Loss):
    """W₁ between the empirical distributions of input and target values (both 1-D)."""

    function = staticmethod(L.wasserstein_1d)

    def __init__(self) -> None:
        super().__init__()
