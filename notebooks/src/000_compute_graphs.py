# %% [markdown]
# # 000 · Compute graphs, forward and backward propagation, attention
#
# **What note 000 teaches** (`../shared/seeds/000_*.txt`): a *compute graph*
# (V, D, D′, E, Θ, {g_vθ}) is an acyclic digraph with input nodes V, hidden nodes D, output
# nodes D′, parameters θ ∈ Θ and a local function g_vθ for every non-input node. It defines the
# activations α_vθ (eq. 5) and the function f_θ = α_D′θ. The derivative of an activation is a sum
# over paths, Δ_uv (eqs. 10–11), computed by **forward propagation** (eq. 13, parents first) or
# **backward propagation** (eq. 15, children first). Eq. 9 is l2-regularised logistic regression
# over any compute graph, in base 2, minimised by steepest descent. The note ends with
# **attention** over the training samples.
#
# In this notebook, computed with graphgrad:
# 1. the example graph of eqs. 6–8: V, D, D′, Θ, parents, children, ancestors, paths; its nodes
#    with `.value` and `.grad`, the backward listing and a drawing;
# 2. Δ_uv three ways (eq. 11 path sum, eq. 13, eq. 15) and eq. 10;
# 3. eq. 9 minimised by steepest descent on the example graph, in base 2, with its loss surface;
# 4. the general attention family: any g_θ′ and β, the rewrite ⟨θ′, Σ_s α x_s⟩, dot-product and
#    Mahalanobis attention.
#
# Every key number is checked with an `assert`, so the notebook fails when the library stops
# reproducing the note.
#
# Where the note's formulas have slips (the pseudo-code's ∂g_w/∂α_w, eq. 9's f_θ(x)), see
# [docs/errata.md](../docs/errata.md).

# %%
import matplotlib.pyplot as plt
import numpy as np
from graph_drawing import draw  # notebooks/graph_drawing.py: a graph drawn with matplotlib

import graphgrad as gg

F = gg.nn.functional

gg.set_default_dtype(gg.float64)      # exact comparisons; the notes compute with real numbers
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The example graph (eqs. 6–8)
#
# V = {v0, v1, v2}, D = {v3}, D′ = {v4}, Θ = {θ0, θ1} with
# g_v3(x) = x_v0 + θ0·x_v1 and g_v4(x) = x_v2 + x_v3^θ1, so f_θ(x) = x_v2 + (x_v0 + θ0 x_v1)^θ1.
#
# graphgrad records the computation as we run it. `granularity="named"` makes the named tensors
# the nodes, and the unnamed operations between them their local functions g_v, exactly as in
# the note. (graphgrad draws parameters as nodes with edges, as note 002 does; 000 keeps θ out
# of the digraph — the symbols table of `docs/notes.md` maps one onto the other.)

# %%
def example(x, theta):
    """000's eqs. 6-7: returns (v3, v4)."""
    v3 = x[0] + theta[0] * x[1]
    v4 = x[2] + v3 ** theta[1]
    return v3, v4


x = [gg.tensor(1.0), gg.tensor(2.0), gg.tensor(3.0)]
theta = [gg.nn.Parameter(gg.tensor(0.5)), gg.nn.Parameter(gg.tensor(2.0))]
v3, v4 = example(x, theta)
names = {"v0": x[0], "v1": x[1], "v2": x[2], "θ0": theta[0], "θ1": theta[1], "v3": v3, "v4": v4}
g = gg.graph(v4, names=names, granularity="named")
g  # noqa: B018 (a notebook shows the graph: drawn where Graphviz is installed)

# %%
print("V  =", [v.name for v in g.inputs])
print("Θ  =", [v.name for v in g.parameters])
print("D  =", [v.name for v in g.hidden])
print("D′ =", [v.name for v in g.outputs])
print("P_v4 =", [u.name for u in g.parents("v4")], "  C_v3 =", [u.name for u in g.children("v3")])
print("A_v4 =", sorted(u.name for u in g.ancestors("v4")))
print("uv-paths from θ0 to v4:", [[n.name for n in p] for p in g.paths("θ0", "v4")])
assert {v.name for v in g.inputs} == {"v0", "v1", "v2"} and [v.name for v in g.hidden] == ["v3"]
assert [v.name for v in g.outputs] == ["v4"] and {v.name for v in g.parameters} == {"θ0", "θ1"}
assert {u.name for u in g.ancestors("v4")} == {"v0", "v1", "v2", "v3", "θ0", "θ1"}
order = g.topological_order()          # an order <_P (eq. 14): parents before children
assert all(order.index(u) < order.index(v) for v in order for u in g.parents(v))

# %% [markdown]
# **Nodes with `.value` and `.grad`** (as in note 002's node objects): `v.value` is the
# activation α_v, and `g.grads()[v]` is ∂f/∂α_v, found by one backward sweep.

# %%
grads = g.grads()
for v in g.topological_order():
    print(f"{v.name:3} kind={v.kind:9} op={str(v.op):12} value={float(v.value):7.3f} "
          f"grad={float(grads[v]):7.3f}")
# eq. 8 at x = (1, 2, 3), θ = (0.5, 2): f = 3 + (1 + 0.5 · 2)² = 7; ∂f/∂α_v3 = θ1 α_v3 = 4
assert float(g.node("v4").value) == 7.0 and float(grads[g.node("v3")]) == 4.0

# %% [markdown]
# The backward pass as a listing in the notes' style, `u.grad += v.grad * dv/du`:

# %%
print(gg.explain(v4, names=names, granularity="named"))

# %% [markdown]
# **The drawing.** `g.render("graph.svg")` draws with Graphviz where it is installed, and
# `g.to_dot()` gives the DOT text. Here a small matplotlib drawing with no dependency
# (`notebooks/graph_drawing.py`): rows by longest path from the leaves, values and gradients on
# the nodes.

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
draw(g, ax, grads)
ax.set_title("000's example graph: α_v and ∂f/∂α_v in each node")
plt.show()
print(g.to_dot()[:180], "...")

# %% [markdown]
# ## 2. Δ_uv three ways, and eq. 10
#
# Δ_uv = Σ over uv-paths of the product of the local derivatives ∂g_v′/∂α_u′ along the path
# (eq. 11). Forward propagation computes Δ_u· for one u and all nodes (eq. 13); backward
# propagation Δ_·w for one w and all nodes (eq. 15). All three agree:

# %%
for u in ["v0", "v1", "θ0", "θ1", "v3"]:
    by_paths = g.path_sum(u, "v4")
    forward = g.forward_propagation(u)[g.node("v4")]
    backward = g.backward_propagation("v4")[g.node(u)]
    print(f"Δ_{u},v4: paths {float(by_paths):8.4f}  forward {float(forward):8.4f}  "
          f"backward {float(backward):8.4f}")
    assert np.isclose(float(by_paths), float(forward)) and np.isclose(float(forward),
                                                                      float(backward))
assert float(g.path_sum("v4", "v4")) == 1 and float(g.path_sum("v2", "v3")) == 0  # the remark

# %% [markdown]
# Eq. 10 says ∂α_v4/∂θ_j = Σ_u ∂g_u/∂θ_j · Δ_uv4. With θ as nodes this is Δ_θj,v4, and it is
# the gradient that `.backward()` accumulates. By hand:
# ∂f/∂θ0 = θ1 (x_v0 + θ0 x_v1)^(θ1−1) x_v1 and ∂f/∂θ1 = (x_v0 + θ0 x_v1)^θ1 ln(x_v0 + θ0 x_v1).

# %%
v4.backward()
a = 1.0 + 0.5 * 2.0
by_hand = [2.0 * a ** 1.0 * 2.0, a ** 2.0 * np.log(a)]
print("autograd :", [float(t.grad) for t in theta])
print("by hand  :", by_hand)
print("eq. 10/11:", [float(g.path_sum(t, "v4")) for t in ["θ0", "θ1"]])
assert np.allclose([float(t.grad) for t in theta], by_hand)
assert np.allclose([float(g.path_sum(t, "v4")) for t in ["θ0", "θ1"]], by_hand)

# %% [markdown]
# ## 3. Eq. 9 by steepest descent on the example graph, in base 2
#
# Eq. 9: minimise over θ
# (1/|S|) Σ_s ( −y_s f_θ(x_s) + log₂(1 + 2^{f_θ(x_s)}) ) + (log₂ e / 2σ²) ‖θ‖².
# (The note writes f_θ(x) in the second term; it means x_s — see the errata.) With logs to base
# 2, 2^f / (1 + 2^f) is the model's probability of y = 1, and the loss is measured in bits: it is
# the natural-log loss divided by ln 2 (the regulariser too, hence its log₂ e).
#
# Data: x_v0 ∈ [1, 2], x_v1 ∈ [0, 1] (so that x_v0 + θ0 x_v1 > 0 and the power is defined),
# x_v2 ∈ [−6, −2], and labels drawn from the model itself with θ* = (1, 2).

# %%
n = 200
X = np.column_stack([rng.uniform(1, 2, n), rng.uniform(0, 1, n), rng.uniform(-6, -2, n)])
theta_true = np.array([1.0, 2.0])
f_true = X[:, 2] + (X[:, 0] + theta_true[0] * X[:, 1]) ** theta_true[1]
Y = (rng.random(n) < 2 ** f_true / (1 + 2 ** f_true)).astype(float)
sigma = 3.0


XS, YS = gg.tensor(X), gg.tensor(Y)


def eq9(th, X=XS, Y=YS):
    """000's eq. 9 (base 2) at θ = (θ0, θ1), on the example graph's f_θ."""
    f = X[:, 2] + (X[:, 0] + th[0] * X[:, 1]) ** th[1]
    data = (-Y * f + gg.log2(1 + 2.0 ** f)).mean()
    return data + np.log2(np.e) / (2 * sigma ** 2) * (th ** 2).sum()


# %% [markdown]
# In bits: with logits z = f ln 2, p(y = 1) = 2^f / (1 + 2^f) = σ(z), and eq. 9 is the natural-log
# logistic loss of z (plus (1/2σ²)‖θ‖²) divided by ln 2:

# %%
th_test = gg.tensor([0.7, 1.5])
f_test = XS[:, 2] + (XS[:, 0] + th_test[0] * XS[:, 1]) ** th_test[1]
in_nats = (F.binary_cross_entropy_with_logits(f_test * np.log(2), YS)
           + (th_test ** 2).sum() / (2 * sigma ** 2))
print(f"eq. 9 = {float(eq9(th_test)):.6f} bits = {float(in_nats):.6f} nats / ln 2 "
      f"= {float(in_nats) / np.log(2):.6f}")
assert np.isclose(float(eq9(th_test)), float(in_nats) / np.log(2))
assert np.allclose((2 ** f_test / (1 + 2 ** f_test)).numpy(),
                   gg.sigmoid(f_test * np.log(2)).numpy())

# %% [markdown]
# Steepest descent: θ ← θ − τ ∇_θ(eq. 9), ∇ by backward propagation.

# %%
th = gg.tensor([0.2, 1.0], requires_grad=True)
path, tau = [th.detach().numpy().copy()], 0.05
steps = 300
for _ in range(steps):
    loss = eq9(th)
    (grad,) = gg.autograd.grad(loss, th)
    with gg.no_grad():
        th -= tau * grad
    path.append(th.detach().numpy().copy())
path = np.array(path)
th_end = gg.tensor(path[-1], requires_grad=True)
(grad_end,) = gg.autograd.grad(eq9(th_end), th_end)
print(f"θ after {steps} steps: {path[-1].round(3)}   eq. 9 = {float(eq9(th)):.4f} bits"
      f"   ‖∇‖ = {np.linalg.norm(grad_end.numpy()):.1e}   (θ* that drew the labels: {theta_true})")
assert float(eq9(th)) < float(eq9(gg.tensor(path[0])))       # descent ...
assert np.linalg.norm(grad_end.numpy()) < 5e-3                # ... to a stationary point
assert np.allclose(path[-1], theta_true, atol=0.3)            # near the θ that drew the labels

# %%
t0, t1 = np.meshgrid(np.linspace(-0.2, 2.0, 60), np.linspace(0.6, 2.6, 60))
Z = np.array([[float(eq9(gg.tensor([a, b]))) for a, b in zip(ra, rb)] for ra, rb in zip(t0, t1)])
fig, ax = plt.subplots(figsize=(6, 4.5))
cs = ax.contour(t0, t1, Z, levels=25, cmap="viridis")
ax.clabel(cs, fontsize=7)
ax.plot(path[:, 0], path[:, 1], ".-", color="C3", ms=3, label="steepest descent")
ax.plot(*path[0], "o", color="k", label=f"start {path[0].round(2)}")
ax.plot(*path[-1], "*", color="C3", ms=14, label=f"end {path[-1].round(2)}")
ax.set_xlabel("θ0")
ax.set_ylabel("θ1")
ax.set_title("eq. 9 (bits) on 000's example graph")
ax.legend()
plt.show()

# %% [markdown]
# ## 4. Attention over the training samples
#
# For any g_θ′: X → R and any score β_θ″: X × X → R,
# α_θ″(x, x′) = softmax_S(β_θ″(x, ·))(x′) and f_θ(x) = Σ_s α_θ″(x, x_s) g_θ′(x_s).
# We write the family once, with g and β as arguments:

# %%
def attention(x, samples, g, beta):
    """000's f_θ(x) = Σ_s α(x, x_s) g(x_s) for a batch x (B, J) and samples (N, J)."""
    alpha = gg.softmax(beta(x, samples), dim=-1)          # (B, N): α(x, x_s)
    return alpha @ g(samples), alpha


def dot_beta(tq, tk):
    return lambda x, xs: (x @ tq.T) @ (xs @ tk.T).T      # ⟨θ^q x, θ^k x′⟩


def mahalanobis_beta(m):
    def beta(x, xs):                                     # −‖θ″(x − x′)‖²
        d = (x[:, None, :] - xs[None, :, :]) @ m.T
        return -(d ** 2).sum(-1)
    return beta


# %% [markdown]
# **The rewrite.** With g_θ′(x) = ⟨θ′, x⟩ the output is ⟨θ′, Σ_s α(x, x_s) x_s⟩: attention
# averages the *samples*, then applies one linear function. And the family with these g and β
# is graphgrad's `gg.nn.SampleAttention`:

# %%
S = rng.normal(size=(20, 2))                 # samples x_s ∈ R^J, J = 2
xq = gg.tensor(rng.normal(size=(5, 2)))
layer = gg.nn.SampleAttention(S, kind="dot", generator=0)
tp = layer.value_weight
out, alpha = attention(xq, gg.tensor(S), lambda xs: xs @ tp,
                       dot_beta(layer.query_weight, layer.key_weight))
rewritten = (alpha @ gg.tensor(S)) @ tp      # ⟨θ′, Σ_s α x_s⟩
print("Σ_s α g(x_s) == ⟨θ′, Σ_s α x_s⟩:", np.allclose(out.detach(), rewritten.detach()),
      "  == nn.SampleAttention:", np.allclose(out.detach(), layer(xq).detach()))
assert np.allclose(out.detach(), rewritten.detach())
assert np.allclose(out.detach(), layer(xq).detach())
assert np.allclose(alpha.detach().numpy().sum(1), 1) and (alpha.detach().numpy() > 0).all()
m_test = gg.tensor(rng.normal(size=(3, 2)))   # Mahalanobis: the score is −‖θ″(x − x′)‖²
beta_m = mahalanobis_beta(m_test)(xq, gg.tensor(S)).numpy()
assert np.isclose(beta_m[0, 4], -np.sum((m_test.numpy() @ (xq.numpy()[0] - S[4])) ** 2))

# %% [markdown]
# **Learning it.** A 1-D regression y = sin(3x) from 25 samples, with features x = (x, 1) so
# that ⟨θ′, x⟩ has an offset. Three members of the family, each trained by Adam for 300 steps:
# dot-product and Mahalanobis attention with linear g, and an arbitrary pair — g_θ′ a small tanh
# network and β(x, x′) = −|⟨w, x − x′⟩| (an L1 score).
#
# The rewrite predicts what we will see: with a linear g, f_θ(x) = ⟨θ′, x̄(x)⟩ where
# x̄(x) = Σ_s α(x, x_s) x_s = (x̄, 1) is a weighted mean of the samples, so f_θ(x) = θ′₀ x̄(x) + θ′₁:
# however sharp the attention, a rescaled smoothing of x, never a sine. The sine needs a
# non-linear g (or features that carry it).

# %%
xs1 = np.sort(rng.uniform(-1.5, 1.5, 25))
samples = gg.tensor(np.column_stack([xs1, np.ones_like(xs1)]))
targets = gg.tensor(np.sin(3 * xs1))
gg.manual_seed(0)
mlp = gg.nn.MLP([2, 16, 1], activation="tanh")
w_l1 = gg.nn.Parameter(gg.tensor([3.0, 0.0]))
models = {
    "dot, g linear": gg.nn.SampleAttention(samples, kind="dot", generator=1),
    "Mahalanobis, g linear": gg.nn.SampleAttention(samples, kind="mahalanobis", generator=2),
    "L1 score, g MLP": (lambda x: attention(
        x, samples, lambda s: mlp(s)[:, 0],
        lambda a, b: -(((a[:, None, :] - b[None]) @ w_l1).abs()))[0],
        list(mlp.parameters()) + [w_l1]),
}

# %%
curves = {}
for name, m in models.items():
    f, params = (m, list(m.parameters())) if isinstance(m, gg.nn.Module) else m
    opt = gg.optim.Adam(params, lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = ((f(samples) - targets) ** 2).mean()
        loss.backward()
        opt.step()
    curves[name] = (f, float(loss))
    print(f"{name:22} training MSE {float(loss):.4f}")
mse = {name: c[1] for name, c in curves.items()}
assert min(mse["dot, g linear"], mse["Mahalanobis, g linear"]) > 0.1   # a smoothing of x: no sine
assert mse["L1 score, g MLP"] < 0.05                                   # a non-linear g fits it

# %%
grid = np.linspace(-1.6, 1.6, 200)
G = gg.tensor(np.column_stack([grid, np.ones_like(grid)]))
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(grid, np.sin(3 * grid), "k--", lw=1, label="sin 3x")
ax.plot(xs1, np.sin(3 * xs1), "ko", ms=4, label="samples x_s")
with gg.no_grad():
    for name, (f, mse) in curves.items():
        ax.plot(grid, f(G).numpy(), label=f"{name} (MSE {mse:.3f})")
ax.set_xlabel("x")
ax.set_ylabel("f_θ(x)")
ax.set_title("000's attention over the samples, three choices of g and β")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The attention weights α(x, x_s) of the Mahalanobis model: each row is a softmax over the 25
# samples, concentrated on the samples near x.

# %%
with gg.no_grad():
    A = models["Mahalanobis, g linear"].attention(G).numpy()
fig, ax = plt.subplots(figsize=(6, 3.5))
im = ax.imshow(A.T, aspect="auto", origin="lower", extent=[grid[0], grid[-1], 0, 25])
ax.set_xlabel("query x")
ax.set_ylabel("sample s (sorted by x_s)")
ax.set_title("α(x, x_s), Mahalanobis attention")
fig.colorbar(im, ax=ax)
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Change g_v4 to x_v2 · x_v3^θ1 and predict Δ_v3,v4 before you compute it three ways.
# 2. Add an edge v0 → v4 (g_v4 = x_v2 + x_v3^θ1 + x_v0): how many v0v4-paths are there now, and
#    how does Δ_v0,v4 change?
# 3. Run steepest descent on eq. 9 with τ = 0.5 and τ = 0.005. What happens to the path? Make
#    σ small (strong regularisation): where does θ end?
# 4. Replace log₂ by the natural log in eq. 9 (and log₂ e by 1). Show that the minimiser is the
#    same θ and the loss is the old one times ln 2.
# 5. In the attention experiment, give the Mahalanobis metric θ″ a larger initial scale. Why
#    does the fit become more "nearest-neighbour"-like?
