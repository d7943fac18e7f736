"""Sample operands each primitive declares for the registry-wide derivative test.

A sampler is ``rng -> [(args, params), ...]``. Float arrays among args are differentiated;
everything else (Python numbers, integer or boolean arrays) is held constant. Shapes cover
0-d tensors, size-1 axes and broadcasting.
"""
SHAPES = ((), (3,), (2, 3), (1, 3))
PAIRS = (((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), ()))


def uniform(low=-2.0, high=2.0):
    return lambda rng, shape: rng.uniform(low, high, shape)


def nonzero(low=0.3, high=2.0):
    """Values of either sign, kept away from 0 (kinks and poles sit there)."""
    return lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(low, high, shape)


def off_integers(low=-3, high=3):
    """Values kept away from integers and half-integers (floor, ceil, round jump there)."""
    return lambda rng, shape: rng.integers(low, high, shape) + rng.uniform(0.1, 0.4, shape)


UNIFORM = uniform()      # the default sampler: values in [-2, 2)


def unary(sample=UNIFORM, shapes=SHAPES, **params):
    return lambda rng: [((sample(rng, s),), dict(params)) for s in shapes]


def binary(sample=UNIFORM, sample2=None, pairs=PAIRS, scalar=1.7):
    """Pairs of arrays (broadcasting included) and array-with-Python-scalar on both sides."""
    sample2 = sample2 or sample

    def examples(rng):
        cases = [((sample(rng, a), sample2(rng, b)), {}) for a, b in pairs]
        if scalar is not None:
            cases.append(((sample(rng, (2, 3)), scalar), {}))
            cases.append(((scalar, sample2(rng, (2, 3))), {}))
        return cases
    return examples


def fixed(*cases):
    """Explicit (args-builder, params) cases: each builder maps rng to the operand tuple."""
    return lambda rng: [(build(rng), dict(params)) for build, params in cases]
