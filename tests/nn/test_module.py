"""Module: registration, traversal, modes, gradients, state dicts (round trips and strict
loading errors), repr; containers."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4, generator=0)
        self.scale = nn.Parameter(np.ones(4, np.float32))
        self.register_buffer("steps", gg.zeros(1))
        self.register_buffer("cache", gg.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2, generator=1))
        self.shared = self.block.fc          # the same module twice: parameters counted once

    def forward(self, x):
        return self.head(self.block(x))


def test_registration_and_traversal():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.1.weight",
                     "head.1.bias"]                     # PyTorch's order
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [name for name, _ in net.named_modules()] == ["", "block", "block.fc", "head",
                                                         "head.0", "head.1"]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Sequential", "Linear"]
    assert [name for name, _ in net.named_buffers()] == ["block.steps", "block.cache"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 + 4 * 2 + 2
    assert len(list(net.block.parameters(recurse=False))) == 1


def test_parameter_is_a_lean_tensor_subclass():
    p = nn.Parameter(np.arange(3.0))
    assert isinstance(p, gg.Tensor) and p.requires_grad and p.is_leaf
    assert not hasattr(p, "__dict__")
    data = np.zeros(2, np.float32)
    assert nn.Parameter(data).array is data          # shares memory, as PyTorch
    assert "Parameter containing" in repr(p)
    frozen = nn.Parameter(np.ones(2), requires_grad=False)
    assert not frozen.requires_grad


def test_reassignment_rules():
    block = Block()
    block.scale = None                              # a parameter may be set to None
    assert "scale" not in dict(block.named_parameters())
    with pytest.raises(TypeError, match="Parameter"):
        block.scale = gg.tensor([1.0])
    block.steps = gg.ones(1)
    assert dict(block.named_buffers())["steps"].detach().numpy()[0] == 1.0
    with pytest.raises(TypeError, match="Tensor"):
        block.steps = [1.0]
    del block.fc
    assert "fc.weight" not in block.state_dict()

    class Forgetful(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(1))
    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgetful()


def test_forward_backward_and_zero_grad():
    net = Net()
    out = net(gg.randn(5, 3))
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.detach().numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_train_eval_propagate():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.1)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_to_dtype():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(b.dtype == np.float64 for b in net.buffers())
    assert net(gg.randn(2, 3, dtype=gg.float64)).dtype == np.float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_state_dict_keys_values_and_sharing():
    net = Net()
    state = net.state_dict()
    assert list(state) == ["block.scale", "block.steps", "block.fc.weight", "block.fc.bias",
                           "head.1.weight", "head.1.bias", "shared.weight", "shared.bias"]
    assert "block.cache" not in state                     # non-persistent buffer
    assert not state["block.scale"].requires_grad
    assert np.shares_memory(state["block.scale"].detach().numpy(), net.block.scale.detach().numpy())


def test_load_state_dict_copies_and_casts():
    source, target = Net(), Net()
    for p in source.parameters():
        p.array[...] = np.random.default_rng(0).normal(size=p.shape)
    state = {k: v.detach().numpy().astype(np.float64) for k, v in source.state_dict().items()}
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert b.dtype == np.float32
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
    x = gg.randn(4, 3)
    np.testing.assert_array_equal(source(x).detach().numpy(), target(x).detach().numpy())


def test_strict_loading_names_every_problem():
    net = Net()
    state = net.state_dict()
    del state["block.scale"]
    state["block.extra"] = np.zeros(3)
    state["head.1.weight"] = np.zeros((5, 4))
    before = net.head[1].weight.detach().numpy().copy()
    with pytest.raises(nn.StateDictError) as caught:
        net.load_state_dict(state)
    message = str(caught.value)
    assert "missing key 'block.scale'" in message
    assert "unexpected key 'block.extra'" in message
    assert "shape mismatch for 'head.1.weight'" in message and "(5, 4)" in message
    np.testing.assert_array_equal(net.head[1].weight.detach().numpy(),
                                  before)      # nothing changed
    with pytest.raises(nn.StateDictError, match="shape mismatch"):
        net.load_state_dict(state, strict=False)                # shapes are always checked
    state["head.1.weight"] = np.ones((2, 4))
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["block.scale"] and unexpected == ["block.extra"]
    np.testing.assert_array_equal(net.head[1].weight.detach().numpy(), 1.0)


@pytest.mark.parametrize("name", ["model.npz", "model.safetensors"])
def test_state_dict_round_trip_through_save_and_load(tmp_path, name):
    if name.endswith("safetensors"):
        pytest.importorskip("safetensors", reason="optional extra")
    net = Net().double()
    net.block.steps.array[...] = 7
    gg.save(net.state_dict(), tmp_path / name)
    other = Net().double()
    other.load_state_dict(gg.load(tmp_path / name))
    for (key, a), b in zip(net.state_dict().items(), other.state_dict().values()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=key)


def test_repr_is_pytorchs_tree_and_counts_are_a_method():
    text = repr(Net())
    assert text.startswith("Net(\n  (block): Block(\n    (fc): Linear(in_features=3, "
                           "out_features=4, bias=True)")
    assert "(0): ReLU()\n" in text and repr(nn.ReLU()) == "ReLU()"
    assert Net().num_parameters() == 30                  # the shared layer counted once


def test_apply_visits_every_module():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Block", "ReLU", "Linear", "Sequential", "Linear", "Net"]


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == [b, c]
    x = gg.randn(4, 2)
    np.testing.assert_array_equal(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())
    seq.append(nn.Sigmoid())
    del seq[1]
    assert [k for k, _ in seq.named_children()] == ["0", "1", "2"]
    seq.insert(1, nn.Tanh())
    assert type(seq[1]).__name__ == "Tanh"
    named = nn.Sequential({"encode": nn.Linear(2, 2), "act": nn.ReLU()})
    assert list(dict(named.named_children())) == ["encode", "act"]
    with pytest.raises(IndexError, match="out of range"):
        seq[10]


def test_module_list_and_dict_register_parameters():
    holder = nn.Module()
    holder.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    holder.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert len(list(holder.parameters())) == 3 * 2 + 2 * 2
    holder.layers.append(nn.Linear(2, 2))
    assert "layers.3.weight" in holder.state_dict()
    assert "b" in holder.heads and list(holder.heads.keys()) == ["a", "b"]
    popped = holder.heads.pop("a")
    assert isinstance(popped, nn.Linear) and "heads.a.weight" not in holder.state_dict()
    assert len(holder.layers + nn.ModuleList([nn.ReLU()])) == 5
    with pytest.raises(NotImplementedError, match="forward"):
        holder(gg.zeros(1))


def test_reassigning_a_name_keeps_its_place_in_the_order_as_in_torch(torch):
    """add_module('0', m) on a Sequential and reassigning a parameter replace in place: the
    order of children, parameters and so of the state dict stays PyTorch's."""
    orders = []
    for lib in (gg, torch):
        seq = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh(), lib.nn.Linear(2, 1))
        seq.add_module("0", lib.nn.Linear(2, 2))
        seq[2].weight = lib.nn.Parameter(lib.zeros(1, 2))
        seq.register_buffer("scale", lib.ones(1))
        seq.register_buffer("scale", lib.ones(2))
        orders.append(([n for n, _ in seq.named_children()], list(seq.state_dict())))
    assert orders[0] == orders[1]
    assert orders[0][0] == ["0", "1", "2"]
