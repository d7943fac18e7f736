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
# operations composed of several primitives: their results' nodes carry PyTorch's name
CASES.update({
    "max dim": lambda m, x, M, B: M.max(1)[0], "min dim": lambda m, x, M, B: M.min(1).values,
    "sort": lambda m, x, M, B: M.sort(1)[0], "topk": lambda m, x, M, B: M.topk(2)[0],
    "kthvalue": lambda m, x, M, B: M.kthvalue(2, 1)[0],
    "median dim": lambda m, x, M, B: M.median(1)[0],
    "nanmedian": lambda m, x, M, B: M.nanmedian(), "mode": lambda m, x, M, B: M.mode(1)[0],
    "cummax": lambda m, x, M, B: M.cummax(1)[0], "cummin": lambda m, x, M, B: M.cummin(1)[0],
    "gather": lambda m, x, M, B: M.gather(1, m.tensor([[0], [2]])),
    "index_select": lambda m, x, M, B: M.index_select(1, m.tensor([0, 2])),
    "masked_fill": lambda m, x, M, B: M.masked_fill(M > 0, 0.0),
    "masked_select": lambda m, x, M, B: M.masked_select(M > 0),
    "take": lambda m, x, M, B: M.take(m.tensor([0, 4])),
    "index_add": lambda m, x, M, B: M.index_add(0, m.tensor([1]), M[:1]),
    "scatter src": lambda m, x, M, B: M.scatter(1, m.tensor([[0], [1]]), M[:, :1]),
    "scatter value": lambda m, x, M, B: M.scatter(1, m.tensor([[0], [1]]), 1.0),
    "scatter_add": lambda m, x, M, B: M.scatter_add(1, m.tensor([[0], [1]]), M[:, :1]),
    "embedding": lambda m, x, M, B: m.nn.functional.embedding(m.tensor([1, 0]), M),
    "addmv": lambda m, x, M, B: m.addmv(x[:2], M, x), "flip": lambda m, x, M, B: M.flip(0),
    "roll": lambda m, x, M, B: M.roll(1, 0), "rot90": lambda m, x, M, B: M.rot90(),
    "clamp_min": lambda m, x, M, B: M.clamp_min(0.1),
    "clamp_max tensor": lambda m, x, M, B: M.clamp_max(x),
    "repeat": lambda m, x, M, B: M.repeat(2, 1), "tile": lambda m, x, M, B: M.tile(2),
    "stack": lambda m, x, M, B: m.stack([M, M]), "tril": lambda m, x, M, B: M.tril(),
    "triu": lambda m, x, M, B: M.triu(1), "diag vector": lambda m, x, M, B: x.diag(),
    "diag matrix": lambda m, x, M, B: M.diag(), "diagonal": lambda m, x, M, B: B.diagonal(),
    "trace": lambda m, x, M, B: M[:, :2].trace(), "squeeze": lambda m, x, M, B: M[None].squeeze(),
    "squeeze dim": lambda m, x, M, B: M[None].squeeze(0),
    "squeeze dims": lambda m, x, M, B: M[None].squeeze((0, 1)),
    "unsqueeze method": lambda m, x, M, B: M.unsqueeze(1),
    "split": lambda m, x, M, B: M.split(1)[1], "split sizes": lambda m, x, M, B: B.split([1, 3])[0],
    "chunk": lambda m, x, M, B: B.chunk(2)[1], "unbind": lambda m, x, M, B: M.unbind(1)[2],
    "var_mean": lambda m, x, M, B: m.var_mean(M, 1)[0],
    "std_mean": lambda m, x, M, B: m.std_mean(M)[1],
    "mse_loss": lambda m, x, M, B: m.nn.functional.mse_loss(M, M.detach() * 2),
    "smooth_l1_loss": lambda m, x, M, B: m.nn.functional.smooth_l1_loss(M, M.detach() * 2),
    "huber_loss": lambda m, x, M, B: m.nn.functional.huber_loss(M, M.detach() * 2),
    "nll_loss": lambda m, x, M, B: m.nn.functional.nll_loss(M, m.tensor([0, 2])),
    "binary_cross_entropy": lambda m, x, M, B: m.nn.functional.binary_cross_entropy(
        M.sigmoid(), M.detach().sigmoid()),
    "logsigmoid": lambda m, x, M, B: m.nn.functional.logsigmoid(M),
    "glu": lambda m, x, M, B: m.nn.functional.glu(B[:, :, :2]),
    "celu": lambda m, x, M, B: m.nn.functional.celu(M),
    "cross": lambda m, x, M, B: m.cross(M, M * 2, dim=1),
    "pairwise_distance": lambda m, x, M, B: m.nn.functional.pairwise_distance(M, M * 2),
    "pad reflect": lambda m, x, M, B: m.nn.functional.pad(B, (1, 1), mode="reflect"),
    "pad replicate": lambda m, x, M, B: m.nn.functional.pad(B[None], (1, 1, 1, 1),
                                                           mode="replicate"),
    "pad circular": lambda m, x, M, B: m.nn.functional.pad(B, (1, 1), mode="circular"),
    "interpolate nearest": lambda m, x, M, B: m.nn.functional.interpolate(B[None],
                                                                          scale_factor=2),
    "interpolate bilinear": lambda m, x, M, B: m.nn.functional.interpolate(
        B[None], scale_factor=2, mode="bilinear"),
    "pixel_shuffle": lambda m, x, M, B: m.nn.functional.pixel_shuffle(B.reshape(1, 4, 3, 2), 2),
    "adaptive_avg_pool2d": lambda m, x, M, B: m.nn.functional.adaptive_avg_pool2d(B[None], 2),
    "adaptive_max_pool2d": lambda m, x, M, B: m.nn.functional.adaptive_max_pool2d(B[None], 2),
    "adaptive_max_pool1d": lambda m, x, M, B: m.nn.functional.adaptive_max_pool1d(B, 2),
    "max_pool2d": lambda m, x, M, B: m.nn.functional.max_pool2d(B[None], 2),
    "avg_pool2d": lambda m, x, M, B: m.nn.functional.avg_pool2d(B[None], 2),
    "avg_pool1d": lambda m, x, M, B: m.nn.functional.avg_pool1d(B, 2),
    "conv1d": lambda m, x, M, B: m.nn.functional.conv1d(B, B[:1]),
    "conv_transpose2d": lambda m, x, M, B: m.nn.functional.conv_transpose2d(B[None],
                                                                            m.ones(4, 2, 2, 2)),
    "unfold im2col": lambda m, x, M, B: m.nn.functional.unfold(B[None], 2),
})


def _leaves(lib):
    rng = np.random.default_rng(0)
    arrays = rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=(4, 2, 3))
    return [lib.tensor(a, dtype=lib.float32, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", sorted(CASES))
def test_grad_fn_class_names_match_torch(case, torch):
    ours = CASES[case](gg, *_leaves(gg)).grad_fn
    theirs = CASES[case](torch, *_leaves(torch)).grad_fn
    assert ours.torch_name == type(theirs).__name__ and ours.name() == theirs.name()
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


def test_a_custom_functions_node_is_named_as_torch_names_it(torch):
    names = []
    for lib in (gg, torch):
        class Spread(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x.exp()

            @staticmethod
            def backward(ctx, g_double, g_exp):
                raise AssertionError("not called here")
        x = lib.ones(2, requires_grad=True)
        first, second = Spread.apply(x)
        names.append((first.grad_fn.name(), second.grad_fn.name()))
    assert names[0] == names[1] == ("SpreadBackward", "SpreadBackward")
