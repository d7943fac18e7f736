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
# Computed here: §3.2's gradient example; the δ rules of §3.3.1–3.3.7 (with §3.3.3's example
# corrected: δ_x = w and δ_w = x, see [docs/errata.md](../docs/errata.md)); **memory against
# recomputation** with `gg.utils.checkpoint` (peak memory, recomputed forwards, identical
# gradients); batch vs stochastic vs mini-batch gradient descent on cost and noise; a
# learning-rate schedule against a batch-size schedule; E[∇J_B] = ∇J and var ∝ 1/|B|; the
# mean-vs-sum loss table; momentum's effective step ε/(1 − γ) and the notes' Nesterov form
# mapped onto PyTorch's (`gg.optim.SGD(nesterov=True)`); Adagrad and RMSProp against the note's
# formulas; optimizer paths. Every key number is checked with an `assert`, so the notebook fails
# when the library stops reproducing the note.

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
# ## 1. The recap of §3.2 and the δ rules (§3.3)
#
# §3.2.2–3.2.3: f(x₁, x₂) = x₁² + 5x₁x₂ has ∂f/∂x₁ = 2x₁ + 5x₂ and ∂f/∂x₂ = 5x₁; the gradient
# gathers them, as a row (numerator layout) or a column (denominator layout). graphgrad's
# `.grad` has the shape of x (the column); `gg.jacobian` of a scalar is the same vector.

# %%
x12 = gg.tensor([1.5, -2.0], requires_grad=True)
(x12[0] ** 2 + 5 * x12[0] * x12[1]).backward()
print("∇f at (1.5, −2):", x12.grad.numpy(), " by the formula:", [2 * 1.5 + 5 * -2.0, 5 * 1.5])
assert np.allclose(x12.grad.numpy(), [2 * 1.5 + 5 * -2.0, 5 * 1.5])
v = gg.tensor(0.7, requires_grad=True)
gg.cos(v ** 2).backward()                            # §3.2.4: d cos(v²)/dv = −sin(v²) · 2v
assert np.isclose(float(v.grad), -np.sin(0.49) * 1.4)

# %% [markdown]
#
# δ_e is the gradient of the result ŷ with respect to the value on edge e. One univariate
# function: δ_u = f′(u) — for the logistic function at u = 0, σ(0)(1 − σ(0)) = 0.25. A linear
# unit f(x, w, b) = wx + b: **δ_x = w, δ_w = x**, δ_b = 1 (the note swaps the first two).

# %%
u = gg.tensor(0.0, requires_grad=True)
gg.sigmoid(u).backward()
print("δ_u for σ at 0:", float(u.grad))
assert float(u.grad) == 0.25                         # the note's 0.5 · (1 − 0.5) = 0.25
x, w, b = (gg.tensor(v, requires_grad=True) for v in (2.0, -3.0, 0.5))
(w * x + b).backward()
print(f"x = 2, w = −3:  δ_x = {float(x.grad)} (= w),  δ_w = {float(w.grad)} (= x),  "
      f"δ_b = {float(b.grad)}")
assert (float(x.grad), float(w.grad), float(b.grad)) == (-3.0, 2.0, 1.0)

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
vjp_vs_jacobian = np.allclose(vjp_fn(delta_out)[0].numpy(),
                              gg.jacobian(f_op, v_in).numpy().T @ delta_out.numpy())
print("backward step == J_f(v_in)ᵀ δ_out:", vjp_vs_jacobian)
assert vjp_vs_jacobian
y = gg.tensor(0.3, requires_grad=True)
g_y = gg.sin(y)
(g_y * 2 + g_y ** 2 + 3 * g_y).backward()       # one output used three times
by_rule = np.cos(0.3) * (2 + 2 * np.sin(0.3) + 3)   # g′(x) Σ_k δ_k with δ = (2, 2 sin 0.3, 3)
print("multiple use:", float(y.grad), by_rule)
assert np.isclose(float(y.grad), by_rule)

# %% [markdown]
# **§3.3.7, logistic regression in 2-D with N = 2**, as a graph of tensor-valued operators:
# s = Xw + b, ŷ = σ(s), L = Σ BCE(ŷ, y). Every δ has the shape of the value on its edge, and
# δ_s = ŷ − y, δ_w = Xᵀδ_s, δ_b = Σ δ_s:

# %%
X2 = gg.tensor([[1.0, 2.0], [-1.0, 0.5]])
y2 = gg.tensor([1.0, 0.0])
w2 = gg.tensor([0.3, -0.2], requires_grad=True)
b2 = gg.tensor(0.1, requires_grad=True)
s2 = X2 @ w2 + b2
yhat2 = gg.sigmoid(s2)
L2 = F.binary_cross_entropy(yhat2, y2, reduction="sum")
g2 = gg.graph(L2, names=dict(X=X2, y=y2, w=w2, b=b2, s=s2, yhat=yhat2, L=L2))
deltas = g2.grads()
for v_ in g2.topological_order():
    print(f"{v_.name:5} value shape {str(v_.value.shape):7} δ shape {str(deltas[v_].shape):7} "
          f"δ = {np.asarray(deltas[v_], float).round(4).tolist()}")
    assert np.shape(deltas[v_]) == v_.value.shape
delta_s = yhat2.detach().numpy() - y2.numpy()
assert np.allclose(deltas[g2.node("s")], delta_s)
assert np.allclose(deltas[g2.node("w")], X2.numpy().T @ delta_s)
assert np.isclose(deltas[g2.node("b")], delta_s.sum())

# %% [markdown]
# ## 2. Memory against recomputation (§3.3): gradient checkpointing
#
# "Intermediate outputs of the forward pass are required → memory consumption (or
# re-computation)." A network of L layers keeps about L activations for its backward pass.
# `gg.utils.checkpoint.checkpoint(fn, *args)` keeps only fn's inputs and recomputes its forward
# when the backward pass needs it; `checkpoint_sequential(model, k, x)` cuts a Sequential into k
# segments: memory ~ k + L/k activations, least near k = √L, for about one more forward pass.
# The gradients are exactly the same; we count the layer forwards to see the recomputation.

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
calls = {"forward": 0}                 # how many layer forwards a training step runs


def counted(module):
    def run(h):
        calls["forward"] += 1
        return module(h)
    return run


layers = [counted(m) for m in net]     # 33 layers: 16 × (Linear, ReLU) and the output Linear


def train_step(segments):
    net.zero_grad()
    calls["forward"] = 0
    out = net(xb) if segments is None else checkpoint_sequential(layers, segments, xb,
                                                                 use_reentrant=False)
    F.cross_entropy(out, yb).backward()
    return [p.grad.numpy().copy() for p in net.parameters()]


reference = train_step(None)
rows = []
for segments in [None, 2, 4, 8, 16]:
    grads = train_step(segments)
    forwards = calls["forward"] if segments else len(layers)
    tracemalloc.start()
    train_step(segments)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    best = float("inf")
    for _ in range(2):                       # best of 2: the machine may be busy
        t = time.perf_counter()
        train_step(segments)
        best = min(best, time.perf_counter() - t)
    same = all(np.array_equal(a, b) for a, b in zip(grads, reference))
    rows.append((segments, peak / 2 ** 20, best, forwards))
    print(f"segments {str(segments):4}  peak {peak / 2**20:5.1f} MiB  step {1e3 * best:6.1f} ms  "
          f"layer forwards {forwards:2}  gradients identical: {same}")
    assert same                               # checkpointing changes no bit of the gradient
peaks = {r[0]: r[1] for r in rows}
assert peaks[4] < 0.75 * peaks[None]          # k ≈ √L segments: far less memory ...
assert peaks[4] < min(peaks[2], peaks[16])    # ... and the least: k + L/k is smallest there
assert rows[2][3] == len(layers) + 3 * (len(layers) // 4)   # ... for one more forward per segment

# %% [markdown]
# Every checkpointed segment runs its forward twice (once more during the backward pass), the
# last one once: with k = 4 segments of 8 layers, 33 + 24 = 57 layer forwards instead of 33.
# The peak memory is least near k = √L; with k = 16 segments it is back at the plain step's:
# 16 kept segment inputs cost as much as the activations they save. (A larger network, with
# the time each variant costs: `python -m bench checkpoint`.)

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
# steps are far cheaper — and noisier: with |B| = 1 the cost never settles at this ε, so we
# add a run with ε = 0.05.

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


runs = {"batch (|B| = N)": run(N, 200), "mini-batch (|B| = 32)": run(32, 400),
        "stochastic (|B| = 1)": run(1, 6000, every=10),
        "stochastic, ε = 0.05": run(1, 6000, lr=0.05, every=10)}
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
# The variants on cost and noise, in numbers: J after one epoch of samples processed (what one
# batch-gradient update costs), and the noise: how far J stays above its minimum J* over the
# last quarter of the run (J* by L-BFGS), and the fraction of logged updates after which J rose.

# %%
w_star = gg.tensor(np.zeros(5), requires_grad=True)
lbfgs = gg.optim.LBFGS([w_star], max_iter=100, line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    loss = J(w_star)
    loss.backward()
    return loss


lbfgs.step(closure)
J_min = float(J(w_star))
summary = {}
for name, (_, seen, costs) in runs.items():
    after_epoch = costs[np.argmax(seen >= N)]
    excess = float(np.mean(costs[-len(costs) // 4:] - J_min))
    rises = float(np.mean(np.diff(costs) > 0))
    summary[name] = (after_epoch, excess, rises)
    print(f"{name:22} J after 1 epoch {after_epoch:.4f}   J − J* at the end {excess:.5f}   "
          f"J rose after {100 * rises:4.1f} % of the logged updates")
batch, mini, sgd, sgd_small = summary.values()
assert batch[2] == 0 < mini[2]                  # the exact gradient never raises J
assert batch[1] < mini[1] < sgd[1]              # the noise floor rises as |B| falls ...
assert sgd_small[1] < sgd[1]                    # ... and falls with ε
assert max(mini[0], sgd_small[0]) < batch[0]    # per sample processed, small batches go further

# %% [markdown]
# With ε = 0.5 single samples are too noisy: J after an epoch is worse than one batch step, and
# it never settles. With ε = 0.05 the stochastic steps beat the batch gradient per sample
# processed — a learning-rate schedule (large, then small ε) gets both.
#
# **Schedules (§3.4.3).** A learning-rate scheduler halves ε phase by phase; a batch-size
# scheduler instead doubles |B| — the note: "increasing the batch size during training achieves
# similar results to decaying the learning rate, but it reduces the number of parameter
# updates". Four phases of 3,200 samples each, from ε = 0.5, |B| = 32:

# %%
def run_phases(phases, seed=0):
    """Mini-batch GD through phases of (batch size, ε, samples): (updates made, J − J*)."""
    r = np.random.default_rng(seed)
    w = gg.tensor(np.zeros(5), requires_grad=True)
    updates = 0
    for batch, lr, samples in phases:
        for _ in range(samples // batch):
            (g,) = gg.autograd.grad(J(w, gg.tensor(r.integers(0, N, batch))), w)
            with gg.no_grad():
                w -= lr * g
            updates += 1
    return updates, float(J(w)) - J_min


schedules = {"constant ε = 0.5, |B| = 32": [(32, 0.5, 3200)] * 4,
             "ε halved each phase": [(32, 0.5 / 2 ** i, 3200) for i in range(4)],
             "|B| doubled each phase": [(32 * 2 ** i, 0.5, 3200) for i in range(4)]}
outcome = {}
for name, phases in schedules.items():
    outcome[name] = np.array([run_phases(phases, seed) for seed in range(3)]).mean(0)
    print(f"{name:28} {int(outcome[name][0]):4} updates   J − J* at the end "
          f"{outcome[name][1]:.5f} (mean of 3 runs)")
constant, decay, grow = outcome.values()
assert decay[1] < constant[1] and grow[1] < constant[1]  # both quieten the end of training
assert grow[0] < 0.5 * decay[0]                          # with under half the updates

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
assert np.allclose(per_sample[idx].mean(0), direct) and np.allclose(per_sample.mean(0), full)
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
# E[∇J_B] = ∇J: the mean of 2,000 draws is off by about its standard error √(var/2000) only
assert all(bi < 4 * np.sqrt(v / 2000) for bi, v in zip(bias, variance))
# var[∇J_B] = var[∇L_z] / |B|, within the sampling error of 2,000 draws (a few per cent)
assert np.allclose(np.array(variance) * sizes, var_single, rtol=0.1)
slope = np.polyfit(np.log(sizes), np.log(variance), 1)[0]
print(f"slope of log var against log |B|: {slope:.3f} (the note: −1)")
assert abs(slope + 1) < 0.03

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
note_table = {"2× step size": [2, 1, 2, 1], "2× batch size": [1, 0.5, 2, 2],     # the note's
              "2× step size, ½ batch size": [2, 2, 1, 0.5]}                    # L, V, L, V
print(f"{'':28}{'mean: L':>10}{'V':>8}{'sum: L':>10}{'V':>8}")
for name, (eps, B) in table.items():
    cells = []
    for k in ("mean", "sum"):
        L_, V_ = L_and_V(eps, B, k)
        cells += [L_ / base[k][0], V_ / base[k][1]]
    print(f"{name:28}" + "".join(f"{c:>9.2f}×" if i % 2 == 0 else f"{c:>7.2f}×"
                                 for i, c in enumerate(cells)))
    assert np.allclose(cells, note_table[name], rtol=0.1), (name, cells)

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
g_const = np.array([3.0, 4.0])                                  # J(θ) = gᵀθ, ‖g‖ = 5
for gamma in [0.5, 0.9, 0.95]:
    p = gg.tensor(np.zeros(2), requires_grad=True)
    opt = gg.optim.SGD([p], lr=0.01, momentum=gamma)
    steps, prev = [], p.detach().numpy().copy()
    theta_note, v_note = np.zeros(2), np.zeros(2)               # the note's form, in NumPy
    for _ in range(100):
        opt.zero_grad()
        (p * gg.tensor(g_const)).sum().backward()
        opt.step()
        v_note = gamma * v_note - 0.01 * g_const
        theta_note = theta_note + v_note
        now = p.detach().numpy().copy()
        steps.append(np.linalg.norm(now - prev) / (0.01 * 5))
        prev = now
    assert np.allclose(now, theta_note)                         # the same iterates
    assert abs(steps[-1] - 1 / (1 - gamma)) < 0.01 / (1 - gamma)  # effective rate ε/(1 − γ)
    print(f"γ = {gamma}: step after 100 iterations {steps[-1]:.3f} × the GD step, "
          f"1/(1 − γ) = {1 / (1 - gamma):.3f}")
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
p = gg.tensor([1.0, 1.0], dtype=gg.float64, requires_grad=True)
opt = gg.optim.SGD([p], lr=eps, momentum=gamma, nesterov=True)
torch_like = []
for _ in range(30):
    torch_like.append(p.detach().numpy().copy())
    opt.zero_grad()
    (0.5 * p @ gg.tensor(A) @ p).backward()
    opt.step()
print("PyTorch-form iterates == the notes' look-ahead points:",
      np.allclose(np.array(torch_like), np.array(look_ahead)))
assert np.allclose(np.array(torch_like), np.array(look_ahead))

# %% [markdown]
# ## 6. Adaptive learning rates (§3.4.5)
#
# Adagrad in the note: r_t = r_{t−1} + g_t ⊙ g_t, θ_{t+1} = θ_t − ε/(δ + √r_t) ⊙ g_t; RMSProp
# replaces the sum by a moving average, r_t = ρ r_{t−1} + (1 − ρ) g_t ⊙ g_t. graphgrad's (and
# PyTorch's) `Adagrad(lr=ε, eps=δ)` and `RMSprop(lr=ε, alpha=ρ, eps=δ)` are these formulas:


# %%
def note_adaptive(rho, eps_, delta, steps=20):
    """The note's update on the valley J = ½θᵀAθ; rho=None is Adagrad (a plain sum)."""
    theta_a, r = np.array([1.0, 1.0]), np.zeros(2)
    for _ in range(steps):
        g = gradJ(theta_a)
        r = r + g * g if rho is None else rho * r + (1 - rho) * g * g
        theta_a = theta_a - eps_ / (delta + np.sqrt(r)) * g
    return theta_a


for name, make, rho in [("Adagrad", lambda q: gg.optim.Adagrad(q, lr=0.5, eps=1e-8), None),
                        ("RMSprop", lambda q: gg.optim.RMSprop(q, lr=0.02, alpha=0.9, eps=1e-8),
                         0.9)]:
    q = gg.tensor([1.0, 1.0], dtype=gg.float64, requires_grad=True)
    opt = make([q])
    for _ in range(20):
        opt.zero_grad()
        (0.5 * q @ gg.tensor(A) @ q).backward()
        opt.step()
    ours = note_adaptive(rho, 0.5 if rho is None else 0.02, 1e-8)
    print(f"{name}: graphgrad {q.detach().numpy().round(6)}   the note's formula {ours.round(6)}")
    assert np.allclose(q.detach().numpy(), ours)

# %% [markdown]
# ## 7. Optimizers in a narrow valley
#
# J(θ) = ½(10 θ₁² + θ₂²) from θ = (1, 1), 40 steps each (the learning rates chosen per method).

# %%
def path(make, steps=40):
    p = gg.tensor([1.0, 1.0], dtype=gg.float64, requires_grad=True)
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
ends = {}
for i, (name, make) in enumerate(methods.items()):
    pts = path(make)
    ends[name] = 0.5 * pts[-1] @ A @ pts[-1]
    ax.plot(pts[:, 0], pts[:, 1], ["-", "--", ":"][i % 3], marker=".", ms=4, color=f"C{i}",
            label=f"{name}: end ({pts[-1, 0]:.2f}, {pts[-1, 1]:.2f})")
    ax.plot(*pts[-1], "*", ms=12, color=f"C{i}")
ax.plot(1, 1, "ko", label="start (1, 1)")
ax.set_xlabel("θ₁")
ax.set_ylabel("θ₂")
ax.set_title("40 steps on ½(10θ₁² + θ₂²) (★ = end)")
ax.legend(fontsize=7, loc="lower right")
plt.show()
print("J after 40 steps:", {k: f"{v:.1e}" for k, v in ends.items()})
# momentum crosses the valley faster than GD, and Nesterov's look-ahead damps its oscillation
assert ends["Nesterov γ = 0.8"] < ends["momentum γ = 0.8"] < ends["GD ε = 0.09"]

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
