"""graphgrad.nn: modules, layers, activations, losses, models and attention, with
torch.nn's names and conventions (``import graphgrad as gg; gg.nn.Linear(2, 3)``)."""
from . import functional, init, utils
from .activations import (
    ELU,
    GELU,
    BinaryThreshold,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    StochasticBinary,
    Swish,
    Tanh,
)
from .attention import MultiheadAttention, SampleAttention
from .containers import ModuleDict, ModuleList, Sequential
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
from .module import IncompatibleKeys, Module, Parameter, StateDictError
from .normalization import BatchNorm1d, LayerNorm

__all__ = ["Module", "Parameter", "IncompatibleKeys", "StateDictError", "Sequential", "ModuleList",
           "ModuleDict", "Linear", "Embedding", "Dropout", "Flatten", "Unflatten", "Identity",
           "BatchNorm1d", "LayerNorm", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Swish",
           "Sigmoid", "LogSigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "BinaryThreshold",
           "StochasticBinary", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "LogCoshLoss",
           "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "HingeLoss",
           "MultiMarginLoss", "WassersteinLoss", "MultiheadAttention", "SampleAttention", "MLP",
           "Perceptron", "LogisticRegression", "SoftmaxRegression", "Autoencoder", "functional",
           "init", "utils"]
# the submodules too, as `from graphgrad.nn import *` has always given them
__all__ += ["activations", "attention", "containers", "layers", "loss_modules", "losses", "models",
            "module", "normalization"]
