# %% [markdown]
# # 004 · Backpropagation layer by layer; automatic differentiation, forward and reverse
#
# **What note 004 teaches** (`../shared/seeds/004_*.txt`): the gradient of a deep network
# f_K ∘ ⋯ ∘ f_1 with layers f_i = σ(A_{i−1} f_{i−1} + b_{i−1}) and loss L = ‖y − f_K‖², layer by
# layer, where the product ∂L/∂f_K ⋯ ∂f_{i+2}/∂f_{i+1} is **reused** from one layer to the next;
# automatic differentiation in forward mode (dy/db (db/da da/dx)) and reverse mode
# ((dy/db db/da) da/dx); the worked example f(x) = √(x² + exp(x²)) + cos(x² + exp(x²)) with the
# intermediate variables a … f; the general form x_i = g_i(x_Pa(x_i)) and the backpropagation
# formula; the same computation in PyTorch.
#
# Computed here: the worked example in both modes, against the closed form; a 20-line reverse
# mode over the note's list of assignments; loops and branches; the layer-by-layer backward
# pass, with the reused ∂L/∂f and what reuse saves; the cost of the two modes for a Jacobian;
# the PyTorch example run by graphgrad (and compared with PyTorch where it is installed). The
# slide's ∂d/∂c and the sign of its cross-entropy are corrected in
# [docs/errata.md](../docs/errata.md). Every key number is checked with an `assert`.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import graphgrad as gg

gg.set_default_dtype(gg.float64)
rng = np.random.default_rng(5)

# %% [markdown]
# ## 1. The worked example
#
# a = x², b = exp(a), c = a + b, d = √c, e = cos c, f = d + e, with local derivatives
# ∂a/∂x = 2x, ∂b/∂a = exp(a), ∂c/∂a = ∂c/∂b = 1, **∂d/∂c = 1/(2√c)** (the slide's table writes
# 1/√c; its next slide has the ½), ∂e/∂c = −sin c, ∂f/∂d = ∂f/∂e = 1.

# %%
def f(x):
    a = x ** 2
    b = gg.exp(a)
    c = a + b
    d = gg.sqrt(c)
    e = gg.cos(c)
    return d + e


def closed_form(x):
    """The slide's df/dx = 2x (1 / (2√(x² + e^{x²})) − sin(x² + e^{x²})) (1 + e^{x²})."""
    c = x ** 2 + np.exp(x ** 2)
    return 2 * x * (1 / (2 * np.sqrt(c)) - np.sin(c)) * (1 + np.exp(x ** 2))


x0 = 1.5
reverse = gg.grad(f)(gg.tensor(x0))
_, forward = gg.jvp(f, (gg.tensor(x0),), (gg.tensor(1.0),))
print(f"reverse mode {float(reverse):.10f}\nforward mode {float(forward):.10f}\n"
      f"closed form  {closed_form(x0):.10f}")
assert np.isclose(float(reverse), closed_form(x0)) and np.isclose(float(forward), closed_form(x0))
assert round(closed_form(x0), 2) == 27.78                    # the number in docs/errata.md

# %% [markdown]
# The backward pass in the note's order — ∂f/∂c = ∂f/∂d ∂d/∂c + ∂f/∂e ∂e/∂c, ∂f/∂b, ∂f/∂a (two
# paths), ∂f/∂x — as graphgrad records and explains it:

# %%
xt = gg.tensor(x0, requires_grad=True)
a = xt ** 2
b = gg.exp(a)
c = a + b
d = gg.sqrt(c)
e = gg.cos(c)
f_ = d + e
print(gg.explain(f_, names=dict(x=xt, a=a, b=b, c=c, d=d, e=e, f=f_)))

# %% [markdown]
# With the slide's ∂d/∂c = 1/√c the result would be wrong:

# %%
c = x0 ** 2 + np.exp(x0 ** 2)
df_dc_slide = 1 / np.sqrt(c) - np.sin(c)
df_dc_right = 1 / (2 * np.sqrt(c)) - np.sin(c)
print("df/dx with 1/√c    :", df_dc_slide * (1 + np.exp(x0 ** 2)) * 2 * x0)
print("df/dx with 1/(2√c) :", df_dc_right * (1 + np.exp(x0 ** 2)) * 2 * x0)
assert round(df_dc_slide * (1 + np.exp(x0 ** 2)) * 2 * x0, 2) == 32.37
assert np.isclose(df_dc_right * (1 + np.exp(x0 ** 2)) * 2 * x0, float(reverse))

# %% [markdown]
# ## 2. Automatic differentiation in general: a reverse mode in a few lines
#
# x_1 … x_d inputs, x_i = g_i(x_Pa(x_i)) for i = d+1 … D, f = x_D. Backpropagation:
# ∂f/∂x_D = 1 and ∂f/∂x_i = Σ_{j: i ∈ Pa(j)} ∂f/∂x_j · ∂g_j/∂x_i. Written as a program over the
# note's list of assignments (each with its local derivatives):

# %%
program = [  # (name, parents, g, local derivatives ∂g/∂parent)
    ("a", ["x"], lambda x: x ** 2, [lambda x: 2 * x]),
    ("b", ["a"], np.exp, [np.exp]),
    ("c", ["a", "b"], lambda a, b: a + b, [lambda a, b: 1.0, lambda a, b: 1.0]),
    ("d", ["c"], np.sqrt, [lambda c: 1 / (2 * np.sqrt(c))]),
    ("e", ["c"], np.cos, [lambda c: -np.sin(c)]),
    ("f", ["d", "e"], lambda d, e: d + e, [lambda d, e: 1.0, lambda d, e: 1.0]),
]


def reverse_mode(x):
    value = {"x": x}
    for name, parents, g, _ in program:                      # forward propagation
        value[name] = g(*[value[p] for p in parents])
    grad = dict.fromkeys(value, 0.0)
    grad["f"] = 1.0
    for name, parents, _, local in reversed(program):        # backpropagation
        args = [value[p] for p in parents]
        for p, dg in zip(parents, local):
            grad[p] += grad[name] * dg(*args)
    return value["f"], grad


val, grads = reverse_mode(x0)
print({k: round(float(v), 4) for k, v in grads.items()})
print("∂f/∂x:", grads["x"], " graphgrad:", float(reverse))
assert np.isclose(grads["x"], float(reverse))
# the note's intermediate steps: ∂f/∂c = 1/(2√c) − sin c, ∂f/∂a = ∂f/∂b e^a + ∂f/∂c
assert np.isclose(grads["c"], 1 / (2 * np.sqrt(c)) - np.sin(c))
assert np.isclose(grads["a"], grads["b"] * np.exp(x0 ** 2) + grads["c"])

# %% [markdown]
# **Loops and branches "require more care"** (the note): automatic differentiation follows the
# path the program took. A loop is unrolled into as many assignments as it ran — Newton's
# iteration y ← (y + x/y)/2 for √x, 6 times, is differentiated to ≈ 1/(2√x) — and an `if`
# contributes only the branch taken, so at a kink the derivative is that branch's one-sided one.

# %%
def newton_sqrt(x, steps=6):
    y = x
    for _ in range(steps):
        y = (y + x / y) / 2
    return y


x2 = gg.tensor(2.0, requires_grad=True)
root = newton_sqrt(x2)
root.backward()
print(f"√2 by Newton {float(root):.12f}, d/dx {float(x2.grad):.12f}, "
      f"1/(2√2) {1 / (2 * np.sqrt(2)):.12f}")
assert np.isclose(float(x2.grad), 1 / (2 * np.sqrt(2)))
assert len(gg.graph(newton_sqrt(x2)).hidden) > 6       # the graph recorded every iteration


def branch(x):
    return x * 3 if float(x) >= 1 else x ** 2          # continuous at 1, a kink: 3 ≠ 2


slopes = [float(gg.grad(branch)(gg.tensor(v))) for v in (0.5, 1.0, 1.5)]
print("d/dx at 0.5, 1 (the ≥ branch), 1.5:", slopes)
assert slopes == [1.0, 3.0, 3.0]

# %% [markdown]
# ## 3. A deep network, layer by layer
#
# f_0 = x, f_i = σ(A_{i−1} f_{i−1} + b_{i−1}), L = ‖y − f_K‖². The chain rule gives
# ∂L/∂θ_i = ∂L/∂f_K · ∂f_K/∂f_{K−1} ⋯ ∂f_{i+2}/∂f_{i+1} · ∂f_{i+1}/∂θ_i, and the long product
# ∂L/∂f_{i+1} is shared by all deeper θ: backpropagation computes it once per layer,
# ∂L/∂f_i = ∂L/∂f_{i+1} · ∂f_{i+1}/∂f_i, as a row vector times a Jacobian. By hand in NumPy:

# %%
K, n = 5, 6
A = [rng.normal(size=(n, n)) / np.sqrt(n) for _ in range(K)]
b = [rng.normal(size=n) * 0.1 for _ in range(K)]
x_in, y_out = rng.normal(size=n), rng.normal(size=n)


def sigma(s):
    return 1 / (1 + np.exp(-s))



fs = [x_in]
for i in range(K):                                   # forward: keep every f_i
    fs.append(sigma(A[i] @ fs[-1] + b[i]))
dL_df = -2 * (y_out - fs[-1])                        # ∂L/∂f_K (a row)
grads_A, grads_b, reused = [None] * K, [None] * K, []
for i in reversed(range(K)):                         # backward: layer K−1 down to 0
    dL_ds = dL_df * fs[i + 1] * (1 - fs[i + 1])      # through σ: ∂f_{i+1}/∂s = diag(σ′)
    grads_A[i], grads_b[i] = np.outer(dL_ds, fs[i]), dL_ds
    dL_df = dL_ds @ A[i]                             # ∂L/∂f_i = ∂L/∂f_{i+1} ∂f_{i+1}/∂f_i
    reused.append(np.linalg.norm(dL_df))
print("‖∂L/∂f_i‖ from i = K−1 down to 0:", np.round(reused, 4))

At = [gg.tensor(a_, requires_grad=True) for a_ in A]
bt = [gg.tensor(b_, requires_grad=True) for b_ in b]
h = gg.tensor(x_in)
for i in range(K):
    h = gg.sigmoid(At[i] @ h + bt[i])
((gg.tensor(y_out) - h) ** 2).sum().backward()
print("by hand == autograd:", all(np.allclose(g_, t.grad.numpy()) for g_, t in
                                   zip(grads_A + grads_b, At + bt)))
assert all(np.allclose(g_, t.grad.numpy()) for g_, t in zip(grads_A + grads_b, At + bt))

# %% [markdown]
# **What the reuse saves.** Without it, each ∂L/∂θ_i multiplies its own chain of K − i
# Jacobians: O(K²) vector-Jacobian products in all, against O(K) when ∂L/∂f is passed down.

# %%
def grads_without_reuse(A, b, fs, y):
    """Each layer's gradient from its own full chain (what symbolic differentiation writes)."""
    out = []
    products = 0
    for i in range(len(A)):
        row = -2 * (y - fs[-1])
        for j in reversed(range(i + 1, len(A))):     # ∂L/∂f_K ⋯ ∂f_{i+2}/∂f_{i+1}
            row = (row * fs[j + 1] * (1 - fs[j + 1])) @ A[j]
            products += 1
        ds = row * fs[i + 1] * (1 - fs[i + 1])
        out.append(np.outer(ds, fs[i]))
        products += 1
    return out, products


no_reuse, count = grads_without_reuse(A, b, fs, y_out)
print("same gradients:", all(np.allclose(u, v) for u, v in zip(no_reuse, grads_A)),
      f"  vector-Jacobian products: {count} without reuse, {K} with")
assert all(np.allclose(u, v) for u, v in zip(no_reuse, grads_A)) and count == K * (K + 1) // 2
depths, counts = range(1, 41), []
for k in depths:
    counts.append(k * (k + 1) // 2)
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.plot(depths, counts, label="without reuse: K(K+1)/2")
ax.plot(depths, depths, label="backpropagation: K")
ax.set_xlabel("depth K")
ax.set_ylabel("vector-Jacobian products")
ax.legend()
ax.set_title("reusing ∂L/∂f_{i+1}: linear instead of quadratic")
plt.show()

# %% [markdown]
# ## 4. Forward mode and reverse mode
#
# For y = y(b(a(x))), forward mode multiplies dy/db (db/da da/dx) — from the input on, one sweep
# per input direction; reverse mode (dy/db db/da) da/dx — from the output back, one sweep per
# output. For a Jacobian of f: Rⁿ → Rᵐ: n forward sweeps or m backward sweeps. The graph view
# counts them, and we time `gg.jacfwd` against `gg.jacrev`:

# %%
W1 = rng.normal(size=(32, 64))
for n_in, m_out in [(64, 1), (1, 64)]:
    Win, Wout = rng.normal(size=(64, n_in)), rng.normal(size=(m_out, 32))

    def fn(v, Win=Win, Wout=Wout):                           # ndarrays: constants, not nodes
        return Wout @ gg.tanh(W1 @ gg.tanh(Win @ v))

    v0 = gg.tensor(rng.normal(size=n_in))
    times, jacobians = {}, []
    for name, jac in [("forward (jacfwd)", gg.jacfwd), ("reverse (jacrev)", gg.jacrev)]:
        t = time.perf_counter()
        J = jac(fn)(v0)
        times[name] = time.perf_counter() - t
        jacobians.append(J.numpy())
    print(f"f: R^{n_in} → R^{m_out}, Jacobian {tuple(J.shape)}: " +
          ", ".join(f"{k} {1e3 * v:.1f} ms" for k, v in times.items()))
    cost = gg.trace(fn, v0).cost()
    print("\n".join("   " + line for line in str(cost).splitlines()[1:]))
    assert np.allclose(*jacobians) and J.shape == (m_out, n_in)      # the same Jacobian
    assert (cost.forward_sweeps, cost.backward_sweeps) == (n_in, m_out)  # n or m sweeps
    assert cost.cheaper == ("backward" if n_in > m_out else "forward")

# %% [markdown]
# ## 5. The PyTorch example, in graphgrad
#
# The slide's program: x ∈ R^{10×5}, y = 0, z = x W₁, r = z W₂ + b, and the binary cross-entropy
# with logits. graphgrad names the backward nodes as PyTorch does (`grad_fn`). (The slide's
# formula CE ≈ −y log σ(z) + (1 − y) log(1 − σ(z)) has the wrong sign on its second term; the
# loss is −[y log σ(z) + (1 − y) log(1 − σ(z))], which is what both libraries compute.)

# %%
gg.manual_seed(0)
x = gg.randn(10, 5)
y = gg.zeros(10, 1)
w1 = gg.randn(5, 3, requires_grad=True)
w2 = gg.randn(3, 1, requires_grad=True)
b = gg.randn(1, requires_grad=True)
z = gg.matmul(x, w1)
r = gg.matmul(z, w2) + b
loss = gg.nn.functional.binary_cross_entropy_with_logits(r, y)
print(f"Gradient function for z = {z.grad_fn.torch_name}")
print(f"Gradient function for loss = {loss.grad_fn.torch_name}")
assert z.grad_fn.torch_name == "MmBackward0"                        # the slide's printout
assert loss.grad_fn.torch_name == "BinaryCrossEntropyWithLogitsBackward0"
loss.backward()
print(w1.grad, w2.grad, b.grad, sep="\n")
# with y = 0: ∂loss/∂r = σ(r)/10, so ∂loss/∂b = mean σ(r) and ∂loss/∂w2 = zᵀσ(r)/10
sig_r = 1 / (1 + np.exp(-r.detach().numpy()))
assert np.isclose(float(b.grad[0]), sig_r.mean())
assert np.allclose(w2.grad.numpy(), z.detach().numpy().T @ sig_r / 10)

# %% [markdown]
# The slide's printed gradients come from torch's random numbers, which graphgrad does not
# draw; where PyTorch is installed, we run the slide's program on *our* tensors and compare:

# %%
try:
    import torch
except ImportError:                    # optional: pip install -e '.[torch]'
    torch = None
    print("PyTorch is not installed: the comparison is skipped")
if torch is not None:
    tx = torch.tensor(x.numpy())
    tw1, tw2, tb = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (w1, w2, b))
    tr = torch.matmul(torch.matmul(tx, tw1), tw2) + tb
    tloss = torch.nn.functional.binary_cross_entropy_with_logits(tr, torch.zeros(10, 1,
                                                                                 dtype=tr.dtype))
    tloss.backward()
    print(f"torch: loss {tloss.item():.6f}, grad_fn {type(tloss.grad_fn).__name__}")
    assert np.isclose(tloss.item(), float(loss))
    for ours, theirs in [(w1, tw1), (w2, tw2), (b, tb)]:
        assert np.allclose(ours.grad.numpy(), theirs.grad.numpy())
    print("graphgrad's gradients == PyTorch's")

# %%
s = r.detach().numpy()
sig = 1 / (1 + np.exp(-s))
right = -(y.numpy() * np.log(sig) + (1 - y.numpy()) * np.log(1 - sig)).mean()
slide = (-y.numpy() * np.log(sig) + (1 - y.numpy()) * np.log(1 - sig)).mean()
print(f"library loss {float(loss):.5f}   −[y log σ + (1−y) log(1−σ)] {right:.5f}   "
      f"slide's sign {slide:.5f} (negative: not a loss)")
assert np.isclose(float(loss), right) and np.isclose(slide, -right) and slide < 0

# %% [markdown]
# ## Exercises
#
# 1. Add a seventh assignment g = f · a to the program of §2 and differentiate g with
#    `reverse_mode`; check with `gg.grad`.
# 2. Write `forward_mode(x, dx)` for the same program (push a tangent through each assignment
#    with the local derivatives) and check it against `gg.jvp`.
# 3. In §3, replace σ by ReLU and the loss by the cross-entropy of a softmax; adapt the hand-made
#    backward pass.
# 4. For f: R^n → R^m with n = m = 64, which mode wins? Time it.
# 5. Why does the slide's PyTorch example need no activation between W₁ and W₂ to train — and
#    what does that say about the model (see notebook 003 §2, `003_feedforward_networks.ipynb`)?
