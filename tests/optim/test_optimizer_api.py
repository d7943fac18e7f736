"""The Optimizer protocol: groups, zero_grad, state_dict layout, errors, in-place safety."""
import numpy as np
import pytest

import graphgrad as gg


def _params():
    return [gg.tensor(np.ones((2, 2)), requires_grad=True),
            gg.tensor(np.zeros(3), requires_grad=True)]


def test_groups_inherit_defaults_and_add_param_group():
    a, b = _params()
    opt = gg.optim.Adam([{"params": [a], "lr": 0.5}], betas=(0.8, 0.9))
    opt.add_param_group({"params": b, "weight_decay": 0.1})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 1e-3]
    assert opt.param_groups[1]["betas"] == (0.8, 0.9)
    with pytest.raises(ValueError, match="appears twice"):
        opt.add_param_group({"params": [a]})
    assert "Parameter Group 1" in repr(opt)


def test_named_parameters_are_accepted():
    a, b = _params()
    opt = gg.optim.SGD([("weight", a), ("bias", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"] == [a, b]


def test_bad_parameters_are_refused_clearly():
    a, _ = _params()
    with pytest.raises(ValueError, match="empty parameter list"):
        gg.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        gg.optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        gg.optim.SGD([a * 2], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        gg.optim.SGD([gg.tensor(np.arange(3))], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        gg.optim.SGD([a], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        gg.optim.Adam([a], betas=(1.0, 0.9))


def test_zero_grad_to_none_or_zeros():
    a, b = _params()
    opt = gg.optim.SGD([a, b], lr=0.1)
    (a.sum() + b.sum()).backward()
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad  # zeroed in place, as PyTorch does
    np.testing.assert_array_equal(a.grad.array, 0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_state_dict_layout_is_pytorchs():
    a, b = _params()
    opt = gg.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=0.9)
    (a.sum() + (b * b).sum()).backward()
    opt.step()
    state = opt.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert set(state["state"]) == {0, 1}
    assert isinstance(state["state"][0]["momentum_buffer"], gg.Tensor)
    state["state"][0]["momentum_buffer"].array[...] = 42  # a copy: the optimizer is unaffected
    assert opt.state[a]["momentum_buffer"].array.max() == 1


def test_load_state_dict_checks_shape_and_accepts_string_ids():
    a, b = _params()
    opt = gg.optim.Adam([a, b], lr=0.1)
    (a.sum() + b.sum()).backward()
    opt.step()
    saved = opt.state_dict()
    saved = {"state": {str(k): v for k, v in saved["state"].items()},
             "param_groups": saved["param_groups"]}
    fresh = gg.optim.Adam([a, b], lr=0.3)
    fresh.load_state_dict(saved)
    assert fresh.state[b]["step"] == 1 and fresh.param_groups[0]["lr"] == 0.1
    with pytest.raises(ValueError, match="parameter groups"):
        gg.optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="saved group has 2 parameters, the matching group 1"):
        gg.optim.Adam([a]).load_state_dict(saved)


def test_float32_parameters_stay_float32():
    p = gg.tensor(np.ones(4, np.float32), requires_grad=True)
    for opt in (gg.optim.SGD([p], lr=0.1, momentum=0.9), gg.optim.Adam([p]),
                gg.optim.RMSprop([p], centered=True), gg.optim.NAdam([p])):
        (p * p).sum().backward()
        opt.step()
        opt.zero_grad()
        assert p.dtype == np.float32


def test_step_while_a_backward_still_needs_the_parameter_is_caught():
    """The optimizer changes parameters through in-place methods, so the version check sees
    a parameter that a pending backward saved."""
    p = gg.tensor(np.ones(3), requires_grad=True)
    opt = gg.optim.SGD([p], lr=0.1)
    first = (p * p).sum()
    first.backward(retain_graph=True)
    opt.step()
    with pytest.raises(gg.InplaceError):
        first.backward()


def test_step_with_closure_returns_the_loss():
    p = gg.tensor(np.array([3.0]), requires_grad=True)
    opt = gg.optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 9.0
    np.testing.assert_allclose(p.array, [1.5])
