"""What a trace cannot replay faithfully is found while recording: the step runs eagerly from
then on, with one CompileWarning that names the cause, and its results are eager mode's."""
import warnings

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.compile import CompileWarning

F = gg.nn.functional


def setup(seed=0):
    gg.manual_seed(seed)
    model = gg.nn.Sequential(gg.nn.Linear(3, 8, dtype=np.float64), gg.nn.Tanh(),
                             gg.nn.Linear(8, 2, dtype=np.float64))
    return model, gg.optim.SGD(model.parameters(), lr=0.1)


def data(n=4, seed=1):
    rng = np.random.default_rng(seed)
    return [(gg.tensor(rng.normal(size=(6, 3))), gg.tensor(rng.integers(0, 2, 6)))
            for _ in range(n)]


def falls_back(make_step, cause, n=4):
    """The compiled step warns once (naming `cause`), then matches an eager twin throughout."""
    eager_model, eager_step = make_step()
    model, step = make_step()
    compiled = gg.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for x, y in data(n):
            a, b = eager_step(x, y), compiled(x, y)
            assert np.array_equal(np.asarray(_value(a)), np.asarray(_value(b)))
    messages = [str(w.message) for w in caught if issubclass(w.category, CompileWarning)]
    assert len(messages) == 1, messages
    assert cause in messages[0]
    assert compiled.eager_reason is not None and not compiled.cache
    for p, q in zip(eager_model.parameters(), model.parameters()):
        assert np.array_equal(p.array, q.array)


def _value(v):
    return v.array if isinstance(v, gg.Tensor) else v


def training(body):
    def make():
        model, opt = setup()

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return body(loss, x, model)
        return model, step
    return make


@pytest.mark.parametrize("read, cause", [
    (lambda loss, x, m: loss.item(), "item()"),
    (lambda loss, x, m: float(loss), "__float__()"),
    (lambda loss, x, m: loss.detach().numpy().copy(), "numpy()"),
    (lambda loss, x, m: loss.tolist(), "tolist()"),
    (lambda loss, x, m: np.asarray(loss.detach()).copy(), "__array__()"),
    (lambda loss, x, m: loss * 2 if loss > 0.5 else loss, "__bool__()"),
])
def test_reading_a_traced_value_into_python(read, cause):
    falls_back(training(read), cause)


def test_data_dependent_control_flow_in_the_forward():
    def make():
        model, opt = setup()

        def step(x, y):
            opt.zero_grad()
            h = model(x)
            if h.sum() > 0:            # the branch taken depends on the data
                h = h * 2
            loss = F.cross_entropy(h, y)
            loss.backward()
            opt.step()
            return loss
        return model, step
    falls_back(make, "__bool__()")


def test_in_place_change_of_an_input():
    def make():
        model, opt = setup()

        def step(x, y):
            x.mul_(1.0)
            return model(x).sum()
        return model, step
    falls_back(make, "in-place change of an input")


def test_random_numbers_from_the_global_generator():
    def make():
        model, opt = setup()

        def step(x, y):
            return (model(x) + gg.randn(6, 2, dtype=gg.float64)).sum()
        return model, step
    eager_model, eager_step = make()
    model, step = make()
    compiled = gg.compile(step)
    with pytest.warns(CompileWarning, match="random numbers"):
        for x, y in data(3):
            gg.manual_seed(7)
            a = eager_step(x, y).item()
            gg.manual_seed(7)
            assert compiled(x, y).item() == a


def test_a_closure_number_that_changes_between_calls():
    scale = 1.0

    def make():
        model, opt = setup()

        def step(x, y):
            with gg.no_grad():
                return (model(x) * scale).sum()
        return model, step
    model, step = make()
    compiled = gg.compile(step)
    x, y = data(1)[0]
    compiled(x, y)
    compiled(x, y)
    assert compiled.eager_reason is None
    scale = 3.0
    with pytest.warns(CompileWarning, match="'scale'"):
        assert compiled(x, y).item() == step(x, y).item()
    assert compiled.eager_reason is not None


def test_a_scheduler_stepped_inside_the_step():
    def make():
        model, opt = setup()
        sched = gg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            return loss
        return model, step
    falls_back(make, "scheduler")


def test_gradients_as_values_and_functional_backward():
    def make():
        model, opt = setup()

        def step(x, y):
            loss = F.cross_entropy(model(x), y)
            grads = gg.autograd.grad(loss, list(model.parameters()))
            return sum(g.sum() for g in grads)
        return model, step
    falls_back(make, "gg.autograd.grad")


def test_gradients_summed_over_calls_without_zero_grad():
    def make():
        model, opt = setup()

        def step(x, y):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return loss
        return model, step
    falls_back(make, "zero_grad()")


def test_zero_grad_to_zeros_and_closures_are_refused():
    def make():
        model, opt = setup()

        def step(x, y):
            opt.zero_grad(set_to_none=False)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, step
    falls_back(make, "set_to_none=False")

    def make_lbfgs():
        model, _ = setup()
        opt = gg.optim.LBFGS(model.parameters(), lr=0.5, max_iter=3)

        def step(x, y):
            def closure():
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                return loss
            return opt.step(closure)
        return model, step
    falls_back(make_lbfgs, "")


def test_an_explicit_gradient_and_hooks():
    def make():
        model, opt = setup()

        def step(x, y):
            out = model(x)
            out.backward(gg.ones_like(out))
            return out.sum()
        return model, step
    falls_back(make, "backward(gradient=")


def test_the_eager_path_works_while_no_step_is_traced():
    """Nothing stays patched after a trace, failed or not."""
    model, opt = setup()
    x, y = data(1)[0]
    compiled = gg.compile(lambda x: model(x).sum().item())
    with pytest.warns(CompileWarning):
        compiled(x)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    assert isinstance(loss.item(), float)
    assert model[0].weight.grad is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(loss) == loss.item()


def test_a_module_number_that_changes_between_calls():
    act = gg.nn.LeakyReLU(0.1)
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(3, 8, dtype=np.float64), act,
                             gg.nn.Linear(8, 2, dtype=np.float64))
    compiled = gg.compile(model)
    x, _ = data(1)[0]
    with gg.no_grad():
        compiled(x)
        compiled(x)
        act.negative_slope = 0.5
        with pytest.warns(CompileWarning, match="LeakyReLU.negative_slope"):
            assert np.array_equal(compiled(x).array, model(x).array)
    assert compiled.eager_reason is not None


def test_a_step_that_changes_a_module_attribute_itself():
    class Counting(gg.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = gg.nn.Linear(3, 2, dtype=np.float64)
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            return self.lin(x)

    def make():
        gg.manual_seed(0)
        model = Counting()

        def step(x, y):
            with gg.no_grad():
                return model(x).sum()
        return model, step
    falls_back(make, "Counting.calls")


def test_a_result_that_still_needs_its_graph():
    model, _ = setup()
    compiled = gg.compile(model)
    x, _ = data(1)[0]
    with pytest.warns(CompileWarning, match="requires grad with its graph"):
        compiled(x)
    for _ in range(2):          # eager from then on: a backward outside the step still works
        model.zero_grad()
        compiled(x).sum().backward()
        assert model[0].weight.grad is not None


def test_forward_mode_and_nested_steps_run_eagerly_inside():
    f = gg.compile(lambda x: (x * x).sum().detach())
    x = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64)
    f(x)
    f(x)
    value, tangent = gg.jvp(lambda t: (t * t).sum(), (x,), (gg.ones_like(x),))
    compiled_value, compiled_tangent = gg.jvp(gg.compile(lambda t: (t * t).sum()), (x,),
                                              (gg.ones_like(x),))
    assert compiled_tangent.item() == tangent.item() == 12.0

    model, _ = setup()
    inner = gg.compile(lambda x: model(x))
    outer = gg.compile(lambda x: inner(x).sum())
    with gg.no_grad():
        for x, _ in data(3):
            assert outer(x).item() == model(x).sum().item()
    assert outer.traces == 1 and inner.traces == 0


@pytest.mark.parametrize("mask, cause", [
    (lambda x: x.array[:, :2] > 0, "outside graphgrad's operations"),       # NumPy on .data
    (lambda x: gg.tensor(x.array[:, :2] > 0, dtype=gg.float64), "gg.tensor"),   # made of it
])
def test_arrays_computed_from_data_outside_the_operations(mask, cause):
    def make():
        model, opt = setup()

        def step(x, y):
            with gg.no_grad():
                return (model(x) * mask(x)).sum()
        return model, step
    falls_back(make, cause)


def test_a_gradient_for_an_argument_of_the_step():
    def make():
        model, opt = setup()

        def step(x, y):
            x.requires_grad_(True)
            x.grad = None                  # (the eager twin is given the same tensors)
            model.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return x.grad.detach()
        return model, step
    falls_back(make, "backward into an argument of the step")


def test_an_array_computed_by_numpy_and_returned():
    compiled = gg.compile(lambda a: np.exp(a) + gg.exp(a))
    with pytest.warns(CompileWarning, match="returns an array computed outside"):
        compiled(np.array([1.0]))
    assert compiled(np.array([2.0]))[0] == 2 * np.exp(2.0)
