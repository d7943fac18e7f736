"""Logistic regression by gradient descent (notes 002).

    ŷ = σ(w₀ + w₁x₁ + w₂x₂),   L(w) = Σ_i −y_i log ŷ_i − (1 − y_i) log(1 − ŷ_i)
    ∇_w L = Σ_i (ŷ_i − y_i) x_i,   w ← w − η ∇_w L   until ‖∇_w L‖ < ε

The gradient is computed twice: by the notes' closed form and by backward propagation, which
agree. Then 002's variants — line search, conjugate gradients, L-BFGS — reach the same
minimiser in far fewer iterations.

Run: python examples/logistic_regression.py
"""
import numpy as np

import graphgrad as gg

x2d, y = gg.data.blobs(n_samples=200, noise=1.2, seed=1, centers=[[-1.5, -1.0], [1.5, 1.0]])
x = np.hstack([np.ones((200, 1)), x2d.array.astype(np.float64)])      # x₀ = 1 carries w₀
t = y.array.astype(np.float64)
xt, tt = gg.tensor(x), gg.tensor(t)


def loss_of(w):
    return gg.nn.functional.binary_cross_entropy_with_logits(xt @ w, tt, reduction="sum")


eta, eps = 0.01, 1e-4
w = gg.zeros(3, dtype=np.float64, requires_grad=True)
for step in range(1, 100_001):  # noqa: B007  (the count is printed after the loop)
    loss = loss_of(w)
    loss.backward()
    closed_form = x.T @ (1 / (1 + np.exp(-x @ w.array)) - t)            # Σ (ŷ_i − y_i) x_i
    assert np.allclose(w.grad.array, closed_form)
    if np.linalg.norm(closed_form) < eps:
        break
    with gg.no_grad():
        w -= eta * w.grad
    w.grad = None
accuracy = np.mean((x @ w.array > 0) == (t == 1))
print(f"gradient descent (η = {eta}): {step} iterations to ‖∇L‖ < {eps}, loss {loss.item():.4f}, "
      f"w = {np.round(w.array, 4)}, training accuracy {accuracy:.1%}")
print("  (backward propagation's gradient equals the closed form Σ (ŷ_i − y_i) x_i at every "
      "step)\n")

stop = dict(max_iter=500, tolerance_grad=eps / 10)  # max|∂L/∂w_j| below ε/10: ‖∇L‖ < ε
variants = {
    "gradient descent with line search": lambda p: gg.optim.LineSearchGD(p, **stop),
    "conjugate gradients (Polak–Ribière)": lambda p: gg.optim.ConjugateGradient(p, **stop),
    "L-BFGS": lambda p: gg.optim.LBFGS(p, line_search_fn="strong_wolfe", **stop),
}


def minimise(make):
    """Run the optimizer make([w]) builds from w = 0: w, the optimizer's state, the final loss."""
    v = gg.zeros(3, dtype=np.float64, requires_grad=True)
    opt = make([v])

    def closure():
        opt.zero_grad()
        value = loss_of(v)
        value.backward()
        return value
    opt.step(closure)
    return v, opt.state[v], closure().item()


for name, make in variants.items():
    v, state, loss = minimise(make)
    print(f"{name:<38} {state['n_iter']:>4} iterations, {state['func_evals']:>4} evaluations, "
          f"loss {loss:.4f}, w = {np.round(v.array, 4)}")
