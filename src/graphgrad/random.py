"""Reproducible randomness: a global generator seeded by ``manual_seed`` and explicit
``Generator`` objects, as in PyTorch (backed by NumPy's PCG64)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .device import CPU, check_device, device


def _is_device(value: object) -> bool:
    return isinstance(value, device)


class Generator:
    """A source of random numbers with its own state: Generator(seed), or as PyTorch
    Generator() / Generator(device='cpu') then .manual_seed(seed) (without a seed it starts
    from a fresh one)."""

    def __init__(self, seed: int | str | None = None, device: object = None) -> None:
        if isinstance(seed, str) or _is_device(seed):       # PyTorch: Generator(device)
            seed, device = None, seed
        check_device(device, "Generator")
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        """Restart from `seed` (None: a fresh seed from the operating system)."""
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2 ** 63)
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Restart from a fresh non-deterministic seed, and return it."""
        return self.manual_seed(None)._seed

    def initial_seed(self) -> int:
        """The seed this generator was last started from."""
        return self._seed

    @property
    def device(self) -> device:
        return CPU

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
    """Seed the global generator (used whenever no generator= is passed); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator was last started from."""
    return default_generator.initial_seed()



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
