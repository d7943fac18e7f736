"""A small LeNet-style convolutional classifier for flattened images (the 8×8 digits, MNIST,
Fashion-MNIST): the rows are reshaped to (C, H, W) inside the model, so the same data loaders
serve it and the MLP.

    Unflatten → [Conv 3×3 → (BatchNorm) → ReLU → MaxPool 2×2] per entry of channels
              → Flatten → (Dropout) → [Linear → ReLU → (Dropout)] per hidden size → Linear
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..random import numpy_generator
from .containers import Sequential
from .convolution import Conv2d
from .layers import Dropout, Flatten, Linear, Unflatten
from .models import make_activation
from .normalization import BatchNorm2d
from .pooling import MaxPool2d

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..random import GeneratorLike
    from .models import ActivationSpec


class ConvNet(Sequential):
    """Conv(3×3, 'same') blocks, each halving the image by 2×2 max-pooling, then dense layers:
    ConvNet((1, 28, 28), 10) is conv 32 → pool → conv 64 → pool → dense 128 → 10. Takes
    flattened rows (N, C·H·W)."""

    def __init__(self, image_shape: Sequence[int], n_classes: int,
                 channels: Sequence[int] = (32, 64), hidden: Sequence[int] = (128,),
                 batch_norm: bool = False, dropout: float = 0.0,
                 activation: ActivationSpec = "relu", dtype: DTypeLike | None = None,
                 generator: GeneratorLike = None) -> None:
        image_shape = tuple(int(n) for n in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(f"ConvNet: image_shape must be (channels, height, width), got "
                             f"{image_shape}")
        rng = numpy_generator(generator)
        c, h, w = image_shape
        layers = [Unflatten(1, image_shape)]
        for out in channels:
            if min(h, w) < 2:
                raise ValueError(f"ConvNet: a {image_shape[1]}×{image_shape[2]} image is too "
                                 f"small for {len(channels)} pooling steps")
            layers.append(Conv2d(c, out, 3, padding=1, bias=not batch_norm, dtype=dtype,
                                 generator=rng))
            if batch_norm:
                layers.append(BatchNorm2d(out, dtype=dtype))
            layers += [make_activation(activation), MaxPool2d(2)]
            c, h, w = out, h // 2, w // 2
        layers.append(Flatten())
        size = c * h * w
        for n in hidden:
            if dropout:
                layers.append(Dropout(dropout))
            layers += [Linear(size, n, dtype=dtype, generator=rng), make_activation(activation)]
            size = n
        if dropout:
            layers.append(Dropout(dropout))
        layers.append(Linear(size, n_classes, dtype=dtype, generator=rng))
        super().__init__(*layers)
        self.image_shape, self.channels, self.hidden = image_shape, tuple(channels), tuple(hidden)
