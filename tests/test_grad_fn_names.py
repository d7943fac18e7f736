"""grad_fn reads as PyTorch's: the class names (MulBackward0, MmBackward0, AddmmBackward0, ...),
grad_fn.name() giving them, the repr 004's listing prints, and next_functions with
AccumulateGrad and None entries; a tensor's own name (the graph view's label) stays apart."""
import re

import numpy as np
import pytest

import graphgrad as gg

CASES = {
    "mul": lambda m, x, M, B: x * 2, "add": lambda m, x, M, B: x + x,
    "sub": lambda m, x, M, B: x - 1, "div": lambda m, x, M, B: x / 2,
    "neg": lambda m, x, M, B: -x, "exp": lambda m, x, M, B: x.exp(),
    "log1p": lambda m, x, M, B: (x * x).log1p(), "expm1": lambda m, x, M, B: x.expm1(),
    "abs": lambda m, x, M, B: x.abs(), "tanh": lambda m, x, M, B: x.tanh(),
    "sigmoid": lambda m, x, M, B: x.sigmoid(), "relu": lambda m, x, M, B: x.relu(),
    "sqrt": lambda m, x, M, B: (x * x).sqrt(), "atan": lambda m, x, M, B: x.atan(),
    "pow scalar": lambda m, x, M, B: x ** 2, "pow tensor": lambda m, x, M, B: x ** x,
    "rpow": lambda m, x, M, B: 2 ** x, "clamp": lambda m, x, M, B: x.clamp(0, 1),
    "where": lambda m, x, M, B: m.where(x > 0, x, x * 0),
    "maximum": lambda m, x, M, B: m.maximum(x, x * 2),
    "sum": lambda m, x, M, B: x.sum(), "sum dim": lambda m, x, M, B: M.sum(0),
    "prod": lambda m, x, M, B: x.prod(), "logsumexp": lambda m, x, M, B: x.logsumexp(0),
    "cumsum": lambda m, x, M, B: x.cumsum(0),
    "dot": lambda m, x, M, B: x @ x, "mv": lambda m, x, M, B: M @ x,
    "mm": lambda m, x, M, B: M @ M.T, "vm": lambda m, x, M, B: x @ M.T,
    "bmm": lambda m, x, M, B: B @ M.T,
    "T": lambda m, x, M, B: M.T, "reshape": lambda m, x, M, B: M.reshape(3, 2),
    "expand": lambda m, x, M, B: M.expand(2, 2, 3), "cat": lambda m, x, M, B: m.cat([M, M]),
    "select": lambda m, x, M, B: M[0], "select col": lambda m, x, M, B: M[:, 1],
    "slice": lambda m, x, M, B: M[0:1], "index": lambda m, x, M, B: M[[0, 1]],
    "unsqueeze": lambda m, x, M, B: M[None],
    "softmax": lambda m, x, M, B: m.softmax(M, 1), "to double": lambda m, x, M, B: x.double(),
    "clone": lambda m, x, M, B: x.clone(), "amax dim": lambda m, x, M, B: M.amax(1),
    "amin dims": lambda m, x, M, B: B.amin((0, 2)), "max": lambda m, x, M, B: M.max(),
    "unfold": lambda m, x, M, B: M.unfold(1, 2, 1), "mean": lambda m, x, M, B: M.mean(),
    "mean dim": lambda m, x, M, B: B.mean((0, 1)), "square": lambda m, x, M, B: x.square(),
    "norm": lambda m, x, M, B: M.norm(dim=1), "vector @ batch": lambda m, x, M, B: x @ B.mT,
    "transpose": lambda m, x, M, B: M.transpose(0, 1),
    "transpose 0-d": lambda m, x, M, B: x.sum().transpose(0, -1),
    "swapaxes": lambda m, x, M, B: B.swapaxes(0, 2),
    "swapdims": lambda m, x, M, B: M.swapdims(1, 0), "mT": lambda m, x, M, B: B.mT,
    "t": lambda m, x, M, B: M.t(), "t vector": lambda m, x, M, B: x.t(),
    "permute": lambda m, x, M, B: B.permute(2, 0, 1), "movedim": lambda m, x, M, B: B.movedim(0, 2),
    "addmm": lambda m, x, M, B: m.addmm(x[:2], M, M.T),
    "addmm scaled": lambda m, x, M, B: m.addmm(M[:, :2], M, M.T, beta=0, alpha=2),
    "torch.bmm": lambda m, x, M, B: m.bmm(B, B.mT),
}


def _leaves(lib):
    rng = np.random.default_rng(0)
    arrays = rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=(4, 2, 3))
    return [lib.tensor(a, dtype=lib.float32, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", sorted(CASES))
def test_grad_fn_class_names_match_torch(case, torch):
    ours = CASES[case](gg, *_leaves(gg)).grad_fn
    theirs = CASES[case](torch, *_leaves(torch)).grad_fn
    assert ours.torch_name == ours.name() == type(theirs).__name__ == theirs.name()
    assert re.fullmatch(rf"<{ours.torch_name} object at 0x[0-9a-f]+>", repr(ours))


def test_nn_grad_fn_names_match_torch(torch):
    F, TF = gg.nn.functional, torch.nn.functional
    (x, M, _), (xt, Mt, _) = _leaves(gg), _leaves(torch)
    label, label_t = gg.tensor([0, 2]), torch.tensor([0, 2])
    pairs = [(F.linear(M, M), TF.linear(Mt, Mt)),
             (F.linear(M, M, x[:2]), TF.linear(Mt, Mt, xt[:2])),
             (F.cross_entropy(M, label), TF.cross_entropy(Mt, label_t)),
             (F.binary_cross_entropy_with_logits(x, x.detach()),
              TF.binary_cross_entropy_with_logits(xt, xt.detach())),
             (F.log_softmax(M, 1), TF.log_softmax(Mt, 1)), (F.gelu(x), TF.gelu(xt)),
             (F.layer_norm(M, (3,)), TF.layer_norm(Mt, (3,)))]
    for ours, theirs in pairs:
        assert ours.grad_fn.torch_name == type(theirs.grad_fn).__name__


def test_004_listing_reads_as_torchs(torch):
    """004's example prints z.grad_fn and loss.grad_fn: the same class names here."""
    lines = []
    for lib in (gg, torch):
        x, y = lib.randn(10, 5), lib.zeros(10, 1)
        w1, w2 = lib.randn(5, 3, requires_grad=True), lib.randn(3, 1, requires_grad=True)
        b = lib.randn(1, requires_grad=True)
        z = lib.matmul(x, w1)
        r = lib.matmul(z, w2) + b
        loss = lib.nn.functional.binary_cross_entropy_with_logits(r, y)
        lines.append([re.sub(r" at 0x[0-9a-f]+", "", f"{t.grad_fn}") for t in (z, r, loss)])
    assert lines[0] == lines[1] == ["<MmBackward0 object>", "<AddBackward0 object>",
                                    "<BinaryCrossEntropyWithLogitsBackward0 object>"]


def test_next_functions_as_torch(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        shapes = {"x*2": x * 2, "x*x": x * x, "x+c": x + c, "x**2": x ** 2,
                  "exp": (x * 2).exp(), "clamp": x.clamp(c, c + 1)}
        described = {}
        for key, t in shapes.items():
            described[key] = [None if f is None else type(f).__name__ if lib is torch
                              else f.torch_name if hasattr(f, "torch_name") else f.name()
                              for f, _ in t.grad_fn.next_functions]
        if lib is gg:
            ours = described
            acc = (x * x).grad_fn.next_functions[0][0]
            assert acc is (x * x).grad_fn.next_functions[1][0] and acc.variable is x
            assert acc.next_functions == () and re.fullmatch(
                r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))
        else:
            assert ours == described


def test_transposes_and_fused_products_link_as_torchs(torch):
    """transpose, t, addmm and bmm: one node each, over the same next functions as PyTorch's."""
    def described(lib):
        x, M, B = _leaves(lib)
        outs = [M.transpose(0, 1), M.t(), lib.addmm(x[:2], M, M.T), lib.bmm(B, B.mT)]
        return [[None if f is None else f.name() if lib is gg else type(f).__name__
                 for f, _ in out.grad_fn.next_functions] for out in outs]
    assert described(gg) == described(torch) == [
        ["AccumulateGrad"], ["AccumulateGrad"],
        ["SliceBackward0", "AccumulateGrad", "PermuteBackward0"],
        ["AccumulateGrad", "TransposeBackward0"]]


def test_tensor_repr_names_the_grad_fn_as_torch(torch):
    x, xt = gg.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    assert repr(x.exp()).split(", ")[-1] == repr(xt.exp()).split(", ")[-1] == \
        "grad_fn=<ExpBackward0>)"


def test_name_is_torchs_method_and_the_tensor_name_stays_the_graph_views(torch):
    """grad_fn.name() is PyTorch's call; the name given to a tensor labels its node in the
    graph view (node.tensor_name), apart from it."""
    x, xt = gg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0],
                                                                    requires_grad=True)
    y, yt = x * 3, xt * 3
    assert y.grad_fn.name() == yt.grad_fn.name() == "MulBackward0"
    # torch's AccumulateGrad.name() is 'torch::autograd::AccumulateGrad', its class name ours
    assert [f and f.name() for f, _ in y.grad_fn.next_functions] == \
        [f and type(f).__name__ for f, _ in yt.grad_fn.next_functions] == ["AccumulateGrad", None]
    assert y.grad_fn.tensor_name is None
    y.name = "scaled"
    assert y.grad_fn.tensor_name == "scaled" and y.grad_fn.name() == "MulBackward0"
    graph = gg.graph(y.sum())
    assert "scaled" in [v.name for v in graph.nodes]


def test_optimizer_refusal_names_the_grad_fn():
    x = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="made by 'MulBackward0'"):
        gg.optim.SGD([x * 2], lr=0.1)
