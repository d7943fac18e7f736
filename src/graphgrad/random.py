"""Reproducible randomness: a global generator seeded by ``manual_seed`` and explicit
``Generator`` objects, as in PyTorch (backed by NumPy's PCG64)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np


class Generator:
    """A source of random numbers with its own state: Generator(seed) or
    Generator().manual_seed(seed)."""

    def __init__(self, seed: int | None = None) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        self.initial_seed = seed
        self.numpy = np.random.default_rng(seed)
        return self

    def get_state(self) -> Mapping[str, Any]:
        return self.numpy.bit_generator.state

    def set_state(self, state: Mapping[str, Any]) -> Generator:
        self.numpy.bit_generator.state = state
        return self


if TYPE_CHECKING:
    #: What a generator= argument accepts: a Generator, a NumPy Generator, a seed, or None for
    #: the global generator.
    GeneratorLike = Generator | np.random.Generator | int | None

default_generator = Generator(0)


def manual_seed(seed: int | None) -> Generator:
    """Seed the global generator (used whenever no generator= is passed)."""
    return default_generator.manual_seed(seed)


def numpy_generator(generator: GeneratorLike = None) -> np.random.Generator:
    """The NumPy generator behind `generator` (a Generator, a NumPy Generator, a seed or None for
    the global one)."""
    if generator is None:
        return default_generator.numpy
    if isinstance(generator, Generator):
        return generator.numpy
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(generator)
