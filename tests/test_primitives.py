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
        assert prim.jvp is not None, f"{name} has no forward-mode rule"
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
