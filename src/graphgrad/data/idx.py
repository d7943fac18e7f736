"""MNIST and Fashion-MNIST from the standard IDX files: reading, finding and downloading.

IDX: two zero bytes, a type code, the number of dimensions d, then d big-endian int32 sizes and
the values, big-endian, row-major. Files may be gzip-compressed (as distributed). Reading checks
the header against the data before anything is allocated: negative or impossible sizes, a
compressed file too small to hold what its header announces, corrupt or truncated compressed
data and a wrong length each raise IDXError.

The four files of a set are looked for in this order: ``$GRAPHGRAD_DATA/<name>``, the user
cache (``$XDG_CACHE_HOME`` or ``~/.cache``, then ``graphgrad/<name>``), Debian's package path
``/usr/share/datasets/<name>``; if absent they are downloaded once into the first of the first
two, over HTTPS only, within time and size limits, each checked against its published size and
MD5 before it is kept (``download.fetch``).
"""
import os
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..io import read_regular
from .datasets import image_tensors
from .download import DownloadError, Limits, fetch

_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_DEFLATE_RATIO = 1032          # deflate never expands data more than this


class IDXError(ValueError):
    """An IDX file that is not what it should be (bad header, truncated, wrong content)."""


class DataNotFoundError(FileNotFoundError):
    """A dataset that is neither on this machine nor downloadable now."""


def read_idx(path):
    """The array stored in an IDX file (gzip-compressed or not)."""
    path = Path(path)
    raw = read_regular(path, "read_idx", lambda path, kind: IDXError(
        f"{path}: not a regular file ({kind})"))
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, str(path))
    return parse_idx(raw, str(path))


def _gunzip(raw, where):
    """Decompress gzip data, never more than the IDX header inside announces (plus one byte,
    to notice a longer file): a small file cannot make us allocate a huge one."""
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = stream.decompress(raw, 4)
        if len(out) == 4 and out[3]:
            out += stream.decompress(stream.unconsumed_tail, 4 * out[3])
        expected = _expected_size(out)
        if expected is None:               # a header shorter than announced or not IDX at all
            return out
        if expected > _DEFLATE_RATIO * len(raw) + 1024:
            raise IDXError(f"{where}: the header announces {expected} bytes, more than "
                           f"{len(raw)} compressed bytes can hold (corrupt file)")
        out += stream.decompress(stream.unconsumed_tail, expected - len(out) + 1)
    except zlib.error as e:
        raise IDXError(f"{where}: corrupt gzip data ({e}); delete the file and fetch it "
                       "again") from None
    if len(out) > expected:
        raise IDXError(f"{where}: the decompressed data is longer than its header says "
                       f"({expected} bytes)")
    if not stream.eof:
        raise IDXError(f"{where}: truncated gzip data (the compressed stream ends early after "
                       f"{len(out)} bytes); delete the file and fetch it again")
    if stream.unused_data.strip(b"\0"):
        raise IDXError(f"{where}: {len(stream.unused_data)} unexpected bytes after the "
                       "compressed data")
    return out


def _header(raw):
    """(dtype, shape, header size) from IDX bytes, or None when the header is incomplete."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        return None
    ndim = raw[3]
    size = 4 + 4 * ndim
    if len(raw) < size:
        return None
    return _TYPES[raw[2]], tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big", signed=True)
                                 for i in range(ndim)), size


def _expected_size(raw):
    header = _header(raw)
    if header is None or any(s < 0 for s in header[1]):
        return None
    dtype, shape, size = header
    count = 1
    for s in shape:
        count *= s
    return size + count * dtype.itemsize


def parse_idx(raw, where="IDX data"):
    """Decode IDX bytes into an array, checking the header against the length."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise IDXError(f"{where}: not an IDX file (the header must start with two zero bytes "
                       f"and a known type code, got {raw[:4].hex() or 'nothing'})")
    header = _header(raw)
    if header is None:
        raise IDXError(f"{where}: truncated header ({len(raw)} bytes for {raw[3]} dimensions)")
    dtype, shape, size = header
    if any(s < 0 for s in shape):
        raise IDXError(f"{where}: negative dimension in the header's shape {shape}")
    expected = _expected_size(raw)
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise IDXError(f"{where}: {state}: the header announces shape {shape} of {dtype.name} "
                       f"({expected} bytes in all), the file has {len(raw)} bytes")
    values = np.frombuffer(raw, dtype, offset=size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


@dataclass(frozen=True)
class Source:
    """Where a dataset's four IDX files come from: role -> (file name, MD5, size in bytes)
    (the size may be left out: downloads are then capped at Limits.max_size), and the HTTPS
    mirrors that serve them."""

    name: str
    files: dict
    mirrors: tuple
    debian_package: str = None

    def __post_init__(self):
        for mirror in self.mirrors:
            if not mirror.startswith("https://"):
                raise ValueError(f"Source {self.name!r}: mirror {mirror!r} is not an https:// "
                                 "address; graphgrad downloads over HTTPS only")

    def entries(self):
        """role -> (file name, MD5, size or None)."""
        return {role: (entry + (None,))[:3] for role, entry in self.files.items()}


MNIST = Source("mnist", {
    "train_images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
    "train_labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881),
    "test_images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542),
}, ("https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/"))

FASHION_MNIST = Source("fashion-mnist", {
    "train_images": ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880),
    "train_labels": ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515),
    "test_images": ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4422102),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5148),
}, ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    debian_package="dataset-fashion-mnist")

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")


def search_path(source):
    """The folders looked in, in order."""
    folders = []
    if os.environ.get("GRAPHGRAD_DATA"):
        folders.append(Path(os.environ["GRAPHGRAD_DATA"]) / source.name)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folders.append(Path(cache) / "graphgrad" / source.name)
    folders.append(Path("/usr/share/datasets") / source.name)
    return folders


def _in_folder(folder, source):
    """role -> path for a folder holding all four files (plain or .gz), else None."""
    found = {}
    for role, (name, _, _) in source.entries().items():
        plain = name[:-3] if name.endswith(".gz") else name
        hits = [folder / n for n in (name, plain) if (folder / n).is_file()]
        if not hits:
            return None
        found[role] = hits[0]
    return found


def locate(source, root=None, download=True, timeout=None, limits=None):
    """role -> path of the dataset's files: found (in `root` only, when given) or downloaded.
    timeout: seconds to connect and between reads (default Limits'); limits: a
    download.Limits with every limit of a download."""
    folders = [Path(root)] if root is not None else search_path(source)
    for folder in folders:
        found = _in_folder(folder, source)
        if found:
            return found
    if download:
        limits = limits or Limits()
        if timeout is not None:
            limits = replace(limits, connect=timeout, read=timeout)
        target = folders[0]
        errors = _download(source, target, limits)
        if not errors:
            return _in_folder(target, source)
    else:
        errors = ["downloading was switched off"]
    raise DataNotFoundError(_how_to_get(source, folders, errors))


def _download(source, folder, limits):
    """Fetch the missing files into folder; returns the problems met (empty: success)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return [f"cannot create {folder}: {e.strerror or e}"]
    problems = []
    for name, md5, size in source.entries().values():
        if (folder / name).is_file():
            continue
        for mirror in source.mirrors:
            try:
                fetch(mirror + name, folder / name, md5, size, limits)
                break
            except DownloadError as e:
                problems.append(str(e))
        else:
            return problems
    return []


def _how_to_get(source, folders, errors):
    names = ", ".join(name for name, _, _ in source.entries().values())
    lines = [f"the {source.name} files ({names}) were not found in:"]
    lines += [f"  {folder}" for folder in folders]
    lines.append("and could not be downloaded:" if errors else "")
    lines += [f"  {e}" for e in errors[-8:]]
    lines.append("To get them, do one of:")
    if source.debian_package:
        lines.append(f"  - sudo apt-get install {source.debian_package}   "
                     f"(installs them in /usr/share/datasets/{source.name})")
    lines.append(f"  - download the four files from {source.mirrors[0]} into {folders[0]}")
    lines.append("  - put them in a folder DIR/" + source.name + " and set GRAPHGRAD_DATA=DIR")
    return "\n".join(line for line in lines if line)


def load_idx_pair(images_path, labels_path, n_classes=10):
    """Images (N, rows, cols) and labels (N,) from two IDX files, checked to belong together."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXError(f"{images_path}: expected uint8 images of shape (N, rows, cols), got "
                       f"{images.dtype} {images.shape} (is it a labels file?)")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IDXError(f"{labels_path}: expected uint8 labels of shape (N,), got {labels.dtype} "
                       f"{labels.shape} (is it an images file?)")
    if len(images) != len(labels):
        raise IDXError(f"{images_path} has {len(images)} images but {labels_path} has "
                       f"{len(labels)} labels: the files do not belong together")
    if labels.size and labels.max() >= n_classes:
        raise IDXError(f"{labels_path}: label {labels.max()} outside 0..{n_classes - 1}")
    return images, labels


def load(source, train=True, root=None, download=True, flatten=True, dtype=np.float32):
    """(images, labels) tensors of the training or test split: pixels scaled to [0, 1],
    (N, 784) when flatten else (N, 28, 28)."""
    files = locate(source, root, download)
    split = "train" if train else "test"
    images, labels = load_idx_pair(files[f"{split}_images"], files[f"{split}_labels"])
    return image_tensors(images, labels, dtype, 255, flatten)


def mnist(train=True, root=None, download=True, flatten=True, dtype=np.float32):
    """MNIST handwritten digits (60,000 training and 10,000 test images, 28×28)."""
    return load(MNIST, train, root, download, flatten, dtype)


def fashion_mnist(train=True, root=None, download=True, flatten=True, dtype=np.float32):
    """Fashion-MNIST (Zalando; 60,000 + 10,000 28×28 images of 10 kinds of clothing)."""
    return load(FASHION_MNIST, train, root, download, flatten, dtype)
