"""normalize, cosine_similarity, pairwise_distance (and their modules), one_hot and embedding's
max_norm against torch.nn.functional: values and gradients, zero vectors included, and the
errors PyTorch raises."""
import inspect

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F


def _rows(seed=0, tiny=True):
    """(4, 3) rows: a zero vector, one of tiny norm (or an ordinary one), and two ordinary
    ones."""
    x = np.random.default_rng(seed).normal(size=(4, 3))
    x[0] = 0.0
    if tiny:
        x[1] = [1e-14, -2e-14, 0.0]
    return x


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("dim", [1, 0, -1])
def test_normalize_matches_torch_with_zero_vectors(p, dim, torch, both):
    xt, xr = both.leaf(_rows())
    yt, yr = F.normalize(xt, p, dim), torch.nn.functional.normalize(xr, p, dim)
    weights = np.arange(12.0).reshape(4, 3)
    both.backward(yt, yr, weights)
    both.assert_same(yt.detach(), yr, rtol=1e-13, atol=1e-15)
    both.assert_same_grads([xt], [xr], rtol=1e-10, atol=1e-8)
    if dim != 0:                                      # the zero row: ∂/∂x = 1/ε, as PyTorch
        np.testing.assert_allclose(xt.grad.numpy()[0], weights[0] / 1e-12, rtol=1e-12)


def test_normalize_defaults_and_float32(torch, both):
    x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
    xt, xr = both.leaf(x)
    yt = F.normalize(xt)
    assert yt.dtype == gg.float32
    both.backward(yt, torch.nn.functional.normalize(xr), np.ones(x.shape, np.float32))
    both.assert_same(yt.detach(), torch.nn.functional.normalize(xr), rtol=1e-6)
    both.assert_same_grads([xt], [xr], rtol=1e-5, atol=1e-6)
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.normalize(gg.ones(3), dim=3)


@pytest.mark.parametrize("shapes,dim", [(((4, 3), (4, 3)), 1), (((4, 3), (3,)), -1),
                                        (((4, 3), (4, 3)), 0), (((2, 4, 3), (4, 1)), 1),
                                        (((3,), (3,)), 0)])
def test_cosine_similarity_matches_torch(shapes, dim, torch, both):
    # no row of norm in (0, ε): there PyTorch clamps the norm outside the graph, so that its
    # gradient is not the derivative of the clamped value it returns; graphgrad's is
    a = _rows(2, tiny=False)[:shapes[0][-2]] if len(shapes[0]) > 1 else np.array([0.5, -1, 2])
    a = np.broadcast_to(a, shapes[0]).copy()
    b = np.random.default_rng(3).normal(size=shapes[1])
    (at, bt), (ar, br) = both.leaves(a, b)
    yt, yr = F.cosine_similarity(at, bt, dim), torch.nn.functional.cosine_similarity(ar, br, dim)
    assert yt.shape == tuple(yr.shape)
    both.backward(yt, yr, np.random.default_rng(4).normal(size=yt.shape))
    both.assert_same(yt.detach(), yr, rtol=1e-12, atol=1e-15)
    both.assert_same_grads([at, bt], [ar, br], rtol=1e-9, atol=1e-9)


def test_cosine_similarity_of_a_zero_vector_has_torchs_gradient(torch, both):
    """x1 = 0: the similarity is 0 and ∂/∂x1 = x2 / (ε ‖x2‖), as PyTorch."""
    (at, bt), (ar, br) = both.leaves(np.zeros((1, 3)), np.array([[1.0, 2.0, 2.0]]))
    yt, yr = F.cosine_similarity(at, bt), torch.nn.functional.cosine_similarity(ar, br)
    both.backward(yt, yr, np.ones(1))
    assert yt.detach().numpy().tolist() == [0.0]
    both.assert_same_grads([at, bt], [ar, br], rtol=1e-12)
    np.testing.assert_allclose(at.grad.numpy(), [[1 / 3e-8, 2 / 3e-8, 2 / 3e-8]], rtol=1e-12)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("eps", [1e-6, 0.0])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_torch_with_equal_rows(p, eps, keepdim, torch, both):
    a = _rows(5)
    b = a.copy()
    b[2:] = np.random.default_rng(6).normal(size=(2, 3))   # rows 0 and 1 equal in both
    b[3, 1] = a[3, 1]                                     # a zero component (|x|^(p−1) at 0)
    (at, bt), (ar, br) = both.leaves(a, b)
    yt = F.pairwise_distance(at, bt, p, eps, keepdim)
    yr = torch.nn.functional.pairwise_distance(ar, br, p, eps, keepdim)
    assert yt.shape == tuple(yr.shape)
    both.backward(yt, yr, np.ones(yt.shape))
    both.assert_same(yt.detach(), yr, rtol=1e-12, atol=1e-15)
    both.assert_same_grads([at, bt], [ar, br], rtol=1e-9, atol=1e-12)


def test_pairwise_distance_broadcasts_and_modules_match_torch(torch, both):
    (at, bt), (ar, br) = both.leaves(np.random.default_rng(7).normal(size=(5, 4)),
                                     np.random.default_rng(8).normal(size=(4,)))
    both.assert_same(nn.PairwiseDistance()(at, bt).detach(),
                     torch.nn.PairwiseDistance()(ar, br), rtol=1e-12)
    both.assert_same(nn.PairwiseDistance(1.0, 0.0, True)(at, bt).detach(),
                     torch.nn.PairwiseDistance(1.0, 0.0, True)(ar, br), rtol=1e-12)
    both.assert_same(nn.CosineSimilarity(dim=-1)(at, bt).detach(),
                     torch.nn.CosineSimilarity(dim=-1)(ar, br), rtol=1e-12)
    assert repr(nn.CosineSimilarity()) == repr(torch.nn.CosineSimilarity()) == \
        "CosineSimilarity()"
    assert repr(nn.PairwiseDistance()) == repr(torch.nn.PairwiseDistance())
    vector = F.pairwise_distance(gg.ones(3), gg.zeros(3))
    assert vector.shape == () and float(vector) == pytest.approx(np.sqrt(3) * (1 + 1e-6))


def test_signatures_follow_torch(torch):
    for name in ("normalize", "embedding"):
        ours = list(inspect.signature(getattr(F, name)).parameters.items())
        theirs = list(inspect.signature(getattr(torch.nn.functional, name)).parameters.items())
        ours = [(k, v.default) for k, v in ours]
        theirs = [(k, v.default) for k, v in theirs if k != "out"]
        assert ours == theirs, name
    for name, defaults in (("CosineSimilarity", [("dim", 1), ("eps", 1e-8)]),
                           ("PairwiseDistance", [("p", 2.0), ("eps", 1e-6), ("keepdim", False)])):
        ours = [(k, v.default) for k, v in
                inspect.signature(getattr(nn, name).__init__).parameters.items() if k != "self"]
        assert ours == defaults


def test_one_hot_is_int64_and_raises_as_torch(torch):
    labels = np.array([[0, 3], [2, 1]])
    out = F.one_hot(labels)
    expected = torch.nn.functional.one_hot(torch.tensor(labels))
    assert out.dtype == gg.int64 and out.shape == tuple(expected.shape) == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert F.one_hot(np.zeros(0, np.int64), 3).shape == (0, 3)
    assert F.one_hot(np.array(2)).shape == (3,)
    for bad, message in ((lambda: F.one_hot(np.array([1.0, 2.0])), "index tensor"),
                         (lambda: F.one_hot(np.array([1, 5]), 3), "smaller than num_classes"),
                         (lambda: F.one_hot(np.array([-1, 2])), "non-negative"),
                         (lambda: F.one_hot(np.zeros(0, np.int64)), "empty")):
        with pytest.raises(RuntimeError, match=message):
            bad()
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        torch.nn.functional.one_hot(torch.tensor([1, 5]), 3)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
def test_embedding_max_norm_renormalises_rows_in_place_as_torch(norm_type, torch, both):
    weight = np.random.default_rng(9).normal(scale=2.0, size=(6, 3))
    weight[4] = [0.1, 0.0, 0.0]                    # under max_norm: left alone
    index = np.array([[0, 4, 5], [5, 5, 1]])
    wt, wr = both.leaf(weight)
    version = wt._version
    yt = F.embedding(index, wt, max_norm=1.5, norm_type=norm_type)
    yr = torch.nn.functional.embedding(torch.tensor(index), wr, max_norm=1.5,
                                       norm_type=norm_type)
    both.assert_same(yt.detach(), yr, rtol=1e-12)
    both.assert_same(wt.detach(), wr, rtol=1e-12)            # rows 0, 1, 5 scaled in place
    np.testing.assert_array_equal(wt.detach().numpy()[[2, 3]], weight[[2, 3]])
    assert wt._version > version
    both.backward(yt, yr, np.ones((2, 3, 3)))
    both.assert_same_grads([wt], [wr], rtol=1e-12)


def test_embedding_module_options_and_from_pretrained(torch):
    layer = nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0)
    reference = torch.nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0)
    assert layer.padding_idx == reference.padding_idx == 9
    assert repr(layer) == repr(reference)
    assert repr(nn.Embedding(4, 2, norm_type=1.0, sparse=True)) == \
        repr(torch.nn.Embedding(4, 2, norm_type=1.0, sparse=True))
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(gg.tensor(table))
    assert not frozen.weight.requires_grad and frozen.weight.shape == (3, 2)
    np.testing.assert_array_equal(frozen(np.array([2, 0])).numpy(), table[[2, 0]])
    assert nn.Embedding.from_pretrained(gg.tensor(table), freeze=False).weight.requires_grad
    given = nn.Embedding(3, 2, _weight=gg.tensor(table), _freeze=True)
    assert not given.weight.requires_grad
    with pytest.raises(ValueError, match="does not match"):
        nn.Embedding(4, 2, _weight=gg.tensor(table))
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(gg.ones(3))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(ValueError, match="scale_grad_by_freq"):
        nn.Embedding(3, 2, scale_grad_by_freq=True)
    x = np.array([0, 2, 0])
    sparse = nn.Embedding(3, 2, sparse=True, generator=0)
    dense = nn.Embedding(3, 2, generator=0)
    sparse(x).sum().backward()
    dense(x).sum().backward()
    np.testing.assert_array_equal(sparse.weight.grad.numpy(), dense.weight.grad.numpy())
