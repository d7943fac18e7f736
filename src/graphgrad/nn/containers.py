"""Containers of modules: Sequential (a chain), ModuleList and ModuleDict (registered
collections), with PyTorch's interfaces."""
from __future__ import annotations

import operator
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import TYPE_CHECKING, Any

from .module import Module

if TYPE_CHECKING:
    from typing_extensions import Self

    #: Modules with names: a mapping or (name, module) pairs.
    NamedModules = Mapping[str, Module] | Iterable[tuple[str, Module]]


class _ModuleSequence(Module):
    """Modules kept in positions 0, 1, ... (list operations renumber them, as PyTorch)."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._of(list(self._modules.items())[index])
        return list(self._modules.values())[_checked(index, len(self))]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, list(self._modules)[_checked(index, len(self))], module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _checked(index, len(modules))]
        self._refill(modules)

    def _refill(self, modules):
        for name in list(self._modules):
            delattr(self, name)
        self.extend(modules)

    def append(self, module: Module) -> Self:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Self:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._refill(modules)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another: Sequential(m0, m1, ...) or Sequential({name: m}).

    forward(x) = m_k(... m_1(m_0(x)))"""

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            self.extend(modules)

    @staticmethod
    def _of(items):
        return Sequential(dict(items))

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters belong to the owner (it has no forward itself)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    @staticmethod
    def _of(items):
        return ModuleList(module for _, module in items)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])


class ModuleDict(Module):
    """A dict of modules (insertion-ordered) whose parameters belong to the owner."""

    def __init__(self, modules: NamedModules | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> KeysView[str]:
        return self._modules.keys()

    def values(self) -> ValuesView[Module]:
        return self._modules.values()

    def items(self) -> ItemsView[str, Module]:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self._modules[key]
        delattr(self, key)
        return module

    def clear(self) -> None:
        for key in list(self._modules):
            delattr(self, key)

    def update(self, modules: NamedModules) -> None:
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module


def _checked(index, length):
    """A non-negative position from an int index (negative counts from the end)."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a container of {length} modules")
    return index % length
