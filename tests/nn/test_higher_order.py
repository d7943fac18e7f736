"""The fused primitives (linear, the cross-entropies with logits) differentiate to second
order and in forward mode: Hessian-vector products of a small network's loss match PyTorch's
double backward, and jvp matches the vjp."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F

# (graphgrad loss of (z, targets), torch loss of (torch.nn.functional, z, targets as torch
# tensors)): the torch side takes the module as an argument, so that this table needs no torch
LOSSES = {
    "cross_entropy": (lambda z, y: F.cross_entropy(z, y["labels"]),
                      lambda TF, z, y: TF.cross_entropy(z, y["labels"])),
    "cross_entropy_smoothed": (
        lambda z, y: F.cross_entropy(z, y["labels"], label_smoothing=0.1, reduction="sum"),
        lambda TF, z, y: TF.cross_entropy(z, y["labels"], label_smoothing=0.1, reduction="sum")),
    "cross_entropy_probabilities": (lambda z, y: F.cross_entropy(z, y["soft"]),
                                    lambda TF, z, y: TF.cross_entropy(z, y["soft"])),
    "bce_with_logits": (
        lambda z, y: F.binary_cross_entropy_with_logits(z, y["binary"], pos_weight=y["pos"]),
        lambda TF, z, y: TF.binary_cross_entropy_with_logits(z, y["binary"],
                                                             pos_weight=y["pos"])),
}


def _targets(rng):
    return {"labels": rng.integers(0, 3, 5), "soft": rng.dirichlet(np.ones(3), 5),
            "binary": rng.uniform(0, 1, (5, 3)), "pos": rng.uniform(0.5, 2.0, 3)}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_hessian_vector_product_matches_torch(name, torch, TF, both):
    ours_loss, torch_loss = LOSSES[name]
    rng = np.random.default_rng(0)
    x, targets = rng.normal(size=(5, 4)), _targets(rng)
    model = nn.MLP([4, 6, 3], activation="tanh", dtype=gg.float64, generator=0)
    reference = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    reference = reference.double()
    with torch.no_grad():
        for p, q in zip(model.parameters(), reference.parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    vectors = [rng.normal(size=p.shape) for p in model.parameters()]

    params = list(model.parameters())
    grads = gg.gradients(ours_loss(model(gg.tensor(x)), targets), params, create_graph=True)
    hvp = gg.gradients(sum((g * v).sum() for g, v in zip(grads, vectors)), params)

    tparams = list(reference.parameters())
    ttargets = {key: torch.tensor(value) for key, value in targets.items()}
    tgrads = torch.autograd.grad(torch_loss(TF, reference(torch.tensor(x)), ttargets), tparams,
                                 create_graph=True)
    thvp = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(tgrads, vectors)),
                               tparams)
    both.assert_same(list(hvp), list(thvp), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_forward_mode_agrees_with_reverse_mode(name):
    ours_loss, _ = LOSSES[name]
    rng = np.random.default_rng(1)
    x, targets = rng.normal(size=(5, 4)), _targets(rng)
    weight, bias = rng.normal(size=(3, 4)), rng.normal(size=3)
    direction = (rng.normal(size=(3, 4)), rng.normal(size=3))

    def loss(w, b):
        return ours_loss(F.linear(gg.tensor(x), w, b), targets)

    _, tangent = gg.jvp(loss, (weight, bias), direction)
    grads = gg.grad(loss, argnums=(0, 1))(weight, bias)
    expected = sum(np.sum(g.detach().numpy() * d) for g, d in zip(grads, direction))
    assert tangent.item() == pytest.approx(expected, rel=1e-12)
