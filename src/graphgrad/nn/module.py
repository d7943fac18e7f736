"""Module and Parameter: the building blocks of networks, with torch.nn.Module's interface.

A Module owns parameters (trainable leaves θ), buffers (non-trainable state saved with the
model) and submodules, registered simply by assigning attributes. Calling a module runs its
``forward``; the engine records the graph of that call like any other computation.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, as_array
from .conversion import as_dtype, convert, floating_only, parse_to

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike
    from typing_extensions import Self


class Parameter(Tensor):
    """A tensor that is a trainable parameter of a module (requires_grad=True by default).

    ``Parameter(data)`` shares memory with `data` (an ndarray or Tensor), as in PyTorch."""

    __slots__ = ()

    def __init__(self, data: Tensor | ArrayLike | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, np.float32)
        self._become_leaf(as_array(data), requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(RuntimeError):
    """A state dict that does not fit the module it is loaded into."""


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it missed and those it did not expect (printed as
    PyTorch's: `<All keys matched successfully>` when both are empty)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


class ModuleNameError(KeyError, ValueError):
    """A parameter, buffer or submodule name that cannot be registered (a KeyError, as in
    PyTorch, and a ValueError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Module:
    """Base class of every layer and model: subclasses assign parameters and submodules in
    ``__init__`` (after ``super().__init__()``) and define ``forward``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        """Parameters and submodules (and tensors assigned to buffer names) are recorded in
        assignment order, and also stored as ordinary attributes so that reading them is fast."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() has run: "
                                 f"call super().__init__() first in {type(self).__name__}")
        if isinstance(value, Parameter):
            self._forget(name, keep=self._parameters)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        else:
            self._check_reassignment(name, value)
        object.__setattr__(self, name, value)

    def _check_reassignment(self, name, value):
        """A registered name keeps its kind: a parameter takes a Parameter or None, ..."""
        for registry, kinds, what in ((self._parameters, (), "a gg.nn.Parameter"),
                                      (self._buffers, (Tensor,), "a Tensor"),
                                      (self._modules, (), "a Module")):
            if name in registry:
                if value is not None and not isinstance(value, kinds):
                    raise TypeError(f"cannot assign a {type(value).__name__} to {name!r} of "
                                    f"{type(self).__name__}: assign {what} or None")
                registry[name] = value

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name, keep=None):
        """Unregister `name`, except from `keep`: a name reassigned within its own registry
        keeps its place in the order, as in PyTorch."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent.discard(name)

    def _register(self, registry, name, value, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name or not name:
            raise ModuleNameError(f"{kind} name can't contain \".\" or be empty, got {name!r}")
        if name not in registry and hasattr(self, name):
            raise ModuleNameError(f"attribute '{name}' already exists")
        self._forget(name, keep=registry)
        registry[name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None: declared but absent, such as a disabled bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a gg.nn.Parameter or None, "
                            f"got {type(param).__name__}")
        self._register(self._parameters, name, param, "parameter")

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is not trained but belongs to the model (saved in the state
        dict unless persistent=False)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._register(self._buffers, name, tensor, "buffer")
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule under `name` (what assigning an attribute does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): {type(module).__name__} is not a Module")
        self._register(self._modules, name, module, "module")

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant, depth first."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path ('' is the module itself), as PyTorch."""
        module = self
        for item in target.split(".") if target else ():
            if not hasattr(module, item):
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def _member_at(self, target: str) -> tuple[Module, str]:
        """(the module, the attribute name) at a dotted path, the attribute checked to exist."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        return module, name

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path ('block.fc.weight')."""
        module, name = self._member_at(target)
        value = getattr(module, name)
        if not isinstance(value, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return value

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path ('norm.running_mean')."""
        module, name = self._member_at(target)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(module, name)

    def _named_members(self, kind, prefix, recurse, remove_duplicate):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, kind).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two modules appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many scalar parameters the module has (shared ones counted once)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def apply(self, fn: Callable[[Module], object]) -> Self:
        """Call fn(module) on every submodule, then on self (as PyTorch); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Self:
        """Training mode (Dropout active, ...) for this module and its descendants."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Self:
        """Evaluation mode: train(False)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: .grad = None (default) or zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def _convert(self, fn):
        convert((*self.parameters(), *self.buffers()), fn)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """PyTorch's overloads: to(dtype), to(device), to(device, dtype), to(tensor) (its dtype),
        to(None) (nothing). Floating-point parameters and buffers (and their gradients) are
        converted in place, keeping the Parameter objects; devices other than the CPU raise
        RuntimeError. Returns self."""
        _, dtype = parse_to(args, kwargs)
        return self if dtype is None else self._convert(floating_only(dtype))

    def cpu(self) -> Self:
        """Nothing to move: graphgrad runs on the CPU. Returns self."""
        return self

    def float(self) -> Self:
        return self._convert(floating_only(np.dtype(np.float32)))

    def double(self) -> Self:
        return self._convert(floating_only(np.dtype(np.float64)))

    def half(self) -> Self:
        return self._convert(floating_only(np.dtype(np.float16)))

    def type(self, dst_type: DTypeLike) -> Self:
        """Every parameter and buffer converted to dst_type (integer buffers too, as PyTorch)."""
        dtype = as_dtype(dst_type)
        if dtype is None:
            raise TypeError(f"Module.type: {dst_type!r} is not a dtype")
        return self._convert(lambda a: a if a.dtype == dtype else a.astype(dtype))

    # ------------------------------------------------------------------ state
    def state_dict(self, destination: dict[str, Tensor] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """{dotted name: tensor} of every parameter and persistent buffer. The values share
        memory with the module (detached unless keep_vars); shared parameters appear under
        each of their names, as in PyTorch."""
        destination = {} if destination is None else destination
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."),
                                                        remove_duplicate=False):
            entries = [*module._parameters.items(),
                       *((k, v) for k, v in module._buffers.items()
                         if k not in module._non_persistent)]
            for name, value in entries:
                if value is not None:
                    key = f"{module_prefix}.{name}" if module_prefix else name
                    destination[key] = value if keep_vars else value.detach()
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Tensor | ArrayLike],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers (cast to their dtypes).

        Raises StateDictError naming every shape mismatch and, when strict, every missing and
        unexpected key (nothing is changed then); returns (missing_keys, unexpected_keys)."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = [f"shape mismatch for {k!r}: {tuple(np.shape(state_dict[k]))} in the state "
                    f"dict, {own[k].shape} in the module" for k in own
                    if k in state_dict and tuple(np.shape(state_dict[k])) != own[k].shape]
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        if problems:
            hint = " (load_state_dict(..., strict=False) skips missing and unexpected keys)" \
                if strict and (missing or unexpected) else ""
            raise StateDictError(f"load_state_dict into {type(self).__name__}: "
                                 + "; ".join(problems) + hint)
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    target.copy_(np.asarray(as_array(state_dict[key]), dtype=target.dtype))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ display
    def extra_repr(self) -> str:
        """The settings shown inside this module's repr (layers override it)."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's printout: Name(extra) on one line, or the extra lines and one line per
        child, '(name): ...', indented by two spaces."""
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(child))}" for name, child in self._modules.items()]
        if len(lines) == 1 and not children:
            return f"{type(self).__name__}({lines[0]})"
        body = lines + children
        inside = "\n  " + "\n  ".join(body) + "\n" if body else ""
        return f"{type(self).__name__}({inside})"


def _indent(text):
    return text.replace("\n", "\n  ")
