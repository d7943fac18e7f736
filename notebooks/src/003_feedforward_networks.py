# %% [markdown]
# # 003 · Feed-forward networks (§2): neurons, layers, autoencoders, ReLU networks, embeddings
#
# **What note 003 §2 teaches** (`../shared/seeds/003_*.txt`): embeddings learned by encoders
# (§2.1); artificial neurons — linear, logistic, stochastic binary (§2.2); dense linear layers
# y = Wᵀx and linear regression as an FNN, which gives ordinary least squares (§2.3.3);
# autoencoders (§2.3.4–5); the binary threshold neuron and perceptrons, with several outputs
# (§2.4.1–3); an autoencoder with a binary threshold unit computes 2-means (§2.4.4); the logistic
# neuron as a smoothed threshold, perceptron vs logistic regression (§2.4.5); softmax with a
# temperature (§2.4.6–7); MLPs (§2.4.8); ReLU networks are piecewise linear, with up to
# exponentially many linear regions in the depth (§2.4.10).
#
# Computed here: the neurons (the stochastic binary one fires with frequency σ(s)) and the dense
# layer y = Wᵀx; linear regression = OLS, and a stack of linear layers collapsing to one matrix;
# a linear autoencoder finds the principal subspace (PCA); the multi-output perceptron's three
# readings and their problems; the binary-threshold autoencoder against 2-means; the logistic
# neuron as a smoothed threshold, perceptron ⇔ 0-1 loss, logistic regression ⇔ log-likelihood;
# softmax temperatures; linear regions of ReLU networks on 1-D and 2-D grids (affine on each),
# depth against width, the tent map's 2^L pieces; embeddings in use (an autoencoder pretrained
# on the digits, a head trained on few labels, k-means on the codes). Every key number is
# checked with an `assert`. §3 (training) is in `003_gradient_based_training.ipynb`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import graphgrad as gg

F = gg.nn.functional
rng = np.random.default_rng(3)


def kmeans(X, k, iters=50, seed=0):
    """Lloyd's k-means in NumPy: (centroids, labels)."""
    r = np.random.default_rng(seed)
    C = X[r.choice(len(X), k, replace=False)]
    for _ in range(iters):
        labels = ((X[:, None, :] - C[None]) ** 2).sum(-1).argmin(1)
        C = np.array([X[labels == j].mean(0) if np.any(labels == j) else C[j] for j in range(k)])
    return C, labels


# %% [markdown]
# ## 1. Neurons and dense layers (§2.2, §2.3.2)
#
# An artificial neuron computes y = φ(wᵀx + b). The **linear** neuron has φ(s) = s, the
# **logistic** neuron φ(s) = σ(s) (σ(0) = ½, negative s below ½, positive above), the
# **stochastic binary** neuron fires 1 with probability σ(s) (`F.stochastic_binary`).

# %%
s_vals = gg.tensor([-2.0, 0.0, 1.0])
print("σ(−2), σ(0), σ(1):", gg.sigmoid(s_vals).numpy().round(4))
assert float(gg.sigmoid(gg.tensor(0.0))) == 0.5
spikes = F.stochastic_binary(s_vals.expand(20000, 3), generator=0).numpy()
print("stochastic binary neuron, frequency of 1 over 20,000 draws:", spikes.mean(0).round(3))
assert np.allclose(spikes.mean(0), gg.sigmoid(s_vals).numpy(), atol=0.015)   # ≈ σ(s)

# %% [markdown]
# A **dense linear layer** with n inputs and m outputs: the note stacks the weight vectors w_j
# as the *columns* of W ∈ R^{n×m} and computes y = Wᵀx, y_j = ⟨w_j, x⟩ + b_j. `nn.Linear(n, m)`,
# as PyTorch's, stores `weight` as the m × n matrix Wᵀ (see the errata's note on conventions).
# The note's example, n = 4 and m = 2 without bias:

# %%
dense = gg.nn.Linear(4, 2, bias=False, dtype=gg.float64)
W_note = dense.weight.detach().numpy().T                  # n × m: column j is w_j
x4 = rng.normal(size=4)
y_note = W_note.T @ x4                                    # y = Wᵀx
print("y = Wᵀx:", y_note.round(4), "  nn.Linear:", dense(gg.tensor(x4)).detach().numpy().round(4),
      "  ⟨w_j, x⟩:", [round(float(W_note[:, j] @ x4), 4) for j in range(2)])
assert np.allclose(dense(gg.tensor(x4)).detach().numpy(), y_note)

# %% [markdown]
# ## 2. Linear regression as an FNN is ordinary least squares (§2.3.3)
#
# One linear layer ŷ = ⟨w, x⟩ + b trained on the mean squared error (1/N) Σ (y_i − ŷ_i)² by
# gradient descent reaches the OLS estimate, which `np.linalg.lstsq` computes directly. With
# several outputs it is multiple linear regression.

# %%
N, D, M = 200, 4, 2
X = rng.normal(size=(N, D))
W_true = rng.normal(size=(D, M))
Y = X @ W_true + 0.5 + 0.3 * rng.normal(size=(N, M))
layer = gg.nn.Linear(D, M, dtype=gg.float64)
opt = gg.optim.SGD(layer.parameters(), lr=0.1)
Xt, Yt = gg.tensor(X), gg.tensor(Y)
for _ in range(500):
    opt.zero_grad()
    F.mse_loss(layer(Xt), Yt).backward()
    opt.step()
coef, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(N)]), Y, rcond=None)
learned = np.vstack([layer.weight.detach().numpy().T, layer.bias.detach().numpy()])
print("OLS (lstsq)      :\n", coef.round(4).T)
print("trained nn.Linear:\n", learned.round(4).T)
print("max difference:", np.abs(coef - learned).max())
assert np.abs(coef - learned).max() < 1e-6

# %% [markdown]
# **Why non-linear layers.** A stack of linear layers is one linear map:
# W_L(⋯(W_0 x)) = (W_L ⋯ W_0) x = W′x (with biases, one affine map). Three `nn.Linear` layers
# and the single matrix they multiply to give the same outputs — and a deep linear network fits
# a curved target no better than OLS:

# %%
deep = gg.nn.Sequential(gg.nn.Linear(1, 8, dtype=gg.float64), gg.nn.Linear(8, 8, dtype=gg.float64),
                        gg.nn.Linear(8, 1, dtype=gg.float64))
Ws = [m.weight.detach().numpy() for m in deep]
bs = [m.bias.detach().numpy() for m in deep]
W_prime = Ws[2] @ Ws[1] @ Ws[0]
b_prime = Ws[2] @ (Ws[1] @ bs[0] + bs[1]) + bs[2]
xq = rng.normal(size=(5, 1))
with gg.no_grad():
    print("same outputs:", np.allclose(deep(gg.tensor(xq)).numpy(), xq @ W_prime.T + b_prime))
    assert np.allclose(deep(gg.tensor(xq)).numpy(), xq @ W_prime.T + b_prime)
xc = np.linspace(-2, 2, 100)[:, None]
yc = xc ** 2
opt = gg.optim.Adam(deep.parameters(), lr=0.02)
for _ in range(400):
    opt.zero_grad()
    F.mse_loss(deep(gg.tensor(xc)), gg.tensor(yc)).backward()
    opt.step()
ols, *_ = np.linalg.lstsq(np.column_stack([xc, np.ones(100)]), yc, rcond=None)
mse_deep = float(F.mse_loss(deep(gg.tensor(xc)), gg.tensor(yc)))
mse_ols = float(((np.column_stack([xc, np.ones(100)]) @ ols - yc) ** 2).mean())
print("MSE of the 3-layer linear net:", mse_deep, "  of OLS:", mse_ols)
assert abs(mse_deep - mse_ols) < 1e-3 * mse_ols      # depth bought nothing: it is one line

# %% [markdown]
# ## 3. Linear autoencoders find the principal subspace (§2.3.5)
#
# A linear autoencoder x ↦ z = W₁x + b₁ ∈ R^Z ↦ x̂ = W₂z + b₂ with a bottleneck Z < D. Trained on
# the squared error, the best it can do is project onto the top-Z principal subspace of the
# data (the span of the first Z right singular vectors of the centred data): it computes PCA,
# up to an invertible change of coordinates in z. Here 5-D data that lies near a plane
# (standard deviations 3, 2, 0.3, 0.2, 0.1 along random orthogonal directions), Z = 2.

# %%
N5 = 500
basis = np.linalg.qr(rng.normal(size=(5, 5)))[0]
X5 = (rng.normal(size=(N5, 5)) * [3.0, 2.0, 0.3, 0.2, 0.1]) @ basis.T + 1.0
X5t = gg.tensor(X5)
gg.manual_seed(0)
lae = gg.nn.Sequential(gg.nn.Linear(5, 2, dtype=gg.float64), gg.nn.Linear(2, 5, dtype=gg.float64))
opt = gg.optim.LBFGS(lae.parameters(), max_iter=200, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = F.mse_loss(lae(X5t), X5t)
    loss.backward()
    return loss


opt.step(closure)
_, sv, Vt = np.linalg.svd(X5 - X5.mean(0), full_matrices=False)
decoder_span = np.linalg.qr(lae[1].weight.detach().numpy())[0]      # 5 × 2, orthonormal
cosines = np.linalg.svd(decoder_span.T @ Vt[:2].T, compute_uv=False)  # of the principal angles
mse_ae = float(F.mse_loss(lae(X5t), X5t))
mse_pca = (sv[2:] ** 2).sum() / X5.size            # what the dropped components leave
print("cosines of the angles between the decoder's span and the top-2 principal directions:",
      cosines.round(6))
print(f"reconstruction MSE: linear autoencoder {mse_ae:.6f}, PCA with 2 components {mse_pca:.6f}")
assert np.allclose(cosines, 1, atol=1e-4) and np.isclose(mse_ae, mse_pca, rtol=1e-4)

# %% [markdown]
# ## 4. Perceptrons with several outputs (§2.4.3)
#
# Eight clusters at the corners of the cube [−1, 1]³, and a perceptron with m = 3 binary threshold
# outputs trained by the perceptron rule. Three readings of its output vector:
#
# 1. **multi-label**: three independent yes/no labels (here: the signs of the coordinates) —
#    each output is its own linear classifier: works;
# 2. **2^m codes**: each of the 8 classes gets one output vector. Whether that works depends on
#    *which* class gets *which* code: with the "natural" code every bit is linearly separable,
#    with a shuffled assignment it need not be. We shuffle so that the first output bit is the
#    parity of the corner (XOR in three dimensions): no hyperplane computes it;
# 3. **one-hot**: m classes, class c ↦ e_c. The outputs need not be one-hot: none or several
#    units may fire.

# %%
cube = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1], indexing="ij")).reshape(3, -1).T
cls = np.repeat(np.arange(8), 30)
X3 = (cube[cls] + 0.35 * rng.normal(size=(240, 3))).astype(np.float32)
natural = ((cube + 1) // 2).astype(np.float32)         # class k ↦ the sign bits of its corner
shuffled = natural[[0, 4, 5, 1, 6, 2, 3, 7]]          # first bit: 1 iff an odd number of 1s
assert np.array_equal(shuffled[:, 0], natural.sum(1) % 2)


def perceptron_accuracy(codes):
    p = gg.nn.Perceptron(3, 3, generator=0)
    p.fit(X3, codes[cls], epochs=30, generator=0)
    out = p.predict(gg.tensor(X3)).detach().numpy()
    exact = (out == codes[cls]).all(1).mean()
    return exact, (out == codes[cls]).mean(0)


readings = {}
for name, codes in [("natural code (= multi-label signs)", natural), ("shuffled code", shuffled)]:
    exact, per_bit = perceptron_accuracy(codes)
    readings[name] = exact, per_bit
    print(f"{name:36} whole code right: {exact:.2f}   per output: {per_bit.round(2)}")
assert readings["natural code (= multi-label signs)"][0] > 0.95  # every bit linearly separable
assert readings["shuffled code"][1][0] < 0.75                     # the parity bit is not

# %%
centers = np.array([[-2, 0], [2, 0], [0, 2.5]])
c3 = np.repeat(np.arange(3), 40)
X1h = (centers[c3] + 0.9 * rng.normal(size=(120, 2))).astype(np.float32)
p1h = gg.nn.Perceptron(2, 3, generator=0)
p1h.fit(X1h, np.eye(3, dtype=np.float32)[c3], epochs=30, generator=0)
fired = p1h.predict(gg.tensor(X1h)).detach().numpy().sum(1)
print("one-hot reading — samples with 0 / 1 / ≥2 units firing:",
      [int((fired == 0).sum()), int((fired == 1).sum()), int((fired >= 2).sum())])
assert (fired != 1).sum() > 0          # the problem of the one-hot reading: not always one unit

# %% [markdown]
# ## 5. An autoencoder with a binary threshold unit computes 2-means (§2.4.4)
#
# Encoder z = 𝕀(w₁ᵀx + b₁ ≥ 0) ∈ {0, 1}, decoder x̂ = w₂z + b₂, so x̂ ∈ {b₂, b₂ + w₂}: the input
# is sent to one of two points, and the threshold unit's hyperplane decides which. The note's
# argument: for a fixed hyperplane, the squared error is least when the two points are the
# means of the two sides — the centroids of K = 2 clusters.
#
# The threshold's gradient is zero, so we train it with the **straight-through estimator**: the
# forward pass uses the 0/1 value, the backward pass σ's derivative
# (`F.stochastic_binary`'s straight_through idea, made deterministic:
# z = σ(s) + (𝕀(s ≥ 0) − σ(s)).detach()).

# %%
blobs = np.vstack([rng.normal([-2, -1], 0.7, (80, 2)), rng.normal([1.5, 1.5], 0.9, (120, 2))])
xb = gg.tensor(blobs.astype(np.float32))
gg.manual_seed(0)
enc, dec = gg.nn.Linear(2, 1), gg.nn.Linear(1, 2)


def code(x):
    s = enc(x)
    p = gg.sigmoid(4 * s)
    return p + (F.binary_threshold(s) - p).detach()


opt = gg.optim.Adam([*enc.parameters(), *dec.parameters()], lr=0.05)
for _ in range(400):
    opt.zero_grad()
    F.mse_loss(dec(code(xb)), xb).backward()
    opt.step()
with gg.no_grad():
    z = code(xb).numpy()[:, 0]
    recon = dec(gg.tensor([[0.0], [1.0]])).numpy()
C, lab = kmeans(blobs, 2)
print("autoencoder's two reconstructions:\n", recon.round(3))
print("means of the two codes' samples:\n",
      np.array([blobs[z == 0].mean(0), blobs[z == 1].mean(0)]).round(3))
print("k-means centroids:\n", C.round(3))
agree = max((lab == z).mean(), (lab != z).mean())
print(f"codes agree with the k-means labels on {100 * agree:.1f} % of the samples")
side_means = np.array([blobs[z == 0].mean(0), blobs[z == 1].mean(0)])
assert np.abs(recon - side_means).max() < 0.1     # x̂ = the mean of its side (the note's argument)
assert agree > 0.95                                # and the sides are 2-means' clusters
assert np.abs(np.sort(recon, 0) - np.sort(C, 0)).max() < 0.3

# %%
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.scatter(*blobs.T, c=z, cmap="coolwarm", s=12, label="samples, coloured by code z")
ax.plot(*recon.T, "k*", ms=16, label="x̂ for z = 0 and z = 1")
ax.plot(*C.T, "o", mfc="none", mec="g", ms=16, mew=2, label="k-means centroids")
w1, b1 = enc.weight.detach().numpy()[0], float(enc.bias.detach()[0])
u = np.linspace(-4, 4, 2)
ax.plot(u, -(b1 + w1[0] * u) / w1[1], "k--", label="the unit's hyperplane")
ax.set_xlim(-4.5, 4.5)
ax.set_ylim(-4, 5)
ax.set_xlabel("x₁")
ax.set_ylabel("x₂")
ax.legend(fontsize=8)
ax.set_title("binary-threshold autoencoder vs 2-means")
plt.show()

# %% [markdown]
# ## 6. The logistic neuron as a smoothed threshold; perceptron and logistic regression (§2.4.5)
#
# Rounding σ(⟨w, x⟩) gives the perceptron's output 𝕀(⟨w, x⟩ ≥ 0). Scaling w by c > 0 changes only
# the smoothing: as c grows σ(c s) tends to the step.

# %%
s = np.linspace(-4, 4, 400)
fig, ax = plt.subplots(figsize=(6, 3.5))
for c in [0.5, 1, 2, 5, 20]:
    ax.plot(s, 1 / (1 + np.exp(-c * s)), label=f"σ(c·s), c = {c}")
ax.step(s, (s >= 0).astype(float), "k--", where="post", label="𝕀(s ≥ 0)")
ax.set_xlabel("s = ⟨w, x⟩")
ax.set_ylabel("output")
ax.legend(fontsize=8)
ax.set_title("scaling w sharpens the logistic neuron into a threshold")
plt.show()
wv = gg.tensor(rng.normal(size=3))
xs = gg.tensor(rng.normal(size=(1000, 3)))
print("round(σ(⟨w,x⟩)) == 𝕀(⟨w,x⟩ ≥ 0) everywhere:",
      bool((gg.sigmoid(xs @ wv).round() == F.binary_threshold(xs @ wv)).all()))
assert bool((gg.sigmoid(xs @ wv).round() == F.binary_threshold(xs @ wv)).all())
far = np.abs(s) >= 0.5                 # away from the threshold, σ(c s) → 𝕀(s ≥ 0) as c grows
gaps = [np.abs(1 / (1 + np.exp(-c * s[far])) - (s[far] >= 0)).max() for c in [0.5, 1, 2, 5, 20]]
print("max |σ(c s) − 𝕀(s ≥ 0)| for |s| ≥ ½, c = 0.5 … 20:", np.round(gaps, 5))
assert all(a > b for a, b in zip(gaps, gaps[1:])) and gaps[-1] < 1e-4

# %% [markdown]
# **Perceptron ⇔ 0-1 loss.** On separable data the perceptron rule stops when Σ_i |y_i − round(ŷ_i)|
# is 0: it minimises the number of mistakes, and its outputs say nothing about confidence; on
# XOR, which no line separates (§2.4.2), it never stops making them.
# **Logistic regression ⇔ log-likelihood.** Maximising ln ℒ = Σ_i y_i ln ŷ_i + (1 − y_i) ln(1 − ŷ_i)
# estimates the log-odds: on data drawn from σ(⟨w*, x⟩ + b*) it recovers w* and b*.

# %%
Xl = rng.normal(size=(2000, 2)).astype(np.float32)
w_star, b_star = np.array([2.0, -1.0]), 0.5
yl = (rng.random(2000) < 1 / (1 + np.exp(-(Xl @ w_star + b_star)))).astype(np.float32)
perc = gg.nn.Perceptron(2, generator=0)
margin = np.abs(Xl @ w_star + b_star) > 0.5                   # separable, with a margin
Xs, sep = Xl[margin], (Xl[margin] @ w_star + b_star > 0).astype(np.float32)
history = perc.fit(Xs, sep, epochs=100, generator=0)
zero_one = float(np.abs(sep - perc.predict(gg.tensor(Xs)).detach().numpy()).sum())
print(f"perceptron: mistakes per epoch {history[:6]} … {history[-1]}; "
      f"0-1 loss at the end {zero_one}")
assert zero_one == 0.0                 # separable: the perceptron rule drives the 0-1 loss to 0
xor_x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
xor_y = np.array([0, 1, 1, 0], dtype=np.float32)
xor_history = gg.nn.Perceptron(2, generator=0).fit(xor_x, xor_y, epochs=100, generator=0)
print(f"perceptron on XOR (§2.4.2): mistakes in the last epochs {xor_history[-5:]}")
assert min(xor_history) > 0            # not separable: it never gets all four right
logreg = gg.nn.LogisticRegression(2, generator=0)
opt = gg.optim.LBFGS(logreg.parameters(), max_iter=100, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(logreg(gg.tensor(Xl)), gg.tensor(yl))
    loss.backward()
    return loss


opt.step(closure)
print("logistic regression by max. likelihood: w =",
      logreg.linear.weight.detach().numpy()[0].round(2), "b =",
      logreg.linear.bias.detach().numpy().round(2), "  (drawn from w* = [2, −1], b* = 0.5)")
assert np.allclose(logreg.linear.weight.detach().numpy()[0], w_star, atol=0.25)
assert abs(float(logreg.linear.bias.detach()[0]) - b_star) < 0.15

# %% [markdown]
# ## 7. Softmax with a temperature (§2.4.6)
#
# S(η / T) for η = (3, 0, 1): a high T flattens, a low T concentrates the mass on the largest entry.

# %%
eta = gg.tensor([3.0, 0.0, 1.0])
temps = [10, 2, 1, 0.5, 0.1]
fig, axes = plt.subplots(1, len(temps), figsize=(12, 2.6), sharey=True)
for ax, T in zip(axes, temps):
    ax.bar(["η₁=3", "η₂=0", "η₃=1"], gg.softmax(eta / T).numpy())
    ax.set_title(f"T = {T}")
    ax.set_ylim(0, 1)
axes[0].set_ylabel("S(η/T)_c")
plt.tight_layout()
plt.show()
S1 = gg.softmax(eta).numpy()
print("S(η) at T = 1:", S1.round(4), "  T = 10:", gg.softmax(eta / 10).numpy().round(3),
      "  T = 0.1:", gg.softmax(eta / 0.1).numpy().round(6))
assert np.allclose(S1, np.exp([3, 0, 1]) / np.exp([3, 0, 1]).sum()) and np.isclose(S1.sum(), 1)
assert gg.softmax(eta / 10).numpy().max() < 0.45 and gg.softmax(eta / 0.1).numpy()[0] > 0.9999

# %% [markdown]
# ## 8. ReLU networks are piecewise linear (§2.4.10)
#
# A ReLU network's activation pattern (which units are on) is constant on each linear region,
# and the network is affine there. We count regions on a fine grid: in 1-D where the slope
# changes, in 2-D the distinct activation patterns.

# %%
def relu_net(widths, d_in, seed):
    gg.manual_seed(seed)
    return gg.nn.MLP([d_in, *widths, 1], activation="relu")


def pattern(net, x):
    """The on/off pattern of every hidden unit, one row per point."""
    bits, h = [], x
    for m in net:
        h = m(h)
        if isinstance(m, gg.nn.ReLU):
            bits.append(h.numpy() > 0)
    return np.concatenate(bits, 1)


def regions_1d(net, lo=-3, hi=3, n=20001):
    x = np.linspace(lo, hi, n)[:, None].astype(np.float32)
    with gg.no_grad():
        p = pattern(net, gg.tensor(x))
    values = net(gg.tensor(x)).detach().numpy()[:, 0]
    return 1 + int((p[1:] != p[:-1]).any(1).sum()), x[:, 0], values


n1, x1d, y1d = regions_1d(relu_net([8, 8], 1, 0))
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(x1d, y1d)
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.set_title(f"a random 1-8-8-1 ReLU network: {n1} linear pieces on [−3, 3]")
plt.show()

# %%
g1, g2 = np.meshgrid(np.linspace(-3, 3, 200), np.linspace(-3, 3, 200))
grid2 = gg.tensor(np.column_stack([g1.ravel(), g2.ravel()]).astype(np.float32))
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, widths in zip(axes, [[16], [4, 4, 4, 4]]):
    with gg.no_grad():
        p = pattern(relu_net(widths, 2, 1), grid2)
    _, ids = np.unique(p, axis=0, return_inverse=True)
    ax.imshow(rng.permutation(ids.max() + 1)[ids.reshape(g1.shape)], origin="lower",
              extent=[-3, 3, -3, 3], cmap="tab20")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(f"widths {widths}: {ids.max() + 1} regions in [−3, 3]²")
plt.show()

# %% [markdown]
# **Affine on each region.** The gradient ∇ₓf is the slope of the affine piece: one backward
# pass gives it at every grid point (the points are independent), and within each activation
# pattern it is the same vector.

# %%
net2 = relu_net([4, 4, 4, 4], 2, 1)
xg = grid2.detach().requires_grad_()
net2(xg).sum().backward()
slopes2 = xg.grad.numpy()
with gg.no_grad():
    _, ids = np.unique(pattern(net2, grid2), axis=0, return_inverse=True)
ids = ids.ravel()
spread = max(np.abs(slopes2[ids == r] - slopes2[ids == r][0]).max() for r in np.unique(ids))
distinct = len(np.unique(slopes2.round(4), axis=0))
print(f"{ids.max() + 1} regions; the largest spread of ∇f within one region: {spread:.1e}; "
      f"{distinct} distinct slopes on the grid")
assert spread < 1e-5 and distinct <= ids.max() + 1

# %% [markdown]
# **Depth against width.** With H = 16 hidden units, random initialisations (the average over
# 5 seeds) in 1-D and 2-D. Random networks are far from the bounds (at most 2^H regions; at
# least Ω((Z/D)^{(L−1)D} Z^D) *attainable*, i.e. with the best parameters). The attainable part
# is shown by a hand-made deep network: the tent map t(x) = 2 relu(x) − 4 relu(x − ½) folds
# [0, 1] onto itself, and L compositions (2 units per layer) make **2^L** pieces, while a
# network with one hidden layer of H units has at most H + 1 pieces in 1-D. (Randomly
# initialised deep-and-narrow networks have *fewer* regions than wide ones below: many of their
# units are dead or redundant. The exponential count needs the right parameters.)

# %%
archs = [[16], [8, 8], [4, 4, 4, 4], [2] * 8]
for widths in archs:
    r1 = np.mean([regions_1d(relu_net(widths, 1, s))[0] for s in range(5)])
    with gg.no_grad():
        r2 = np.mean([len(np.unique(pattern(relu_net(widths, 2, s), grid2), axis=0))
                      for s in range(5)])
    print(f"widths {str(widths):26} 1-D regions {r1:6.1f}   2-D regions {r2:7.1f}")
    assert max(r1, r2) <= 2 ** 16                       # at most 2^H regions
    if len(widths) == 1:
        assert r1 <= widths[0] + 1                      # one hidden layer, 1-D: ≤ H + 1 pieces

# %%
def tent_network(L):
    """L layers of the tent map on [0, 1], 2 ReLU units each (weights by hand)."""
    layers = []
    for _ in range(L):
        first, second = gg.nn.Linear(1, 2), gg.nn.Linear(2, 1)
        with gg.no_grad():
            first.weight[...] = gg.tensor([[1.0], [1.0]])
            first.bias[...] = gg.tensor([0.0, -0.5])
            second.weight[...] = gg.tensor([[2.0, -4.0]])
            second.bias[...] = gg.tensor([0.0])
        layers += [first, gg.nn.ReLU(), second]
    return gg.nn.Sequential(*layers)


xt1 = np.linspace(0, 1, 4097)[:, None].astype(np.float32)
fig, ax = plt.subplots(figsize=(6, 3))
for L in [1, 2, 3, 4]:
    with gg.no_grad():
        yt1 = tent_network(L)(gg.tensor(xt1)).numpy()[:, 0]
    slopes = np.round(np.diff(yt1) / np.diff(xt1[:, 0]), 1)
    pieces = 1 + int((slopes[1:] != slopes[:-1]).sum())
    ax.plot(xt1[:, 0], yt1 + 1.2 * (L - 1), label=f"L = {L}: {pieces} pieces (2L = {2 * L} units)")
    assert pieces == 2 ** L                             # exponential in the depth
ax.set_xlabel("x")
ax.set_ylabel("t∘⋯∘t (x), shifted")
ax.set_ylim(-0.2, 6.2)
ax.legend(fontsize=8, loc="upper center", ncol=2)
ax.set_title("depth makes exponentially many linear pieces")
plt.show()

# %% [markdown]
# ## 9. Embeddings in use (§2.1, §2.3.4)
#
# An autoencoder 64 → 32 → 16 → 32 → 64 is pretrained on 1,400 digit images *without labels*. Its
# codes z are then the inputs of (a) a linear prediction head trained on only 50 labelled images
# and (b) k-means with k = 10. We compare with the same head and k-means on the raw pixels.

# %%
Xd, Yd = gg.data.digits()
Xtr, Ytr, Xte, Yte = Xd[:1400], Yd[:1400], Xd[1400:], Yd[1400:]
gg.manual_seed(0)
ae = gg.nn.Autoencoder([64, 32, 16], activation="relu", generator=0)
opt = gg.optim.Adam(ae.parameters(), lr=3e-3)
loader = gg.data.DataLoader(gg.data.TensorDataset(Xtr), batch_size=64, shuffle=True, seed=0)
for _ in range(25):                     # epochs
    for (xb_,) in loader:
        opt.zero_grad()
        F.mse_loss(ae(xb_), xb_).backward()
        opt.step()
mse_test = float(F.mse_loss(ae(Xte), Xte))
print("reconstruction MSE on the test images:", round(mse_test, 4),
      "  (predicting the mean image:", round(float(((Xte - Xtr.mean(0)) ** 2).mean()), 4), ")")
assert mse_test < 0.25 * float(((Xte - Xtr.mean(0)) ** 2).mean())   # the code keeps the image

# %%
def head_accuracy(train_x, test_x, n_labels=50, steps=300):
    gg.manual_seed(0)
    head = gg.nn.SoftmaxRegression(train_x.shape[1], 10, generator=0)
    opt = gg.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(head(train_x[:n_labels]), Ytr[:n_labels]).backward()
        opt.step()
    return float((head.predict(test_x) == Yte).float().mean())


with gg.no_grad():
    Ztr, Zte = ae.encode(Xtr), ae.encode(Xte)
mu, sd = Ztr.mean(0), Ztr.std(0) + 1e-6
acc_raw, acc_code = head_accuracy(Xtr, Xte), head_accuracy((Ztr - mu) / sd, (Zte - mu) / sd)
print(f"head on 50 labels — raw pixels: {acc_raw:.3f}   autoencoder codes: {acc_code:.3f}")
assert acc_code > 0.7 and acc_code > acc_raw      # 16 pretrained features beat 64 raw pixels


def purity(labels, truth):
    """The fraction of samples whose cluster's majority digit is their own."""
    return sum(np.bincount(truth[labels == c]).max() for c in np.unique(labels)) / len(truth)


_, km_raw = kmeans(Xtr.numpy(), 10)
_, km_code = kmeans(((Ztr - mu) / sd).numpy(), 10)
pur_raw, pur_code = purity(km_raw, Ytr.numpy()), purity(km_code, Ytr.numpy())
print(f"k-means purity — raw pixels: {pur_raw:.3f}   codes: {pur_code:.3f}")
assert pur_code > 0.6                              # clusters of codes are mostly one digit

# %%
Zs = ((Zte - mu) / sd).numpy()
U, S_, Vt = np.linalg.svd(Zs - Zs.mean(0), full_matrices=False)
proj = Zs @ Vt[:2].T
fig, ax = plt.subplots(figsize=(6, 5))
sc = ax.scatter(*proj.T, c=Yte.numpy(), cmap="tab10", s=10)
fig.colorbar(sc, ax=ax, label="digit")
ax.set_xlabel("first principal direction of z")
ax.set_ylabel("second principal direction of z")
ax.set_title("test digits in the autoencoder's embedding")
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Train the OLS layer with the *sum* of squared errors instead of the mean. Which learning
#    rate still converges, and why?
# 2. Find an assignment of the 8 codes to the cube's corners that is not the natural one but
#    still works. How many are there?
# 3. Give the binary-threshold autoencoder **two** threshold units. How many reconstructions are
#    there, and why can they not be 4 arbitrary centroids (compare with 4-means)?
# 4. Count the 1-D regions of the tent network for L = 8 without plotting. Then perturb its
#    weights by 1 % noise: what survives?
# 5. Shrink the autoencoder's code to 2 and plot the codes directly. How do the head's accuracy
#    and the k-means purity change with the code size 2, 4, 8, 16? With 200 labels instead of 50,
#    is the pretraining still worth it?
