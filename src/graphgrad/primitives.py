"""Primitives: the local functions g_v that every differentiable computation is built from.

A primitive states, side by side, its forward computation on NumPy arrays, its backward rule
(VJP, one per argument: ∂L/∂x_i from ∂L/∂y) and its forward rule (JVP: ẏ from the ẋ_i).
Rules are written with graphgrad operations, which accept plain ndarrays as well as Tensors:
a first-order backward runs them on raw arrays (nothing recorded, fast), ``create_graph=True``
runs the very same rules on Tensors, which records them for higher-order derivatives.

Calling a primitive on Tensors records a node when some input requires grad (define-by-run);
calling it on ndarrays just computes (graphgrad.recording builds that call). A rule that was
never defined raises NotImplementedError naming the primitive and the operand when it is
needed; one rule per operand is checked where the rules are defined.
"""
import inspect

import numpy as np

from .recording import make_call

#: Every primitive by name; the test-suite walks it to check each rule.
registry = {}


class Primitive:
    """One primitive operation: forward, per-argument VJPs and a JVP, and how the graph view
    writes it (notation, the VJP in words, the cost of applying its local derivative)."""

    __slots__ = ("name", "forward", "forward_residual", "vjps", "jvp", "elementwise", "examples",
                 "is_view", "call", "saves_inputs", "saves_other", "saves_output",
                 "saves_residual", "operands", "notation", "vjp_text", "cost", "__weakref__")

    def __init__(self, forward, name, examples, is_view, saves, operands, notation=None,
                 vjp_text=None, cost=None):
        unknown = set(saves) - {"inputs", "other", "out", "residual"}
        if unknown:
            raise ValueError(f"primitive {name}: saves= takes 'inputs', 'other', 'out' and/or "
                             f"'residual', not {unknown}")
        if {"out", "residual"} <= set(saves):
            raise ValueError(f"primitive {name}: the rules receive the output or a residual in "
                             "its place, not both")
        self.saves_inputs = "inputs" in saves
        self.saves_other = "other" in saves
        self.saves_output = "out" in saves
        self.saves_residual = "residual" in saves
        self.name = name
        self.forward_residual = forward if self.saves_residual else None
        self.forward = _value_only(forward) if self.saves_residual else forward
        self.operands = operands          # the operands' names; None: variadic
        self.vjps = (PerArg(_missing_vjp(name, None)) if operands is None else
                     tuple(_missing_vjp(name, i, a) for i, a in enumerate(operands)))
        self.jvp = _missing_jvp(name)
        self.elementwise = False
        self.examples = examples
        self.is_view = is_view
        self.notation, self.vjp_text, self.cost = notation, vjp_text, cost

    def defvjp(self, *rules):
        """rules[i](g, out, *args, **params) → ∂L/∂args[i] (None: no gradient flows there)."""
        self.vjps = self._one_per_operand(rules, "defvjp")

    def defvjp_per_arg(self, rule):
        """Variadic primitives: rule(i, g, out, *args, **params) → ∂L/∂args[i]."""
        self.vjps = PerArg(rule)

    def defjvp(self, *rules):
        """rules[i](ẋ_i, out, *args, **params) → its term of ẏ; the terms are summed."""
        rules = self._one_per_operand(rules, "defjvp")

        def jvp(tangents, out, *args, **params):
            total = None
            for rule, t in zip(rules, tangents):
                if t is not None and rule is not None:
                    term = rule(t, out, *args, **params)
                    if term is not None:
                        total = term if total is None else total + term
            return total
        self.jvp = jvp

    def defjvp_all(self, rule):
        """rule(tangents, out, *args, **params) → ẏ, with None for zero tangents."""
        self.jvp = rule

    def deflinear(self):
        """The forward rule of a primitive linear in its operands: ẏ = g(ẋ₁, …, ẋₙ) with the
        same static parameters (zeros for operands without a tangent)."""
        call = self.call
        if self.operands is not None and len(self.operands) == 1:
            self.jvp = lambda tangents, out, x, **params: call(tangents[0], **params)
            return

        def jvp(tangents, out, *args, **params):
            return call(*(np.zeros(np.shape(a), np.result_type(a)) if t is None else t
                          for t, a in zip(tangents, args)), **params)
        self.jvp = jvp

    def defelementwise(self, *rules):
        """Elementwise primitives: rules[i](v, out, *args, **params) = v ⊙ ∂y/∂x_i (None: no
        derivative, as for piecewise-constant functions). The same rule is the backward rule
        (v = ∂L/∂y) and the forward one (v = ẋ_i; ẏ sums the terms), since the Jacobian is
        diagonal."""
        self.defvjp(*rules)
        self.defjvp(*rules)
        self.elementwise = True

    def _one_per_operand(self, rules, how):
        """The rules, checked to be one per operand (caught where the primitive is defined)."""
        if self.operands is None:
            raise TypeError(f"primitive {self.name} takes any number of operands: define its "
                            f"rules with defvjp_per_arg and defjvp_all, not {how}")
        if len(rules) != len(self.operands):
            raise TypeError(f"{self.name}.{how}: one rule per operand "
                            f"({', '.join(self.operands)}) is needed, None where no derivative "
                            f"flows; got {len(rules)} for {len(self.operands)}")
        return tuple(rules)

    def undefined_rules(self):
        """The rules not defined yet: 'jvp' and 'vjp of <operand>' (empty when complete)."""
        vjps = [self.vjps.rule] if isinstance(self.vjps, PerArg) else self.vjps
        names = ["xs"] if self.operands is None else self.operands
        missing = [f"vjp of {n}" for n, rule in zip(names, vjps) if hasattr(rule, "undefined")]
        return missing + ["jvp"] * hasattr(self.jvp, "undefined")

    def output_tangent(self, tangents, out, args, params):
        """ẏ by the JVP rule (tangents: one per operand, None for zero), broadcast to the
        output's shape; None: zero."""
        tangent = self.jvp(tangents, out, *args, **params)
        if tangent is not None and np.shape(tangent) != np.shape(out):
            tangent = registry["broadcast_to"].call(tangent, shape=np.shape(out))
        return tangent

    def __repr__(self):
        return f"<primitive {self.name}>"


def _missing_vjp(name, i, operand=None):
    """The backward rule a primitive has until defvjp gives it one: it says what is missing."""
    def missing(*args, **params):
        which = f"xs[{args[0]}]" if i is None else f"{i} ({operand})"
        raise NotImplementedError(
            f"primitive '{name}' has no backward rule (VJP) for its operand {which}: define it "
            f"with {name}.defvjp(...) (see 'Adding a primitive' in graphgrad.ops)")
    missing.undefined = True
    return missing


def _missing_jvp(name):
    def missing(*args, **params):
        raise NotImplementedError(
            f"primitive '{name}' has no forward rule (JVP): define it with {name}.defjvp(...), "
            f"{name}.defjvp_all(...) or, if it is linear, {name}.deflinear()")
    missing.undefined = True
    return missing


def _value_only(forward_residual):
    """The plain forward of a primitive whose declaration returns (value, residual)."""
    def forward(*args, **params):
        return forward_residual(*args, **params)[0]
    return forward


class PerArg:
    """VJP rules of a variadic primitive: ``rule(i, g, out, *args, **params)`` for argument i."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        rule = self.rule
        return lambda g, out, *args, **params: rule(i, g, out, *args, **params)


def primitive(name=None, examples=None, is_view=False, saves=("inputs", "out"), ufunc=None,
              notation=None, vjp_text=None, cost=None):
    """Decorator: make a NumPy function a primitive.

    Positional parameters of the function are operands (tensors, arrays or numbers);
    keyword-only parameters are static (axis, shape, ...). ``examples(rng)`` returns sample
    ``(args, params)`` for the registry-wide gradient test. ``saves`` names what the backward
    rules read: 'inputs' (operand values), 'other' (for two operands: each rule reads only the
    other operand, as for x·y, so an operand is kept only if the other requires grad) and/or
    'out' (the result); a rule only reads the shape, dtype and ndim of anything not saved.
    Saving less frees memory sooner. With 'residual' the function returns (value, residual):
    something computed on the way that the rules would otherwise recompute (cross-entropy's
    softmax). First-order backward rules then receive the residual in place of the output,
    and None where it is not at hand (rules recorded for higher order, the graph view), so
    they must be able to recompute it; they must not write into it. With
    ``ufunc=`` the decorated function only declares the signature and docstring and the NumPy
    ufunc computes the forward directly (one Python call less per operation).

    For the graph view, optionally: ``notation``, an operator symbol written between two
    operands or before one ('+', '@', '-') or a function (operand texts, params) → text;
    ``vjp_text``, the backward rule in words ('{g} @ {1}ᵀ': {g} the output's gradient, {0}…
    the operands, {shape}/{dtype} the operand's), or a tuple of them, one per operand;
    ``cost(out, operands, params, i)``, the multiply-adds of applying ∂y/∂x_i to a vector
    (default: max(|x_i|, |y|), right for elementwise, reducing and reshaping operations).
    """
    def wrap(declaration):
        forward = declaration if ufunc is None else ufunc
        operands, has_params = _signature(declaration)
        prim = Primitive(forward, name or declaration.__name__, examples, is_view, saves,
                         operands, notation, vjp_text, cost)
        if prim.name in registry:
            raise ValueError(f"primitive {prim.name!r} is defined twice")
        registry[prim.name] = prim
        call = make_call(prim, None if operands is None else len(operands), has_params)
        call.__name__ = call.__qualname__ = prim.name
        call.__doc__ = declaration.__doc__
        call.__wrapped__ = declaration
        call.primitive = prim
        prim.call = call
        for method in ("defvjp", "defjvp", "defjvp_all", "defelementwise", "defvjp_per_arg",
                       "deflinear"):
            setattr(call, method, getattr(prim, method))
        return call
    return wrap


def _signature(forward):
    """(the operands' names, or None if variadic; whether there are static params)."""
    params = inspect.signature(forward).parameters.values()
    kinds = [p.kind for p in params]
    has_params = inspect.Parameter.KEYWORD_ONLY in kinds
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return None, has_params
    operands = tuple(p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                          inspect.Parameter.POSITIONAL_OR_KEYWORD))
    return operands, has_params
