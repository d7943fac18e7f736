"""graphgrad.nn: modules, layers, activations, losses, models and attention, with
torch.nn's names and conventions (``import graphgrad as gg; gg.nn.Linear(2, 3)``)."""
from . import functional, init, utils
from .activations import (ELU, GELU, BinaryThreshold, LeakyReLU, LogSigmoid, LogSoftmax, ReLU,
                          Sigmoid, SiLU, Softmax, Softplus, StochasticBinary, Swish, Tanh)
from .attention import MultiheadAttention, SampleAttention
from .containers import ModuleDict, ModuleList, Sequential
from .layers import Dropout, Embedding, Flatten, Identity, Linear, Unflatten
from .loss_modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, HuberLoss,
                           KLDivLoss, L1Loss, LogCoshLoss, MSELoss, MultiMarginLoss, NLLLoss,
                           SmoothL1Loss, WassersteinLoss)
from .models import MLP, Autoencoder, LogisticRegression, Perceptron, SoftmaxRegression
from .module import IncompatibleKeys, Module, Parameter, StateDictError
from .normalization import BatchNorm1d, LayerNorm

__all__ = [name for name in dir() if not name.startswith("_")]
