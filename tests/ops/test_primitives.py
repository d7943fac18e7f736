"""Every registered primitive, checked in both modes and to second order against central
finite differences (float64), on the sample operands it declares: 0-d tensors, size-1 axes and
broadcasting included. A primitive registered later is covered here automatically."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.primitives import registry


def _differentiable(args):
    return [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _cases():
    for name in sorted(registry):
        prim = registry[name]
        examples = prim.examples(np.random.default_rng(1)) if prim.examples else []
        for k, (args, params) in enumerate(examples):
            args = tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in args)
            yield pytest.param(name, args, params, id=f"{name}-{k}")


def test_every_primitive_declares_rules_and_examples():
    for name, prim in registry.items():
        assert prim.examples is not None, f"{name} declares no sample operands"
        assert prim.undefined_rules() == [], f"{name} lacks rules"
        args, _ = prim.examples(np.random.default_rng(0))[0]
        for i in _differentiable(args):
            assert prim.vjps[i] is not None or prim.elementwise, \
                f"{name} has no backward rule for argument {i}"


@pytest.mark.parametrize("name,args,params", list(_cases()))
def test_primitive_derivatives_match_finite_differences(name, args, params):
    positions = _differentiable(args)
    assert positions, f"{name}: an example without float operands checks nothing"

    def f(*xs):
        full = list(args)
        for i, x in zip(positions, xs):
            full[i] = x
        return registry[name].call(*full, **params)

    with np.errstate(divide="ignore", invalid="ignore"):
        assert gg.gradcheck(f, [args[i] for i in positions], atol=1e-7, rtol=1e-5,
                            second_order=True)


@pytest.mark.parametrize("name,args,params", [c for c in _cases()
                                                if len(_differentiable(c.values[1])) > 1])
def test_each_operand_alone(name, args, params):
    """Differentiating one operand while the others are constants: what a primitive declares it
    saves (saves=) must be enough for that operand's rule."""
    positions = _differentiable(args)
    for k in positions:
        def f(x, k=k):
            full = list(args)
            full[k] = x
            return registry[name].call(*full, **params)
        with np.errstate(divide="ignore", invalid="ignore"):
            assert gg.gradcheck(f, [args[k]], atol=1e-7, rtol=1e-5)


def test_gradcheck_catches_a_wrong_rule():
    """The check above can fail: a primitive with a wrong derivative is caught in both modes."""
    @gg.primitive(name="wrong_square", examples=None)
    def wrong_square(x):
        return x * x
    try:
        wrong_square.defelementwise(lambda v, out, x: v * 3 * x)     # should be 2x
        with pytest.raises(gg.GradcheckError, match="backward"):
            gg.gradcheck(wrong_square, [np.array([0.5, -1.0])])
        with pytest.raises(gg.GradcheckError, match="forward"):
            gg.gradcheck(wrong_square, [np.array([0.5, -1.0])])
    finally:
        del registry["wrong_square"]


def test_a_residual_reaches_first_order_rules_only():
    """saves=('residual',): the forward returns (value, residual); calling the primitive gives
    the value; a first-order backward hands the rule the residual, a recorded (create_graph)
    backward and the graph view hand it None; a retained graph gives the same gradient twice."""
    seen = []

    @gg.primitive(name="residual_cube", examples=None, saves=("inputs", "residual"))
    def residual_cube(x):
        square = x * x
        return square * x, square

    def rule(g, square, x):
        seen.append(None if square is None else square.copy())
        return g * 3 * (x * x if square is None else square)
    try:
        residual_cube.defvjp(rule)
        x = gg.tensor([1.5, -2.0], dtype=gg.float64, requires_grad=True)
        y = residual_cube(x)
        np.testing.assert_array_equal(y.detach().numpy(), [3.375, -8.0])
        np.testing.assert_array_equal(residual_cube(np.array([2.0])), [8.0])   # plain arrays
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.detach().numpy(), 2 * 3 * x.detach().numpy() ** 2)
        np.testing.assert_array_equal(seen[0], [2.25, 4.0])
        np.testing.assert_array_equal(seen[1], [2.25, 4.0])
        (gx,) = gg.gradients(residual_cube(x).sum(), [x], create_graph=True)
        assert seen[2] is None and gx.requires_grad
        np.testing.assert_allclose(gg.gradients(gx.sum(), [x])[0].detach().numpy(),
                                   6 * x.detach().numpy())
        calls = len(seen)
        view = gg.graph(residual_cube(x).sum(), inputs=[x])
        np.testing.assert_allclose(view.grads()[x], 3 * x.detach().numpy() ** 2)
        assert len(seen) > calls and all(square is None for square in seen[calls:])
    finally:
        del registry["residual_cube"]


def test_a_residual_and_the_output_cannot_both_be_saved():
    with pytest.raises(ValueError, match="not both"):
        gg.primitive(name="both", saves=("out", "residual"))(lambda x: (x, x))
    assert "both" not in registry
