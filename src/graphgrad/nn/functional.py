"""The functional interface, ``import graphgrad.nn.functional as F`` (torch.nn.functional's
names): activations, layers, losses, metrics and attention as plain functions of tensors."""
from .activations import (
    binary_threshold,
    elu,
    gelu,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    logsigmoid,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    stochastic_binary,
    swish,
    tanh,
)
from .attention import scaled_dot_product_attention
from .layers import dropout, embedding, linear, one_hot
from .losses import (
    accuracy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    huber_loss,
    kl_div,
    l1_loss,
    log_cosh_loss,
    logistic_objective_base2,
    mse_loss,
    multi_margin_loss,
    multiclass_hinge_loss,
    nll_loss,
    smooth_l1_loss,
    wasserstein_1d,
    zero_one_loss,
)
from .normalization import batch_norm, layer_norm

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "swish", "sigmoid", "log_sigmoid",
           "logsigmoid", "tanh", "softmax", "log_softmax", "softplus", "binary_threshold",
           "stochastic_binary", "linear", "dropout", "embedding", "one_hot", "batch_norm",
           "layer_norm", "scaled_dot_product_attention", "mse_loss", "l1_loss", "smooth_l1_loss",
           "huber_loss", "log_cosh_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "hinge_loss", "multiclass_hinge_loss",
           "multi_margin_loss", "wasserstein_1d", "logistic_objective_base2", "zero_one_loss",
           "accuracy"]
