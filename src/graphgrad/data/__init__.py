"""Data: datasets, the DataLoader, splits and standardisation, the 2-D sets of the notes and
TensorFlow Playground, the embedded 8×8 digits, and MNIST / Fashion-MNIST from IDX files.

    x, y = gg.data.digits()                       # shipped with graphgrad, no download
    train, test = gg.data.random_split(gg.data.TensorDataset(x, y), [0.8, 0.2], seed=0)
    for xb, yb in gg.data.DataLoader(train, batch_size=64, shuffle=True, seed=0): ...

gg.utils.data is the same namespace under PyTorch's name (torch.utils.data).
"""
from .collate import default_collate, default_convert
from .datasets import (
    DIGITS_ATTRIBUTION,
    ConcatDataset,
    Dataset,
    Standardizer,
    Subset,
    TensorDataset,
    digits,
    random_split,
    standardize,
)
from .idx import (
    FASHION_CLASSES,
    FASHION_MNIST,
    MNIST,
    DataNotFoundError,
    IDXError,
    Source,
    fashion_mnist,
    load_idx_pair,
    locate,
    mnist,
    parse_idx,
    read_idx,
)
from .loader import DataLoader
from .planar import PLANAR, blobs, circles, moons, spirals, xor
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "DataLoader", "default_collate",
           "default_convert", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "random_split", "Standardizer", "standardize", "digits", "DIGITS_ATTRIBUTION",
           "xor", "moons", "circles", "spirals", "blobs", "PLANAR", "mnist", "fashion_mnist",
           "read_idx", "parse_idx", "load_idx_pair", "locate", "Source", "MNIST",
           "FASHION_MNIST", "FASHION_CLASSES", "IDXError", "DataNotFoundError"]
