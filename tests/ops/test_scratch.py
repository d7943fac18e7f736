"""The scratch buffers of the convolutions: the column buffer and the GEMM outputs come back
from step to step for repeating shapes, never while someone still holds them (a retained
graph's residual, a view), and idle shapes are released."""
import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn.functional as F
from graphgrad.ops import scratch


@pytest.fixture(autouse=True)
def empty_pool():
    scratch.clear()
    yield
    scratch.clear()


def _pool_ids():
    return {id(a) for _, arrays in scratch._pool.values() for a in arrays}


def test_a_buffer_comes_back_only_when_nothing_holds_it():
    first = scratch.scratch((3, 4), np.float32)
    second = scratch.scratch((3, 4), np.float32)
    assert second is not first                          # first is still held
    view = first.reshape(12)
    del first
    third = scratch.scratch((3, 4), np.float32)
    assert third is not view.base and third is not second   # a view keeps it busy
    del view
    again = scratch.scratch((3, 4), np.float32)
    assert again is not second and again is not third     # the first one, free again
    assert scratch.scratch((3, 4), np.float64).dtype == np.float64


def test_training_steps_reuse_the_column_buffer():
    """After the first step, further steps with the same shapes allocate no new scratch."""
    model = gg.nn.Sequential(gg.nn.Conv2d(2, 4, 3, padding=1), gg.nn.ReLU(),
                             gg.nn.Conv2d(4, 3, 3, stride=2))
    x = gg.tensor(np.random.default_rng(0).normal(size=(5, 2, 9, 9)).astype(np.float32))

    def step():
        model.zero_grad()
        model(x).square().sum().backward()
        return [p.grad.numpy().copy() for p in model.parameters()]
    first = step()
    ids = _pool_ids()
    assert ids, "the convolutions use no scratch buffers"
    for _ in range(3):
        again = step()
    assert _pool_ids() == ids
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_a_retained_graph_keeps_its_columns(torch):
    """Two graphs alive at once: the second forward must not overwrite the first's columns,
    which its ∂L/∂W reads."""
    rng = np.random.default_rng(1)
    w = gg.tensor(rng.normal(size=(4, 3, 3, 3)), requires_grad=True)
    xa, xb = rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(2, 3, 6, 6))
    ya = F.conv2d(gg.tensor(xa), w, padding=1).sum()
    yb = F.conv2d(gg.tensor(xb), w, padding=1).sum()
    ya.backward(retain_graph=True)
    ga = w.grad.numpy().copy()
    w.grad = None
    yb.backward()
    gb = w.grad.numpy().copy()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    for x, ours in ((xa, ga), (xb, gb)):
        tw.grad = None
        torch.nn.functional.conv2d(torch.tensor(x), tw, padding=1).sum().backward()
        np.testing.assert_allclose(ours, tw.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_the_pool_keeps_at_most_its_limit(monkeypatch):
    """A buffer that would take the pool past LIMIT is handed out but not kept; idle ones
    of other shapes make room first."""
    monkeypatch.setattr(scratch, "LIMIT", 1000)
    small = scratch.scratch((100,), np.float32)                 # 400 bytes, kept
    del small
    big = scratch.scratch((200,), np.float32)                   # 800: the idle 400 go
    assert ((100,), np.dtype(np.float32)) not in scratch._pool and id(big) in _pool_ids()
    huge = scratch.scratch((300,), np.float32)                  # 1,200 > LIMIT: not kept
    assert id(huge) not in _pool_ids()
    assert sum(a.nbytes for _, arrays in scratch._pool.values() for a in arrays) <= 1000


def test_shapes_no_longer_asked_for_are_released():
    kept = scratch.scratch((7,), np.float32)
    del kept
    for i in range(scratch.STALE + 2):
        scratch.scratch((i + 8,), np.float32)
    assert ((7,), np.dtype(np.float32)) not in scratch._pool
    assert len(_pool_ids()) <= scratch.STALE + 2
