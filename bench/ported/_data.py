"""Offline stand-ins for the data the ported programs download.

- `digits28`: graphgrad's embedded 8x8 digits (1,797 images, `graphgrad.data.digits`), each
  pixel repeated 3x3 and the 24x24 image padded by 2 to MNIST's 28x28, in [0, 1]; the first
  1,500 images train, the other 297 test.
- ``data/input.txt``: the first 30,000 characters of tiny Shakespeare (ng-video-lecture's
  input.txt); ``data/names.txt``: the first 2,000 names of makemore's names.txt
  (see data/ATTRIBUTION.md).
"""
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def data_path(name):
    return os.path.join(DATA, name)


def digits28(normalize=None):
    """(X_train, y_train, X_test, y_test) as NumPy arrays, X of shape (N, 1, 28, 28) float32."""
    import graphgrad

    images, labels = graphgrad.data.digits(flatten=False)
    x = np.kron(images.numpy(), np.ones((3, 3), np.float32))
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))[:, None].astype(np.float32)
    if normalize is not None:                       # transforms.Normalize((mean,), (std,))
        x = (x - normalize[0]) / normalize[1]
    y = labels.numpy().astype(np.int64)
    return x[:1500], y[:1500], x[1500:], y[1500:]


def digits28_datasets(lib, normalize=None):
    """The training and test sets as the library's TensorDatasets of (image, label)."""
    xtr, ytr, xte, yte = digits28(normalize)
    dataset = lib.utils.data.TensorDataset
    return (dataset(lib.tensor(xtr), lib.tensor(ytr)),
            dataset(lib.tensor(xte), lib.tensor(yte)))


def same_permutation(n, seed=3407):
    """A permutation of range(n) that does not depend on the library (a data split both runs
    share; the library's own randperm would give each library another split)."""
    return np.random.default_rng(seed).permutation(n).tolist()
