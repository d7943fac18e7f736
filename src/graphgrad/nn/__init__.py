"""graphgrad.nn: modules, layers, activations, losses, models and attention, with
torch.nn's names and conventions (``import graphgrad as gg; gg.nn.Linear(2, 3)``)."""
from . import functional, init, utils
from .activation_modules import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    BinaryThreshold,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    StochasticBinary,
    Swish,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .attention import MultiheadAttention, SampleAttention
from .channel_dropout import Dropout1d, Dropout2d
from .containers import ModuleDict, ModuleList, Sequential
from .convnet import ConvNet
from .convolution import Conv1d, Conv2d, ConvTranspose2d
from .distance import CosineSimilarity, PairwiseDistance
from .layers import Dropout, Embedding, Flatten, Identity, Linear, Unflatten
from .loss_modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    LogCoshLoss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
    WassersteinLoss,
)
from .models import MLP, Autoencoder, LogisticRegression, Perceptron, SoftmaxRegression
from .module import IncompatibleKeys, Module, ModuleNameError, Parameter, StateDictError
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .resample import (
    PixelShuffle,
    PixelUnshuffle,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = ["Module", "Parameter", "IncompatibleKeys", "StateDictError", "Sequential", "ModuleList",
           "ModuleDict", "Linear", "Embedding", "Dropout", "Flatten", "Unflatten", "Identity",
           "BatchNorm1d", "LayerNorm", "GroupNorm", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU",
           "Swish",
           "Sigmoid", "LogSigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "BinaryThreshold",
           "StochasticBinary", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "LogCoshLoss",
           "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "HingeLoss",
           "MultiMarginLoss", "WassersteinLoss", "MultiheadAttention", "SampleAttention", "MLP",
           "Perceptron", "LogisticRegression", "SoftmaxRegression", "Autoencoder", "functional",
           "init", "utils", "ModuleNameError", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish",
           "Mish", "SELU", "CELU", "Softsign", "Softmin", "GLU", "Tanhshrink", "Hardshrink",
           "Softshrink", "Threshold", "PReLU", "RReLU", "CosineSimilarity", "PairwiseDistance"]
# the submodules too, as `from graphgrad.nn import *` has always given them
__all__ += ["activations", "activation_modules", "attention", "containers", "conversion",
            "distance", "layers", "loss_modules", "losses", "models", "module", "normalization"]
__all__ += ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
            "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "pooling"]
__all__ += ["BatchNorm2d", "Dropout1d", "Dropout2d", "channel_dropout", "Upsample",
            "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
            "resample"]
__all__ += ["Conv1d", "Conv2d", "ConvTranspose2d", "ConvNet", "convolution", "convnet"]
