"""Reproducible randomness: a global generator seeded by ``manual_seed`` and explicit
``Generator`` objects, as in PyTorch (backed by NumPy's PCG64)."""
import numpy as np


class Generator:
    """A source of random numbers with its own state: Generator(seed) or
    Generator().manual_seed(seed)."""

    def __init__(self, seed=None):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self.initial_seed = seed
        self.numpy = np.random.default_rng(seed)
        return self

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, state):
        self.numpy.bit_generator.state = state
        return self


default_generator = Generator(0)


def manual_seed(seed):
    """Seed the global generator (used whenever no generator= is passed)."""
    return default_generator.manual_seed(seed)


def numpy_generator(generator=None):
    """The NumPy generator behind `generator` (a Generator, a NumPy Generator, a seed or None for
    the global one)."""
    if generator is None:
        return default_generator.numpy
    if isinstance(generator, Generator):
        return generator.numpy
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(generator)
