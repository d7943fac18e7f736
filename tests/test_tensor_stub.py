"""src/graphgrad/tensor.pyi tells type checkers and editors what a Tensor has, including the
operators and methods that _tensor_methods.py binds at import time. These tests keep the stub
and the class as it is at run time in step, both ways, with the same parameters."""
import ast
import importlib
import inspect
from pathlib import Path

import pytest

import graphgrad as gg

tensor_module = importlib.import_module("graphgrad.tensor")   # gg.tensor is the function

STUB = Path(tensor_module.__file__).with_suffix(".pyi")
#: Set by Python or by the class statement itself, not part of Tensor's interface.
IMPLEMENTATION = {"__dict__", "__doc__", "__module__", "__qualname__", "__slots__",
                  "__weakref__", "__annotations__", "__annotate__", "__firstlineno__",
                  "__static_attributes__"}


def parse_stub():
    """(the module's top-level names, {name: node} of class Tensor's body) from the stub."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Tensor":
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.setdefault(item.name, item)      # a property's setter comes later
                elif isinstance(item, ast.AnnAssign):
                    members[item.target.id] = item
            top.add("Tensor")
        elif isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and not _is_alias(node):
            top.add(node.target.id)
    return top, members


def _is_alias(node):
    return isinstance(node.annotation, ast.Name) and node.annotation.id == "TypeAlias"


def runtime_members():
    """Every name the Tensor class defines (itself, or _tensor_methods on it) that belongs to its
    interface: public names, dunder operators and protocols, and the private attributes other
    modules of graphgrad use."""
    names = set()
    for cls in gg.Tensor.__mro__[:-1]:
        names.update(vars(cls))
    return names - IMPLEMENTATION


def runtime_module_names():
    """The public names graphgrad.tensor defines (not those it imports)."""
    names = set()
    for name, value in vars(tensor_module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if (inspect.isclass(value) or inspect.isfunction(value)) \
                and value.__module__ != tensor_module.__name__:
            continue
        names.add(name)
    return names


def missing_from_stub(declared):
    return sorted(runtime_members() - set(declared))


def absent_at_runtime(declared):
    return sorted(name for name in declared if not hasattr(gg.Tensor, name))


def _stub_parameters(node):
    """[(kind, name)] of a stub method after self; positional-only ones unnamed."""
    a = node.args
    params = [("positional", None if arg in a.posonlyargs else arg.arg)
              for arg in (a.posonlyargs + a.args)[1:]]
    if a.vararg:
        params.append(("*", a.vararg.arg))
    params += [("keyword", arg.arg) for arg in a.kwonlyargs]
    if a.kwarg:
        params.append(("**", a.kwarg.arg))
    return params


_KINDS = {inspect.Parameter.POSITIONAL_ONLY: "positional",
          inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
          inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.KEYWORD_ONLY: "keyword",
          inspect.Parameter.VAR_KEYWORD: "**"}


def _runtime_parameters(fn):
    """[(kind, name)] of a runtime function after its first parameter (self, or the operand x
    of the operation bound as a method); None when it cannot be told (C functions, or wrappers
    that take *args, **kwargs)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = [_KINDS[p.kind] for p in params]
    if kinds == ["*", "**"] or not params:
        return None
    return [(_KINDS[p.kind], p.name) for p in params[1:]]


def signature_mismatches(members):
    """Methods whose stub parameters differ from the runtime ones: [(name, stub, runtime)]."""
    wrong = []
    for name, node in sorted(members.items()):
        if not isinstance(node, ast.FunctionDef):
            continue
        value = inspect.getattr_static(gg.Tensor, name, None)
        if not inspect.isfunction(value):
            continue                      # properties, slots, object's own methods
        runtime, stub = _runtime_parameters(value), _stub_parameters(node)
        if runtime is None:
            continue
        if node.args.posonlyargs:         # operators: compare the number of operands only
            runtime = [(kind, None) for kind, _ in runtime]
        if runtime != stub:
            wrong.append((name, stub, runtime))
    return wrong


@pytest.fixture(scope="module")
def stub():
    return parse_stub()


def test_stub_is_valid_python(stub):
    compile(STUB.read_text(encoding="utf-8"), str(STUB), "exec", flags=ast.PyCF_ONLY_AST)
    top, members = stub
    assert "Tensor" in top and len(members) > 100


def test_every_runtime_member_is_in_the_stub(stub):
    _, members = stub
    assert missing_from_stub(members) == []


def test_every_stub_member_exists_at_runtime(stub):
    _, members = stub
    assert absent_at_runtime(members) == []


def test_the_bound_methods_and_operators_are_covered(stub):
    """What _tensor_methods binds is exactly what the stub must add to tensor.py's class."""
    from graphgrad import _tensor_methods
    _, members = stub
    bound = {*_tensor_methods._METHODS, *_tensor_methods._OPERATORS, "T", "mT", "float",
             "double", "to"}
    assert sorted(bound - set(members)) == []
    for name in ("__add__", "__radd__", "__matmul__", "__rmatmul__", "__getitem__",
                 "__setitem__", "__neg__", "__pow__", "__lt__", "__eq__", "__array_ufunc__"):
        assert name in members


def test_stub_parameters_match_runtime(stub):
    _, members = stub
    assert signature_mismatches(members) == []


def test_module_functions_match(stub):
    top, _ = stub
    assert sorted(runtime_module_names() - top) == []
    assert sorted(name for name in top if not hasattr(tensor_module, name)) == []


def test_the_checks_can_fail(stub):
    """A name dropped from the stub, one the class lacks, and a wrong parameter are caught."""
    _, members = stub
    for name in ("__radd__", "sum", "T", "grad", "__getitem__"):
        fewer = {k: v for k, v in members.items() if k != name}
        assert missing_from_stub(fewer) == [name]
    assert absent_at_runtime({**members, "no_such_method": None}) == ["no_such_method"]
    changed = dict(members)
    changed["sum"] = ast.parse("def sum(self, axis=None, keepdims=False): ...").body[0]
    changed["__add__"] = ast.parse("def __add__(self, a, b, /): ...").body[0]
    assert [name for name, _, _ in signature_mismatches(changed)] == ["__add__", "sum"]
