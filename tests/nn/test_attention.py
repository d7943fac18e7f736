"""Attention: scaled dot-product and multi-head attention against PyTorch (weights copied),
and 000's attention over the training samples on a small non-linear regression."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F


def _normal(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_scaled_dot_product_attention_matches_torch(mask, torch, TF, both):
    (q, k, v), (qt, kt, vt) = both.leaves(_normal((2, 3, 4, 8), 0), _normal((2, 3, 6, 8), 1),
                                          _normal((2, 3, 6, 5), 2))
    options, reference = {}, {}
    if mask == "bool":
        allowed = np.random.default_rng(3).uniform(size=(4, 6)) > 0.3
        allowed[:, 0] = True
        options["attn_mask"], reference["attn_mask"] = allowed, torch.tensor(allowed)
    elif mask == "float":
        bias = np.random.default_rng(4).normal(size=(2, 1, 4, 6))
        options["attn_mask"], reference["attn_mask"] = bias, torch.tensor(bias)
    elif mask == "causal":
        options["is_causal"] = reference["is_causal"] = True
    out = F.scaled_dot_product_attention(q, k, v, scale=0.3, **options)
    expected = TF.scaled_dot_product_attention(qt, kt, vt, scale=0.3, **reference)
    both.assert_same(out, expected, rtol=1e-12, atol=1e-14)
    both.backward(out, expected, np.random.default_rng(5).normal(size=out.shape))
    both.assert_same_grads([q, k, v], [qt, kt, vt], rtol=1e-11, atol=1e-13)
    both.assert_same(F.scaled_dot_product_attention(q, k, v),
                     TF.scaled_dot_product_attention(qt, kt, vt), rtol=1e-12)


def _copy_weights(torch, ours, theirs):
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.tensor(dict(ours.named_parameters())[name].detach().numpy()))


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("cross", [False, True])
def test_multihead_attention_matches_torch(batch_first, cross, torch, both):
    kdim = 5 if cross else None
    ours = nn.MultiheadAttention(8, 2, kdim=kdim, vdim=kdim, batch_first=batch_first,
                                 dtype=gg.float64, generator=0)
    theirs = torch.nn.MultiheadAttention(8, 2, kdim=kdim, vdim=kdim, batch_first=batch_first,
                                         dtype=torch.float64)
    assert sorted(n for n, _ in ours.named_parameters()) == sorted(
        n for n, _ in theirs.named_parameters())
    _copy_weights(torch, ours, theirs)
    shape = (3, 4, 8) if batch_first else (4, 3, 8)
    source = (3, 6, kdim or 8) if batch_first else (6, 3, kdim or 8)
    x, xt = both.leaf(_normal(shape, 1))
    m, mt = both.leaf(_normal(source, 2)) if cross else (x, xt)
    padding = np.zeros((3, 6 if cross else 4), bool)
    padding[0, -1] = padding[2, -2:] = True
    attn_mask = np.random.default_rng(3).uniform(size=(4, 6 if cross else 4)) > 0.7
    attn_mask[:, 0] = False
    for kwargs in ({}, {"key_padding_mask": padding, "attn_mask": attn_mask},
                   {"average_attn_weights": False}):
        torch_kwargs = {k: torch.tensor(v) for k, v in kwargs.items()
                        if k != "average_attn_weights"}
        if "average_attn_weights" in kwargs:
            torch_kwargs["average_attn_weights"] = False
        out, weights = ours(x, m, m, **kwargs)
        expected, expected_weights = theirs(xt, mt, mt, **torch_kwargs)
        both.assert_same([out, weights], [expected, expected_weights], rtol=1e-11, atol=1e-13)
    both.backward(out, expected, np.random.default_rng(6).normal(size=out.shape))
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        both.assert_same(p.grad, grads[name].grad, rtol=1e-10, atol=1e-12, err_msg=name)
    both.assert_same_grads([x], [xt], rtol=1e-10, atol=1e-12)


def test_multihead_attention_unbatched_causal_and_initialisation(torch, both):
    ours = nn.MultiheadAttention(6, 3, dtype=gg.float64, generator=1)
    theirs = torch.nn.MultiheadAttention(6, 3, dtype=torch.float64)
    _copy_weights(torch, ours, theirs)
    x, xt = both.leaf(_normal((5, 6), 0))
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    out, weights = ours(x, x, x, attn_mask=causal.detach().numpy(), need_weights=True)
    expected, expected_weights = theirs(xt, xt, xt, attn_mask=causal)
    both.assert_same(out, expected, rtol=1e-11, atol=1e-13)
    both.assert_same(weights, expected_weights, rtol=1e-11)
    assert ours(x, x, x, need_weights=False)[1] is None
    assert np.all(ours.in_proj_bias.detach().numpy() == 0)
    assert np.all(ours.out_proj.bias.detach().numpy() == 0)
    bound = np.sqrt(6 / (6 + 18))            # xavier_uniform_ on the (3E, E) in_proj_weight
    assert np.abs(ours.in_proj_weight.detach().numpy()).max() <= bound
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(7, 2)


# ------------------------------------------------------------------------------ 000's attention
def _regression(rng, n):
    """A smooth, saturating target of two features: y = tanh(1.5 x₁) − tanh(1.5 x₂)."""
    x = rng.uniform(-2, 2, (n, 2))
    return x, np.tanh(1.5 * x[:, 0]) - np.tanh(1.5 * x[:, 1])


def _fit(model, x, y, steps, lr):
    """Plain full-batch gradient descent on the mean squared error."""
    params = list(model.parameters())
    xt = gg.tensor(x)
    for _ in range(steps):
        loss = F.mse_loss(model(xt), gg.tensor(y))
        grads = gg.gradients(loss, params)
        with gg.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g.detach().numpy())
    return model


def _test_error(model, x, y):
    with gg.no_grad():
        return float(np.mean((model(gg.tensor(x)).detach().numpy() - y) ** 2))


@pytest.mark.parametrize("kind", ["dot", "mahalanobis"])
def test_sample_attention_beats_a_linear_model(kind):
    rng = np.random.default_rng(0)
    x_train, y_train = _regression(rng, 80)
    x_test, y_test = _regression(rng, 200)
    design = np.column_stack([x_train, np.ones(len(x_train))])
    coef = np.linalg.lstsq(design, y_train, rcond=None)[0]
    linear_error = np.mean((np.column_stack([x_test, np.ones(len(x_test))]) @ coef - y_test) ** 2)
    model = nn.SampleAttention(x_train, kind=kind, key_dim=2, dtype=gg.float64, generator=0)
    _fit(model, x_train, y_train, steps=400, lr=0.2)
    attention_error = _test_error(model, x_test, y_test)
    assert attention_error < 0.6 * linear_error, (attention_error, linear_error)


def test_sample_attention_matches_the_definition():
    """f(x) = Σ_s softmax_s(β(x, x_s)) ⟨θ′, x_s⟩ with both of 000's scores, written out."""
    rng = np.random.default_rng(1)
    samples, x = rng.normal(size=(7, 3)), rng.normal(size=(4, 3))
    for kind in ("dot", "mahalanobis"):
        model = nn.SampleAttention(samples, kind, key_dim=2, dtype=gg.float64, generator=2)
        theta = model.value_weight.detach().numpy()
        if kind == "dot":
            q, k = model.query_weight.detach().numpy(), model.key_weight.detach().numpy()
            beta = np.array([[(q @ a) @ (k @ b) for b in samples] for a in x])
        else:
            m = model.metric.detach().numpy()
            beta = np.array([[-np.sum((m @ (a - b)) ** 2) for b in samples] for a in x])
        np.testing.assert_allclose(model.scores(gg.tensor(x)).detach().numpy(), beta, rtol=1e-12,
                                   atol=1e-12)
        alpha = np.exp(beta - beta.max(1, keepdims=True))
        alpha /= alpha.sum(1, keepdims=True)
        np.testing.assert_allclose(model.attention(gg.tensor(x)).detach().numpy(), alpha,
                                   rtol=1e-12)
        np.testing.assert_allclose(model(gg.tensor(x)).detach().numpy(), alpha @ (samples @ theta),
                                   rtol=1e-12)
        assert model(gg.tensor(x[0])).shape == ()
        assert "samples" in model.state_dict()
        assert "samples" not in dict(model.named_parameters())
    with pytest.raises(ValueError, match="kind"):
        nn.SampleAttention(samples, "cosine")
