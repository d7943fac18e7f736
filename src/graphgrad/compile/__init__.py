"""gg.compile: a step recorded once and replayed as a flat program of NumPy calls.

trace.py (slots and operations), sweep.py (the traced backward), optimizers.py (optimizer steps
as NumPy code), patches.py (what changes while tracing), lowering.py (NumPy forms with out=),
program.py (dead code, buffers, source), check.py (check=True), api.py (compile, the cache).
"""
import sys
import types

from .api import CompiledFunction, CompileWarning, compile
from .check import CompileCheckError

__all__ = ["compile", "CompiledFunction", "CompileWarning", "CompileCheckError"]


class _CallableModule(types.ModuleType):
    """Importing graphgrad.compile makes gg.compile this package (Python sets the attribute):
    calling it still compiles."""

    def __call__(self, fn=None, **options):
        return compile(fn, **options)


sys.modules[__name__].__class__ = _CallableModule
