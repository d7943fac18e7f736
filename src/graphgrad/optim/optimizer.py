"""Optimizer: the base of every graphgrad optimizer, with PyTorch's interface.

An optimizer holds parameter groups (each a dict with its own ``params`` and hyper-parameters,
the missing ones filled from the defaults) and per-parameter state. ``step()`` changes the
parameters in place, under ``no_grad``, through the tensors' in-place methods, so that a
parameter saved by a recorded operation whose backward has not run yet is caught.

``state_dict()`` has PyTorch's layout: ``{"state": {id: {...}}, "param_groups": [{..., "params":
[ids]}]}`` with integer ids numbering the parameters over all groups in order.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor, is_float, leaf
from ._hyper import check_options

if TYPE_CHECKING:
    #: What an optimizer takes: tensors, (name, tensor) pairs as from named_parameters(), or
    #: parameter groups (dicts with "params" and their own options).
    ParamsT = Iterable[Tensor] | Iterable[tuple[str, Tensor]] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: subclasses implement ``_update_group(group)`` (one step for one group)."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        check_options(self.defaults)  # PyTorch's messages: "Invalid learning rate: -1.0"
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors or of "
                            "dicts (parameter groups), got a single Tensor; wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. a smaller lr for a backbone)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        names = None
        if params and isinstance(params[0], tuple):  # (name, parameter): named_parameters()
            names = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            _check_param(type(self).__name__, p)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{type(self).__name__}: a parameter appears twice (in one group or "
                             "in two groups); each parameter belongs to exactly one group")
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        check_options(group)
        self.param_groups.append(group)

    # ----------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``.grad = None`` (default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.requires_grad or not p.grad.array.flags.writeable:
                    p.grad = leaf(np.zeros_like(p.grad.array))
                else:
                    p.grad.array[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. ``closure`` (optional) re-evaluates
        the model with gradients on and returns the loss, which step returns."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement _update_group")

    @staticmethod
    def _gradients(group):
        """(parameter, gradient array) for each parameter of the group that has a gradient; the
        gradient negated when the group maximises. The array may be p.grad's own: never write
        into it."""
        maximize = group.get("maximize", False)
        for p in group["params"]:
            grad = p.grad
            if grad is not None:
                g = grad.array
                yield p, (-g if maximize else g)

    # ----------------------------------------------------------------- saving and loading
    def state_dict(self) -> dict[str, Any]:
        """A copy of the state and the hyper-parameters, parameters named by integer ids."""
        ids, groups = {}, []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                ids.setdefault(id(p), len(ids))
                packed["params"].append(ids[id(p)])
            groups.append(packed)
        state = {ids[id(p)]: _copy_state(s, None) for p, s in self.state.items()
                 if id(p) in ids}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (from an optimizer of the same shape). Saved
        buffers are copied and cast to their parameter's dtype; ids may be ints or strings."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved state has "
                             f"{len(saved_groups)} parameter groups, this optimizer "
                             f"{len(self.param_groups)}")
        id_map = {}
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: a saved group has "
                                 f"{len(saved['params'])} parameters, the matching group "
                                 f"{len(group['params'])}")
            id_map.update({int(i): p for i, p in zip(saved["params"], group["params"])})
        loaded = {}
        for key, value in state_dict["state"].items():
            p = id_map.get(int(key))
            if p is None:
                raise ValueError(f"{type(self).__name__}.load_state_dict: state for parameter id "
                                 f"{key}, which no group has")
            self._check_state_shapes(value, p, self._param_name(p, saved_groups, key))
            loaded[p] = _copy_state(value, p.dtype)
        self.state = defaultdict(dict, loaded)
        for saved, group in zip(saved_groups, self.param_groups):
            options = {k: _plain(v) for k, v in saved.items() if k not in ("params", "param_names")}
            group.update(options)

    def _check_state_shapes(self, state, p, name):
        """Refuse a saved state whose buffers are not shaped like the parameter they belong to
        (state saved from a different model), naming the parameter and both shapes."""
        for key, value in state.items():
            shape = _shape_of(value)
            if shape is not None and shape != () and shape != tuple(p.shape):
                raise ValueError(f"{type(self).__name__}.load_state_dict: the saved {key!r} of "
                                 f"parameter {name} has shape {shape}, but the parameter has "
                                 f"shape {tuple(p.shape)}: the state was saved from a different "
                                 "model")

    def _param_name(self, p, saved_groups, key):
        """How an error names parameter p: its name where a group knows it, else its id."""
        for group in self.param_groups:
            names = group.get("param_names")
            if names:
                for name, q in zip(names, group["params"]):
                    if q is p:
                        return f"{name!r} (id {key})"
        for saved in saved_groups:
            names = saved.get("param_names")
            if names:
                for name, i in zip(names, saved["params"]):
                    if int(i) == int(key):
                        return f"{name!r} (id {key})"
        return f"{key}"

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items())
                      if k not in ("params", "param_names")]
        return "\n".join(lines + [")"])

    # ----------------------------------------------------------------- helpers for subclasses
    def _state_of(self, p, *buffers, **values):
        """p's state, set up on first use: step 0, the given values, and one zero buffer like p
        for each name in `buffers`."""
        state = self.state[p]
        if not state:
            state.update(step=0, **values, **{name: self._buffer(p) for name in buffers})
        return state

    @staticmethod
    def _buffer(like, fill=0.0):
        """A new state buffer shaped and laid out like the parameter (a Tensor outside every
        graph; the same memory order keeps elementwise updates contiguous)."""
        return leaf(np.full_like(like.array, fill))


def _decay(g, p, weight_decay):
    """g + λθ (L2 regularisation folded into the gradient)."""
    return g + weight_decay * p.array if weight_decay else g


def _check_param(who, p):
    if not isinstance(p, Tensor):
        raise TypeError(f"{who} can only optimize Tensors, got {type(p).__name__}")
    if not p.is_leaf:
        raise ValueError(f"{who} can't optimize a non-leaf tensor (shape {p.shape}, made by "
                         f"'{p.grad_fn.name()}'): optimize the leaf it was computed from")
    if not is_float(p.dtype):
        raise TypeError(f"{who}: parameter of dtype {p.dtype}; only floating-point tensors can "
                        "be optimized")


def _copy_state(value, dtype):
    """A deep copy of a state entry: tensors and arrays are copied (floating ones cast to
    `dtype` when given), containers copied, scalars made Python numbers."""
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        return value.item()
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value.array if isinstance(value, Tensor) else value)
        if dtype is not None and array.dtype.kind == "f":
            array = array.astype(dtype)
        return leaf(array) if isinstance(value, Tensor) else array
    if isinstance(value, dict):
        return {k: _copy_state(v, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_state(v, dtype) for v in value)
    return value


def _shape_of(value):
    """The shape of a state buffer (None for numbers and containers)."""
    if isinstance(value, (Tensor, np.ndarray)):
        return tuple(value.shape)
    return None


def _plain(value):
    """Options as Python values (a loaded file may give 0-d arrays or lists for tuples)."""
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else tuple(value.tolist())
    if isinstance(value, list):
        return tuple(value)
    return value
