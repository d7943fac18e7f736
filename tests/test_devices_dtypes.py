"""Devices (gg.device, device= on every factory, the CPU-only answers of gg.cuda, gg.accelerator
and gg.backends.mps), PyTorch's dtype names, empty/as_tensor, and inference_mode, compared with
PyTorch."""
import pickle

import numpy as np
import pytest

import graphgrad as gg

FACTORIES = {
    "tensor": lambda m, **k: m.tensor([1.0, 2.0], **k),
    "zeros": lambda m, **k: m.zeros(2, 3, **k), "ones": lambda m, **k: m.ones((2,), **k),
    "empty": lambda m, **k: m.empty(2, **k), "full": lambda m, **k: m.full((2,), 7.0, **k),
    "arange": lambda m, **k: m.arange(5, **k), "linspace": lambda m, **k: m.linspace(0, 1, 5, **k),
    "eye": lambda m, **k: m.eye(3, **k), "rand": lambda m, **k: m.rand(2, **k),
    "randn": lambda m, **k: m.randn(2, **k), "randint": lambda m, **k: m.randint(0, 5, (3,), **k),
    "randperm": lambda m, **k: m.randperm(4, **k),
    "normal": lambda m, **k: m.normal(0.0, 1.0, (2,), **k),
    "zeros_like": lambda m, **k: m.zeros_like(m.ones(2), **k),
    "ones_like": lambda m, **k: m.ones_like(m.ones(2), **k),
    "empty_like": lambda m, **k: m.empty_like(m.ones(2), **k),
    "full_like": lambda m, **k: m.full_like(m.ones(2), 3.0, **k),
    "rand_like": lambda m, **k: m.rand_like(m.ones(2), **k),
    "randn_like": lambda m, **k: m.randn_like(m.ones(2), **k),
    "randint_like": lambda m, **k: m.randint_like(m.ones(2), 5, **k),
    "as_tensor": lambda m, **k: m.as_tensor([1.0], **k),
}


def test_device_objects_as_torch(torch):
    for args in (("cpu",), ("cpu", 0), ("cpu:0",), ("cuda",), ("cuda:1",), ("mps",)):
        ours, theirs = gg.device(*args), torch.device(*args)
        assert (ours.type, ours.index) == (theirs.type, theirs.index)
        assert str(ours) == str(theirs)
        assert repr(ours) == repr(theirs)
    assert gg.device("cpu") == gg.device("cpu") and gg.device("cpu") != gg.device("cpu", 0)
    assert (gg.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")   # False in both
    assert gg.device("cpu").type == "cpu" and hash(gg.device("cpu")) == hash(gg.device("cpu"))
    assert gg.device(gg.device("cuda:1")) == gg.device("cuda", 1)
    assert pickle.loads(pickle.dumps(gg.device("cpu", 0))) == gg.device("cpu", 0)
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        gg.device("gpu")
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        torch.device("gpu")


def test_tensors_live_on_the_cpu(torch):
    x = gg.zeros(2)
    assert x.device == gg.device("cpu") and str(x.device) == str(torch.zeros(2).device)
    assert x.device.type == "cpu" and x.is_cuda is False and x.is_cpu is True
    assert (x.is_cuda, x.is_cpu) == (torch.zeros(2).is_cuda, torch.zeros(2).is_cpu)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_takes_the_cpu_and_refuses_other_devices(name, torch):
    make = FACTORIES[name]
    for device in (None, "cpu", "cpu:0", gg.device("cpu")):
        ours = make(gg, device=device)
        theirs = make(torch, device=None if device is None else str(device))
        assert ours.shape == tuple(theirs.shape), name
        assert ours.dtype == theirs.numpy().dtype, name
    for device in ("cuda", "cuda:0", "mps", gg.device("cuda", 1), 0):
        with pytest.raises(RuntimeError, match="graphgrad computes with NumPy on the CPU only"):
            make(gg, device=device)


def test_cuda_accelerator_and_mps_say_no(torch):
    assert gg.cuda.is_available() is False and gg.cuda.device_count() == 0
    assert gg.accelerator.is_available() is False and gg.accelerator.current_accelerator() is None
    assert gg.accelerator.device_count() == 0
    assert gg.backends.mps.is_available() is False and gg.backends.mps.is_built() is False
    gg.cuda.manual_seed(0)
    gg.cuda.manual_seed_all(0)                      # harmless, as in PyTorch without CUDA
    device = "cuda" if gg.cuda.is_available() else "cpu"
    assert gg.ones(2, device=device).device == gg.device("cpu")
    # what PyTorch answers on this machine (a CPU build)
    assert torch.cuda.is_available() == gg.cuda.is_available()
    assert torch.backends.mps.is_available() == gg.backends.mps.is_available()


def test_dtype_names_are_torchs(torch):
    names = ("float", "double", "half", "long", "int", "short", "bool", "uint8", "int8",
             "int16", "int32", "int64", "float16", "float32", "float64")
    for name in names:
        ours = gg.tensor([1, 0], dtype=getattr(gg, name))
        theirs = torch.tensor([1, 0], dtype=getattr(torch, name))
        assert ours.dtype == theirs.numpy().dtype, name
        assert gg.zeros(2, dtype=getattr(gg, name)).dtype == theirs.numpy().dtype, name
    assert not hasattr(gg, "bfloat16")           # NumPy has no bfloat16
    assert gg.tensor([1, 2], dtype=gg.long).dtype == np.int64
    assert "float" not in gg.__all__ and "double" in gg.__all__


def test_empty_and_empty_like(torch):
    assert gg.empty(2, 3).shape == tuple(torch.empty(2, 3).shape)
    assert gg.empty((2,)).dtype == torch.empty((2,)).numpy().dtype == np.float32
    x = gg.ones(2, dtype=gg.float64)
    assert gg.empty_like(x).dtype == np.float64 and gg.empty_like(x).shape == (2,)
    assert gg.empty(2, requires_grad=True).requires_grad


def test_inference_mode_records_nothing(torch):
    x = gg.ones(2, requires_grad=True)
    xt = torch.ones(2, requires_grad=True)
    with gg.inference_mode():
        assert not (x * 2).requires_grad and not gg.is_grad_enabled()
    with torch.inference_mode():
        assert not (xt * 2).requires_grad
    with gg.inference_mode(False):
        assert (x * 2).requires_grad
    assert gg.is_grad_enabled()

    @gg.inference_mode()
    def called(v):
        return v * 2

    @gg.inference_mode
    def bare(v):
        return v * 2

    assert not called(x).requires_grad and not bare(x).requires_grad
    with gg.no_grad(), gg.inference_mode(False):
        assert (x * 2).requires_grad                  # inference_mode(False) records again
    with torch.no_grad(), torch.inference_mode(False):
        assert (xt * 2).requires_grad
