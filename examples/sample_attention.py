"""Attention over the training samples (notes 000).

    f_θ(x) = Σ_{s∈S} α(x, x_s) ⟨θ′, x_s⟩,   α(x, ·) = softmax_S β(x, ·)
    dot product:  β(x, x′) = ⟨θ^q x, θ^k x′⟩        Mahalanobis:  β(x, x′) = −‖θ″(x − x′)‖²

Instead of mapping x to ⟨θ′, x⟩ directly, the model relates x to every training sample and
averages their values, weighted by attention. On a saturating target y = tanh(1.5x₁) −
tanh(1.5x₂) this beats the best linear model; for one query we print where it looks.

Run: python examples/sample_attention.py
"""
import numpy as np

import graphgrad as gg

rng = np.random.default_rng(0)


def target(x):
    return np.tanh(1.5 * x[:, 0]) - np.tanh(1.5 * x[:, 1])


x_train, x_test = rng.uniform(-2, 2, (150, 2)), rng.uniform(-2, 2, (500, 2))
y_train = target(x_train) + rng.normal(0, 0.05, 150)
y_test = target(x_test)

design = np.column_stack([x_train, np.ones(150)])
coef = np.linalg.lstsq(design, y_train, rcond=None)[0]
linear = np.mean((np.column_stack([x_test, np.ones(500)]) @ coef - y_test) ** 2)
print(f"best linear model (least squares)      test MSE {linear:.4f}")

models = {}
for kind in ("dot", "mahalanobis"):
    model = gg.nn.SampleAttention(x_train, kind=kind, key_dim=2, dtype=np.float64, generator=0)
    opt = gg.optim.Adam(model.parameters(), lr=0.05)
    gg.train.fit(model, gg.nn.functional.mse_loss, opt, (x_train, y_train), epochs=300,
                 batch_size=150, metric=None)
    mse = gg.train.evaluate(model, gg.nn.functional.mse_loss, (x_test, y_test))["loss"]
    print(f"attention over samples, {kind + ' score':<17} test MSE {mse:.4f}")
    models[kind] = model

query = np.array([[1.2, -0.8]])
model = models["mahalanobis"]
with gg.no_grad():
    alpha = model.attention(gg.tensor(query)).array[0]
    prediction = model(gg.tensor(query)).item()
print(f"\nquery x = {query[0]}: f(x) = {prediction:.3f}, true {target(query)[0]:.3f}; "
      f"it attends most to")
for s in np.argsort(alpha)[::-1][:5]:
    print(f"  x_s = ({x_train[s, 0]:+.2f}, {x_train[s, 1]:+.2f})   α = {alpha[s]:.3f}   "
          f"y_s = {y_train[s]:+.3f}")
print(f"  ... the five hold {alpha[np.argsort(alpha)[::-1][:5]].sum():.0%} of the attention "
      f"among {len(alpha)} samples")
