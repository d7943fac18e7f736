"""Run every benchmark module bench/bench_*.py (or those named): `python -m bench [name ...]`.

Each module defines ``main(quick=False)``, which prints its own table; `--quick` runs fewer
repetitions (for smoke tests).
"""
import argparse
import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv=None):
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if m.name.startswith("bench_"))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", help=f"benchmarks to run (of {', '.join(names)})")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    for name in args.only or names:
        name = name if name.startswith("bench_") else f"bench_{name}"
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").main(quick=args.quick)
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
