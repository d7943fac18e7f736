# %% [markdown]
# # 002 · Logistic regression, computation graphs, backpropagation
#
# **What note 002 teaches** (`../shared/seeds/002_*.txt`): logistic regression as the conditional
# maximum-likelihood estimator with a Bernoulli model ŷ = σ(wᵀx), whose negative log-likelihood
# is the binary cross-entropy, with gradient (ŷ − y) x; the 1-D example built up figure by figure;
# gradient descent and its variants (line search, conjugate gradients, L-BFGS); maximum
# likelihood ⇔ cross-entropy ⇔ KL divergence; computation graphs with input, parameter and
# compute nodes; backpropagation, with fan-out (gradients from several children are summed);
# the node objects with `x.value` and `x.grad`.
#
# Computed here: the 1-D logistic regression sequence (fit, probabilities, −log); the paths of
# gradient descent, line search, conjugate gradients and L-BFGS on a logistic-regression loss;
# MLE ⇔ cross-entropy ⇔ KL on data; the three kinds of nodes in graphgrad's graph view; the
# first backward example (y = x², L = 2y) and the fan-out example with `.value`, `.grad` and
# the backward listing; 1-D logistic regression's backward pass step by step. Every key number
# is checked with an `assert`. The KL line of the slides misses a log: see
# [docs/errata.md](../docs/errata.md).

# %%
import matplotlib.pyplot as plt
import numpy as np
from graph_drawing import draw  # notebooks/graph_drawing.py: a graph drawn with matplotlib

import graphgrad as gg

gg.set_default_dtype(gg.float64)
F = gg.nn.functional
rng = np.random.default_rng(1)

# %% [markdown]
# ## 1. The 1-D example, figure by figure
#
# A data set of positives (y = 1) and negatives (y = 0) on a line, the logistic regressor
# f_w(x) = σ(w₀ + w₁x) fitted by maximum likelihood, its probabilities f_w(x_i) on the positives
# and 1 − f_w(x_i) on the negatives, and finally the losses −log p_model(y_i | x_i).

# %%
x1 = np.concatenate([rng.normal(-1.0, 0.8, 15), rng.normal(1.2, 0.8, 15)])
y1 = np.repeat([0.0, 1.0], 15)
xt, yt = gg.tensor(x1), gg.tensor(y1)


def bce(w, x=xt, y=yt):
    """002's binary cross-entropy Σ_i −y_i log ŷ_i − (1 − y_i) log(1 − ŷ_i), ŷ = σ(w₀ + w₁x)."""
    return F.binary_cross_entropy_with_logits(w[0] + w[1] * x, y, reduction="sum")


w = gg.tensor([0.0, 0.0], requires_grad=True)
opt = gg.optim.LBFGS([w], lr=1, max_iter=100, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = bce(w)
    loss.backward()
    return loss


opt.step(closure)
w_ml = w.detach().numpy().copy()
print("ŵ_ML =", w_ml.round(3), "  loss =", round(float(bce(w)), 3))
assert np.abs(gg.autograd.grad(bce(w), w)[0].numpy()).max() < 1e-5     # a stationary point

# %%
with gg.no_grad():
    p = gg.sigmoid(w[0] + w[1] * xt).numpy()
grid = np.linspace(-3.5, 3.5, 200)
fig, axes = plt.subplots(1, 4, figsize=(15, 3.2))
pos, neg = y1 == 1, y1 == 0
for ax in axes[:2]:
    ax.plot(x1[pos], y1[pos], "o", color="C3", label="y = 1")
    ax.plot(x1[neg], y1[neg], "o", color="C0", label="y = 0")
    ax.plot(grid, 1 / (1 + np.exp(-(w_ml[0] + w_ml[1] * grid))), "k", label="f_w(x)")
    ax.set_xlabel("x")
    ax.set_ylabel("f_w(x) = p(y = 1 | x)")
axes[0].set_title("fit σ(w₀ + w₁x)")
axes[0].legend(fontsize=8)
axes[1].vlines(x1[pos], 0, p[pos], color="C3")
axes[1].vlines(x1[neg], p[neg], 1, color="C0")
axes[1].set_title("p(y_i | x_i): f on positives, 1 − f on negatives")
lik = np.where(pos, p, 1 - p)
order = np.argsort(lik)
axes[2].bar(range(30), lik[order], color=np.where(pos[order], "C3", "C0"))
axes[2].set_xlabel("sample (sorted, x-axis dropped)")
axes[2].set_ylabel("p_model(y_i | x_i)")
axes[2].set_title("without the x-axis")
axes[3].bar(range(30), -np.log(lik[order]), color=np.where(pos[order], "C3", "C0"))
axes[3].set_xlabel("sample (sorted)")
axes[3].set_ylabel("−log p_model(y_i | x_i)")
axes[3].set_title(f"−log: sums to the loss {-np.log(lik).sum():.2f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The gradient of one sample's loss is (ŷ_i − y_i) x_i (with x_i = (1, x_i) for the bias):

# %%
wt = gg.tensor([0.3, -0.5], requires_grad=True)
(auto,) = gg.autograd.grad(bce(wt), wt)
yhat = 1 / (1 + np.exp(-(0.3 - 0.5 * x1)))
by_formula = ((yhat - y1)[:, None] * np.column_stack([np.ones(30), x1])).sum(0)
print("Σ (ŷ_i − y_i) x_i =", by_formula, "  autograd:", auto.numpy())
assert np.allclose(by_formula, auto.numpy())

# %% [markdown]
# ## 2. Gradient descent and its variants on the logistic-regression loss
#
# Paths from the same start, on the contours of the loss in (w₀, w₁): plain gradient descent
# with a fixed step η, line search along −∇ (backtracking, Armijo), conjugate gradients
# (Polak–Ribière with a strong-Wolfe search) and L-BFGS. One iteration per `step`.

# %%
def path_of(make, steps, start=(-2.5, 2.8)):
    w = gg.tensor(start, requires_grad=True)
    opt = make([w])
    pts = [w.detach().numpy().copy()]

    def closure():
        opt.zero_grad()
        loss = bce(w)
        loss.backward()
        return loss
    for _ in range(steps):
        opt.step(closure)
        pts.append(w.detach().numpy().copy())
    return np.array(pts)


paths = {
    "gradient descent (η = 0.02)": path_of(lambda p: gg.optim.SGD(p, lr=0.02), 60),
    "line search": path_of(lambda p: gg.optim.LineSearchGD(p, lr=0.2, max_iter=1), 30),
    "conjugate gradients": path_of(lambda p: gg.optim.ConjugateGradient(p, max_iter=1), 12),
    "L-BFGS": path_of(lambda p: gg.optim.LBFGS(p, max_iter=1, line_search_fn="strong_wolfe"), 12),
}
final = {}
for name, pts in paths.items():
    final[name] = float(bce(gg.tensor(pts[-1])))
    print(f"{name:28} {len(pts) - 1:3} steps, end {pts[-1].round(3)}, loss {final[name]:.4f}")
# conjugate gradients and L-BFGS reach ŵ_ML in 12 steps; line search gets close in 30, while
# 60 plain gradient steps are still on the way
assert np.allclose(paths["conjugate gradients"][-1], w_ml, atol=1e-3)
assert np.allclose(paths["L-BFGS"][-1], w_ml, atol=1e-3)
assert final["L-BFGS"] <= final["line search"] < final["gradient descent (η = 0.02)"]

# %%
lo, hi = np.minimum.reduce([p.min(0) for p in paths.values()]), \
    np.maximum.reduce([p.max(0) for p in paths.values()])
W0, W1 = np.meshgrid(np.linspace(lo[0] - 0.5, hi[0] + 0.5, 100),
                     np.linspace(lo[1] - 0.5, hi[1] + 0.5, 100))
logits = W0[..., None] + W1[..., None] * x1
Z = (np.logaddexp(0, logits) - y1 * logits).sum(-1)
fig, ax = plt.subplots(figsize=(7, 5))
cs = ax.contour(W0, W1, Z, levels=np.quantile(Z, np.linspace(0.002, 0.9, 20)), colors="0.6",
                linewidths=0.8)
ax.clabel(cs, fontsize=7, fmt="%.1f")
for (name, pts), color in zip(paths.items(), ["C0", "C2", "C3", "C1"]):
    ax.plot(pts[:, 0], pts[:, 1], ".-", color=color, label=name, ms=4)
    ax.plot(*pts[-1], "*", color=color, ms=12)
ax.plot(*paths["L-BFGS"][0], "ko", label="start")
ax.plot(*w_ml, "kx", ms=12, label="minimum ŵ_ML")
ax.set_xlabel("w₀")
ax.set_ylabel("w₁")
ax.set_title("002: descent paths on the logistic-regression loss (★ = end)")
ax.legend(fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# ## 3. Examples with two-dimensional inputs
#
# f_w(x₁, x₂) = σ(w₀ + w₁x₁ + w₂x₂): the decision boundary is a line.

# %%
X2 = np.vstack([rng.normal([-1, -1], 0.8, (40, 2)), rng.normal([1, 1.2], 0.8, (40, 2))])
Y2 = np.repeat([0.0, 1.0], 40)
model = gg.nn.LogisticRegression(2, generator=0)
opt = gg.optim.Adam(model.parameters(), lr=0.1)
for _ in range(200):
    opt.zero_grad()
    F.binary_cross_entropy_with_logits(model(gg.tensor(X2)), gg.tensor(Y2)).backward()
    opt.step()
acc2 = float((model.predict(gg.tensor(X2)) == gg.tensor(Y2)).float().mean())
print(f"training accuracy {acc2:.3f}; the boundary w₀ + w₁x₁ + w₂x₂ = 0 is a line")
assert acc2 > 0.9
g1, g2 = np.meshgrid(np.linspace(-3.5, 3.5, 100), np.linspace(-3.5, 3.5, 100))
with gg.no_grad():
    pr = model.predict_proba(gg.tensor(np.column_stack([g1.ravel(), g2.ravel()]))).numpy()
fig, ax = plt.subplots(figsize=(5, 4))
cf = ax.contourf(g1, g2, pr.reshape(g1.shape), levels=20, cmap="RdBu_r", alpha=0.7)
ax.contour(g1, g2, pr.reshape(g1.shape), levels=[0.5], colors="k")
ax.scatter(*X2.T, c=Y2, cmap="RdBu_r", edgecolors="k", s=18)
fig.colorbar(cf, ax=ax, label="f_w(x) = p(y = 1 | x)")
ax.set_xlabel("x₁")
ax.set_ylabel("x₂")
plt.show()

# %% [markdown]
# ## 4. Maximum likelihood ⇔ cross-entropy ⇔ KL divergence
#
# With the empirical distribution p_data of the training set,
# (1/N) Σ_i log p_model(y_i | x_i, w) = E_{p_data}[log p_model] = −H(p_data, p_model), and
# D_KL(p_data ‖ p_model) = E_{p_data}[log p_data(y | x) − **log** p_model(y | x, w)]
# = H(p_data, p_model) − H(p_data). (The slide's last line writes "log p_data − p_model": the
# second log is missing.) H(p_data) does not depend on w, so all three have the same optimum —
# and the slide's expression without the log has another one (it keeps falling as w₁ grows).
#
# To make p_data(y | x) non-trivial we use inputs that repeat: x ∈ {−2, −1, 0, 1, 2}, 40 labels
# each. Along w₁ (with w₀ fixed at 0):

# %%
xr = np.repeat(np.arange(-2.0, 3.0), 40)
yr = (rng.random(200) < 1 / (1 + np.exp(-1.3 * xr))).astype(float)
p_data = np.array([yr[xr == v].mean() for v in np.arange(-2.0, 3.0)])   # p_data(y=1 | x)
ws = np.linspace(-1, 4, 101)
P_data = np.column_stack([1 - p_data, p_data])                        # p_data(y | x), y = 0, 1
with np.errstate(divide="ignore"):
    log_P_data = np.where(P_data > 0, np.log(P_data), 0.0)             # 0 log 0 = 0
h_data = -np.mean((P_data * log_P_data).sum(1))                        # H(p_data)
loglik, cross, kl, no_log = [], [], [], []
for w1 in ws:
    q = 1 / (1 + np.exp(-w1 * np.arange(-2.0, 3.0)))                   # p_model(y=1 | x)
    Q = np.column_stack([1 - q, q])
    loglik.append(-float(F.binary_cross_entropy_with_logits(gg.tensor(w1 * xr), gg.tensor(yr))))
    cross.append(-np.mean((P_data * np.log(Q)).sum(1)))               # H(p_data, p_model)
    kl.append(np.mean((P_data * (log_P_data - np.log(Q))).sum(1)))     # E[log p_data − log p_model]
    no_log.append(np.mean((P_data * (log_P_data - Q)).sum(1)))         # the slide's line, no log
loglik, cross, kl, no_log = map(np.array, (loglik, cross, kl, no_log))
print("−(mean log-likelihood) equals H(p_data, p_model):", np.allclose(-loglik, cross))
print("argmin over w₁ — −log-lik:", ws[np.argmin(-loglik)], " cross-entropy:", ws[np.argmin(cross)],
      " KL:", ws[np.argmin(kl)], "  the slide's line without the log:", ws[np.argmin(no_log)])
assert np.allclose(-loglik, cross) and np.allclose(kl, cross - h_data) and kl.min() >= 0
assert np.argmin(-loglik) == np.argmin(cross) == np.argmin(kl) != np.argmin(no_log)

# %%
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.plot(ws, -loglik, lw=4, alpha=0.4, label="−(1/N) Σ log p_model(y_i | x_i)")
ax.plot(ws, cross, "k--", label="H(p_data, p_model)")
ax.plot(ws, kl, label="D_KL(p_data ‖ p_model) = H(p_data, p_model) − H(p_data)")
ax.axvline(ws[np.argmin(kl)], color="0.5", lw=0.8)
ax.set_xlabel("w₁")
ax.set_ylabel("nats per sample")
ax.legend(fontsize=8)
ax.set_title("same minimiser; KL is the cross-entropy shifted by H(p_data)")
plt.show()

# %% [markdown]
# ## 5. Computation graphs: input, parameter and compute nodes
#
# graphgrad's graph view classes a module's parameters (and leaves named in `parameters=`) as
# parameter nodes, other leaves as input nodes, and every operation as a compute node (hidden or
# output). The three examples of the slides:

# %%
def kinds(g):
    return {k: [v.name for v in getattr(g, k)] for k in ("inputs", "parameters", "hidden",
                                                          "outputs")}


x, y = gg.tensor(1.5), gg.tensor(2.0)
w0, w1 = gg.tensor(0.5, requires_grad=True), gg.tensor(-1.0, requires_grad=True)
u = w1 * x
yhat = w0 + u
z = yhat - y
L = z ** 2
names = dict(x=x, y=y, w0=w0, w1=w1, u=u, yhat=yhat, z=z, L=L)
g_linreg = gg.graph(L, parameters=(w0, w1), names=names)
k_lin = kinds(g_linreg)
print("linear regression  :", k_lin)
assert {k: set(v) for k, v in k_lin.items()} == {
    "inputs": {"x", "y"}, "parameters": {"w0", "w1"}, "hidden": {"u", "yhat", "z"},
    "outputs": {"L"}}

u = w0 + w1 * x
yhat = gg.sigmoid(u)
one_minus_y = 1 - y            # computed from data alone: not recorded, an input node
L = -(y * gg.log(yhat)) - one_minus_y * gg.log(1 - yhat)
g_lr = gg.graph(L, parameters=(w0, w1), granularity="named",
                names={"x": x, "y": y, "1−y": one_minus_y, "w0": w0, "w1": w1, "u": u,
                       "yhat": yhat, "L": L})
print("logistic regression:", kinds(g_lr))
assert set(kinds(g_lr)["parameters"]) == {"w0", "w1"} and kinds(g_lr)["outputs"] == ["L"]

mlp = gg.nn.Sequential(gg.nn.Linear(3, 4, bias=False), gg.nn.Sigmoid(),
                       gg.nn.Linear(4, 1, bias=False), gg.nn.Sigmoid())
xm = gg.tensor(rng.normal(size=3))
L = F.binary_cross_entropy(mlp(xm), gg.tensor([1.0]))
g_mlp = gg.graph(L, names={"x": xm, **{f"W{i}": p for i, p in
                                       enumerate(mlp.parameters(), 1)}})
print("MLP                :", g_mlp)
assert sorted(v.name for v in g_mlp.parameters) == ["W1", "W2"] and len(g_mlp.outputs) == 1

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
for ax, graph, title in zip(axes, [g_linreg, g_lr, g_mlp],
                            ["linear regression", "logistic regression", "MLP (one sample)"]):
    draw(graph, ax)
    ax.set_title(title)
fig.suptitle("input nodes grey, parameter nodes orange, compute nodes blue (output green)")
plt.show()

# %% [markdown]
# ## 6. Backpropagation with fan-out, node by node
#
# The slides' first example: y = x², L = 2y, so L = 2x². Backward: ∂L/∂y = 2 (red: the
# back-propagated gradient ∂L/∂L = 1 times the local gradient 2), ∂L/∂x = ∂L/∂y · 2x = 4x.

# %%
x = gg.tensor(3.0, requires_grad=True)
y = x ** 2
y.retain_grad()
L = 2 * y
L.backward()
print(f"x = 3: L = {float(L)}, ∂L/∂y = {float(y.grad)}, ∂L/∂x = {float(x.grad)} (= 4x)")
assert (float(L), float(y.grad), float(x.grad)) == (18.0, 2.0, 12.0)

# %% [markdown]
# **Fan-out.** y = y(x), u = u(y), v = v(y), L = L(u, v). Concretely y = x², u = sin y,
# v = 3y, L = u · v. Each node object has `.value` (computed forward) and `.grad` (computed
# backward, starting from `L.grad = 1`); y has two children, so **its gradient is the sum of
# two contributions**.
# This is the slide's listing, computed by hand with the local derivatives:

# %%
class Node:
    def __init__(self, value):
        self.value, self.grad = value, 0.0


xn = Node(0.8)
yn = Node(xn.value ** 2)
un = Node(np.sin(yn.value))
vn = Node(3 * yn.value)
Ln = Node(un.value * vn.value)
Ln.grad = 1.0
un.grad += Ln.grad * vn.value              # dL/du (u.value, v.value)
vn.grad += Ln.grad * un.value              # dL/dv (u.value, v.value)
yn.grad += un.grad * np.cos(yn.value)      # du/dy (y.value)
yn.grad += vn.grad * 3                     # dv/dy (y.value)
xn.grad += yn.grad * 2 * xn.value          # dy/dx (x.value)
for k, n in dict(x=xn, y=yn, u=un, v=vn, L=Ln).items():
    print(f"{k}.value = {float(n.value):.4f}   {k}.grad = {float(n.grad):.4f}")
# L = 3x² sin x², so dL/dx = 6x sin x² + 6x³ cos x²: the listing's sum over both children
assert np.isclose(xn.grad, 6 * 0.8 * np.sin(0.64) + 6 * 0.8 ** 3 * np.cos(0.64))

# %% [markdown]
# The same with graphgrad: the graph view's nodes carry `.value`, `g.grads()` the `.grad` of
# every node, and `gg.explain` prints the listing — note the two `y.grad +=` lines.

# %%
x = gg.tensor(0.8, requires_grad=True)
y = x ** 2
u, v = gg.sin(y), 3 * y
L = u * v
names = dict(x=x, y=y, u=u, v=v, L=L)
g = gg.graph(L, names=names)
grads = g.grads()
for v_ in g.nodes:
    print(f"{v_.name}.value = {float(v_.value):.4f}   {v_.name}.grad = {float(grads[v_]):.4f}")
    node = dict(x=xn, y=yn, u=un, v=vn, L=Ln)[v_.name]       # the same as the listing by hand
    assert np.isclose(float(v_.value), node.value) and np.isclose(float(grads[v_]), node.grad)
print(gg.explain(L, names=names))
fig, ax = plt.subplots(figsize=(5, 4))
draw(g, ax, grads)
ax.set_title("fan-out: y.grad sums the gradients from u and v")
plt.show()

# %% [markdown]
# ## 7. Logistic regression with 1-D inputs, the backward pass step by step
#
# u = w₀ + w₁x, ŷ = σ(u), L = −y log ŷ − (1 − y) log(1 − ŷ). The slide's steps:
# ∂L/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)), ∂L/∂u = ∂L/∂ŷ · σ(u)(1 − σ(u)) = ŷ − y, ∂L/∂w₀ = ∂L/∂u,
# ∂L/∂w₁ = ∂L/∂u · x.

# %%
x, y = gg.tensor(1.5), gg.tensor(1.0)
w0, w1 = gg.tensor(0.2, requires_grad=True), gg.tensor(-0.4, requires_grad=True)
u = w0 + w1 * x
yhat = gg.sigmoid(u)
L = -y * gg.log(yhat) - (1 - y) * gg.log(1 - yhat)
for t in (u, yhat):
    t.retain_grad()
L.backward()
yh = float(yhat)
steps = {"∂L/∂ŷ": ((yh - 1) / (yh * (1 - yh)), yhat.grad), "∂L/∂u": (yh - 1, u.grad),
         "∂L/∂w₀": (yh - 1, w0.grad), "∂L/∂w₁": ((yh - 1) * 1.5, w1.grad)}
for k, (slide, engine) in steps.items():
    print(f"{k:7} slide's formula {slide: .5f}   backprop {float(engine): .5f}")
    assert np.isclose(slide, float(engine))

# %% [markdown]
# **One forward/backward pass per data point**: the gradient of the summed loss is the sum of
# the per-sample gradients.

# %%
wt = gg.tensor([0.3, -0.5], requires_grad=True)
per_sample = sum(gg.autograd.grad(bce(wt, xt[i:i + 1], yt[i:i + 1]), wt)[0] for i in range(30))
print(np.allclose(per_sample.numpy(), gg.autograd.grad(bce(wt), wt)[0].numpy()))
assert np.allclose(per_sample.numpy(), gg.autograd.grad(bce(wt), wt)[0].numpy())

# %% [markdown]
# ## Exercises
#
# 1. Move one negative sample of the 1-D example far to the right. How do the fit, the
#    probabilities and the −log bars change? Which sample dominates the loss?
# 2. Make the 1-D data separable (no overlap). What happens to ŵ_ML, and to the paths of the
#    optimizers? Add an l2 penalty and repeat.
# 3. Give plain gradient descent η = 0.2. Then use Fletcher–Reeves instead of Polak–Ribière
#    (`beta="fletcher_reeves"`).
# 4. In the fan-out example let v = y² instead of 3y: predict x.grad by the listing, then check
#    with `gg.explain`.
# 5. Compute D_KL(p_data ‖ p_model) for a softmax regression on three classes and check its
#    minimiser against the cross-entropy's.
