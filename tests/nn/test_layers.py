"""Layers against PyTorch (weights copied over), PyTorch's default initialisation, nn.init,
dropout, shape layers and gradient clipping."""
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F


@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias, torch, both):
    layer = nn.Linear(3, 2, bias=bias, dtype=gg.float64, generator=0)
    reference = torch.nn.Linear(3, 2, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.detach().numpy()))
        if bias:
            reference.bias.copy_(torch.tensor(layer.bias.detach().numpy()))
    xg, xt = both.leaf(np.random.default_rng(1).normal(size=shape))
    g = np.random.default_rng(2).normal(size=shape[:-1] + (2,))
    out, expected = layer(xg), reference(xt)
    both.assert_same(out, expected, rtol=1e-14)
    both.backward(out, expected, g)
    both.assert_same_grads([xg, layer.weight] + ([layer.bias] if bias else []),
                           [xt, reference.weight] + ([reference.bias] if bias else []), rtol=1e-13)


@pytest.mark.parametrize("order", ["F", "C"])
def test_linear_weight_gradient_is_laid_out_like_the_weight(order):
    """The gradient comes back in W's own layout (and equals gᵀx) whichever layout W has, as
    PyTorch lays out a parameter's .grad."""
    rng = np.random.default_rng(0)
    weight = gg.tensor(np.asarray(rng.normal(size=(3, 4)), order=order), requires_grad=True)
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    F.linear(gg.tensor(x), weight).backward(g)
    flag = "F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"
    assert weight.grad.detach().numpy().flags[flag]
    np.testing.assert_allclose(weight.grad.detach().numpy(), g.T @ x, rtol=1e-14)


def test_linear_weight_is_laid_out_as_pytorchs(torch):
    """nn.Linear's W is row-major (out, in), as PyTorch's: contiguous, its strides, and a view
    of it works (parameters_to_vector and user code call w.view(-1))."""
    layer, reference = nn.Linear(4, 3), torch.nn.Linear(4, 3)
    assert layer.weight.is_contiguous() and reference.weight.is_contiguous()
    assert layer.weight.stride() == reference.weight.stride() == (4, 1)
    assert layer.weight.view(-1).shape == (12,)
    layer(gg.ones(2, 4)).sum().backward()
    assert layer.weight.grad.stride() == reference.weight.stride()


def test_linear_shape_error_names_the_operation():
    with pytest.raises(ValueError, match="linear"):
        nn.Linear(3, 2)(gg.zeros(4, 5))


def test_linear_initialisation_follows_pytorch(torch):
    """W, b ~ U(±1/√in): the bounds, the spread of a uniform, and reproducibility by seed."""
    layer = nn.Linear(400, 300, generator=5)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.std(w) == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert np.abs(w).max() > 0.99 * bound
    reference = torch.nn.Linear(400, 300)        # same law: compare the spreads
    assert np.std(w) == pytest.approx(reference.weight.detach().numpy().std(), rel=0.02)
    np.testing.assert_array_equal(nn.Linear(400, 300, generator=5).weight.detach().numpy(), w)
    gg.manual_seed(3)
    first = nn.Linear(4, 4).weight.detach().numpy().copy()
    gg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.detach().numpy(), first)
    assert not np.array_equal(nn.Linear(4, 4).weight.detach().numpy(), first)


def test_init_functions(torch):
    w = nn.Parameter(np.empty((200, 300), np.float32))
    for name in ("relu", "tanh", "sigmoid", "linear", "selu"):
        assert nn.init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2))
    nn.init.xavier_uniform_(w, gain=2.0, generator=0)
    assert np.abs(w.detach().numpy()).max() <= 2.0 * math.sqrt(6 / 500)
    assert w.detach().numpy().std() == pytest.approx(2.0 * math.sqrt(2 / 500), rel=0.02)
    nn.init.xavier_normal_(w, generator=0)
    assert w.detach().numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=0)
    assert np.abs(w.detach().numpy()).max() <= math.sqrt(6 / 300)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=0)
    assert w.detach().numpy().std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    nn.init.glorot_uniform_(w, generator=gg.Generator(1))
    nn.init.constant_(w, 0.25)
    assert np.all(w.detach().numpy() == 0.25)
    nn.init.zeros_(w)
    assert not w.detach().numpy().any()
    nn.init.ones_(w)
    assert np.all(w.detach().numpy() == 1)
    square = nn.Parameter(np.empty((3, 3)))
    np.testing.assert_array_equal(nn.init.eye_(square).detach().numpy(), np.eye(3))
    nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5, generator=0)
    assert np.abs(w.detach().numpy()).max() <= 0.5
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(np.empty(3)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.init.calculate_gain("swishy")


def test_embedding_matches_torch_including_padding(torch, both):
    layer = nn.Embedding(6, 3, padding_idx=2, dtype=gg.float64, generator=0)
    assert np.all(layer.weight.detach().numpy()[2] == 0)
    reference = torch.nn.Embedding(6, 3, padding_idx=2, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.detach().numpy()))
    index = np.array([[0, 2, 5], [5, 5, 1]])
    out, expected = layer(index), reference(torch.tensor(index))
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    both.backward(out, expected, np.random.default_rng(0).normal(size=(2, 3, 3)))
    both.assert_same_grads([layer.weight], [reference.weight], rtol=1e-14)
    with pytest.raises(IndexError, match="\\[0, 6\\)"):
        layer(np.array([6]))
    with pytest.raises(TypeError, match="integers"):
        layer(np.array([1.0]))


def test_one_hot_matches_torch(torch):
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(labels, 5).detach().numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(labels),
                                                              5).detach().numpy())
    assert F.one_hot(np.array([1, 3])).shape == (2, 4)


def test_dropout():
    x = gg.ones(200, 500)
    drop = nn.Dropout(0.3, generator=0)
    y = drop(x).detach().numpy()
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(nn.Dropout(0.3, generator=0)(x).detach().numpy(), y)
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).detach().numpy().any()
    w = gg.tensor(np.ones(10), requires_grad=True)
    out = F.dropout(w, 0.5, generator=1)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.detach().numpy(),
                                  out.detach().numpy())      # d(x·mask)/dx = mask
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        nn.Dropout(1.5)


def test_flatten_unflatten_identity():
    x = gg.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(1, (2, 6))(nn.Flatten()(x)).shape == (2, 2, 6)
    with pytest.raises(ValueError, match="Unflatten"):
        nn.Unflatten(1, (5, 5))(nn.Flatten()(x))
    assert nn.Identity(54, unused="x")(x) is x


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type, torch, both):
    rng = np.random.default_rng(0)
    ours, theirs = both.leaves(rng.normal(size=(3, 4)), rng.normal(size=5))
    for p, q in zip(ours, theirs):
        (p * p * 3).sum().backward()
        (q * q * 3).sum().backward()
    total = nn.utils.clip_grad_norm_(ours, 1.5, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    both.assert_same_grads(ours, theirs, rtol=1e-12)
    nn.utils.clip_grad_norm_(ours, 1e9, norm_type)         # below the limit: unchanged
    both.assert_same_grads(ours, theirs, rtol=1e-12)


def test_clip_grad_value_and_vectors():
    p = gg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (p * p).sum().backward()
    nn.utils.clip_grad_value_([p], 3.0)
    np.testing.assert_array_equal(p.grad.detach().numpy(), [2.0, -3.0, 3.0])
    layer = nn.Linear(2, 3)
    vector = nn.utils.parameters_to_vector(layer.parameters())
    assert vector.shape == (9,)
    nn.utils.vector_to_parameters(np.arange(9.0), layer.parameters())
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), [6.0, 7.0, 8.0])
    with pytest.raises(RuntimeError, match="nonfinite|norm"):
        q = gg.tensor(np.array([np.inf]), requires_grad=True)
        q.grad = gg.tensor(np.array([np.inf]))
        nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)),
                                              ((2, 3, 4), 4), ((6,), (6,))])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_matches_torch(shape, normalized, affine, bias, dtype, torch, both):
    layer = nn.LayerNorm(normalized, eps=1e-4, elementwise_affine=affine, bias=bias, dtype=dtype)
    reference = torch.nn.LayerNorm(normalized, eps=1e-4, elementwise_affine=affine, bias=bias,
                                   dtype=getattr(torch, np.dtype(dtype).name))
    rng = np.random.default_rng(0)
    with gg.no_grad(), torch.no_grad():
        for ours, theirs in zip(layer.parameters(), reference.parameters()):
            ours.array[...] = rng.normal(size=ours.shape)
            theirs.copy_(torch.tensor(ours.detach().numpy()))
    x = (rng.normal(size=shape) * 50 + 7).astype(dtype)       # far from standardised
    g = rng.normal(size=shape).astype(dtype)
    xg, xt = both.leaf(x)
    out, expected = layer(xg), reference(xt)
    both.backward(out, expected, g)
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    both.assert_same(out, expected, **tol)
    both.assert_same_grads([xg, *layer.parameters()], [xt, *reference.parameters()], **tol)
    assert [n for n, _ in layer.named_parameters()] == [n for n, _ in reference.named_parameters()]


def test_layer_norm_second_derivative_matches_torch(torch):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=4)
    v = rng.normal(size=(3, 4))
    xg = gg.tensor(x, requires_grad=True)
    (gx,) = gg.gradients((F.layer_norm(xg, (4,), gg.tensor(w), gg.tensor(b)) ** 3).sum(), [xg],
                         create_graph=True)
    (hv,) = gg.gradients((gx * gg.tensor(v)).sum(), [xg])
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad((torch.nn.functional.layer_norm(
        xt, (4,), torch.tensor(w), torch.tensor(b)) ** 3).sum(), xt, create_graph=True)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    np.testing.assert_allclose(hv.detach().numpy(), ht.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_layer_norm_shape_errors_name_the_shapes():
    with pytest.raises(gg.ShapeError, match=r"layer_norm: normalized_shape \(3,\).*\(2, 4\)"):
        F.layer_norm(gg.zeros(2, 4), (3,))
    with pytest.raises(gg.ShapeError, match=r"layer_norm: weight of shape \(3,\)"):
        F.layer_norm(gg.zeros(2, 4), 4, weight=gg.ones(3))


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batch_norm_matches_torch_in_training_and_evaluation(shape, momentum, affine, track,
                                                             torch, both):
    """Three training steps (outputs, input and parameter gradients, running statistics, the
    batch counter), then eval mode, against torch.nn.BatchNorm1d with the same parameters."""
    options = dict(momentum=momentum, affine=affine, track_running_stats=track)
    layer = nn.BatchNorm1d(3, dtype=gg.float64, **options)
    reference = torch.nn.BatchNorm1d(3, dtype=torch.float64, **options)
    rng = np.random.default_rng(0)
    with gg.no_grad(), torch.no_grad():
        for ours, theirs in zip(layer.parameters(), reference.parameters()):
            ours.array[...] = rng.normal(size=ours.shape)
            theirs.copy_(torch.tensor(ours.detach().numpy()))
    assert list(layer.state_dict()) == list(reference.state_dict())
    for step in range(4):
        if step == 3:
            layer.eval()
            reference.eval()
        x, g = rng.normal(size=shape) * 3 + 1, rng.normal(size=shape)
        xg, xt = both.leaf(x)
        out, expected = layer(xg), reference(xt)
        both.backward(out, expected, g)
        both.assert_same(out, expected, rtol=1e-12, atol=1e-13)
        both.assert_same_grads([xg], [xt], rtol=1e-12, atol=1e-13)
        both.assert_same_grads(list(layer.parameters()), list(reference.parameters()), rtol=1e-12)
        for (name, ours), theirs in zip(layer.state_dict().items(),
                                         reference.state_dict().values()):
            np.testing.assert_allclose(np.asarray(ours.detach().numpy(), float),
                                       theirs.detach().numpy(),
                                       rtol=1e-12, atol=1e-15, err_msg=name)


def test_batch_norm_refuses_what_it_cannot_normalise():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(gg.ShapeError, match=r"batch_norm: running_mean of shape \(3,\).*4 chan"):
        layer(gg.zeros(5, 4))
    with pytest.raises(gg.ShapeError, match=r"\(N, C\) or \(N, C, L\)"):
        layer(gg.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(gg.zeros(1, 3))
    with pytest.raises(TypeError, match="must be tensors"):
        F.batch_norm(gg.zeros(4, 3), np.zeros(3), np.ones(3), training=True)
    layer.eval()
    assert layer(gg.ones(1, 3)).shape == (1, 3)           # one sample is fine in eval mode


def test_batch_norm_state_survives_save_and_load(tmp_path):
    layer = nn.BatchNorm1d(4)
    for _ in range(3):
        layer(gg.tensor(np.random.default_rng(1).normal(size=(16, 4)).astype(np.float32)))
    gg.save(layer.state_dict(), tmp_path / "bn.npz")
    copy = nn.BatchNorm1d(4)
    copy.load_state_dict(gg.load(tmp_path / "bn.npz"))
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(copy.state_dict()[key].detach().numpy(),
                                      value.detach().numpy())
    assert copy.num_batches_tracked.item() == 3
