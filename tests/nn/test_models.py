"""The notes' models: an MLP learns XOR (001), a linear autoencoder finds the principal
subspace (003 §2.3.5), the perceptron rule (003 §2.4.2), logistic and softmax regression."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F


def _descend(model, loss_fn, steps, lr):
    """Plain gradient descent: θ ← θ − lr ∇loss (the optimizers live in gg.optim)."""
    params = list(model.parameters())
    for _ in range(steps):
        loss = loss_fn()
        grads = gg.gradients(loss, params)
        with gg.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g.detach().numpy())
    return loss_fn().item()


def test_mlp_learns_xor():
    x = gg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = gg.tensor([0.0, 1.0, 1.0, 0.0])
    model = nn.MLP([2, 4, 1], activation="tanh", generator=0)
    final = _descend(model, lambda: F.binary_cross_entropy_with_logits(
        gg.squeeze(model(x), -1), y), steps=1500, lr=0.5)
    assert final < 0.05
    probabilities = gg.sigmoid(model(x)).detach().numpy().ravel()
    np.testing.assert_array_equal(probabilities > 0.5, [False, True, True, False])


def test_logistic_regression_cannot_learn_xor():
    """001: XOR is not linearly separable, so logistic regression stays at chance."""
    x = gg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = gg.tensor([0.0, 1.0, 1.0, 0.0])
    model = nn.LogisticRegression(2, generator=0)
    final = _descend(model, lambda: F.binary_cross_entropy_with_logits(model(x), y), 1500, 0.5)
    assert final == pytest.approx(np.log(2), abs=1e-3)
    assert F.accuracy(model.predict_proba(x), y.detach().numpy()) <= 0.75


def test_linear_autoencoder_recovers_the_principal_subspace():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    scales = np.array([3.0, 2.0, 0.2, 0.15, 0.1, 0.05])
    data = (rng.normal(size=(300, 6)) * scales) @ basis.T + 1.0      # off-centre: biases learn it
    model = nn.Autoencoder([6, 2], linear=True, dtype=gg.float64, generator=1)
    assert len(list(model.modules())) == 5         # two Linear layers, no activations
    x = gg.tensor(data)
    _descend(model, lambda: F.mse_loss(model(x), x), steps=1000, lr=0.1)
    centred = data - data.mean(axis=0)
    principal = np.linalg.svd(centred, full_matrices=False)[2][:2].T        # (6, 2)
    decoder = model.decoder[0].weight.detach().numpy()                             # (6, 2)
    learned = np.linalg.qr(decoder)[0]
    cosines = np.linalg.svd(principal.T @ learned, compute_uv=False)
    angles = np.degrees(np.arccos(np.clip(cosines, -1, 1)))
    assert angles.max() < 0.5, angles            # degrees
    assert model.encode(x).shape == (300, 2)


def test_autoencoder_structure_and_denoising():
    model = nn.Autoencoder([8, 5, 3], activation="relu", output="sigmoid", noise=0.3, generator=0)
    kinds = [type(m).__name__ for m in model.encoder] + [type(m).__name__ for m in model.decoder]
    assert kinds == ["Linear", "ReLU", "Linear", "Linear", "ReLU", "Linear", "Sigmoid"]
    x = gg.rand(4, 8)
    noisy_a, noisy_b = model(x).detach().numpy(), model(x).detach().numpy()
    assert not np.array_equal(noisy_a, noisy_b)          # training: the input is corrupted
    model.eval()
    clean = model(x).detach().numpy()
    np.testing.assert_array_equal(clean, model.decode(model.encode(x)).detach().numpy())
    masking = nn.Autoencoder([8, 3], noise=("masking", 1.0), generator=0)
    zeros = masking.decode(masking.encode(gg.zeros(2, 8))).detach().numpy()
    np.testing.assert_array_equal(masking(gg.rand(2, 8)).detach().numpy(), zeros)
    with pytest.raises(ValueError, match="noise"):
        nn.Autoencoder([4, 2], noise=("salt", 0.1))


def test_denoising_autoencoder_trains_towards_clean_inputs():
    rng = np.random.default_rng(3)
    codes = rng.normal(size=(200, 2))
    data = gg.tensor(codes @ rng.normal(size=(2, 5)), dtype=gg.float64)
    model = nn.Autoencoder([5, 2], linear=True, noise=0.1, dtype=gg.float64, generator=2)
    start = F.mse_loss(model.eval()(data), data).item()
    model.train()
    _descend(model, lambda: F.mse_loss(model(data), data), steps=600, lr=0.05)
    assert F.mse_loss(model.eval()(data), data).item() < 0.1 * start


def _separable(rng, n=60):
    x = rng.normal(size=(n, 2))
    w = np.array([1.5, -1.0])
    keep = np.abs(x @ w + 0.3) > 0.3
    x = x[keep]
    return x, (x @ w + 0.3 > 0).astype(np.float64)


def test_perceptron_rule_converges_on_separable_data():
    x, y = _separable(np.random.default_rng(0))
    model = nn.Perceptron(2, dtype=gg.float64, generator=0)
    history = model.fit(x, y, epochs=100, generator=1)
    assert history[-1] == 0 and len(history) < 100
    np.testing.assert_array_equal(model.predict(gg.tensor(x)).detach().numpy(), y)


def test_perceptron_rule_is_sgd_on_the_perceptron_criterion():
    """Per-sample SGD (lr 1) on hinge_loss with margin 0 and labels ±1 makes exactly the
    perceptron's updates."""
    x, y = _separable(np.random.default_rng(4), 30)
    rule = nn.Perceptron(2, dtype=gg.float64, generator=3)
    sgd = nn.Perceptron(2, dtype=gg.float64, generator=3)
    initial = rule.linear.weight.detach().numpy().copy()
    history = rule.fit(x, y, epochs=3, shuffle=False)
    assert history[0] > 0 and not np.allclose(rule.linear.weight.detach().numpy(), initial)
    signs = 2 * y - 1
    for _ in range(3):
        for i in range(len(x)):
            loss = F.hinge_loss(sgd(gg.tensor(x[i:i + 1])), gg.tensor(signs[i:i + 1]), margin=0.0)
            if loss.requires_grad:
                grads = gg.gradients(loss, list(sgd.parameters()), allow_unused=True)
                with gg.no_grad():
                    for p, g in zip(sgd.parameters(), grads):
                        p.sub_(g.detach().numpy())
    np.testing.assert_allclose(sgd.linear.weight.detach().numpy(),
                               rule.linear.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(sgd.linear.bias.detach().numpy(), rule.linear.bias.detach().numpy(),
                               rtol=1e-12)


def test_multi_output_perceptron_and_scores():
    model = nn.Perceptron(3, out_features=2, generator=0)
    x = gg.randn(5, 3)
    assert model(x).shape == (5, 2) and set(np.unique(model.predict(x).detach().numpy())) <= {0.0,
                 1.0}
    labels = (x.detach().numpy()[:, :2] > 0).astype(np.float64)
    assert model.fit(x, labels, epochs=50)[-1] == 0
    np.testing.assert_array_equal(model.predict(x).detach().numpy(), labels)


def test_softmax_regression_learns_blobs_and_uses_its_temperature():
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 3.0], [3.0, 0.0], [-3.0, -1.0]])
    labels = rng.integers(0, 3, 150)
    x = gg.tensor(centres[labels] + rng.normal(size=(150, 2)), dtype=gg.float64)
    model = nn.SoftmaxRegression(2, 3, dtype=gg.float64, generator=0)
    _descend(model, lambda: F.cross_entropy(model(x), labels), steps=300, lr=0.5)
    assert F.accuracy(model(x), labels) > 0.95
    np.testing.assert_array_equal(model.predict(x).detach().numpy(),
                                  model(x).detach().numpy().argmax(1))
    np.testing.assert_allclose(model.predict_proba(x).detach().numpy().sum(1), 1.0)
    hot = nn.SoftmaxRegression(2, 3, temperature=10.0, dtype=gg.float64, generator=0)
    np.testing.assert_allclose(hot(x).detach().numpy(), hot.linear(x).detach().numpy() / 10.0)
    assert "temperature=10.0" in repr(hot)


def test_mlp_construction():
    model = nn.MLP([3, 5, 5, 2], activation="leaky_relu", output="softmax", generator=0)
    assert [type(m).__name__ for m in model] == ["Linear", "LeakyReLU", "Linear", "LeakyReLU",
                                                 "Linear", "Softmax"]
    out = model(gg.randn(4, 3))
    np.testing.assert_allclose(out.detach().numpy().sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(nn.MLP([3, 5, 2], generator=7)[0].weight.detach().numpy(),
                                  nn.MLP([3, 5, 2], generator=7)[0].weight.detach().numpy())
    assert isinstance(nn.MLP([2, 3, 1], activation=nn.GELU)[1], nn.GELU)
    sigmoid = nn.MLP([2, 3, 1], output="sigmoid")(gg.randn(6, 2)).detach().numpy()
    assert np.all((sigmoid > 0) & (sigmoid < 1))
    with pytest.raises(ValueError, match="activation"):
        nn.MLP([2, 3, 1], activation="relu6")
    with pytest.raises(ValueError, match="output"):
        nn.MLP([2, 3, 1], output="tanh")
    with pytest.raises(ValueError, match="at least"):
        nn.MLP([2])
