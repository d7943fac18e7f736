"""Seeded random damage to an .npz and a .safetensors checkpoint (bit flips, overwritten bytes,
truncations, insertions, deletions): every load gives back exactly the saved object or raises
SerializationError; nothing else, and quickly. bench/bench_fuzz.py runs thousands of the same
mutations and prints the counts (python -m bench fuzz)."""
import importlib.util
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_fuzz", ROOT / "bench" / "bench_fuzz.py")
bench_fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_fuzz)

N = 1000


@pytest.mark.parametrize("format", bench_fuzz.formats())
def test_damaged_checkpoints_load_identically_or_are_refused(format):
    start = time.perf_counter()
    counts, slowest, examples = bench_fuzz.run(format, N, seed=10)
    assert examples == {}, f"bad outcomes (kind, seed, index): {examples}"
    assert sum(counts.values()) == N
    assert sum(c for (_, outcome), c in counts.items() if outcome == "refused") > N * 0.8
    assert {kind for kind, _ in counts} == set(bench_fuzz.KINDS)
    assert time.perf_counter() - start < 10 and slowest < 1.0


def test_the_fuzzer_catches_a_loader_that_lets_damage_through(monkeypatch):
    """The harness can fail: a load that ignores damage shows up as DIFFERENT."""
    import graphgrad as gg
    original = bench_fuzz.checkpoint()
    monkeypatch.setattr(gg, "load", lambda file: {"model": {}})
    assert bench_fuzz.outcome(original, b"whatever") == "DIFFERENT"

    def crash(file):
        raise NotImplementedError("zip oddity")
    monkeypatch.setattr(gg, "load", crash)
    assert bench_fuzz.outcome(original, b"whatever") == "crash:NotImplementedError"
