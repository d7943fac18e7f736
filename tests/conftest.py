import numpy as np
import pytest

import graphgrad as gg

TORCH_REASON = "PyTorch is the oracle for this test: pip install torch==2.13.0"


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seeded():
    gg.manual_seed(0)
    yield


# ------------------------------------------------------------------------------ PyTorch
# PyTorch is an optional oracle. A test that compares against it asks for one of the fixtures
# below and is skipped, alone, where torch cannot be imported; every other test of its module
# still runs. So no test module may import torch at import time (parametrize lists and
# helpers take torch, or torch.nn.functional, as an argument instead).
@pytest.fixture(scope="session")
def torch():
    """The torch module, or a skip of the requesting test where it cannot be imported (not
    installed, or installed but broken: any ImportError, which pytest.importorskip only
    skips from pytest 8.2 on, with exc_type=)."""
    try:
        import torch as module
    except ImportError as error:
        pytest.skip(f"{TORCH_REASON} ({error})")
    module.set_num_threads(2)          # small operations: threads cost more than they give
    return module


@pytest.fixture(scope="session")
def TF(torch):
    """torch.nn.functional."""
    return torch.nn.functional


class SameLeaves:
    """The same data as graphgrad and PyTorch leaves, and the comparison of what comes out of
    both frameworks: values, and gradients after a backward pass with the same seed."""

    def __init__(self, torch):
        self.torch = torch

    def leaves(self, *arrays, dtype=None, requires_grad=True):
        """([graphgrad tensors], [torch tensors]) holding copies of the same arrays; dtype (a
        NumPy dtype) converts both, None keeps each array's own; requires_grad is one flag for
        all or one per array."""
        flags = [requires_grad] * len(arrays) if isinstance(requires_grad, bool) \
            else list(requires_grad)
        assert len(flags) == len(arrays), (len(flags), len(arrays))
        ours, theirs = [], []
        for array, flag in zip(arrays, flags):
            array = np.asarray(array) if dtype is None else np.asarray(array, dtype)
            ours.append(gg.tensor(array, requires_grad=flag))
            theirs.append(self.torch.tensor(array, requires_grad=flag))
        return ours, theirs

    def leaf(self, array, dtype=None, requires_grad=True):
        """(graphgrad tensor, torch tensor) holding copies of the same array."""
        (ours,), (theirs,) = self.leaves(array, dtype=dtype, requires_grad=requires_grad)
        return ours, theirs

    def backward(self, ours, theirs, gradient):
        """Backward from both outputs with the same seed gradient (an array)."""
        ours.backward(gradient)
        theirs.backward(self.torch.tensor(gradient))

    def numpy(self, value):
        """A graphgrad tensor, a torch tensor (detached) or an array-like as an ndarray."""
        if isinstance(value, gg.Tensor):
            return value.detach().numpy()
        if isinstance(value, self.torch.Tensor):
            return value.detach().numpy()
        return np.asarray(value)

    def assert_same(self, ours, theirs, rtol, atol=0.0, err_msg=""):
        """np.testing.assert_allclose of each graphgrad value against its torch value: one
        pair, or two lists or tuples of the same length compared pairwise."""
        if isinstance(ours, (list, tuple)):
            assert isinstance(theirs, (list, tuple)) and len(ours) == len(theirs), \
                (len(ours), len(theirs))
            for i, (a, b) in enumerate(zip(ours, theirs)):
                self.assert_same(a, b, rtol, atol, f"{err_msg}[{i}]" if err_msg else f"[{i}]")
            return
        np.testing.assert_allclose(self.numpy(ours), self.numpy(theirs), rtol=rtol, atol=atol,
                                   err_msg=err_msg)

    def assert_same_grads(self, ours, theirs, rtol, atol=0.0, err_msg=""):
        """assert_same on the .grad of each graphgrad leaf and of its torch leaf."""
        assert len(ours) == len(theirs), (len(ours), len(theirs))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a.grad is not None and b.grad is not None, f"{err_msg} leaf {i}: no .grad"
            self.assert_same(a.grad, b.grad, rtol, atol, f"{err_msg} .grad of leaf {i}")


@pytest.fixture(scope="session")
def both(torch):
    """SameLeaves: the same leaves in graphgrad and PyTorch, and the comparisons."""
    return SameLeaves(torch)
