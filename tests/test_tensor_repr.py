"""A tensor prints as PyTorch's does (tensor_format.py): float modes (integral, 4 decimals,
scientific), alignment, line wrapping at 80 columns, summaries beyond 1,000 entries, 0-d, empty,
integers and booleans, and the suffixes (dtype, grad_fn, requires_grad)."""
import numpy as np
import pytest

import graphgrad as gg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
ARRAYS = {
    "four decimals": np.array([1.5, 2.0]),
    "integral": np.array([1.0, 2.0]),
    "small: scientific": np.array([1e-5, 1.0]),
    "wide: scientific": np.array([1e9, 1.0]),
    "nan aligned": np.array([np.nan, 1.5]),
    "inf with integral": np.array([np.inf, 2.0]),
    "-inf and nan only": np.array([-np.inf, np.nan]),
    "zeros": np.array([0.0, -0.0]),
    "negative aligned": np.array([-0.5, 100.25]),
    "matrix": np.array([[1.5, 2.0], [3.0, 4.25]]),
    "wrapped rows": np.arange(30.0) / 7,
    "summarised vector": np.arange(2000.0),
    "summarised matrix": np.arange(2000.0).reshape(40, 50) / 3,
    "three dims": RNG.normal(size=(3, 4, 5)),
    "eight cubed": RNG.normal(size=(8, 8, 8)),
    "tiny": RNG.normal(size=(2, 20)) * 1e-6,
    "integers": np.arange(12).reshape(3, 4),
    "signed integers": np.array([1, 100, -5]),
    "booleans": np.array([True, False]),
    "long integer rows": np.arange(3000).reshape(3, 1000),
    "empty 0 x 3": np.zeros((0, 3)),
    "0-d float": np.array(3.5),
    "0-d int": np.array(7),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_repr_as_pytorch(name):
    a = ARRAYS[name]
    if a.dtype == np.float64:
        a = a.astype(np.float32)
    assert repr(gg.tensor(a)) == repr(torch.tensor(a))


def test_repr_suffixes_as_pytorch():
    assert repr(gg.tensor([1.5], dtype=gg.float64)) == "tensor([1.5000], dtype=float64)"
    ours = gg.ones(2, 3, requires_grad=True) * 2
    theirs = torch.ones(2, 3, requires_grad=True) * 2
    assert repr(ours) == repr(theirs)
    assert repr(gg.tensor([1.0, 2.0], requires_grad=True)) == \
        repr(torch.tensor([1.0, 2.0], requires_grad=True))


def test_modules_print_as_pytorchs():
    for ours, theirs in [
            (gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.ReLU(), gg.nn.Conv2d(3, 8, 3, padding=1),
                              gg.nn.BatchNorm2d(8), gg.nn.Dropout(0.3), gg.nn.Flatten()),
             torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(),
                                 torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                 torch.nn.Dropout(0.3), torch.nn.Flatten())),
            (gg.nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(
                label_smoothing=0.1)),
            (gg.nn.ModuleDict({"a": gg.nn.GELU()}), torch.nn.ModuleDict({"a": torch.nn.GELU()}))]:
        assert repr(ours) == repr(theirs)


def test_load_state_dict_reports_as_pytorchs():
    ours, theirs = gg.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    assert repr(ours.load_state_dict(ours.state_dict())) == \
        repr(theirs.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    partial = ours.load_state_dict({"weight": ours.weight.detach()}, strict=False)
    assert repr(partial) == repr(theirs.load_state_dict({"weight": theirs.weight.detach()},
                                                         strict=False))
    assert partial.missing_keys == ["bias"] and partial.unexpected_keys == []
