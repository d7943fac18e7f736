"""The `graphgrad` command line: one subcommand per module in graphgrad.commands.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> exit code`` as the parser's default.
"""
import argparse
import importlib
import pkgutil
import sys

from . import commands

#: Commands listed first by `graphgrad --help`; any other module in graphgrad.commands follows.
ORDER = ("train", "graph", "explain", "demo")


def command_names():
    found = [m.name for m in pkgutil.iter_modules(commands.__path__)]
    return [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="graphgrad",
        description="Compute graphs and automatic differentiation: forward and backward "
                    "propagation, and neural networks built on them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_names():
        importlib.import_module(f"graphgrad.commands.{name}").register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:       # the main job
        args = parser.parse_args(["train"])   # any option without a command failed above
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
