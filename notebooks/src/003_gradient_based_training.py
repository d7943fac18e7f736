# %% [markdown]
# # 003 · Gradient-based training (§3): backpropagation on compute graphs, memory, optimizers
#
# **What note 003 §3 teaches** (`../shared/seeds/003_*.txt`): backpropagation on a compute graph
# of tensor-valued operators, with the gradients δ_e of the result on every edge (§3.3) — local
# rules for one input, several inputs, several outputs, multiple use; the forward values must be
# kept for the backward pass, "memory consumption (or re-computation)"; then the optimizers
# (§3.4): batch, stochastic and mini-batch gradient descent; the mini-batch gradient is right in
# expectation and its variance falls like 1/|B|; step length and variance under mean and sum
# losses; momentum, with its effective learning rate ε/(1 − γ), and Nesterov's look-ahead;
# adaptive learning rates.
#
# Computed here: the δ rules of §3.3.1–3.3.5 (with §3.3.3's example corrected: δ_x = w and
# δ_w = x, see [docs/errata.md](../docs/errata.md)); **memory against recomputation** with
# `gg.utils.checkpoint`; batch vs stochastic vs mini-batch gradient descent on cost and noise;
# E[∇J_B] = ∇J and var ∝ 1/|B|; the mean-vs-sum loss table; momentum's effective step and the
# notes' Nesterov form mapped onto PyTorch's (`gg.optim.SGD(nesterov=True)`); optimizer paths.

# %%
import time
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np

import graphgrad as gg
from graphgrad.utils.checkpoint import checkpoint_sequential

F = gg.nn.functional
rng = np.random.default_rng(4)

# %% [markdown]
# ## 1. The δ rules (§3.3)
#
# δ_e is the gradient of the result ŷ with respect to the value on edge e. One univariate
# function: δ_u = f′(u) — for the logistic function at u = 0, σ(0)(1 − σ(0)) = 0.25. A linear
# unit f(x, w, b) = wx + b: **δ_x = w, δ_w = x**, δ_b = 1 (the note swaps the first two).

# %%
u = gg.tensor(0.0, requires_grad=True)
gg.sigmoid(u).backward()
print("δ_u for σ at 0:", float(u.grad))
x, w, b = (gg.tensor(v, requires_grad=True) for v in (2.0, -3.0, 0.5))
(w * x + b).backward()
print(f"x = 2, w = −3:  δ_x = {float(x.grad)} (= w),  δ_w = {float(w.grad)} (= x),  "
      f"δ_b = {float(b.grad)}")

# %% [markdown]
# Several outputs z_k = f_k(x): δ_x = Σ_k f_k′(x) δ_{z_k}; an output used n times:
# δ_x = g′(x) Σ_k δ_k. With tensors, each backward step multiplies by the transposed Jacobian
# J_f(v_in)ᵀ (§3.3.6) — graphgrad never forms it, but we can, to check:

# %%
v_in = gg.tensor(rng.normal(size=4))


def f_op(t):                                   # R⁴ → R³
    return gg.stack([t.sum(), (t ** 2).sum(), t.prod()])


delta_out = gg.tensor([1.0, -2.0, 0.5])
_, vjp_fn = gg.func.vjp(f_op, v_in)
print(np.allclose(vjp_fn(delta_out)[0].numpy(),
                  gg.jacobian(f_op, v_in).numpy().T @ delta_out.numpy()))
y = gg.tensor(0.3, requires_grad=True)
g_y = gg.sin(y)
(g_y * 2 + g_y ** 2 + 3 * g_y).backward()       # one output used three times
print(float(y.grad), np.cos(0.3) * (2 + 2 * np.sin(0.3) + 3))

# %% [markdown]
# ## 2. Memory against recomputation (§3.3): gradient checkpointing
#
# "Intermediate outputs of the forward pass are required → memory consumption (or
# re-computation)." A network of L layers keeps about L activations for its backward pass.
# `gg.utils.checkpoint.checkpoint(fn, *args)` keeps only fn's inputs and recomputes its forward
# when the backward pass needs it; `checkpoint_sequential(model, k, x)` cuts a Sequential into k
# segments: memory ~ k + L/k activations, least near k = √L, for about one more forward pass.
# The gradients are exactly the same. (A larger benchmark: `python -m bench checkpoint`.)

# %%
def deep_mlp(depth=16, width=64):
    gg.manual_seed(0)
    layers = []
    for _ in range(depth):
        layers += [gg.nn.Linear(width, width), gg.nn.ReLU()]
    return gg.nn.Sequential(*layers, gg.nn.Linear(width, 10))


net = deep_mlp()
xb = gg.tensor(rng.normal(size=(512, 64)).astype(np.float32))
yb = gg.tensor(rng.integers(0, 10, 512))


def train_step(segments):
    net.zero_grad()
    out = net(xb) if segments is None else checkpoint_sequential(net, segments, xb,
                                                                 use_reentrant=False)
    F.cross_entropy(out, yb).backward()
    return [p.grad.numpy().copy() for p in net.parameters()]


reference = train_step(None)
rows = []
for segments in [None, 2, 4, 8, 16]:
    grads = train_step(segments)
    tracemalloc.start()
    train_step(segments)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    best = float("inf")
    for _ in range(2):                       # best of 2: the machine may be busy
        t = time.perf_counter()
        train_step(segments)
        best = min(best, time.perf_counter() - t)
    rows.append((segments, peak / 2 ** 20, best))
    same = all(np.array_equal(a, b) for a, b in zip(grads, reference))
    print(f"segments {str(segments):4}  peak {peak / 2**20:5.1f} MiB  "
          f"step {1e3 * rows[-1][2]:6.1f} ms  gradients identical: {same}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ks = [r[0] for r in rows[1:]]
ax.plot(ks, [r[1] for r in rows[1:]], "o-", label="checkpoint_sequential")
ax.axhline(rows[0][1], color="k", ls="--", label="no checkpointing")
ax.set_xscale("log", base=2)
ax.set_xlabel("segments k (16 hidden layers)")
ax.set_ylabel("peak memory of a training step (MiB)")
ax.set_title("memory ~ k + L/k activations (one activation = 0.125 MiB)")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. Batch, stochastic and mini-batch gradient descent (§3.4.1)
#
# Logistic regression on 2,000 samples, the same learning rate ε = 0.5. Per *update*, the batch
# gradient makes the most progress; per *sample processed* (the cost), stochastic and mini-batch
# steps are far cheaper — and noisier: with |B| = 1 the cost never settles at this ε (a smaller
# one, or a schedule, would be needed).

# %%
N = 2000
Xl = rng.normal(size=(N, 5))
w_true = rng.normal(size=5)
yl = (rng.random(N) < 1 / (1 + np.exp(-Xl @ w_true))).astype(float)
Xt, Yt = gg.tensor(Xl), gg.tensor(yl)


def J(w, idx=None):
    """The mean log loss over the samples idx (all of them by default)."""
    x, y = (Xt, Yt) if idx is None else (Xt[idx], Yt[idx])
    return F.binary_cross_entropy_with_logits(x @ w, y)


def run(batch, updates, lr=0.5, seed=0, every=1):
    """GD on J with batches of `batch` samples: (updates, samples seen, J) every `every` steps."""
    r = np.random.default_rng(seed)
    w = gg.tensor(np.zeros(5), requires_grad=True)
    log = [(0, 0, float(J(w)))]
    for t in range(1, updates + 1):
        idx = None if batch == N else gg.tensor(r.integers(0, N, batch))
        (g,) = gg.autograd.grad(J(w, idx), w)
        with gg.no_grad():
            w -= lr * g
        if t % every == 0:
            log.append((t, t * batch, float(J(w))))
    return np.array(log).T


runs = {"batch (|B| = N)": run(N, 40), "mini-batch (|B| = 32)": run(32, 400),
        "stochastic (|B| = 1)": run(1, 6000, every=10)}
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
for name, (updates, seen, costs) in runs.items():
    axes[0].plot(updates, costs, label=name)
    axes[1].plot(seen / N, costs, label=name)
axes[0].set_xlabel("updates")
axes[0].set_xlim(0, 400)
axes[1].set_xlabel("epochs (samples processed / N)")
axes[1].set_xlim(0, 3)
for ax in axes:
    ax.set_ylabel("J(θ), full training cost")
    ax.legend()
axes[0].set_title("per update")
axes[1].set_title("per sample processed")
plt.show()

# %% [markdown]
# ## 4. The mini-batch gradient is right on average; its variance falls like 1/|B| (§3.4.2)
#
# J(θ) = (1/|D|) Σ_i L_i(θ); J_B the mean over |B| samples drawn uniformly and independently.
# Then E[∇J_B] = ∇J and var[∇J_B] = var[∇L_z] / |B|. We compute all per-sample gradients at one θ
# (a Jacobian of the per-sample losses), draw 2,000 batches per size, and compare.

# %%
theta = gg.tensor(rng.normal(size=5) * 0.5)
per_sample = gg.jacobian(lambda w: F.binary_cross_entropy_with_logits(
    Xt @ w, Yt, reduction="none"), theta).numpy()            # (N, 5): ∇L_i
full = gg.autograd.grad(J(theta.requires_grad_()), theta)[0].numpy()
idx = rng.integers(0, N, 7)
direct = gg.autograd.grad(J(theta, gg.tensor(idx)), theta)[0].numpy()
print("a batch gradient from the rows equals autograd's:",
      np.allclose(per_sample[idx].mean(0), direct))
sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256]
bias, variance = [], []
for B in sizes:
    batches = per_sample[rng.integers(0, N, (2000, B))].mean(1)        # 2000 draws of ∇J_B
    bias.append(np.abs(batches.mean(0) - full).max())
    variance.append(batches.var(0).sum())                              # tr var[∇J_B]
var_single = per_sample.var(0).sum()
for B, bi, v in zip(sizes, bias, variance):
    print(f"|B| = {B:3}: max|mean ∇J_B − ∇J| = {bi:.4f}   tr var = {v:.5f}   "
          f"tr var[∇L_z]/|B| = {var_single / B:.5f}")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(sizes, variance, "o", label="measured tr var[∇J_B] (2,000 batches)")
ax.loglog(sizes, var_single / np.array(sizes), "k-", label="tr var[∇L_z] / |B|")
ax.set_xlabel("batch size |B|")
ax.set_ylabel("variance of the gradient estimate")
ax.set_title("003 §3.4.2: var ∝ 1/|B|")
ax.legend()
plt.show()

# %% [markdown]
# **Step length and variance, mean vs sum loss (§3.4.3).** For an update θ − ε ĝ: step length
# L = ‖ε E[ĝ]‖ and gradient variance V = var[ĝ] (here its trace). With the mean loss ĝ = ∇J_B;
# with the sum loss ĝ = Σ_{z ∈ B} ∇L_z = |B| ∇J_B. Measured ratios against (ε, |B|) = (0.1, 16):

# %%
def L_and_V(eps, B, kind):
    g = per_sample[rng.integers(0, N, (4000, B))].mean(1) * (B if kind == "sum" else 1)
    return np.linalg.norm(eps * g.mean(0)), g.var(0).sum()


base = {k: L_and_V(0.1, 16, k) for k in ("mean", "sum")}
table = {"2× step size": (0.2, 16), "2× batch size": (0.1, 32),
         "2× step size, ½ batch size": (0.2, 8)}
print(f"{'':28}{'mean: L':>10}{'V':>8}{'sum: L':>10}{'V':>8}")
for name, (eps, B) in table.items():
    cells = []
    for k in ("mean", "sum"):
        L_, V_ = L_and_V(eps, B, k)
        cells += [L_ / base[k][0], V_ / base[k][1]]
    print(f"{name:28}" + "".join(f"{c:>9.2f}×" if i % 2 == 0 else f"{c:>7.2f}×"
                                 for i, c in enumerate(cells)))

# %% [markdown]
# The note's table: mean loss — 2× step: L 2×, V stays; 2× batch: L stays, V ½×; both: L 2×, V 2×.
# Sum loss — 2× step: L 2×, V stays; 2× batch: L 2×, V 2×; both: L stays, V ½×. Measured above,
# up to sampling noise of a few per cent.
#
# ## 5. Momentum (§3.4.4)
#
# v_t = γ v_{t−1} − ε g_t, θ_{t+1} = θ_t + v_t. Along a consistent gradient g the step grows to
# ε‖g‖ / (1 − γ): the effective learning rate ε/(1 − γ). graphgrad's (and PyTorch's)
# `SGD(momentum=γ)` writes b_t = γ b_{t−1} + g_t, θ ← θ − ε b_t: the same iterates, with v = −ε b.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for gamma in [0.5, 0.9, 0.95]:
    p = gg.tensor(np.zeros(2), requires_grad=True)
    opt = gg.optim.SGD([p], lr=0.01, momentum=gamma)
    steps, prev = [], p.detach().numpy().copy()
    for _ in range(100):
        opt.zero_grad()
        (p * gg.tensor([3.0, 4.0])).sum().backward()          # J(θ) = gᵀθ, ‖g‖ = 5
        opt.step()
        now = p.detach().numpy().copy()
        steps.append(np.linalg.norm(now - prev) / (0.01 * 5))
        prev = now
    ax.plot(steps, label=f"γ = {gamma}")
    ax.axhline(1 / (1 - gamma), color="0.6", ls=":")
ax.set_xlabel("iteration t")
ax.set_ylabel("‖θ_{t+1} − θ_t‖ / (ε‖g‖)")
ax.set_title("the step grows to 1/(1 − γ) times the GD step (dotted)")
ax.legend()
plt.show()

# %% [markdown]
# **Nesterov.** The note (with a stray g_t removed, see the errata):
# v_t = γ v_{t−1} − ε ∇J(θ_t + γ v_{t−1}), θ_{t+1} = θ_t + v_t — the gradient at the look-ahead
# point φ_t = θ_t + γ v_{t−1}. PyTorch's `nesterov=True` does b_t = γ b_{t−1} + ∇J(p_t),
# p_{t+1} = p_t − ε(∇J(p_t) + γ b_t). Substituting v = −εb shows φ_{t+1} = φ_t − ε∇J(φ_t) + γv_t:
# **PyTorch's parameters are the notes' look-ahead points φ_t**. On a quadratic:

# %%
A = np.array([[10.0, 0.0], [0.0, 1.0]])


def gradJ(t):
    return A @ t


eps, gamma = 0.05, 0.9
theta_n, v = np.array([1.0, 1.0]), np.zeros(2)
look_ahead = []
for _ in range(30):
    phi = theta_n + gamma * v
    look_ahead.append(phi)
    v = gamma * v - eps * gradJ(phi)
    theta_n = theta_n + v
p = gg.tensor([1.0, 1.0], requires_grad=True)
opt = gg.optim.SGD([p], lr=eps, momentum=gamma, nesterov=True)
torch_like = []
for _ in range(30):
    torch_like.append(p.detach().numpy().copy())
    opt.zero_grad()
    (0.5 * p @ gg.tensor(A) @ p).backward()
    opt.step()
print("PyTorch-form iterates == the notes' look-ahead points:",
      np.allclose(np.array(torch_like), np.array(look_ahead)))

# %% [markdown]
# ## 6. Optimizers in a narrow valley
#
# J(θ) = ½(10 θ₁² + θ₂²) from θ = (1, 1), 40 steps each (the learning rates chosen per method).

# %%
def path(make, steps=40):
    p = gg.tensor([1.0, 1.0], requires_grad=True)
    opt = make([p])
    pts = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * p @ gg.tensor(A) @ p).backward()
        opt.step()
        pts.append(p.detach().numpy().copy())
    return np.array(pts)


methods = {"GD ε = 0.09": lambda p: gg.optim.SGD(p, lr=0.09),
           "momentum γ = 0.8": lambda p: gg.optim.SGD(p, lr=0.03, momentum=0.8),
           "Nesterov γ = 0.8": lambda p: gg.optim.SGD(p, lr=0.03, momentum=0.8, nesterov=True),
           "Adagrad": lambda p: gg.optim.Adagrad(p, lr=0.5),
           "RMSProp": lambda p: gg.optim.RMSprop(p, lr=0.02),
           "Adam": lambda p: gg.optim.Adam(p, lr=0.1)}
t1, t2 = np.meshgrid(np.linspace(-1.2, 1.2, 100), np.linspace(-0.5, 1.2, 100))
fig, ax = plt.subplots(figsize=(8, 5))
ax.contour(t1, t2, 0.5 * (10 * t1 ** 2 + t2 ** 2), levels=20, colors="0.75", linewidths=0.8)
for i, (name, make) in enumerate(methods.items()):
    pts = path(make)
    ax.plot(pts[:, 0], pts[:, 1], ["-", "--", ":"][i % 3], marker=".", ms=4, color=f"C{i}",
            label=f"{name}: end ({pts[-1, 0]:.2f}, {pts[-1, 1]:.2f})")
    ax.plot(*pts[-1], "*", ms=12, color=f"C{i}")
ax.plot(1, 1, "ko", label="start (1, 1)")
ax.set_xlabel("θ₁")
ax.set_ylabel("θ₂")
ax.set_title("40 steps on ½(10θ₁² + θ₂²) (★ = end)")
ax.legend(fontsize=7, loc="lower right")
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. In the checkpointing experiment, checkpoint every layer by hand with
#    `gg.utils.checkpoint.checkpoint` and compare with k = 16 segments. Where is the memory?
# 2. Draw the batches *without* replacement (a permutation per epoch). How does the variance of
#    ∇J_B change when |B| approaches N? (Hint: a finite-population correction.)
# 3. Redo the mean-vs-sum table for a learning rate schedule that halves ε when |B| doubles.
# 4. Find the largest stable ε for GD on the valley, then for momentum with γ = 0.9.
# 5. Show on the quadratic that Nesterov's iterates converge faster than heavy-ball momentum
#    for the same (ε, γ) by plotting J against t on a log scale.
