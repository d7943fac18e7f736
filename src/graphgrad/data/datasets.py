"""Datasets: the PyTorch protocol (``len(ds)``, ``ds[i]``), tensors held in memory, splits,
standardisation, and the 8×8 handwritten digits shipped inside the package.

A ``Dataset`` returns one sample per index. ``TensorDataset`` also answers a whole batch of
indices at once (one fancy-indexing per tensor), which is how the DataLoader avoids building
batches sample by sample.
"""
from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor, leaf, make

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike
    from typing_extensions import Self

    from ..random import GeneratorLike

DIGITS_ATTRIBUTION = (
    "Optical Recognition of Handwritten Digits (the 8x8 test set of 1,797 images), "
    "E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, 1998, "
    "https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits, "
    "licensed CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/). Stored unchanged as images and labels "
    "(taken from the copy scikit-learn ships).")


class Dataset:
    """A map-style dataset: subclasses define ``__len__`` and ``__getitem__(index)``;
    ``a + b`` chains two datasets (ConcatDataset)."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors: ``ds[i] == (x[i], y[i])``. An array of
    indices (or a slice: views, no copy) gives a whole batch."""

    batchable = True

    def __init__(self, *tensors: Tensor | ArrayLike) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else leaf(np.asarray(t))
                             for t in tensors)
        lengths = {len(t.array) if t.array.ndim else None for t in self.tensors}
        if len(lengths) != 1 or None in lengths:
            raise ValueError("TensorDataset: every tensor needs the same first dimension, got "
                             f"shapes {[t.shape for t in self.tensors]}")

    def __getitem__(self, index: int | slice | np.ndarray) -> tuple[Tensor, ...]:
        if index.__class__ is np.ndarray and index.dtype.kind in "iu":  # a shuffled batch
            return tuple([make(np.take(t.array, index, axis=0)) for t in self.tensors])
        return tuple([leaf(t.array[index]) for t in self.tensors])

    def __len__(self) -> int:
        return len(self.tensors[0].array)


class Subset(Dataset):
    """The samples of `dataset` at `indices` (``subset[i] == dataset[indices[i]]``)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)
        self.batchable = getattr(dataset, "batchable", False)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            index = np.asarray(index, np.int64)
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """The samples at several indices (PyTorch's batched fetch)."""
        picked = self.indices[np.asarray(indices, np.int64)].tolist()
        fetch = getattr(self.dataset, "__getitems__", None)
        return fetch(picked) if callable(fetch) else [self.dataset[i] for i in picked]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another: index i of the whole is index i − (sizes before) of the
    dataset it falls in (negative indices count from the end)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed "
                                 "dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} "
                             f"samples")
        before = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - before]


def _fraction_lengths(lengths, n):
    """Fractions of n as whole lengths, the remainder handed out one by one from the first."""
    counts = []
    for i, fraction in enumerate(lengths):
        if not 0 <= fraction <= 1:
            raise ValueError(f"random_split: Fraction at index {i} is not between 0 and 1")
        counts.append(int(math.floor(n * fraction)))
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    for i, count in enumerate(counts):
        if count == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          f"dataset.", stacklevel=3)
    return counts


def random_split(dataset: Dataset, lengths: Sequence[int] | Sequence[float],
                 generator: GeneratorLike = None, *, seed: int | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths, or of fractions summing
    to 1, as ``torch.utils.data.random_split``; the order is drawn from `generator` (or from
    `seed`, or the global generator)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _fraction_lengths(lengths, n)
    if sum(lengths) != n:
        raise ValueError(f"random_split: Sum of input lengths does not equal the length of the "
                         f"input dataset! (lengths {lengths} sum to {sum(lengths)}, the dataset "
                         f"has {n} samples)")
    rng = numpy_generator(seed if seed is not None else generator)
    order = rng.permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


class Standardizer:
    """Feature standardisation x ↦ (x − μ)/σ with μ, σ from the training data (per feature,
    along axis 0); σ below `eps` counts as 1 (constant features stay put)."""

    def __init__(self, eps: float = 1e-8) -> None:
        self.eps = eps
        self.mean = self.std = None

    def fit(self, x: Tensor | ArrayLike) -> Self:
        x = _array(x)
        self.mean = x.mean(axis=0)
        std = x.std(axis=0)
        self.std = np.where(std < self.eps, 1.0, std).astype(self.mean.dtype)
        return self

    def transform(self, x: Tensor | ArrayLike) -> Tensor | np.ndarray:
        if self.mean is None:
            raise RuntimeError("Standardizer.transform before fit: call fit(train_x) first")
        z = _array(x) - self.mean
        z /= self.std            # in place: a dataset-sized array less to allocate and fill
        return _like(x, z)

    def fit_transform(self, x: Tensor | ArrayLike) -> Tensor | np.ndarray:
        return self.fit(x).transform(x)

    def inverse_transform(self, z: Tensor | ArrayLike) -> Tensor | np.ndarray:
        return _like(z, _array(z) * self.std + self.mean)

    def state_dict(self) -> dict[str, np.ndarray | None]:
        return {"mean": self.mean, "std": self.std}

    def load_state_dict(self, state: Mapping[str, ArrayLike]) -> None:
        self.mean, self.std = np.asarray(state["mean"]), np.asarray(state["std"])


def standardize(train: Tensor | ArrayLike, *others: Tensor | ArrayLike, eps: float = 1e-8) -> Any:
    """(train, *others) standardised with the training data's mean and std."""
    scaler = Standardizer(eps).fit(train)
    results = [scaler.transform(x) for x in (train,) + others]
    return results[0] if not others else tuple(results)


def _array(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _like(original, values):
    return leaf(values) if isinstance(original, Tensor) else values


def digits(flatten: bool = True, dtype: DTypeLike = np.float32,
           scale: bool = True) -> tuple[Tensor, Tensor]:
    """The 8×8 handwritten digits (1,797 images, classes 0-9), shipped with graphgrad:
    (images, labels) as tensors. Pixels are 0..16, scaled to [0, 1] unless scale=False;
    images are (N, 64) when flatten, else (N, 8, 8). Source and licence: DIGITS_ATTRIBUTION."""
    with resources.files(__package__).joinpath("digits.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as stored:
            images, labels = stored["images"], stored["labels"]
    return image_tensors(images, labels, dtype, 16 if scale else None, flatten)


def image_tensors(images: np.ndarray, labels: np.ndarray, dtype: DTypeLike, white: float | None,
                  flatten: bool) -> tuple[Tensor, Tensor]:
    """(images as `dtype` divided by the `white` pixel value (None: kept) and, with flatten,
    one row per image; labels as int64) as tensors."""
    x = images.astype(dtype)
    if white is not None:
        x /= white            # in place: no second array of the whole set
    if flatten:
        x = x.reshape(len(x), -1)
    return leaf(x), leaf(labels.astype(np.int64))
