"""gg.explain: the backward pass as numbered steps (002's listing), checked against numbers
derived by hand and against PyTorch."""
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.cli import main

X, Y, W0, W1 = 1.5, 1.0, 0.5, -0.2


def logistic_regression():
    """002: u = w0 + w1 x, ŷ = σ(u), L = −y log ŷ − (1 − y) log(1 − ŷ)."""
    w0 = gg.tensor(np.float64(W0), requires_grad=True, name="w0")
    w1 = gg.tensor(np.float64(W1), requires_grad=True, name="w1")

    def loss(x, y):
        u = w0 + w1 * x
        u.name = "u"
        yhat = gg.sigmoid(u)
        yhat.name = "yhat"
        L = -y * gg.log(yhat) - (1 - y) * gg.log(1 - yhat)
        L.name = "L"
        return L
    return gg.trace(loss, np.float64(X), np.float64(Y), granularity="named")


def test_logistic_regression_steps_match_the_hand_derivation():
    e = gg.explain(logistic_regression())
    u = W0 + W1 * X
    yhat = 1 / (1 + math.exp(-u))
    dL_dyhat = (yhat - Y) / (yhat * (1 - yhat))          # 002, step (4)
    dL_du = dL_dyhat * yhat * (1 - yhat)                 # = ŷ − y, step (5)
    expected = {                                          # (source, target): (upstream, local)
        ("y", "L"): (1.0, -math.log(yhat) + math.log(1 - yhat)),
        ("yhat", "L"): (1.0, dL_dyhat),
        ("u", "yhat"): (dL_dyhat, yhat * (1 - yhat)),
        ("x", "u"): (dL_du, W1),
        ("w1", "u"): (dL_du, X),
        ("w0", "u"): (dL_du, 1.0),
    }
    assert [(s.source.name, s.target.name) for s in e.steps] == list(expected)
    for step in e.steps:
        upstream, local = expected[step.source.name, step.target.name]
        assert step.upstream == pytest.approx(upstream, rel=1e-12)
        assert step.local == pytest.approx(local, rel=1e-12)
        assert step.contribution == pytest.approx(upstream * local, rel=1e-12)
    # 002's closed form: ∇_w L = (ŷ − y)(1, x)
    assert e.grads["w0"] == pytest.approx(yhat - Y, rel=1e-12)
    assert e.grads["w1"] == pytest.approx((yhat - Y) * X, rel=1e-12)
    text = str(e)
    assert f"yhat.grad += L.grad * dL/dyhat = 1.000 * {dL_dyhat:.3f} = {dL_dyhat:.3f}" in text
    assert f"w1.grad += u.grad * du/dw1 = {dL_du:.3f} * 1.500 = {dL_du * X:.3f}" in text
    assert "L.grad = 1.000" in text and "u = w0 + (w1 * x)" in text


def test_fan_out_is_summed_and_said():
    x = gg.tensor(np.float64(0.8), requires_grad=True, name="x")
    y = x * x
    y.name = "y"
    u = gg.sin(y)
    u.name = "u"
    v = gg.exp(y)
    v.name = "v"
    L = u + v
    L.name = "L"
    text = str(gg.explain(L))
    total = math.cos(0.64) + math.exp(0.64)
    assert f"y.grad = {math.exp(0.64):.3f} + {math.cos(0.64):.3f} = {total:.3f}" in text
    assert "summed over 2 children" in text
    assert f"x.grad += y.grad * dy/dx = {total:.3f} * 1.600 = {total * 1.6:.3f}" in text


def test_tensor_graph_lists_each_operation_with_shapes_and_matches_torch(torch, both):
    rng = np.random.default_rng(3)
    x = gg.tensor(rng.normal(size=(4, 3)), name="x")
    W1 = gg.tensor(rng.normal(size=(3, 5)), requires_grad=True, name="W1")
    W2 = gg.tensor(rng.normal(size=(5, 2)), requires_grad=True, name="W2")
    h = gg.tanh(x @ W1)
    h.name = "h"
    loss = gg.mean(h @ W2)
    e = gg.explain(loss)
    assert len(e.steps) == len(e.graph.edges)
    text = str(e)
    assert "W2.grad(5, 2) += hᵀ @ v" in text and "h.grad(4, 5) += v" in text
    assert "@ W2ᵀ" in text and "h.grad(4, 5) ⊙ dh/dv0" in text
    _, (tx, tW1, tW2) = both.leaves(x.array, W1.array, W2.array)
    torch.mean(torch.tanh(tx @ tW1) @ tW2).backward()
    both.assert_same([e.grads[W1], e.grads["W2"]], [tW1.grad, tW2.grad], rtol=1e-12)


def test_printing_shows_the_listing(capsys):
    x = gg.tensor(np.float64(2.0), requires_grad=True, name="x")
    e = gg.explain(gg.exp(x))
    print(e)
    assert capsys.readouterr().out.strip() == str(e) == repr(e)


def test_command_line_explain_of_004(capsys):
    code = main(["explain", "sqrt(x**2 + exp(x**2)) + cos(x**2 + exp(x**2))", "--at", "x=1.5"])
    out = capsys.readouterr().out
    s = 1.5 ** 2 + math.exp(1.5 ** 2)
    closed = 2 * 1.5 * (1 / (2 * math.sqrt(s)) - math.sin(s)) * (1 + math.exp(1.5 ** 2))
    assert code == 0
    # 004's intermediate variables a..f, each computed once
    for line in ("v0 = x ** 2 = 2.250", "v1 = exp(v0) = 9.488", "v2 = v0 + v1 = 11.738",
                 "v3 = sqrt(v2) = 3.426", "v4 = cos(v2) = 0.676", "v5 = v3 + v4 = 4.102"):
        assert line in out
    assert f"dv5/dx = {closed:.3f}" in out
