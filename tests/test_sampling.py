"""Random sampling with PyTorch's signatures: randint's overloads, randperm, multinomial,
bernoulli, normal's four overloads, the *_like samplers and generators. The streams are NumPy's,
so shapes, dtypes, errors and distributions are compared with PyTorch, not the draws."""
import numpy as np
import pytest

import graphgrad as gg


def _dtype(t):
    return t.detach().numpy().dtype if hasattr(t, "detach") else t.dtype


def test_randint_overloads(torch):
    calls = [lambda m: m.randint(5, (3,)), lambda m: m.randint(2, 5, (2, 3)),
             lambda m: m.randint(low=0, high=5, size=(3,)), lambda m: m.randint(3, 9, size=(4,)),
             lambda m: m.randint(5, size=(2,)), lambda m: m.randint(0, 5, (3,), dtype=m.int32)]
    for call in calls:
        ours, theirs = call(gg), call(torch)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == _dtype(theirs)
    draws = gg.randint(2, 5, (10_000,)).numpy()
    assert draws.min() == 2 and draws.max() == 4
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to'"):
            lib.randint(5, 5, (2,))


def test_randperm_multinomial_bernoulli(torch):
    p = gg.randperm(6)
    assert sorted(p.tolist()) == list(range(6)) and p.dtype == _dtype(torch.randperm(6))
    weights = [0.1, 0.0, 0.9]
    m = gg.multinomial(gg.tensor(weights), 1000, replacement=True)
    mt = torch.multinomial(torch.tensor(weights), 1000, replacement=True)
    assert m.shape == tuple(mt.shape) and m.dtype == _dtype(mt)
    assert 1 not in m.tolist() and abs(np.mean(m.numpy() == 2) - 0.9) < 0.05
    rows = gg.multinomial(gg.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]), 2)
    assert rows.shape == (2, 2) and sorted(rows[0].tolist()) == [0, 1]
    assert sorted(rows[1].tolist()) == [1, 2]
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
            lib.multinomial(lib.tensor([0.1, 0.9]), 4)
    probs = np.array([0.0, 1.0, 0.3], np.float32)
    b, bt = gg.bernoulli(gg.tensor(probs)), torch.bernoulli(torch.tensor(probs))
    assert b.shape == tuple(bt.shape) and b.dtype == _dtype(bt)
    assert b.tolist()[:2] == [0.0, 1.0]
    assert abs(gg.bernoulli(gg.full((10_000,), 0.3)).numpy().mean() - 0.3) < 0.02


def test_normal_overloads(torch):
    cases = [lambda m: m.normal(2.0, 3.0, size=(2,)), lambda m: m.normal(m.zeros(2), 1.0),
             lambda m: m.normal(0.0, m.ones(3)), lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
             lambda m: m.normal(m.zeros(2, dtype=m.float64), m.ones(2, dtype=m.float64))]
    for call in cases:
        ours, theirs = call(gg), call(torch)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == _dtype(theirs)
    draws = gg.normal(2.0, 3.0, (200_000,)).numpy()
    assert abs(draws.mean() - 2.0) < 0.05 and abs(draws.std() - 3.0) < 0.05
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
            lib.normal(lib.zeros(2), -lib.ones(2))


def test_samples_carry_zero_gradient_to_their_parameters(torch):
    """As PyTorch: normal and bernoulli stay in the graph, with zero derivative."""
    for lib in (gg, torch):
        mean = lib.zeros(3, requires_grad=True)
        std = lib.ones(3, requires_grad=True)
        lib.normal(mean, std).sum().backward()
        assert mean.grad.tolist() == std.grad.tolist() == [0.0, 0.0, 0.0]
        p = lib.full((2,), 0.5, requires_grad=True)
        lib.bernoulli(p).sum().backward()
        assert p.grad.tolist() == [0.0, 0.0]


def test_like_samplers(torch):
    x = np.zeros((2, 3), np.float64)
    for name, args in (("rand_like", ()), ("randn_like", ()), ("randint_like", (5,)),
                       ("randint_like", (2, 5))):
        ours = getattr(gg, name)(gg.tensor(x), *args)
        theirs = getattr(torch, name)(torch.tensor(x), *args)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == _dtype(theirs), name
    assert gg.randint_like(gg.zeros(1000), 2, 5).numpy().min() >= 2
    assert gg.rand_like(gg.zeros(2), dtype=gg.float64).dtype == np.float64
    for lib in (gg, torch):
        with pytest.raises(NotImplementedError, match="check_uniform_bounds"):
            lib.rand_like(lib.zeros(2, dtype=lib.int64))


def test_generators_and_seeds(torch):
    g = gg.manual_seed(5)
    assert isinstance(g, gg.Generator) and isinstance(torch.manual_seed(5), torch.Generator)
    a = gg.randn(3)
    gg.manual_seed(5)
    assert gg.randn(3).tolist() == a.tolist()
    assert gg.initial_seed() == torch.initial_seed() == 5
    g1 = gg.Generator().manual_seed(11)
    g2 = gg.Generator(device="cpu").manual_seed(11)
    assert gg.randperm(10, generator=g1).tolist() == gg.randperm(10, generator=g2).tolist()
    assert g1.initial_seed() == torch.Generator().manual_seed(11).initial_seed() == 11
    assert g1.device == gg.device("cpu")
    fresh = gg.Generator()
    assert fresh.seed() == fresh.initial_seed()
    with pytest.raises(RuntimeError, match="CPU"):
        gg.Generator(device="cuda")
