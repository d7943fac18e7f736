"""The functional interface, ``import graphgrad.nn.functional as F`` (torch.nn.functional's
names): activations, layers, losses, metrics and attention as plain functions of tensors."""
from ..ops.adaptive_pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
)
from ..ops.convolution import conv1d, conv2d, conv_transpose2d
from ..ops.im2col import fold, unfold
from ..ops.padding import pad_nd as pad  # torch.nn.functional.pad
from ..ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ..ops.resample import interpolate, pixel_shuffle, pixel_unshuffle
from .activations import (
    binary_threshold,
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    rrelu,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    stochastic_binary,
    swish,
    tanh,
    tanhshrink,
    threshold,
)
from .attention import scaled_dot_product_attention
from .channel_dropout import dropout1d, dropout2d
from .distance import cosine_similarity, normalize, pairwise_distance
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
from .normalization import batch_norm, group_norm, layer_norm

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "swish", "sigmoid", "log_sigmoid",
           "logsigmoid", "tanh", "softmax", "log_softmax", "softplus", "binary_threshold",
           "stochastic_binary", "linear", "dropout", "embedding", "one_hot", "batch_norm",
           "layer_norm", "group_norm", "scaled_dot_product_attention", "mse_loss", "l1_loss",
           "smooth_l1_loss",
           "huber_loss", "log_cosh_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "hinge_loss", "multiclass_hinge_loss",
           "multi_margin_loss", "wasserstein_1d", "logistic_objective_base2", "zero_one_loss",
           "accuracy"]
__all__ += ["relu6", "hardtanh", "hardsigmoid", "hardswish", "mish", "selu", "celu", "softsign",
            "softmin", "glu", "tanhshrink", "hardshrink", "softshrink", "threshold", "prelu",
            "rrelu", "normalize", "cosine_similarity", "pairwise_distance"]
__all__ += ["pad"]
__all__ += ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
            "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "dropout1d",
            "dropout2d", "interpolate", "pixel_shuffle", "pixel_unshuffle"]
__all__ += ["conv1d", "conv2d", "conv_transpose2d", "unfold", "fold"]
