"""The primitive contract: one rule per operand, checked where the rules are defined; a rule
never defined says so when it is needed; deflinear; and the call path's fast paths give what
the general path gives, on every registered primitive's examples."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.primitives import registry
from graphgrad.recording import _general_call


@pytest.fixture
def scratch():
    """Names of primitives a test registers, removed from the registry afterwards."""
    names = []
    yield names
    for name in names:
        registry.pop(name, None)


def test_rules_are_counted_where_they_are_defined(scratch):
    scratch.append("scaled_sum")

    @gg.primitive(name="scaled_sum", saves=())
    def scaled_sum(x, y, *, a):
        return a * x + y

    with pytest.raises(TypeError, match=r"scaled_sum.defvjp: one rule per operand \(x, y\).*got 1"):
        scaled_sum.defvjp(lambda g, out, x, y, a: a * g)
    with pytest.raises(TypeError, match=r"scaled_sum.defjvp: .*got 3 for 2"):
        scaled_sum.defjvp(None, None, None)
    with pytest.raises(TypeError, match=r"scaled_sum.defvjp"):
        scaled_sum.defelementwise(lambda v, out, x, y, a: v)


def test_variadic_primitives_need_per_argument_rules(scratch):
    scratch.append("total")

    @gg.primitive(name="total", saves=())
    def total(*xs):
        return sum(xs)

    with pytest.raises(TypeError, match="any number of operands: define its rules with "
                                        "defvjp_per_arg"):
        total.defvjp(lambda g, out, *xs: g)


def test_a_missing_rule_names_the_primitive_and_the_operand(scratch):
    scratch.append("half_done")

    @gg.primitive(name="half_done", saves=("inputs",))
    def half_done(x, w):
        return x * w

    assert half_done.primitive.undefined_rules() == ["vjp of x", "vjp of w", "jvp"]
    x, w = gg.tensor([1.0, 2.0], requires_grad=True), gg.tensor([3.0, 4.0])
    with pytest.raises(NotImplementedError, match=r"'half_done' has no backward rule \(VJP\) "
                                                  r"for its operand 0 \(x\)"):
        half_done(x, w).sum().backward()
    with pytest.raises(NotImplementedError, match=r"'half_done' has no forward rule \(JVP\)"):
        gg.jvp(lambda x: half_done(x, w), (x,), (gg.ones(2),))
    half_done.defvjp(lambda g, out, x, w: g * w, None)
    assert half_done.primitive.undefined_rules() == ["jvp"]
    x.grad = None
    half_done(x, w).sum().backward()
    assert np.array_equal(x.grad.array, [3.0, 4.0])


def test_deflinear_gives_the_forward_rule_of_linear_primitives(scratch):
    scratch += ["mirror", "combine"]

    @gg.primitive(name="mirror", saves=())
    def mirror(x, *, axis):
        return np.flip(x, axis=axis)

    @gg.primitive(name="combine", saves=())
    def combine(x, y):
        return 2 * x - 3 * y

    mirror.deflinear()
    combine.deflinear()
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    _, tangent = gg.jvp(lambda x: mirror(x, axis=1), (x,), (t,))
    assert np.array_equal(tangent.array, t[:, ::-1])
    y, s = x + 1, t * 7
    _, tangent = gg.jvp(combine, (x, y), (t, s))
    assert np.allclose(tangent.array, 2 * t - 3 * s)
    _, tangent = gg.jvp(lambda x: combine(x, y), (x,), (t,))     # y's tangent is zero
    assert np.allclose(tangent.array, 2 * t)


def _cases():
    for name in sorted(registry):
        prim = registry[name]
        for k, (args, params) in enumerate(prim.examples(np.random.default_rng(3))):
            yield pytest.param(name, args, params, id=f"{name}-{k}")


def _run(call, args, params, weights=None):
    """Value, gradients of Σ w ⊙ f and the jvp along fixed tangents, through one entry point."""
    floats = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    leaves = [gg.tensor(a, requires_grad=True) if i in floats else a for i, a in enumerate(args)]
    out = call(*leaves, **params)
    rng = np.random.default_rng(5)
    w = rng.normal(size=out.shape) if weights is None else weights
    (out * w).sum().backward()
    grads = [_data(leaves[i].grad) for i in floats]
    tangents = tuple(rng.normal(size=np.shape(args[i])) for i in floats)

    def f(*xs):
        full = list(args)
        for i, x in zip(floats, xs):
            full[i] = x
        return call(*full, **params)
    _, tangent = gg.jvp(f, tuple(args[i] for i in floats), tangents)
    return out.array, grads, _data(tangent)


def _data(t):
    """A tensor's array; a zero derivative (piecewise-constant primitives) is None."""
    return None if t is None else t.array


@pytest.mark.parametrize("name,args,params", list(_cases()))
def test_each_fast_path_agrees_with_the_general_path(name, args, params):
    prim = registry[name]
    args = tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in args)
    with np.errstate(divide="ignore", invalid="ignore"):
        fast = _run(prim.call, args, params)
        general = _run(_general_call(prim), args, params)
    for a, b in zip([fast[0], *fast[1], fast[2]], [general[0], *general[1], general[2]]):
        assert (a is None and b is None) or np.array_equal(a, b, equal_nan=True)
