"""Optimizer hyper-parameters are checked when the optimizer is built, with PyTorch's messages;
NaN, ±∞ and non-numbers are refused too; optimizer state saved from another model is refused
when it is loaded, naming the parameter and both shapes."""
import math

import numpy as np
import pytest

import graphgrad as gg

NAN, INF = math.nan, math.inf

# (optimizer, options) that PyTorch refuses with a ValueError: graphgrad says the same words
REFUSED_BY_BOTH = [
    ("SGD", dict(lr=-1.0)), ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("SGD", dict(lr=-INF)),
    ("SGD", dict(lr=0.1, nesterov=True)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(lr=NAN)), ("Adam", dict(eps=-1.0)),
    ("Adam", dict(eps=NAN)), ("Adam", dict(betas=(1.0, 0.999))), ("Adam", dict(betas=(0.9, NAN))),
    ("Adam", dict(weight_decay=-1)), ("AdamW", dict(lr=-1.0)), ("AdamW", dict(weight_decay=-1)),
    ("NAdam", dict(momentum_decay=-1)), ("NAdam", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(eps=-1)), ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(momentum=-1)),
    ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adadelta", dict(rho=2)), ("Adadelta", dict(eps=-1)), ("LBFGS", dict(lr=-1.0)),
    ("LBFGS", dict(lr=NAN)),
]


@pytest.mark.parametrize("name,options", REFUSED_BY_BOTH)
def test_refusals_have_pytorchs_message(torch, name, options):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **options)
    with pytest.raises(ValueError) as ours:
        getattr(gg.optim, name)([gg.zeros(2, requires_grad=True)], **options)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name,options,message", [
    ("SGD", dict(lr=NAN), "Invalid learning rate: nan"),        # PyTorch takes it, then NaNs
    ("SGD", dict(lr=INF), "Invalid learning rate: inf"),
    ("Adam", dict(lr=INF), "Invalid learning rate: inf"),
    ("SGD", dict(lr=0.1, momentum=NAN), "Invalid momentum value: nan"),
    ("Adam", dict(eps=INF), "Invalid epsilon value: inf"),
    ("AdamW", dict(weight_decay=INF), "Invalid weight_decay value: inf"),
    ("LBFGS", dict(lr=INF), "Invalid learning rate: inf"),
    ("LBFGS", dict(max_iter=0), "Invalid max_iter value: 0"),
    ("Adam", dict(betas=(0.9, 0.99, 0.9)), "Invalid betas"),
])
def test_nan_and_infinity_are_refused_as_well(name, options, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        getattr(gg.optim, name)([gg.zeros(2, requires_grad=True)], **options)


@pytest.mark.parametrize("options", [dict(lr="0.1"), dict(lr=None), dict(lr=True),
                                     dict(lr=gg.tensor(0.1)), dict(betas=0.9),
                                     dict(betas=(0.9, "a")), dict(eps=[1e-8])])
def test_non_numbers_are_a_type_error_naming_the_option(options):
    with pytest.raises(TypeError, match="Invalid (learning rate|betas|beta parameter|epsilon)"):
        gg.optim.Adam([gg.zeros(2, requires_grad=True)], **options)


def test_a_parameter_groups_options_are_checked_too():
    p, q = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="^Invalid learning rate: -0.5$"):
        gg.optim.SGD([{"params": [p]}, {"params": [q], "lr": -0.5}], lr=0.1)
    opt = gg.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="^Invalid momentum value: nan$"):
        opt.add_param_group({"params": [q], "momentum": NAN})
    assert len(opt.param_groups) == 1            # the refused group was not added


def test_numpy_numbers_and_zero_are_accepted():
    p = gg.zeros(2, requires_grad=True)
    opt = gg.optim.Adam([p], lr=np.float32(0.01), betas=[0.5, np.float64(0.9)], weight_decay=0)
    assert opt.defaults["betas"] == (0.5, 0.9)
    gg.optim.SGD([p], lr=0)   # lr 0: no update, as PyTorch allows


def _trained(model, make, steps=2):
    opt = make(model.parameters())
    for _ in range(steps):
        opt.zero_grad()
        model(gg.ones(3, model.in_features)).sum().backward()
        opt.step()
    return opt


@pytest.mark.parametrize("make", [lambda p: gg.optim.Adam(p, lr=0.01),
                                  lambda p: gg.optim.SGD(p, lr=0.01, momentum=0.9),
                                  lambda p: gg.optim.RMSprop(p, lr=0.01),
                                  lambda p: gg.optim.Adagrad(p, lr=0.01)])
def test_state_of_a_different_model_is_refused_at_load_naming_parameter_and_shapes(make):
    small = gg.nn.Linear(4, 3, generator=0)
    other = gg.nn.Linear(5, 3, generator=0)
    saved = _trained(other, make).state_dict()
    opt = make(small.parameters())
    before = opt.state
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(3, 5\), but the parameter "
                                         r"has shape \(3, 4\).*different model"):
        opt.load_state_dict(saved)
    assert opt.state is before          # refused at load, nothing half-loaded


def test_named_parameters_are_named_in_the_refusal():
    small, other = gg.nn.Linear(4, 3, generator=0), gg.nn.Linear(5, 3, generator=0)
    saved = _trained(other, lambda p: gg.optim.Adam(p, lr=0.01)).state_dict()
    opt = gg.optim.Adam(small.named_parameters(), lr=0.01)
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 'weight' \(id 0\) has shape "
                                         r"\(3, 5\), but the parameter has shape \(3, 4\)"):
        opt.load_state_dict(saved)


def test_closure_optimizer_state_is_checked_against_the_total_size():
    def lbfgs_of(model):
        opt = gg.optim.LBFGS(model.parameters(), max_iter=3)
        x = gg.ones(2, model.in_features)

        def closure():
            opt.zero_grad()
            loss = (model(x) ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)
        return opt
    saved = lbfgs_of(gg.nn.Linear(5, 3, generator=0)).state_dict()
    same = lbfgs_of(gg.nn.Linear(5, 3, generator=1))
    same.load_state_dict(saved)                        # 18 elements both
    with pytest.raises(ValueError, match=r"has shape \(18,\), but the parameters have 15 "
                                         "elements"):
        lbfgs_of(gg.nn.Linear(4, 3, generator=0)).load_state_dict(saved)


def test_matching_state_still_loads_and_steps_like_the_original():
    model = gg.nn.Linear(4, 3, generator=0)
    opt = _trained(model, lambda p: gg.optim.Adam(p, lr=0.01))
    twin = gg.nn.Linear(4, 3, generator=0)
    twin.load_state_dict(model.state_dict())
    copy = gg.optim.Adam(twin.parameters(), lr=0.01)
    copy.load_state_dict(opt.state_dict())
    for o, m in ((opt, model), (copy, twin)):
        o.zero_grad()
        m(gg.ones(3, 4)).sum().backward()
        o.step()
    np.testing.assert_array_equal(model.weight.array, twin.weight.array)
