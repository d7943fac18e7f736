"""torch.nn.Module's surface: constructors with PyTorch's positional order, device= and dtype=,
Module.to's overloads (Parameter identity kept), cpu/float/double/half/type, get_submodule and
friends, registration errors, PyTorch's printout, state_dict keys and MultiheadAttention's
add_bias_kv / add_zero_attn, all against torch.nn."""
import inspect

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn


def _positional(cls):
    return [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]


@pytest.mark.parametrize("name", ["Linear", "Embedding", "LayerNorm", "BatchNorm1d",
                                  "MultiheadAttention", "Dropout", "PReLU", "Flatten",
                                  "Unflatten", "CosineSimilarity", "PairwiseDistance"])
def test_constructors_take_torchs_arguments_in_torchs_order(name, torch):
    assert _positional(getattr(nn, name)) == _positional(getattr(torch.nn, name))


class Device:
    """An object whose str() names a device, as torch.device and gg.device."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


@pytest.mark.parametrize("make", [
    lambda **kw: nn.Linear(2, 3, **kw), lambda **kw: nn.Embedding(4, 2, **kw),
    lambda **kw: nn.LayerNorm(3, **kw), lambda **kw: nn.BatchNorm1d(3, **kw),
    lambda **kw: nn.MultiheadAttention(4, 2, **kw), lambda **kw: nn.PReLU(**kw)])
def test_device_is_the_cpu_or_an_error(make, torch):
    cpus, others = ["cpu", "cpu:0", Device("cpu"), torch.device("cpu"), None], ["cuda", "mps"]
    if hasattr(gg, "device"):                        # gg.device, where it is defined
        cpus.append(gg.device("cpu"))
        others.append(gg.device("cuda:0"))
    for device in cpus:
        layer = make(device=device, dtype=gg.float64)
        assert all(p.dtype == gg.float64 for p in layer.parameters())
    for device in others + [Device("cuda:0"), torch.device("cuda")]:
        with pytest.raises(RuntimeError, match="graphgrad runs on the CPU"):
            make(device=device)


def test_positional_device_and_dtype_as_torch():
    layer = nn.Linear(2, 3, False, "cpu", gg.float64)
    assert layer.bias is None and layer.weight.dtype == gg.float64
    assert nn.LayerNorm(3, 1e-5, True, True, "cpu", gg.float64).weight.dtype == gg.float64


def test_to_has_torchs_overloads_and_keeps_parameter_identity(torch):
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = net[0].weight
    net(gg.randn(4, 2)).sum().backward()
    assert net.to(gg.float64) is net
    assert net[0].weight is weight and weight.dtype == gg.float64
    assert weight.grad.dtype == gg.float64
    assert net[1].running_mean.dtype == gg.float64
    assert net[1].num_batches_tracked.dtype == gg.int64          # integers stay as they are
    net.to("cpu", gg.float32)
    assert weight.dtype == gg.float32
    net.to(dtype="float64")
    assert weight.dtype == gg.float64
    net.to(gg.zeros(1, dtype=gg.float32))                        # a tensor's dtype
    assert weight.dtype == gg.float32
    for same in (lambda: net.to(None), lambda: net.to("cpu"), lambda: net.to(device="cpu"),
                 lambda: net.to(torch.device("cpu")), lambda: net.to("cpu", non_blocking=True),
                 net.cpu):
        assert same() is net and weight.dtype == gg.float32
    with pytest.raises(RuntimeError, match="graphgrad runs on the CPU"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating point or complex"):
        net.to(gg.int64)
    with pytest.raises(TypeError, match="floating point or complex"):
        torch.nn.Linear(2, 2).to(torch.int64)


def test_float_double_half_type_and_requires_grad(torch):
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = net[0].weight
    assert net.double() is net and weight.dtype == gg.float64
    assert net.float() is net and weight.dtype == gg.float32
    net.half()
    assert weight.dtype == gg.float16 and net[1].num_batches_tracked.dtype == gg.int64
    out = net(gg.randn(4, 2).half())
    assert out.dtype == gg.float16
    net.type(gg.float64)                               # every tensor, integer buffers too
    theirs = torch.nn.BatchNorm1d(3).type(torch.float64)
    assert net[1].num_batches_tracked.dtype == gg.float64 and \
        theirs.num_batches_tracked.dtype == torch.float64
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Linear(2, 2).type(gg.int64)                 # a parameter cannot become integer
    assert net.requires_grad_(False) is net and not weight.requires_grad
    net.requires_grad_()
    assert weight.requires_grad


def test_zero_grad_apply_and_traversal():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    net(gg.randn(4, 2)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert [name for name, _ in net.named_modules()] == ["", "0", "1", "1.0", "1.1"]
    assert [type(m).__name__ for m in net.children()] == ["Linear", "Sequential"]
    assert len(list(net.modules())) == 5
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]


def test_get_submodule_parameter_buffer_as_torch(torch):
    ours = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    assert ours.get_submodule("") is ours and ours.get_submodule("1") is ours[1]
    assert ours.get_parameter("0.weight") is ours[0].weight
    assert ours.get_buffer("1.running_var") is ours[1].running_var
    for target, getter in (("0.weight", "get_submodule"), ("x", "get_submodule"),
                           ("0.x", "get_parameter"), ("1.running_var", "get_parameter"),
                           ("0.weight", "get_buffer")):
        with pytest.raises(AttributeError) as ours_error:
            getattr(ours, getter)(target)
        with pytest.raises(AttributeError) as theirs_error:
            getattr(theirs, getter)(target)
        assert str(ours_error.value) == str(theirs_error.value)


def test_register_buffer_persistence_and_name_errors(torch):
    module = nn.Module()
    module.register_buffer("kept", gg.zeros(2))
    module.register_buffer("scratch", gg.ones(2), persistent=False)
    assert list(module.state_dict()) == ["kept"]
    assert [name for name, _ in module.named_buffers()] == ["kept", "scratch"]
    for name, error in (("a.b", KeyError), ("", KeyError), ("training", KeyError),
                        (3, TypeError)):
        with pytest.raises(error):
            module.register_buffer(name, None)
        with pytest.raises(error):
            torch.nn.Module().register_buffer(name, None)
    with pytest.raises(ValueError):           # also a ValueError, as graphgrad's errors are
        module.register_parameter("a.b", None)
    with pytest.raises(KeyError):
        module.add_module("forward", nn.ReLU())
    with pytest.raises(ValueError, match="boolean"):
        module.train("yes")


def _tree(torch_nn):
    return torch_nn.Sequential(torch_nn.Linear(2, 3), torch_nn.ReLU(),
                               torch_nn.Sequential(torch_nn.Dropout(0.1), torch_nn.LayerNorm(3)),
                               torch_nn.BatchNorm1d(3), torch_nn.Embedding(5, 3, padding_idx=0))


def test_printout_is_torchs(torch):
    assert repr(_tree(nn)) == repr(_tree(torch.nn))
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"
    assert repr(nn.Module()) == repr(torch.nn.Module()) == "Module()"
    assert repr(nn.BatchNorm1d(3, affine=False)) == repr(torch.nn.BatchNorm1d(3, affine=False))
    assert repr(nn.BatchNorm1d(3, bias=False)) == repr(torch.nn.BatchNorm1d(3, bias=False))
    assert repr(nn.LayerNorm((2, 3), bias=False)) == repr(torch.nn.LayerNorm((2, 3), bias=False))
    assert repr(nn.Dropout(0.2, True)) == repr(torch.nn.Dropout(0.2, True))


def test_state_dict_keys_and_shapes_are_torchs(torch):
    ours, theirs = _tree(nn), _tree(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (key, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert a.shape == tuple(b.shape), key
    for make in (lambda m: m.MultiheadAttention(4, 2, add_bias_kv=True),
                 lambda m: m.MultiheadAttention(4, 2, kdim=3, vdim=5, bias=False),
                 lambda m: m.BatchNorm1d(3, bias=False), lambda m: m.PReLU(3)):
        ours, theirs = make(nn), make(torch.nn)
        assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


def test_batch_norm_without_bias_matches_torch(torch, both):
    ours = nn.BatchNorm1d(3, bias=False, dtype=gg.float64)
    theirs = torch.nn.BatchNorm1d(3, bias=False, dtype=torch.float64)
    assert ours.bias is None and theirs.bias is None
    x, xr = both.leaf(np.random.default_rng(0).normal(size=(5, 3)))
    both.backward(ours(x), theirs(xr), np.random.default_rng(1).normal(size=(5, 3)))
    both.assert_same_grads([x, ours.weight], [xr, theirs.weight], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("add_bias_kv,add_zero_attn", [(True, False), (False, True),
                                                       (True, True)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_bias_kv_and_zero_attn_match_torch(add_bias_kv, add_zero_attn,
                                                               batch_first, torch, both):
    ours = nn.MultiheadAttention(6, 2, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn,
                                 batch_first=batch_first, dtype=gg.float64, generator=0)
    theirs = torch.nn.MultiheadAttention(6, 2, add_bias_kv=add_bias_kv,
                                         add_zero_attn=add_zero_attn, batch_first=batch_first,
                                         dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.tensor(dict(ours.named_parameters())[name].detach().numpy()))
    shape = (2, 4, 6) if batch_first else (4, 2, 6)
    x, xr = both.leaf(np.random.default_rng(2).normal(size=shape))
    padding = np.zeros((2, 4), bool)
    padding[1, -1] = True
    mask = np.random.default_rng(3).uniform(size=(4, 4)) > 0.7
    mask[:, 0] = False
    out, weights = ours(x, x, x, key_padding_mask=padding, attn_mask=mask)
    expected, expected_weights = theirs(xr, xr, xr, key_padding_mask=torch.tensor(padding),
                                        attn_mask=torch.tensor(mask))
    both.assert_same([out.detach(), weights.detach()], [expected, expected_weights],
                     rtol=1e-11, atol=1e-13)
    both.backward(out, expected, np.random.default_rng(4).normal(size=out.shape))
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        both.assert_same(p.grad, grads[name].grad, rtol=1e-10, atol=1e-12, err_msg=name)
    both.assert_same_grads([x], [xr], rtol=1e-10, atol=1e-12)


def test_multihead_attention_defaults_to_sequence_first_as_torch():
    attention = nn.MultiheadAttention(4, 2)
    assert attention.batch_first is False
    out, weights = attention(gg.randn(5, 3, 4), gg.randn(7, 3, 4), gg.randn(7, 3, 4))
    assert out.shape == (5, 3, 4) and weights.shape == (3, 5, 7)
