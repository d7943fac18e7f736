# %% [markdown]
# # 001 · From logistic regression to deep networks; losses; backpropagation
#
# **What note 001 teaches** (`../shared/seeds/001_*.txt`): logistic regression drawn as a network;
# XOR is not linearly separable, but a basis φ makes it so — first a hand-made one, then one
# *learned* jointly with the weights (an MLP); activation functions; the output layer and loss
# for each task as a negative log-likelihood; gradient descent and the four ways to a gradient
# (by hand, numeric, symbolic, automatic); backpropagation with modules, the toy example
# f(x) = 2 / sin(exp(−x)); the multivariate chain rule; Jacobians in numerator layout; the affine
# layer's backward pass in matrix form.
#
# Computed here: the hand-made XOR basis φ = (σ(5 + x₁ + x₂), σ(5 − x₁ − x₂)) beside a learned
# one; the activation functions; universal approximation with one hidden layer; the task →
# output layer → loss table as negative log-likelihoods (with the Gaussian's ½); what MSE, MAE
# and Huber's loss estimate; the four ways to a gradient (SymPy for the symbolic one, where
# installed) and what numeric differentiation costs; the toy example in radians (the slide's
# numbers are in degrees); the matrix-calculus shape table checked against `gg.jacobian`; the
# affine layer's backward pass. Every key number is checked with an `assert`.
# Slips of the slides are collected in [docs/errata.md](../docs/errata.md).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import graphgrad as gg

F = gg.nn.functional
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. XOR: a hand-made basis and a learned one
#
# Four clusters at the corners of [−1, 1]²; class 1 where exactly one coordinate is positive.
# No line separates the classes in x-space.

# %%
corners = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=np.float32)
X = np.repeat(corners, 25, axis=0) + rng.normal(0, 0.15, (100, 2)).astype(np.float32)
Y = np.repeat([0, 0, 1, 1], 25).astype(np.float32)
Xt, Yt = gg.tensor(X), gg.tensor(Y)


def fit_logistic(features, y, steps=300):
    """Logistic regression σ(w₀ + wᵀφ) by L-BFGS on the binary cross-entropy."""
    model = gg.nn.LogisticRegression(features.shape[1], generator=0)
    opt = gg.optim.LBFGS(model.parameters(), lr=1, max_iter=steps,
                         line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(features), y)
        loss.backward()
        return loss
    opt.step(closure)
    return model


# %% [markdown]
# **Logistic regression on x** fails, as the note says:

# %%
lin = fit_logistic(Xt, Yt)
lin_acc = float((lin.predict(Xt) == Yt).float().mean())
print(f"accuracy of logistic regression on x: {lin_acc:.2f}")
assert lin_acc <= 0.75                 # a line gets at most 3 of the 4 clusters right

# %% [markdown]
# **The note's basis** φ(x) = (σ(5 + x₁ + x₂), σ(5 − x₁ − x₂)). Both features depend on
# s = x₁ + x₂ only: s ≈ ±2 for class 0, s ≈ 0 for class 1, and the curve s ↦ φ bends, so the
# middle of it (class 1) lies off the line through its ends. The features are all close to 1, so
# the separating weights are large; we standardise φ first (an affine change of the features
# changes no linear separability).

# %%
def phi(x):
    return gg.stack([gg.sigmoid(5 + x[:, 0] + x[:, 1]), gg.sigmoid(5 - x[:, 0] - x[:, 1])], 1)


P = phi(Xt)
# the slide's matrix form: φ = σ₀([[5, 1, 1], [5, −1, −1]] [1, x₁, x₂]ᵀ), a fixed first layer
W_hand = np.array([[5.0, 1.0, 1.0], [5.0, -1.0, -1.0]], dtype=np.float32)
ones_x = np.column_stack([np.ones(len(X), np.float32), X])
assert np.allclose(P.numpy(), 1 / (1 + np.exp(-ones_x @ W_hand.T)), atol=1e-6)
mu, sd = P.mean(0), P.std(0)
hand = fit_logistic((P - mu) / sd, Yt)
hand_acc = float((hand.predict((P - mu) / sd) == Yt).float().mean())
print(f"accuracy with the hand-made φ: {hand_acc:.2f}")
assert hand_acc == 1.0                 # linearly separable in φ-space

# %% [markdown]
# **The learned basis**: f(x, W) = σ₁([w₁₀₀ w₁₁₀] σ₀(W₀ [1, x₁, x₂]ᵀ)), every weight learned
# by minimising the binary cross-entropy — an MLP with one hidden layer of 2 sigmoid units.

# %%
gg.manual_seed(3)
hidden, out = gg.nn.Linear(2, 2), gg.nn.Linear(2, 1)
opt = gg.optim.Adam([*hidden.parameters(), *out.parameters()], lr=0.1)
for _ in range(400):
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(out(gg.sigmoid(hidden(Xt)))[:, 0], Yt)
    loss.backward()
    opt.step()
learned = gg.sigmoid(hidden(Xt)).detach()
acc = float(((out(learned)[:, 0] > 0).float() == Yt).float().mean())
print(f"MLP 2-2-1: loss {float(loss):.4f}, accuracy {acc}; learned W₀ =\n"
      f"{np.column_stack([hidden.bias.detach().numpy(), hidden.weight.detach().numpy()]).round(2)}")
assert acc == 1.0                      # the learned basis separates XOR too

# %%
fig, axes = plt.subplots(2, 2, figsize=(10, 8))
g1, g2 = np.meshgrid(np.linspace(-1.8, 1.8, 120), np.linspace(-1.8, 1.8, 120))
grid = gg.tensor(np.column_stack([g1.ravel(), g2.ravel()]).astype(np.float32))
with gg.no_grad():
    p_hand = hand.predict_proba((phi(grid) - mu) / sd).numpy().reshape(g1.shape)
    p_mlp = gg.sigmoid(out(gg.sigmoid(hidden(grid)))).numpy().reshape(g1.shape)
for ax, p, title in [(axes[0, 0], p_hand, "hand-made φ: p(y = 1 | x)"),
                     (axes[1, 0], p_mlp, "learned φ (MLP 2-2-1): p(y = 1 | x)")]:
    ax.contourf(g1, g2, p, levels=20, cmap="RdBu_r", alpha=0.7)
    ax.contour(g1, g2, p, levels=[0.5], colors="k")
    ax.scatter(X[:, 0], X[:, 1], c=Y, cmap="RdBu_r", edgecolors="k", s=18)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)


def hyperplane(ax, w, b, lo, hi):
    u = np.linspace(lo, hi, 2)
    ax.plot(u, -(b + w[0] * u) / w[1], "k-", label="separating line w₀ + wᵀφ = 0")


Ps = ((P - mu) / sd).detach().numpy()
axes[0, 1].scatter(*Ps.T, c=Y, cmap="RdBu_r", edgecolors="k", s=18)
hyperplane(axes[0, 1], hand.linear.weight.detach().numpy()[0],
           float(hand.linear.bias.detach()[0]), -3, 2.5)
axes[0, 1].set_ylim(-3, 3)
axes[0, 1].set_xlabel("φ₁ = σ(5 + x₁ + x₂), standardised")
axes[0, 1].set_ylabel("φ₂ = σ(5 − x₁ − x₂), standardised")
axes[0, 1].set_title("the hand-made transformed space")
H_ = learned.numpy()
axes[1, 1].scatter(*(H_ + rng.normal(0, 0.01, H_.shape)).T, c=Y, cmap="RdBu_r",
                   edgecolors="k", s=18)
hyperplane(axes[1, 1], out.weight.detach().numpy()[0], float(out.bias.detach()[0]), -0.1, 1.1)
axes[1, 1].set_xlim(-0.1, 1.1)
axes[1, 1].set_ylim(-0.1, 1.1)
axes[1, 1].set_xlabel("φ₁ = σ(w₀₀₀ + w₀₁₀x₁ + w₀₂₀x₂)")
axes[1, 1].set_ylabel("φ₂ = σ(w₀₀₁ + w₀₁₁x₁ + w₀₂₁x₂)")
axes[1, 1].set_title("the learned transformed space (jittered)")
for ax in axes[:, 1]:
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Activation functions
#
# All element-wise except softmax, whose every output depends on every input.

# %%
s = gg.linspace(-4, 4, 201)
acts = {"sigmoid": gg.sigmoid(s), "tanh": gg.tanh(s), "ReLU": F.relu(s),
        "leaky ReLU max(0.1x, x)": F.leaky_relu(s, 0.1), "ELU (α=1)": F.elu(s),
        "Swish x·σ(x)": s * gg.sigmoid(s)}
fig, ax = plt.subplots(figsize=(6, 4))
for name, a in acts.items():
    ax.plot(s.numpy(), a.numpy(), label=name)
ax.set_xlabel("x")
ax.set_ylabel("φ(x)")
ax.set_ylim(-1.5, 4)
ax.legend(fontsize=8)
ax.set_title("001's activation functions")
plt.show()
J = gg.jacobian(gg.softmax, gg.tensor([3.0, 0.0, 1.0]))
print("Jacobian of softmax at (3, 0, 1) — not diagonal, so not element-wise:\n", J.numpy().round(3))
S3 = gg.softmax(gg.tensor([3.0, 0.0, 1.0])).numpy()
assert np.allclose(J.numpy(), np.diag(S3) - np.outer(S3, S3), atol=1e-6)   # diag(S) − S Sᵀ
for fn in (gg.sigmoid, gg.tanh, F.relu, F.elu, lambda t: t * gg.sigmoid(t)):
    Jd = gg.jacobian(fn, gg.tensor([3.0, -0.5, 1.0])).numpy()
    assert np.allclose(Jd, np.diag(np.diag(Jd)))      # the others: element-wise, diagonal

# %% [markdown]
# Why non-linear activations at all? A stack of linear layers is one matrix,
# W_L ⋯ W_1 W_0 = W′ — computed in notebook 003 (§2.3.3).
#
# **Universal approximation.** One hidden layer of squashing units approximates any continuous
# function on a bounded set, given enough units — the theorem says nothing about finding them.
# Fitting f(x) = sin 2x + 0.3x² on [−2, 2] with H = 1, 3, 10 tanh units (L-BFGS on the MSE):

# %%
xu = np.linspace(-2, 2, 200)[:, None]
target = np.sin(2 * xu) + 0.3 * xu ** 2
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xu, target, "k--", lw=1, label="f(x) = sin 2x + 0.3x²")
max_error = {}
for H in [1, 3, 10]:
    gg.manual_seed(0)
    approx = gg.nn.MLP([1, H, 1], activation="tanh", dtype=gg.float64)
    lbfgs = gg.optim.LBFGS(approx.parameters(), max_iter=500, line_search_fn="strong_wolfe")

    def closure(approx=approx, lbfgs=lbfgs):
        lbfgs.zero_grad()
        loss = F.mse_loss(approx(gg.tensor(xu)), gg.tensor(target))
        loss.backward()
        return loss
    lbfgs.step(closure)
    with gg.no_grad():
        fit = approx(gg.tensor(xu)).numpy()
    max_error[H] = np.abs(fit - target).max()
    ax.plot(xu, fit, label=f"H = {H}: max error {max_error[H]:.3f}")
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend(fontsize=8)
ax.set_title("one hidden layer, more units: a closer fit")
plt.show()
assert max_error[1] > max_error[3] > max_error[10] and max_error[10] < 0.05

# %% [markdown]
# ## 3. Task → output layer → loss, as negative log-likelihoods
#
# | target | p(y \| x) | final layer | loss = −Σ log p(y_n \| x_n) |
# |---|---|---|---|
# | binary | Bernoulli | sigmoid | binary cross-entropy |
# | discrete | categorical | softmax | cross-entropy |
# | continuous | Gaussian N(f, 1) | identity | ½ Σ (y_n − f_n)² + (N/2) log 2π |
#
# We compute each loss as −Σ log p from the distribution's formula, and compare with graphgrad's
# loss. The Gaussian's negative log-likelihood is **½** the squared error plus a constant; the
# slide writes Σ (y − f)² + const without the ½ (see the errata) — same minimiser, gradient
# twice as large.

# %%
a = gg.tensor(rng.normal(size=6))                    # logits
yb = gg.tensor(rng.integers(0, 2, 6).astype(float))
f = gg.sigmoid(a)
nll_bernoulli = -(yb * f.log() + (1 - yb) * (1 - f).log()).sum()
print("Bernoulli  :", float(nll_bernoulli),
      float(F.binary_cross_entropy_with_logits(a, yb, reduction="sum")))
assert np.isclose(float(nll_bernoulli),
                  float(F.binary_cross_entropy_with_logits(a, yb, reduction="sum")))

A = gg.tensor(rng.normal(size=(6, 4)))
yc = gg.tensor(rng.integers(0, 4, 6))
nll_categorical = -gg.log(gg.softmax(A, dim=1)[gg.arange(6), yc]).sum()
print("categorical:", float(nll_categorical), float(F.cross_entropy(A, yc, reduction="sum")))
assert np.isclose(float(nll_categorical), float(F.cross_entropy(A, yc, reduction="sum")))

yr = gg.tensor(rng.normal(size=6))
nll_gauss = -gg.log(gg.exp(-0.5 * (yr - a) ** 2) / np.sqrt(2 * np.pi)).sum()
sq = F.mse_loss(a, yr, reduction="sum")
print("Gaussian   :", float(nll_gauss), "= ½·SE + 3 log 2π =",
      float(0.5 * sq + 3 * np.log(2 * np.pi)), "  (SE alone:", float(sq), ")")
assert np.isclose(float(nll_gauss), float(0.5 * sq + 3 * np.log(2 * np.pi)))   # with the ½
# and the gradients: the true NLL's is the residual f − y; the slide's Σ(y − f)² doubles it
f_out = a.detach().requires_grad_()
(g_nll,) = gg.autograd.grad(-gg.log(gg.exp(-0.5 * (yr - f_out) ** 2) / np.sqrt(2 * np.pi)).sum(),
                            f_out)
(g_slide,) = gg.autograd.grad(F.mse_loss(f_out, yr, reduction="sum"), f_out)
assert np.allclose(g_nll.numpy(), (a - yr).numpy())
assert np.allclose(g_slide.numpy(), 2 * g_nll.numpy())

# %% [markdown]
# **Choosing the loss.** Any loss with a useful gradient will do; they differ in what they
# estimate. Fitting one constant c to data with outliers: the squared error is least at the
# mean, the absolute error (MAE) at the median — robust, but its gradient ±1 does not shrink
# near the optimum — and Huber's loss (squared near, absolute far) in between.

# %%
data = np.concatenate([rng.normal(0, 1, 50), [15.0, 20.0, 25.0]])       # three outliers
fits = {}
for name, loss_fn in [("MSE", F.mse_loss), ("MAE", F.l1_loss), ("Huber (δ = 1)", F.huber_loss)]:
    c = gg.tensor([0.0], dtype=gg.float64, requires_grad=True)
    opt = gg.optim.Adam([c], lr=0.05)
    for _ in range(2000):
        opt.zero_grad()
        loss_fn(c.expand(len(data)), gg.tensor(data)).backward()
        opt.step()
    fits[name] = float(c[0])
print({k: round(v, 3) for k, v in fits.items()}, f"  mean {data.mean():.3f}, "
      f"median {np.median(data):.3f}")
assert abs(fits["MSE"] - data.mean()) < 0.01 and abs(fits["MAE"] - np.median(data)) < 0.05
assert fits["MAE"] < fits["Huber (δ = 1)"] < fits["MSE"]
far = gg.tensor(10.0, requires_grad=True)               # MAE's gradient: the same far and near
near = gg.tensor(0.01, requires_grad=True)
(F.l1_loss(far, gg.tensor(0.0)) + F.l1_loss(near, gg.tensor(0.0))).backward()
assert float(far.grad) == float(near.grad) == 1.0

# %% [markdown]
# ## 4. Four ways to a gradient, and what the numeric one costs
#
# For E(W) of a small MLP: (1) by hand, (2) numeric, (E(w + ε) − E(w)) / ε per weight,
# (3) symbolic (SymPy, below; also `examples/four_ways_to_a_gradient.py`),
# (4) automatic: backpropagation. The numeric way needs one evaluation of E per weight, each
# costing O(|W|): O(|W|²) in all; backpropagation costs a few evaluations.

# %%
evaluations = {"E": 0}                 # how often E is evaluated


def mlp_loss(params, x, y):
    evaluations["E"] += 1
    W0, W1 = params
    return ((gg.tanh(x @ W0) @ W1 - y) ** 2).sum()


def numeric_grad(params, x, y, eps=1e-6):
    grads = []
    base = float(mlp_loss(params, x, y))
    for p in params:
        g = np.zeros(p.shape)
        for idx in np.ndindex(*p.shape):
            q = p.detach().numpy().copy()
            q[idx] += eps
            shifted = [gg.tensor(q) if r is p else r for r in params]
            g[idx] = (float(mlp_loss(shifted, x, y)) - base) / eps
        grads.append(g)
    return grads


x64, y64 = gg.tensor(rng.normal(size=(8, 3))), gg.tensor(rng.normal(size=(8, 1)))
W0 = gg.tensor(rng.normal(size=(3, 5)), requires_grad=True)
W1 = gg.tensor(rng.normal(size=(5, 1)), requires_grad=True)
# by hand: E = Σ (h W1 − y)², h = tanh(x W0)
h = np.tanh(x64.numpy() @ W0.detach().numpy())
r = h @ W1.detach().numpy() - y64.numpy()
hand_W1 = h.T @ (2 * r)
hand_W0 = x64.numpy().T @ ((2 * r @ W1.detach().numpy().T) * (1 - h ** 2))
evaluations["E"] = 0
auto = gg.autograd.grad(mlp_loss([W0, W1], x64, y64), [W0, W1])
n_auto, evaluations["E"] = evaluations["E"], 0
num = numeric_grad([W0, W1], x64, y64)
n_num = evaluations["E"]
for name, hd, nm, au in [("W0", hand_W0, num[0], auto[0]), ("W1", hand_W1, num[1], auto[1])]:
    print(f"{name}: |hand − auto| = {np.abs(hd - au.numpy()).max():.1e}, "
          f"|numeric − auto| = {np.abs(nm - au.numpy()).max():.1e}")
    assert np.allclose(hd, au.numpy()) and np.abs(nm - au.numpy()).max() < 1e-4
print(f"evaluations of E: numeric {n_num} (= |W| + 1 = {W0.numel() + W1.numel() + 1}), "
      f"backpropagation {n_auto} (plus one backward pass)")
assert n_num == W0.numel() + W1.numel() + 1 and n_auto == 1

# %% [markdown]
# (3) **Symbolic**: SymPy writes out ∂E/∂w for every weight as an expression — the same numbers,
# but each expression repeats the shared sub-terms (tanh of the same pre-activation appears in
# every ∂E/∂W₀ entry), which backpropagation computes once.

# %%
try:
    import sympy
except ImportError:                    # optional: pip install -e '.[symbolic]'
    sympy = None
    print("SymPy is not installed: the symbolic way is skipped")
if sympy is not None:
    w0s = sympy.Matrix(3, 5, lambda i, j: sympy.Symbol(f"a{i}{j}"))
    w1s = sympy.Matrix(5, 1, lambda i, j: sympy.Symbol(f"b{i}"))
    xs_, ys_ = sympy.Matrix(x64.numpy()), sympy.Matrix(y64.numpy())
    hs = (xs_ * w0s).applyfunc(sympy.tanh)
    E_sym = sum(((hs * w1s) - ys_).applyfunc(lambda e: e ** 2))
    values = {**{w0s[i, j]: sympy.Float(W0.detach().numpy()[i, j])
                 for i in range(3) for j in range(5)},
              **{w1s[i, 0]: sympy.Float(W1.detach().numpy()[i, 0]) for i in range(5)}}
    dE_da00 = sympy.diff(E_sym, w0s[0, 0])
    symbolic = float(dE_da00.xreplace(values))
    print("∂E/∂W0[0, 0]: symbolic", symbolic, " backprop", float(auto[0][0, 0]),
          f"  (the expression has {sympy.count_ops(dE_da00)} operations)")
    assert np.isclose(symbolic, float(auto[0][0, 0]))

# %%
def best_time(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


sizes, t_num, t_auto = [4, 16, 64, 256], [], []
for H in sizes:
    P0 = gg.tensor(rng.normal(size=(3, H)), requires_grad=True)
    P1 = gg.tensor(rng.normal(size=(H, 1)), requires_grad=True)
    params = [P0, P1]
    t_num.append(best_time(lambda ps=params: numeric_grad(ps, x64, y64), 1))
    t_auto.append(best_time(lambda ps=params: gg.autograd.grad(mlp_loss(ps, x64, y64), ps)))
n_weights = [4 * H for H in sizes]
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(n_weights, t_num, "o-", label="numeric (one E per weight)")
ax.loglog(n_weights, t_auto, "s-", label="backpropagation")
ax.set_xlabel("number of weights |W|")
ax.set_ylabel("seconds for ∇E")
ax.legend()
ax.set_title("the numeric gradient grows with |W|, backprop hardly")
plt.show()

# %% [markdown]
# ## 5. The toy example f(x) = 2 / sin(exp(−x)) at x = −4.499
#
# Modules a = −x, b = exp(a), c = sin b, d = 2/c. The slide's forward pass reads b = 90, c = 1,
# d = 2 and its backward pass ∂c/∂b = cos 90 = 0, so ∂f/∂x = 0: that is sin and cos of 90
# **degrees**. In radians (NumPy, PyTorch, graphgrad) b = 89.94 and the numbers are different:

# %%
x = gg.tensor(-4.499, dtype=gg.float64, requires_grad=True)
a_ = -x
b_ = gg.exp(a_)
c_ = gg.sin(b_)
d_ = 2 / c_
for a_i in (a_, b_, c_, d_):
    a_i.retain_grad()
d_.backward()
print(f"forward : a = {float(a_):.3f}, b = {float(b_):.3f}, c = {float(c_):.4f}, "
      f"d = {float(d_):.4f}")
print(f"local   : ∂a/∂x = −1, ∂b/∂a = {float(b_):.3f}, ∂c/∂b = cos b = {np.cos(float(b_)):.4f}, "
      f"∂d/∂c = −2/c² = {-2 / float(c_) ** 2:.4f}")
print(f"global  : ∂f/∂x = {float(x.grad):.3f}   (the slide, in degrees: −2 · 0 · 90 · −1 = 0)")
deg = np.deg2rad(np.exp(4.499))
print(f"in degrees: c = sin(b°) = {np.sin(deg):.5f}, cos(b°) = {np.cos(deg):.5f}")
# the numbers of docs/errata.md, and the product of the local derivatives
assert np.allclose([float(b_), float(c_), float(d_)], [89.927, 0.9242, 2.1640], atol=5e-4)
assert np.isclose(float(x.grad), -80.39, atol=5e-3)
assert np.isclose(float(x.grad), (-2 / float(c_) ** 2) * np.cos(float(b_)) * float(b_) * -1)
assert np.isclose(np.sin(deg), 1, atol=1e-5) and abs(np.cos(deg)) < 2e-3   # the slide's 1 and 0

# %%
xs = np.linspace(-4.6, -4.4, 2001)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs, 2 / np.sin(np.exp(-xs)), label="f(x) = 2 / sin(exp(−x)), radians")
ax.plot([-4.499], [float(d_)], "ro", label=f"x = −4.499, f = {float(d_):.3f}")
ax.set_ylim(-40, 40)
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend(fontsize=8)
ax.set_title("the toy function has poles wherever exp(−x) = kπ")
plt.show()

# %% [markdown]
# ## 6. Several paths: the multivariate chain rule
#
# If a₁ … a_m all depend on x, ∂c/∂x = Σ_i ∂c/∂a_i · ∂a_i/∂x: the engine adds the contributions
# of all paths. Here c = a₁ a₂ + a₃ with a₁ = x², a₂ = sin x, a₃ = eˣ.

# %%
x = gg.tensor(0.7, dtype=gg.float64, requires_grad=True)
c = x ** 2 * gg.sin(x) + gg.exp(x)
c.backward()
xv = 0.7
paths = [np.sin(xv) * 2 * xv, xv ** 2 * np.cos(xv), np.exp(xv)]
print("per path:", np.round(paths, 5), " sum:", sum(paths), " autograd:", float(x.grad))
assert np.isclose(sum(paths), float(x.grad))

# %% [markdown]
# ## 7. Jacobians and the shape table (numerator layout)
#
# For a = f(x) with x ∈ Rⁿ, a ∈ Rᵐ, the Jacobian ∂a/∂x is m × n; the gradient ∇_a c of a scalar
# is the transpose of the 1 × m row ∂c/∂a and has a's shape. The table of the slide — output
# shape (rows) by input shape (columns) — is exactly the shape of `gg.jacobian(f, x)`:
# output.shape + input.shape.

# %%
inputs = {"scalar": gg.tensor(0.5), "vector": gg.tensor(rng.normal(size=3)),
          "matrix": gg.tensor(rng.normal(size=(3, 4)))}
outputs = {"scalar": lambda t: (t ** 2).sum(), "vector": lambda t: gg.stack([t.sum(), t.max()]),
           "matrix": lambda t: t.sum() * gg.ones(2, 2)}
order = {0: "scalar", 1: "vector", 2: "matrix", 3: "3-way tensor", 4: "4-way tensor"}
slide_table = {"scalar": ["scalar", "vector", "matrix"],                   # the slide's table
               "vector": ["vector", "matrix", "3-way tensor"],
               "matrix": ["matrix", "3-way tensor", "4-way tensor"]}
print("output \\ input".ljust(15) + "".join(f"{k:>26}" for k in inputs))
for oname, fo in outputs.items():
    row, kinds = [], []
    for xi in inputs.values():
        shape = tuple(gg.jacobian(fo, xi).shape)
        assert shape == tuple(fo(xi).shape) + tuple(xi.shape)   # numerator layout: out × in
        kinds.append(order[len(shape)])
        row.append(f"{kinds[-1]} {shape}")
    print(f"{oname:15}" + "".join(f"{r:>26}" for r in row))
    assert kinds == slide_table[oname]

# %% [markdown]
# The derivative of a = Wx + b (a ∈ R^H) with respect to W ∈ R^{H×D} is the 3-way tensor
# (∂a/∂W)_ijk = ∂a_i/∂W_jk of shape H × H × D, equal to δ_ij x_k:

# %%
H, D = 3, 4
Wm, xv, bv = (gg.tensor(rng.normal(size=(H, D))), gg.tensor(rng.normal(size=D)),
              gg.tensor(rng.normal(size=H)))
JW = gg.jacobian(lambda W: W @ xv + bv, Wm)
print(JW.shape, np.allclose(JW.numpy(), np.einsum("ij,k->ijk", np.eye(H), xv.numpy())))
assert JW.shape == (H, H, D) and np.allclose(JW.numpy(), np.einsum("ij,k->ijk", np.eye(H),
                                                                    xv.numpy()))

# %% [markdown]
# ## 8. The affine layer's backward pass in matrix form
#
# For E(a) with a = Wx + b: ∂E/∂W_kl = ∂E/∂a_k · x_l, i.e. ∂E/∂W = (∂E/∂a)ᵀ xᵀ, an H × D matrix
# (the shape of W), with ∂E/∂a the 1 × H row of numerator layout. ∂E/∂x = (∂E/∂a) W and
# ∂E/∂b = ∂E/∂a. (The slide's summary writes ∂E/∂W = x ∂E/∂a, which is D × H — the transpose;
# see the errata.) We check against backpropagation, for E = (V σ(a) + c − y)² as on the slide:

# %%
W = gg.tensor(rng.normal(size=(H, D)), requires_grad=True)
b = gg.tensor(rng.normal(size=H), requires_grad=True)
x = gg.tensor(rng.normal(size=D), requires_grad=True)
V, cc, y = gg.tensor(rng.normal(size=H)), 0.3, 1.0
a = W @ x + b
a.retain_grad()
E = (V @ gg.sigmoid(a) + cc - y) ** 2
E.backward()
dE_da = a.grad.numpy()[None, :]                 # 1 × H, numerator layout
print("∂E/∂W = (∂E/∂a)ᵀ xᵀ :", np.allclose(dE_da.T @ x.detach().numpy()[None, :], W.grad.numpy()))
print("∂E/∂x = (∂E/∂a) W   :", np.allclose(dE_da @ W.detach().numpy(), x.grad.numpy()))
print("∂E/∂b = ∂E/∂a       :", np.allclose(dE_da[0], b.grad.numpy()))
print("slide's x ∂E/∂a has shape", (x.detach().numpy()[:, None] @ dE_da).shape, "≠ W's", W.shape)
assert np.allclose(dE_da.T @ x.detach().numpy()[None, :], W.grad.numpy())
assert np.allclose(dE_da @ W.detach().numpy(), x.grad.numpy())
assert np.allclose(dE_da[0], b.grad.numpy())

# %% [markdown]
# ## Exercises
#
# 1. Replace the 5 in the hand-made basis by 0. Is XOR still separable in φ-space? Why?
# 2. Train the 2-2-1 MLP with 10 different seeds (`gg.manual_seed`). How often does it get
#    stuck below 100 % accuracy? Does a hidden layer of 4 help?
# 3. Show that the minimiser of the Gaussian negative log-likelihood with variance s² does not
#    depend on s, but its gradient does.
# 4. Central differences (E(w + ε) − E(w − ε)) / 2ε: measure the error against backprop for
#    ε = 10⁻², …, 10⁻¹⁰ in float64 and plot it. Where is it smallest, and why?
# 5. Redo the toy example at x = −4.5 + 0.01k for a few k: how often is the slide's reading
#    (∂f/∂x ≈ 0) anywhere near the truth?
