"""Ready-made models of the notes: MLPs (001, 003 §2.4.8), logistic and softmax regression
(003 §2.4.5–2.4.7), the perceptron (003 §2.4.2) and (linear, denoising) autoencoders
(003 §2.3.4–2.3.5)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..grad_mode import no_grad
from ..random import numpy_generator
from ..tensor import Tensor, leaf
from .activation_modules import (
    ELU,
    GELU,
    BinaryThreshold,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .activations import binary_threshold
from .containers import Sequential
from .conversion import array_of
from .layers import Identity, Linear
from .module import Module

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from ..random import GeneratorLike

    #: An activation: a name ('relu', ...), a Module class or factory, or a Module instance.
    ActivationSpec = str | Module | Callable[[], Module]

ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU,
               "elu": ELU, "silu": SiLU, "swish": SiLU, "gelu": GELU, "softplus": Softplus,
               "binary_threshold": BinaryThreshold, "identity": Identity, "linear": Identity}
OUTPUTS = {None: None, "identity": None, "sigmoid": Sigmoid, "softmax": Softmax,
           "log_softmax": LogSoftmax}


def make_activation(spec: ActivationSpec) -> Module:
    """A fresh activation module from a name ('relu', 'tanh', ...), a Module class or a
    zero-argument factory; a Module instance is used as it is."""
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, str):
        if spec not in ACTIVATIONS:
            raise ValueError(f"unknown activation {spec!r}; choose from {sorted(ACTIVATIONS)} or "
                             "pass a Module")
        return ACTIVATIONS[spec]()
    if callable(spec):
        return spec()
    raise TypeError(f"an activation is a name, a Module class or instance, not {spec!r}")


def _output_layer(output):
    if isinstance(output, Module):
        return output
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; choose from None, 'sigmoid', 'softmax', "
                         "'log_softmax' or pass a Module")
    return None if OUTPUTS[output] is None else OUTPUTS[output]()


class MLP(Sequential):
    """Multi-layer perceptron: Linear(sizes[0], sizes[1]), activation, ..., Linear(sizes[-2],
    sizes[-1]), then the output layer chosen by the task (001's table): None (identity, for
    regression or logits), 'sigmoid' or 'softmax'. activation=None stacks linear layers only.
    Initialised as PyTorch's Linear."""

    def __init__(self, sizes: Sequence[int], activation: ActivationSpec | None = "relu",
                 output: str | Module | None = None, bias: bool = True,
                 dtype: DTypeLike | None = None, generator: GeneratorLike = None) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got {sizes}")
        rng = numpy_generator(generator)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, bias, dtype=dtype, generator=rng))
            if i < len(sizes) - 2 and activation is not None:
                layers.append(make_activation(activation))
        final = _output_layer(output)
        super().__init__(*layers, *([final] if final is not None else []))
        self.sizes = sizes


class LogisticRegression(Module):
    """p(y = 1 | x) = σ(wᵀx + b) (003 §2.4.5). forward returns the logit wᵀx + b (one per
    sample; train it with binary_cross_entropy_with_logits), predict_proba the probability."""

    def __init__(self, in_features: int, bias: bool = True, dtype: DTypeLike | None = None,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        self.linear = Linear(in_features, 1, bias, dtype=dtype, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return ops.squeeze(self.linear(x), -1)

    def predict_proba(self, x: Tensor) -> Tensor:
        return ops.sigmoid(self(x))

    def predict(self, x: Tensor) -> Tensor:
        """Class labels 0/1 (the logit's sign)."""
        return leaf((array_of(self(x)) >= 0).astype(np.int64))


class SoftmaxRegression(Module):
    """Multinomial logistic regression: ŷ = S((Wᵀx + b) / T) (003 §2.4.7's softmax layer at
    temperature T). forward returns the tempered logits (train with cross_entropy)."""

    def __init__(self, in_features: int, num_classes: int, bias: bool = True,
                 temperature: float = 1.0, dtype: DTypeLike | None = None,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"SoftmaxRegression: temperature must be positive, got {temperature}")
        self.linear = Linear(in_features, num_classes, bias, dtype=dtype,
                             generator=generator)
        self.temperature = temperature

    def forward(self, x: Tensor) -> Tensor:
        logits = self.linear(x)
        return logits if self.temperature == 1 else logits / self.temperature

    def predict_proba(self, x: Tensor) -> Tensor:
        return ops.softmax(self(x), axis=-1)

    def predict(self, x: Tensor) -> Tensor:
        return leaf(np.argmax(array_of(self(x)), axis=-1))

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}" if self.temperature != 1 else ""


class Perceptron(Module):
    """Rosenblatt's perceptron (003 §2.4.2): binary threshold units on an affine map,
    ŷ = [Wx + b ≥ 0].

    As a module, forward returns the scores Wx + b (differentiable; hinge_loss with margin=0
    on labels ±1 is the perceptron criterion) and predict the 0/1 outputs. ``fit`` runs the
    classic learning rule instead: for each misclassified sample, w ← w + η (y − ŷ) x."""

    def __init__(self, in_features: int, out_features: int = 1, dtype: DTypeLike | None = None,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        self.out_features = out_features
        self.linear = Linear(in_features, out_features, True, dtype=dtype,
                             generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        scores = self.linear(x)
        return ops.squeeze(scores, -1) if self.out_features == 1 else scores

    def predict(self, x: Tensor) -> Tensor:
        return binary_threshold(self(x))

    def fit(self, x: Tensor | ArrayLike, y: Tensor | ArrayLike, epochs: int = 100, lr: float = 1.0,
            shuffle: bool = True, generator: GeneratorLike = None) -> list[int]:
        """The perceptron rule, sample by sample, until an epoch has no mistakes (it converges
        when the classes are linearly separable). y: 0/1 labels, shape (N,) or (N, out).
        Returns the number of misclassified samples in each epoch."""
        inputs = array_of(x).astype(self.linear.weight.dtype)
        labels = array_of(y).reshape(len(inputs), self.out_features).astype(inputs.dtype)
        rng = numpy_generator(generator)
        weight, bias = self.linear.weight, self.linear.bias
        history = []
        for _ in range(epochs):
            mistakes = 0
            for i in (rng.permutation(len(inputs)) if shuffle else range(len(inputs))):
                error = labels[i] - (weight.array @ inputs[i] + bias.array >= 0)
                if error.any():
                    mistakes += 1
                    with no_grad():
                        weight.add_(lr * np.outer(error, inputs[i]))
                        bias.add_(lr * error)
            history.append(mistakes)
            if not mistakes:
                break
        return history


def _noise_model(noise):
    """A corruption x ↦ x̃ for denoising: a float or ('gaussian', σ) adds N(0, σ²) noise,
    ('masking', p) zeroes each entry with probability p, a callable(x, rng) is used as is."""
    if noise is None or callable(noise):
        return noise
    kind, level = ("gaussian", noise) if isinstance(noise, (int, float)) else noise
    if kind == "gaussian":
        return lambda x, rng: x + rng.normal(0.0, level, np.shape(x)).astype(array_of(x).dtype)
    if kind == "masking":
        return lambda x, rng: x * (rng.random(np.shape(x)) >= level).astype(array_of(x).dtype)
    raise ValueError(f"unknown noise model {noise!r}: use a float (Gaussian σ), "
                     "('gaussian', σ), ('masking', p) or a callable(x, rng)")


class Autoencoder(Module):
    """Encoder sizes[0] → ... → sizes[-1] (the code z) and the mirrored decoder back to
    sizes[0] (003 §2.3.4). linear=True drops every activation: the linear autoencoder, which
    learns the principal subspace (§2.3.5). noise makes it denoising: in training mode the
    input is corrupted (see _noise_model) and the clean input remains the target."""

    def __init__(self, sizes: Sequence[int], linear: bool = False, noise: Any = None,
                 activation: ActivationSpec | None = "relu", output: str | Module | None = None,
                 bias: bool = True, dtype: DTypeLike | None = None,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"Autoencoder needs an input and a code size, got {sizes}")
        rng = numpy_generator(generator)
        hidden = None if linear else activation
        self.encoder = MLP(sizes, hidden, None, bias, dtype, rng)
        self.decoder = MLP(sizes[::-1], hidden, output, bias, dtype, rng)
        self.linear, self.noise = linear, _noise_model(noise)
        self._rng = rng

    def encode(self, x: Tensor) -> Tensor:
        """The embedding z of x (003 §2.1.2)."""
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        if self.training and self.noise is not None:
            x = self.noise(x, self._rng)
        return self.decoder(self.encoder(x))

    def extra_repr(self) -> str:
        return "linear=True" if self.linear else ""
